//! `cccd bench`: repeated full reads with per-phase counts, wall and CPU times, and the time
//! the link model gives at each ISO 14443 bit rate.
//!
//! Each read is the pipeline's, as `cccd read` does it ([`pipeline::read_files`]): access,
//! the files, chip authentication right after DG14/DG15, and the verification of the card
//! ([`trust::SodVerification`] through the pipeline). The `verify` phase is the terminal's work
//! with no exchange: the verification run as soon as the security files and the chip's proof
//! are in (timed from the last exchange before it to the pipeline's `Verified` stage), plus
//! everything after the last exchange (the final verification with the photo's hash, and in the
//! photo scenario the photo's conversion for display). It is subtracted from the phase whose
//! step it fell in, so each phase keeps only its own time; `total` is the whole read.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ::apdu::link::{ExchangeRecord, LinkModel, is_public_key_command};
use ::apdu::{CardConnection, CardTransaction, TransportError};
use cpu_time::ProcessTime;
use icao9303::{AccessKey, Can};
use pcsc_backend::Pcsc;
use pipeline::{CardRead, CardReader, ReadRequest, Stage};
use serde::Serialize;

use crate::config::Config;
use crate::error::CliError;
use crate::output::Output;

/// `cccd bench` options.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Reader to use (exact name or a unique part of it).
    #[arg(long, value_name = "NAME")]
    reader: Option<String>,
    /// The card access number (last 6 digits of the ID).
    #[arg(long, value_name = "N")]
    can: String,
    /// Full reads per scenario.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
    runs: u32,
    /// Link model: the chip's turnaround per block exchange, in ms.
    #[arg(long, value_name = "MS", default_value_t = 1.0)]
    turnaround_ms: f64,
    /// Link model: the chip's time per public-key operation, in ms.
    #[arg(long, value_name = "MS", default_value_t = 60.0)]
    crypto_ms: f64,
    /// Print only the deterministic table (APDUs, bytes, modeled times) in Markdown.
    #[arg(long)]
    markdown: bool,
    /// Extra trusted CSCAs for the verification: certificate files or folders.
    #[arg(long = "trust", value_name = "DIR|FILE")]
    trust: Vec<PathBuf>,
    /// Also trust the virtual card's test CSCA (for benchmarks with `cccd sim`: the chain is
    /// then verified as for a real card, instead of stopping at "unknown issuer").
    #[arg(long)]
    allow_test_csca: bool,
}

const BIT_RATES: [u32; 4] = [106, 212, 424, 848];

/// A point in time, on the wall clock and in process CPU time.
#[derive(Clone, Copy)]
struct Mark {
    wall: Instant,
    cpu: Duration,
}

impl Mark {
    fn now() -> Self {
        Self {
            wall: Instant::now(),
            cpu: ProcessTime::try_now()
                .map(|t| t.as_duration())
                .unwrap_or_default(),
        }
    }
}

/// What happened during one read: a mark after each exchange with its sizes, and when the
/// pipeline's verification ended (with the number of exchanges done before it).
#[derive(Default)]
struct Trace {
    marks: Vec<Mark>,
    records: Vec<ExchangeRecord>,
    verified: Option<(usize, Mark)>,
}

/// Records a [`Mark`] and the sizes of each exchange, to split times by phase.
struct Traced<T> {
    inner: T,
    trace: Rc<RefCell<Trace>>,
}

impl<T: CardTransaction> CardTransaction for Traced<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let r = self.inner.transmit(command);
        let mark = Mark::now();
        let mut trace = self.trace.borrow_mut();
        trace.marks.push(mark);
        if let Ok(answer) = &r {
            trace.records.push(ExchangeRecord {
                command: command.len(),
                response: answer.len(),
                public_key: is_public_key_command(command),
            });
        }
        r
    }
}

#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

