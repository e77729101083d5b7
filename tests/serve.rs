//! End to end through the real pcscd (issue 7's acceptance): `cccd sim` on a vpcd slot,
//! `cccd gateway-sim` and `cccd serve` as child processes, spoken to over real HTTP: a read with
//! its events in order, a forged card that never reaches the gateway, a card pulled mid-read, the
//! gateway down, and a pcscd restart recovered from.
//!
//! The pcscd restart test kills the pcscd of this machine (the one whose pid file is
//! `/run/pcscd/pcscd.pid` in this mount namespace, never one in another namespace) and starts a
//! new one, detached (`pcscd`, which daemonizes), that is left running for the other tests: as
//! before the test, pcscd runs with the vpcd driver. It needs root, like scripts/test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "common/daemon.rs"]
mod daemon;
#[path = "common/http.rs"]
mod http;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{DEADLINE, Sim, lock_slots, wait_card};
use daemon::{CAN, Daemon, Gateway, ID, KEY, LONG, temp_dir, write_config};
use http::{Event, Events, get, post_json};
use serde_json::{Value, json};

fn read_body(reader: &str) -> Value {
    json!({ "reader": reader, "can": CAN, "waitSeconds": 60 })
}

/// Waits until the daemon lists `reader` with a card on it (or without).
fn wait_reader(ev: &Events, reader: &str) {
    ev.until(&format!("reader.added of {reader}"), LONG, |e| {
        e.name == "reader.added" && e.data["reader"] == reader
    });
}

fn names_of_session(events: &[Event], sid: &str, reader: &str) -> Vec<String> {
    events
        .iter()
        .filter(|e| e.name != "card.progress")
        .filter(|e| {
            e.data["sessionId"] == sid
                || (e.data["reader"] == reader
                    && matches!(e.name.as_str(), "card.inserted" | "card.removed"))
        })
        .map(|e| e.name.clone())
        .collect()
}

#[test]
fn serve_reads_through_pcscd_with_events_in_order() {
    let _slots = lock_slots();
    let mut sim = Sim::start(&[]);
    sim.send("remove");
    wait_card(&sim.reader, "empty");
    let gateway = Gateway::start();
    let dir = temp_dir("read");
    let config = write_config(&dir, &gateway.url(), &[]);
    let daemon = Daemon::start(&dir, &config);

    let health = get(&daemon.addr, "/v1/health", None).json();
    assert_eq!(health["demo"], false, "{health}");
    let events = daemon.events();
    wait_reader(&events, &sim.reader);

    // The read waits for the card; the card is put down while it waits.
    let (addr, reader) = (daemon.addr.clone(), sim.reader.clone());
    let pending = std::thread::spawn(move || {
        post_json(&addr, "/v1/cards/read", Some(KEY), &read_body(&reader))
    });
    // Whether the card arrives before or after the read reaches the reader's worker, the read
    // takes it (it waits up to 60 s).
    sim.send("insert");
    let r = pending.join().unwrap();
    let read = r.json();
    assert_eq!(r.status, 200, "{read}\n{}", daemon.log());
    assert_eq!(read["citizen"]["idNumber"], ID);
    assert_eq!(read["citizen"]["fullName"], "Nguyễn Văn An");
    assert_eq!(read["verification"]["verdict"], "genuine", "{read}");
    assert_eq!(read["eligibility"]["category"], "eligible", "{read}");
    assert_eq!(read["eligibility"]["cached"], false);
    let sid = read["sessionId"].as_str().unwrap().to_owned();
    let photo = get(&daemon.addr, read["photoUrl"].as_str().unwrap(), Some(KEY));
    assert_eq!(photo.status, 200);
    assert_eq!(photo.header("content-type"), Some("image/jpeg"));
    assert_eq!(&photo.body[..2], &[0xFF, 0xD8]);
    assert_eq!(gateway.stats()["checkRequests"], 1);

    sim.send("remove");
    let (_, before) = events.until("card.removed", LONG, |e| {
        e.name == "card.removed" && e.data["reader"] == sim.reader
    });
    let mut names = names_of_session(&before, &sid, &sim.reader);
    names.push("card.removed".into());
    // The card was inserted once while the read waited.
    let from = names.iter().rposition(|n| n == "card.inserted").unwrap();
    assert_eq!(
        names[from..],
        [
            "card.inserted",
            "card.read",
            "card.verified",
            "card.photo",
            "eligibility.result",
            "card.removed"
        ],
        "{names:?}"
    );
    // `card.read` carries the identity before the verification.
    let card_read = before
        .iter()
        .find(|e| e.name == "card.read" && e.data["sessionId"] == sid)
        .unwrap();
    assert_eq!(card_read.data["verified"], false);
    assert_eq!(card_read.data["citizen"]["idNumber"], ID);
    // Nothing about the person in the daemon's log.
    let log = daemon.log();
    assert!(
        !log.contains(ID) && !log.contains("Nguyễn Văn An"),
        "personal data in the log:\n{log}"
    );
}

