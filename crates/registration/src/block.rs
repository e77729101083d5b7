//! The registration block: the values of XML1 (QĐ 130/QĐ-BYT as amended by QĐ 4750, QĐ 3176)
//! that come from the identity card, as the HIS files them, each with where it came from.
//! Facts: `shared/domain/his-integration.md`, `shared/domain/cccd-chip.md`.

use std::fmt;

use citizen::{CccdQr, CitizenRecord, IdNumber, PartialDate};
use serde::Serialize;
use zeroize::Zeroize;

use crate::address::{AddressMatch, match_address};
use crate::ethnicity::{EthnicityMatch, ethnicity};
use crate::text::folded_key;

/// Where a value came from (his-integration.md: the law treats the ways of identifying a patient
/// differently).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Source {
    /// Read from the chip, whose verification gave the verdict `genuine`.
    ChipVerified,
    /// Read from the chip, any other verdict (or none yet).
    ChipUnverified,
    /// Read from the card's printed QR code (no signature: never verified).
    Qr,
    /// Typed by staff.
    Typed,
}

/// What the caller knows of the chip read behind a citizen record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChipVerdict {
    /// Passive authentication gave `genuine`.
    Genuine,
    /// Any other verdict, or the verification has not finished.
    NotGenuine,
}

/// One XML1 value and where it came from.
///
/// JSON: `{"value": "...", "source": "chip-verified" | "chip-unverified" | "qr" | "typed",
/// "uncertain": "why"}`; `value` is `""` when unknown (XML1 files an empty element, never a
/// guess), and `uncertain` is present only when the value is doubtful or empty for a reason
/// worth telling (a name not in a table, an ambiguous address).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The value as XML1 wants it (`""` when unknown).
    pub value: String,
    /// Where it came from.
    pub source: Source,
    /// Why it is doubtful or empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uncertain: Option<String>,
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Field({:?}, <redacted>, uncertain: {})",
            self.source,
            self.uncertain.is_some()
        )
    }
}

impl Drop for Field {
    fn drop(&mut self) {
        self.value.zeroize();
    }
}

