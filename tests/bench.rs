//! `cccd bench` through the real pcscd: its deterministic part (APDU counts, bytes, modeled
//! link times) is what docs/reading-speed.md says.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

#[test]
fn bench_reports_counts_and_modeled_times_and_the_documented_table_is_current() {
    let _slots = lock_slots();
    let sim = Sim::start(&[
        "--link-kbps",
        "424",
        "--crypto-ms",
        "5",
        "--turnaround-ms",
        "0.2",
    ]);
    let can = sim.info["can"].as_str().unwrap();
    let o = cccd(&["bench", "--json", "--can", can, "--runs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    for scenario in ["withoutPhoto", "withPhoto"] {
        let phases = v[scenario]["phases"].as_array().unwrap();
        let total = phases.iter().find(|p| p["name"] == "total").unwrap();
        assert!(total["apdus"].as_u64().unwrap() > 0);
        assert!(total["modeledMs"]["424"].as_f64().unwrap() > 0.0);
        assert!(total["wallMs"]["median"].as_f64().unwrap() > 0.0);
        assert!(total["cpuMs"]["median"].as_f64().is_some());
    }
    let photo = v["withPhoto"]["phases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "photo")
        .unwrap();
    assert!(photo["bytesReceived"].as_u64().unwrap() > 20_000);

    let o = cccd(&["bench", "--markdown", "--can", can, "--runs", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = stdout(&o);
    assert_eq!(
        generated_block("bench"),
        table.trim(),
        "update {GENERATED_TABLES_PAGE} with `cccd bench --markdown --can <CAN> --runs 1` against \
         `cccd sim`"
    );
}
