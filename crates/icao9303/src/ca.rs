//! Chip Authentication version 1 with ECDH (ICAO 9303-11 §6.2; BSI TR-03110-1 §3.4 and
//! TR-03110-3 §B.1), terminal and chip sides.
//!
//! The chip's static key pair `(SK_IC, PK_IC)` is on the chip's domain parameters; `PK_IC` is in
//! DG14 (`ChipAuthenticationPublicKeyInfo`, §9.2.6), which passive authentication covers.
//!
//! 1. The terminal draws an ephemeral key pair `(SK_T, PK_T)` on the same domain parameters.
//! 2. It sends `PK_T`, still under the current (BAC or PACE) secure messaging:
//!    - `MSE:Set KAT` (§6.2.5.1): `00 22 41 A6`, DO'91 `PK_T`, DO'84 keyId when DG14 gives one.
//!      Only for `id-CA-*-3DES-CBC-CBC`: the command has no room for the cipher.
//!    - or `MSE:Set AT` (§6.2.5.2): `00 22 41 A4`, DO'80 the CA OID, DO'84 keyId, followed by
//!      `General Authenticate` `00 86 00 00` with `7C { 80 PK_T }`; required for AES.
//! 3. Both sides compute `K = x(SK_T · PK_IC) = x(SK_IC · PK_T)` and the session keys
//!    `KS_enc = KDF(K, 1)`, `KS_mac = KDF(K, 2)` for the CA cipher (§9.7.1).
//! 4. The response to the CA command is protected with the OLD keys; secure messaging then
//!    restarts with the new keys and `SSC = 0` (§6.2.3, §9.8.2).
//!
//! The chip is authenticated implicitly: only a chip holding `SK_IC` derives the same keys, so
//! its first response under them verifies. A clone that copied DG14 without the private key
//! cannot produce that response; this module sends one harmless command (SELECT EF.DG14) to
//! find out, and reports the result as a [`ChipAuthOutcome`] rather than as an [`Error`], so a
//! "clone suspected" verdict is never confused with a reader failing.
//!
//! Only ECDH is implemented (the CCCD and every eMRTD sample at hand use it), on the curves of
//! [`Curve`]: brainpoolP256r1, P-256, P-384, brainpoolP384r1. Chip Authentication version 2
//! (TR-03110 EAC2, after Terminal Authentication) is reported as not supported.

use std::fmt;

use apdu::{CardTransaction, Command, Response, StatusWord};
use asn1::ber::Reader;
use asn1::spki::{EcDomain, SubjectPublicKeyInfo};
use asn1::write::unsigned_integer;
use asn1::{CurveError, NamedCurve, push_tlv, tlv};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::card_access::SecurityInfos;
use crate::card_access::{ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, SecurityInfo};
use crate::crypto::Cipher;
use crate::ec::{self, Curve};
use apdu::SmFailure;

use crate::error::{Error, Result};
use crate::kdf::{kdf_enc, kdf_mac};
use crate::pace::{self, dynamic_auth_object};
use crate::read::{LdsFile, select_ef};
use crate::sm::{SecureMessaging, SmKeys};

/// `id-CA-ECDH` = 0.4.0.127.0.7.2.2.3.2 (ICAO 9303-11 §9.2.5), DER content bytes; the cipher
/// arc follows (1 3DES-CBC-CBC, 2 AES-CBC-CMAC-128, 3 -192, 4 -256).
pub const ID_CA_ECDH: [u8; 9] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02];
/// `id-CA-DH` = 0.4.0.127.0.7.2.2.3.1.
const ID_CA_DH: [u8; 9] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x01];
/// `id-PK-ECDH` = 0.4.0.127.0.7.2.2.1.2 (ICAO 9303-11 §9.2.6).
pub const ID_PK_ECDH: [u8; 9] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01, 0x02];
/// `standardizedDomainParameters` = 0.4.0.127.0.7.1.2 (BSI TR-03110-3 §A.2.1.1): the
/// AlgorithmIdentifier's parameter is then the INTEGER parameter ID of ICAO 9303-11 §9.5.1.
const STANDARDIZED_DOMAIN_PARAMETERS: [u8; 7] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x01, 0x02];

/// The OID `id-CA-ECDH-{cipher}` (DER content bytes).
pub fn ca_ecdh_oid(cipher: Cipher) -> Vec<u8> {
    let arc = match cipher {
        Cipher::Tdes => 1,
        Cipher::Aes128 => 2,
        Cipher::Aes192 => 3,
        Cipher::Aes256 => 4,
    };
    let mut oid = ID_CA_ECDH.to_vec();
    oid.push(arc);
    oid
}

/// The cipher of an `id-CA-ECDH-{cipher}` OID; `None` for DH or anything else.
pub fn cipher_of_ca_ecdh_oid(oid: &[u8]) -> Option<Cipher> {
    match oid.strip_prefix(&ID_CA_ECDH[..])? {
        [1] => Some(Cipher::Tdes),
        [2] => Some(Cipher::Aes128),
        [3] => Some(Cipher::Aes192),
        [4] => Some(Cipher::Aes256),
        _ => None,
    }
}

/// How the terminal's ephemeral key reaches the chip (ICAO 9303-11 §6.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CaCommands {
    /// `MSE:Set KAT` alone (§6.2.5.1), 3DES only.
    MseSetKat,
    /// `MSE:Set AT` then `General Authenticate` (§6.2.5.2).
    MseSetAtGeneralAuthenticate,
}

impl CaCommands {
    /// The variant for a cipher: MSE:Set KAT for 3DES, because every chip that offers
    /// 3DES Chip Authentication accepts it (it is the original EAC v1 command; some older
    /// chips know no other), and MSE:Set AT + General Authenticate for AES, the only one
    /// ICAO 9303-11 §6.2.5 allows there.
    pub fn for_cipher(cipher: Cipher) -> Self {
        match cipher {
            Cipher::Tdes => Self::MseSetKat,
            _ => Self::MseSetAtGeneralAuthenticate,
        }
    }
}

