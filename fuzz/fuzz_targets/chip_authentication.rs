#![no_main]
//! Chip Authentication over a fuzzed card. The body and the input's layout: `fuzz_targets::chip_authentication`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::chip_authentication(data));
