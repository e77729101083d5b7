//! Files that hold personal data (the offline cache, the re-check queue, and the daemon's audit
//! log and its key): created owner-only, in a folder created owner-only.

use std::path::Path;

/// Creates `dir` (and its parents) owner-only (0700 on Unix) when it does not exist; an
/// existing folder is left as it is.
#[cfg(unix)]
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Creates `dir` (and its parents) when it does not exist.
#[cfg(not(unix))]
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    // Under the user's profile (the default path), Windows ACLs already keep others out.
    std::fs::create_dir_all(dir)
}

/// Creates the file owner-only before SQLite opens it (SQLite would create it with the umask's
/// permissions), and takes group and other permissions off an existing one: `true` when it had
/// to (the caller warns).
#[cfg(unix)]
pub fn create_private_file(path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    let mode = f.metadata()?.permissions().mode();
    if mode & 0o077 != 0 {
        f.set_permissions(std::fs::Permissions::from_mode(mode & 0o700))?;
        return Ok(true);
    }
    Ok(false)
}

/// Creates the file when it does not exist (`false`: nothing to tighten).
#[cfg(not(unix))]
pub fn create_private_file(path: &Path) -> std::io::Result<bool> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(|_| false)
}
