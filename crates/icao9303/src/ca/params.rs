//! The choice of a Chip Authentication key and protocol from DG14's SecurityInfos (ICAO
//! 9303-11 §9.2.5, §9.2.6), and the parsing of the chip's public key.

use std::fmt;

use asn1::CurveError;
use asn1::spki::{EcDomain, SubjectPublicKeyInfo};

use super::{
    ChipAuthDetails, ChipAuthOutcome, ID_CA_DH, ID_PK_ECDH, STANDARDIZED_DOMAIN_PARAMETERS,
    cipher_of_ca_ecdh_oid,
};
use crate::card_access::{
    ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, SecurityInfo, SecurityInfos,
};
use crate::crypto::Cipher;
use crate::ec::{self, Curve};

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
    /// introduced to override ([`ChipAuthParams::candidates`] tries more).
    ///
    /// `Err` is the outcome to report when there is nothing this implementation can run:
    /// [`ChipAuthOutcome::NotOffered`] or [`ChipAuthOutcome::NotSupported`].
    pub fn from_security_infos(infos: &SecurityInfos) -> Result<Self, ChipAuthOutcome> {
        Self::chosen(infos).map(|(params, _)| params)
    }

    /// The parameters to try, in order: the choice of [`ChipAuthParams::from_security_infos`];
    /// when DG14 names no cipher for the key (no ChipAuthenticationInfo), AES-256, AES-128 and
    /// then 3DES on that key, since chips differ (the CCCD vendor's own reader uses AES-256
    /// while TR-03110 v1's default is 3DES) and a chip refuses a cipher it does not do.
    pub fn candidates(infos: &SecurityInfos) -> Result<Vec<Self>, ChipAuthOutcome> {
        let (best, named) = Self::chosen(infos)?;
        if named {
            return Ok(vec![best]);
        }
        Ok([Cipher::Aes256, Cipher::Aes128, Cipher::Tdes]
            .into_iter()
            .map(|cipher| Self {
                cipher,
                commands: CaCommands::for_cipher(cipher),
                chip_public_key: best.chip_public_key.clone(),
                ..best
            })
            .collect())
    }

    /// The choice, and whether a ChipAuthenticationInfo named its cipher.
    fn chosen(infos: &SecurityInfos) -> Result<(Self, bool), ChipAuthOutcome> {
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
        let mut best: Option<(Self, bool)> = None;
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
                    .is_none_or(|(b, _)| rank(b.cipher) < rank(candidate.cipher))
                {
                    best = Some((candidate, any_info));
                }
            }
        }
        best.ok_or(ChipAuthOutcome::NotSupported(why_not))
    }

    /// What is negotiated with these parameters, for the outcome.
    pub(super) fn details(&self) -> ChipAuthDetails {
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
