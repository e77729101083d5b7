//! Every event the daemon emits, typed: one enum, serialised in one place. The event stream,
//! and any other output (a metrics counter, a push to a server), subscribe to the same bus.
//!
//! On the stream, an event is `event: <name>` with `data: <payload JSON>`; the OpenAPI
//! document describes each payload under `DaemonEvent` (`event` is the name, `data` the
//! payload).

use citizen::CitizenRecord;
use registration::RegistrationBlock;
use serde::Serialize;

use crate::readers::ReaderKind;
use crate::sessions::VerificationView;

/// `reader.added`: a reader appeared (or was there at start).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReaderAdded {
    /// The reader's name.
    pub reader: String,
    /// `pcsc` or `virtual`.
    pub kind: ReaderKind,
}

/// `reader.removed`, `card.removed`: the reader it happened on.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnReader {
    /// The reader's name.
    pub reader: String,
}

/// `card.inserted`: a card was put on a reader.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardInserted {
    /// The reader's name.
    pub reader: String,
    /// The card's answer to reset, hex.
    pub atr: Option<String>,
}

/// Where a read is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReadStage {
    /// The read has started (a session exists).
    Reading,
    /// Access control succeeded.
    Opened,
}

/// `card.progress`: a read started, or the chip was opened.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardProgress {
    /// The reader's name.
    pub reader: String,
    /// The read's session.
    pub session_id: String,
    /// `reading` or `opened`.
    pub stage: ReadStage,
    /// `PACE` or `BAC`, once opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<&'static str>,
}

/// `card.read`: the identity (DG1 and DG13), not verified yet.
#[derive(Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardIdentity {
    /// The reader's name.
    pub reader: String,
    /// The read's session.
    pub session_id: String,
    /// Always false here: `card.verified` follows.
    pub verified: bool,
    /// The citizen record (camelCase JSON of the `citizen` crate).
    #[schema(value_type = Object)]
    pub citizen: Box<CitizenRecord>,
    /// The registration block (XML1 names as keys), every value `chip-unverified`:
    /// `card.verified` brings it again with its final marks.
    pub registration: Box<RegistrationBlock>,
}

/// `card.verified`: the verification (again when the photo's hash changes the verdict).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardVerified {
    /// The reader's name.
    pub reader: String,
    /// The read's session.
    pub session_id: String,
    /// The verdict and every check.
    pub verification: VerificationView,
    /// The registration block marked by this verdict (`chip-verified` when `genuine`); absent
    /// when the read has no identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registration: Option<Box<RegistrationBlock>>,
}

/// `card.photo`: the photo is ready at `photoUrl`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardPhoto {
    /// The reader's name.
    pub reader: String,
    /// The read's session.
    pub session_id: String,
    /// Where to `GET` it.
    pub photo_url: String,
    /// `image/jpeg`.
    pub mime: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// DG2's hash matched the document signature.
    pub hash_verified: bool,
}

/// `eligibility.result`: the insurance decision, of a first check or of a re-check.
#[derive(Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EligibilityResult {
    /// The read's session (null for a check without a card read). A re-check names the session
    /// its first check belonged to, which may be gone (the daemon restarted).
    pub session_id: Option<String>,
    /// The decision (category, message {vi, en}, resultCode, card, validFrom, validTo, ...: the
    /// fields `POST /v1/eligibility/check` returns).
    #[schema(value_type = Object)]
    pub eligibility: serde_json::Value,
    /// Whether this is the result of a re-check, made because the first check got no answer
    /// from the gateway (the law's fallback).
    pub recheck: bool,
    /// The re-check queue item: for a first check, the re-check it queued (the gateway gave no
    /// answer); for a re-check, the item it completes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recheck_id: Option<i64>,
    /// The facility code that asked, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
}

/// `eligibility.copayment`: the year's co-payment of a card (`POST /v1/eligibility/copayment`).
#[derive(Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CopaymentResult {
    /// The card number asked about (as given, without spaces).
    pub card: String,
    /// The facility code that asked, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facility: Option<String>,
    /// The answer (category, message {vi, en}, resultCode, accumulated, baseSalary, threshold,
    /// aboveThreshold, stays, card, lookedUpAt, cached, ageSeconds: the fields
    /// `POST /v1/eligibility/copayment` returns). Never an exemption.
    #[schema(value_type = Object)]
    pub copayment: eligibility::Copayment,
}

