//! The re-check queue: the law's fallback when the gateway is down (`domain/bhxh-gateway.md`,
//! "2026", "When the gateway is down": admit the patient, re-check later, and keep evidence of
//! the failed attempt; a cached answer alone is not enough).
//!
//! A durable SQLite queue, created owner-only. A failed check goes in with its evidence (time,
//! facility, account, operator, the error) and only the personal data the re-check needs (card
//! number, name, date of birth), which is wiped as soon as the result is in. Items come out
//! when due, with a bounded exponential backoff, one per card at a time (a lease while the
//! re-check runs), so a gateway coming back meets a trickle, never a storm; one answer completes
//! every item waiting for the same lookup. Results are kept until acknowledged or until they
//! expire (72 h by default).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use citizen::PartialDate;
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::card::CardId;
use crate::client::Operator;
use crate::clock::{Clock, serialize_opt_timestamp, serialize_timestamp, vietnam_date};
use crate::codes::Category;
use crate::decision::Decision;
use crate::error::Error;
use crate::patient::{CheckRequest, Patient};
use crate::private_file::{create_private_dir, create_private_file};
use crate::service::{CheckOutcome, Eligibility};

/// How long SQLite waits for another connection's lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// When re-checks run and how long results stay.
#[derive(Debug, Clone)]
pub struct RecheckPolicy {
    /// The wait before the first re-check, doubled after each failed one...
    pub first_delay: Duration,
    /// ...up to this.
    pub max_delay: Duration,
    /// An item (pending or done) is deleted this long after it was queued or its result came.
    pub keep_for: Duration,
    /// A taken item is not given out again for this long (the re-check is running); after it,
    /// an item whose re-check never reported (a crash) is due again.
    pub lease: Duration,
}

impl Default for RecheckPolicy {
    /// One minute doubling up to 30 minutes, results kept 72 hours, 5-minute leases.
    fn default() -> Self {
        Self {
            first_delay: Duration::from_secs(60),
            max_delay: Duration::from_secs(30 * 60),
            keep_for: Duration::from_secs(72 * 3600),
            lease: Duration::from_secs(5 * 60),
        }
    }
}

/// Where an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RecheckState {
    /// Waiting for the gateway.
    Pending,
    /// The re-check's result is in.
    Done,
}

/// Which items [`RecheckQueue::list`] gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecheckFilter {
    /// Every item.
    All,
    /// Those waiting.
    Pending,
    /// Those with a result.
    Done,
}

/// A due item: what the re-check sends.
#[derive(Debug, Clone)]
pub struct RecheckItem {
    /// The item's id.
    pub id: i64,
    /// The check to make again (its facility, operator and visit date as the first time).
    pub request: CheckRequest,
    /// The daemon's session it came from.
    pub session_id: Option<String>,
    /// Re-checks tried so far.
    pub attempts: u32,
}

/// An item as listed for the HIS: the evidence and, once in, the result. No name or date of
/// birth.
#[derive(Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecheckEntry {
    /// The item's id (acknowledge with it).
    pub id: i64,
    /// Pending or done.
    pub state: RecheckState,
    /// The daemon's session it came from.
    pub session_id: Option<String>,
    /// The facility that asked.
    pub facility: Option<String>,
    /// Its account.
    pub account: String,
    /// The staff member who asked.
    pub operator: Option<Operator>,
    /// The visit the check is for.
    #[serde(serialize_with = "iso_date")]
    pub visit_date: Date,
    /// When the first check failed (evidence).
    #[serde(serialize_with = "serialize_timestamp")]
    pub failed_at: Timestamp,
    /// What went wrong then (evidence; no secrets, no personal data).
    pub failure: String,
    /// Re-checks tried.
    pub attempts: u32,
    /// What went wrong at the last re-check.
    pub last_error: Option<String>,
    /// When the next re-check is due (pending items).
    #[serde(serialize_with = "serialize_opt_timestamp")]
    pub next_attempt_at: Option<Timestamp>,
    /// The decision, as the API shows decisions (done items).
    pub decision: Option<serde_json::Value>,
    /// When the result came (done items).
    #[serde(serialize_with = "serialize_opt_timestamp")]
    pub done_at: Option<Timestamp>,
    /// When the item is deleted unless acknowledged before.
    #[serde(serialize_with = "serialize_timestamp")]
    pub expires_at: Timestamp,
}

// The decision holds card numbers: out of `{:?}`.
impl fmt::Debug for RecheckEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecheckEntry")
            .field("id", &self.id)
            .field("state", &self.state)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

