use std::io::BufRead;
use std::time::Duration;

use card_sim::{Control, SimCard, Simulator, vpcd};
use serde::Serialize;

use crate::error::CliError;
use crate::output::{Output, hex_upper};

/// `cccd sim` options.
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// vpcd reader slot: 0 ("Virtual PCD 00 00", port 35963) or 1 ("Virtual PCD 00 01", 35964).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=1))]
    slot: u8,
    /// Address of pcscd's vpcd driver, overriding --slot.
    #[arg(long, value_name = "HOST:PORT")]
    vpcd: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StartJson {
    vpcd: String,
    reader: Option<String>,
    atr: String,
    uid: String,
    applications: Vec<String>,
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
    let address = args.vpcd.clone().unwrap_or_else(|| format!("{}:{}", vpcd::DEFAULT_HOST, vpcd::BASE_PORT + u16::from(args.slot)));
    let card = card_sim::default_card();
    let start = StartJson {
        reader: args.vpcd.is_none().then(|| format!("Virtual PCD 00 {:02}", args.slot)),
        vpcd: address.clone(),
        atr: hex_upper(&card.atr()),
        uid: hex_upper(&card.options().uid),
        applications: card.aids().iter().map(|a| hex_upper(a)).collect(),
    };
    let sim = Simulator::start(Box::new(card), &address).map_err(|e| CliError::BadInput(e.to_string()))?;
    out.line(&start, || {
        format!(
            "virtual CCCD on {} (vpcd {})\n  ATR: {}\n  UID: {}\n  applications: {}\ncommands: insert, remove, remove-after N, quit",
            start.reader.as_deref().unwrap_or("a custom vpcd address"),
            start.vpcd,
            start.atr,
            start.uid,
            start.applications.join(", ")
        )
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
                            Control::Remove | Control::RemoveAfter(0) => sim.wait_connected(false, Duration::from_secs(10)),
                            _ => true,
                        };
                        let error = (!ok).then(|| "pcscd's vpcd driver did not answer in time".to_owned());
                        out.line(&ControlJson { control: &word, ok, error: error.clone() }, || match &error {
                            None => format!("ok: {word}"),
                            Some(e) => format!("failed: {word}: {e}"),
                        });
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
