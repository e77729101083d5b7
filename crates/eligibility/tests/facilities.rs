//! Issue 16, items 0, 1, 3 and 5 over real HTTP against the simulator: any card number, several
//! facility accounts (never another's, never the patient's registered facility), temporary
//! newborn cards not sent, an account that may not query, held and locked cards.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use eligibility::sim::{self, Fault};
use eligibility::{
    Category, CheckRequest, Eligibility, Error, OfflineCache, Operator, ServiceOptions,
};
use support::*;

/// Trương Thị Ngọc: valid, registered at the second facility (38002).
const NGOC: (&str, &str, &str) = ("038196000121", "Trương Thị Ngọc", "06/06/1996");

fn request(facility: Option<&str>, card: &str, name: &str, dob: &str) -> CheckRequest {
    CheckRequest {
        facility: facility.map(str::to_owned),
        ..CheckRequest::new(patient_by_card(card, name, dob))
    }
}

#[tokio::test]
async fn any_card_number_is_sent_as_given() {
    let f = Fixture::start().await;
    // The same person by BHYT number (spaces and lower case tolerated) and by social insurance
    // number: each is the maThe the simulator finds.
    for card in ["DN4383895012345", "dn 4 38 3895012345", "3895012345", AN.0] {
        let o = f
            .service
            .check_with(&CheckRequest::new(patient_by_card(card, AN.1, AN.2)))
            .await
            .unwrap();
        assert_eq!(o.decision.category, Category::Eligible, "{card}");
        assert_eq!(o.decision.card.unwrap().number.number, "DN4383895012345");
    }
    assert_eq!(f.sim.stats().check_requests, 4);
    // A child with a BHYT number only.
    let o = f
        .service
        .check_with(&request(
            None,
            "TE1383825000111",
            "Nguyễn Minh Khôi",
            "20/05/2025",
        ))
        .await
        .unwrap();
    assert_eq!(o.decision.category, Category::Eligible);
}

#[tokio::test]
async fn a_temporary_newborn_card_is_not_sent_and_says_why() {
    let f = Fixture::start().await;
    let mut r = request(None, "TE1383800012345", "Con Bà Lan", "01/03/2026");
    r.patient.registered_facility = Some("38000".into());
    let o = f.service.check_with(&r).await.unwrap();
    assert_eq!(o.decision.category, Category::TemporaryCard);
    assert!(!o.sent && !o.needs_recheck());
    assert_eq!(o.decision.result_code, None);
    assert!(
        o.decision.message.vi.contains("không phải lỗi"),
        "{}",
        o.decision.message.vi
    );
    assert!(o.decision.message.en.contains("not an error"));
    let card = o.decision.card.unwrap();
    assert_eq!(card.number.object_code.as_deref(), Some("TE"));
    assert_eq!(card.registered_facility.as_deref(), Some("38000"));
    assert_eq!(f.sim.stats().total(), 0, "nothing sent, not even a login");
    assert!(
        f.service.history_with(&r).await.is_err(),
        "no history asked either"
    );
    assert_eq!(f.sim.stats().total(), 0);
    // Registered facility unknown: sent as usual (and the gateway says 050).
    r.patient.registered_facility = None;
    let o = f.service.check_with(&r).await.unwrap();
    assert!(o.sent);
    assert_eq!(o.decision.result_code.as_deref(), Some("050"));
    assert_eq!(f.sim.stats().check_requests, 1);
    // A real facility code: sent too.
    r.patient.registered_facility = Some("38001".into());
    assert!(f.service.check_with(&r).await.unwrap().sent);
    // A registered facility that is not a 5-digit code: refused before any request.
    r.patient.registered_facility = Some("380".into());
    assert!(matches!(
        f.service.check_with(&r).await,
        Err(Error::BadInput(_))
    ));
    assert_eq!(f.sim.stats().check_requests, 2);
}