/// `error`: something failed, with a stable code and a sentence (never personal data).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorEvent {
    /// The reader, when the error is a reader's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
    /// The session, when the error is a read's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Stable code (`card-removed`, `pcsc-service-lost`, `events-lost`...).
    pub code: String,
    /// A sentence for a person.
    pub message: String,
}

/// Every event of the daemon. `event` is the stream's event name, `data` its payload.
#[derive(Clone, Serialize, utoipa::ToSchema)]
#[serde(tag = "event", content = "data")]
#[non_exhaustive]
pub enum DaemonEvent {
    /// A reader appeared.
    #[serde(rename = "reader.added")]
    ReaderAdded(ReaderAdded),
    /// A reader went away.
    #[serde(rename = "reader.removed")]
    ReaderRemoved(OnReader),
    /// A card was put on a reader.
    #[serde(rename = "card.inserted")]
    CardInserted(CardInserted),
    /// A read started, or the chip was opened.
    #[serde(rename = "card.progress")]
    CardProgress(CardProgress),
    /// The identity, not verified yet.
    #[serde(rename = "card.read")]
    CardRead(CardIdentity),
    /// The verification.
    #[serde(rename = "card.verified")]
    CardVerified(CardVerified),
    /// The photo is ready.
    #[serde(rename = "card.photo")]
    CardPhoto(CardPhoto),
    /// The eligibility decision.
    #[serde(rename = "eligibility.result")]
    EligibilityResult(EligibilityResult),
    /// The year's co-payment.
    #[serde(rename = "eligibility.copayment")]
    EligibilityCopayment(CopaymentResult),
    /// The card was taken off a reader.
    #[serde(rename = "card.removed")]
    CardRemoved(OnReader),
    /// Something failed.
    #[serde(rename = "error")]
    Error(ErrorEvent),
}

/// Every event name the stream carries, in [`DaemonEvent`]'s order.
pub const EVENT_NAMES: [&str; 11] = [
    "reader.added",
    "reader.removed",
    "card.inserted",
    "card.progress",
    "card.read",
    "card.verified",
    "card.photo",
    "eligibility.result",
    "eligibility.copayment",
    "card.removed",
    "error",
];

impl DaemonEvent {
    /// The stream's event name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::ReaderAdded(_) => "reader.added",
            Self::ReaderRemoved(_) => "reader.removed",
            Self::CardInserted(_) => "card.inserted",
            Self::CardProgress(_) => "card.progress",
            Self::CardRead(_) => "card.read",
            Self::CardVerified(_) => "card.verified",
            Self::CardPhoto(_) => "card.photo",
            Self::EligibilityResult(_) => "eligibility.result",
            Self::EligibilityCopayment(_) => "eligibility.copayment",
            Self::CardRemoved(_) => "card.removed",
            Self::Error(_) => "error",
        }
    }

    /// The session the event belongs to, if any (a wiped session's events are wiped too).
    pub fn session_id(&self) -> Option<&str> {
        match self {
            Self::CardProgress(e) => Some(&e.session_id),
            Self::CardRead(e) => Some(&e.session_id),
            Self::CardVerified(e) => Some(&e.session_id),
            Self::CardPhoto(e) => Some(&e.session_id),
            Self::EligibilityResult(e) => e.session_id.as_deref(),
            Self::Error(e) => e.session_id.as_deref(),
            Self::ReaderAdded(_)
            | Self::ReaderRemoved(_)
            | Self::CardInserted(_)
            | Self::EligibilityCopayment(_)
            | Self::CardRemoved(_) => None,
        }
    }

    /// Whether the payload may hold personal data (a citizen record, a verification of a
    /// person's card, an insurance decision, a card number). Only these may not outlive their
    /// session.
    pub fn carries_personal_data(&self) -> bool {
        match self {
            Self::CardRead(_)
            | Self::CardVerified(_)
            | Self::CardPhoto(_)
            | Self::EligibilityResult(_)
            | Self::EligibilityCopayment(_) => true,
            Self::ReaderAdded(_)
            | Self::ReaderRemoved(_)
            | Self::CardInserted(_)
            | Self::CardProgress(_)
            | Self::CardRemoved(_)
            | Self::Error(_) => false,
        }
    }

    /// The payload as the stream's `data`: the one place events are serialised.
    pub fn data_json(&self) -> String {
        let json = match self {
            Self::ReaderAdded(e) => serde_json::to_string(e),
            Self::ReaderRemoved(e) | Self::CardRemoved(e) => serde_json::to_string(e),
            Self::CardInserted(e) => serde_json::to_string(e),
            Self::CardProgress(e) => serde_json::to_string(e),
            Self::CardRead(e) => serde_json::to_string(e),
            Self::CardVerified(e) => serde_json::to_string(e),
            Self::CardPhoto(e) => serde_json::to_string(e),
            Self::EligibilityResult(e) => serde_json::to_string(e),
            Self::EligibilityCopayment(e) => serde_json::to_string(e),
            Self::Error(e) => serde_json::to_string(e),
        };
        // The payloads are plain data: serialising them cannot fail.
        json.unwrap_or_else(|_| "{}".into())
    }

    /// An `error` event.
    pub fn error(
        reader: Option<&str>,
        session_id: Option<&str>,
        code: &str,
        message: impl Into<String>,
    ) -> Self {
        Self::Error(ErrorEvent {
            reader: reader.map(str::to_owned),
            session_id: session_id.map(str::to_owned),
            code: code.to_owned(),
            message: message.into(),
        })
    }
}

