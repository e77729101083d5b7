//! The integrator kit of `examples/`, tested for real:
//!
//! - the JavaScript client (`examples/cccd-client.js`) and `examples/his-page.html` in headless
//!   Chromium, from a page served on a private, non-loopback address (10.77.0.1) to `cccd demo`
//!   on 127.0.0.1: the test runs itself again in its own network and mount namespaces
//!   (`unshare --net --mount`, as root) with that address on the namespace's loopback;
//! - the browser policy of `examples/browser-policy/` as Chromium and `cccd doctor` read it (in
//!   the same kind of namespaces, the policy folders are the test's own);
//! - the C# client (`examples/csharp/`) built with Debian's Mono (C# 6, no NuGet) and run
//!   against `cccd demo`.
//!
//! A machine where a network namespace cannot be made (not root, no `unshare` or `ip`) skips the
//! namespace tests saying so loudly; under `scripts/test` (`CCCD_TEST_REQUIRE_NETNS=1`) that is a
//! failure instead.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/browser.rs"]
mod browser;
mod common;
#[path = "common/daemon.rs"]
mod daemon;
#[path = "common/http.rs"]
mod http;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use browser::{Browser, which};
use common::cccd_path;
use daemon::{CAN, Proc, temp_dir};
use http::{StaticServer, post_json};
use serde_json::{Value, json};

/// Set in the run of a test inside its own namespaces.
const INSIDE: &str = "CCCD_TEST_INSIDE_NETNS";
/// Set by `scripts/test`: a namespace test that cannot run fails instead of skipping.
const REQUIRE: &str = "CCCD_TEST_REQUIRE_NETNS";
/// The private, non-loopback address the HIS page is served from.
const PRIVATE: &str = "10.77.0.1";

fn example(path: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Why this machine cannot give a test its own network and mount namespaces, if it cannot.
fn namespace_problem() -> Option<String> {
    for (tool, package) in [("unshare", "util-linux"), ("ip", "iproute2")] {
        if which(tool).is_none() && !Path::new("/usr/sbin").join(tool).is_file() {
            return Some(format!(
                "`{tool}` is not installed (Debian package {package}; scripts/test installs it)"
            ));
        }
    }
    let o = Command::new("unshare")
        .args(["--net", "--mount", "--", "ip", "link", "set", "lo", "up"])
        .output();
    match o {
        Ok(o) if o.status.success() => None,
        Ok(o) => Some(format!(
            "`unshare --net --mount` failed ({}): a network namespace needs CAP_SYS_ADMIN, i.e. root (scripts/test runs as root; inside scripts/fresh-check's namespaces root has it too)",
            text(&o).trim()
        )),
        Err(e) => Some(format!("cannot run unshare: {e}")),
    }
}

/// Runs `test` (this file's test of that name) again inside its own network and mount
/// namespaces, and returns false; inside them, puts [`PRIVATE`] on the namespace's loopback and
/// returns true (the caller then runs the test's body). A machine that cannot make the
/// namespaces skips the test loudly, or fails it under `scripts/test`.
fn in_own_namespaces(test: &str) -> bool {
    if std::env::var_os(INSIDE).is_some() {
        for args in [
            &["link", "set", "lo", "up"][..],
            &["addr", "add", &format!("{PRIVATE}/24"), "dev", "lo"][..],
        ] {
            let o = Command::new("ip").args(args).output().unwrap();
            assert!(o.status.success(), "ip {args:?}: {}", text(&o));
        }
        return true;
    }
    if let Some(why) = namespace_problem() {
        assert!(
            std::env::var_os(REQUIRE).is_none(),
            "{test} cannot run here: {why}"
        );
        // Straight to the process's stderr: the test harness captures `eprintln!` of a passing
        // test, and a skip must be seen.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!(
                "\n************************************************************************\n\
                 SKIPPED {test}: {why}.\n\
                 This test of the integrator kit did NOT run (scripts/test makes it run).\n\
                 ************************************************************************\n"
            )
            .as_bytes(),
        );
        return false;
    }
    let o = Command::new("unshare")
        .args(["--net", "--mount", "--"])
        .arg(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let out = text(&o);
    assert!(
        o.status.success() && out.contains("1 passed"),
        "{test} failed in its own namespaces:\n{out}"
    );
    false
}

/// `cccd --config CONFIG demo --json`: the process, its address and its API key.
fn start_demo(config: &Path) -> (Proc, String, String) {
    let (proc, start) = daemon::start_demo(Some(config));
    let addr = start["listen"][0].as_str().unwrap().to_owned();
    (proc, addr, start["apiKey"].as_str().unwrap().to_owned())
}