#[tokio::test]
async fn each_request_goes_out_under_its_own_facilitys_account() {
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
    let stats = |u: &str| sim.account_stats(u).unwrap();
    // Ngọc is registered at 38002; 38001 asks: 38001's account and operator, never 38002's.
    for _ in 0..2 {
        let o = service
            .check_with(&request(Some("38001"), NGOC.0, NGOC.1, NGOC.2))
            .await
            .unwrap();
        assert_eq!(
            o.decision.category,
            Category::Eligible,
            "{:?}",
            o.decision.message
        );
        assert_eq!(o.decision.at_registered_facility, Some(false));
        assert_eq!(o.asked_by.facility.as_deref(), Some("38001"));
        assert_eq!(o.asked_by.account, "38001_BV");
        assert_eq!(
            o.asked_by.operator.as_ref().unwrap().id_number,
            sim::DEFAULT_OPERATOR_ID
        );
    }
    assert_eq!(
        (stats(FIRST.0).token_requests, stats(FIRST.0).check_requests),
        (1, 2)
    );
    assert_eq!(
        stats(SECOND.0).total(),
        0,
        "the patient's facility is not the caller's"
    );
    // 38002 asks: its own account and token, its own operator (registered there only).
    let o = service
        .check_with(&request(Some(" 38002 "), NGOC.0, NGOC.1, NGOC.2))
        .await
        .unwrap();
    assert_eq!(o.decision.category, Category::Eligible);
    assert_eq!(o.decision.at_registered_facility, Some(true));
    assert_eq!(o.asked_by.operator.unwrap().name, sim::SECOND_OPERATOR_NAME);
    assert_eq!(
        (
            stats(SECOND.0).token_requests,
            stats(SECOND.0).check_requests
        ),
        (1, 1)
    );
    assert_eq!(stats(FIRST.0).total(), 3, "38001's account untouched");
    // A per-request operator is sent as given: 38002's operator is not registered at 38001.
    let mut r = request(Some("38001"), AN.0, AN.1, AN.2);
    r.operator = Some(Operator {
        name: sim::SECOND_OPERATOR_NAME.into(),
        id_number: sim::SECOND_OPERATOR_ID.into(),
    });
    let o = service.check_with(&r).await.unwrap();
    assert_eq!(o.decision.result_code.as_deref(), Some("054"));
    assert_eq!(
        o.asked_by.operator.unwrap().id_number,
        sim::SECOND_OPERATOR_ID
    );
    // No facility named, or one not configured: refused before any request.
    let before = sim.stats().total();
    let e = service
        .check_with(&request(None, AN.0, AN.1, AN.2))
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("several facilities") && e.to_string().contains("38001, 38002"),
        "{e}"
    );
    let e = service
        .check_with(&request(Some("38009"), AN.0, AN.1, AN.2))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::BadInput(m) if m.contains("38009 is not configured")),
        "{e}"
    );
    assert!(
        service
            .check(&patient(AN.0, AN.1, AN.2), None, None)
            .await
            .is_err()
    );
    assert_eq!(sim.stats().total(), before);
}

#[tokio::test]
async fn the_offline_cache_is_kept_per_facility() {
    let clock = morning_clock();
    let sim = start_sim(clock.clone()).await;
    let path = unique_dir("per-facility").join("cache.sqlite");
    let service = service_of(
        vec![
            facility(&sim, FIRST, Some(FIRST_OPERATOR), clock.clone()),
            facility(&sim, SECOND, Some(SECOND_OPERATOR), clock.clone()),
        ],
        OfflineCache::open(&path),
        clock.clone(),
    );
    let o = service
        .check_with(&request(Some("38001"), AN.0, AN.1, AN.2))
        .await
        .unwrap();
    assert_eq!(o.decision.category, Category::Eligible);
    sim.add_fault(Fault::ServerError, None);
    // 38002 never asked about An: no cached answer of 38001's stands in for it.
    let o = service
        .check_with(&request(Some("38002"), AN.0, AN.1, AN.2))
        .await
        .unwrap();
    assert_eq!(o.decision.category, Category::GatewayError);
    assert!(!o.decision.cached && o.needs_recheck());
    assert!(
        o.failure.as_deref().unwrap().contains("HTTP 503"),
        "{:?}",
        o.failure
    );
    let o = service
        .check_with(&request(Some("38001"), AN.0, AN.1, AN.2))
        .await
        .unwrap();
    assert!(
        o.decision.cached && o.needs_recheck(),
        "a cached answer still needs a re-check"
    );
    assert_eq!(o.decision.category, Category::Eligible);
}

#[tokio::test]
async fn several_facilities_need_distinct_codes() {
    let clock = morning_clock();
    let sim = start_sim(clock.clone()).await;
    let build = |fs| {
        Eligibility::with_facilities(
            fs,
            OfflineCache::disabled(),
            clock.clone(),
            ServiceOptions {
                cache_ttl: std::time::Duration::from_secs(60),
                copayment: Default::default(),
            },
        )
    };
    let e = build(vec![
        facility(&sim, FIRST, None, clock.clone()),
        facility(&sim, (SECOND.0, SECOND.1, FIRST.2), None, clock.clone()),
    ])
    .unwrap_err();
    assert!(e.to_string().contains("38001 is configured twice"), "{e}");
    let mut no_code = facility(&sim, SECOND, None, clock.clone());
    no_code.code = None;
    let e = build(vec![facility(&sim, FIRST, None, clock.clone()), no_code]).unwrap_err();
    assert!(
        e.to_string().contains("38002_BV has no facility code"),
        "{e}"
    );
    assert!(build(Vec::new()).is_err());
    // One facility without a code is the single-facility form: requests name none.
    let mut only = facility(&sim, FIRST, Some(FIRST_OPERATOR), clock.clone());
    only.code = None;
    let s = build(vec![only]).unwrap();
    let d = s
        .check(&patient(AN.0, AN.1, AN.2), None, None)
        .await
        .unwrap();
    assert_eq!(
        (d.category, d.at_registered_facility),
        (Category::Eligible, None)
    );
}

