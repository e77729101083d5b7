//! The page parses with the Python `prometheus_client` parser (`pip install prometheus-client`;
//! `CCCD_TEST_PYTHON` names the interpreter that has it, default `python3`): every metric has
//! its name, type and label set, and no label holds a value that was not given as a code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::Duration;

#[path = "support/python.rs"]
mod python;

use metrics::{Metrics, ReadSample};
use push::{EndpointStatus, PushStatus};
use python::parse_with_python;

#[test]
fn the_page_parses_with_names_types_and_label_sets() {
    let m = Metrics::new("quay-01");
    m.reader_added("ACS ACR1252 1S CL Reader PICC 0");
    m.read_finished(&ReadSample {
        outcome: "complete",
        verdict: Some("genuine"),
        duration: Some(Duration::from_millis(2100)),
        phases: &[
            ("access", Duration::from_millis(420)),
            ("DG13", Duration::from_millis(90)),
            ("verify", Duration::from_millis(3)),
        ],
        apdus: Some(41),
    });
    m.read_finished(&ReadSample {
        outcome: "card-removed",
        verdict: None,
        duration: None,
        phases: &[],
        apdus: None,
    });
    m.eligibility_checked("eligible", false);
    m.eligibility_checked("gateway-error", true);
    m.gateway_request(Duration::from_millis(350));
    m.recheck_queue_depth(2);
    let endpoint = |delivered, failed| EndpointStatus {
        name: "his".into(),
        state: "retrying",
        queued: 3,
        queued_bytes: 900,
        oldest_secs: Some(40),
        delivered,
        failed_attempts: failed,
        refused: 1,
        expired: 0,
        last_error: Some("HTTP 500".into()),
    };
    m.observe_push(&PushStatus {
        degraded: true,
        lost: 0,
        endpoints: vec![endpoint(5, 2)],
    });
    m.observe_push(&PushStatus {
        degraded: true,
        lost: 0,
        endpoints: vec![endpoint(7, 4)],
    });
    m.http_request("POST", "/v1/cards/read", 200);
    m.http_request("GET", "/v1/sessions/{id}", 404);
    let text = m.render();
    let families = parse_with_python(&text);

    let mut got: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for f in &families {
        let mut keys: Vec<String> = Vec::new();
        for s in f["samples"].as_array().unwrap() {
            for k in s["labels"].as_object().unwrap().keys() {
                if k != "le" && !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
            assert_eq!(s["labels"]["desk"], "quay-01", "{s}");
        }
        keys.sort();
        assert!(!f["help"].as_str().unwrap().is_empty(), "{f}");
        got.insert(
            f["name"].as_str().unwrap().to_owned(),
            (f["type"].as_str().unwrap().to_owned(), keys),
        );
    }
    let want: BTreeMap<String, (String, Vec<String>)> = [
        ("cccd_reads", "counter", &["desk", "outcome", "verdict"][..]),
        ("cccd_read_duration_seconds", "histogram", &["desk"]),
        (
            "cccd_read_phase_duration_seconds",
            "histogram",
            &["desk", "phase"],
        ),
        ("cccd_read_apdus", "histogram", &["desk"]),
        ("cccd_readers_present", "gauge", &["desk"]),
        (
            "cccd_eligibility_checks",
            "counter",
            &["category", "desk", "source"],
        ),
        (
            "cccd_gateway_request_duration_seconds",
            "histogram",
            &["desk"],
        ),
        ("cccd_recheck_queue_depth", "gauge", &["desk"]),
        ("cccd_push_outbox_depth", "gauge", &["desk", "endpoint"]),
        (
            "cccd_push_outbox_oldest_seconds",
            "gauge",
            &["desk", "endpoint"],
        ),
        ("cccd_push_delivered", "counter", &["desk", "endpoint"]),
        (
            "cccd_push_delivery_failures",
            "counter",
            &["desk", "endpoint"],
        ),
        ("cccd_push_refused", "counter", &["desk", "endpoint"]),
        ("cccd_push_expired", "counter", &["desk", "endpoint"]),
        ("cccd_push_lost", "counter", &["desk"]),
        ("cccd_push_degraded", "gauge", &["desk"]),
        (
            "cccd_http_requests",
            "counter",
            &["desk", "method", "route", "status"],
        ),
    ]
    .into_iter()
    .map(|(n, t, l)| {
        (
            n.to_owned(),
            (t.to_owned(), l.iter().map(|s| (*s).to_owned()).collect()),
        )
    })
    .collect();
    assert_eq!(got, want, "the page:\n{text}");

    // Values: counters as totals, histograms with their buckets, the push's growth added once.
    let sample = |family: &str, name: &str, labels: &[(&str, &str)]| -> f64 {
        let f = families.iter().find(|f| f["name"] == family).unwrap();
        f["samples"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name && labels.iter().all(|(k, v)| s["labels"][*k] == *v))
            .unwrap_or_else(|| panic!("no {name} {labels:?} in {f}"))["value"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(
        sample(
            "cccd_reads",
            "cccd_reads_total",
            &[("outcome", "card-removed"), ("verdict", "none")]
        ),
        1.0
    );
    assert_eq!(
        sample(
            "cccd_push_delivery_failures",
            "cccd_push_delivery_failures_total",
            &[("endpoint", "his")]
        ),
        4.0
    );
    assert_eq!(
        sample(
            "cccd_push_delivered",
            "cccd_push_delivered_total",
            &[("endpoint", "his")]
        ),
        7.0
    );
    assert_eq!(
        sample("cccd_push_outbox_depth", "cccd_push_outbox_depth", &[]),
        3.0
    );
    assert_eq!(sample("cccd_read_apdus", "cccd_read_apdus_count", &[]), 1.0);
    assert_eq!(
        sample(
            "cccd_read_duration_seconds",
            "cccd_read_duration_seconds_bucket",
            &[("le", "+Inf")]
        ),
        1.0,
        "a read that never reached a card has no read time"
    );
    assert_eq!(
        sample(
            "cccd_read_phase_duration_seconds",
            "cccd_read_phase_duration_seconds_count",
            &[("phase", "DG13")]
        ),
        1.0
    );
    assert_eq!(
        sample(
            "cccd_http_requests",
            "cccd_http_requests_total",
            &[("route", "/v1/sessions/{id}"), ("status", "404")]
        ),
        1.0
    );
    assert!(!text.contains("ACS ACR1252"), "reader names are not labels");
}
