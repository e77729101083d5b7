//! Criterion benchmarks of the terminal side of PACE, BAC, secure messaging and chip
//! authentication.
//!
//! # What is measured, and how the card is kept out of it
//!
//! The protocols are interactive: every answer of the chip depends on the terminal's previous
//! command (fresh ephemeral keys, advancing send sequence counters), so the card's answers cannot
//! be precomputed, and the terminal cannot run against a no-op card either. Each benchmark
//! therefore runs the terminal against an in-process card built from the virtual card's chip
//! side (`card_sim::chip`: [`CardPace`], [`bac::external_authenticate`],
//! [`CardChipAuthentication`]) and this crate's [`CardSecureMessaging`], wrapped in a
//! [`CardTransaction`] that times itself: it adds the wall time spent inside each `transmit`
//! (parsing the command, the card's cryptography, encoding the answer) to a running total.
//! With [`Bencher::iter_custom`] the benchmark reports
//!
//! ```text
//! terminal time = wall time of the whole run - time spent inside the card's transmit
//! ```
//!
//! so the `.../terminal` figures are the terminal's own CPU (plus a few `Instant::now` calls,
//! tens of nanoseconds per APDU). The `.../card` companions report the subtracted part alone,
//! from the same kind of runs, so that terminal + card can be checked against the wall time.
//! Building the card object (e.g. the card's `K_π`) happens before the clock starts.
//!
//! Chip authentication (`ca/...`) runs inside an existing AES-128 secure-messaging session (as
//! after PACE on the CCCD): [`perform_chip_authentication`] with DG14's SecurityInfos (parsed
//! beforehand, as the reader has them from DG14), i.e. choosing the key and protocol, an
//! ephemeral key pair, ECDH with the chip's static key, the session keys, MSE:Set AT + General
//! Authenticate under the old keys, and the confirming SELECT under the new ones. The card side
//! (unwrapping, its ECDH, wrapping) is subtracted as for PACE.
//!
//! Randomness comes from seeded splitmix64 generators: runs are reproducible, yet every
//! iteration draws new keys and nonces, as on a real card.
//!
//! Run with `cargo bench -p icao9303 --bench protocols`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use apdu::{CardTransaction, Command, ExchangeExt, Response, StatusWord, TransportError};
use card_sim::chip::bac;
use card_sim::chip::ca::CardChipAuthentication;
use card_sim::chip::pace::CardPace;
use criterion::{Bencher, Criterion, Throughput, criterion_group, criterion_main};
use icao9303::bac::{derive_bac_keys, perform_bac};
use icao9303::ca::ca_ecdh_oid;
use icao9303::card_access::SecurityInfos;
use icao9303::ec::Curve;
use icao9303::pace::{PaceAlgorithm, PaceParams, perform_pace};
use icao9303::sm::{CardSecureMessaging, SmKeys};
use icao9303::{
    AccessKey, Can, ChipAuthOutcome, Cipher, MrzInfo, SecureMessaging, perform_chip_authentication,
};

/// A seeded, deterministic generator (splitmix64) with the `rand_core` 0.9 traits the API takes.
/// Not cryptographically secure: fine for benchmarks, never for a real session.
struct SplitMix(u64);

