//! `cccd serve` and `cccd gateway-sim` as child processes for the end-to-end tests (included
//! by `tests/serve.rs` and `tests/browser.rs` with `#[path]`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use super::common::{DEADLINE, cccd_path, spawn_lines};
use super::http::{self, Events, get, post_json};

pub const KEY: &str = "serve-test-key-0123456789abcdef";
/// The default virtual card's CAN and ID number.
pub const CAN: &str = "012345";
pub const ID: &str = "038095012345";
/// Long enough for anything on a loaded machine; waiting ends as soon as the thing happens.
pub const LONG: Duration = Duration::from_secs(60);

pub fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cccd-serve-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A child process killed on drop.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `cccd [--config CONFIG] demo --json` (without `$CCCD_CONFIG`): the process and its start-up
/// line (`url`, `listen`, `apiKey`, ...).
pub fn start_demo(config: Option<&Path>) -> (Proc, Value) {
    let mut cmd = Command::new(cccd_path());
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    let mut child = cmd
        .args(["demo", "--json"])
        .env_remove("CCCD_CONFIG")
        .env("CCCD_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start cccd demo");
    let lines = spawn_lines(child.stdout.take().unwrap());
    let proc = Proc(child);
    let first = lines
        .recv_timeout(DEADLINE)
        .expect("cccd demo printed no start-up line");
    (
        proc,
        serde_json::from_str(&first).expect("a JSON start-up line"),
    )
}

/// `cccd gateway-sim --listen 127.0.0.1:0 --json`.
pub struct Gateway {
    proc: Option<Proc>,
    addr: String,
    args: Vec<String>,
}

impl Gateway {
    pub fn start() -> Self {
        Self::start_with(&[])
    }

    /// With extra arguments (`--fault slow-copayment:1500`...).
    pub fn start_with(args: &[&str]) -> Self {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        let (proc, addr) = Self::spawn("127.0.0.1:0", &args);
        Self {
            proc: Some(proc),
            addr,
            args,
        }
    }

    /// Starts the simulator again on the same address (a new process: counters from zero).
    pub fn restart(&mut self) {
        self.proc = None;
        let (proc, addr) = Self::spawn(&self.addr, &self.args);
        assert_eq!(addr, self.addr);
        self.proc = Some(proc);
    }

    fn spawn(listen: &str, args: &[String]) -> (Proc, String) {
        let mut child = Command::new(cccd_path())
            .args(["gateway-sim", "--listen", listen, "--json"])
            .args(args)
            .env("CCCD_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start cccd gateway-sim");
        let lines = spawn_lines(child.stdout.take().unwrap());
        let first = lines
            .recv_timeout(DEADLINE)
            .expect("cccd gateway-sim printed no start-up line");
        let v: Value = serde_json::from_str(&first).unwrap();
        (Proc(child), v["listen"].as_str().unwrap().to_owned())
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `GET /sim/stats`.
    pub fn stats(&self) -> Value {
        get(&self.addr, "/sim/stats", None).json()
    }

    /// Stops the simulator: the gateway is down.
    pub fn kill(&mut self) {
        self.proc = None;
    }
}

/// `cccd serve` on a free port with a configuration naming the gateway simulator.
pub struct Daemon {
    _proc: Proc,
    pub addr: String,
    /// The listener of `[server] metrics_listen` (GET /metrics alone), when configured.
    pub metrics_addr: Option<String>,
    pub dir: PathBuf,
}

/// The configuration of the tests: a key, the gateway simulator, vpcd slot 1 ignored (the
/// simulator uses slot 0), an allowed origin.
pub fn write_config(dir: &Path, gateway_url: &str, origins: &[String]) -> PathBuf {
    let pass = dir.join("bhxh.pass");
    std::fs::write(&pass, "cccd-sim-demo\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[reader]\n\
             ignore = [\"Virtual PCD 00 01\"]\n\
             [eligibility]\n\
             gateway_url = \"{gateway_url}\"\n\
             username = \"38001_BV\"\n\
             password_file = {pass:?}\n\
             facility_code = \"38001\"\n\
             operator_name = \"Trần Thị Bình\"\n\
             operator_id = \"038190000001\"\n\
             timeout_secs = 10\n\
             cache_path = {cache:?}\n\
             [server]\n\
             listen = [\"127.0.0.1:0\"]\n\
             api_keys = [\"{KEY}\"]\n\
             metrics_listen = [\"127.0.0.1:0\"]\n\
             allowed_origins = {origins}\n\
             audit_path = {audit:?}\n",
            pass = pass.display().to_string(),
            cache = dir.join("cache.sqlite").display().to_string(),
            audit = dir.join("audit.sqlite").display().to_string(),
            origins = serde_json::to_string(origins).unwrap(),
        ),
    )
    .unwrap();
    config
}

