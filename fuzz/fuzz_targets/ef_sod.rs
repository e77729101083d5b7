#![no_main]
//! EF.SOD with the parser every verdict uses (`trust::EfSod`: CMS SignedData, BER normalised to
//! DER, LDSSecurityObject, embedded certificates).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = trust::EfSod::from_bytes(data);
});
