//! The outbox: every event to push, kept on disk (SQLite) until its endpoint answers 2xx.
//!
//! One row per (event, endpoint), numbered in the order queued: an endpoint's worker always
//! sends its lowest row first, so each endpoint receives its events in order, and a stalled one
//! holds back only its own rows. A row is deleted once delivered; the file is created owner-only
//! (it holds personal data until delivery), deleted rows are overwritten (`secure_delete`), and
//! every commit is synced (`synchronous = FULL`) so a queued event survives a power cut.
//!
//! Bounded per endpoint by count and bytes (a new event past either is refused, never an old one
//! dropped, so what is delivered stays in order) and by age (older rows are dropped). A wiped
//! session's rows are deleted and replaced by one `session.wiped` marker per endpoint (an
//! expired one's only for the endpoints that had rows of it waiting), and the session is
//! remembered so that its later events are not queued either.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use zeroize::Zeroizing;

use crate::error::PushError;

/// How long SQLite waits for a lock held by another connection.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// The outbox's bounds, per endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxLimits {
    /// Undelivered events at most.
    pub max_events: u64,
    /// Undelivered body bytes at most.
    pub max_bytes: u64,
    /// Undelivered events older than this are dropped.
    pub max_age: Duration,
}

/// A request to queue: the exact body that will be signed and sent, every attempt.
#[derive(Debug, Clone, Copy)]
pub struct NewMessage<'a> {
    /// The `webhook-id` (the receiver's idempotency key).
    pub msg_id: &'a str,
    /// The event's name.
    pub event: &'a str,
    /// The session the event belongs to.
    pub session_id: Option<&'a str>,
    /// The request body.
    pub body: &'a [u8],
    /// When it was queued, Unix milliseconds.
    pub created_ms: i64,
}

/// What became of a message offered to one endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Queued, as row `seq`.
    Queued {
        /// The row.
        seq: i64,
    },
    /// Refused: the endpoint's outbox is at its bound.
    Full {
        /// Events already waiting.
        events: u64,
        /// Their bytes.
        bytes: u64,
    },
    /// Not queued: its session was wiped.
    SessionWiped,
}

/// One undelivered row.
pub struct Stored {
    /// Its place in the queue.
    pub seq: i64,
    /// The `webhook-id`.
    pub msg_id: String,
    /// The event's name.
    pub event: String,
    /// The request body (wiped on drop: it may hold personal data).
    pub body: Zeroizing<Vec<u8>>,
    /// When it was queued, Unix milliseconds.
    pub created_ms: i64,
    /// Failed attempts so far.
    pub attempts: u32,
}

impl fmt::Debug for Stored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Stored({} {} {}, <body>)",
            self.seq, self.msg_id, self.event
        )
    }
}

/// What an endpoint has waiting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Depth {
    /// Undelivered events.
    pub events: u64,
    /// Their bytes.
    pub bytes: u64,
    /// When the oldest was queued, Unix milliseconds.
    pub oldest_ms: Option<i64>,
}

/// The outbox file.
pub struct Outbox {
    path: PathBuf,
    conn: Mutex<Connection>,
    limits: OutboxLimits,
}

