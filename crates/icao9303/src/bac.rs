//! Basic Access Control (ICAO 9303-11 §4.3, worked example Appendix D): the terminal's side,
//! and the building blocks both sides compute alike (the document keys, the cryptogram and its
//! MAC, the session keys). The chip's answer is the virtual card's, in `card-sim`.
//!
//! The terminal proves knowledge of the MRZ-derived keys `K_enc`/`K_mac` in a 3DES challenge-
//! response with the chip, and both derive session keys from the exchanged key halves:
//!
//! 1. GET CHALLENGE → `RND.IC` (8 bytes).
//! 2. EXTERNAL AUTHENTICATE with `E_IFD = E(K_enc, RND.IFD ‖ RND.IC ‖ K.IFD)` and
//!    `M_IFD = MAC(K_mac, E_IFD)`; the chip answers `E_IC ‖ M_IC` over `RND.IC ‖ RND.IFD ‖ K.IC`.
//! 3. `K_seed = K.IFD ⊕ K.IC`, `KS_enc = KDF(K_seed, 1)`, `KS_mac = KDF(K_seed, 2)`,
//!    `SSC = RND.IC[4..8] ‖ RND.IFD[4..8]`.

use apdu::{CardTransaction, Command, ExchangeExt, StatusWord};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::crypto::{self, Cipher};
use crate::error::{Error, Result};
use crate::kdf::{kdf_enc, kdf_mac};
use crate::keys::MrzInfo;
use crate::sm::{SecureMessaging, SmKeys};

/// The document basic access keys `K_enc`, `K_mac` from the MRZ (ICAO 9303-11 §4.3.2, D.1-D.2):
/// `KDF(K_seed, 1)` and `KDF(K_seed, 2)` with 3DES parity.
pub fn derive_bac_keys(mrz: &MrzInfo) -> Result<SmKeys> {
    let seed = mrz.bac_key_seed()?;
    SmKeys::new(
        Cipher::Tdes,
        &kdf_enc(&*seed, Cipher::Tdes),
        &kdf_mac(&*seed, Cipher::Tdes),
    )
}

/// GET CHALLENGE (ICAO 9303-11 §4.3.4.1; ISO/IEC 7816-4 §11.5.3): `00 84 00 00 08`.
pub fn get_challenge() -> Command {
    Command::new(0x00, 0x84, 0x00, 0x00).with_ne(8)
}

/// EXTERNAL AUTHENTICATE (ICAO 9303-11 §4.3.4.2; ISO/IEC 7816-4 §11.5.4) with `E_IFD ‖ M_IFD`,
/// expecting the chip's 40-byte `E_IC ‖ M_IC`: `00 82 00 00 28 ... 28`.
pub fn external_authenticate(cryptogram_and_mac: &[u8]) -> Command {
    Command::new(0x00, 0x82, 0x00, 0x00)
        .with_data(cryptogram_and_mac.to_vec())
        .with_ne(40)
}

/// `E ‖ M` with `E = 3DES-CBC(K_enc, IV 0, S)` and `M` the retail MAC of `E` under `K_mac`
/// (ICAO 9303-11 §4.3.3.1 step 2, §4.3.3.2 step 3): the cryptogram both sides send.
pub fn encrypt_and_mac(keys: &BacKeyMaterial<'_>, s: &[u8]) -> Result<Vec<u8>> {
    let mut out = crypto::encrypt_cbc(Cipher::Tdes, keys.k_enc, &[0; 8], s)?;
    let mac = crypto::mac8(Cipher::Tdes, keys.k_mac, &out)?;
    out.extend_from_slice(&mac);
    Ok(out)
}

