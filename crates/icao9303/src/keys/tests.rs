//! Check digits, CANs, MRZ parsing (TD1, TD2, TD3) and the access keys derived from them.

use super::*;
use crate::test_vectors::{h, s, vectors};

const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<";
const TD2: &str = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6";
const TD3: &str =
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10";
// A fictional CCCD: ID 001099012345, so the document number is its last 9 digits.
const CCCD: &str = "IDVNM0990123459001099012345<<0\n9901155M3912313VNM<<<<<<<<<<<2\nNGUYEN<<VAN<A<<<<<<<<<<<<<<<<<";

#[test]
fn check_digits() {
    assert_eq!(check_digit("L898902C<").unwrap(), 3);
    assert_eq!(check_digit("690806").unwrap(), 1);
    assert_eq!(check_digit("940623").unwrap(), 6);
    assert_eq!(check_digit("D23145890734").unwrap(), 9);
    assert_eq!(check_digit("").unwrap(), 0);
    assert!(check_digit("ab").is_err());
}

#[test]
fn mrz_table() {
    // (text, format, doc, dob, expiry, sex, nationality)
    let table = [
        (
            TD1,
            MrzFormat::Td1,
            "D23145890",
            "740812",
            "120415",
            "F",
            "UTO",
        ),
        (
            TD2,
            MrzFormat::Td2,
            "D23145890",
            "740812",
            "120415",
            "F",
            "UTO",
        ),
        (
            TD3,
            MrzFormat::Td3,
            "L898902C3",
            "740812",
            "120415",
            "F",
            "UTO",
        ),
        (
            CCCD,
            MrzFormat::Td1,
            "099012345",
            "990115",
            "391231",
            "M",
            "VNM",
        ),
    ];
    for (text, format, doc, dob, exp, sex, nat) in table {
        let m = Mrz::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(m.format(), format);
        assert_eq!(
            (m.document_number(), m.date_of_birth(), m.date_of_expiry()),
            (doc, dob, exp)
        );
        assert_eq!((m.sex(), m.nationality()), (sex, nat));
        assert!(m.composite_check_ok());
    }
    assert_eq!(Mrz::parse(TD3).unwrap().optional_data(), "ZE184226B<<<<<");
}

#[test]
fn cccd_document_number_is_last_nine_digits_of_the_id() {
    let m = Mrz::parse(CCCD).unwrap();
    let id12 = &m.optional_data()[..12];
    assert_eq!(id12, "001099012345");
    assert_eq!(m.document_number(), &id12[3..]);
    assert_eq!(
        &*m.info().unwrap().mrz_information().unwrap(),
        "099012345999011553912313"
    );
}

#[test]
fn bad_check_digits_are_rejected_with_the_field_named() {
    let flip = |text: &str, line: usize, pos: usize, c: char| {
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines[line].replace_range(pos..pos + 1, &c.to_string());
        lines.join("\n")
    };
    let cases = [
        (flip(TD1, 0, 14, '8'), MrzField::DocumentNumber),
        (flip(TD1, 1, 6, '3'), MrzField::DateOfBirth),
        (flip(TD1, 1, 14, '0'), MrzField::DateOfExpiry),
        (flip(TD1, 1, 29, '5'), MrzField::Composite),
        (flip(TD2, 1, 9, '1'), MrzField::DocumentNumber),
        (flip(TD2, 1, 35, '1'), MrzField::Composite),
        (flip(TD3, 1, 19, '1'), MrzField::DateOfBirth),
        (flip(TD3, 1, 42, '2'), MrzField::PersonalNumber),
        (flip(TD3, 1, 43, '9'), MrzField::Composite),
        (flip(CCCD, 0, 14, '0'), MrzField::DocumentNumber),
        (flip(CCCD, 1, 29, '3'), MrzField::Composite),
    ];
    for (text, field) in cases {
        assert_eq!(
            Mrz::parse(&text).err(),
            Some(Error::CheckDigit(field)),
            "{text}"
        );
    }
    for bad in ["", "P<UTO", &TD3.to_lowercase(), &TD1[..TD1.len() - 1]] {
        assert!(
            matches!(Mrz::parse(bad), Err(Error::MalformedMrz(_))),
            "{bad:?}"
        );
    }
}

