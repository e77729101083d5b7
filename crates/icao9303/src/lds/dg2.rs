//! DG2, the encoded face (ICAO 9303-10 §4.7.2), with face records of ISO/IEC 19794-5:2005 or
//! ISO/IEC 39794-5:2019.
//!
//! ```text
//! 75 L                              DG2 template
//!    7F61 L                         Biometric Information Group Template
//!       02 01 n                     number of instances
//!       7F60 L                      Biometric Information Template (BIT), n times
//!          A1 L                     Biometric Header Template (BHT, ISO/IEC 7816-11):
//!             80 version, 81 type, 82 subtype, 83 creation date, 85 validity,
//!             86 creator, 87 format owner (2 bytes), 88 format type (2 bytes)
//!          5F2E L record            Biometric Data Block: an ISO/IEC 19794-5 record, or
//!          7F2E L { [A1] 65 ... }   an ISO/IEC 39794-5 FaceImageDataBlock (DER)
//! ```
//!
//! ISO/IEC 19794-5:2005 §5 record (big-endian binary):
//! ```text
//! Facial Record Header (14): "FAC\0", version "010\0", record length (4), number of faces (2)
//! per face:
//!   Facial Information (20): face data length (4), feature points n (2), gender, eye colour,
//!                            hair colour, feature mask (3), expression (2), pose angle (3),
//!                            pose uncertainty (3)
//!   Feature Points (8 x n)
//!   Image Information (12): face image type, image data type (0 JPEG, 1 JPEG 2000),
//!                           width (2), height (2), colour space, source type, device type (2),
//!                           quality (2)
//!   Image Data (face data length - 20 - 8n - 12)
//! ```
//!
//! ISO/IEC 39794-5:2019 (ASN.1, IMPLICIT TAGS; only the path to the image is read):
//! ```text
//! FaceImageDataBlock ::= [APPLICATION 5] SEQUENCE {
//!     versionBlock [0] VersionBlock, representationBlocks [1] RepresentationBlocks, ... }
//! RepresentationBlock ::= SEQUENCE {
//!     representationId [0] INTEGER, imageRepresentation [1] ImageRepresentation, ... }
//! ImageRepresentation ::= CHOICE { base [0] ImageRepresentationBase, ... }
//! ImageRepresentationBase ::= CHOICE { imageRepresentation2DBlock [0] ImageRepresentation2DBlock }
//! ImageRepresentation2DBlock ::= SEQUENCE {
//!     representationData2D [0] OCTET STRING, imageInformation2DBlock [1] ImageInformation2DBlock, ... }
//! ImageInformation2DBlock ::= SEQUENCE {
//!     imageDataFormat [0] CHOICE { code [0] ENUMERATED { jpeg(2), jpeg2000Lossy(3),
//!                                  jpeg2000Lossless(4) }, ... },
//!     ..., imageSizeBlock [7] SEQUENCE { width [0] INTEGER, height [1] INTEGER } OPTIONAL, ... }
//! ```
//!
//! The image type is decided by the image's magic bytes, not by the header's declaration: the
//! gmrtd 19794-5 sample declares JPEG 2000 for a JPEG, and a browser cares about the bytes.

use asn1::ber::uint_of;

use super::{Ber, Tlv, at, in_file, outer};
use crate::error::Result;
use crate::read::LdsFile;

const FILE: LdsFile = LdsFile::Dg(2);

/// Which face record standard a Biometric Data Block follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaceRecordFormat {
    /// ISO/IEC 19794-5:2005 binary record (`5F2E`).
    Iso19794_5,
    /// ISO/IEC 39794-5:2019 DER record (`7F2E`).
    Iso39794_5,
}

/// The encoding of a face image, from its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImageType {
    /// JPEG (ISO/IEC 10918-1), `FF D8 FF`: browsers show it as is (the CCCD's case).
    Jpeg,
    /// JPEG 2000 (ISO/IEC 15444-1), as a JP2 file (`00 00 00 0C 6A 50 20 20`) or a bare
    /// codestream (`FF 4F FF 51`): needs conversion before a browser can show it.
    Jpeg2000,
    /// Neither: kept as bytes, not fatal (a later format must not stop the rest of the read).
    Other,
}