/// Everything Chip Authentication needs from DG14, chosen by
/// [`ChipAuthParams::from_security_infos`].
#[derive(Clone, PartialEq, Eq)]
pub struct ChipAuthParams {
    /// The cipher of the new secure messaging (from the ChipAuthenticationInfo OID).
    pub cipher: Cipher,
    /// The chip's domain parameters.
    pub curve: Curve,
    /// The chip's static public key `PK_IC`, uncompressed (`04 ‖ x ‖ y`), validated on `curve`.
    pub chip_public_key: Vec<u8>,
    /// The key identifier to send in DO'84, when DG14 gives one.
    pub key_id: Option<u64>,
    /// Which commands to send.
    pub commands: CaCommands,
}

impl fmt::Debug for ChipAuthParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The public key is public, but long; the rest says what will be sent.
        f.debug_struct("ChipAuthParams")
            .field("cipher", &self.cipher)
            .field("curve", &self.curve)
            .field("key_id", &self.key_id)
            .field("commands", &self.commands)
            .finish_non_exhaustive()
    }
}

impl ChipAuthParams {
    /// Picks a Chip Authentication key and protocol from DG14's SecurityInfos (ICAO 9303-11
    /// §9.2.5, §9.2.6): each ECDH `ChipAuthenticationPublicKeyInfo` on a supported curve is
    /// paired with a version-1 `id-CA-ECDH-*` ChipAuthenticationInfo of the same keyId (a
    /// missing keyId on either side matches, as chips with one key often omit it); among the
    /// pairs, the strongest cipher wins. A public key without any ChipAuthenticationInfo gets
    /// `id-CA-ECDH-3DES-CBC-CBC`, the default of TR-03110 v1 that ChipAuthenticationInfo was
    /// introduced to override.
    ///
    /// `Err` is the outcome to report when there is nothing this implementation can run:
    /// [`ChipAuthOutcome::NotOffered`] or [`ChipAuthOutcome::NotSupported`].
    pub fn from_security_infos(infos: &SecurityInfos) -> Result<Self, ChipAuthOutcome> {
        let cas: Vec<&ChipAuthenticationInfo> = infos.chip_authentication_infos().collect();
        let pks: Vec<&ChipAuthenticationPublicKeyInfo> = infos
            .infos
            .iter()
            .filter_map(|i| match i {
                SecurityInfo::ChipAuthenticationPublicKey(k) => Some(k),
                _ => None,
            })
            .collect();
        if pks.is_empty() {
            return Err(if cas.is_empty() {
                ChipAuthOutcome::NotOffered
            } else {
                ChipAuthOutcome::NotSupported("DG14 has no ChipAuthenticationPublicKeyInfo")
            });
        }
        let rank = |c: Cipher| match c {
            Cipher::Aes256 => 4,
            Cipher::Aes192 => 3,
            Cipher::Aes128 => 2,
            Cipher::Tdes => 1,
        };
        let mut best: Option<Self> = None;
        let mut why_not = "DG14's Chip Authentication keys are not ECDH";
        for pk in pks {
            if pk.protocol != ID_PK_ECDH {
                continue;
            }
            let (curve, point) = match parse_chip_public_key(&pk.public_key_info) {
                Ok(k) => k,
                Err(why) => {
                    why_not = why;
                    continue;
                }
            };
            let matching = cas
                .iter()
                .filter(|c| c.key_id.is_none() || pk.key_id.is_none() || c.key_id == pk.key_id);
            let mut ciphers = Vec::new();
            let mut any_info = false;
            for c in matching {
                any_info = true;
                if c.protocol.starts_with(&ID_CA_DH) {
                    why_not = "Chip Authentication with DH is not implemented";
                } else if c.version != 1 {
                    why_not = "Chip Authentication version 2 needs Terminal Authentication";
                } else if let Some(cipher) = cipher_of_ca_ecdh_oid(&c.protocol) {
                    ciphers.push((cipher, c.key_id));
                } else {
                    why_not = "unknown Chip Authentication protocol";
                }
            }
            if !any_info {
                ciphers.push((Cipher::Tdes, None));
            }
            for (cipher, info_key_id) in ciphers {
                let candidate = Self {
                    cipher,
                    curve,
                    chip_public_key: point.clone(),
                    key_id: pk.key_id.or(info_key_id),
                    commands: CaCommands::for_cipher(cipher),
                };
                if best
                    .as_ref()
                    .is_none_or(|b| rank(b.cipher) < rank(candidate.cipher))
                {
                    best = Some(candidate);
                }
            }
        }
        best.ok_or(ChipAuthOutcome::NotSupported(why_not))
    }

    fn details(&self) -> ChipAuthDetails {
        ChipAuthDetails {
            cipher: self.cipher,
            curve: self.curve,
            key_id: self.key_id,
            commands: self.commands,
        }
    }
}

