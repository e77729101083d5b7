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
    // What the gateway saw of the start-up probe of the account.
    let probed = gateway.stats()["checkRequests"].as_u64().unwrap();
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
    assert_eq!(gateway.stats()["checkRequests"], probed + 1);
    // The metrics, on the API's address and on the metrics listener, with the key only.
    let metrics_addr = daemon
        .metrics_addr
        .clone()
        .expect("metrics_listen is configured");
    for addr in [&daemon.addr, &metrics_addr] {
        assert_eq!(get(addr, "/metrics", None).status, 401, "{addr}");
        let m = get(addr, "/metrics", Some(KEY)).text();
        assert!(
            m.lines().any(|l| l.starts_with("cccd_reads_total{")
                && l.contains("outcome=\"complete\"")
                && l.contains("verdict=\"genuine\"")
                && l.ends_with(" 1")),
            "{addr}: {m}"
        );
        assert!(!m.contains(&sid) && !m.contains(ID), "{m}");
    }
    assert_eq!(get(&metrics_addr, "/v1/health", Some(KEY)).status, 404);

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
    let probed = gateway.stats();

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
    assert_eq!(stats["checkRequests"], probed["checkRequests"], "{stats}");
    assert_eq!(stats["tokenRequests"], probed["tokenRequests"], "{stats}");
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
    let probed = gateway.stats()["checkRequests"].clone();

    // PACE takes about ten APDUs; the card goes away in the middle of the data groups.
    sim.send("remove-after 14");
    let r = daemon.read(&read_body(&sim.reader));
    let body = r.json();
    assert_ne!(r.status, 200, "{body}");
    assert_eq!(body["error"]["code"], "card-removed", "{body}");
    let (error, _) = events.until("the error event", LONG, |e| e.name == "error");
    assert_eq!(error.data["code"], "card-removed", "{:?}", error.data);
    assert_eq!(error.data["reader"], sim.reader);
    assert_eq!(gateway.stats()["checkRequests"], probed);

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

/// The tests' configuration with fast re-checks (the first 1 s after the failed check, then at
/// most every 2 s) and, with `no_readers`, no reader served (`ignore` matches every name: the
/// test uses no card and leaves pcscd's slots to the others).
fn fast_rechecks(config: &Path, no_readers: bool) {
    let mut text = std::fs::read_to_string(config).unwrap();
    text = text.replace(
        "timeout_secs = 10\n",
        "timeout_secs = 10\nrecheck_delay_secs = 1\nrecheck_max_delay_secs = 2\n",
    );
    if no_readers {
        text = text.replace("ignore = [\"Virtual PCD 00 01\"]", "ignore = [\"\"]");
    }
    assert!(text.contains("recheck_delay_secs"), "{text}");
    std::fs::write(config, text).unwrap();
}

/// Re-check results seen on `events` during `wait` (longer than several re-check rounds).
fn rechecks_during(events: &Events, wait: Duration) -> Vec<Event> {
    let end = Instant::now() + wait;
    let mut seen = Vec::new();
    while let Some(e) = events.next(end.saturating_duration_since(Instant::now())) {
        if e.name == "eligibility.result" && e.data["recheck"] == true {
            seen.push(e);
        }
    }
    seen
}

