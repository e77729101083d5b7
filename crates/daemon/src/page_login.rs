//! Staff logins of the reception page (`[[server.page_logins]]`): who may log in, checked with
//! Argon2id (RFC 9106) hashes, and which eligibility operator each one is.
//!
//! The password is never in the configuration: `password_hash` is a PHC string (`cccd config
//! hash-password` prints one), or `password_file` names a file whose first line is the password
//! (read once at start, hashed in memory with a fresh salt, the text wiped).

use std::sync::atomic::{AtomicU64, Ordering};

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use eligibility::Operator;
use rand_core::{OsRng, TryRngCore};
use zeroize::Zeroizing;

use crate::config::PageLoginConfig;
use crate::error::DaemonError;

/// One staff login, ready to check.
pub(crate) struct PageLogin {
    /// The login name.
    pub(crate) username: String,
    /// The PHC hash; None when its password file could not be read (the login then fails).
    hash: Option<String>,
    /// The eligibility operator of this staff member's checks.
    pub(crate) operator: Operator,
    /// Bumped by a logout: every credential of an older generation is void.
    generation: AtomicU64,
}

/// The page's logins; empty when none are configured (the page is then for this machine only).
#[derive(Default)]
pub(crate) struct PageLogins {
    entries: Vec<PageLogin>,
    /// A hash checked for an unknown username, so the time taken does not tell which names
    /// exist.
    decoy: Option<String>,
}

/// Hashes `password` for `[[server.page_logins]] password_hash`: Argon2id with the crate's
/// default parameters (RFC 9106's second recommendation: 19 MiB, 2 passes) and a random salt.
pub fn hash_page_password(password: &str) -> Result<String, DaemonError> {
    let mut salt = [0u8; 16];
    OsRng.try_fill_bytes(&mut salt).map_err(|_| {
        DaemonError::Config("the operating system's random generator failed".into())
    })?;
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DaemonError::Config(format!("cannot hash the password: {e}")))
}

/// The first line of a password file, or why not (never its content).
fn read_password_file(path: &std::path::Path) -> Result<Zeroizing<String>, String> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
    );
    let first = Zeroizing::new(text.lines().next().unwrap_or("").trim_end().to_owned());
    if first.is_empty() {
        return Err(format!(
            "{}: the first line (the password) is empty",
            path.display()
        ));
    }
    Ok(first)
}

/// What is wrong with `[[server.page_logins]]`, as sentences that say what to change (never a
/// password, a hash or an ID number).
pub(crate) fn problems(logins: &[PageLoginConfig]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, l) in logins.iter().enumerate() {
        let n = i + 1;
        let name = l.username.trim();
        if name.is_empty() {
            out.push(format!(
                "[[server.page_logins]] number {n}: username is empty"
            ));
            continue;
        }
        let at = format!("[[server.page_logins]] {name:?}");
        if logins[..i].iter().any(|o| o.username.trim() == name) {
            out.push(format!("{at} is given twice: one table per staff member"));
        }
        match (&l.password_hash, &l.password_file) {
            (Some(_), Some(_)) | (None, None) => out.push(format!(
                "{at}: give exactly one of password_hash (from `cccd config hash-password`) or password_file"
            )),
            (Some(h), None) => {
                if !PasswordHash::new(h.trim()).is_ok_and(|p| p.algorithm.as_str() == "argon2id")
                {
                    out.push(format!(
                        "{at}: password_hash is not an Argon2id hash: make one with `cccd config hash-password`"
                    ));
                }
            }
            (None, Some(p)) => {
                if let Err(e) = read_password_file(p) {
                    out.push(format!("{at}: password_file: {e}"));
                }
            }
        }
        if l.operator_name.trim().is_empty() {
            out.push(format!(
                "{at}: operator_name is empty: the staff member's full name, sent to the gateway as the operator"
            ));
        }
        if citizen::IdNumber::new(l.operator_id.trim()).is_err() {
            out.push(format!(
                "{at}: operator_id must be the staff member's 12-digit ID number"
            ));
        }
    }
    out
}

impl PageLogins {
    /// The logins of the configuration. One whose password cannot be had (its file unreadable,
    /// a hash that does not parse) is kept but never accepted, and logged: the page still asks
    /// for a login (a configuration naming logins never falls back to the open page).
    pub(crate) fn from_config(logins: &[PageLoginConfig]) -> Self {
        if logins.is_empty() {
            return Self::default();
        }
        let entries = logins
            .iter()
            .map(|l| {
                let hash = match (&l.password_hash, &l.password_file) {
                    (Some(h), None) => Some(h.trim().to_owned())
                        .filter(|h| PasswordHash::new(h).is_ok()),
                    (None, Some(p)) => read_password_file(p)
                        .map_err(|e| tracing::error!("[[server.page_logins]]: {e}"))
                        .ok()
                        .and_then(|pw| hash_page_password(&pw).ok()),
                    _ => None,
                };
                if hash.is_none() {
                    tracing::error!(
                        "[[server.page_logins]] {:?}: no usable password: this login is refused until the configuration is fixed (`cccd config check`)",
                        l.username.trim()
                    );
                }
                PageLogin {
                    username: l.username.trim().to_owned(),
                    hash,
                    operator: Operator {
                        name: l.operator_name.trim().to_owned(),
                        id_number: l.operator_id.trim().to_owned(),
                    },
                    generation: AtomicU64::new(0),
                }
            })
            .collect();
        Self {
            entries,
            decoy: hash_page_password(&crate::state::random_token()).ok(),
        }
    }

