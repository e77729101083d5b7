//! The face images of the sample DG2s of `fixtures/` (gmrtd, JMRTD): JPEG passes through
//! byte for byte; every JPEG 2000 image converts to a JPEG of its own size whose pixels match an
//! OpenJPEG reference decode; hostile input is a typed error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::borrow::Cow;
use std::sync::OnceLock;

use icao9303::lds::{DataGroup2, ImageType};
use photo::{BrowserImage, MAX_DIMENSION, PhotoError, browser_image, face_browser_image};
use proptest::prelude::*;

fn vector(path: &str) -> Vec<u8> {
    let full = format!("{}/../../fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// The first face image of a sample DG2.
fn face_bytes(dg2: &str) -> Vec<u8> {
    let bytes = vector(dg2);
    let dg2 = DataGroup2::parse(&bytes).unwrap();
    dg2.first_face().unwrap().data.to_vec()
}

/// Decodes a JPEG with an independent decoder: (width, height, RGB samples).
fn decode_jpeg(jpeg: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut d = zune_jpeg::JpegDecoder::new(std::io::Cursor::new(jpeg));
    let px = d.decode().unwrap();
    let info = d.info().unwrap();
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    assert_eq!(px.len(), w as usize * h as usize * 3, "RGB output expected");
    (w, h, px)
}

/// Per-channel means and the mean of each cell of a 4 x 4 grid (all channels), the numbers the
/// reference below was computed with from `opj_decompress` (OpenJPEG 2.5.0) output.
fn fingerprint(w: u32, h: u32, px: &[u8]) -> ([f64; 3], [f64; 16]) {
    let (w, h) = (w as usize, h as usize);
    let mut means = [0.0; 3];
    for (i, &v) in px.iter().enumerate() {
        means[i % 3] += f64::from(v);
    }
    means.iter_mut().for_each(|m| *m /= (w * h) as f64);
    let mut grid = [0.0; 16];
    for (cell, g) in grid.iter_mut().enumerate() {
        let (gx, gy) = (cell % 4, cell / 4);
        let (x0, x1, y0, y1) = (gx * w / 4, (gx + 1) * w / 4, gy * h / 4, (gy + 1) * h / 4);
        let mut sum = 0.0;
        for y in y0..y1 {
            for &v in &px[(y * w + x0) * 3..(y * w + x1) * 3] {
                sum += f64::from(v);
            }
        }
        *g = sum / ((x1 - x0) * (y1 - y0) * 3) as f64;
    }
    (means, grid)
}

struct J2kSample {
    dg2: &'static str,
    size: (u32, u32),
    means: [f64; 3],
    grid: [f64; 16],
}

/// The JPEG 2000 samples, with the fingerprint of OpenJPEG's decode of each.
const J2K_SAMPLES: [J2kSample; 4] = [
    // JP2 file; the 19794-5 record declares 337 x 449, the JP2 header 413 x 531.
    J2kSample {
        dg2: "jmrtd_bsi2008/Datagroup2.bin",
        size: (413, 531),
        means: [171.9, 113.2, 91.3],
        grid: [
            143.1, 67.8, 55.4, 114.8, 182.3, 142.4, 117.3, 132.7, 151.9, 155.3, 113.6, 115.3,
            133.8, 158.0, 116.1, 107.0,
        ],
    },
    // JP2 file (sRGB), three components of equal value: a grey photo.
    J2kSample {
        dg2: "jmrtd_loes2006/ef0102.bin",
        size: (449, 598),
        means: [156.3, 156.3, 156.3],
        grid: [
            232.4, 162.7, 139.4, 228.8, 207.8, 188.0, 150.6, 131.2, 209.7, 210.3, 152.8, 94.9,
            85.8, 149.5, 128.5, 30.7,
        ],
    },
    // ISO 39794-5 records; the same JP2 file in both.
    J2kSample {
        dg2: "gmrtd/dg2_biometric/DG2_ISO39794-5_AllFields.bin",
        size: (413, 531),
        means: [172.2, 141.0, 122.3],
        grid: [
            206.7, 131.9, 122.3, 200.2, 149.0, 141.9, 149.7, 147.2, 129.3, 157.0, 153.5, 101.5,
            144.3, 126.0, 135.9, 127.2,
        ],
    },
    J2kSample {
        dg2: "gmrtd/dg2_biometric/DG2_ISO39794-5_MandFields.bin",
        size: (413, 531),
        means: [172.2, 141.0, 122.3],
        grid: [
            206.7, 131.9, 122.3, 200.2, 149.0, 141.9, 149.7, 147.2, 129.3, 157.0, 153.5, 101.5,
            144.3, 126.0, 135.9, 127.2,
        ],
    },
];

#[test]
fn jpeg_dg2_passes_through_byte_identical() {
    let bytes = vector("gmrtd/dg2_biometric/DG2_ISO19794-5_JPEG.bin");
    let dg2 = DataGroup2::parse(&bytes).unwrap();
    let face = dg2.first_face().unwrap();
    assert_eq!(face.image_type, ImageType::Jpeg);
    let img = face_browser_image(face).unwrap();
    assert_eq!(img.mime, "image/jpeg");
    assert!(!img.converted());
    // Borrowed from the DG2 itself: not even copied.
    assert!(matches!(&img.bytes, Cow::Borrowed(b) if std::ptr::eq(*b, face.data)));
    assert_eq!(
        &img.bytes[..],
        &vector("gmrtd/dg2_biometric/DG2_ISO19794-5_JPEG_expected_image.jpg")[..]
    );
    assert_eq!((img.width, img.height), (148, 70));
    let (w, h, _) = decode_jpeg(&img.bytes);
    assert_eq!((w, h), (148, 70));
}

#[test]
fn jpeg_face_record_passes_through_byte_identical() {
    let jpeg = vector("gmrtd/dg2_biometric/ISO19794-5_FaceRecord_Test1_expected_face.jpg");
    let img = browser_image(ImageType::detect(&jpeg), &jpeg).unwrap();
    assert_eq!(&img.bytes[..], &jpeg[..]);
    let (w, h, _) = decode_jpeg(&jpeg);
    assert_eq!((img.width, img.height), (w, h));
    let owned = img.clone().into_owned();
    assert_eq!(owned, img);
}

#[test]
fn every_jpeg2000_sample_converts_to_a_jpeg_of_its_size() {
    for s in &J2K_SAMPLES {
        let bytes = vector(s.dg2);
        let dg2 = DataGroup2::parse(&bytes).unwrap();
        let face = dg2.first_face().unwrap();
        assert_eq!(face.image_type, ImageType::Jpeg2000, "{}", s.dg2);
        assert_eq!(face.image_size(), Some(s.size), "{}", s.dg2);

        let img = face_browser_image(face).unwrap();
        assert_eq!(img.mime, "image/jpeg", "{}", s.dg2);
        assert!(img.converted(), "{}", s.dg2);
        assert_eq!(ImageType::detect(&img.bytes), ImageType::Jpeg, "{}", s.dg2);
        assert_eq!((img.width, img.height), s.size, "{}", s.dg2);

        // An independent decoder reads the same size, and the pixels are the face OpenJPEG
        // decodes: JPEG quality 90 moves 4 x 4 block means by well under 2 grey levels.
        let (w, h, px) = decode_jpeg(&img.bytes);
        assert_eq!((w, h), s.size, "{}", s.dg2);
        let (means, grid) = fingerprint(w, h, &px);
        for (got, want) in means.iter().zip(&s.means) {
            assert!((got - want).abs() < 1.5, "{}: mean {got} vs {want}", s.dg2);
        }
        for (got, want) in grid.iter().zip(&s.grid) {
            assert!((got - want).abs() < 2.0, "{}: cell {got} vs {want}", s.dg2);
        }
    }
}

#[test]
fn raw_jpeg2000_bytes_convert_without_the_dg2() {
    // The 39794-5 "expected_face.jpg" is a JP2 file despite its name.
    let jp2 = vector("gmrtd/dg2_biometric/DG2_ISO39794-5_expected_face.jpg");
    assert_eq!(ImageType::detect(&jp2), ImageType::Jpeg2000);
    let img = browser_image(ImageType::Jpeg2000, &jp2).unwrap();
    assert_eq!((img.width, img.height), (413, 531));
    assert!(
        format!("{img:?}").contains("bytes>"),
        "Debug shows no pixels"
    );
}

/// The codestream inside a sample's JP2 file (its last box, `jp2c`, runs to the end).
fn codestream_of(dg2: &str) -> Vec<u8> {
    let jp2 = face_bytes(dg2);
    let soc = jp2
        .windows(4)
        .position(|w| w == [0xFF, 0x4F, 0xFF, 0x51])
        .unwrap();
    assert_eq!(&jp2[soc - 4..soc], b"jp2c");
    jp2[soc..].to_vec()
}

#[test]
fn raw_codestream_converts_like_its_jp2_file() {
    // The samples all wrap their codestream in a JP2 file; some cards store the bare codestream
    // (ISO 19794-5 allows both). The Dutch specimen's JP2 says sRGB, which is also what a bare
    // three-component codestream is taken to be, so the output is the same.
    let dg2 = "jmrtd_loes2006/ef0102.bin";
    let raw = codestream_of(dg2);
    assert_eq!(ImageType::detect(&raw), ImageType::Jpeg2000);
    let from_raw = browser_image(ImageType::Jpeg2000, &raw).unwrap();
    let jp2 = face_bytes(dg2);
    let from_jp2 = browser_image(ImageType::Jpeg2000, &jp2).unwrap();
    assert_eq!((from_raw.width, from_raw.height), (449, 598));
    assert_eq!(from_raw.bytes, from_jp2.bytes);
}

#[test]
fn other_formats_are_refused() {
    assert_eq!(
        browser_image(ImageType::Other, b"GIF89a"),
        Err(PhotoError::UnsupportedFormat)
    );
    // A declared type the bytes do not match is malformed, whichever way round.
    let jpeg = face_bytes("gmrtd/dg2_biometric/DG2_ISO19794-5_JPEG.bin");
    let j2k = codestream_of("jmrtd_loes2006/ef0102.bin");
    assert!(matches!(
        browser_image(ImageType::Jpeg2000, &jpeg),
        Err(PhotoError::Malformed { .. })
    ));
    assert!(matches!(
        browser_image(ImageType::Jpeg, &j2k),
        Err(PhotoError::Malformed { .. })
    ));
}

fn set_be32(b: &mut [u8], at: usize, v: u32) {
    b[at..at + 4].copy_from_slice(&v.to_be_bytes());
}

#[test]
fn oversized_dimensions_are_refused() {
    let too_large = |width, height| {
        Err::<BrowserImage<'_>, _>(PhotoError::TooLarge {
            width,
            height,
            max: MAX_DIMENSION,
        })
    };
    // Raw codestream: Xsiz at 8, Ysiz at 12 (XOsiz = YOsiz = 0 in the sample).
    let mut j2k = codestream_of("jmrtd_loes2006/ef0102.bin");
    set_be32(&mut j2k, 8, 40_000);
    assert_eq!(
        browser_image(ImageType::Jpeg2000, &j2k),
        too_large(40_000, 598)
    );
    set_be32(&mut j2k, 8, 449);
    set_be32(&mut j2k, 12, u32::MAX);
    assert_eq!(
        browser_image(ImageType::Jpeg2000, &j2k),
        too_large(449, u32::MAX)
    );

    // JP2 file: the SIZ inside the codestream box is what counts.
    let mut jp2 = face_bytes("jmrtd_bsi2008/Datagroup2.bin");
    let siz = jp2
        .windows(4)
        .position(|w| w == [0xFF, 0x4F, 0xFF, 0x51])
        .unwrap();
    set_be32(&mut jp2, siz + 8, 4097);
    set_be32(&mut jp2, siz + 12, 4097);
    assert_eq!(
        browser_image(ImageType::Jpeg2000, &jp2),
        too_large(4097, 4097)
    );

    // JPEG: the frame header, even though the bytes would pass through undecoded (the browser
    // would decode them).
    let mut jpeg = face_bytes("gmrtd/dg2_biometric/DG2_ISO19794-5_JPEG.bin");
    let sof = jpeg.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
    jpeg[sof + 7..sof + 9].copy_from_slice(&5000u16.to_be_bytes());
    assert_eq!(browser_image(ImageType::Jpeg, &jpeg), too_large(5000, 70));
}