impl fmt::Debug for Outbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbox")
            .field("path", &self.path)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Outbox {
    /// Opens the outbox at `path`, creating it (and its folder) owner-only; an existing file
    /// others may read is made owner-only with a warning. Rows survive reopening.
    pub fn open(path: &Path, limits: OutboxLimits) -> Result<Self, PushError> {
        let fail = |what: &str, e: &dyn fmt::Display| PushError::Outbox {
            path: path.to_owned(),
            reason: format!("{what}: {e}"),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|e| fail("cannot create its folder", &e))?;
        }
        if create_private_file(path).map_err(|e| fail("cannot create it", &e))? {
            tracing::warn!(path = %path.display(), "the push outbox was readable by other users: made owner-only");
        }
        let conn = Connection::open(path).map_err(|e| fail("cannot open it", &e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| fail("cannot use it", &e))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA secure_delete = ON;
             CREATE TABLE IF NOT EXISTS outbox (
                 seq INTEGER PRIMARY KEY AUTOINCREMENT,
                 endpoint TEXT NOT NULL,
                 msg_id TEXT NOT NULL,
                 event TEXT NOT NULL,
                 session_id TEXT,
                 body BLOB NOT NULL,
                 created_ms INTEGER NOT NULL,
                 attempts INTEGER NOT NULL DEFAULT 0,
                 last_error TEXT
             );
             CREATE INDEX IF NOT EXISTS outbox_endpoint ON outbox (endpoint, seq);
             CREATE INDEX IF NOT EXISTS outbox_session ON outbox (session_id);
             CREATE TABLE IF NOT EXISTS wiped_sessions (
                 session_id TEXT PRIMARY KEY,
                 wiped_ms INTEGER NOT NULL
             );",
        )
        .map_err(|e| fail("cannot use it", &e))?;
        Ok(Self {
            path: path.to_owned(),
            conn: Mutex::new(conn),
            limits,
        })
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The bounds.
    pub fn limits(&self) -> OutboxLimits {
        self.limits
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, PushError> {
        self.conn.lock().map_err(|_| PushError::Outbox {
            path: self.path.clone(),
            reason: "its lock was poisoned by a panic".into(),
        })
    }

    fn storage(&self, e: rusqlite::Error) -> PushError {
        PushError::Outbox {
            path: self.path.clone(),
            reason: e.to_string(),
        }
    }

    /// Offers `msg` to each of `endpoints`, in one transaction: each gets a row unless its
    /// bounds are reached or the message's session was wiped.
    pub fn enqueue(
        &self,
        endpoints: &[&str],
        msg: &NewMessage<'_>,
    ) -> Result<Vec<Admission>, PushError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction().map_err(|e| self.storage(e))?;
        let wiped = match msg.session_id {
            Some(s) => tx
                .query_row(
                    "SELECT 1 FROM wiped_sessions WHERE session_id = ?1",
                    [s],
                    |_| Ok(()),
                )
                .optional()
                .map_err(|e| self.storage(e))?
                .is_some(),
            None => false,
        };
        let mut out = Vec::with_capacity(endpoints.len());
        for endpoint in endpoints {
            if wiped {
                out.push(Admission::SessionWiped);
                continue;
            }
            let depth = depth_of(&tx, endpoint).map_err(|e| self.storage(e))?;
            let len = msg.body.len() as u64;
            if depth.events >= self.limits.max_events
                || depth.bytes.saturating_add(len) > self.limits.max_bytes
            {
                out.push(Admission::Full {
                    events: depth.events,
                    bytes: depth.bytes,
                });
                continue;
            }
            tx.execute(
                "INSERT INTO outbox (endpoint, msg_id, event, session_id, body, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    endpoint,
                    msg.msg_id,
                    msg.event,
                    msg.session_id,
                    msg.body,
                    msg.created_ms
                ],
            )
            .map_err(|e| self.storage(e))?;
            out.push(Admission::Queued {
                seq: tx.last_insert_rowid(),
            });
        }
        tx.commit().map_err(|e| self.storage(e))?;
        Ok(out)
    }

    /// The endpoint's next row to send (its lowest), if any.
    pub fn head(&self, endpoint: &str) -> Result<Option<Stored>, PushError> {
        let conn = self.lock()?;
        conn.query_row(
            "SELECT seq, msg_id, event, body, created_ms, attempts FROM outbox
             WHERE endpoint = ?1 ORDER BY seq LIMIT 1",
            [endpoint],
            |r| {
                Ok(Stored {
                    seq: r.get(0)?,
                    msg_id: r.get(1)?,
                    event: r.get(2)?,
                    body: Zeroizing::new(r.get(3)?),
                    created_ms: r.get(4)?,
                    attempts: r.get(5)?,
                })
            },
        )
        .optional()
        .map_err(|e| self.storage(e))
    }

    /// Row `seq` was delivered: it goes. (A row already gone, wiped meanwhile, is no error.)
    pub fn remove(&self, seq: i64) -> Result<(), PushError> {
        let conn = self.lock()?;
        conn.execute("DELETE FROM outbox WHERE seq = ?1", [seq])
            .map_err(|e| self.storage(e))?;
        Ok(())
    }

    /// An attempt at row `seq` failed with `error` (a status or an error kind, no payload).
    pub fn record_failure(&self, seq: i64, error: &str) -> Result<(), PushError> {
        let conn = self.lock()?;
        conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
            params![seq, error],
        )
        .map_err(|e| self.storage(e))?;
        Ok(())
    }

    /// Deletes the undelivered rows of `session_id`, remembers the session (its later events
    /// are not queued), and queues `marker` (the `session.wiped` message) for each of
    /// `endpoints`, in one transaction. Markers are not held to the bounds: the HIS must learn
    /// to forget the session, and there is at most one per session. Returns the rows deleted.
    pub fn wipe_session(
        &self,
        session_id: &str,
        endpoints: &[&str],
        marker: &NewMessage<'_>,
    ) -> Result<u64, PushError> {
        self.forget_session(session_id, endpoints, marker, false)
    }

    /// The session's lifetime ended: as [`wipe_session`](Self::wipe_session), but `marker`
    /// goes only to the endpoints that had rows of the session waiting (they learn that events
    /// of it were dropped undelivered); an endpoint that received everything gets nothing.
    pub fn expire_session(
        &self,
        session_id: &str,
        endpoints: &[&str],
        marker: &NewMessage<'_>,
    ) -> Result<u64, PushError> {
        self.forget_session(session_id, endpoints, marker, true)
    }

    fn forget_session(
        &self,
        session_id: &str,
        endpoints: &[&str],
        marker: &NewMessage<'_>,
        only_where_removed: bool,
    ) -> Result<u64, PushError> {
        let mut conn = self.lock()?;
        let tx = conn.transaction().map_err(|e| self.storage(e))?;
        let waiting: Vec<String> = {
            let mut st = tx
                .prepare("SELECT DISTINCT endpoint FROM outbox WHERE session_id = ?1")
                .map_err(|e| self.storage(e))?;
            st.query_map([session_id], |r| r.get(0))
                .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
                .map_err(|e| self.storage(e))?
        };
        let removed = tx
            .execute("DELETE FROM outbox WHERE session_id = ?1", [session_id])
            .map_err(|e| self.storage(e))?;
        let first = tx
            .execute(
                "INSERT OR IGNORE INTO wiped_sessions (session_id, wiped_ms) VALUES (?1, ?2)",
                params![session_id, marker.created_ms],
            )
            .map_err(|e| self.storage(e))?
            == 1;
        let told = endpoints
            .iter()
            .filter(|e| !only_where_removed || waiting.iter().any(|w| w == *e));
        for endpoint in told.filter(|_| first) {
            tx.execute(
                "INSERT INTO outbox (endpoint, msg_id, event, session_id, body, created_ms)
                 VALUES (?1, ?2, ?3, NULL, ?4, ?5)",
                params![
                    endpoint,
                    marker.msg_id,
                    marker.event,
                    marker.body,
                    marker.created_ms
                ],
            )
            .map_err(|e| self.storage(e))?;
        }
        tx.commit().map_err(|e| self.storage(e))?;
        Ok(removed as u64)
    }

    /// Drops the rows queued before `now_ms` minus the age bound (and forgets wiped sessions as
    /// old); returns, per endpoint, how many rows went.
    pub fn purge_expired(&self, now_ms: i64) -> Result<Vec<(String, u64)>, PushError> {
        let cutoff = now_ms
            .saturating_sub(i64::try_from(self.limits.max_age.as_millis()).unwrap_or(i64::MAX));
        let mut conn = self.lock()?;
        let tx = conn.transaction().map_err(|e| self.storage(e))?;
        let counts = {
            let mut st = tx
                .prepare(
                    "SELECT endpoint, COUNT(*) FROM outbox WHERE created_ms < ?1 GROUP BY endpoint",
                )
                .map_err(|e| self.storage(e))?;
            st.query_map([cutoff], |r| Ok((r.get::<_, String>(0)?, count(r.get(1)?))))
                .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
                .map_err(|e| self.storage(e))?
        };
        tx.execute("DELETE FROM outbox WHERE created_ms < ?1", [cutoff])
            .map_err(|e| self.storage(e))?;
        tx.execute("DELETE FROM wiped_sessions WHERE wiped_ms < ?1", [cutoff])
            .map_err(|e| self.storage(e))?;
        tx.commit().map_err(|e| self.storage(e))?;
        Ok(counts)
    }

    /// What `endpoint` has waiting.
    pub fn depth(&self, endpoint: &str) -> Result<Depth, PushError> {
        let conn = self.lock()?;
        depth_of(&conn, endpoint).map_err(|e| self.storage(e))
    }

    /// Every endpoint name with rows, and how many (to find rows of endpoints no longer
    /// configured).
    pub fn endpoints(&self) -> Result<Vec<(String, u64)>, PushError> {
        let conn = self.lock()?;
        let mut st = conn
            .prepare("SELECT endpoint, COUNT(*) FROM outbox GROUP BY endpoint ORDER BY endpoint")
            .map_err(|e| self.storage(e))?;
        st.query_map([], |r| Ok((r.get(0)?, count(r.get(1)?))))
            .and_then(Iterator::collect)
            .map_err(|e| self.storage(e))
    }
}

