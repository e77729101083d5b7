//! `cccd read` through the real pcscd against `cccd sim`: keys, protocols, quirks, counts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::Value;

fn read(args: &[&str]) -> std::process::Output {
    cccd(&[&["read", "--json"][..], args].concat())
}

fn ok_json(args: &[&str]) -> Value {
    let o = read(args);
    assert!(o.status.success(), "cccd read {args:?}: {}", stderr(&o));
    json(&o)
}

fn mrz_of(sim: &Sim) -> String {
    sim.info["mrz"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every file read through pcscd equals the simulator's file: checked by reading twice, once
/// with PACE and once with the MRZ, and comparing the dumps to each other and to their TLV
/// lengths; the simulator's own bytes are checked in process by card-sim's tests.
/// The files `cccd read --out` writes for a full read, in name order (as `dumps` gives them).
const DUMP_NAMES: [&str; 7] = [
    "EF_COM.bin",
    "EF_DG1.bin",
    "EF_DG13.bin",
    "EF_DG14.bin",
    "EF_DG15.bin",
    "EF_DG2.bin",
    "EF_SOD.bin",
];

fn dump_names(dumps: &[(String, Vec<u8>)]) -> Vec<&str> {
    dumps.iter().map(|(n, _)| n.as_str()).collect()
}

fn dumps(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("cccd-read-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn both_mode_can_and_mrz_read_every_file() {
    let _slots = lock_slots();
    let sim = Sim::start(&[]);
    let can = sim.info["can"].as_str().unwrap().to_owned();
    let (d1, d2) = (temp_dir("can"), temp_dir("mrz"));
    let v = ok_json(&["--can", &can, "--out", d1.to_str().unwrap()]);
    assert_eq!(v["protocol"], "PACE");
    assert_eq!(v["extendedLength"], true);
    for f in ["com", "sod", "dg1", "dg2", "dg13", "dg14", "dg15"] {
        assert!(v["files"][f]["bytes"].as_u64().unwrap() > 0, "{f}");
        assert!(v["timings"][f].is_number(), "{f}");
    }
    assert!(
        v["apdus"].as_u64().unwrap() > 0
            && v["bytesSent"].as_u64().unwrap() > 0
            && v["bytesReceived"].as_u64().unwrap() > 20_000
    );
    let v = ok_json(&["--mrz", &mrz_of(&sim), "--out", d2.to_str().unwrap()]);
    assert_eq!(v["protocol"], "PACE", "PACE with the MRZ password");
    let (a, b) = (dumps(&d1), dumps(&d2));
    assert_eq!(a, b, "the same files with either key");
    assert_eq!(dump_names(&a), DUMP_NAMES);
    // DG1 holds the MRZ the simulator printed.
    let dg1 = &a[1].1;
    assert!(String::from_utf8_lossy(dg1).contains(&mrz_of(&sim).replace('\n', "")));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d1.join("EF_DG13.bin"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "personal data is owner-only");
        // A dump folder with a file others may read: the file is tightened, with a warning.
        let dg13 = d1.join("EF_DG13.bin");
        std::fs::set_permissions(&dg13, std::fs::Permissions::from_mode(0o644)).unwrap();
        let o = read(&[
            "--can",
            &can,
            "--out",
            d1.to_str().unwrap(),
            "--files",
            "dg13",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        let mode = std::fs::metadata(&dg13).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "an existing dump is tightened");
        assert!(
            stderr(&o).contains("EF_DG13.bin: was readable by other users (mode 644)"),
            "{}",
            stderr(&o)
        );
    }
    // The 12-digit ID works as well (its last six digits are the CAN).
    let v = ok_json(&[
        "--id",
        sim.info["idNumber"].as_str().unwrap(),
        "--files",
        "dg1",
    ]);
    assert_eq!(v["protocol"], "PACE");
    std::fs::remove_dir_all(&d1).unwrap();
    std::fs::remove_dir_all(&d2).unwrap();
}

#[test]
fn bac_mode_takes_mrz_dates_and_qr_but_not_the_can() {
    let _slots = lock_slots();
    let sim = Sim::start(&["--access", "bac"]);
    let v = ok_json(&["--mrz", &mrz_of(&sim), "--files", "com,dg1"]);
    assert_eq!(v["protocol"], "BAC");
    let id = sim.info["idNumber"].as_str().unwrap();
    let mrz2 = sim.info["mrz"][1].as_str().unwrap();
    let (dob, exp) = (&mrz2[0..6], &mrz2[8..14]);
    let dob_vn = format!("{}/{}/19{}", &dob[4..6], &dob[2..4], &dob[0..2]);
    let exp_iso = format!("20{}-{}-{}", &exp[0..2], &exp[2..4], &exp[4..6]);
    let v = ok_json(&[
        "--doc",
        &id[3..],
        "--dob",
        &dob_vn,
        "--expiry",
        &exp_iso,
        "--files",
        "dg1",
    ]);
    assert_eq!(v["protocol"], "BAC");
    let v = ok_json(&[
        "--doc",
        &id[3..],
        "--dob",
        dob,
        "--expiry",
        exp,
        "--files",
        "dg1",
    ]);
    assert_eq!(v["protocol"], "BAC");
    let v = ok_json(&["--qr", sim.info["qr"].as_str().unwrap()]);
    assert_eq!(
        v["protocol"], "BAC",
        "the QR's derived expiry opens the card"
    );

    let o = read(&["--can", sim.info["can"].as_str().unwrap()]);
    assert_eq!(o.status.code(), Some(9));
    assert_eq!(
        stderr(&o).trim(),
        "error: this card offers no PACE: give the MRZ or scan the QR code"
    );
    let o = read(&["--doc", &id[3..], "--dob", dob, "--expiry", "300101"]);
    assert_eq!(o.status.code(), Some(9));
    assert!(stderr(&o).contains("wrong access key"), "{}", stderr(&o));
}

#[test]
fn a_wrong_can_or_mrz_is_a_wrong_access_key() {
    let _slots = lock_slots();
    let sim = Sim::start(&[]);
    let o = read(&["--can", "000000"]);
    assert_eq!(o.status.code(), Some(9), "{}", stderr(&o));
    assert!(stderr(&o).contains("wrong access key"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("000000"), "no access data in messages");
    let id = sim.info["idNumber"].as_str().unwrap();
    let o = read(&["--doc", &id[3..], "--dob", "010101", "--expiry", "300101"]);
    assert_eq!(o.status.code(), Some(9), "{}", stderr(&o));
    assert!(stderr(&o).contains("wrong access key"), "{}", stderr(&o));
    // The card is not left in a bad state: the right key works next.
    ok_json(&["--can", sim.info["can"].as_str().unwrap(), "--files", "com"]);
}

#[test]
fn quirky_cards_read_through_pcscd() {
    let _slots = lock_slots();
    for quirk in [
        &["--no-extended"][..],
        &["--max-read", "100"],
        &["--exact-le"],
        &["--dg2-size", "40000"],
        &["--no-extended", "--dg2-size", "40000"],
    ] {
        let sim = Sim::start(quirk);
        let dir = temp_dir("quirk");
        let v = ok_json(&[
            "--can",
            sim.info["can"].as_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert_eq!(v["protocol"], "PACE", "{quirk:?}");
        if quirk.contains(&"--no-extended") {
            assert_eq!(v["extendedLength"], false, "{quirk:?}");
        }
        if quirk.contains(&"--dg2-size") {
            assert_eq!(v["files"]["dg2"]["bytes"], 40_000, "{quirk:?}");
        }
        // Every file is dumped, each one complete TLV object.
        let files = dumps(&dir);
        assert_eq!(dump_names(&files), DUMP_NAMES, "{quirk:?}");
        for (name, data) in files {
            let len = data.len();
            let (l, h) = match data[1] {
                n if n < 0x80 => (n as usize, 2),
                0x81 => (data[2] as usize, 3),
                0x82 => (((data[2] as usize) << 8) | data[3] as usize, 4),
                _ => panic!("{name}: bad length"),
            };
            assert_eq!(h + l, len, "{quirk:?} {name}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
        drop(sim);
    }
}

#[test]
fn apdu_counts_through_pcscd() {
    let _slots = lock_slots();
    let sim = Sim::start(&[]);
    let can = sim.info["can"].as_str().unwrap().to_owned();
    let v = ok_json(&["--can", &can, "--files", "com,sod,dg1,dg13,dg14,dg15"]);
    let after_access: u64 = ["com", "sod", "dg1", "dg13", "dg14", "dg15"]
        .iter()
        .map(|f| v["steps"][f]["apdus"].as_u64().unwrap())
        .sum();
    assert!(
        after_access <= 8,
        "{after_access} APDUs with extended length"
    );
    let v = ok_json(&["--can", &can, "--files", "dg2"]);
    assert!(v["steps"]["dg2"]["apdus"].as_u64().unwrap() <= 3);
    drop(sim);
    let sim = Sim::start(&["--no-extended"]);
    let v = ok_json(&[
        "--can",
        sim.info["can"].as_str().unwrap(),
        "--files",
        "com,sod,dg1,dg13,dg14,dg15",
    ]);
    let after_access: u64 = ["com", "sod", "dg1", "dg13", "dg14", "dg15"]
        .iter()
        .map(|f| v["steps"][f]["apdus"].as_u64().unwrap())
        .sum();
    assert!(
        after_access <= 25,
        "{after_access} APDUs without extended length"
    );
}

#[test]
fn bad_access_data_is_refused_before_the_card() {
    for (args, want) in [
        (&["--can", "12345"][..], "6 digits"),
        (&["--id", "12345"], "12 digits"),
        (&["--mrz", "not an mrz"], "MRZ"),
        (
            &[
                "--doc",
                "095012345",
                "--dob",
                "32/13/1995",
                "--expiry",
                "350817",
            ],
            "not a date",
        ),
        (&["--qr", "hello"], "not a CCCD QR code"),
        (
            &["--can", "012345", "--files", "dg3"],
            "terminal authentication",
        ),
        (&["--can", "012345", "--files", "dg99"], "unknown file"),
    ] {
        let o = read(args);
        assert_eq!(o.status.code(), Some(8), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{args:?}: {}", stderr(&o));
    }
}

/// `dd/mm/yyyy` as ISO 8601.
fn iso(d: &str) -> String {
    let p: Vec<&str> = d.split('/').collect();
    format!("{}-{}-{}", p[2], p[1], p[0])
}

#[test]
fn the_citizen_record_is_the_profiles_and_the_photo_a_jpeg() {
    let _slots = lock_slots();
    let sim = Sim::start(&[]);
    let photo = temp_dir("photo").with_extension("jpg");
    let v = ok_json(&[
        "--can",
        sim.info["can"].as_str().unwrap(),
        "--photo",
        photo.to_str().unwrap(),
    ]);
    let profile: toml::Table = include_str!("../crates/card-sim/profiles/default.toml")
        .parse()
        .unwrap();
    let c = profile["citizen"].as_table().unwrap();
    let s = |k: &str| c[k].as_str().unwrap().to_owned();
    let relative = |relation: &str, key: &str| serde_json::json!({"relation": relation, "name": s(key), "otherValues": []});
    let expected = serde_json::json!({
        "source": "dg13",
        "idNumber": s("id_number"),
        "fullName": s("full_name"),
        "dateOfBirth": iso(&s("date_of_birth")),
        "sex": s("sex"),
        "nationality": s("nationality"),
        "ethnicity": s("ethnicity"),
        "religion": s("religion"),
        "placeOfOrigin": s("place_of_origin"),
        "placeOfResidence": s("place_of_residence"),
        "identifyingMarks": s("identifying_marks"),
        "dateOfIssue": iso(&s("date_of_issue")),
        "dateOfExpiry": iso(&s("date_of_expiry")),
        "fatherName": s("father_name"),
        "motherName": s("mother_name"),
        "spouseName": s("spouse_name"),
        "relatives": [
            relative("father", "father_name"),
            relative("mother", "mother_name"),
            relative("spouse", "spouse_name"),
        ],
        "oldIdNumber": s("old_id_number"),
        "documentNumber": s("id_number")[3..],
        "issuingState": "VNM",
        "otherFields": {},
        "warnings": [],
    });
    assert_eq!(v["citizen"], expected);
    let jpeg = std::fs::read(&photo).unwrap();
    assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF], "JPEG start of image");
    assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9], "JPEG end of image");
    assert_eq!(v["photo"]["mime"], "image/jpeg");
    assert_eq!(v["photo"]["bytes"], jpeg.len());
    std::fs::remove_file(&photo).unwrap();
}

#[test]
fn other_profiles_and_raw_dumps_replay() {
    let _slots = lock_slots();
    let elderly = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/card-sim/profiles/elderly-no-expiry.toml"
    );
    let sim = Sim::start(&["--profile", elderly]);
    let d1 = temp_dir("dump-src");
    let v = ok_json(&[
        "--can",
        sim.info["can"].as_str().unwrap(),
        "--out",
        d1.to_str().unwrap(),
    ]);
    assert_eq!(v["citizen"]["dateOfBirth"], "1950");
    assert_eq!(v["citizen"]["dateOfExpiry"], serde_json::Value::Null);
    assert_eq!(v["citizen"]["spouseName"], serde_json::Value::Null);
    assert_eq!(v["citizen"]["otherFields"]["16"], "X9");
    let mrz: Vec<String> = sim.info["mrz"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_owned())
        .collect();
    let can = sim.info["can"].as_str().unwrap().to_owned();
    drop(sim);
    assert_eq!(dump_names(&dumps(&d1)), DUMP_NAMES);

    // The dump, replayed as a profile, reads back byte-identical, with the CAN and with the MRZ.
    let profile = d1.with_extension("toml");
    std::fs::write(
        &profile,
        format!(
            "[dump]\ndir = \"{}\"\ncan = \"{can}\"\nmrz = {:?}\n",
            d1.file_name().unwrap().to_str().unwrap(),
            mrz
        ),
    )
    .unwrap();
    let sim = Sim::start(&["--profile", profile.to_str().unwrap()]);
    let d2 = temp_dir("dump-replay");
    ok_json(&["--can", &can, "--out", d2.to_str().unwrap()]);
    assert_eq!(dumps(&d1), dumps(&d2));
    let d3 = temp_dir("dump-replay-mrz");
    ok_json(&["--mrz", &mrz.join("\n"), "--out", d3.to_str().unwrap()]);
    assert_eq!(dumps(&d1), dumps(&d3));
    drop(sim);
    for d in [&d1, &d2, &d3] {
        std::fs::remove_dir_all(d).unwrap();
    }
    std::fs::remove_file(&profile).unwrap();
}

/// The registration block of `cccd read --json`, field by field, for the default virtual card
/// (a new-format address) and a card whose address has the old district: every value
/// `chip-verified` when the verdict is `genuine`.
#[test]
fn the_registration_block_field_by_field() {
    let _slots = lock_slots();
    let nd = "Cục trưởng Cục Cảnh sát quản lý hành chính về trật tự xã hội";
    let profile = |name: &str| {
        format!(
            "{}/crates/card-sim/profiles/{name}",
            env!("CARGO_MANIFEST_DIR")
        )
    };
    let old = profile("old-address.toml");
    /// A profile's `cccd sim` arguments and the XML1 values expected.
    type Case<'a> = (Vec<&'a str>, [(&'a str, &'a str); 12]);
    let cases: [Case; 2] = [
        (
            vec![],
            [
                ("HO_TEN", "Nguyễn Văn An"),
                ("SO_CCCD", "038095012345"),
                ("SO_CMND", "381234567"),
                ("NGAY_SINH", "199508170000"),
                ("GIOI_TINH", "1"),
                ("MA_QUOCTICH", "000"),
                ("MA_DANTOC", "01"),
                (
                    "DIA_CHI",
                    "Số 12 Đường Lê Lợi, Phường Hạc Thành, Tỉnh Thanh Hóa",
                ),
                ("MATINH_CU_TRU", "38"),
                ("MAXA_CU_TRU", "14797"),
                ("NGAY_CAP_CCCD", "20210412"),
                ("NOI_CAP_CCCD", nd),
            ],
        ),
        (
            vec!["--profile", old.as_str()],
            [
                ("HO_TEN", "Trần Thị Bình"),
                ("SO_CCCD", "079305000123"),
                ("SO_CMND", ""),
                ("NGAY_SINH", "200503150000"),
                ("GIOI_TINH", "2"),
                ("MA_QUOCTICH", "000"),
                ("MA_DANTOC", "04"),
                (
                    "DIA_CHI",
                    "Số 5 Lê Lợi, Phường Bến Thành, Quận 1, Thành phố Hồ Chí Minh",
                ),
                ("MATINH_CU_TRU", "79"),
                ("MAXA_CU_TRU", "26743"),
                ("NGAY_CAP_CCCD", "20210510"),
                ("NOI_CAP_CCCD", nd),
            ],
        ),
    ];
    for (args, want) in cases {
        let sim = Sim::start(&args);
        let v = ok_json(&[
            "--can",
            sim.info["can"].as_str().unwrap(),
            "--allow-test-csca",
        ]);
        assert_eq!(v["verification"]["verdict"], "genuine", "{args:?}");
        let block = &v["registration"];
        for (key, value) in want {
            assert_eq!(block[key]["value"], value, "{args:?} {key}: {block}");
            assert_eq!(block[key]["source"], "chip-verified", "{args:?} {key}");
        }
        let converted = if args.is_empty() {
            "new-address"
        } else {
            "converted-from-old"
        };
        assert_eq!(
            block["addressMatch"]["method"], converted,
            "{args:?}: {block}"
        );
        drop(sim);
    }
}