/// The law's fallback (issue 16, item 4): the gateway is down during a read, so its check is
/// queued; a second read's re-check goes with its deleted session; the gateway comes back on
/// the same port and the first read's re-check arrives once, on the stream, in the session and
/// in the list, until acknowledged.
#[test]
fn serve_rechecks_a_read_once_when_the_gateway_comes_back() {
    let _slots = lock_slots();
    let sim = Sim::start(&[]);
    let mut gateway = Gateway::start();
    let dir = temp_dir("recheck-read");
    let config = write_config(&dir, &gateway.url(), &[]);
    fast_rechecks(&config, false);
    let daemon = Daemon::start(&dir, &config);
    let events = daemon.events();
    wait_reader(&events, &sim.reader);
    gateway.kill();

    let mut reads = Vec::new();
    for _ in 0..2 {
        let r = daemon.read(&read_body(&sim.reader));
        let read = r.json();
        assert_eq!(r.status, 200, "{read}\n{}", daemon.log());
        assert_eq!(read["eligibility"]["category"], "gateway-error", "{read}");
        assert_eq!(read["recheck"]["state"], "pending", "{read}");
        let sid = read["sessionId"].as_str().unwrap().to_owned();
        let (first, _) = events.until("the first result", LONG, |e| {
            e.name == "eligibility.result" && e.data["sessionId"] == sid.as_str()
        });
        assert_eq!(first.data["recheck"], false);
        assert_eq!(first.data["recheckId"], read["recheck"]["id"]);
        assert_eq!(first.data["facility"], "38001");
        reads.push((sid, read["recheck"]["id"].as_i64().unwrap()));
    }
    let ((sid, id), (gone_sid, gone_id)) = (reads[0].clone(), reads[1].clone());
    assert_ne!(id, gone_id);
    let r = daemon.delete(&format!("/v1/sessions/{gone_sid}"));
    assert_eq!(r.status, 204);
    let list = daemon.get("/v1/eligibility/rechecks").json();
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        [id],
        "the deleted session's re-check went with it: {list}"
    );
    assert_eq!(list[0]["sessionId"], sid.as_str());
    assert!(
        list[0]["failure"]
            .as_str()
            .unwrap()
            .contains("could not be reached"),
        "{list}"
    );

    gateway.restart();
    let (re, _) = events.until("the re-check", LONG, |e| {
        e.name == "eligibility.result" && e.data["recheck"] == true
    });
    assert_eq!(re.data["recheckId"], id);
    assert_eq!(re.data["sessionId"], sid.as_str());
    assert_eq!(
        re.data["eligibility"]["category"], "eligible",
        "{:?}",
        re.data
    );
    assert_eq!(re.data["eligibility"]["cached"], false);
    // Several rounds later: no second announcement, one card check at the gateway.
    let more = rechecks_during(&events, Duration::from_secs(5));
    assert!(more.is_empty(), "announced again: {more:?}");
    assert_eq!(gateway.stats()["checkRequests"], 1, "{}", gateway.stats());

    let session = daemon.get(&format!("/v1/sessions/{sid}")).json();
    assert_eq!(session["eligibility"]["category"], "eligible", "{session}");
    assert_eq!(session["recheck"], json!({"id": id, "state": "done"}));
    let list = daemon.get("/v1/eligibility/rechecks?state=done").json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["decision"]["category"], "eligible");
    assert!(
        daemon
            .get("/v1/eligibility/rechecks?state=pending")
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        daemon
            .delete(&format!("/v1/eligibility/rechecks/{id}"))
            .status,
        204
    );
    assert_eq!(daemon.get("/v1/eligibility/rechecks").json(), json!([]));
    let r = daemon.delete(&format!("/v1/eligibility/rechecks/{id}"));
    assert_eq!(
        (r.status, r.json()["error"]["code"].clone()),
        (404, json!("recheck-not-found"))
    );
    // The queue is owner-only, and nothing about the person is in the daemon's log.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("eligibility-rechecks.sqlite"))
            .expect("the queue beside the offline cache")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }
    let log = daemon.log();
    assert!(
        !log.contains(ID) && !log.contains("Nguyễn Văn An"),
        "personal data in the log:\n{log}"
    );
}

