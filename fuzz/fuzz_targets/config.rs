#![no_main]
//! The configuration file: `src/config.rs`'s `parse(text, vars)`, then the masked copy that
//! `cccd config check` prints. Parts: the file's text (UTF-8, as the binary reads it), then the
//! environment, one `NAME=value` a line (names with `=` or NUL, which no environment holds, are
//! left out). The replay test feeds the same input to `cccd config check`.
//!
//! The fuzz workspace cannot depend on a binary, and the configuration is the binary's own
//! module: it is compiled here from its source, with the four sibling modules it names
//! (`crate::desk`, `crate::logging`, `crate::paths`, `crate::error`), unchanged.
#![allow(dead_code, unused_imports)]

#[path = "../../src"]
mod cli {
    pub mod config;
    pub mod desk;
    pub mod error;
    pub mod logging;
    pub mod paths;
}

use cli::{desk, error, logging, paths};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let parts = fuzz_targets::parts(data);
    let Ok(text) = std::str::from_utf8(parts[0]) else {
        return;
    };
    let vars: Vec<(String, String)> = parts
        .get(1)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, v)| !k.is_empty() && !k.contains('\0') && !v.contains('\0'))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    if let Ok((config, _)) = cli::config::parse(text, &vars) {
        let masked = cli::config::masked(&config);
        let _ = toml::to_string_pretty(&masked);
        let _ = serde_json::to_value(&masked);
    }
});
