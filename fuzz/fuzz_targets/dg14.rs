#![no_main]
//! DG14 (SecurityInfos).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = icao9303::lds::DataGroup14::parse(data);
});