/// The queue survives the daemon: a check queued while the gateway is down, the daemon killed
/// and started again with the same configuration, the gateway back: the re-check is sent once.
#[test]
fn serve_a_queued_recheck_survives_a_daemon_restart() {
    let mut gateway = Gateway::start();
    gateway.kill();
    let dir = temp_dir("recheck-restart");
    let config = write_config(&dir, &gateway.url(), &[]);
    fast_rechecks(&config, true);
    let daemon = Daemon::start(&dir, &config);
    let body = json!({"card": ID, "name": "Nguyễn Văn An", "dob": "17/08/1995"});
    let r = daemon.post("/v1/eligibility/check", &body);
    let v = r.json();
    assert_eq!(r.status, 200, "{v}");
    assert_eq!(v["category"], "gateway-error", "{v}");
    let id = v["recheck"]["id"].as_i64().expect("queued");
    // A round or more fails while the gateway is down; then the daemon dies.
    let end = Instant::now() + LONG;
    while daemon.get("/v1/eligibility/rechecks").json()[0]["attempts"].as_u64() < Some(1) {
        assert!(Instant::now() < end, "never re-tried");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(daemon);

    let daemon = Daemon::start(&dir, &config);
    let list = daemon.get("/v1/eligibility/rechecks").json();
    assert_eq!(list[0]["id"], id, "the item survived: {list}");
    assert_eq!(list[0]["state"], "pending");
    let events = daemon.events();
    gateway.restart();
    let (re, _) = events.until("the re-check after the restart", LONG, |e| {
        e.name == "eligibility.result" && e.data["recheck"] == true
    });
    assert_eq!(re.data["recheckId"], id);
    assert!(re.data["sessionId"].is_null());
    assert_eq!(
        re.data["eligibility"]["category"], "eligible",
        "{:?}",
        re.data
    );
    let more = rechecks_during(&events, Duration::from_secs(5));
    assert!(more.is_empty(), "announced again: {more:?}");
    assert_eq!(gateway.stats()["checkRequests"], 1, "{}", gateway.stats());
    assert_eq!(
        daemon.get("/v1/eligibility/rechecks").json()[0]["state"],
        "done"
    );
}

/// Two `[[eligibility.facility]]` tables, one of them an account that may not query (issue
/// 16, items 0-3 and 5): the probe's findings in health (health itself asks the gateway
/// nothing), each request naming its facility, each kind of bad input refused before any
/// request, a newborn card not sent, and two concurrent co-payment lookups sharing one call.
#[test]
fn serve_two_facilities_the_probe_in_health_and_the_copayment_lookup() {
    let gateway = Gateway::start_with(&["--fault", "slow-copayment:1500"]);
    let dir = temp_dir("facilities");
    for (file, password) in [
        ("a.pass", "cccd-sim-demo"),
        ("c.pass", "cccd-sim-demo-38003"),
    ] {
        std::fs::write(dir.join(file), format!("{password}\n")).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.join(file), std::fs::Permissions::from_mode(0o600))
                .unwrap();
        }
    }
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[reader]\nignore = [\"\"]\n\
             [eligibility]\ngateway_url = \"{url}\"\ntimeout_secs = 10\ncache_ttl_secs = 0\n\
             [[eligibility.facility]]\ncode = \"38001\"\nusername = \"38001_BV\"\npassword_file = {a:?}\n\
             operator_name = \"Trần Thị Bình\"\noperator_id = \"038190000001\"\n\
             [[eligibility.facility]]\ncode = \"38003\"\nusername = \"38003_BV\"\npassword_file = {c:?}\n\
             operator_name = \"Phạm Văn Quang\"\noperator_id = \"038188000003\"\n\
             [server]\nlisten = [\"127.0.0.1:0\"]\napi_keys = [\"{KEY}\"]\naudit_path = {audit:?}\n",
            url = gateway.url(),
            a = dir.join("a.pass").display().to_string(),
            c = dir.join("c.pass").display().to_string(),
            audit = dir.join("audit.sqlite").display().to_string(),
        ),
    )
    .unwrap();
    let daemon = Daemon::start(&dir, &config);
    let health = daemon.wait_probed();
    let accounts = health["gatewayAccounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2, "{health}");
    let of = |code: &str| {
        accounts
            .iter()
            .find(|a| a["facility"] == code)
            .unwrap()
            .clone()
    };
    let (a, c) = (of("38001"), of("38003"));
    assert_eq!(
        (&a["account"], &a["status"], &a["finding"]),
        (&json!("38001_BV"), &json!("pass"), &json!("may-query")),
        "{a}"
    );
    assert_eq!(
        (&c["account"], &c["status"], &c["finding"]),
        (&json!("38003_BV"), &json!("fail"), &json!("may-not-query")),
        "{c}"
    );
    assert!(
        c["advice"]["vi"]
            .as_str()
            .unwrap()
            .contains("quyền tra cứu"),
        "{c}"
    );
    assert!(c["at"].as_str().is_some_and(|t| t.ends_with('Z')), "{c}");
    let text = health.to_string();
    for personal in [
        "038190000001",
        "Trần Thị Bình",
        "038188000003",
        "Phạm Văn Quang",
    ] {
        assert!(!text.contains(personal), "{personal} in health: {text}");
    }
    // Health shows the probe's result; it never asks the gateway itself.
    let before = gateway.stats();
    for _ in 0..5 {
        assert_eq!(
            get(&daemon.addr, "/v1/health", None).json()["gatewayAccounts"],
            health["gatewayAccounts"]
        );
    }
    assert_eq!(gateway.stats(), before, "health sent gateway requests");

    let an = json!({"card": ID, "name": "Nguyễn Văn An", "dob": "17/08/1995"});
    let with = |extra: Value| {
        let mut b = an.clone();
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (body, want) in [
        (an.clone(), "facility-required"),
        (
            with(json!({"facility": "38002"})),
            "facility-not-configured",
        ),
        (
            with(json!({"facility": "38001", "card": "DN438"})),
            "bad-card-number",
        ),
        (with(json!({"facility": "38001", "name": ""})), "bad-name"),
        (
            with(json!({"facility": "38001", "dob": "1995-02-30"})),
            "bad-date-of-birth",
        ),
        (
            with(json!({"facility": "38001", "registeredFacility": "x"})),
            "bad-registered-facility",
        ),
        (
            with(json!({"facility": "38001", "operator": {"name": "A", "id": "1"}})),
            "bad-operator",
        ),
    ] {
        let r = daemon.post("/v1/eligibility/check", &body);
        let v = r.json();
        assert_eq!(
            (r.status, v["error"]["code"].as_str()),
            (400, Some(want)),
            "{body}: {v}"
        );
    }
    let newborn = json!({"card": "TE1383800012345", "name": "Con của Nguyễn Thị Hà", "dob": "2026", "facility": "38001", "registeredFacility": "38000"});
    let r = daemon.post("/v1/eligibility/check", &newborn);
    assert_eq!(
        (r.status, r.json()["category"].clone()),
        (200, json!("temporary-card")),
        "{}",
        r.text()
    );
    assert_eq!(
        gateway.stats(),
        before,
        "bad input and a newborn card sent requests"
    );

    let r = daemon.post("/v1/eligibility/check", &with(json!({"facility": "38001"})));
    let v = r.json();
    assert_eq!((r.status, &v["category"]), (200, &json!("eligible")), "{v}");
    assert_eq!(
        v["askedBy"],
        json!({"facility": "38001", "account": "38001_BV"})
    );
    let r = daemon.post("/v1/eligibility/check", &with(json!({"facility": "38003"})));
    let v = r.json();
    assert_eq!(
        (r.status, &v["category"]),
        (200, &json!("configuration-error")),
        "{v}"
    );
    assert!(
        v.get("recheck").is_none(),
        "a refused account is not the gateway being down: {v}"
    );
    assert_eq!(
        gateway.stats()["accounts"]["38003_BV"]["checkRequests"],
        before["accounts"]["38003_BV"]["checkRequests"]
            .as_u64()
            .unwrap()
            + 1
    );

    // Two co-payment lookups at once, while the gateway takes 1.5 s: one gateway call.
    let events = daemon.events();
    let lookup = with(json!({"facility": "38001"}));
    let lookups: Vec<_> = (0..2)
        .map(|_| {
            let (addr, body) = (daemon.addr.clone(), lookup.clone());
            std::thread::spawn(move || {
                post_json(&addr, "/v1/eligibility/copayment", Some(KEY), &body)
            })
        })
        .collect();
    for l in lookups {
        let r = l.join().unwrap();
        let v = r.json();
        assert_eq!((r.status, &v["category"]), (200, &json!("found")), "{v}");
        assert_eq!(
            (&v["accumulated"], &v["threshold"], &v["aboveThreshold"]),
            (&json!(15_600_000), &json!(14_040_000), &json!(true)),
            "{v}"
        );
        assert!(!v.to_string().to_lowercase().contains("exempt"), "{v}");
    }
    assert_eq!(
        gateway.stats()["copaymentRequests"],
        1,
        "{}",
        gateway.stats()
    );
    let (e, _) = events.until("eligibility.copayment", LONG, |e| {
        e.name == "eligibility.copayment"
    });
    assert_eq!(
        (&e.data["card"], &e.data["facility"]),
        (&json!(ID), &json!("38001"))
    );
    assert_eq!(e.data["copayment"]["category"], "found");
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
