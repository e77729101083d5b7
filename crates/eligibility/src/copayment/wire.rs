//! The co-payment lookup's JSON, read leniently like the card check's (keys lower-cased, every
//! field optional, numbers accepted as text and text as numbers).

use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::wire::{field, result_code};

/// One stay of `DataCCT[]` (newest discharge first).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CopaymentStay {
    /// `Id`.
    pub id: Option<String>,
    /// `ngayTraCuu`: when the gateway computed it.
    pub looked_up: Option<String>,
    /// `maThe`: the card used for the stay.
    pub card_number: Option<String>,
    /// `maCskcb`: the facility.
    pub facility: Option<String>,
    /// `ngayVao`: admitted.
    pub admitted: Option<String>,
    /// `ngayRa`: discharged.
    pub discharged: Option<String>,
    /// `maDoiTuongKCB`: the visit's patient category.
    pub visit_category: Option<String>,
    /// `tBNCCTMCCT`: the co-payment of this stay, đồng.
    pub copayment: Option<u64>,
    /// `tBNCCTLuyKe`: the year's co-payment accumulated up to this stay, đồng.
    pub accumulated: Option<u64>,
    /// `ngayNhanCong`.
    pub accumulated_since: Option<String>,
    /// `ngayNhan`.
    pub received: Option<String>,
}

/// `ThongTinSoThe`, without the name and date of birth the caller already has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CopaymentCard {
    /// `ngayKetThuc`: the card's end.
    pub valid_to: Option<String>,
    /// `maBhxh`: the social insurance number.
    pub social_insurance_number: Option<String>,
}

/// The answer of `TraCuuTienMCCT`: `{MaKetQua, GhiChu, DataCCT[], ThongTinSoThe}`.
#[derive(Clone, PartialEq)]
pub struct CopaymentAnswer {
    /// `MaKetQua` (200, 204, 400, 500...).
    pub result_code: String,
    /// `GhiChu`: the gateway's own message.
    pub note: Option<String>,
    /// `DataCCT[]`.
    pub stays: Vec<CopaymentStay>,
    /// `ThongTinSoThe`.
    pub card: Option<CopaymentCard>,
}

// Amounts of money and card data stay out of `{:?}`.
impl fmt::Debug for CopaymentAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CopaymentAnswer")
            .field("result_code", &self.result_code)
            .field("stays", &self.stays.len())
            .finish_non_exhaustive()
    }
}

/// An amount in đồng: a JSON number, or text of digits with an optional fraction (`.` or `,`
/// then digits). Fractions of a đồng are rounded; anything else (negative, thousands separators
/// whose meaning is ambiguous) is unknown rather than guessed.
pub(crate) fn amount(m: &Map<String, Value>, key: &str) -> Option<u64> {
    let v = match m.get(key)? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => {
            let t = s.trim();
            let (int, frac) = match t.split_once(['.', ',']) {
                Some((i, f)) => (i, Some(f)),
                None => (t, None),
            };
            let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
            if !digits(int) || frac.is_some_and(|f| !digits(f) || f.len() > 2) {
                return None;
            }
            t.replace(',', ".").parse::<f64>().ok()?
        }
        _ => return None,
    };
    (v.is_finite() && (0.0..1e15).contains(&v)).then(|| v.round() as u64)
}

impl CopaymentAnswer {
    /// Reads the answer from a JSON object whose keys are already lower-cased; `None` when there
    /// is no result code.
    pub(crate) fn from_lowercased(m: &Map<String, Value>) -> Option<Self> {
        let stays = match m.get("datacct") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_object)
                .map(|e| CopaymentStay {
                    id: field(e, "id"),
                    looked_up: field(e, "ngaytracuu"),
                    card_number: field(e, "mathe"),
                    facility: field(e, "macskcb"),
                    admitted: field(e, "ngayvao"),
                    discharged: field(e, "ngayra"),
                    visit_category: field(e, "madoituongkcb"),
                    copayment: amount(e, "tbncctmcct"),
                    accumulated: amount(e, "tbncctluyke"),
                    accumulated_since: field(e, "ngaynhancong"),
                    received: field(e, "ngaynhan"),
                })
                .collect(),
            _ => Vec::new(),
        };
        let card = match m.get("thongtinsothe") {
            Some(Value::Object(c)) => Some(CopaymentCard {
                valid_to: field(c, "ngayketthuc"),
                social_insurance_number: field(c, "mabhxh"),
            }),
            _ => None,
        };
        Some(Self {
            result_code: result_code(m)?,
            note: field(m, "ghichu"),
            stays,
            card,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::lowercase_keys;

    fn obj(text: &str) -> Map<String, Value> {
        match lowercase_keys(serde_json::from_str(text).unwrap()) {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn amounts_and_fields() {
        let m = obj(
            r#"{"a": 1500000, "b": "1500000", "c": "1500000.4", "d": "1,500,000", "e": -5,
                "f": 1499999.6, "g": "12,5", "h": ""}"#,
        );
        assert_eq!(amount(&m, "a"), Some(1_500_000));
        assert_eq!(amount(&m, "b"), Some(1_500_000));
        assert_eq!(amount(&m, "c"), Some(1_500_000));
        assert_eq!(
            amount(&m, "d"),
            None,
            "thousands separators are not guessed"
        );
        assert_eq!(amount(&m, "e"), None);
        assert_eq!(amount(&m, "f"), Some(1_500_000));
        assert_eq!(amount(&m, "g"), Some(13));
        assert_eq!(amount(&m, "h"), None);
        let a = CopaymentAnswer::from_lowercased(&obj(
            r#"{"MaKetQua":"200","GhiChu":"ok","DataCCT":[{"Id":"1","maCskcb":"38001",
                "tBNCCTMCCT":200000,"tBNCCTLuyKe":"15600000"}],
                "ThongTinSoThe":{"hoTen":"X","ngayKetThuc":"31/12/2026","maBhxh":"3895012345"}}"#,
        ))
        .unwrap();
        assert_eq!(a.result_code, "200");
        assert_eq!(a.stays[0].accumulated, Some(15_600_000));
        assert_eq!(a.stays[0].copayment, Some(200_000));
        assert_eq!(a.card.unwrap().valid_to.as_deref(), Some("31/12/2026"));
        let a =
            CopaymentAnswer::from_lowercased(&obj(r#"{"MaKetQua":204,"DataCCT":null}"#)).unwrap();
        assert_eq!((a.result_code.as_str(), a.stays.len()), ("204", 0));
        assert!(CopaymentAnswer::from_lowercased(&obj(r#"{"GhiChu":"x"}"#)).is_none());
    }
}
