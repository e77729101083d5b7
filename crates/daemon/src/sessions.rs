//! Sessions: the data of one card read (citizen record, verification, photo, eligibility), kept
//! in memory only while the desk needs it: until a configurable time after the card is removed,
//! or until `DELETE /v1/sessions/{id}`. Everything personal is wiped when a session is dropped.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use citizen::CitizenRecord;
use registration::{RegistrationBlock, Source};
use serde::Serialize;
use trust::{CardVerification, CheckState};
use zeroize::Zeroizing;

/// One check of the verification, as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckView {
    /// Stable name (`sod.signature`, `chip.authentication`, ...).
    pub name: String,
    /// `passed`, `failed`, `not-supported` or `not-performed`.
    pub state: &'static str,
    /// Why, when not passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The verification of a card, as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VerificationView {
    /// `genuine`, `forged`, `clone-suspected`, `unknown-issuer` or `incomplete`.
    pub verdict: &'static str,
    /// Every check.
    pub checks: Vec<CheckView>,
    /// Findings that do not change the verdict.
    pub warnings: Vec<String>,
}

impl From<&CardVerification> for VerificationView {
    fn from(v: &CardVerification) -> Self {
        Self {
            verdict: v.verdict.as_str(),
            checks: v
                .checks
                .iter()
                .map(|c| {
                    let (state, reason) = match &c.state {
                        CheckState::Passed => ("passed", None),
                        CheckState::Failed { reason } => ("failed", Some(reason.clone())),
                        CheckState::NotSupported { reason } => {
                            ("not-supported", Some(reason.clone()))
                        }
                        CheckState::NotPerformed { reason } => {
                            ("not-performed", Some(reason.clone()))
                        }
                    };
                    CheckView {
                        name: c.name.clone(),
                        state,
                        reason,
                    }
                })
                .collect(),
            warnings: v.warnings.clone(),
        }
    }
}

/// The photo of a session (wiped on drop).
pub struct SessionPhoto {
    /// `image/jpeg`.
    pub mime: &'static str,
    /// The image (shared with the read, not copied; wiped when the last holder drops it).
    pub bytes: std::sync::Arc<Zeroizing<Vec<u8>>>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// DG2's hash matched the document signature.
    pub hash_verified: bool,
}

/// One card read.
pub struct Session {
    /// The random id (32 hex digits).
    pub id: String,
    /// The reader.
    pub reader: String,
    /// Creation time (RFC 3339).
    pub created: String,
    /// `reading`, `complete` or `failed`.
    pub state: &'static str,
    /// The access protocol (`PACE`, `BAC`).
    pub protocol: Option<&'static str>,
    /// The citizen record (zeroized on drop by its own type).
    pub citizen: Option<CitizenRecord>,
    /// The registration block (XML1), marked by the latest verdict (zeroized on drop).
    pub registration: Option<RegistrationBlock>,
    /// The verification.
    pub verification: Option<VerificationView>,
    /// The photo.
    pub photo: Option<SessionPhoto>,
    /// The eligibility decision (its JSON, as `POST /v1/eligibility/check` answers it); the
    /// re-check's once it is in.
    pub eligibility: Option<serde_json::Value>,
    /// The re-check queued because the gateway gave no answer.
    pub recheck: Option<RecheckView>,
    /// Milliseconds per step of the read.
    pub timings: BTreeMap<String, f64>,
    /// When its card was taken off the reader.
    pub card_removed_at: Option<Instant>,
    /// When it was created (monotonic).
    pub started: Instant,
    /// The reception page whose read created it (its credential's id): that page may see it,
    /// no other page may.
    pub page: Option<String>,
    /// How the patient was identified, for an identification without a chip (`qr`, `typed`:
    /// `POST /v1/identify`); none for a chip read, whose method follows its verdict.
    pub identified_by: Option<Source>,
}