/// The registration block, XML1's names as keys.
///
/// ```json
/// {"HO_TEN": {"value": "Nguyễn Văn An", "source": "chip-verified"},
///  "SO_CCCD": {...}, "SO_CMND": {...}, "NGAY_SINH": {"value": "199508170000", ...},
///  "GIOI_TINH": {"value": "1", ...}, "MA_QUOCTICH": {"value": "000", ...},
///  "MA_DANTOC": {"value": "01", ...}, "DIA_CHI": {...}, "MATINH_CU_TRU": {"value": "38", ...},
///  "MAXA_CU_TRU": {"value": "14797", ...}, "NGAY_CAP_CCCD": {"value": "20210412", ...},
///  "NOI_CAP_CCCD": {...}, "addressMatch": {...}, "warnings": ["MA_DANTOC: ..."]}
/// ```
///
/// Why this shape: the XML1 names as keys let an HIS map each value to its column without a
/// translation table; every value is the same small object ([`Field`]) so the source and the
/// doubt travel with the value itself (a form can fill its empty fields from `chip-verified`
/// values and flag the rest), and a typed client (C# `DataContract`) declares one class for all
/// of them; unknown values are `""` with a reason, never `null` or a default, because XML1 files
/// empty elements and a guess would be filed as fact. `addressMatch` ([`AddressMatch`]) carries
/// the address's candidates when the commune is ambiguous and the old units an address was
/// converted from; `warnings` repeats every doubt as `KEY: why` for display.
///
/// Not XML1 keys: `SO_CMND`, the holder's old 9-digit ID (DG13 field 15, the QR's second field),
/// which hospitals use to find an existing patient; `addressMatch` and `warnings`.
/// Other numbers the card may hold for its holder (cancelled ID numbers, Decree 58/2026) have no
/// known place in DG13 or the QR yet; relatives' numbers are never taken.
///
/// Personal data: `Debug` redacts every value, and values are zeroized on drop.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct RegistrationBlock {
    /// Full name.
    #[serde(rename = "HO_TEN")]
    pub ho_ten: Field,
    /// The 12-digit personal ID number.
    #[serde(rename = "SO_CCCD")]
    pub so_cccd: Field,
    /// The old 9-digit ID number (CMND), when the card holds one (not an XML1 key).
    #[serde(rename = "SO_CMND")]
    pub so_cmnd: Field,
    /// Date of birth, `yyyymmddHHMM`, `00` for an unknown day or month, time `0000`.
    #[serde(rename = "NGAY_SINH")]
    pub ngay_sinh: Field,
    /// Sex: `1` Nam, `2` Nữ, `3` Chưa xác định.
    #[serde(rename = "GIOI_TINH")]
    pub gioi_tinh: Field,
    /// Nationality, 3 digits (Circular 07/2016/TT-BCA appendix 2): `000` Việt Nam.
    #[serde(rename = "MA_QUOCTICH")]
    pub ma_quoctich: Field,
    /// Ethnicity, 2 digits (QĐ 121-TCTK/PPCĐ).
    #[serde(rename = "MA_DANTOC")]
    pub ma_dantoc: Field,
    /// Residence as written on the card (it may predate a move or the 2025 reform).
    #[serde(rename = "DIA_CHI")]
    pub dia_chi: Field,
    /// Province of residence in force since 1 July 2025, 2 digits, from the address (never from
    /// the ID number, whose first digits are the birth registration's province).
    #[serde(rename = "MATINH_CU_TRU")]
    pub matinh_cu_tru: Field,
    /// Commune of residence in force since 1 July 2025, 5 digits.
    #[serde(rename = "MAXA_CU_TRU")]
    pub maxa_cu_tru: Field,
    /// Date of issue, `yyyymmdd`.
    #[serde(rename = "NGAY_CAP_CCCD")]
    pub ngay_cap_cccd: Field,
    /// Issuing authority, derived from the date of issue (the chip does not hold it).
    #[serde(rename = "NOI_CAP_CCCD")]
    pub noi_cap_cccd: Field,
    /// How the residence was matched to today's units (`None` without a residence).
    #[serde(rename = "addressMatch")]
    pub address_match: Option<AddressMatch>,
    /// Every doubt, `KEY: why`.
    pub warnings: Vec<String>,
}

impl fmt::Debug for RegistrationBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "RegistrationBlock(<redacted>, {} warnings)",
            self.warnings.len()
        )
    }
}

/// Identification typed by staff: the ID number, name and date of birth (`dd/mm/yyyy`,
/// `00/00/yyyy`, `yyyy` or `yyyy-mm-dd`), as for the eligibility check.
#[derive(Clone, Copy)]
pub struct TypedIdentity<'a> {
    /// The 12-digit ID number.
    pub id_number: &'a str,
    /// Full name.
    pub full_name: &'a str,
    /// Date of birth.
    pub date_of_birth: &'a str,
}

impl fmt::Debug for TypedIdentity<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TypedIdentity(<redacted>)")
    }
}

/// The issuing authority of a card issued on this date (domain notes: the production vendor
/// SDK's rule): before 1 July 2024 the director of the police department for administrative
/// management of social order, from then on the Ministry of Public Security (Law 26/2023).
/// Chip cards exist since 2021; for an earlier date the rule says nothing.
pub fn issuing_authority(year: i16, month: i8, day: i8) -> Option<&'static str> {
    let date = (year, month, day);
    if date < (2021, 1, 1) {
        None
    } else if date < (2024, 7, 1) {
        Some("Cục trưởng Cục Cảnh sát quản lý hành chính về trật tự xã hội")
    } else {
        Some("Bộ Công an")
    }
}

/// Fills the fields of one source, collecting the warnings.
struct Builder {
    source: Source,
    warnings: Vec<String>,
}

impl Builder {
    fn known(&self, value: String) -> Field {
        Field {
            value,
            source: self.source,
            uncertain: None,
        }
    }

    fn doubtful(&mut self, key: &str, value: String, why: String) -> Field {
        self.warnings.push(format!("{key}: {why}"));
        Field {
            value,
            source: self.source,
            uncertain: Some(why),
        }
    }

    fn empty(&mut self, key: &str, why: &str) -> Field {
        self.doubtful(key, String::new(), why.to_owned())
    }

