//! The eligibility check as reception uses it: the facilities' accounts, the decision, the
//! offline cache and the co-payment lookup together.

mod copayment;

pub use copayment::CopaymentOutcome;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use citizen::IdNumber;
use jiff::civil::Date;

use crate::cache::{OfflineCache, cache_key, facility_cache_key};
use crate::client::{CardQuery, GatewayClient, Operator};
use crate::clock::{Clock, vietnam_date};
use crate::codes::{Category, Message, code_meaning};
use crate::copayment::{Copayment, CopaymentSettings};
use crate::decision::{Decision, decide};
use crate::error::Error;
use crate::patient::{AskedBy, CheckRequest, Patient, gateway_date_of_birth};
use crate::single_flight::SingleFlight;
use crate::wire::History;

/// Settings of a single-facility service other than the gateway's ([`Eligibility::new`]).
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

/// One facility's account at the gateway (`domain/bhxh-gateway.md`, "2026": one account per
/// facility code, each with its own token and operator).
#[derive(Debug)]
pub struct Facility {
    /// The facility code (`maCSKCB`); may be `None` only when it is the only facility.
    pub code: Option<String>,
    /// Its client: its own account and token.
    pub client: GatewayClient,
    /// The operator used when a request names none.
    pub default_operator: Option<Operator>,
}

/// Settings of the service other than the facilities'.
#[derive(Debug, Clone)]
pub struct ServiceOptions {
    /// How long a cached card-check answer may stand in for the gateway.
    pub cache_ttl: Duration,
    /// The co-payment lookup's.
    pub copayment: CopaymentSettings,
}

/// A card check's result with who asked (for the audit log) and what went wrong (the evidence a
/// re-check needs).
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    /// The decision for reception.
    pub decision: Decision,
    /// The facility, its account and the operator.
    pub asked_by: AskedBy,
    /// Why the gateway gave no answer (no secrets, no personal data); `None` when it answered
    /// or was not asked.
    pub failure: Option<String>,
    /// Whether a request went to the gateway (not for a temporary newborn card).
    pub sent: bool,
}

impl CheckOutcome {
    /// Whether the law's fallback applies (`domain/bhxh-gateway.md`, "2026", "When the gateway
    /// is down"): the gateway gave no answer (a gateway error, or a cached answer standing in),
    /// so the check must be done again later with [`CheckOutcome::failure`] as evidence.
    pub fn needs_recheck(&self) -> bool {
        self.failure.is_some()
    }
}

/// The eligibility service: one or several facilities' accounts.
pub struct Eligibility {
    // Never empty (checked when built).
    facilities: Vec<Facility>,
    // Offline-cache keys carry the facility's code when several are configured.
    scoped_cache: bool,
    cache: OfflineCache,
    clock: Arc<dyn Clock>,
    options: ServiceOptions,
    // Co-payment answers kept for repeat calls, by lookup key.
    kept_copayments: Mutex<HashMap<String, Copayment>>,
    copayment_calls: SingleFlight<String, Copayment>,
}

impl fmt::Debug for Eligibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let accounts: Vec<&str> = self
            .facilities
            .iter()
            .map(|f| f.client.username())
            .collect();
        f.debug_struct("Eligibility")
            .field("client", &self.facilities[0].client)
            .field("accounts", &accounts)
            .field("cache", &self.cache.is_enabled())
            .finish_non_exhaustive()
    }
}

impl Eligibility {
    /// The service for one facility over `client` and `cache`, with `clock` giving today's date
    /// (the co-payment lookup with its default settings).
    pub fn new(
        client: GatewayClient,
        cache: OfflineCache,
        clock: Arc<dyn Clock>,
        settings: EligibilitySettings,
    ) -> Self {
        Self {
            facilities: vec![Facility {
                code: settings.facility_code,
                client,
                default_operator: settings.default_operator,
            }],
            scoped_cache: false,
            cache,
            clock,
            options: ServiceOptions {
                cache_ttl: settings.cache_ttl,
                copayment: CopaymentSettings::default(),
            },
            kept_copayments: Mutex::new(HashMap::new()),
            copayment_calls: SingleFlight::new(),
        }
    }

    /// The service for `facilities` (each request names its facility, or uses the only one).
    /// Refused: none, a code given twice, or several facilities one of which has no code.
    pub fn with_facilities(
        facilities: Vec<Facility>,
        cache: OfflineCache,
        clock: Arc<dyn Clock>,
        options: ServiceOptions,
    ) -> Result<Self, Error> {
        if facilities.is_empty() {
            return Err(Error::Config("no facility account is configured".into()));
        }
        let several = facilities.len() > 1;
        for (i, f) in facilities.iter().enumerate() {
            match f.code.as_deref().map(str::trim) {
                None | Some("") if several => {
                    return Err(Error::Config(format!(
                        "facility account {} has no facility code: with several facilities, each needs its code",
                        f.client.username()
                    )));
                }
                Some(code)
                    if facilities[..i]
                        .iter()
                        .any(|o| o.code.as_deref().map(str::trim) == Some(code)) =>
                {
                    return Err(Error::Config(format!(
                        "facility {code} is configured twice"
                    )));
                }
                _ => {}
            }
        }
        Ok(Self {
            facilities,
            scoped_cache: several,
            cache,
            clock,
            options,
            kept_copayments: Mutex::new(HashMap::new()),
            copayment_calls: SingleFlight::new(),
        })
    }

