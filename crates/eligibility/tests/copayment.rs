//! Issue 16, item 5 and the simulator of item 6 over real HTTP: the co-payment lookup with its
//! header authentication, every result code, the renewal on HTTP 401, sessions tied to the
//! caller's address (from 127.0.0.2), answers kept 15 minutes and one call for concurrent
//! requests against the slow simulator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use eligibility::sim::{self, Fault};
use eligibility::{
    Clock, CopaymentCategory, CopaymentRequest, GatewayClient, GatewayConfig, ManualClock,
    OfflineCache, Secret,
};
use jiff::SignedDuration;
use support::*;

const CUONG: (&str, &str, &str) = ("001085000021", "Lê Văn Cường", "1985");

fn lookup(card: &str, name: &str, dob: &str) -> CopaymentRequest {
    CopaymentRequest::new(patient_by_card(card, name, dob))
}

#[tokio::test]
async fn the_years_copayment_against_six_months_of_base_salary() {
    let f = Fixture::start().await;
    let o = f
        .service
        .copayment(&lookup(AN.0, AN.1, AN.2))
        .await
        .unwrap();
    let c = &o.copayment;
    assert_eq!(c.category, CopaymentCategory::Found);
    assert_eq!(c.result_code.as_deref(), Some("200"));
    assert_eq!(
        (c.accumulated, c.threshold, c.base_salary),
        (Some(15_600_000), 14_040_000, 2_340_000)
    );
    assert_eq!(c.above_threshold, Some(true));
    assert_eq!(c.stays.len(), 2);
    assert_eq!(
        c.stays[0].id.as_deref(),
        Some("SIMCCT2"),
        "newest discharge first"
    );
    assert_eq!(
        c.card.as_ref().unwrap().social_insurance_number.as_deref(),
        Some("3895012345")
    );
    assert!(c.message.vi.contains("15.600.000 đ") && c.message.vi.contains("vượt"));
    assert!(!c.cached);
    assert_eq!(o.asked_by.account, "38001_BV");
    let j = serde_json::to_string(c).unwrap().to_lowercase();
    assert!(!j.contains("exempt") && !j.contains("được miễn"), "{j}");
    let c = f
        .service
        .copayment(&lookup(CUONG.0, CUONG.1, CUONG.2))
        .await
        .unwrap()
        .copayment;
    assert_eq!(
        (c.accumulated, c.above_threshold),
        (Some(3_200_000), Some(false))
    );
    // The 10-digit and 15-character numbers work too, and a month-and-year date of birth.
    let c = f
        .service
        .copayment(&lookup("DN4383895012345", AN.1, "00/08/1995"))
        .await
        .unwrap();
    assert_eq!(c.copayment.category, CopaymentCategory::Found);
    // No co-payment this year, or nobody by that name: 204.
    for (card, name, dob) in [
        ("036180000031", "Phạm Thị Dung", "12/05/1980"),
        (AN.0, "Trần Văn An", AN.2),
    ] {
        let c = f
            .service
            .copayment(&lookup(card, name, dob))
            .await
            .unwrap()
            .copayment;
        assert_eq!(
            (c.category, c.result_code.as_deref()),
            (CopaymentCategory::NoData, Some("204"))
        );
        assert_eq!(c.accumulated, None);
    }
    assert_eq!(f.sim.stats().copayment_requests, 5);
    assert_eq!(
        f.sim.stats().token_requests,
        1,
        "one token for every lookup"
    );
}

#[tokio::test]
async fn the_restricted_list_is_told_apart_from_a_system_error() {
    let clock = morning_clock();
    let sim = start_sim(clock.clone()).await;
    let restricted = service_of(
        vec![facility(
            &sim,
            (
                sim::RESTRICTED_USERNAME,
                sim::RESTRICTED_PASSWORD,
                sim::RESTRICTED_FACILITY,
            ),
            None,
            clock.clone(),
        )],
        OfflineCache::disabled(),
        clock.clone(),
    );
    let c = restricted
        .copayment(&lookup(AN.0, AN.1, AN.2))
        .await
        .unwrap()
        .copayment;
    assert_eq!(
        (c.category, c.result_code.as_deref()),
        (CopaymentCategory::RestrictedAccount, Some("500"))
    );
    assert_eq!(
        c.gateway_message.as_deref(),
        Some("Có lỗi xảy ra trong quá trình tra cứu!")
    );
    let normal = service_of(
        vec![facility(&sim, FIRST, None, clock.clone())],
        OfflineCache::disabled(),
        clock.clone(),
    );
    sim.add_fault(Fault::CopaymentSystemError, Some(1));
    let c = normal
        .copayment(&lookup(AN.0, AN.1, AN.2))
        .await
        .unwrap()
        .copayment;
    assert_eq!(
        (c.category, c.result_code.as_deref()),
        (CopaymentCategory::GatewayError, Some("500"))
    );
    assert!(c.gateway_message.unwrap().starts_with("Có lỗi hệ thống"));
    // The fault applied once: the next lookup works, and nothing was kept from the error.
    let c = normal
        .copayment(&lookup(AN.0, AN.1, AN.2))
        .await
        .unwrap()
        .copayment;
    assert_eq!((c.category, c.cached), (CopaymentCategory::Found, false));
}

