//! Criterion benchmarks of passive authentication (PA), per signature algorithm.
//!
//! # What one iteration does
//!
//! The whole per-card work of PA, from the bytes as read to the report:
//!
//! 1. parse EF.SOD (`77` template, CMS SignedData, the embedded document signer (DS)
//!    certificate, the LDS security object) with [`EfSod::from_bytes`]; when the SOD does not
//!    embed its DS certificate, parse the DS certificate too ([`Certificate::from_der`]);
//! 2. [`EfSod::verify`]: eContentType, the signed attributes' message digest, the SignerInfo's
//!    signature with the DS key, the DS certificate's signature with the CSCA key, key usage and
//!    validity at the signing time (a chain of 2: DS → CSCA);
//! 3. [`EfSod::verify_data_groups`]: hash each data group read and compare it with the SOD's.
//!
//! The CSCA store is built once, before the clock starts, as it is in a running reader (the
//! trust anchors are loaded at start-up, not per card). `now` is fixed once for the same reason.
//! Before measuring, every case is checked to pass, so a benchmark never times a failure path.
//!
//! # The cases
//!
//! - `test-pki/P-256/6 DGs`: the default virtual card's EF.SOD (P-256 DS under the P-256 test
//!   CSCA, ECDSA-SHA256 everywhere) and its 6 data groups (DG1, DG2 with the JPEG portrait, DG3,
//!   DG13, DG14, DG15).
//! - `test-pki/brainpoolP256r1/6 DGs`: the same 6 data groups signed by the same PKI built on
//!   brainpoolP256r1 (`TestPki::on_curve`).
//! - `real/<country>/...`: the real EF.SODs of `fixtures/gmrtd/sod_*` with their DS and
//!   CSCA certificates, named by the DS key and the CSCA key. The data groups of these passports
//!   are not shipped, so these cases are SOD + chain only (steps 1 and 2); `dg-hashes/...` gives
//!   the cost of step 3 for the virtual card's 6 data groups to add.
//! - `real/DE/...` is the only brainpoolP512r1 material available (RustCrypto has no
//!   brainpoolP512r1 curve, so no bp512 test PKI can be built): a brainpoolP384r1 DS (explicit
//!   parameters) signing the SOD, its certificate signed (ECDSA-SHA512) by a brainpoolP512r1
//!   CSCA. The case therefore measures one bp384 verification + one bp512 verification + the
//!   parsing; `bp512/DS certificate signature` isolates the bp512 verification (the DS
//!   certificate's signature checked with the DE CSCA's key, nothing else).
//!
//! Run with `cargo bench -p trust --bench passive_auth`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use card_sim::Profile;
use card_sim::pki::{self, PkiCurve, Signer2, TestPki};
use criterion::{Criterion, criterion_group, criterion_main};
use trust::{Certificate, CscaStore, EfSod, Report, VerifyOptions};