#[test]
fn truncated_samples_are_errors() {
    for dg2 in [
        "jmrtd_bsi2008/Datagroup2.bin",
        "jmrtd_loes2006/ef0102.bin",
        "gmrtd/dg2_biometric/DG2_ISO19794-5_JPEG.bin",
    ] {
        let bytes = face_bytes(dg2);
        let ty = ImageType::detect(&bytes);
        // Every cut inside the headers, then coarser steps through the coded data.
        let cuts = (0..256).chain((256..bytes.len()).step_by(997));
        for cut in cuts {
            let r = browser_image(ty, &bytes[..cut]);
            if cut < 200 {
                // Inside the headers (the JP2 boxes and the codestream's main header, or the
                // JPEG markers up to the frame header): always an error, for every sample.
                assert!(r.is_err(), "{dg2} cut {cut}");
            } else if ty == ImageType::Jpeg2000
                && let Ok(img) = r
            {
                // Later cuts may still decode (lossy layers end early); the size never changes.
                assert_eq!(
                    Some((img.width, img.height)),
                    dg2_size(dg2),
                    "{dg2} cut {cut}"
                );
            }
        }
    }
}

fn dg2_size(dg2: &str) -> Option<(u32, u32)> {
    let bytes = vector(dg2);
    DataGroup2::parse(&bytes).ok()?.first_face()?.image_size()
}