    fn silent_empty(&self) -> Field {
        self.known(String::new())
    }

    fn text(&mut self, key: &str, text: Option<&str>, what: &str) -> Field {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => self.known(t.to_owned()),
            None => self.empty(key, &format!("no {what} was given")),
        }
    }

    fn id_number(&mut self, text: Option<&str>) -> Field {
        const KEY: &str = "SO_CCCD";
        let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return self.empty(KEY, "no ID number was given");
        };
        if t.len() != 12 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return self.empty(KEY, "the ID number is not 12 digits");
        }
        match IdNumber::new(t) {
            Ok(_) => self.known(t.to_owned()),
            Err(_) => self.doubtful(
                KEY,
                t.to_owned(),
                "its first 3 digits are not a province code (001-096)".to_owned(),
            ),
        }
    }

    fn old_id_number(&mut self, text: Option<&str>) -> Field {
        const KEY: &str = "SO_CMND";
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            // No old number on the card: nothing to tell (most young holders have none).
            None => self.silent_empty(),
            Some(t) if (t.len() == 9 || t.len() == 12) && t.bytes().all(|b| b.is_ascii_digit()) => {
                self.known(t.to_owned())
            }
            Some(_) => self.empty(KEY, "the old ID number is not 9 (or 12) digits"),
        }
    }

    /// `yyyymmddHHMM` from an ISO 8601 date as precise as the card (`1950`, `1950-03`,
    /// `1950-03-02`).
    fn date_of_birth(&mut self, iso: Option<&str>) -> Field {
        const KEY: &str = "NGAY_SINH";
        match iso.map(str::trim).filter(|t| !t.is_empty()) {
            None => self.empty(KEY, "no date of birth was given"),
            Some(t) => match iso_parts(t) {
                Some((y, m, d)) => self.known(format!("{y:04}{m:02}{d:02}0000")),
                None => self.empty(KEY, "the date of birth is not a date"),
            },
        }
    }

    fn date_of_issue(&mut self, iso: Option<&str>) -> (Field, Field) {
        const KEY: &str = "NGAY_CAP_CCCD";
        const PLACE: &str = "NOI_CAP_CCCD";
        let parts = iso.map(str::trim).filter(|t| !t.is_empty()).map(iso_parts);
        match parts {
            None => (
                self.empty(KEY, "no date of issue was given"),
                self.empty(
                    PLACE,
                    "no date of issue to derive the issuing authority from",
                ),
            ),
            Some(Some((y, m, d))) if m > 0 && d > 0 => {
                let date = self.known(format!("{y:04}{m:02}{d:02}"));
                let place = match issuing_authority(y, m, d) {
                    Some(a) => self.known(a.to_owned()),
                    None => self.empty(
                        PLACE,
                        "the date of issue is before chip cards (2021): the issuing authority is not derived",
                    ),
                };
                (date, place)
            }
            Some(_) => (
                self.empty(KEY, "the date of issue is not a full date"),
                self.empty(
                    PLACE,
                    "no full date of issue to derive the issuing authority from",
                ),
            ),
        }
    }

    fn sex(&mut self, text: Option<&str>) -> Field {
        const KEY: &str = "GIOI_TINH";
        let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return self.empty(KEY, "no sex was given");
        };
        // The chip's DG13 writes "Nam"/"Nữ"; a document's MRZ (DG1, ICAO 9303-3 §4.2.2) `M`,
        // `F`, and `X` or `<` for unspecified.
        match folded_key(t).as_str() {
            "nam" | "m" => self.known("1".to_owned()),
            "nu" | "f" => self.known("2".to_owned()),
            "chuaxacdinh" | "x" | "<" => self.known("3".to_owned()),
            _ => self.empty(KEY, "the sex is not \"Nam\", \"Nữ\" or \"Chưa xác định\""),
        }
    }

    fn nationality(&mut self, text: Option<&str>) -> Field {
        const KEY: &str = "MA_QUOCTICH";
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            None => self.empty(KEY, "no nationality was given"),
            // As DG13 writes it, or as an MRZ's ICAO code (DG1 of a document without DG13).
            Some(t) if matches!(folded_key(t).as_str(), "vietnam" | "vnm") => {
                self.known("000".to_owned())
            }
            Some(_) => self.empty(
                KEY,
                "the nationality is not Việt Nam, and the codes of Circular 07/2016/TT-BCA appendix 2 are not built in",
            ),
        }
    }

    fn ethnicity(&mut self, text: Option<&str>) -> Field {
        const KEY: &str = "MA_DANTOC";
        let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return self.empty(KEY, "no ethnicity was given");
        };
        match ethnicity(t) {
            Some((e, EthnicityMatch::Name)) => self.known(e.code.to_owned()),
            Some((e, _)) => self.doubtful(
                KEY,
                e.code.to_owned(),
                "recognised by another name the list gives for the group: check it".to_owned(),
            ),
            None => self.empty(
                KEY,
                "the ethnicity is not one of the 54 groups of QĐ 121-TCTK/PPCĐ",
            ),
        }
    }

    /// `DIA_CHI`, `MATINH_CU_TRU`, `MAXA_CU_TRU` and the match behind the codes.
    fn residence(&mut self, text: Option<&str>) -> (Field, Field, Field, Option<AddressMatch>) {
        let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            let why = "no residence was given";
            return (
                self.empty("DIA_CHI", why),
                self.empty("MATINH_CU_TRU", why),
                self.empty("MAXA_CU_TRU", why),
                None,
            );
        };
        let m = match_address(t);
        let doubts = m.warnings.join("; ");
        let province = match m.province {
            Some(p) => self.known(p.code.to_owned()),
            None => self.empty("MATINH_CU_TRU", &doubts),
        };
        let commune = match m.commune {
            Some(c) if doubts.is_empty() => self.known(c.code.to_owned()),
            Some(c) => self.doubtful("MAXA_CU_TRU", c.code.to_owned(), doubts),
            None if m.is_ambiguous() => self.empty(
                "MAXA_CU_TRU",
                &format!("{doubts} (addressMatch.candidates)"),
            ),
            None => self.empty("MAXA_CU_TRU", &doubts),
        };
        (self.known(t.to_owned()), province, commune, Some(m))
    }
}

