//! Issue 16, item 2 over real HTTP: the account probe against the simulator (an account that
//! may query, one that logs in but may not query, a refused login, a closed port, a proxy's
//! answer, a slow gateway, a username that looks like an ID number, a refused operator).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use eligibility::sim::{self, Fault};
use eligibility::{
    AccountProbe, GatewayClient, GatewayConfig, OfflineCache, Operator, ProbeFinding, ProbeStatus,
    Secret, probe_account,
};
use support::*;

async fn probe(
    url: &str,
    (username, password): (&str, &str),
    operator: Option<(&str, &str)>,
    f: &Fixture,
) -> AccountProbe {
    let c = client(url, username, password, f.clock.clone());
    let op = operator.map(|(name, id)| Operator {
        name: name.into(),
        id_number: id.into(),
    });
    probe_account(&c, Some("38001"), op.as_ref(), f.clock.as_ref()).await
}

#[tokio::test]
async fn an_account_that_may_query() {
    let f = Fixture::start().await;
    let p = probe(&f.sim.url(), (FIRST.0, FIRST.1), Some(FIRST_OPERATOR), &f).await;
    assert_eq!(
        (p.status, p.finding),
        (ProbeStatus::Pass, ProbeFinding::MayQuery),
        "{p:?}"
    );
    assert!(
        p.detail.contains("0000000000") && p.detail.contains("050"),
        "{}",
        p.detail
    );
    assert_eq!(p.advice, None);
    assert_eq!(
        (p.facility.as_deref(), p.account.as_deref()),
        (Some("38001"), Some("38001_BV"))
    );
    assert_eq!(
        (f.sim.stats().token_requests, f.sim.stats().check_requests),
        (1, 1)
    );
    let j = serde_json::to_value(&p).unwrap();
    assert_eq!(
        (j["status"].as_str(), j["finding"].as_str()),
        (Some("pass"), Some("may-query"))
    );
}

#[tokio::test]
async fn an_account_that_logs_in_but_may_not_query() {
    let f = Fixture::start().await;
    let p = probe(
        &f.sim.url(),
        (sim::NO_QUERY_USERNAME, sim::NO_QUERY_PASSWORD),
        Some(("Phạm Văn Quang", "038188000003")),
        &f,
    )
    .await;
    assert_eq!(
        (p.status, p.finding),
        (ProbeStatus::Fail, ProbeFinding::MayNotQuery),
        "{p:?}"
    );
    let advice = p.advice.unwrap();
    assert!(
        advice.vi.contains("không có quyền tra cứu") && advice.vi.contains("38003_BV"),
        "{}",
        advice.vi
    );
    assert!(advice.en.contains("lookup right"));
    let st = f.sim.account_stats(sim::NO_QUERY_USERNAME).unwrap();
    assert_eq!(
        (st.token_requests, st.check_requests),
        (1, 1),
        "no retry of the refused query"
    );
    // The same through 401 in a 200 body right after the login.
    f.sim.add_fault(Fault::TokenExpired, Some(1));
    let p = probe(&f.sim.url(), (FIRST.0, FIRST.1), Some(FIRST_OPERATOR), &f).await;
    assert_eq!(p.finding, ProbeFinding::MayNotQuery, "{p:?}");
}

#[tokio::test]
async fn a_refused_login() {
    let f = Fixture::start().await;
    let p = probe(&f.sim.url(), (FIRST.0, "not the password"), None, &f).await;
    assert_eq!(
        (p.status, p.finding),
        (ProbeStatus::Fail, ProbeFinding::LoginRefused)
    );
    let advice = p.advice.clone().unwrap();
    assert!(advice.vi.contains("từ chối đăng nhập") && advice.vi.contains("password_file"));
    assert!(!format!("{p:?}").contains("not the password"));
    assert_eq!(
        (f.sim.stats().token_requests, f.sim.stats().check_requests),
        (1, 0)
    );
}

#[tokio::test]
async fn a_closed_port_and_a_slow_gateway_point_at_the_registered_ip() {
    let f = Fixture::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let p = probe(
        &format!("http://127.0.0.1:{port}"),
        (FIRST.0, FIRST.1),
        None,
        &f,
    )
    .await;
    assert_eq!(
        (p.status, p.finding),
        (ProbeStatus::Fail, ProbeFinding::ConnectionFailed),
        "{p:?}"
    );
    let advice = p.advice.unwrap();
    assert!(
        advice.vi.contains("IP") && advice.vi.contains("đăng ký"),
        "{}",
        advice.vi
    );
    assert!(advice.en.contains("registered"));
    f.sim.add_fault(Fault::Slow(Duration::from_secs(3)), None);
    let p = probe(&f.sim.url(), (FIRST.0, FIRST.1), Some(FIRST_OPERATOR), &f).await;
    assert_eq!(p.finding, ProbeFinding::TimedOut, "{p:?}");
    assert!(p.advice.unwrap().vi.contains("IP"));
}

