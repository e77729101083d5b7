//! PACE v2 (ICAO 9303-11 §4.4) with ECDH generic mapping, terminal and chip sides.
//!
//! 1. MSE:Set AT selects the protocol OID and the password (§4.4.4.1).
//! 2. General Authenticate 1: the chip sends `z = E(K_π, s)`; `K_π = KDF(π, 3)` (§4.4.3.1).
//! 3. General Authenticate 2: both sides exchange mapping keys; `H = SK_map · PK_map(other)`
//!    and the mapped generator `Ĝ = s·G + H` (§4.4.3.3.1, generic mapping).
//! 4. General Authenticate 3: ephemeral keys over `Ĝ`; `K = x(SK · PK(other))`, then
//!    `KS_enc = KDF(K, 1)`, `KS_mac = KDF(K, 2)` (§4.4.3.3.2, §9.7.1).
//! 5. General Authenticate 4: tokens `T = MAC(KS_mac, 7F49{06 OID, 86 PK(other)})`
//!    (§4.4.3.4, §4.4.3.5). The chip rejects a wrong password here (6300/63Cx/6982).
//!
//! The curve arithmetic is [`crate::ec`]'s ([`Curve`]: the standardized parameter sets of
//! §9.5.1, 12 P-256, 13 brainpoolP256r1, 15 P-384, 16 brainpoolP384r1), shared with chip
//! authentication.

use std::fmt;

use apdu::{CardTransaction, Command, ExchangeExt, StatusWord};
use asn1::ber::Reader;
use asn1::push_tlv;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::bac::is_wrong_key_status;
use crate::crypto::{self, Cipher};
use crate::ec::{
    Curve, generic_mapping, public_key, random_private_key, shared_secret, validate_point,
};
use crate::error::{Error, Result};
use crate::kdf::{kdf_enc, kdf_mac, kdf_pi};
use crate::keys::AccessKey;
use crate::sm::{SecureMessaging, SmKeys};

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

// ---------------------------------------------------------------------------------------------
// Symmetric parts, shared by both sides.

/// `K_π = KDF(π, 3)` for the protocol's cipher (§4.4.3.1).
pub fn password_key(algorithm: &PaceAlgorithm, password: &[u8]) -> Zeroizing<Vec<u8>> {
    kdf_pi(password, algorithm.cipher)
}

/// The chip's nonce encryption `z = E(K_π, s)`, CBC with a zero IV (§4.4.3.1).
pub fn encrypt_nonce(algorithm: &PaceAlgorithm, k_pi: &[u8], nonce: &[u8]) -> Result<Vec<u8>> {
    crypto::encrypt_cbc(
        algorithm.cipher,
        k_pi,
        &vec![0; algorithm.cipher.block_len()],
        nonce,
    )
}

/// The terminal's nonce decryption `s = D(K_π, z)` (§4.4.3.1).
pub fn decrypt_nonce(
    algorithm: &PaceAlgorithm,
    k_pi: &[u8],
    z: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    if z.is_empty() || !z.len().is_multiple_of(algorithm.cipher.block_len()) {
        return Err(Error::UnexpectedResponse("PACE nonce"));
    }
    crypto::decrypt_cbc(
        algorithm.cipher,
        k_pi,
        &vec![0; algorithm.cipher.block_len()],
        z,
    )
}

/// The session keys `KS_enc = KDF(K, 1)`, `KS_mac = KDF(K, 2)` (§4.4.3.3.2).
pub fn session_keys(algorithm: &PaceAlgorithm, shared: &[u8]) -> Result<SmKeys> {
    SmKeys::new(
        algorithm.cipher,
        &kdf_enc(shared, algorithm.cipher),
        &kdf_mac(shared, algorithm.cipher),
    )
}