impl ImageType {
    /// Detects the type from the first bytes of the image.
    pub fn detect(image: &[u8]) -> Self {
        if image.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Self::Jpeg
        } else if image.starts_with(&[0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20])
            || image.starts_with(&[0xFF, 0x4F, 0xFF, 0x51])
        {
            Self::Jpeg2000
        } else {
            Self::Other
        }
    }

    /// The MIME type.
    pub fn mime_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Jpeg2000 => "image/jp2",
            Self::Other => "application/octet-stream",
        }
    }
}

/// The Biometric Header Template (ISO/IEC 7816-11 Table 7, ICAO 9303-10 §4.7.2.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BiometricHeaderTemplate {
    /// `80`: ICAO header version (`0101`).
    pub version: Option<Vec<u8>>,
    /// `81`: biometric type (`02` = facial features).
    pub biometric_type: Option<Vec<u8>>,
    /// `82`: biometric subtype.
    pub subtype: Option<Vec<u8>>,
    /// `83`: creation date and time.
    pub creation_date: Option<Vec<u8>>,
    /// `85`: validity period.
    pub validity_period: Option<Vec<u8>>,
    /// `86`: creator of the biometric reference data (PID).
    pub creator: Option<Vec<u8>>,
    /// `87`: format owner (`0101` = ISO/IEC JTC 1/SC 37).
    pub format_owner: Option<u16>,
    /// `88`: format type (`0008` = 19794-5 face image).
    pub format_type: Option<u16>,
}

/// One face image of DG2, borrowed from the file: the image bytes are a slice of the input, so
/// extracting the photo copies nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceImage<'a> {
    /// The record standard.
    pub record_format: FaceRecordFormat,
    /// The header of the Biometric Information Template this image belongs to.
    pub header: BiometricHeaderTemplate,
    /// The image type found in the image's bytes.
    pub image_type: ImageType,
    /// The declared image data type: 19794-5 `0` JPEG / `1` JPEG 2000; 39794-5 `2` JPEG,
    /// `3` JPEG 2000 lossy, `4` JPEG 2000 lossless.
    pub declared_data_type: Option<u8>,
    /// Width declared by the record (19794-5 image information, 39794-5 imageSizeBlock).
    pub declared_width: Option<u16>,
    /// Height declared by the record.
    pub declared_height: Option<u16>,
    /// The image bytes (JPEG or JPEG 2000 as encoded).
    pub data: &'a [u8],
    /// Offset of the image in the DG2 file.
    pub data_offset: usize,
}

impl FaceImage<'_> {
    /// Width and height as the image's own header says (JPEG SOF, JP2 `ihdr`, or the
    /// codestream's SIZ): that is what a decoder will produce, whatever the record declared.
    pub fn image_size(&self) -> Option<(u32, u32)> {
        match self.image_type {
            ImageType::Jpeg => jpeg_size(self.data),
            ImageType::Jpeg2000 => jp2_size(self.data).or_else(|| j2k_size(self.data)),
            ImageType::Other => None,
        }
    }

    /// Width and height: the image's own when readable, else the record's declaration.
    pub fn size(&self) -> Option<(u32, u32)> {
        self.image_size()
            .or(match (self.declared_width, self.declared_height) {
                (Some(w), Some(h)) => Some((u32::from(w), u32::from(h))),
                _ => None,
            })
    }
}

/// DG2: every face image of every Biometric Information Template, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataGroup2<'a> {
    /// The face images (at least one).
    pub faces: Vec<FaceImage<'a>>,
}