#[tokio::test]
async fn a_proxy_hiding_the_gateways_answer() {
    let f = Fixture::start().await;
    for fault in [Fault::ServerError, Fault::HtmlPage] {
        f.sim.clear_faults();
        f.sim.add_fault(fault, None);
        let p = probe(&f.sim.url(), (FIRST.0, FIRST.1), Some(FIRST_OPERATOR), &f).await;
        assert_eq!(
            (p.status, p.finding),
            (ProbeStatus::Fail, ProbeFinding::ProxyHidesAnswer),
            "{fault:?}"
        );
        assert!(p.advice.unwrap().vi.contains("proxy"));
    }
    assert!(f.sim.stats().total() >= 4);
}

#[tokio::test]
async fn a_username_that_looks_like_an_id_number_is_not_sent() {
    let f = Fixture::start().await;
    let p = probe(&f.sim.url(), ("038190000001", "x"), None, &f).await;
    assert_eq!(
        (p.status, p.finding),
        (ProbeStatus::Fail, ProbeFinding::UsernameLooksLikeId)
    );
    assert_eq!(p.account, None, "an ID number is personal data: not echoed");
    assert!(!serde_json::to_string(&p).unwrap().contains("038190000001"));
    assert!(p.advice.unwrap().vi.contains("_BV"));
    assert_eq!(f.sim.stats().total(), 0);
}

#[tokio::test]
async fn a_refused_default_operator_is_a_warning() {
    let f = Fixture::start().await;
    let p = probe(&f.sim.url(), (FIRST.0, FIRST.1), Some(SECOND_OPERATOR), &f).await;
    assert_eq!(
        (p.status, p.finding),
        (ProbeStatus::Warn, ProbeFinding::OperatorRefused),
        "{p:?}"
    );
    // Without a default operator the right to query is still probed.
    let p = probe(&f.sim.url(), (FIRST.0, FIRST.1), None, &f).await;
    assert_eq!(
        (p.status, p.finding),
        (ProbeStatus::Warn, ProbeFinding::MayQuery),
        "{p:?}"
    );
    assert!(
        p.advice.unwrap().en.contains("no default operator")
            || p.detail.contains("no default operator")
    );
}

#[tokio::test]
async fn the_probe_leaves_the_cached_token_alone_and_covers_every_facility() {
    let clock = morning_clock();
    let sim = start_sim(clock.clone()).await;
    let service = service_of(
        vec![
            facility(&sim, FIRST, Some(FIRST_OPERATOR), clock.clone()),
            facility(&sim, SECOND, Some(SECOND_OPERATOR), clock.clone()),
        ],
        OfflineCache::disabled(),
        clock.clone(),
    );
    let check = |facility: &str| eligibility::CheckRequest {
        facility: Some(facility.into()),
        ..eligibility::CheckRequest::new(patient(AN.0, AN.1, AN.2))
    };
    service.check_with(&check("38001")).await.unwrap();
    let probes = service.probe_accounts().await;
    assert_eq!(probes.len(), 2);
    assert!(
        probes.iter().all(|p| p.status == ProbeStatus::Pass),
        "{probes:?}"
    );
    assert_eq!(probes[1].account.as_deref(), Some("38002_BV"));
    assert_eq!(probes[1].facility.as_deref(), Some("38002"));
    service.check_with(&check("38001")).await.unwrap();
    let st = sim.account_stats(FIRST.0).unwrap();
    assert_eq!(
        st.token_requests, 2,
        "the check's token, then the probe's own; the check reuses its"
    );
    assert_eq!(st.check_requests, 3);
    assert_eq!(sim.account_stats(SECOND.0).unwrap().token_requests, 1);
    // A client whose URL carries a wrong path answers 404 without the gateway's JSON.
    let config = GatewayConfig::new(
        format!("{}/nothing/here", sim.url()),
        FIRST.0,
        Secret::new(FIRST.1),
    );
    let c = GatewayClient::new(&config, clock.clone()).unwrap();
    let p = probe_account(&c, None, None, clock.as_ref()).await;
    assert_eq!(
        (p.status, p.finding),
        (ProbeStatus::Fail, ProbeFinding::UnexpectedAnswer),
        "{p:?}"
    );
    assert!(p.advice.unwrap().en.contains("gateway_url"));
}
