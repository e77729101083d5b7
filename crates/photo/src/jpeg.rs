//! The size of a JPEG, from its frame header, without decoding it.

use crate::PhotoError;

fn malformed(reason: &str) -> PhotoError {
    PhotoError::Malformed {
        format: "JPEG",
        reason: reason.to_owned(),
    }
}

/// Width and height from the first SOFn segment (ITU-T T.81 §B.2.2: `FFCn Lf P Y X Nf ...`).
///
/// Segments are walked by their lengths up to the frame header; a JPEG without one, or whose
/// segments run past the end, is malformed: a browser could not show it either.
pub(crate) fn size(d: &[u8]) -> Result<(u32, u32), PhotoError> {
    const TRUNC: &str = "truncated before the frame header (SOF)";
    let byte = |i: usize| d.get(i).copied().ok_or_else(|| malformed(TRUNC));
    if !d.starts_with(&[0xFF, 0xD8]) {
        return Err(malformed("no start-of-image marker (FFD8)"));
    }
    let mut i = 2usize;
    loop {
        if byte(i)? != 0xFF {
            return Err(malformed("a marker was expected between segments"));
        }
        // Any number of fill bytes FF may precede a marker (T.81 §B.1.1.2).
        while byte(i + 1)? == 0xFF {
            i += 1;
        }
        let marker = byte(i + 1)?;
        i += 2;
        match marker {
            // Markers without a length: TEM and RSTn.
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return Err(malformed("no frame header (SOF) before the scan")),
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([byte(i)?, byte(i + 1)?]));
        // SOF0-3, 5-7, 9-11, 13-15; C4 (DHT), C8 (JPG) and CC (DAC) share the range.
        if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
            // Lf(2) P(1) Y(2) X(2)
            let height = u16::from_be_bytes([byte(i + 3)?, byte(i + 4)?]);
            let width = u16::from_be_bytes([byte(i + 5)?, byte(i + 6)?]);
            return Ok((u32::from(width), u32::from(height)));
        }
        if len < 2 {
            return Err(malformed("a segment length is below 2"));
        }
        i += len;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_header_after_fill_bytes_and_app_segments() {
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0xAA, 0xBB, 0xFF, 0xFF, 0xC0, 0x00, 0x0B, 0x08,
            0x01, 0x02, 0x03, 0x04, 0x01, 0x01, 0x11, 0x00,
        ];
        assert_eq!(size(&jpeg), Ok((0x0304, 0x0102)));
    }

    #[test]
    fn no_frame_header_is_malformed() {
        for bad in [
            &[0xFF, 0xD8][..],
            &[0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02],
            &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01, 0xFF, 0xC0],
            &[0xFF, 0xD8, 0x00],
            &[0x00, 0xD8, 0xFF, 0xC0],
            &[0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x01],
        ] {
            assert!(
                matches!(size(bad), Err(PhotoError::Malformed { .. })),
                "{bad:02X?}"
            );
        }
    }
}
