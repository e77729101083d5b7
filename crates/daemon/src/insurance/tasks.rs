//! The background work of eligibility: the account probe (at start, then every
//! [`super::PROBE_INTERVAL`]) and the re-check rounds (every poll, bounded by the queue's
//! backoff and one card at a time).

use std::sync::Arc;

use eligibility::{Category, Eligibility, RecheckEntry, RecheckFilter, RecheckState};
use tokio::time::MissedTickBehavior;

use super::{PROBE_INTERVAL, RECHECKS_PER_ROUND, RecheckOptions, audit};
use crate::audit::AuditRecord;
use crate::events::{DaemonEvent, EligibilityResult};
use crate::sessions::RecheckView;
use crate::state::AppState;

/// Probes every account now and then every [`PROBE_INTERVAL`], keeping the last results for
/// `GET /v1/health`.
pub(super) async fn probe_accounts(st: AppState, service: Arc<Eligibility>) {
    let mut tick = tokio::time::interval(PROBE_INTERVAL);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let probes = service.probe_accounts().await;
        st.set_probes(probes);
    }
}

/// Re-checks what is due, round after round, and announces each result once.
pub(super) async fn recheck_rounds(st: AppState, service: Arc<Eligibility>, r: RecheckOptions) {
    // This daemon is the queue's user: a lease left by a previous run that stopped in the
    // middle of a re-check is void, so the item is due again now rather than after the lease.
    match r.queue.list(RecheckFilter::Pending) {
        Ok(pending) => {
            for e in &pending {
                if let Err(err) = r.queue.release(e.id) {
                    tracing::warn!("re-check queue: {err}");
                }
            }
            if !pending.is_empty() {
                tracing::info!(pending = pending.len(), "re-checks waiting from before");
            }
        }
        Err(e) => tracing::warn!("re-check queue: {e}"),
    }
    let mut tick = tokio::time::interval(r.poll);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match service.recheck_due(&r.queue, RECHECKS_PER_ROUND).await {
            Ok(done) => {
                for entry in done {
                    announce(&st, entry).await;
                }
            }
            Err(e) => tracing::warn!("re-check round failed: {e}"),
        }
    }
}

/// A re-check's result: the `eligibility.result` event (`recheck: true`), the session's
/// eligibility when the session is still there, and the audit log.
async fn announce(st: &AppState, entry: RecheckEntry) {
    let decision = entry.decision.clone().unwrap_or_default();
    let category = serde_json::from_value::<Category>(decision["category"].clone()).ok();
    tracing::info!(
        id = entry.id,
        category = category.map_or("-", Category::as_str),
        "re-check done"
    );
    if let Some(sid) = entry.session_id.as_deref() {
        st.sessions().update(sid, |s| {
            s.eligibility = Some(decision.clone());
            s.recheck = Some(RecheckView {
                id: entry.id,
                state: RecheckState::Done,
            });
        });
    }
    st.events()
        .emit(DaemonEvent::EligibilityResult(EligibilityResult {
            session_id: entry.session_id.clone(),
            eligibility: decision,
            recheck: true,
            recheck_id: Some(entry.id),
            facility: entry.facility.clone(),
        }));
    audit(
        st,
        AuditRecord {
            caller: "recheck".into(),
            action: "eligibility.recheck",
            outcome: "ok".into(),
            eligibility: category.map(Category::as_str),
            facility: entry.facility.clone(),
            operator_id: entry.operator.as_ref().map(|o| o.id_number.clone()),
            recheck_id: Some(entry.id),
            ..AuditRecord::default()
        },
    )
    .await;
}
