//! PACE v2 (ICAO 9303-11 §4.4) with ECDH generic mapping: the terminal's side, and the
//! building blocks both sides compute alike.
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
//! The rooms: the OID table and the parameters from EF.CardAccess (`algorithm`), the commands
//! and their dynamic authentication data (`commands`), the symmetric building blocks
//! (`symmetric`) and the terminal flow ([`perform_pace`]). The curve arithmetic is
//! [`crate::ec`]'s ([`crate::ec::Curve`]: the standardized parameter sets of §9.5.1, 12 P-256,
//! 13 brainpoolP256r1, 15 P-384, 16 brainpoolP384r1), shared with chip authentication.
//!
//! The chip's side (what it answers, in which state) is the virtual card's, in `card-sim`: it
//! uses the building blocks of this module but none of the terminal's decisions.

mod algorithm;
mod commands;
mod symmetric;
mod terminal;
#[cfg(test)]
mod tests;

pub use algorithm::{ID_PACE, KeyAgreement, Mapping, PaceAlgorithm, PaceParams};
pub use commands::{
    dynamic_auth_object, dynamic_authentication_data, general_authenticate, mse_set_at,
};
pub use symmetric::{
    authentication_token, decrypt_nonce, encrypt_nonce, password_key, public_key_data_object,
    session_keys, verify_authentication_token,
};
pub(crate) use terminal::pace_session;
pub use terminal::perform_pace;
