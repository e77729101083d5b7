//! "browserPolicy": whether each web origin of `[server] allowed_origins` may call the daemon on
//! this PC's loopback address under Chrome's and Edge's Local Network Access (142+: a page of
//! another address needs the user's permission, refused outright on `http://` pages), by an
//! enterprise policy of this machine, where the check can see one: the JSON policy folders on
//! Linux, the registry (`reg query`) on Windows (`domain/his-integration.md`, "Browsers").
//!
//! The policies ([Microsoft's and Google's policy lists]): `LoopbackNetworkAllowedForUrls`
//! (146+) and `LocalNetworkAccessAllowedForUrls` (140+) exempt the origins they match, unless a
//! higher one blocks them; in order of precedence `LoopbackNetworkBlockedForUrls`,
//! `LoopbackNetworkAllowedForUrls`, `LocalNetworkAccessBlockedForUrls`,
//! `LocalNetworkAccessAllowedForUrls`. Patterns are the enterprise policy URL patterns (`*`,
//! `[scheme://][[*.]host][:port][/path]`).

use std::path::{Path, PathBuf};

use super::checklist::{Checklist, Status};
use crate::config::Config;

const ID: &str = "browserPolicy";

/// The policies that decide a page's requests to this PC's loopback, highest precedence first,
/// and whether each allows.
const POLICIES: [(&str, bool); 4] = [
    ("LoopbackNetworkBlockedForUrls", false),
    ("LoopbackNetworkAllowedForUrls", true),
    ("LocalNetworkAccessBlockedForUrls", false),
    ("LocalNetworkAccessAllowedForUrls", true),
];

/// One browser's policies as this machine sets them.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct BrowserPolicies {
    /// `Google Chrome`, `Chromium`, `Microsoft Edge`.
    pub(super) browser: &'static str,
    /// Where they were read (folders, registry keys).
    pub(super) places: Vec<String>,
    /// Each policy of [`POLICIES`] set, with its patterns.
    pub(super) lists: Vec<(&'static str, Vec<String>)>,
    /// What could not be read (a file that is not JSON: the browser ignores it too).
    pub(super) problems: Vec<String>,
}

impl BrowserPolicies {
    fn add(&mut self, policy: &'static str, patterns: impl IntoIterator<Item = String>) {
        match self.lists.iter_mut().find(|(p, _)| *p == policy) {
            Some((_, l)) => l.extend(patterns),
            None => self.lists.push((policy, patterns.into_iter().collect())),
        }
    }

    /// What the browser does with a request from `origin` to loopback: `Some(true)` allowed,
    /// `Some(false)` blocked by a policy, `None` no policy says (the user's permission decides).
    pub(super) fn decision(&self, origin: &Origin) -> Option<bool> {
        POLICIES.iter().find_map(|(name, allows)| {
            let listed = self
                .lists
                .iter()
                .filter(|(p, _)| p == name)
                .flat_map(|(_, l)| l)
                .any(|pattern| pattern_matches(pattern, origin));
            listed.then_some(*allows)
        })
    }
}

/// A web origin of `allowed_origins`: `scheme://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    pub(super) fn parse(text: &str) -> Option<Self> {
        let (scheme, rest) = text.trim().split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let default = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return None,
        };
        let (host, port) = split_host_port(rest.split('/').next()?)?;
        let port = match port {
            None => default,
            Some(p) => p.parse().ok()?,
        };
        Some(Self {
            scheme,
            host: host.to_ascii_lowercase(),
            port,
        })
    }

    /// Whether the origin is this PC itself: its requests to loopback are not gated.
    fn is_loopback(&self) -> bool {
        let h = self.host.trim_start_matches('[').trim_end_matches(']');
        h == "localhost"
            || h.ends_with(".localhost")
            || h.parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

/// `host[:port]`, the host of an IPv6 address in brackets; `None` when empty.
fn split_host_port(text: &str) -> Option<(&str, Option<&str>)> {
    if text.is_empty() {
        return None;
    }
    if text.starts_with('[') && !text.starts_with("[*.]") {
        let end = text.find(']')?;
        let port = text[end + 1..].strip_prefix(':');
        return Some((&text[..=end], port));
    }
    Some(match text.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (text, None),
    })
}

