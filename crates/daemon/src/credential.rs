//! The reception page's credential: a cookie value signed with HMAC-SHA-256 (RFC 2104) under a
//! key drawn at start and held in zeroizing memory, so nothing is stored per page (a burst of
//! page loads cannot push a page's credential out of a table) and a restart voids every one.
//!
//! The value is `v1.<id>.<login>.<generation>.<issued>.<mac>`: `id` is 128 random bits that
//! stay the same when the credential is renewed (the sessions the page's reads create are
//! tied to it), `login` the index of the staff login (`-` for the loopback page), `generation`
//! the login's logout count, `issued` seconds since the daemon started (a monotonic clock:
//! changing the system time does not extend a credential).

use std::time::{Duration, Instant};

use hmac::{Hmac, KeyInit, Mac};
use rand_core::{OsRng, TryRngCore};
use sha2::Sha256;
use zeroize::Zeroizing;

/// What a valid page credential grants to: which page, which staff login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageGrant {
    /// The credential's id (32 hex digits), the same across renewals.
    pub id: String,
    /// The staff login (its index in `[[server.page_logins]]`), None for the loopback page.
    pub login: Option<usize>,
    /// The login's generation when it was issued.
    pub(crate) generation: u64,
    /// When it was issued or last renewed (seconds since start).
    issued: u64,
}

/// The signing key and the lifetime.
pub(crate) struct PageKeys {
    key: Zeroizing<[u8; 32]>,
    epoch: Instant,
    ttl: Duration,
}

const PREFIX: &str = "v1";

impl PageKeys {
    /// A fresh random key; credentials live `ttl` after their last renewal.
    pub(crate) fn new(ttl: Duration) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        if OsRng.try_fill_bytes(key.as_mut_slice()).is_err() {
            // Without a random key no credential can be trusted: a key nobody can reproduce
            // still signs, but the error is loud (and every token of the fallback is a fresh
            // random-looking value of the same failing source, so: log it).
            tracing::error!("the operating system's random generator failed");
            let fallback = crate::state::random_token() + &crate::state::random_token();
            key.copy_from_slice(&fallback.as_bytes()[..32]);
        }
        Self {
            key,
            epoch: Instant::now(),
            ttl,
        }
    }

    /// The lifetime.
    pub(crate) fn ttl(&self) -> Duration {
        self.ttl
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_secs()
    }

    fn mac(&self, body: &str) -> Hmac<Sha256> {
        // A 32-byte key is always accepted by HMAC.
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(self.key.as_slice())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        m.update(b"cccd-page-credential\0");
        m.update(body.as_bytes());
        m
    }

    /// A credential for page `id`, of `login` (index, generation) or the loopback page, issued
    /// now.
    pub(crate) fn issue(&self, id: &str, login: Option<(usize, u64)>) -> String {
        let (l, g) = match login {
            Some((i, g)) => (i.to_string(), g),
            None => ("-".to_owned(), 0),
        };
        let body = format!("{PREFIX}.{id}.{l}.{g}.{}", self.now());
        let tag = hex::encode(self.mac(&body).finalize().into_bytes());
        format!("{body}.{tag}")
    }

    /// The same credential renewed now.
    pub(crate) fn renew(&self, g: &PageGrant) -> String {
        self.issue(&g.id, g.login.map(|l| (l, g.generation)))
    }

    /// The grant of `token` when it is signed by this daemon and not expired.
    pub(crate) fn check(&self, token: &str) -> Option<PageGrant> {
        let (body, tag) = token.rsplit_once('.')?;
        let tag = hex::decode(tag).ok()?;
        self.mac(body).verify_slice(&tag).ok()?;
        let mut parts = body.split('.');
        let (v, id, login, generation, issued) = (
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
            parts.next()?,
        );
        if v != PREFIX || parts.next().is_some() {
            return None;
        }
        let issued: u64 = issued.parse().ok()?;
        if self.now().saturating_sub(issued) > self.ttl.as_secs() {
            return None;
        }
        Some(PageGrant {
            id: id.to_owned(),
            login: match login {
                "-" => None,
                n => Some(n.parse().ok()?),
            },
            generation: generation.parse().ok()?,
            issued,
        })
    }

    /// Whether `g` should be sent back renewed: after a tenth of its lifetime (at most five
    /// minutes), so a page in use never expires and a busy page is not sent a cookie on every
    /// answer.
    pub(crate) fn needs_renewal(&self, g: &PageGrant) -> bool {
        let every = (self.ttl.as_secs() / 10).clamp(1, 300);
        self.now().saturating_sub(g.issued) >= every
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn signed_expiring_and_bound_to_this_process() {
        let keys = PageKeys::new(Duration::from_secs(3600));
        let t = keys.issue("ab12", None);
        let g = keys.check(&t).unwrap();
        assert_eq!((g.id.as_str(), g.login, g.generation), ("ab12", None, 0));
        let t = keys.issue("cd34", Some((2, 7)));
        let g = keys.check(&t).unwrap();
        assert_eq!((g.login, g.generation), (Some(2), 7));
        assert!(!keys.needs_renewal(&g));
        // Any change breaks the signature.
        let forged = t.replacen(".2.", ".0.", 1);
        assert!(keys.check(&forged).is_none());
        assert!(keys.check(&t.replacen("cd34", "cd35", 1)).is_none());
        assert!(keys.check("v1.x.-.0.0").is_none());
        assert!(keys.check("").is_none());
        // Another daemon's key (a restart) does not know it.
        assert!(PageKeys::new(Duration::from_secs(3600)).check(&t).is_none());
        // Expired: issued 100 s ago with a lifetime of 10 s; renewed, it is good again.
        let mut short = PageKeys::new(Duration::from_secs(10));
        short.epoch = Instant::now()
            .checked_sub(Duration::from_secs(100))
            .unwrap();
        let body = "v1.ab.-.0.0";
        let tag = hex::encode(short.mac(body).finalize().into_bytes());
        assert!(short.check(&format!("{body}.{tag}")).is_none());
        let body = "v1.ab.-.0.95";
        let tag = hex::encode(short.mac(body).finalize().into_bytes());
        let g = short.check(&format!("{body}.{tag}")).unwrap();
        assert!(short.needs_renewal(&g));
        let renewed = short.renew(&g);
        assert_eq!(renewed.split('.').nth(1), Some("ab"));
        assert!(!short.needs_renewal(&short.check(&renewed).unwrap()));
    }
}
