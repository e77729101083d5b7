use super::*;
use proptest::prelude::*;

use asn1::tlv;

fn utf8(s: &str) -> Vec<u8> {
    tlv(0x0C, s.as_bytes())
}

fn entry(n: u8, value: &[u8]) -> Vec<u8> {
    tlv(0x30, &[vec![0x02, 0x01, n], value.to_vec()].concat())
}

/// DG13 in the documented layout: 6D { SEQUENCE { INTEGER 1, OID UTF-8, SET OF entries } }.
fn dg13(entries: &[Vec<u8>]) -> Vec<u8> {
    let set = tlv(0x31, &entries.concat());
    let oid = tlv(0x06, icao9303::lds::OID_UTF8);
    tlv(
        0x6D,
        &tlv(0x30, &[vec![0x02, 0x01, 0x01], oid, set].concat()),
    )
}

fn full_card() -> Vec<Vec<u8>> {
    vec![
        entry(1, &utf8("001089012345")),
        entry(2, &utf8("Nguyễn Văn An")),
        entry(3, &utf8("05/07/1989")),
        entry(4, &utf8("Nam")),
        entry(5, &utf8("Việt Nam")),
        entry(6, &utf8("Kinh")),
        entry(7, &utf8("Không")),
        entry(8, &utf8("Xã Đông Anh, Hà Nội")),
        entry(9, &utf8("Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội")),
        entry(10, &utf8("Nốt ruồi cách 2cm dưới mép trái")),
        entry(11, &utf8("10/03/2021")),
        entry(12, &utf8("05/07/2029")),
        entry(
            13,
            &tlv(
                0x30,
                &[utf8("Nguyễn Văn Bình"), utf8("Trần Thị Cúc")].concat(),
            ),
        ),
        entry(14, &tlv(0x30, &utf8("Lê Thị Dung"))),
        entry(15, &utf8("123456789")),
    ]
}

fn record(entries: &[Vec<u8>]) -> CitizenRecord {
    CitizenRecord::from_files(&dg13(entries), None).unwrap()
}

#[test]
fn all_fields_and_json_shape() {
    let r = record(&full_card());
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let json = serde_json::to_value(&r).unwrap();
    let expected = serde_json::json!({
        "source": "dg13",
        "idNumber": "001089012345",
        "fullName": "Nguyễn Văn An",
        "dateOfBirth": "1989-07-05",
        "sex": "Nam",
        "nationality": "Việt Nam",
        "ethnicity": "Kinh",
        "religion": "Không",
        "placeOfOrigin": "Xã Đông Anh, Hà Nội",
        "placeOfResidence": "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội",
        "identifyingMarks": "Nốt ruồi cách 2cm dưới mép trái",
        "dateOfIssue": "2021-03-10",
        "dateOfExpiry": "2029-07-05",
        "fatherName": "Nguyễn Văn Bình",
        "motherName": "Trần Thị Cúc",
        "spouseName": "Lê Thị Dung",
        "relatives": [
            {"relation": "father", "name": "Nguyễn Văn Bình", "otherValues": []},
            {"relation": "mother", "name": "Trần Thị Cúc", "otherValues": []},
            {"relation": "spouse", "name": "Lê Thị Dung", "otherValues": []}
        ],
        "oldIdNumber": "123456789",
        "documentNumber": null,
        "issuingState": null,
        "otherFields": {},
        "warnings": []
    });
    assert_eq!(json, expected);
    let back: CitizenRecord = serde_json::from_value(json).unwrap();
    assert_eq!(back, r);
    let keys: Vec<String> = expected.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys.len(), 22);
    // A record serialised before `source`, `relatives`, `documentNumber` and `issuingState`
    // existed still reads.
    let mut old = expected.clone();
    for k in ["source", "relatives", "documentNumber", "issuingState"] {
        old.as_object_mut().unwrap().remove(k);
    }
    let old: CitizenRecord = serde_json::from_value(old).unwrap();
    assert_eq!(old.source, RecordSource::Dg13);
    assert_eq!(old.father_name, r.father_name);
}