/// Parses the `SubjectPublicKeyInfo` of a `ChipAuthenticationPublicKeyInfo` into the curve and
/// the uncompressed public point, validated. The domain parameters may be a named curve OID
/// (RFC 5480), explicit parameters (SEC 1 §C.2, as most passports' DG14 have: they must equal a
/// named curve's p, a, b, G and n, so a curve with another generator is refused rather than
/// silently mismatched), or a standardized parameter ID (BSI TR-03110-3 §A.2.1.1, as in ICAO
/// 9303-11 Appendix I).
pub fn parse_chip_public_key(spki: &[u8]) -> Result<(Curve, Vec<u8>), &'static str> {
    const BAD: &str = "malformed Chip Authentication public key";
    let key = SubjectPublicKeyInfo::from_bytes(spki).map_err(|_| BAD)?;
    let curve = if key.algorithm == STANDARDIZED_DOMAIN_PARAMETERS {
        let id = match key.ec_domain() {
            EcDomain::Other(p) => p.uint(),
            _ => None,
        };
        id.and_then(Curve::from_parameter_id)
            .ok_or("unsupported standardized domain parameters")?
    } else if key.is_ec() {
        let named = match key.ec_curve() {
            Ok((named, _)) => named,
            Err(CurveError::Malformed(_)) => return Err("malformed explicit domain parameters"),
            Err(CurveError::AnotherBasePoint) => {
                return Err("explicit domain parameters with another base point");
            }
            Err(CurveError::Unsupported(_)) => return Err(unsupported_domain(&key)),
        };
        Curve::from_named(named).ok_or_else(|| unsupported_domain(&key))?
    } else {
        return Err("the Chip Authentication key is not an EC key");
    };
    validated(curve, key.public_key)
}

/// Why an EC key's domain parameters cannot be computed on.
fn unsupported_domain(key: &SubjectPublicKeyInfo<'_>) -> &'static str {
    match key.ec_domain() {
        EcDomain::Named(_) => "unsupported named curve",
        EcDomain::Explicit(_) => "unsupported explicit domain parameters",
        _ => "implicit domain parameters are not supported",
    }
}

fn validated(curve: Curve, point: &[u8]) -> Result<(Curve, Vec<u8>), &'static str> {
    ec::validate_point(curve, point)
        .map_err(|_| "the Chip Authentication public key is not a point of its curve")?;
    Ok((curve, point.to_vec()))
}

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

/// Why the chip failed Chip Authentication: each is the chip's doing, so with a DG14 that
/// passive authentication verified, each suggests a clone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChipAuthFailure {
    /// The chip refused a Chip Authentication command (its DG14 offers the protocol).
    Refused {
        /// The command.
        step: &'static str,
        /// What the chip answered.
        sw: StatusWord,
    },
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
            Self::Refused { step, sw } => write!(f, "the chip refused {step} (status {sw})"),
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

// ---------------------------------------------------------------------------------------------
// Commands.

/// A keyId as the unsigned big-endian octets of DO'84 (TR-03110-3 §B.11.1: "reference of a
/// private key"), at least one byte.
fn key_id_octets(id: u64) -> Vec<u8> {
    let b = id.to_be_bytes();
    let i = b.iter().position(|&x| x != 0).unwrap_or(b.len() - 1);
    b[i..].to_vec()
}

/// `MSE:Set KAT` (ICAO 9303-11 §6.2.5.1): `00 22 41 A6` with DO'91 the terminal's ephemeral
/// public key (uncompressed point) and DO'84 the keyId when the chip has several keys. No Le.
pub fn mse_set_kat(ephemeral_public_key: &[u8], key_id: Option<u64>) -> Command {
    let mut data = Vec::with_capacity(ephemeral_public_key.len() + 12);
    push_tlv(&mut data, &[0x91], ephemeral_public_key);
    if let Some(id) = key_id {
        push_tlv(&mut data, &[0x84], &key_id_octets(id));
    }
    Command::new(0x00, 0x22, 0x41, 0xA6).with_data(data)
}

/// `MSE:Set AT` for Chip Authentication (ICAO 9303-11 §6.2.5.2): `00 22 41 A4` with DO'80 the
/// `id-CA-ECDH-*` OID and DO'84 the keyId when the chip has several keys. No Le.
pub fn mse_set_at(cipher: Cipher, key_id: Option<u64>) -> Command {
    let mut data = Vec::with_capacity(16);
    push_tlv(&mut data, &[0x80], &ca_ecdh_oid(cipher));
    if let Some(id) = key_id {
        push_tlv(&mut data, &[0x84], &key_id_octets(id));
    }
    Command::new(0x00, 0x22, 0x41, 0xA4).with_data(data)
}

/// `General Authenticate` for Chip Authentication (ICAO 9303-11 §6.2.5.2): `00 86 00 00` with
/// `7C { 80 PK_T }`, Le `00`. The chip answers `7C 00`.
pub fn general_authenticate(ephemeral_public_key: &[u8]) -> Command {
    pace::general_authenticate(0x80, ephemeral_public_key, true)
}

/// The session keys `KS_enc = KDF(K, 1)`, `KS_mac = KDF(K, 2)` (ICAO 9303-11 §6.2.3, §9.7.1).
pub fn session_keys(cipher: Cipher, shared_secret: &[u8]) -> Result<SmKeys> {
    SmKeys::new(
        cipher,
        &kdf_enc(shared_secret, cipher),
        &kdf_mac(shared_secret, cipher),
    )
}

/// The command whose protected answer confirms the new keys: SELECT EF.DG14 without FCI. The
/// chip certainly has DG14 (the terminal read it to get here), the command changes nothing but
/// the current EF (every file read selects its own), and its answer carries no data.
pub fn confirmation_command() -> Command {
    select_ef(LdsFile::Dg(14).fid())
}

// ---------------------------------------------------------------------------------------------
// Terminal side.