impl<'a> DataGroup2<'a> {
    /// Parses DG2.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        Self::decode(bytes).map_err(in_file(FILE))
    }

    fn decode(bytes: &'a [u8]) -> Ber<Self> {
        let t = outer(bytes, 0x75)?;
        let mut r = t.children();
        let group = r.expect(0x7F61, "no Biometric Information Group Template (7F61)")?;
        r.finish("data after the Biometric Information Group Template")?;
        let mut g = group.children();
        let count_tlv = g.expect(0x02, "no number of instances (02) in 7F61")?;
        let count = count_tlv
            .uint()
            .filter(|&n| n >= 1)
            .ok_or(count_tlv.err("the number of instances is not a positive integer"))?;
        let mut faces = Vec::new();
        let mut templates = 0u64;
        while !g.is_empty() {
            let bit = g.expect(
                0x7F60,
                "a Biometric Information Template (7F60) was expected",
            )?;
            templates += 1;
            parse_bit(&bit, &mut faces)?;
        }
        if templates != count {
            return Err(count_tlv.err("the number of instances differs from the templates present"));
        }
        Ok(Self { faces })
    }

    /// The first face image (the one to show).
    pub fn first_face(&self) -> Option<&FaceImage<'a>> {
        self.faces.first()
    }
}

fn parse_bit<'a>(bit: &Tlv<'a>, faces: &mut Vec<FaceImage<'a>>) -> Ber<()> {
    let mut r = bit.children();
    let bht = r.expect(0xA1, "no Biometric Header Template (A1)")?;
    let header = parse_bht(&bht)?;
    let bdb = r.read()?;
    r.finish("data after the Biometric Data Block")?;
    match bdb.tag {
        0x5F2E => parse_19794(&bdb, header, faces),
        0x7F2E => parse_39794(&bdb, header, faces),
        _ => Err(bdb.err("no Biometric Data Block (5F2E or 7F2E)")),
    }
}

fn parse_bht(bht: &Tlv<'_>) -> Ber<BiometricHeaderTemplate> {
    let mut h = BiometricHeaderTemplate::default();
    for e in bht.children().all()? {
        let v = Some(e.value.to_vec());
        let two = || -> Ber<Option<u16>> {
            match e.value {
                [a, b] => Ok(Some(u16::from_be_bytes([*a, *b]))),
                _ => Err(e.err("format owner or type is not 2 bytes")),
            }
        };
        match e.tag {
            0x80 => h.version = v,
            0x81 => h.biometric_type = v,
            0x82 => h.subtype = v,
            0x83 => h.creation_date = v,
            0x85 => h.validity_period = v,
            0x86 => h.creator = v,
            0x87 => h.format_owner = two()?,
            0x88 => h.format_type = two()?,
            _ => {}
        }
    }
    Ok(h)
}

/// A big-endian cursor over a 19794-5 record whose errors carry the absolute offset.
struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize, why: &'static str) -> Ber<&'a [u8]> {
        let s = self
            .pos
            .checked_add(n)
            .and_then(|end| self.data.get(self.pos..end))
            .ok_or(at(self.base + self.pos, why))?;
        self.pos += n;
        Ok(s)
    }
    fn u8(&mut self, why: &'static str) -> Ber<u8> {
        Ok(self.take(1, why)?[0])
    }
    fn u16(&mut self, why: &'static str) -> Ber<u16> {
        let b = self.take(2, why)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self, why: &'static str) -> Ber<u32> {
        let b = self.take(4, why)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

fn parse_19794<'a>(
    bdb: &Tlv<'a>,
    header: BiometricHeaderTemplate,
    faces: &mut Vec<FaceImage<'a>>,
) -> Ber<()> {
    let mut b = Bytes {
        data: bdb.value,
        pos: 0,
        base: bdb.value_offset,
    };
    const TRUNC: &str = "truncated ISO 19794-5 record";
    if b.take(4, TRUNC)? != b"FAC\0" {
        return Err(at(
            bdb.value_offset,
            "the ISO 19794-5 record does not start with FAC",
        ));
    }
    let version_at = b.base + b.pos;
    if b.take(4, TRUNC)? != b"010\0" {
        return Err(at(
            version_at,
            "unsupported ISO 19794-5 version (010 expected)",
        ));
    }
    // The record length is not checked against the block: the New Zealand passport is known
    // to state 8 bytes less. Each face's own length is what bounds its image.
    let _record_length = b.u32(TRUNC)?;
    let count_at = b.base + b.pos;
    let count = b.u16(TRUNC)?;
    if count == 0 {
        return Err(at(count_at, "the ISO 19794-5 record holds no face"));
    }
    for _ in 0..count {
        let face_at = b.pos;
        let face_len = b.u32(TRUNC)? as usize;
        let points = usize::from(b.u16(TRUNC)?);
        b.take(14, TRUNC)?; // gender .. pose uncertainty: not needed to show the face
        b.take(points * 8, "truncated feature points")?;
        let face_image_type = b.u8(TRUNC)?;
        let _ = face_image_type;
        let data_type = b.u8(TRUNC)?;
        let width = b.u16(TRUNC)?;
        let height = b.u16(TRUNC)?;
        b.take(6, TRUNC)?; // colour space, source type, device type, quality
        let used = b.pos - face_at;
        let image_len = face_len.checked_sub(used).ok_or(at(
            b.base + face_at,
            "the facial record length is shorter than its headers",
        ))?;
        let data_offset = b.base + b.pos;
        let data = b.take(image_len, "the image runs past the end of the record")?;
        faces.push(FaceImage {
            record_format: FaceRecordFormat::Iso19794_5,
            header: header.clone(),
            image_type: ImageType::detect(data),
            declared_data_type: Some(data_type),
            declared_width: Some(width),
            declared_height: Some(height),
            data,
            data_offset,
        });
    }
    if b.pos != b.data.len() {
        return Err(at(b.base + b.pos, "data after the last facial record"));
    }
    Ok(())
}

