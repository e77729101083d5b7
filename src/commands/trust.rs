use std::path::PathBuf;

use serde::Serialize;
use trust::{Certificate, CscaStore, MasterList, Standing};

use crate::config::Config;
use crate::error::CliError;
use crate::output::Output;
use crate::trust_store;

/// `cccd trust` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum TrustCommand {
    /// List the trusted CSCAs and link certificates: built-in ones (with what each is for) and
    /// those in the store folder.
    List,
    /// Add a CSCA certificate (DER or PEM), a link certificate to a CSCA's successor (verified
    /// with the CSCA already trusted that issued it), the CSCAs of a master list after
    /// verifying it against --anchor, or a CSCA's CRL (verified with that CSCA).
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
    /// Colon-separated hex, as certificate viewers show it; a document signer names its CSCA
    /// by this value (its authority key identifier).
    subject_key_identifier: Option<String>,
    not_before: String,
    not_after: String,
    source: String,
    /// What a built-in CSCA is for.
    purpose: Option<&'static str>,
    /// `csca` (self-issued) or `link` (a link certificate, ICAO 9303-12 §4).
    kind: &'static str,
    /// Whether verification uses it: always for a CSCA; for a link certificate, only once a
    /// trusted CSCA verifies it.
    trusted: bool,
    /// For a link certificate: the CSCA that verified it, or why none did.
    #[serde(skip_serializing_if = "Option::is_none")]
    link_issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    untrusted_because: Option<String>,
}

fn describe(
    c: &Certificate,
    source: &str,
    purpose: Option<&'static str>,
    store: &CscaStore,
) -> CertJson {
    let standing = store.standing(c);
    CertJson {
        subject: c.subject_string(),
        fingerprint: c.fingerprint(),
        subject_key_identifier: c.subject_key_identifier_hex(),
        not_before: c.not_before().to_string(),
        not_after: c.not_after().to_string(),
        source: source.to_owned(),
        purpose,
        kind: if c.is_self_issued() { "csca" } else { "link" },
        trusted: store.is_trusted(c),
        link_issuer: match standing {
            Some(Standing::Link { issuer }) => Some(issuer.subject_string()),
            _ => None,
        },
        untrusted_because: match standing {
            Some(Standing::Untrusted { reason }) => Some(reason.to_owned()),
            _ => None,
        },
    }
}

/// The text of `cccd trust list` and `cccd trust import` for one certificate.
fn describe_text(c: &CertJson) -> String {
    let mut s = format!("{}  {}\n", &c.fingerprint[..16], c.subject);
    if let Some(p) = c.purpose {
        s += &format!("    for {p}\n");
    }
    s += &format!(
        "    valid {} to {}, key id {}, from {}\n",
        c.not_before,
        c.not_after,
        c.subject_key_identifier.as_deref().unwrap_or("(none)"),
        c.source
    );
    match (&c.link_issuer, &c.untrusted_because) {
        (Some(issuer), _) => s += &format!("    link certificate, trusted: issued by {issuer}\n"),
        (None, Some(why)) => s += &format!("    NOT TRUSTED: {why}\n"),
        (None, None) => {}
    }
    s
}

/// `cccd trust ...`.
pub fn run(out: &Output, cfg: &Config, cmd: &TrustCommand) -> Result<(), CliError> {
    let dir = cfg.trust.store_dir();
    match cmd {
        TrustCommand::List => {
            let entries = trust_store::entries(&cfg.trust, &[], false)?;
            let store = trust_store::store_of(&entries);
            let list: Vec<CertJson> = entries
                .iter()
                .map(|e| describe(&e.cert, &e.source, e.purpose, &store))
                .collect();
            out.emit(&list, || {
                let mut s = format!("store: {}\n", dir.display());
                for c in &list {
                    s += &describe_text(c);
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
            let (certs, from_list) = match Certificate::load(&bytes) {
                Ok(c) => (c, false),
                Err(_) => (master_list_cscas(&bytes, anchor)?, true),
            };
            if certs.iter().any(trust::builtin::is_test_csca) {
                return Err(CliError::BadInput("this is the virtual card's TEST CSCA: it must not go into a store (tests use --allow-test-csca)".into()));
            }
            // The store as it is, then what the file adds, in order: a link certificate must
            // verify with a CSCA trusted before it (ICAO 9303-12 §4). A master list's
            // certificates are vouched for by its verified signature.
            let mut store = trust_store::load(&cfg.trust, &[], false)?;
            for c in &certs {
                if !from_list {
                    check_importable(file, c, &store)?;
                }
                store.add(c.clone());
            }
            std::fs::create_dir_all(&dir)
                .map_err(|e| CliError::Other(format!("cannot create {}: {e}", dir.display())))?;
            let mut added = Vec::new();
            for c in &certs {
                let path = dir.join(format!("{}.der", &c.fingerprint()[..16]));
                std::fs::write(&path, c.der()).map_err(|e| {
                    CliError::Other(format!("cannot write {}: {e}", path.display()))
                })?;
                added.push(describe(c, &path.display().to_string(), None, &store));
            }
            out.emit(&added, || {
                let mut s = format!(
                    "imported {} certificate(s) into {}\n",
                    added.len(),
                    dir.display()
                );
                if added.len() <= 10 {
                    for c in &added {
                        s += &describe_text(c);
                    }
                }
                s
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

/// Whether `c` (from `file`) may go into the store: a self-issued CSCA whose self-signature
/// verifies (or uses an algorithm we cannot check), or a link certificate (ICAO 9303-12 §4,
/// §7.1.1.1) that a CSCA already trusted verifies.
fn check_importable(
    file: &std::path::Path,
    c: &Certificate,
    store: &CscaStore,
) -> Result<(), CliError> {
    if c.is_self_issued() {
        let own = c.public_key().and_then(|k| c.verify_signed_by(k));
        return match own {
            Ok(()) | Err(trust::TrustError::Unsupported(_)) => Ok(()),
            Err(e) => Err(CliError::BadInput(format!(
                "{}: {} names itself as issuer but its self-signature does not verify ({e}): not imported",
                file.display(),
                c.subject_string()
            ))),
        };
    }
    match store.verify_link_certificate(c) {
        Ok(_) => Ok(()),
        Err(e) => Err(CliError::BadInput(format!(
            "{}: {} is a link certificate issued by {}, and no trusted CSCA verifies it ({}): not imported. Import the CSCA that issued it first (its own certificate, or a master list that holds it).",
            file.display(),
            c.subject_string(),
            c.issuer_string(),
            e.to_string().trim_start_matches("untrusted: ")
        ))),
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
