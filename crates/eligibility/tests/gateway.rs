//! Acceptance of issue 6 over real HTTP against the gateway simulator started in-process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use eligibility::sim::{Fault, SimStats};
use eligibility::{Category, code_meaning};
use jiff::SignedDuration;
use jiff::civil::date;
use support::*;

fn delta(before: SimStats, after: SimStats) -> (u64, u64) {
    (
        after.token_requests - before.token_requests,
        after.check_requests - before.check_requests,
    )
}

#[tokio::test]
async fn each_seeded_record_yields_its_category_and_message() {
    let f = Fixture::start().await;
    let cases = [
        (AN.0, AN.1, AN.2, "000", Category::Eligible),
        (
            "001085000021",
            "Lê Văn Cường",
            "1985",
            "000",
            Category::Eligible,
        ),
        (
            "036180000031",
            "Phạm Thị Dung",
            "12/05/1980",
            "010",
            Category::NotEligible,
        ),
        (
            "038200000041",
            "Hoàng Văn Em",
            "01/09/2000",
            "003",
            Category::EligibleNewCard,
        ),
        (
            "038192000051",
            "Vũ Thị Giang",
            "20/11/1992",
            "004",
            Category::EligibleNewCard,
        ),
        (
            "001088000061",
            "Đặng Văn Hùng",
            "07/07/1988",
            "001",
            Category::ManualCheck,
        ),
        (
            "001090000071",
            "Bùi Văn Khánh",
            "15/03/1990",
            "002",
            Category::ManualCheck,
        ),
        (
            "001195000081",
            "Đỗ Thị Lan",
            "25/12/1995",
            "110",
            Category::NotEligible,
        ),
        (
            "001075000091",
            "Ngô Văn Minh",
            "30/04/1975",
            "124",
            Category::NotEligible,
        ),
        // Wrong name (first letter wrong / right), wrong date of birth, unknown card.
        (AN.0, "Trần Văn An", AN.2, "060", Category::DataMismatch),
        (AN.0, "Nguyễn Văn Anh", AN.2, "061", Category::DataMismatch),
        (AN.0, AN.1, "18/08/1995", "070", Category::DataMismatch),
        (
            "001099999999",
            "Không Có Thẻ",
            "01/01/1999",
            "050",
            Category::NotEligible,
        ),
    ];
    for (id, name, dob, code, category) in cases {
        let v = f.check(id, name, dob).await;
        assert_eq!(v.result_code.as_deref(), Some(code), "{id} {name}");
        assert_eq!(v.category, category, "{id} {name}");
        assert!(!v.cached);
        if !matches!(code, "003" | "004") {
            assert_eq!(v.message, code_meaning(code).unwrap().1, "{code}");
        }
    }
    // The virtual card's citizen: decoded card, dates, registered facility, five-year date.
    let v = f.check(AN.0, AN.1, AN.2).await;
    let card = v.card.as_ref().unwrap();
    assert_eq!(card.number.number, "DN4383895012345");
    assert_eq!(card.number.object_code.as_deref(), Some("DN"));
    assert_eq!(card.number.benefit_level, Some(4));
    assert_eq!(card.number.province_code.as_deref(), Some("38"));
    assert_eq!(v.valid_from, Some(date(2026, 1, 1)));
    assert_eq!(v.valid_to, Some(date(2026, 12, 31)));
    assert_eq!(v.at_registered_facility, Some(true));
    assert_eq!(v.five_years_from, Some(date(2024, 1, 1)));
    let v = f.check("001085000021", "lê  văn cường", "1985").await;
    assert_eq!(v.at_registered_facility, Some(false), "registered at 01001");
}

#[tokio::test]
async fn reissued_cards_use_the_new_cards_dates() {
    let f = Fixture::start().await;
    let v = f.check("038200000041", "Hoàng Văn Em", "01/09/2000").await;
    assert_eq!(v.category, Category::EligibleNewCard);
    let card = v.card.as_ref().unwrap();
    assert!(card.new_card);
    assert_eq!(card.number.number, "SV4383800000041");
    assert_eq!(card.registered_facility.as_deref(), Some("38001"));
    assert_eq!(
        (v.valid_from, v.valid_to),
        (Some(date(2026, 1, 1)), Some(date(2026, 12, 31)))
    );
    let v = f.check("038192000051", "Vũ Thị Giang", "20/11/1992").await;
    assert_eq!(v.category, Category::EligibleNewCard);
    assert_eq!(v.card.as_ref().unwrap().number.number, "HC4383892000051");
    assert_eq!(v.valid_to, Some(date(2030, 12, 31)));
    // 003 on a day the new card does not cover: not eligible.
    f.set_date(date(2027, 1, 1));
    let v = f.check("038200000041", "Hoàng Văn Em", "01/09/2000").await;
    assert_eq!(v.category, Category::NotEligible);
}

