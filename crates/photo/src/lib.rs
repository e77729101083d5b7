//! The DG2 face image as bytes a browser shows.
//!
//! A CCCD stores its face as JPEG, which every browser shows: it passes through byte for byte
//! (no re-encoding: no quality loss, and the bytes stay those the chip signed in DG2). Other
//! documents (the 2006 Dutch and 2008 German specimens, ISO/IEC 39794-5 samples) store JPEG 2000,
//! which only older Safari versions show: it is decoded with the pure-Rust `hayro-jpeg2000`
//! and re-encoded as a baseline JPEG ([`JPEG_QUALITY`]) with `jpeg-encoder`. Why these two and
//! not OpenJPEG or PNG: README, "Photo: JPEG 2000 conversion".
//!
//! A card is untrusted input: every failure is a [`PhotoError`], never a panic, and images larger
//! than [`MAX_DIMENSION`] on a side, with more than four components or with more than
//! [`MAX_TILES`] tiles are refused before any pixel memory is allocated.
//!
//! ```no_run
//! # fn show(dg2_bytes: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! let dg2 = icao9303::lds::DataGroup2::parse(dg2_bytes)?;
//! if let Some(face) = dg2.first_face() {
//!     let img = photo::face_browser_image(face)?;
//!     println!("{} {}x{}, {} bytes", img.mime, img.width, img.height, img.bytes.len());
//! }
//! # Ok(()) }
//! ```

mod j2k;
mod jpeg;

use std::borrow::Cow;
use std::fmt;

use icao9303::lds::FaceImage;
pub use icao9303::lds::ImageType;

/// The largest width or height accepted, in pixels. The sample faces are about 400 x 550; 4096
/// leaves room for any scan while bounding the decoder's memory (4096 x 4096 x 4 components of
/// `f32` is 256 MiB at worst).
pub const MAX_DIMENSION: u32 = 4096;

/// The most JPEG 2000 tiles accepted: the decoder keeps per-tile state, so a codestream with
/// 1 x 1 tiles over a 4096 x 4096 image would cost gigabytes before any pixel is decoded.
/// Face images have one tile; 4096 still allows 64 x 64 tiles over the largest image.
pub const MAX_TILES: u64 = 4096;

/// The JPEG quality of a converted JPEG 2000 image. At 90 the re-encoded sample faces are
/// 35-60 KB, and their 4 x 4 block means stay within 2 grey levels of the decoded JPEG 2000.
pub const JPEG_QUALITY: u8 = 90;

/// A face image ready for a browser (`<img src="data:{mime};base64,...">` or an HTTP body).
#[derive(Clone, PartialEq, Eq)]
pub struct BrowserImage<'a> {
    /// The MIME type of [`bytes`](Self::bytes): `image/jpeg`.
    pub mime: &'static str,
    /// The image: the card's own bytes when they were JPEG, a new JPEG otherwise.
    pub bytes: Cow<'a, [u8]>,
    /// Width in pixels, as the image itself says (the DG2 record's declaration can differ).
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

impl BrowserImage<'_> {
    /// Whether the bytes were re-encoded (the card's image was not JPEG).
    pub fn converted(&self) -> bool {
        matches!(self.bytes, Cow::Owned(_))
    }

    /// Takes ownership of the bytes, so the image can outlive the DG2 it came from.
    pub fn into_owned(self) -> BrowserImage<'static> {
        BrowserImage {
            mime: self.mime,
            bytes: Cow::Owned(self.bytes.into_owned()),
            width: self.width,
            height: self.height,
        }
    }
}

// A face is personal data: logs get its shape, never its bytes.
impl fmt::Debug for BrowserImage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BrowserImage")
            .field("mime", &self.mime)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("width", &self.width)
            .field("height", &self.height)
            .field("converted", &self.converted())
            .finish()
    }
}

/// Why a face image cannot be shown.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhotoError {
    /// The image is neither JPEG nor JPEG 2000 ([`ImageType::Other`]).
    #[error("the face image is neither JPEG nor JPEG 2000")]
    UnsupportedFormat,
    /// The data is not a decodable image of its type: truncated, corrupt or inconsistent.
    #[error("the {format} face image is malformed: {reason}")]
    Malformed {
        /// `"JPEG"` or `"JPEG 2000"`.
        format: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The image is larger than [`MAX_DIMENSION`] on a side.
    #[error("the face image is {width} x {height} pixels; at most {max} x {max} is accepted")]
    TooLarge {
        /// Width the image declares.
        width: u32,
        /// Height the image declares.
        height: u32,
        /// [`MAX_DIMENSION`].
        max: u32,
    },
    /// A well-formed JPEG 2000 feature this crate does not convert (CMYK or an unknown colour
    /// space, more than four components, more than [`MAX_TILES`] tiles).
    #[error("the JPEG 2000 face image is not supported: {0}")]
    Unsupported(String),
    /// The JPEG encoder refused the decoded pixels.
    #[error("re-encoding the face image as JPEG failed: {0}")]
    Encode(String),
}

/// Turns a face image into bytes a browser shows.
///
/// `image_type` is the type found in the image's magic bytes ([`ImageType::detect`], as
/// [`FaceImage::image_type`] holds it). JPEG is returned as is (borrowed, byte-identical) after
/// reading its size from the frame header; JPEG 2000 (JP2 file or raw codestream) is decoded
/// and re-encoded as JPEG.
///
/// # Errors
/// [`PhotoError::UnsupportedFormat`] for [`ImageType::Other`], [`PhotoError::TooLarge`] above
/// [`MAX_DIMENSION`], [`PhotoError::Malformed`] for data that does not decode,
/// [`PhotoError::Unsupported`] for JPEG 2000 features not converted.
pub fn browser_image(image_type: ImageType, bytes: &[u8]) -> Result<BrowserImage<'_>, PhotoError> {
    match image_type {
        ImageType::Jpeg => {
            let (width, height) = jpeg::size(bytes)?;
            check_size("JPEG", width, height)?;
            Ok(BrowserImage {
                mime: "image/jpeg",
                bytes: Cow::Borrowed(bytes),
                width,
                height,
            })
        }
        ImageType::Jpeg2000 => j2k::to_jpeg(bytes),
        // `ImageType` is non-exhaustive: a type added later is not convertible until it is
        // handled here.
        _ => Err(PhotoError::UnsupportedFormat),
    }
}

/// [`browser_image`] of a DG2 face.
///
/// # Errors
/// As [`browser_image`].
pub fn face_browser_image<'a>(face: &FaceImage<'a>) -> Result<BrowserImage<'a>, PhotoError> {
    browser_image(face.image_type, face.data)
}

/// Refuses zero and oversized dimensions.
fn check_size(format: &'static str, width: u32, height: u32) -> Result<(), PhotoError> {
    if width > MAX_DIMENSION || height > MAX_DIMENSION {
        Err(PhotoError::TooLarge {
            width,
            height,
            max: MAX_DIMENSION,
        })
    } else if width == 0 || height == 0 {
        Err(PhotoError::Malformed {
            format,
            reason: format!("the image is {width} x {height} pixels"),
        })
    } else {
        Ok(())
    }
}
