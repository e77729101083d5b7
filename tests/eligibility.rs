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
