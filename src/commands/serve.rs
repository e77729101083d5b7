//! `cccd serve`: the daemon (REST API, event stream, reception page) on the configured
//! addresses, with a card worker per PC/SC reader.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use daemon::audit::Audit;
use daemon::{AppState, RecheckOptions, ServerConfig, StateOptions};
use eligibility::{RecheckPolicy, RecheckQueue, SystemClock};
use serde::Serialize;

use crate::config::{Config, EligibilityConfig};
use crate::error::CliError;
use crate::output::Output;

/// `cccd serve` options.
#[derive(Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// Listen on this address instead of [server] listen (repeatable).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Vec<String>,
    /// Trust the virtual card's TEST CSCA (for tests with `cccd sim`; never at a clinic).
    #[arg(long)]
    allow_test_csca: bool,
}

/// The start-up line.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartLine {
    /// The reception page.
    pub url: String,
    /// Every address listened on.
    pub listen: Vec<String>,
    /// The demo's API key (demo only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// The demo's virtual reader (demo only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reader: Option<String>,
    /// The virtual card's CAN (demo only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub can: Option<String>,
    /// The gateway simulator (demo only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    /// The addresses of `[server] metrics_listen`, when configured.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics_listen: Vec<String>,
}

/// The tokio runtime of the daemon.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("cccd-daemon")
        .build()
        .map_err(|e| CliError::Other(format!("cannot start the async runtime: {e}")))
}

/// Resolves when Ctrl-C or (Unix) SIGTERM arrives.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// The page's URL for the first bound address.
pub fn page_url(addrs: &[std::net::SocketAddr]) -> String {
    addrs
        .first()
        .map_or_else(String::new, |a| format!("http://{a}/"))
}

fn audit(cfg: &ServerConfig) -> Result<Option<Audit>, CliError> {
    if cfg.audit_disabled {
        tracing::warn!("the audit log is disabled ([server] audit_disabled)");
        return Ok(None);
    }
    let path = cfg
        .audit_path
        .clone()
        .or_else(|| crate::paths::data_dir().map(|d| d.join("audit.sqlite")))
        .ok_or_else(|| CliError::Config("[server] audit_path: no data folder; set it".into()))?;
    let key = cfg
        .audit_key_path
        .clone()
        .unwrap_or_else(|| path.with_file_name("audit.key"));
    // The folders are created owner-only here (on Windows the files inherit the folder's access
    // list; the audit module sets the Unix modes of the files themselves).
    for dir in [path.parent(), key.parent()]
        .into_iter()
        .flatten()
        .filter(|d| !d.as_os_str().is_empty())
    {
        crate::private_dir::ensure(dir)
            .map_err(|e| CliError::Config(format!("cannot create {}: {e}", dir.display())))?;
    }
    Audit::open(&path, &key)
        .map(Some)
        .map_err(|e| CliError::Config(e.to_string()))
}

/// The re-check queue's file: `recheck_path`, else beside the offline cache when its path is
/// set, else the user's data folder.
fn recheck_path(cfg: &EligibilityConfig) -> Option<PathBuf> {
    const FILE: &str = "eligibility-rechecks.sqlite";
    cfg.recheck_path
        .clone()
        .or_else(|| cfg.cache_path.as_ref().map(|p| p.with_file_name(FILE)))
        .or_else(|| crate::paths::data_dir().map(|d| d.join(FILE)))
}

/// The durable re-check queue of `[eligibility]` (the law's fallback when the gateway is down).
fn rechecks(cfg: &EligibilityConfig) -> Result<RecheckOptions, CliError> {
    let path = recheck_path(cfg).ok_or_else(|| {
        CliError::Config("[eligibility] recheck_path: no data folder; set it".into())
    })?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private_dir::ensure(dir)
            .map_err(|e| CliError::Config(format!("cannot create {}: {e}", dir.display())))?;
    }
    let first_delay = Duration::from_secs(cfg.recheck_delay_secs.max(1));
    let policy = RecheckPolicy {
        first_delay,
        max_delay: Duration::from_secs(cfg.recheck_max_delay_secs).max(first_delay),
        keep_for: Duration::from_secs(cfg.recheck_keep_secs.max(1)),
        // A re-check is never given out twice while one may still be waiting for its answer.
        lease: Duration::from_secs(2 * (cfg.connect_timeout_secs + cfg.timeout_secs))
            .max(Duration::from_secs(30)),
    };
    let queue = RecheckQueue::open(&path, Arc::new(SystemClock), policy)
        .map_err(|e| CliError::Config(format!("[eligibility] {e}")))?;
    tracing::info!(path = %path.display(), "re-check queue");
    Ok(RecheckOptions {
        queue: Arc::new(queue),
        // Due items wait at most this long past their time; a gateway still down gets one
        // request per round.
        poll: first_delay.min(Duration::from_secs(15)),
    })
}

