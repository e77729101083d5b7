//! JPEG 2000 (ISO/IEC 15444-1) to JPEG: limits checked on the SIZ marker, decoded by
//! `hayro-jpeg2000`, re-encoded by `jpeg-encoder`.

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};

use hayro_jpeg2000::{ColorSpace, DecodeSettings, DecoderContext, Image};
use jpeg_encoder::{ColorType, Encoder};

use crate::{BrowserImage, JPEG_QUALITY, MAX_DIMENSION, MAX_TILES, PhotoError, check_size};

const FORMAT: &str = "JPEG 2000";
const JP2_SIGNATURE: [u8; 8] = [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20];
const SOC_SIZ: [u8; 4] = [0xFF, 0x4F, 0xFF, 0x51];

fn malformed(reason: impl Into<String>) -> PhotoError {
    PhotoError::Malformed {
        format: FORMAT,
        reason: reason.into(),
    }
}

/// What the SIZ marker says that bounds the decoder's memory (15444-1 §A.5.1).
#[derive(Debug, PartialEq, Eq)]
struct Siz {
    /// Image area on the reference grid: Xsiz − XOsiz, Ysiz − YOsiz. A component's samples are
    /// this area divided by its subsampling, so this bounds every component.
    width: u32,
    height: u32,
    /// Csiz.
    components: u16,
    /// Number of tiles (B-5).
    tiles: u64,
}

/// Finds the codestream: the whole input, or the first Contiguous Codestream box (`jp2c`) of a
/// JP2 file (15444-1 §I.5.4), the one a JP2 reader decodes.
fn codestream(d: &[u8]) -> Result<&[u8], PhotoError> {
    if d.starts_with(&SOC_SIZ) {
        return Ok(d);
    }
    if !d.starts_with(&JP2_SIGNATURE) {
        return Err(malformed("neither a JP2 file nor a codestream"));
    }
    let mut rest = d;
    while !rest.is_empty() {
        let (header, len) = match rest {
            [a, b, c, e, t0, t1, t2, t3, ..] => {
                let lbox = u32::from_be_bytes([*a, *b, *c, *e]);
                let kind = [*t0, *t1, *t2, *t3];
                let (header, len) = match lbox {
                    // Box runs to the end of the file.
                    0 => (8, rest.len()),
                    // XLBox: 64-bit length after the type.
                    1 => {
                        let x = rest
                            .get(8..16)
                            .and_then(|s| <[u8; 8]>::try_from(s).ok())
                            .ok_or_else(|| malformed("truncated box length"))?;
                        let x = usize::try_from(u64::from_be_bytes(x))
                            .map_err(|_| malformed("a box is longer than the file"))?;
                        (16, x)
                    }
                    n => (8, n as usize),
                };
                if kind == *b"jp2c" {
                    let body = rest
                        .get(header..len.max(header))
                        .ok_or_else(|| malformed("the codestream box runs past the end"))?;
                    return Ok(body);
                }
                (header, len)
            }
            _ => return Err(malformed("truncated box header")),
        };
        if len < header || len > rest.len() {
            return Err(malformed("a box length does not fit the file"));
        }
        rest = &rest[len..];
    }
    Err(malformed("no codestream box (jp2c)"))
}

/// Reads the SIZ marker, which 15444-1 §A.5.1 requires right after SOC.
fn siz(cs: &[u8]) -> Result<Siz, PhotoError> {
    let be16 = |i: usize| {
        cs.get(i..i + 2)
            .map(|s| u16::from_be_bytes([s[0], s[1]]))
            .ok_or_else(|| malformed("truncated SIZ marker"))
    };
    let be32 = |i: usize| {
        cs.get(i..i + 4)
            .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
            .ok_or_else(|| malformed("truncated SIZ marker"))
    };
    if !cs.starts_with(&SOC_SIZ) {
        return Err(malformed("the codestream does not start with SOC and SIZ"));
    }
    // FF4F FF51 Lsiz(2) Rsiz(2) Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz(2)
    let (x, y, xo, yo) = (be32(8)?, be32(12)?, be32(16)?, be32(20)?);
    let (xt, yt, xto, yto) = (be32(24)?, be32(28)?, be32(32)?, be32(36)?);
    let components = be16(40)?;
    let width = x
        .checked_sub(xo)
        .filter(|&w| w > 0)
        .ok_or_else(|| malformed("the image area is empty (XOsiz >= Xsiz)"))?;
    let height = y
        .checked_sub(yo)
        .filter(|&h| h > 0)
        .ok_or_else(|| malformed("the image area is empty (YOsiz >= Ysiz)"))?;
    if xt == 0 || yt == 0 || xto > xo || yto > yo {
        return Err(malformed("invalid tile grid"));
    }
    // B-5: numXtiles = ceil((Xsiz − XTOsiz) / XTsiz), likewise in y.
    let tiles = u64::from((x - xto).div_ceil(xt)) * u64::from((y - yto).div_ceil(yt));
    Ok(Siz {
        width,
        height,
        components,
        tiles,
    })
}