fn parse_39794<'a>(
    bdb: &Tlv<'a>,
    header: BiometricHeaderTemplate,
    faces: &mut Vec<FaceImage<'a>>,
) -> Ber<()> {
    let mut r = bdb.children();
    let mut block = r.read()?;
    // The ICAO application profile wraps the FaceImageDataBlock in a [1] (seen in the ICAO
    // 39794-5 AP samples): accept it with or without that wrapper.
    if block.tag == 0xA1 {
        r.finish("data after the face image data block")?;
        let mut w = block.children();
        block = w.read()?;
        w.finish("data after the face image data block")?;
    } else {
        r.finish("data after the face image data block")?;
    }
    if block.tag != 0x65 {
        return Err(block.err("no FaceImageDataBlock ([APPLICATION 5])"));
    }
    let mut fidb = block.children();
    fidb.expect(0xA0, "no versionBlock [0]")?;
    let reps = fidb.expect(0xA1, "no representationBlocks [1]")?;
    let mut any = false;
    for rep in reps.children().all()? {
        if rep.tag != 0x30 {
            return Err(rep.err("a RepresentationBlock is not a SEQUENCE"));
        }
        let mut rb = rep.children();
        rb.expect(0x80, "no representationId [0]")?;
        let image_rep = rb.expect(0xA1, "no imageRepresentation [1]")?;
        let base = image_rep.children().expect(
            0xA0,
            "the imageRepresentation is not a base [0] (2D) representation",
        )?;
        let block2d = base
            .children()
            .expect(0xA0, "no imageRepresentation2DBlock [0]")?;
        let mut b2 = block2d.children();
        let data = b2.expect(0x80, "no representationData2D [0]")?;
        let info = b2.expect(0xA1, "no imageInformation2DBlock [1]")?;
        let (declared_data_type, size) = parse_image_info(&info)?;
        faces.push(FaceImage {
            record_format: FaceRecordFormat::Iso39794_5,
            header: header.clone(),
            image_type: ImageType::detect(data.value),
            declared_data_type,
            declared_width: size.map(|s| s.0),
            declared_height: size.map(|s| s.1),
            data: data.value,
            data_offset: data.value_offset,
        });
        any = true;
    }
    if any {
        Ok(())
    } else {
        Err(reps.err("no RepresentationBlock"))
    }
}

type ImageInfo = (Option<u8>, Option<(u16, u16)>);

