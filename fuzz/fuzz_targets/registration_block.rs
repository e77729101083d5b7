#![no_main]
//! The registration block of the citizen record. The body and the input's layout: `fuzz_targets::registration_block`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::registration_block(data));
