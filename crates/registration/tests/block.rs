//! The registration block, field by field: the virtual cards' citizen records (read from their
//! DG13 as the pipeline does), a record with an old-format address, the QR code and typed input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use card_sim::Profile;
use citizen::{CccdQr, CitizenRecord, PartialDate};
use proptest::prelude::*;
use registration::{
    ChipVerdict, Field, MatchMethod, RegistrationBlock, Source, TypedIdentity, issuing_authority,
};

const OLD_AUTHORITY: &str = "Cục trưởng Cục Cảnh sát quản lý hành chính về trật tự xã hội";

fn record_of(profile: &Profile) -> CitizenRecord {
    let file = |fid: u16| {
        profile
            .files
            .iter()
            .find(|(f, _, _)| *f == fid)
            .map(|(_, _, data)| data.clone())
            .unwrap()
    };
    CitizenRecord::from_files(&file(0x010D), Some(&file(0x0101))).unwrap()
}

fn default_record() -> CitizenRecord {
    record_of(&Profile::default_profile().unwrap())
}

/// The value, the source, and whether it is marked uncertain.
fn f(field: &Field) -> (&str, Source, bool) {
    (
        field.value.as_str(),
        field.source,
        field.uncertain.is_some(),
    )
}

#[test]
fn the_default_virtual_card_field_by_field() {
    let r = default_record();
    assert_eq!(
        r.place_of_residence.as_deref(),
        Some("Số 12 Đường Lê Lợi, Phường Hạc Thành, Tỉnh Thanh Hóa")
    );
    let b = RegistrationBlock::from_citizen_record(&r, ChipVerdict::Genuine);
    let s = Source::ChipVerified;
    assert_eq!(f(&b.ho_ten), ("Nguyễn Văn An", s, false));
    assert_eq!(f(&b.so_cccd), ("038095012345", s, false));
    assert_eq!(f(&b.so_cmnd), ("381234567", s, false));
    assert_eq!(f(&b.ngay_sinh), ("199508170000", s, false));
    assert_eq!(f(&b.gioi_tinh), ("1", s, false));
    assert_eq!(f(&b.ma_quoctich), ("000", s, false));
    assert_eq!(f(&b.ma_dantoc), ("01", s, false));
    assert_eq!(
        f(&b.dia_chi),
        (
            "Số 12 Đường Lê Lợi, Phường Hạc Thành, Tỉnh Thanh Hóa",
            s,
            false
        )
    );
    assert_eq!(f(&b.matinh_cu_tru), ("38", s, false));
    assert_eq!(f(&b.maxa_cu_tru), ("14797", s, false));
    assert_eq!(f(&b.ngay_cap_cccd), ("20210412", s, false));
    assert_eq!(f(&b.noi_cap_cccd), (OLD_AUTHORITY, s, false));
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    let m = b.address_match.as_ref().unwrap();
    assert_eq!(m.method, MatchMethod::NewAddress);

    // Not verified: the same values, every one marked chip-unverified.
    let u = RegistrationBlock::from_citizen_record(&r, ChipVerdict::NotGenuine);
    assert_eq!(f(&u.maxa_cu_tru), ("14797", Source::ChipUnverified, false));
    assert_eq!(u.ho_ten.source, Source::ChipUnverified);
}

#[test]
fn the_json_keeps_the_xml1_names_as_keys() {
    let b = RegistrationBlock::from_citizen_record(&default_record(), ChipVerdict::Genuine);
    let json = serde_json::to_value(&b).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = vec![
        "HO_TEN",
        "SO_CCCD",
        "SO_CMND",
        "NGAY_SINH",
        "GIOI_TINH",
        "MA_QUOCTICH",
        "MA_DANTOC",
        "DIA_CHI",
        "MATINH_CU_TRU",
        "MAXA_CU_TRU",
        "NGAY_CAP_CCCD",
        "NOI_CAP_CCCD",
        "addressMatch",
        "warnings",
    ];
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    expected.sort_unstable();
    assert_eq!(sorted, expected);
    assert_eq!(
        json["HO_TEN"],
        serde_json::json!({"value": "Nguyễn Văn An", "source": "chip-verified"})
    );
    assert_eq!(json["MAXA_CU_TRU"]["value"], "14797");
    assert_eq!(json["addressMatch"]["commune"]["code"], "14797");
    assert_eq!(json["warnings"], serde_json::json!([]));
    let d = format!("{b:?} {:?}", b.ho_ten);
    assert!(!d.contains("Nguy") && !d.contains("0380"), "{d}");
}

