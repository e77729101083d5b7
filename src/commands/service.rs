//! `cccd service install|configure|uninstall|start|stop`: the daemon as a Windows service.
//!
//! The service `cccd-bridge` runs `cccd.exe service run [--config FILE]` as LocalSystem, starts
//! with Windows, and is restarted by the service manager when it fails (after 5 s, 10 s, then
//! 60 s; the count resets after a day), including when it stops with an error rather than a crash.
//! It logs to `%ProgramData%\cccd-bridge\logs\cccd.log` (rotated by size, see
//! [`crate::logfile`]) and writes its start, stop and errors to the Windows Event Log
//! (Application, source `cccd-bridge`) through the system's `eventcreate` tool: the workspace
//! forbids `unsafe` code, and the Event Log's own API needs it.
//!
//! On other systems the command fails: Linux has the systemd unit in `packaging/`.

// The Windows-only helpers are built and unit-tested everywhere, but only called on Windows.
#![cfg_attr(not(windows), allow(dead_code))]

use std::ffi::OsString;
use std::path::Path;

use crate::error::CliError;
use crate::output::Output;

/// The service's name (`sc query cccd-bridge`).
pub const SERVICE_NAME: &str = "cccd-bridge";
/// What `services.msc` shows.
pub const DISPLAY_NAME: &str = "cccd-bridge (CCCD card reader)";
/// The description in `services.msc`.
pub const DESCRIPTION: &str = "Đọc căn cước công dân gắn chip cho hệ thống bệnh viện (HIS) / Reads Vietnamese chip ID cards for the hospital information system";
/// The log file's stem in the log folder.
pub const LOG_STEM: &str = "cccd";
/// Rotate the log past this size.
pub const LOG_MAX_BYTES: u64 = 10 * 1024 * 1024;
/// Rotated log files kept.
pub const LOG_KEEP: usize = 5;
/// The Event Log source.
pub const EVENT_SOURCE: &str = "cccd-bridge";
/// The sample configuration `cccd service install` and `configure` put in
/// `%ProgramData%\cccd-bridge\config.toml` when no file is there (the zip ships it as well).
/// Written by `cccd`, not by the MSI: Windows Installer would delete the clinic's edited file on
/// uninstall or upgrade, and wixl cannot mark it permanent.
pub const SAMPLE_CONFIG: &str = include_str!("../../packaging/windows/config.toml");

/// Writes [`SAMPLE_CONFIG`] to `path` with Windows line endings (Notepad) unless a file is
/// already there, which is never touched; true when written.
pub fn place_sample_config(path: &Path) -> std::io::Result<bool> {
    use std::io::Write;
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        Err(e) => return Err(e),
    };
    let text: String = SAMPLE_CONFIG.lines().flat_map(|l| [l, "\r\n"]).collect();
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    Ok(true)
}

/// `cccd service` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ServiceCommand {
    /// Register the daemon as the Windows service "cccd-bridge" (automatic start, restarted on
    /// failure), with the configuration given by --config if any. Run as administrator.
    Install,
    /// Finish a service registered by the MSI package (or by hand with `sc create`): the
    /// bilingual description, the recovery actions, and the data folder's access list. The
    /// MSI runs it during installation; run as administrator.
    Configure,
    /// Stop and remove the service.
    Uninstall,
    /// Start the service.
    Start,
    /// Stop the service.
    Stop,
    /// The service's own entry point, run by the Windows service manager (not by hand).
    #[command(hide = true)]
    Run,
}

/// The arguments the service manager passes to `cccd.exe`: `service run`, and the configuration
/// file as an absolute path (the service's working folder is `C:\Windows\System32`).
pub fn launch_arguments(config: Option<&Path>, cwd: &Path) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["service".into(), "run".into()];
    if let Some(c) = config {
        args.push("--config".into());
        args.push(cwd.join(c).into_os_string());
    }
    args
}

