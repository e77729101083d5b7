//! Time of [`photo::browser_image`] on each sample face: the JPEG 2000 ones are decoded
//! (`hayro-jpeg2000`) and re-encoded (`jpeg-encoder`); the JPEG one only has its frame header
//! read. `cargo bench -p photo`; numbers in docs/photo.md.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use icao9303::lds::DataGroup2;

fn face(dg2: &str) -> (icao9303::lds::ImageType, Vec<u8>) {
    let path = format!("{}/../../fixtures/{dg2}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).expect(&path);
    let dg2 = DataGroup2::parse(&bytes).unwrap();
    let f = dg2.first_face().unwrap();
    (f.image_type, f.data.to_vec())
}

fn convert(c: &mut Criterion) {
    for (name, dg2) in [
        ("bsi2008_jp2_413x531", "jmrtd_bsi2008/Datagroup2.bin"),
        ("loes2006_jp2_449x598", "jmrtd_loes2006/ef0102.bin"),
        (
            "gmrtd39794_jp2_413x531",
            "gmrtd/dg2_biometric/DG2_ISO39794-5_MandFields.bin",
        ),
        (
            "gmrtd19794_jpeg_passthrough",
            "gmrtd/dg2_biometric/DG2_ISO19794-5_JPEG.bin",
        ),
    ] {
        let (ty, bytes) = face(dg2);
        c.bench_function(name, |b| {
            b.iter(|| photo::browser_image(ty, std::hint::black_box(&bytes)).unwrap())
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = convert
}
criterion_main!(benches);