impl rand_core::RngCore for SplitMix {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn fill_bytes(&mut self, dst: &mut [u8]) {
        for chunk in dst.chunks_mut(8) {
            let v = self.next_u64().to_be_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

impl rand_core::CryptoRng for SplitMix {}

/// Which share of a run a benchmark reports.
#[derive(Clone, Copy)]
enum Side {
    /// Wall time minus the time spent inside the card.
    Terminal,
    /// The time spent inside the card alone.
    Card,
}

impl Side {
    fn pick(self, total: Duration, card: Duration) -> Duration {
        match self {
            Side::Terminal => total.saturating_sub(card),
            Side::Card => card,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Side::Terminal => "terminal",
            Side::Card => "card",
        }
    }
}

fn ok(data: Vec<u8>) -> Vec<u8> {
    Response::new(data, StatusWord::SUCCESS).to_bytes()
}

// ---------------------------------------------------------------------------------------------
// PACE

/// An in-process chip answering the PACE commands with [`CardPace`], timing itself.
struct PaceCard {
    pace: CardPace,
    rng: SplitMix,
    card_time: Duration,
}

impl PaceCard {
    fn answer(&mut self, command: &[u8]) -> Vec<u8> {
        let cmd = Command::from_bytes(command).unwrap();
        let data = cmd.data();
        match (cmd.cla, cmd.ins) {
            (0x00, 0x22) => ok(vec![]),
            (0x10, 0x86) if data == [0x7C, 0x00] => {
                ok(self.pace.encrypted_nonce(&mut self.rng).unwrap())
            }
            (0x10, 0x86) if data.get(2) == Some(&0x81) => {
                ok(self.pace.map_nonce(data, &mut self.rng).unwrap())
            }
            (0x10, 0x86) => ok(self.pace.agree_key(data, &mut self.rng).unwrap()),
            (0x00, 0x86) => {
                let (answer, _keys) = self
                    .pace
                    .mutual_authenticate(data)
                    .unwrap()
                    .expect("the terminal's token must verify");
                ok(answer)
            }
            _ => panic!("unexpected command {command:02X?}"),
        }
    }
}

impl CardTransaction for PaceCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let start = Instant::now();
        let answer = self.answer(command);
        self.card_time += start.elapsed();
        Ok(answer)
    }
}

fn pace_run(b: &mut Bencher<'_>, curve: Curve, side: Side) {
    let algorithm = PaceAlgorithm::ECDH_GM_AES_128;
    let key = AccessKey::Can(Can::new("123456").unwrap());
    let password = key.pace_password().unwrap();
    let params = PaceParams {
        algorithm,
        curve,
        send_parameter_id: false,
    };
    let mut terminal_rng = SplitMix(0x7E57);
    let mut card_seed = 0xCA4D_u64;
    b.iter_custom(|iters| {
        let mut measured = Duration::ZERO;
        for _ in 0..iters {
            card_seed += 1;
            let mut card = PaceCard {
                pace: CardPace::new(algorithm, curve, &password).unwrap(),
                rng: SplitMix(card_seed),
                card_time: Duration::ZERO,
            };
            let start = Instant::now();
            let sm = perform_pace(&mut card, &key, &params, &mut terminal_rng).unwrap();
            let total = start.elapsed();
            black_box(&sm);
            drop(sm);
            measured += side.pick(total, card.card_time);
        }
        measured
    });
}

fn bench_pace(c: &mut Criterion) {
    let mut group = c.benchmark_group("pace");
    for (name, curve) in [
        ("brainpoolP256r1", Curve::BrainpoolP256r1),
        ("P-256", Curve::NistP256),
        ("brainpoolP384r1", Curve::BrainpoolP384r1),
    ] {
        for side in [Side::Terminal, Side::Card] {
            group.bench_function(format!("{name}/{}", side.name()), |b| {
                pace_run(b, curve, side);
            });
        }
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// BAC

/// An in-process chip answering GET CHALLENGE and EXTERNAL AUTHENTICATE with
/// [`bac::external_authenticate`], timing itself.
struct BacCard<'k> {
    document_keys: &'k SmKeys,
    rng: SplitMix,
    rnd_ic: [u8; 8],
    k_ic: [u8; 16],
    card_time: Duration,
}

impl BacCard<'_> {
    fn answer(&mut self, command: &[u8]) -> Vec<u8> {
        use rand_core::RngCore as _;
        let cmd = Command::from_bytes(command).unwrap();
        match (cmd.cla, cmd.ins) {
            (0x00, 0x84) => {
                self.rng.fill_bytes(&mut self.rnd_ic);
                self.rng.fill_bytes(&mut self.k_ic);
                ok(self.rnd_ic.to_vec())
            }
            (0x00, 0x82) => {
                let answer = bac::external_authenticate(
                    self.document_keys,
                    &self.rnd_ic,
                    &self.k_ic,
                    cmd.data(),
                )
                .unwrap()
                .expect("the terminal's cryptogram must verify");
                ok(answer.response)
            }
            _ => panic!("unexpected command {command:02X?}"),
        }
    }
}

impl CardTransaction for BacCard<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let start = Instant::now();
        let answer = self.answer(command);
        self.card_time += start.elapsed();
        Ok(answer)
    }
}

