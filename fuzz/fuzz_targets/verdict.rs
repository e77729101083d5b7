#![no_main]
//! A whole card's verdict. The body and the input's layout: `fuzz_targets::verdict`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::verdict(data));