impl std::fmt::Debug for DaemonEvent {
    // Payloads may hold personal data (the citizen record): only the name is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DaemonEvent({})", self.name())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_and_payloads_are_the_wire_format() {
        let e = DaemonEvent::CardProgress(CardProgress {
            reader: "R".into(),
            session_id: "s1".into(),
            stage: ReadStage::Opened,
            protocol: Some("PACE"),
        });
        assert_eq!(e.name(), "card.progress");
        assert_eq!(
            e.data_json(),
            r#"{"reader":"R","sessionId":"s1","stage":"opened","protocol":"PACE"}"#
        );
        assert_eq!(e.session_id(), Some("s1"));
        let reading = DaemonEvent::CardProgress(CardProgress {
            reader: "R".into(),
            session_id: "s1".into(),
            stage: ReadStage::Reading,
            protocol: None,
        });
        assert_eq!(
            reading.data_json(),
            r#"{"reader":"R","sessionId":"s1","stage":"reading"}"#
        );
        let lost = DaemonEvent::error(None, None, "pcsc-service-lost", "gone");
        assert_eq!(
            lost.data_json(),
            r#"{"code":"pcsc-service-lost","message":"gone"}"#
        );
        let added = DaemonEvent::ReaderAdded(ReaderAdded {
            reader: "R".into(),
            kind: ReaderKind::Virtual,
        });
        assert_eq!(added.data_json(), r#"{"reader":"R","kind":"virtual"}"#);
        // The adjacently tagged form documented in OpenAPI.
        let v = serde_json::to_value(&added).unwrap();
        assert_eq!(v["event"], "reader.added");
        assert_eq!(v["data"]["reader"], "R");
        assert_eq!(format!("{added:?}"), "DaemonEvent(reader.added)");
    }

    #[test]
    fn a_recheck_result_says_so() {
        let first = DaemonEvent::EligibilityResult(EligibilityResult {
            session_id: Some("s1".into()),
            eligibility: serde_json::json!({"category": "gateway-error"}),
            recheck: false,
            recheck_id: Some(7),
            facility: Some("38001".into()),
        });
        assert_eq!(
            first.data_json(),
            r#"{"sessionId":"s1","eligibility":{"category":"gateway-error"},"recheck":false,"recheckId":7,"facility":"38001"}"#
        );
        assert_eq!(first.session_id(), Some("s1"));
        let again = DaemonEvent::EligibilityResult(EligibilityResult {
            session_id: None,
            eligibility: serde_json::json!({"category": "eligible"}),
            recheck: true,
            recheck_id: Some(7),
            facility: None,
        });
        assert_eq!(
            again.data_json(),
            r#"{"sessionId":null,"eligibility":{"category":"eligible"},"recheck":true,"recheckId":7}"#
        );
    }

    #[test]
    fn every_name_is_listed_once() {
        let mut names = EVENT_NAMES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EVENT_NAMES.len());
    }
}