impl Session {
    /// A new session on `reader`.
    pub fn new(id: String, reader: String) -> Self {
        Self {
            id,
            reader,
            created: format!("{:.3}", jiff::Timestamp::now()),
            state: "reading",
            protocol: None,
            citizen: None,
            registration: None,
            verification: None,
            photo: None,
            eligibility: None,
            recheck: None,
            timings: BTreeMap::new(),
            card_removed_at: None,
            started: Instant::now(),
            page: None,
            identified_by: None,
        }
    }

    /// How the patient was identified: as recorded for an identification without a chip, else
    /// by the chip read's verdict (`chip-verified` for `genuine`, `chip-unverified` for any
    /// other or none yet); none before the chip gave an identity.
    pub fn identified_by(&self) -> Option<Source> {
        self.identified_by.or_else(|| {
            self.citizen.as_ref()?;
            let genuine = self
                .verification
                .as_ref()
                .is_some_and(|v| v.verdict == trust::Verdict::Genuine.as_str());
            Some(if genuine {
                Source::ChipVerified
            } else {
                Source::ChipUnverified
            })
        })
    }

    /// The API's view of the session.
    pub fn view(&self) -> SessionView {
        SessionView {
            session_id: self.id.clone(),
            reader: self.reader.clone(),
            state: self.state,
            created_at: self.created.clone(),
            identified_by: self.identified_by(),
            protocol: self.protocol,
            citizen: self.citizen.clone(),
            registration: self.registration.clone(),
            verification: self.verification.clone(),
            photo_url: self
                .photo
                .as_ref()
                .map(|_| format!("/v1/sessions/{}/photo", self.id)),
            eligibility: self.eligibility.clone(),
            recheck: self.recheck,
            timings: self.timings.clone(),
            card_removed: self.card_removed_at.is_some(),
        }
    }
}

/// A session as `POST /v1/cards/read` and `GET /v1/sessions/{id}` return it.
#[derive(Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// The session's id.
    pub session_id: String,
    /// The reader the card was on (empty for an identification without a chip).
    pub reader: String,
    /// `reading`, `complete` or `failed`.
    pub state: &'static str,
    /// When the read started (RFC 3339, UTC).
    pub created_at: String,
    /// How the patient was identified: `chip-verified` (the chip read's verdict is `genuine`),
    /// `chip-unverified` (any other verdict, or none yet), `qr` or `typed` (`POST
    /// /v1/identify`, whose session has no reader: `reader` is empty); null before the chip gave
    /// an identity.
    pub identified_by: Option<Source>,
    /// `PACE` or `BAC`.
    pub protocol: Option<&'static str>,
    /// The citizen record (camelCase JSON of the `citizen` crate: idNumber, fullName,
    /// dateOfBirth, sex, placeOfResidence, dateOfIssue, dateOfExpiry, ...).
    #[schema(value_type = Option<Object>)]
    pub citizen: Option<CitizenRecord>,
    /// What the HIS files in XML1 (QĐ 130/4750/3176), with the XML1 names as keys (`HO_TEN`,
    /// `SO_CCCD`, `NGAY_SINH`, `GIOI_TINH`, `MA_QUOCTICH`, `MA_DANTOC`, `DIA_CHI`,
    /// `MATINH_CU_TRU`, `MAXA_CU_TRU`, ...), each `{value, source, uncertain?}`: `source`
    /// `chip-verified` once the verdict is `genuine`, else `chip-unverified`.
    pub registration: Option<RegistrationBlock>,
    /// The verification and its verdict.
    pub verification: Option<VerificationView>,
    /// Where the photo is (`GET`, `image/jpeg`), once read.
    pub photo_url: Option<String>,
    /// The eligibility decision (category, message {vi,en}, card, validFrom, validTo,
    /// atRegisteredFacility, fiveYearsFrom, cached, ageSeconds, gatewayMessage?), when checked;
    /// replaced by the re-check's when it comes.
    #[schema(value_type = Option<Object>)]
    pub eligibility: Option<serde_json::Value>,
    /// The re-check queued because the gateway gave no answer (null when none was needed).
    pub recheck: Option<RecheckView>,
    /// Milliseconds per step of the read.
    pub timings: BTreeMap<String, f64>,
    /// Whether the card has been taken off the reader (the session then expires).
    pub card_removed: bool,
}

