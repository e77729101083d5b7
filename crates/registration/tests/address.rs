//! The administrative-unit tables and the address matcher, on addresses of every shape.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use registration::{
    AddressMatch, MatchMethod, UnitKind, commune, communes, match_address, old_communes,
    old_district, old_districts, old_province, old_provinces, province, provinces,
};
use unicode_normalization::UnicodeNormalization;

mod support;
use support::{abbreviated, plain, short};

fn codes(m: &AddressMatch) -> (Option<&str>, Option<&str>) {
    (m.province.map(|p| p.code), m.commune.map(|c| c.code))
}

fn candidates(m: &AddressMatch) -> Vec<(&str, bool)> {
    let mut c: Vec<(&str, bool)> = m.candidates.iter().map(|c| (c.code, c.default)).collect();
    c.sort_unstable();
    c
}

#[test]
fn the_tables_hold_what_the_source_says() {
    assert_eq!(registration::rejected_data_lines(), 0);
    // 34 provinces and 3,321 communes (2,621 xã, 687 phường, 13 đặc khu) since 1 July 2025.
    assert_eq!(provinces().len(), 34);
    assert_eq!(communes().len(), 3321);
    let count = |k: UnitKind| communes().iter().filter(|c| c.kind == k).count();
    assert_eq!(
        (
            count(UnitKind::Xa),
            count(UnitKind::Phuong),
            count(UnitKind::DacKhu)
        ),
        (2621, 687, 13)
    );
    assert_eq!(old_provinces().len(), 63);
    assert_eq!(old_districts().len(), 696);
    assert_eq!(old_communes().len(), 10035);
    for c in communes() {
        assert_eq!(c.code.len(), 5, "{}", c.code);
        assert!(province(c.province_code).is_some());
    }
    for p in provinces() {
        assert_eq!(p.code.len(), 2);
        assert!(matches!(p.kind, UnitKind::Tinh | UnitKind::ThanhPho));
    }
    let cities = provinces()
        .iter()
        .filter(|p| p.kind == UnitKind::ThanhPho)
        .count();
    assert_eq!((cities, provinces().len() - cities), (6, 28));
    // Every old province went whole into one new province; every old commune (and island
    // district) has successors, one default when split; every new commune received something.
    for p in old_provinces() {
        assert!(province(p.new_province_code).is_some(), "{}", p.code);
    }
    let mut received = std::collections::HashSet::new();
    let mut split = 0;
    for c in old_communes() {
        assert!(!c.successors.is_empty(), "{}", c.code);
        assert_eq!(c.successors.iter().filter(|s| s.default).count(), 1);
        split += usize::from(c.successors.len() > 1);
        let d = old_district(c.district_code).unwrap();
        let new_province = old_province(d.province_code).unwrap().new_province_code;
        for s in &c.successors {
            assert_eq!(commune(s.commune_code).unwrap().province_code, new_province);
            received.insert(s.commune_code);
        }
    }
    let islands: Vec<&str> = old_districts()
        .iter()
        .filter(|d| !d.successors.is_empty())
        .map(|d| d.code)
        .collect();
    assert_eq!(islands.len(), 5);
    for d in old_districts().iter().filter(|d| !d.successors.is_empty()) {
        received.insert(d.successors[0].commune_code);
    }
    assert_eq!(split, 471);
    assert_eq!(received.len(), 3321);
}

#[test]
fn every_new_commune_is_found_by_its_name_and_province() {
    for c in communes() {
        let p = province(c.province_code).unwrap();
        let m = match_address(&format!("{}, {}", c.name, p.name));
        assert_eq!(codes(&m), (Some(p.code), Some(c.code)), "{}", c.code);
        assert_eq!(m.method, MatchMethod::NewAddress);
        assert!(m.warnings.is_empty(), "{}: {:?}", c.code, m.warnings);
    }
}

