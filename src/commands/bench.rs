//! `cccd bench`: repeated full reads with per-phase counts, wall and CPU times, and the time
//! the link model gives at each ISO 14443 bit rate.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use ::apdu::link::{ExchangeRecord, LinkModel};
use ::apdu::{CardConnection, CardTransaction, TransportError};
use cpu_time::ProcessTime;
use icao9303::read::LdsFile;
use icao9303::{AccessKey, Can, DocumentRead, read_document};
use pcsc_backend::Pcsc;
use rand_core::{OsRng, TryRngCore};
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
}

const BIT_RATES: [u32; 4] = [106, 212, 424, 848];
const MAIN_FILES: [LdsFile; 6] = [
    LdsFile::Com,
    LdsFile::Sod,
    LdsFile::Dg(1),
    LdsFile::Dg(13),
    LdsFile::Dg(14),
    LdsFile::Dg(15),
];

/// Records the process CPU time after each exchange, to split CPU time by phase.
struct CpuTrace<T> {
    inner: T,
    marks: Rc<RefCell<Vec<Duration>>>,
}

impl<T: CardTransaction> CardTransaction for CpuTrace<T> {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let r = self.inner.transmit(command);
        if let Ok(t) = ProcessTime::try_now() {
            self.marks.borrow_mut().push(t.as_duration());
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

/// One measured read: the document, per-exchange records and the CPU time after each exchange.
struct Run {
    read: DocumentRead,
    records: Vec<ExchangeRecord>,
    cpu_marks: Vec<Duration>,
    cpu_start: Duration,
}

/// The phases and which steps of a read make them.
const PHASES: [(&str, &[&str]); 4] = [
    ("access", &["cardAccess", "access"]),
    ("files", &["com", "sod", "dg1", "dg13", "dg14", "dg15"]),
    ("photo", &["dg2"]),
    ("total", &[]),
];

fn measure(tx: &mut impl CardTransaction, can: &Can, photo: bool) -> Result<Run, CliError> {
    let marks = Rc::new(RefCell::new(Vec::new()));
    let cpu_start = ProcessTime::try_now()
        .map(|t| t.as_duration())
        .unwrap_or_default();
    let traced = CpuTrace {
        inner: &mut *tx,
        marks: marks.clone(),
    };
    let files: Vec<LdsFile> = if photo {
        [&MAIN_FILES[..], &[LdsFile::Dg(2)]].concat()
    } else {
        MAIN_FILES.to_vec()
    };
    let mut rng = OsRng.unwrap_err();
    let read = read_document(
        traced,
        &AccessKey::Can(can.clone()),
        &files,
        icao9303::read::ReadOptions::default(),
        &mut rng,
    )?;
    let records = read.records.clone();
    let cpu_marks = marks.borrow().clone();
    Ok(Run {
        read,
        records,
        cpu_marks,
        cpu_start,
    })
}

fn phases(runs: &[Run], model: impl Fn(u32) -> LinkModel) -> Vec<Phase> {
    let mut out = Vec::new();
    for (name, steps) in PHASES {
        let Some(first) = runs.first() else { break };
        // The exchange index range of the phase in each run (steps are contiguous).
        let range = |run: &Run| -> (usize, usize) {
            let mut start = None;
            let mut end = 0;
            let mut i = 0usize;
            for s in &run.read.steps {
                let n = s.transfer.apdus as usize;
                if steps.is_empty() || steps.contains(&s.name.as_str()) {
                    start.get_or_insert(i);
                    end = i + n;
                }
                i += n;
            }
            (start.unwrap_or(0), end)
        };
        if !steps.is_empty()
            && !first
                .read
                .steps
                .iter()
                .any(|s| steps.contains(&s.name.as_str()))
        {
            continue;
        }
        let (a, b) = range(first);
        let recs = &first.records[a..b.min(first.records.len())];
        let wall: Vec<Duration> = runs
            .iter()
            .map(|r| {
                r.read
                    .steps
                    .iter()
                    .filter(|s| steps.is_empty() || steps.contains(&s.name.as_str()))
                    .map(|s| s.duration)
                    .sum()
            })
            .collect();
        let cpu: Vec<Duration> = runs
            .iter()
            .map(|r| {
                let (a, b) = range(r);
                let before = if a == 0 {
                    r.cpu_start
                } else {
                    r.cpu_marks.get(a - 1).copied().unwrap_or_default()
                };
                let after = r
                    .cpu_marks
                    .get(b.saturating_sub(1))
                    .copied()
                    .unwrap_or(before);
                after.saturating_sub(before)
            })
            .collect();
        out.push(Phase {
            name,
            apdus: recs.len() as u64,
            bytes_sent: recs.iter().map(|r| r.command as u64).sum(),
            bytes_received: recs.iter().map(|r| r.response as u64).sum(),
            wall_ms: spread(wall),
            cpu_ms: spread(cpu),
            modeled_ms: BIT_RATES
                .iter()
                .map(|k| {
                    (
                        *k,
                        (model(*k).transcript_time(recs).as_secs_f64() * 1e4).round() / 10.0,
                    )
                })
                .collect(),
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
    let mut without = Vec::new();
    let mut with = Vec::new();
    for _ in 0..args.runs {
        for photo in [false, true] {
            let run = {
                let mut tx = conn.begin()?;
                measure(&mut tx, &can, photo)?
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
        },
        with_photo: Scenario {
            phases: phases(&with, model),
        },
    };
    if args.markdown {
        print!("{}", markdown(&report));
        return Ok(());
    }
    out.emit(&report, || {
        let mut s = format!("reader: {}, {} runs per scenario; link model: turnaround {} ms, {} ms per public-key operation\n", report.reader, report.runs, args.turnaround_ms, args.crypto_ms);
        for (title, sc) in [("without photo", &report.without_photo), ("with photo", &report.with_photo)] {
            s += &format!("\n{title}\n{:<8} {:>6} {:>8} {:>9} {:>22} {:>10}   modeled ms at 106/212/424/848 kbit/s\n", "phase", "APDUs", "sent", "received", "wall ms med (min-max)", "CPU ms");
            for p in &sc.phases {
                let m: Vec<String> = p.modeled_ms.values().map(|v| format!("{v:.1}")).collect();
                s += &format!("{:<8} {:>6} {:>8} {:>9} {:>9.2} ({:.2}-{:.2}) {:>10.2}   {}\n", p.name, p.apdus, p.bytes_sent, p.bytes_received, p.wall_ms.median, p.wall_ms.min, p.wall_ms.max, p.cpu_ms.median, m.join(" / "));
            }
        }
        s
    });
    Ok(())
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
