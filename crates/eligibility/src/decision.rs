//! The eligibility decision: a result code and the card's dates, against the visit date, become
//! the answer for reception (`domain/bhxh-gateway.md`, "Result codes" and "Card number and rules").

use jiff::civil::Date;
use serde::{Serialize, Serializer};

use crate::card::{CardId, CardNumber};
use crate::codes::{Category, Message, code_meaning};
use crate::wire::CardFacts;

/// The card the decision is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CardInfo {
    /// The decoded number.
    #[serde(flatten)]
    pub number: CardNumber,
    /// `maDKBD` (or `maDKBDMoi` for the new card): the registered primary-care facility.
    pub registered_facility: Option<String>,
    /// `tenDKBDMoi`: its name, when the gateway gives it (new cards only).
    pub registered_facility_name: Option<String>,
    /// Whether this is the reissued card (`maTheMoi`) rather than the one asked about.
    pub new_card: bool,
}

/// The insurance decision for reception (not to be confused with `trust::Verdict`, the card's
/// authenticity). Serialises as the JSON of `cccd eligibility --json`: `category`,
/// `message` {`vi`, `en`}, `resultCode`, `card`, `validFrom`, `validTo`, `atRegisteredFacility`,
/// `fiveYearsFrom`, `cached`, `ageSeconds` (dates as `yyyy-mm-dd`), and `gatewayMessage` when
/// the gateway answered a code outside the notes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    /// What reception does next.
    pub category: Category,
    /// In plain words, Vietnamese and English.
    pub message: Message,
    /// The gateway's `maKetQua`, when it answered the card check.
    pub result_code: Option<String>,
    /// The card that applies (the new one for `eligible-new-card`).
    pub card: Option<CardInfo>,
    /// That card's first valid day.
    #[serde(serialize_with = "iso_date")]
    pub valid_from: Option<Date>,
    /// That card's last valid day.
    #[serde(serialize_with = "iso_date")]
    pub valid_to: Option<Date>,
    /// Whether the card's registered facility is this facility ("đúng tuyến"); `None` when either
    /// is unknown. A fact to show, not a decision (cross-facility rules are legal ones).
    pub at_registered_facility: Option<bool>,
    /// `ngayDu5Nam`: date of 5 continuous years of insurance (co-payment exemption rule).
    #[serde(serialize_with = "iso_date")]
    pub five_years_from: Option<Date>,
    /// Whether this comes from the offline cache because the gateway failed.
    pub cached: bool,
    /// Age of the cached result in seconds (`None` for a fresh answer).
    pub age_seconds: Option<u64>,
    /// The gateway's own message (`ghiChu`) verbatim, for a result code outside the notes (a card
    /// held or locked has no published code): staff read it as the gateway wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_message: Option<String>,
}

fn iso_date<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&d.to_string()),
        None => s.serialize_none(),
    }
}

/// A gateway date `dd/MM/yyyy` (also accepted: `yyyy-mm-dd`).
pub fn parse_gateway_date(text: &str) -> Option<Date> {
    let t = text.trim();
    let parts: Vec<&str> = t.split('/').collect();
    if let [d, m, y] = parts.as_slice() {
        let (d, m, y) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
        return Date::new(y, m, d).ok();
    }
    t.parse().ok()
}

impl Decision {
    /// A decision with no card: failures of the gateway or of the account.
    pub fn without_card(category: Category, message: Message, result_code: Option<String>) -> Self {
        Self {
            category,
            message,
            result_code,
            card: None,
            valid_from: None,
            valid_to: None,
            at_registered_facility: None,
            five_years_from: None,
            cached: false,
            age_seconds: None,
            gateway_message: None,
        }
    }