#[tokio::test]
async fn http_401_renews_the_token_once_and_a_second_is_a_configuration_error() {
    let f = Fixture::start().await;
    f.service
        .copayment(&lookup(AN.0, AN.1, AN.2))
        .await
        .unwrap();
    f.sim.expire_tokens();
    let before = f.sim.stats();
    let mut r = lookup(AN.0, AN.1, AN.2);
    r.refresh = true;
    let c = f.service.copayment(&r).await.unwrap().copayment;
    assert_eq!(c.category, CopaymentCategory::Found);
    let after = f.sim.stats();
    assert_eq!(after.token_requests - before.token_requests, 1);
    assert_eq!(after.copayment_requests - before.copayment_requests, 2);

    // Every token already expired at the simulator (its clock an hour ahead, sessions of 0 s):
    // refused, renewed once, refused again.
    let client_clock = morning_clock();
    let sim_clock = Arc::new(ManualClock::new(
        client_clock
            .now()
            .checked_add(SignedDuration::from_hours(1))
            .unwrap(),
    ));
    let mut options = sim::SimOptions::seeded(TODAY);
    options.clock = sim_clock;
    options.token_ttl = Duration::ZERO;
    let s = sim::start("127.0.0.1:0".parse().unwrap(), options)
        .await
        .unwrap();
    let service = service_of(
        vec![facility(&s, FIRST, None, client_clock.clone())],
        OfflineCache::disabled(),
        client_clock,
    );
    let c = service
        .copayment(&lookup(AN.0, AN.1, AN.2))
        .await
        .unwrap()
        .copayment;
    assert_eq!(c.category, CopaymentCategory::ConfigurationError);
    assert!(c.message.en.contains("IP address"), "{}", c.message.en);
    assert_eq!(
        (s.stats().token_requests, s.stats().copayment_requests),
        (2, 2)
    );
}

