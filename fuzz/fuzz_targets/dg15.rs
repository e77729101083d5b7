#![no_main]
//! DG15 (Active Authentication SubjectPublicKeyInfo).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = icao9303::lds::DataGroup15::parse(data);
});
