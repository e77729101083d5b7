//! The daemon's side of health-insurance eligibility (`domain/bhxh-gateway.md`, "2026"): the
//! checks of the API and of card reads with who asked, the law's fallback when the gateway is
//! down (the check queued in the durable [`eligibility::RecheckQueue`], re-checked in the
//! background and announced once), the co-payment lookup, and the account probe that
//! `GET /v1/health` shows.
//!
//! Nothing here sends a request per health call or per event: the probe runs at start and then
//! every 30 minutes, and re-checks go out one card at a time, one round per poll.

mod input;
pub(crate) mod routes;
mod tasks;

use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use eligibility::{Category, CheckRequest, RecheckQueue, RecheckState};
use serde::Serialize;

#[cfg(feature = "fuzzing")]
pub(crate) use input::operator_given;
pub(crate) use input::{OperatorJson, PatientFields, facility, operator, patient, refused};

use crate::audit::AuditRecord;
use crate::error::ApiError;
use crate::events::{DaemonEvent, EligibilityResult};
use crate::sessions::RecheckView;
use crate::state::AppState;

/// How often the accounts are probed (each probe is a login and a check: never per request).
pub const PROBE_INTERVAL: Duration = Duration::from_secs(30 * 60);

/// At most this many re-checks in one round (one card each; a round stops at the first the
/// gateway still does not answer).
const RECHECKS_PER_ROUND: usize = 8;

/// The re-check queue of a daemon and how often it is looked at.
#[derive(Clone)]
pub struct RecheckOptions {
    /// The queue (its policy gives the backoff and how long results stay).
    pub queue: Arc<RecheckQueue>,
    /// The wait between two rounds of re-checks.
    pub poll: Duration,
}

impl std::fmt::Debug for RecheckOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecheckOptions")
            .field("queue", &self.queue)
            .field("poll", &self.poll)
            .finish()
    }
}

/// The facility that asked, as the API shows it (the operator stays out: the caller knows who
/// it is, and the audit log keeps it).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AskedByView {
    /// The facility code (`maCSKCB`), when configured.
    facility: Option<String>,
    /// Its gateway account (`<maCSKCB>_BV`).
    account: String,
}

impl From<&eligibility::AskedBy> for AskedByView {
    fn from(a: &eligibility::AskedBy) -> Self {
        Self {
            facility: a.facility.clone(),
            account: a.account.clone(),
        }
    }
}

/// A check's result as the daemon keeps and shows it.
pub(crate) struct Checked {
    /// The decision's JSON.
    pub(crate) decision: serde_json::Value,
    /// Its category.
    pub(crate) category: Category,
    /// Who asked.
    pub(crate) asked_by: eligibility::AskedBy,
    /// The re-check queued because the gateway gave no answer.
    pub(crate) recheck: Option<RecheckView>,
}

fn not_configured() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "eligibility-not-configured",
        "eligibility checks are not configured: set [eligibility] gateway_url and the facility's account (username, password_file, or [[eligibility.facility]] tables)",
    )
}

/// The eligibility service, or `eligibility-not-configured`.
pub(crate) fn service(st: &AppState) -> Result<Arc<eligibility::Eligibility>, ApiError> {
    st.0.eligibility.clone().ok_or_else(not_configured)
}

/// Runs the library's blocking `f` (SQLite) off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, eligibility::Error> + Send + 'static,
) -> Result<T, eligibility::Error> {
    tokio::task::spawn_blocking(f).await.unwrap_or_else(|_| {
        Err(eligibility::Error::Storage(
            "the queue's task panicked".into(),
        ))
    })
}