#[test]
fn every_old_commune_converts_by_its_three_levels() {
    for c in old_communes() {
        let d = old_district(c.district_code).unwrap();
        let p = old_province(d.province_code).unwrap();
        let m = match_address(&format!("{}, {}, {}", c.name, d.name, p.name));
        assert_eq!(m.method, MatchMethod::ConvertedFromOld, "{}", c.code);
        assert_eq!(m.province.unwrap().code, p.new_province_code, "{}", c.code);
        assert_eq!(m.from.unwrap().commune.unwrap().code, c.code);
        if let [only] = c.successors.as_slice() {
            assert_eq!(m.commune.unwrap().code, only.commune_code, "{}", c.code);
            assert!(m.candidates.is_empty());
        } else {
            assert!(m.is_ambiguous(), "{}", c.code);
            let expected: Vec<(&str, bool)> = {
                let mut e: Vec<(&str, bool)> = c
                    .successors
                    .iter()
                    .map(|s| (s.commune_code, s.default))
                    .collect();
                e.sort_unstable();
                e
            };
            assert_eq!(candidates(&m), expected, "{}", c.code);
        }
    }
}

#[test]
fn the_issues_two_examples() {
    let m = match_address("Phường Hạc Thành, Tỉnh Thanh Hóa");
    assert_eq!(codes(&m), (Some("38"), Some("14797")));
    assert_eq!(m.method, MatchMethod::NewAddress);
    assert_eq!(m.commune.unwrap().name, "Phường Hạc Thành");
    assert_eq!(m.province.unwrap().name, "Tỉnh Thanh Hóa");
    assert!(m.warnings.is_empty() && m.from.is_none());

    let m = match_address("Phường Bến Thành, Quận 1, Thành phố Hồ Chí Minh");
    assert_eq!(codes(&m), (Some("79"), Some("26743")));
    assert_eq!(m.method, MatchMethod::ConvertedFromOld);
    let from = m.from.unwrap();
    assert_eq!(
        (from.province.code, from.district.unwrap().code),
        ("79", "760")
    );
    assert_eq!(from.district.unwrap().name, "Quận 1");
    assert!(m.warnings.is_empty());
}

#[test]
fn new_addresses_in_every_spelling() {
    for text in [
        "Số 12 Đường Lê Lợi, Phường Hạc Thành, Tỉnh Thanh Hóa",
        "Thôn 3, Phường Hạc Thành, Tỉnh Thanh Hóa",
        "phuong hac thanh, tinh thanh hoa",
        "PHƯỜNG HẠC THÀNH, TỈNH THANH HÓA",
        "Phường Hạc Thành, Tỉnh Thanh Hoá",
        "  Phường   Hạc  Thành ,Tỉnh   Thanh Hóa  ",
        "Hạc Thành, Thanh Hóa",
        "Hac Thanh, Thanh Hoa",
        "P. Hạc Thành, T.Thanh Hóa",
        "P.Hạc Thành, Thanh Hóa",
        "Phường Hạc Thành Tỉnh Thanh Hóa",
        "Số 12 Lê Lợi Phường Hạc Thành Thanh Hóa",
        "Phường Hạc Thành, Tỉnh Thanh Hóa, Việt Nam",
    ] {
        let m = match_address(text);
        assert_eq!(
            codes(&m),
            (Some("38"), Some("14797")),
            "{text}: {:?}",
            m.warnings
        );
        assert_eq!(m.method, MatchMethod::NewAddress, "{text}");
    }
    let nfd: String = "Phường Hạc Thành, Tỉnh Thanh Hóa".nfd().collect();
    assert_eq!(codes(&match_address(&nfd)), (Some("38"), Some("14797")));
    // The elderly virtual card's residence.
    let m = match_address("Xóm 3, Xã Giao Thủy, Tỉnh Ninh Bình");
    assert_eq!(codes(&m), (Some("37"), Some("14167")));
    // Names with hyphens and apostrophes; numbered names.
    let m = match_address("Phường Văn Miếu - Quốc Tử Giám, Thành phố Hà Nội");
    assert_eq!(m.province.unwrap().code, "01");
    assert_eq!(m.commune.unwrap().name, "Phường Văn Miếu - Quốc Tử Giám");
    assert_eq!(
        match_address("Phuong Ha Giang 1, Tuyen Quang")
            .commune
            .unwrap()
            .code,
        "00694"
    );
}

