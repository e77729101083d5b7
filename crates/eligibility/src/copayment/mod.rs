//! The year's co-payment (`domain/bhxh-gateway.md`, "2026", "Co-payment lookup (MCCT)"): the
//! answer of `TraCuuTienMCCT` becomes what reception is told. The threshold is six months of the
//! base salary, strictly greater; the 5-year condition is not in this lookup, so nothing here
//! ever says a patient is exempt.

mod wire;

pub use wire::{CopaymentAnswer, CopaymentCard, CopaymentStay};

use std::fmt;
use std::time::Duration;

use jiff::Timestamp;
use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::clock::serialize_timestamp;
use crate::codes::Message;
use crate::error::Error;

/// The base salary (lương cơ sở) from 2024-07-01, đồng.
pub const BASE_SALARY_2024: u64 = 2_340_000;

/// What the co-payment answer means for reception.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CopaymentCategory {
    /// `MaKetQua` 200: the year's co-payment is known.
    Found,
    /// 204: no card, or no co-payment this year.
    NoData,
    /// 400: the gateway refused the lookup's data (card number, name, date of birth).
    RejectedInput,
    /// 500 with `GhiChu` "Có lỗi xảy ra trong quá trình tra cứu!": the facility's account is on
    /// BHXH's restricted-lookup list. For the administrator.
    RestrictedAccount,
    /// The account or its token was refused: for the administrator.
    ConfigurationError,
    /// The gateway failed, did not answer in time, or answered a code outside the notes.
    GatewayError,
}

impl CopaymentCategory {
    /// The name used in JSON and the documentation.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Found => "found",
            Self::NoData => "no-data",
            Self::RejectedInput => "rejected-input",
            Self::RestrictedAccount => "restricted-account",
            Self::ConfigurationError => "configuration-error",
            Self::GatewayError => "gateway-error",
        }
    }

    /// Whether this is an answer about the card (kept for repeat calls), rather than a failure.
    pub fn is_about_the_card(self) -> bool {
        matches!(self, Self::Found | Self::NoData)
    }
}

/// Settings of the co-payment lookup other than the gateway's.
#[derive(Debug, Clone)]
pub struct CopaymentSettings {
    /// The base salary at the lookup date, đồng (default [`BASE_SALARY_2024`]).
    pub base_salary: u64,
    /// A kept answer younger than this comes back at once unless a refresh is asked (one
    /// maintained HIS answers repeat calls within 15 minutes from its cache, so that loops do
    /// not amplify).
    pub fresh_for: Duration,
}

impl Default for CopaymentSettings {
    fn default() -> Self {
        Self {
            base_salary: BASE_SALARY_2024,
            fresh_for: Duration::from_secs(15 * 60),
        }
    }
}

/// The co-payment answer for reception. Serialises as the JSON of
/// `cccd eligibility --copayment --json`.
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Copayment {
    /// What it means.
    pub category: CopaymentCategory,
    /// In plain words, Vietnamese and English.
    pub message: Message,
    /// The gateway's `MaKetQua`, when it answered.
    pub result_code: Option<String>,
    /// The gateway's `GhiChu` verbatim, when it explains a refusal or an unknown code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway_message: Option<String>,
    /// The year's accumulated co-payment (`tBNCCTLuyKe` of the newest stay), đồng.
    pub accumulated: Option<u64>,
    /// The base salary used, đồng.
    pub base_salary: u64,
    /// Six months of it, đồng.
    pub threshold: u64,
    /// Whether `accumulated` is strictly greater than `threshold` (`None` when unknown). Not an
    /// exemption: the 5-year condition is not in this lookup.
    pub above_threshold: Option<bool>,
    /// `DataCCT[]`, newest discharge first.
    pub stays: Vec<CopaymentStay>,
    /// `ThongTinSoThe` (card end and social insurance number).
    pub card: Option<CopaymentCard>,
    /// When the gateway answered.
    #[serde(serialize_with = "serialize_timestamp")]
    pub looked_up_at: Timestamp,
    /// Whether this is a kept answer (younger than 15 minutes) rather than a new lookup.
    pub cached: bool,
    /// Age of the kept answer in seconds (`None` for a new one).
    pub age_seconds: Option<u64>,
}

