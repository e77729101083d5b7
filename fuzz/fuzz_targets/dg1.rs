#![no_main]
//! DG1 (the MRZ). The body and the input's layout: `fuzz_targets::dg1`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::dg1(data));