fn spread(mut v: Vec<Duration>) -> Spread {
    v.sort();
    let ms = |d: Option<&Duration>| d.map_or(0.0, |d| (d.as_secs_f64() * 1e5).round() / 100.0);
    Spread {
        median: ms(v.get(v.len() / 2)),
        min: ms(v.first()),
        max: ms(v.last()),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Phase {
    name: &'static str,
    apdus: u64,
    bytes_sent: u64,
    bytes_received: u64,
    wall_ms: Spread,
    cpu_ms: Spread,
    /// Modeled link time in ms at each bit rate (kbit/s → ms).
    modeled_ms: std::collections::BTreeMap<u32, f64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Scenario {
    phases: Vec<Phase>,
    /// The verdict of the last read (`unknown-issuer` when no trusted CSCA issued the card's
    /// document signer: the chain's signature is then not verified nor timed).
    verdict: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LinkJson {
    turnaround_ms: f64,
    crypto_ms: f64,
    bits_per_byte: u64,
    block_information_bytes: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BenchJson {
    reader: String,
    runs: u32,
    link: LinkJson,
    without_photo: Scenario,
    with_photo: Scenario,
}

/// One measured read: the pipeline's result and what [`Trace`] saw, between `start` and `end`.
struct Run {
    read: CardRead,
    trace: Trace,
    start: Mark,
    end: Mark,
}

impl Run {
    /// The mark after `n` exchanges (the start for 0).
    fn after(&self, n: usize) -> Mark {
        n.checked_sub(1)
            .and_then(|i| self.trace.marks.get(i).copied())
            .unwrap_or(self.start)
    }

    /// The verification's time inside the read, and the time after the last exchange and that
    /// verification (wall, CPU).
    fn verify_times(&self) -> (Option<Verification>, (Duration, Duration)) {
        let inside = self.trace.verified.map(|(k, end)| {
            let before = self.after(k);
            Verification {
                after_exchanges: k,
                wall: end.wall.saturating_duration_since(before.wall),
                cpu: end.cpu.saturating_sub(before.cpu),
            }
        });
        let last = self.after(self.trace.marks.len());
        let tail_start = match self.trace.verified {
            Some((_, end)) if end.wall > last.wall => end,
            _ => last,
        };
        let tail = (
            self.end.wall.saturating_duration_since(tail_start.wall),
            self.end.cpu.saturating_sub(tail_start.cpu),
        );
        (inside, tail)
    }
}

/// The pipeline's verification during a read.
struct Verification {
    /// How many exchanges were done before it.
    after_exchanges: usize,
    wall: Duration,
    cpu: Duration,
}

/// The phases and which steps of a read make them; `verify` and `total` are computed apart.
const PHASES: [(&str, &[&str]); 6] = [
    ("access", &["cardAccess", "access"]),
    ("files", &["com", "sod", "dg1", "dg13", "dg14", "dg15"]),
    (
        "chipAuth",
        &["chipAuthentication", "activeAuthentication", "reaccess"],
    ),
    ("photo", &["dg2"]),
    ("verify", &[]),
    ("total", &[]),
];

fn measure(
    reader: &mut CardReader,
    tx: &mut impl CardTransaction,
    can: &Can,
    photo: bool,
) -> Result<Run, CliError> {
    let trace = Rc::new(RefCell::new(Trace::default()));
    let mut traced = Traced {
        inner: &mut *tx,
        trace: trace.clone(),
    };
    let start = Mark::now();
    let read = reader.read(
        &mut traced,
        &[AccessKey::Can(can.clone())],
        &ReadRequest::full(photo),
        &mut |stage| {
            if let Stage::Verified(..) = stage {
                let mut t = trace.borrow_mut();
                let done = t.marks.len();
                t.verified = Some((done, Mark::now()));
            }
        },
    )?;
    let end = Mark::now();
    drop(traced);
    let trace = Rc::try_unwrap(trace)
        .map(RefCell::into_inner)
        .unwrap_or_default();
    Ok(Run {
        read,
        trace,
        start,
        end,
    })
}

fn phases(runs: &[Run], model: impl Fn(u32) -> LinkModel) -> Vec<Phase> {
    let modeled = |recs: &[ExchangeRecord]| -> std::collections::BTreeMap<u32, f64> {
        BIT_RATES
            .iter()
            .map(|k| {
                (
                    *k,
                    (model(*k).transcript_time(recs).as_secs_f64() * 1e4).round() / 10.0,
                )
            })
            .collect()
    };
    let mut out = Vec::new();
    for (name, steps) in PHASES {
        let Some(first) = runs.first() else { break };
        if name == "verify" || name == "total" {
            let times = |f: &dyn Fn(&Run) -> (Duration, Duration)| -> (Spread, Spread) {
                let (wall, cpu): (Vec<_>, Vec<_>) = runs.iter().map(f).unzip();
                (spread(wall), spread(cpu))
            };
            let (wall_ms, cpu_ms, recs) = if name == "verify" {
                let (w, c) = times(&|r: &Run| {
                    let (inside, tail) = r.verify_times();
                    let (w, c) =
                        inside.map_or((Duration::ZERO, Duration::ZERO), |v| (v.wall, v.cpu));
                    (w + tail.0, c + tail.1)
                });
                (w, c, &first.trace.records[..0])
            } else {
                let (w, c) = times(&|r: &Run| {
                    (
                        r.end.wall.saturating_duration_since(r.start.wall),
                        r.end.cpu.saturating_sub(r.start.cpu),
                    )
                });
                (w, c, &first.trace.records[..])
            };
            out.push(Phase {
                name,
                apdus: recs.len() as u64,
                bytes_sent: recs.iter().map(|r| r.command as u64).sum(),
                bytes_received: recs.iter().map(|r| r.response as u64).sum(),
                wall_ms,
                cpu_ms,
                // No exchange: 0 ms at every bit rate.
                modeled_ms: modeled(recs),
            });
            continue;
        }
        // The exchange index range of the phase in each run (steps are contiguous).
        let range = |run: &Run| -> (usize, usize) {
            let mut start = None;
            let mut end = 0;
            let mut i = 0usize;
            for s in &run.read.document.steps {
                let n = s.transfer.apdus as usize;
                if steps.contains(&s.name.as_str()) {
                    start.get_or_insert(i);
                    end = i + n;
                }
                i += n;
            }
            (start.unwrap_or(0), end)
        };
        if !first
            .read
            .document
            .steps
            .iter()
            .any(|s| steps.contains(&s.name.as_str()))
        {
            continue;
        }
        let (a, b) = range(first);
        let recs = &first.trace.records[a..b.min(first.trace.records.len())];
        // The verification, when it ran between two exchanges of this phase, is not its time.
        let verification_in = |r: &Run, a: usize, b: usize| {
            r.verify_times()
                .0
                .filter(|v| a <= v.after_exchanges && v.after_exchanges < b)
                .map_or((Duration::ZERO, Duration::ZERO), |v| (v.wall, v.cpu))
        };
        let wall: Vec<Duration> = runs
            .iter()
            .map(|r| {
                let (a, b) = range(r);
                let steps: Duration = r
                    .read
                    .document
                    .steps
                    .iter()
                    .filter(|s| steps.contains(&s.name.as_str()))
                    .map(|s| s.duration)
                    .sum();
                steps.saturating_sub(verification_in(r, a, b).0)
            })
            .collect();
        let cpu: Vec<Duration> = runs
            .iter()
            .map(|r| {
                let (a, b) = range(r);
                let before = r.after(a).cpu;
                let after = if b > a { r.after(b).cpu } else { before };
                after
                    .saturating_sub(before)
                    .saturating_sub(verification_in(r, a, b).1)
            })
            .collect();
        out.push(Phase {
            name,
            apdus: recs.len() as u64,
            bytes_sent: recs.iter().map(|r| r.command as u64).sum(),
            bytes_received: recs.iter().map(|r| r.response as u64).sum(),
            wall_ms: spread(wall),
            cpu_ms: spread(cpu),
            modeled_ms: modeled(recs),
        });
    }
    out
}

/// `cccd bench`.
pub fn run(out: &Output, cfg: &Config, args: &BenchArgs) -> Result<(), CliError> {
    let can = Can::new(&args.can).map_err(|e| CliError::BadInput(e.to_string()))?;
    let pcsc = Pcsc::establish()?;
    let name = super::select_reader(&pcsc, cfg, args.reader.as_deref())?;
    let mut conn = pcsc.connect(&name, cfg.reader.share_mode.into())?;
    let store = crate::trust_store::load(&cfg.trust, &args.trust, args.allow_test_csca)?;
    // The reader's quirks shape the reads, as in `cccd read`.
    let mut reader = CardReader::for_reader(&name)
        .limited(cfg.reader.read_limits())
        .trusting(Some(Arc::new(store)));
    let mut without = Vec::new();
    let mut with = Vec::new();
    for _ in 0..args.runs {
        for photo in [false, true] {
            let run = {
                let mut tx = conn.begin()?;
                measure(&mut reader, &mut tx, &can, photo)?
            };
            if photo {
                with.push(run)
            } else {
                without.push(run)
            }
        }
    }
    let model = |kbps| LinkModel::new(kbps, args.turnaround_ms.max(0.0), args.crypto_ms.max(0.0));
    let report = BenchJson {
        reader: name,
        runs: args.runs,
        link: LinkJson {
            turnaround_ms: args.turnaround_ms,
            crypto_ms: args.crypto_ms,
            bits_per_byte: ::apdu::link::BITS_PER_BYTE,
            block_information_bytes: ::apdu::link::BLOCK_INF,
        },
        without_photo: Scenario {
            phases: phases(&without, model),
            verdict: verdict(&without),
        },
        with_photo: Scenario {
            phases: phases(&with, model),
            verdict: verdict(&with),
        },
    };
    if args.markdown {
        print!("{}", markdown(&report));
        return Ok(());
    }
    out.emit(&report, || {
        let mut s = format!("reader: {}, {} runs per scenario; link model: turnaround {} ms, {} ms per public-key operation\n", report.reader, report.runs, args.turnaround_ms, args.crypto_ms);
        for (title, sc) in [("without photo", &report.without_photo), ("with photo", &report.with_photo)] {
            s += &format!("\n{title} (verdict: {verdict})\n{:<8} {:>6} {:>8} {:>9} {:>22} {:>10}   modeled ms at 106/212/424/848 kbit/s\n", "phase", "APDUs", "sent", "received", "wall ms med (min-max)", "CPU ms", verdict = sc.verdict.unwrap_or("none"));
            for p in &sc.phases {
                let m: Vec<String> = p.modeled_ms.values().map(|v| format!("{v:.1}")).collect();
                s += &format!("{:<8} {:>6} {:>8} {:>9} {:>9.2} ({:.2}-{:.2}) {:>10.2}   {}\n", p.name, p.apdus, p.bytes_sent, p.bytes_received, p.wall_ms.median, p.wall_ms.min, p.wall_ms.max, p.cpu_ms.median, m.join(" / "));
            }
        }
        s
    });
    Ok(())
}

fn verdict(runs: &[Run]) -> Option<&'static str> {
    runs.last()
        .and_then(|r| r.read.verification.as_ref())
        .map(|v| v.verdict.as_str())
}

/// The deterministic part of the report, as the README's table.
fn markdown(report: &BenchJson) -> String {
    let mut s = String::from(
        "| scenario | phase | APDUs | bytes sent | bytes received | modeled ms @106 | @212 | @424 | @848 |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (title, sc) in [
        ("without photo", &report.without_photo),
        ("with photo", &report.with_photo),
    ] {
        for p in &sc.phases {
            let m: Vec<String> = p.modeled_ms.values().map(|v| format!("{v:.1}")).collect();
            s += &format!(
                "| {title} | {} | {} | {} | {} | {} |\n",
                p.name,
                p.apdus,
                p.bytes_sent,
                p.bytes_received,
                m.join(" | ")
            );
        }
    }
    s
}