/// Whether an enterprise policy URL pattern matches `origin`.
pub(super) fn pattern_matches(pattern: &str, origin: &Origin) -> bool {
    let p = pattern.trim();
    if p == "*" {
        return true;
    }
    let rest = match p.split_once("://") {
        Some((scheme, rest)) => {
            if scheme != "*" && !scheme.eq_ignore_ascii_case(&origin.scheme) {
                return false;
            }
            rest
        }
        None => p,
    };
    // A path (or `@query`) narrows a pattern to pages under it: the origin is covered there.
    let host_port = rest.split(['/', '@']).next().unwrap_or("");
    let Some((host, port)) = split_host_port(host_port) else {
        return false;
    };
    let port_ok = match port {
        None | Some("*") => true,
        Some(n) => n.parse::<u16>().is_ok_and(|n| n == origin.port),
    };
    let host = host.to_ascii_lowercase();
    let host_ok = match host.strip_prefix("[*.]") {
        Some(domain) => origin.host == domain || origin.host.ends_with(&format!(".{domain}")),
        None => host == "*" || host == origin.host,
    };
    port_ok && host_ok
}

/// What the check says about `origins` under `browsers`' policies: its status, detail, advice.
pub(super) fn judge(
    origins: &[String],
    browsers: &[BrowserPolicies],
) -> (Status, String, Option<String>) {
    let mut lines = Vec::new();
    let (mut uncovered, mut blocked) = (false, false);
    for text in origins {
        let Some(origin) = Origin::parse(text) else {
            lines.push(format!("{text}: not an origin"));
            continue;
        };
        if origin.is_loopback() {
            lines.push(format!("{text}: on this PC, needs no policy"));
            continue;
        }
        let mut allowing = Vec::new();
        let mut blocking = Vec::new();
        for b in browsers {
            match b.decision(&origin) {
                Some(true) => allowing.push(b.browser),
                Some(false) => blocking.push(b.browser),
                None => {}
            }
        }
        if !blocking.is_empty() {
            blocked = true;
            lines.push(format!("{text}: BLOCKED by {}", blocking.join(", ")));
        }
        if allowing.is_empty() {
            uncovered = true;
            if blocking.is_empty() {
                lines.push(format!("{text}: not covered by any browser policy"));
            }
        } else {
            lines.push(format!("{text}: allowed by {}", allowing.join(", ")));
        }
    }
    let looked: Vec<String> = browsers.iter().flat_map(|b| b.places.clone()).collect();
    let problems: Vec<String> = browsers.iter().flat_map(|b| b.problems.clone()).collect();
    let mut detail = lines.join("; ");
    if !problems.is_empty() {
        detail += &format!(" (unreadable: {})", problems.join("; "));
    }
    if uncovered || blocked {
        detail += &format!(" (looked in {})", looked.join(", "));
        let advice = "Chrome and Edge 142+ ask the user before a page of another address calls this PC's loopback (and refuse on http:// pages): allow each HIS origin with the policies LocalNetworkAccessAllowedForUrls and LoopbackNetworkAllowedForUrls (examples/browser-policy/ in the cccd-bridge sources), or the page fails with \"not running, or blocked\"".to_owned();
        (Status::Warn, detail, Some(advice))
    } else {
        (Status::Pass, detail, None)
    }
}

/// Linux: the managed policy folders of Google Chrome, Chromium and Microsoft Edge under `root`
/// (`/`). A policy set in two files of one folder: the browser takes one of them; the check
/// takes both.
pub(super) fn linux_policies(root: &Path) -> Vec<BrowserPolicies> {
    [
        ("Google Chrome", "etc/opt/chrome/policies/managed"),
        ("Chromium", "etc/chromium/policies/managed"),
        ("Microsoft Edge", "etc/opt/edge/policies/managed"),
    ]
    .into_iter()
    .map(|(browser, dir)| {
        let dir = root.join(dir);
        let mut b = BrowserPolicies {
            browser,
            places: vec![dir.display().to_string()],
            ..BrowserPolicies::default()
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "json"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        for file in files {
            let parsed = std::fs::read_to_string(&file)
                .map_err(|e| e.to_string())
                .and_then(|t| {
                    serde_json::from_str::<serde_json::Value>(&t).map_err(|e| e.to_string())
                });
            match parsed {
                Ok(v) => {
                    for (name, _) in POLICIES {
                        if let Some(list) = v.get(name).and_then(|l| l.as_array()) {
                            b.add(
                                name,
                                list.iter().filter_map(|p| p.as_str()).map(str::to_owned),
                            );
                        }
                    }
                }
                Err(e) => b.problems.push(format!("{}: {e}", file.display())),
            }
        }
        b
    })
    .collect()
}

/// The string values of `reg query KEY` (a list policy's entries `1`, `2`, … are `REG_SZ`).
pub(super) fn parse_reg_query(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let _name = words.next()?;
            (words.next()? == "REG_SZ").then(|| words.collect::<Vec<_>>().join(" "))
        })
        .filter(|v| !v.is_empty())
        .collect()
}

