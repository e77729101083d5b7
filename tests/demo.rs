//! End to end: `cccd demo --json` as a child process, spoken to over real HTTP: health, the
//! reception page, a read of the virtual card (citizen record, `genuine`, `eligible`) and the
//! server-sent events of that read, in order; the page's credential and its small rights; the
//! read's session deleted, and nothing of it left to replay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request; returns (status, headers text, body).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&str>,
) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(k) = key {
        req += &format!("Authorization: Bearer {k}\r\n");
    }
    let body = body.unwrap_or("");
    req += &format!(
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, head, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let n = usize::from_str_radix(std::str::from_utf8(&b[..eol]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
    out
}

#[test]
fn demo_serves_a_full_read_over_http_with_events_in_order() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cccd"))
        .args(["demo", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _guard = Demo(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let start: Value = serde_json::from_str(&line).expect("a JSON start-up line");
    let url = start["url"].as_str().unwrap();
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let key = start["apiKey"].as_str().unwrap().to_owned();
    let can = start["can"].as_str().unwrap().to_owned();

    let (status, _, body) = http(&addr, "GET", "/v1/health", None, None);
    assert_eq!(status, 200);
    let health: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(health["demo"], true);
    let (status, head, page) = http(&addr, "GET", "/", None, None);
    assert_eq!(status, 200);
    assert!(head.contains("HttpOnly"));
    assert!(String::from_utf8_lossy(&page).contains("Đặt thẻ lên đầu đọc"));

    // The event stream, on its own connection, read on a thread.
    let (tx, rx) = mpsc::channel::<(String, Value)>();
    {
        let (addr, key) = (addr.clone(), key.clone());
        std::thread::spawn(move || {
            let mut s = TcpStream::connect(&addr).unwrap();
            write!(s, "GET /v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nLast-Event-ID: 0\r\n\r\n").unwrap();
            let mut r = BufReader::new(s);
            let mut name = String::new();
            let mut l = String::new();
            while r.read_line(&mut l).map(|n| n > 0).unwrap_or(false) {
                let t = l.trim_end();
                if let Some(v) = t.strip_prefix("event:") {
                    name = v.trim().to_owned();
                } else if let Some(v) = t.strip_prefix("data:")
                    && !name.is_empty()
                {
                    let data = serde_json::from_str(v.trim()).unwrap_or(Value::Null);
                    let _ = tx.send((std::mem::take(&mut name), data));
                }
                l.clear();
            }
        });
    }
    // Resuming from id 0 replays the start-up `reader.added`: once it is here, the stream is
    // subscribed and will see every event of the read.
    let (first, _) = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the stream is up");
    assert_eq!(first, "reader.added");
    let (status, _, _) = http(&addr, "POST", "/v1/demo/tap", Some(&key), None);
    assert_eq!(status, 204);
    let (status, read_head, body) = http(
        &addr,
        "POST",
        "/v1/cards/read",
        Some(&key),
        Some(&format!("{{\"can\":\"{can}\",\"waitSeconds\":20}}")),
    );
    let read: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200, "{read}");
    assert!(
        read_head
            .to_ascii_lowercase()
            .contains("cache-control: no-store"),
        "{read_head}"
    );
    assert_eq!(read["citizen"]["idNumber"], "038095012345");
    assert_eq!(read["verification"]["verdict"], "genuine");
    assert_eq!(read["eligibility"]["category"], "eligible");
    let (status, head, photo) = http(
        &addr,
        "GET",
        read["photoUrl"].as_str().unwrap(),
        Some(&key),
        None,
    );
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: image/jpeg")
    );
    assert_eq!(&photo[..2], &[0xFF, 0xD8]);

    let mut names = Vec::new();
    while names.last().map(String::as_str) != Some("card.removed") {
        let (n, _) = rx.recv_timeout(Duration::from_secs(20)).expect("events");
        if n != "card.progress" {
            names.push(n);
        }
    }
    assert_eq!(
        names,
        [
            "card.inserted",
            "card.read",
            "card.verified",
            "card.photo",
            "eligibility.result",
            "card.removed"
        ]
    );

    // The page's credential (this test connects from 127.0.0.1: the server saw a loopback
    // peer) lists the readers but may not look up a number at the gateway.
    let (_, page_head, _) = http(&addr, "GET", "/", None, None);
    let cookie = page_head
        .lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let with_cookie = |method: &str, path: &str, body: &str| {
        let mut s = TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        raw
    };
    assert!(with_cookie("GET", "/v1/readers", "").starts_with("HTTP/1.1 200"));
    let refused = with_cookie(
        "POST",
        "/v1/eligibility/check",
        r#"{"id":"038095012345","name":"Nguyễn Văn An","dob":"17/08/1995"}"#,
    );
    assert!(
        refused.starts_with("HTTP/1.1 403") && refused.contains("page-not-allowed"),
        "{refused}"
    );

    // Deleted: nothing of the read replays from the event buffer any more.
    let sid = read["sessionId"].as_str().unwrap();
    let (status, _, _) = http(
        &addr,
        "DELETE",
        &format!("/v1/sessions/{sid}"),
        Some(&key),
        None,
    );
    assert_eq!(status, 204);
    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    write!(s, "GET /v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nLast-Event-ID: 0\r\n\r\n").unwrap();
    let mut replay = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        replay.extend_from_slice(&buf[..n]);
    }
    let replay = String::from_utf8_lossy(&replay);
    assert!(replay.contains("reader.added"), "{replay}");
    assert!(
        !replay.contains(sid)
            && !replay.contains("Nguyễn Văn An")
            && !replay.contains("038095012345"),
        "the deleted read replays: {replay}"
    );
}

/// `cccd demo` finds its configuration as `cccd serve` does (`--config`, `$CCCD_CONFIG`) and
/// applies `[server]`: an origin of `allowed_origins` is granted CORS, another is refused, and
/// the configured `api_keys` are not the demo's (it prints its own).
#[test]
fn demo_applies_the_configured_server_section() {
    let dir = std::env::temp_dir().join(format!("cccd-demo-config-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        "[server]\nlisten = [\"127.0.0.1:1\"]\napi_keys = [\"the-desk-s-own-key-0123456789\"]\nallowed_origins = [\"http://his.example:8080\"]\nprivate_facility = true\n",
    )
    .unwrap();
    for by_env in [false, true] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_cccd"));
        if by_env {
            cmd.env("CCCD_CONFIG", &config).args(["demo", "--json"]);
        } else {
            cmd.env_remove("CCCD_CONFIG")
                .arg("--config")
                .arg(&config)
                .args(["demo", "--json"]);
        }
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let _guard = Demo(child);
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let start: Value = serde_json::from_str(&line).expect("a JSON start-up line");
        let addr = start["listen"][0].as_str().unwrap().to_owned();
        assert!(
            addr.starts_with("127.0.0.1:") && addr != "127.0.0.1:1",
            "{addr}"
        );
        let preflight = |origin: &str| {
            let mut s = TcpStream::connect(&addr).unwrap();
            write!(
                s,
                "OPTIONS /v1/cards/read HTTP/1.1\r\nHost: {addr}\r\nOrigin: {origin}\r\nAccess-Control-Request-Method: POST\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut raw = String::new();
            s.read_to_string(&mut raw).unwrap();
            raw.to_ascii_lowercase()
        };
        let allowed = preflight("http://his.example:8080");
        assert!(
            allowed.contains("access-control-allow-origin: http://his.example:8080"),
            "{allowed}"
        );
        let refused = preflight("http://other.example:8080");
        assert!(
            refused.contains("origin-not-allowed")
                && !refused.contains("access-control-allow-origin"),
            "{refused}"
        );
        // The desk's own key is not the demo's; the private facility is.
        let key = start["apiKey"].as_str().unwrap();
        assert_ne!(key, "the-desk-s-own-key-0123456789");
        let (status, _, _) = http(
            &addr,
            "GET",
            "/v1/readers",
            Some("the-desk-s-own-key-0123456789"),
            None,
        );
        assert_eq!(status, 401);
        let (status, _, body) = http(
            &addr,
            "POST",
            "/v1/cards/read",
            Some(key),
            Some(r#"{"can":"012345","waitSeconds":1}"#),
        );
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (status, &v["error"]["code"]),
            (400, &json!("consent-required")),
            "{v}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