#[test]
fn serve_forged_card_never_reaches_the_gateway() {
    let _slots = lock_slots();
    let sim = Sim::start(&["--fault", "tamper-dg13"]);
    let gateway = Gateway::start();
    let dir = temp_dir("forged");
    let config = write_config(&dir, &gateway.url(), &[]);
    let daemon = Daemon::start(&dir, &config);
    let events = daemon.events();
    wait_reader(&events, &sim.reader);

    let r = daemon.read(&read_body(&sim.reader));
    let read = r.json();
    assert_eq!(r.status, 200, "{read}\n{}", daemon.log());
    assert_eq!(read["verification"]["verdict"], "forged", "{read}");
    assert!(read["eligibility"].is_null(), "{read}");
    let sid = read["sessionId"].as_str().unwrap();
    let (verified, _) = events.until("card.verified", LONG, |e| {
        e.name == "card.verified" && e.data["sessionId"] == sid
    });
    assert_eq!(verified.data["verification"]["verdict"], "forged");
    let stats = gateway.stats();
    assert_eq!(stats["checkRequests"], 0, "{stats}");
    assert_eq!(stats["tokenRequests"], 0, "{stats}");
}

#[test]
fn serve_card_pulled_mid_read_gives_card_removed_and_the_page_says_put_it_back() {
    let _slots = lock_slots();
    let mut sim = Sim::start(&[]);
    let gateway = Gateway::start();
    let dir = temp_dir("pulled");
    let config = write_config(&dir, &gateway.url(), &[]);
    let daemon = Daemon::start(&dir, &config);
    let events = daemon.events();
    wait_reader(&events, &sim.reader);

    // PACE takes about ten APDUs; the card goes away in the middle of the data groups.
    sim.send("remove-after 14");
    let r = daemon.read(&read_body(&sim.reader));
    let body = r.json();
    assert_ne!(r.status, 200, "{body}");
    assert_eq!(body["error"]["code"], "card-removed", "{body}");
    let (error, _) = events.until("the error event", LONG, |e| e.name == "error");
    assert_eq!(error.data["code"], "card-removed", "{:?}", error.data);
    assert_eq!(error.data["reader"], sim.reader);
    assert_eq!(gateway.stats()["checkRequests"], 0);

    // The reception page maps the code to "put the card back" (đặt lại thẻ).
    let page = get(&daemon.addr, "/", None);
    assert_eq!(page.status, 200);
    let html = page.text();
    let line = html
        .lines()
        .find(|l| l.contains("\"card-removed\""))
        .expect("the page maps card-removed");
    assert!(
        line.to_lowercase().contains("đặt lại thẻ"),
        "card-removed is not shown as \"đặt lại thẻ\": {line}"
    );
    // And the next read, with the card put back, works.
    sim.send("insert");
    let r = daemon.read(&read_body(&sim.reader));
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn serve_gateway_down_still_gives_identity_and_verdict() {
    let _slots = lock_slots();
    let sim = Sim::start(&[]);
    let mut gateway = Gateway::start();
    let dir = temp_dir("gateway-down");
    let config = write_config(&dir, &gateway.url(), &[]);
    let daemon = Daemon::start(&dir, &config);
    let events = daemon.events();
    wait_reader(&events, &sim.reader);
    gateway.kill();

    let r = daemon.read(&read_body(&sim.reader));
    let read = r.json();
    assert_eq!(r.status, 200, "never a failed read: {read}");
    assert_eq!(read["citizen"]["idNumber"], ID);
    assert_eq!(read["verification"]["verdict"], "genuine");
    let e = &read["eligibility"];
    assert!(
        e["category"] == "gateway-error" || e["cached"] == true,
        "gateway-error or the cached result: {e}"
    );
    let sid = read["sessionId"].as_str().unwrap();
    let (result, _) = events.until("eligibility.result", LONG, |e| {
        e.name == "eligibility.result" && e.data["sessionId"] == sid
    });
    assert_eq!(result.data["eligibility"]["category"], e["category"]);
}

#[test]
fn serve_reads_that_name_no_reader_go_to_the_configured_one() {
    let _slots = lock_slots();
    let sim = Sim::start(&[]);
    let gateway = Gateway::start();
    let dir = temp_dir("reader-name");
    let config = write_config(&dir, &gateway.url(), &[]);
    // Both slots served, the empty one configured: without `[reader] name` the daemon would
    // take slot 0, the only reader holding a card.
    let text = std::fs::read_to_string(&config).unwrap();
    let text = text.replace(
        "ignore = [\"Virtual PCD 00 01\"]",
        "name = \"PCD 00 01\"\nignore = []",
    );
    assert!(text.contains("name = \"PCD 00 01\""), "{text}");
    std::fs::write(&config, text).unwrap();
    let daemon = Daemon::start(&dir, &config);
    let events = daemon.events();
    wait_reader(&events, &sim.reader);
    wait_reader(&events, "Virtual PCD 00 01");

    let r = daemon.read(&json!({ "can": CAN, "waitSeconds": 1 }));
    let body = r.json();
    assert_eq!(r.status, 409, "{body}\n{}", daemon.log());
    assert_eq!(body["error"]["code"], "no-card", "{body}");
    // A reader the request names still wins over the configured one.
    let r = daemon.read(&read_body(&sim.reader));
    let read = r.json();
    assert_eq!(r.status, 200, "{read}\n{}", daemon.log());
    assert_eq!(read["reader"], sim.reader.as_str());
    assert_eq!(read["verification"]["verdict"], "genuine", "{read}");
}

/// The pcscd of this mount namespace, from its pid file (else by looking through /proc).
fn our_pcscd() -> Option<u32> {
    let same_ns = |pid: u32| {
        std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "pcscd")
            && std::fs::read_link(format!("/proc/{pid}/ns/mnt")).ok()
                == std::fs::read_link("/proc/self/ns/mnt").ok()
            && std::fs::read_link(format!("/proc/{pid}/root")).ok()
                == std::fs::read_link("/proc/self/root").ok()
    };
    if let Some(pid) = std::fs::read_to_string("/run/pcscd/pcscd.pid")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        && same_ns(pid)
    {
        return Some(pid);
    }
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .find(|&p| same_ns(p))
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

fn vpcd_listening() -> bool {
    std::net::TcpStream::connect("127.0.0.1:35963").is_ok()
}

/// Starts pcscd again (daemonized, detached from the test) unless one runs, and waits for its
/// vpcd driver; false when that did not happen in time. Another pcscd started meanwhile (by a
/// script) is as good.
fn start_pcscd() -> bool {
    let end = Instant::now() + DEADLINE;
    while Instant::now() < end {
        if our_pcscd().is_some() {
            if vpcd_listening() {
                return true;
            }
        } else {
            // Fails when another pcscd won the race (or the old one is not reaped yet): the loop
            // looks again.
            let _ = Command::new("pcscd")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// Makes sure pcscd runs again when the test ends, whatever happened.
struct RestartPcscd;

impl Drop for RestartPcscd {
    fn drop(&mut self) {
        start_pcscd();
    }
}

#[test]
fn serve_recovers_from_a_pcscd_restart() {
    let _slots = lock_slots();
    let sim = Sim::start(&[]);
    let gateway = Gateway::start();
    let dir = temp_dir("restart");
    let config = write_config(&dir, &gateway.url(), &[]);
    let daemon = Daemon::start(&dir, &config);
    let events = daemon.events();
    wait_reader(&events, &sim.reader);
    let r = daemon.read(&read_body(&sim.reader));
    assert_eq!(r.status, 200, "{}", r.text());

    let pid = our_pcscd().expect("pcscd runs in this namespace");
    let _restart = RestartPcscd;
    let out = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .output()
        .expect("run kill");
    assert!(
        out.status.success(),
        "cannot kill pcscd (this test needs root, like scripts/test): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let end = Instant::now() + DEADLINE;
    while alive(pid) {
        assert!(Instant::now() < end, "pcscd {pid} did not die");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The daemon says the service is gone and the reader with it (in either order).
    let (mut lost, mut removed) = (false, false);
    let end = Instant::now() + LONG;
    while !(lost && removed) {
        let left = end.saturating_duration_since(Instant::now());
        let e = events
            .next(left)
            .unwrap_or_else(|| panic!("no recovery events: lost {lost}, removed {removed}"));
        lost |= e.name == "error" && e.data["code"] == "pcsc-service-lost";
        removed |= e.name == "reader.removed" && e.data["reader"] == sim.reader;
    }
    let health = get(&daemon.addr, "/v1/health", None).json();
    assert_eq!(health["pcscService"], false, "{health}");

    // pcscd comes back: the reader returns, the card (the simulator reconnects) with it.
    assert!(start_pcscd(), "pcscd did not start again");
    events.until("reader.added again", LONG, |e| {
        e.name == "reader.added" && e.data["reader"] == sim.reader
    });
    events.until("card.inserted again", LONG, |e| {
        e.name == "card.inserted" && e.data["reader"] == sim.reader
    });
    let health = get(&daemon.addr, "/v1/health", None).json();
    assert_eq!(health["pcscService"], true, "{health}");
    let r = daemon.read(&read_body(&sim.reader));
    let read = r.json();
    assert_eq!(r.status, 200, "{read}\n{}", daemon.log());
    assert_eq!(read["verification"]["verdict"], "genuine");
    assert_eq!(read["eligibility"]["category"], "eligible");
}

#[test]
fn packaging_config_is_accepted_and_the_unit_is_hardened() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = root.join("packaging/config.toml");
    let o = common::cccd(&[
        "config",
        "check",
        "--json",
        "--config",
        config.to_str().unwrap(),
    ]);
    let v = common::json(&o);
    assert!(o.status.success(), "{v}\n{}", common::stderr(&o));
    assert_eq!(v["problems"], json!([]), "{v}");
    for section in ["reader", "trust", "eligibility", "server"] {
        assert!(
            v["effective"][section].is_object(),
            "[{section}] missing: {v}"
        );
    }
    let text = std::fs::read_to_string(&config).unwrap();
    for section in ["[reader]", "[trust]", "[eligibility]", "[server]"] {
        assert!(text.contains(section), "{section} not written out");
    }
    let unit = std::fs::read_to_string(root.join("packaging/cccd-bridge.service")).unwrap();
    for line in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "NoNewPrivileges=yes",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
        "StateDirectory=cccd-bridge",
        // The configuration holds the API keys: root-only on disk, a credential for the
        // dynamic user.
        "ExecStart=/usr/local/bin/cccd serve --config %d/config.toml",
        "LoadCredential=config.toml:/etc/cccd-bridge/config.toml",
        "LoadCredential=bhxh.pass:/etc/cccd-bridge/bhxh.pass",
    ] {
        assert!(
            unit.lines().any(|l| l.trim() == line),
            "the unit lacks {line}"
        );
    }
}
