//! Health-insurance (BHYT) eligibility at the Vietnam Social Security (BHXH) gateway: the real
//! client ([`GatewayClient`]), the result-code table ([`code_meaning`]), the decision for
//! reception ([`decide`], [`Decision`]), the offline cache ([`OfflineCache`]), the service that
//! ties them for one or several facilities ([`Eligibility`]), the co-payment lookup
//! ([`Copayment`]), the account probe ([`probe_account`]), the re-check queue
//! ([`RecheckQueue`]) and a gateway simulator ([`sim`]) for demos and tests.
//!
//! Facts: `shared/domain/bhxh-gateway.md`, from BHXH's official appendix "Phụ lục 03 - Hàm API
//! tra cứu giá trị thẻ BHYT, lịch sử KCB BHYT" (Công văn 1923/BHXH-CNTT, 20/06/2024), its 2026
//! section (several facilities, the probe, newborn cards, the co-payment lookup of Công văn
//! 1839/CNTT-PM) and the open-source clients that call the gateway.
//!
//! Nothing here logs a password, its MD5, a token, a request URL (its query string carries the
//! credentials) or personal data (names, ID numbers, dates of birth), at any level.

mod cache;
mod card;
mod client;
mod clock;
mod codes;
mod copayment;
mod decision;
mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod patient;
pub mod private_file;
mod probe;
mod recheck;
mod secret;
mod service;
pub mod sim;
mod single_flight;
mod wire;

pub use cache::{OfflineCache, cache_key, facility_cache_key};
pub use card::{CardId, CardIdKind, CardNumber};
pub use client::{
    BodyEncoding, CardQuery, CopaymentQuery, GatewayClient, GatewayConfig, LatencyObserver,
    Operator,
};
pub use clock::{
    Clock, ManualClock, SystemClock, vietnam_date, vietnam_start_of, vietnam_time_zone,
};
pub use codes::{Category, KNOWN_CODES, Message, code_meaning};
pub use copayment::{
    BASE_SALARY_2024, Copayment, CopaymentAnswer, CopaymentCard, CopaymentCategory,
    CopaymentSettings, CopaymentStay, format_vnd,
};
pub use decision::{CardInfo, Decision, decide, parse_gateway_date};
pub use error::Error;
pub use patient::{
    AskedBy, CheckRequest, CopaymentRequest, Patient, copayment_date_of_birth,
    gateway_date_of_birth,
};
pub use probe::{
    AccountProbe, PROBE_CARD, ProbeFinding, ProbeStatus, looks_like_id_number, probe_account,
};
pub use recheck::{
    RecheckEntry, RecheckFilter, RecheckItem, RecheckPolicy, RecheckQueue, RecheckState,
};
pub use secret::Secret;
pub use service::{
    CheckOutcome, CopaymentOutcome, Eligibility, EligibilitySettings, Facility, ServiceOptions,
};
pub use single_flight::SingleFlight;
pub use wire::{CardCheck, CardFacts, History, HistoryEntry, PastLookup};
