#![no_main]
//! DG13 as numbered raw values, including nested values.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(dg13) = icao9303::lds::DataGroup13::parse(data) {
        for field in &dg13.fields {
            for value in &field.values {
                let _ = value.text();
                let _ = value.elements();
            }
        }
    }
});
