//! `SecurityInfos` of EF.CardAccess and DG14 (ICAO 9303-11 §9.2).
//!
//! ```text
//! SecurityInfos ::= SET OF SecurityInfo
//! SecurityInfo ::= SEQUENCE {
//!     protocol     OBJECT IDENTIFIER,
//!     requiredData ANY DEFINED BY protocol,
//!     optionalData ANY DEFINED BY protocol OPTIONAL }
//! PACEInfo ::= SEQUENCE { protocol, version INTEGER, parameterId INTEGER OPTIONAL }
//! ChipAuthenticationInfo ::= SEQUENCE { protocol, version INTEGER, keyId INTEGER OPTIONAL }
//! ChipAuthenticationPublicKeyInfo ::= SEQUENCE {
//!     protocol, chipAuthenticationPublicKey SubjectPublicKeyInfo, keyId INTEGER OPTIONAL }
//! TerminalAuthenticationInfo ::= SEQUENCE { protocol, version INTEGER, efCVCA OPTIONAL }
//! ActiveAuthenticationInfo ::= SEQUENCE {
//!     protocol id-AA, version INTEGER, signatureAlgorithm OBJECT IDENTIFIER }
//! ```
//!
//! The parser walks the elements with the workspace's BER reader (`asn1::ber`) rather than
//! `der` derives: chips in the field do not always sort their SET OF, and an unknown or oddly
//! formed entry must not hide the ones we need. Unknown entries are kept as raw bytes; nothing
//! here panics on any input.

use asn1::ber::{self, Reader, Tlv};

use crate::Cipher;
use crate::ec::Curve;
use crate::error::{Error, Result};
use crate::pace::{PaceAlgorithm, PaceParams};

/// `id-PACE` arc content bytes (0.4.0.127.0.7.2.2.4).
const ID_PACE: &[u8] = &[0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04];
/// `id-CA` arc (0.4.0.127.0.7.2.2.3).
const ID_CA: &[u8] = &[0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03];
/// `id-PK` arc (0.4.0.127.0.7.2.2.1).
const ID_PK: &[u8] = &[0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x01];
/// `id-TA` (0.4.0.127.0.7.2.2.2).
const ID_TA: &[u8] = &[0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x02];
/// `id-AA` (2.23.136.1.1.5, ICAO 9303-11 §9.2.2).
const ID_AA: &[u8] = &[0x67, 0x81, 0x08, 0x01, 0x01, 0x05];

fn malformed(why: &'static str) -> Error {
    Error::Malformed {
        what: "SecurityInfos",
        why,
    }
}

fn bad(e: ber::Error) -> Error {
    malformed(e.why)
}

/// Dotted-decimal form of OID content bytes, for logs and diagnostics (`None` if malformed).
pub fn oid_to_string(oid: &[u8]) -> Option<String> {
    asn1::oid::to_dotted(oid)
}

/// `PACEInfo` (ICAO 9303-11 §9.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaceInfo {
    /// The protocol OID content bytes.
    pub protocol: Vec<u8>,
    /// The protocol, when the OID is a known PACE variant.
    pub algorithm: Option<PaceAlgorithm>,
    /// Protocol version (2 for PACE v2).
    pub version: u64,
    /// Standardized domain parameter ID (§9.5.1), absent when the chip uses proprietary
    /// parameters from a PACEDomainParameterInfo.
    pub parameter_id: Option<u64>,
}

impl PaceInfo {
    /// The curve of the parameter ID, if this implementation supports it.
    pub fn curve(&self) -> Option<Curve> {
        self.parameter_id.and_then(Curve::from_parameter_id)
    }

    /// True when [`crate::pace::perform_pace`] can run this PACEInfo: version 2, ECDH generic
    /// mapping, a supported standardized curve.
    pub fn is_supported(&self) -> bool {
        self.version == 2
            && self.algorithm.is_some_and(|a| a.is_supported())
            && self.curve().is_some()
    }
}