#[tokio::test]
async fn a_card_valid_until_yesterday_is_not_eligible_today() {
    let f = Fixture::start().await;
    // Seeded valid until the day before the simulator's today; the gateway still says 000.
    let v = f.check("001190000022", "Mai Thị Hạnh", "03/02/1990").await;
    assert_eq!(v.result_code.as_deref(), Some("000"));
    assert_eq!(v.category, Category::NotEligible);
    assert_eq!(v.valid_to, Some(date(2026, 3, 9)));
    // And the same card on its last day is eligible.
    f.set_date(date(2026, 3, 9));
    let v = f.check("001190000022", "Mai Thị Hạnh", "03/02/1990").await;
    assert_eq!(v.category, Category::Eligible);
    // The virtual card's citizen on the last day of the year and the day after.
    f.set_date(date(2026, 12, 31));
    assert_eq!(f.check(AN.0, AN.1, AN.2).await.category, Category::Eligible);
    f.set_date(date(2027, 1, 1));
    assert_eq!(
        f.check(AN.0, AN.1, AN.2).await.category,
        Category::NotEligible
    );
}

#[tokio::test]
async fn operator_and_parameter_problems_are_configuration_errors() {
    let f = Fixture::start().await;
    let p = patient(AN.0, AN.1, AN.2);
    let unknown = eligibility::Operator {
        name: "Người Lạ".into(),
        id_number: "001190009999".into(),
    };
    let v = f.service.check(&p, Some(&unknown), None).await.unwrap();
    assert_eq!(
        (v.category, v.result_code.as_deref()),
        (Category::ConfigurationError, Some("054"))
    );
    let wrong_name = eligibility::Operator {
        name: "Trần Thị Bích".into(),
        id_number: eligibility::sim::DEFAULT_OPERATOR_ID.into(),
    };
    let v = f.service.check(&p, Some(&wrong_name), None).await.unwrap();
    assert_eq!(v.result_code.as_deref(), Some("055"));
    // A year-only date of birth is sent as yyyy and accepted.
    let v = f.check(AN.0, AN.1, "1995").await;
    assert_eq!(v.category, Category::Eligible);
}

#[tokio::test]
async fn form_encoded_bodies_work_too() {
    let f = Fixture::with(Setup {
        form: true,
        ..Setup::default()
    })
    .await;
    assert_eq!(f.check(AN.0, AN.1, AN.2).await.category, Category::Eligible);
}

#[tokio::test]
async fn history_on_request() {
    let f = Fixture::start().await;
    let h = f
        .service
        .history(&patient(AN.0, AN.1, AN.2), None)
        .await
        .unwrap();
    assert_eq!(h.result_code, "000");
    assert_eq!(h.entries.len(), 1);
    assert_eq!(h.entries[0].facility.as_deref(), Some("38001"));
    let h = f
        .service
        .history(&patient("001195000081", "Đỗ Thị Lan", "25/12/1995"), None)
        .await
        .unwrap();
    assert!(h.entries.is_empty(), "a null list is tolerated");
    assert_eq!(f.sim.stats().history_requests, 2);
}

#[tokio::test]
async fn the_token_is_reused_until_near_expiry() {
    let f = Fixture::start().await;
    for _ in 0..3 {
        assert_eq!(f.check(AN.0, AN.1, AN.2).await.category, Category::Eligible);
    }
    assert_eq!(f.sim.stats().token_requests, 1);
    assert_eq!(f.sim.stats().check_requests, 3);
    // Tokens live 10 minutes; the margin is one minute.
    f.clock.advance(SignedDuration::from_secs(8 * 60 + 50));
    assert_eq!(f.check(AN.0, AN.1, AN.2).await.category, Category::Eligible);
    assert_eq!(f.sim.stats().token_requests, 1, "still outside the margin");
    f.clock.advance(SignedDuration::from_secs(20));
    assert_eq!(f.check(AN.0, AN.1, AN.2).await.category, Category::Eligible);
    assert_eq!(f.sim.stats().token_requests, 2, "renewed within the margin");
    assert_eq!(
        f.sim.stats().check_requests,
        5,
        "no refused request on the way"
    );
}