/// The face images the property tests mutate: three JP2 files, a raw codestream and a JPEG.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut v: Vec<_> = [
            "jmrtd_bsi2008/Datagroup2.bin",
            "jmrtd_loes2006/ef0102.bin",
            "gmrtd/dg2_biometric/DG2_ISO39794-5_MandFields.bin",
            "gmrtd/dg2_biometric/DG2_ISO19794-5_JPEG.bin",
        ]
        .iter()
        .map(|f| face_bytes(f))
        .collect();
        v.push(codestream_of("jmrtd_loes2006/ef0102.bin"));
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn mutated_samples_never_panic(
        i in 0usize..5,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in 0usize..4096,
    ) {
        let mut b = seeds()[i].clone();
        // Mostly the headers (where lengths and sizes live), sometimes anywhere.
        for (pos, byte) in edits {
            let at = if pos % 2 == 0 { pos % 256 } else { pos } % b.len();
            b[at] = byte;
        }
        b.truncate(b.len() - cut % b.len());
        for ty in [ImageType::detect(&b), ImageType::Jpeg, ImageType::Jpeg2000] {
            if let Ok(img) = browser_image(ty, &b) {
                prop_assert!(img.width <= MAX_DIMENSION && img.height <= MAX_DIMENSION);
                prop_assert!(img.width > 0 && img.height > 0);
                prop_assert_eq!(ImageType::detect(&img.bytes), ImageType::Jpeg);
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(
        prefix in prop_oneof![
            Just(vec![0xFF, 0x4F, 0xFF, 0x51]),
            Just(vec![0, 0, 0, 0x0C, 0x6A, 0x50, 0x20, 0x20]),
            Just(vec![0xFF, 0xD8, 0xFF]),
            Just(vec![]),
        ],
        tail in proptest::collection::vec(any::<u8>(), 0..512),
    ) {
        let mut b = prefix;
        b.extend(tail);
        for ty in [ImageType::Jpeg, ImageType::Jpeg2000, ImageType::Other] {
            let _ = browser_image(ty, &b);
        }
    }
}