/// Whether a service's command line starts with a program path that holds a space but no quotes
/// (`C:\Program Files\cccd-bridge\cccd.exe service run`): the service manager then tries
/// `C:\Program.exe` first, a classic way to get another program run as SYSTEM. Windows Installer
/// is expected to quote the path it registers; `service configure` checks rather than trusts
/// (Wine's does not quote).
pub fn program_path_unquoted(command_line: &str) -> bool {
    let line = command_line.trim_start();
    if line.starts_with('"') {
        return false;
    }
    let end = line
        .to_ascii_lowercase()
        .find(".exe")
        .map_or(line.len(), |i| i + 4);
    line[..end].contains(' ')
}

/// The kind of an Event Log entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Start and stop.
    Information,
    /// The daemon failed.
    Error,
}

/// The `eventcreate` arguments for one entry of the Application log. Event ids (1 to 1000 for
/// `eventcreate`): 1 started, 2 stopped, 3 failed.
pub fn eventcreate_args(kind: EventKind, id: u16, message: &str) -> Vec<String> {
    let kind = match kind {
        EventKind::Information => "INFORMATION",
        EventKind::Error => "ERROR",
    };
    // eventcreate refuses descriptions longer than its limit; a log line of that size helps no
    // one in the Event Viewer (the log file has the rest).
    let message: String = message.chars().take(1000).collect();
    vec![
        "/L".into(),
        "APPLICATION".into(),
        "/T".into(),
        kind.into(),
        "/SO".into(),
        EVENT_SOURCE.into(),
        "/ID".into(),
        id.clamp(1, 1000).to_string(),
        "/D".into(),
        message,
    ]
}

/// `cccd service ...`.
pub fn run(out: &Output, config: Option<&Path>, command: &ServiceCommand) -> Result<(), CliError> {
    #[cfg(windows)]
    {
        windows::run(out, config, command)
    }
    #[cfg(not(windows))]
    {
        let _ = (out, config, command);
        Err(CliError::Other(
            "Windows only: on Linux use the systemd unit in packaging/".into(),
        ))
    }
}

/// Logging for `cccd service run`: the rotating file (there is no console), `info` (start, stop,
/// readers, eligibility results; never personal data) unless `CCCD_LOG` says otherwise, `debug`
/// with `-v`; text lines, or JSON lines for a log collector (`--log-format json`, `[log]
/// format`), each naming `desk`.
pub fn init_logging(
    verbose: u8,
    format: crate::logging::LogFormat,
    desk: &str,
) -> Result<(), CliError> {
    let dir = crate::paths::log_dir();
    let file = crate::logfile::RotatingFile::open(&dir, LOG_STEM, LOG_MAX_BYTES, LOG_KEEP)
        .map_err(|e| CliError::Other(format!("cannot open the log in {}: {e}", dir.display())))?;
    let default = if verbose == 0 { "info" } else { "debug" };
    crate::logging::init(
        crate::logging::log_filter(default),
        format,
        desk,
        std::sync::Mutex::new(file),
        false,
    );
    Ok(())
}

#[cfg(windows)]
mod windows {
    use std::ffi::OsString;
    use std::path::{Path, PathBuf};
    use std::sync::{Arc, OnceLock};
    use std::time::Duration;

    use windows_service::service::{
        ServiceAccess, ServiceAction, ServiceActionType, ServiceControl, ServiceControlAccept,
        ServiceErrorControl, ServiceExitCode, ServiceFailureActions, ServiceFailureResetPeriod,
        ServiceInfo, ServiceStartType, ServiceState, ServiceStatus, ServiceType,
    };
    use windows_service::service_control_handler::{self, ServiceControlHandlerResult};
    use windows_service::service_manager::{ServiceManager, ServiceManagerAccess};
    use windows_service::{define_windows_service, service_dispatcher};

    use super::{
        DESCRIPTION, DISPLAY_NAME, EventKind, SERVICE_NAME, ServiceCommand, eventcreate_args,
        launch_arguments,
    };
    use crate::error::CliError;
    use crate::output::Output;

    /// The configuration file of `service run`, for the service's main function (called by the
    /// dispatcher, it takes no arguments of ours).
    static CONFIG: OnceLock<Option<PathBuf>> = OnceLock::new();