#[test]
fn no_spouse_and_no_expiry() {
    let mut card = full_card();
    card.retain(|e| e[4] != 14 && e[4] != 15 && e[4] != 12);
    card.push(entry(12, &utf8("Không thời hạn")));
    let r = record(&card);
    assert_eq!(
        (r.spouse_name.as_deref(), r.old_id_number.as_deref()),
        (None, None)
    );
    assert_eq!(r.date_of_expiry, None);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let json = serde_json::to_value(&r).unwrap();
    assert!(json["spouseName"].is_null() && json["dateOfExpiry"].is_null());
    assert!(is_no_expiry("KHÔNG THỜI HẠN") && is_no_expiry("khong thoi  han"));
}

#[test]
fn year_only_and_month_year_dates() {
    let mut card = full_card();
    card[0] = entry(1, &utf8("036050123456"));
    card[2] = entry(3, &utf8("00/00/1950"));
    let r = record(&card);
    assert_eq!(r.date_of_birth.map(|d| d.to_iso()).as_deref(), Some("1950"));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    card[2] = entry(3, &utf8("00/03/1950"));
    assert_eq!(
        record(&card).date_of_birth.map(|d| d.to_iso()).as_deref(),
        Some("1950-03")
    );
    card[2] = entry(3, &utf8("1950"));
    assert_eq!(
        record(&card).date_of_birth.map(|d| d.to_iso()).as_deref(),
        Some("1950")
    );
}

#[test]
fn printable_string_values() {
    let card = vec![
        entry(1, &tlv(0x13, b"001089012345")),
        entry(3, &tlv(0x13, b"05/07/1989")),
        entry(4, &tlv(0x13, b"Nam")),
        entry(
            13,
            &tlv(
                0x30,
                &[tlv(0x13, b"NGUYEN VAN B"), utf8("Trần Thị C")].concat(),
            ),
        ),
    ];
    let r = record(&card);
    assert_eq!(r.id_number.as_deref(), Some("001089012345"));
    assert_eq!(
        r.date_of_birth.map(|d| d.to_iso()).as_deref(),
        Some("1989-07-05")
    );
    assert_eq!(r.father_name.as_deref(), Some("NGUYEN VAN B"));
    assert_eq!(r.mother_name.as_deref(), Some("Trần Thị C"));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn unknown_numbers_are_kept_raw() {
    let mut card = full_card();
    card.push(entry(16, &utf8("abc")));
    card.push(entry(42, &tlv(0x04, &[0xDE, 0xAD])));
    card.push(entry(43, &tlv(0x30, &[utf8("x"), utf8("y")].concat())));
    let r = record(&card);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["otherFields"],
        serde_json::json!({"16": "abc", "42": {"tag": 4, "hex": "dead"}, "43": ["x", "y"]})
    );
    assert!(r.warnings.is_empty());
    let back: CitizenRecord = serde_json::from_value(json).unwrap();
    assert_eq!(back.other_fields, r.other_fields);
}

