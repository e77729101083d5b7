//! Folders and files only their owner can read: mode 0700 (folders) and 0600 (files) on Unix, a
//! protected DACL on Windows.
//!
//! The audit log's HMAC key, the eligibility cache and the service's logs are kept from other
//! users of the PC. Unix has the file mode (set where each file is created). Windows has no mode:
//! files inherit the access list of their folder, so the folder gets one that does not inherit
//! from `%ProgramData%` (where every user may read) and grants full control to SYSTEM (the
//! service's account), the Administrators group and the account running `cccd` only. It is set
//! with the system's `icacls` tool rather than the security API: the workspace forbids `unsafe`
//! code, and `icacls` is in every Windows since Vista. A failure is a warning, not an error: the
//! daemon still works, the technician is told.
//!
//! Only folders that this call creates are restricted (and `%ProgramData%\cccd-bridge` at
//! `cccd service install` and `configure`): a configured path such as the desktop is never
//! re-permissioned.

// The Windows-only helpers are built and unit-tested everywhere, but only called on Windows.
#![cfg_attr(not(windows), allow(dead_code))]

use std::ffi::OsString;
use std::path::Path;

/// SYSTEM: the account of Windows services (LocalSystem).
pub const SID_SYSTEM: &str = "*S-1-5-18";
/// BUILTIN\Administrators.
pub const SID_ADMINISTRATORS: &str = "*S-1-5-32-544";

/// The `icacls` arguments giving `dir` a protected access list: no inherited entries, full control
/// for SYSTEM, Administrators and `user` (`DOMAIN\name`, when known), inherited by the files and
/// folders inside (`(OI)(CI)`).
pub fn icacls_args(dir: &Path, user: Option<&str>) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec![
        dir.as_os_str().to_owned(),
        "/inheritance:r".into(),
        "/grant:r".into(),
        format!("{SID_SYSTEM}:(OI)(CI)F").into(),
        format!("{SID_ADMINISTRATORS}:(OI)(CI)F").into(),
    ];
    if let Some(u) = user {
        args.push(format!("{u}:(OI)(CI)F").into());
    }
    args.push("/Q".into());
    args
}

/// The account running this process as `icacls` names it, from `%USERDOMAIN%` and `%USERNAME%`;
/// `None` for the service accounts (SYSTEM, or a machine account ending in `$`), which are
/// already granted as SYSTEM.
pub fn current_user_from(domain: Option<&str>, name: Option<&str>) -> Option<String> {
    let name = name.filter(|n| !n.is_empty())?;
    if name.eq_ignore_ascii_case("SYSTEM") || name.ends_with('$') {
        return None;
    }
    Some(match domain.filter(|d| !d.is_empty()) {
        Some(d) => format!("{d}\\{name}"),
        None => name.to_owned(),
    })
}

/// Creates `dir` (and its parents) if missing; a folder created here is made owner-only.
pub fn ensure(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    create(dir)
}

#[cfg(unix)]
fn create(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    restrict(dir);
    Ok(())
}

/// Gives `dir` the protected access list of [`icacls_args`] (Windows; nothing elsewhere, where
/// the mode does it). Failures are logged as warnings.
pub fn restrict(dir: &Path) {
    if !cfg!(windows) {
        return;
    }
    let domain = std::env::var("USERDOMAIN").ok();
    let name = std::env::var("USERNAME").ok();
    let user = current_user_from(domain.as_deref(), name.as_deref());
    let result = std::process::Command::new("icacls")
        .args(icacls_args(dir, user.as_deref()))
        .stdin(std::process::Stdio::null())
        .output();
    match result {
        Ok(o) if o.status.success() => {
            tracing::debug!("{}: access restricted to its owner", dir.display());
        }
        Ok(o) => tracing::warn!(
            "{}: could not restrict access (icacls: {}): other users of this PC may read it",
            dir.display(),
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => tracing::warn!(
            "{}: could not restrict access (icacls: {e}): other users of this PC may read it",
            dir.display()
        ),
    }
}

/// Writes `data` to `path`, replacing its content, owner-only: created with mode 0600, and an
/// existing file with group or other permissions is tightened to its owner's (with a warning:
/// someone may have read it before). On Windows the file takes its folder's access list.
pub fn write_private_file(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut file = opts.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(mode & 0o700))?;
            tracing::warn!(
                "{}: was readable by other users (mode {:o}); now owner-only",
                path.display(),
                mode & 0o777
            );
        }
    }
    std::io::Write::write_all(&mut file, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_file_readable_by_others_is_tightened_before_it_is_written() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("cccd-private-file-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("EF_DG13.bin");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        write_private_file(&path, b"new").unwrap();
        assert_eq!(mode(&path), 0o600);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private_file(&path, b"newer").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"newer");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn icacls_arguments() {
        let dir = Path::new(r"C:\ProgramData\cccd-bridge");
        let a = icacls_args(dir, Some(r"CLINIC\reception"));
        let a: Vec<String> = a.iter().map(|s| s.to_string_lossy().into_owned()).collect();
        assert_eq!(
            a,
            [
                r"C:\ProgramData\cccd-bridge",
                "/inheritance:r",
                "/grant:r",
                "*S-1-5-18:(OI)(CI)F",
                "*S-1-5-32-544:(OI)(CI)F",
                r"CLINIC\reception:(OI)(CI)F",
                "/Q",
            ]
        );
        // No user: SYSTEM and Administrators only.
        let a = icacls_args(dir, None);
        assert_eq!(a.len(), 6);
        assert!(!a.iter().any(|s| s.to_string_lossy().contains("reception")));
    }

    #[test]
    fn current_user() {
        assert_eq!(
            current_user_from(Some("CLINIC"), Some("reception")).as_deref(),
            Some(r"CLINIC\reception")
        );
        assert_eq!(
            current_user_from(None, Some("reception")).as_deref(),
            Some("reception")
        );
        assert_eq!(current_user_from(Some("WORKGROUP"), Some("PC1$")), None);
        assert_eq!(
            current_user_from(Some("NT AUTHORITY"), Some("SYSTEM")),
            None
        );
        assert_eq!(current_user_from(Some("X"), None), None);
        assert_eq!(current_user_from(Some("X"), Some("")), None);
    }

    #[cfg(unix)]
    #[test]
    fn created_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let base = std::env::temp_dir().join(format!("cccd-private-{}", std::process::id()));
        let dir = base.join("a").join("b");
        ensure(&dir).unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
        ensure(&dir).unwrap();
        let _ = std::fs::remove_dir_all(&base);
    }
}
