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

/// How DG13 encodes the relatives of fields 13 (parents) and 14 (spouse).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RelativesShape {
    /// One constructed value per person, the name first and then the person's other elements:
    /// `SEQUENCE { INTEGER 13, SEQUENCE { father's name, ... }, SEQUENCE { mother's name, ... } }`,
    /// as the production vendor SDK reads real cards (the notes).
    PerPerson,
    /// One value holding both names, `SEQUENCE { INTEGER 13, SEQUENCE { father, mother } }`, as a
    /// Flutter reader assumes and as this project first wrote it.
    #[default]
    Flat,
}

/// DG13 (the Vietnam-specific data group): `6D { SEQUENCE { INTEGER 1, OID 1.0.10646.1.0.8,
/// SET { SEQUENCE { INTEGER n, value... } ... } } }`, per `shared/domain/cccd-chip.md`, with the
/// relatives in `shape`.
pub(super) fn dg13(c: &CitizenProfile, shape: RelativesShape) -> Vec<u8> {
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
    // One entry: `SEQUENCE { INTEGER n, values... }`.
    let mut fields: Vec<(u32, Vec<Vec<u8>>)> = vec![
        (1, vec![printable(&c.id_number)]),
        (2, vec![utf8(&c.full_name)]),
        (3, vec![text(&c.date_of_birth)]),
        (4, vec![utf8(&c.sex)]),
        (5, vec![utf8(&c.nationality)]),
        (6, vec![text(&c.ethnicity)]),
        (7, vec![utf8(&c.religion)]),
        (8, vec![utf8(&c.place_of_origin)]),
        (9, vec![utf8(&c.place_of_residence)]),
        (10, vec![utf8(&c.identifying_marks)]),
        (11, vec![text(&c.date_of_issue)]),
        (12, vec![utf8(&c.date_of_expiry)]),
    ];
    // A person: the name as UTF8String, then the other elements.
    let person = |name: &str, details: &[String]| {
        let parts: Vec<Vec<u8>> = std::iter::once(utf8(name))
            .chain(details.iter().map(|d| text(d)))
            .collect();
        seq(&parts.iter().map(Vec::as_slice).collect::<Vec<_>>())
    };
    match shape {
        RelativesShape::PerPerson => {
            let parents: Vec<Vec<u8>> = [
                (&c.father_name, &c.father_details),
                (&c.mother_name, &c.mother_details),
            ]
            .into_iter()
            .filter_map(|(name, details)| name.as_deref().map(|n| person(n, details)))
            .collect();
            if !parents.is_empty() {
                fields.push((13, parents));
            }
        }
        RelativesShape::Flat => {
            if c.father_name.is_some() || c.mother_name.is_some() {
                fields.push((
                    13,
                    vec![seq(&[
                        &utf8(c.father_name.as_deref().unwrap_or("")),
                        &utf8(c.mother_name.as_deref().unwrap_or("")),
                    ])],
                ));
            }
        }
    }
    if let Some(s) = &c.spouse_name {
        fields.push((14, vec![person(s, &c.spouse_details)]));
    }
    if let Some(o) = &c.old_id_number {
        fields.push((15, vec![printable(o)]));
    }
    for (n, v) in &c.extra_fields {
        fields.push((*n, vec![text(v)]));
    }
    let entries: Vec<u8> = fields
        .iter()
        .flat_map(|(n, values)| {
            let number = int(u64::from(*n));
            let parts: Vec<&[u8]> = std::iter::once(number.as_slice())
                .chain(values.iter().map(Vec::as_slice))
                .collect();
            seq(&parts)
        })
        .collect();
    tlv(
        0x6D,
        &seq(&[&int(1), &oid("1.0.10646.1.0.8"), &tlv(0x31, &entries)]),
    )
}

/// The tag of data group `n`'s file (ICAO 9303-10 §4.6.1, Table 37).
pub(super) fn dg_tag(n: u8) -> Option<u8> {
    Some(match n {
        2 => 0x75,
        4 => 0x76,
        1 | 3 | 5..=16 => 0x60 + n,
        _ => return None,
    })
}

/// The data groups a CCCD lists in EF.COM (the notes): 1, 2, 3, 13, 14 and 15.
pub(super) const CCCD_DATA_GROUPS: [u8; 6] = [1, 2, 3, 13, 14, 15];

/// EF.COM (ICAO 9303-10 §4.6.1): LDS 1.7, Unicode 4.0.0, and the tags of `data_groups`.
pub(super) fn ef_com(data_groups: &[u8]) -> Vec<u8> {
    let mut inner = vec![
        0x5F, 0x01, 0x04, b'0', b'1', b'0', b'7', 0x5F, 0x36, 0x06, b'0', b'4', b'0', b'0', b'0',
        b'0',
    ];
    let tags: Vec<u8> = data_groups.iter().filter_map(|n| dg_tag(*n)).collect();
    inner.extend_from_slice(&[0x5C, tags.len() as u8]);
    inner.extend_from_slice(&tags);
    tlv(0x60, &inner)
}

/// EF.CardAccess (ICAO 9303-11 §9.2) of a CCCD whose chip authentication is not the published
/// one: TA v1, `id-CA-ECDH-<ca_cipher>` v1 when given, and PACE
/// `id-PACE-ECDH-GM-AES-CBC-CMAC-128` v2 on brainpoolP256r1, in the published order.
pub(super) fn card_access(ca_cipher: Option<icao9303::Cipher>) -> Vec<u8> {
    let ta = seq(&[&oid("0.4.0.127.0.7.2.2.2"), &int(1)]);
    let pace = seq(&[&oid("0.4.0.127.0.7.2.2.4.2.2"), &int(2), &int(13)]);
    let mut infos = vec![ta];
    if let Some(cipher) = ca_cipher {
        infos.push(seq(&[
            &tlv(0x06, &icao9303::ca::ca_ecdh_oid(cipher)),
            &int(1),
        ]));
    }
    infos.push(pace);
    tlv(0x31, &infos.concat())
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