#[test]
fn old_addresses_with_abbreviations_and_without_prefixes() {
    for text in [
        "P. Bến Thành, Q.1, TP.HCM",
        "P.Bến Thành Q1 TP HCM",
        "phuong ben thanh, quan 1, thanh pho ho chi minh",
        "Bến Thành, Quận 1, Hồ Chí Minh",
        "12 Lê Lợi, P. Bến Thành, Q. 1, T.P. Hồ Chí Minh",
    ] {
        let m = match_address(text);
        assert_eq!(
            codes(&m),
            (Some("79"), Some("26743")),
            "{text}: {:?}",
            m.warnings
        );
        assert_eq!(m.method, MatchMethod::ConvertedFromOld, "{text}");
    }
    // District-level names: huyện, thị xã, thành phố thuộc tỉnh, with their abbreviations.
    for (text, commune_code, province_code) in [
        (
            "Xã Hoằng Lộc, Huyện Hoằng Hóa, Tỉnh Thanh Hóa",
            "15961",
            "38",
        ),
        ("X. Hoằng Lộc, H. Hoằng Hóa, T. Thanh Hóa", "15961", "38"),
        (
            "Phường Ngô Quyền, Thị xã Sơn Tây, Thành phố Hà Nội",
            "09574",
            "01",
        ),
        ("P. Ngô Quyền, TX. Sơn Tây, TP. Hà Nội", "09574", "01"),
        (
            "Phường Trần Phú, Thành phố Hà Giang, Tỉnh Hà Giang",
            "00691",
            "08",
        ),
        (
            "Thị trấn Phố Bảng, Huyện Đồng Văn, Tỉnh Hà Giang",
            "00745",
            "08",
        ),
        ("TT Phố Bảng, Đồng Văn, Hà Giang", "00745", "08"),
        (
            "Thị trấn Ngọc Lặc, Huyện Ngọc Lặc, Tỉnh Thanh Hóa",
            "15061",
            "38",
        ),
    ] {
        let m = match_address(text);
        assert_eq!(
            codes(&m),
            (Some(province_code), Some(commune_code)),
            "{text}: {:?}",
            m.warnings
        );
        assert_eq!(m.method, MatchMethod::ConvertedFromOld, "{text}");
    }
    // A former name the source lists (Phường Quang Trung merged into Ngô Quyền), with a warning.
    let m = match_address("Phường Quang Trung, Thị xã Sơn Tây, Thành phố Hà Nội");
    assert_eq!(codes(&m), (Some("01"), Some("09574")));
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("former or variant name"))
    );
    // HCM's "F.2" for Phường 2.
    let m = match_address("F.2, Q.3, TP.HCM");
    assert_eq!(m.from.unwrap().commune.unwrap().name, "Phường 2");
    // Tỉnh Thừa Thiên Huế, renamed Thành phố Huế in 2025; the district-level "Thành phố Huế" of
    // older cards is no district of the source's table: passed over, with a warning.
    let m = match_address("Phường Phú Hội, Thành phố Huế, Tỉnh Thừa Thiên Huế");
    assert_eq!(codes(&m), (Some("46"), Some("19789")));
    assert_eq!(m.method, MatchMethod::ConvertedFromOld);
    assert!(!m.warnings.is_empty());
}