/// `ChipAuthenticationInfo` (ICAO 9303-11 §9.2.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipAuthenticationInfo {
    /// `id-CA-{DH,ECDH}-{3DES-CBC-CBC, AES-CBC-CMAC-128/192/256}` content bytes.
    pub protocol: Vec<u8>,
    /// Protocol version (1 or 2).
    pub version: u64,
    /// Key identifier when the chip has several CA keys.
    pub key_id: Option<u64>,
}

impl ChipAuthenticationInfo {
    /// The cipher named by the protocol OID's last arc.
    pub fn cipher(&self) -> Option<Cipher> {
        match self.protocol.last() {
            Some(1) => Some(Cipher::Tdes),
            Some(2) => Some(Cipher::Aes128),
            Some(3) => Some(Cipher::Aes192),
            Some(4) => Some(Cipher::Aes256),
            _ => None,
        }
    }
}

/// `ChipAuthenticationPublicKeyInfo` (ICAO 9303-11 §9.2.6), found in DG14.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipAuthenticationPublicKeyInfo {
    /// `id-PK-DH` or `id-PK-ECDH` content bytes.
    pub protocol: Vec<u8>,
    /// The `SubjectPublicKeyInfo`, DER, as received.
    pub public_key_info: Vec<u8>,
    /// Key identifier when the chip has several CA keys.
    pub key_id: Option<u64>,
}

/// `TerminalAuthenticationInfo` (ICAO 9303-11 §9.2.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerminalAuthenticationInfo {
    /// Protocol version (1 or 2).
    pub version: u64,
}

/// `ActiveAuthenticationInfo` (ICAO 9303-11 §9.2.2), found in DG14 when Active Authentication
/// uses ECDSA: it names the signature algorithm (`ecdsa-with-SHA*`) the chip signs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveAuthenticationInfo {
    /// Protocol version (1).
    pub version: u64,
    /// The signature algorithm OID, DER content bytes (see [`crate::aa::AaHash::from_ecdsa_oid`]).
    pub signature_algorithm: Vec<u8>,
}

impl ActiveAuthenticationInfo {
    /// The ECDSA hash, when the algorithm is one of `ecdsa-with-SHA1/224/256/384/512`.
    pub fn ecdsa_hash(&self) -> Option<crate::aa::AaHash> {
        crate::aa::AaHash::from_ecdsa_oid(&self.signature_algorithm)
    }
}

/// One `SecurityInfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecurityInfo {
    /// PACE.
    Pace(PaceInfo),
    /// Chip Authentication.
    ChipAuthentication(ChipAuthenticationInfo),
    /// Chip Authentication public key (DG14).
    ChipAuthenticationPublicKey(ChipAuthenticationPublicKeyInfo),
    /// Terminal Authentication.
    TerminalAuthentication(TerminalAuthenticationInfo),
    /// Active Authentication's signature algorithm (DG14).
    ActiveAuthentication(ActiveAuthenticationInfo),
    /// Anything else (domain parameter infos, Active Authentication, proprietary), kept as is.
    Unknown {
        /// Protocol OID content bytes.
        protocol: Vec<u8>,
        /// The whole `SecurityInfo` DER.
        raw: Vec<u8>,
    },
}

