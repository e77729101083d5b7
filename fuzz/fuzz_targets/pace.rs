#![no_main]
//! PACE or BAC over a fuzzed card. The body and the input's layout: `fuzz_targets::pace`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::pace(data));
