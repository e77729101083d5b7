//! Where cccd keeps its files by default, per platform.
//!
//! On Windows everything the daemon writes lives under `%ProgramData%\cccd-bridge\` (the
//! configuration `config.toml`, the trust store `trust\`, the audit log and its key, the
//! eligibility cache, the service's `logs\`): the daemon normally runs as the `cccd-bridge`
//! service under LocalSystem, whose own profile folders are hidden in `C:\Windows\System32`, and a
//! technician must find the same files whether they run `cccd` by hand or the service does.
//! Elsewhere the user's data folder (`~/.local/share/cccd-bridge`) is used, as before; the systemd
//! unit points the daemon at `/var/lib/cccd-bridge` through its configuration.

use std::ffi::OsString;
use std::path::PathBuf;

/// The folder name under `%ProgramData%`, the XDG folders and `/etc`.
pub const APP_DIR: &str = "cccd-bridge";

/// `%ProgramData%\cccd-bridge` given the value of `%ProgramData%` (`C:\ProgramData` when unset
/// or empty, Windows' own default).
pub fn program_data_dir_from(program_data: Option<OsString>) -> PathBuf {
    program_data
        .filter(|p| !p.is_empty())
        .map_or_else(|| PathBuf::from(r"C:\ProgramData"), PathBuf::from)
        .join(APP_DIR)
}

/// `%ProgramData%\cccd-bridge` from this process's environment.
pub fn program_data_dir() -> PathBuf {
    program_data_dir_from(std::env::var_os("ProgramData"))
}

/// The folder of the daemon's data (audit log, its key, the eligibility cache): on Windows
/// `%ProgramData%\cccd-bridge`, elsewhere the user's local data folder. `None` only when no home
/// folder is known (then the configuration must name the paths).
pub fn data_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        return Some(program_data_dir());
    }
    directories::ProjectDirs::from("", "", APP_DIR).map(|d| d.data_local_dir().to_owned())
}

/// The service's log folder: `%ProgramData%\cccd-bridge\logs` (Windows; on Linux the systemd
/// journal takes the daemon's stderr, so this is only used by `cccd service` on Windows).
pub fn log_dir() -> PathBuf {
    program_data_dir().join("logs")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Component;

    fn names(p: &std::path::Path) -> Vec<String> {
        p.components()
            .filter_map(|c| match c {
                Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn program_data_folder() {
        // The base is taken as one piece (Linux does not split at backslashes), the app folder
        // is joined below it.
        let p = program_data_dir_from(Some(r"D:\ProgramData".into()));
        assert_eq!(names(&p).last().map(String::as_str), Some(APP_DIR));
        assert!(p.starts_with(r"D:\ProgramData"));
        // Unset or empty: Windows' default.
        for v in [None, Some(OsString::new())] {
            let p = program_data_dir_from(v);
            assert!(p.starts_with(r"C:\ProgramData"), "{}", p.display());
            assert!(p.ends_with(APP_DIR));
        }
    }

    #[test]
    fn data_and_logs() {
        let d = data_dir();
        if cfg!(windows) {
            assert_eq!(d, Some(program_data_dir()));
        } else if std::env::var_os("HOME").is_some_and(|h| !h.is_empty()) {
            // With a home folder there is always a data folder, named after the app.
            let d = d.expect("a data folder under HOME");
            assert!(names(&d).iter().any(|n| n == APP_DIR), "{}", d.display());
        } else if let Some(d) = d {
            // No HOME: the password database's home folder may still give one.
            assert!(names(&d).iter().any(|n| n == APP_DIR), "{}", d.display());
        }
        assert!(log_dir().ends_with("logs"));
        assert!(log_dir().starts_with(program_data_dir()));
    }
}
