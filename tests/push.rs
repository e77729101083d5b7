//! The receiver example (`examples/webhook_receiver.py`, Python's standard library) against the
//! push crate's real delivery: it accepts the signed events, each once, and refuses a tampered
//! body, a wrong signature and a stale timestamp. The signature is thus checked by an
//! implementation that shares nothing with ours.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use push::{EndpointConfig, OutgoingEvent, PushConfig, Pusher, SigningSecret};
use serde_json::Value;

struct Receiver(Child);

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn lines(stdout: ChildStdout) -> mpsc::Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { return };
            if tx.send(serde_json::from_str(&line).unwrap()).is_err() {
                return;
            }
        }
    });
    rx
}

fn post(port: u16, headers: &[(&str, String)], body: &[u8]) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!(
        "POST /hook HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req += &format!("{k}: {v}\r\n");
    }
    req += "\r\n";
    s.write_all(req.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer.split(' ').nth(1).unwrap().parse().unwrap()
}

#[test]
fn the_python_receiver_verifies_the_pushed_events_and_refuses_tampering() {
    let dir = std::env::temp_dir().join(format!("cccd-push-python-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let secret_text = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let secret_file = dir.join("his.secret");
    std::fs::write(&secret_file, format!("{secret_text}\n")).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/webhook_receiver.py");
    let mut child = Command::new("python3")
        .args([script, "--port", "0", "--secret-file"])
        .arg(&secret_file)
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the receiver example");
    let out = lines(child.stdout.take().unwrap());
    let _guard = Receiver(child);
    let next = || out.recv_timeout(Duration::from_secs(30)).unwrap();
    let port = u16::try_from(next()["listening"].as_u64().unwrap()).unwrap();

    let rt = tokio::runtime::Runtime::new().unwrap();
    let _g = rt.enter();
    let config = PushConfig {
        endpoints: vec![EndpointConfig {
            name: Some("his".into()),
            url: format!("http://127.0.0.1:{port}/hook"),
            events: vec!["card.verified".into(), "card.removed".into()],
            secret_file: secret_file.clone(),
            ca_file: None,
            trusted_network: true,
        }],
        ..PushConfig::default()
    };
    let pusher = Pusher::start(&config, "quay-03", &dir.join("outbox.sqlite")).unwrap();
    for (n, name) in [
        (1, "card.verified"),
        (2, "card.removed"),
        (3, "card.verified"),
    ] {
        let payload = format!(r#"{{"reader":"R","n":{n}}}"#);
        let r = pusher
            .enqueue(&OutgoingEvent {
                event_id: n,
                name,
                session_id: None,
                payload_json: &payload,
                at: jiff::Timestamp::now(),
            })
            .unwrap();
        assert_eq!(r.queued, 1);
    }
    let mut ids = Vec::new();
    for want in ["card.verified", "card.removed", "card.verified"] {
        let line = next();
        assert_eq!(line["type"], want, "{line}");
        assert_eq!(line["desk"], "quay-03");
        ids.push(line["accepted"].as_str().unwrap().to_owned());
    }
    ids.dedup();
    assert_eq!(ids.len(), 3, "three events, three ids");

    // By hand, signed with the crate's signer: tampered, wrong key, stale, then valid and replayed.
    let signer = SigningSecret::parse(secret_text).unwrap();
    let body = br#"{"id":"msg_hand-1","type":"card.verified","timestamp":"2026-01-01T00:00:00.000Z","desk":"quay-03","data":{}}"#;
    let now = jiff::Timestamp::now().as_second();
    let headers = |ts: i64, sig: String| {
        vec![
            ("webhook-id", "msg_hand-1".to_string()),
            ("webhook-timestamp", ts.to_string()),
            ("webhook-signature", sig),
        ]
    };
    let tampered = String::from_utf8_lossy(body).replace("quay-03", "quay-04");
    assert_eq!(
        post(
            port,
            &headers(now, signer.sign("msg_hand-1", now, body)),
            tampered.as_bytes()
        ),
        401
    );
    assert_eq!(next()["refused"], "bad signature");
    let other = SigningSecret::parse("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
    assert_eq!(
        post(
            port,
            &headers(now, other.sign("msg_hand-1", now, body)),
            body
        ),
        401
    );
    assert_eq!(next()["refused"], "bad signature");
    let old = now - 3600;
    assert_eq!(
        post(
            port,
            &headers(old, signer.sign("msg_hand-1", old, body)),
            body
        ),
        401
    );
    assert_eq!(next()["refused"], "timestamp outside the tolerance");
    assert_eq!(post(port, &[], body), 401);
    assert_eq!(next()["refused"], "missing webhook headers");
    let valid = headers(now, signer.sign("msg_hand-1", now, body));
    assert_eq!(post(port, &valid, body), 200);
    assert_eq!(next()["accepted"], "msg_hand-1");
    assert_eq!(post(port, &valid, body), 200);
    assert_eq!(next()["duplicate"], "msg_hand-1", "processed once");
    drop(pusher);
}
