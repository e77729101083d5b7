//! The PACE protocol OIDs and what they name (ICAO 9303-11 §9.2.1), and the parameters a
//! terminal takes from EF.CardAccess's PACEInfo (§9.2.1, domain parameters of §9.5.1).

use crate::crypto::Cipher;
use crate::ec::Curve;

/// `id-PACE` = 0.4.0.127.0.7.2.2.4 (ICAO 9303-11 §9.2.1), DER content bytes.
pub const ID_PACE: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04];

/// The key agreement of a PACE protocol OID (ICAO 9303-11 §9.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAgreement {
    /// Diffie-Hellman over a prime field.
    Dh,
    /// Elliptic-curve Diffie-Hellman.
    Ecdh,
}

/// The nonce mapping of a PACE protocol OID (ICAO 9303-11 §4.4.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mapping {
    /// Generic mapping (GM).
    Generic,
    /// Integrated mapping (IM).
    Integrated,
    /// Chip authentication mapping (CAM, ECDH only).
    ChipAuthentication,
}

/// A PACE protocol as named by its OID `id-PACE-{DH,ECDH}-{GM,IM,CAM}-{cipher}`
/// (ICAO 9303-11 §9.2.1): `id-PACE.{1 DH-GM, 2 ECDH-GM, 3 DH-IM, 4 ECDH-IM, 6 ECDH-CAM}.
/// {1 3DES-CBC-CBC, 2 AES-CBC-CMAC-128, 3 -192, 4 -256}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PaceAlgorithm {
    /// DH or ECDH.
    pub key_agreement: KeyAgreement,
    /// GM, IM or CAM.
    pub mapping: Mapping,
    /// The cipher of the nonce encryption, the tokens and the resulting secure messaging.
    pub cipher: Cipher,
}

impl PaceAlgorithm {
    /// `id-PACE-ECDH-GM-AES-CBC-CMAC-128`, the CCCD's protocol.
    pub const ECDH_GM_AES_128: Self = Self {
        key_agreement: KeyAgreement::Ecdh,
        mapping: Mapping::Generic,
        cipher: Cipher::Aes128,
    };

    /// Recognises a PACE protocol OID (DER content bytes, without tag and length).
    pub fn from_oid(oid: &[u8]) -> Option<Self> {
        let (prefix, tail) = oid.split_at_checked(ID_PACE.len())?;
        if prefix != ID_PACE {
            return None;
        }
        let [variant, cipher] = tail else { return None };
        let (key_agreement, mapping) = match variant {
            1 => (KeyAgreement::Dh, Mapping::Generic),
            2 => (KeyAgreement::Ecdh, Mapping::Generic),
            3 => (KeyAgreement::Dh, Mapping::Integrated),
            4 => (KeyAgreement::Ecdh, Mapping::Integrated),
            6 => (KeyAgreement::Ecdh, Mapping::ChipAuthentication),
            _ => return None,
        };
        let cipher = match cipher {
            1 => Cipher::Tdes,
            2 => Cipher::Aes128,
            3 => Cipher::Aes192,
            4 => Cipher::Aes256,
            _ => return None,
        };
        Some(Self {
            key_agreement,
            mapping,
            cipher,
        })
    }

    /// The OID's DER content bytes.
    pub fn oid(&self) -> Vec<u8> {
        let variant = match (self.key_agreement, self.mapping) {
            (KeyAgreement::Dh, Mapping::Generic) => 1,
            (KeyAgreement::Ecdh, Mapping::Generic) => 2,
            (KeyAgreement::Dh, _) => 3,
            (KeyAgreement::Ecdh, Mapping::Integrated) => 4,
            (KeyAgreement::Ecdh, Mapping::ChipAuthentication) => 6,
        };
        let cipher = match self.cipher {
            Cipher::Tdes => 1,
            Cipher::Aes128 => 2,
            Cipher::Aes192 => 3,
            Cipher::Aes256 => 4,
        };
        let mut oid = ID_PACE.to_vec();
        oid.extend_from_slice(&[variant, cipher]);
        oid
    }

    /// True when this implementation can run it: ECDH with generic mapping.
    pub fn is_supported(&self) -> bool {
        self.key_agreement == KeyAgreement::Ecdh && self.mapping == Mapping::Generic
    }
}

/// Everything PACE needs to know from EF.CardAccess (ICAO 9303-11 §9.2.1: the PACEInfo
/// protocol OID and parameter ID), as [`crate::card_access::SecurityInfos::preferred_pace`]
/// chooses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceParams {
    /// The protocol (from the PACEInfo OID).
    pub algorithm: PaceAlgorithm,
    /// The domain parameters (from the PACEInfo parameter ID).
    pub curve: Curve,
    /// Send DO'84 with the parameter ID in MSE:Set AT (needed only when the card offers several).
    pub send_parameter_id: bool,
}