/// A record with an old-format address, a year-only date of birth (`00/00/1950`), a woman, an
/// ethnicity not in the list, and an ID number registered in another province than the
/// residence's.
fn old_format_record() -> CitizenRecord {
    let mut r = CitizenRecord::default();
    r.id_number = Some("001150123456".into());
    r.full_name = Some("Trần Thị Bình".into());
    r.date_of_birth = PartialDate::parse_iso("1950").ok();
    r.sex = Some("Nữ".into());
    r.nationality = Some("Việt Nam".into());
    r.ethnicity = Some("Không rõ".into());
    r.religion = Some("Không".into());
    r.place_of_residence =
        Some("Số 5 Lê Lợi, Phường Bến Thành, Quận 1, Thành phố Hồ Chí Minh".into());
    r.date_of_issue = PartialDate::parse_iso("2024-08-15").ok();
    r.date_of_expiry = None;
    r
}

#[test]
fn an_old_address_a_partial_birth_date_a_woman_an_unknown_ethnicity() {
    let b = RegistrationBlock::from_citizen_record(&old_format_record(), ChipVerdict::NotGenuine);
    let s = Source::ChipUnverified;
    assert_eq!(f(&b.ho_ten), ("Trần Thị Bình", s, false));
    assert_eq!(f(&b.so_cccd), ("001150123456", s, false));
    assert_eq!(f(&b.so_cmnd), ("", s, false));
    assert_eq!(f(&b.ngay_sinh), ("195000000000", s, false));
    assert_eq!(f(&b.gioi_tinh), ("2", s, false));
    assert_eq!(f(&b.ma_quoctich), ("000", s, false));
    assert_eq!(f(&b.ma_dantoc), ("", s, true));
    assert!(
        b.ma_dantoc
            .uncertain
            .as_deref()
            .unwrap()
            .contains("54 groups")
    );
    // The residence's province (79), not the ID number's birth-registration province (001).
    assert_eq!(f(&b.matinh_cu_tru), ("79", s, false));
    assert_eq!(f(&b.maxa_cu_tru), ("26743", s, false));
    assert_eq!(
        b.address_match.as_ref().unwrap().method,
        MatchMethod::ConvertedFromOld
    );
    assert_eq!(f(&b.ngay_cap_cccd), ("20240815", s, false));
    assert_eq!(f(&b.noi_cap_cccd), ("Bộ Công an", s, false));
    assert_eq!(b.warnings.len(), 1, "{:?}", b.warnings);
    assert!(b.warnings[0].starts_with("MA_DANTOC: "));
    assert!(!b.warnings[0].contains("Không rõ"));

    // Month and year known; a split commune; no residence at all.
    let mut r = old_format_record();
    r.date_of_birth = PartialDate::parse_iso("1950-03").ok();
    r.place_of_residence = Some("Xã Phúc Điền, Huyện Cẩm Giàng, Tỉnh Hải Dương".into());
    let b = RegistrationBlock::from_citizen_record(&r, ChipVerdict::Genuine);
    assert_eq!(b.ngay_sinh.value, "195003000000");
    assert_eq!(f(&b.matinh_cu_tru), ("31", Source::ChipVerified, false));
    assert_eq!(f(&b.maxa_cu_tru), ("", Source::ChipVerified, true));
    assert!(
        b.maxa_cu_tru
            .uncertain
            .as_deref()
            .unwrap()
            .contains("candidates")
    );
    assert!(b.address_match.as_ref().unwrap().is_ambiguous());
    r.place_of_residence = None;
    let b = RegistrationBlock::from_citizen_record(&r, ChipVerdict::Genuine);
    assert_eq!(f(&b.dia_chi), ("", Source::ChipVerified, true));
    assert_eq!(f(&b.matinh_cu_tru), ("", Source::ChipVerified, true));
    assert!(b.address_match.is_none());
}