/// The HIS page and the module, served from `PRIVATE` on a free port.
fn his_site() -> StaticServer {
    StaticServer::files(
        &format!("{PRIVATE}:0"),
        vec![
            (
                "/his-page.html".into(),
                "text/html; charset=utf-8",
                example("his-page.html"),
            ),
            (
                "/cccd-client.js".into(),
                "text/javascript; charset=utf-8",
                example("cccd-client.js"),
            ),
        ],
    )
}

/// Opens the HIS page of `site` for the daemon at `addr` with `key`, and presses its read
/// button; returns `window.his` once the read is over.
fn read_from(browser: &Browser, site: &StaticServer, addr: &str, key: &str) -> Value {
    browser.goto(&format!(
        "{}/his-page.html?d={addr}&k={key}&can={CAN}",
        site.origin()
    ));
    browser.wait_js("the HIS page", "return window.his && !window.his.done");
    browser.click("#read");
    browser.wait_js("the read's end", "return window.his.done && window.his")
}

/// The HIS page from a private address: from an origin of `allowed_origins` it reads the
/// virtual card, follows the read's events through a one-time ticket, and fills the check-in
/// form's empty fields from the registration block, leaving what staff typed first (the phone
/// number and a name) alone; from an origin that is not allowed it is refused, and the module
/// says the daemon refuses this origin; with the daemon stopped, the module's message names
/// both possibilities a page cannot tell apart: not running, or blocked by the browser's Local
/// Network Access.
///
/// Debian's Chromium (156) does not enforce Local Network Access for a page on a private
/// address calling loopback (measured: `domain/his-integration.md`), so the first read works
/// here without a policy or a permission; Google Chrome and Edge may block it (field trials,
/// and by default from their 142), which is what `examples/browser-policy/` and the module's
/// message are for. This test is here for the day this Chromium enforces it too: then the first
/// read fails with the "unreachable" message, and the test says so.
#[test]
fn the_his_page_from_a_private_address_reads_follows_events_and_fills_only_empty_fields() {
    if !in_own_namespaces(
        "the_his_page_from_a_private_address_reads_follows_events_and_fills_only_empty_fields",
    ) {
        return;
    }
    let allowed = his_site();
    let refused = his_site();
    let dir = temp_dir("his-kit");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!("[server]\nallowed_origins = [\"{}\"]\n", allowed.origin()),
    )
    .unwrap();
    let (demo, addr, key) = start_demo(&config);
    let browser = Browser::start("his-kit");

    // Staff typed the phone number and the name (without diacritics) before the card came.
    browser.goto(&format!(
        "{}/his-page.html?d={addr}&k={key}&can={CAN}",
        allowed.origin()
    ));
    browser.wait_js("the HIS page", "return window.his && !window.his.done");
    browser.type_into("#phone", "0912 345 678");
    browser.type_into("#hoTen", "Nguyen Van An");
    assert_eq!(
        post_json(&addr, "/v1/demo/tap", Some(&key), &json!({})).status,
        204
    );
    browser.click("#read");
    let his = browser.wait_js("the read's end", "return window.his.done && window.his");
    assert!(
        his["error"].is_null(),
        "the read from {} failed: {his}; if this says Local Network Access, this Chromium now enforces it for a private page calling loopback (see the comment above)",
        allowed.origin()
    );
    let value = |id: &str| browser.js(&format!("return document.getElementById('{id}').value"));
    assert_eq!(value("phone"), "0912 345 678");
    assert_eq!(value("hoTen"), "Nguyen Van An", "the typed name stays");
    for (id, want) in [
        ("soCccd", "038095012345"),
        ("soCmnd", "381234567"),
        ("ngaySinh", "17/08/1995"),
        ("gioiTinh", "1"),
        ("maDanToc", "01"),
        ("maQuocTich", "000"),
        (
            "diaChi",
            "Số 12 Đường Lê Lợi, Phường Hạc Thành, Tỉnh Thanh Hóa",
        ),
        ("maTinh", "38"),
        ("maXa", "14797"),
        ("theBhyt", "DN4383895012345"),
    ] {
        assert_eq!(value(id), want, "{id}");
    }
    assert_eq!(
        browser.js("return document.getElementById('soCccd').dataset.source"),
        "chip-verified"
    );
    assert!(
        browser
            .js("return document.getElementById('hoTen').dataset.source === undefined")
            .as_bool()
            .unwrap(),
        "the typed name is not marked as read"
    );
    let filled: Vec<&str> = his["filled"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        !filled.contains(&"hoTen") && filled.contains(&"soCccd"),
        "{filled:?}"
    );
    // The read's events, through the ticket's EventSource.
    let events = browser.wait_js(
        "the read's events",
        "return window.his.events.includes('eligibility.result') && window.his.events",
    );
    let events: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let from = events.iter().position(|n| *n == "card.read").unwrap();
    assert_eq!(
        events[from..from + 4],
        [
            "card.read",
            "card.verified",
            "card.photo",
            "eligibility.result"
        ],
        "{events:?}"
    );

    // Another private origin, not allowed: refused, and the module says why.
    let his = read_from(&browser, &refused, &addr, &key);
    assert_eq!(his["error"]["code"], "origin-refused", "{his}");
    let vi = his["error"]["vi"].as_str().unwrap();
    assert!(
        vi.contains("từ chối trang này")
            && vi.contains(&refused.origin())
            && vi.contains("allowed_origins"),
        "{vi}"
    );

    // The daemon stopped: the page cannot tell "not running" from "blocked by the browser",
    // and says both.
    drop(demo);
    let his = read_from(&browser, &allowed, &addr, &key);
    assert_eq!(his["error"]["code"], "unreachable", "{his}");
    let vi = his["error"]["vi"].as_str().unwrap();
    assert!(
        vi.contains("chưa chạy") && vi.contains("Local Network Access"),
        "{vi}"
    );
    let status = browser.js("return document.getElementById('status').textContent");
    assert!(
        status
            .as_str()
            .unwrap()
            .starts_with("Không kết nối được với cccd-bridge"),
        "Vietnamese first: {status}"
    );
}

