#![no_main]
//! EF.CardAccess (SecurityInfos).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(infos) = icao9303::card_access::SecurityInfos::parse(data) {
        let _ = infos.preferred_pace();
    }
});
