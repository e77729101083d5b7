//! The ICAO LDS files other than DG13 (ICAO 9303-10 §4.6, §4.7): EF.COM, DG1, DG2 (with an
//! ISO/IEC 19794-5 face record), DG14 and DG15.

use crate::Error;
use crate::tlv::{
    bit_string, constructed, integer, null, oid, sequence, set_of_der, tlv, unsigned_integer,
};

/// The tag of data group `n`'s template (ICAO 9303-10 §4.6.1, Table 34): DG1 `61`, DG2 `75`,
/// DG3 `63`, DG4 `76`, DG5-DG12 `65`-`6C`, DG13 `6D`, DG14 `6E`, DG15 `6F`, DG16 `70`.
pub fn dg_tag(n: u8) -> Option<u8> {
    match n {
        1 => Some(0x61),
        2 => Some(0x75),
        3 => Some(0x63),
        4 => Some(0x76),
        5..=16 => Some(0x60 + n),
        _ => None,
    }
}

/// EF.COM (ICAO 9303-10 §4.6.1): `60 { 5F01 LDS version, 5F36 Unicode version, 5C tag list }`.
/// `lds_version` is 4 digits (`0107` for LDS 1.7), `unicode_version` 6 (`040000`).
pub fn encode_ef_com(lds_version: &str, unicode_version: &str, dgs: &[u8]) -> Vec<u8> {
    let tags: Vec<u8> = dgs.iter().filter_map(|n| dg_tag(*n)).collect();
    constructed(
        &[0x60],
        &[
            tlv(&[0x5F, 0x01], lds_version.as_bytes()),
            tlv(&[0x5F, 0x36], unicode_version.as_bytes()),
            tlv(&[0x5C], &tags),
        ],
    )
}

/// DG1 (ICAO 9303-10 §4.7.1): `61 { 5F1F the MRZ lines, concatenated }`.
pub fn encode_dg1(mrz_lines: &[String]) -> Vec<u8> {
    tlv(&[0x61], &tlv(&[0x5F, 0x1F], mrz_lines.concat().as_bytes()))
}

/// A face image for DG2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceImage {
    /// The image bytes (JPEG).
    pub jpeg: Vec<u8>,
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
}

/// A small synthetic portrait (no real person: an oval on a light gradient, drawn here), as a
/// baseline JPEG made by the `jpeg-encoder` crate. `shade` varies the tones.
pub fn synthetic_face(shade: u8) -> Result<FaceImage, Error> {
    const W: u16 = 60;
    const H: u16 = 80;
    let mut rgb = Vec::with_capacity(usize::from(W) * usize::from(H) * 3);
    for y in 0..H {
        for x in 0..W {
            let (dx, dy) = (f32::from(x) - 30.0, f32::from(y) - 34.0);
            let inside = (dx / 17.0).powi(2) + (dy / 22.0).powi(2) < 1.0;
            let px = if inside {
                [200u8.saturating_sub(shade / 4), 160, 130]
            } else {
                let g = 240u8
                    .saturating_sub((y / 4) as u8)
                    .saturating_sub(shade / 8);
                [g, g, g]
            };
            rgb.extend_from_slice(&px);
        }
    }
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 80)
        .encode(&rgb, W, H, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| Error::Encoding(format!("JPEG: {e}")))?;
    Ok(FaceImage {
        jpeg,
        width: W,
        height: H,
    })
}

/// An ISO/IEC 19794-5:2005 face record holding one frontal image (§5.4-§5.8): the 14-byte
/// record header (`FAC\0`, version `010\0`, record length, 1 image), the 20-byte facial
/// information (block length, no feature points, unspecified gender, eyes, hair, no feature
/// mask, neutral expression, no pose), and the 12-byte image information (full frontal, JPEG,
/// width, height, sRGB, static photo from an unknown source), then the image.
pub fn face_record(face: &FaceImage) -> Vec<u8> {
    let block_len = 20 + 12 + face.jpeg.len();
    let record_len = 14 + block_len;
    let mut r = Vec::with_capacity(record_len);
    r.extend_from_slice(b"FAC\x00010\x00");
    r.extend_from_slice(&(record_len as u32).to_be_bytes());
    r.extend_from_slice(&1u16.to_be_bytes());
    // Facial information.
    r.extend_from_slice(&(block_len as u32).to_be_bytes());
    r.extend_from_slice(&0u16.to_be_bytes()); // feature points
    r.extend_from_slice(&[0, 0, 0]); // gender, eye colour, hair colour: unspecified
    r.extend_from_slice(&[0, 0, 0]); // feature mask
    r.extend_from_slice(&[0, 1]); // expression: neutral
    r.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // pose angles and their uncertainty
    // Image information.
    r.push(1); // face image type: full frontal
    r.push(0); // image data type: JPEG
    r.extend_from_slice(&face.width.to_be_bytes());
    r.extend_from_slice(&face.height.to_be_bytes());
    r.push(1); // colour space: 24-bit sRGB
    r.push(2); // source type: static photo, unknown source
    r.extend_from_slice(&[0, 0, 0, 0]); // device type, quality
    r.extend_from_slice(&face.jpeg);
    r
}

