//! The builders of the LDS files of a citizen's virtual card (ICAO 9303-10 §4.6, §4.7, and the
//! CCCD's DG13): EF.CardAccess, EF.COM, the TD1 MRZ of DG1, DG13, and filler data groups.

use unicode_normalization::UnicodeNormalization;

use super::CitizenProfile;
use crate::der::{int, oid, printable, seq, tlv, utf8};

/// The eMRTD application identifier (ICAO 9303-10 §3.1.1).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// EF.CardAccess as CCCDs publish it (see `shared/domain/cccd-chip.md`): TA v1, CA
/// `id-CA-ECDH-AES-CBC-CMAC-128` v1, PACE `id-PACE-ECDH-GM-AES-CBC-CMAC-128` v2 with
/// standardized domain parameters 13 (brainpoolP256r1).
pub const CCCD_CARD_ACCESS: [u8; 54] = [
    0x31, 0x34, 0x30, 0x0d, 0x06, 0x08, 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02, 0x02, 0x02, 0x02, 0x01,
    0x01, 0x30, 0x0f, 0x06, 0x0a, 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02, 0x02, 0x02,
    0x01, 0x01, 0x30, 0x12, 0x06, 0x0a, 0x04, 0x00, 0x7f, 0x00, 0x07, 0x02, 0x02, 0x04, 0x02, 0x02,
    0x02, 0x01, 0x02, 0x02, 0x01, 0x0d,
];

/// True for the date of expiry of a card that never expires, "Không thời hạn" however it is
/// accented or cased (the MRZ then carries 991231).
pub(super) fn no_expiry(s: &str) -> bool {
    let folded: String = s
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36F}').contains(c))
        .collect::<String>()
        .to_lowercase();
    folded.trim() == "khong thoi han"
}

/// `dd/mm/yyyy` (00 for unknown parts) as the MRZ's `YYMMDD` with `<` for unknown parts.
pub(super) fn mrz_date(s: &str) -> Option<String> {
    let p: Vec<&str> = s.trim().split('/').collect();
    let [d, m, y] = p.as_slice() else { return None };
    if d.len() != 2
        || m.len() != 2
        || y.len() != 4
        || !(d.bytes().chain(m.bytes()).chain(y.bytes())).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let part = |v: &str| {
        if v == "00" {
            "<<".to_owned()
        } else {
            v.to_owned()
        }
    };
    Some(format!("{}{}{}", &y[2..], part(m), part(d)))
}

/// The MRZ name field of a Vietnamese name: diacritics dropped, family name first, then the
/// given names (ICAO 9303-3 §4.6).
pub(super) fn mrz_name(full: &str) -> String {
    let ascii: String = full
        .replace(['Đ', 'đ'], "D")
        .nfd()
        .filter(|c| c.is_ascii())
        .collect::<String>()
        .to_uppercase();
    let words: Vec<&str> = ascii.split_whitespace().collect();
    match words.split_first() {
        Some((family, given)) => format!("{family}<<{}", given.join("<")),
        None => String::new(),
    }
}

/// The TD1 MRZ of a CCCD: `IDVNM` + document number (the last 9 digits of the ID) + check digit
/// + the full 12-digit ID + `<<` + its check digit; line 2 standard TD1; line 3 the name.
pub(super) fn td1_mrz(id: &str, dob: &str, sex: char, expiry: &str, name: &str) -> [String; 3] {
    use icao9303::keys::check_digit;
    let doc = &id[3..];
    let cd = |s: &str| check_digit(s).map_or('<', |d| (b'0' + d) as char);
    let line1 = format!("IDVNM{doc}{}{id}<<{}", cd(doc), cd(id));
    let mut line2 = format!("{dob}{}{sex}{expiry}{}VNM", cd(dob), cd(expiry));
    line2.push_str(&"<".repeat(29usize.saturating_sub(line2.len())));
    let composite = format!(
        "{}{}{}{}",
        &line1[5..30],
        &line2[0..7],
        &line2[8..15],
        &line2[18..29]
    );
    line2.push(cd(&composite));
    let mut line3: String = name.chars().take(30).collect();
    line3.push_str(&"<".repeat(30 - line3.len()));
    [line1, line2, line3]
}

