//! The audit log: one SQLite row per action (time, caller, action, reader, outcome, verdict,
//! eligibility category, the facility that asked, the re-check it queued or completed) and
//! HMAC-SHA256s of the citizen's card number and of the operator's ID number under a key kept in
//! its own owner-only file, so that "was this person's card read here on that day" and "which
//! staff member asked" (`domain/bhxh-gateway.md`, "2026": the operator is the logged-in staff
//! member, per request) can be answered by whoever holds the key, and nothing else about either
//! person is stored. Each identification records how the patient was identified (chip verified,
//! chip unverified, the card's QR code, typed by staff: the law treats them differently) and,
//! for a chip read, whether the patient's consent was given (Law 26/2023 art. 22(5)).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use hmac::{Hmac, KeyInit, Mac};
use rand_core::{OsRng, TryRngCore};
use sha2::Sha256;
use zeroize::Zeroizing;

use eligibility::private_file::{create_private_dir, create_private_file};

use crate::error::DaemonError;

/// One audit record. Nothing here identifies a person but `id_hmac`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditRecord {
    /// Who called: `key:1` (the index of the API key), `reception`, `ticket`.
    pub caller: String,
    /// `card.read`, `patient.identify`, `eligibility.check`, `eligibility.copayment`,
    /// `eligibility.recheck`, `recheck.acknowledge`, `session.delete`, `page.login`,
    /// `page.logout`.
    pub action: &'static str,
    /// The reader, for card actions.
    pub reader: Option<String>,
    /// `ok` or the error code.
    pub outcome: String,
    /// The card's verdict.
    pub verdict: Option<&'static str>,
    /// The eligibility category.
    pub eligibility: Option<&'static str>,
    /// The citizen's ID number, or the card number a lookup was made with (only its HMAC is
    /// stored).
    pub id_number: Option<String>,
    /// The facility code (`maCSKCB`) that asked the gateway.
    pub facility: Option<String>,
    /// The operator's (staff member's) ID number (only its HMAC is stored).
    pub operator_id: Option<String>,
    /// The re-check queued by this action, or completed by it.
    pub recheck_id: Option<i64>,
    /// How the patient was identified: `chip-verified`, `chip-unverified` (a chip read, by its
    /// verdict), `qr`, `typed` (`POST /v1/identify`); none when no one was identified.
    pub identified_by: Option<&'static str>,
    /// For a chip read: whether the request carried the patient's consent (`consent`), none
    /// when it said nothing.
    pub consent: Option<bool>,
}

/// One row of the log as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditRow {
    /// Who called.
    pub caller: String,
    /// What was done.
    pub action: String,
    /// The reader.
    pub reader: Option<String>,
    /// `ok` or the error code.
    pub outcome: String,
    /// The card's verdict.
    pub verdict: Option<String>,
    /// The eligibility (or co-payment) category.
    pub eligibility: Option<String>,
    /// HMAC of the card number.
    pub id_hmac: Option<String>,
    /// The facility that asked.
    pub facility: Option<String>,
    /// HMAC of the operator's ID number.
    pub operator_hmac: Option<String>,
    /// The re-check queued or completed.
    pub recheck_id: Option<i64>,
    /// How the patient was identified.
    pub identified_by: Option<String>,
    /// Whether the patient's consent was given for a chip read.
    pub consent: Option<bool>,
}

/// Columns added after the first version of the table, with their types: an existing log gets
/// them on open (its old rows keep `NULL` there).
const ADDED_COLUMNS: [(&str, &str); 5] = [
    ("facility", "TEXT"),
    ("operator_hmac", "TEXT"),
    ("recheck_id", "INTEGER"),
    ("identified_by", "TEXT"),
    ("consent", "INTEGER"),
];

/// Adds the columns of [`ADDED_COLUMNS`] that `conn`'s `audit` table lacks.
fn migrate(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let have: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('audit')")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, kind) in ADDED_COLUMNS {
        if !have.iter().any(|h| h == name) {
            conn.execute_batch(&format!("ALTER TABLE audit ADD COLUMN {name} {kind};"))?;
        }
    }
    Ok(())
}

/// The log. Cheap to clone.
#[derive(Clone)]
pub struct Audit {
    conn: Arc<Mutex<rusqlite::Connection>>,
    key: Arc<Zeroizing<Vec<u8>>>,
    path: PathBuf,
}

impl std::fmt::Debug for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Audit({})", self.path.display())
    }
}

