#![no_main]
//! DG15 (Active Authentication's key). The body and the input's layout: `fuzz_targets::dg15`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::dg15(data));
