//! The terminal's side of PACE (ICAO 9303-11 §4.4.3, §4.4.4): the four General Authenticate
//! steps after MSE:Set AT, with the checks the terminal owes (points on the curve, no reflected
//! keys, the chip's token).

use apdu::{CardTransaction, ExchangeExt};
use rand_core::CryptoRng;

use super::{
    PaceParams, authentication_token, decrypt_nonce, dynamic_auth_object, general_authenticate,
    mse_set_at, password_key, session_keys, verify_authentication_token,
};
use crate::bac::is_wrong_key_status;
use crate::ec::{generic_mapping, public_key, random_private_key, shared_secret, validate_point};
use crate::error::{Error, Result};
use crate::keys::AccessKey;
use crate::sm::{SecureMessaging, SmKeys};

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
    if !verify_authentication_token(&alg, &keys, &pk, &t_ic)? {
        // The chip accepted our token, so it knows K: a mismatch can only come from a chip (or
        // a relay) that did not derive the same keys, which for the user means the key is wrong.
        return Err(Error::WrongAccessKey);
    }
    tracing::debug!(curve = ?curve, cipher = ?alg.cipher, "PACE established");
    Ok(keys)
}