/// Creates `path` owner-only (0600 on Unix, in a folder created 0700) if it does not exist, and
/// takes group and other permissions off an existing one, with a warning: an audit log or key
/// left readable by others (copied, restored from a backup, made by an older version) is made
/// private rather than used as it is.
fn create_private(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    if create_private_file(path)? {
        tracing::warn!(
            file = %path.display(),
            "the audit file was readable by other users: it is now owner-only (0600)"
        );
    }
    Ok(())
}

/// Reads the HMAC key, creating a random 32-byte one (hex, owner-only) when missing.
fn load_or_create_key(path: &Path) -> Result<Zeroizing<Vec<u8>>, DaemonError> {
    let err = |m: String| DaemonError::Audit {
        path: path.display().to_string(),
        message: m,
    };
    let missing = !path.exists();
    create_private(path).map_err(|e| err(e.to_string()))?;
    if missing {
        let mut key = Zeroizing::new([0u8; 32]);
        OsRng
            .try_fill_bytes(key.as_mut())
            .map_err(|e| err(format!("no randomness for the key: {e}")))?;
        std::fs::write(path, Zeroizing::new(hex::encode(key.as_ref())).as_bytes())
            .map_err(|e| err(e.to_string()))?;
    }
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?);
    let key = hex::decode(text.trim())
        .map_err(|_| err("the key file does not hold hexadecimal".into()))?;
    if key.len() < 16 {
        return Err(err("the key is shorter than 16 bytes".into()));
    }
    Ok(Zeroizing::new(key))
}