/// A queued re-check of an eligibility check (`GET /v1/eligibility/rechecks` lists it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RecheckView {
    /// The queue item's id (`DELETE /v1/eligibility/rechecks/{id}` acknowledges it).
    pub id: i64,
    /// `pending` (waiting for the gateway) or `done` (its result is in).
    #[schema(value_type = String)]
    pub state: eligibility::RecheckState,
}

/// The store.
#[derive(Default)]
pub struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sessions({})", self.lock().len())
    }
}

impl Sessions {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a session.
    pub fn insert(&self, s: Session) {
        self.lock().insert(s.id.clone(), s);
    }

    /// Changes a session; false when it does not exist (any more).
    pub fn update(&self, id: &str, f: impl FnOnce(&mut Session)) -> bool {
        match self.lock().get_mut(id) {
            Some(s) => {
                f(s);
                true
            }
            None => false,
        }
    }

    /// The view of a session.
    pub fn view(&self, id: &str) -> Option<SessionView> {
        self.lock().get(id).map(Session::view)
    }

    /// Whether session `id` exists and was created by a read of the page `page` (a page
    /// credential's id).
    pub fn read_by_page(&self, id: &str, page: &str) -> bool {
        self.lock()
            .get(id)
            .is_some_and(|s| s.page.as_deref() == Some(page))
    }

    /// Whether session `id` exists.
    pub fn contains(&self, id: &str) -> bool {
        self.lock().contains_key(id)
    }

    /// A copy of the photo (mime, bytes).
    pub fn photo(&self, id: &str) -> Option<Option<(&'static str, Vec<u8>)>> {
        self.lock()
            .get(id)
            .map(|s| s.photo.as_ref().map(|p| (p.mime, p.bytes.to_vec())))
    }

    /// Drops a session; false when there was none.
    pub fn remove(&self, id: &str) -> bool {
        self.lock().remove(id).is_some()
    }

    /// Marks the sessions of `reader` as having lost their card (the TTL starts).
    pub fn card_removed(&self, reader: &str) {
        let now = Instant::now();
        for s in self.lock().values_mut() {
            if s.reader == reader && s.card_removed_at.is_none() {
                s.card_removed_at = Some(now);
            }
        }
    }

    /// Drops the sessions whose card was removed more than `ttl` ago, and any older than
    /// `max_age` whatever their card (a reader that never reports removal must not keep data
    /// forever). Returns the ids of those dropped.
    pub fn sweep(&self, ttl: Duration, max_age: Duration) -> Vec<String> {
        let mut map = self.lock();
        let mut dropped = Vec::new();
        map.retain(|id, s| {
            let removed_long_ago = s.card_removed_at.is_some_and(|t| t.elapsed() > ttl);
            let too_old = s.started.elapsed() > max_age;
            let drop = removed_long_ago || too_old;
            if drop {
                dropped.push(id.clone());
            }
            !drop
        });
        dropped
    }

    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }
}

impl crate::wipe::SessionWipe for Sessions {
    /// Drops the session: its record, verification, eligibility and photo are wiped as they go.
    fn wipe_session(&self, session_id: &str) {
        self.remove(session_id);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn sessions_expire_after_card_removal() {
        let s = Sessions::default();
        s.insert(Session::new("a".into(), "R1".into()));
        s.insert(Session::new("b".into(), "R2".into()));
        assert!(
            s.sweep(Duration::ZERO, Duration::from_secs(3600))
                .is_empty()
        );
        s.card_removed("R1");
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(
            s.sweep(Duration::ZERO, Duration::from_secs(3600)),
            vec!["a".to_owned()]
        );
        assert!(s.view("a").is_none());
        assert!(s.view("b").is_some());
        assert!(s.remove("b"));
        assert!(!s.remove("b"));
    }
}
