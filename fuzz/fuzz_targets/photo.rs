#![no_main]
//! The photo shown from DG2 (JPEG 2000 decoded and re-encoded). The body and the input's layout:
//! `fuzz_targets::photo`.
//!
//! The photo crate catches a panic of the third-party JPEG 2000 decoder (defence in depth, as in
//! production); libFuzzer's hook would abort on it before the catch. The standard hook is put
//! back (it prints the panic), so only a panic that escapes the photo crate is a crash (the
//! fuzzer then aborts on it all the same).
static HOOK: std::sync::Once = std::sync::Once::new();

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    HOOK.call_once(|| drop(std::panic::take_hook()));
    fuzz_targets::photo(data)
});
