//! The default and elderly profiles build consistent cards; bad profiles are refused with the
//! reason; the MRZ's names and dates.

use super::*;

#[test]
fn card_access_matches_the_published_hex() {
    let published = "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d";
    assert_eq!(hex::encode(CCCD_CARD_ACCESS), published);
}

#[test]
fn the_default_profile_builds_a_consistent_card() {
    let p = Profile::default_profile().unwrap();
    let id = &p.identity;
    assert_eq!(id.can.as_deref(), Some("012345"));
    let mrz = id.mrz.as_ref().unwrap();
    assert!(mrz[0].starts_with("IDVNM095012345") && &mrz[0][15..27] == "038095012345");
    assert_eq!(mrz[2], "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<");
    let parsed = Mrz::parse(&mrz.join("\n")).unwrap();
    assert!(parsed.composite_check_ok());
    assert_eq!(
        (parsed.date_of_birth(), parsed.date_of_expiry()),
        ("950817", "350817")
    );
    assert!(
        id.qr
            .as_deref()
            .unwrap()
            .starts_with("038095012345|381234567|Nguyễn Văn An|17081995|Nam|")
    );
    for (fid, _, data) in &p.files {
        let h = asn1::decode_header(data).unwrap();
        assert_eq!(h.total_len(), data.len(), "file {fid:04X}");
    }
    let record = citizen::CitizenRecord::from_files(
        &p.files.iter().find(|f| f.0 == 0x010D).unwrap().2,
        Some(&p.files.iter().find(|f| f.0 == 0x0101).unwrap().2),
    )
    .unwrap();
    assert_eq!(record.full_name.as_deref(), Some("Nguyễn Văn An"));
    assert_eq!(record.spouse_name.as_deref(), Some("Lê Thị Dung"));
    assert!(record.warnings.is_empty(), "{:?}", record.warnings);
}

#[test]
fn the_elderly_profile_has_a_year_only_birth_and_no_expiry() {
    let p = Profile::parse(
        include_str!("../../profiles/elderly-no-expiry.toml"),
        Path::new("elderly.toml"),
    )
    .unwrap();
    let mrz = p.identity.mrz.as_ref().unwrap();
    assert_eq!(&mrz[1][0..6], "50<<<<");
    assert_eq!(&mrz[1][8..14], "991231");
    let dg13 = &p.files.iter().find(|f| f.0 == 0x010D).unwrap().2;
    let record = citizen::CitizenRecord::from_files(dg13, None).unwrap();
    assert_eq!(
        record.date_of_birth.map(|d| d.to_iso()).as_deref(),
        Some("1950")
    );
    assert_eq!(record.date_of_expiry, None);
    assert_eq!(record.spouse_name, None);
    assert!(
        record.other_fields.contains_key("16"),
        "{:?}",
        record.other_fields
    );
}

#[test]
fn bad_profiles_are_refused_with_the_reason() {
    for (text, want) in [
        ("", "exactly one"),
        ("[citizen]\nid_number = \"1\"", "missing field"),
        ("[dump]\ndir = \"/nonexistent\"", "no EF_"),
        ("[chip]\naccess = \"x\"\n[dump]\ndir=\".\"", ""),
    ] {
        let e = Profile::parse(text, Path::new("p.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{text}: {e}");
    }
}

#[test]
fn names_and_dates_for_the_mrz() {
    assert_eq!(mrz_name("Đặng Thị Ánh Tuyết"), "DANG<<THI<ANH<TUYET");
    assert_eq!(mrz_date("17/08/1995").as_deref(), Some("950817"));
    assert_eq!(mrz_date("00/00/1950").as_deref(), Some("50<<<<"));
    assert_eq!(mrz_date("1950"), None);
    assert!(no_expiry("Không thời hạn") && no_expiry("KHÔNG THỜI HẠN") && !no_expiry("17/08/2035"));
}

#[test]
fn the_card_access_encoder_gives_the_published_bytes() {
    assert_eq!(
        lds::card_access(Some(icao9303::Cipher::Aes128)),
        CCCD_CARD_ACCESS
    );
    // Without CA: TA and PACE only.
    assert_eq!(lds::card_access(None).len(), CCCD_CARD_ACCESS.len() - 17);
}

#[test]
fn bad_chip_options_are_refused_with_the_reason() {
    let citizen = DEFAULT_PROFILE.split("[chip]").next().unwrap();
    for (chip, want) in [
        ("absent = [1]", "only data groups 2, 3, 13, 14 and 15"),
        (
            "listed_but_absent = [7]",
            "only data groups 2, 3, 13, 14 and 15",
        ),
        (
            "absent = [2]\nlisted_but_absent = [2]",
            "both absent and listed_but_absent",
        ),
        ("relatives = \"nested\"", "per-person"),
        ("chip_authentication = \"aes-512\"", "aes-256"),
        ("active_authentication = \"dsa\"", "ecdsa"),
        ("colour = \"blue\"", "unknown field"),
    ] {
        let text = format!("{citizen}[chip]\n{chip}\n");
        let e = Profile::parse(&text, Path::new("p.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{chip}: {e}");
    }
    let details = citizen.replace(
        "mother_name = ",
        "mother_details = [\"001160003344\"]\nmother_name = ",
    );
    let e = Profile::parse(&details, Path::new("p.toml"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("per-person"), "{e}");
    assert!(
        Profile::parse(
            &format!("{details}[chip]\nrelatives = \"per-person\"\n"),
            Path::new("p.toml")
        )
        .is_ok()
    );
    let dir = std::env::temp_dir().join(format!("card-sim-dump-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("EF_COM.bin"), lds::ef_com(&[1])).unwrap();
    let dump = format!("[dump]\ndir = '{}'\ncan = \"123456\"\n", dir.display());
    let e = Profile::parse(
        &format!("{dump}[chip]\nabsent = [2]\n"),
        Path::new("p.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("only card_access_sfi"), "{e}");
    let p = Profile::parse(
        &format!("{dump}[chip]\ncard_access_sfi = false\n"),
        Path::new("p.toml"),
    )
    .unwrap();
    assert!(!p.card_access_sfi);
    std::fs::remove_dir_all(&dir).unwrap();
}
