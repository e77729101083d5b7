//! Result codes (`maKetQua`) and what they mean at the reception desk.
//!
//! The table is BHXH's official list from "Phụ lục 03 - Hàm API tra cứu giá trị thẻ BHYT, lịch sử
//! KCB BHYT" (Công văn 1923/BHXH-CNTT, 20/06/2024), as summarised in `domain/bhxh-gateway.md`
//! ("Result codes"); 500 is not in the list but is seen in practice.

use serde::{Deserialize, Serialize};

/// The decision's category: what reception does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Insurance applies today on the card given.
    Eligible,
    /// Insurance applies today on the reissued (new) card.
    EligibleNewCard,
    /// Card managed by the Ministry of Defence or Public Security: check card and papers by hand.
    ManualCheck,
    /// No insurance today (expired, revoked, reduced, no card...).
    NotEligible,
    /// The name or date of birth does not match the insurance record.
    DataMismatch,
    /// A temporary newborn card the gateway cannot know: not sent, and not an error (admit on
    /// the temporary card and the child's papers).
    TemporaryCard,
    /// The facility's account or operator is refused: an administrator must act.
    ConfigurationError,
    /// The gateway failed or could not be reached: no decision from it.
    GatewayError,
}

impl Category {
    /// The name used in JSON and the documentation (`eligible-new-card`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eligible => "eligible",
            Self::EligibleNewCard => "eligible-new-card",
            Self::ManualCheck => "manual-check",
            Self::NotEligible => "not-eligible",
            Self::DataMismatch => "data-mismatch",
            Self::TemporaryCard => "temporary-card",
            Self::ConfigurationError => "configuration-error",
            Self::GatewayError => "gateway-error",
        }
    }

    /// Whether this is the gateway's answer about the patient's card (worth keeping in the
    /// offline cache), rather than a failure of the gateway or of our own account, or a card
    /// that was not sent.
    pub fn is_about_the_card(self) -> bool {
        !matches!(
            self,
            Self::ConfigurationError | Self::GatewayError | Self::TemporaryCard
        )
    }
}

/// A message for reception staff, in Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Vietnamese (shown first).
    pub vi: String,
    /// English.
    pub en: String,
}

impl Message {
    pub(crate) fn new(vi: &str, en: &str) -> Self {
        Self {
            vi: vi.to_owned(),
            en: en.to_owned(),
        }
    }

    /// The gateway refused the login of `account` (not a secret: what the administrator needs).
    pub(crate) fn login_refused(account: &str) -> Self {
        Self {
            vi: format!(
                "Cổng BHXH từ chối đăng nhập tài khoản {account}: báo quản trị hệ thống kiểm tra tài khoản, mật khẩu và địa chỉ IP đã đăng ký."
            ),
            en: format!(
                "The gateway refused the login of account {account}: the administrator should check the account, its password and the registered IP address."
            ),
        }
    }

    /// The message followed by the gateway's own words (`ghiChu`) verbatim, when it gave some:
    /// for codes outside the notes, staff read what the gateway meant (a card held or locked has
    /// no published code).
    pub(crate) fn with_gateway_note(self, note: Option<&str>) -> Self {
        match note.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => Self {
                vi: format!("{} Cổng BHXH báo: «{n}».", self.vi),
                en: format!("{} The gateway says: «{n}».", self.en),
            },
            None => self,
        }
    }
}

