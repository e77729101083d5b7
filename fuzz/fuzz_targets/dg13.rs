#![no_main]
//! DG13's numbered values. The body and the input's layout: `fuzz_targets::dg13`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::dg13(data));
