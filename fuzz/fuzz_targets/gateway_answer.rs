#![no_main]
//! The BHXH gateway's answers. The body and the input's layout: `fuzz_targets::gateway_answer`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::gateway_answer(data));
