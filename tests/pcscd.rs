//! End-to-end tests of the foundation through the real pcscd, its vpcd driver and `cccd sim`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[test]
fn readers_show_the_virtual_card_and_its_removal() {
    let _slots = lock_slots();
    let mut sim = Sim::start(&[]);
    assert!(sim.reader.contains("Virtual PCD"), "{}", sim.reader);
    let o = cccd(&["readers", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    let r = v["readers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == sim.reader.as_str())
        .expect("the virtual reader is listed");
    assert_eq!(r["card"], "present");
    assert_eq!(r["atr"].as_str(), Some(sim.atr().as_str()));
    assert!(
        sim.atr().starts_with("3B8"),
        "contactless ATR form: {}",
        sim.atr()
    );
    sim.send("remove");
    assert_eq!(wait_card(&sim.reader, "empty"), None);
    let o = cccd(&["readers"]);
    assert!(stdout(&o).contains("card: empty"), "{}", stdout(&o));
}

#[test]
fn watch_reports_insertion_and_removal() {
    let _slots = lock_slots();
    let mut sim = Sim::start(&[]);
    sim.send("remove");
    wait_card(&sim.reader, "empty");
    let watch = Streaming::start(&["watch", "--json"]);
    let reader = sim.reader.clone();
    watch.expect("reader.added", |v| {
        v["event"] == "reader.added" && v["reader"] == reader.as_str()
    });
    sim.send("insert");
    let ins = watch.expect("card.inserted", |v| {
        v["event"] == "card.inserted" && v["reader"] == reader.as_str()
    });
    assert_eq!(ins["atr"].as_str(), Some(sim.atr().as_str()));
    assert!(ins["time"].as_str().is_some_and(|t| t.ends_with('Z')));
    sim.send("remove");
    watch.expect("card.removed", |v| {
        v["event"] == "card.removed" && v["reader"] == reader.as_str()
    });
}

#[test]
fn apdu_selects_the_emrtd_application() {
    let _slots = lock_slots();
    let sim = Sim::start(&[]);
    let o = cccd(&["apdu", "00A4040C07A0000002471001"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("< 9000 (success)"), "{}", stdout(&o));

    let o = cccd(&[
        "apdu",
        "--json",
        "--reader",
        &sim.reader,
        "00A4040C07A0000002471002",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["exchanges"][0]["sw"], "6A82");
    assert_eq!(
        v["exchanges"][0]["meaning"],
        "file or application not found"
    );

    // Several APDUs in one transaction: EF.CardAccess by SFI (free to read, like on the CCCD),
    // a data group (needs secure messaging), SELECT MF (the CCCD's 6D00) and the UID
    // pseudo-APDU answered by the card.
    let o = cccd(&[
        "apdu",
        "--json",
        "00B09C0004",
        "00A4040C07A0000002471001",
        "00B0810004",
        "00A4000C023F00",
        "FFCA000000",
    ]);
    let v = json(&o);
    assert_eq!(v["exchanges"][0]["data"], "3134300D");
    assert_eq!(v["exchanges"][2]["sw"], "6982");
    assert_eq!(v["exchanges"][3]["sw"], "6D00");
    assert_eq!(v["exchanges"][4]["data"], sim.info["uid"]);

    let o = cccd(&[
        "apdu",
        "--reader",
        "No Such Reader",
        "00A4040C07A0000002471001",
    ]);
    assert!(!o.status.success());
    assert_eq!(o.status.code(), Some(4));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("unknown reader \"No Such Reader\""), "{err}");
}

#[test]
fn a_card_pulled_mid_exchange_is_card_removed_and_the_next_insert_works() {
    let _slots = lock_slots();
    let mut sim = Sim::start(&[]);
    sim.send("remove-after 2");
    let o = cccd(&[
        "apdu",
        "00A4040C07A0000002471001",
        "00A4020C02011E",
        "00B0000004",
        "00B0000404",
    ]);
    assert_eq!(
        o.status.code(),
        Some(6),
        "stdout {} stderr {}",
        stdout(&o),
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("the card was removed during the exchange"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        stdout(&o).matches("< 9000").count(),
        2,
        "two APDUs were answered: {}",
        stdout(&o)
    );
    wait_card(&sim.reader, "empty");

    sim.send("insert");
    wait_card(&sim.reader, "present");
    let o = cccd(&["apdu", "00A4040C07A0000002471001"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn no_card_and_several_cards_are_clear_failures() {
    let _slots = lock_slots();
    let mut a = Sim::start(&["--slot", "0"]);
    let b = Sim::start(&["--slot", "1"]);
    let o = cccd(&["apdu", "00A4040C07A0000002471001"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("several readers hold a card")
            && err.contains(&a.reader)
            && err.contains(&b.reader),
        "{err}"
    );
    drop(b);
    a.send("remove");
    wait_card(&a.reader, "empty");
    let o = cccd(&["apdu", "--reader", &a.reader, "00A4040C07A0000002471001"]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no card on the reader"),
        "{}",
        stderr(&o)
    );
    let o = cccd(&["apdu", "00A4040C07A0000002471001"]);
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
}

/// Every profile of `crates/card-sim/profiles/` starts as a card on pcscd with its holder's
/// keys, and answers EF.CardAccess as the profile says: by SFI, only after SELECT 011C
/// (`card_access_sfi = false`), or not at all (BAC only).
#[test]
fn every_profile_starts_on_pcscd() {
    let _slots = lock_slots();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/card-sim/profiles");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 13, "{names:?}");
    for path in names {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let profile: toml::Table = std::fs::read_to_string(&path).unwrap().parse().unwrap();
        let id = profile["citizen"]["id_number"].as_str().unwrap();
        let chip = profile.get("chip").and_then(|c| c.as_table());
        let option = |key: &str| chip.and_then(|c| c.get(key)).cloned();
        let sim = Sim::start(&["--profile", path.to_str().unwrap()]);
        assert_eq!(sim.info["idNumber"], id, "{name}");
        assert_eq!(sim.info["can"], id[6..], "{name}");
        let o = cccd(&[
            "apdu",
            "--json",
            "--reader",
            &sim.reader,
            "00B09C0000",
            "00A4020C02011C",
            "00B0000000",
            "00A4040C07A0000002471001",
        ]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let v = json(&o);
        let sws: Vec<&str> = (0..4)
            .map(|i| v["exchanges"][i]["sw"].as_str().unwrap())
            .collect();
        let no_file = option("access").is_some_and(|a| a.as_str() == Some("bac"))
            || option("card_access_file").is_some_and(|f| f.as_bool() == Some(false));
        let want = if no_file {
            ["6A82", "6A82", "6986", "9000"]
        } else if option("card_access_sfi").is_some_and(|s| s.as_bool() == Some(false)) {
            ["6A82", "9000", "9000", "9000"]
        } else {
            ["9000", "9000", "9000", "9000"]
        };
        assert_eq!(sws, want, "{name}");
        drop(sim);
    }
}
