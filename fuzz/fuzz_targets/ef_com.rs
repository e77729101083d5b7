#![no_main]
//! EF.COM. The body and the input's layout: `fuzz_targets::ef_com`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::ef_com(data));
