//! End to end: `cccd gateway-sim` as a child process and `cccd eligibility` against it through a
//! configuration file (issue 6).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::{DEADLINE, cccd_path, spawn_lines, stderr, stdout};
use serde_json::Value;

/// The simulator child, killed on drop.
struct GatewaySim {
    child: Child,
    addr: String,
}

impl GatewaySim {
    fn start(args: &[&str]) -> Self {
        let mut child = Command::new(cccd_path())
            .args(["gateway-sim", "--listen", "127.0.0.1:0", "--json"])
            .args(args)
            .env("CCCD_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start cccd gateway-sim");
        let lines = spawn_lines(child.stdout.take().unwrap());
        let first = lines
            .recv_timeout(DEADLINE)
            .expect("cccd gateway-sim printed no start-up line");
        let v: Value = serde_json::from_str(&first).expect("start-up JSON");
        let addr = v["listen"].as_str().unwrap().to_owned();
        assert_eq!(v["url"], format!("http://{addr}"));
        assert!(v["records"].as_u64().unwrap() >= 1);
        Self { child, addr }
    }

    /// A bare HTTP/1.1 request (no client library needed for the simulator's control routes).
    fn http(&self, method: &str, path: &str, body: &str) -> Value {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr,
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        s.read_to_string(&mut response).unwrap();
        let (_, body) = response.split_once("\r\n\r\n").unwrap();
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {response}"))
    }
}

impl Drop for GatewaySim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cccd-eligibility-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write_config(dir: &Path, url: &str, password: &str) -> PathBuf {
    let pass = dir.join("bhxh.pass");
    std::fs::write(&pass, format!("{password}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[eligibility]\n\
             gateway_url = \"{url}\"\n\
             username = \"38001_BV\"\n\
             password_file = {pass:?}\n\
             facility_code = \"38001\"\n\
             operator_name = \"Trần Thị Bình\"\n\
             operator_id = \"038190000001\"\n\
             timeout_secs = 5\n\
             cache_path = {cache:?}\n",
            pass = pass.display().to_string(),
            cache = dir.join("cache.sqlite").display().to_string(),
        ),
    )
    .unwrap();
    config
}

fn eligibility(config: &Path, args: &[&str]) -> Output {
    Command::new(cccd_path())
        .arg("--config")
        .arg(config)
        .args(["eligibility", "--json"])
        .args(args)
        .env_remove("CCCD_CONFIG")
        .env("CCCD_LOG", "trace")
        .output()
        .unwrap()
}

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", stdout(o), stderr(o)))
}

const AN: [&str; 6] = [
    "--id",
    "038095012345",
    "--name",
    "Nguyễn Văn An",
    "--dob",
    "17/08/1995",
];