#[test]
fn the_elderly_virtual_card() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../card-sim/profiles/elderly-no-expiry.toml");
    let r = record_of(&Profile::load(&path).unwrap());
    let b = RegistrationBlock::from_citizen_record(&r, ChipVerdict::Genuine);
    assert_eq!(b.ho_ten.value, "Lê Văn Cao");
    assert_eq!(b.ngay_sinh.value, "195000000000");
    assert_eq!(b.so_cmnd.value, "");
    assert_eq!(
        (b.matinh_cu_tru.value.as_str(), b.maxa_cu_tru.value.as_str()),
        ("37", "14167")
    );
    assert_eq!(b.ngay_cap_cccd.value, "20210201");
    assert_eq!(b.noi_cap_cccd.value, OLD_AUTHORITY);
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
}

#[test]
fn values_that_are_not_what_xml1_wants_are_empty_with_the_reason() {
    let mut r = CitizenRecord::default();
    r.id_number = Some("12345".into());
    r.old_id_number = Some("12-34".into());
    // A DG13 date that is not a date leaves the record without one (the citizen crate keeps
    // the text in otherFields).
    r.date_of_birth = None;
    r.sex = Some("Khác".into());
    r.nationality = Some("Lào".into());
    r.ethnicity = Some("Mèo".into());
    r.date_of_issue = PartialDate::parse_iso("2019-05-01").ok();
    let b = RegistrationBlock::from_citizen_record(&r, ChipVerdict::Genuine);
    for field in [
        &b.ho_ten,
        &b.so_cccd,
        &b.so_cmnd,
        &b.ngay_sinh,
        &b.gioi_tinh,
        &b.ma_quoctich,
        &b.dia_chi,
        &b.noi_cap_cccd,
    ] {
        assert_eq!(field.value, "");
        assert!(field.uncertain.is_some());
    }
    // Another name the list gives for the HMông: the code, marked for a check.
    assert_eq!(f(&b.ma_dantoc), ("08", Source::ChipVerified, true));
    assert_eq!(b.ngay_cap_cccd.value, "20190501");
    assert_eq!(b.warnings.len(), 11, "{:?}", b.warnings);
    // An ID number whose province code is unknown is kept, with a doubt.
    let mut r = CitizenRecord::default();
    r.id_number = Some("099150123456".into());
    let b = RegistrationBlock::from_citizen_record(&r, ChipVerdict::Genuine);
    assert_eq!(f(&b.so_cccd), ("099150123456", Source::ChipVerified, true));
    assert_eq!(issuing_authority(2024, 6, 30), Some(OLD_AUTHORITY));
    assert_eq!(issuing_authority(2024, 7, 1), Some("Bộ Công an"));
    assert_eq!(issuing_authority(2020, 12, 31), None);
}