/// `(year, month, day)` of an ISO 8601 date as precise as it is, `0` for what is unknown.
fn iso_parts(text: &str) -> Option<(i16, i8, i8)> {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let mut it = text.split('-');
    let y = it.next().filter(|s| digits(s, 4))?.parse::<i16>().ok()?;
    let m = match it.next() {
        None => 0,
        Some(s) if digits(s, 2) => s.parse::<i8>().ok().filter(|m| (1..=12).contains(m))?,
        Some(_) => return None,
    };
    let d = match it.next() {
        None => 0,
        Some(s) if digits(s, 2) && m > 0 => {
            s.parse::<i8>().ok().filter(|d| (1..=31).contains(d))?
        }
        Some(_) => return None,
    };
    (it.next().is_none() && y > 0).then_some((y, m, d))
}

/// A typed date of birth as ISO 8601, as precise as it is.
fn typed_date(text: &str) -> Option<String> {
    let t = text.trim();
    if iso_parts(t).is_some() {
        return Some(t.to_owned());
    }
    PartialDate::parse_vietnamese(t).ok().map(|d| d.to_iso())
}

/// The nationality as a source gives it.
enum Nationality<'a> {
    /// Written (DG13 field 5), or not.
    Written(Option<&'a str>),
    /// Not written, but implied by the document (the QR code of a citizen's identity card).
    ImpliedByCard,
}

/// The card's values as one source gives them: text as read, dates ISO 8601 as precise as
/// they are.
struct CardValues<'a> {
    full_name: Option<&'a str>,
    id_number: Option<&'a str>,
    old_id_number: Option<&'a str>,
    date_of_birth: Option<&'a str>,
    sex: Option<&'a str>,
    nationality: Nationality<'a>,
    ethnicity: Option<&'a str>,
    residence: Option<&'a str>,
    date_of_issue: Option<&'a str>,
}

