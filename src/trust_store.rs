//! Loading the trusted CSCAs: the built-in ones, the store folder, extra files given on the
//! command line, and the virtual card's test CSCA only when asked.

use std::path::{Path, PathBuf};

use trust::{Certificate, CscaStore};

use crate::config::TrustConfig;
use crate::error::CliError;

/// Where a trusted certificate came from.
pub struct Entry {
    /// The certificate.
    pub cert: Certificate,
    /// `built-in`, `test (--allow-test-csca)`, or the file.
    pub source: String,
    /// What a built-in CSCA is for (`None` for the others).
    pub purpose: Option<&'static str>,
}

/// Certificate files in a folder (DER or PEM by extension).
pub fn certificate_files(dir: &Path) -> Vec<PathBuf> {
    files_with_extension(dir, &["der", "cer", "crt", "pem"])
}

/// The files of `dir` whose extension is one of `extensions` (any case), sorted; none when
/// the folder cannot be read.
fn files_with_extension(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
        })
        .collect();
    v.sort();
    v
}

/// Every trusted certificate. A store holding the test CSCA is refused unless
/// `allow_test_csca` (a clinic must never trust it by accident).
pub fn entries(
    cfg: &TrustConfig,
    extra: &[PathBuf],
    allow_test_csca: bool,
) -> Result<Vec<Entry>, CliError> {
    let mut out = Vec::new();
    if cfg.builtin {
        for b in trust::builtin::builtin_anchors().map_err(|e| CliError::Other(e.to_string()))? {
            out.push(Entry {
                cert: b.certificate,
                source: "built-in".into(),
                purpose: Some(b.purpose),
            });
        }
    }
    let mut files = certificate_files(&cfg.store_dir());
    for p in extra {
        if p.is_dir() {
            files.extend(certificate_files(p));
        } else {
            files.push(p.clone());
        }
    }
    for path in files {
        let bytes = std::fs::read(&path)
            .map_err(|e| CliError::Config(format!("cannot read {}: {e}", path.display())))?;
        let certs = Certificate::load(&bytes).map_err(|e| {
            CliError::Config(format!("{} is not a certificate: {e}", path.display()))
        })?;
        for cert in certs {
            if trust::builtin::is_test_csca(&cert) && !allow_test_csca {
                return Err(CliError::Config(format!(
                    "{} is the virtual card's TEST CSCA: remove it from the store, or pass --allow-test-csca for a test",
                    path.display()
                )));
            }
            out.push(Entry {
                cert,
                source: path.display().to_string(),
                purpose: None,
            });
        }
    }
    if allow_test_csca {
        let cert = trust::builtin::test_csca().map_err(|e| CliError::Other(e.to_string()))?;
        out.push(Entry {
            cert,
            source: "test (--allow-test-csca)".into(),
            purpose: Some("the virtual card (tests and demo only)"),
        });
    }
    Ok(out)
}

/// The store to verify with.
pub fn load(
    cfg: &TrustConfig,
    extra: &[PathBuf],
    allow_test_csca: bool,
) -> Result<CscaStore, CliError> {
    let mut store = store_of(&entries(cfg, extra, allow_test_csca)?);
    // CRLs come after the certificates: each is accepted only when its CSCA verifies it.
    let mut crls = crl_files(&cfg.store_dir());
    for p in extra.iter().filter(|p| p.is_dir()) {
        crls.extend(crl_files(p));
    }
    for path in crls {
        let bytes = std::fs::read(&path)
            .map_err(|e| CliError::Config(format!("cannot read {}: {e}", path.display())))?;
        let crl = trust::crl::Crl::load(&bytes)
            .map_err(|e| CliError::Config(format!("{} is not a CRL: {e}", path.display())))?;
        store
            .add_crl(crl)
            .map_err(|e| CliError::Config(format!("{}: {e}", path.display())))?;
    }
    Ok(store)
}

/// The certificates of `entries` in a store: self-issued CSCAs trusted as given, link
/// certificates once a CSCA among them verifies them (ICAO 9303-12 §4).
pub fn store_of(entries: &[Entry]) -> CscaStore {
    let mut store = CscaStore::new();
    for e in entries {
        store.add(e.cert.clone());
    }
    store
}

/// CRL files (`*.crl`, DER or PEM) in a folder.
pub fn crl_files(dir: &Path) -> Vec<PathBuf> {
    files_with_extension(dir, &["crl"])
}

/// A verification as JSON: `{"verdict","checks":[{"name","state","reason"}],"warnings"}`.
pub fn verification_json(v: &trust::CardVerification) -> serde_json::Value {
    serde_json::json!({
        "verdict": v.verdict.as_str(),
        "checks": v.checks.iter().map(|c| serde_json::json!({"name": c.name, "state": c.state.as_str(), "reason": c.state.reason()})).collect::<Vec<_>>(),
        "warnings": v.warnings,
    })
}

/// A verification as text lines.
pub fn verification_text(v: &trust::CardVerification) -> String {
    let mut s = format!("\nverdict: {}\n", v.verdict.as_str());
    for c in &v.checks {
        s += &format!(
            "  {:<30} {}{}\n",
            c.name,
            c.state.as_str(),
            c.state
                .reason()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        );
    }
    for w in &v.warnings {
        s += &format!("  warning: {w}\n");
    }
    s
}
