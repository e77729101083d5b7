//! The Python `prometheus_client` parser (PyPI's `prometheus-client`; `CCCD_TEST_PYTHON` names
//! the interpreter that has it, default `python3`) run on a metrics page: the crate's test and
//! the root package's end-to-end test of the daemon (`tests/push_daemon.rs`) include this file
//! with `#[path]`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

/// Parses `text` with `prometheus_client.parser`; returns per family its `name`,
/// `type`, `help` and `samples` (each `name`, `labels`, `value`).
pub fn parse_with_python(text: &str) -> Vec<Value> {
    let python = std::env::var("CCCD_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "help": f.documentation,
                "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]})
print(json.dumps(out))
"#;
    let mut child = Command::new(&python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "{python} with prometheus_client could not parse the page (pip install prometheus-client; scripts/test installs it):\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice::<Value>(&o.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}