fn parse_info(seq: &Tlv<'_>) -> Result<SecurityInfo> {
    let parts = seq.children().all().map_err(bad)?;
    let oid = match parts.first() {
        Some(t) if t.tag == 0x06 && !t.value.is_empty() => t.value,
        _ => {
            return Err(malformed(
                "a SecurityInfo does not start with an OBJECT IDENTIFIER",
            ));
        }
    };
    let unknown = || SecurityInfo::Unknown {
        protocol: oid.to_vec(),
        raw: seq.raw.to_vec(),
    };
    let int_at = |i: usize| parts.get(i).and_then(Tlv::uint);
    let known = if oid.starts_with(ID_PACE) && oid.len() == ID_PACE.len() + 2 {
        int_at(1).map(|version| {
            SecurityInfo::Pace(PaceInfo {
                protocol: oid.to_vec(),
                algorithm: PaceAlgorithm::from_oid(oid),
                version,
                parameter_id: int_at(2),
            })
        })
    } else if oid.starts_with(ID_CA) && oid.len() == ID_CA.len() + 2 {
        int_at(1).map(|version| {
            SecurityInfo::ChipAuthentication(ChipAuthenticationInfo {
                protocol: oid.to_vec(),
                version,
                key_id: int_at(2),
            })
        })
    } else if oid.starts_with(ID_PK) && oid.len() == ID_PK.len() + 1 {
        parts.get(1).filter(|t| t.tag == 0x30).map(|spki| {
            SecurityInfo::ChipAuthenticationPublicKey(ChipAuthenticationPublicKeyInfo {
                protocol: oid.to_vec(),
                public_key_info: spki.raw.to_vec(),
                key_id: int_at(2),
            })
        })
    } else if oid == ID_TA {
        int_at(1).map(|version| {
            SecurityInfo::TerminalAuthentication(TerminalAuthenticationInfo { version })
        })
    } else if oid == ID_AA {
        // Without its signatureAlgorithm the entry says nothing usable: kept as unknown.
        let alg = parts
            .get(2)
            .filter(|t| t.tag == 0x06 && !t.value.is_empty());
        int_at(1).zip(alg).map(|(version, alg)| {
            SecurityInfo::ActiveAuthentication(ActiveAuthenticationInfo {
                version,
                signature_algorithm: alg.value.to_vec(),
            })
        })
    } else {
        None
    };
    Ok(known.unwrap_or_else(|| {
        // A known OID with an unexpected body is kept rather than fatal: it must not stop PACE.
        tracing::debug!(oid = ?oid_to_string(oid), "SecurityInfo kept as unknown");
        unknown()
    }))
}

/// Parsed `SecurityInfos`, in the order found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityInfos {
    /// Every entry, unknown ones included.
    pub infos: Vec<SecurityInfo>,
}

