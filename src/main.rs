//! `cccd`: the cccd-bridge command line. Argument parsing and output only; the protocol work
//! lives in the crates under `crates/`.

// The command line's doc comments are its `--help` texts (clap), where `[server]` names a
// configuration section, not an item to link.
#![allow(rustdoc::broken_intra_doc_links)]

mod commands;
mod config;
mod desk;
mod error;
mod logfile;
mod logging;
mod output;
mod paths;
mod private_dir;
mod trust_acl;
mod trust_store;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;

/// cccd-bridge: reads Vietnamese citizen ID cards (CCCD) and serves them to hospital systems.
#[derive(Debug, Parser)]
#[command(name = "cccd", version, about, long_about = None)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Configuration file (default: $CCCD_CONFIG, then the platform's usual path).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug, -vvv trace). `CCCD_LOG` takes a full
    /// filter instead.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    /// Log lines as `text` or `json` (one object per line, for a log collector); default
    /// [log] format, else text.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    log_format: Option<logging::LogFormat>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the card readers and the cards on them.
    Readers,
    /// Print reader and card events (reader.added, reader.removed, card.inserted,
    /// card.removed) until Ctrl-C.
    Watch,
    /// Send command APDUs (hex) to the card and print the responses with their meaning.
    Apdu {
        /// Reader to use (exact name or a unique part of it).
        #[arg(long, value_name = "NAME")]
        reader: Option<String>,
        /// One or more command APDUs in hexadecimal (spaces and colons allowed inside quotes).
        #[arg(required = true, value_name = "HEX")]
        apdus: Vec<String>,
    },
    /// Open the chip (PACE with the CAN, or BAC/PACE with the MRZ) and read its files, with
    /// timings and APDU counts.
    Read(commands::read::ReadArgs),
    /// A technician's checklist: service, reader, card, ATR, UID, eMRTD application,
    /// EF.CardAccess, extended length, read size, round trip, known quirks, and with --can a
    /// full read with timings.
    Doctor {
        /// Reader to examine (exact name or a unique part of it).
        #[arg(long, value_name = "NAME")]
        reader: Option<String>,
        /// The card access number, for a full read.
        #[arg(long, value_name = "N")]
        can: Option<String>,
    },
    /// Repeated full reads (with and without the photo): per phase APDUs, bytes, wall and CPU
    /// time, and the link model's time at 106, 212, 424 and 848 kbit/s.
    Bench(commands::bench::BenchArgs),
    /// The APDU and byte counts of reading the default virtual card, with and without extended
    /// length (simulated in process; docs/reading-speed.md's table is this command's output).
    Counts {
        /// Print the Markdown table of docs/reading-speed.md.
        #[arg(long)]
        markdown: bool,
    },
    /// Passive authentication of files read earlier (EF.SOD and data groups) against the
    /// trusted CSCAs.
    Verify(commands::verify::VerifyArgs),
    /// The trusted CSCAs: list, import (certificates, verified master lists), remove.
    Trust {
        #[command(subcommand)]
        command: commands::trust::TrustCommand,
    },
    /// Run the virtual CCCD on a vpcd reader slot of pcscd. Reads commands on stdin:
    /// insert, remove, remove-after N, quit.
    Sim(commands::sim::SimArgs),
    /// Health-insurance eligibility of a patient at the BHXH gateway (configured in
    /// [eligibility]); Vietnamese verdict first, then English.
    Eligibility(commands::eligibility::EligibilityArgs),
    /// Run the BHXH gateway simulator (seeded records, faults, request counter) until Ctrl-C.
    GatewaySim(commands::gateway_sim::GatewaySimArgs),
    /// Run the daemon: REST API under /v1, server-sent events, the reception page at /, a card
    /// worker per reader ([server] in the configuration).
    Serve(commands::serve::ServeArgs),
    /// The daemon with a virtual reader holding the virtual card and the gateway simulator (no
    /// reader or pcscd needed); prints the page URL and a demo API key.
    Demo(commands::demo::DemoArgs),
    /// The daemon as a Windows service: install, uninstall, start, stop (Windows only; on Linux
    /// the systemd unit in packaging/).
    Service {
        #[command(subcommand)]
        command: commands::service::ServiceCommand,
    },
    /// Configuration tools.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (secrets masked) and every problem found.
    Check,
    /// Read a password from standard input (its first line) and print its Argon2id hash, for
    /// `[[server.page_logins]] password_hash`.
    HashPassword,
}