/// The pixel layout handed to the JPEG encoder.
struct Layout {
    color: ColorType,
    channels: usize,
    alpha: bool,
    icc: Option<Vec<u8>>,
}

fn layout(img: &Image<'_>) -> Result<Layout, PhotoError> {
    let alpha = img.has_alpha();
    let (gray, icc) = match img.color_space() {
        ColorSpace::Gray => (true, None),
        ColorSpace::RGB => (false, None),
        // A JP2 restricted ICC profile (15444-1 §I.5.3.3) describes grey or RGB samples; it is
        // kept in the JPEG (APP2) so a colour-managed browser renders the same colours.
        ColorSpace::Icc {
            profile,
            num_channels: 1,
        } => (true, Some(profile.clone())),
        ColorSpace::Icc {
            profile,
            num_channels: 3,
        } => (false, Some(profile.clone())),
        // CMYK JPEGs render inconsistently across browsers, and no travel document uses them.
        ColorSpace::CMYK => return Err(PhotoError::Unsupported("CMYK colour space".into())),
        ColorSpace::Icc { num_channels, .. } | ColorSpace::Unknown { num_channels } => {
            return Err(PhotoError::Unsupported(format!(
                "a colour space of {num_channels} channels"
            )));
        }
    };
    let (color, channels) = if gray {
        (ColorType::Luma, 1)
    } else {
        (ColorType::Rgb, 3)
    };
    Ok(Layout {
        color,
        channels,
        alpha,
        icc,
    })
}

/// Decodes, checks and re-encodes.
pub(crate) fn to_jpeg(bytes: &[u8]) -> Result<BrowserImage<'static>, PhotoError> {
    // Limits first, from the header alone, so a hostile header never reaches the allocator.
    let siz = siz(codestream(bytes)?)?;
    check_size(FORMAT, siz.width, siz.height)?;
    if siz.components > 4 {
        return Err(PhotoError::Unsupported(format!(
            "{} components (at most 4)",
            siz.components
        )));
    }
    if siz.tiles > MAX_TILES {
        return Err(PhotoError::Unsupported(format!(
            "{} tiles (at most {MAX_TILES})",
            siz.tiles
        )));
    }
    // Defence in depth: the decoder is third-party code fed hostile input, and a panic there
    // (it has indexing and `unreachable!` paths that the property tests have not hit) must not
    // take the daemon down with it. Nothing is shared with the closure but the input slice.
    let decoded = catch_unwind(AssertUnwindSafe(|| decode(bytes)))
        .map_err(|_| malformed("the decoder failed on this data"))??;
    let (width, height, layout, pixels) = decoded;
    encode(width, height, &layout, &pixels)
}

type Decoded = (u32, u32, Layout, Vec<u8>);

fn decode(bytes: &[u8]) -> Result<Decoded, PhotoError> {
    let img =
        Image::new(bytes, &DecodeSettings::default()).map_err(|e| malformed(e.to_string()))?;
    let (width, height) = (img.width(), img.height());
    // The output size can differ from the reference grid (components subsampled alike are
    // decoded at their own size): check the size actually produced too.
    check_size(FORMAT, width, height)?;
    let layout = layout(&img)?;
    let mut ctx = DecoderContext::default();
    let pixels = img
        .decode(&mut ctx)
        .map_err(|e| malformed(e.to_string()))?
        .data_u8();
    let per_pixel = layout.channels + usize::from(layout.alpha);
    // Both at most MAX_DIMENSION: no overflow.
    let expected = width as usize * height as usize * per_pixel;
    if pixels.len() != expected {
        return Err(malformed(format!(
            "the decoder produced {} bytes for {width} x {height} x {per_pixel}",
            pixels.len()
        )));
    }
    let pixels = if layout.alpha {
        flatten_alpha(&pixels, layout.channels)
    } else {
        pixels
    };
    Ok((width, height, layout, pixels))
}

/// Composites samples with a trailing alpha channel over white (JPEG has no alpha; a photo's
/// background is light, and white is what the browser page around it shows).
fn flatten_alpha(pixels: &[u8], channels: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(pixels.len() / (channels + 1) * channels);
    for px in pixels.chunks_exact(channels + 1) {
        let (color, alpha) = px.split_at(channels);
        let a = u32::from(alpha[0]);
        for &c in color {
            // c·a + 255·(255 − a), rounded, divided by 255: at most 255.
            let v = (u32::from(c) * a + 255 * (255 - a) + 127) / 255;
            out.push(u8::try_from(v).unwrap_or(u8::MAX));
        }
    }
    out
}