#[tokio::test]
async fn an_account_that_may_not_query_is_a_configuration_error() {
    let clock = morning_clock();
    let sim = start_sim(clock.clone()).await;
    let service = service_of(
        vec![facility(
            &sim,
            (
                sim::NO_QUERY_USERNAME,
                sim::NO_QUERY_PASSWORD,
                sim::NO_QUERY_FACILITY,
            ),
            Some(("Phạm Văn Quang", "038188000003")),
            clock.clone(),
        )],
        OfflineCache::disabled(),
        clock,
    );
    let o = service
        .check_with(&request(None, AN.0, AN.1, AN.2))
        .await
        .unwrap();
    assert_eq!(o.decision.category, Category::ConfigurationError);
    assert!(
        !o.needs_recheck(),
        "an administrator's matter, not the gateway being down"
    );
    assert!(o.decision.message.en.contains("38003_BV") && o.decision.message.en.contains("403"));
    let st = sim.account_stats(sim::NO_QUERY_USERNAME).unwrap();
    assert_eq!(
        (st.token_requests, st.check_requests),
        (1, 1),
        "a 403 is not retried"
    );
}

#[tokio::test]
async fn held_and_locked_cards_show_the_gateways_words_and_revoked_stays_not_eligible() {
    let f = Fixture::start().await;
    for (id, name, dob, code, words) in [
        (
            "001196000101",
            "Trịnh Thị Oanh",
            "02/02/1996",
            sim::HELD_CODE,
            "Thẻ BHYT đang bị tạm giữ",
        ),
        (
            "001197000111",
            "Lý Văn Phúc",
            "03/03/1997",
            sim::LOCKED_CODE,
            "Thẻ BHYT đang bị tạm khóa",
        ),
    ] {
        let o = f
            .service
            .check_with(&request(None, id, name, dob))
            .await
            .unwrap();
        let d = o.decision.clone();
        assert_eq!(
            (d.category, d.result_code.as_deref()),
            (Category::GatewayError, Some(code))
        );
        assert_eq!(d.gateway_message.as_deref(), Some(words));
        assert!(
            d.message.vi.contains(words) && d.message.en.contains(words),
            "{:?}",
            d.message
        );
        assert!(!o.needs_recheck(), "the gateway answered");
        let j = serde_json::to_value(&d).unwrap();
        assert_eq!(j["gatewayMessage"], words);
    }
    let d = f.check("001195000081", "Đỗ Thị Lan", "25/12/1995").await;
    assert_eq!(d.category, Category::NotEligible);
    assert!(d.message.vi.contains("thu hồi") && d.message.en.contains("revoked"));
    assert_eq!(d.gateway_message, None, "a known code has our own message");
    assert!(
        serde_json::to_value(&d)
            .unwrap()
            .get("gatewayMessage")
            .is_none()
    );
}

#[tokio::test]
async fn an_unknown_code_is_never_replaced_by_a_cached_answer() {
    // Two gateways sharing one cache file: the first says 000 for a person, the second 901.
    let clock = morning_clock();
    let path = unique_dir("unknown-code").join("cache.sqlite");
    let record = |code: &str| {
        serde_json::json!({"cccd": "001190000099", "maKetQua": code, "ghiChu": "Thẻ BHYT đang bị tạm khóa",
            "maThe": "DN4010190000099", "hoTen": "Test Một", "ngaySinh": "01/01/1990",
            "gtTheTu": "01/01/2026", "gtTheDen": "31/12/2026", "maDKBD": "38001"})
        .as_object()
        .unwrap()
        .clone()
    };
    let mut services = Vec::new();
    let mut sims = Vec::new();
    for code in ["000", "902"] {
        let mut options = eligibility::sim::SimOptions::seeded(TODAY);
        options.clock = clock.clone();
        options.records = vec![record(code)];
        let s = sim::start("127.0.0.1:0".parse().unwrap(), options)
            .await
            .unwrap();
        services.push(service_of(
            vec![facility(&s, FIRST, Some(FIRST_OPERATOR), clock.clone())],
            OfflineCache::open(&path),
            clock.clone(),
        ));
        sims.push(s);
    }
    let p = request(None, "001190000099", "Test Một", "01/01/1990");
    let first = services[0].check_with(&p).await.unwrap();
    assert_eq!(first.decision.category, Category::Eligible);
    let second = services[1].check_with(&p).await.unwrap();
    assert_eq!(second.decision.result_code.as_deref(), Some("902"));
    assert!(
        !second.decision.cached,
        "the gateway's answer, not yesterday's eligible"
    );
    assert_eq!(second.decision.category, Category::GatewayError);
    // While a real gateway failure does fall back to the cache.
    sims[1].add_fault(Fault::ServerError, None);
    assert!(services[1].check_with(&p).await.unwrap().decision.cached);
}
