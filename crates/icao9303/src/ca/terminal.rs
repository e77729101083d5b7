//! The terminal's side of Chip Authentication (ICAO 9303-11 §6.2.3-§6.2.5) and what it
//! establishes: passed, failed (and why), not offered or not supported.

use std::fmt;

use apdu::{CardTransaction, Command, SmFailure, StatusWord};
use rand_core::CryptoRng;

use super::{
    CaCommands, ChipAuthParams, confirmation_command, general_authenticate, mse_set_at,
    mse_set_kat, session_keys,
};
use crate::card_access::SecurityInfos;
use crate::crypto::Cipher;
use crate::ec::{self, Curve};
use crate::error::{Error, Result};
use crate::sm::SecureMessaging;

/// What was negotiated, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChipAuthDetails {
    /// The cipher of the new secure messaging.
    pub cipher: Cipher,
    /// The chip's curve.
    pub curve: Curve,
    /// The key identifier sent, if any.
    pub key_id: Option<u64>,
    /// The commands used.
    pub commands: CaCommands,
}

/// A cipher the chip refused for Chip Authentication: an error status to MSE:Set KAT, MSE:Set
/// AT or General Authenticate. A refusal proves nothing either way (the chip may not do that
/// cipher), so it is not a failure: another cipher, or Active Authentication, decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChipAuthRefusal {
    /// The cipher asked for.
    pub cipher: Cipher,
    /// The command refused.
    pub step: &'static str,
    /// What the chip answered.
    pub sw: StatusWord,
}

impl fmt::Display for ChipAuthRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the chip refused {} with {:?} (status {})",
            self.step, self.cipher, self.sw
        )
    }
}

/// Why the chip failed Chip Authentication after accepting its commands: each is the chip's
/// doing, so with a DG14 that passive authentication verified, each suggests a clone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChipAuthFailure {
    /// The chip's first response under the new keys did not verify, or it rejected our
    /// protected command (6987/6988): it did not derive the keys from DG14's key.
    KeysNotConfirmed(SmFailure),
    /// The chip answered the first command under the new keys with an error status and no
    /// protection, so nothing it said can be authenticated.
    UnexpectedStatus(StatusWord),
}

impl fmt::Display for ChipAuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeysNotConfirmed(why) => write!(
                f,
                "the chip did not prove the Chip Authentication keys: {why}"
            ),
            Self::UnexpectedStatus(sw) => write!(
                f,
                "the chip answered status {sw} without protection under the new keys"
            ),
        }
    }
}

/// What Chip Authentication established.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChipAuthOutcome {
    /// The chip proved it holds the private key of DG14's public key: its first response
    /// under the new session keys verified. Secure messaging now runs with those keys.
    Passed(ChipAuthDetails),
    /// The chip could not prove it (clone suspected when DG14 is genuine). The returned
    /// session is unusable: the caller must open the chip again (BAC or PACE) to go on.
    Failed {
        /// What was negotiated.
        details: ChipAuthDetails,
        /// What went wrong.
        reason: ChipAuthFailure,
    },
    /// The chip refused Chip Authentication with every cipher tried (not performed: Active
    /// Authentication decides).
    Refused(Vec<ChipAuthRefusal>),
    /// DG14 offers no Chip Authentication.
    NotOffered,
    /// DG14 offers Chip Authentication in a form this implementation cannot run (DH, another
    /// curve, version 2, malformed key); nothing was sent.
    NotSupported(&'static str),
}

impl ChipAuthOutcome {
    /// True for [`ChipAuthOutcome::Passed`].
    pub fn passed(&self) -> bool {
        matches!(self, Self::Passed(_))
    }
}

