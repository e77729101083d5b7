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
/// the card's issue date (the QR code has both but no expiry).
///
/// The rule of both laws: the card expires on the birthday at the first renewal age A such that
/// the card was issued earlier than 2 years before that birthday; a card issued within those
/// 2 years stays valid until the next age; past the last age, no expiry.
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
    let mut out = Vec::new();
    for (month, day) in birthdays {
        for e in candidates_for_birthday(dob.year(), month, day, issued, law) {
            if !out.contains(&e) {
                out.push(e);
            }
        }
    }
    out
}

fn candidates_for_birthday(
    birth_year: i16,
    month: i8,
    day: i8,
    issued: Date,
    law: CardLaw,
) -> Vec<Expiry> {
    for &age in law.renewal_ages() {
        let year = birth_year + age;
        let days: Vec<Date> = if month == 2 && day == 29 && Date::new(year, 2, 29).is_err() {
            vec![date(year, 2, 28), date(year, 3, 1)]
        } else {
            Date::new(year, month, day).into_iter().collect()
        };
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
        assert_eq!(
            expiry_candidates(full(1983, 5, 20), date(2021, 5, 19)),
            vec![Expiry::On(date(2023, 5, 20))]
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