impl SecurityInfos {
    /// Parses EF.CardAccess (`31 ...`) or DG14 (`6E L 31 ...`). Trailing `00`/`FF` filler after
    /// the SET, left by chips that pad the file, is ignored; any other trailing data is an error.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes, 0);
        let outer = r.read().map_err(bad)?;
        if !r.rest().iter().all(|&b| b == 0x00 || b == 0xFF) {
            return Err(malformed("data after the SecurityInfos"));
        }
        let set = match outer.tag {
            0x31 => outer,
            0x6E => {
                let mut inner = outer.children();
                let set = inner.read().map_err(bad)?;
                if set.tag != 0x31 || !inner.is_empty() {
                    return Err(malformed("DG14 does not hold exactly one SET"));
                }
                set
            }
            _ => return Err(malformed("not a SET OF SecurityInfo")),
        };
        let mut infos = Vec::new();
        for t in set.children().all().map_err(bad)? {
            if t.tag != 0x30 {
                return Err(malformed("a SecurityInfo is not a SEQUENCE"));
            }
            infos.push(parse_info(&t)?);
        }
        Ok(Self { infos })
    }

    /// The PACEInfos.
    pub fn pace_infos(&self) -> impl Iterator<Item = &PaceInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::Pace(p) => Some(p),
            _ => None,
        })
    }

    /// The ChipAuthenticationInfos.
    pub fn chip_authentication_infos(&self) -> impl Iterator<Item = &ChipAuthenticationInfo> {
        self.infos.iter().filter_map(|i| match i {
            SecurityInfo::ChipAuthentication(c) => Some(c),
            _ => None,
        })
    }

    /// The ActiveAuthenticationInfo, if any (DG14 of a chip with ECDSA Active Authentication).
    pub fn active_authentication_info(&self) -> Option<&ActiveAuthenticationInfo> {
        self.infos.iter().find_map(|i| match i {
            SecurityInfo::ActiveAuthentication(a) => Some(a),
            _ => None,
        })
    }

    /// The PACE parameters to use: among the supported PACEInfos, the strongest cipher (the
    /// first listed on a tie). DO'84 is sent only when the chip lists several PACEInfos, as
    /// ICAO 9303-11 §4.4.4.1 requires it only then.
    pub fn preferred_pace(&self) -> Option<PaceParams> {
        let rank = |c: Cipher| match c {
            Cipher::Aes256 => 4,
            Cipher::Aes192 => 3,
            Cipher::Aes128 => 2,
            Cipher::Tdes => 1,
        };
        let several = self.pace_infos().count() > 1;
        self.pace_infos()
            .filter(|p| p.is_supported())
            .filter_map(|p| {
                Some(PaceParams {
                    algorithm: p.algorithm?,
                    curve: p.curve()?,
                    send_parameter_id: several,
                })
            })
            .fold(None, |best: Option<PaceParams>, p| match best {
                Some(b) if rank(b.algorithm.cipher) >= rank(p.algorithm.cipher) => Some(b),
                _ => Some(p),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors::{h, vectors};
    use proptest::prelude::*;

    const CCCD: &str = "3134300d060804007f0007020202020101300f060a04007f000702020302020201013012060a04007f0007020204020202010202010d";

    #[test]
    fn cccd_card_access() {
        let infos = SecurityInfos::parse(&hex::decode(CCCD).unwrap()).unwrap();
        assert_eq!(infos.infos.len(), 3);
        assert_eq!(
            infos.infos[0],
            SecurityInfo::TerminalAuthentication(TerminalAuthenticationInfo { version: 1 })
        );
        let ca: Vec<_> = infos.chip_authentication_infos().collect();
        assert_eq!(ca.len(), 1);
        assert_eq!(
            oid_to_string(&ca[0].protocol).unwrap(),
            "0.4.0.127.0.7.2.2.3.2.2"
        );
        assert_eq!(
            (ca[0].version, ca[0].key_id, ca[0].cipher()),
            (1, None, Some(Cipher::Aes128))
        );
        let pace: Vec<_> = infos.pace_infos().collect();
        assert_eq!(pace.len(), 1);
        assert_eq!(
            oid_to_string(&pace[0].protocol).unwrap(),
            "0.4.0.127.0.7.2.2.4.2.2"
        );
        assert_eq!((pace[0].version, pace[0].parameter_id), (2, Some(13)));
        assert_eq!(pace[0].curve(), Some(Curve::BrainpoolP256r1));
        assert_eq!(
            infos.preferred_pace(),
            Some(PaceParams {
                algorithm: PaceAlgorithm::ECDH_GM_AES_128,
                curve: Curve::BrainpoolP256r1,
                send_parameter_id: false
            })
        );
    }

    #[test]
    fn appendix_g1_card_access() {
        let v = vectors();
        let infos = SecurityInfos::parse(&h(&v["pace_G1_ecdh_gm"]["EF_CardAccess"])).unwrap();
        assert_eq!(
            infos.preferred_pace().unwrap().curve,
            Curve::BrainpoolP256r1
        );
    }

    #[test]
    fn dg14_samples_parse() {
        for f in crate::lds::test_support::DG14_SAMPLES {
            let bytes = crate::lds::test_support::vector(f);
            let infos = SecurityInfos::parse(&bytes).unwrap_or_else(|e| panic!("{f}: {e}"));
            assert!(
                infos
                    .infos
                    .iter()
                    .any(|i| matches!(i, SecurityInfo::ChipAuthenticationPublicKey(_))),
                "{f}: {infos:?}"
            );
        }
    }

    #[test]
    fn unknown_and_odd_entries_are_kept() {
        // An Active Authentication info (2.23.136.1.1.5), a PACE info without version, then PACE.
        let aa = "300b0606678108010105020101";
        let odd_pace = "300c060a04007f00070202040202";
        let pace = "3012060a04007f0007020204020202010202010c";
        let set = format!(
            "31{:02x}{aa}{odd_pace}{pace}",
            (aa.len() + odd_pace.len() + pace.len()) / 2
        );
        let infos = SecurityInfos::parse(&hex::decode(set).unwrap()).unwrap();
        assert!(
            matches!(&infos.infos[0], SecurityInfo::Unknown { protocol, .. } if oid_to_string(protocol).unwrap() == "2.23.136.1.1.5")
        );
        assert!(matches!(&infos.infos[1], SecurityInfo::Unknown { .. }));
        assert_eq!(infos.active_authentication_info(), None);
        let p = infos.preferred_pace().unwrap();
        assert_eq!(p.curve, Curve::NistP256);
        assert!(!p.send_parameter_id, "only one PACEInfo parsed as such");
    }

    #[test]
    fn active_authentication_info() {
        // id-AA, version 1, ecdsa-with-SHA256 (as a DG14 of an ECDSA chip), and an unknown
        // signature algorithm that is still parsed (the verifier decides).
        let aa = "3015060667810801010502010106082a8648ce3d040302";
        let other = "30100606678108010105020101060355040a";
        let set = format!("31{:02x}{aa}{other}", (aa.len() + other.len()) / 2);
        let infos = SecurityInfos::parse(&hex::decode(set).unwrap()).unwrap();
        let info = infos.active_authentication_info().unwrap();
        assert_eq!(info.version, 1);
        assert_eq!(info.ecdsa_hash(), Some(crate::aa::AaHash::Sha256));
        assert!(matches!(
            &infos.infos[1],
            SecurityInfo::ActiveAuthentication(a) if a.ecdsa_hash().is_none()
        ));
    }

    #[test]
    fn preference_and_unsupported() {
        let pace = |oid_last: &str, param: &str| {
            format!("3012060a04007f000702020402{oid_last}020102{param}")
        };
        // IM (unsupported), GM 3DES on P-256, GM AES-256 on brainpoolP384r1, GM AES-128 on P-521.
        let entries = [
            "3012060a04007f00070202040402020102020110".to_owned(),
            pace("01", "02010c"),
            pace("04", "020110"),
            pace("02", "020112"),
        ];
        let body: String = entries.concat();
        let set = format!("31{:02x}{body}", body.len() / 2);
        let infos = SecurityInfos::parse(&hex::decode(set).unwrap()).unwrap();
        let p = infos.preferred_pace().unwrap();
        assert_eq!(
            (p.algorithm.cipher, p.curve, p.send_parameter_id),
            (Cipher::Aes256, Curve::BrainpoolP384r1, true)
        );
        let only_dh = hex::decode("31143012060a04007f00070202040102020102020100").unwrap();
        assert_eq!(
            SecurityInfos::parse(&only_dh).unwrap().preferred_pace(),
            None
        );
    }

    #[test]
    fn malformed_inputs_are_errors() {
        for bad in [
            "",
            "31",
            "3105300306",
            "30033101",
            "3180",
            "31023000",
            "3103300106",
            "31043002020101",
            "3134300d",
        ] {
            assert!(
                SecurityInfos::parse(&hex::decode(bad).unwrap()).is_err(),
                "{bad}"
            );
        }
        let mut padded = hex::decode(CCCD).unwrap();
        padded.extend([0, 0, 0xFF]);
        assert!(SecurityInfos::parse(&padded).is_ok());
        padded.push(1);
        assert!(SecurityInfos::parse(&padded).is_err());
    }

    proptest! {
        #[test]
        fn parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = SecurityInfos::parse(&bytes);
        }

        #[test]
        fn mutated_cccd_never_panics(i in 0usize..54, b in any::<u8>()) {
            let mut bytes = hex::decode(CCCD).unwrap();
            bytes[i] = b;
            let _ = SecurityInfos::parse(&bytes);
        }
    }
}
