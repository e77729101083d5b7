//! The virtual CCCD: the file-system card plus the chip's side of ICAO 9303 access control
//! (PACE with the CAN or the MRZ, BAC), chip and active authentication ([`crate::chip`]) and
//! secure messaging (`icao9303`'s wrapping), with the quirks a test can switch on.

use apdu::{Command, LengthEncoding, Response, StatusWord};
use icao9303::aa::AaHash;
use icao9303::ec::Curve;
use icao9303::pace::PaceAlgorithm;
use icao9303::sm::CardSecureMessaging;
use rand_core::{OsRng, RngCore, TryRngCore};
use zeroize::Zeroizing;

use crate::card::{Iso7816Card, SimCard};
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

/// The most plain data one secure-messaging response carries, so that the protected response
/// (DO'87 with padding, DO'99, DO'8E: at most 35 more bytes) still fits a vpcd frame.
pub const SM_RESPONSE_CAP: usize = crate::MAX_RESPONSE_DATA - 64;

enum Session {
    /// No access protocol run (or the last one failed).
    Closed,
    /// MSE:Set AT done; General Authenticate steps under way.
    Pace { pace: Box<CardPace>, step: u8 },
    /// GET CHALLENGE answered.
    BacChallenge([u8; 8]),
    /// Secure messaging established.
    Open(Box<CardSecureMessaging>),
}

/// The chip's private keys for chip authentication (DG14) and active authentication (DG15).
pub struct ChipKeys {
    /// The brainpoolP256r1 private scalar (the same key serves CA and AA on the virtual card).
    pub private_key: zeroize::Zeroizing<Vec<u8>>,
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
            let key = self.chip_keys.as_ref()?;
            // id-CA-ECDH-AES-CBC-CMAC-128, as DG14 and EF.CardAccess announce.
            let oid = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02, 0x02];
            self.ca =
                CardChipAuthentication::new(&oid, Curve::BrainpoolP256r1, &key.private_key, None)
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
                    return match CardSecureMessaging::new(keys, &ssc) {
                        Ok(sm) => {
                            self.session = Session::Open(Box::new(sm));
                            Response::new(response, StatusWord::SUCCESS)
                        }
                        Err(_) => self.fail(StatusWord::UNKNOWN_ERROR),
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
            Ok(Some(answer)) => match CardSecureMessaging::new(answer.session_keys, &answer.ssc) {
                Ok(sm) => {
                    self.session = Session::Open(Box::new(sm));
                    Response::new(answer.response, StatusWord::SUCCESS)
                }
                Err(_) => self.fail(StatusWord::UNKNOWN_ERROR),
            },
            _ => self.fail(StatusWord::SECURITY_STATUS_NOT_SATISFIED),
        }
    }

    /// A protected command: unwrapped, checked, processed, and its response wrapped.
    fn handle_protected(&mut self, raw: &[u8], outer: &Command) -> Vec<u8> {
        let Session::Open(sm) = &mut self.session else {
            return StatusWord::SM_OBJECTS_MISSING.to_bytes().to_vec();
        };
        let plain = match sm.unwrap_command(raw) {
            Ok(c) => c,
            Err(_) => {
                // ICAO 9303-11 §9.8.4: an SM error is answered unprotected and ends the session.
                self.session = Session::Closed;
                return StatusWord::SM_OBJECTS_INCORRECT.to_bytes().to_vec();
            }
        };
        let plain_ca = self
            .chip_authentication()
            .is_some_and(|ca| ca.handles(&plain));
        if plain_ca {
            let (response, new_keys) = match self.chip_authentication() {
                Some(ca) => ca.process(&plain),
                None => (Response::status(StatusWord::INS_NOT_SUPPORTED), None),
            };
            let Session::Open(sm) = &mut self.session else {
                return StatusWord::SM_OBJECTS_MISSING.to_bytes().to_vec();
            };
            // The answer to the CA command is protected with the old keys; the new keys
            // (SSC zero) apply from the next command on (ICAO 9303-11 §6.2).
            let wrapped = sm
                .wrap_response(&response)
                .unwrap_or_else(|_| StatusWord::SM_OBJECTS_INCORRECT.to_bytes().to_vec());
            if let Some(keys) = new_keys {
                let ssc = vec![0; keys.cipher().block_len()];
                self.session = match CardSecureMessaging::new(keys, &ssc) {
                    Ok(sm) => Session::Open(Box::new(sm)),
                    Err(_) => Session::Closed,
                };
            }
            return wrapped;
        }
        let Session::Open(sm) = &mut self.session else {
            return StatusWord::SM_OBJECTS_MISSING.to_bytes().to_vec();
        };
        let response = if outer.is_extended() && !self.extended {
            Response::status(StatusWord::WRONG_LENGTH)
        } else if plain.ins == 0x88 {
            let Some(key) = &self.chip_keys else {
                return wrap_or_fail(sm, &Response::status(StatusWord::INS_NOT_SUPPORTED));
            };
            let r = internal_authenticate_with(key, &plain);
            return wrap_or_fail(sm, &r);
        } else {
            let cap = self.fs.options().response_cap;
            self.fs.options_mut().response_cap = cap.min(SM_RESPONSE_CAP);
            let r = self
                .fs
                .process_with_access(&plain.with_encoding(LengthEncoding::Auto), true);
            self.fs.options_mut().response_cap = cap;
            r
        };
        match sm.wrap_response(&response) {
            Ok(bytes) => bytes,
            Err(_) => {
                self.session = Session::Closed;
                StatusWord::SM_OBJECTS_INCORRECT.to_bytes().to_vec()
            }
        }
    }
}

fn internal_authenticate_with(key: &ChipKeys, cmd: &Command) -> Response {
    if cmd.data().len() != 8 {
        return Response::status(StatusWord::WRONG_LENGTH);
    }
    match aa::internal_authenticate_ecdsa(
        &key.private_key,
        Curve::BrainpoolP256r1,
        AaHash::Sha256,
        cmd.data(),
    ) {
        Ok(sig) => Response::new(sig, StatusWord::SUCCESS),
        Err(_) => Response::status(StatusWord::UNKNOWN_ERROR),
    }
}

fn wrap_or_fail(sm: &mut CardSecureMessaging, r: &Response) -> Vec<u8> {
    sm.wrap_response(r)
        .unwrap_or_else(|_| StatusWord::SM_OBJECTS_INCORRECT.to_bytes().to_vec())
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