/// Verifies `M` (in constant time) and decrypts `E` of an `E ‖ M` cryptogram, 40 bytes for BAC
/// (ICAO 9303-11 §4.3.3.1 step 4, §4.3.3.2 step 1: each side checks the other's); `None` when
/// the MAC does not verify or the length is wrong.
pub fn verify_and_decrypt(
    keys: &BacKeyMaterial<'_>,
    data: &[u8],
) -> Result<Option<Zeroizing<Vec<u8>>>> {
    if data.len() != 40 {
        return Ok(None);
    }
    let (e, m) = data.split_at(32);
    if !crypto::ct_eq(&crypto::mac8(Cipher::Tdes, keys.k_mac, e)?, m) {
        return Ok(None);
    }
    Ok(Some(crypto::decrypt_cbc(
        Cipher::Tdes,
        keys.k_enc,
        &[0; 8],
        e,
    )?))
}

/// Borrowed 3DES key pair `K_enc`, `K_mac` (ICAO 9303-11 §4.3.2) for [`encrypt_and_mac`] and
/// [`verify_and_decrypt`].
#[derive(Clone, Copy)]
pub struct BacKeyMaterial<'a> {
    /// `K_enc` (16 bytes).
    pub k_enc: &'a [u8],
    /// `K_mac` (16 bytes).
    pub k_mac: &'a [u8],
}

impl std::fmt::Debug for BacKeyMaterial<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BacKeyMaterial(<redacted>)")
    }
}

/// Session keys and initial SSC from the exchanged key halves and nonces (ICAO 9303-11 §4.3.3.3,
/// §9.8.2): `K_seed = K.IFD ⊕ K.IC`; `SSC = RND.IC[4..8] ‖ RND.IFD[4..8]`.
pub fn session_keys(
    k_ifd: &[u8; 16],
    k_ic: &[u8; 16],
    rnd_ic: &[u8; 8],
    rnd_ifd: &[u8; 8],
) -> Result<(SmKeys, [u8; 8])> {
    let mut seed = Zeroizing::new([0u8; 16]);
    for (i, s) in seed.iter_mut().enumerate() {
        *s = k_ifd[i] ^ k_ic[i];
    }
    let keys = SmKeys::new(
        Cipher::Tdes,
        &kdf_enc(&*seed, Cipher::Tdes),
        &kdf_mac(&*seed, Cipher::Tdes),
    )?;
    let mut ssc = [0u8; 8];
    ssc[..4].copy_from_slice(&rnd_ic[4..]);
    ssc[4..].copy_from_slice(&rnd_ifd[4..]);
    Ok((keys, ssc))
}

/// True for the answers by which a chip says the terminal's authentication failed, i.e. the
/// access key is wrong (ICAO 9303-11 §4.3.4.2, §4.4.4.2): 6300, 63Cx, 6982.
pub(crate) fn is_wrong_key_status(sw: StatusWord) -> bool {
    sw.0 == 0x6300
        || sw.sw1() == 0x63 && sw.sw2() & 0xF0 == 0xC0
        || sw == StatusWord::SECURITY_STATUS_NOT_SATISFIED
}