#[test]
fn eligibility_against_the_gateway_simulator() {
    let sim = GatewaySim::start(&[]);
    let dir = temp_dir("e2e");
    assert_eq!(sim.http("GET", "/sim/stats", "")["total"], 0);
    let config = write_config(&dir, &format!("http://{}", sim.addr), "cccd-sim-demo");

    // The default virtual card's citizen: eligible, with the JSON of issue 6.
    let o = eligibility(&config, &AN);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "ageSeconds",
            "atRegisteredFacility",
            "cached",
            "card",
            "category",
            "fiveYearsFrom",
            "message",
            "resultCode",
            "validFrom",
            "validTo"
        ]
    );
    assert_eq!(v["category"], "eligible");
    assert_eq!(v["resultCode"], "000");
    assert_eq!(v["card"]["number"], "DN4383895012345");
    assert_eq!(v["atRegisteredFacility"], true);
    assert_eq!(v["cached"], false);
    assert_eq!(v["ageSeconds"], Value::Null);
    assert!(v["message"]["vi"].as_str().unwrap().contains("BHYT"));
    assert!(v["message"]["en"].as_str().unwrap().contains("valid"));
    // Even at TRACE, no secret and no query string on stderr.
    let err = stderr(&o);
    assert!(
        !err.contains("cccd-sim-demo") && !err.contains("token=") && !err.contains("password="),
        "{err}"
    );

    // The human output: Vietnamese first, English too.
    let h = Command::new(cccd_path())
        .arg("--config")
        .arg(&config)
        .arg("eligibility")
        .args(AN)
        .output()
        .unwrap();
    assert_eq!(h.status.code(), Some(0));
    let text = stdout(&h);
    let vi = text.find("ĐƯỢC HƯỞNG BHYT").expect(&text);
    let en = text
        .find("The health-insurance card is valid")
        .expect(&text);
    assert!(vi < en, "{text}");

    // Not eligible is a verdict: exit 0.
    let o = eligibility(
        &config,
        &[
            "--id",
            "036180000031",
            "--name",
            "Phạm Thị Dung",
            "--dob",
            "12/05/1980",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(json(&o)["category"], "not-eligible");

    // The gateway fails: the cached answer with its age; someone never cached: exit 11.
    let before = sim.http("GET", "/sim/stats", "");
    assert_eq!(
        sim.http("POST", "/sim/faults", r#"{"fault":"5xx"}"#)["ok"],
        true
    );
    let o = eligibility(&config, &AN);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(
        (v["category"].as_str(), v["cached"].as_bool()),
        (Some("eligible"), Some(true))
    );
    assert!(v["ageSeconds"].as_u64().is_some());
    let o = eligibility(
        &config,
        &[
            "--id",
            "001085000021",
            "--name",
            "Lê Văn Cường",
            "--dob",
            "1985",
        ],
    );
    assert_eq!(o.status.code(), Some(11), "{}", stderr(&o));
    assert_eq!(json(&o)["category"], "gateway-error");
    let after = sim.http("GET", "/sim/stats", "");
    assert_eq!(
        after["checkRequests"].as_u64().unwrap() - before["checkRequests"].as_u64().unwrap(),
        2,
        "one card check per command, no retry"
    );
    sim.http("DELETE", "/sim/faults", "");

    // Bad input: exit 8, before any request.
    let o = eligibility(&config, &["--id", "12345", "--name", "X", "--dob", "1990"]);
    assert_eq!(o.status.code(), Some(8));
    let o = eligibility(
        &config,
        &["--id", "038095012345", "--name", "X", "--dob", "31/02/1990"],
    );
    assert_eq!(o.status.code(), Some(8));

    // A wrong password: configuration-error naming the account, exit 7, no password anywhere.
    let bad = temp_dir("e2e-bad");
    let bad_config = write_config(&bad, &format!("http://{}", sim.addr), "not the password");
    let o = eligibility(&bad_config, &AN);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["category"], "configuration-error");
    assert!(v["message"]["en"].as_str().unwrap().contains("38001_BV"));
    assert!(!stdout(&o).contains("not the password") && !stderr(&o).contains("not the password"));

    // No gateway configured: exit 7.
    let empty = temp_dir("e2e-empty").join("config.toml");
    std::fs::write(&empty, "[eligibility]\n").unwrap();
    let o = eligibility(&empty, &AN);
    assert_eq!(o.status.code(), Some(7));
    assert!(stderr(&o).contains("gateway_url"), "{}", stderr(&o));

    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&bad);
}

