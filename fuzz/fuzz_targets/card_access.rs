#![no_main]
//! EF.CardAccess (SecurityInfos). The body and the input's layout: `fuzz_targets::card_access`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::card_access(data));
