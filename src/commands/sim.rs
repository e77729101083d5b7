use std::io::BufRead;
use std::time::Duration;

use ::apdu::link::LinkModel;
use card_sim::{AccessMode, CccdOptions, Control, SimCard, Simulator, vpcd};
use serde::Serialize;

use crate::error::CliError;
use crate::output::{Output, hex_upper};

/// Access protocols the virtual card offers.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum AccessArg {
    /// PACE only.
    Pace,
    /// BAC only (no EF.CardAccess).
    Bac,
    /// PACE and BAC, like the CCCD.
    Both,
}

/// `cccd sim` options.
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// vpcd reader slot: 0 ("Virtual PCD 00 00", port 35963) or 1 ("Virtual PCD 00 01", 35964).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=1))]
    slot: u8,
    /// Address of pcscd's vpcd driver, overriding --slot.
    #[arg(long, value_name = "HOST:PORT")]
    vpcd: Option<String>,
    /// Access protocols the card offers.
    #[arg(long, value_enum, default_value = "both")]
    access: AccessArg,
    /// Refuse extended-length APDUs (6700), like a card behind a short-only reader.
    #[arg(long)]
    no_extended: bool,
    /// Answer 6700 to a READ BINARY asking for more than N bytes.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=65_536))]
    max_read: Option<u32>,
    /// Answer 6Cxx with the right length to a READ BINARY with any other Le.
    #[arg(long)]
    exact_le: bool,
    /// Replace the photo by a data group DG2 of N bytes (up to 65000), to exercise long reads.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(16..=65_000))]
    dg2_size: Option<u32>,
    /// The card's person and quirks, from a profile file (TOML: a [citizen] or a [dump] of a real
    /// card's files); default: the built-in fictional citizen.
    #[arg(long, value_name = "FILE")]
    profile: Option<std::path::PathBuf>,
    /// A fault the card carries: tamper-dg13, bad-sod-signature, expired-ds, clone
    /// (chip/active authentication answered with another key), unknown-csca.
    #[arg(long, value_name = "FAULT", value_parser = ["tamper-dg13", "bad-sod-signature", "expired-ds", "clone", "unknown-csca"])]
    fault: Option<String>,
    /// Write the test PKI's certificates (test CSCA, document signers) as DER files to DIR and exit.
    #[arg(long, value_name = "DIR")]
    write_test_pki: Option<std::path::PathBuf>,
    /// Model a contactless link at this bit rate (kbit/s): every answer waits for the time the
    /// exchange would take on a desk. Off by default.
    #[arg(long, value_name = "KBPS", value_parser = ["106", "212", "424", "848"])]
    link_kbps: Option<String>,
    /// With --link-kbps: the chip's turnaround per block exchange, in ms.
    #[arg(long, value_name = "MS", default_value_t = 1.0, requires = "link_kbps")]
    turnaround_ms: f64,
    /// With --link-kbps: the chip's time per public-key operation (PACE steps, CA, AA), in ms.
    #[arg(
        long,
        value_name = "MS",
        default_value_t = 60.0,
        requires = "link_kbps"
    )]
    crypto_ms: f64,
}

