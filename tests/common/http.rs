//! A tiny blocking HTTP/1.1 client for the end-to-end tests (one request per connection,
//! `Connection: close`), a server-sent events reader and a minimal static file server: enough
//! for the daemon, the gateway simulator and chromedriver, without an HTTP client crate.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request to `addr` (`host:port`); `Host` is `addr` unless given in `headers`.
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Response {
    request_timeout(addr, method, path, headers, body, Duration::from_secs(120))
}

pub fn request_timeout(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
    timeout: Duration,
) -> Response {
    let mut s = TcpStream::connect(addr).unwrap_or_else(|e| panic!("connect {addr}: {e}"));
    s.set_read_timeout(Some(timeout)).unwrap();
    let _ = s.set_nodelay(true);
    let mut req = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
        req += &format!("Host: {addr}\r\n");
    }
    for (n, v) in headers {
        req += &format!("{n}: {v}\r\n");
    }
    let body = body.unwrap_or_default();
    if !body.is_empty() || method == "POST" || method == "PUT" {
        req += &format!("Content-Length: {}\r\n", body.len());
    }
    req += "\r\n";
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    s.write_all(&bytes).unwrap();
    // Read until the body is complete: by Content-Length, the last chunk, or the end of the
    // connection (some servers, chromedriver among them, keep it open despite `close`).
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        if response_complete(&raw, method) {
            break;
        }
        let n = s
            .read(&mut buf)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    parse_response(&raw)
}

fn response_complete(raw: &[u8], method: &str) -> bool {
    let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = &raw[split + 4..];
    let status_no_body = head
        .split(' ')
        .nth(1)
        .is_some_and(|s| s == "204" || s == "304" || s.starts_with('1'));
    if method == "HEAD" || status_no_body {
        return true;
    }
    for line in head.split("\r\n") {
        if let Some(v) = line.strip_prefix("content-length:") {
            return v.trim().parse::<usize>().is_ok_and(|n| body.len() >= n);
        }
        if line.starts_with("transfer-encoding:") && line.contains("chunked") {
            return body.ends_with(b"0\r\n\r\n");
        }
    }
    false
}

/// `POST` of a JSON body with a Bearer key.
pub fn post_json(addr: &str, path: &str, key: Option<&str>, body: &Value) -> Response {
    let auth = key.map(|k| format!("Bearer {k}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    request(
        addr,
        "POST",
        path,
        &headers,
        Some(body.to_string().as_bytes()),
    )
}

/// `GET` with a Bearer key.
pub fn get(addr: &str, path: &str, key: Option<&str>) -> Response {
    let auth = key.map(|k| format!("Bearer {k}"));
    let mut headers = Vec::new();
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    request(addr, "GET", path, &headers, None)
}

fn parse_response(raw: &[u8]) -> Response {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line: {head}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"))
    {
        body = dechunk(&body);
    }
    Response {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&b[..eol]).unwrap().trim();
        let size = size.split(';').next().unwrap_or("0");
        let n = usize::from_str_radix(size, 16).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + n]);
        b = &b[eol + 2 + n + 2..];
    }
    out
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct Event {
    pub name: String,
    pub id: Option<String>,
    pub data: Value,
}

/// A server-sent events stream read on a thread.
pub struct Events {
    rx: Receiver<Event>,
    stream: TcpStream,
    /// The response's status and head.
    pub status: u16,
    pub head: String,
}

