#![no_main]
//! The citizen record from DG13 (and DG1 when the input splits in two): warnings, never panics.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (dg13, dg1) = match data.split_first() {
        Some((&cut, rest)) if usize::from(cut) < rest.len() => {
            let (a, b) = rest.split_at(usize::from(cut));
            (b, Some(a))
        }
        _ => (data, None),
    };
    let _ = citizen::CitizenRecord::from_files(dg13, dg1);
});
