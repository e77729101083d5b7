use jiff::ToSpan;
use jiff::civil::{Date, date};

use crate::PartialDate;

/// Which identity law set the card's validity (by its issue date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardLaw {
    /// Law 59/2014/QH13 on citizen identification, art. 21: renewal at 25, 40 and 60 (cards
    /// issued before 1 July 2024).
    Law59Of2014,
    /// Law 26/2023/QH15 on identification: renewal at 14, 25, 40 and 60 (cards issued from
    /// 1 July 2024).
    Law26Of2023,
}

impl CardLaw {
    /// The law under which a card issued on `issued` was made.
    pub fn for_issue_date(issued: Date) -> Self {
        if issued < date(2024, 7, 1) {
            Self::Law59Of2014
        } else {
            Self::Law26Of2023
        }
    }

    /// The ages at which the card must be renewed.
    pub fn renewal_ages(self) -> &'static [i16] {
        match self {
            Self::Law59Of2014 => &[25, 40, 60],
            Self::Law26Of2023 => &[14, 25, 40, 60],
        }
    }
}

/// A card's date of expiry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Valid until this day.
    On(Date),
    /// No expiry ("không thời hạn"; `991231` in the MRZ).
    Never,
}

impl Expiry {
    /// The MRZ form: `YYMMDD`, or `991231` for no expiry.
    pub fn to_mrz(&self) -> String {
        match self {
            Self::On(d) => PartialDate::Full(*d).to_mrz(),
            Self::Never => "991231".to_owned(),
        }
    }
}

/// The possible expiry dates of a card, most likely first, from the holder's date of birth and
/// the card's issue date (the QR code has both but no expiry). Duplicates are removed.
///
/// First the rule of both laws, by exact dates: the card expires on the birthday at the first
/// renewal age A such that the card was issued earlier than 2 years before that birthday; a
/// card issued within those 2 years stays valid until the next age; past the last age, no
/// expiry. Then the production vendor SDK's coarser rule by whole years (domain notes: issue
/// year minus birth year under A − 2 gives the birthday at A), which disagrees with the first
/// for one calendar year per age. The notes give that rule for 25, 40 and 60; for cards of Law
/// 26/2023 it is applied with 14 too (an assumption a real 2024 card can settle).
///
/// Where the birthday is not a single day, every day it could be is a candidate: a 29 February
/// birthday in a common year (28 February first, then 1 March: which one the issuing authority
/// uses is not documented publicly), and a date of birth known only by year or month (first
/// and last day of the period; also not documented).
pub fn expiry_candidates(dob: PartialDate, issued: Date) -> Vec<Expiry> {
    let law = CardLaw::for_issue_date(issued);
    let birthdays: Vec<(i8, i8)> = match dob {
        PartialDate::Full(d) => vec![(d.month(), d.day())],
        PartialDate::YearMonth(y, m) => {
            let last = date(y, m, 1).last_of_month().day();
            vec![(m, 1), (m, last)]
        }
        PartialDate::Year(_) => vec![(1, 1), (12, 31)],
    };
    let year = dob.year();
    let exact = birthdays
        .iter()
        .flat_map(|&(m, d)| by_exact_dates(year, m, d, issued, law));
    let whole_years = birthdays
        .iter()
        .flat_map(|&(m, d)| by_whole_years(year, m, d, issued, law));
    let mut out = Vec::new();
    for e in exact.chain(whole_years) {
        if !out.contains(&e) {
            out.push(e);
        }
    }
    out
}

/// The birthday in `year`: the day itself, or 28 February then 1 March for a 29 February
/// birthday in a common year.
fn birthdays_in(year: i16, month: i8, day: i8) -> Vec<Date> {
    if month == 2 && day == 29 && Date::new(year, 2, 29).is_err() {
        vec![date(year, 2, 28), date(year, 3, 1)]
    } else {
        Date::new(year, month, day).into_iter().collect()
    }
}

/// Law 59/2014 art. 21 and Law 26/2023, by exact dates.
fn by_exact_dates(birth_year: i16, month: i8, day: i8, issued: Date, law: CardLaw) -> Vec<Expiry> {
    for &age in law.renewal_ages() {
        let days = birthdays_in(birth_year + age, month, day);
        let Some(&first) = days.first() else { continue };
        let Ok(limit) = first.checked_sub(2.years()) else {
            continue;
        };
        if issued < limit {
            return days.into_iter().map(Expiry::On).collect();
        }
    }
    vec![Expiry::Never]
}