fn parse_image_info(info: &Tlv<'_>) -> Ber<ImageInfo> {
    let (mut format, mut size) = (None, None);
    for e in info.children().all()? {
        match e.tag {
            // imageDataFormat [0] CHOICE { code [0] ENUMERATED, extensionBlock [1] ... }
            0xA0 => {
                let mut c = e.children();
                if let Some(code) = c.optional(0x80)? {
                    format = uint_of(code.value).and_then(|v| u8::try_from(v).ok());
                }
            }
            // imageSizeBlock [7] SEQUENCE { width [0], height [1] }
            0xA7 => {
                let mut s = e.children();
                let w = s.expect(0x80, "no width [0] in imageSizeBlock")?;
                let h = s.expect(0x81, "no height [1] in imageSizeBlock")?;
                let dim = |t: &Tlv<'_>| {
                    uint_of(t.value)
                        .and_then(|v| u16::try_from(v).ok())
                        .ok_or(t.err("an image size is not 0-65535"))
                };
                size = Some((dim(&w)?, dim(&h)?));
            }
            _ => {}
        }
    }
    Ok((format, size))
}

/// JPEG: the first SOFn segment's height and width (ITU-T T.81 §B.2.2).
fn jpeg_size(d: &[u8]) -> Option<(u32, u32)> {
    let mut i = 2;
    loop {
        // Markers may be preceded by fill bytes FF (T.81 §B.1.1.2).
        while *d.get(i)? == 0xFF && *d.get(i + 1)? == 0xFF {
            i += 1;
        }
        if *d.get(i)? != 0xFF {
            return None;
        }
        let m = *d.get(i + 1)?;
        i += 2;
        match m {
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 | 0xDA => return None,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*d.get(i)?, *d.get(i + 1)?]));
        if matches!(m, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
            let h = u16::from_be_bytes([*d.get(i + 3)?, *d.get(i + 4)?]);
            let w = u16::from_be_bytes([*d.get(i + 5)?, *d.get(i + 6)?]);
            return Some((u32::from(w), u32::from(h)));
        }
        if len < 2 {
            return None;
        }
        i += len;
    }
}

/// JP2 file: the Image Header box (`jp2h` → `ihdr`: HEIGHT, WIDTH) (ISO/IEC 15444-1 §I.5.3.1).
fn jp2_size(d: &[u8]) -> Option<(u32, u32)> {
    let be32 = |s: &[u8], i: usize| -> Option<u32> {
        Some(u32::from_be_bytes(s.get(i..i + 4)?.try_into().ok()?))
    };
    let boxes = |s: &[u8], want: &[u8; 4]| -> Option<(usize, usize)> {
        let mut i = 0usize;
        while i + 8 <= s.len() {
            let lbox = be32(s, i)? as usize;
            let (header, len) = match lbox {
                0 => (8, s.len() - i),
                1 => {
                    let x = u64::from_be_bytes(s.get(i + 8..i + 16)?.try_into().ok()?);
                    (16, usize::try_from(x).ok()?)
                }
                n => (8, n),
            };
            if len < header || i.checked_add(len)? > s.len() {
                return None;
            }
            if s.get(i + 4..i + 8)? == want {
                return Some((i + header, i + len));
            }
            i += len;
        }
        None
    };
    let (h0, h1) = boxes(d, b"jp2h")?;
    let jp2h = d.get(h0..h1)?;
    let (i0, _) = boxes(jp2h, b"ihdr")?;
    let height = be32(jp2h, i0)?;
    let width = be32(jp2h, i0 + 4)?;
    Some((width, height))
}