fn encode(
    width: u32,
    height: u32,
    layout: &Layout,
    pixels: &[u8],
) -> Result<BrowserImage<'static>, PhotoError> {
    let too_large = || PhotoError::TooLarge {
        width,
        height,
        max: MAX_DIMENSION,
    };
    let w = u16::try_from(width).map_err(|_| too_large())?;
    let h = u16::try_from(height).map_err(|_| too_large())?;
    let mut out = Vec::with_capacity(pixels.len() / 8);
    let mut encoder = Encoder::new(&mut out, JPEG_QUALITY);
    if let Some(icc) = &layout.icc {
        encoder
            .add_icc_profile(icc)
            .map_err(|e| PhotoError::Encode(e.to_string()))?;
    }
    encoder
        .encode(pixels, w, h, layout.color)
        .map_err(|e| PhotoError::Encode(e.to_string()))?;
    Ok(BrowserImage {
        mime: "image/jpeg",
        bytes: Cow::Owned(out),
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A raw codestream with only SOC and SIZ.
    fn siz_only(x: u32, y: u32, tile: u32, csiz: u16) -> Vec<u8> {
        let mut v = vec![0xFF, 0x4F, 0xFF, 0x51];
        v.extend_from_slice(&(38 + 3 * csiz).to_be_bytes());
        v.extend_from_slice(&[0, 0]);
        for n in [x, y, 0, 0, tile, tile, 0, 0] {
            v.extend_from_slice(&n.to_be_bytes());
        }
        v.extend_from_slice(&csiz.to_be_bytes());
        for _ in 0..csiz {
            v.extend_from_slice(&[7, 1, 1]);
        }
        v
    }

    #[test]
    fn siz_fields() {
        let s = siz(&siz_only(413, 531, 128, 3)).unwrap();
        assert_eq!(
            s,
            Siz {
                width: 413,
                height: 531,
                components: 3,
                tiles: 4 * 5
            }
        );
    }

    #[test]
    fn jp2_boxes_are_walked_to_the_codestream() {
        let cs = siz_only(10, 20, 10, 1);
        let mut jp2 = JP2_SIGNATURE.to_vec();
        jp2.extend_from_slice(&[0x0D, 0x0A, 0x87, 0x0A]);
        jp2.extend_from_slice(&[0, 0, 0, 12]);
        jp2.extend_from_slice(b"ftypjp2 ");
        // An XLBox-sized box, then a jp2c box running to the end (LBox = 0).
        jp2.extend_from_slice(&[0, 0, 0, 1]);
        jp2.extend_from_slice(b"free");
        jp2.extend_from_slice(&17u64.to_be_bytes());
        jp2.push(0xAA);
        jp2.extend_from_slice(&[0, 0, 0, 0]);
        jp2.extend_from_slice(b"jp2c");
        jp2.extend_from_slice(&cs);
        assert_eq!(codestream(&jp2).unwrap(), &cs[..]);
        // Box lengths that do not fit are malformed, not a panic.
        for cut in 1..jp2.len() {
            let _ = codestream(&jp2[..cut]);
        }
        let mut bad = jp2.clone();
        bad[12..16].copy_from_slice(&[0, 0, 0, 4]); // ftyp shorter than its header
        assert!(matches!(
            codestream(&bad),
            Err(PhotoError::Malformed { .. })
        ));
    }

    #[test]
    fn limits_are_checked_before_decoding() {
        assert_eq!(
            to_jpeg(&siz_only(4097, 100, 4097, 1)),
            Err(PhotoError::TooLarge {
                width: 4097,
                height: 100,
                max: MAX_DIMENSION
            })
        );
        assert!(matches!(
            to_jpeg(&siz_only(100, 100, 100, 5)),
            Err(PhotoError::Unsupported(_))
        ));
        assert!(matches!(
            to_jpeg(&siz_only(4096, 4096, 1, 1)),
            Err(PhotoError::Unsupported(_))
        ));
        assert!(matches!(
            to_jpeg(&siz_only(100, 100, 0, 1)),
            Err(PhotoError::Malformed { .. })
        ));
        // Within the limits, a codestream with no tile data fails in the decoder, typed.
        assert!(matches!(
            to_jpeg(&siz_only(100, 100, 100, 3)),
            Err(PhotoError::Malformed { .. })
        ));
    }

    #[test]
    fn alpha_is_composited_over_white() {
        assert_eq!(
            flatten_alpha(&[0, 0, 0, 255, 0, 0, 0, 0, 200, 100, 0, 128], 3),
            vec![0, 0, 0, 255, 255, 255, 227, 177, 127]
        );
        assert_eq!(flatten_alpha(&[10, 255, 10, 0], 1), vec![10, 255]);
    }
}
