//! The offline cache: the last answer for a person, for when the gateway cannot be reached.
//!
//! It holds only what the decision needs ([`CardFacts`]: result code, card number, dates,
//! registered facility), keyed by a SHA-256 of the ID number, name and date of birth, never the
//! name, birth date or address themselves. The file is created owner-only. A database that
//! cannot be used (corrupted, locked, unwritable) degrades to no cache with a warning: the desk
//! keeps working, only without the fallback.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::private_file::{create_private_dir, create_private_file};
use crate::wire::CardFacts;

/// How long SQLite waits for a lock held by another process before giving up: short, since the
/// desk is waiting (a locked cache is skipped, not waited for).
const BUSY_TIMEOUT: Duration = Duration::from_millis(200);

/// The cache key of a lookup: SHA-256 over the card number, the name (trimmed, whitespace
/// collapsed, upper-cased) and the date of birth as sent.
pub fn cache_key(id: &str, full_name: &str, date_of_birth: &str) -> String {
    key_of(&[], id, full_name, date_of_birth)
}

/// The cache key of a lookup by one of several facilities: as [`cache_key`], with the
/// facility's code in the hash, so that no facility is answered from another's lookups.
pub fn facility_cache_key(
    facility: &str,
    id: &str,
    full_name: &str,
    date_of_birth: &str,
) -> String {
    key_of(&["facility", facility.trim()], id, full_name, date_of_birth)
}

fn key_of(scope: &[&str], id: &str, full_name: &str, date_of_birth: &str) -> String {
    let name = full_name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_uppercase();
    let mut h = Sha256::new();
    for part in scope
        .iter()
        .copied()
        .chain([id.trim(), &name, date_of_birth.trim()])
    {
        h.update(part.as_bytes());
        h.update([0x1f]);
    }
    hex::encode(h.finalize())
}

/// The SQLite offline cache.
#[derive(Debug)]
pub struct OfflineCache {
    path: Option<PathBuf>,
    conn: Mutex<Option<Connection>>,
}

impl OfflineCache {
    /// No cache at all.
    pub fn disabled() -> Self {
        Self {
            path: None,
            conn: Mutex::new(None),
        }
    }

    /// Opens (creating owner-only) the cache at `path`; on any failure logs a warning and
    /// returns a disabled cache.
    pub fn open(path: &Path) -> Self {
        match open_db(path) {
            Ok(conn) => Self {
                path: Some(path.to_owned()),
                conn: Mutex::new(Some(conn)),
            },
            Err(e) => {
                tracing::warn!(path = %path.display(), "offline cache unusable, continuing without it: {e}");
                Self::disabled()
            }
        }
    }

    /// Whether the cache is in use.
    pub fn is_enabled(&self) -> bool {
        self.conn.lock().is_ok_and(|c| c.is_some())
    }

    /// Keeps `facts` for `key`, stored at `now`, and drops entries older than `ttl`.
    pub fn store(&self, key: &str, facts: &CardFacts, now: Timestamp, ttl: Duration) {
        let Ok(json) = serde_json::to_string(facts) else {
            return;
        };
        let oldest = now.as_second().saturating_sub(secs(ttl));
        self.with(|c| {
            c.execute(
                "INSERT OR REPLACE INTO results (key, stored_at, facts) VALUES (?1, ?2, ?3)",
                params![key, now.as_second(), json],
            )?;
            c.execute("DELETE FROM results WHERE stored_at < ?1", params![oldest])?;
            Ok(())
        });
    }

    /// The facts kept for `key` if younger than `ttl`, with their age.
    pub fn load(&self, key: &str, now: Timestamp, ttl: Duration) -> Option<(CardFacts, Duration)> {
        let row: Option<(i64, String)> = self
            .with(|c| {
                c.query_row(
                    "SELECT stored_at, facts FROM results WHERE key = ?1",
                    params![key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
            })
            .flatten();
        let (stored_at, json) = row?;
        let age = now.as_second().saturating_sub(stored_at).max(0);
        if age > secs(ttl) {
            return None;
        }
        let facts = serde_json::from_str(&json).ok()?;
        Some((facts, Duration::from_secs(u64::try_from(age).unwrap_or(0))))
    }

    /// Runs `f` on the connection; an error is logged as a warning and gives `None`. A database
    /// found corrupt is dropped for the rest of the process.
    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        let mut guard = self.conn.lock().ok()?;
        let conn = guard.as_ref()?;
        match f(conn) {
            Ok(v) => Some(v),
            Err(e) => {
                let corrupt = matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
                );
                let path = self.path.as_deref().map(Path::display);
                if corrupt {
                    tracing::warn!(path = ?path, "offline cache is corrupt, continuing without it: {e}");
                    *guard = None;
                } else {
                    tracing::warn!(path = ?path, "offline cache skipped: {e}");
                }
                None
            }
        }
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

fn open_db(path: &Path) -> Result<Connection, String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    if create_private_file(path).map_err(|e| format!("cannot create the file: {e}"))? {
        tracing::warn!(path = %path.display(), "the offline cache was readable by other users: made owner-only");
    }
    let conn = Connection::open(path).map_err(|e| e.to_string())?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| e.to_string())?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS results (
             key TEXT PRIMARY KEY,
             stored_at INTEGER NOT NULL,
             facts TEXT NOT NULL
         );",
    )
    .map_err(|e| e.to_string())?;
    Ok(conn)
}
