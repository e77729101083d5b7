#![no_main]
//! EF.SOD, its certificates and the verification without a store. The body and the input's layout: `fuzz_targets::ef_sod`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::ef_sod(data));