#[tokio::test]
async fn the_token_is_renewed_once_on_200_with_401() {
    let f = Fixture::start().await;
    f.check(AN.0, AN.1, AN.2).await;
    let before = f.sim.stats();
    f.sim.add_fault(Fault::TokenExpired, Some(1));
    assert_eq!(f.check(AN.0, AN.1, AN.2).await.category, Category::Eligible);
    assert_eq!(delta(before, f.sim.stats()), (1, 2));
}

#[tokio::test]
async fn the_token_is_renewed_once_on_http_401() {
    let f = Fixture::start().await;
    f.check(AN.0, AN.1, AN.2).await;
    let before = f.sim.stats();
    f.sim.add_fault(Fault::Unauthorized, Some(1));
    assert_eq!(f.check(AN.0, AN.1, AN.2).await.category, Category::Eligible);
    assert_eq!(delta(before, f.sim.stats()), (1, 2));
}

#[tokio::test]
async fn a_second_401_is_a_configuration_error() {
    for fault in [Fault::TokenExpired, Fault::Unauthorized] {
        let f = Fixture::start().await;
        f.check(AN.0, AN.1, AN.2).await;
        let before = f.sim.stats();
        f.sim.add_fault(fault, Some(2));
        let v = f.check(AN.0, AN.1, AN.2).await;
        assert_eq!(v.category, Category::ConfigurationError, "{fault:?}");
        assert_eq!(v.result_code.as_deref(), Some("401"));
        assert_eq!(
            delta(before, f.sim.stats()),
            (1, 2),
            "renewed once, never more"
        );
    }
}

#[tokio::test]
async fn a_refused_login_names_the_account_not_the_password() {
    for setup in [
        Setup::default(),
        Setup {
            password: "wrong password".into(),
            ..Setup::default()
        },
    ] {
        let wrong = setup.password != eligibility::sim::DEFAULT_PASSWORD;
        let f = Fixture::with(setup).await;
        if !wrong {
            f.sim.add_fault(Fault::LoginRefused, None);
        }
        let v = f.check(AN.0, AN.1, AN.2).await;
        assert_eq!(v.category, Category::ConfigurationError);
        assert!(v.message.vi.contains("38001_BV"), "{}", v.message.vi);
        assert!(v.message.en.contains("38001_BV"), "{}", v.message.en);
        let json = serde_json::to_string(&v).unwrap();
        assert!(
            !json.contains("password\"")
                && !json.contains("cccd-sim-demo")
                && !json.contains("wrong password")
        );
        assert_eq!(f.sim.stats().check_requests, 0);
        assert_eq!(
            f.sim.stats().token_requests,
            1,
            "a refused login is not retried"
        );
    }
}

async fn one_request_then_gateway_error(fault: Fault, cache: bool) {
    let f = Fixture::with(Setup {
        cache,
        timeout: Duration::from_millis(500),
        ..Setup::default()
    })
    .await;
    // A first good answer: the token is taken and, with a cache, the result kept.
    assert_eq!(f.check(AN.0, AN.1, AN.2).await.category, Category::Eligible);
    f.clock.advance(SignedDuration::from_secs(300));
    let before = f.sim.stats();
    f.sim.add_fault(fault, None);
    let started = std::time::Instant::now();
    let v = f.check(AN.0, AN.1, AN.2).await;
    assert_eq!(
        delta(before, f.sim.stats()),
        (0, 1),
        "{fault:?}: exactly one request, no retry"
    );
    if let Fault::Slow(_) = fault {
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "the timeout applies"
        );
    }
    if cache {
        assert!(v.cached, "{fault:?}");
        assert_eq!(v.age_seconds, Some(300));
        assert_eq!(v.category, Category::Eligible);
        assert!(v.message.vi.contains("5 phút trước"), "{}", v.message.vi);
        assert_eq!(v.valid_to, Some(date(2026, 12, 31)));
    } else {
        assert_eq!(v.category, Category::GatewayError, "{fault:?}");
        assert!(!v.cached);
        assert_eq!(v.age_seconds, None);
    }
}

