//! `cccd doctor` through the real pcscd against `cccd sim`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::*;
use serde_json::Value;

const IDS: [&str; 13] = [
    "service",
    "readers",
    "card",
    "atr",
    "uid",
    "emrtd",
    "cardAccess",
    "extendedLength",
    "readSize",
    "roundTrip",
    "quirks",
    "fullRead",
    "browserPolicy",
];

fn check<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id}: {v}"))
}

#[test]
fn every_check_on_the_virtual_card() {
    let _slots = lock_slots();
    let sim = Sim::start(&[]);
    let o = cccd(&["doctor", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["ok"], true);
    assert_eq!(v["reader"], sim.reader.as_str());
    let ids: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, IDS);
    for id in &IDS[..IDS.len() - 2] {
        assert_eq!(check(&v, id)["status"], "pass", "{id}: {}", check(&v, id));
    }
    assert_eq!(check(&v, "fullRead")["status"], "skip");
    // No [server] allowed_origins: no web page to allow.
    assert_eq!(check(&v, "browserPolicy")["status"], "skip");
    assert!(
        check(&v, "atr")["detail"]
            .as_str()
            .unwrap()
            .contains("ISO 14443-4")
    );
    assert!(
        check(&v, "cardAccess")["detail"]
            .as_str()
            .unwrap()
            .contains("PACE (parameter 13)")
    );
    assert!(
        check(&v, "readers")["detail"]
            .as_str()
            .unwrap()
            .contains("no vendor or firmware attributes")
    );

    let o = cccd(&[
        "doctor",
        "--json",
        "--can",
        sim.info["can"].as_str().unwrap(),
    ]);
    let v = json(&o);
    assert_eq!(
        check(&v, "fullRead")["status"],
        "pass",
        "{}",
        check(&v, "fullRead")
    );
    assert!(
        check(&v, "fullRead")["detail"]
            .as_str()
            .unwrap()
            .starts_with("PACE in")
    );

    let o = cccd(&["doctor", "--json", "--can", "000000"]);
    assert_eq!(o.status.code(), Some(10));
    let v = json(&o);
    assert_eq!(check(&v, "fullRead")["status"], "fail");
    assert!(
        check(&v, "fullRead")["advice"]
            .as_str()
            .unwrap()
            .contains("last 6 digits")
    );
}

#[test]
fn a_short_only_card_is_reported_with_its_read_size() {
    let _slots = lock_slots();
    let _sim = Sim::start(&["--no-extended"]);
    let v = json(&cccd(&["doctor", "--json"]));
    assert_eq!(check(&v, "extendedLength")["status"], "warn");
    assert!(
        check(&v, "extendedLength")["detail"]
            .as_str()
            .unwrap()
            .contains("unsupported")
    );
    assert_eq!(
        check(&v, "readSize")["detail"]
            .as_str()
            .unwrap()
            .split(' ')
            .next(),
        Some("256")
    );
    assert_eq!(v["ok"], true, "warnings are not failures");
}

#[test]
fn no_card_and_no_service() {
    let _slots = lock_slots();
    let mut sim = Sim::start(&[]);
    sim.send("remove");
    wait_card(&sim.reader, "empty");
    let o = cccd(&["doctor", "--json", "--reader", &sim.reader]);
    assert_eq!(o.status.code(), Some(10));
    let v = json(&o);
    assert_eq!(check(&v, "card")["status"], "fail");
    assert!(
        check(&v, "card")["advice"]
            .as_str()
            .unwrap()
            .contains("put the card")
    );
    assert_eq!(check(&v, "atr")["status"], "skip");

    let o = Command::new(cccd_path())
        .args(["doctor", "--json"])
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(10));
    let v = json(&o);
    assert_eq!(check(&v, "service")["status"], "fail");
    assert!(
        check(&v, "service")["advice"]
            .as_str()
            .unwrap()
            .contains("pcscd")
    );
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn the_link_model_slows_the_simulator_down() {
    let _slots = lock_slots();
    let sim = Sim::start(&["--link-kbps", "106", "--crypto-ms", "150"]);
    let o = cccd(&[
        "read",
        "--json",
        "--can",
        sim.info["can"].as_str().unwrap(),
        "--files",
        "dg1",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    // PACE asks the chip for two public-key operations: at least 2 x 150 ms, whatever else.
    assert!(
        v["timings"]["access"].as_f64().unwrap() >= 300.0,
        "{}",
        v["timings"]
    );
}
