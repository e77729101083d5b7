#![no_main]
//! EF.SOD (CMS SignedData, BER, LDSSecurityObject).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = icao9303::lds::EfSod::parse(data);
});
