//! Logs a hospital can collect: `cccd demo --log-format json` with `[desk] name` set through the
//! environment writes one JSON object per line, each naming the desk, and the whole trace log of
//! a read of the virtual card holds none of its holder's values (name, ID numbers, dates,
//! addresses, parents); the read has its one line (`reader`, `event`, `outcome`,
//! `duration_ms`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/http.rs"]
mod http;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

/// The virtual card's personal values, as printed and in the forms the record's JSON uses.
fn personal_values() -> Vec<String> {
    let c = card_sim::Profile::default_profile()
        .unwrap()
        .citizen
        .expect("the default profile has a citizen");
    let mut v = vec![
        c.id_number.clone(),
        c.full_name.clone(),
        c.full_name.to_uppercase(),
        c.place_of_residence.clone(),
        c.place_of_origin.clone(),
        c.identifying_marks.clone(),
    ];
    v.extend(
        [
            &c.old_id_number,
            &c.father_name,
            &c.mother_name,
            &c.spouse_name,
        ]
        .into_iter()
        .flatten()
        .cloned(),
    );
    for date in [&c.date_of_birth, &c.date_of_issue, &c.date_of_expiry] {
        let p: Vec<&str> = date.split('/').collect();
        v.push(date.clone());
        v.push(format!("{}-{}-{}", p[2], p[1], p[0]));
        v.push(format!("{}{}{}", p[2], p[1], p[0]));
    }
    // The family and given names alone, and the street of the residence.
    v.push(c.full_name.split(' ').take(2).collect::<Vec<_>>().join(" "));
    v.push("Lê Lợi".into());
    v.retain(|s| !s.trim().is_empty());
    v
}

#[test]
fn json_logs_name_the_desk_and_hold_no_personal_data() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cccd"))
        .args(["demo", "--json", "--log-format", "json", "-vvv"])
        .env_remove("CCCD_CONFIG")
        .env_remove("CCCD_LOG")
        .env("CCCD_DESK__NAME", "quay-logs-7")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let start: Value = serde_json::from_str(&line).unwrap();
    let addr = start["listen"][0].as_str().unwrap().to_owned();
    let key = start["apiKey"].as_str().unwrap().to_owned();
    let auth = format!("Bearer {key}");
    let tap = http::request(
        &addr,
        "POST",
        "/v1/demo/tap",
        &[("Authorization", &auth)],
        None,
    );
    assert_eq!(tap.status, 204);
    let read = http::post_json(
        &addr,
        "/v1/cards/read",
        Some(&key),
        &json!({"can": start["can"], "waitSeconds": 20}),
    );
    assert_eq!(read.status, 200, "{}", read.text());
    let record = read.json();
    assert_eq!(
        record["citizen"]["fullName"],
        card_sim::Profile::default_profile()
            .unwrap()
            .citizen
            .unwrap()
            .full_name,
        "the read did return the holder (the values searched for are the right ones)"
    );
    let session = record["sessionId"].as_str().unwrap();
    let gone = http::request(
        &addr,
        "DELETE",
        &format!("/v1/sessions/{session}"),
        &[("Authorization", &auth)],
        None,
    );
    assert!(gone.status < 300, "{}", gone.status);
    let _ = child.kill();
    let _ = child.wait();
    let log = err_thread.join().unwrap();

    let lines: Vec<&str> = log.lines().collect();
    assert!(
        lines.len() >= 3,
        "a debug log of start-up and a read:\n{log}"
    );
    for l in &lines {
        let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"));
        assert_eq!(v["desk"], "quay-logs-7", "{l}");
        for k in ["time", "level", "target", "message"] {
            assert!(v.get(k).is_some(), "no {k}: {l}");
        }
    }
    // One line per read, with the stable fields a collector keys on.
    let reads: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["event"] == "read.finished")
        .collect();
    assert_eq!(reads.len(), 1, "one line for the one read:\n{log}");
    let r = &reads[0];
    assert_eq!(
        (&r["level"], &r["reader"], &r["outcome"]),
        (&json!("INFO"), &json!(start["reader"]), &json!("complete")),
        "{r}"
    );
    assert!(r["duration_ms"].as_f64().is_some_and(|d| d > 0.0), "{r}");
    assert_eq!(r["fields"]["verdict"], "genuine", "{r}");
    for value in personal_values() {
        assert!(
            !log.contains(&value),
            "the log holds {value:?}:\n{}",
            lines
                .iter()
                .filter(|l| l.contains(&value))
                .copied()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
