//! Protocol flows that combine the building blocks: choosing and running access control, and
//! reading a document end to end.

pub mod access;
pub mod document;
pub mod probe;
