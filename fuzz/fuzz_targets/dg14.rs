#![no_main]
//! DG14 (SecurityInfos). The body and the input's layout: `fuzz_targets::dg14`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::dg14(data));
