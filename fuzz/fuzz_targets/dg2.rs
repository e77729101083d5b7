#![no_main]
//! DG2 (face records, ISO 19794-5 and 39794-5) and the image size readers.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(dg2) = icao9303::lds::DataGroup2::parse(data) {
        for face in &dg2.faces {
            let _ = face.size();
        }
    }
});
