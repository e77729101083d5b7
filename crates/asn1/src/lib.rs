//! ASN.1 building blocks shared by every layer of cccd-bridge, at the bottom of the crate graph.
//!
//! - [`ber`]: the one bounded BER reader (ITU-T X.690 §8.1, ISO/IEC 7816-4 §5.2): borrowed
//!   elements with their offsets, indefinite lengths, and the header decoding that file reading
//!   uses to learn a file's length from its first bytes.
//! - [`write`]: BER-TLV encoding in the shortest definite form (what commands and test
//!   fixtures are built with).
//! - [`curves`]: the named elliptic curves of eMRTD keys (SEC 2, RFC 5639), identified from a
//!   `namedCurve` OID or from explicit `ECParameters`.
//! - [`oid`]: object identifiers in dotted form, for messages.
//!
//! Why our own reader rather than a kept crate: the input comes from chips, document signers and
//! master lists that do not all follow DER (EF.SOD with indefinite lengths, constructed OCTET
//! STRINGs), callers need every element's byte range as received (signatures cover those bytes;
//! errors point at the faulty byte), and the reader must never allocate from a length field.
//! `der` decodes DER only and re-encodes (sorting SET OF), and `iso7816-tlv` builds an owned tree
//! without offsets and without indefinite lengths. So this crate is the only place in the
//! workspace that decodes tags and lengths.

pub mod ber;
pub mod curves;
pub mod oid;
pub mod spki;
pub mod write;

pub use ber::{Error, Header, HeaderError, Reader, Tlv, decode_header};
pub use curves::{CurveError, NamedCurve};
pub use spki::{EcDomain, SubjectPublicKeyInfo};
pub use write::{push_length, push_tlv, tlv};