impl SimArgs {
    fn card_options(&self) -> CccdOptions {
        CccdOptions {
            access: match self.access {
                AccessArg::Pace => AccessMode::Pace,
                AccessArg::Bac => AccessMode::Bac,
                AccessArg::Both => AccessMode::Both,
            },
            extended: !self.no_extended,
            max_read: self.max_read.map(|n| n as usize),
            exact_le: self.exact_le,
            dg2_size: self.dg2_size.map(|n| n as usize),
            fault: self.fault.as_deref().and_then(card_sim::Fault::parse),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StartJson {
    vpcd: String,
    reader: Option<String>,
    atr: String,
    uid: String,
    applications: Vec<String>,
    id_number: Option<String>,
    can: Option<String>,
    mrz: Option<Vec<String>>,
    qr: Option<String>,
}

#[derive(Serialize)]
struct ControlJson<'a> {
    control: &'a str,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// `cccd sim`: serves the virtual card until `quit` (or a signal). End of input is not `quit`,
/// so a simulator started with no terminal keeps running.
pub fn run(out: &Output, args: &SimArgs) -> Result<(), CliError> {
    let address = args.vpcd.clone().unwrap_or_else(|| {
        format!(
            "{}:{}",
            vpcd::DEFAULT_HOST,
            vpcd::BASE_PORT + u16::from(args.slot)
        )
    });
    if let Some(dir) = &args.write_test_pki {
        return write_test_pki(out, dir);
    }
    let profile = match &args.profile {
        Some(p) => card_sim::Profile::load(p),
        None => card_sim::Profile::default_profile(),
    }
    .map_err(|e| CliError::BadInput(e.to_string()))?;
    let card = profile.build(&args.card_options());
    let id = card.identity().clone();
    let start = StartJson {
        reader: args
            .vpcd
            .is_none()
            .then(|| format!("Virtual PCD 00 {:02}", args.slot)),
        vpcd: address.clone(),
        atr: hex_upper(&card.atr()),
        uid: hex_upper(&card.files().options().uid),
        applications: card.files().aids().iter().map(|a| hex_upper(a)).collect(),
        id_number: id.id_number.clone(),
        can: id.can.clone(),
        mrz: id.mrz.clone(),
        qr: id.qr.clone(),
    };
    let link = args
        .link_kbps
        .as_deref()
        .and_then(|k| k.parse().ok())
        .map(|kbps| LinkModel::new(kbps, args.turnaround_ms.max(0.0), args.crypto_ms.max(0.0)));
    let sim = Simulator::start_with_link(Box::new(card), &address, link)
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    out.line(&start, || {
        let mut s = format!(
            "virtual CCCD on {} (vpcd {})\n  ATR: {}\n  UID: {}\n  applications: {}\n",
            start.reader.as_deref().unwrap_or("a custom vpcd address"),
            start.vpcd,
            start.atr,
            start.uid,
            start.applications.join(", "),
        );
        let none = "(not given)";
        s += &format!(
            "  ID number: {}\n  CAN: {}\n",
            start.id_number.as_deref().unwrap_or(none),
            start.can.as_deref().unwrap_or(none)
        );
        match &start.mrz {
            Some(lines) => s += &format!("  MRZ: {}\n", lines.join("\n       ")),
            None => s += &format!("  MRZ: {none}\n"),
        }
        s += &format!(
            "  QR: {}\ncommands: insert, remove, remove-after N, quit",
            start.qr.as_deref().unwrap_or(none)
        );
        s
    });
    let out = *out;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if line.trim().is_empty() {
                    continue;
                }
                let word = line.split_whitespace().next().unwrap_or("").to_owned();
                match Control::parse(&line) {
                    Ok(c) => {
                        sim.control(c);
                        // Acknowledge once the change is visible to pcscd's driver, so a script can
                        // go on without guessing.
                        let ok = match c {
                            Control::Insert => sim.wait_connected(true, Duration::from_secs(10)),
                            Control::Remove | Control::RemoveAfter(0) => {
                                sim.wait_connected(false, Duration::from_secs(10))
                            }
                            _ => true,
                        };
                        let error =
                            (!ok).then(|| "pcscd's vpcd driver did not answer in time".to_owned());
                        out.line(
                            &ControlJson {
                                control: &word,
                                ok,
                                error: error.clone(),
                            },
                            || match &error {
                                None => format!("ok: {word}"),
                                Some(e) => format!("failed: {word}: {e}"),
                            },
                        );
                        if c == Control::Quit {
                            break;
                        }
                    }
                    Err(e) => eprintln!("error: {e}"),
                }
            }
        });
        sim.wait_quit();
    });
    Ok(())
}

#[derive(Serialize)]
struct PkiJson {
    written: Vec<String>,
}

/// `cccd sim --write-test-pki DIR`: the test PKI's certificates as DER files. They are made
/// from fixed seeds, so the same files come out on every machine.
fn write_test_pki(out: &Output, dir: &std::path::Path) -> Result<(), CliError> {
    let pki = card_sim::pki::TestPki::new();
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::Other(format!("cannot create {}: {e}", dir.display())))?;
    let mut written = Vec::new();
    for (name, der) in [
        ("test-csca.der", &pki.csca_cert),
        ("test-ds.der", &pki.ds_cert),
        ("test-ds-expired.der", &pki.expired_ds_cert),
        ("untrusted-csca.der", &pki.other_csca_cert),
        ("untrusted-ds.der", &pki.other_ds_cert),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, der)
            .map_err(|e| CliError::Other(format!("cannot write {}: {e}", path.display())))?;
        written.push(path.display().to_string());
    }
    out.emit(
        &PkiJson {
            written: written.clone(),
        },
        || format!("wrote {}", written.join(", ")),
    );
    Ok(())
}
