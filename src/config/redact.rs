//! Configuration errors that never show a value: the value of a mistyped key may be a secret (an
//! API key given as a string instead of a list, a password pasted into the wrong key), and the
//! messages of serde and toml quote what they could not use (`invalid type: string "…"`). The
//! message keeps what to fix (the key and line, the expected type), never the value.

/// `message` with every quoted value serde puts in it (`string "…"`, `integer `…``,
/// `floating point `…``) replaced by its kind alone. Variant names (`unknown variant `x``) stay:
/// they are the file's words for a choice, never a secret.
pub(super) fn without_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    loop {
        let next = [
            ("string \"", Close::Quote, "a string"),
            ("integer `", Close::Backtick, "an integer"),
            ("floating point `", Close::Backtick, "a number"),
        ]
        .into_iter()
        .filter_map(|(open, close, kind)| rest.find(open).map(|i| (i, open, close, kind)))
        .min_by_key(|(i, ..)| *i);
        let Some((i, open, close, kind)) = next else {
            out.push_str(rest);
            return out;
        };
        out.push_str(&rest[..i]);
        out.push_str(kind);
        out.push_str(" (value not shown)");
        rest = close.after(&rest[i + open.len()..]);
    }
}

#[derive(Clone, Copy)]
enum Close {
    /// A Rust `Debug` string: ends at the first `"` not escaped by a backslash.
    Quote,
    Backtick,
}

impl Close {
    /// What follows the closing character in `s` (nothing when it never closes).
    fn after(self, s: &str) -> &str {
        let mut escaped = false;
        for (i, c) in s.char_indices() {
            match (self, c) {
                (Close::Quote, '\\') if !escaped => escaped = true,
                (Close::Quote, '"') if !escaped => return &s[i + 1..],
                (Close::Backtick, '`') => return &s[i + 1..],
                _ => escaped = false,
            }
        }
        ""
    }
}

/// ` (line N, key K)` for the byte range `span` of `text`, the key being what the line has
/// before its `=`; empty without a span.
pub(super) fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(span) = span else {
        return String::new();
    };
    let start = span.start.min(text.len());
    let line_no = text[..start].matches('\n').count() + 1;
    let line = text[..start]
        .rfind('\n')
        .map_or(text, |i| &text[i + 1..])
        .lines()
        .next()
        .unwrap_or("");
    match line.split_once('=') {
        Some((key, _)) if !key.trim().is_empty() && !key.trim_start().starts_with('[') => {
            format!(" (line {line_no}, key `{}`)", key.trim())
        }
        _ => format!(" (line {line_no})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_are_removed_and_the_rest_kept() {
        assert_eq!(
            without_values(r#"invalid type: string "s3cr\"et", expected a sequence"#),
            "invalid type: a string (value not shown), expected a sequence"
        );
        assert_eq!(
            without_values("invalid type: integer `123456789`, expected a string"),
            "invalid type: an integer (value not shown), expected a string"
        );
        assert_eq!(
            without_values("invalid type: floating point `1.5`, expected u64; string \"x\""),
            "invalid type: a number (value not shown), expected u64; a string (value not shown)"
        );
        assert_eq!(
            without_values("unknown variant `maybe`, expected `account` or `facility-code`"),
            "unknown variant `maybe`, expected `account` or `facility-code`"
        );
        assert_eq!(
            without_values("string \"never closed"),
            "a string (value not shown)"
        );
        assert_eq!(without_values(""), "");
    }

    #[test]
    fn the_location_names_the_line_and_key() {
        let text = "[server]\napi_keys = \"k\"\n";
        let at = text.find("\"k\"").unwrap();
        assert_eq!(
            location(text, Some(at..at + 3)),
            " (line 2, key `api_keys`)"
        );
        assert_eq!(location(text, Some(0..1)), " (line 1)");
        assert_eq!(location(text, None), "");
    }
}