/// SQLite counts are `i64`, never negative.
fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn depth_of(conn: &Connection, endpoint: &str) -> rusqlite::Result<Depth> {
    conn.query_row(
        "SELECT COUNT(*), COALESCE(SUM(LENGTH(body)), 0), MIN(created_ms) FROM outbox
         WHERE endpoint = ?1",
        [endpoint],
        |r| {
            Ok(Depth {
                events: count(r.get(0)?),
                bytes: count(r.get(1)?),
                oldest_ms: r.get(2)?,
            })
        },
    )
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    // Windows: the data folder's access list (set by `cccd service configure`) applies.
    std::fs::create_dir_all(dir)
}

/// Creates the file owner-only before SQLite opens it (SQLite would use the umask, and gives its
/// `-wal` and `-shm` files the main file's mode), and takes group and other permissions off an
/// existing one: `true` when it had to.
#[cfg(unix)]
fn create_private_file(path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    let mode = f.metadata()?.permissions().mode();
    if mode & 0o077 != 0 {
        f.set_permissions(std::fs::Permissions::from_mode(mode & 0o700))?;
        return Ok(true);
    }
    Ok(false)
}

#[cfg(not(unix))]
fn create_private_file(path: &Path) -> std::io::Result<bool> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(|_| false)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cccd-outbox-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("outbox.sqlite")
    }

    const LIMITS: OutboxLimits = OutboxLimits {
        max_events: 3,
        max_bytes: 1000,
        max_age: Duration::from_secs(60),
    };

    fn msg<'a>(id: &'a str, session: Option<&'a str>, body: &'a [u8], at: i64) -> NewMessage<'a> {
        NewMessage {
            msg_id: id,
            event: "card.verified",
            session_id: session,
            body,
            created_ms: at,
        }
    }

    #[test]
    fn in_order_bounded_and_wiped() {
        let path = temp("order");
        let o = Outbox::open(&path, LIMITS).unwrap();
        for (i, id) in ["a", "b", "c", "d"].iter().enumerate() {
            let got = o
                .enqueue(&["his", "lab"], &msg(id, Some("s1"), b"{}", i as i64))
                .unwrap();
            if i < 3 {
                assert!(matches!(got[0], Admission::Queued { .. }), "{got:?}");
            } else {
                assert_eq!(
                    got[0],
                    Admission::Full {
                        events: 3,
                        bytes: 6
                    }
                );
            }
        }
        // Bytes bound too, per endpoint.
        let big = vec![b' '; 1000];
        o.remove(o.head("lab").unwrap().unwrap().seq).unwrap();
        let got = o.enqueue(&["lab"], &msg("e", None, &big, 9)).unwrap();
        assert!(
            matches!(got[0], Admission::Full { events: 2, .. }),
            "{got:?}"
        );
        assert_eq!(o.head("his").unwrap().unwrap().msg_id, "a");
        o.record_failure(o.head("his").unwrap().unwrap().seq, "HTTP 500")
            .unwrap();
        assert_eq!(o.head("his").unwrap().unwrap().attempts, 1);
        // Wiping: rows go, one marker each, and later events of the session are not queued.
        let marker = msg("w1", None, b"{\"type\":\"session.wiped\"}", 10);
        assert_eq!(o.wipe_session("s1", &["his", "lab"], &marker).unwrap(), 5);
        assert_eq!(o.head("his").unwrap().unwrap().msg_id, "w1");
        assert_eq!(o.depth("lab").unwrap().events, 1);
        assert_eq!(
            o.enqueue(&["his"], &msg("f", Some("s1"), b"{}", 11))
                .unwrap(),
            vec![Admission::SessionWiped]
        );
        // A second wipe of the same session queues no second marker.
        o.wipe_session("s1", &["his"], &msg("w2", None, b"{}", 12))
            .unwrap();
        assert_eq!(o.depth("his").unwrap().events, 1);
        drop(o);
        // Survives reopening; the age bound drops old rows.
        let o = Outbox::open(&path, LIMITS).unwrap();
        assert_eq!(
            o.endpoints().unwrap(),
            vec![("his".into(), 1), ("lab".into(), 1)]
        );
        assert_eq!(o.purge_expired(10 + 60_001).unwrap().len(), 2);
        assert_eq!(o.depth("his").unwrap(), Depth::default());
        // The wiped session was forgotten with the rows of its age.
        let got = o
            .enqueue(&["his"], &msg("g", Some("s1"), b"{}", 70_000))
            .unwrap();
        assert!(matches!(got[0], Admission::Queued { .. }));
    }

    #[test]
    fn an_expired_session_tells_only_the_endpoints_that_lose_events() {
        let o = Outbox::open(&temp("expire"), LIMITS).unwrap();
        o.enqueue(&["his"], &msg("a", Some("s1"), b"{}", 1))
            .unwrap();
        o.enqueue(&["his", "lab"], &msg("b", Some("s2"), b"{}", 2))
            .unwrap();
        let marker = msg("x1", None, b"{\"reason\":\"expired\"}", 3);
        assert_eq!(o.expire_session("s1", &["his", "lab"], &marker).unwrap(), 1);
        assert_eq!(o.depth("his").unwrap().events, 2, "b and the marker");
        assert_eq!(
            o.depth("lab").unwrap().events,
            1,
            "b only: lab lost nothing of s1"
        );
        // Nothing waiting: no marker at all, and the session's later events are not queued.
        assert_eq!(o.expire_session("s3", &["his", "lab"], &marker).unwrap(), 0);
        assert_eq!(o.depth("lab").unwrap().events, 1);
        assert_eq!(
            o.enqueue(&["lab"], &msg("c", Some("s3"), b"{}", 4))
                .unwrap(),
            vec![Admission::SessionWiped]
        );
    }

    #[cfg(unix)]
    #[test]
    fn owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let path = temp("mode");
        drop(Outbox::open(&path, LIMITS).unwrap());
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        drop(Outbox::open(&path, LIMITS).unwrap());
        assert_eq!(mode(&path), 0o600, "tightened");
    }
}
