//! `cccd gateway-sim`: the BHXH gateway simulator (protocol in `crates/eligibility/src/sim/`).

use std::net::SocketAddr;
use std::path::PathBuf;

use eligibility::sim::{self, Fault, SimOptions};
use serde::Serialize;

use crate::error::CliError;
use crate::output::Output;

/// `cccd gateway-sim` options.
#[derive(Debug, clap::Args)]
pub struct GatewaySimArgs {
    /// Address to listen on (port 0 picks a free one; the start-up line says which).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8089")]
    listen: SocketAddr,
    /// Records to serve instead of the seeded ones: a JSON array of card-check answers
    /// (gateway field names) each with the citizen's ID number in "cccd".
    #[arg(long, value_name = "FILE")]
    records: Option<PathBuf>,
    /// Fault on every card check: slow[:MS], 5xx, html, invalid-json, token-expired,
    /// http-401, login-refused; on every co-payment lookup: slow-copayment[:MS],
    /// copayment-500 (repeatable).
    #[arg(long = "fault", value_name = "FAULT")]
    faults: Vec<Fault>,
    /// Session (token) lifetime in seconds.
    #[arg(
        long,
        visible_alias = "session-ttl",
        value_name = "SECONDS",
        default_value_t = 600
    )]
    token_ttl: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AccountJson {
    username: String,
    facility_code: String,
    operator_name: Option<String>,
    operator_id: Option<String>,
    may_query: bool,
    restricted: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StartJson {
    listen: String,
    url: String,
    username: &'static str,
    facility_code: &'static str,
    operator_name: &'static str,
    operator_id: &'static str,
    records: usize,
    faults: Vec<String>,
    accounts: Vec<AccountJson>,
}

/// Runs the simulator until Ctrl-C.
pub fn run(out: &Output, args: &GatewaySimArgs) -> Result<(), CliError> {
    let mut options = SimOptions::default();
    if let Some(path) = &args.records {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", path.display())))?;
        options.records = sim::parse_records(&text)
            .map_err(|e| CliError::BadInput(format!("{}: {e}", path.display())))?;
    }
    options.faults = args.faults.clone();
    options.token_ttl = std::time::Duration::from_secs(args.token_ttl.max(1));
    let records = options.records.len();
    let accounts: Vec<AccountJson> = options
        .accounts
        .iter()
        .map(|a| AccountJson {
            username: a.username.clone(),
            facility_code: a.facility_code.clone(),
            operator_name: a.operators.first().map(|o| o.0.clone()),
            operator_id: a.operators.first().map(|o| o.1.clone()),
            may_query: a.may_query,
            restricted: a.restricted,
        })
        .collect();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let running = sim::start(args.listen, options)
            .await
            .map_err(|e| CliError::Other(format!("cannot listen on {}: {e}", args.listen)))?;
        let start = StartJson {
            listen: running.addr().to_string(),
            url: running.url(),
            username: sim::DEFAULT_USERNAME,
            facility_code: sim::DEFAULT_FACILITY,
            operator_name: sim::DEFAULT_OPERATOR_NAME,
            operator_id: sim::DEFAULT_OPERATOR_ID,
            records,
            faults: args.faults.iter().map(|f| format!("{f:?}")).collect(),
            accounts,
        };
        out.line(&start, || {
            let mut s = format!(
                "Trình mô phỏng cổng BHXH / BHXH gateway simulator: {}\n",
                start.url
            );
            for a in &start.accounts {
                s += &format!(
                    "account {} (password: see docs/eligibility.md), facility {}, operator {} {}{}\n",
                    a.username,
                    a.facility_code,
                    a.operator_name.as_deref().unwrap_or("-"),
                    a.operator_id.as_deref().unwrap_or("-"),
                    match (a.may_query, a.restricted) {
                        (false, _) => " (logs in, may not query)",
                        (_, true) => " (restricted-lookup list)",
                        _ => "",
                    }
                );
            }
            s += &format!(
                "{} records; stats at {}/sim/stats; Ctrl-C to stop",
                start.records, start.url
            );
            s
        });
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = running.wait() => {}
        }
        Ok(())
    })
}
