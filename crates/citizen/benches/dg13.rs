//! Criterion benchmarks of DG13 parsing on the default virtual card's DG13 (the CCCD's
//! citizen data: the `6D` template with one SEQUENCE per numbered field, UTF-8 values):
//!
//! - `dg13/DataGroup13::parse`: the generic LDS parse of `icao9303` (TLV walk, fields and
//!   their values, no interpretation);
//! - `dg13/CitizenRecord::from_files (DG13 + DG1)`: what the reader does with it, as the
//!   pipeline calls it: the parse above, then every field interpreted (ID number, dates, sex,
//!   names in NFC, parents, old ID...), and the consistency checks against DG1's MRZ.
//!
//! Run with `cargo bench -p citizen --bench dg13`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use card_sim::Profile;
use citizen::CitizenRecord;
use criterion::{Criterion, criterion_group, criterion_main};
use icao9303::lds::DataGroup13;

fn default_file(fid: u16) -> Vec<u8> {
    let profile = Profile::default_profile().unwrap();
    profile
        .files
        .into_iter()
        .find(|(f, _, _)| *f == fid)
        .unwrap()
        .2
}

fn bench_dg13(c: &mut Criterion) {
    let dg13 = default_file(0x010D);
    let dg1 = default_file(0x0101);
    // Check once that the default card's DG13 is the citizen it should be, without warnings.
    let record = CitizenRecord::from_files(&dg13, Some(&dg1)).unwrap();
    assert!(record.id_number.is_some() && record.full_name.is_some());
    assert!(record.warnings.is_empty(), "{:?}", record.warnings);
    let mut group = c.benchmark_group("dg13");
    group.bench_function(format!("DataGroup13::parse ({} bytes)", dg13.len()), |b| {
        b.iter(|| DataGroup13::parse(black_box(&dg13)).unwrap())
    });
    group.bench_function("CitizenRecord::from_files (DG13 + DG1)", |b| {
        b.iter(|| CitizenRecord::from_files(black_box(&dg13), Some(black_box(&dg1))).unwrap());
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_dg13
}
criterion_main!(benches);
