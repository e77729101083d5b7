//! Request bodies as the gateway accepts them: JSON or form-urlencoded.

use axum::http::{HeaderMap, header};
use serde_json::{Map, Value};

use crate::wire::lowercase_keys;

/// A request body as a lower-cased JSON object, whether sent as JSON or form-urlencoded.
pub(super) fn body_fields(headers: &HeaderMap, body: &[u8]) -> Map<String, Value> {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let value = if is_form {
        let pairs = url_decode_pairs(body);
        Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    } else {
        serde_json::from_slice(body).unwrap_or(Value::Null)
    };
    match lowercase_keys(value) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Decodes `application/x-www-form-urlencoded` (WHATWG URL standard §5.1: `+` is a space,
/// `%XX` a byte).
pub(super) fn url_decode_pairs(body: &[u8]) -> Vec<(String, String)> {
    fn hex_val(b: u8) -> Option<u8> {
        (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
    }
    fn decode(s: &[u8]) -> String {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' => match (
                    s.get(i + 1).and_then(|b| hex_val(*b)),
                    s.get(i + 2).and_then(|b| hex_val(*b)),
                ) {
                    (Some(h), Some(l)) => {
                        out.push(h << 4 | l);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    body.split(|b| *b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.iter().position(|b| *b == b'=') {
            Some(eq) => (decode(&p[..eq]), decode(&p[eq + 1..])),
            None => (decode(p), String::new()),
        })
        .collect()
}
