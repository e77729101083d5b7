//! `cccd doctor`'s BHXH gateway checks: one per configured facility account, the account probe
//! of `eligibility::probe_account` (a login, then the fake card `0000000000`: "not found" means
//! the account may query). Nothing is checked when `[eligibility]` is not configured.

use std::sync::Arc;

use eligibility::{Clock, ProbeStatus, SystemClock, probe_account};

use super::checklist::{Check, Status};
use crate::config::Config;

/// The checks' id (the same for every account; the detail names the facility and account).
const ID: &str = "gatewayAccount";
const TITLE: &str = "BHXH gateway account";

fn check(status: Status, detail: String, advice: Option<String>) -> Check {
    Check {
        id: ID,
        title: TITLE,
        status,
        detail,
        advice,
    }
}

/// One check per facility account of `[eligibility]`, each probed against the gateway (two
/// requests per account); none when the section is not configured.
pub(super) fn account_checks(cfg: &Config) -> Vec<Check> {
    let e = &cfg.eligibility;
    if !e.is_configured() && e.facilities.is_empty() {
        return Vec::new();
    }
    let accounts = match e.accounts() {
        Ok(a) => a,
        Err(problem) => return vec![check(Status::Fail, problem, None)],
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(err) => {
            return vec![check(
                Status::Fail,
                format!("no async runtime: {err}"),
                None,
            )];
        }
    };
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    accounts
        .iter()
        .map(|account| {
            let name = match &account.code {
                Some(code) => format!("facility {code}, account {}", account.username),
                None => format!("account {}", account.username),
            };
            let facility = match crate::commands::eligibility::facility(e, account, clock.clone()) {
                Ok(f) => f,
                Err(err) => return check(Status::Fail, format!("{name}: {err}"), None),
            };
            let probe = runtime.block_on(probe_account(
                &facility.client,
                facility.code.as_deref(),
                facility.default_operator.as_ref(),
                clock.as_ref(),
            ));
            let status = match probe.status {
                ProbeStatus::Pass => Status::Pass,
                ProbeStatus::Warn => Status::Warn,
                ProbeStatus::Fail => Status::Fail,
            };
            // An account that looks like an ID number is not echoed (it may be one).
            let name = match probe.account {
                Some(_) => name,
                None => format!(
                    "facility {}",
                    account.code.as_deref().unwrap_or("(no code)")
                ),
            };
            check(
                status,
                format!("{name}: {} ({} ms)", probe.detail, probe.elapsed_ms),
                probe.advice.map(|a| format!("{} / {}", a.vi, a.en)),
            )
        })
        .collect()
}
