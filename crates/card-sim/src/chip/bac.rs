//! The chip's side of Basic Access Control (ICAO 9303-11 §4.3.3.2): its answer to EXTERNAL
//! AUTHENTICATE. The cryptogram, its MAC and the session keys are `icao9303::bac`'s building
//! blocks; whether the terminal's cryptogram is accepted is decided here.

use icao9303::Result;
use icao9303::bac::{BacKeyMaterial, encrypt_and_mac, session_keys, verify_and_decrypt};
use icao9303::sm::SmKeys;
use zeroize::Zeroizing;

/// What the chip computes when the terminal's EXTERNAL AUTHENTICATE verifies (ICAO 9303-11
/// §4.3.3.2, §4.3.3.3).
#[derive(Debug, Clone)]
pub struct ExternalAuthenticateAnswer {
    /// Response data `E_IC ‖ M_IC` (40 bytes).
    pub response: Vec<u8>,
    /// The session keys `KS_enc`, `KS_mac`.
    pub session_keys: SmKeys,
    /// The initial send sequence counter (§9.8.2).
    pub ssc: [u8; 8],
}

/// The chip's answer to EXTERNAL AUTHENTICATE (ICAO 9303-11 §4.3.3.2): checks the terminal's
/// `E_IFD ‖ M_IFD` under the document basic access keys against the chip's own `RND.IC`, and on
/// success returns the response data `E_IC ‖ M_IC` over `RND.IC ‖ RND.IFD ‖ K.IC` with the
/// session keys and SSC. `None` means the terminal used the wrong key or challenge: the chip
/// answers 6300 (or 6982).
pub fn external_authenticate(
    document_keys: &SmKeys,
    rnd_ic: &[u8; 8],
    k_ic: &[u8; 16],
    command_data: &[u8],
) -> Result<Option<ExternalAuthenticateAnswer>> {
    let (k_enc, k_mac) = document_keys.material();
    let material = BacKeyMaterial { k_enc, k_mac };
    // The MAC is checked in constant time there; what follows compares public nonces.
    let Some(s) = verify_and_decrypt(&material, command_data)? else {
        return Ok(None);
    };
    // S = RND.IFD ‖ RND.IC ‖ K.IFD: the terminal must echo the challenge just sent.
    if s[8..16] != rnd_ic[..] {
        return Ok(None);
    }
    let mut rnd_ifd = [0u8; 8];
    rnd_ifd.copy_from_slice(&s[..8]);
    let mut k_ifd = Zeroizing::new([0u8; 16]);
    k_ifd.copy_from_slice(&s[16..32]);
    let mut r = Zeroizing::new(Vec::with_capacity(32));
    r.extend_from_slice(rnd_ic);
    r.extend_from_slice(&rnd_ifd);
    r.extend_from_slice(k_ic);
    let answer = encrypt_and_mac(&material, &r)?;
    let (keys, ssc) = session_keys(&k_ifd, k_ic, rnd_ic, &rnd_ifd)?;
    Ok(Some(ExternalAuthenticateAnswer {
        response: answer,
        session_keys: keys,
        ssc,
    }))
}