    /// The decision for a temporary newborn card (`domain/bhxh-gateway.md`, "2026": a `TE1`
    /// number registered at a province code followed by `000` is not on the gateway, and checking
    /// it gives a false 050): not sent, not an error.
    pub fn temporary_card(
        card: &CardId,
        registered_facility: &str,
        facility_code: Option<&str>,
    ) -> Self {
        let mut d = Self::without_card(
            Category::TemporaryCard,
            Message::new(
                "Thẻ BHYT tạm của trẻ sơ sinh (mã TE1, nơi đăng ký KCB ban đầu là mã tỉnh + 000): cổng BHXH chưa có thông tin loại thẻ này nên không tra cứu. Đây không phải lỗi: tiếp nhận theo thẻ tạm và giấy tờ của trẻ.",
                "A temporary newborn health-insurance card (TE1, registered at the province code + 000): the gateway does not know such cards, so it was not asked. This is not an error: admit on the temporary card and the child's papers.",
            ),
            None,
        );
        let registered = registered_facility.trim().to_owned();
        d.at_registered_facility = facility_code
            .map(str::trim)
            .filter(|own| !own.is_empty())
            .map(|own| own == registered);
        d.card = Some(CardInfo {
            number: CardNumber::decode(card.as_str()),
            registered_facility: Some(registered),
            registered_facility_name: None,
            new_card: false,
        });
        d
    }
}

/// The decision for `facts` on `visit_date`, at the facility `facility_code` (`maCSKCB`, 5
/// digits) when configured.
///
/// 000 is eligible only when the visit date lies within `gtTheTu..gtTheDen`; 003 (old card
/// expired, new card issued) is eligible on the new card when its `...Moi` dates cover the visit
/// date; 004 (old card still valid, new card issued) uses the new card when its dates cover the
/// visit date, else the old card when its dates do. Every other code has its fixed category.
pub fn decide(facts: &CardFacts, visit_date: Date, facility_code: Option<&str>) -> Decision {
    let code = facts.result_code.as_str();
    let old = range(facts.valid_from.as_deref(), facts.valid_to.as_deref());
    let new = range(
        facts.new_valid_from.as_deref(),
        facts.new_valid_to.as_deref(),
    );
    let covers =
        |r: Option<(Date, Date)>| r.map(|(from, to)| from <= visit_date && visit_date <= to);
    let out_of_dates = Message::new(
        "Thẻ BHYT không có giá trị vào ngày khám (đã hết hạn hoặc chưa đến ngày sử dụng).",
        "The health-insurance card is not valid on the visit date (expired or not yet in force).",
    );
    let (category, message, use_new) = match (code, code_meaning(code)) {
        (_, None) => (
            Category::GatewayError,
            Message::new(
                "Cổng BHXH trả về mã kết quả không xác định: kiểm tra thẻ thủ công hoặc thử lại sau.",
                "The gateway returned an unknown result code: check the card by hand or try again later.",
            ),
            false,
        ),
        ("000", Some((c, m))) => match covers(old) {
            Some(true) => (c, m, false),
            Some(false) => (Category::NotEligible, out_of_dates, false),
            None => (
                Category::ManualCheck,
                Message::new(
                    "Cổng BHXH không trả về thời hạn thẻ: kiểm tra thẻ và giấy tờ.",
                    "The gateway gave no validity dates for the card: check the card and papers.",
                ),
                false,
            ),
        },
        ("003", Some((c, m))) => match covers(new) {
            Some(true) => (c, m, true),
            _ => (
                Category::NotEligible,
                Message::new(
                    "Thẻ cũ đã hết hạn; thẻ mới không có giá trị vào ngày khám.",
                    "The old card expired and the new card is not valid on the visit date.",
                ),
                facts.new_card_number.is_some(),
            ),
        },
        ("004", Some((c, m))) => match (covers(new), covers(old)) {
            (Some(true), _) => (c, m, true),
            (_, Some(true)) => (
                Category::Eligible,
                Message::new(
                    "Thẻ BHYT còn giá trị; thẻ mới đã được cấp nhưng chưa đến ngày sử dụng.",
                    "The card is valid; a new card was issued but is not yet in force.",
                ),
                false,
            ),
            _ => (Category::NotEligible, out_of_dates, false),
        },
        (_, Some((c, m))) => (c, m, false),
    };
    let (number, facility, facility_name, dates) = if use_new {
        (
            facts
                .new_card_number
                .as_ref()
                .or(facts.card_number.as_ref()),
            facts
                .new_registered_facility
                .as_ref()
                .or(facts.registered_facility.as_ref()),
            facts.new_registered_facility_name.clone(),
            new,
        )
    } else {
        (
            facts.card_number.as_ref(),
            facts.registered_facility.as_ref(),
            None,
            old,
        )
    };
    let at_registered_facility = match (facility, facility_code) {
        (Some(f), Some(own)) if !own.trim().is_empty() => Some(f.trim() == own.trim()),
        _ => None,
    };
    Decision {
        category,
        message,
        result_code: Some(facts.result_code.clone()),
        card: number.map(|n| CardInfo {
            number: CardNumber::decode(n),
            registered_facility: facility.cloned(),
            registered_facility_name: facility_name,
            new_card: use_new,
        }),
        valid_from: dates.map(|d| d.0),
        valid_to: dates.map(|d| d.1),
        at_registered_facility,
        five_years_from: facts
            .five_years_from
            .as_deref()
            .and_then(parse_gateway_date),
        cached: false,
        age_seconds: None,
        gateway_message: None,
    }
}

