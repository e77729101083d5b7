#![no_main]
//! Secure messaging's response unwrapping. The body and the input's layout: `fuzz_targets::sm_response`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::sm_response(data));