// Amounts and card data stay out of `{:?}`.
impl fmt::Debug for Copayment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Copayment")
            .field("category", &self.category)
            .field("cached", &self.cached)
            .finish_non_exhaustive()
    }
}

/// An amount in đồng with Vietnamese thousands separators: `15.600.000`.
pub fn format_vnd(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// `GhiChu` compared without case, surrounding space or Unicode form.
fn note_starts_with(note: Option<&str>, prefix: &str) -> bool {
    let norm = |t: &str| t.trim().nfc().collect::<String>().to_lowercase();
    note.is_some_and(|n| norm(n).starts_with(&norm(prefix)))
}

impl Copayment {
    pub(crate) fn new(
        category: CopaymentCategory,
        message: Message,
        base_salary: u64,
        at: Timestamp,
    ) -> Self {
        Self {
            category,
            message,
            result_code: None,
            gateway_message: None,
            accumulated: None,
            base_salary,
            threshold: base_salary.saturating_mul(6),
            above_threshold: None,
            stays: Vec::new(),
            card: None,
            looked_up_at: at,
            cached: false,
            age_seconds: None,
        }
    }

    /// The answer for reception of `answer`, looked up at `at` with `base_salary`. Every result
    /// code of the notes: 200 data, 204 none, 400 bad input, 500 told apart by `GhiChu` (the
    /// restricted list, or a system error); any other code is a gateway error with `GhiChu`
    /// shown verbatim.
    pub fn from_answer(answer: &CopaymentAnswer, base_salary: u64, at: Timestamp) -> Self {
        use CopaymentCategory::*;
        let note = answer.note.as_deref();
        let code = answer.result_code.as_str();
        let mut c = match code {
            "200" => {
                let accumulated = answer.stays.first().and_then(|s| s.accumulated);
                let mut c = Self::new(Found, Message::new("", ""), base_salary, at);
                c.accumulated = accumulated;
                c.above_threshold = accumulated.map(|a| a > c.threshold);
                c.message = found_message(accumulated, c.threshold);
                c
            }
            "204" => Self::new(
                NoData,
                Message::new(
                    "Không có thẻ hoặc chưa có chi phí cùng chi trả trong năm cho người này.",
                    "No card, or no co-payment this year, for this person.",
                ),
                base_salary,
                at,
            ),
            "400" => Self::new(
                RejectedInput,
                Message::new(
                    "Cổng BHXH báo dữ liệu tra cứu không hợp lệ: kiểm tra số thẻ, họ tên và ngày sinh.",
                    "The gateway refused the lookup's data: check the card number, name and date of birth.",
                ),
                base_salary,
                at,
            ),
            "500" if note_starts_with(note, "Có lỗi xảy ra trong quá trình tra cứu") => Self::new(
                RestrictedAccount,
                Message::new(
                    "Tài khoản của cơ sở đang trong danh sách hạn chế tra cứu của BHXH: báo quản trị hệ thống liên hệ BHXH.",
                    "The facility's account is on BHXH's restricted-lookup list: the administrator should contact BHXH.",
                ),
                base_salary,
                at,
            ),
            "500" if note_starts_with(note, "Có lỗi hệ thống") => Self::new(
                GatewayError,
                Message::new(
                    "Hệ thống BHXH đang lỗi: thử lại sau.",
                    "BHXH's system failed: try again later.",
                ),
                base_salary,
                at,
            ),
            _ => Self::new(
                GatewayError,
                Message::new(
                    &format!(
                        "Cổng BHXH trả về mã kết quả {code} không xác định: xem thông báo của cổng, thử lại sau."
                    ),
                    &format!(
                        "The gateway returned result code {code}, which is not in the notes: read its message, try again later."
                    ),
                )
                .with_gateway_note(note),
                base_salary,
                at,
            ),
        };
        c.result_code = Some(answer.result_code.clone());
        if !c.category.is_about_the_card() {
            c.gateway_message = answer.note.clone();
        }
        c.stays = answer.stays.clone();
        c.card = answer.card.clone();
        c
    }

    /// The answer for reception when no answer came: `error` from the client (never
    /// [`Error::BadInput`] or [`Error::Config`], which are the caller's to report).
    pub fn from_failure(error: &Error, base_salary: u64, at: Timestamp) -> Self {
        use CopaymentCategory::*;
        let (category, message) = match error {
            Error::LoginRefused { account, .. } => {
                (ConfigurationError, Message::login_refused(account))
            }
            Error::Unauthorized => (
                ConfigurationError,
                Message::new(
                    "Cổng BHXH từ chối mã truy cập hai lần (HTTP 401): mã truy cập gắn với địa chỉ IP đã lấy nó; báo quản trị hệ thống kiểm tra địa chỉ IP đã đăng ký.",
                    "The gateway refused the access token twice (HTTP 401): a token is tied to the IP address that took it; the administrator should check the registered IP address.",
                ),
            ),
            Error::Forbidden { account } => (
                ConfigurationError,
                Message {
                    vi: format!(
                        "Tài khoản {account} không có quyền tra cứu chi phí cùng chi trả: báo quản trị hệ thống đề nghị BHXH cấp quyền."
                    ),
                    en: format!(
                        "Account {account} may not use the co-payment lookup: the administrator should ask BHXH for the right."
                    ),
                },
            ),
            Error::Timeout(d) => {
                let (vi, en) = match d.as_secs() {
                    0 => (
                        format!("{} ms", d.as_millis()),
                        format!("{} ms", d.as_millis()),
                    ),
                    s => (format!("{s} giây"), format!("{s} s")),
                };
                (
                    GatewayError,
                    Message {
                        vi: format!("Cổng BHXH không trả lời trong {vi}: thử lại sau."),
                        en: format!("The gateway did not answer within {en}: try again later."),
                    },
                )
            }
            Error::Unreachable(_) => (
                GatewayError,
                Message::new(
                    "Không kết nối được cổng BHXH: thử lại sau.",
                    "The BHXH gateway is unreachable: try again later.",
                ),
            ),
            _ => (
                GatewayError,
                Message::new(
                    "Cổng BHXH trả lời lỗi: thử lại sau.",
                    "The BHXH gateway answered with an error: try again later.",
                ),
            ),
        };
        Self::new(category, message, base_salary, at)
    }
}

fn found_message(accumulated: Option<u64>, threshold: u64) -> Message {
    let thr = format_vnd(threshold);
    let not_enough_vi = "Tra cứu này không cho biết điều kiện 5 năm liên tục: chưa đủ để kết luận việc miễn cùng chi trả.";
    let not_enough_en = "This lookup does not tell the 5-continuous-years condition: it is not enough to decide the co-payment rule.";
    match accumulated {
        Some(a) if a > threshold => Message {
            vi: format!(
                "Chi phí cùng chi trả lũy kế trong năm: {} đ, vượt 6 tháng lương cơ sở ({thr} đ). {not_enough_vi}",
                format_vnd(a)
            ),
            en: format!(
                "Co-payment accumulated this year: {} VND, above six months' base salary ({thr} VND). {not_enough_en}",
                format_vnd(a)
            ),
        },
        Some(a) => Message {
            vi: format!(
                "Chi phí cùng chi trả lũy kế trong năm: {} đ, chưa vượt 6 tháng lương cơ sở ({thr} đ).",
                format_vnd(a)
            ),
            en: format!(
                "Co-payment accumulated this year: {} VND, not above six months' base salary ({thr} VND).",
                format_vnd(a)
            ),
        },
        None => Message::new(
            "Cổng BHXH trả về dữ liệu cùng chi trả nhưng không có số tiền lũy kế đọc được: xem từng lượt khám.",
            "The gateway returned co-payment data without a readable accumulated amount: see each stay.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(code: &str, note: Option<&str>, accumulated: Option<u64>) -> CopaymentAnswer {
        CopaymentAnswer {
            result_code: code.into(),
            note: note.map(str::to_owned),
            stays: accumulated
                .map(|a| CopaymentStay {
                    id: Some("1".into()),
                    looked_up: None,
                    card_number: None,
                    facility: Some("38001".into()),
                    admitted: None,
                    discharged: None,
                    visit_category: None,
                    copayment: Some(100_000),
                    accumulated: Some(a),
                    accumulated_since: None,
                    received: None,
                })
                .into_iter()
                .collect(),
            card: None,
        }
    }

    #[test]
    fn every_code_of_the_notes() {
        let at = Timestamp::UNIX_EPOCH;
        let base = BASE_SALARY_2024;
        let c = |code, note, acc| Copayment::from_answer(&answer(code, note, acc), base, at);
        let above = c("200", None, Some(14_040_001));
        assert_eq!(above.category, CopaymentCategory::Found);
        assert_eq!(
            (above.threshold, above.above_threshold),
            (14_040_000, Some(true))
        );
        assert!(above.message.vi.contains("14.040.001 đ") && above.message.vi.contains("vượt"));
        let equal = c("200", None, Some(14_040_000));
        assert_eq!(equal.above_threshold, Some(false), "strictly greater");
        assert!(equal.message.en.contains("not above"));
        assert_eq!(c("200", None, None).above_threshold, None);
        assert_eq!(c("204", None, None).category, CopaymentCategory::NoData);
        assert_eq!(
            c("400", Some("x"), None).category,
            CopaymentCategory::RejectedInput
        );
        let restricted = c(
            "500",
            Some(" Có lỗi xảy ra trong quá trình tra cứu! "),
            None,
        );
        assert_eq!(restricted.category, CopaymentCategory::RestrictedAccount);
        assert!(restricted.gateway_message.is_some());
        // The same words in decomposed Unicode (NFD), as some systems send them.
        let nfd: String = "Có lỗi xảy ra trong quá trình tra cứu!".nfd().collect();
        assert_eq!(
            c("500", Some(&nfd), None).category,
            CopaymentCategory::RestrictedAccount
        );
        let system = c("500", Some("Có lỗi hệ thống, vui lòng thử lại"), None);
        assert_eq!(system.category, CopaymentCategory::GatewayError);
        let unknown = c("777", Some("Thẻ đang bị tạm khóa"), None);
        assert_eq!(unknown.category, CopaymentCategory::GatewayError);
        assert_eq!(
            unknown.gateway_message.as_deref(),
            Some("Thẻ đang bị tạm khóa")
        );
        assert!(
            unknown.message.vi.contains("Thẻ đang bị tạm khóa"),
            "{}",
            unknown.message.vi
        );
        // Nothing ever says exempt.
        for v in [above, equal, restricted, system, unknown] {
            let j = serde_json::to_string(&v).unwrap().to_lowercase();
            assert!(!j.contains("exempt") && !j.contains("được miễn"), "{j}");
        }
        let t = Copayment::from_failure(&Error::Timeout(Duration::from_secs(75)), base, at);
        assert_eq!(t.category, CopaymentCategory::GatewayError);
        assert!(t.message.en.contains("75 s"));
        assert_eq!(
            Copayment::from_failure(&Error::Unauthorized, base, at).category,
            CopaymentCategory::ConfigurationError
        );
    }

    #[test]
    fn money_is_written_the_vietnamese_way() {
        assert_eq!(format_vnd(0), "0");
        assert_eq!(format_vnd(999), "999");
        assert_eq!(format_vnd(1000), "1.000");
        assert_eq!(format_vnd(14_040_000), "14.040.000");
    }
}