impl Audit {
    /// Opens (or creates, owner-only) the log at `path` with the key at `key_path`.
    pub fn open(path: &Path, key_path: &Path) -> Result<Self, DaemonError> {
        let err = |m: String| DaemonError::Audit {
            path: path.display().to_string(),
            message: m,
        };
        let key = load_or_create_key(key_path)?;
        create_private(path).map_err(|e| err(e.to_string()))?;
        let conn = rusqlite::Connection::open(path).map_err(|e| err(e.to_string()))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS audit (
                id INTEGER PRIMARY KEY,
                time TEXT NOT NULL,
                caller TEXT NOT NULL,
                action TEXT NOT NULL,
                reader TEXT,
                outcome TEXT NOT NULL,
                verdict TEXT,
                eligibility TEXT,
                id_hmac TEXT
            );",
        )
        .map_err(|e| err(e.to_string()))?;
        migrate(&conn).map_err(|e| err(format!("cannot add the new columns: {e}")))?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            key: Arc::new(key),
            path: path.to_owned(),
        })
    }

    /// The HMAC-SHA256 of an ID number under the log's key, hex.
    pub fn id_hmac(&self, id_number: &str) -> String {
        match <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key) {
            Ok(mut mac) => {
                mac.update(id_number.as_bytes());
                hex::encode(mac.finalize().into_bytes())
            }
            // HMAC takes keys of any length; this cannot happen.
            Err(_) => String::new(),
        }
    }

    /// Writes a record (blocking: call from a blocking context). A failure is logged, never
    /// returned: the desk's work goes on.
    pub fn record(&self, r: &AuditRecord) {
        let mac = r.id_number.as_deref().map(|id| self.id_hmac(id));
        let operator = r.operator_id.as_deref().map(|id| self.id_hmac(id));
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let result = conn.execute(
            "INSERT INTO audit (time, caller, action, reader, outcome, verdict, eligibility, id_hmac,
                 facility, operator_hmac, recheck_id, identified_by, consent)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            rusqlite::params![
                format!("{:.3}", jiff::Timestamp::now()),
                r.caller,
                r.action,
                r.reader,
                r.outcome,
                r.verdict,
                r.eligibility,
                mac,
                r.facility,
                operator,
                r.recheck_id,
                r.identified_by,
                r.consent
            ],
        );
        if let Err(e) = result {
            tracing::warn!("audit log write failed: {e}");
        }
    }

    /// Every row, oldest first (for tests and inspection).
    pub fn rows(&self) -> Vec<AuditRow> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let Ok(mut st) = conn.prepare(
            "SELECT caller, action, reader, outcome, verdict, eligibility, id_hmac, facility,
                    operator_hmac, recheck_id, identified_by, consent
             FROM audit ORDER BY id",
        ) else {
            return Vec::new();
        };
        st.query_map([], |r| {
            Ok(AuditRow {
                caller: r.get(0)?,
                action: r.get(1)?,
                reader: r.get(2)?,
                outcome: r.get(3)?,
                verdict: r.get(4)?,
                eligibility: r.get(5)?,
                id_hmac: r.get(6)?,
                facility: r.get(7)?,
                operator_hmac: r.get(8)?,
                recheck_id: r.get(9)?,
                identified_by: r.get(10)?,
                consent: r.get(11)?,
            })
        })
        .map(|rows| rows.filter_map(Result::ok).collect())
        .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn stores_only_the_hmac_and_files_are_owner_only() {
        let dir = std::env::temp_dir().join(format!("cccd-audit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (db, key) = (dir.join("audit.sqlite"), dir.join("audit.key"));
        let a = Audit::open(&db, &key).unwrap();
        a.record(&AuditRecord {
            caller: "key:1".into(),
            action: "card.read",
            reader: Some("R".into()),
            outcome: "ok".into(),
            verdict: Some("genuine"),
            eligibility: Some("eligible"),
            id_number: Some("038095012345".into()),
            facility: Some("38001".into()),
            operator_id: Some("038190000001".into()),
            recheck_id: Some(7),
            identified_by: Some("chip-verified"),
            consent: Some(true),
        });
        let rows = a.rows();
        assert_eq!(rows.len(), 1);
        let mac = rows[0].id_hmac.clone().unwrap();
        assert_eq!(rows[0].facility.as_deref(), Some("38001"));
        assert_eq!(rows[0].recheck_id, Some(7));
        assert_eq!(rows[0].identified_by.as_deref(), Some("chip-verified"));
        assert_eq!(rows[0].consent, Some(true));
        assert_eq!(
            rows[0].operator_hmac.as_deref(),
            Some(a.id_hmac("038190000001").as_str())
        );
        assert_eq!(mac.len(), 64);
        assert_eq!(mac, a.id_hmac("038095012345"));
        let bytes = std::fs::read(&db).unwrap();
        assert!(!bytes.windows(12).any(|w| w == b"038095012345"));
        assert!(!bytes.windows(12).any(|w| w == b"038190000001"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            for p in [&db, &key] {
                let mode = std::fs::metadata(p).unwrap().permissions().mode();
                assert_eq!(mode & 0o077, 0, "{}", p.display());
            }
        }
        // The same key next time: the same HMAC.
        drop(a);
        let b = Audit::open(&db, &key).unwrap();
        assert_eq!(b.id_hmac("038095012345"), mac);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A log and a key left readable by others (a copy, a restored backup) are made owner-only
    /// when opened, and keep working.
    #[cfg(unix)]
    #[test]
    fn a_log_and_key_readable_by_others_are_made_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("cccd-audit-open-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (db, key) = (dir.join("audit.sqlite"), dir.join("audit.key"));
        let mac = Audit::open(&db, &key).unwrap().id_hmac("038095012345");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir), 0o700);
        for p in [&db, &key] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        let a = Audit::open(&db, &key).unwrap();
        assert_eq!((mode(&db), mode(&key)), (0o600, 0o600));
        assert_eq!(a.id_hmac("038095012345"), mac, "the same key, kept");
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A log written by the first version (no facility, operator or re-check columns) keeps
    /// working: its rows stay, the columns are added, new rows fill them.
    #[test]
    fn an_old_log_is_migrated() {
        let dir = std::env::temp_dir().join(format!("cccd-audit-old-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (db, key) = (dir.join("audit.sqlite"), dir.join("audit.key"));
        {
            let c = rusqlite::Connection::open(&db).unwrap();
            c.execute_batch(
                "CREATE TABLE audit (
                    id INTEGER PRIMARY KEY, time TEXT NOT NULL, caller TEXT NOT NULL,
                    action TEXT NOT NULL, reader TEXT, outcome TEXT NOT NULL, verdict TEXT,
                    eligibility TEXT, id_hmac TEXT);
                 INSERT INTO audit (time, caller, action, outcome, eligibility)
                 VALUES ('2026-01-01T00:00:00Z', 'key:0', 'eligibility.check', 'ok', 'eligible');",
            )
            .unwrap();
        }
        let a = Audit::open(&db, &key).unwrap();
        a.record(&AuditRecord {
            caller: "key:0".into(),
            action: "eligibility.check",
            outcome: "ok".into(),
            facility: Some("38002".into()),
            ..AuditRecord::default()
        });
        let rows = a.rows();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0].eligibility.as_deref(), Some("eligible"));
        assert_eq!(rows[0].facility, None);
        assert_eq!((&rows[0].identified_by, rows[0].consent), (&None, None));
        assert_eq!(rows[1].facility.as_deref(), Some("38002"));
        // Opening again changes nothing.
        drop(a);
        assert_eq!(Audit::open(&db, &key).unwrap().rows().len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