#[test]
fn gateway_sim_refuses_a_bad_records_file_and_fault() {
    let dir = temp_dir("records");
    let records = dir.join("records.json");
    std::fs::write(&records, "{\"not\": \"an array\"}").unwrap();
    let o = Command::new(cccd_path())
        .args(["gateway-sim", "--listen", "127.0.0.1:0", "--records"])
        .arg(&records)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(8), "{}", stderr(&o));
    let o = Command::new(cccd_path())
        .args(["gateway-sim", "--listen", "127.0.0.1:0", "--fault", "boom"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // A records file of one's own is served.
    std::fs::write(
        &records,
        r#"[{"cccd":"001190000099","maKetQua":"000","maThe":"DN4010190000099","hoTen":"Test Một",
             "ngaySinh":"01/01/1990","gtTheTu":"01/01/2000","gtTheDen":"31/12/2099","maDKBD":"38001"}]"#,
    )
    .unwrap();
    let sim = GatewaySim::start(&["--records", records.to_str().unwrap()]);
    let config = write_config(&dir, &format!("http://{}", sim.addr), "cccd-sim-demo");
    let o = eligibility(
        &config,
        &[
            "--id",
            "001190000099",
            "--name",
            "Test Một",
            "--dob",
            "01/01/1990",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["category"], "eligible");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A password file owner-only in `dir`.
fn password_file(dir: &Path, name: &str, password: &str) -> String {
    let pass = dir.join(name);
    std::fs::write(&pass, format!("{password}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    pass.display().to_string()
}

/// A facility table for `[[eligibility.facility]]`.
fn facility_table(
    dir: &Path,
    code: &str,
    password: &str,
    operator: Option<(&str, &str)>,
) -> String {
    let mut t = format!(
        "[[eligibility.facility]]\ncode = \"{code}\"\nusername = \"{code}_BV\"\npassword_file = {:?}\n",
        password_file(dir, &format!("{code}.pass"), password)
    );
    if let Some((name, id)) = operator {
        t += &format!("operator_name = \"{name}\"\noperator_id = \"{id}\"\n");
    }
    t
}

/// The simulator's first facility with its operator.
fn first_facility(dir: &Path) -> String {
    facility_table(
        dir,
        "38001",
        "cccd-sim-demo",
        Some(("Trần Thị Bình", "038190000001")),
    )
}

/// A configuration with `extra` keys in `[eligibility]` and the facility `tables`; no reader
/// is used (`ignore` matches every name), so `cccd doctor` only probes the accounts.
fn write_facilities(dir: &Path, url: &str, extra: &str, tables: &[String]) -> PathBuf {
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[reader]\nignore = [\"\"]\n[eligibility]\ngateway_url = \"{url}\"\ntimeout_secs = 5\ncache_ttl_secs = 0\n{extra}{}",
            tables.concat()
        ),
    )
    .unwrap();
    config
}

fn account_checks(sim: &GatewaySim, username: &str) -> u64 {
    sim.http("GET", "/sim/stats", "")["accounts"][username]["checkRequests"]
        .as_u64()
        .unwrap()
}

#[test]
fn any_card_number_several_facilities_and_newborn_cards() {
    let sim = GatewaySim::start(&[]);
    let dir = temp_dir("facilities");
    let url = format!("http://{}", sim.addr);
    let config = write_facilities(
        &dir,
        &url,
        "",
        &[
            first_facility(&dir),
            facility_table(
                &dir,
                "38002",
                "cccd-sim-demo-38002",
                Some(("Lê Thị Hoa", "038192000002")),
            ),
        ],
    );
    let ngoc = ["--name", "Trương Thị Ngọc", "--dob", "06/06/1996"];
    // The BHYT number, asked by 38001 for a patient registered at 38002: 38001's account.
    let o = eligibility(
        &config,
        &[
            &["--card", "DN4383896000121", "--facility", "38001"][..],
            &ngoc,
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(
        (v["category"].as_str(), v["atRegisteredFacility"].as_bool()),
        (Some("eligible"), Some(false))
    );
    assert_eq!(
        (
            account_checks(&sim, "38001_BV"),
            account_checks(&sim, "38002_BV")
        ),
        (1, 0)
    );
    // The 12-digit ID asked by 38002 (its own operator); `--id` keeps working.
    let o = eligibility(
        &config,
        &[&["--id", "038196000121", "--facility", "38002"][..], &ngoc].concat(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["atRegisteredFacility"], true);
    assert_eq!(
        (
            account_checks(&sim, "38001_BV"),
            account_checks(&sim, "38002_BV")
        ),
        (1, 1)
    );
    // The social insurance number; the text names who asked.
    let h = Command::new(cccd_path())
        .arg("--config")
        .arg(&config)
        .args(["eligibility", "--card", "3896000121", "--facility", "38002"])
        .args(ngoc)
        .output()
        .unwrap();
    assert_eq!(h.status.code(), Some(0), "{}", stderr(&h));
    assert!(stdout(&h).contains("38002 (38002_BV)"), "{}", stdout(&h));

    // Refused before any request: no facility named, a wrong number of each kind.
    let before = sim.http("GET", "/sim/stats", "")["total"].as_u64().unwrap();
    let o = eligibility(&config, &[&["--id", "038196000121"][..], &ngoc].concat());
    assert_eq!(o.status.code(), Some(8));
    assert!(
        stderr(&o).contains("several facilities") && stderr(&o).contains("38001, 38002"),
        "{}",
        stderr(&o)
    );
    for (flag, number, says) in [
        ("--card", "DN438389600012", "15 characters (14 given)"),
        ("--card", "DN6383896000121", "benefit level"),
        ("--card", "03819600012", "11 digits given"),
        (
            "--card",
            "3896-000121",
            "12-digit ID number, a 10-digit social insurance number or a 15-character",
        ),
        ("--id", "3896000121", "12 digits"),
    ] {
        let o = eligibility(
            &config,
            &[&[flag, number, "--facility", "38001"][..], &ngoc].concat(),
        );
        assert_eq!(o.status.code(), Some(8), "{number}: {}", stderr(&o));
        assert!(
            stderr(&o).contains(says) && stderr(&o).contains(flag),
            "{number}: {}",
            stderr(&o)
        );
        assert!(
            !stderr(&o).contains(number),
            "the number is not echoed: {}",
            stderr(&o)
        );
    }
    let o = eligibility(
        &config,
        &[
            "--card",
            "DN4383896000121",
            "--id",
            "038196000121",
            "--name",
            "X",
            "--dob",
            "1990",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(2),
        "--id and --card exclude each other"
    );
    assert_eq!(
        sim.http("GET", "/sim/stats", "")["total"].as_u64().unwrap(),
        before
    );

    // A temporary newborn card: not sent, not an error.
    let o = eligibility(
        &config,
        &[
            "--card",
            "TE1383800012345",
            "--registered-facility",
            "38000",
            "--facility",
            "38001",
            "--name",
            "Con Bà Lan",
            "--dob",
            "01/03/2026",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(
        (v["category"].as_str(), v["resultCode"].as_str()),
        (Some("temporary-card"), None)
    );
    assert_eq!(
        sim.http("GET", "/sim/stats", "")["total"].as_u64().unwrap(),
        before
    );

    // A held card: the gateway's words verbatim, a gateway error (exit 11).
    let o = eligibility(
        &config,
        &[
            "--id",
            "001196000101",
            "--facility",
            "38001",
            "--name",
            "Trịnh Thị Oanh",
            "--dob",
            "02/02/1996",
        ],
    );
    assert_eq!(o.status.code(), Some(11), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["gatewayMessage"], "Thẻ BHYT đang bị tạm giữ");
    assert_eq!(v["resultCode"], "901");

    // The single-facility keys beside the tables: refused, saying what to change.
    let mixed = write_facilities(
        &dir,
        &url,
        "username = \"38001_BV\"\n",
        &[facility_table(&dir, "38001", "cccd-sim-demo", None)],
    );
    let o = eligibility(&mixed, &[&["--id", "038196000121"][..], &ngoc].concat());
    assert_eq!(o.status.code(), Some(7));
    assert!(
        stderr(&o).contains("move it into a [[eligibility.facility]] table"),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_copayment_through_the_cli() {
    let sim = GatewaySim::start(&[]);
    let dir = temp_dir("copayment");
    let url = format!("http://{}", sim.addr);
    let config = write_config(&dir, &url, "cccd-sim-demo");
    let o = eligibility(&config, &[&AN[..], &["--copayment"]].concat());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["category"], "found");
    assert_eq!(
        (v["accumulated"].as_u64(), v["threshold"].as_u64()),
        (Some(15_600_000), Some(14_040_000))
    );
    assert_eq!(v["aboveThreshold"], true);
    assert_eq!(v["stays"].as_array().unwrap().len(), 2);
    assert!(!stdout(&o).to_lowercase().contains("exempt"));
    assert_eq!(sim.http("GET", "/sim/stats", "")["copaymentRequests"], 1);
    let h = Command::new(cccd_path())
        .arg("--config")
        .arg(&config)
        .arg("eligibility")
        .args(AN)
        .arg("--copayment")
        .output()
        .unwrap();
    assert!(
        stdout(&h).contains("15.600.000 đ") && stdout(&h).contains("14.040.000 đ"),
        "{}",
        stdout(&h)
    );
    // Another base salary moves the threshold: 6 × 3.000.000 = 18.000.000, not above.
    let mut text = std::fs::read_to_string(&config).unwrap();
    text += "base_salary = 3000000\ncopayment_timeout_secs = 1\n";
    std::fs::write(&config, &text).unwrap();
    let v = json(&eligibility(&config, &[&AN[..], &["--copayment"]].concat()));
    assert_eq!(
        (v["threshold"].as_u64(), v["aboveThreshold"].as_bool()),
        (Some(18_000_000), Some(false))
    );
    // Slower than copayment_timeout_secs: a gateway error after one request.
    sim.http(
        "POST",
        "/sim/faults",
        r#"{"fault":"slow-copayment:3000","times":1}"#,
    );
    let before = sim.http("GET", "/sim/stats", "")["copaymentRequests"]
        .as_u64()
        .unwrap();
    let o = eligibility(&config, &[&AN[..], &["--copayment"]].concat());
    assert_eq!(o.status.code(), Some(11), "{}", stderr(&o));
    assert_eq!(json(&o)["category"], "gateway-error");
    assert_eq!(
        sim.http("GET", "/sim/stats", "")["copaymentRequests"]
            .as_u64()
            .unwrap()
            - before,
        1
    );
    // The restricted list: for the administrator (exit 7).
    let restricted = write_facilities(
        &dir,
        &url,
        "",
        &[facility_table(&dir, "38004", "cccd-sim-demo-38004", None)],
    );
    let o = eligibility(&restricted, &[&AN[..], &["--copayment"]].concat());
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert_eq!(json(&o)["category"], "restricted-account");
    // --copayment takes no operator or visit date.
    let o = eligibility(
        &config,
        &[&AN[..], &["--copayment", "--visit-date", "01/01/2026"]].concat(),
    );
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

fn doctor_gateway_checks(config: &Path) -> (Option<i32>, Vec<Value>) {
    let o = Command::new(cccd_path())
        .arg("--config")
        .arg(config)
        .args(["doctor", "--json"])
        .env_remove("CCCD_CONFIG")
        .env("CCCD_LOG", "warn")
        .output()
        .unwrap();
    let checks = json(&o)["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "gatewayAccount")
        .cloned()
        .collect();
    (o.status.code(), checks)
}

#[test]
fn doctor_probes_each_configured_account() {
    let sim = GatewaySim::start(&[]);
    let dir = temp_dir("doctor");
    let url = format!("http://{}", sim.addr);
    let config = write_facilities(
        &dir,
        &url,
        "",
        &[
            first_facility(&dir),
            facility_table(
                &dir,
                "38003",
                "cccd-sim-demo-38003",
                Some(("Phạm Văn Quang", "038188000003")),
            ),
            facility_table(&dir, "38002", "a wrong password", None),
        ],
    );
    let (code, checks) = doctor_gateway_checks(&config);
    assert_eq!(code, Some(10));
    assert_eq!(checks.len(), 3, "{checks:?}");
    assert_eq!(checks[0]["status"], "pass", "{}", checks[0]);
    assert!(
        checks[0]["detail"]
            .as_str()
            .unwrap()
            .contains("facility 38001, account 38001_BV")
    );
    assert_eq!(checks[1]["status"], "fail");
    assert!(
        checks[1]["advice"]
            .as_str()
            .unwrap()
            .contains("không có quyền tra cứu"),
        "{}",
        checks[1]
    );
    assert_eq!(checks[2]["status"], "fail");
    assert!(
        checks[2]["advice"]
            .as_str()
            .unwrap()
            .contains("từ chối đăng nhập"),
        "{}",
        checks[2]
    );
    assert!(!checks[2].to_string().contains("a wrong password"));
    let st = sim.http("GET", "/sim/stats", "");
    assert_eq!(
        st["accounts"]["38001_BV"]["checkRequests"], 1,
        "the fake card, once"
    );
    assert_eq!(st["accounts"]["38002_BV"]["checkRequests"], 0);
    // A closed port: the advice points at the registered IP. Nothing configured: no check.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = write_facilities(
        &dir,
        &format!("http://127.0.0.1:{port}"),
        "",
        &[facility_table(&dir, "38001", "cccd-sim-demo", None)],
    );
    let (_, checks) = doctor_gateway_checks(&closed);
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0]["status"], "fail");
    assert!(
        checks[0]["advice"].as_str().unwrap().contains("IP"),
        "{}",
        checks[0]
    );
    let none = dir.join("none.toml");
    std::fs::write(&none, "[reader]\nignore = [\"\"]\n").unwrap();
    assert!(doctor_gateway_checks(&none).1.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_simulator_lists_its_accounts() {
    let mut child = Command::new(cccd_path())
        .args([
            "gateway-sim",
            "--listen",
            "127.0.0.1:0",
            "--json",
            "--session-ttl",
            "30",
            "--fault",
            "slow-copayment:10",
        ])
        .env("CCCD_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = spawn_lines(child.stdout.take().unwrap());
    let v: Value = serde_json::from_str(&lines.recv_timeout(DEADLINE).unwrap()).unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let accounts = v["accounts"].as_array().unwrap();
    let names: Vec<&str> = accounts
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["38001_BV", "38002_BV", "38003_BV", "38004_BV"]);
    assert_eq!(accounts[2]["mayQuery"], false);
    assert_eq!(accounts[3]["restricted"], true);
    assert_eq!(v["username"], "38001_BV", "the first account, as before");
    assert_eq!(v["faults"][0], "SlowCopayment(10ms)");
}
