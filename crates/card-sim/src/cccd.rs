//! The virtual CCCD: the file-system card plus the chip's side of ICAO 9303 access control
//! (PACE with the CAN or the MRZ, BAC), chip and active authentication ([`crate::chip`]) and
//! secure messaging (`icao9303`'s wrapping), with the quirks a test can switch on.

use std::fmt;
use std::sync::Arc;

use apdu::{Command, LengthEncoding, Response, StatusWord};
use icao9303::Cipher;
use icao9303::aa::{AaHash, CHALLENGE_LEN};
use icao9303::ca::ca_ecdh_oid;
use icao9303::ec::Curve;
use icao9303::pace::PaceAlgorithm;
use icao9303::sm::{CardSecureMessaging, SmKeys};
use rand_core::{OsRng, RngCore, TryRngCore};
use zeroize::Zeroizing;

use crate::card::{Iso7816Card, MAX_RESPONSE_DATA, SimCard};
use crate::chip::ca::CardChipAuthentication;
use crate::chip::pace::CardPace;
use crate::chip::{aa, bac};
use crate::profile::CardIdentity;

/// Which access protocols the chip offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AccessMode {
    /// PACE only (EF.CardAccess present; BAC commands refused).
    Pace,
    /// BAC only (no EF.CardAccess, no PACE).
    Bac,
    /// Both, as the CCCD.
    #[default]
    Both,
}

/// The length of a protected response (ICAO 9303-11 §9.8.5.2: `[DO'87] DO'99 DO'8E`, without
/// the status word) that carries `plain` data bytes under a cipher of `block` bytes: the data is
/// always padded (ISO/IEC 9797-1 method 2), DO'87 adds its padding-content indicator.
pub fn protected_response_len(plain: usize, block: usize) -> usize {
    let trailer = 4 + 10; // DO'99 (status word) and DO'8E (8-byte MAC)
    if plain == 0 {
        return trailer;
    }
    let value = 1 + (plain / block + 1) * block;
    1 + crate::der::length(value).len() + value + trailer
}

/// The most plain data a protected response may carry when the protected response must fit
/// `limit` bytes: 223 under AES and 231 under 3DES for a short APDU's 256.
pub fn protected_response_capacity(limit: usize, block: usize) -> usize {
    (0..=limit)
        .rev()
        .find(|p| protected_response_len(*p, block) <= limit)
        .unwrap_or(0)
}

enum Session {
    /// No access protocol run (or the last one failed).
    Closed,
    /// MSE:Set AT done; General Authenticate steps under way.
    Pace { pace: Box<CardPace>, step: u8 },
    /// GET CHALLENGE answered.
    BacChallenge([u8; 8]),
    /// Secure messaging established, with its cipher's block length.
    Open {
        sm: Box<CardSecureMessaging>,
        block: usize,
    },
}

impl Session {
    /// Secure messaging with `keys`, SSC as given (ICAO 9303-11 §9.8.2).
    fn open(keys: SmKeys, ssc: &[u8]) -> Option<Self> {
        let block = keys.cipher().block_len();
        CardSecureMessaging::new(keys, ssc)
            .ok()
            .map(|sm| Self::Open {
                sm: Box::new(sm),
                block,
            })
    }
}

/// The chip's chip-authentication key (the private half of DG14's public key) and the protocol
/// it runs with it (ICAO 9303-11 §6.2).
pub struct ChipAuthenticationKey {
    /// The brainpoolP256r1 private scalar.
    pub private_key: Zeroizing<Vec<u8>>,
    /// The cipher of the one `id-CA-ECDH-*` protocol the chip accepts; MSE:Set AT naming any
    /// other is refused with 6A80.
    pub cipher: Cipher,
}

/// The chip's Active Authentication key (the private half of DG15's, ICAO 9303-11 §6.1).
pub enum ActiveAuthenticationKey {
    /// RSA, answered with ISO/IEC 9796-2 scheme 1 and SHA-1, as CCCDs do (the notes).
    Rsa(Arc<rsa::PrivateKey>),
    /// ECDSA on brainpoolP256r1 with SHA-256, as DG14's ActiveAuthenticationInfo names it
    /// (other documents).
    Ecdsa(Zeroizing<Vec<u8>>),
}

impl fmt::Debug for ActiveAuthenticationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rsa(_) => "ActiveAuthenticationKey::Rsa(<redacted>)",
            Self::Ecdsa(_) => "ActiveAuthenticationKey::Ecdsa(<redacted>)",
        })
    }
}

/// The chip's private keys; a chip without one does not offer that protocol (its commands are
/// answered 6D00, as by a chip whose EF.COM lists no DG14 or no DG15).
#[derive(Default)]
pub struct ChipKeys {
    /// Chip authentication (DG14).
    pub chip_authentication: Option<ChipAuthenticationKey>,
    /// Active authentication (DG15).
    pub active_authentication: Option<ActiveAuthenticationKey>,
}

