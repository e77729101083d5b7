//! `cccd demo`: the daemon with an in-process virtual reader holding the default virtual card
//! and an in-process BHXH gateway simulator: no reader, no pcscd, no gateway account needed.
//!
//! It finds its configuration as `cccd serve` does, and `[server]` applies (allowed origins
//! and hosts, lifetimes, limits, staff logins, a private facility), so that an integrator tries
//! a web HIS on its own origin against the demo; but not `listen` (127.0.0.1 and `--port`) and
//! `api_keys` (one random demo key), and no audit log is kept (the demo's reads of a fictional
//! card do not belong in a desk's log). The other sections are the demo's own.

use daemon::ServerConfig;
use daemon::demo::{DEMO_READER, DemoOptions, start_demo_with};

use super::serve::{StartLine, page_url, runtime, shutdown_signal, start_push};
use crate::config::Config;
use crate::error::CliError;
use crate::output::Output;

/// The demo's `[server]`: the configuration's, on `listen` with the demo's key only and no
/// audit log.
fn demo_server_config(configured: &ServerConfig, listen: Vec<String>) -> ServerConfig {
    ServerConfig {
        listen,
        api_keys: Vec::new(),
        audit_disabled: true,
        audit_path: None,
        audit_key_path: None,
        // The demo serves the metrics on its own address only.
        metrics_listen: Vec::new(),
        ..configured.clone()
    }
}

/// `cccd demo` options.
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Port on 127.0.0.1 (default: a free one, printed at start).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Virtual readers, each with its own virtual card (for load tests: scripts/bench-daemon).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=64))]
    readers: u16,
}

/// `cccd demo`: the configuration's `[server]` (as [`demo_server_config`] says), `[desk]` and
/// `[push]` apply; the rest is the demo's own.
pub fn run(out: &Output, cfg: &Config, args: &DemoArgs) -> Result<(), CliError> {
    let listen = vec![format!("127.0.0.1:{}", args.port)];
    let config = demo_server_config(&cfg.server, listen.clone());
    let problems = config.problems();
    if !problems.is_empty() {
        return Err(CliError::Config(problems.join("; ")));
    }
    let rt = runtime()?;
    rt.block_on(async move {
        let push = start_push(cfg)?;
        let bound = daemon::bind(&listen)
            .await
            .map_err(|e| CliError::Config(e.to_string()))?;
        let demo = start_demo_with(
            config,
            daemon::host_names(&bound.addrs),
            DemoOptions {
                readers: usize::from(args.readers),
                desk: Some(cfg.desk.name()),
                push,
                audit: None,
            },
        )
        .await
        .map_err(|e| CliError::Other(e.to_string()))?;
        let can = card_sim::CardIdentity::default_holder().can;
        let line = StartLine {
            url: page_url(&bound.addrs),
            listen: bound.addrs.iter().map(ToString::to_string).collect(),
            api_key: Some(demo.api_key.clone()),
            reader: Some(DEMO_READER.into()),
            can: can.clone(),
            gateway: Some(demo.gateway.url()),
            metrics_listen: Vec::new(),
        };
        out.line(&line, || {
            format!(
                "cccd-bridge demo (virtual card, gateway simulator; Ctrl-C to stop)\n  reception page: {}\n  API key:        {}\n  card CAN:       {}\n  try:            curl -s -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' -d '{{\"can\":\"{}\"}}' {}v1/cards/read\n                  (tap the card first: curl -s -X POST -H 'Authorization: Bearer {}' {}v1/demo/tap)",
                line.url,
                demo.api_key,
                can.as_deref().unwrap_or("?"),
                demo.api_key,
                can.as_deref().unwrap_or("?"),
                line.url,
                demo.api_key,
                line.url,
            )
        });
        let state = demo.state.clone();
        let result = daemon::serve(bound, state, shutdown_signal()).await;
        drop(demo);
        result.map_err(|e| CliError::Other(e.to_string()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_server_applies_but_listen_keys_and_audit() {
        let configured = ServerConfig {
            listen: vec!["0.0.0.0:8765".into()],
            api_keys: vec!["the-desk-s-real-key-0123456789".into()],
            allowed_origins: vec!["http://his.local:8080".into()],
            allowed_hosts: vec!["quay-01".into()],
            session_ttl_secs: 60,
            ticket_ttl_secs: 30,
            max_body_bytes: 4096,
            audit_path: Some("/var/lib/cccd-bridge/audit.sqlite".into()),
            private_facility: true,
            ..ServerConfig::default()
        };
        let c = demo_server_config(&configured, vec!["127.0.0.1:0".into()]);
        assert_eq!(c.listen, ["127.0.0.1:0"]);
        assert!(c.api_keys.is_empty());
        assert!(c.audit_disabled && c.audit_path.is_none());
        assert_eq!(c.allowed_origins, configured.allowed_origins);
        assert_eq!(c.allowed_hosts, configured.allowed_hosts);
        assert_eq!(
            (c.session_ttl_secs, c.ticket_ttl_secs, c.max_body_bytes),
            (60, 30, 4096)
        );
        assert!(c.private_facility);
    }
}
