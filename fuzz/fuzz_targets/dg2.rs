#![no_main]
//! DG2's face records. The body and the input's layout: `fuzz_targets::dg2`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::dg2(data));