#[test]
fn merged_provinces_islands_and_partial_addresses() {
    // Bà Rịa - Vũng Tàu went into Thành phố Hồ Chí Minh; Côn Đảo had no communes.
    let m = match_address("Huyện Côn Đảo, Tỉnh Bà Rịa - Vũng Tàu");
    assert_eq!(codes(&m), (Some("79"), Some("26732")));
    assert_eq!(m.commune.unwrap().name, "Đặc khu Côn Đảo");
    // An old address without its district: the commune is looked up in the whole province.
    let m = match_address("Phường Trần Phú, Tỉnh Hà Giang");
    assert_eq!(codes(&m), (Some("08"), Some("00691")));
    assert!(
        m.warnings
            .iter()
            .any(|w| w.contains("without its district"))
    );
    // A new address with the old district left in.
    let m = match_address("Phường Hạc Thành, TP Thanh Hóa, Tỉnh Thanh Hóa");
    assert_eq!(codes(&m), (Some("38"), Some("14797")));
    assert!(m.warnings.iter().any(|w| w.contains("passed over")));
    // A province alone, an old province alone: the province, no commune, and why.
    for (text, p) in [("Tỉnh Thanh Hóa", "38"), ("Thôn 5, Tỉnh Hà Giang", "08")] {
        let m = match_address(text);
        assert_eq!(codes(&m), (Some(p), None), "{text}");
        assert!(!m.is_ambiguous());
        assert!(
            m.warnings.iter().any(|w| w.contains("no commune")),
            "{text}"
        );
    }
    let m = match_address("Khu phố 9, Quận 1, TP HCM");
    assert_eq!(codes(&m), (Some("79"), None));
    assert_eq!(m.from.unwrap().district.unwrap().code, "760");
}

#[test]
fn a_split_commune_gives_its_candidates_and_the_default() {
    let m = match_address("Xã Phúc Điền, Huyện Cẩm Giàng, Tỉnh Hải Dương");
    assert_eq!(codes(&m), (Some("31"), None));
    assert!(m.is_ambiguous());
    assert_eq!(m.method, MatchMethod::ConvertedFromOld);
    assert_eq!(candidates(&m), [("10903", false), ("10930", true)]);
    assert!(m.warnings.iter().any(|w| w.contains("split between 2")));
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["commune"], serde_json::Value::Null);
    assert_eq!(json["method"], "converted-from-old");
    assert_eq!(
        json["candidates"][0],
        serde_json::json!({"code": "10930", "name": "Xã Mao Điền", "provinceCode": "31", "default": true})
    );
    assert_eq!(json["from"]["commune"]["name"], "Xã Phúc Điền");
}

#[test]
fn what_cannot_be_told_apart_is_not_guessed() {
    // Two communes of Thái Nguyên fold alike: diacritics decide, their absence does not.
    assert_eq!(
        codes(&match_address("Xã Văn Lang, Tỉnh Thái Nguyên")).1,
        Some("02143")
    );
    assert_eq!(
        codes(&match_address("Xã Văn Lăng, Tỉnh Thái Nguyên")).1,
        Some("05665")
    );
    let m = match_address("Xa Van Lang, Thai Nguyen");
    assert_eq!(codes(&m), (Some("19"), None));
    assert_eq!(candidates(&m), [("02143", false), ("05665", false)]);
    // Phường Đông Tiến and Xã Đồng Tiến of Thanh Hóa: the type or the diacritics decide.
    let p = match_address("Phường Đông Tiến, Thanh Hóa")
        .commune
        .unwrap()
        .code;
    let x = match_address("Xã Đồng Tiến, Thanh Hóa")
        .commune
        .unwrap()
        .code;
    assert_ne!(p, x);
    assert_eq!(match_address("Dong Tien, Thanh Hoa").candidates.len(), 2);
    // Without prefixes the text reads as old (commune, district) and as new (hamlet, commune),
    // with different results: both are given, no default.
    let m = match_address("Hoằng Lộc, Hoằng Hóa, Thanh Hóa");
    assert_eq!(m.method, MatchMethod::NewOrOld);
    assert_eq!(codes(&m), (Some("38"), None));
    assert_eq!(candidates(&m), [("15865", false), ("15961", false)]);
    // With the prefixes there is no doubt.
    let m = match_address("Xã Hoằng Lộc, Huyện Hoằng Hóa, Tỉnh Thanh Hóa");
    assert_eq!(codes(&m), (Some("38"), Some("15961")));
    // Both readings, one inside the other: "Hoàn Kiếm" as today's ward is one of the two wards
    // the old Phường Tràng Tiền (Quận Hoàn Kiếm) was split between: the old reading stands.
    let m = match_address("Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội");
    assert_eq!(m.method, MatchMethod::ConvertedFromOld);
    assert_eq!(candidates(&m), [("00070", false), ("00082", true)]);
    // Both readings agree (old Phường Phố Huế went into today's Phường Hai Bà Trưng).
    let m = match_address("so 5 ngo 12 pho hue, hai ba trung, ha noi");
    assert_eq!(codes(&m), (Some("01"), Some("00256")));
}

