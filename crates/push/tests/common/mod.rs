//! A real HTTP receiver for the delivery tests: a `std` TCP listener answering each request as
//! its script says (answer, wait, fail, drop the connection), verifying every signature with
//! the `hmac` crate over the string the specification documents, independently of the crate.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::prelude::BASE64_STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The test key, and its `whsec_` form.
pub const KEY: [u8; 32] = [0x5a; 32];

pub fn secret_text() -> String {
    format!("whsec_{}", BASE64_STANDARD.encode(KEY))
}

/// A fresh folder for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cccd-push-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the test secret to `dir/secret`.
pub fn secret_file(dir: &Path) -> PathBuf {
    let p = dir.join("secret");
    std::fs::write(&p, secret_text() + "\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    p
}

/// A port nothing listens on (bound, then released): an endpoint that is down.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// What the receiver does with one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Behaviour {
    /// Accept it, 204.
    Accept,
    /// Answer this status without accepting it.
    Status(u16),
    /// Accept it, but answer 200 only after this long.
    Slow(Duration),
    /// Read the headers, then close the connection without reading the body or answering.
    DropMidRequest,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    pub accepted: bool,
}

impl Received {
    pub fn id(&self) -> &str {
        &self.headers["webhook-id"]
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Behaviour>,
    requests: Vec<Received>,
    /// Accepted requests, in the order they were accepted.
    accepted: Vec<Received>,
}

/// The receiver; stops when dropped.
pub struct Receiver {
    pub port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// The independent signature check: HMAC-SHA256 over `id.timestamp.body`, `v1,` + base64.
pub fn signature_ok(headers: &HashMap<String, String>, body: &[u8]) -> bool {
    let (Some(id), Some(ts), Some(sigs)) = (
        headers.get("webhook-id"),
        headers.get("webhook-timestamp"),
        headers.get("webhook-signature"),
    ) else {
        return false;
    };
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&KEY).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(body);
    let want = format!("v1,{}", BASE64_STANDARD.encode(mac.finalize().into_bytes()));
    sigs.split(' ').any(|s| s == want)
}

impl Receiver {
    /// Listens on `port` (0: any), answering by `script`, then accepting.
    pub fn start(port: u16, script: &[Behaviour]) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            script: script.iter().copied().collect(),
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let s = s.clone();
                std::thread::spawn(move || serve(conn, &s));
            }
        });
        Self { port, state, stop }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    /// Changes what the next requests get.
    pub fn script(&self, script: &[Behaviour]) {
        self.state.lock().unwrap().script = script.iter().copied().collect();
    }

    pub fn requests(&self) -> Vec<Received> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn accepted(&self) -> Vec<Received> {
        self.state.lock().unwrap().accepted.clone()
    }

    /// The accepted ids, each once, in the order first accepted (the receiver's de-duplication).
    pub fn unique_ids(&self) -> Vec<String> {
        let mut seen = Vec::new();
        for r in self.accepted() {
            if !seen.iter().any(|s: &String| s == r.id()) {
                seen.push(r.id().to_owned());
            }
        }
        seen
    }

    /// Waits until `n` distinct events were accepted; false on timeout.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if self.unique_ids().len() >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// Waits until `n` requests arrived (accepted or not).
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if self.requests().len() >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        false
    }
}

fn serve(conn: TcpStream, state: &Mutex<State>) {
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut out = conn.try_clone().unwrap();
    let mut reader = BufReader::new(conn);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 {
                return;
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
            }
        }
        let behaviour = state
            .lock()
            .unwrap()
            .script
            .pop_front()
            .unwrap_or(Behaviour::Accept);
        if behaviour == Behaviour::DropMidRequest {
            state.lock().unwrap().requests.push(Received {
                headers,
                body: Vec::new(),
                accepted: false,
            });
            return;
        }
        let len: usize = headers
            .get("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let verified = signature_ok(&headers, &body);
        let accepted = verified && matches!(behaviour, Behaviour::Accept | Behaviour::Slow(_));
        let received = Received {
            headers,
            body,
            accepted,
        };
        state.lock().unwrap().requests.push(received.clone());
        let status = match behaviour {
            _ if !verified => 401,
            Behaviour::Status(s) => s,
            Behaviour::Slow(d) => {
                std::thread::sleep(d);
                200
            }
            _ => 204,
        };
        if accepted {
            state.lock().unwrap().accepted.push(received);
        }
        let answer = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n");
        if out.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}