/// The push of `[push]` (None when it names no endpoint), started on the current runtime: the
/// outbox at `outbox_path`, else `push-outbox.sqlite` in the data folder (created owner-only).
pub fn start_push(cfg: &Config) -> Result<Option<Arc<push::Pusher>>, CliError> {
    if !cfg.push.is_enabled() {
        return Ok(None);
    }
    let path = match (&cfg.push.outbox_path, crate::paths::data_dir()) {
        (Some(p), _) => p.clone(),
        (None, Some(dir)) => cfg.push.outbox_path_in(&dir),
        (None, None) => {
            return Err(CliError::Config(
                "[push] outbox_path: no data folder; set it".into(),
            ));
        }
    };
    // The folder owner-only (on Windows the file inherits the folder's access list).
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        crate::private_dir::ensure(dir)
            .map_err(|e| CliError::Config(format!("cannot create {}: {e}", dir.display())))?;
    }
    let pusher = push::Pusher::start(&cfg.push, &cfg.desk.name(), &path)
        .map_err(|e| CliError::Config(e.to_string()))?;
    tracing::info!(
        path = %path.display(),
        endpoints = cfg.push.endpoints.len(),
        "push: events go to the [push] endpoints"
    );
    Ok(Some(Arc::new(pusher)))
}

/// `cccd serve`: until Ctrl-C (or SIGTERM).
pub fn run(out: &Output, cfg: &Config, args: &ServeArgs) -> Result<(), CliError> {
    run_until(out, cfg, args, shutdown_signal())
}

/// The daemon until `shutdown` resolves (the Windows service passes the service manager's stop).
pub fn run_until(
    out: &Output,
    cfg: &Config,
    args: &ServeArgs,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), CliError> {
    let mut server = cfg.server.clone();
    if !args.listen.is_empty() {
        server.listen = args.listen.clone();
    }
    let problems = server.problems();
    if !problems.is_empty() {
        return Err(CliError::Config(problems.join("; ")));
    }
    if server.api_keys.is_empty() {
        tracing::warn!(
            "[server] api_keys is empty: only the reception page can use the API; add a key for the HIS"
        );
    }
    // Refuses a store holding the test CSCA unless --allow-test-csca.
    let store = crate::trust_store::load(&cfg.trust, &[], args.allow_test_csca)?;
    let (eligibility, rechecks) = match cfg.eligibility.gateway_url {
        Some(_) => (
            Some(Arc::new(super::eligibility::service(&cfg.eligibility)?)),
            Some(rechecks(&cfg.eligibility)?),
        ),
        None => {
            tracing::warn!(
                "[eligibility] is not configured: reads are served without the insurance check"
            );
            (None, None)
        }
    };
    let audit = audit(&server)?;
    let rt = runtime()?;
    let share = cfg.reader.share_mode.into();
    let ignore = cfg.reader.ignore.clone();
    let default_reader = cfg.reader.name.clone();
    let read_limits = cfg.reader.read_limits();
    let desk = cfg.desk.name();
    rt.block_on(async move {
        let bound = daemon::bind(&server.listen)
            .await
            .map_err(|e| CliError::Config(e.to_string()))?;
        let hosts = daemon::host_names(&bound.addrs);
        let metrics = if server.metrics_listen.is_empty() {
            None
        } else {
            Some(
                daemon::bind_metrics(&server.metrics_listen)
                    .await
                    .map_err(|e| CliError::Config(e.to_string()))?,
            )
        };
        let push = start_push(cfg)?;
        let state = AppState::new(
            server,
            StateOptions {
                hosts,
                eligibility,
                rechecks,
                trust: Some(Arc::new(store)),
                audit,
                demo: false,
                default_reader,
                read_limits,
                desk: Some(desk),
                push,
            },
        );
        let monitor = state.watch_pcsc(share, ignore);
        let line = StartLine {
            url: page_url(&bound.addrs),
            listen: bound.addrs.iter().map(ToString::to_string).collect(),
            api_key: None,
            reader: None,
            can: None,
            gateway: None,
            metrics_listen: metrics
                .iter()
                .flat_map(|m| &m.addrs)
                .map(ToString::to_string)
                .collect(),
        };
        out.line(&line, || {
            format!(
                "cccd-bridge daemon: reception page {}  (API under /v1, Ctrl-C to stop)",
                line.url
            )
        });
        let result = daemon::serve_with(bound, metrics, state, shutdown).await;
        monitor.stop();
        result.map_err(|e| CliError::Other(e.to_string()))
    })
}
