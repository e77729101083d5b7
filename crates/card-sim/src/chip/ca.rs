//! The chip's side of Chip Authentication v1 with ECDH (ICAO 9303-11 §6.2): which commands the
//! chip takes in which state, and what it answers. The key agreement and the session keys are
//! `icao9303`'s building blocks ([`icao9303::ec`], [`icao9303::ca::session_keys`]).

use std::fmt;

use apdu::{Command, Response, StatusWord};
use asn1::ber::Reader;
use icao9303::ca::{
    ca_ecdh_oid, chip_authentication_info_der, chip_authentication_public_key_info_der,
    cipher_of_ca_ecdh_oid, key_id_octets, session_keys,
};
use icao9303::ec::{self, Curve};
use icao9303::pace::{dynamic_auth_object, dynamic_authentication_data};
use icao9303::sm::SmKeys;
use icao9303::{Cipher, Error, Result};
use zeroize::Zeroizing;

/// The chip's side of Chip Authentication v1 with ECDH (ICAO 9303-11 §6.2.5): it takes the
/// plain commands (as [`icao9303::sm::CardSecureMessaging`] unwrapped them) and answers them; when the key agreement
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

/// The status a chip gives for a CA command whose data it cannot use (ISO/IEC 7816-4: 6A80,
/// incorrect parameters in the command data field).
const WRONG_DATA: StatusWord = StatusWord::WRONG_DATA;

impl CardChipAuthentication {
    /// A chip with the static private key `private_key` (big-endian, the curve's field length)
    /// on `curve`, offering the protocol `ca_oid` (`id-CA-ECDH-*`, ICAO 9303-11 §9.2.5), with
    /// the keyId its DG14 gives, if any.
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

    /// The chip's static public key `PK_IC`, uncompressed: the one DG14's
    /// ChipAuthenticationPublicKeyInfo must hold (ICAO 9303-11 §6.2, §9.2.6).
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

    /// True for a command this type answers in the current state (ICAO 9303-11 §6.2.5):
    /// MSE:Set KAT, MSE:Set AT for CA (`41 A4`), and General Authenticate after such an
    /// MSE:Set AT.
    pub fn handles(&self, cmd: &Command) -> bool {
        match (cmd.ins, cmd.p1, cmd.p2) {
            (0x22, 0x41, 0xA6 | 0xA4) => true,
            (0x86, 0x00, 0x00) => self.awaiting_general_authenticate,
            _ => false,
        }
    }

    /// Answers one plain command (ICAO 9303-11 §6.2.5); `Some(keys)` when secure messaging must
    /// restart with them (§6.2.3), after this answer went out under the old keys.
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
                    // The chip has nothing to send back in CA v1: an empty template.
                    Some(Ok(keys)) => (
                        Response::new(dynamic_authentication_data(0, &[]), StatusWord::SUCCESS),
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