fn bac_run(b: &mut Bencher<'_>, side: Side) {
    // ICAO 9303-11 Appendix D.2's MRZ information.
    let mrz = MrzInfo::new("L898902C<", "690806", "940623").unwrap();
    // The chip's stored document keys: personalisation data, not per-session work.
    let document_keys = derive_bac_keys(&mrz).unwrap();
    let mut terminal_rng = SplitMix(0xBAC);
    let mut card_seed = 0xCA4D_u64;
    b.iter_custom(|iters| {
        let mut measured = Duration::ZERO;
        for _ in 0..iters {
            card_seed += 1;
            let mut card = BacCard {
                document_keys: &document_keys,
                rng: SplitMix(card_seed),
                rnd_ic: [0; 8],
                k_ic: [0; 16],
                card_time: Duration::ZERO,
            };
            let start = Instant::now();
            let sm = perform_bac(&mut card, &mrz, &mut terminal_rng).unwrap();
            let total = start.elapsed();
            black_box(&sm);
            drop(sm);
            measured += side.pick(total, card.card_time);
        }
        measured
    });
}

fn bench_bac(c: &mut Criterion) {
    let mut group = c.benchmark_group("bac");
    for side in [Side::Terminal, Side::Card] {
        group.bench_function(side.name(), |b| bac_run(b, side));
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// Secure messaging

/// An in-process chip holding one file, answering protected READ BINARY (even INS, offset in
/// P1-P2) through [`CardSecureMessaging`], timing itself.
struct SmCard<'f> {
    sm: CardSecureMessaging,
    file: &'f [u8],
    card_time: Duration,
}

impl SmCard<'_> {
    fn answer(&mut self, command: &[u8]) -> Vec<u8> {
        let cmd = self.sm.unwrap_command(command).unwrap();
        assert_eq!((cmd.cla, cmd.ins), (0x00, 0xB0), "only READ BINARY");
        let offset = usize::from(u16::from_be_bytes([cmd.p1, cmd.p2]));
        let end = (offset + cmd.ne().unwrap()).min(self.file.len());
        let data = self.file[offset..end].to_vec();
        self.sm
            .wrap_response(&Response::new(data, StatusWord::SUCCESS))
            .unwrap()
    }
}

impl CardTransaction for SmCard<'_> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let start = Instant::now();
        let answer = self.answer(command);
        self.card_time += start.elapsed();
        Ok(answer)
    }
}

/// One READ BINARY of `len` bytes per iteration through the terminal's [`SecureMessaging`]
/// (protect the command, then verify and decrypt the response), via `ExchangeExt::exchange` as
/// the file reader calls it. Both sides start a session with SSC zero for each batch; the SSCs
/// then advance with every exchange, as in a real session.
fn sm_run(b: &mut Bencher<'_>, cipher: Cipher, len: usize, side: Side) {
    let k_enc: Vec<u8> = (0..cipher.key_len()).map(|i| i as u8).collect();
    let k_mac: Vec<u8> = (0..cipher.key_len()).map(|i| 0x80 | i as u8).collect();
    let keys = SmKeys::new(cipher, &k_enc, &k_mac).unwrap();
    let ssc = vec![0; cipher.block_len()];
    let file: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
    let read = icao9303::read::read_binary(0, len);
    b.iter_custom(|iters| {
        let mut card = SmCard {
            sm: CardSecureMessaging::new(keys.clone(), &ssc).unwrap(),
            file: &file,
            card_time: Duration::ZERO,
        };
        let mut sm = SecureMessaging::new(&mut card, keys.clone(), &ssc).unwrap();
        let start = Instant::now();
        for _ in 0..iters {
            let r = sm.exchange(black_box(&read)).unwrap();
            assert_eq!(r.data.len(), len);
            black_box(r);
        }
        let total = start.elapsed();
        drop(sm);
        side.pick(total, card.card_time)
    });
}