/// A simulated CCCD chip.
pub struct VirtualCccd {
    fs: Iso7816Card,
    identity: CardIdentity,
    mode: AccessMode,
    extended: bool,
    session: Session,
    chip_keys: Option<ChipKeys>,
    ca: Option<CardChipAuthentication>,
}

impl VirtualCccd {
    /// A chip with these files, holder data and access mode. `extended` false makes it refuse
    /// extended-length APDUs with 6700, as seen through a reader that cannot carry them.
    pub fn new(
        mut fs: Iso7816Card,
        identity: CardIdentity,
        mode: AccessMode,
        extended: bool,
    ) -> Self {
        if mode == AccessMode::Bac {
            fs.remove_file(None, 0x011C);
        }
        fs.options_mut().extended_length = true;
        fs.options_mut().refuse_select_mf = true;
        Self {
            fs,
            identity,
            mode,
            extended,
            session: Session::Closed,
            chip_keys: None,
            ca: None,
        }
    }

    /// Gives the chip its private key for chip and active authentication (ICAO 9303-11 §6).
    #[must_use]
    pub fn with_chip_keys(mut self, keys: ChipKeys) -> Self {
        self.chip_keys = Some(keys);
        self
    }

    fn chip_authentication(&mut self) -> Option<&mut CardChipAuthentication> {
        if self.ca.is_none() {
            let key = self.chip_keys.as_ref()?.chip_authentication.as_ref()?;
            self.ca = CardChipAuthentication::new(
                &ca_ecdh_oid(key.cipher),
                Curve::BrainpoolP256r1,
                &key.private_key,
                None,
            )
            .ok();
        }
        self.ca.as_mut()
    }

    /// The file system.
    pub fn files(&self) -> &Iso7816Card {
        &self.fs
    }

    /// The holder data that keys access.
    pub fn identity(&self) -> &CardIdentity {
        &self.identity
    }

    fn handle_plain(&mut self, cmd: &Command) -> Response {
        match (cmd.cla, cmd.ins) {
            (0x00, 0x22) => self.mse_set_at(cmd),
            (0x00 | 0x10, 0x86) => self.general_authenticate(cmd),
            (0x00, 0x84) => self.get_challenge(cmd),
            (0x00, 0x82) => self.external_authenticate(cmd),
            _ => {
                // A plain command ends any secure-messaging session (ICAO 9303-11 §9.8.5).
                self.session = Session::Closed;
                self.fs.process_with_access(cmd, false)
            }
        }
    }

    fn mse_set_at(&mut self, cmd: &Command) -> Response {
        if self.mode == AccessMode::Bac {
            return Response::status(StatusWord::INS_NOT_SUPPORTED);
        }
        self.session = Session::Closed;
        if cmd.p1 != 0xC1 || cmd.p2 != 0xA4 {
            return Response::status(StatusWord::WRONG_P1P2);
        }
        let (mut oid, mut pwd_ref) = (None, None);
        let mut rest = cmd.data();
        while let [tag, len, tail @ ..] = rest {
            let n = *len as usize;
            if tail.len() < n {
                return Response::status(StatusWord::WRONG_DATA);
            }
            match tag {
                0x80 => oid = Some(&tail[..n]),
                0x83 => pwd_ref = tail[..n].first().copied(),
                _ => {}
            }
            rest = &tail[n..];
        }
        let Some(algorithm) = oid.and_then(PaceAlgorithm::from_oid) else {
            return Response::status(StatusWord::REFERENCED_DATA_NOT_FOUND);
        };
        let password: Zeroizing<Vec<u8>> = match pwd_ref {
            Some(0x02) => match &self.identity.can {
                Some(can) => Zeroizing::new(can.as_bytes().to_vec()),
                None => return Response::status(StatusWord::REFERENCED_DATA_NOT_FOUND),
            },
            Some(0x01) => match self
                .identity
                .mrz_info()
                .and_then(|m| m.pace_password().ok())
            {
                Some(p) => p,
                None => return Response::status(StatusWord::REFERENCED_DATA_NOT_FOUND),
            },
            _ => return Response::status(StatusWord::REFERENCED_DATA_NOT_FOUND),
        };
        match CardPace::new(algorithm, Curve::BrainpoolP256r1, &password) {
            Ok(p) => {
                self.session = Session::Pace {
                    pace: Box::new(p),
                    step: 0,
                };
                Response::status(StatusWord::SUCCESS)
            }
            Err(_) => Response::status(StatusWord::REFERENCED_DATA_NOT_FOUND),
        }
    }