/// Checks `request` for the read `session_id` (or none), with the law's fallback: when the
/// gateway gave no answer, the check is queued for a re-check (its id in the result and the
/// event). Emits `eligibility.result`. `Err` for input the library refuses
/// (`eligibility-bad-input`, also sent as an `error` event).
pub(crate) async fn check(
    st: &AppState,
    request: CheckRequest,
    session_id: Option<&str>,
) -> Result<Checked, ApiError> {
    let service = service(st)?;
    let outcome = match service.check_with(&request).await {
        Ok(o) => o,
        Err(e) => {
            let err = refused(e);
            st.events().emit(DaemonEvent::error(
                None,
                session_id,
                err.code,
                err.message.clone(),
            ));
            return Err(err);
        }
    };
    let mut recheck = None;
    if outcome.needs_recheck()
        && let Some(r) = st.0.rechecks.clone()
    {
        let (req, out, sid) = (request, outcome.clone(), session_id.map(str::to_owned));
        let queue = r.queue.clone();
        match blocking(move || queue.enqueue(&req, &out, sid.as_deref())).await {
            Ok(id) => {
                tracing::info!(id, "eligibility check queued for a re-check");
                // The session may have been wiped while the gateway was being asked: its
                // re-check goes with it (the wipe ran before the item was there).
                if let Some(sid) = session_id
                    && !st.sessions().contains(sid)
                {
                    let (queue, sid) = (r.queue.clone(), sid.to_owned());
                    let _ = blocking(move || {
                        crate::wipe::SessionWipe::wipe_session(queue.as_ref(), &sid);
                        Ok(())
                    })
                    .await;
                }
                recheck = Some(RecheckView {
                    id,
                    state: RecheckState::Pending,
                });
            }
            Err(e) => {
                tracing::error!("the re-check could not be queued: {e}");
                st.events().emit(DaemonEvent::error(
                    None,
                    session_id,
                    "recheck-not-queued",
                    format!(
                        "the gateway gave no answer and the re-check could not be queued ({e}): check again by hand later"
                    ),
                ));
            }
        }
    }
    let decision = serde_json::to_value(&outcome.decision).unwrap_or_default();
    st.events()
        .emit(DaemonEvent::EligibilityResult(EligibilityResult {
            session_id: session_id.map(str::to_owned),
            eligibility: decision.clone(),
            recheck: false,
            recheck_id: recheck.map(|r| r.id),
            facility: outcome.asked_by.facility.clone(),
        }));
    Ok(Checked {
        decision,
        category: outcome.decision.category,
        asked_by: outcome.asked_by,
        recheck,
    })
}

/// The audit record of a check by `caller`.
pub(crate) fn audit_check(caller: &str, action: &'static str, checked: &Checked) -> AuditRecord {
    AuditRecord {
        caller: caller.to_owned(),
        action,
        outcome: "ok".into(),
        eligibility: Some(checked.category.as_str()),
        facility: checked.asked_by.facility.clone(),
        operator_id: checked
            .asked_by
            .operator
            .as_ref()
            .map(|o| o.id_number.clone()),
        recheck_id: checked.recheck.map(|r| r.id),
        ..AuditRecord::default()
    }
}

/// A check made for the session `session_id` (a read's, an identification's): its decision and
/// re-check kept in the session, who asked and what came out in the action's audit `record`.
pub(crate) fn keep_in_session(
    st: &AppState,
    session_id: &str,
    record: &mut AuditRecord,
    c: &Checked,
) {
    let checked = audit_check(&record.caller, record.action, c);
    record.eligibility = checked.eligibility;
    record.facility = checked.facility;
    record.operator_id = checked.operator_id;
    record.recheck_id = checked.recheck_id;
    st.sessions().update(session_id, |s| {
        s.eligibility = Some(c.decision.clone());
        s.recheck = c.recheck;
    });
}

/// Writes `record` to the audit log, off the async threads.
pub(crate) async fn audit(st: &AppState, record: AuditRecord) {
    if let Some(a) = st.0.audit.clone() {
        let _ = tokio::task::spawn_blocking(move || a.record(&record)).await;
    }
}

impl AppState {
    /// Starts the account probe and the re-check rounds on the current tokio runtime (nothing
    /// when eligibility is not configured).
    pub fn spawn_eligibility_tasks(&self) -> Vec<tokio::task::JoinHandle<()>> {
        let Some(service) = self.0.eligibility.clone() else {
            return Vec::new();
        };
        let mut tasks = vec![tokio::spawn(tasks::probe_accounts(
            self.clone(),
            service.clone(),
        ))];
        if let Some(r) = self.0.rechecks.clone() {
            tasks.push(tokio::spawn(tasks::recheck_rounds(
                self.clone(),
                service,
                r,
            )));
        }
        tasks
    }
}
