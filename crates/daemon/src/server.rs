//! Binding the listening sockets and serving.

use std::net::SocketAddr;

use tokio::net::TcpListener;

use crate::error::DaemonError;
use crate::state::AppState;

/// Bound listeners.
#[derive(Debug)]
pub struct Bound {
    /// The listeners.
    pub listeners: Vec<TcpListener>,
    /// Their addresses (with the real port when 0 was asked).
    pub addrs: Vec<SocketAddr>,
}

/// Binds every address of `listen`. Port 0 picks a free port, the same for all addresses when
/// possible (the first one's). Any address that is not loopback is reported with a loud
/// warning: the API is then reachable from other machines.
pub async fn bind(listen: &[String]) -> Result<Bound, DaemonError> {
    bind_all(listen, "listen", |local| {
        tracing::warn!(
            "LISTENING ON {local}, WHICH IS NOT LOOPBACK: the API is reachable from other machines; keep api_keys secret and firewall the port"
        );
        eprintln!(
            "WARNING: listening on {local}, which is not a loopback address: other machines can reach the API"
        );
    })
    .await
}

/// Binds `[server] metrics_listen`: the listener of `GET /metrics` alone ([`serve_with`]).
pub async fn bind_metrics(listen: &[String]) -> Result<Bound, DaemonError> {
    bind_all(listen, "metrics_listen", |local| {
        tracing::info!(
            "metrics on {local} (GET /metrics with an API key; firewall the port to the Prometheus server)"
        );
    })
    .await
}

async fn bind_all(
    listen: &[String],
    key: &str,
    not_loopback: impl Fn(SocketAddr),
) -> Result<Bound, DaemonError> {
    let mut listeners = Vec::new();
    let mut addrs = Vec::new();
    let mut chosen_port: Option<u16> = None;
    for text in listen {
        let mut addr: SocketAddr = text.parse().map_err(|_| {
            DaemonError::Config(format!("[server] {key} {text:?} is not address:port"))
        })?;
        if addr.port() == 0
            && let Some(p) = chosen_port
        {
            addr.set_port(p);
        }
        let l = match TcpListener::bind(addr).await {
            Ok(l) => l,
            // An IPv6 loopback missing from the machine is not a reason to refuse to start.
            Err(e) if addr.is_ipv6() && addrs.iter().any(|a: &SocketAddr| a.is_ipv4()) => {
                tracing::warn!("not listening on {addr}: {e}");
                continue;
            }
            Err(source) => {
                return Err(DaemonError::Bind {
                    addr: addr.to_string(),
                    source,
                });
            }
        };
        let local = l.local_addr()?;
        if !local.ip().is_loopback() {
            not_loopback(local);
        }
        chosen_port.get_or_insert(local.port());
        addrs.push(local);
        listeners.push(l);
    }
    if listeners.is_empty() {
        return Err(DaemonError::Config(format!("[server] {key} is empty")));
    }
    Ok(Bound { listeners, addrs })
}

/// The `Host` header values that name these addresses: `127.0.0.1:PORT`, `[::1]:PORT`,
/// `localhost:PORT`, and the address itself for others.
pub fn host_names(addrs: &[SocketAddr]) -> Vec<String> {
    let mut out = Vec::new();
    for a in addrs {
        let port = a.port();
        out.push(a.to_string());
        if a.ip().is_loopback() {
            out.push(format!("localhost:{port}"));
        }
        if a.ip().is_unspecified() {
            out.push(format!("127.0.0.1:{port}"));
            out.push(format!("[::1]:{port}"));
            out.push(format!("localhost:{port}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Serves `state` on the listeners until `shutdown` completes, with the periodic sweep, the
/// gateway accounts' probe and the re-check rounds in the background.
pub async fn serve(
    bound: Bound,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), DaemonError> {
    serve_with(bound, None, state, shutdown).await
}

/// [`serve`], with the listeners of `[server] metrics_listen` ([`bind_metrics`]) serving
/// `GET /metrics` alone.
pub async fn serve_with(
    bound: Bound,
    metrics: Option<Bound>,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), DaemonError> {
    let app = crate::router(state.clone());
    let metrics_app = crate::metrics::metrics_router(state.clone());
    let sweeper = state.spawn_sweeper();
    // The account probe and the re-check rounds run for as long as the daemon serves.
    let background = state.spawn_eligibility_tasks();
    let (stop_tx, _) = tokio::sync::broadcast::channel::<()>(1);
    let mut tasks = Vec::new();
    let listeners = bound.listeners.into_iter().map(|l| (l, app.clone())).chain(
        metrics
            .into_iter()
            .flat_map(|m| m.listeners)
            .map(|l| (l, metrics_app.clone())),
    );
    for (l, app) in listeners {
        let mut stop = stop_tx.subscribe();
        tasks.push(tokio::spawn(async move {
            // The peer's address tells the reception page on this machine from another.
            axum::serve(l, app.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async move {
                    let _ = stop.recv().await;
                })
                .await
        }));
    }
    shutdown.await;
    let _ = stop_tx.send(());
    for t in tasks {
        if let Ok(Err(e)) = t.await {
            tracing::warn!("server ended with {e}");
        }
    }
    sweeper.abort();
    for t in background {
        t.abort();
    }
    state.readers().clear();
    state.finish_push().await;
    Ok(())
}