/// DG13 (the Vietnam-specific data group): `6D { SEQUENCE { INTEGER 1, OID 1.0.10646.1.0.8,
/// SET { SEQUENCE { INTEGER n, value } ... } } }`, per `shared/domain/cccd-chip.md`.
pub(super) fn dg13(c: &CitizenProfile) -> Vec<u8> {
    let text = |s: &str| {
        if c.printable_strings
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b" '()+,-./:=?".contains(&b))
        {
            printable(s)
        } else {
            utf8(s)
        }
    };
    let mut fields: Vec<(u32, Vec<u8>)> = vec![
        (1, printable(&c.id_number)),
        (2, utf8(&c.full_name)),
        (3, text(&c.date_of_birth)),
        (4, utf8(&c.sex)),
        (5, utf8(&c.nationality)),
        (6, text(&c.ethnicity)),
        (7, utf8(&c.religion)),
        (8, utf8(&c.place_of_origin)),
        (9, utf8(&c.place_of_residence)),
        (10, utf8(&c.identifying_marks)),
        (11, text(&c.date_of_issue)),
        (12, utf8(&c.date_of_expiry)),
    ];
    if c.father_name.is_some() || c.mother_name.is_some() {
        fields.push((
            13,
            seq(&[
                &utf8(c.father_name.as_deref().unwrap_or("")),
                &utf8(c.mother_name.as_deref().unwrap_or("")),
            ]),
        ));
    }
    if let Some(s) = &c.spouse_name {
        fields.push((14, seq(&[&utf8(s)])));
    }
    if let Some(o) = &c.old_id_number {
        fields.push((15, printable(o)));
    }
    for (n, v) in &c.extra_fields {
        fields.push((*n, text(v)));
    }
    let entries: Vec<u8> = fields
        .iter()
        .flat_map(|(n, v)| seq(&[&int(u64::from(*n)), v]))
        .collect();
    tlv(
        0x6D,
        &seq(&[&int(1), &oid("1.0.10646.1.0.8"), &tlv(0x31, &entries)]),
    )
}

/// EF.COM (ICAO 9303-10 §4.6.1) of a CCCD: LDS 1.7, Unicode 4.0.0, data groups 1, 2, 3, 13,
/// 14 and 15.
pub(super) fn ef_com() -> Vec<u8> {
    let mut inner = vec![
        0x5F, 0x01, 0x04, b'0', b'1', b'0', b'7', 0x5F, 0x36, 0x06, b'0', b'4', b'0', b'0', b'0',
        b'0',
    ];
    let tags = [0x61, 0x75, 0x63, 0x6D, 0x6E, 0x6F];
    inner.extend_from_slice(&[0x5C, tags.len() as u8]);
    inner.extend_from_slice(&tags);
    tlv(0x60, &inner)
}

pub(super) fn tlv2(tag: u16, value: &[u8]) -> Vec<u8> {
    crate::der::tlv2(tag, value)
}

/// A data group of `total` bytes whose content is deterministic filler (DG3, which nobody may
/// read, and oversized photos for `--dg2-size`). A size no TLV can have exactly (130: a
/// 128-byte value needs a 3-byte header) gets one byte less.
pub(super) fn filler(tag: u8, total: usize) -> Vec<u8> {
    let content_len = (2..=4)
        .map(|h| total.saturating_sub(h))
        .find(|c| 1 + crate::der::length(*c).len() + c == total)
        .unwrap_or(total.saturating_sub(3).min(0x7F));
    let content: Vec<u8> = (0..content_len)
        .map(|i| (i.wrapping_mul(7919) % 251) as u8)
        .collect();
    tlv(tag, &content)
}