/// Runs Chip Authentication with the key DG14 offers and each cipher of
/// [`ChipAuthParams::candidates`] in turn until the chip accepts one ([`chip_authenticate`]). When DG14 offers nothing usable, nothing is sent and the session
/// comes back as it was with [`ChipAuthOutcome::NotOffered`] or
/// [`ChipAuthOutcome::NotSupported`].
///
/// The caller must make sure DG14 is genuine (passive authentication: its hash in EF.SOD),
/// otherwise a clone can bring its own key (ICAO 9303-11 §6.2).
pub fn perform_chip_authentication<T: CardTransaction>(
    mut sm: SecureMessaging<T>,
    dg14: &SecurityInfos,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<(SecureMessaging<T>, ChipAuthOutcome)> {
    let candidates = match ChipAuthParams::candidates(dg14) {
        Ok(c) => c,
        Err(outcome) => return Ok((sm, outcome)),
    };
    let mut refusals = Vec::new();
    for params in &candidates {
        let (after, outcome) = chip_authenticate(sm, params, rng)?;
        match outcome {
            // A bare refusal may have ended the session: only a caller that can open the chip
            // again (`Document::clone_check`) tries on.
            ChipAuthOutcome::Refused(mut r) if after.last_status_unauthenticated().is_none() => {
                refusals.append(&mut r);
                sm = after;
            }
            ChipAuthOutcome::Refused(mut r) => {
                refusals.append(&mut r);
                return Ok((after, ChipAuthOutcome::Refused(refusals)));
            }
            other => return Ok((after, other)),
        }
    }
    Ok((sm, ChipAuthOutcome::Refused(refusals)))
}

/// Chip Authentication v1 with explicit parameters (ICAO 9303-11 §6.2). Randomness: the
/// ephemeral private key.
///
/// Returns the session to continue with and the outcome:
/// - [`ChipAuthOutcome::Passed`]: secure messaging restarted with the CA keys, SSC 0, and the
///   chip's protected answer to [`confirmation_command`] verified under them;
/// - [`ChipAuthOutcome::Refused`]: the chip refused the CA command for this cipher; the old
///   session comes back, still usable unless the refusal came without secure messaging
///   ([`SecureMessaging::last_status_unauthenticated`]);
/// - [`ChipAuthOutcome::Failed`] otherwise: the new session, lost or useless; open the chip
///   again to read on.
///
/// `Err` is for everything that is not the chip's answer to Chip Authentication: the reader
/// failing, or the old secure-messaging session failing on the CA command itself
/// ([`Error::SmSessionLost`], as during any file read). The session is consumed then; a caller
/// that wants to open the chip again afterwards runs this over a borrowed transaction
/// (`SecureMessaging<&mut T>`).
pub fn chip_authenticate<T: CardTransaction>(
    mut sm: SecureMessaging<T>,
    params: &ChipAuthParams,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<(SecureMessaging<T>, ChipAuthOutcome)> {
    let details = params.details();
    let sk = ec::random_private_key(params.curve, rng);
    let pk = ec::public_key(params.curve, None, &sk)?;
    let shared = ec::shared_secret(params.curve, &sk, &params.chip_public_key)
        .map_err(|_| Error::InvalidPoint("chip authentication"))?;
    let keys = session_keys(params.cipher, &shared)?;

    let commands: Vec<(&'static str, Command)> = match params.commands {
        CaCommands::MseSetKat => vec![("MSE:Set KAT", mse_set_kat(&pk, params.key_id))],
        CaCommands::MseSetAtGeneralAuthenticate => vec![
            ("MSE:Set AT", mse_set_at(params.cipher, params.key_id)),
            ("General Authenticate", general_authenticate(&pk)),
        ],
    };
    for (step, cmd) in commands {
        let r = sm.send(&cmd)?;
        if !r.sw.is_success() {
            tracing::info!(step, sw = %r.sw, cipher = ?params.cipher, "the chip refused chip authentication");
            let refusal = ChipAuthRefusal {
                cipher: params.cipher,
                step,
                sw: r.sw,
            };
            return Ok((sm, ChipAuthOutcome::Refused(vec![refusal])));
        }
    }

    // The chip has switched to the new keys: so do we (§6.2.3), with SSC 0.
    let ssc = vec![0u8; params.cipher.block_len()];
    let mut sm = SecureMessaging::new(sm.into_inner(), keys, &ssc)?;
    let outcome = match sm.send(&confirmation_command()) {
        // A 9000 only comes out of secure messaging with DO'99 and a verified MAC.
        Ok(r) if r.sw.is_success() => ChipAuthOutcome::Passed(details),
        Ok(r) => ChipAuthOutcome::Failed {
            details,
            reason: ChipAuthFailure::UnexpectedStatus(r.sw),
        },
        Err(Error::SmSessionLost(f)) if f != SmFailure::Transport => ChipAuthOutcome::Failed {
            details,
            reason: ChipAuthFailure::KeysNotConfirmed(f),
        },
        Err(e) => return Err(e),
    };
    match &outcome {
        ChipAuthOutcome::Passed(_) => {
            tracing::debug!(curve = ?params.curve, cipher = ?params.cipher, "chip authentication passed");
        }
        ChipAuthOutcome::Failed { reason, .. } => {
            tracing::warn!(%reason, "chip authentication failed");
        }
        _ => {}
    }
    Ok((sm, outcome))
}
