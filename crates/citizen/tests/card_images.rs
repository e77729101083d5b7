//! The citizen record of card images encoded independently of the reader (`card-images`): the
//! DG13 shapes real cards use (the production vendor's one value per person, with the 2024
//! cards' ID numbers; the flat `SEQUENCE { father, mother }`; one person alone), partial dates,
//! fields in any order, and documents without DG13 (a passport, the JMRTD specimen's DG1).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use card_images::{CardImage, EntryOrder, Parents, Passport, Relative, Value};
use citizen::{CitizenRecord, OtherValue, RecordSource, Relation};
use jiff::civil::date;
use serde_json::json;

/// The record `cccd read` makes of an image: DG13 and DG1 as the card has them.
fn record_of(image: &CardImage) -> CitizenRecord {
    CitizenRecord::from_files(image.data_group(13).unwrap(), image.data_group(1)).unwrap()
}

fn builder() -> card_images::Builder {
    // DG14 and DG15 are not needed here (and DG15's RSA key takes time to make).
    CardImage::builder().data_groups(&[1, 13])
}

fn father_2024() -> Relative {
    Relative::with_ids("Nguyễn Văn Bình", "001060012345", "", "Việt Nam")
}

fn mother_2024() -> Relative {
    Relative::with_ids("Trần Thị Cúc", "001162012345", "012345678", "Việt Nam")
}

#[test]
fn the_vendors_shape_with_the_2024_cards_ids() {
    let image = builder()
        .parents(Parents::PerPerson {
            father: Some(father_2024()),
            mother: Some(mother_2024()),
        })
        .spouse(Some(Relative::with_ids(
            "Lê Thị Dung",
            "001190012345",
            "",
            "Việt Nam",
        )))
        .build()
        .unwrap();
    let r = record_of(&image);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.father_name.as_deref(), Some("Nguyễn Văn Bình"));
    assert_eq!(r.mother_name.as_deref(), Some("Trần Thị Cúc"));
    assert_eq!(r.spouse_name.as_deref(), Some("Lê Thị Dung"));
    assert!(r.other_fields.is_empty(), "nothing left uninterpreted");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["relatives"],
        json!([
            {"relation": "father", "name": "Nguyễn Văn Bình",
             "otherValues": ["001060012345", "", "Việt Nam"]},
            {"relation": "mother", "name": "Trần Thị Cúc",
             "otherValues": ["001162012345", "012345678", "Việt Nam"]},
            {"relation": "spouse", "name": "Lê Thị Dung",
             "otherValues": ["001190012345", "", "Việt Nam"]}
        ])
    );
    // DG1 adds the document number (the ID's last 9 digits) and the issuing state.
    assert_eq!(json["documentNumber"], "089012345");
    assert_eq!(json["issuingState"], "VNM");
    assert_eq!(json["source"], "dg13");
    let back: CitizenRecord = serde_json::from_value(json).unwrap();
    assert_eq!(back, r);
}

#[test]
fn names_only_per_person_as_cards_before_2024() {
    let r = record_of(&builder().build().unwrap());
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(
        (r.father_name.as_deref(), r.mother_name.as_deref()),
        (Some("Nguyễn Văn Bình"), Some("Trần Thị Cúc"))
    );
    assert_eq!(r.relatives.len(), 2);
    assert!(r.relatives.iter().all(|p| p.other_values.is_empty()));
    assert_eq!(r.spouse_name, None);
}

#[test]
fn one_person_in_field_13_is_the_mother() {
    for mother in [Relative::named("Trần Thị Cúc"), mother_2024()] {
        let extra = mother.more.len();
        let r = record_of(
            &builder()
                .parents(Parents::PerPerson {
                    father: None,
                    mother: Some(mother),
                })
                .build()
                .unwrap(),
        );
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        assert_eq!(r.father_name, None, "never the father");
        assert_eq!(r.mother_name.as_deref(), Some("Trần Thị Cúc"));
        assert_eq!(r.relatives.len(), 1);
        assert_eq!(r.relatives[0].relation, Relation::Mother);
        assert_eq!(r.relatives[0].other_values.len(), extra);
    }
    // A bare name after the INTEGER, too.
    let r = record_of(
        &builder()
            .parents(Parents::Values(vec![Value::utf8("Trần Thị Cúc")]))
            .build()
            .unwrap(),
    );
    assert_eq!(
        (r.father_name.as_deref(), r.mother_name.as_deref()),
        (None, Some("Trần Thị Cúc"))
    );
}

