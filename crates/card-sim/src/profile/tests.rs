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
