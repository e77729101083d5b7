//! Health-insurance (BHYT) eligibility at the Vietnam Social Security (BHXH) gateway: the real
//! client ([`GatewayClient`]), the result-code table ([`code_meaning`]), the decision for
//! reception ([`decide`], [`Decision`]), the offline cache ([`OfflineCache`]), the service that
//! ties them ([`Eligibility`]) and a gateway simulator ([`sim`]) for demos and tests.
//!
//! Facts: `shared/domain/bhxh-gateway.md`, from BHXH's official appendix "Phụ lục 03 - Hàm API
//! tra cứu giá trị thẻ BHYT, lịch sử KCB BHYT" (Công văn 1923/BHXH-CNTT, 20/06/2024) and the
//! open-source clients that call the gateway.
//!
//! Nothing here logs a password, its MD5, a token, a request URL (its query string carries the
//! credentials) or personal data (names, ID numbers, dates of birth), at any level.

mod cache;
mod card;
mod client;
mod clock;
mod codes;
mod decision;
mod error;
mod secret;
mod service;
pub mod sim;
mod wire;

pub use cache::{OfflineCache, cache_key};
pub use card::CardNumber;
pub use client::{BodyEncoding, CardQuery, GatewayClient, GatewayConfig, Operator};
pub use clock::{
    Clock, ManualClock, SystemClock, vietnam_date, vietnam_start_of, vietnam_time_zone,
};
pub use codes::{Category, KNOWN_CODES, Message, code_meaning};
pub use decision::{CardInfo, Decision, decide, parse_gateway_date};
pub use error::Error;
pub use secret::Secret;
pub use service::{Eligibility, EligibilitySettings, Patient, gateway_date_of_birth};
pub use wire::{CardCheck, CardFacts, History, HistoryEntry, PastLookup};
