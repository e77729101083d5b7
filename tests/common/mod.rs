//! Helpers of the end-to-end tests: run `cccd` commands and a `cccd sim` child, through the
//! real pcscd with the vsmartcard vpcd driver (scripts/test starts it).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Generous deadline for something pcscd has to notice; waiting ends as soon as it happens.
pub const DEADLINE: Duration = Duration::from_secs(20);

pub fn cccd_path() -> &'static str {
    env!("CARGO_BIN_EXE_cccd")
}

/// Runs `cccd ARGS` to completion.
pub fn cccd(args: &[&str]) -> Output {
    Command::new(cccd_path())
        .args(args)
        .env_remove("CCCD_CONFIG")
        .env("CCCD_LOG", "warn")
        .output()
        .expect("run cccd")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(o), stderr(o)))
}

/// Holds the lock that serializes tests using pcscd's virtual reader slots, across threads and
/// test processes (cargo test and nextest alike).
pub struct SlotLock(File);

pub fn lock_slots() -> SlotLock {
    let f = File::create(std::env::temp_dir().join("cccd-bridge-vpcd-slots.lock"))
        .expect("create lock file");
    f.lock().expect("lock the vpcd slots");
    require_pcscd();
    SlotLock(f)
}

/// Fails with a clear message when pcscd with vpcd is not running.
pub fn require_pcscd() {
    let o = cccd(&["readers", "--json"]);
    assert!(
        o.status.success() && stdout(&o).contains("Virtual PCD 00 00"),
        "these tests need pcscd with the vsmartcard vpcd driver: run them with scripts/test\n{}",
        stderr(&o)
    );
}

/// The state of a reader's card as `cccd readers --json` reports it.
pub fn card_state(reader: &str) -> Option<(String, Option<String>)> {
    let o = cccd(&["readers", "--json"]);
    if !o.status.success() {
        return None;
    }
    let v = json(&o);
    v["readers"]
        .as_array()?
        .iter()
        .find(|r| r["name"] == reader)
        .map(|r| {
            (
                r["card"].as_str().unwrap_or("").to_owned(),
                r["atr"].as_str().map(str::to_owned),
            )
        })
}

/// Polls until the reader shows `state` ("present" or "empty"); panics after the deadline.
pub fn wait_card(reader: &str, state: &str) -> Option<String> {
    let end = Instant::now() + DEADLINE;
    loop {
        if let Some((s, atr)) = card_state(reader)
            && s == state
        {
            return atr;
        }
        assert!(
            Instant::now() < end,
            "reader {reader} never showed card {state}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A `cccd sim` child process with its control input.
pub struct Sim {
    child: Child,
    stdin: ChildStdin,
    lines: Receiver<String>,
    /// The start-up JSON.
    pub info: Value,
    pub reader: String,
}

impl Sim {
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(cccd_path())
            .arg("sim")
            .arg("--json")
            .args(args)
            .env("CCCD_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start cccd sim");
        let stdin = child.stdin.take().expect("stdin");
        let lines = spawn_lines(child.stdout.take().expect("stdout"));
        let first = lines
            .recv_timeout(DEADLINE)
            .expect("cccd sim printed nothing");
        let info: Value = serde_json::from_str(&first).expect("start-up JSON");
        let reader = info["reader"].as_str().unwrap_or("").to_owned();
        let sim = Self {
            child,
            stdin,
            lines,
            info,
            reader,
        };
        wait_card(&sim.reader, "present");
        sim
    }

    /// Sends a control line and waits for its acknowledgement.
    pub fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").expect("write to cccd sim");
        self.stdin.flush().expect("flush");
        let ack = self
            .lines
            .recv_timeout(DEADLINE)
            .unwrap_or_else(|e| panic!("no acknowledgement of {line}: {e}"));
        let v: Value = serde_json::from_str(&ack).expect("ack JSON");
        assert_eq!(v["ok"], true, "{line}: {ack}");
    }

    pub fn atr(&self) -> String {
        self.info["atr"].as_str().unwrap_or("").to_owned()
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        let end = Instant::now() + Duration::from_secs(5);
        while Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Leave the slot empty for the next test.
        if !self.reader.is_empty() {
            let end = Instant::now() + DEADLINE;
            while Instant::now() < end
                && card_state(&self.reader).is_some_and(|(s, _)| s != "empty")
            {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// Reads a child's stdout lines on a thread.
pub fn spawn_lines(r: impl std::io::Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(r).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// A long-running `cccd` child (like `watch`) whose stdout lines are collected.
pub struct Streaming {
    pub child: Child,
    pub lines: Receiver<String>,
}

impl Streaming {
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(cccd_path())
            .args(args)
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .expect("start cccd");
        let lines = spawn_lines(child.stdout.take().expect("stdout"));
        Self { child, lines }
    }

    /// Waits for a line for which `pred` holds, returning it; panics after the deadline.
    pub fn expect(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let end = Instant::now() + DEADLINE;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => {
                    if let Ok(v) = serde_json::from_str::<Value>(&l)
                        && pred(&v)
                    {
                        return v;
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => {
                    panic!("never saw {what}")
                }
            }
        }
    }
}

impl Drop for Streaming {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The page of the documentation that holds the tables the commands generate (`cccd counts
/// --markdown`, `cccd bench --markdown`), between `<!-- NAME:start -->` and `<!-- NAME:end -->`.
pub const GENERATED_TABLES_PAGE: &str = "docs/reading-speed.md";

/// The generated block `name` of [`GENERATED_TABLES_PAGE`], trimmed.
pub fn generated_block(name: &str) -> String {
    let path = format!("{}/{GENERATED_TABLES_PAGE}", env!("CARGO_MANIFEST_DIR"));
    let page = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (start, end) = (
        format!("<!-- {name}:start -->"),
        format!("<!-- {name}:end -->"),
    );
    let from = page
        .find(&start)
        .unwrap_or_else(|| panic!("no {start} in {GENERATED_TABLES_PAGE}"))
        + start.len();
    let to = page
        .find(&end)
        .unwrap_or_else(|| panic!("no {end} in {GENERATED_TABLES_PAGE}"));
    page[from..to].trim().to_owned()
}
