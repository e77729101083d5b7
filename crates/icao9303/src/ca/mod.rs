//! Chip Authentication version 1 with ECDH (ICAO 9303-11 §6.2; BSI TR-03110-1 §3.4 and
//! TR-03110-3 §B.1): the terminal's side, and the building blocks both sides compute alike.
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
//! find out, and reports the result as a [`ChipAuthOutcome`] rather than as an
//! [`Error`](crate::Error), so a "clone suspected" verdict is never confused with a reader
//! failing.
//!
//! Only ECDH is implemented (the CCCD and every eMRTD sample at hand use it), on the curves of
//! [`Curve`](crate::ec::Curve): brainpoolP256r1, P-256, P-384, brainpoolP384r1. Chip Authentication version 2
//! (TR-03110 EAC2, after Terminal Authentication) is reported as not supported.
//!
//! The rooms: the OIDs (here), the choice of key and protocol from DG14 (`params`), the commands
//! (`commands`), the DER encoders of DG14's two SecurityInfos (`security_infos`) and the
//! terminal flow with its outcomes ([`perform_chip_authentication`]). The chip's side (which
//! command it takes in which state, what it answers) is the virtual card's, in `card-sim`.

mod commands;
mod params;
mod security_infos;
mod terminal;
#[cfg(test)]
mod tests;

pub use commands::{
    confirmation_command, general_authenticate, key_id_octets, mse_set_at, mse_set_kat,
    session_keys,
};
pub use params::{CaCommands, ChipAuthParams, parse_chip_public_key};
pub use security_infos::{chip_authentication_info_der, chip_authentication_public_key_info_der};
pub use terminal::{
    ChipAuthDetails, ChipAuthFailure, ChipAuthOutcome, ChipAuthRefusal, chip_authenticate,
    perform_chip_authentication,
};

use crate::crypto::Cipher;

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
