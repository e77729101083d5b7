//! The virtual CCCD: a software smart card that plugs into the real `pcscd` through the
//! vsmartcard `vpcd` driver, so the whole stack runs as on a clinic desk without a card.
//!
//! - [`Iso7816Card`]: the card side of ISO/IEC 7816-4 (SELECT, READ BINARY in all its forms,
//!   extended length, the PC/SC GET DATA UID pseudo-APDU).
//! - [`chip`]: the chip's side of PACE, BAC, chip and active authentication (ICAO 9303-11),
//!   and [`VirtualCccd`], the virtual CCCD that strings them with the files and secure
//!   messaging.
//! - [`vpcd`]: the client side of the vpcd protocol (the card connects to pcscd's driver).
//! - [`Simulator`]: a card on a virtual reader slot with insert/remove control and faults.
//!
//! Only `cccd sim` and `cccd demo` use this crate in production paths.

mod atr;
mod card;
mod cccd;
pub mod chip;
mod der;
pub mod face;
pub mod pki;
mod profile;
pub mod rsa_key;
mod simulator;
pub mod vpcd;

pub use atr::contactless_atr;
pub use card::{
    Application, CardOptions, ElementaryFile, FileAccess, InProcess, Iso7816Card,
    MAX_RESPONSE_DATA, SimCard,
};
pub use cccd::{
    AccessMode, ActiveAuthenticationKey, ChipAuthenticationKey, ChipKeys, VirtualCccd,
    protected_response_capacity, protected_response_len,
};
pub use profile::{
    ActiveAuthentication, CCCD_CARD_ACCESS, CaCipher, CardIdentity, CccdOptions, ChipProfile,
    CitizenProfile, DEFAULT_PROFILE, EMRTD_AID, Fault, Profile, ProfileError, RelativesShape,
    default_card, default_cccd,
};
pub use simulator::{Control, SimError, Simulator, SimulatorStatus};