/// Runs BAC over `tx` (the eMRTD application must already be selected) and returns the secure
/// messaging session on top of it (ICAO 9303-11 §4.3).
///
/// Randomness (`RND.IFD`, then `K.IFD`) comes from `rng`. A chip that rejects our cryptogram
/// gives [`Error::WrongAccessKey`].
pub fn perform_bac<T: CardTransaction>(
    mut tx: T,
    mrz: &MrzInfo,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<SecureMessaging<T>> {
    let (session, ssc) = bac_session(&mut tx, mrz, rng)?;
    SecureMessaging::new(tx, session, &ssc)
}

/// The BAC exchange itself, leaving the transaction with the caller (who may fall back or wrap).
pub(crate) fn bac_session(
    tx: &mut (impl CardTransaction + ?Sized),
    mrz: &MrzInfo,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<(SmKeys, [u8; 8])> {
    let keys = derive_bac_keys(mrz)?;
    let (k_enc, k_mac) = keys.material();
    let material = BacKeyMaterial { k_enc, k_mac };

    let challenge = tx.exchange(&get_challenge())?;
    if !challenge.sw.is_success() {
        return Err(Error::CardRefused {
            step: "GET CHALLENGE",
            sw: challenge.sw,
        });
    }
    let rnd_ic: [u8; 8] = challenge
        .data
        .as_slice()
        .try_into()
        .map_err(|_| Error::UnexpectedResponse("GET CHALLENGE"))?;

    let mut rnd_ifd = Zeroizing::new([0u8; 8]);
    rng.fill_bytes(&mut *rnd_ifd);
    let mut k_ifd = Zeroizing::new([0u8; 16]);
    rng.fill_bytes(&mut *k_ifd);
    let mut s = Zeroizing::new(Vec::with_capacity(32));
    s.extend_from_slice(&*rnd_ifd);
    s.extend_from_slice(&rnd_ic);
    s.extend_from_slice(&*k_ifd);
    let cryptogram = encrypt_and_mac(&material, &s)?;

    let answer = tx.exchange(&external_authenticate(&cryptogram))?;
    if is_wrong_key_status(answer.sw) {
        return Err(Error::WrongAccessKey);
    }
    if !answer.sw.is_success() {
        return Err(Error::CardRefused {
            step: "EXTERNAL AUTHENTICATE",
            sw: answer.sw,
        });
    }
    let r = verify_and_decrypt(&material, &answer.data)?
        .ok_or(Error::CardAuthenticationFailed("BAC"))?;
    // R = RND.IC ‖ RND.IFD ‖ K.IC: the chip must echo both nonces.
    if !crypto::ct_eq(&r[..8], &rnd_ic) || !crypto::ct_eq(&r[8..16], &*rnd_ifd) {
        return Err(Error::CardAuthenticationFailed("BAC"));
    }
    let mut k_ic = Zeroizing::new([0u8; 16]);
    k_ic.copy_from_slice(&r[16..32]);
    let keys = session_keys(&k_ifd, &k_ic, &rnd_ic, &rnd_ifd)?;
    tracing::debug!("BAC established");
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_vectors::{ScriptedRng, h, s, vectors};
    use apdu::{Response, Transcript};

    fn d_mrz() -> MrzInfo {
        let v = vectors();
        let d2 = &v["bac_icao_appD"]["D2_mrz"];
        MrzInfo::new(
            s(&d2["document_number"]),
            s(&d2["date_of_birth"]),
            s(&d2["date_of_expiry"]),
        )
        .unwrap()
    }

    #[test]
    fn appendix_d1_keys_from_the_mrz() {
        let v = vectors();
        let keys = derive_bac_keys(&d_mrz()).unwrap();
        let (e, m) = keys.material();
        assert_eq!(e, h(&v["bac_icao_appD"]["D1_kdf"]["Kenc"]).as_slice());
        assert_eq!(m, h(&v["bac_icao_appD"]["D1_kdf"]["Kmac"]).as_slice());
    }

    #[test]
    fn appendix_d3_mutual_authentication_then_d4() {
        let v = vectors();
        let d3 = &v["bac_icao_appD"]["D3_mutual_auth"];
        let d4 = v["bac_icao_appD"]["D4_secure_messaging"]
            .as_array()
            .unwrap();
        let resp = format!("{}9000", s(&d3["resp_data"]));
        let challenge = format!("{}9000", s(&d3["RND_IC"]));
        let mut steps = vec![
            (s(&d3["GET_CHALLENGE"]), challenge.as_str()),
            (s(&d3["EXTERNAL_AUTHENTICATE_apdu"]), resp.as_str()),
        ];
        steps.extend(d4.iter().map(|st| (s(&st["protected"]), s(&st["RAPDU"]))));
        let t = Transcript::from_hex(&steps);
        let mut rng = ScriptedRng::new(&[&h(&d3["RND_IFD"]), &h(&d3["K_IFD"])]);
        let mut sm = perform_bac(t, &d_mrz(), &mut rng).unwrap();
        assert!(rng.is_empty());
        assert_eq!(sm.cipher(), Cipher::Tdes);
        let mut ef_com = Vec::new();
        for st in d4 {
            let r = sm
                .exchange(&Command::from_bytes(&h(&st["unprotected"])).unwrap())
                .unwrap();
            assert!(r.is_success());
            ef_com.extend(r.data);
        }
        assert_eq!(ef_com, h(&v["bac_icao_appD"]["EF_COM"]));
        sm.into_inner().finish().unwrap();
    }

    #[test]
    fn appendix_d3_session_keys_and_terminal_cryptogram() {
        let v = vectors();
        let d3 = &v["bac_icao_appD"]["D3_mutual_auth"];
        let arr = |k: &str| h(&d3[k]);
        let rnd_ic: [u8; 8] = arr("RND_IC").try_into().unwrap();
        let rnd_ifd: [u8; 8] = arr("RND_IFD").try_into().unwrap();
        let k_ifd: [u8; 16] = arr("K_IFD").try_into().unwrap();
        let k_ic: [u8; 16] = arr("K_IC").try_into().unwrap();
        let (keys, ssc) = session_keys(&k_ifd, &k_ic, &rnd_ic, &rnd_ifd).unwrap();
        assert_eq!(keys.material().0, arr("KSenc").as_slice());
        assert_eq!(keys.material().1, arr("KSmac").as_slice());
        assert_eq!(ssc.to_vec(), arr("SSC"));
        // E_IFD and M_IFD of the terminal.
        let doc = derive_bac_keys(&d_mrz()).unwrap();
        let (k_enc, k_mac) = doc.material();
        let m = BacKeyMaterial { k_enc, k_mac };
        let e = encrypt_and_mac(&m, &arr("S")).unwrap();
        assert_eq!(e[..32], arr("E_IFD")[..]);
        assert_eq!(e[32..], arr("M_IFD")[..]);
    }

    #[test]
    fn wrong_mrz_shows_as_wrong_access_key() {
        let v = vectors();
        let d3 = &v["bac_icao_appD"]["D3_mutual_auth"];
        for sw in ["6300", "6982", "63C2"] {
            let wrong = MrzInfo::new("L898902C", "690806", "940624").unwrap();
            let doc = derive_bac_keys(&wrong).unwrap();
            let (k_enc, k_mac) = doc.material();
            let mut sdata = h(&d3["RND_IFD"]);
            sdata.extend(h(&d3["RND_IC"]));
            sdata.extend(h(&d3["K_IFD"]));
            let e = encrypt_and_mac(&BacKeyMaterial { k_enc, k_mac }, &sdata).unwrap();
            let ext = hex::encode_upper(external_authenticate(&e).to_bytes().unwrap());
            let challenge = format!("{}9000", s(&d3["RND_IC"]));
            let mut t = Transcript::from_hex(&[(s(&d3["GET_CHALLENGE"]), &challenge), (&ext, sw)]);
            let mut rng = ScriptedRng::new(&[&h(&d3["RND_IFD"]), &h(&d3["K_IFD"])]);
            assert_eq!(
                perform_bac(&mut t, &wrong, &mut rng).err(),
                Some(Error::WrongAccessKey),
                "{sw}"
            );
            t.finish().unwrap();
        }
    }

    #[test]
    fn forged_card_answer_is_rejected() {
        let v = vectors();
        let d3 = &v["bac_icao_appD"]["D3_mutual_auth"];
        let mut bad = h(&d3["resp_data"]);
        bad[39] ^= 1;
        let resp = Response::new(bad, StatusWord::SUCCESS).to_bytes();
        let challenge = format!("{}9000", s(&d3["RND_IC"]));
        let mut t = Transcript::from_hex(&[
            (s(&d3["GET_CHALLENGE"]), &challenge),
            (s(&d3["EXTERNAL_AUTHENTICATE_apdu"]), &hex::encode(resp)),
        ]);
        let mut rng = ScriptedRng::new(&[&h(&d3["RND_IFD"]), &h(&d3["K_IFD"])]);
        assert_eq!(
            perform_bac(&mut t, &d_mrz(), &mut rng).err(),
            Some(Error::CardAuthenticationFailed("BAC"))
        );
        t.finish().unwrap();
    }
}