/// DG2 (ICAO 9303-10 §4.7.2): `75 { 7F61 { 02 count, 7F60 { A1 header, 5F2E record }... } }`,
/// each biometric header template with the ICAO header version `0101`, biometric type face
/// (`02`), format owner ISO/IEC JTC 1/SC 37 (`0101`) and format type face image (`0008`). No
/// faces: a template that says 0 instances (a card without a photo that still has DG2).
pub fn encode_dg2(faces: &[FaceImage]) -> Vec<u8> {
    let mut parts = vec![integer(faces.len() as u64)];
    for face in faces {
        let header = constructed(
            &[0xA1],
            &[
                tlv(&[0x80], &[0x01, 0x01]),
                tlv(&[0x81], &[0x02]),
                tlv(&[0x87], &[0x01, 0x01]),
                tlv(&[0x88], &[0x00, 0x08]),
            ],
        );
        parts.push(constructed(
            &[0x7F, 0x60],
            &[header, tlv(&[0x5F, 0x2E], &face_record(face))],
        ));
    }
    tlv(&[0x75], &constructed(&[0x7F, 0x61], &parts))
}

/// The cipher a DG14 `ChipAuthenticationInfo` names (ICAO 9303-11 §9.2.5, §9.2.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaCipher {
    /// `id-CA-ECDH-3DES-CBC-CBC` 0.4.0.127.0.7.2.2.3.2.1.
    TripleDes,
    /// `id-CA-ECDH-AES-CBC-CMAC-128` 0.4.0.127.0.7.2.2.3.2.2.
    Aes128,
    /// `id-CA-ECDH-AES-CBC-CMAC-256` 0.4.0.127.0.7.2.2.3.2.4.
    Aes256,
}

const BSI_DE_PROTOCOLS: [u64; 8] = [0, 4, 0, 127, 0, 7, 2, 2];

/// The SubjectPublicKeyInfo of a P-256 public key (RFC 5480): id-ecPublicKey with the named
/// curve prime256v1, the uncompressed point.
pub fn p256_spki(uncompressed_point: &[u8]) -> Vec<u8> {
    sequence(&[
        sequence(&[
            oid(&[1, 2, 840, 10045, 2, 1]),
            oid(&[1, 2, 840, 10045, 3, 1, 7]),
        ]),
        bit_string(uncompressed_point),
    ])
}

/// DG14 (ICAO 9303-10 §4.7.14, 9303-11 §9.2.5): `6E { SET OF SecurityInfo }` with a
/// `ChipAuthenticationPublicKeyInfo` (id-PK-ECDH 0.4.0.127.0.7.2.2.1.2, the chip's P-256 key)
/// and, when `cipher` is given, a `ChipAuthenticationInfo` version 1 naming it.
pub fn encode_dg14(ca_public_point: &[u8], cipher: Option<CaCipher>) -> Vec<u8> {
    let pk_oid = [&BSI_DE_PROTOCOLS[..], &[1, 2]].concat();
    let mut infos = vec![sequence(&[oid(&pk_oid), p256_spki(ca_public_point)])];
    if let Some(c) = cipher {
        let last = match c {
            CaCipher::TripleDes => 1,
            CaCipher::Aes128 => 2,
            CaCipher::Aes256 => 4,
        };
        let ca_oid = [&BSI_DE_PROTOCOLS[..], &[3, 2, last]].concat();
        infos.push(sequence(&[oid(&ca_oid), integer(1)]));
    }
    tlv(&[0x6E], &set_of_der(&infos))
}

