use super::*;

fn keys(qr: &str) -> Vec<(String, String)> {
    mrz_keys_from_qr(&CccdQr::parse(qr).unwrap())
        .unwrap()
        .iter()
        .map(|k| {
            assert_eq!(k.document_number().len(), 9);
            (k.date_of_birth().to_owned(), k.date_of_expiry().to_owned())
        })
        .collect()
}

fn pair(dob: &str, expiry: &str) -> (String, String) {
    (dob.to_owned(), expiry.to_owned())
}

#[test]
fn keys_from_id_and_qr() {
    let id = IdNumber::new("001089012345").unwrap();
    assert_eq!(can_from_id(&id).unwrap().digits(), "012345");
    let qr =
        CccdQr::parse("001089012345|123456789|Nguyễn Văn An|05071989|Nam|Hà Nội|10032021").unwrap();
    let k = mrz_keys_from_qr(&qr).unwrap();
    assert_eq!(k.len(), 1);
    assert_eq!(k[0].document_number(), "089012345");
    assert_eq!(
        (k[0].date_of_birth(), k[0].date_of_expiry()),
        ("890705", "290705")
    );
}

#[test]
fn a_year_only_date_of_birth_tries_both_mrz_forms() {
    // Born in 1950, issued at 71: no expiry by either rule.
    assert_eq!(
        keys("036150123456||Lê Văn Cao|00001950|Nam|Nam Định|01022021"),
        [pair("50<<<<", "991231"), pair("500000", "991231")]
    );
    // Born in 1990 (year only), issued in 2021 at 31: expiry at 40, on the first or the last
    // day of the year, each with both forms of the date of birth.
    assert_eq!(
        keys("001190012345||Lê Thị Hoa|00001990|Nữ|Hà Nội|01022021"),
        [
            pair("90<<<<", "300101"),
            pair("900000", "300101"),
            pair("90<<<<", "301231"),
            pair("900000", "301231"),
        ]
    );
    // Month and year known: `YYMM<<`, then `YYMM00`.
    assert_eq!(
        keys("001190012345||Lê Thị Hoa|00031990|Nữ|Hà Nội|01022021")[..2],
        [pair("9003<<", "300301"), pair("900300", "300301")]
    );
}

#[test]
fn the_vendor_rule_comes_second_and_duplicates_go() {
    // Born 31 December 2000, issued 1 June 2023: 25 by exact dates (the limit is 31 December
    // 2023), 40 by whole years (2023 - 2000 = 23).
    assert_eq!(
        keys("001200012345||A|31122000|Nam|X|01062023"),
        [pair("001231", "251231"), pair("001231", "401231")]
    );
    // Born 15 January 2000, issued 1 December 2022: both rules say 25, one key.
    assert_eq!(
        keys("001200012345||A|15012000|Nam|X|01122022"),
        [pair("000115", "250115")]
    );
}

#[test]
fn a_29_february_birthday() {
    assert_eq!(
        keys("001196012345||A|29021996|Nữ|X|27022019"),
        [
            pair("960229", "210228"),
            pair("960229", "210301"),
            pair("960229", "360229")
        ]
    );
}

#[test]
fn mrz_info_keys_bac_with_the_dates_as_printed() {
    // ICAO 9303-11 §9.7.1: the MRZ information is the printed characters and their check
    // digits (`<` counts 0, ICAO 9303-3 §4.9); `50<<<<` and `500000` share a check digit but
    // not a key seed.
    let a = MrzInfo::new("150123456", "50<<<<", "991231").unwrap();
    let b = MrzInfo::new("150123456", "500000", "991231").unwrap();
    let expected_check = card_images::check_digit("50<<<<").unwrap();
    assert_eq!(expected_check, card_images::check_digit("500000").unwrap());
    let info = a.mrz_information().unwrap();
    assert_eq!(
        info.as_str(),
        format!(
            "150123456{}50<<<<{expected_check}991231{}",
            card_images::check_digit("150123456").unwrap(),
            card_images::check_digit("991231").unwrap()
        )
    );
    assert_ne!(a.bac_key_seed().unwrap()[..], b.bac_key_seed().unwrap()[..]);
}
