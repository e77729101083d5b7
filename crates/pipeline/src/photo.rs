//! The face of DG2 as a browser shows it (JPEG 2000 converted by the `photo` crate).

use std::sync::Arc;

use icao9303::lds::DataGroup2;
use zeroize::Zeroizing;

/// The photo as a browser shows it. The bytes are shared (not copied) with whoever keeps the
/// photo (the daemon's session), and wiped when the last holder drops them.
#[derive(Clone)]
pub struct Photo {
    /// `image/jpeg`.
    pub mime: &'static str,
    /// The image.
    pub bytes: Arc<Zeroizing<Vec<u8>>>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// DG2's hash matched EF.SOD's (false: not checked or mismatch; the verdict says which).
    pub hash_verified: bool,
}

impl std::fmt::Debug for Photo {
    // The face is personal data: only its size is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Photo({} {}x{}, {} bytes)",
            self.mime,
            self.width,
            self.height,
            self.bytes.len()
        )
    }
}

/// The face image of DG2 as a browser shows it (JPEG passed through, JPEG 2000 converted).
pub(crate) fn photo_of(dg2: &[u8]) -> Result<Photo, String> {
    let parsed = DataGroup2::parse(dg2).map_err(|e| e.to_string())?;
    let face = parsed.first_face().ok_or("DG2 holds no face image")?;
    let img = photo::face_browser_image(face).map_err(|e| e.to_string())?;
    Ok(Photo {
        mime: img.mime,
        width: img.width,
        height: img.height,
        bytes: Arc::new(Zeroizing::new(img.bytes.into_owned())),
        hash_verified: false,
    })
}
