#![no_main]
//! The API's request bodies. The body and the input's layout: `fuzz_targets::api_body`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::api_body(data));
