use std::path::PathBuf;

use trust::{ChipProof, SodVerification};

use crate::config::Config;
use crate::error::CliError;
use crate::output::Output;
use crate::trust_store;

/// `cccd verify` options.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// EF.SOD as read from the card.
    #[arg(long, value_name = "FILE")]
    sod: PathBuf,
    /// A data group read from the card, as N=FILE (repeat for each).
    #[arg(long = "dg", value_name = "N=FILE")]
    dgs: Vec<String>,
    /// Extra trusted CSCAs: certificate files or folders (besides the configured store).
    #[arg(long = "trust", value_name = "DIR|FILE")]
    trust: Vec<PathBuf>,
    /// Judge certificate validity at this date (yyyy-mm-dd) instead of the signing time.
    #[arg(long, value_name = "DATE")]
    at: Option<String>,
    /// Also trust the virtual card's test CSCA.
    #[arg(long)]
    allow_test_csca: bool,
}

/// `cccd verify`: passive authentication of files read earlier, under a CSCA of the issuing
/// state of DG1 when DG1 is given. The chip is not there to prove itself, so the best verdict
/// is `incomplete`.
pub fn run(out: &Output, cfg: &Config, args: &VerifyArgs) -> Result<(), CliError> {
    let read = |p: &PathBuf| {
        std::fs::read(p)
            .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", p.display())))
    };
    let sod = read(&args.sod)?;
    let mut dgs = Vec::new();
    for spec in &args.dgs {
        let (n, path) = spec
            .split_once('=')
            .ok_or_else(|| CliError::BadInput(format!("\"{spec}\": write --dg N=FILE")))?;
        let n: u8 = n
            .trim_start_matches(['D', 'G', 'd', 'g'])
            .parse()
            .ok()
            .filter(|n| (1..=16).contains(n))
            .ok_or_else(|| {
                CliError::BadInput(format!("\"{n}\" is not a data group number 1-16"))
            })?;
        dgs.push((n, read(&PathBuf::from(path))?));
    }
    let at = match &args.at {
        Some(d) => {
            let date: jiff::civil::Date = d
                .parse()
                .map_err(|_| CliError::BadInput(format!("\"{d}\" is not a date yyyy-mm-dd")))?;
            Some(
                der::DateTime::new(
                    date.year() as u16,
                    date.month() as u8,
                    date.day() as u8,
                    12,
                    0,
                    0,
                )
                .map_err(|e| CliError::BadInput(e.to_string()))?,
            )
        }
        None => None,
    };
    let store = trust_store::load(&cfg.trust, &args.trust, args.allow_test_csca)?;
    let refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, d)| (*n, d.as_slice())).collect();
    // ICAO 9303-11 §5.1: the CSCA must be of the issuing state DG1 names (not checked without
    // DG1: the check is then reported not performed).
    let issuing_state = refs
        .iter()
        .find(|(n, _)| *n == 1)
        .and_then(|(_, dg1)| pipeline::issuing_state_of_dg1(dg1));
    let v = SodVerification::new(&sod, Some(&store), at, None).judge(
        &refs,
        issuing_state.as_deref(),
        &ChipProof::NotPerformed("files only: the chip was not there to prove itself".into()),
        None,
    );
    out.emit(&trust_store::verification_json(&v), || {
        trust_store::verification_text(&v)
    });
    Ok(())
}