/// Windows: the policy keys of Google Chrome and Microsoft Edge, machine-wide and the user's,
/// through `reg query` (a key that does not exist is a policy not set).
fn windows_policies() -> Vec<BrowserPolicies> {
    [
        ("Google Chrome", r"SOFTWARE\Policies\Google\Chrome"),
        ("Microsoft Edge", r"SOFTWARE\Policies\Microsoft\Edge"),
    ]
    .into_iter()
    .map(|(browser, key)| {
        let mut b = BrowserPolicies {
            browser,
            ..BrowserPolicies::default()
        };
        for hive in ["HKLM", "HKCU"] {
            b.places.push(format!(r"{hive}\{key}"));
            for (name, _) in POLICIES {
                let out = std::process::Command::new("reg")
                    .args(["query", &format!(r"{hive}\{key}\{name}")])
                    .output();
                if let Ok(o) = out
                    && o.status.success()
                {
                    b.add(name, parse_reg_query(&String::from_utf8_lossy(&o.stdout)));
                }
            }
        }
        b
    })
    .collect()
}

/// "browserPolicy".
pub(super) fn check_browser_policy(list: &mut Checklist, cfg: &Config) {
    let origins = &cfg.server.allowed_origins;
    if origins.is_empty() {
        list.skip(
            ID,
            "no [server] allowed_origins: no web page calls the daemon",
        );
        return;
    }
    let browsers = match std::env::consts::OS {
        "linux" => linux_policies(Path::new("/")),
        "windows" => windows_policies(),
        _ => {
            list.skip(
                ID,
                "this system's browser policies are not read (only Linux's JSON files and Windows' registry are)",
            );
            return;
        }
    };
    let (status, detail, advice) = judge(origins, &browsers);
    list.add(ID, status, detail, advice);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn origin(s: &str) -> Origin {
        Origin::parse(s).unwrap()
    }

    #[test]
    fn url_patterns_as_the_policies_take_them() {
        let his = origin("http://his.benhvien.local:8080");
        for yes in [
            "*",
            "http://his.benhvien.local:8080",
            "HTTP://HIS.benhvien.local:8080/",
            "his.benhvien.local",
            "*://his.benhvien.local:*",
            "[*.]benhvien.local",
            "[*.]his.benhvien.local",
            "http://his.benhvien.local/his/*",
        ] {
            assert!(pattern_matches(yes, &his), "{yes}");
        }
        for no in [
            "https://his.benhvien.local:8080",
            "http://his.benhvien.local:80",
            "benhvien.local",
            "[*.]other.local",
            "http://10.0.0.5:8080",
            "",
        ] {
            assert!(!pattern_matches(no, &his), "{no}");
        }
        let plain = origin("http://10.77.0.1");
        assert!(pattern_matches("http://10.77.0.1:80", &plain));
        assert!(!pattern_matches("http://10.77.0.1:8080", &plain));
        let v6 = origin("http://[fd00::5]:8080");
        assert!(pattern_matches("http://[fd00::5]:8080", &v6));
        assert!(!pattern_matches("http://[fd00::6]", &v6));
        assert!(origin("http://127.0.0.1:9000").is_loopback());
        assert!(origin("http://localhost:3000").is_loopback());
        assert!(!his.is_loopback());
    }

    fn chrome(lists: &[(&'static str, &[&str])]) -> BrowserPolicies {
        BrowserPolicies {
            browser: "Google Chrome",
            places: vec!["/etc/opt/chrome/policies/managed".into()],
            lists: lists
                .iter()
                .map(|(n, l)| (*n, l.iter().map(|s| (*s).to_owned()).collect()))
                .collect(),
            problems: Vec::new(),
        }
    }

    #[test]
    fn precedence_and_the_verdict() {
        let his = vec!["http://his.benhvien.local:8080".to_owned()];
        let allowed = chrome(&[("LocalNetworkAccessAllowedForUrls", &["[*.]benhvien.local"])]);
        let (s, d, a) = judge(&his, &[allowed]);
        assert_eq!(s, Status::Pass, "{d}");
        assert_eq!(
            d,
            "http://his.benhvien.local:8080: allowed by Google Chrome"
        );
        assert!(a.is_none());
        // A loopback block outranks the general allow; a loopback allow outranks a general block.
        let blocked = chrome(&[
            ("LocalNetworkAccessAllowedForUrls", &["*"]),
            (
                "LoopbackNetworkBlockedForUrls",
                &["http://his.benhvien.local:8080"],
            ),
        ]);
        let (s, d, _) = judge(&his, &[blocked]);
        assert_eq!(s, Status::Warn);
        assert!(d.contains("BLOCKED by Google Chrome"), "{d}");
        let unblocked = chrome(&[
            ("LocalNetworkAccessBlockedForUrls", &["*"]),
            ("LoopbackNetworkAllowedForUrls", &["his.benhvien.local"]),
        ]);
        assert_eq!(judge(&his, &[unblocked]).0, Status::Pass);
        // Nothing set: the user's permission decides, which the check warns of.
        let (s, d, a) = judge(&his, &[chrome(&[])]);
        assert_eq!(s, Status::Warn);
        assert!(d.contains("not covered by any browser policy"), "{d}");
        assert!(d.contains("/etc/opt/chrome/policies/managed"), "{d}");
        assert!(a.unwrap().contains("LoopbackNetworkAllowedForUrls"));
        // This PC's own pages need none.
        let (s, d, _) = judge(&["http://127.0.0.1:8080".to_owned()], &[chrome(&[])]);
        assert_eq!(s, Status::Pass, "{d}");
    }

    /// `reg query` as Windows prints it, for a list policy with two entries.
    #[test]
    fn reg_query_output_is_read() {
        let out = "\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome\\LocalNetworkAccessAllowedForUrls\r\n    1    REG_SZ    http://his.benhvien.local:8080\r\n    2    REG_SZ    [*.]benhvien.local\r\n    note    REG_DWORD    0x1\r\n\r\n";
        assert_eq!(
            parse_reg_query(out),
            ["http://his.benhvien.local:8080", "[*.]benhvien.local"]
        );
        assert!(
            parse_reg_query(
                "ERROR: The system was unable to find the specified registry key or value.\r\n"
            )
            .is_empty()
        );
        assert!(parse_reg_query("").is_empty());
    }

    #[test]
    fn linux_policy_folders_are_read_and_a_bad_file_is_reported() {
        let root = std::env::temp_dir().join(format!("cccd-policy-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let chromium = root.join("etc/chromium/policies/managed");
        std::fs::create_dir_all(&chromium).unwrap();
        std::fs::write(
            chromium.join("cccd-bridge.json"),
            r#"{"LocalNetworkAccessAllowedForUrls": ["http://his.benhvien.local:8080"], "LoopbackNetworkAllowedForUrls": ["http://his.benhvien.local:8080"], "HomepageLocation": "x"}"#,
        )
        .unwrap();
        std::fs::write(chromium.join("broken.json"), "{ not json").unwrap();
        std::fs::write(chromium.join("notes.txt"), "ignored").unwrap();
        let found = linux_policies(&root);
        assert_eq!(found.len(), 3);
        let c = found.iter().find(|b| b.browser == "Chromium").unwrap();
        assert_eq!(c.lists.len(), 2, "{c:?}");
        assert_eq!(c.problems.len(), 1);
        assert!(c.problems[0].contains("broken.json"));
        let (s, d, _) = judge(&["http://his.benhvien.local:8080".to_owned()], &found);
        assert_eq!(s, Status::Pass, "{d}");
        assert!(
            d.contains("allowed by Chromium") && d.contains("unreadable"),
            "{d}"
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