#[tokio::test]
async fn faults_give_a_gateway_error_after_exactly_one_request() {
    for fault in [
        Fault::Slow(Duration::from_secs(3)),
        Fault::ServerError,
        Fault::HtmlPage,
        Fault::InvalidJson,
    ] {
        one_request_then_gateway_error(fault, false).await;
    }
}

#[tokio::test]
async fn faults_with_a_cached_result_give_it_with_its_age() {
    for fault in [
        Fault::Slow(Duration::from_secs(3)),
        Fault::ServerError,
        Fault::HtmlPage,
        Fault::InvalidJson,
    ] {
        one_request_then_gateway_error(fault, true).await;
    }
}

#[tokio::test]
async fn an_unreachable_gateway_without_cache_says_so() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let f = Fixture::with(Setup {
        cache: true,
        url: Some(format!("http://127.0.0.1:{port}")),
        ..Setup::default()
    })
    .await;
    let v = f.check(AN.0, AN.1, AN.2).await;
    assert_eq!(v.category, Category::GatewayError);
    assert!(v.message.en.contains("unreachable"), "{}", v.message.en);
}

#[tokio::test]
async fn a_cached_result_is_decided_again_for_the_visit_date() {
    let f = Fixture::with(Setup {
        cache: true,
        ..Setup::default()
    })
    .await;
    f.set_date(date(2026, 12, 31));
    assert_eq!(f.check(AN.0, AN.1, AN.2).await.category, Category::Eligible);
    f.set_date(date(2027, 1, 1));
    f.sim.add_fault(Fault::ServerError, None);
    let v = f.check(AN.0, AN.1, AN.2).await;
    assert!(v.cached);
    assert_eq!(
        v.category,
        Category::NotEligible,
        "the card ended yesterday"
    );
    assert_eq!(v.age_seconds, Some(24 * 3600));
    // Older than the TTL (24 h here): no longer used.
    f.clock.advance(SignedDuration::from_secs(60));
    let v = f.check(AN.0, AN.1, AN.2).await;
    assert!(!v.cached);
    assert_eq!(v.category, Category::GatewayError);
}

#[tokio::test]
async fn the_simulator_counts_requests_over_http() {
    let f = Fixture::start().await;
    f.check(AN.0, AN.1, AN.2).await;
    let body = reqwest::get(format!("{}/sim/stats", f.sim.url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["tokenRequests"], 1);
    assert_eq!(v["checkRequests"], 1);
    assert_eq!(v["total"], 2);
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{}/sim/faults", f.sim.url()))
        .json(&serde_json::json!({"fault": "5xx", "times": 1}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(
        f.check(AN.0, AN.1, AN.2).await.category,
        Category::GatewayError
    );
    assert_eq!(f.check(AN.0, AN.1, AN.2).await.category, Category::Eligible);
}

#[tokio::test]
async fn every_gateway_request_is_timed_answered_or_not() {
    use std::sync::{Arc, Mutex};
    let f = Fixture::start().await;
    let seen: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let sink = seen.clone();
    let observer: eligibility::LatencyObserver = Arc::new(move |d| sink.lock().unwrap().push(d));
    f.service.observe_gateway_latency(&observer);
    assert!(
        !f.service.client().observe_latency(observer.clone()),
        "the first observer stays"
    );
    assert_eq!(f.check(AN.0, AN.1, AN.2).await.category, Category::Eligible);
    assert_eq!(seen.lock().unwrap().len(), 2, "the login and the check");
    // A gateway that does not answer is timed too.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down = Fixture::with(Setup {
        url: Some(format!("http://127.0.0.1:{port}")),
        ..Setup::default()
    })
    .await;
    let sink = seen.clone();
    down.service
        .observe_gateway_latency(&(Arc::new(move |d| sink.lock().unwrap().push(d)) as _));
    assert_eq!(
        down.check(AN.0, AN.1, AN.2).await.category,
        Category::GatewayError
    );
    assert_eq!(seen.lock().unwrap().len(), 3, "the refused login");
}