/// The public key data object the tokens cover (ICAO 9303-11 §4.4.3.4, §9.4.1):
/// `7F49 L { 06 L OID, 86 L point }`.
pub fn public_key_data_object(algorithm: &PaceAlgorithm, point: &[u8]) -> Vec<u8> {
    let mut inner = Vec::with_capacity(point.len() + 16);
    push_tlv(&mut inner, &[0x06], &algorithm.oid());
    push_tlv(&mut inner, &[0x86], point);
    let mut out = Vec::with_capacity(inner.len() + 4);
    push_tlv(&mut out, &[0x7F, 0x49], &inner);
    out
}

/// An authentication token `T = MAC(KS_mac, 7F49{OID, PK(other)})` (§4.4.3.4): the terminal's
/// covers the chip's ephemeral key and vice versa. CMAC for AES, retail MAC for 3DES, 8 bytes.
pub fn authentication_token(
    algorithm: &PaceAlgorithm,
    session: &SmKeys,
    pk_other: &[u8],
) -> Result<[u8; 8]> {
    crypto::mac8(
        algorithm.cipher,
        session.material().1,
        &public_key_data_object(algorithm, pk_other),
    )
}

// ---------------------------------------------------------------------------------------------
// Commands and dynamic authentication data.

/// MSE:Set AT for PACE (ICAO 9303-11 §4.4.4.1): `00 22 C1 A4` with DO'80 the protocol OID,
/// DO'83 the password reference (01 MRZ, 02 CAN) and, when the card offers several parameter
/// sets, DO'84 the parameter ID.
pub fn mse_set_at(
    algorithm: &PaceAlgorithm,
    password_ref: u8,
    parameter_id: Option<u8>,
) -> Command {
    let mut data = Vec::new();
    push_tlv(&mut data, &[0x80], &algorithm.oid());
    push_tlv(&mut data, &[0x83], &[password_ref]);
    if let Some(id) = parameter_id {
        push_tlv(&mut data, &[0x84], &[id]);
    }
    Command::new(0x00, 0x22, 0xC1, 0xA4).with_data(data)
}

/// General Authenticate (ICAO 9303-11 §4.4.4.2): `10 86 00 00` (chained) or `00 86 00 00` (last)
/// with dynamic authentication data `7C L {tag L value}`, Le 00.
pub fn general_authenticate(tag: u8, value: &[u8], last: bool) -> Command {
    let mut inner = Vec::new();
    if !(tag == 0 && value.is_empty()) {
        push_tlv(&mut inner, &[tag], value);
    }
    let mut data = Vec::new();
    push_tlv(&mut data, &[0x7C], &inner);
    Command::new(if last { 0x00 } else { 0x10 }, 0x86, 0x00, 0x00)
        .with_data(data)
        .with_ne(256)
}

/// Extracts the value of one-byte `tag` inside dynamic authentication data `7C L {...}`.
/// Other objects (e.g. DO'87/88 certificate references) are skipped; malformed data gives `None`.
pub fn dynamic_auth_object(data: &[u8], tag: u8) -> Option<&[u8]> {
    let mut r = Reader::new(data, 0);
    let template = r.expect(0x7C, "dynamic authentication data").ok()?;
    template
        .children()
        .all()
        .ok()?
        .into_iter()
        .find(|o| o.tag == u32::from(tag))
        .map(|o| o.value)
}

/// Everything PACE needs to know from EF.CardAccess.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaceParams {
    /// The protocol (from the PACEInfo OID).
    pub algorithm: PaceAlgorithm,
    /// The domain parameters (from the PACEInfo parameter ID).
    pub curve: Curve,
    /// Send DO'84 with the parameter ID in MSE:Set AT (needed only when the card offers several).
    pub send_parameter_id: bool,
}

fn ga_step(
    tx: &mut (impl CardTransaction + ?Sized),
    step: &'static str,
    tag: u8,
    value: &[u8],
    last: bool,
    want: u8,
) -> Result<Vec<u8>> {
    let r = tx.exchange(&general_authenticate(tag, value, last))?;
    if is_wrong_key_status(r.sw) && last {
        return Err(Error::WrongAccessKey);
    }
    if !r.sw.is_success() {
        return Err(Error::CardRefused { step, sw: r.sw });
    }
    dynamic_auth_object(&r.data, want)
        .map(<[u8]>::to_vec)
        .ok_or(Error::UnexpectedResponse(step))
}