/// `token/take` by hand from 127.0.0.1.
async fn take_token(url: &str) -> (String, String) {
    let md5 = Secret::new(sim::DEFAULT_PASSWORD).md5_hex(false);
    let v: serde_json::Value = reqwest::Client::new()
        .post(format!("{url}/api/token/take"))
        .json(&serde_json::json!({"username": sim::DEFAULT_USERNAME, "password": md5.expose()}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &v["APIKey"];
    (
        key["access_token"].as_str().unwrap().to_owned(),
        key["id_token"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn a_token_used_from_another_address_is_refused() {
    let f = Fixture::start().await;
    let url = f.sim.url();
    let (access, id) = take_token(&url).await;
    let md5 = Secret::new(sim::DEFAULT_PASSWORD).md5_hex(false);
    let body = serde_json::json!({"username": sim::DEFAULT_USERNAME, "maThe": AN.0, "hoTen": AN.1, "ngaySinh": AN.2});
    let from = |ip: [u8; 4]| {
        reqwest::Client::builder()
            .local_address(Some(std::net::IpAddr::from(ip)))
            .build()
            .unwrap()
    };
    let mcct = |c: reqwest::Client| {
        c.post(format!("{url}/api/TraCuuCCT/TraCuuTienMCCT"))
            .header("accessToken", &access)
            .header("tokenId", &id)
            .header("passwordHash", md5.expose())
            .json(&body)
            .send()
    };
    let r = mcct(from([127, 0, 0, 2])).await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.bytes().await.unwrap().is_empty(), "an empty body");
    assert_eq!(f.sim.stats().ip_refusals, 1);
    // The card check from there: 401 inside a 200, as the gateway reports bad tokens.
    let mut check_url = reqwest::Url::parse(&format!("{url}/api/egw/KQNhanLichSuKCB2024")).unwrap();
    check_url
        .query_pairs_mut()
        .append_pair("token", &access)
        .append_pair("id_token", &id)
        .append_pair("username", sim::DEFAULT_USERNAME)
        .append_pair("password", md5.expose());
    let r = from([127, 0, 0, 2])
        .post(check_url)
        .json(&serde_json::json!({"maThe": AN.0, "hoTen": AN.1, "ngaySinh": AN.2, "hoTenCb": sim::DEFAULT_OPERATOR_NAME, "cccdCb": sim::DEFAULT_OPERATOR_ID}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["maKetQua"],
        "401"
    );
    // From the address that took it: answered.
    let r = mcct(from([127, 0, 0, 1])).await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["MaKetQua"],
        "200"
    );
    // Wrong passwordHash: refused like a bad token.
    let r = reqwest::Client::new()
        .post(format!("{url}/api/TraCuuCCT/TraCuuTienMCCT"))
        .header("accessToken", &access)
        .header("tokenId", &id)
        .header("passwordHash", "0".repeat(32))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // The client bound to 127.0.0.2 takes its own token from there and is answered.
    let mut config = GatewayConfig::new(
        &url,
        sim::DEFAULT_USERNAME,
        Secret::new(sim::DEFAULT_PASSWORD),
    );
    config.local_address = Some([127, 0, 0, 2].into());
    let client = GatewayClient::new(&config, f.clock.clone()).unwrap();
    let q = eligibility::CopaymentQuery {
        card_id: AN.0.into(),
        full_name: AN.1.into(),
        date_of_birth: AN.2.into(),
    };
    assert_eq!(client.copayment(&q).await.unwrap().result_code, "200");
}

#[tokio::test]
async fn a_kept_answer_comes_back_for_15_minutes_unless_refreshed() {
    let f = Fixture::start().await;
    f.service
        .copayment(&lookup(AN.0, AN.1, AN.2))
        .await
        .unwrap();
    f.clock.advance(SignedDuration::from_secs(14 * 60));
    let c = f
        .service
        .copayment(&lookup(AN.0, AN.1, " 17/08/1995"))
        .await
        .unwrap()
        .copayment;
    assert!(c.cached);
    assert_eq!(c.age_seconds, Some(14 * 60));
    assert_eq!(c.accumulated, Some(15_600_000), "with data, not an error");
    assert_eq!(f.sim.stats().copayment_requests, 1);
    let mut r = lookup(AN.0, AN.1, AN.2);
    r.refresh = true;
    assert!(!f.service.copayment(&r).await.unwrap().copayment.cached);
    assert_eq!(f.sim.stats().copayment_requests, 2);
    f.clock.advance(SignedDuration::from_secs(15 * 60));
    assert!(
        !f.service
            .copayment(&lookup(AN.0, AN.1, AN.2))
            .await
            .unwrap()
            .copayment
            .cached
    );
    assert_eq!(f.sim.stats().copayment_requests, 3);
    // Another person is not answered from An's.
    assert!(
        !f.service
            .copayment(&lookup(CUONG.0, CUONG.1, CUONG.2))
            .await
            .unwrap()
            .copayment
            .cached
    );
}

#[tokio::test]
async fn concurrent_requests_for_the_same_card_share_one_gateway_call() {
    let f = Fixture::start().await;
    let service = Arc::new(f.service);
    f.sim
        .add_fault(Fault::SlowCopayment(Duration::from_millis(400)), None);
    for refresh in [false, true] {
        let before = f.sim.stats().copayment_requests;
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let s = service.clone();
            tasks.push(tokio::spawn(async move {
                let mut r = lookup(AN.0, AN.1, AN.2);
                r.refresh = refresh;
                s.copayment(&r).await.unwrap().copayment
            }));
        }
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        assert_eq!(
            f.sim.stats().copayment_requests - before,
            1,
            "refresh {refresh}"
        );
        for a in &answers {
            assert_eq!(
                (a.category, a.accumulated, a.cached),
                (CopaymentCategory::Found, Some(15_600_000), false)
            );
        }
    }
    // Different cards do not share: one call each.
    let before = f.sim.stats().copayment_requests;
    let (ra, rb) = (
        lookup(CUONG.0, CUONG.1, CUONG.2),
        lookup("036180000031", "Phạm Thị Dung", "12/05/1980"),
    );
    let (a, b) = tokio::join!(service.copayment(&ra), service.copayment(&rb));
    assert_eq!(a.unwrap().copayment.category, CopaymentCategory::Found);
    assert_eq!(b.unwrap().copayment.category, CopaymentCategory::NoData);
    assert_eq!(f.sim.stats().copayment_requests - before, 2);
}

#[tokio::test]
async fn a_lookup_slower_than_its_timeout_is_one_request_then_a_gateway_error() {
    let clock = morning_clock();
    let sim = start_sim(clock.clone()).await;
    let mut config = GatewayConfig::new(sim.url(), FIRST.0, Secret::new(FIRST.1));
    config.copayment_timeout = Duration::from_millis(300);
    let service = service_of(
        vec![eligibility::Facility {
            code: Some(FIRST.2.into()),
            client: GatewayClient::new(&config, clock.clone()).unwrap(),
            default_operator: None,
        }],
        OfflineCache::disabled(),
        clock,
    );
    sim.add_fault(Fault::SlowCopayment(Duration::from_secs(2)), None);
    let c = service
        .copayment(&lookup(AN.0, AN.1, AN.2))
        .await
        .unwrap()
        .copayment;
    assert_eq!(c.category, CopaymentCategory::GatewayError);
    assert!(c.message.en.contains("within 300 ms"), "{}", c.message.en);
    assert_eq!(
        sim.stats().copayment_requests,
        1,
        "a timeout is never retried"
    );
}

#[tokio::test]
async fn a_temporary_newborn_card_is_not_looked_up() {
    let f = Fixture::start().await;
    let mut r = lookup("TE1383800012345", "Con Bà Lan", "2026");
    r.patient.registered_facility = Some("38000".into());
    let c = f.service.copayment(&r).await.unwrap().copayment;
    assert_eq!(
        (c.category, c.result_code),
        (CopaymentCategory::NoData, None)
    );
    assert_eq!(f.sim.stats().total(), 0);
}
