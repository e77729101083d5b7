//! `cccd demo`: the daemon with an in-process virtual reader holding the default virtual card
//! and an in-process BHXH gateway simulator: no reader, no pcscd, no gateway account needed.

use daemon::ServerConfig;
use daemon::demo::{DEMO_READER, DemoOptions, start_demo_with};

use super::serve::{StartLine, page_url, runtime, shutdown_signal, start_push};
use crate::config::Config;
use crate::error::CliError;
use crate::output::Output;

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

/// `cccd demo`: the configuration's `[desk]` and `[push]` apply (the rest is the demo's own).
pub fn run(out: &Output, cfg: &Config, args: &DemoArgs) -> Result<(), CliError> {
    let rt = runtime()?;
    rt.block_on(async move {
        let push = start_push(cfg)?;
        let listen = vec![format!("127.0.0.1:{}", args.port)];
        let bound = daemon::bind(&listen)
            .await
            .map_err(|e| CliError::Config(e.to_string()))?;
        let config = ServerConfig {
            listen,
            audit_disabled: true,
            ..ServerConfig::default()
        };
        let demo = start_demo_with(
            config,
            daemon::host_names(&bound.addrs),
            DemoOptions {
                readers: usize::from(args.readers),
                desk: Some(cfg.desk.name()),
                push,
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
