#![no_main]
//! EF.COM: any bytes must give a value or a typed error, never a panic.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(com) = icao9303::lds::EfCom::parse(data) {
        let _ = com.data_groups();
        let _ = com.lds_version_parts();
    }
});