/// Puts an empty tmpfs over `dir` in this test's own mount namespace (the machine's folder is
/// left as it is), keeping the files it had.
fn private_folder(dir: &str) {
    let keep = temp_dir(&format!("keep{}", dir.replace('/', "-")));
    if Path::new(dir).is_dir() {
        let o = Command::new("cp")
            .args(["-a", &format!("{dir}/."), keep.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(o.status.success(), "cp: {}", text(&o));
    } else {
        std::fs::create_dir_all(dir).unwrap();
    }
    let o = Command::new("mount")
        .args(["-t", "tmpfs", "tmpfs", dir])
        .output()
        .unwrap();
    assert!(o.status.success(), "mount a tmpfs on {dir}: {}", text(&o));
    let o = Command::new("cp")
        .args(["-a", &format!("{}/.", keep.display()), dir])
        .output()
        .unwrap();
    assert!(o.status.success(), "cp: {}", text(&o));
}

/// The browser policy of `examples/browser-policy/` installed as its README says, in Chromium's
/// and Chrome's folders (tmpfs mounts of this test's own mount namespace): Chromium loads both
/// policies without an error (`chrome://policy`), and `cccd doctor` sees the example's origin
/// allowed by both browsers and another configured origin not covered (a warning with advice).
#[test]
fn the_browser_policy_loads_in_chromium_and_cccd_doctor_sees_what_it_allows() {
    if !in_own_namespaces(
        "the_browser_policy_loads_in_chromium_and_cccd_doctor_sees_what_it_allows",
    ) {
        return;
    }
    let policy = example("browser-policy/cccd-bridge-lna.json");
    for dir in ["/etc/chromium", "/etc/opt"] {
        private_folder(dir);
    }
    for dir in [
        "/etc/chromium/policies/managed",
        "/etc/opt/chrome/policies/managed",
    ] {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(format!("{dir}/cccd-bridge-lna.json"), &policy).unwrap();
    }

    let browser = Browser::start("policy");
    browser.goto("chrome://policy");
    // The page's table is in shadow roots: its text is collected by walking them.
    let page = browser.wait_js(
        "chrome://policy listing the policies",
        "function text(n) { let t = ''; if (n.shadowRoot) t += text(n.shadowRoot); for (const c of n.childNodes) { if (c.nodeType === 3) { const x = c.textContent.trim(); if (x) t += x + ' | '; } else if (c.nodeName !== 'STYLE' && c.nodeName !== 'SCRIPT') t += text(c); } return t; } const t = text(document.body); return t.includes('LoopbackNetworkAllowedForUrls | ') && t",
    );
    let page = page.as_str().unwrap();
    for name in [
        "LocalNetworkAccessAllowedForUrls",
        "LoopbackNetworkAllowedForUrls",
    ] {
        let at = page
            .find(&format!("{name} | "))
            .unwrap_or_else(|| panic!("{name} not loaded: {page}"));
        let row = &page[at..];
        let row = &row[..row.find(" | Value | ").unwrap_or(row.len().min(300))];
        // Name, value, source, scope, level, status: "OK", not "Unknown policy" or an error.
        // Some builds add the row's "Show more | Show less" buttons after the status.
        let row = row.trim_end_matches(" | Show more | Show less");
        assert!(
            row.contains("http://his.benhvien.local:8080") && row.ends_with(" | OK"),
            "Chromium does not take {name}: {row}"
        );
    }

    let dir = temp_dir("policy");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        "[server]\nallowed_origins = [\"http://his.benhvien.local:8080\", \"http://other.benhvien.local\", \"http://127.0.0.1:3000\"]\n",
    )
    .unwrap();
    let o = Command::new(cccd_path())
        .arg("--config")
        .arg(&config)
        .args(["doctor", "--json"])
        .env_remove("CCCD_CONFIG")
        // No PC/SC here: the reader checks stop at once, the browser policy is checked anyway.
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm")
        .output()
        .unwrap();
    let v: Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    let check = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "browserPolicy")
        .unwrap_or_else(|| panic!("no browserPolicy check: {v}"));
    assert_eq!(check["status"], "warn", "{check}");
    let detail = check["detail"].as_str().unwrap();
    for part in [
        "http://his.benhvien.local:8080: allowed by Google Chrome, Chromium",
        "http://other.benhvien.local: not covered by any browser policy",
        "http://127.0.0.1:3000: on this PC, needs no policy",
        "/etc/opt/edge/policies/managed",
    ] {
        assert!(detail.contains(part), "{part:?} in {detail}");
    }
    assert!(
        check["advice"]
            .as_str()
            .unwrap()
            .contains("LocalNetworkAccessAllowedForUrls"),
        "{check}"
    );
}

