//! The chip's side of the ICAO 9303-11 protocols: which command the virtual card takes in which
//! state, and what it answers (data and status word).
//!
//! The arithmetic is `icao9303`'s building blocks (the KDF, the curves of [`icao9303::ec`], the
//! nonce encryption, the session keys, the authentication tokens, secure messaging's wrapping,
//! the SecurityInfos encoders); the decisions are this module's, so that a misunderstanding of
//! the terminal's cannot hide in a card that shares it. The judges of this side are the worked
//! examples of ICAO 9303-11 (Appendices D and G: `tests/chip.rs`; Appendix I.1's chip key in
//! `icao9303`'s `tests/chip_authentication.rs`) and the terminal run against it (`icao9303`'s
//! tests).
//!
//! - [`pace`]: PACE with ECDH generic mapping (§4.4), one step per General Authenticate.
//! - [`bac`]: Basic Access Control (§4.3), the answer to EXTERNAL AUTHENTICATE.
//! - [`ca`]: Chip Authentication v1 with ECDH (§6.2), both command variants.
//! - [`aa`]: Active Authentication with ECDSA (§6.1), the signature over the challenge.
//!
//! [`crate::VirtualCccd`] strings them together with the file system and secure messaging.

pub mod aa;
pub mod bac;
pub mod ca;
pub mod pace;