/// Runs Chip Authentication with the key DG14 offers ([`ChipAuthParams::from_security_infos`]),
/// then [`chip_authenticate`]. When DG14 offers nothing usable, nothing is sent and the session
/// comes back as it was with [`ChipAuthOutcome::NotOffered`] or
/// [`ChipAuthOutcome::NotSupported`].
///
/// The caller must make sure DG14 is genuine (passive authentication: its hash in EF.SOD),
/// otherwise a clone can bring its own key (ICAO 9303-11 §6.2).
pub fn perform_chip_authentication<T: CardTransaction>(
    sm: SecureMessaging<T>,
    dg14: &SecurityInfos,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<(SecureMessaging<T>, ChipAuthOutcome)> {
    match ChipAuthParams::from_security_infos(dg14) {
        Ok(params) => chip_authenticate(sm, &params, rng),
        Err(outcome) => Ok((sm, outcome)),
    }
}

/// Chip Authentication v1 with explicit parameters (ICAO 9303-11 §6.2). Randomness: the
/// ephemeral private key.
///
/// Returns the session to continue with and the outcome:
/// - [`ChipAuthOutcome::Passed`]: secure messaging restarted with the CA keys, SSC 0, and the
///   chip's protected answer to [`confirmation_command`] verified under them;
/// - [`ChipAuthOutcome::Failed`] with [`ChipAuthFailure::Refused`]: the chip refused the CA
///   command; the old session comes back, usually still usable;
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
            tracing::info!(step, sw = %r.sw, "the chip refused chip authentication");
            let reason = ChipAuthFailure::Refused { step, sw: r.sw };
            return Ok((sm, ChipAuthOutcome::Failed { details, reason }));
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

// ---------------------------------------------------------------------------------------------
// Chip side, for the virtual card.

/// The chip's side of Chip Authentication v1 with ECDH: it takes the plain commands (as
/// [`crate::sm::CardSecureMessaging`] unwrapped them) and answers them; when the key agreement
/// is complete it also gives the new session keys. The simulator must wrap that answer with the
/// OLD session and only then switch to the new keys with SSC 0 (ICAO 9303-11 §6.2.3).
///
/// Both command variants are accepted: MSE:Set KAT only for a 3DES protocol (§6.2.5.1), and
/// MSE:Set AT + General Authenticate for any. The private key is zeroized on drop.
pub struct CardChipAuthentication {
    cipher: Cipher,
    curve: Curve,
    private_key: Zeroizing<Vec<u8>>,
    key_id: Option<u64>,
    awaiting_general_authenticate: bool,
}

/// The status a chip gives for a CA command whose data it cannot use (ISO/IEC 7816-4).
const WRONG_DATA: StatusWord = StatusWord::WRONG_DATA;

impl CardChipAuthentication {
    /// A chip with the static private key `private_key` (big-endian, the curve's field length)
    /// on `curve`, offering the protocol `ca_oid` (`id-CA-ECDH-*`), with the keyId its DG14
    /// gives, if any.
    pub fn new(
        ca_oid: &[u8],
        curve: Curve,
        private_key: &[u8],
        key_id: Option<u64>,
    ) -> Result<Self> {
        let cipher = cipher_of_ca_ecdh_oid(ca_oid).ok_or(Error::Malformed {
            what: "Chip Authentication OID",
            why: "not id-CA-ECDH-*",
        })?;
        // Validates the key (length, non-zero, below the order).
        ec::public_key(curve, None, private_key)?;
        Ok(Self {
            cipher,
            curve,
            private_key: Zeroizing::new(private_key.to_vec()),
            key_id,
            awaiting_general_authenticate: false,
        })
    }

    /// The chip's static public key, uncompressed: the one DG14 must hold.
    pub fn public_key(&self) -> Result<Vec<u8>> {
        ec::public_key(self.curve, None, &self.private_key)
    }

    /// DG14's two SecurityInfos for this chip (ICAO 9303-11 §9.2.5, §9.2.6), DER:
    /// `ChipAuthenticationInfo` and `ChipAuthenticationPublicKeyInfo` (named curve).
    pub fn security_infos_der(&self) -> Result<(Vec<u8>, Vec<u8>)> {
        Ok((
            chip_authentication_info_der(self.cipher, self.key_id),
            chip_authentication_public_key_info_der(self.curve, &self.public_key()?, self.key_id)?,
        ))
    }

    /// True for a command this type answers in the current state: MSE:Set KAT, MSE:Set AT for
    /// CA (`41 A4`), and General Authenticate after such an MSE:Set AT.
    pub fn handles(&self, cmd: &Command) -> bool {
        match (cmd.ins, cmd.p1, cmd.p2) {
            (0x22, 0x41, 0xA6 | 0xA4) => true,
            (0x86, 0x00, 0x00) => self.awaiting_general_authenticate,
            _ => false,
        }
    }

    /// Answers one plain command; `Some(keys)` when secure messaging must restart with them.
    pub fn process(&mut self, cmd: &Command) -> (Response, Option<SmKeys>) {
        let status = |sw: StatusWord| (Response::status(sw), None);
        match (cmd.ins, cmd.p1, cmd.p2) {
            (0x22, 0x41, 0xA6) => {
                self.awaiting_general_authenticate = false;
                if self.cipher != Cipher::Tdes {
                    return status(StatusWord::CONDITIONS_NOT_SATISFIED);
                }
                let dos = match parse_dos(cmd.data()) {
                    Some(d) => d,
                    None => return status(WRONG_DATA),
                };
                if !self.key_id_matches(&dos) {
                    return status(StatusWord::REFERENCED_DATA_NOT_FOUND);
                }
                match find(&dos, 0x91).map(|pk| self.agree(pk)) {
                    Some(Ok(keys)) => (Response::status(StatusWord::SUCCESS), Some(keys)),
                    _ => status(WRONG_DATA),
                }
            }
            (0x22, 0x41, 0xA4) => {
                self.awaiting_general_authenticate = false;
                let dos = match parse_dos(cmd.data()) {
                    Some(d) => d,
                    None => return status(WRONG_DATA),
                };
                if find(&dos, 0x80) != Some(ca_ecdh_oid(self.cipher).as_slice()) {
                    return status(WRONG_DATA);
                }
                if !self.key_id_matches(&dos) {
                    return status(StatusWord::REFERENCED_DATA_NOT_FOUND);
                }
                self.awaiting_general_authenticate = true;
                status(StatusWord::SUCCESS)
            }
            (0x86, 0x00, 0x00) => {
                if !std::mem::take(&mut self.awaiting_general_authenticate) || cmd.cla & 0x10 != 0 {
                    return status(StatusWord::CONDITIONS_NOT_SATISFIED);
                }
                match dynamic_auth_object(cmd.data(), 0x80).map(|pk| self.agree(pk)) {
                    Some(Ok(keys)) => (
                        Response::new(vec![0x7C, 0x00], StatusWord::SUCCESS),
                        Some(keys),
                    ),
                    _ => status(WRONG_DATA),
                }
            }
            _ => status(StatusWord::INS_NOT_SUPPORTED),
        }
    }

    fn key_id_matches(&self, dos: &[(u8, &[u8])]) -> bool {
        match (find(dos, 0x84), self.key_id) {
            (None, _) => true,
            (Some(sent), Some(id)) => sent == key_id_octets(id).as_slice(),
            (Some(_), None) => false,
        }
    }

    fn agree(&self, pk_terminal: &[u8]) -> Result<SmKeys> {
        let shared = ec::shared_secret(self.curve, &self.private_key, pk_terminal)?;
        session_keys(self.cipher, &shared)
    }
}

impl fmt::Debug for CardChipAuthentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CardChipAuthentication({:?}, {:?}, key_id {:?}, <redacted>)",
            self.cipher, self.curve, self.key_id
        )
    }
}

