#![no_main]
//! DG1 (MRZ).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = icao9303::lds::DataGroup1::parse(data);
});