/// Runs PACE over `tx` (ICAO 9303-11 §4.4) and returns the secure-messaging session on top of
/// it, SSC zero. Randomness: the mapping private key, then the ephemeral private key.
///
/// A wrong CAN or MRZ shows as [`Error::WrongAccessKey`] (the chip answers 6300/63Cx/6982 to the
/// last General Authenticate, or its token does not verify).
pub fn perform_pace<T: CardTransaction>(
    mut tx: T,
    key: &AccessKey,
    params: &PaceParams,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<SecureMessaging<T>> {
    let keys = pace_session(&mut tx, key, params, rng)?;
    let ssc = vec![0; keys.cipher().block_len()];
    SecureMessaging::new(tx, keys, &ssc)
}

/// The PACE exchange itself, leaving the transaction with the caller (who may fall back or wrap).
pub(crate) fn pace_session(
    tx: &mut (impl CardTransaction + ?Sized),
    key: &AccessKey,
    params: &PaceParams,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<SmKeys> {
    let alg = params.algorithm;
    let curve = params.curve;
    if !alg.is_supported() {
        return Err(Error::UnsupportedPace(
            "only ECDH generic mapping is implemented",
        ));
    }
    let set_at = mse_set_at(
        &alg,
        key.pace_password_ref(),
        params.send_parameter_id.then_some(curve.parameter_id()),
    );
    let r = tx.exchange(&set_at)?;
    // 63Cx here only reports a retry counter (§4.4.4.1); 63C0 would mean blocked.
    if !(r.sw.is_success()
        || r.sw.sw1() == 0x63 && r.sw.sw2() & 0xF0 == 0xC0 && r.sw.sw2() & 0x0F != 0)
    {
        return Err(Error::CardRefused {
            step: "MSE:Set AT",
            sw: r.sw,
        });
    }

    let k_pi = password_key(&alg, &key.pace_password()?);
    let z = ga_step(tx, "General Authenticate (nonce)", 0, &[], false, 0x80)?;
    let s = decrypt_nonce(&alg, &k_pi, &z)?;

    let sk_map = random_private_key(curve, rng);
    let pk_map = public_key(curve, None, &sk_map)?;
    let pk_map_ic = ga_step(
        tx,
        "General Authenticate (mapping)",
        0x81,
        &pk_map,
        false,
        0x82,
    )?;
    validate_point(curve, &pk_map_ic).map_err(|_| Error::InvalidPoint("mapping"))?;
    // TR-03110 requires refusing a reflected key: it would let the chip skip the computation.
    if pk_map_ic == pk_map {
        return Err(Error::InvalidPoint("mapping"));
    }
    let g_hat = generic_mapping(curve, &s, &sk_map, &pk_map_ic)?;

    let sk = random_private_key(curve, rng);
    let pk = public_key(curve, Some(&g_hat), &sk)?;
    let pk_ic = ga_step(
        tx,
        "General Authenticate (key agreement)",
        0x83,
        &pk,
        false,
        0x84,
    )?;
    validate_point(curve, &pk_ic)?;
    if pk_ic == pk {
        return Err(Error::InvalidPoint("key agreement"));
    }
    let shared = shared_secret(curve, &sk, &pk_ic)?;
    let keys = session_keys(&alg, &shared)?;

    let t_ifd = authentication_token(&alg, &keys, &pk_ic)?;
    let t_ic = ga_step(
        tx,
        "General Authenticate (mutual authentication)",
        0x85,
        &t_ifd,
        true,
        0x86,
    )?;
    let expected = authentication_token(&alg, &keys, &pk)?;
    if !crypto::ct_eq(&expected, &t_ic) {
        // The chip accepted our token, so it knows K: a mismatch can only come from a chip (or
        // a relay) that did not derive the same keys, which for the user means the key is wrong.
        return Err(Error::WrongAccessKey);
    }
    tracing::debug!(curve = ?curve, cipher = ?alg.cipher, "PACE established");
    Ok(keys)
}

// ---------------------------------------------------------------------------------------------
// The chip's side, for the virtual card.

/// The chip's side of PACE with ECDH generic mapping, one method per General Authenticate
/// step: each takes the command's data field and returns the response data field. Secrets are
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

impl CardPace {
    /// A chip that knows the password π (CAN ASCII, or SHA-1 of the MRZ information).
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

    /// Step 1: draws the nonce `s` (one cipher block) and answers `7C { 80 E(K_π, s) }`.
    pub fn encrypted_nonce(&mut self, rng: &mut (impl CryptoRng + ?Sized)) -> Result<Vec<u8>> {
        let mut s = Zeroizing::new(vec![0u8; self.algorithm.cipher.block_len().max(16)]);
        rng.fill_bytes(&mut s);
        let z = encrypt_nonce(&self.algorithm, &self.k_pi, &s)?;
        self.nonce = s;
        Ok(wrap_7c(0x80, &z))
    }

    /// Step 2: takes `7C { 81 PK_map_IFD }`, draws the chip's mapping key and answers
    /// `7C { 82 PK_map_IC }`; computes `Ĝ`.
    pub fn map_nonce(
        &mut self,
        command_data: &[u8],
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Vec<u8>> {
        let pk_map_ifd = dynamic_auth_object(command_data, 0x81)
            .ok_or(Error::UnexpectedResponse("PACE mapping"))?;
        self.sk_map = random_private_key(self.curve, rng);
        self.pk_map = public_key(self.curve, None, &self.sk_map)?;
        if pk_map_ifd == self.pk_map.as_slice() {
            return Err(Error::InvalidPoint("mapping"));
        }
        self.g_hat = generic_mapping(self.curve, &self.nonce, &self.sk_map, pk_map_ifd)?;
        Ok(wrap_7c(0x82, &self.pk_map))
    }

    /// Step 3: takes `7C { 83 PK_IFD }`, draws the chip's ephemeral key and answers
    /// `7C { 84 PK_IC }`; derives the session keys.
    pub fn agree_key(
        &mut self,
        command_data: &[u8],
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Vec<u8>> {
        let pk_ifd = dynamic_auth_object(command_data, 0x83)
            .ok_or(Error::UnexpectedResponse("PACE key agreement"))?;
        self.sk = random_private_key(self.curve, rng);
        self.pk = public_key(self.curve, Some(&self.g_hat), &self.sk)?;
        if pk_ifd == self.pk.as_slice() {
            return Err(Error::InvalidPoint("key agreement"));
        }
        let shared = shared_secret(self.curve, &self.sk, pk_ifd)?;
        self.keys = Some(session_keys(&self.algorithm, &shared)?);
        self.pk_ifd = pk_ifd.to_vec();
        Ok(wrap_7c(0x84, &self.pk))
    }

    /// Step 4: takes `7C { 85 T_IFD }`. `Ok(None)` when the terminal's token is wrong (a wrong
    /// password: the chip answers 6300); otherwise `7C { 86 T_IC }` and the session keys
    /// (SM starts with SSC zero).
    pub fn mutual_authenticate(
        &mut self,
        command_data: &[u8],
    ) -> Result<Option<(Vec<u8>, SmKeys)>> {
        let t_ifd = dynamic_auth_object(command_data, 0x85)
            .ok_or(Error::UnexpectedResponse("PACE mutual authentication"))?;
        let keys = self.keys.take().ok_or(Error::UnexpectedResponse(
            "PACE mutual authentication before key agreement",
        ))?;
        let expected = authentication_token(&self.algorithm, &keys, &self.pk)?;
        if !crypto::ct_eq(&expected, t_ifd) {
            return Ok(None);
        }
        let t_ic = authentication_token(&self.algorithm, &keys, &self.pk_ifd)?;
        Ok(Some((wrap_7c(0x86, &t_ic), keys)))
    }

    /// The status word a chip gives for a rejected token (ICAO 9303-11 §4.4.4.2).
    pub const WRONG_TOKEN: StatusWord = StatusWord(0x6300);
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

fn wrap_7c(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut inner = Vec::new();
    push_tlv(&mut inner, &[tag], value);
    let mut out = Vec::new();
    push_tlv(&mut out, &[0x7C], &inner);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{Can, MrzInfo};
    use crate::test_vectors::{CounterRng, ScriptedRng, h, s, vectors};
    use apdu::{Response, Transcript, TransportError};

    fn g1() -> serde_json::Value {
        vectors()["pace_G1_ecdh_gm"].clone()
    }

    fn g1_key(g: &serde_json::Value) -> AccessKey {
        AccessKey::Mrz(
            MrzInfo::new(
                s(&g["document_number"]),
                s(&g["date_of_birth"]),
                s(&g["date_of_expiry"]),
            )
            .unwrap(),
        )
    }

    fn g1_params() -> PaceParams {
        PaceParams {
            algorithm: PaceAlgorithm::ECDH_GM_AES_128,
            curve: Curve::BrainpoolP256r1,
            send_parameter_id: false,
        }
    }

    #[test]
    fn oids() {
        let g = g1();
        let alg = PaceAlgorithm::from_oid(&h(&g["OID"])).unwrap();
        assert_eq!(alg, PaceAlgorithm::ECDH_GM_AES_128);
        assert_eq!(alg.oid(), h(&g["OID"]));
        for v in [1u8, 2, 3, 4, 6] {
            for c in 1u8..=4 {
                let mut oid = ID_PACE.to_vec();
                oid.extend([v, c]);
                assert_eq!(PaceAlgorithm::from_oid(&oid).unwrap().oid(), oid);
            }
        }
        assert!(PaceAlgorithm::from_oid(&h(&g["OID"])[..9]).is_none());
        assert!(
            PaceAlgorithm::from_oid(&[0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04, 5, 2])
                .is_none()
        );
        assert_eq!(Curve::from_parameter_id(13), Some(Curve::BrainpoolP256r1));
        assert_eq!(Curve::from_parameter_id(17), None);
    }

    #[test]
    fn appendix_g1_pure_computations() {
        let g = g1();
        let alg = PaceAlgorithm::ECDH_GM_AES_128;
        let curve = Curve::BrainpoolP256r1;
        let key = g1_key(&g);
        assert_eq!(key.pace_password().unwrap().to_vec(), h(&g["K"]));
        let k_pi = password_key(&alg, &key.pace_password().unwrap());
        assert_eq!(*k_pi, h(&g["Kpi"]));
        assert_eq!(encrypt_nonce(&alg, &k_pi, &h(&g["s"])).unwrap(), h(&g["z"]));
        assert_eq!(
            *decrypt_nonce(&alg, &k_pi, &h(&g["z"])).unwrap(),
            h(&g["s"])
        );
        let pk = |k: &str| {
            let mut p = vec![4];
            p.extend(h(&g[k]));
            p
        };
        assert_eq!(
            public_key(curve, None, &h(&g["SK_map_IFD"])).unwrap(),
            pk("PK_map_IFD")
        );
        assert_eq!(
            public_key(curve, None, &h(&g["SK_map_IC"])).unwrap(),
            pk("PK_map_IC")
        );
        let g_hat =
            generic_mapping(curve, &h(&g["s"]), &h(&g["SK_map_IFD"]), &pk("PK_map_IC")).unwrap();
        assert_eq!(*g_hat, pk("G_hat"));
        let g_hat_ic =
            generic_mapping(curve, &h(&g["s"]), &h(&g["SK_map_IC"]), &pk("PK_map_IFD")).unwrap();
        assert_eq!(g_hat_ic, g_hat);
        assert_eq!(
            public_key(curve, Some(&g_hat), &h(&g["SK_IFD"])).unwrap(),
            pk("PK_IFD")
        );
        assert_eq!(
            public_key(curve, Some(&g_hat), &h(&g["SK_IC"])).unwrap(),
            pk("PK_IC")
        );
        let k = shared_secret(curve, &h(&g["SK_IFD"]), &pk("PK_IC")).unwrap();
        assert_eq!(*k, h(&g["K_shared"]));
        assert_eq!(
            *shared_secret(curve, &h(&g["SK_IC"]), &pk("PK_IFD")).unwrap(),
            *k
        );
        let keys = session_keys(&alg, &k).unwrap();
        assert_eq!(keys.material().0, h(&g["KSenc"]).as_slice());
        assert_eq!(keys.material().1, h(&g["KSmac"]).as_slice());
        assert_eq!(
            public_key_data_object(&alg, &pk("PK_IC")),
            h(&g["T_IFD_input"])
        );
        assert_eq!(
            public_key_data_object(&alg, &pk("PK_IFD")),
            h(&g["T_IC_input"])
        );
        assert_eq!(
            authentication_token(&alg, &keys, &pk("PK_IC"))
                .unwrap()
                .to_vec(),
            h(&g["T_IFD"])
        );
        assert_eq!(
            authentication_token(&alg, &keys, &pk("PK_IFD"))
                .unwrap()
                .to_vec(),
            h(&g["T_IC"])
        );
    }

    #[test]
    fn appendix_g1_through_a_transcript() {
        let g = g1();
        let t = Transcript::from_hex(&[
            (s(&g["MSE_SET_AT"]), "9000"),
            (s(&g["GA1_cmd"]), s(&g["GA1_rsp"])),
            (s(&g["GA2_cmd"]), s(&g["GA2_rsp"])),
            (s(&g["GA3_cmd"]), s(&g["GA3_rsp"])),
            (s(&g["GA4_cmd"]), s(&g["GA4_rsp"])),
        ]);
        let mut rng = ScriptedRng::new(&[&h(&g["SK_map_IFD"]), &h(&g["SK_IFD"])]);
        let sm = perform_pace(t, &g1_key(&g), &g1_params(), &mut rng).unwrap();
        assert!(rng.is_empty());
        assert_eq!(sm.cipher(), Cipher::Aes128);
        sm.into_inner().finish().unwrap();
    }

    #[test]
    fn appendix_g1_card_side() {
        let g = g1();
        let alg = PaceAlgorithm::ECDH_GM_AES_128;
        let mut card = CardPace::new(
            alg,
            Curve::BrainpoolP256r1,
            &g1_key(&g).pace_password().unwrap(),
        )
        .unwrap();
        let mut rng = ScriptedRng::new(&[&h(&g["s"]), &h(&g["SK_map_IC"]), &h(&g["SK_IC"])]);
        let data = |k: &str| Command::from_bytes(&h(&g[k])).unwrap().data().to_vec();
        let rsp = |k: &str| Response::from_bytes(&h(&g[k])).unwrap().data;
        assert_eq!(card.encrypted_nonce(&mut rng).unwrap(), rsp("GA1_rsp"));
        assert_eq!(
            card.map_nonce(&data("GA2_cmd"), &mut rng).unwrap(),
            rsp("GA2_rsp")
        );
        assert_eq!(
            card.agree_key(&data("GA3_cmd"), &mut rng).unwrap(),
            rsp("GA3_rsp")
        );
        let (answer, keys) = card.mutual_authenticate(&data("GA4_cmd")).unwrap().unwrap();
        assert_eq!(answer, rsp("GA4_rsp"));
        assert_eq!(keys.material().1, h(&g["KSmac"]).as_slice());
        assert!(rng.is_empty());
    }

    #[test]
    fn off_curve_point_from_the_card_is_rejected() {
        let g = g1();
        let mut bad = h(&g["GA2_rsp"]);
        bad[10] ^= 1; // inside x of PK_map_IC
        let mut identity_like = h(&g["GA2_rsp"]);
        identity_like[4] = 0x00; // not an uncompressed point
        for rsp in [bad, identity_like] {
            let rsp_hex = hex::encode_upper(&rsp);
            let mut t = Transcript::from_hex(&[
                (s(&g["MSE_SET_AT"]), "9000"),
                (s(&g["GA1_cmd"]), s(&g["GA1_rsp"])),
                (s(&g["GA2_cmd"]), &rsp_hex),
            ]);
            let mut rng = ScriptedRng::new(&[&h(&g["SK_map_IFD"])]);
            assert_eq!(
                perform_pace(&mut t, &g1_key(&g), &g1_params(), &mut rng).err(),
                Some(Error::InvalidPoint("mapping"))
            );
            t.finish().unwrap();
        }
        // A point with valid coordinates on another curve (P-256's generator) is off bp256.
        let p256_g = public_key(Curve::NistP256, None, &[&[0u8; 31][..], &[1]].concat()).unwrap();
        assert!(validate_point(Curve::BrainpoolP256r1, &p256_g).is_err());
        assert!(validate_point(Curve::NistP256, &p256_g).is_ok());
        assert!(validate_point(Curve::NistP256, &[0x00]).is_err());
        assert!(validate_point(Curve::NistP256, &p256_g[..64]).is_err());
    }

    /// A chip driven by [`CardPace`], to run the terminal against it.
    struct PaceChip {
        pace: CardPace,
        rng: CounterRng,
        sm: Option<crate::sm::CardSecureMessaging>,
    }

    impl CardTransaction for PaceChip {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            if let Some(sm) = &mut self.sm {
                let cmd = sm
                    .unwrap_command(command)
                    .map_err(|e| TransportError::Other {
                        code: 1,
                        message: e.to_string(),
                    })?;
                return Ok(sm
                    .wrap_response(&Response::new(cmd.data().to_vec(), StatusWord::SUCCESS))
                    .unwrap());
            }
            let cmd = Command::from_bytes(command).unwrap();
            let ok = |d: Vec<u8>| Ok(Response::new(d, StatusWord::SUCCESS).to_bytes());
            match (cmd.cla, cmd.ins) {
                (0x00, 0x22) => ok(vec![]),
                (0x10, 0x86) if cmd.data() == [0x7C, 0x00] => {
                    ok(self.pace.encrypted_nonce(&mut self.rng).unwrap())
                }
                (0x10, 0x86) if cmd.data()[2] == 0x81 => {
                    ok(self.pace.map_nonce(cmd.data(), &mut self.rng).unwrap())
                }
                (0x10, 0x86) => ok(self.pace.agree_key(cmd.data(), &mut self.rng).unwrap()),
                (0x00, 0x86) => match self.pace.mutual_authenticate(cmd.data()).unwrap() {
                    Some((d, keys)) => {
                        let ssc = vec![0; keys.cipher().block_len()];
                        self.sm = Some(crate::sm::CardSecureMessaging::new(keys, &ssc).unwrap());
                        ok(d)
                    }
                    None => Ok(CardPace::WRONG_TOKEN.to_bytes().to_vec()),
                },
                _ => Ok(vec![0x6D, 0x00]),
            }
        }
    }

    #[test]
    fn pace_with_can_against_the_card_side_on_every_curve() {
        for curve in [
            Curve::BrainpoolP256r1,
            Curve::NistP256,
            Curve::NistP384,
            Curve::BrainpoolP384r1,
        ] {
            for cipher in [Cipher::Aes128, Cipher::Aes256, Cipher::Tdes] {
                let alg = PaceAlgorithm {
                    cipher,
                    ..PaceAlgorithm::ECDH_GM_AES_128
                };
                let key = AccessKey::Can(Can::new("123456").unwrap());
                let chip = PaceChip {
                    pace: CardPace::new(alg, curve, b"123456").unwrap(),
                    rng: CounterRng(1),
                    sm: None,
                };
                let params = PaceParams {
                    algorithm: alg,
                    curve,
                    send_parameter_id: true,
                };
                let mut sm = perform_pace(chip, &key, &params, &mut CounterRng(99))
                    .unwrap_or_else(|e| panic!("{curve:?} {cipher:?}: {e}"));
                // The chip echoes the command data through secure messaging.
                let echo = sm
                    .exchange(
                        &Command::new(0, 0xD6, 0, 0)
                            .with_data(vec![1, 2, 3])
                            .with_ne(256),
                    )
                    .unwrap();
                assert_eq!(echo.data, vec![1, 2, 3]);
            }
        }
    }

    #[test]
    fn wrong_can_is_wrong_access_key() {
        let alg = PaceAlgorithm::ECDH_GM_AES_128;
        let chip = PaceChip {
            pace: CardPace::new(alg, Curve::BrainpoolP256r1, b"123456").unwrap(),
            rng: CounterRng(1),
            sm: None,
        };
        let key = AccessKey::Can(Can::new("654321").unwrap());
        let params = PaceParams {
            algorithm: alg,
            curve: Curve::BrainpoolP256r1,
            send_parameter_id: false,
        };
        assert_eq!(
            perform_pace(chip, &key, &params, &mut CounterRng(5)).err(),
            Some(Error::WrongAccessKey)
        );
    }

    #[test]
    fn wrong_key_statuses_and_bad_card_token() {
        let g = g1();
        for sw in ["6300", "63C2", "6982"] {
            let mut t = Transcript::from_hex(&[
                (s(&g["MSE_SET_AT"]), "9000"),
                (s(&g["GA1_cmd"]), s(&g["GA1_rsp"])),
                (s(&g["GA2_cmd"]), s(&g["GA2_rsp"])),
                (s(&g["GA3_cmd"]), s(&g["GA3_rsp"])),
                (s(&g["GA4_cmd"]), sw),
            ]);
            let mut rng = ScriptedRng::new(&[&h(&g["SK_map_IFD"]), &h(&g["SK_IFD"])]);
            assert_eq!(
                perform_pace(&mut t, &g1_key(&g), &g1_params(), &mut rng).err(),
                Some(Error::WrongAccessKey),
                "{sw}"
            );
            t.finish().unwrap();
        }
        let mut bad = h(&g["GA4_rsp"]);
        bad[5] ^= 0x80;
        let bad = hex::encode_upper(bad);
        let mut t = Transcript::from_hex(&[
            (s(&g["MSE_SET_AT"]), "9000"),
            (s(&g["GA1_cmd"]), s(&g["GA1_rsp"])),
            (s(&g["GA2_cmd"]), s(&g["GA2_rsp"])),
            (s(&g["GA3_cmd"]), s(&g["GA3_rsp"])),
            (s(&g["GA4_cmd"]), &bad),
        ]);
        let mut rng = ScriptedRng::new(&[&h(&g["SK_map_IFD"]), &h(&g["SK_IFD"])]);
        assert_eq!(
            perform_pace(&mut t, &g1_key(&g), &g1_params(), &mut rng).err(),
            Some(Error::WrongAccessKey)
        );
        t.finish().unwrap();
    }

    #[test]
    fn dynamic_auth_parsing_is_bounded() {
        assert_eq!(
            dynamic_auth_object(&[0x7C, 0x04, 0x80, 0x02, 1, 2], 0x80),
            Some(&[1u8, 2][..])
        );
        assert_eq!(
            dynamic_auth_object(&[0x7C, 0x06, 0x87, 0x00, 0x80, 0x02, 1, 2], 0x80),
            Some(&[1u8, 2][..])
        );
        for bad in [
            &[][..],
            &[0x7C],
            &[0x7C, 0x05, 0x80, 0x02, 1, 2],
            &[0x7C, 0x04, 0x80, 0x09, 1, 2],
            &[0x7D, 0x00],
            &[0x7C, 0x84, 0, 0, 0, 0],
        ] {
            assert_eq!(dynamic_auth_object(bad, 0x80), None, "{bad:?}");
        }
    }
}