/// The production vendor SDK's rule, by whole years: the first age A with issue year minus
/// birth year under A − 2.
fn by_whole_years(birth_year: i16, month: i8, day: i8, issued: Date, law: CardLaw) -> Vec<Expiry> {
    let years = issued.year() - birth_year;
    for &age in law.renewal_ages() {
        if years < age - 2 {
            return birthdays_in(birth_year + age, month, day)
                .into_iter()
                .map(Expiry::On)
                .collect();
        }
    }
    vec![Expiry::Never]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(y: i16, m: i8, d: i8) -> PartialDate {
        PartialDate::Full(date(y, m, d))
    }

    #[test]
    fn law_59_2014_ages_25_40_60() {
        // Issued at 31: expires at 40.
        assert_eq!(
            expiry_candidates(full(1989, 7, 5), date(2021, 3, 10)),
            vec![Expiry::On(date(2029, 7, 5))]
        );
        // Issued at 23, more than 2 years before 25: expires at 25.
        assert_eq!(
            expiry_candidates(full(2000, 1, 15), date(2021, 6, 1)),
            vec![Expiry::On(date(2025, 1, 15))]
        );
        // Issued at 38 and a half: within 2 years of 40, valid until 60.
        assert_eq!(
            expiry_candidates(full(1982, 6, 1), date(2021, 1, 1)),
            vec![Expiry::On(date(2042, 6, 1))]
        );
        // Exactly 2 years before the birthday is not "earlier than": next age.
        assert_eq!(
            expiry_candidates(full(1983, 5, 20), date(2021, 5, 20)),
            vec![Expiry::On(date(2043, 5, 20))]
        );
        // The day before: 40 by exact dates; the vendor's whole years (2021 - 1983 = 38, not
        // under 38) say 60: both, in that order.
        assert_eq!(
            expiry_candidates(full(1983, 5, 20), date(2021, 5, 19)),
            vec![Expiry::On(date(2023, 5, 20)), Expiry::On(date(2043, 5, 20))]
        );
        // Issued at 58 or later: no expiry.
        assert_eq!(
            expiry_candidates(full(1963, 2, 1), date(2021, 3, 1)),
            vec![Expiry::Never]
        );
        assert_eq!(Expiry::Never.to_mrz(), "991231");
    }

    #[test]
    fn law_26_2023_adds_age_14() {
        assert_eq!(
            CardLaw::for_issue_date(date(2024, 6, 30)),
            CardLaw::Law59Of2014
        );
        assert_eq!(
            CardLaw::for_issue_date(date(2024, 7, 1)),
            CardLaw::Law26Of2023
        );
        // A child of 6 issued a card in 2025: expires at 14.
        assert_eq!(
            expiry_candidates(full(2019, 4, 30), date(2025, 8, 1)),
            vec![Expiry::On(date(2033, 4, 30))]
        );
        // At 12 and a half: within 2 years of 14, so valid until 25.
        assert_eq!(
            expiry_candidates(full(2012, 9, 9), date(2025, 3, 1)),
            vec![Expiry::On(date(2037, 9, 9))]
        );
        // The same child under the old law would have had 25 anyway.
        assert_eq!(
            expiry_candidates(full(2012, 9, 9), date(2024, 3, 1)),
            vec![Expiry::On(date(2037, 9, 9))]
        );
    }

    fn on(y: i16, m: i8, d: i8) -> Expiry {
        Expiry::On(date(y, m, d))
    }

    /// Each age of Law 59/2014: the exact 2-year boundary (the day before, the day itself) and
    /// the vendor's whole-year boundary (issue year minus birth year A - 3, A - 2).
    #[test]
    fn every_age_boundary_of_law_59_2014() {
        for (age, born) in [(25, 2000), (40, 1983), (60, 1963)] {
            let dob = full(born, 6, 15);
            let at = on(born + age, 6, 15);
            let next = match age {
                25 => on(born + 40, 6, 15),
                40 => on(born + 60, 6, 15),
                _ => Expiry::Never,
            };
            let limit = date(born + age - 2, 6, 15);
            assert_eq!(
                expiry_candidates(dob, limit.yesterday().unwrap()),
                vec![at, next],
                "age {age}: the day before the 2-year limit, the vendor's rule second"
            );
            assert_eq!(
                expiry_candidates(dob, limit),
                vec![next],
                "age {age}: the limit"
            );
            assert_eq!(
                expiry_candidates(dob, date(born + age - 3, 12, 31)),
                vec![at],
                "age {age}: both rules"
            );
            assert_eq!(
                expiry_candidates(dob, date(born + age - 2, 1, 1)),
                vec![at, next],
                "age {age}: whole years say the next age"
            );
        }
    }

    /// The same for Law 26/2023 (cards issued from 1 July 2024), ages 14, 25, 40 and 60.
    #[test]
    fn every_age_boundary_of_law_26_2023() {
        for (age, born) in [(14, 2012), (25, 2001), (40, 1986), (60, 1966)] {
            let dob = full(born, 9, 9);
            let at = on(born + age, 9, 9);
            let next = match age {
                14 => on(born + 25, 9, 9),
                25 => on(born + 40, 9, 9),
                40 => on(born + 60, 9, 9),
                _ => Expiry::Never,
            };
            let limit = date(2024, 9, 9);
            assert_eq!(born + age - 2, 2024);
            assert_eq!(CardLaw::for_issue_date(limit), CardLaw::Law26Of2023);
            assert_eq!(
                expiry_candidates(dob, limit.yesterday().unwrap()),
                vec![at, next],
                "age {age}: the day before the limit"
            );
            assert_eq!(
                expiry_candidates(dob, limit),
                vec![next],
                "age {age}: the limit"
            );
        }
        // The vendor's boundary at 14: 11 whole years at issue gives 14.
        assert_eq!(
            expiry_candidates(full(2013, 9, 9), date(2024, 12, 31)),
            vec![on(2027, 9, 9)]
        );
        // 12 whole years: the exact rule still says 14, whole years say 25.
        assert_eq!(
            expiry_candidates(full(2013, 9, 9), date(2025, 1, 1)),
            vec![on(2027, 9, 9), on(2038, 9, 9)]
        );
    }

    #[test]
    fn a_29_february_birthday_at_a_boundary() {
        // 25 falls in 2021, a common year; the 2-year limit is 28 February 2019.
        let dob = full(1996, 2, 29);
        assert_eq!(
            expiry_candidates(dob, date(2019, 2, 27)),
            vec![on(2021, 2, 28), on(2021, 3, 1), on(2036, 2, 29)]
        );
        assert_eq!(
            expiry_candidates(dob, date(2019, 2, 28)),
            vec![on(2036, 2, 29)]
        );
        // 60 in 2056, a leap year: the day itself, then no expiry by whole years.
        assert_eq!(
            expiry_candidates(dob, date(2054, 2, 27)),
            vec![on(2056, 2, 29), Expiry::Never]
        );
    }

    #[test]
    fn leap_day_birthdays() {
        // 29 Feb 1996 + 25 years = 2021, a common year: both neighbours are candidates.
        assert_eq!(
            expiry_candidates(full(1996, 2, 29), date(2016, 5, 1)),
            vec![Expiry::On(date(2021, 2, 28)), Expiry::On(date(2021, 3, 1))]
        );
        // + 40 years = 2036, a leap year: the day itself.
        assert_eq!(
            expiry_candidates(full(1996, 2, 29), date(2022, 5, 1)),
            vec![Expiry::On(date(2036, 2, 29))]
        );
    }

    #[test]
    fn partial_dates_of_birth() {
        assert_eq!(
            expiry_candidates(PartialDate::Year(1970), date(2021, 1, 1)),
            vec![Expiry::On(date(2030, 1, 1)), Expiry::On(date(2030, 12, 31))]
        );
        assert_eq!(
            expiry_candidates(PartialDate::YearMonth(1970, 2), date(2021, 1, 1)),
            vec![Expiry::On(date(2030, 2, 1)), Expiry::On(date(2030, 2, 28))]
        );
        assert_eq!(
            expiry_candidates(PartialDate::Year(1950), date(2021, 1, 1)),
            vec![Expiry::Never]
        );
    }
}