/// The data objects of a command's data field (one-byte tags); `None` if malformed.
fn parse_dos(data: &[u8]) -> Option<Vec<(u8, &[u8])>> {
    Reader::new(data, 0)
        .all()
        .ok()?
        .into_iter()
        .map(|d| u8::try_from(d.tag).ok().map(|t| (t, d.value)))
        .collect()
}

fn find<'a>(dos: &[(u8, &'a [u8])], tag: u8) -> Option<&'a [u8]> {
    dos.iter().find(|d| d.0 == tag).map(|d| d.1)
}

/// `ChipAuthenticationInfo ::= SEQUENCE { id-CA-ECDH-{cipher}, version 1, keyId OPTIONAL }`
/// (ICAO 9303-11 §9.2.5), DER.
pub fn chip_authentication_info_der(cipher: Cipher, key_id: Option<u64>) -> Vec<u8> {
    let mut body = tlv(0x06, &ca_ecdh_oid(cipher));
    body.extend(unsigned_integer(1));
    if let Some(id) = key_id {
        body.extend(unsigned_integer(id));
    }
    tlv(0x30, &body)
}

/// `ChipAuthenticationPublicKeyInfo ::= SEQUENCE { id-PK-ECDH, SubjectPublicKeyInfo, keyId
/// OPTIONAL }` (ICAO 9303-11 §9.2.6), DER, with the curve named by its OID (RFC 5480).
pub fn chip_authentication_public_key_info_der(
    curve: Curve,
    public_key: &[u8],
    key_id: Option<u64>,
) -> Result<Vec<u8>> {
    ec::validate_point(curve, public_key)?;
    let mut alg = tlv(0x06, asn1::curves::ID_EC_PUBLIC_KEY);
    alg.extend(tlv(0x06, &NamedCurve::oid(curve.named())));
    let mut spki = tlv(0x30, &alg);
    spki.extend(tlv(0x03, &[&[0u8][..], public_key].concat()));
    let mut body = tlv(0x06, &ID_PK_ECDH);
    body.extend(tlv(0x30, &spki));
    if let Some(id) = key_id {
        body.extend(unsigned_integer(id));
    }
    Ok(tlv(0x30, &body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lds::DataGroup14;
    use crate::lds::test_support::vector;
    use crate::sm::CardSecureMessaging;
    use crate::test_vectors::{CounterRng, ScriptedRng, h, vectors};
    use apdu::{ExchangeExt, TransportError};

    const CURVES_ALL: [Curve; 4] = [
        Curve::BrainpoolP256r1,
        Curve::NistP256,
        Curve::NistP384,
        Curve::BrainpoolP384r1,
    ];

    /// A chip behind secure messaging: CA commands go to [`CardChipAuthentication`], SELECT
    /// answers 9000, anything else echoes its data. Records every plain command it received.
    struct CaChip {
        sm: CardSecureMessaging,
        ca: CardChipAuthentication,
        seen: Vec<Vec<u8>>,
    }

    impl CardTransaction for CaChip {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            // A chip that cannot verify the command answers 6988 without protection.
            let Ok(cmd) = self.sm.unwrap_command(command) else {
                return Ok(vec![0x69, 0x88]);
            };
            self.seen.push(cmd.to_bytes().unwrap());
            let (response, keys) = if self.ca.handles(&cmd) {
                self.ca.process(&cmd)
            } else if cmd.ins == 0xA4 {
                (Response::status(StatusWord::SUCCESS), None)
            } else {
                (
                    Response::new(cmd.data().to_vec(), StatusWord::SUCCESS),
                    None,
                )
            };
            let wrapped = self.sm.wrap_response(&response).unwrap();
            if let Some(keys) = keys {
                let ssc = vec![0; keys.cipher().block_len()];
                self.sm = CardSecureMessaging::new(keys, &ssc).unwrap();
            }
            Ok(wrapped)
        }
    }

    /// A session (old keys: 3DES as after BAC, or AES-128 as after PACE) between the terminal
    /// and a chip holding `chip_key`, with a DG14 advertising `dg14_key`.
    fn session(old: Cipher, chip: CardChipAuthentication) -> SecureMessaging<CaChip> {
        let k: Vec<u8> = (1..=old.key_len() as u8).collect();
        let keys = SmKeys::new(old, &k, &k).unwrap();
        let ssc = vec![7; old.block_len()];
        let card = CaChip {
            sm: CardSecureMessaging::new(keys.clone(), &ssc).unwrap(),
            ca: chip,
            seen: vec![],
        };
        SecureMessaging::new(card, keys, &ssc).unwrap()
    }

    fn dg14(infos: &[Vec<u8>]) -> SecurityInfos {
        let body = infos.concat();
        let mut set = vec![0x31];
        set.extend(if body.len() < 0x80 {
            vec![body.len() as u8]
        } else {
            vec![0x82, (body.len() >> 8) as u8, body.len() as u8]
        });
        set.extend(body);
        SecurityInfos::parse(&set).unwrap()
    }

    fn chip(
        cipher: Cipher,
        curve: Curve,
        seed: u64,
        key_id: Option<u64>,
    ) -> CardChipAuthentication {
        let sk = ec::random_private_key(curve, &mut CounterRng(seed));
        CardChipAuthentication::new(&ca_ecdh_oid(cipher), curve, &sk, key_id).unwrap()
    }

    fn dg14_of(c: &CardChipAuthentication) -> SecurityInfos {
        let (info, pk) = c.security_infos_der().unwrap();
        dg14(&[info, pk])
    }

    #[test]
    fn round_trip_on_every_curve_with_aes_and_3des() {
        for curve in CURVES_ALL {
            for (old, cipher) in [
                (Cipher::Aes128, Cipher::Aes128),
                (Cipher::Tdes, Cipher::Tdes),
                (Cipher::Aes128, Cipher::Aes256),
                (Cipher::Tdes, Cipher::Aes192),
            ] {
                let card = chip(cipher, curve, 3, None);
                let infos = dg14_of(&card);
                let sm = session(old, card);
                let (mut sm, outcome) =
                    perform_chip_authentication(sm, &infos, &mut CounterRng(11)).unwrap();
                let want_commands = CaCommands::for_cipher(cipher);
                assert_eq!(
                    outcome,
                    ChipAuthOutcome::Passed(ChipAuthDetails {
                        cipher,
                        curve,
                        key_id: None,
                        commands: want_commands
                    }),
                    "{curve:?} {cipher:?}"
                );
                assert_eq!(sm.cipher(), cipher);
                // The session goes on under the CA keys.
                let echo = sm
                    .exchange(
                        &Command::new(0, 0xD6, 0, 0)
                            .with_data(vec![9, 8, 7])
                            .with_ne(256),
                    )
                    .unwrap();
                assert_eq!(echo.data, vec![9, 8, 7]);
                let seen = &sm.into_inner().seen;
                let first = &seen[0];
                match want_commands {
                    CaCommands::MseSetKat => {
                        assert_eq!(&first[..4], &[0x00, 0x22, 0x41, 0xA6]);
                        assert_eq!(seen.len(), 3);
                    }
                    _ => {
                        assert_eq!(&first[..4], &[0x00, 0x22, 0x41, 0xA4]);
                        assert_eq!(&seen[1][..4], &[0x00, 0x86, 0x00, 0x00]);
                        assert_eq!(seen.len(), 4);
                    }
                }
                assert_eq!(seen[seen.len() - 2], hex::decode("00A4020C02010E").unwrap());
            }
        }
    }

    #[test]
    fn set_at_with_3des_is_accepted_by_the_chip() {
        let card = chip(Cipher::Tdes, Curve::BrainpoolP256r1, 5, Some(1));
        let mut params = ChipAuthParams::from_security_infos(&dg14_of(&card)).unwrap();
        assert_eq!(params.commands, CaCommands::MseSetKat);
        params.commands = CaCommands::MseSetAtGeneralAuthenticate;
        let (_, outcome) =
            chip_authenticate(session(Cipher::Tdes, card), &params, &mut CounterRng(1)).unwrap();
        assert!(outcome.passed(), "{outcome:?}");
    }

    #[test]
    fn a_chip_without_dg14_private_key_fails() {
        for (cipher, curve) in [
            (Cipher::Aes128, Curve::BrainpoolP256r1),
            (Cipher::Tdes, Curve::NistP256),
        ] {
            // DG14 copied from a genuine chip; the clone has its own key.
            let genuine = chip(cipher, curve, 1, None);
            let clone = chip(cipher, curve, 2, None);
            let (sm, outcome) = perform_chip_authentication(
                session(Cipher::Aes128, clone),
                &dg14_of(&genuine),
                &mut CounterRng(4),
            )
            .unwrap();
            assert_eq!(
                outcome,
                ChipAuthOutcome::Failed {
                    details: ChipAuthDetails {
                        cipher,
                        curve,
                        key_id: None,
                        commands: CaCommands::for_cipher(cipher)
                    },
                    reason: ChipAuthFailure::KeysNotConfirmed(SmFailure::CardRejected(
                        StatusWord::SM_OBJECTS_INCORRECT
                    ))
                }
            );
            assert!(!outcome.passed());
            assert!(sm.session_lost().is_some());
        }
    }

    /// A clone that answers the confirmation with a plain error, and one whose answer's MAC is
    /// made with other keys.
    #[test]
    fn unprotected_errors_and_bad_macs_after_ca_are_failures() {
        struct Clone {
            answer: Vec<u8>,
            inner: CaChip,
            n: usize,
        }
        impl CardTransaction for Clone {
            fn transmit(&mut self, c: &[u8]) -> Result<Vec<u8>, TransportError> {
                self.n += 1;
                if self.n == 3 {
                    return Ok(self.answer.clone());
                }
                self.inner.transmit(c)
            }
        }
        let card = chip(Cipher::Aes128, Curve::NistP256, 1, None);
        let infos = dg14_of(&card);
        for (answer, reason) in [
            (
                "6A82",
                ChipAuthFailure::UnexpectedStatus(StatusWord::FILE_NOT_FOUND),
            ),
            (
                "990290008E0801020304050607089000",
                ChipAuthFailure::KeysNotConfirmed(SmFailure::BadMac),
            ),
        ] {
            let card = chip(Cipher::Aes128, Curve::NistP256, 1, None);
            let sm = session(Cipher::Aes128, card).into_inner();
            let k: Vec<u8> = (1..=16).collect();
            let keys = SmKeys::new(Cipher::Aes128, &k, &k).unwrap();
            let clone = Clone {
                answer: hex::decode(answer).unwrap(),
                inner: sm,
                n: 0,
            };
            let sm = SecureMessaging::new(clone, keys, &[7; 16]).unwrap();
            let (_, outcome) = perform_chip_authentication(sm, &infos, &mut CounterRng(4)).unwrap();
            assert!(
                matches!(&outcome, ChipAuthOutcome::Failed { reason: r, .. } if *r == reason),
                "{answer}: {outcome:?}"
            );
        }
    }

    #[test]
    fn refusal_is_a_failure_and_keeps_the_old_session() {
        // The chip has another keyId than DG14 names: 6A88 to MSE:Set AT.
        let card = chip(Cipher::Aes128, Curve::BrainpoolP256r1, 1, Some(2));
        let (info, pk) = chip(Cipher::Aes128, Curve::BrainpoolP256r1, 1, Some(3))
            .security_infos_der()
            .unwrap();
        let (mut sm, outcome) = perform_chip_authentication(
            session(Cipher::Aes128, card),
            &dg14(&[info, pk]),
            &mut CounterRng(4),
        )
        .unwrap();
        assert!(matches!(
            outcome,
            ChipAuthOutcome::Failed {
                reason: ChipAuthFailure::Refused {
                    step: "MSE:Set AT",
                    sw: StatusWord::REFERENCED_DATA_NOT_FOUND
                },
                ..
            }
        ));
        assert_eq!(sm.session_lost(), None);
        assert_eq!(sm.cipher(), Cipher::Aes128);
        assert!(
            sm.exchange(&Command::new(0, 0xA4, 2, 0x0C).with_data(vec![1, 1]))
                .unwrap()
                .is_success()
        );
    }

    #[test]
    fn exact_plain_commands() {
        // Ephemeral key = SK_map_IFD of ICAO 9303-11 Appendix G.1, whose public key over the
        // standard generator of brainpoolP256r1 is printed there as PK_map_IFD.
        let g = &vectors()["pace_G1_ecdh_gm"];
        let pk = format!("04{}", crate::test_vectors::s(&g["PK_map_IFD"]));
        let card = chip(Cipher::Tdes, Curve::BrainpoolP256r1, 1, Some(0x0D));
        let infos = dg14_of(&card);
        let mut rng = ScriptedRng::new(&[&h(&g["SK_map_IFD"])]);
        let (sm, outcome) =
            perform_chip_authentication(session(Cipher::Tdes, card), &infos, &mut rng).unwrap();
        assert!(outcome.passed());
        assert!(rng.is_empty());
        let seen: Vec<String> = sm.into_inner().seen.iter().map(hex::encode_upper).collect();
        assert_eq!(
            seen,
            vec![
                // MSE:Set KAT: DO'91 (65 bytes) and DO'84 keyId 13; no Le.
                format!("002241A646{}{pk}84010D", "9141"),
                "00A4020C02010E".to_owned(),
            ]
        );

        let card = chip(Cipher::Aes128, Curve::BrainpoolP256r1, 1, None);
        let infos = dg14_of(&card);
        let mut rng = ScriptedRng::new(&[&h(&g["SK_map_IFD"])]);
        let (sm, _) =
            perform_chip_authentication(session(Cipher::Aes128, card), &infos, &mut rng).unwrap();
        let seen: Vec<String> = sm.into_inner().seen.iter().map(hex::encode_upper).collect();
        assert_eq!(
            seen,
            vec![
                // MSE:Set AT: DO'80 id-CA-ECDH-AES-CBC-CMAC-128.
                "002241A40C800A04007F00070202030202".to_owned(),
                // General Authenticate: 7C { 80 PK }, Le 00.
                format!("0086000045 7C43 8041{pk}00").replace(' ', ""),
                "00A4020C02010E".to_owned(),
            ]
        );
        assert_eq!(
            hex::encode_upper(mse_set_at(Cipher::Aes256, Some(300)).to_bytes().unwrap()),
            "002241A410800A04007F000702020302048402012C"
        );
        assert_eq!(
            hex::encode_upper(mse_set_kat(&[4, 1, 2], None).to_bytes().unwrap()),
            "002241A6059103040102"
        );
    }

    #[test]
    fn dg14_samples() {
        type Expected = Result<(Curve, Cipher), &'static str>;
        let cases: [(&str, Expected); 7] = [
            (
                "gmrtd/lds_samples/DG14_AT_passport.bin",
                Ok((Curve::BrainpoolP256r1, Cipher::Aes128)),
            ),
            (
                "gmrtd/lds_samples/DG14_MY_passport.bin",
                Ok((Curve::BrainpoolP256r1, Cipher::Tdes)),
            ),
            (
                "gmrtd/lds_samples/DG14_generic_test.bin",
                Ok((Curve::BrainpoolP384r1, Cipher::Aes256)),
            ),
            (
                "pymrtd/BSI_TR03105-5_HJP_DG14.bin",
                Err("unsupported explicit domain parameters"),
            ),
            (
                "pymrtd/ETSI_TR103200_EACAA_DG14.bin",
                Err("unsupported explicit domain parameters"),
            ),
            (
                "jmrtd_bsi2008/Datagroup14.bin",
                Err("unsupported explicit domain parameters"),
            ),
            (
                "jmrtd_misc/doc9303_spec_sample_encoded_dg14.bin",
                Err("DG14's Chip Authentication keys are not ECDH"),
            ),
        ];
        for (f, want) in cases {
            let infos = DataGroup14::parse(&vector(f)).unwrap().security_infos;
            let got = ChipAuthParams::from_security_infos(&infos);
            match (got, want) {
                (Ok(p), Ok((curve, cipher))) => {
                    assert_eq!((p.curve, p.cipher, p.key_id), (curve, cipher, None), "{f}");
                    assert_eq!(p.commands, CaCommands::for_cipher(cipher));
                    assert_eq!(p.chip_public_key.len(), 1 + 2 * curve.field_len());
                }
                (Err(o), Err(why)) => assert_eq!(o, ChipAuthOutcome::NotSupported(why), "{f}"),
                (got, want) => panic!("{f}: {got:?} vs {want:?}"),
            }
        }
        // EF.CardAccess of the CCCD: a ChipAuthenticationInfo, but the key is only in DG14.
        let ca = SecurityInfos::parse(&hex::decode("3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d").unwrap()).unwrap();
        assert_eq!(
            ChipAuthParams::from_security_infos(&ca),
            Err(ChipAuthOutcome::NotSupported(
                "DG14 has no ChipAuthenticationPublicKeyInfo"
            ))
        );
        assert_eq!(
            ChipAuthParams::from_security_infos(&SecurityInfos::default()),
            Err(ChipAuthOutcome::NotOffered)
        );
    }

    #[test]
    fn explicit_parameters_with_another_generator_are_refused() {
        let mut b = vector("gmrtd/lds_samples/DG14_AT_passport.bin");
        // The base point OCTET STRING of the explicit parameters starts at offset 213.
        assert_eq!(&b[213..216], &[0x04, 0x41, 0x04]);
        b[230] ^= 1;
        let infos = DataGroup14::parse(&b).unwrap().security_infos;
        assert!(matches!(
            ChipAuthParams::from_security_infos(&infos),
            Err(ChipAuthOutcome::NotSupported(why)) if why.contains("base point") || why.contains("not a point")
        ));
    }

    /// ICAO 9303-11 Appendix I.1 (PACE-CAM) prints a ChipAuthenticationPublicKeyInfo with
    /// standardized domain parameters (ID 13) and keyId 13, and the chip's CA_IC with
    /// `PK_map_IC = CA_IC · PK_IC_CA`, so `SK_IC_CA = SK_map_IC / CA_IC`. A chip holding that
    /// key passes Chip Authentication against the printed DG14 entry.
    #[test]
    fn appendix_i1_chip_key() {
        use elliptic_curve::{PrimeField, Scalar};
        type C = bp256::BrainpoolP256r1;
        let v = &vectors()["pace_I1_ecdh_cam"];
        let infos = dg14(&[h(&v["ChipAuthenticationPublicKeyInfo"])]);
        let params = ChipAuthParams::from_security_infos(&infos).unwrap();
        assert_eq!(params.curve, Curve::BrainpoolP256r1);
        assert_eq!(params.key_id, Some(13));
        assert_eq!(
            params.chip_public_key,
            [vec![4], h(&v["PK_IC_CA"])].concat()
        );
        let scalar = |k: &str| {
            let repr = elliptic_curve::FieldBytes::<C>::try_from(&h(&v[k])[..]).unwrap();
            Option::<Scalar<C>>::from(Scalar::<C>::from_repr(repr)).unwrap()
        };
        let inv = Option::<Scalar<C>>::from(scalar("CA_IC").invert()).unwrap();
        let sk = (scalar("SK_map_IC") * inv).to_repr().to_vec();
        let card =
            CardChipAuthentication::new(&ca_ecdh_oid(Cipher::Tdes), params.curve, &sk, Some(13))
                .unwrap();
        assert_eq!(card.public_key().unwrap(), params.chip_public_key);
        let (_, outcome) =
            perform_chip_authentication(session(Cipher::Aes128, card), &infos, &mut CounterRng(8))
                .unwrap();
        assert!(outcome.passed(), "{outcome:?}");
    }

    #[test]
    fn card_side_rejects_bad_commands() {
        let mut card = chip(Cipher::Aes128, Curve::NistP256, 1, None);
        let pk = ec::public_key(Curve::NistP256, None, &[1; 32]).unwrap();
        // GA before Set AT; Set KAT with AES; wrong OID; off-curve key.
        assert_eq!(
            card.process(&general_authenticate(&pk)).0.sw,
            StatusWord::CONDITIONS_NOT_SATISFIED
        );
        assert!(!card.handles(&general_authenticate(&pk)));
        assert_eq!(
            card.process(&mse_set_kat(&pk, None)).0.sw,
            StatusWord::CONDITIONS_NOT_SATISFIED
        );
        assert_eq!(
            card.process(&mse_set_at(Cipher::Aes256, None)).0.sw,
            StatusWord::WRONG_DATA
        );
        assert_eq!(
            card.process(&mse_set_at(Cipher::Aes128, None)).0.sw,
            StatusWord::SUCCESS
        );
        assert!(card.handles(&general_authenticate(&pk)));
        let mut bad = pk.clone();
        bad[5] ^= 1;
        let (r, keys) = card.process(&general_authenticate(&bad));
        assert_eq!((r.sw, keys.is_none()), (StatusWord::WRONG_DATA, true));
        assert_eq!(
            card.process(&mse_set_at(Cipher::Aes128, None)).0.sw,
            StatusWord::SUCCESS
        );
        let (r, keys) = card.process(&general_authenticate(&pk));
        assert_eq!(r.to_bytes(), vec![0x7C, 0x00, 0x90, 0x00]);
        assert!(keys.is_some());
        assert!(format!("{card:?}").contains("redacted"));
        assert!(CardChipAuthentication::new(&[1, 2], Curve::NistP256, &[1; 32], None).is_err());
        assert!(
            CardChipAuthentication::new(
                &ca_ecdh_oid(Cipher::Tdes),
                Curve::NistP256,
                &[0; 32],
                None
            )
            .is_err()
        );
    }
}
