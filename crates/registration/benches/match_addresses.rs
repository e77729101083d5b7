//! Criterion benchmark of the address matcher: 10,000 addresses of mixed shapes, built from the
//! tables themselves (the same set every run), matched one after the other. The target is "well
//! under a second" for the 10,000 (issue 17).
//!
//! Shapes, in turn: a new two-level address with a house and street; the same without
//! diacritics or prefixes; abbreviated ("P.", "X.", "TP.", "T."); an old three-level address;
//! an old one abbreviated and without diacritics ("Q.", "H.", "TX.", "TT."); nonsense. The index
//! is built before measuring (once per process, on first use).
//!
//! Run with `cargo bench -p registration --bench match_addresses`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use registration::{
    MatchMethod, communes, match_address, old_communes, old_district, old_province, province,
};

#[path = "../tests/support/mod.rs"]
mod support;
use support::{abbreviated, plain, short};

fn addresses(n: usize) -> Vec<String> {
    let new = communes();
    let old = old_communes();
    let mut out = Vec::with_capacity(n);
    // A small LCG: the same pseudo-random units every run.
    let mut seed: u64 = 0x5eed;
    let mut next = |m: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize % m
    };
    for i in 0..n {
        let a = match i % 6 {
            0..=2 => {
                let c = &new[next(new.len())];
                let p = province(c.province_code).unwrap();
                match i % 6 {
                    0 => format!("Số {} Đường Lê Lợi, {}, {}", i % 200, c.name, p.name),
                    1 => plain(&format!(
                        "Thon {}, {}, {}",
                        i % 9,
                        short(c.name),
                        short(p.name)
                    )),
                    _ => format!("{}, {}", abbreviated(c.name), abbreviated(p.name)),
                }
            }
            3 | 4 => {
                let c = &old[next(old.len())];
                let d = old_district(c.district_code).unwrap();
                let p = old_province(d.province_code).unwrap();
                if i % 6 == 3 {
                    format!("Tổ {}, {}, {}, {}", i % 30, c.name, d.name, p.name)
                } else {
                    plain(&format!(
                        "{}, {}, {}",
                        abbreviated(c.name),
                        abbreviated(d.name),
                        abbreviated(p.name)
                    ))
                }
            }
            _ => format!("Số {} Baker Street, London {}", i, next(1000)),
        };
        out.push(a);
    }
    out
}

fn bench_match(c: &mut Criterion) {
    let list = addresses(10_000);
    // Build the index, and check once that the set is what it claims to be.
    let matched = list
        .iter()
        .filter(|a| match_address(a).method != MatchMethod::NotMatched)
        .count();
    assert!(matched > 8_000, "{matched}");
    let mut group = c.benchmark_group("address");
    group.bench_function("match_address x 10,000 mixed shapes", |b| {
        b.iter(|| {
            for a in &list {
                black_box(match_address(black_box(a)));
            }
        })
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_match
}
criterion_main!(benches);