fn bench_sm(c: &mut Criterion) {
    let mut group = c.benchmark_group("sm");
    for (name, cipher, len, what) in [
        ("aes128", Cipher::Aes128, 223, "wrap+unwrap 223 bytes"),
        ("3des", Cipher::Tdes, 223, "wrap+unwrap 223 bytes"),
        ("aes128", Cipher::Aes128, 20 * 1024, "read 20KB extended"),
    ] {
        group.throughput(Throughput::Bytes(len as u64));
        for side in [Side::Terminal, Side::Card] {
            let id = match side {
                Side::Terminal => format!("{name}/{what}"),
                Side::Card => format!("{name}/{what}/card"),
            };
            group.bench_function(id, |b| sm_run(b, cipher, len, side));
        }
    }
    group.finish();
}

// ---------------------------------------------------------------------------------------------
// Chip authentication

/// An in-process chip in a secure-messaging session answering the CA commands with
/// [`CardChipAuthentication`] (and SELECT with 9000), switching to the new keys as a chip does,
/// timing itself.
struct CaCard {
    sm: CardSecureMessaging,
    ca: CardChipAuthentication,
    card_time: Duration,
}

impl CaCard {
    fn answer(&mut self, command: &[u8]) -> Vec<u8> {
        let cmd = self.sm.unwrap_command(command).unwrap();
        let (response, keys) = if self.ca.handles(&cmd) {
            self.ca.process(&cmd)
        } else {
            assert_eq!(cmd.ins, 0xA4, "only SELECT besides CA");
            (Response::status(StatusWord::SUCCESS), None)
        };
        let wrapped = self.sm.wrap_response(&response).unwrap();
        if let Some(keys) = keys {
            let ssc = vec![0; keys.cipher().block_len()];
            self.sm = CardSecureMessaging::new(keys, &ssc).unwrap();
        }
        wrapped
    }
}

impl CardTransaction for CaCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let start = Instant::now();
        let answer = self.answer(command);
        self.card_time += start.elapsed();
        Ok(answer)
    }
}

fn ca_run(b: &mut Bencher<'_>, curve: Curve, side: Side) {
    let cipher = Cipher::Aes128;
    // The chip's static key (personalisation, not per-session work) and its DG14 SecurityInfos.
    let chip_key = icao9303::ec::random_private_key(curve, &mut SplitMix(0xC41D));
    let chip =
        || CardChipAuthentication::new(&ca_ecdh_oid(cipher), curve, &chip_key, None).unwrap();
    let (info, public_key_info) = chip().security_infos_der().unwrap();
    let body = [info, public_key_info].concat();
    let mut set = match body.len() {
        n @ 0..0x80 => vec![0x31, n as u8],
        n => vec![0x31, 0x81, u8::try_from(n).unwrap()],
    };
    set.extend(body);
    let dg14 = SecurityInfos::parse(&set).unwrap();
    // The PACE session CA runs in.
    let old_keys = SmKeys::new(cipher, &[1; 16], &[2; 16]).unwrap();
    let ssc = vec![0; cipher.block_len()];
    let mut terminal_rng = SplitMix(0x07E5_7CA0);
    b.iter_custom(|iters| {
        let mut measured = Duration::ZERO;
        for _ in 0..iters {
            let mut card = CaCard {
                sm: CardSecureMessaging::new(old_keys.clone(), &ssc).unwrap(),
                ca: chip(),
                card_time: Duration::ZERO,
            };
            let sm = SecureMessaging::new(&mut card, old_keys.clone(), &ssc).unwrap();
            let start = Instant::now();
            let (sm, outcome) = perform_chip_authentication(sm, &dg14, &mut terminal_rng).unwrap();
            let total = start.elapsed();
            assert!(matches!(outcome, ChipAuthOutcome::Passed(_)), "{outcome:?}");
            black_box(&sm);
            drop(sm);
            measured += side.pick(total, card.card_time);
        }
        measured
    });
}

fn bench_ca(c: &mut Criterion) {
    let mut group = c.benchmark_group("ca");
    for (name, curve) in [
        ("brainpoolP256r1", Curve::BrainpoolP256r1),
        ("P-256", Curve::NistP256),
    ] {
        for side in [Side::Terminal, Side::Card] {
            group.bench_function(format!("{name}/{}", side.name()), |b| {
                ca_run(b, curve, side);
            });
        }
    }
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
    targets = bench_pace, bench_bac, bench_sm, bench_ca
}
criterion_main!(benches);