    fn err(what: &str) -> impl Fn(windows_service::Error) -> CliError + '_ {
        move |e| {
            let hint = match &e {
                windows_service::Error::Winapi(io) if io.raw_os_error() == Some(5) => {
                    " (access denied: run the command prompt as administrator)"
                }
                windows_service::Error::Winapi(io) if io.raw_os_error() == Some(1060) => {
                    " (the service is not installed: `cccd service install`)"
                }
                windows_service::Error::Winapi(io) if io.raw_os_error() == Some(1073) => {
                    " (already installed: `cccd service uninstall` first to change it)"
                }
                _ => "",
            };
            CliError::Other(format!("{what}: {}{hint}", describe(&e)))
        }
    }

    /// The error with its cause (the crate's own text hides the Windows error code).
    fn describe(e: &windows_service::Error) -> String {
        match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        }
    }

    pub(super) fn run(
        out: &Output,
        config: Option<&Path>,
        command: &ServiceCommand,
    ) -> Result<(), CliError> {
        match command {
            ServiceCommand::Install => install(out, config),
            ServiceCommand::Configure => {
                prepare_data_folder(true)?;
                // The folder is what the daemon needs; the service's description and recovery
                // actions are conveniences (and Wine's service manager does not show a service
                // created by another process, so the MSI's own check under Wine gets here).
                let folder = crate::paths::program_data_dir();
                match open(ServiceAccess::CHANGE_CONFIG | ServiceAccess::QUERY_CONFIG) {
                    Ok(service) => {
                        quote_program_path(&service);
                        describe_and_recover(&service);
                        say(
                            out,
                            "configured",
                            &format!(
                                "service cccd-bridge configured (description, recovery actions, access to {})",
                                folder.display()
                            ),
                        )
                    }
                    Err(e) => {
                        eprintln!("warning: {e}; its description and recovery actions are not set");
                        say(
                            out,
                            "folder-prepared",
                            &format!("{} prepared for the service", folder.display()),
                        )
                    }
                }
            }
            ServiceCommand::Uninstall => uninstall(out),
            ServiceCommand::Start => {
                let s = open(ServiceAccess::START)?;
                s.start::<OsString>(&[])
                    .map_err(err("cannot start the service"))?;
                say(out, "started", "service cccd-bridge started")
            }
            ServiceCommand::Stop => {
                let s = open(ServiceAccess::STOP)?;
                s.stop().map_err(err("cannot stop the service"))?;
                say(out, "stopped", "service cccd-bridge stopping")
            }
            ServiceCommand::Run => {
                let _ = CONFIG.set(config.map(Path::to_path_buf));
                service_dispatcher::start(SERVICE_NAME, ffi_service_main).map_err(err(
                    "not started by the service manager (use `cccd service start`, or `cccd serve` by hand)",
                ))
            }
        }
    }

    fn say(out: &Output, status: &str, text: &str) -> Result<(), CliError> {
        out.line(
            &serde_json::json!({ "service": SERVICE_NAME, "status": status }),
            || text.to_owned(),
        );
        Ok(())
    }

    fn open(access: ServiceAccess) -> Result<windows_service::service::Service, CliError> {
        let manager = ServiceManager::local_computer(None::<&str>, ServiceManagerAccess::CONNECT)
            .map_err(err("cannot reach the service manager"))?;
        manager
            .open_service(SERVICE_NAME, access)
            .map_err(err("cannot open the service"))
    }

    fn install(out: &Output, config: Option<&Path>) -> Result<(), CliError> {
        let exe = std::env::current_exe()
            .map_err(|e| CliError::Other(format!("where is cccd.exe? {e}")))?;
        let cwd = std::env::current_dir()
            .map_err(|e| CliError::Other(format!("no current folder: {e}")))?;
        prepare_data_folder(config.is_none())?;
        let manager = ServiceManager::local_computer(
            None::<&str>,
            ServiceManagerAccess::CONNECT | ServiceManagerAccess::CREATE_SERVICE,
        )
        .map_err(err("cannot reach the service manager"))?;
        let info = ServiceInfo {
            name: SERVICE_NAME.into(),
            display_name: DISPLAY_NAME.into(),
            service_type: ServiceType::OWN_PROCESS,
            start_type: ServiceStartType::AutoStart,
            error_control: ServiceErrorControl::Normal,
            executable_path: exe.clone(),
            launch_arguments: launch_arguments(config, &cwd),
            // No dependency on SCardSvr: Windows starts the Smart Card service when a reader is
            // plugged in and stops it when the last one goes; the daemon's monitor waits for it.
            dependencies: vec![],
            account_name: None,
            account_password: None,
        };
        let service = manager
            .create_service(
                &info,
                ServiceAccess::CHANGE_CONFIG | ServiceAccess::START | ServiceAccess::QUERY_STATUS,
            )
            .map_err(err("cannot create the service"))?;
        describe_and_recover(&service);
        say(
            out,
            "installed",
            &format!(
                "service cccd-bridge installed ({} {}); start it with `cccd service start`; logs in {}",
                exe.display(),
                info.launch_arguments
                    .iter()
                    .map(|a| a.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(" "),
                crate::paths::log_dir().display()
            ),
        )
    }

    /// The data folder, owner-only (SYSTEM, Administrators, this account) before the service
    /// writes its audit key there (an existing one too: it is the service's own folder), with
    /// the sample configuration when `sample` and none is there.
    fn prepare_data_folder(sample: bool) -> Result<(), CliError> {
        let base = crate::paths::program_data_dir();
        crate::private_dir::ensure(&base)
            .map_err(|e| CliError::Other(format!("cannot create {}: {e}", base.display())))?;
        crate::private_dir::restrict(&base);
        if sample {
            let path = base.join("config.toml");
            match super::place_sample_config(&path) {
                Ok(true) => eprintln!(
                    "wrote the sample configuration {}: edit it, then `cccd config check`",
                    path.display()
                ),
                Ok(false) => {}
                Err(e) => {
                    return Err(CliError::Other(format!(
                        "cannot write the sample configuration {}: {e}",
                        path.display()
                    )));
                }
            }
        }
        Ok(())
    }

    /// Registers the service's command line again, quoted, when its program path is not
    /// ([`super::program_path_unquoted`]); the configuration stays the one in `%ProgramData%`.
    fn quote_program_path(service: &windows_service::service::Service) {
        let config = match service.query_config() {
            Ok(c) => c,
            Err(e) => {
                eprintln!(
                    "warning: cannot read the service's configuration: {}",
                    describe(&e)
                );
                return;
            }
        };
        if !super::program_path_unquoted(&config.executable_path.to_string_lossy()) {
            return;
        }
        let (Ok(exe), Ok(cwd)) = (std::env::current_exe(), std::env::current_dir()) else {
            eprintln!(
                "warning: the service's program path is not quoted, and cccd.exe cannot tell where it is"
            );
            return;
        };
        let config_file = crate::paths::program_data_dir().join("config.toml");
        let info = ServiceInfo {
            name: SERVICE_NAME.into(),
            display_name: config.display_name,
            service_type: config.service_type,
            start_type: config.start_type,
            error_control: config.error_control,
            executable_path: exe,
            launch_arguments: launch_arguments(Some(&config_file), &cwd),
            dependencies: config.dependencies,
            // None leaves the account (LocalSystem) as it is.
            account_name: None,
            account_password: None,
        };
        match service.change_config(&info) {
            Ok(()) => eprintln!("quoted the service's program path"),
            Err(e) => eprintln!(
                "warning: the service's program path is not quoted and cannot be changed: {}",
                describe(&e)
            ),
        }
    }

    /// The bilingual description (the MSI's tables are ASCII) and the recovery actions. The
    /// service is usable without them, so a failure here (Wine implements neither) is
    /// reported, not fatal.
    fn describe_and_recover(service: &windows_service::service::Service) {
        if let Err(e) = service.set_description(DESCRIPTION) {
            eprintln!(
                "warning: the service's description is not set: {}",
                describe(&e)
            );
        }
        let restart = |secs| ServiceAction {
            action_type: ServiceActionType::Restart,
            delay: Duration::from_secs(secs),
        };
        let recovery = service
            .update_failure_actions(ServiceFailureActions {
                reset_period: ServiceFailureResetPeriod::After(Duration::from_secs(24 * 3600)),
                reboot_msg: None,
                command: None,
                actions: Some(vec![restart(5), restart(10), restart(60)]),
            })
            // A daemon that stops with an error (not only a crash) is restarted too.
            .and_then(|()| service.set_failure_actions_on_non_crash_failures(true));
        if let Err(e) = recovery {
            eprintln!(
                "warning: the recovery actions (restart on failure) are not set: {}; set them in services.msc, cccd-bridge, Recovery",
                describe(&e)
            );
        }
    }

    fn uninstall(out: &Output) -> Result<(), CliError> {
        let service =
            open(ServiceAccess::QUERY_STATUS | ServiceAccess::STOP | ServiceAccess::DELETE)?;
        let status = service
            .query_status()
            .map_err(err("cannot query the service"))?;
        if status.current_state != ServiceState::Stopped {
            service.stop().map_err(err("cannot stop the service"))?;
            for _ in 0..60 {
                std::thread::sleep(Duration::from_millis(500));
                match service.query_status() {
                    Ok(s) if s.current_state == ServiceState::Stopped => break,
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
        }
        service.delete().map_err(err("cannot remove the service"))?;
        say(
            out,
            "uninstalled",
            "service cccd-bridge removed (the data in %ProgramData%\\cccd-bridge is kept)",
        )
    }

    /// One Event Log entry; failures only go to the log file (the Event Log is a convenience).
    fn event(kind: EventKind, id: u16, message: &str) {
        let result = std::process::Command::new("eventcreate")
            .args(eventcreate_args(kind, id, message))
            .stdin(std::process::Stdio::null())
            .output();
        match result {
            Ok(o) if o.status.success() => {}
            Ok(o) => tracing::debug!(
                "eventcreate failed: {}",
                String::from_utf8_lossy(&o.stdout).trim()
            ),
            Err(e) => tracing::debug!("eventcreate: {e}"),
        }
    }

    define_windows_service!(ffi_service_main, service_main);

    fn service_main(_arguments: Vec<OsString>) {
        if let Err(e) = run_service() {
            tracing::error!("service failed: {e}");
            event(EventKind::Error, 3, &format!("cccd-bridge failed: {e}"));
        }
    }

    fn run_service() -> Result<(), CliError> {
        let stop = Arc::new(tokio::sync::Notify::new());
        let notify = stop.clone();
        let handle =
            service_control_handler::register(SERVICE_NAME, move |control| match control {
                ServiceControl::Stop | ServiceControl::Shutdown => {
                    notify.notify_one();
                    ServiceControlHandlerResult::NoError
                }
                ServiceControl::Interrogate => ServiceControlHandlerResult::NoError,
                _ => ServiceControlHandlerResult::NotImplemented,
            })
            .map_err(err("cannot register with the service manager"))?;
        let status = |state, accept, code| ServiceStatus {
            service_type: ServiceType::OWN_PROCESS,
            current_state: state,
            controls_accepted: accept,
            exit_code: code,
            checkpoint: 0,
            wait_hint: Duration::from_secs(10),
            process_id: None,
        };
        let accept = ServiceControlAccept::STOP | ServiceControlAccept::SHUTDOWN;
        handle
            .set_service_status(status(
                ServiceState::Running,
                accept,
                ServiceExitCode::Win32(0),
            ))
            .map_err(err("cannot report the service running"))?;
        let config = CONFIG.get().cloned().flatten();
        tracing::info!(
            "service started (version {}, configuration {})",
            env!("CARGO_PKG_VERSION"),
            config
                .as_deref()
                .map_or_else(|| "default".into(), |p| p.display().to_string())
        );
        event(
            EventKind::Information,
            1,
            &format!("cccd-bridge {} started", env!("CARGO_PKG_VERSION")),
        );
        let result = crate::config::load(config.as_deref()).and_then(|loaded| {
            // Anyone who can write the trust folder can add a CSCA: not trusted then.
            crate::trust_acl::check_trust_folder(&loaded.config.trust.store_dir())
                .map_err(CliError::Config)?;
            let out = Output::new(false);
            super::super::serve::run_until(
                &out,
                &loaded.config,
                &super::super::serve::ServeArgs::default(),
                async move { stop.notified().await },
            )
        });
        let code = match &result {
            Ok(()) => {
                tracing::info!("service stopped");
                event(EventKind::Information, 2, "cccd-bridge stopped");
                ServiceExitCode::Win32(0)
            }
            Err(e) => {
                tracing::error!("service stopped on an error: {e}");
                event(
                    EventKind::Error,
                    3,
                    &format!("cccd-bridge stopped on an error: {e}"),
                );
                ServiceExitCode::ServiceSpecific(u32::from(e.exit_code()))
            }
        };
        handle
            .set_service_status(status(
                ServiceState::Stopped,
                ServiceControlAccept::empty(),
                code,
            ))
            .map_err(err("cannot report the service stopped"))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_arguments() {
        let cwd = Path::new("/clinic");
        assert_eq!(launch_arguments(None, cwd), ["service", "run"]);
        let a = launch_arguments(Some(Path::new("cccd.toml")), cwd);
        assert_eq!(a[..3], ["service", "run", "--config"]);
        assert_eq!(Path::new(&a[3]), Path::new("/clinic/cccd.toml"));
        // An absolute path is kept as it is.
        let a = launch_arguments(Some(Path::new("/etc/cccd.toml")), cwd);
        assert_eq!(Path::new(&a[3]), Path::new("/etc/cccd.toml"));
    }

    #[test]
    fn the_sample_configuration_is_valid_and_never_overwrites() {
        let (config, _) = crate::config::parse(SAMPLE_CONFIG, &[]).expect("the sample parses");
        assert_eq!(config.reader.ignore, ["SAM"]);
        assert!(config.eligibility.gateway_url.is_none());

        let dir = std::env::temp_dir().join(format!("cccd-sample-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        assert!(place_sample_config(&path).unwrap());
        let written = std::fs::read_to_string(&path).unwrap();
        assert_eq!(written.replace("\r\n", "\n"), SAMPLE_CONFIG);
        assert!(!written.replace("\r\n", "").contains('\n'), "CRLF only");
        crate::config::parse(&written, &[]).expect("the written file parses");
        // The clinic's own file is kept as it is.
        std::fs::write(&path, "[reader]\nname = \"ACR1252\"\n").unwrap();
        assert!(!place_sample_config(&path).unwrap());
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "[reader]\nname = \"ACR1252\"\n"
        );
        // A folder that cannot be written is an error, not silence.
        assert!(place_sample_config(&dir.join("missing").join("config.toml")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unquoted_program_paths() {
        assert!(program_path_unquoted(
            r#"C:\Program Files\cccd-bridge\cccd.exe service run --config "C:\ProgramData\cccd-bridge\config.toml""#
        ));
        assert!(program_path_unquoted(
            r"C:\Program Files\cccd-bridge\CCCD.EXE"
        ));
        assert!(!program_path_unquoted(
            r#""C:\Program Files\cccd-bridge\cccd.exe" service run --config "C:\x y\config.toml""#
        ));
        // A space only in the arguments is harmless.
        assert!(!program_path_unquoted(
            r#"C:\cccd\cccd.exe service run --config "C:\x y\c.toml""#
        ));
        assert!(!program_path_unquoted(r"C:\cccd\cccd.exe"));
    }

    #[test]
    fn event_log_arguments() {
        let a = eventcreate_args(EventKind::Information, 1, "cccd-bridge started");
        assert_eq!(
            a,
            [
                "/L",
                "APPLICATION",
                "/T",
                "INFORMATION",
                "/SO",
                "cccd-bridge",
                "/ID",
                "1",
                "/D",
                "cccd-bridge started"
            ]
        );
        let long = "x".repeat(5000);
        let a = eventcreate_args(EventKind::Error, 0, &long);
        assert_eq!(a[3], "ERROR");
        assert_eq!(a[7], "1", "ids are 1..=1000");
        assert_eq!(a[9].len(), 1000);
    }

    #[cfg(not(windows))]
    #[test]
    fn windows_only_elsewhere() {
        let out = Output::new(false);
        for c in [
            ServiceCommand::Install,
            ServiceCommand::Configure,
            ServiceCommand::Uninstall,
            ServiceCommand::Start,
            ServiceCommand::Stop,
            ServiceCommand::Run,
        ] {
            let e = run(&out, None, &c).unwrap_err();
            assert!(e.to_string().contains("Windows only"), "{e}");
            assert_ne!(e.exit_code(), 0);
        }
    }
}