impl Daemon {
    pub fn start(dir: &Path, config: &Path) -> Self {
        let log = File::create(dir.join("serve.log")).unwrap();
        let mut child = Command::new(cccd_path())
            .arg("--config")
            .arg(config)
            .args(["serve", "--allow-test-csca", "--json"])
            .env_remove("CCCD_CONFIG")
            .env("CCCD_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("start cccd serve");
        let lines = spawn_lines(child.stdout.take().unwrap());
        let proc = Proc(child);
        let first = lines.recv_timeout(DEADLINE).unwrap_or_else(|_| {
            panic!(
                "cccd serve printed no start-up line: {}",
                std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default()
            )
        });
        let v: Value = serde_json::from_str(&first).expect("a JSON start-up line");
        let addr = v["listen"][0].as_str().unwrap().to_owned();
        assert_eq!(v["url"], format!("http://{addr}/"));
        assert!(v.get("apiKey").is_none(), "serve never prints a key");
        let daemon = Self {
            _proc: proc,
            addr,
            metrics_addr: v["metricsListen"][0].as_str().map(str::to_owned),
            dir: dir.to_owned(),
        };
        daemon.wait_probed();
        daemon
    }

    /// Waits until the start-up probe of the gateway accounts is done (when eligibility is
    /// configured), so that what a test counts at the gateway is its own requests; returns the
    /// health document.
    pub fn wait_probed(&self) -> Value {
        let end = std::time::Instant::now() + LONG;
        loop {
            let h = get(&self.addr, "/v1/health", None).json();
            if h["eligibility"] != true
                || h["gatewayAccounts"]
                    .as_array()
                    .is_some_and(|a| !a.is_empty())
            {
                return h;
            }
            assert!(
                std::time::Instant::now() < end,
                "the accounts were never probed: {h}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `GET` with the key.
    pub fn get(&self, path: &str) -> http::Response {
        get(&self.addr, path, Some(KEY))
    }

    /// `DELETE` with the key.
    pub fn delete(&self, path: &str) -> http::Response {
        let auth = format!("Bearer {KEY}");
        http::request(
            &self.addr,
            "DELETE",
            path,
            &[("Authorization", &auth)],
            None,
        )
    }

    /// `POST` of a JSON body with the key.
    pub fn post(&self, path: &str, body: &Value) -> http::Response {
        post_json(&self.addr, path, Some(KEY), body)
    }

    /// The event stream from the start (`Last-Event-ID: 0` replays what is buffered).
    pub fn events(&self) -> Events {
        let auth = format!("Bearer {KEY}");
        let ev = Events::open(
            &self.addr,
            "/v1/events",
            &[("Authorization", &auth), ("Last-Event-ID", "0")],
        );
        assert_eq!(ev.status, 200, "{}", ev.head);
        ev
    }

    pub fn read(&self, body: &Value) -> http::Response {
        post_json(&self.addr, "/v1/cards/read", Some(KEY), body)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("serve.log")).unwrap_or_default()
    }
}
