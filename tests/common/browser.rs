//! Headless Chromium (Debian's `chromium` and `chromium-driver`) driven over WebDriver: a small
//! client over plain HTTP, no Selenium (included by `tests/browser.rs` and `tests/examples.rs`
//! with `#[path]`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::daemon::{LONG, Proc, temp_dir};
use super::http::{self, post_json, request};

/// The Enter key in WebDriver's key codes.
pub const ENTER: char = '\u{E007}';
/// The W3C web element identifier.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn which(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(cmd))
            .find(|p| p.is_file())
    })
}

/// chromedriver with a headless Chromium session.
pub struct Browser {
    _driver: Proc,
    addr: String,
    session: String,
    _profile: PathBuf,
}

impl Browser {
    pub fn start(tag: &str) -> Self {
        let driver = which("chromedriver").expect(
            "these tests need headless Chromium: install the Debian packages chromium and chromium-driver (scripts/test does)",
        );
        let chromium = ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .find_map(|c| which(c))
            .expect("chromium is not installed (Debian package chromium)");
        let port = free_port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Proc(child);
        let addr = format!("127.0.0.1:{port}");
        let end = Instant::now() + LONG;
        loop {
            if std::net::TcpStream::connect(&addr).is_ok()
                && http::get(&addr, "/status", None).json()["value"]["ready"] == true
            {
                break;
            }
            assert!(Instant::now() < end, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = temp_dir(&format!("chromium-{tag}"));
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1100,1150",
                    format!("--user-data-dir={}", profile.display()),
                ],
            },
        }}});
        let r = post_json(&addr, "/session", None, &caps);
        let v = r.json();
        assert_eq!(r.status, 200, "no browser session: {v}");
        let session = v["value"]["sessionId"].as_str().unwrap().to_owned();
        Self {
            _driver: driver,
            addr,
            session,
            _profile: profile,
        }
    }

    pub fn cmd(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        let body = body.map(Value::to_string);
        let r = request(
            &self.addr,
            method,
            &path,
            &[("Content-Type", "application/json")],
            body.as_deref().map(str::as_bytes),
        );
        let v = r.json();
        assert_eq!(r.status, 200, "{method} {path}: {v}");
        v["value"].clone()
    }

    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(&json!({ "url": url })));
    }

    pub fn element(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(&json!({ "using": "css selector", "value": css })),
        );
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_owned()
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.element(css);
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(&json!({ "text": text })),
        );
    }

    pub fn click(&self, css: &str) {
        let e = self.element(css);
        self.cmd("POST", &format!("/element/{e}/click"), Some(&json!({})));
    }

    /// Runs `script` (a function body) in the page.
    pub fn js(&self, script: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(&json!({ "script": script, "args": [] })),
        )
    }

    /// Polls `script` until it returns something truthy (returned), panicking after `LONG`.
    pub fn wait_js(&self, what: &str, script: &str) -> Value {
        let end = Instant::now() + LONG;
        loop {
            let v = self.js(script);
            if !(v.is_null() || v == false || v == "") {
                return v;
            }
            assert!(Instant::now() < end, "never saw {what}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn screenshot(&self, path: &Path) {
        let v = self.cmd("GET", "/screenshot", None);
        let png = base64_decode(v.as_str().unwrap());
        assert_eq!(&png[1..4], b"PNG");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = request(
            &self.addr,
            "DELETE",
            &format!("/session/{}", self.session),
            &[],
            None,
        );
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .map(val)
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for c in bytes.chunks(4) {
        let n = c
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (u32::from(b) << (18 - 6 * i)));
        out.extend_from_slice(&n.to_be_bytes()[1..c.len()]);
    }
    out
}