impl Events {
    /// Opens `GET path` (e.g. `/v1/events` or `/v1/events?ticket=...`) with extra headers.
    pub fn open(addr: &str, path: &str, headers: &[(&str, &str)]) -> Self {
        let mut s = TcpStream::connect(addr).unwrap();
        let mut req =
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n");
        for (n, v) in headers {
            req += &format!("{n}: {v}\r\n");
        }
        req += "\r\n";
        s.write_all(req.as_bytes()).unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut head = String::new();
        let mut l = String::new();
        while r.read_line(&mut l).map(|n| n > 0).unwrap_or(false) {
            if l == "\r\n" {
                break;
            }
            head += &l;
            l.clear();
        }
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let (tx, rx) = channel();
        let chunked = head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked");
        std::thread::spawn(move || {
            let (mut name, mut id, mut data) = (String::new(), None, String::new());
            let mut l = String::new();
            while r.read_line(&mut l).map(|n| n > 0).unwrap_or(false) {
                let t = l.trim_end_matches(['\r', '\n']);
                // Chunk-size lines of a chunked body are skipped (events never start with hex
                // digits alone).
                let is_chunk_size =
                    chunked && !t.is_empty() && t.chars().all(|c| c.is_ascii_hexdigit());
                if is_chunk_size {
                } else if let Some(v) = t.strip_prefix("event:") {
                    name = v.trim().to_owned();
                } else if let Some(v) = t.strip_prefix("id:") {
                    id = Some(v.trim().to_owned());
                } else if let Some(v) = t.strip_prefix("data:") {
                    data += v.trim();
                } else if t.is_empty() && !name.is_empty() {
                    let ev = Event {
                        name: std::mem::take(&mut name),
                        id: id.take(),
                        data: serde_json::from_str(&std::mem::take(&mut data))
                            .unwrap_or(Value::Null),
                    };
                    if tx.send(ev).is_err() {
                        break;
                    }
                } else if t.is_empty() {
                    data.clear();
                }
                l.clear();
            }
        });
        Self {
            rx,
            stream: s,
            status,
            head,
        }
    }

    /// The next event within `timeout`.
    pub fn next(&self, timeout: Duration) -> Option<Event> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// Waits for an event for which `pred` holds, returning it and every event before it.
    pub fn until(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Event) -> bool,
    ) -> (Event, Vec<Event>) {
        let end = Instant::now() + timeout;
        let mut seen = Vec::new();
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(e) if pred(&e) => return (e, seen),
                Ok(e) => seen.push(e),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    let names: Vec<&str> = seen.iter().map(|e| e.name.as_str()).collect();
                    panic!("never saw {what}; saw {names:?}")
                }
            }
        }
    }
}

impl Drop for Events {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

/// A static HTTP server on 127.0.0.1 (a free port) serving one page at `/` (any query), or
/// files at their paths ([`StaticServer::files`]), on a thread.
pub struct StaticServer {
    pub addr: String,
    stop: Arc<AtomicBool>,
}

/// A file a [`StaticServer`] serves: its path, content type and bytes.
pub type StaticFile = (String, &'static str, Vec<u8>);

impl StaticServer {
    pub fn start(page: String) -> Self {
        Self::files(
            "127.0.0.1:0",
            vec![("/".into(), "text/html; charset=utf-8", page.into_bytes())],
        )
    }

    /// Serves `files` on `bind` (`10.77.0.1:0`: a free port of that address).
    pub fn files(bind: &str, files: Vec<StaticFile>) -> Self {
        let listener = TcpListener::bind(bind).unwrap_or_else(|e| panic!("bind {bind}: {e}"));
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let files = Arc::new(files);
        let st = stop.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut c) = conn else { continue };
                let files = files.clone();
                std::thread::spawn(move || {
                    let mut r = BufReader::new(c.try_clone().unwrap());
                    let mut first = String::new();
                    let _ = r.read_line(&mut first);
                    let mut l = String::new();
                    while r.read_line(&mut l).map(|n| n > 2).unwrap_or(false) {
                        l.clear();
                    }
                    let path = first.split(' ').nth(1).unwrap_or("");
                    let path = path.split('?').next().unwrap_or("");
                    let found = files
                        .iter()
                        .find(|(p, _, _)| first.starts_with("GET ") && p == path);
                    let (status, ctype, body) = match found {
                        Some((_, ctype, body)) => ("200 OK", *ctype, body.as_slice()),
                        None => ("404 Not Found", "text/plain", b"not found".as_slice()),
                    };
                    let _ = write!(
                        c,
                        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = c.write_all(body);
                });
            }
        });
        Self { addr, stop }
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(&self.addr);
    }
}
