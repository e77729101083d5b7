//! The fuzz targets' committed inputs as ordinary tests: every file of `fuzz/corpus/<target>/`
//! (the minimized corpus of the last fuzzing run) and `fuzz/regressions/<target>/` (the inputs
//! that once crashed a target, kept after the fix) goes through the target's function of
//! `crates/fuzz-targets`, and must not panic. CI runs no coverage-guided fuzzing (`scripts/fuzz`
//! does, docs/fuzzing.md); this keeps what it found from coming back.
//!
//! The configuration file's target compiles the binary's own module, which a test of the root
//! package cannot call: its inputs go to `cccd config check` instead (the file, and the
//! environment of the input's second part), which must answer (exit 0, or 7 for a configuration
//! it refuses) without a panic.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// The committed inputs of `target`: its corpus, then its regressions.
fn inputs(target: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for kind in ["corpus", "regressions"] {
        let dir = fuzz_dir().join(kind).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

#[test]
fn every_committed_input_goes_through_its_target_without_a_panic() {
    let mut failures = Vec::new();
    for t in fuzz_targets::TARGETS {
        let files = inputs(t.name);
        assert!(
            !files.is_empty(),
            "fuzz/corpus/{} is empty: run scripts/fuzz --minimize {}",
            t.name,
            t.name
        );
        for file in files {
            let data = std::fs::read(&file).unwrap();
            if std::panic::catch_unwind(|| (t.run)(&data)).is_err() {
                failures.push(file.display().to_string());
            }
        }
    }
    assert!(failures.is_empty(), "inputs that panic: {failures:#?}");
}

#[test]
fn every_folder_is_a_target() {
    for kind in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind)) else {
            continue;
        };
        for e in entries {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                name == "config" || fuzz_targets::target(&name).is_some(),
                "fuzz/{kind}/{name} is no target's"
            );
        }
    }
}

/// The input's environment: one `NAME=value` a line of the second part, as the fuzz target
/// reads it.
fn environment(part: Option<&[u8]>) -> Vec<(String, String)> {
    String::from_utf8_lossy(part.unwrap_or_default())
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, v)| !k.is_empty() && !k.contains('\0') && !v.contains('\0'))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn configuration_inputs_get_an_answer_from_cccd_config_check() {
    let files = inputs("config");
    assert!(!files.is_empty(), "fuzz/corpus/config is empty");
    let dir = std::env::temp_dir().join(format!("cccd-fuzz-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for file in files {
        let data = std::fs::read(&file).unwrap();
        let parts = fuzz_targets::parts(&data);
        let config = dir.join("config.toml");
        std::fs::write(&config, parts[0]).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_cccd"))
            .args(["config", "check", "--config"])
            .arg(&config)
            .env_clear()
            .envs(environment(parts.get(1).copied()))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !matches!(out.status.code(), Some(0 | 7)) || stderr.contains("panicked") {
            failures.push(format!("{}: {:?} {stderr}", file.display(), out.status));
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(failures.is_empty(), "{failures:#?}");
}