/// JPEG 2000 codestream: the SIZ marker (`FF51`: Xsiz − XOsiz, Ysiz − YOsiz) (15444-1 §A.5.1).
fn j2k_size(d: &[u8]) -> Option<(u32, u32)> {
    let be32 =
        |i: usize| -> Option<u32> { Some(u32::from_be_bytes(d.get(i..i + 4)?.try_into().ok()?)) };
    if d.get(..4)? != [0xFF, 0x4F, 0xFF, 0x51] {
        return None;
    }
    // FF4F FF51 Lsiz(2) Rsiz(2) Xsiz Ysiz XOsiz YOsiz
    let (x, y, xo, yo) = (be32(8)?, be32(12)?, be32(16)?, be32(20)?);
    Some((x.checked_sub(xo)?, y.checked_sub(yo)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;
    use crate::lds::test_support::{mutate, vector};
    use proptest::prelude::*;

    const SAMPLES: [&str; 5] = [
        "gmrtd/dg2_biometric/DG2_ISO19794-5_JPEG.bin",
        "gmrtd/dg2_biometric/DG2_ISO39794-5_AllFields.bin",
        "gmrtd/dg2_biometric/DG2_ISO39794-5_MandFields.bin",
        "jmrtd_bsi2008/Datagroup2.bin",
        "jmrtd_loes2006/ef0102.bin",
    ];

    #[test]
    fn iso19794_jpeg_equals_expected_image() {
        let bytes = vector("gmrtd/dg2_biometric/DG2_ISO19794-5_JPEG.bin");
        let dg2 = DataGroup2::parse(&bytes).unwrap();
        assert_eq!(dg2.faces.len(), 1);
        let f = &dg2.faces[0];
        assert_eq!(f.record_format, FaceRecordFormat::Iso19794_5);
        assert_eq!(f.image_type, ImageType::Jpeg);
        assert_eq!(f.header.format_owner, Some(0x0101));
        assert_eq!(f.header.format_type, Some(0x0008));
        assert_eq!(
            f.data,
            &vector("gmrtd/dg2_biometric/DG2_ISO19794-5_JPEG_expected_image.jpg")[..]
        );
        assert_eq!(f.image_size(), Some((148, 70)));
        assert_eq!((f.declared_width, f.declared_height), (Some(148), Some(70)));
        assert_eq!(&bytes[f.data_offset..f.data_offset + f.data.len()], f.data);
    }

    #[test]
    fn iso39794_equals_expected_image() {
        let expected = vector("gmrtd/dg2_biometric/DG2_ISO39794-5_expected_face.jpg");
        for f in [
            "gmrtd/dg2_biometric/DG2_ISO39794-5_AllFields.bin",
            "gmrtd/dg2_biometric/DG2_ISO39794-5_MandFields.bin",
        ] {
            let bytes = vector(f);
            let dg2 = DataGroup2::parse(&bytes).unwrap();
            assert_eq!(dg2.faces.len(), 1, "{f}");
            let face = &dg2.faces[0];
            assert_eq!(face.record_format, FaceRecordFormat::Iso39794_5);
            // The expected file is named .jpg but is JPEG 2000 (see the vectors' README).
            assert_eq!(face.image_type, ImageType::Jpeg2000, "{f}");
            assert_eq!(face.data, &expected[..], "{f}");
            assert_eq!(face.image_size(), Some((413, 531)), "{f}");
        }
        let all = vector("gmrtd/dg2_biometric/DG2_ISO39794-5_AllFields.bin");
        let face = &DataGroup2::parse(&all).unwrap().faces[0];
        assert!(face.declared_data_type.is_some());
    }

    #[test]
    fn jpeg2000_samples_are_detected_with_their_sizes() {
        // Record-declared and image sizes agree for the Dutch specimen; the BSI 2008 test
        // document declares 337 x 449 while its JP2 header says 413 x 531.
        for (f, size, declared) in [
            ("jmrtd_loes2006/ef0102.bin", (449, 598), (449, 598)),
            ("jmrtd_bsi2008/Datagroup2.bin", (413, 531), (337, 449)),
        ] {
            let bytes = vector(f);
            let dg2 = DataGroup2::parse(&bytes).unwrap();
            let face = &dg2.faces[0];
            assert_eq!(face.image_type, ImageType::Jpeg2000, "{f}");
            assert_eq!(face.declared_data_type, Some(1), "{f}");
            assert_eq!(face.image_size(), Some(size), "{f}");
            assert_eq!(
                (face.declared_width, face.declared_height),
                (Some(declared.0), Some(declared.1)),
                "{f}"
            );
        }
    }

    #[test]
    fn bare_19794_record_test1() {
        // The gmrtd bare record, wrapped here in a minimal DG2.
        let record = vector("gmrtd/dg2_biometric/ISO19794-5_FaceRecord_Test1.bin");
        let dg2 = wrap_19794(&record);
        let parsed = DataGroup2::parse(&dg2).unwrap();
        assert_eq!(
            parsed.faces[0].data,
            &vector("gmrtd/dg2_biometric/ISO19794-5_FaceRecord_Test1_expected_face.jpg")[..]
        );
    }

    fn wrap(tag: &[u8], value: &[u8]) -> Vec<u8> {
        let mut v = tag.to_vec();
        let n = value.len();
        if n < 0x80 {
            v.push(n as u8);
        } else {
            v.extend([0x82, (n >> 8) as u8, n as u8]);
        }
        v.extend(value);
        v
    }

    fn wrap_19794(record: &[u8]) -> Vec<u8> {
        let bht = wrap(&[0xA1], &[0x87, 0x02, 0x01, 0x01, 0x88, 0x02, 0x00, 0x08]);
        let bit = wrap(&[0x7F, 0x60], &[bht, wrap(&[0x5F, 0x2E], record)].concat());
        let group = wrap(&[0x7F, 0x61], &[vec![0x02, 0x01, 0x01], bit].concat());
        wrap(&[0x75], &group)
    }

    #[test]
    fn malformed_records() {
        let record = vector("gmrtd/dg2_biometric/ISO19794-5_FaceRecord_Test1.bin");
        // The facial record claims more bytes than there are.
        let mut long = record.clone();
        long[14..18].copy_from_slice(&0x0001_0000u32.to_be_bytes());
        let e = DataGroup2::parse(&wrap_19794(&long)).unwrap_err();
        assert!(
            matches!(
                e,
                Error::MalformedFile {
                    file: LdsFile::Dg(2),
                    ..
                }
            ),
            "{e:?}"
        );
        // Feature points beyond the end.
        let mut pts = record.clone();
        pts[18..20].copy_from_slice(&0xFFFFu16.to_be_bytes());
        assert!(DataGroup2::parse(&wrap_19794(&pts)).is_err());
        // A face length shorter than the headers.
        let mut short = record.clone();
        short[14..18].copy_from_slice(&4u32.to_be_bytes());
        assert!(DataGroup2::parse(&wrap_19794(&short)).is_err());
        // Not FAC.
        let mut fac = record;
        fac[0] = b'X';
        let e = DataGroup2::parse(&wrap_19794(&fac)).unwrap_err();
        let Error::MalformedFile { offset, .. } = e else {
            panic!()
        };
        assert_eq!(
            offset, 32,
            "the record starts after 75/7F61/02/7F60/A1/5F2E headers"
        );
        // Instance count disagreeing with the templates.
        let mut b = vector("gmrtd/dg2_biometric/DG2_ISO19794-5_JPEG.bin");
        b[11] = 2;
        assert!(DataGroup2::parse(&b).is_err());
        // Truncated file: the outer length runs past the end.
        let b = vector("jmrtd_bsi2008/Datagroup2.bin");
        let e = DataGroup2::parse(&b[..b.len() - 1]).unwrap_err();
        assert!(matches!(e, Error::MalformedFile { offset: 1, .. }), "{e:?}");
    }

    #[test]
    fn image_type_detection() {
        assert_eq!(
            ImageType::detect(&[0xFF, 0xD8, 0xFF, 0xE0]),
            ImageType::Jpeg
        );
        assert_eq!(
            ImageType::detect(&[0xFF, 0x4F, 0xFF, 0x51]),
            ImageType::Jpeg2000
        );
        assert_eq!(ImageType::detect(b"\x89PNG"), ImageType::Other);
        let siz = [
            0xFF, 0x4F, 0xFF, 0x51, 0, 41, 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 16, 0, 0, 0, 0,
        ];
        assert_eq!(j2k_size(&siz), Some((240, 512)));
        assert_eq!(jpeg_size(&[0xFF, 0xD8, 0xFF]), None);
        assert_eq!(jp2_size(&[0, 0, 0, 0]), None);
    }

    proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = DataGroup2::parse(&bytes);
        }

        #[test]
        fn mutated_samples_never_panic(i in 0usize..5, pos in any::<usize>(), byte in any::<u8>(), cut in 0usize..64) {
            let b = mutate(vector(SAMPLES[i]), pos, byte, cut);
            if let Ok(d) = DataGroup2::parse(&b) {
                for f in &d.faces {
                    let _ = f.size();
                }
            }
        }

        #[test]
        fn image_sizes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..128)) {
            let _ = jpeg_size(&bytes);
            let _ = jp2_size(&bytes);
            let _ = j2k_size(&bytes);
        }
    }
}