#[test]
fn the_flat_sequence_of_father_and_mother() {
    let r = record_of(
        &builder()
            .parents(Parents::Flat {
                father: "Nguyễn Văn Bình".into(),
                mother: "Trần Thị Cúc".into(),
            })
            .build()
            .unwrap(),
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(
        (r.father_name.as_deref(), r.mother_name.as_deref()),
        (Some("Nguyễn Văn Bình"), Some("Trần Thị Cúc"))
    );
    // An empty father in the flat shape: the mother only.
    let r = record_of(
        &builder()
            .parents(Parents::Flat {
                father: String::new(),
                mother: "Trần Thị Cúc".into(),
            })
            .build()
            .unwrap(),
    );
    assert_eq!(
        (r.father_name.as_deref(), r.mother_name.as_deref()),
        (None, Some("Trần Thị Cúc"))
    );
    assert_eq!(r.relatives.len(), 1);
    // Both persons as names directly after the INTEGER.
    let r = record_of(
        &builder()
            .parents(Parents::Values(vec![Value::utf8("B"), Value::utf8("C")]))
            .build()
            .unwrap(),
    );
    assert_eq!(
        (r.father_name.as_deref(), r.mother_name.as_deref()),
        (Some("B"), Some("C"))
    );
}

#[test]
fn raw_elements_are_kept_typed_or_as_hex() {
    let father = Relative {
        name: Value::utf8("Nguyễn Văn Bình"),
        more: vec![
            Value::Printable("001060012345".into()),
            Value::Raw(vec![0x04, 0x02, 0xCA, 0xFE]),
            Value::Sequence(vec![Value::utf8("x")]),
        ],
    };
    let r = record_of(
        &builder()
            .parents(Parents::PerPerson {
                father: Some(father),
                mother: Some(Relative::named("Trần Thị Cúc")),
            })
            .build()
            .unwrap(),
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(
        serde_json::to_value(&r.relatives[0].other_values).unwrap(),
        json!(["001060012345", {"tag": 4, "hex": "cafe"}, ["x"]])
    );
    // A person without a name is kept, with a warning, never dropped.
    let r = record_of(
        &builder()
            .parents(Parents::Values(vec![
                Value::Sequence(vec![Value::Raw(vec![0x02, 0x01, 0x07])]),
                Value::Sequence(vec![Value::utf8("C")]),
            ]))
            .build()
            .unwrap(),
    );
    assert_eq!(r.father_name, None);
    assert_eq!(r.mother_name.as_deref(), Some("C"));
    assert_eq!(
        r.relatives[0].other_values,
        [OtherValue::Raw {
            tag: 2,
            hex: "07".into()
        }]
    );
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
}

#[test]
fn old_id_and_the_2024_cards_extra_fields() {
    let image = builder()
        .old_id_number(Some("123456789"))
        .extra_field(16, vec![Value::utf8("Phường Bến Nghé, TP Hồ Chí Minh")])
        .extra_field(17, vec![Value::Raw(vec![0x04, 0x01, 0xAB])])
        .extra_field(
            18,
            vec![Value::Sequence(vec![
                Value::utf8("Nguyễn Văn Con"),
                Value::utf8("001220012345"),
            ])],
        )
        .build()
        .unwrap();
    let r = record_of(&image);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.old_id_number.as_deref(), Some("123456789"));
    assert_eq!(
        serde_json::to_value(&r.other_fields).unwrap(),
        json!({
            "16": "Phường Bến Nghé, TP Hồ Chí Minh",
            "17": {"tag": 4, "hex": "ab"},
            "18": ["Nguyễn Văn Con", "001220012345"]
        })
    );
}

#[test]
fn by_the_integer_never_by_position() {
    let ascending = builder()
        .spouse(Some(Relative::named("Lê Thị Dung")))
        .extra_field(16, vec![Value::utf8("x")])
        .build()
        .unwrap();
    let descending = builder()
        .spouse(Some(Relative::named("Lê Thị Dung")))
        .extra_field(16, vec![Value::utf8("x")])
        .dg13_order(EntryOrder::Descending)
        .build()
        .unwrap();
    assert_ne!(ascending.data_group(13), descending.data_group(13));
    assert_eq!(record_of(&ascending), record_of(&descending));
    // Fields left out are absent, the others still in place.
    let r = record_of(
        &builder()
            .with_citizen(|c| c.omitted = vec![6, 7, 10])
            .parents(Parents::Absent)
            .old_id_number(None)
            .build()
            .unwrap(),
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!((r.ethnicity.as_ref(), r.religion.as_ref()), (None, None));
    assert_eq!(r.identifying_marks, None);
    assert_eq!(r.place_of_origin.as_deref(), Some("Xã Đông Anh, Hà Nội"));
    assert!(r.relatives.is_empty() && r.father_name.is_none());
}

#[test]
fn partial_dates_of_birth() {
    for (written, iso) in [
        ("00/00/1950", "1950"),
        ("1950", "1950"),
        ("00/03/1950", "1950-03"),
    ] {
        let image = builder()
            .with_citizen(|c| {
                c.id_number = "036050123456".into();
                c.date_of_expiry = "Không thời hạn".into();
            })
            .date_of_birth(written)
            .build()
            .unwrap();
        let r = record_of(&image);
        assert_eq!(r.date_of_birth.map(|d| d.to_iso()).as_deref(), Some(iso));
        assert_eq!(r.date_of_expiry, None, "no expiry");
        assert!(r.warnings.is_empty(), "{written}: {:?}", r.warnings);
    }
}

#[test]
fn a_passport_without_dg13_gives_a_record_from_dg1() {
    let image = CardImage::builder()
        .passport(Passport::default())
        .data_groups(&[1])
        .build()
        .unwrap();
    assert_eq!(image.data_group(13), None);
    let r = CitizenRecord::from_dg1_file(image.data_group(1).unwrap(), date(2026, 5, 1)).unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["source"], "dg1");
    assert_eq!(json["fullName"], "MUSTERMANN ERIKA");
    assert_eq!(json["documentNumber"], "C01X00T47");
    assert_eq!(json["issuingState"], "D");
    assert_eq!(json["nationality"], "D");
    assert_eq!(json["sex"], "F");
    assert_eq!(json["dateOfBirth"], "1983-08-12");
    assert_eq!(json["dateOfExpiry"], "2031-05-31");
    for none in [
        "idNumber",
        "ethnicity",
        "religion",
        "placeOfResidence",
        "dateOfIssue",
    ] {
        assert!(json[none].is_null(), "{none}");
    }
    assert_eq!(json["relatives"], json!([]));
}

#[test]
fn a_dg1_date_of_birth_takes_the_century_that_is_not_in_the_future() {
    let dg1 = |dob: &str| {
        CardImage::builder()
            .passport(Passport {
                date_of_birth: dob.into(),
                ..Passport::default()
            })
            .data_groups(&[1])
            .build()
            .unwrap()
            .data_group(1)
            .unwrap()
            .to_vec()
    };
    let today = date(2026, 5, 1);
    let dob = |yymmdd: &str| {
        CitizenRecord::from_dg1_file(&dg1(yymmdd), today)
            .unwrap()
            .date_of_birth
            .map(|d| d.to_iso())
    };
    assert_eq!(dob("260401").as_deref(), Some("2026-04-01"));
    assert_eq!(dob("260601").as_deref(), Some("1926-06-01"));
    assert_eq!(dob("990101").as_deref(), Some("1999-01-01"));
    assert_eq!(dob("50<<<<").as_deref(), Some("1950"));
    assert_eq!(dob("2605<<").as_deref(), Some("2026-05"));
    assert_eq!(dob("2606<<").as_deref(), Some("1926-06"));
}

#[test]
fn the_jmrtd_specimen_passport_without_dg13() {
    // ICAO 9303's specimen holder in the BSI 2008 test passport (fixtures/jmrtd_bsi2008, from
    // JMRTD's test resources): a document with no DG13, as a foreign patient's passport.
    let dg1 = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/jmrtd_bsi2008/Datagroup1.bin"
    ))
    .unwrap();
    let r = CitizenRecord::from_dg1_file(&dg1, date(2026, 5, 1)).unwrap();
    assert_eq!(r.source, RecordSource::Dg1);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(r.full_name.as_deref(), Some("MUSTERMANN ERIKA"));
    assert_eq!(r.document_number.as_deref(), Some("C11T002JM"));
    assert_eq!(r.nationality.as_deref(), Some("D"));
    assert_eq!(r.issuing_state.as_deref(), Some("D"));
    assert_eq!(r.sex.as_deref(), Some("F"));
    assert_eq!(
        r.date_of_birth.map(|d| d.to_iso()).as_deref(),
        Some("1996-08-12")
    );
    assert_eq!(
        r.date_of_expiry.map(|d| d.to_iso()).as_deref(),
        Some("2013-10-31")
    );
    assert_eq!(r.id_number, None);
    // As docs/data.md shows it.
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({"source": "dg1", "idNumber": null, "fullName": "MUSTERMANN ERIKA",
            "dateOfBirth": "1996-08-12", "sex": "F", "nationality": "D", "ethnicity": null,
            "religion": null, "placeOfOrigin": null, "placeOfResidence": null,
            "identifyingMarks": null, "dateOfIssue": null, "dateOfExpiry": "2013-10-31",
            "fatherName": null, "motherName": null, "spouseName": null, "relatives": [],
            "oldIdNumber": null, "documentNumber": "C11T002JM", "issuingState": "D",
            "otherFields": {}, "warnings": []})
    );
    let d = format!("{r:?}");
    assert!(!d.contains("MUSTERMANN") && !d.contains("C11T"), "{d}");
}
