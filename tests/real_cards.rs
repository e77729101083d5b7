//! The real-world variants of the CCCD (the virtual card's profiles of `crates/card-sim/profiles`,
//! each after a fact of the domain notes) read end to end through pcscd with `cccd read`: the
//! exit code, the verdict, what the record holds and which listed files the card did not give.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::Value;

fn profile(name: &str) -> String {
    format!(
        "{}/crates/card-sim/profiles/{name}.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Reads the profile's card with its CAN (or the MRZ when `bac`), trusting the test CSCA.
fn read_profile(name: &str, bac: bool) -> (i32, Value) {
    let path = profile(name);
    let sim = Sim::start(&["--profile", &path]);
    let mrz = sim.info["mrz"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|x| x.as_str().unwrap())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default();
    let key = if bac {
        vec!["--mrz".to_owned(), mrz]
    } else {
        vec![
            "--can".to_owned(),
            sim.info["can"].as_str().unwrap().to_owned(),
        ]
    };
    let mut args = vec![
        "read",
        "--json",
        "--allow-test-csca",
        "--reader",
        &sim.reader,
    ];
    args.extend(key.iter().map(String::as_str));
    let o = cccd(&args);
    let code = o.status.code().unwrap_or(-1);
    let v = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    if code != 0 {
        eprintln!("{name}: {}", stderr(&o));
    }
    drop(sim);
    (code, v)
}

fn relatives(v: &Value) -> Vec<(String, String, usize)> {
    v["citizen"]["relatives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["relation"].as_str().unwrap().to_owned(),
                r["name"].as_str().unwrap_or("").to_owned(),
                r["otherValues"].as_array().map_or(0, Vec::len),
            )
        })
        .collect()
}

#[test]
fn every_variant_is_read_with_its_verdict() {
    let _slots = lock_slots();
    // (profile, BAC with the MRZ, verdict, files listed but not given)
    let cases: [(&str, bool, &str, &[&str]); 12] = [
        ("vendor-dg13", false, "genuine", &[]),
        ("one-parent", false, "genuine", &[]),
        // No DG14 and no DG15: no clone check is possible.
        ("no-dg14-dg15", false, "incomplete", &[]),
        ("child-no-photo", false, "genuine", &[]),
        // DG2 listed and hashed, the chip answers 6A82: never genuine.
        ("child-photo-listed", false, "incomplete", &["dg2"]),
        ("card-access-by-select", false, "genuine", &[]),
        // PACE with the CAN on the CCCD's published parameters, the chip having no EF.CardAccess.
        ("no-card-access", false, "genuine", &[]),
        ("can-cuoc-2024", false, "genuine", &[]),
        // Chip authentication with AES-256 although DG14 names no cipher.
        ("ca-aes256", false, "genuine", &[]),
        ("bac-only", true, "genuine", &[]),
        // DG15 alone: active authentication (RSA, ISO/IEC 9796-2) decides.
        ("dg15-only", false, "genuine", &[]),
        ("ecdsa-aa", false, "genuine", &[]),
    ];
    for (name, bac, verdict, not_given) in cases {
        let (code, v) = read_profile(name, bac);
        assert_eq!(code, 0, "{name}: exit code");
        assert_eq!(
            v["verification"]["verdict"], verdict,
            "{name}: {}",
            v["verification"]
        );
        let missing: Vec<&str> = v["notGiven"]
            .as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(missing, not_given, "{name}");
        assert_eq!(v["citizen"]["source"], "dg13", "{name}");
        assert!(
            v["registration"]["SO_CCCD"]["value"]
                .as_str()
                .unwrap()
                .len()
                == 12,
            "{name}"
        );
        let photo = v["files"].get("dg2").is_some();
        assert_eq!(photo, !name.starts_with("child"), "{name}: the photo");
        if name == "no-dg14-dg15" {
            let chip = v["verification"]["checks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == "chip.authentication")
                .unwrap();
            assert!(chip.to_string().contains("neither DG14 nor DG15"), "{chip}");
        }
    }
}

#[test]
fn relatives_as_real_cards_hold_them() {
    let _slots = lock_slots();
    // Parents and spouse per person, each with more values (2024 cards: their ID numbers).
    let (_, v) = read_profile("vendor-dg13", false);
    let r = relatives(&v);
    assert_eq!(
        r.iter().map(|(rel, ..)| rel.as_str()).collect::<Vec<_>>(),
        ["father", "mother", "spouse"]
    );
    assert!(
        r.iter()
            .all(|(_, name, others)| !name.is_empty() && *others > 0),
        "{r:?}"
    );
    assert_eq!(v["citizen"]["fatherName"], r[0].1.as_str());
    assert_eq!(v["citizen"]["motherName"], r[1].1.as_str());
    // One person only: the mother, never the father.
    let (_, v) = read_profile("one-parent", false);
    assert_eq!(v["citizen"]["fatherName"], Value::Null);
    assert!(v["citizen"]["motherName"].is_string(), "{}", v["citizen"]);
    assert_eq!(relatives(&v)[0].0, "mother");
    // The 2024 card: its extra fields are kept raw, not a reason to drop anything.
    let (_, v) = read_profile("can-cuoc-2024", false);
    assert!(
        v["citizen"]["otherFields"]
            .as_object()
            .is_some_and(|o| !o.is_empty()),
        "{}",
        v["citizen"]
    );
    assert_eq!(relatives(&v).len(), 3);
}

#[test]
fn a_card_with_ef_card_access_only_by_select_keeps_pace() {
    let _slots = lock_slots();
    let (code, v) = read_profile("card-access-by-select", false);
    assert_eq!(code, 0);
    assert_eq!(v["protocol"], "PACE");
    // No EF.CardAccess at all: PACE on the published parameters with the CAN; BAC with the MRZ.
    let (code, v) = read_profile("no-card-access", false);
    assert_eq!(code, 0);
    assert_eq!(v["protocol"], "PACE");
    let (code, v) = read_profile("no-card-access", true);
    assert_eq!(code, 0);
    assert_eq!(v["protocol"], "BAC");
    // The CAN alone on a chip without PACE: exit 9 with the reason.
    let (code, _) = read_profile("bac-only", false);
    assert_eq!(code, 9, "a CAN for a BAC-only card");
}