    /// Tells `observer` the time of every request to the gateway, of every facility's account
    /// ([`GatewayClient::observe_latency`]).
    pub fn observe_gateway_latency(&self, observer: &crate::client::LatencyObserver) {
        for f in &self.facilities {
            f.client.observe_latency(observer.clone());
        }
    }

    /// The first (for a single-facility service, the only) facility's client.
    pub fn client(&self) -> &GatewayClient {
        &self.facilities[0].client
    }

    /// The service's clock.
    pub(crate) fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The configured facilities, in configuration order.
    pub fn facilities(&self) -> &[Facility] {
        &self.facilities
    }

    /// The facility a request names, or the only one. Only the caller's facility chooses the
    /// account: never the patient's registered facility, never another facility's account.
    pub fn facility(&self, wanted: Option<&str>) -> Result<&Facility, Error> {
        let codes = || {
            self.facilities
                .iter()
                .filter_map(|f| f.code.as_deref())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match wanted.map(str::trim).filter(|w| !w.is_empty()) {
            Some(code) => self
                .facilities
                .iter()
                .find(|f| f.code.as_deref().map(str::trim) == Some(code))
                .ok_or_else(|| {
                    Error::BadInput(format!(
                        "facility {code} is not configured (configured: {})",
                        match codes() {
                            c if c.is_empty() => "one facility without a code".to_owned(),
                            c => c,
                        }
                    ))
                }),
            None => match self.facilities.as_slice() {
                [only] => Ok(only),
                _ => Err(Error::BadInput(format!(
                    "several facilities are configured ({}): the request must name its facility",
                    codes()
                ))),
            },
        }
    }

    fn query(
        &self,
        facility: &Facility,
        patient: &Patient,
        operator: Option<&Operator>,
    ) -> Result<CardQuery, Error> {
        let operator = operator
            .or(facility.default_operator.as_ref())
            .ok_or_else(|| {
                Error::Config("no operator: the lookup must name the staff member doing it".into())
            })?;
        if operator.name.trim().is_empty() || IdNumber::new(&operator.id_number).is_err() {
            return Err(Error::BadInput(
                "the operator needs a name and a 12-digit ID number".into(),
            ));
        }
        if let Some(f) = &patient.registered_facility
            && (f.trim().len() != 5 || !f.trim().bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(Error::BadInput(
                "the registered facility (maDKBD) is a 5-digit code".into(),
            ));
        }
        Ok(CardQuery {
            card_id: patient.card.as_str().to_owned(),
            full_name: full_name(patient)?,
            date_of_birth: gateway_date_of_birth(&patient.date_of_birth),
            operator: Operator {
                name: operator.name.trim().to_owned(),
                id_number: operator.id_number.trim().to_owned(),
            },
        })
    }

    /// The offline-cache (and co-payment) key of a lookup by `facility`.
    fn lookup_key(&self, facility: &Facility, card: &str, name: &str, dob: &str) -> String {
        match (&facility.code, self.scoped_cache) {
            (Some(code), true) => facility_cache_key(code, card, name, dob),
            _ => cache_key(card, name, dob),
        }
    }

    /// Checks `patient` for `visit_date` (today in Vietnam when `None`) at the only facility:
    /// [`Eligibility::check_with`] without a facility, returning the decision alone.
    pub async fn check(
        &self,
        patient: &Patient,
        operator: Option<&Operator>,
        visit_date: Option<Date>,
    ) -> Result<Decision, Error> {
        let request = CheckRequest {
            facility: None,
            patient: patient.clone(),
            operator: operator.cloned(),
            visit_date,
        };
        self.check_with(&request).await.map(|o| o.decision)
    }

    /// Checks `request.patient` for its visit date at its facility.
    ///
    /// Every answer of the gateway, and every failure to get one, is a [`Decision`]; `Err` only
    /// for input that cannot be sent (no operator, an empty name, a facility not configured).
    /// A temporary newborn card is not sent. When the gateway fails (unreachable, timeout, 5xx,
    /// an unusable body, result codes 100/101/500), the last answer for the same person younger
    /// than the TTL comes back marked `cached` with its age, decided again for the visit date.
    /// A result code outside the notes is a gateway error carrying the gateway's message, never
    /// replaced by a cached answer (the gateway did answer: a card held or locked has no
    /// published code).
    pub async fn check_with(&self, request: &CheckRequest) -> Result<CheckOutcome, Error> {
        let facility = self.facility(request.facility.as_deref())?;
        let patient = &request.patient;
        let query = self.query(facility, patient, request.operator.as_ref())?;
        let now = self.clock.now();
        let visit = request.visit_date.unwrap_or_else(|| vietnam_date(now));
        let code = facility.code.as_deref();
        let outcome = |decision, failure: Option<String>, sent| CheckOutcome {
            decision,
            asked_by: AskedBy {
                facility: facility.code.clone(),
                account: facility.client.username().to_owned(),
                operator: Some(query.operator.clone()),
            },
            failure,
            sent,
        };
        if let Some(registered) = patient.registered_facility.as_deref()
            && patient.card.is_temporary_newborn_card(Some(registered))
        {
            tracing::info!(
                category = Category::TemporaryCard.as_str(),
                "eligibility not asked: temporary newborn card"
            );
            let d = Decision::temporary_card(&patient.card, registered, code);
            return Ok(outcome(d, None, false));
        }
        let key = self.lookup_key(
            facility,
            &query.card_id,
            &query.full_name,
            &query.date_of_birth,
        );
        let failure = match facility.client.check_card(&query).await {
            Ok(check) => {
                let result_code = check.facts.result_code.as_str();
                let mut decision = decide(&check.facts, visit, code);
                tracing::info!(
                    category = decision.category.as_str(),
                    result_code,
                    "eligibility checked"
                );
                if code_meaning(result_code).is_none() {
                    decision.message = decision.message.with_gateway_note(check.note.as_deref());
                    decision.gateway_message = check.note.clone();
                    return Ok(outcome(decision, None, true));
                }
                if decision.category.is_about_the_card() {
                    self.cache
                        .store(&key, &check.facts, now, self.options.cache_ttl);
                }
                if decision.category != Category::GatewayError {
                    return Ok(outcome(decision, None, true));
                }
                let failure = format!("the BHXH gateway answered result code {result_code}");
                let decision = self.cached_decision(&key, visit, code).unwrap_or(decision);
                return Ok(outcome(decision, Some(failure), true));
            }
            Err(e) => e,
        };
        tracing::warn!("eligibility check failed: {failure}");
        let evidence = Some(failure.to_string());
        let decision = match failure {
            Error::LoginRefused { account, .. } => Decision::without_card(
                Category::ConfigurationError,
                Message::login_refused(&account),
                None,
            ),
            Error::Forbidden { account } => Decision::without_card(
                Category::ConfigurationError,
                Message {
                    vi: format!(
                        "Tài khoản {account} đăng nhập được nhưng không có quyền tra cứu thẻ (HTTP 403): báo quản trị hệ thống đề nghị BHXH cấp quyền tra cứu."
                    ),
                    en: format!(
                        "Account {account} logs in but may not query cards (HTTP 403): the administrator should ask BHXH for the lookup right."
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
                self.cached_decision(&key, visit, code).unwrap_or_else(|| {
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
            _ => self.cached_decision(&key, visit, code).unwrap_or_else(|| {
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
        let failed = decision.category == Category::GatewayError || decision.cached;
        Ok(outcome(decision, evidence.filter(|_| failed), true))
    }

    /// The cached answer for `key`, decided for `visit`, marked cached with its age.
    fn cached_decision(&self, key: &str, visit: Date, facility: Option<&str>) -> Option<Decision> {
        let (facts, age) = self
            .cache
            .load(key, self.clock.now(), self.options.cache_ttl)?;
        let mut v = decide(&facts, visit, facility);
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

    /// The visit history of `patient` (`Lskcb2025`) at the only facility.
    pub async fn history(
        &self,
        patient: &Patient,
        operator: Option<&Operator>,
    ) -> Result<History, Error> {
        self.history_with(&CheckRequest {
            facility: None,
            patient: patient.clone(),
            operator: operator.cloned(),
            visit_date: None,
        })
        .await
    }

    /// The visit history (`Lskcb2025`) of `request.patient`, asked by its facility. A temporary
    /// newborn card is not sent (the gateway does not know it).
    pub async fn history_with(&self, request: &CheckRequest) -> Result<History, Error> {
        let facility = self.facility(request.facility.as_deref())?;
        let patient = &request.patient;
        let query = self.query(facility, patient, request.operator.as_ref())?;
        if patient
            .card
            .is_temporary_newborn_card(patient.registered_facility.as_deref())
        {
            return Err(Error::BadInput(
                "a temporary newborn card is not on the gateway: it has no visit history there"
                    .into(),
            ));
        }
        facility.client.history(&query).await
    }
}

/// The patient's name with whitespace collapsed; an empty one cannot be sent.
fn full_name(patient: &Patient) -> Result<String, Error> {
    let name = patient
        .full_name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        return Err(Error::BadInput("the patient's name is empty".into()));
    }
    Ok(name)
}