fn range(from: Option<&str>, to: Option<&str>) -> Option<(Date, Date)> {
    Some((parse_gateway_date(from?)?, parse_gateway_date(to?)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn facts(code: &str) -> CardFacts {
        CardFacts {
            result_code: code.into(),
            card_number: Some("DN4380123456789".into()),
            registered_facility: Some("38001".into()),
            valid_from: Some("01/01/2025".into()),
            valid_to: Some("31/12/2025".into()),
            five_years_from: Some("01/01/2020".into()),
            ..CardFacts::default()
        }
    }

    #[test]
    fn dates_decide_code_000() {
        let f = facts("000");
        let v = decide(&f, date(2025, 12, 31), Some("38001"));
        assert_eq!(v.category, Category::Eligible);
        assert_eq!(v.at_registered_facility, Some(true));
        assert_eq!(v.five_years_from, Some(date(2020, 1, 1)));
        assert_eq!(
            v.card.as_ref().unwrap().number.object_code.as_deref(),
            Some("DN")
        );
        let v = decide(&f, date(2026, 1, 1), Some("01001"));
        assert_eq!(v.category, Category::NotEligible);
        assert_eq!(v.at_registered_facility, Some(false));
        assert_eq!(
            decide(&f, date(2025, 6, 1), None).at_registered_facility,
            None
        );
        let mut f = facts("000");
        f.valid_to = None;
        assert_eq!(
            decide(&f, date(2025, 6, 1), None).category,
            Category::ManualCheck
        );
    }

    #[test]
    fn reissued_cards() {
        let mut f = facts("003");
        f.new_card_number = Some("DN4380123456790".into());
        f.new_valid_from = Some("01/01/2026".into());
        f.new_valid_to = Some("31/12/2026".into());
        f.new_registered_facility = Some("38002".into());
        let v = decide(&f, date(2026, 3, 1), Some("38002"));
        assert_eq!(v.category, Category::EligibleNewCard);
        assert_eq!(v.card.as_ref().unwrap().number.number, "DN4380123456790");
        assert_eq!(v.valid_to, Some(date(2026, 12, 31)));
        assert_eq!(v.at_registered_facility, Some(true));
        assert_eq!(
            decide(&f, date(2027, 1, 1), None).category,
            Category::NotEligible
        );
        f.result_code = "004".into();
        let v = decide(&f, date(2025, 6, 1), None);
        assert_eq!(
            (v.category, v.valid_to),
            (Category::Eligible, Some(date(2025, 12, 31)))
        );
        assert_eq!(
            decide(&f, date(2026, 6, 1), None).category,
            Category::EligibleNewCard
        );
    }

    #[test]
    fn json_shape() {
        let v = decide(&facts("000"), date(2025, 6, 1), Some("38001"));
        let j = serde_json::to_value(&v).unwrap();
        let mut keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut expected = [
            "category",
            "message",
            "resultCode",
            "card",
            "validFrom",
            "validTo",
            "atRegisteredFacility",
            "fiveYearsFrom",
            "cached",
            "ageSeconds",
        ];
        expected.sort_unstable();
        assert_eq!(keys, expected);
        assert_eq!(j["validFrom"], "2025-01-01");
        assert_eq!(j["card"]["benefitLevel"], 4);
        assert_eq!(j["category"], "eligible");
    }
}