    fn general_authenticate(&mut self, cmd: &Command) -> Response {
        let Session::Pace { pace, step } = &mut self.session else {
            return Response::status(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        let mut rng = OsRng.unwrap_err();
        let last = cmd.cla & 0x10 == 0;
        let result = match (*step, last) {
            (0, false) => pace.encrypted_nonce(&mut rng).map(Some),
            (1, false) => pace.map_nonce(cmd.data(), &mut rng).map(Some),
            (2, false) => pace.agree_key(cmd.data(), &mut rng).map(Some),
            (3, true) => match pace.mutual_authenticate(cmd.data()) {
                Ok(Some((response, keys))) => {
                    let ssc = vec![0; keys.cipher().block_len()];
                    return match Session::open(keys, &ssc) {
                        Some(open) => {
                            self.session = open;
                            Response::new(response, StatusWord::SUCCESS)
                        }
                        None => self.fail(StatusWord::UNKNOWN_ERROR),
                    };
                }
                Ok(None) => return self.fail(CardPace::WRONG_TOKEN),
                Err(e) => Err(e),
            },
            _ => return self.fail(StatusWord::CONDITIONS_NOT_SATISFIED),
        };
        match result {
            Ok(Some(data)) => {
                *step += 1;
                Response::new(data, StatusWord::SUCCESS)
            }
            _ => self.fail(StatusWord::WRONG_DATA),
        }
    }

    fn fail(&mut self, sw: StatusWord) -> Response {
        self.session = Session::Closed;
        Response::status(sw)
    }

    fn get_challenge(&mut self, cmd: &Command) -> Response {
        if self.mode == AccessMode::Pace {
            return Response::status(StatusWord::INS_NOT_SUPPORTED);
        }
        if cmd.ne() != Some(8) {
            return Response::status(StatusWord::WRONG_LENGTH);
        }
        let mut rnd = [0u8; 8];
        OsRng.unwrap_err().fill_bytes(&mut rnd);
        self.session = Session::BacChallenge(rnd);
        Response::new(rnd.to_vec(), StatusWord::SUCCESS)
    }

    fn external_authenticate(&mut self, cmd: &Command) -> Response {
        if self.mode == AccessMode::Pace {
            return Response::status(StatusWord::INS_NOT_SUPPORTED);
        }
        let Session::BacChallenge(rnd_ic) = self.session else {
            return self.fail(StatusWord::CONDITIONS_NOT_SATISFIED);
        };
        let Some(keys) = self
            .identity
            .mrz_info()
            .and_then(|m| icao9303::bac::derive_bac_keys(&m).ok())
        else {
            return self.fail(StatusWord::UNKNOWN_ERROR);
        };
        let mut k_ic = Zeroizing::new([0u8; 16]);
        OsRng.unwrap_err().fill_bytes(k_ic.as_mut());
        match bac::external_authenticate(&keys, &rnd_ic, &k_ic, cmd.data()) {
            Ok(Some(answer)) => match Session::open(answer.session_keys, &answer.ssc) {
                Some(open) => {
                    self.session = open;
                    Response::new(answer.response, StatusWord::SUCCESS)
                }
                None => self.fail(StatusWord::UNKNOWN_ERROR),
            },
            _ => self.fail(StatusWord::SECURITY_STATUS_NOT_SATISFIED),
        }
    }

    /// A protected command: unwrapped, checked, processed, and its response wrapped.
    ///
    /// The protected response must fit what the protected command's Le allows (ISO/IEC 7816-4
    /// §5.1: at most 256 bytes for a short Le, `00` included; ICAO 9303-11 §9.8.5.2: the
    /// protected command's Le is `00`, and DO'97 carries the plain command's). So under a short
    /// command the chip returns the plain data that still fits once wrapped, 223 bytes under AES
    /// and 231 under 3DES, however many DO'97 asked for: a short answer with 9000, as a READ
    /// BINARY may have (the reference passport applet of JMRTD likewise sends what its buffer
    /// holds). A response that cannot be shortened (a signature) and does not fit is answered
    /// 6700.
    fn handle_protected(&mut self, raw: &[u8], outer: &Command) -> Vec<u8> {
        let Session::Open { sm, block } = &mut self.session else {
            return StatusWord::SM_OBJECTS_MISSING.to_bytes().to_vec();
        };
        let block = *block;
        let plain = match sm.unwrap_command(raw) {
            Ok(c) => c,
            Err(_) => {
                // ICAO 9303-11 §9.8.4: an SM error is answered unprotected and ends the session.
                self.session = Session::Closed;
                return StatusWord::SM_OBJECTS_INCORRECT.to_bytes().to_vec();
            }
        };
        let limit = outer.ne().unwrap_or(256).min(MAX_RESPONSE_DATA);
        let plain_ca = self
            .chip_authentication()
            .is_some_and(|ca| ca.handles(&plain));
        if plain_ca {
            let (response, new_keys) = match self.chip_authentication() {
                Some(ca) => ca.process(&plain),
                None => (Response::status(StatusWord::INS_NOT_SUPPORTED), None),
            };
            // The answer to the CA command is protected with the old keys; the new keys
            // (SSC zero) apply from the next command on (ICAO 9303-11 §6.2).
            let wrapped = self.wrap(&response, limit);
            if let Some(keys) = new_keys {
                let ssc = vec![0; keys.cipher().block_len()];
                self.session = Session::open(keys, &ssc).unwrap_or(Session::Closed);
            }
            return wrapped;
        }
        let response = if outer.is_extended() && !self.extended {
            Response::status(StatusWord::WRONG_LENGTH)
        } else if plain.ins == 0x88 {
            self.internal_authenticate(&plain)
        } else {
            let plain_options = self.fs.options().clone();
            let options = self.fs.options_mut();
            options.response_cap = options
                .response_cap
                .min(protected_response_capacity(limit, block));
            options.short_response_cap = options
                .short_response_cap
                .min(protected_response_capacity(256, block));
            let r = self
                .fs
                .process_with_access(&plain.with_encoding(LengthEncoding::Auto), true);
            *self.fs.options_mut() = plain_options;
            r
        };
        self.wrap(&response, limit)
    }

    /// Protects `response` for a protected response of at most `limit` bytes.
    fn wrap(&mut self, response: &Response, limit: usize) -> Vec<u8> {
        let Session::Open { sm, block } = &mut self.session else {
            return StatusWord::SM_OBJECTS_MISSING.to_bytes().to_vec();
        };
        let too_long = Response::status(StatusWord::WRONG_LENGTH);
        let response = if protected_response_len(response.data.len(), *block) > limit {
            &too_long
        } else {
            response
        };
        match sm.wrap_response(response) {
            Ok(bytes) => bytes,
            Err(_) => {
                self.session = Session::Closed;
                StatusWord::SM_OBJECTS_INCORRECT.to_bytes().to_vec()
            }
        }
    }

    /// INTERNAL AUTHENTICATE (ICAO 9303-11 §6.1.2): the chip signs the terminal's 8-byte
    /// challenge with its Active Authentication key.
    fn internal_authenticate(&self, cmd: &Command) -> Response {
        let Some(key) = self
            .chip_keys
            .as_ref()
            .and_then(|k| k.active_authentication.as_ref())
        else {
            return Response::status(StatusWord::INS_NOT_SUPPORTED);
        };
        if cmd.data().len() != CHALLENGE_LEN {
            return Response::status(StatusWord::WRONG_LENGTH);
        }
        if (cmd.p1, cmd.p2) != (0, 0) {
            return Response::status(StatusWord::WRONG_P1P2);
        }
        let signature = match key {
            ActiveAuthenticationKey::Rsa(rsa) => {
                aa::internal_authenticate_rsa(rsa, cmd.data(), &mut OsRng.unwrap_err())
            }
            ActiveAuthenticationKey::Ecdsa(private_key) => aa::internal_authenticate_ecdsa(
                private_key,
                Curve::BrainpoolP256r1,
                AaHash::Sha256,
                cmd.data(),
            ),
        };
        match signature {
            Ok(sig) => Response::new(sig, StatusWord::SUCCESS),
            Err(_) => Response::status(StatusWord::UNKNOWN_ERROR),
        }
    }
}

impl SimCard for VirtualCccd {
    fn atr(&self) -> Vec<u8> {
        self.fs.atr()
    }

    fn power_on(&mut self) {
        self.session = Session::Closed;
        self.ca = None;
        self.fs.power_on();
    }

    fn power_off(&mut self) {
        self.session = Session::Closed;
        self.ca = None;
        self.fs.power_off();
    }

    fn process(&mut self, raw: &[u8]) -> Vec<u8> {
        let Ok(cmd) = Command::from_bytes(raw) else {
            return StatusWord::WRONG_LENGTH.to_bytes().to_vec();
        };
        if cmd.cla == 0xFF {
            return self.fs.process_command(&cmd).to_bytes();
        }
        if cmd.is_extended() && !self.extended && cmd.cla & 0x0C != 0x0C {
            return StatusWord::WRONG_LENGTH.to_bytes().to_vec();
        }
        if cmd.cla & 0x0C == 0x0C {
            return self.handle_protected(raw, &cmd);
        }
        if cmd.cla & 0xE0 != 0 {
            return StatusWord::CLA_NOT_SUPPORTED.to_bytes().to_vec();
        }
        self.handle_plain(&cmd).to_bytes()
    }
}
