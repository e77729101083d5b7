//! Command-line behaviour that needs no card: bad input, a missing service, configuration.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use common::*;

#[test]
fn bad_hex_is_refused_before_touching_a_reader() {
    for bad in ["00A4XY", "00A", "00A4040C07A000"] {
        let o = cccd(&["apdu", bad]);
        assert_eq!(o.status.code(), Some(8), "{bad}: {}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1);
        assert!(stderr(&o).contains(bad), "{}", stderr(&o));
    }
}

#[test]
fn a_missing_service_is_explained() {
    // pcsc-lite's client library finds pcscd through this socket path.
    for args in [
        &["readers"][..],
        &["watch"],
        &["apdu", "00A4040C07A0000002471001"],
    ] {
        let o = Command::new(cccd_path())
            .args(args)
            .env("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm")
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(3), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("smart-card service is not running"), "{err}");
    }
}

#[test]
fn config_check_prints_the_effective_configuration_and_problems() {
    let dir = std::env::temp_dir().join(format!("cccd-config-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.toml");
    std::fs::write(&good, "[reader]\nname = \"ACR1252\"\nignore = [\"SAM\"]\n").unwrap();
    let o = Command::new(cccd_path())
        .args(["config", "check", "--json", "--config"])
        .arg(&good)
        .env("CCCD_READER__SHARE_MODE", "exclusive")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["effective"]["reader"]["name"], "ACR1252");
    assert_eq!(v["effective"]["reader"]["share_mode"], "exclusive");
    assert_eq!(v["overrides"][0], "CCCD_READER__SHARE_MODE");
    assert_eq!(v["problems"].as_array().map(Vec::len), Some(0));

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[reader]\nshare_mode = \"sometimes\"\n").unwrap();
    let o = Command::new(cccd_path())
        .args(["config", "check", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(7));
    assert!(stderr(&o).contains("sometimes"), "{}", stderr(&o));

    let o = Command::new(cccd_path())
        .args(["readers", "--config"])
        .arg(dir.join("missing.toml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(7));
    assert!(stderr(&o).contains("missing.toml"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Found with the configuration's fuzz target: `std::env::vars` panics on a variable that is not
/// Unicode, so any such variable, even one that has nothing to do with cccd, crashed every
/// command while loading the configuration.
#[cfg(unix)]
#[test]
fn an_environment_variable_that_is_not_unicode_is_no_crash() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = std::env::temp_dir().join(format!("cccd-config-env-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(&file, "[reader]\nshare_mode = \"shared\"\n").unwrap();
    let check = |name: &[u8], value: &[u8]| {
        Command::new(cccd_path())
            .args(["config", "check", "--config"])
            .arg(&file)
            .env(OsStr::from_bytes(name), OsStr::from_bytes(value))
            .output()
            .unwrap()
    };
    // Not an override: skipped.
    let o = check(b"SOME_TOOL_PATH", b"/opt/\xFFtool");
    assert!(o.status.success(), "{}", stderr(&o));
    // An override that cannot be applied: a configuration error naming it, not its value.
    let o = check(b"CCCD_READER__NAME", b"ACR\xFF1252");
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("CCCD_READER__NAME is not valid Unicode"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}
