//! Card images for tests, encoded independently of this project's reader: EF.COM, DG1, DG2,
//! DG13, DG14, DG15 and a signed EF.SOD under a test PKI of its own, written as a folder that
//! `cccd sim --profile FILE` replays (a `[dump]` profile) with the CSCA certificate beside it
//! for `cccd read --trust FILE`.
//!
//! Independence is the point: the virtual card (`card-sim`) reuses the reader's chip-side code,
//! so a wrong assumption about the card would be shared by both sides and no test could see
//! it. This crate depends on no workspace crate (`tests/dependencies.rs` checks it) and takes
//! its facts from the specifications (ICAO 9303-3/-4/-5 for the MRZ, 9303-10 for the LDS,
//! 9303-11 for DG14, 9303-12 for the certificates, ISO/IEC 19794-5 for the face record) and
//! from the domain notes (`shared/domain/cccd-chip.md`) for DG13. It is a dev-dependency only.
//!
//! ```no_run
//! use card_images::{CardImage, Parents, Relative};
//! let image = CardImage::builder()
//!     .parents(Parents::PerPerson {
//!         father: None,
//!         mother: Some(Relative::named("Trần Thị Cúc")),
//!     })
//!     .withhold(14)
//!     .build()?;
//! let dump = image.write_dump(std::path::Path::new("/tmp/card"))?;
//! // cccd sim --profile {dump.profile}; cccd read --can 012345 --trust {dump.csca}
//! # Ok::<(), card_images::Error>(())
//! ```

mod dg13;
mod image;
mod lds;
mod mrz;
mod pki;
mod rng;
mod sod;
pub mod tlv;

pub use dg13::{EntryOrder, Parents, Relative, Value, encode_dg13};
pub use image::{Builder, CardImage, Citizen, Dump, Passport, Photo};
pub use lds::{
    CaCipher, FaceImage, dg_tag, encode_dg1, encode_dg2, encode_dg14, encode_dg15, encode_ef_com,
    face_record, synthetic_face,
};
pub use mrz::{Td1, Td3, check_digit, name_field, transliterate};
pub use pki::{DsAlgorithm, Flaw, TestPki};
pub use sod::{LdsHash, SigningTime, encode_ef_sod, encode_lds_security_object};

/// What can go wrong while making an image.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An option or a value the image cannot hold.
    #[error("card-images: {0}")]
    Invalid(&'static str),
    /// A library refused to encode or sign.
    #[error("card-images could not encode the image: {0}")]
    Encoding(String),
    /// DER encoding (certificates, CMS).
    #[error("card-images: DER: {0}")]
    Der(#[from] der::Error),
    /// Writing the folder.
    #[error("card-images cannot write {path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl From<x509_cert::spki::Error> for Error {
    fn from(e: x509_cert::spki::Error) -> Self {
        Self::Encoding(format!("public key: {e}"))
    }
}

impl From<ecdsa::signature::Error> for Error {
    fn from(e: ecdsa::signature::Error) -> Self {
        Self::Encoding(format!("signature: {e}"))
    }
}

impl From<rsa::Error> for Error {
    fn from(e: rsa::Error) -> Self {
        Self::Encoding(format!("RSA key: {e}"))
    }
}
