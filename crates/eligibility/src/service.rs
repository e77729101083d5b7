//! The eligibility check as reception uses it: gateway, decision and offline cache together.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use citizen::{IdNumber, PartialDate};
use jiff::civil::Date;

use crate::cache::{OfflineCache, cache_key};
use crate::client::{CardQuery, GatewayClient, Operator};
use crate::clock::{Clock, vietnam_date};
use crate::codes::{Category, Message, code_meaning};
use crate::decision::{Decision, decide};
use crate::error::Error;
use crate::wire::History;

/// The patient, as the citizen record gives them (`domain/bhxh-gateway.md` §2: the 12-digit ID
/// as `maThe`, the full name, the date of birth).
#[derive(Clone, PartialEq, Eq)]
pub struct Patient {
    /// The 12-digit ID number, sent as `maThe` (accepted since the 2022 pilot, Công văn
    /// 931/BYT-BH).
    pub id: IdNumber,
    /// Full name as on the card.
    pub full_name: String,
    /// Date of birth; sent as `dd/MM/yyyy`, or `yyyy` when the day is unknown.
    pub date_of_birth: PartialDate,
}

impl fmt::Debug for Patient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Patient(<redacted>)")
    }
}

/// `ngaySinh` as the gateway wants it: `dd/MM/yyyy`, or `yyyy` when only the year is known (a
/// month without a day has no gateway form: the year is sent).
pub fn gateway_date_of_birth(d: &PartialDate) -> String {
    match d {
        PartialDate::Full(d) => format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year()),
        PartialDate::YearMonth(y, _) | PartialDate::Year(y) => format!("{y:04}"),
    }
}

/// Settings of the check other than the gateway's.
#[derive(Debug, Clone)]
pub struct EligibilitySettings {
    /// This facility's code (`maCSKCB`, 5 digits), to tell whether the patient is at their
    /// registered facility.
    pub facility_code: Option<String>,
    /// The operator used when a request names none.
    pub default_operator: Option<Operator>,
    /// How long a cached answer may stand in for the gateway.
    pub cache_ttl: Duration,
}

/// The eligibility service.
pub struct Eligibility {
    client: GatewayClient,
    cache: OfflineCache,
    clock: Arc<dyn Clock>,
    settings: EligibilitySettings,
}

impl fmt::Debug for Eligibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Eligibility")
            .field("client", &self.client)
            .field("cache", &self.cache.is_enabled())
            .finish_non_exhaustive()
    }
}

impl Eligibility {
    /// The service over `client` and `cache`, with `clock` giving today's date.
    pub fn new(
        client: GatewayClient,
        cache: OfflineCache,
        clock: Arc<dyn Clock>,
        settings: EligibilitySettings,
    ) -> Self {
        Self {
            client,
            cache,
            clock,
            settings,
        }
    }

    /// The gateway client.
    pub fn client(&self) -> &GatewayClient {
        &self.client
    }

    fn query(&self, patient: &Patient, operator: Option<&Operator>) -> Result<CardQuery, Error> {
        let operator = operator
            .or(self.settings.default_operator.as_ref())
            .ok_or_else(|| {
                Error::Config("no operator: the lookup must name the staff member doing it".into())
            })?;
        if operator.name.trim().is_empty() || IdNumber::new(&operator.id_number).is_err() {
            return Err(Error::BadInput(
                "the operator needs a name and a 12-digit ID number".into(),
            ));
        }
        let full_name = patient
            .full_name
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if full_name.is_empty() {
            return Err(Error::BadInput("the patient's name is empty".into()));
        }
        Ok(CardQuery {
            card_id: patient.id.as_str().to_owned(),
            full_name,
            date_of_birth: gateway_date_of_birth(&patient.date_of_birth),
            operator: Operator {
                name: operator.name.trim().to_owned(),
                id_number: operator.id_number.trim().to_owned(),
            },
        })
    }