fn iso_date<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

/// A key that groups items without the number in clear: SHA-256 over a label and the parts.
fn key(label: &str, parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(label.as_bytes());
    for p in parts {
        h.update([0x1f]);
        h.update(p.as_bytes());
    }
    hex::encode(h.finalize())
}

fn card_key(card: &str) -> String {
    key("cccd-bridge recheck card", &[card])
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn storage(e: rusqlite::Error) -> Error {
    Error::Storage(e.to_string())
}

/// A date of birth as written by [`PartialDate::to_iso`], back.
fn parse_iso_partial(text: &str) -> Option<PartialDate> {
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [y] => y.parse().ok().map(PartialDate::Year),
        [y, m] => Some(PartialDate::YearMonth(y.parse().ok()?, m.parse().ok()?)),
        _ => text.parse().ok().map(PartialDate::Full),
    }
}

/// The durable re-check queue.
pub struct RecheckQueue {
    path: PathBuf,
    conn: Mutex<Connection>,
    clock: Arc<dyn Clock>,
    policy: RecheckPolicy,
}

impl fmt::Debug for RecheckQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecheckQueue")
            .field("path", &self.path)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, state, session_id, facility, account, operator_name, operator_id, \
    visit_date, failed_at, failure, attempts, last_error, next_attempt_at, decision, done_at, \
    expires_at";