impl RegistrationBlock {
    fn from_values(source: Source, v: &CardValues<'_>) -> Self {
        let mut b = Builder {
            source,
            warnings: Vec::new(),
        };
        let ho_ten = b.text("HO_TEN", v.full_name, "name");
        let so_cccd = b.id_number(v.id_number);
        let so_cmnd = b.old_id_number(v.old_id_number);
        let ngay_sinh = b.date_of_birth(v.date_of_birth);
        let gioi_tinh = b.sex(v.sex);
        let ma_quoctich = match v.nationality {
            Nationality::Written(text) => b.nationality(text),
            Nationality::ImpliedByCard => b.doubtful(
                "MA_QUOCTICH",
                "000".to_owned(),
                "not written: Việt Nam because the QR code is printed on citizens' identity cards"
                    .to_owned(),
            ),
        };
        let ma_dantoc = b.ethnicity(v.ethnicity);
        let (dia_chi, matinh_cu_tru, maxa_cu_tru, address_match) = b.residence(v.residence);
        let (ngay_cap_cccd, noi_cap_cccd) = b.date_of_issue(v.date_of_issue);
        Self {
            ho_ten,
            so_cccd,
            so_cmnd,
            ngay_sinh,
            gioi_tinh,
            ma_quoctich,
            ma_dantoc,
            dia_chi,
            matinh_cu_tru,
            maxa_cu_tru,
            ngay_cap_cccd,
            noi_cap_cccd,
            address_match,
            warnings: b.warnings,
        }
    }

    /// From a citizen record read from the chip; `verdict` says whether its verification gave
    /// `genuine` (every value is then `chip-verified`, else `chip-unverified`).
    pub fn from_citizen_record(record: &CitizenRecord, verdict: ChipVerdict) -> Self {
        let source = match verdict {
            ChipVerdict::Genuine => Source::ChipVerified,
            ChipVerdict::NotGenuine => Source::ChipUnverified,
        };
        let r = record;
        let date_of_birth = r.date_of_birth.map(|d| d.to_iso());
        let date_of_issue = r.date_of_issue.map(|d| d.to_iso());
        Self::from_values(
            source,
            &CardValues {
                full_name: r.full_name.as_deref(),
                id_number: r.id_number.as_deref(),
                old_id_number: r.old_id_number.as_deref(),
                date_of_birth: date_of_birth.as_deref(),
                sex: r.sex.as_deref(),
                nationality: Nationality::Written(r.nationality.as_deref()),
                ethnicity: r.ethnicity.as_deref(),
                residence: r.place_of_residence.as_deref(),
                date_of_issue: date_of_issue.as_deref(),
            },
        )
    }

    /// From the card's printed QR code (every value `qr`). The QR holds no nationality (`000`,
    /// marked uncertain: the QR is printed on citizens' identity cards) and no ethnicity (empty).
    pub fn from_qr(qr: &CccdQr) -> Self {
        let date_of_birth = qr.date_of_birth.to_iso();
        let date_of_issue = qr.date_of_issue.to_string();
        Self::from_values(
            Source::Qr,
            &CardValues {
                full_name: Some(&qr.full_name),
                id_number: Some(qr.id.as_str()),
                old_id_number: qr.old_id.as_deref(),
                date_of_birth: Some(&date_of_birth),
                sex: Some(&qr.sex),
                nationality: Nationality::ImpliedByCard,
                ethnicity: None,
                residence: Some(&qr.residence),
                date_of_issue: Some(&date_of_issue),
            },
        )
    }

    /// From identification typed by staff (every value `typed`); what was not typed is empty
    /// with a warning.
    pub fn from_typed(typed: &TypedIdentity<'_>) -> Self {
        // Typed dates in the Vietnamese forms are turned into ISO 8601; anything else is passed
        // on as it is and reported as "not a date".
        let date_of_birth = typed_date(typed.date_of_birth);
        Self::from_values(
            Source::Typed,
            &CardValues {
                full_name: Some(typed.full_name),
                id_number: Some(typed.id_number),
                old_id_number: None,
                date_of_birth: Some(date_of_birth.as_deref().unwrap_or(typed.date_of_birth)),
                sex: None,
                nationality: Nationality::Written(None),
                ethnicity: None,
                residence: None,
                date_of_issue: None,
            },
        )
    }
}