fn vector(path: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// One passive authentication to measure.
struct Case {
    name: String,
    sod: Vec<u8>,
    /// The DS certificate when the SOD does not embed it (parsed in every iteration).
    ds: Option<Vec<u8>>,
    store: CscaStore,
    data_groups: Vec<(u8, Vec<u8>)>,
}

impl Case {
    /// Steps 1 to 3 of the module documentation; returns the report.
    fn run(&self, now: der::DateTime) -> Report {
        let sod = EfSod::from_bytes(black_box(&self.sod)).unwrap();
        let ds = self
            .ds
            .as_deref()
            .map(|d| Certificate::from_der(d).unwrap());
        let pa = sod.verify(&VerifyOptions {
            document_signer: ds.as_ref(),
            cscas: Some(&self.store),
            at: None,
            now: Some(now),
            issuing_state: None,
            date_of_issue: None,
        });
        let mut report = pa.report;
        let dgs: Vec<(u8, &[u8])> = self
            .data_groups
            .iter()
            .map(|(n, d)| (*n, d.as_slice()))
            .collect();
        sod.verify_data_groups(&dgs, &mut report);
        report
    }
}

/// The default virtual card's 6 data groups (DG1, DG2, DG3, DG13, DG14, DG15), whole files.
fn default_data_groups() -> Vec<(u8, Vec<u8>)> {
    let profile = Profile::default_profile().unwrap();
    profile
        .files
        .iter()
        .filter(|(fid, _, _)| (0x0101..=0x0110).contains(fid))
        .map(|(fid, _, d)| ((fid & 0xFF) as u8, d.clone()))
        .collect()
}

fn default_sod() -> Vec<u8> {
    let profile = Profile::default_profile().unwrap();
    profile
        .files
        .iter()
        .find(|(fid, _, _)| *fid == 0x011D)
        .unwrap()
        .2
        .clone()
}

fn store_of(der: &[u8]) -> CscaStore {
    let mut store = CscaStore::new();
    store.add(Certificate::from_der(der).unwrap());
    store
}

/// The store of a real sample: its CSCA, and when that is a link certificate (`sod_AT`), the
/// CSCAs of the same name from the German master list, one of which issued it (a link
/// certificate is trusted only with its issuer).
fn real_store_of(der: &[u8]) -> CscaStore {
    let mut store = store_of(der);
    let csca = Certificate::from_der(der).unwrap();
    if !store.is_trusted(&csca) {
        let list = trust::MasterList::from_bytes(&vector(
            "gmrtd/master_lists/DE_ML_2026-05-28-08-28-45.ml",
        ))
        .unwrap();
        for c in list.certificates() {
            if c.is_self_issued() && c.subject() == csca.issuer() {
                store.add(c.clone());
            }
        }
    }
    store
}

fn test_pki_cases() -> Vec<Case> {
    let data_groups = default_data_groups();
    assert_eq!(data_groups.len(), 6);
    let p256 = TestPki::new();
    let bp256 = TestPki::on_curve(PkiCurve::BrainpoolP256r1);
    let refs: Vec<(u8, &[u8])> = data_groups
        .iter()
        .map(|(n, d)| (*n, d.as_slice()))
        .collect();
    let profile = Profile::default_profile().unwrap();
    let signing_time = profile.signing_time.unwrap();
    let bp_sod = bp256.sign_sod(
        &refs,
        Signer2::TestDs,
        pki::LDS_SECURITY_OBJECT,
        &signing_time,
    );
    vec![
        Case {
            name: "test-pki/P-256/6 DGs".into(),
            sod: default_sod(),
            ds: None,
            store: store_of(&p256.csca_cert),
            data_groups: data_groups.clone(),
        },
        Case {
            name: "test-pki/brainpoolP256r1/6 DGs".into(),
            sod: bp_sod,
            ds: None,
            store: store_of(&bp256.csca_cert),
            data_groups,
        },
    ]
}

/// The real SODs, named `real/<country>/DS <key> - CSCA <key>`.
fn real_cases() -> Vec<Case> {
    ["UK", "AT", "DE", "AU", "FR", "MY", "NZ", "US"]
        .into_iter()
        .map(|country| {
            let dir = format!("gmrtd/sod_{country}");
            let sod = vector(&format!("{dir}/EF_SOD.bin"));
            let ds_der = vector(&format!("{dir}/DSC.cer"));
            let csca_der = vector(&format!("{dir}/CSCA.cer"));
            let describe = |der: &[u8]| {
                Certificate::from_der(der)
                    .unwrap()
                    .public_key()
                    .unwrap()
                    .describe()
                    .replace(" (explicit parameters)", " explicit")
            };
            let embedded = !EfSod::from_bytes(&sod).unwrap().certificates().is_empty();
            Case {
                name: format!(
                    "real/{country}/DS {} - CSCA {}{}",
                    describe(&ds_der),
                    describe(&csca_der),
                    if embedded { "" } else { " (DS not embedded)" }
                ),
                sod,
                ds: (!embedded).then_some(ds_der),
                store: real_store_of(&csca_der),
                data_groups: Vec::new(),
            }
        })
        .collect()
}

fn bench_pa(c: &mut Criterion) {
    let now = trust::chain::system_now();
    let mut group = c.benchmark_group("pa");
    for case in test_pki_cases().into_iter().chain(real_cases()) {
        let report = case.run(now);
        assert!(report.all_passed(), "{}: {report:#?}", case.name);
        let dg_checks = report
            .checks
            .iter()
            .filter(|c| c.name.starts_with(trust::report::names::DATA_GROUP_PREFIX))
            .count();
        assert_eq!(dg_checks, case.data_groups.len(), "{}", case.name);
        group.bench_function(&case.name, |b| b.iter(|| black_box(case.run(now))));
    }
    group.finish();
}

/// Step 3 alone: the SHA-256 hashes of the virtual card's 6 data groups compared with its SOD.
fn bench_dg_hashes(c: &mut Criterion) {
    let sod = EfSod::from_bytes(&default_sod()).unwrap();
    let data_groups = default_data_groups();
    let bytes: usize = data_groups.iter().map(|(_, d)| d.len()).sum();
    let refs: Vec<(u8, &[u8])> = data_groups
        .iter()
        .map(|(n, d)| (*n, d.as_slice()))
        .collect();
    c.bench_function(
        &format!("pa/dg-hashes/6 DGs of the virtual card ({bytes} bytes, SHA-256)"),
        |b| {
            b.iter(|| {
                let mut report = Report::default();
                sod.verify_data_groups(black_box(&refs), &mut report);
                black_box(report)
            });
        },
    );
}

/// One brainpoolP512r1 ECDSA-SHA512 verification: the DE DS certificate's signature by the DE
/// CSCA (both certificates parsed beforehand).
fn bench_bp512(c: &mut Criterion) {
    let ds = Certificate::from_der(&vector("gmrtd/sod_DE/DSC.cer")).unwrap();
    let csca = Certificate::from_der(&vector("gmrtd/sod_DE/CSCA.cer")).unwrap();
    let key = csca.public_key().unwrap();
    assert!(key.describe().contains("512"), "{}", key.describe());
    ds.verify_signed_by(key).unwrap();
    c.bench_function("pa/bp512/DS certificate signature (DE CSCA)", |b| {
        b.iter(|| ds.verify_signed_by(black_box(key)).unwrap());
    });
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
    targets = bench_pa, bench_dg_hashes, bench_bp512
}
criterion_main!(benches);
