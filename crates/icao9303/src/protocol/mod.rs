//! Protocol flows.
pub mod access;