    /// Whether the page asks for a login.
    pub(crate) fn required(&self) -> bool {
        !self.entries.is_empty()
    }

    /// The login `index`.
    pub(crate) fn get(&self, index: usize) -> Option<&PageLogin> {
        self.entries.get(index)
    }

    /// The index of the login `username` whose password is `password`. Slow by design (one
    /// Argon2id run, also for an unknown name): call it off the async threads.
    pub(crate) fn verify(&self, username: &str, password: &str) -> Option<usize> {
        let found = self
            .entries
            .iter()
            .position(|l| l.username == username.trim());
        let hash = found
            .and_then(|i| self.entries[i].hash.as_deref())
            .or(self.decoy.as_deref())?;
        let good = Argon2::default()
            .verify_password(password.as_bytes(), hash)
            .is_ok();
        found.filter(|i| good && self.entries[*i].hash.is_some())
    }
}

impl PageLogin {
    /// The current generation of this login's credentials.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Voids every credential of this login (a logout).
    pub(crate) fn revoke(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn login(
        name: &str,
        hash: Option<String>,
        file: Option<std::path::PathBuf>,
    ) -> PageLoginConfig {
        PageLoginConfig {
            username: name.into(),
            password_hash: hash,
            password_file: file,
            operator_name: "Trần Thị Bình".into(),
            operator_id: "038190000001".into(),
        }
    }

    #[test]
    fn hashes_verify_and_nothing_else_does() {
        let h = hash_page_password("đúng mật khẩu").unwrap();
        assert!(h.starts_with("$argon2id$"), "{h}");
        let dir = std::env::temp_dir().join(format!("cccd-page-login-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("an.pass");
        std::fs::write(&file, "mật khẩu của An\nignored\n").unwrap();
        let logins = PageLogins::from_config(&[
            login("binh", Some(h), None),
            login("an", None, Some(file)),
            login("gone", None, Some(dir.join("missing"))),
        ]);
        assert!(logins.required());
        assert_eq!(logins.verify("binh", "đúng mật khẩu"), Some(0));
        assert_eq!(logins.verify(" binh ", "đúng mật khẩu"), Some(0));
        assert_eq!(logins.verify("binh", "sai"), None);
        assert_eq!(logins.verify("an", "mật khẩu của An"), Some(1));
        assert_eq!(logins.verify("an", "ignored"), None);
        assert_eq!(logins.verify("nobody", "đúng mật khẩu"), None);
        assert_eq!(logins.verify("gone", ""), None);
        let b = logins.get(0).unwrap();
        assert_eq!(b.operator.id_number, "038190000001");
        let g = b.generation();
        b.revoke();
        assert_eq!(b.generation(), g + 1);
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(!PageLogins::from_config(&[]).required());
    }

    #[test]
    fn problems_say_what_to_change_and_never_the_secret() {
        let h = hash_page_password("x").unwrap();
        assert!(problems(&[login("binh", Some(h.clone()), None)]).is_empty());
        let bad_id = PageLoginConfig {
            operator_id: "12345".into(),
            operator_name: " ".into(),
            ..login("binh", Some(h.clone()), None)
        };
        for (logins, want) in [
            (vec![login("", Some(h.clone()), None)], "username is empty"),
            (
                vec![
                    login("a", Some(h.clone()), None),
                    login("a", Some(h.clone()), None),
                ],
                "given twice",
            ),
            (vec![login("a", None, None)], "exactly one of"),
            (
                vec![login("a", Some("plain-password".into()), None)],
                "not an Argon2id hash",
            ),
            (
                vec![login("a", None, Some("/nonexistent/p".into()))],
                "cannot read /nonexistent/p",
            ),
            (vec![bad_id.clone()], "operator_id must be"),
            (vec![bad_id], "operator_name is empty"),
        ] {
            let p = problems(&logins);
            assert!(p.iter().any(|p| p.contains(want)), "{want}: {p:?}");
            assert!(
                !p.iter()
                    .any(|p| p.contains("plain-password") || p.contains("$argon2")),
                "{p:?}"
            );
        }
    }
}