    /// Checks `patient` for `visit_date` (today in Vietnam when `None`).
    ///
    /// Every answer of the gateway, and every failure to get one, is a [`Decision`]; `Err` only
    /// for input that cannot be sent (no operator, an empty name). When the gateway fails
    /// (unreachable, timeout, 5xx, an unusable body, result codes 100/101/500), the last answer
    /// for the same person younger than the TTL comes back marked `cached` with its age,
    /// decided again for the visit date.
    pub async fn check(
        &self,
        patient: &Patient,
        operator: Option<&Operator>,
        visit_date: Option<Date>,
    ) -> Result<Decision, Error> {
        let query = self.query(patient, operator)?;
        let now = self.clock.now();
        let visit = visit_date.unwrap_or_else(|| vietnam_date(now));
        let key = cache_key(&query.card_id, &query.full_name, &query.date_of_birth);
        let facility = self.settings.facility_code.as_deref();
        let failure = match self.client.check_card(&query).await {
            Ok(check) => {
                let decision = decide(&check.facts, visit, facility);
                tracing::info!(
                    category = decision.category.as_str(),
                    result_code = %check.facts.result_code,
                    "eligibility checked"
                );
                if decision.category.is_about_the_card() {
                    self.cache
                        .store(&key, &check.facts, now, self.settings.cache_ttl);
                }
                if decision.category != Category::GatewayError {
                    return Ok(decision);
                }
                return Ok(self.cached_decision(&key, visit).unwrap_or(decision));
            }
            Err(e) => e,
        };
        tracing::warn!("eligibility check failed: {failure}");
        let decision = match failure {
            Error::LoginRefused { account, .. } => Decision::without_card(
                Category::ConfigurationError,
                Message {
                    vi: format!(
                        "Cổng BHXH từ chối đăng nhập tài khoản {account}: báo quản trị hệ thống kiểm tra tài khoản, mật khẩu và địa chỉ IP đã đăng ký."
                    ),
                    en: format!(
                        "The gateway refused the login of account {account}: the administrator should check the account, its password and the registered IP address."
                    ),
                },
                None,
            ),
            Error::Unauthorized => {
                let (c, m) = code_meaning("401").unwrap_or((
                    Category::ConfigurationError,
                    Message::new("Cổng BHXH từ chối xác thực.", "The gateway refused the account."),
                ));
                Decision::without_card(c, m, Some("401".into()))
            }
            Error::Config(_) | Error::BadInput(_) => return Err(failure),
            Error::Timeout(_) | Error::Unreachable(_) => {
                self.cached_decision(&key, visit).unwrap_or_else(|| {
                    Decision::without_card(
                        Category::GatewayError,
                        Message::new(
                            "Không kết nối được cổng BHXH (hoặc cổng không trả lời kịp) và chưa có kết quả đã lưu: thử lại sau, hoặc kiểm tra thẻ thủ công.",
                            "The BHXH gateway is unreachable (or did not answer in time) and there is no saved result: try again later, or check the card by hand.",
                        ),
                        None,
                    )
                })
            }
            _ => self.cached_decision(&key, visit).unwrap_or_else(|| {
                Decision::without_card(
                    Category::GatewayError,
                    Message::new(
                        "Cổng BHXH trả lời lỗi và chưa có kết quả đã lưu: thử lại sau, hoặc kiểm tra thẻ thủ công.",
                        "The BHXH gateway answered with an error and there is no saved result: try again later, or check the card by hand.",
                    ),
                    None,
                )
            }),
        };
        Ok(decision)
    }

    /// The cached answer for `key`, decided for `visit`, marked cached with its age.
    fn cached_decision(&self, key: &str, visit: Date) -> Option<Decision> {
        let (facts, age) = self
            .cache
            .load(key, self.clock.now(), self.settings.cache_ttl)?;
        let mut v = decide(&facts, visit, self.settings.facility_code.as_deref());
        let minutes = age.as_secs() / 60;
        v.message = Message {
            vi: format!(
                "Cổng BHXH không trả lời; kết quả đã lưu {minutes} phút trước: {}",
                v.message.vi
            ),
            en: format!(
                "The BHXH gateway did not answer; result saved {minutes} minutes ago: {}",
                v.message.en
            ),
        };
        v.cached = true;
        v.age_seconds = Some(age.as_secs());
        tracing::info!(
            category = v.category.as_str(),
            age_s = age.as_secs(),
            "eligibility from the offline cache"
        );
        Some(v)
    }

    /// The visit history of `patient` (`Lskcb2025`).
    pub async fn history(
        &self,
        patient: &Patient,
        operator: Option<&Operator>,
    ) -> Result<History, Error> {
        let query = self.query(patient, operator)?;
        self.client.history(&query).await
    }
}
