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

/// Every personal value of a read, in the forms a careless report could hold them: as text,
/// UTF-16 (both orders) and UTF-8 in hex (both cases) and base64.
fn leaks(report: &str, values: &[String]) -> Vec<String> {
    use base64::Engine;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let mut found = Vec::new();
    for v in values {
        let utf8 = v.as_bytes().to_vec();
        let le: Vec<u8> = v.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = v.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let mut forms = vec![v.clone()];
        // Encoded forms of very short values turn up by chance in any hex or base64.
        if utf8.len() >= 6 {
            for b in [&utf8, &le, &be] {
                forms.push(hex::encode(b));
                forms.push(hex::encode_upper(b));
                forms.push(b64(b));
            }
        }
        for f in forms {
            if report.contains(&f) {
                found.push(format!("{v:?} as {f:?}"));
            }
        }
    }
    found
}

/// Every string leaf of a JSON value.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// `cccd doctor --capture` on two cards: what the notes' first-real-card checklist asks for is
/// there, and no DG1 or DG13 value, no DG hash, no UID, in any encoding.
#[test]
fn the_capture_holds_what_a_real_card_must_settle_and_no_personal_data() {
    let _slots = lock_slots();
    let vendor = format!(
        "{}/crates/card-sim/profiles/vendor-dg13.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    for args in [vec![], vec!["--profile", vendor.as_str()]] {
        let sim = Sim::start(&args);
        let can = sim.info["can"].as_str().unwrap().to_owned();
        let path = std::env::temp_dir().join(format!("cccd-capture-{}.json", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let o = cccd(&[
            "doctor",
            "--json",
            "--reader",
            &sim.reader,
            "--can",
            &can,
            "--capture",
            path.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let uid = check(&json(&o), "uid")["detail"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "the capture is owner-only");
        }
        let report = std::fs::read_to_string(&path).unwrap();
        let c: Value = serde_json::from_str(&report).unwrap();
        // What the checklist of the notes asks for.
        assert!(c["card"]["atr"].is_string());
        assert!(c["reader"]["name"].is_string());
        assert!(c["link"]["extendedLength"].is_boolean());
        let r = &c["read"];
        assert_eq!(r["done"], true, "{r}");
        assert!(r["cardAccess"]["hex"].is_string());
        assert!(r["efCom"]["dataGroups"].is_array());
        assert!(r["sod"]["certificates"][0]["der"].is_string());
        assert!(r["sod"]["certificates"][0]["authorityKeyIdentifier"].is_string());
        assert!(r["sod"]["hashAlgorithm"].is_string());
        assert!(r["dg2"]["faces"][0]["imageType"].is_string());
        assert!(r["dg15"]["keyType"].is_string());
        assert_eq!(r["chipAuthentication"]["result"]["outcome"], "passed");
        let fields: Vec<u64> = r["dg13"]["structure"]["children"][0]["children"][2]["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["children"][0]["value"].as_u64().unwrap())
            .collect();
        assert!(fields.starts_with(&[1, 2, 3]), "{fields:?}");
        assert!(fields.contains(&13));

        // No personal value: everything the read gives of the holder (DG13's and DG1's
        // values: the record, the MRZ), the data groups' hashes, the UID.
        let dump = std::env::temp_dir().join(format!("cccd-capture-dump-{}", std::process::id()));
        let o = cccd(&[
            "read",
            "--json",
            "--reader",
            &sim.reader,
            "--can",
            &can,
            "--out",
            dump.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let read = json(&o);
        let mut values = Vec::new();
        strings(&read["citizen"], &mut values);
        values.retain(|v| v.chars().count() >= 4 && v != "dg13");
        for line in sim.info["mrz"].as_array().unwrap() {
            values.push(line.as_str().unwrap().to_owned());
        }
        let sod = std::fs::read(dump.join("EF_SOD.bin")).unwrap();
        let sod = trust::EfSod::from_bytes(&sod).unwrap();
        for hash in sod.lds_security_object().data_group_hashes.values() {
            values.push(hex::encode_upper(hash));
            values.push(hex::encode(hash));
        }
        values.push(uid.clone());
        assert!(values.len() > 20, "{values:?}");
        let found = leaks(&report, &values);
        assert!(found.is_empty(), "{args:?}: the capture holds {found:?}");
        // The data groups' bytes are not in it either.
        for f in ["EF_DG1.bin", "EF_DG13.bin", "EF_DG15.bin"] {
            let bytes = std::fs::read(dump.join(f)).unwrap();
            for part in bytes.chunks_exact(24) {
                assert!(!report.contains(&hex::encode_upper(part)), "{f} in hex");
            }
        }
        std::fs::remove_dir_all(&dump).unwrap();
        std::fs::remove_file(&path).unwrap();
        drop(sim);
    }
}
