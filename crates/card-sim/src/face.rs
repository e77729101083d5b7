//! A synthetic portrait for the virtual card's DG2: a plain silhouette drawn by this code (no
//! real person's face), with mild sensor-like noise so the JPEG has a realistic size (15-20 KB),
//! wrapped in an ISO/IEC 19794-5 face record as CCCDs carry it (plain JPEG).

use crate::der::tlv;

const WIDTH: u16 = 240;
const HEIGHT: u16 = 320;

/// A deterministic xorshift generator: the same seed draws the same portrait.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// RGB pixels of the portrait for `seed` (which varies skin, hair and background tones).
fn pixels(seed: u64) -> Vec<u8> {
    let mut noise = Noise(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let tone = |base: u8, v: u64| base.saturating_add((v % 24) as u8);
    let skin = [tone(196, seed), tone(150, seed >> 8), tone(120, seed >> 16)];
    let hair = [
        tone(25, seed >> 24),
        tone(20, seed >> 28),
        tone(18, seed >> 32),
    ];
    let shirt = [
        tone(30, seed >> 36),
        tone(60, seed >> 40),
        tone(110, seed >> 44),
    ];
    let (w, h) = (f32::from(WIDTH), f32::from(HEIGHT));
    let mut out = Vec::with_capacity(usize::from(WIDTH) * usize::from(HEIGHT) * 3);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let (fx, fy) = (f32::from(x), f32::from(y));
            // Head: an ellipse; hair: the top of a slightly larger one; shoulders: below.
            let head =
                ((fx - w * 0.5) / (w * 0.22)).powi(2) + ((fy - h * 0.40) / (h * 0.21)).powi(2);
            let hair_shape =
                ((fx - w * 0.5) / (w * 0.25)).powi(2) + ((fy - h * 0.35) / (h * 0.22)).powi(2);
            let shoulders =
                ((fx - w * 0.5) / (w * 0.55)).powi(2) + ((fy - h * 1.02) / (h * 0.33)).powi(2);
            let base = if head < 1.0 {
                skin
            } else if hair_shape < 1.0 && fy < h * 0.36 {
                hair
            } else if shoulders < 1.0 {
                shirt
            } else {
                // ICAO photos: a plain light background with a soft vertical gradient.
                let g = 235u8.saturating_sub((fy / h * 25.0) as u8);
                [g, g, g.saturating_add(8)]
            };
            for c in base {
                let n = (noise.next() % 13) as i16 - 6;
                out.push((i16::from(c) + n).clamp(0, 255) as u8);
            }
        }
    }
    out
}

/// The portrait as a baseline JPEG.
pub fn portrait_jpeg(seed: u64) -> Vec<u8> {
    let mut jpeg = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut jpeg, 90);
    // Encoding RGB into a Vec cannot fail for these fixed, valid dimensions; an empty photo is
    // still a valid card (the reader reports a missing photo).
    if encoder
        .encode(&pixels(seed), WIDTH, HEIGHT, jpeg_encoder::ColorType::Rgb)
        .is_err()
    {
        return Vec::new();
    }
    jpeg
}

/// DG2 (ICAO 9303-10 §4.7.2): the biometric information template group with one ISO/IEC
/// 19794-5:2005 face record holding `jpeg`.
pub fn dg2(jpeg: &[u8], male: bool) -> Vec<u8> {
    // Facial record header (20 bytes): data length, no feature points, gender, eye and hair
    // colour unspecified, no feature mask, neutral expression, no pose angles.
    let face_len = 20 + 12 + jpeg.len();
    let mut record = Vec::with_capacity(14 + face_len);
    record.extend_from_slice(b"FAC\x00");
    record.extend_from_slice(b"010\x00");
    record.extend_from_slice(&((14 + face_len) as u32).to_be_bytes());
    record.extend_from_slice(&1u16.to_be_bytes());
    record.extend_from_slice(&(face_len as u32).to_be_bytes());
    record.extend_from_slice(&0u16.to_be_bytes());
    record.push(if male { 1 } else { 2 });
    record.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Image information (12 bytes): full frontal, JPEG, width, height, 24-bit RGB, digital
    // camera, device and quality unspecified.
    record.extend_from_slice(&[0x01, 0x00]);
    record.extend_from_slice(&WIDTH.to_be_bytes());
    record.extend_from_slice(&HEIGHT.to_be_bytes());
    record.extend_from_slice(&[0x01, 0x02, 0, 0, 0, 0]);
    record.extend_from_slice(jpeg);
    // Biometric header template: ICAO header version 1.1, type face (2), format owner ISO/IEC JTC 1
    // SC 37 (0x0101), format type 0x0008 (19794-5).
    let bht = tlv(
        0xA1,
        &[
            0x80, 0x02, 0x01, 0x01, 0x81, 0x01, 0x02, 0x87, 0x02, 0x01, 0x01, 0x88, 0x02, 0x00,
            0x08,
        ],
    );
    let mut bdb = vec![0x5F, 0x2E];
    bdb.extend_from_slice(&crate::der::length(record.len()));
    bdb.extend_from_slice(&record);
    let bit = crate::der::tlv2(0x7F60, &[bht, bdb].concat());
    let group = crate::der::tlv2(0x7F61, &[vec![0x02, 0x01, 0x01], bit].concat());
    tlv(0x75, &group)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_portrait_is_a_deterministic_jpeg_of_realistic_size() {
        let a = portrait_jpeg(1);
        assert_eq!(a, portrait_jpeg(1));
        assert_ne!(a, portrait_jpeg(2));
        assert_eq!(&a[..3], &[0xFF, 0xD8, 0xFF]);
        assert!((12_000..=22_000).contains(&a.len()), "{} bytes", a.len());
    }

    #[test]
    fn dg2_parses_with_the_lds_parser() {
        let jpeg = portrait_jpeg(1);
        let dg = dg2(&jpeg, true);
        let parsed = icao9303::lds::DataGroup2::parse(&dg).unwrap();
        let face = parsed.first_face().unwrap();
        assert_eq!(face.data, &jpeg[..]);
        assert_eq!(face.size(), Some((240, 320)));
    }
}
