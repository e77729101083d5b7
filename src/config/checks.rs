//! What `cccd config check` and `cccd serve` find wrong in a configuration that loaded: the
//! daemon's own rules (`[server]`), and a file holding API keys that other users may read.

use std::path::Path;

use super::{Loaded, Source};

/// Every problem of a loaded configuration, as sentences that say what to change (never a
/// secret's value).
pub fn problems(loaded: &Loaded) -> Vec<String> {
    let mut out = loaded.config.server.problems();
    if let Source::File(path) = &loaded.source
        && !loaded.config.server.api_keys.is_empty()
        && let Some(p) = readable_by_others(path)
    {
        out.push(p);
    }
    out
}

/// The problem of a file holding secrets that group or others may read (Unix modes; on Windows
/// the folder's access list decides, checked by `cccd service`).
#[cfg(unix)]
pub fn readable_by_others(path: &Path) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o077 != 0).then(|| {
        format!(
            "{} holds API keys and other users of this machine may read it (mode {:o}): \
             `chmod 600` it (the systemd unit reads it as a credential, see packaging/README.md)",
            path.display(),
            mode & 0o777
        )
    })
}

#[cfg(not(unix))]
pub fn readable_by_others(_path: &Path) -> Option<String> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_file_with_api_keys_must_be_owner_only() {
        let dir = std::env::temp_dir().join(format!("cccd-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        let text = "[server]\napi_keys = [\"0123456789abcdef0123\"]\n";
        std::fs::write(&path, text).unwrap();
        let loaded = |text: &str| Loaded {
            config: super::super::parse(text, &[]).unwrap().0,
            source: Source::File(path.clone()),
            overrides: Vec::new(),
        };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let p = problems(&loaded(text));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("mode 644") && p[0].contains("chmod 600"),
            "{p:?}"
        );
        assert!(!p[0].contains("0123456789abcdef"), "{p:?}");
        // No keys in the file: nothing to hide.
        assert!(problems(&loaded("")).is_empty());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(problems(&loaded(text)).is_empty());
        // The daemon's own rules are problems too.
        let p = problems(&loaded("[server]\napi_keys = [\"short\"]\n"));
        assert!(p.iter().any(|p| p.contains("shorter than 16")), "{p:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[cfg(test)]
mod page_login_tests {
    use super::*;

    /// `[[server.page_logins]]` parses, its problems are the configuration's, and the hash is
    /// masked in `cccd config check`'s view.
    #[test]
    fn page_logins_are_checked_and_their_hash_masked() {
        let hash = daemon::hash_page_password("mật khẩu").unwrap();
        let text = format!(
            "[server]\npage_credential_ttl_secs = 3600\n[[server.page_logins]]\nusername = \"binh\"\npassword_hash = \"{hash}\"\noperator_name = \"Trần Thị Bình\"\noperator_id = \"038190000001\"\n"
        );
        let loaded = |text: &str| Loaded {
            config: super::super::parse(text, &[]).unwrap().0,
            source: Source::Defaults,
            overrides: Vec::new(),
        };
        let ok = loaded(&text);
        assert_eq!(ok.config.server.page_logins.len(), 1);
        assert_eq!(ok.config.server.page_credential_ttl_secs, 3600);
        assert!(problems(&ok).is_empty(), "{:?}", problems(&ok));
        let shown = super::super::masked(&ok.config).to_string();
        assert!(
            !shown.contains("argon2") && shown.contains("binh"),
            "{shown}"
        );
        let bad = loaded(&text.replace("038190000001", "12"));
        let p = problems(&bad);
        assert!(p.iter().any(|p| p.contains("operator_id must be")), "{p:?}");
        assert!(!p.iter().any(|p| p.contains("argon2")), "{p:?}");
        // A password inline is an unknown key, hence an error.
        let e = super::super::parse(&text.replace("password_hash", "password"), &[]).unwrap_err();
        assert!(e.contains("password"), "{e}");
    }
}