#[test]
fn errors_carry_no_personal_data() {
    let mut bad = TD3.to_owned();
    bad.replace_range(54..55, "0");
    let msg = Mrz::parse(&bad).unwrap_err().to_string();
    assert!(
        !msg.contains("L898902C") && !msg.contains("740812"),
        "{msg}"
    );
    assert_eq!(
        format!("{:?}", Mrz::parse(TD3).unwrap()),
        "Mrz(Td3, <redacted>)"
    );
    assert_eq!(
        format!("{:?}", Can::new("123456").unwrap()),
        "Can(<redacted>)"
    );
    assert_eq!(
        format!(
            "{:?}",
            MrzInfo::new("L898902C", "690806", "940623").unwrap()
        ),
        "MrzInfo(<redacted>)"
    );
}

#[test]
fn long_document_number_and_icao_errata() {
    let v = vectors();
    let d2 = &v["bac_icao_appD"]["D2_mrz"]["long_docnumber_case"];
    // TD2 of D.2: its composite is right as printed in the vector file.
    let td2 = format!(
        "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n{}",
        s(&d2["TD2_line2"])
    );
    let m = Mrz::parse(&td2).unwrap();
    assert_eq!(m.document_number(), s(&d2["document_number"]));
    let info = m.info().unwrap();
    assert_eq!(&*info.mrz_information().unwrap(), s(&d2["MRZ_information"]));
    assert_eq!(info.bac_key_seed().unwrap().to_vec(), h(&d2["Kseed"]));
    // TD1 of D.2: ICAO prints a composite that does not compute (it computes to 2).
    let line1 = s(&d2["TD1_line1"]);
    let wrong = format!("{line1}\n3407127M9507122UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<");
    assert_eq!(
        Mrz::parse(&wrong).err(),
        Some(Error::CheckDigit(MrzField::Composite))
    );
    let lenient = Mrz::parse_with(
        &wrong,
        MrzParseOptions {
            accept_wrong_composite: true,
        },
    )
    .unwrap();
    assert!(!lenient.composite_check_ok());
    assert_eq!(lenient.document_number(), "D23145890734");
    let right = format!("{line1}\n3407127M9507122UTO<<<<<<<<<<<2\nERIKSSON<<ANNA<MARIA<<<<<<<<<<");
    assert_eq!(Mrz::parse(&right).unwrap().info().unwrap(), info);
}

#[test]
fn appendix_d2_mrz_information_and_seed() {
    let v = vectors();
    let d2 = &v["bac_icao_appD"]["D2_mrz"];
    let info = MrzInfo::new(
        s(&d2["document_number"]),
        s(&d2["date_of_birth"]),
        s(&d2["date_of_expiry"]),
    )
    .unwrap();
    assert_eq!(&*info.mrz_information().unwrap(), s(&d2["MRZ_information"]));
    assert_eq!(
        info.pace_password().unwrap().to_vec(),
        h(&d2["SHA1_MRZ_information"])
    );
    assert_eq!(info.bac_key_seed().unwrap().to_vec(), h(&d2["Kseed"]));
    let key = AccessKey::Mrz(info);
    assert_eq!(key.pace_password_ref(), 1);
}

#[test]
fn can_validation() {
    assert_eq!(Can::new("123456").unwrap().digits(), "123456");
    assert_eq!(Can::new(" 012345\n").unwrap().digits(), "012345");
    for bad in [
        "",
        "12345",
        "1234567",
        "12345a",
        "12 456",
        "１２３４５６",
        "-12345",
    ] {
        assert_eq!(Can::new(bad).err(), Some(Error::InvalidCan), "{bad:?}");
    }
    let key = AccessKey::from(Can::new("123456").unwrap());
    assert_eq!(key.pace_password().unwrap().as_slice(), b"123456");
    assert_eq!(key.pace_password_ref(), 2);
    assert!(Error::InvalidCan.to_string().contains("6 digits"));
}

#[test]
fn mrz_info_validation() {
    assert!(MrzInfo::new("", "690806", "940623").is_err());
    assert!(MrzInfo::new("ab12", "690806", "940623").is_err());
    assert_eq!(
        MrzInfo::new("L898902C", "6908", "940623").err(),
        Some(Error::InvalidDate(MrzField::DateOfBirth))
    );
    assert_eq!(
        MrzInfo::new("L898902C", "690806", "9406x3").err(),
        Some(Error::InvalidDate(MrzField::DateOfExpiry))
    );
    let a = MrzInfo::new("L898902C<", "690806", "940623").unwrap();
    assert_eq!(a.document_number(), "L898902C");
}
