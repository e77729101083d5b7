//! What DG1's MRZ says about its holder, for a document without DG13 (a foreign patient's
//! passport): the name (ICAO 9303-3 §4.6: primary identifier, `<<`, secondary identifiers),
//! the issuing state and nationality codes, sex, and the dates with their century.

use icao9303::{Mrz, MrzFormat};
use jiff::civil::Date;

use crate::PartialDate;

/// The name field: TD1's third line, TD2/TD3's first line after the document code and the
/// issuing state.
fn name_field(mrz: &Mrz) -> &str {
    let lines = mrz.lines();
    let field = match mrz.format() {
        MrzFormat::Td1 => lines.get(2).map(String::as_str),
        _ => lines.first().and_then(|l| l.get(5..)),
    };
    field.unwrap_or("")
}

/// The holder's name as printed in the MRZ: the primary identifier, then the secondary
/// identifiers, each `<` a space (`MUSTERMANN ERIKA`, `NGUYEN VAN AN`: the MRZ order, which is
/// also the Vietnamese order).
pub(crate) fn full_name(mrz: &Mrz) -> Option<String> {
    let field = name_field(mrz);
    let (primary, secondary) = field.split_once("<<").unwrap_or((field, ""));
    let words = |s: &str| {
        s.split('<')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let name = [words(primary), words(secondary)]
        .into_iter()
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

/// A 3-character code without its fillers (`D<<` is `D`).
pub(crate) fn code(text: &str) -> Option<String> {
    let t = text.trim_end_matches('<');
    (!t.is_empty()).then(|| t.to_owned())
}

/// The issuing state (positions 3-5 of the first line, every format).
pub(crate) fn issuing_state(mrz: &Mrz) -> Option<String> {
    mrz.lines().first().and_then(|l| l.get(2..5)).and_then(code)
}

/// `M`, `F` (or another letter), `None` for the filler (unspecified).
pub(crate) fn sex(mrz: &Mrz) -> Option<String> {
    code(mrz.sex())
}

/// An MRZ date `YYMMDD` (`<` for unknown day, or day and month) in `century` (1900, 2000).
fn date(yymmdd: &str, century: i16) -> Option<PartialDate> {
    let num = |r: std::ops::Range<usize>| -> Option<i8> {
        let s = yymmdd.get(r)?;
        if s.bytes().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    if yymmdd.len() != 6 {
        return None;
    }
    let year = century + i16::from(num(0..2)?);
    match (yymmdd.get(2..4)?, yymmdd.get(4..6)?) {
        ("<<", "<<") => Some(PartialDate::Year(year)),
        (_, "<<") => match num(2..4)? {
            m @ 1..=12 => Some(PartialDate::YearMonth(year, m)),
            _ => None,
        },
        _ => Date::new(year, num(2..4)?, num(4..6)?)
            .ok()
            .map(PartialDate::Full),
    }
}

/// The date of birth: the latest century that does not put it after `today`.
pub(crate) fn date_of_birth(mrz: &Mrz, today: Date) -> Option<PartialDate> {
    let century = today.year() - today.year().rem_euclid(100);
    let in_century = |c: i16| date(mrz.date_of_birth(), c);
    let after_today = |d: PartialDate| match d {
        PartialDate::Full(d) => d > today,
        PartialDate::YearMonth(y, m) => (y, m) > (today.year(), today.month()),
        PartialDate::Year(y) => y > today.year(),
    };
    match in_century(century) {
        Some(d) if !after_today(d) => Some(d),
        _ => in_century(century - 100),
    }
}

/// The date of expiry, in the 2000s (documents read today do not expire in the 1900s);
/// `991231` is the CCCD's "no expiry" and gives `None`, as "Không thời hạn" does in DG13.
pub(crate) fn date_of_expiry(mrz: &Mrz) -> Option<PartialDate> {
    if mrz.date_of_expiry() == "991231" {
        return None;
    }
    date(mrz.date_of_expiry(), 2000)
}
