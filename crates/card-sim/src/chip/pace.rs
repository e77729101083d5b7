//! The chip's side of PACE with ECDH generic mapping (ICAO 9303-11 §4.4.3), one method per
//! General Authenticate step. The arithmetic is `icao9303`'s building blocks (the KDF, the
//! nonce encryption, [`icao9303::ec`], the session keys and the tokens); what the chip accepts
//! and answers at each step is decided here.

use std::fmt;

use apdu::StatusWord;
use icao9303::ec::{Curve, generic_mapping, public_key, random_private_key, shared_secret};
use icao9303::pace::{
    PaceAlgorithm, authentication_token, dynamic_auth_object, dynamic_authentication_data,
    encrypt_nonce, password_key, session_keys, verify_authentication_token,
};
use icao9303::sm::SmKeys;
use icao9303::{Error, Result};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

/// The chip's side of PACE with ECDH generic mapping (ICAO 9303-11 §4.4.3): each step takes the
/// General Authenticate command's data field and returns the response data field. Secrets are
/// zeroized on drop.
pub struct CardPace {
    algorithm: PaceAlgorithm,
    curve: Curve,
    k_pi: Zeroizing<Vec<u8>>,
    nonce: Zeroizing<Vec<u8>>,
    sk_map: Zeroizing<Vec<u8>>,
    g_hat: Zeroizing<Vec<u8>>,
    sk: Zeroizing<Vec<u8>>,
    pk: Vec<u8>,
    pk_map: Vec<u8>,
    pk_ifd: Vec<u8>,
    keys: Option<SmKeys>,
}

/// The error of a General Authenticate whose data field lacks the object of its step.
fn missing(what: &'static str) -> Error {
    Error::Malformed {
        what,
        why: "the dynamic authentication data lacks the step's object",
    }
}

impl CardPace {
    /// The status word a chip gives for a rejected token, i.e. a wrong password (ICAO 9303-11
    /// §4.4.4.2).
    pub const WRONG_TOKEN: StatusWord = StatusWord(0x6300);

    /// A chip that knows the password π (ICAO 9303-11 §9.7.3: the CAN in ASCII, or SHA-1 of the
    /// MRZ information), after an MSE:Set AT that chose `algorithm` on `curve` (§4.4.4.1).
    pub fn new(algorithm: PaceAlgorithm, curve: Curve, password: &[u8]) -> Result<Self> {
        if !algorithm.is_supported() {
            return Err(Error::UnsupportedPace(
                "only ECDH generic mapping is implemented",
            ));
        }
        Ok(Self {
            algorithm,
            curve,
            k_pi: password_key(&algorithm, password),
            nonce: Zeroizing::new(Vec::new()),
            sk_map: Zeroizing::new(Vec::new()),
            g_hat: Zeroizing::new(Vec::new()),
            sk: Zeroizing::new(Vec::new()),
            pk: Vec::new(),
            pk_map: Vec::new(),
            pk_ifd: Vec::new(),
            keys: None,
        })
    }

    /// Step 1, the encrypted nonce (ICAO 9303-11 §4.4.3.1): draws the nonce `s` (one cipher
    /// block, at least 16 bytes) and answers `7C { 80 E(K_π, s) }`.
    pub fn encrypted_nonce(&mut self, rng: &mut (impl CryptoRng + ?Sized)) -> Result<Vec<u8>> {
        let mut s = Zeroizing::new(vec![0u8; self.algorithm.cipher.block_len().max(16)]);
        rng.fill_bytes(&mut s);
        let z = encrypt_nonce(&self.algorithm, &self.k_pi, &s)?;
        self.nonce = s;
        Ok(dynamic_authentication_data(0x80, &z))
    }

    /// Step 2, the generic mapping (ICAO 9303-11 §4.4.3.3.1): takes `7C { 81 PK_map_IFD }`,
    /// draws the chip's mapping key and answers `7C { 82 PK_map_IC }`; computes `Ĝ`. A
    /// terminal key equal to the chip's is refused (TR-03110 forbids reflected keys).
    pub fn map_nonce(
        &mut self,
        command_data: &[u8],
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Vec<u8>> {
        let pk_map_ifd = dynamic_auth_object(command_data, 0x81).ok_or(missing("PACE mapping"))?;
        self.sk_map = random_private_key(self.curve, rng);
        self.pk_map = public_key(self.curve, None, &self.sk_map)?;
        if pk_map_ifd == self.pk_map.as_slice() {
            return Err(Error::InvalidPoint("mapping"));
        }
        self.g_hat = generic_mapping(self.curve, &self.nonce, &self.sk_map, pk_map_ifd)?;
        Ok(dynamic_authentication_data(0x82, &self.pk_map))
    }

    /// Step 3, the key agreement (ICAO 9303-11 §4.4.3.3.2): takes `7C { 83 PK_IFD }`, draws the
    /// chip's ephemeral key over `Ĝ` and answers `7C { 84 PK_IC }`; derives the session keys.
    pub fn agree_key(
        &mut self,
        command_data: &[u8],
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Vec<u8>> {
        let pk_ifd =
            dynamic_auth_object(command_data, 0x83).ok_or(missing("PACE key agreement"))?;
        self.sk = random_private_key(self.curve, rng);
        self.pk = public_key(self.curve, Some(&self.g_hat), &self.sk)?;
        if pk_ifd == self.pk.as_slice() {
            return Err(Error::InvalidPoint("key agreement"));
        }
        let shared = shared_secret(self.curve, &self.sk, pk_ifd)?;
        self.keys = Some(session_keys(&self.algorithm, &shared)?);
        self.pk_ifd = pk_ifd.to_vec();
        Ok(dynamic_authentication_data(0x84, &self.pk))
    }

    /// Step 4, the mutual authentication (ICAO 9303-11 §4.4.3.4): takes `7C { 85 T_IFD }`.
    /// `Ok(None)` when the terminal's token is wrong (a wrong password: the chip answers
    /// [`CardPace::WRONG_TOKEN`]); otherwise `7C { 86 T_IC }` and the session keys (secure
    /// messaging starts with SSC zero, §9.8.2).
    pub fn mutual_authenticate(
        &mut self,
        command_data: &[u8],
    ) -> Result<Option<(Vec<u8>, SmKeys)>> {
        let t_ifd =
            dynamic_auth_object(command_data, 0x85).ok_or(missing("PACE mutual authentication"))?;
        let keys = self.keys.take().ok_or(Error::Malformed {
            what: "PACE mutual authentication",
            why: "sent before the key agreement",
        })?;
        if !verify_authentication_token(&self.algorithm, &keys, &self.pk, t_ifd)? {
            return Ok(None);
        }
        let t_ic = authentication_token(&self.algorithm, &keys, &self.pk_ifd)?;
        Ok(Some((dynamic_authentication_data(0x86, &t_ic), keys)))
    }
}

impl fmt::Debug for CardPace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CardPace({:?}, {:?}, <redacted>)",
            self.algorithm, self.curve
        )
    }
}