#[test]
fn from_the_qr_code() {
    let qr = Profile::default_profile().unwrap().identity.qr.unwrap();
    let b = RegistrationBlock::from_qr(&CccdQr::parse(&qr).unwrap());
    let s = Source::Qr;
    assert_eq!(f(&b.ho_ten), ("Nguyễn Văn An", s, false));
    assert_eq!(f(&b.so_cccd), ("038095012345", s, false));
    assert_eq!(f(&b.so_cmnd), ("381234567", s, false));
    assert_eq!(f(&b.ngay_sinh), ("199508170000", s, false));
    assert_eq!(f(&b.gioi_tinh), ("1", s, false));
    assert_eq!(f(&b.ma_quoctich), ("000", s, true));
    assert_eq!(f(&b.ma_dantoc), ("", s, true));
    assert_eq!(f(&b.matinh_cu_tru), ("38", s, false));
    assert_eq!(f(&b.maxa_cu_tru), ("14797", s, false));
    assert_eq!(f(&b.ngay_cap_cccd), ("20210412", s, false));
    assert_eq!(f(&b.noi_cap_cccd), (OLD_AUTHORITY, s, false));
    assert_eq!(b.warnings.len(), 2, "{:?}", b.warnings);
    // A 2024 card of a woman born in a year only, no old ID.
    let qr = CccdQr::parse(
        "079305000123||Trần Thị Bình|00002005|Nữ|Phường Bến Thành, Thành phố Hồ Chí Minh|15082024",
    )
    .unwrap();
    let b = RegistrationBlock::from_qr(&qr);
    assert_eq!(b.ngay_sinh.value, "200500000000");
    assert_eq!(b.gioi_tinh.value, "2");
    assert_eq!(b.so_cmnd.value, "");
    assert_eq!(
        (b.matinh_cu_tru.value.as_str(), b.maxa_cu_tru.value.as_str()),
        ("79", "26743")
    );
    assert_eq!(b.noi_cap_cccd.value, "Bộ Công an");
}

#[test]
fn from_typed_input() {
    for (dob, expected) in [
        ("17/08/1995", "199508170000"),
        ("1995-08-17", "199508170000"),
        ("00/00/1950", "195000000000"),
        ("1950", "195000000000"),
        ("00/03/1950", "195003000000"),
    ] {
        let b = RegistrationBlock::from_typed(&TypedIdentity {
            id_number: "038095012345",
            full_name: "Nguyễn Văn An",
            date_of_birth: dob,
        });
        assert_eq!(f(&b.ngay_sinh), (expected, Source::Typed, false), "{dob}");
        assert_eq!(f(&b.so_cccd), ("038095012345", Source::Typed, false));
        assert_eq!(f(&b.ho_ten), ("Nguyễn Văn An", Source::Typed, false));
        for field in [
            &b.gioi_tinh,
            &b.ma_quoctich,
            &b.ma_dantoc,
            &b.dia_chi,
            &b.matinh_cu_tru,
            &b.maxa_cu_tru,
            &b.ngay_cap_cccd,
            &b.noi_cap_cccd,
        ] {
            assert_eq!(f(field), ("", Source::Typed, true));
        }
        assert_eq!(b.warnings.len(), 8);
    }
    let b = RegistrationBlock::from_typed(&TypedIdentity {
        id_number: " 0380950 ",
        full_name: " ",
        date_of_birth: "31/02/1990",
    });
    assert_eq!(f(&b.so_cccd), ("", Source::Typed, true));
    assert_eq!(f(&b.ho_ten), ("", Source::Typed, true));
    assert_eq!(f(&b.ngay_sinh), ("", Source::Typed, true));
}

proptest! {
    #[test]
    fn building_never_panics(fields in proptest::collection::vec(proptest::option::of("\\PC{0,40}"), 10)) {
        let mut r = CitizenRecord::default();
        r.id_number = fields[0].clone();
        r.full_name = fields[1].clone();
        r.date_of_birth = fields[2].as_deref().and_then(|t| PartialDate::parse_iso(t).ok());
        r.sex = fields[3].clone();
        r.nationality = fields[4].clone();
        r.ethnicity = fields[5].clone();
        r.place_of_residence = fields[6].clone();
        r.date_of_issue = fields[7].as_deref().and_then(|t| PartialDate::parse_iso(t).ok());
        r.old_id_number = fields[8].clone();
        let b = RegistrationBlock::from_citizen_record(&r, ChipVerdict::NotGenuine);
        prop_assert!(serde_json::to_string(&b).is_ok());
        let text = fields[9].clone().unwrap_or_default();
        let _ = RegistrationBlock::from_typed(&TypedIdentity {
            id_number: &text,
            full_name: &text,
            date_of_birth: &text,
        });
        if let Ok(qr) = CccdQr::parse(&format!("038095012345|{text}|{text}|17081995|{text}|{text}|12042021")) {
            let _ = RegistrationBlock::from_qr(&qr);
        }
    }
}
