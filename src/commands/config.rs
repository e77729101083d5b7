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