/// Where the C# example is built.
fn csharp_build_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-artifacts/csharp")
}

/// The C# client for .NET Framework-era desktop HIS (`examples/csharp/`), compiled as C# 6 with
/// Debian's Mono (`mcs`, the framework's `System.Net.Http` and `System.Runtime.Serialization`;
/// no NuGet) and run against `cccd demo`: it reads the virtual card, prints the registration
/// block's values, the verdict and the eligibility, and the events it followed on the stream
/// (read line by line with the key, no ticket).
#[test]
fn the_csharp_client_builds_with_mono_and_reads_the_demo() {
    let mcs = which("mcs").expect(
        "this test needs Mono's C# compiler: install the Debian packages mono-mcs, libmono-system-net-http4.0-cil and libmono-system-runtime-serialization4.0-cil (scripts/test does)",
    );
    let out = csharp_build_dir();
    std::fs::create_dir_all(&out).unwrap();
    let exe = out.join("CccdClientExample.exe");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/csharp");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cs"))
        .collect();
    sources.sort();
    let o = Command::new(mcs)
        .args([
            "-langversion:6",
            "-target:exe",
            "-warnaserror+",
            "-r:System.Net.Http.dll",
            "-r:System.Runtime.Serialization.dll",
        ])
        .arg(format!("-out:{}", exe.display()))
        .args(&sources)
        .output()
        .unwrap();
    assert!(o.status.success(), "mcs: {}", text(&o));

    let dir = temp_dir("csharp");
    let config = dir.join("config.toml");
    std::fs::write(&config, "").unwrap();
    let (_demo, addr, key) = start_demo(&config);
    let o = Command::new(which("mono").expect("mono (Debian package mono-runtime)"))
        .arg(&exe)
        .args([
            "--url",
            &format!("http://{addr}"),
            "--key",
            &key,
            "--can",
            CAN,
        ])
        .env("LANG", "C.UTF-8")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "the C# client failed: {}", text(&o));
    for line in [
        "HO_TEN = Nguyễn Văn An (chip-verified)",
        "SO_CCCD = 038095012345 (chip-verified)",
        "NGAY_SINH = 199508170000 (chip-verified)",
        "GIOI_TINH = 1 (chip-verified)",
        "MA_DANTOC = 01 (chip-verified)",
        "MATINH_CU_TRU = 38 (chip-verified)",
        "MAXA_CU_TRU = 14797 (chip-verified)",
        "verdict = genuine",
        "eligibility = eligible",
        "event card.read",
        "event card.verified",
        "event eligibility.result",
    ] {
        assert!(
            printed.lines().any(|l| l.trim() == line),
            "no line {line:?} in:\n{printed}"
        );
    }
}