/// The log format and the desk's name, from the command line and the configuration. A
/// configuration that does not load leaves the defaults: the command reports the problem itself.
fn log_settings(cli: &Cli) -> (logging::LogFormat, String) {
    let loaded = config::load(cli.config.as_deref()).ok();
    let desk = loaded
        .as_ref()
        .map(|l| &l.config.desk)
        .filter(|d| d.validate().is_ok())
        .map_or_else(desk::host_name, desk::DeskConfig::name);
    let format = cli
        .log_format
        .or(loaded.map(|l| l.config.log.format))
        .unwrap_or_default();
    (format, desk)
}

fn init_logging(verbose: u8, format: logging::LogFormat, desk: &str) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    logging::init(
        logging::log_filter(default),
        format,
        desk,
        std::io::stderr,
        ansi,
    );
}

fn run(cli: Cli) -> Result<(), CliError> {
    let out = output::Output::new(cli.json);
    match cli.command {
        Command::Config {
            command: ConfigCommand::Check,
        } => return commands::config::check(&out, cli.config.as_deref()),
        Command::Config {
            command: ConfigCommand::HashPassword,
        } => return commands::config::hash_password(&out),
        _ => {}
    }
    // The service commands load the configuration themselves (the service, when it runs).
    if let Command::Service { command } = &cli.command {
        return commands::service::run(&out, cli.config.as_deref(), command);
    }
    let loaded = config::load(cli.config.as_deref())?;
    let cfg = &loaded.config;
    if let (Command::Serve(_), config::Source::File(path)) = (&cli.command, &loaded.source)
        && !cfg.server.api_keys.is_empty()
        && let Some(problem) = config::readable_by_others(path)
    {
        tracing::warn!("{problem}");
    }
    match cli.command {
        Command::Readers => commands::readers::run(&out, cfg),
        Command::Watch => commands::watch::run(&out),
        Command::Apdu { reader, apdus } => {
            commands::apdu::run(&out, cfg, reader.as_deref(), &apdus)
        }
        Command::Sim(args) => commands::sim::run(&out, &args),
        Command::Read(args) => commands::read::run(&out, cfg, &args),
        Command::Verify(args) => commands::verify::run(&out, cfg, &args),
        Command::Trust { command } => commands::trust::run(&out, cfg, &command),
        Command::Bench(args) => commands::bench::run(&out, cfg, &args),
        Command::Doctor { reader, can } => {
            commands::doctor::run(&out, cfg, reader.as_deref(), can.as_deref())
        }
        Command::Counts { markdown } => commands::counts::run(&out, markdown),
        Command::Eligibility(args) => commands::eligibility::run(&out, cfg, &args),
        Command::GatewaySim(args) => commands::gateway_sim::run(&out, &args),
        Command::Serve(args) => commands::serve::run(&out, cfg, &args),
        Command::Demo(args) => commands::demo::run(&out, cfg, &args),
        Command::Service { .. } | Command::Config { .. } => Ok(()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (log_format, desk) = log_settings(&cli);
    if cfg!(windows)
        && matches!(
            cli.command,
            Command::Service {
                command: commands::service::ServiceCommand::Run
            }
        )
    {
        // The Windows service has no console: its log goes to a rotating file.
        if let Err(e) = commands::service::init_logging(cli.verbose, log_format, &desk) {
            eprintln!("error: {e}");
            return ExitCode::from(e.exit_code());
        }
    } else {
        init_logging(cli.verbose, log_format, &desk);
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
