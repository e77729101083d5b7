use std::path::PathBuf;

use serde::Serialize;
use trust::{Certificate, MasterList};

use crate::config::Config;
use crate::error::CliError;
use crate::output::Output;
use crate::trust_store;

/// `cccd trust` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TrustCommand {
    /// List the trusted CSCAs: built-in ones and those in the store folder.
    List,
    /// Add a CSCA certificate (DER or PEM), the CSCAs of a master list after verifying it
    /// against --anchor, or a CSCA's CRL (verified with that CSCA).
    Import {
        /// The certificate or master list.
        file: PathBuf,
        /// The master list's trust anchor (for example DE_ROOT_CA_CSCA07.cer).
        #[arg(long, value_name = "FILE")]
        anchor: Vec<PathBuf>,
    },
    /// Remove a certificate from the store by the start of its SHA-256 fingerprint.
    Remove {
        /// Fingerprint prefix (hex, at least 8 digits), as `cccd trust list` prints it.
        fingerprint: String,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CertJson {
    subject: String,
    fingerprint: String,
    not_before: String,
    not_after: String,
    source: String,
}

fn describe(c: &Certificate, source: &str) -> CertJson {
    CertJson {
        subject: c.subject_string(),
        fingerprint: c.fingerprint(),
        not_before: c.not_before().to_string(),
        not_after: c.not_after().to_string(),
        source: source.to_owned(),
    }
}

/// `cccd trust ...`.
pub fn run(out: &Output, cfg: &Config, cmd: &TrustCommand) -> Result<(), CliError> {
    let dir = cfg.trust.store_dir();
    match cmd {
        TrustCommand::List => {
            let list: Vec<CertJson> = trust_store::entries(&cfg.trust, &[], false)?
                .iter()
                .map(|e| describe(&e.cert, &e.source))
                .collect();
            out.emit(&list, || {
                let mut s = format!("store: {}\n", dir.display());
                for c in &list {
                    s += &format!(
                        "{}  {}\n    valid {} to {}, from {}\n",
                        &c.fingerprint[..16],
                        c.subject,
                        c.not_before,
                        c.not_after,
                        c.source
                    );
                }
                s
            });
            Ok(())
        }
        TrustCommand::Import { file, anchor } => {
            let bytes = std::fs::read(file)
                .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", file.display())))?;
            if let Ok(crl) = trust::crl::Crl::load(&bytes) {
                return import_crl(out, cfg, &dir, crl);
            }
            let certs = match Certificate::load(&bytes) {
                Ok(c) => c,
                Err(_) => master_list_cscas(&bytes, anchor)?,
            };
            if certs.iter().any(trust::builtin::is_test_csca) {
                return Err(CliError::BadInput("this is the virtual card's TEST CSCA: it must not go into a store (tests use --allow-test-csca)".into()));
            }
            std::fs::create_dir_all(&dir)
                .map_err(|e| CliError::Other(format!("cannot create {}: {e}", dir.display())))?;
            let mut added = Vec::new();
            for c in &certs {
                let path = dir.join(format!("{}.der", &c.fingerprint()[..16]));
                std::fs::write(&path, c.der()).map_err(|e| {
                    CliError::Other(format!("cannot write {}: {e}", path.display()))
                })?;
                added.push(describe(c, &path.display().to_string()));
            }
            out.emit(&added, || {
                format!(
                    "imported {} certificate(s) into {}",
                    added.len(),
                    dir.display()
                )
            });
            Ok(())
        }
        TrustCommand::Remove { fingerprint } => {
            let prefix = fingerprint.to_ascii_lowercase();
            if prefix.len() < 8 || !prefix.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(CliError::BadInput(
                    "give at least 8 hex digits of the fingerprint".into(),
                ));
            }
            let matches: Vec<PathBuf> = trust_store::certificate_files(&dir)
                .into_iter()
                .filter(|p| {
                    std::fs::read(p)
                        .ok()
                        .and_then(|b| Certificate::load(&b).ok())
                        .is_some_and(|cs| cs.iter().any(|c| c.fingerprint().starts_with(&prefix)))
                })
                .collect();
            match matches.as_slice() {
                [one] => {
                    std::fs::remove_file(one).map_err(|e| {
                        CliError::Other(format!("cannot remove {}: {e}", one.display()))
                    })?;
                    out.emit(
                        &serde_json::json!({"removed": one.display().to_string()}),
                        || format!("removed {}", one.display()),
                    );
                    Ok(())
                }
                [] => Err(CliError::BadInput(format!(
                    "no certificate in {} has a fingerprint starting with {prefix}",
                    dir.display()
                ))),
                _ => Err(CliError::BadInput(
                    "several certificates match: give more digits".into(),
                )),
            }
        }
    }
}

/// The CSCAs of a master list, once its signature and signer chain verify against an anchor.
fn master_list_cscas(bytes: &[u8], anchors: &[PathBuf]) -> Result<Vec<Certificate>, CliError> {
    let list = MasterList::from_bytes(bytes)
        .map_err(|e| CliError::BadInput(format!("neither a certificate nor a master list: {e}")))?;
    if anchors.is_empty() {
        return Err(CliError::BadInput("a master list is trusted only after its signature verifies: give its anchor with --anchor FILE".into()));
    }
    let mut anchor_certs = Vec::new();
    for a in anchors {
        let b = std::fs::read(a)
            .map_err(|e| CliError::BadInput(format!("cannot read {}: {e}", a.display())))?;
        anchor_certs.extend(
            Certificate::load(&b)
                .map_err(|e| CliError::BadInput(format!("{}: {e}", a.display())))?,
        );
    }
    let mut store = trust::CscaStore::new();
    store
        .add_master_list(&list, &anchor_certs, trust::chain::system_now())
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    Ok(store.certificates().to_vec())
}

/// Imports a CRL once it verifies with a CSCA of the store.
fn import_crl(
    out: &Output,
    cfg: &Config,
    dir: &std::path::Path,
    crl: trust::crl::Crl,
) -> Result<(), CliError> {
    let mut store = trust_store::load(&cfg.trust, &[], false)?;
    let der = crl.der().to_vec();
    let revoked = crl.revoked_count();
    store
        .add_crl(crl)
        .map_err(|e| CliError::BadInput(e.to_string()))?;
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::Other(format!("cannot create {}: {e}", dir.display())))?;
    let name = trust::algorithms::HashAlgorithm::Sha256.digest(&der);
    let path = dir.join(format!("{}.crl", hex::encode(&name[..8])));
    std::fs::write(&path, &der)
        .map_err(|e| CliError::Other(format!("cannot write {}: {e}", path.display())))?;
    out.emit(
        &serde_json::json!({"imported": path.display().to_string(), "revoked": revoked}),
        || {
            format!(
                "imported the CRL ({revoked} revoked certificate(s)) as {}",
                path.display()
            )
        },
    );
    Ok(())
}
