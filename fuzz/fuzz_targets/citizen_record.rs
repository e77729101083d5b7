#![no_main]
//! DG13 and DG1 to the citizen record. The body and the input's layout: `fuzz_targets::citizen_record`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::citizen_record(data));
