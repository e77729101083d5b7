use std::path::Path;

use serde::Serialize;

use crate::config::{self, Source};
use crate::error::CliError;
use crate::output::Output;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckJson {
    source: Option<String>,
    overrides: Vec<String>,
    effective: Option<serde_json::Value>,
    problems: Vec<String>,
}

/// `cccd config check`: the effective configuration with secrets masked, and every problem.
pub fn check(out: &Output, explicit: Option<&Path>) -> Result<(), CliError> {
    let mut report = CheckJson {
        source: None,
        overrides: Vec::new(),
        effective: None,
        problems: Vec::new(),
    };
    let mut text = String::new();
    match config::load(explicit) {
        Ok(loaded) => {
            report.source = match &loaded.source {
                Source::File(p) => Some(p.display().to_string()),
                Source::Defaults => None,
            };
            report.overrides = loaded.overrides.clone();
            report.problems = config::problems(&loaded);
            let masked = config::masked(&loaded.config);
            report.effective = serde_json::to_value(&masked).ok();
            text = toml::to_string_pretty(&masked).unwrap_or_default();
        }
        Err(e) => report.problems.push(e.to_string()),
    }
    out.emit(&report, || {
        let mut s = match &report.source {
            Some(p) => format!("# configuration file: {p}\n"),
            None if report.problems.is_empty() => format!(
                "# no configuration file found (looked in {}); built-in defaults\n",
                config::default_paths()
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => String::new(),
        };
        for o in &report.overrides {
            s += &format!("# overridden by the environment: {o}\n");
        }
        s += &text;
        if report.problems.is_empty() {
            s += "# no problems found\n";
        }
        for p in &report.problems {
            s += &format!("# problem: {p}\n");
        }
        s
    });
    match report.problems.first() {
        Some(p) => Err(CliError::Config(
            p.trim_start_matches("configuration: ").to_owned(),
        )),
        None => Ok(()),
    }
}

/// `cccd config hash-password`: the first line of standard input (typed, or piped from a
/// password manager) hashed for `[[server.page_logins]] password_hash`. The password is never
/// printed; an empty one is refused.
pub fn hash_password(out: &Output) -> Result<(), CliError> {
    let mut line = zeroize::Zeroizing::new(String::new());
    std::io::stdin().read_line(&mut line).map_err(|e| {
        CliError::Other(format!("cannot read the password from standard input: {e}"))
    })?;
    let password = zeroize::Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned());
    if password.is_empty() {
        return Err(CliError::BadInput(
            "give the password on standard input (its first line): it is empty".into(),
        ));
    }
    let hash = daemon::hash_page_password(&password).map_err(|e| CliError::Other(e.to_string()))?;
    out.emit(&serde_json::json!({ "passwordHash": hash }), || {
        format!("password_hash = \"{hash}\"\n")
    });
    Ok(())
}