#[test]
fn nfd_input_is_normalised_to_nfc() {
    let nfd_name: String = "Nguyễn Thị Ánh".nfd().collect();
    assert_ne!(nfd_name, "Nguyễn Thị Ánh");
    let mut card = full_card();
    card[1] = entry(2, &utf8(&nfd_name));
    card[3] = entry(4, &utf8(&"Nữ".nfd().collect::<String>()));
    card[0] = entry(1, &utf8("001189012345"));
    let r = record(&card);
    assert_eq!(r.full_name.as_deref(), Some("Nguyễn Thị Ánh"));
    assert_eq!(r.sex.as_deref(), Some("Nữ"));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn consistency_warnings() {
    let mut card = full_card();
    // Century digit 3: born in the 2000s (2090 here), female; DG13 says 1989 and "Nam".
    card[0] = entry(1, &utf8("001390012345"));
    let r = record(&card);
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
    assert!(r.warnings.iter().all(|w| !w.contains("001390012345")));
    // DG1 whose document number is the first 9 digits (the known wrong bridge).
    let mrz = "IDVNM0010890129001089012345<<7\n8907057M3407057VNM<<<<<<<<<<<2\nNGUYEN<<VAN<AN<<<<<<<<<<<<<<<<";
    let lines: String = mrz.lines().collect();
    let dg1 = tlv(0x61, &[vec![0x5F, 0x1F, 90], lines.into_bytes()].concat());
    let r = CitizenRecord::from_files(&dg13(&full_card()), Some(&dg1));
    match r {
        Ok(r) => assert!(
            r.warnings.iter().any(|w| w.contains("last 9 digits")),
            "{:?}",
            r.warnings
        ),
        Err(e) => panic!("{e}"),
    }
    // The right DG1: no warning.
    let good = "IDVNM0890123456001089012345<<78907057M3407057VNM<<<<<<<<<<<8NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<";
    let dg1 = tlv(
        0x61,
        &[vec![0x5F, 0x1F, 90], good.as_bytes().to_vec()].concat(),
    );
    let r = CitizenRecord::from_files(&dg13(&full_card()), Some(&dg1)).unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    // Missing ID, bad sex text, undatable date, a non-string name.
    let card = vec![
        entry(4, &utf8("X")),
        entry(11, &utf8("hôm qua")),
        entry(2, &tlv(0x04, b"\x01")),
    ];
    let r = record(&card);
    assert_eq!(r.warnings.len(), 3, "{:?}", r.warnings);
    assert!(r.other_fields.contains_key("11") && r.other_fields.contains_key("2"));
}

#[test]
fn an_unknown_province_code_is_a_warning_and_the_other_checks_still_run() {
    let mut card = full_card();
    card[0] = entry(1, &utf8("099089012345"));
    let r = record(&card);
    assert_eq!(r.id_number.as_deref(), Some("099089012345"));
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].contains("province code"));
    // The century and sex digits are still checked.
    card[0] = entry(1, &utf8("099190012345"));
    assert_eq!(record(&card).warnings.len(), 3);
    card[0] = entry(1, &utf8("09919001234"));
    let r = record(&card);
    assert_eq!(r.warnings, ["the ID number is not 12 digits"]);
}

#[test]
fn duplicates_are_kept() {
    let mut card = full_card();
    card.push(entry(2, &utf8("Khác")));
    let r = record(&card);
    assert_eq!(r.full_name.as_deref(), Some("Nguyễn Văn An"));
    assert_eq!(
        r.other_fields.get("2"),
        Some(&OtherValue::Text("Khác".into()))
    );
    assert_eq!(r.warnings.len(), 1);
}

#[test]
fn malformed_files_are_typed_errors() {
    let good = dg13(&full_card());
    let e = CitizenRecord::from_files(&good[..good.len() - 1], None).unwrap_err();
    assert!(
        matches!(
            e,
            Error::Lds(icao9303::Error::MalformedFile {
                file: icao9303::read::LdsFile::Dg(13),
                ..
            })
        ),
        "{e:?}"
    );
    let mut long = good.clone();
    let at = long.len() - 10; // inside the last entry's value: make a length overlong
    long[at] = 0x7F;
    assert!(CitizenRecord::from_files(&long, None).is_err());
}

#[test]
fn debug_redacts() {
    let r = record(&full_card());
    let d = format!("{r:?}");
    assert!(!d.contains("Nguy") && !d.contains("0010"), "{d}");
}

proptest! {
    #[test]
    fn arbitrary_dg13_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = CitizenRecord::from_files(&bytes, None);
    }

    #[test]
    fn mutated_dg13_never_panics(pos in any::<usize>(), byte in any::<u8>(), cut in 0usize..32) {
        let mut b = dg13(&full_card());
        let i = pos % b.len();
        b[i] = byte;
        b.truncate(b.len() - cut);
        if let Ok(r) = CitizenRecord::from_files(&b, None) {
            let _ = serde_json::to_string(&r);
        }
    }
}