/// The SubjectPublicKeyInfo of an RSA public key (RFC 8017 A.1.1, RFC 3279 §2.3.1):
/// rsaEncryption with NULL parameters, `RSAPublicKey { modulus, publicExponent }`.
pub fn rsa_spki(modulus: &[u8], public_exponent: &[u8]) -> Vec<u8> {
    sequence(&[
        sequence(&[oid(&[1, 2, 840, 113549, 1, 1, 1]), null()]),
        bit_string(&sequence(&[
            unsigned_integer(modulus),
            unsigned_integer(public_exponent),
        ])),
    ])
}

/// DG15 (ICAO 9303-10 §4.7.15): `6F { SubjectPublicKeyInfo }` of the Active Authentication key.
pub fn encode_dg15(spki: &[u8]) -> Vec<u8> {
    tlv(&[0x6F], spki)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ef_com_written_out_by_hand() {
        assert_eq!(
            encode_ef_com("0107", "040000", &[1, 2, 13, 14, 15]),
            [
                0x60, 0x17, 0x5F, 0x01, 0x04, b'0', b'1', b'0', b'7', 0x5F, 0x36, 0x06, b'0', b'4',
                b'0', b'0', b'0', b'0', 0x5C, 0x05, 0x61, 0x75, 0x6D, 0x6E, 0x6F
            ]
        );
        assert_eq!(dg_tag(4), Some(0x76));
        assert_eq!(dg_tag(16), Some(0x70));
        assert_eq!(dg_tag(17), None);
    }

    #[test]
    fn dg1_holds_the_lines_in_5f1f() {
        let lines = vec!["A".repeat(30), "B".repeat(30), "C".repeat(30)];
        let dg1 = encode_dg1(&lines);
        assert_eq!(&dg1[..5], [0x61, 0x5D, 0x5F, 0x1F, 0x5A]);
        assert_eq!(dg1.len(), 95);
    }

    #[test]
    fn dg2_face_record_layout() {
        let face = synthetic_face(0).unwrap();
        assert_eq!(&face.jpeg[..3], [0xFF, 0xD8, 0xFF], "a JPEG (SOI)");
        assert_eq!(&face.jpeg[face.jpeg.len() - 2..], [0xFF, 0xD9], "EOI");
        let record = face_record(&face);
        assert_eq!(&record[..8], b"FAC\x00010\x00");
        assert_eq!(
            u32::from_be_bytes([record[8], record[9], record[10], record[11]]) as usize,
            record.len()
        );
        assert_eq!(&record[14 + 20 + 1..14 + 20 + 6], [0, 0, 60, 0, 80]);
        assert_eq!(&record[46..], &face.jpeg[..]);
        let dg2 = encode_dg2(std::slice::from_ref(&face));
        assert_eq!(dg2[0], 0x75);
        assert_eq!(
            encode_dg2(&[]),
            [0x75, 0x06, 0x7F, 0x61, 0x03, 0x02, 0x01, 0x00]
        );
    }

    #[test]
    fn dg14_security_infos() {
        let point = [4u8; 65];
        let dg14 = encode_dg14(&point, Some(CaCipher::Aes256));
        assert_eq!(dg14[0], 0x6E);
        // ChipAuthenticationInfo { id-CA-ECDH-AES-CBC-CMAC-256, 1 } sorts first in DER.
        let ca_info = [
            0x30, 0x0F, 0x06, 0x0A, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03, 0x02, 0x04,
            0x02, 0x01, 0x01,
        ];
        assert!(dg14.windows(ca_info.len()).any(|w| w == ca_info));
        let no_cipher = encode_dg14(&point, None);
        assert!(!no_cipher.windows(4).any(|w| w == [0x02, 0x02, 0x03, 0x02]));
    }

    #[test]
    fn rsa_spki_written_out_by_hand() {
        assert_eq!(
            rsa_spki(&[0xC1], &[0x01, 0x00, 0x01]),
            [
                0x30, 0x1D, 0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01,
                0x01, 0x05, 0x00, 0x03, 0x0C, 0x00, 0x30, 0x09, 0x02, 0x02, 0x00, 0xC1, 0x02, 0x03,
                0x01, 0x00, 0x01
            ]
        );
    }
}