#[test]
fn nonsense_gives_empty_codes_and_the_reason() {
    for text in [
        "",
        "   ",
        ",,,",
        "abc xyz",
        "12345",
        "Thành phố Gotham",
        "Số 1 Baker Street, London",
    ] {
        let m = match_address(text);
        assert_eq!(codes(&m), (None, None), "{text}");
        assert_eq!(m.method, MatchMethod::NotMatched, "{text}");
        assert!(m.candidates.is_empty() && m.from.is_none());
        assert_eq!(m.warnings.len(), 1, "{text}");
    }
    let m = match_address("Số 12 Lê Lợi, Phường Hạc Thành, Tỉnh Thanh Hóa");
    let d = format!("{m:?}");
    assert!(!d.contains("14797") && !d.contains("Hạc"), "{d}");
}

proptest! {
    #[test]
    fn never_panics(text in "\\PC{0,80}") {
        let m = match_address(&text);
        if m.commune.is_some() {
            prop_assert!(m.province.is_some());
        }
    }

    #[test]
    fn never_panics_on_address_like_text(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("Phường".to_owned()), Just("Xã".to_owned()), Just("Q.".to_owned()),
                Just("TP.".to_owned()), Just(",".to_owned()), Just("Hạc Thành".to_owned()),
                Just("Thanh Hóa".to_owned()), Just("1".to_owned()), Just("Huyện".to_owned()),
                "[a-zà-ỹ .,'-]{0,8}",
            ],
            0..12,
        )
    ) {
        let _ = match_address(&parts.join(" "));
    }
}

/// Right, or honestly ambiguous with the right communes among the candidates: never a wrong
/// commune given as certain.
fn right_or_ambiguous(m: &AddressMatch, expected: &[&str]) -> bool {
    match (m.commune, expected) {
        (Some(c), [only]) => c.code == *only,
        (Some(_), _) => false,
        (None, _) => expected
            .iter()
            .all(|e| m.candidates.iter().any(|c| c.code == *e)),
    }
}

#[test]
fn no_diacritics_no_prefixes_or_abbreviations_never_give_a_wrong_commune() {
    let mut ambiguous = 0;
    for c in communes() {
        let p = province(c.province_code).unwrap();
        for text in [
            plain(&format!("{}, {}", short(c.name), short(p.name))),
            format!("{}, {}", abbreviated(c.name), abbreviated(p.name)),
        ] {
            let m = match_address(&text);
            assert!(right_or_ambiguous(&m, &[c.code]), "{text}: {:?}", codes(&m));
            ambiguous += usize::from(m.commune.is_none());
        }
    }
    // Only names that fold alike within a province are ambiguous without diacritics.
    assert!(ambiguous <= 20, "{ambiguous}");
    let mut ambiguous = 0;
    for c in old_communes() {
        let d = old_district(c.district_code).unwrap();
        let p = old_province(d.province_code).unwrap();
        let expected: Vec<&str> = c.successors.iter().map(|s| s.commune_code).collect();
        for text in [
            plain(&format!("{}, {}, {}", c.name, d.name, p.name)),
            format!(
                "{}, {}, {}",
                abbreviated(c.name),
                abbreviated(d.name),
                abbreviated(p.name)
            ),
        ] {
            let m = match_address(&text);
            assert!(right_or_ambiguous(&m, &expected), "{text}: {:?}", codes(&m));
            ambiguous += usize::from(m.commune.is_none() && expected.len() == 1);
        }
    }
    assert!(ambiguous <= 33, "{ambiguous}");
}