/// The category and message of a result code taken alone, before the visit date is looked at
/// (codes 000, 003 and 004 are refined by the card's dates in [`crate::decide`]). `None` for a
/// code outside the official list.
pub fn code_meaning(code: &str) -> Option<(Category, Message)> {
    use Category::*;
    let (c, vi, en) = match code {
        "000" => (
            Eligible,
            "Thẻ BHYT còn giá trị sử dụng: được hưởng BHYT hôm nay.",
            "The health-insurance card is valid: insurance applies today.",
        ),
        "001" => (
            ManualCheck,
            "Thẻ do BHXH Bộ Quốc phòng quản lý: kiểm tra thẻ BHYT và giấy tờ tùy thân.",
            "Card managed by the Ministry of Defence's social security: check the card and papers.",
        ),
        "002" => (
            ManualCheck,
            "Thẻ do BHXH Bộ Công an quản lý: kiểm tra thẻ BHYT và giấy tờ tùy thân.",
            "Card managed by the Ministry of Public Security's social security: check the card and papers.",
        ),
        "003" => (
            EligibleNewCard,
            "Thẻ cũ đã hết hạn, đã có thẻ mới còn giá trị: dùng thẻ mới.",
            "The old card expired and a new card was issued: use the new card.",
        ),
        "004" => (
            EligibleNewCard,
            "Đã cấp thẻ mới (thẻ cũ vẫn còn giá trị): dùng thẻ mới.",
            "A new card was issued (the old one is still valid): use the new card.",
        ),
        "010" => (
            NotEligible,
            "Thẻ BHYT đã hết hạn sử dụng.",
            "The health-insurance card has expired.",
        ),
        "050" => (
            NotEligible,
            "Không có thông tin thẻ BHYT của người này.",
            "No health-insurance card was found for this person.",
        ),
        "051" => (
            NotEligible,
            "Sai mã thẻ BHYT.",
            "Wrong health-insurance card number.",
        ),
        "052" => (
            NotEligible,
            "Sai mã tỉnh trên thẻ BHYT (ký tự 4-5).",
            "Wrong province code on the card (characters 4-5).",
        ),
        "053" => (
            NotEligible,
            "Sai mã quyền lợi trên thẻ BHYT (ký tự 3).",
            "Wrong benefit code on the card (character 3).",
        ),
        "054" => (
            ConfigurationError,
            "CCCD của nhân viên tra cứu chưa được cơ sở đăng ký là người dùng: báo quản trị hệ thống.",
            "The operator's ID number is not a registered user of this facility: tell the administrator.",
        ),
        "055" => (
            ConfigurationError,
            "Họ tên nhân viên tra cứu không khớp với CCCD đã đăng ký: báo quản trị hệ thống.",
            "The operator's name does not match their registered ID number: tell the administrator.",
        ),
        "060" => (
            DataMismatch,
            "Họ tên không khớp với dữ liệu BHXH: kiểm tra lại họ tên.",
            "The name does not match the insurance record: check the name.",
        ),
        "061" => (
            DataMismatch,
            "Họ tên không khớp với dữ liệu BHXH (đúng chữ cái đầu): kiểm tra chính tả và dấu.",
            "The name does not match the insurance record (first letter correct): check spelling and accents.",
        ),
        "070" => (
            DataMismatch,
            "Ngày sinh không khớp với dữ liệu BHXH: kiểm tra lại ngày sinh.",
            "The date of birth does not match the insurance record: check the date of birth.",
        ),
        "100" => (
            GatewayError,
            "Cổng BHXH lỗi khi lấy dữ liệu thẻ: thử lại sau.",
            "The gateway failed to fetch the card data: try again later.",
        ),
        "101" | "500" => (
            GatewayError,
            "Máy chủ cổng BHXH bị lỗi: thử lại sau.",
            "The gateway's server failed: try again later.",
        ),
        "110" => (
            NotEligible,
            "Thẻ BHYT đã bị thu hồi.",
            "The health-insurance card has been revoked.",
        ),
        "120" => (
            NotEligible,
            "Thẻ BHYT đã bị báo giảm: không được hưởng BHYT.",
            "The card was reported reduced (báo giảm): no insurance.",
        ),
        "121" => (
            NotEligible,
            "Thẻ BHYT đã bị báo giảm do chuyển đi tỉnh khác.",
            "The card was reported reduced: moved to another province.",
        ),
        "122" => (
            NotEligible,
            "Thẻ BHYT đã bị báo giảm do chuyển đi trong tỉnh.",
            "The card was reported reduced: moved within the province.",
        ),
        "123" => (
            NotEligible,
            "Thẻ BHYT đã bị báo giảm do tham gia lại tại cùng đơn vị.",
            "The card was reported reduced: re-enrolled at the same employer.",
        ),
        "124" => (
            NotEligible,
            "Thẻ BHYT đã bị báo giảm do dừng tham gia BHYT.",
            "The card was reported reduced: stopped participating.",
        ),
        "130" => (
            NotEligible,
            "Trẻ em chưa có thẻ BHYT.",
            "Child without a health-insurance card.",
        ),
        "205" => (
            ConfigurationError,
            "Cổng BHXH báo sai định dạng tham số: báo quản trị hệ thống.",
            "The gateway reports a wrong parameter format: tell the administrator.",
        ),
        "401" => (
            ConfigurationError,
            "Cổng BHXH từ chối xác thực tài khoản của cơ sở: báo quản trị hệ thống kiểm tra tài khoản và địa chỉ IP đã đăng ký.",
            "The gateway refused the facility's account: the administrator should check the account and the registered IP address.",
        ),
        _ => return None,
    };
    Some((c, Message::new(vi, en)))
}

/// Every code of the official list (and 500), for tests and documentation.
pub const KNOWN_CODES: &[&str] = &[
    "000", "001", "002", "003", "004", "010", "050", "051", "052", "053", "054", "055", "060",
    "061", "070", "100", "101", "110", "120", "121", "122", "123", "124", "130", "205", "401",
    "500",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_official_code_has_a_category_and_messages() {
        for code in KNOWN_CODES {
            let (_, m) = code_meaning(code).unwrap();
            assert!(!m.vi.is_empty() && !m.en.is_empty(), "{code}");
        }
        assert_eq!(code_meaning("999"), None);
        assert_eq!(code_meaning("001").unwrap().0, Category::ManualCheck);
        assert_eq!(code_meaning("124").unwrap().0, Category::NotEligible);
        assert_eq!(code_meaning("055").unwrap().0, Category::ConfigurationError);
        assert_eq!(code_meaning("070").unwrap().0, Category::DataMismatch);
        assert_eq!(code_meaning("101").unwrap().0, Category::GatewayError);
        assert_eq!(
            serde_json::to_string(&Category::EligibleNewCard).unwrap(),
            "\"eligible-new-card\""
        );
    }
}