impl RecheckQueue {
    /// Opens the queue at `path`, creating the file (and its folder) owner-only; an existing
    /// file readable by others is made owner-only with a warning. Items survive reopening.
    pub fn open(path: &Path, clock: Arc<dyn Clock>, policy: RecheckPolicy) -> Result<Self, Error> {
        let fail = |what: &str, e: &dyn fmt::Display| {
            Error::Storage(format!("{what} {}: {e}", path.display()))
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|e| fail("cannot create the folder of", &e))?;
        }
        if create_private_file(path).map_err(|e| fail("cannot create", &e))? {
            tracing::warn!(path = %path.display(), "the re-check queue was readable by other users: made owner-only");
        }
        let conn = Connection::open(path).map_err(|e| fail("cannot open", &e))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(storage)?;
        // Deleted personal data is overwritten, not left in free pages.
        conn.execute_batch(
            "PRAGMA secure_delete = ON;
             CREATE TABLE IF NOT EXISTS rechecks (
                 id INTEGER PRIMARY KEY AUTOINCREMENT,
                 state TEXT NOT NULL,
                 card_key TEXT NOT NULL,
                 lookup_key TEXT NOT NULL,
                 session_id TEXT,
                 facility TEXT,
                 account TEXT NOT NULL,
                 operator_name TEXT,
                 operator_id TEXT,
                 card TEXT,
                 full_name TEXT,
                 date_of_birth TEXT,
                 visit_date TEXT NOT NULL,
                 failed_at INTEGER NOT NULL,
                 failure TEXT NOT NULL,
                 attempts INTEGER NOT NULL DEFAULT 0,
                 last_error TEXT,
                 next_attempt_at INTEGER NOT NULL,
                 lease_until INTEGER,
                 decision TEXT,
                 done_at INTEGER,
                 expires_at INTEGER NOT NULL
             );
             CREATE INDEX IF NOT EXISTS rechecks_due ON rechecks (state, next_attempt_at);
             CREATE INDEX IF NOT EXISTS rechecks_card ON rechecks (card_key);
             CREATE INDEX IF NOT EXISTS rechecks_session ON rechecks (session_id);",
        )
        .map_err(|e| fail("cannot use", &e))?;
        Ok(Self {
            path: path.to_owned(),
            conn: Mutex::new(conn),
            clock,
            policy,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with<T>(&self, f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>) -> Result<T, Error> {
        let mut conn = self
            .conn
            .lock()
            .map_err(|_| Error::Storage("the queue's lock was poisoned by a panic".into()))?;
        f(&mut conn).map_err(storage)
    }

    fn now(&self) -> i64 {
        self.clock.now().as_second()
    }

    /// The wait after `attempts` failed re-checks: `first_delay` doubled each time, at most
    /// `max_delay`.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempts.min(30));
        self.policy
            .first_delay
            .saturating_mul(factor)
            .min(self.policy.max_delay)
    }

    /// Queues `request`, whose check gave `outcome` (a check the gateway did not answer, see
    /// [`CheckOutcome::needs_recheck`]), from the daemon's session `session_id`. The evidence is
    /// `outcome`'s: its facility, account, operator and failure, at the queue's clock. The visit
    /// date is the request's, or today in Vietnam. Returns the item's id.
    pub fn enqueue(
        &self,
        request: &CheckRequest,
        outcome: &CheckOutcome,
        session_id: Option<&str>,
    ) -> Result<i64, Error> {
        let Some(failure) = outcome.failure.as_deref() else {
            return Err(Error::BadInput(
                "only a check the gateway did not answer is queued for a re-check".into(),
            ));
        };
        let now = self.now();
        let visit = request
            .visit_date
            .unwrap_or_else(|| vietnam_date(self.clock.now()));
        let p = &request.patient;
        let card = p.card.as_str();
        let name = p.full_name.split_whitespace().collect::<Vec<_>>().join(" ");
        let dob = p.date_of_birth.to_iso();
        let facility = outcome.asked_by.facility.as_deref();
        let lookup = key(
            "cccd-bridge recheck lookup",
            &[
                facility.unwrap_or(""),
                card,
                &name.to_uppercase(),
                &dob,
                &visit.to_string(),
            ],
        );
        let operator = outcome.asked_by.operator.as_ref();
        let next = now.saturating_add(secs(self.policy.first_delay));
        let expires = now.saturating_add(secs(self.policy.keep_for));
        self.with(|c| {
            c.execute(
                "INSERT INTO rechecks (state, card_key, lookup_key, session_id, facility, account,
                     operator_name, operator_id, card, full_name, date_of_birth, visit_date,
                     failed_at, failure, next_attempt_at, expires_at)
                 VALUES ('pending', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                params![
                    card_key(card),
                    lookup,
                    session_id,
                    facility,
                    outcome.asked_by.account,
                    operator.map(|o| o.name.as_str()),
                    operator.map(|o| o.id_number.as_str()),
                    card,
                    name,
                    dob,
                    visit.to_string(),
                    now,
                    failure,
                    next,
                    expires
                ],
            )?;
            Ok(c.last_insert_rowid())
        })
    }

    /// Up to `max` due items, at most one per card, none of a card whose re-check is running;
    /// each is leased (not given again) until it reports or the lease ends. Expired items are
    /// deleted first.
    pub fn take_due(&self, max: usize) -> Result<Vec<RecheckItem>, Error> {
        let now = self.now();
        let lease_until = now.saturating_add(secs(self.policy.lease));
        self.with(|c| {
            let tx = c.transaction()?;
            delete_expired(&tx, now)?;
            let busy: Vec<String> = tx
                .prepare(
                    "SELECT DISTINCT card_key FROM rechecks
                     WHERE state = 'pending' AND lease_until > ?1",
                )?
                .query_map(params![now], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            let candidates: Vec<(i64, String)> = tx
                .prepare(
                    "SELECT id, card_key FROM rechecks
                     WHERE state = 'pending' AND next_attempt_at <= ?1
                       AND (lease_until IS NULL OR lease_until <= ?1)
                     ORDER BY next_attempt_at, id",
                )?
                .query_map(params![now], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut taken: Vec<(i64, String)> = Vec::new();
            for (id, card) in candidates {
                if taken.len() >= max {
                    break;
                }
                if !busy.contains(&card) && !taken.iter().any(|(_, k)| *k == card) {
                    taken.push((id, card));
                }
            }
            let mut items = Vec::new();
            for (id, _) in &taken {
                tx.execute(
                    "UPDATE rechecks SET lease_until = ?1 WHERE id = ?2",
                    params![lease_until, id],
                )?;
                let row = tx.query_row(
                    "SELECT session_id, facility, operator_name, operator_id, card, full_name,
                            date_of_birth, visit_date, attempts
                     FROM rechecks WHERE id = ?1",
                    params![id],
                    |r| {
                        Ok((
                            r.get::<_, Option<String>>(0)?,
                            r.get::<_, Option<String>>(1)?,
                            r.get::<_, Option<String>>(2)?,
                            r.get::<_, Option<String>>(3)?,
                            r.get::<_, Option<String>>(4)?,
                            r.get::<_, Option<String>>(5)?,
                            r.get::<_, Option<String>>(6)?,
                            r.get::<_, String>(7)?,
                            r.get::<_, u32>(8)?,
                        ))
                    },
                )?;
                let (session_id, facility, op_name, op_id, card, name, dob, visit, attempts) = row;
                let patient = match (
                    card.as_deref().and_then(|c| CardId::parse(c).ok()),
                    dob.as_deref().and_then(parse_iso_partial),
                ) {
                    (Some(card), Some(dob)) => Patient::new(card, name.unwrap_or_default(), dob),
                    // Unreadable (a file edited by hand): the item is dropped, never sent wrong.
                    _ => {
                        tracing::warn!(id, "re-check item unreadable: deleted");
                        tx.execute("DELETE FROM rechecks WHERE id = ?1", params![id])?;
                        continue;
                    }
                };
                let operator = match (op_name, op_id) {
                    (Some(name), Some(id_number)) => Some(Operator { name, id_number }),
                    _ => None,
                };
                items.push(RecheckItem {
                    id: *id,
                    request: CheckRequest {
                        facility,
                        patient,
                        operator,
                        visit_date: visit.parse().ok(),
                    },
                    session_id,
                    attempts,
                });
            }
            tx.commit()?;
            Ok(items)
        })
    }

    /// Records the re-check's `decision` for item `id` and for every other pending item waiting
    /// for the same lookup (one answer serves them all); their personal data is wiped. Returns
    /// the items completed (none when `id` is no longer pending: acknowledged, wiped, expired).
    pub fn record_result(&self, id: i64, decision: &Decision) -> Result<Vec<RecheckEntry>, Error> {
        let json = serde_json::to_string(decision)
            .map_err(|e| Error::Storage(format!("decision not serialisable: {e}")))?;
        let now = self.now();
        let expires = now.saturating_add(secs(self.policy.keep_for));
        let ids = self.with(|c| {
            let tx = c.transaction()?;
            let lookup: Option<String> = tx
                .query_row(
                    "SELECT lookup_key FROM rechecks WHERE id = ?1 AND state = 'pending'",
                    params![id],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(lookup) = lookup else {
                return Ok(Vec::new());
            };
            tx.execute(
                "UPDATE rechecks SET attempts = attempts + 1 WHERE id = ?1",
                params![id],
            )?;
            let ids: Vec<i64> = tx
                .prepare("SELECT id FROM rechecks WHERE lookup_key = ?1 AND state = 'pending' ORDER BY id")?
                .query_map(params![lookup], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            tx.execute(
                "UPDATE rechecks SET state = 'done', decision = ?1, done_at = ?2, expires_at = ?3,
                     lease_until = NULL, card = NULL, full_name = NULL, date_of_birth = NULL
                 WHERE lookup_key = ?4 AND state = 'pending'",
                params![json, now, expires, lookup],
            )?;
            tx.commit()?;
            Ok(ids)
        })?;
        let mut out = Vec::new();
        for id in ids {
            out.extend(self.get(id)?);
        }
        Ok(out)
    }

    /// Records that the re-check of item `id` failed with `error`: due again after the backoff.
    pub fn record_failure(&self, id: i64, error: &str) -> Result<(), Error> {
        let now = self.now();
        self.with(|c| {
            let attempts: Option<u32> = c
                .query_row(
                    "SELECT attempts FROM rechecks WHERE id = ?1 AND state = 'pending'",
                    params![id],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(a) = attempts {
                let next = now.saturating_add(secs(self.backoff(a.saturating_add(1))));
                c.execute(
                    "UPDATE rechecks SET attempts = attempts + 1, last_error = ?1,
                         next_attempt_at = ?2, lease_until = NULL WHERE id = ?3",
                    params![error, next, id],
                )?;
            }
            Ok(())
        })
    }

    /// Gives item `id` back untried (the round stopped before it): due again at once, not
    /// counted as an attempt.
    pub fn release(&self, id: i64) -> Result<(), Error> {
        self.with(|c| {
            c.execute(
                "UPDATE rechecks SET lease_until = NULL WHERE id = ?1",
                params![id],
            )
            .map(drop)
        })
    }

    /// Item `id`, if it is still there.
    pub fn get(&self, id: i64) -> Result<Option<RecheckEntry>, Error> {
        self.with(|c| {
            c.query_row(
                &format!("SELECT {COLUMNS} FROM rechecks WHERE id = ?1"),
                params![id],
                entry,
            )
            .optional()
        })
    }

    /// The items of `filter`, oldest first (expired ones deleted first).
    pub fn list(&self, filter: RecheckFilter) -> Result<Vec<RecheckEntry>, Error> {
        let now = self.now();
        let state = match filter {
            RecheckFilter::All => "%",
            RecheckFilter::Pending => "pending",
            RecheckFilter::Done => "done",
        };
        self.with(|c| {
            delete_expired(c, now)?;
            c.prepare(&format!(
                "SELECT {COLUMNS} FROM rechecks WHERE state LIKE ?1 ORDER BY id"
            ))?
            .query_map(params![state], entry)?
            .collect()
        })
    }

    /// Deletes item `id` (the HIS has its result): whether it was there.
    pub fn acknowledge(&self, id: i64) -> Result<bool, Error> {
        self.with(|c| c.execute("DELETE FROM rechecks WHERE id = ?1", params![id]))
            .map(|n| n > 0)
    }

    /// Deletes every item of the daemon's session `session_id` (the session is wiped): how many.
    pub fn delete_session(&self, session_id: &str) -> Result<usize, Error> {
        self.with(|c| {
            c.execute(
                "DELETE FROM rechecks WHERE session_id = ?1",
                params![session_id],
            )
        })
    }

    /// Deletes every item of `card`, pending or done: how many.
    pub fn delete_card(&self, card: &CardId) -> Result<usize, Error> {
        let k = card_key(card.as_str());
        self.with(|c| c.execute("DELETE FROM rechecks WHERE card_key = ?1", params![k]))
    }

    /// Deletes the items past their time: how many.
    pub fn purge_expired(&self) -> Result<usize, Error> {
        let now = self.now();
        self.with(|c| delete_expired(c, now))
    }
}

fn delete_expired(c: &Connection, now: i64) -> rusqlite::Result<usize> {
    c.execute("DELETE FROM rechecks WHERE expires_at <= ?1", params![now])
}

fn entry(r: &Row<'_>) -> rusqlite::Result<RecheckEntry> {
    let state: String = r.get(1)?;
    let done = state == "done";
    let operator = match (
        r.get::<_, Option<String>>(5)?,
        r.get::<_, Option<String>>(6)?,
    ) {
        (Some(name), Some(id_number)) => Some(Operator { name, id_number }),
        _ => None,
    };
    let visit: String = r.get(7)?;
    Ok(RecheckEntry {
        id: r.get(0)?,
        state: if done {
            RecheckState::Done
        } else {
            RecheckState::Pending
        },
        session_id: r.get(2)?,
        facility: r.get(3)?,
        account: r.get(4)?,
        operator,
        visit_date: visit.parse().unwrap_or(Date::MIN),
        failed_at: at(r.get(8)?),
        failure: r.get(9)?,
        attempts: r.get(10)?,
        last_error: r.get(11)?,
        next_attempt_at: (!done).then(|| r.get::<_, i64>(12)).transpose()?.map(at),
        decision: r
            .get::<_, Option<String>>(13)?
            .and_then(|j| serde_json::from_str(&j).ok()),
        done_at: r.get::<_, Option<i64>>(14)?.map(at),
        expires_at: at(r.get(15)?),
    })
}

impl Eligibility {
    /// One round of re-checks: up to `max` due items of `queue`, one after the other. An item
    /// the gateway answers is done (with every item waiting for the same lookup: the entries
    /// returned, for the daemon to announce); at the first that still gets no answer (or whose
    /// account is refused) the round stops and the rest are given back untried, so a gateway
    /// still down gets one request per round, not one per item.
    pub async fn recheck_due(
        &self,
        queue: &RecheckQueue,
        max: usize,
    ) -> Result<Vec<RecheckEntry>, Error> {
        let mut items = queue.take_due(max)?.into_iter();
        let mut done = Vec::new();
        while let Some(item) = items.next() {
            let failure = match self.check_with(&item.request).await {
                Ok(o) if o.needs_recheck() => Some(o.failure.unwrap_or_else(|| "no answer".into())),
                Ok(o) if o.decision.category == Category::ConfigurationError => {
                    Some(format!("configuration error: {}", o.decision.message.en))
                }
                Ok(o) => {
                    done.extend(queue.record_result(item.id, &o.decision)?);
                    None
                }
                // Input that cannot be sent any more (a facility removed from the
                // configuration): it fails until it expires, and does not stop the round.
                Err(e) => {
                    queue.record_failure(item.id, &e.to_string())?;
                    continue;
                }
            };
            if let Some(f) = failure {
                tracing::info!(id = item.id, "re-check: still no answer, round stopped");
                queue.record_failure(item.id, &f)?;
                for rest in items.by_ref() {
                    queue.release(rest.id)?;
                }
            }
        }
        Ok(done)
    }
}
