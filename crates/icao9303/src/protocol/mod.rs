//! Protocol flows that combine the building blocks: choosing and running access control.

pub mod access;
