//! Issue 16, item 4 (the library's part): the durable re-check queue with an injected clock,
//! and its rounds against the simulator stopped and back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use eligibility::sim::Fault;
use eligibility::{
    AskedBy, CardId, Category, CheckOutcome, CheckRequest, Decision, Error, ManualClock, Message,
    OfflineCache, Operator, RecheckFilter, RecheckPolicy, RecheckQueue, RecheckState,
};
use jiff::SignedDuration;
use support::*;

fn policy() -> RecheckPolicy {
    RecheckPolicy {
        first_delay: Duration::from_secs(60),
        max_delay: Duration::from_secs(600),
        keep_for: Duration::from_secs(72 * 3600),
        lease: Duration::from_secs(300),
    }
}

fn open(path: &Path, clock: &Arc<ManualClock>) -> RecheckQueue {
    RecheckQueue::open(path, clock.clone(), policy()).unwrap()
}

fn failed(facility: &str) -> CheckOutcome {
    CheckOutcome {
        decision: Decision::without_card(
            Category::GatewayError,
            Message {
                vi: "Cổng BHXH lỗi".into(),
                en: "gateway failed".into(),
            },
            None,
        ),
        asked_by: AskedBy {
            facility: Some(facility.into()),
            account: format!("{facility}_BV"),
            operator: Some(Operator {
                name: FIRST_OPERATOR.0.into(),
                id_number: FIRST_OPERATOR.1.into(),
            }),
        },
        failure: Some("the BHXH gateway answered HTTP 503".into()),
        sent: true,
    }
}

fn req(card: &str, name: &str, dob: &str) -> CheckRequest {
    CheckRequest::new(patient_by_card(card, name, dob))
}

fn advance(clock: &ManualClock, secs: i64) {
    clock.advance(SignedDuration::from_secs(secs));
}

#[test]
fn items_come_out_when_due_one_per_card_with_a_bounded_backoff() {
    let clock = morning_clock();
    let q = open(&unique_dir("due").join("q.sqlite"), &clock);
    let a = q
        .enqueue(&req(AN.0, AN.1, AN.2), &failed("38001"), Some("s1"))
        .unwrap();
    let a2 = q
        .enqueue(&req(AN.0, AN.1, AN.2), &failed("38001"), Some("s2"))
        .unwrap();
    let b = q
        .enqueue(
            &req("001085000021", "Lê Văn Cường", "1985"),
            &failed("38001"),
            None,
        )
        .unwrap();
    assert!(
        q.take_due(10).unwrap().is_empty(),
        "not before the first delay"
    );
    advance(&clock, 60);
    let due = q.take_due(10).unwrap();
    let ids: Vec<i64> = due.iter().map(|i| i.id).collect();
    assert_eq!(ids, [a, b], "one item per card: the second of An's waits");
    assert_eq!(due[0].session_id.as_deref(), Some("s1"));
    assert_eq!(due[0].request.facility.as_deref(), Some("38001"));
    assert_eq!(due[0].request.patient.card.as_str(), AN.0);
    assert_eq!(due[0].request.patient.full_name, AN.1);
    assert_eq!(
        due[0].request.operator.as_ref().unwrap().id_number,
        FIRST_OPERATOR.1
    );
    assert_eq!(
        due[0].request.visit_date,
        Some(TODAY),
        "the visit of the failed check"
    );
    assert!(
        q.take_due(10).unwrap().is_empty(),
        "leased: not given twice, nor An's other item"
    );
    // A failure: due again after the backoff, doubling, capped at max_delay.
    q.record_failure(a, "still down").unwrap();
    q.release(b).unwrap();
    let again: Vec<i64> = q.take_due(10).unwrap().iter().map(|i| i.id).collect();
    assert_eq!(
        again,
        [a2, b],
        "An's other item may go while the first waits"
    );
    q.record_failure(a2, "still down").unwrap();
    q.record_failure(b, "still down").unwrap();
    let waits: Vec<Duration> = (1..=6).map(|n| q.backoff(n)).collect();
    assert_eq!(
        waits.iter().map(Duration::as_secs).collect::<Vec<_>>(),
        [120, 240, 480, 600, 600, 600]
    );
    advance(&clock, 119);
    assert!(q.take_due(10).unwrap().is_empty());
    advance(&clock, 1);
    assert_eq!(q.take_due(1).unwrap().len(), 1, "max per round");
    let e = q.get(a).unwrap().unwrap();
    assert_eq!((e.state, e.attempts), (RecheckState::Pending, 1));
    assert_eq!(e.last_error.as_deref(), Some("still down"));
    assert_eq!(e.failure, "the BHXH gateway answered HTTP 503");
    // A lease that never reports (a crash) ends: the item is due again.
    advance(&clock, 301);
    assert!(!q.take_due(10).unwrap().is_empty());
}

#[test]
fn one_result_completes_every_item_of_the_same_lookup_and_wipes_personal_data() {
    let clock = morning_clock();
    let path = unique_dir("result").join("q.sqlite");
    let q = open(&path, &clock);
    let a = q
        .enqueue(&req(AN.0, AN.1, AN.2), &failed("38001"), Some("s1"))
        .unwrap();
    let a2 = q
        .enqueue(
            &req(AN.0, "  nguyễn văn an ", AN.2),
            &failed("38001"),
            Some("s2"),
        )
        .unwrap();
    let other_facility = q
        .enqueue(&req(AN.0, AN.1, AN.2), &failed("38002"), Some("s3"))
        .unwrap();
    advance(&clock, 60);
    let due = q.take_due(10).unwrap();
    assert_eq!(due.len(), 1);
    let decision = Decision::without_card(
        Category::Eligible,
        Message {
            vi: "được".into(),
            en: "ok".into(),
        },
        Some("000".into()),
    );
    let done = q.record_result(a, &decision).unwrap();
    let ids: Vec<i64> = done.iter().map(|e| e.id).collect();
    assert_eq!(ids, [a, a2], "the same lookup, not another facility's");
    assert_eq!(done[1].session_id.as_deref(), Some("s2"));
    assert_eq!(done[0].decision.as_ref().unwrap()["category"], "eligible");
    assert_eq!(done[0].attempts, 1);
    assert_eq!(q.list(RecheckFilter::Pending).unwrap().len(), 1);
    assert_eq!(q.list(RecheckFilter::Done).unwrap().len(), 2);
    assert_eq!(q.list(RecheckFilter::All).unwrap().len(), 3);
    assert!(
        q.record_result(a, &decision).unwrap().is_empty(),
        "already done"
    );
    // The listing names the evidence, never the name or date of birth.
    let listed = serde_json::to_string(&q.list(RecheckFilter::All).unwrap()).unwrap();
    assert!(
        !listed.contains("Nguy") && !listed.contains("1995"),
        "{listed}"
    );
    assert!(listed.contains("\"failure\"") && listed.contains(FIRST_OPERATOR.0));
    // Acknowledged: gone. The pending one of 38002 still holds what its re-check needs...
    assert!(q.acknowledge(a).unwrap());
    assert!(!q.acknowledge(a).unwrap());
    assert!(q.acknowledge(a2).unwrap());
    drop(q);
    let bytes = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
    assert!(bytes.contains("Nguy"), "the pending item's name is needed");
    // ...and nothing once that one is wiped too.
    let q = open(&path, &clock);
    assert_eq!(q.delete_card(&CardId::parse(AN.0).unwrap()).unwrap(), 1);
    let _ = other_facility;
    drop(q);
    let bytes = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
    assert!(
        !bytes.contains("Nguy") && !bytes.contains(AN.0),
        "personal data left in the file"
    );
}

#[test]
fn sessions_cards_and_time_delete_items() {
    let clock = morning_clock();
    let q = open(&unique_dir("delete").join("q.sqlite"), &clock);
    q.enqueue(&req(AN.0, AN.1, AN.2), &failed("38001"), Some("s1"))
        .unwrap();
    q.enqueue(
        &req("001085000021", "Lê Văn Cường", "1985"),
        &failed("38001"),
        Some("s1"),
    )
    .unwrap();
    let kept = q
        .enqueue(&req(AN.0, AN.1, AN.2), &failed("38001"), Some("s2"))
        .unwrap();
    assert_eq!(q.delete_session("s1").unwrap(), 2);
    assert_eq!(q.list(RecheckFilter::All).unwrap()[0].id, kept);
    // Expiry: pending items 72 h after they were queued, done ones 72 h after their result.
    advance(&clock, 72 * 3600 - 1);
    assert_eq!(q.list(RecheckFilter::All).unwrap().len(), 1);
    advance(&clock, 1);
    assert!(q.list(RecheckFilter::All).unwrap().is_empty());
    let x = q
        .enqueue(&req(AN.0, AN.1, AN.2), &failed("38001"), None)
        .unwrap();
    advance(&clock, 3600);
    q.take_due(1).unwrap();
    let ok = Decision::without_card(
        Category::NotEligible,
        Message {
            vi: "".into(),
            en: "".into(),
        },
        Some("010".into()),
    );
    q.record_result(x, &ok).unwrap();
    let e = q.get(x).unwrap().unwrap();
    assert_eq!(
        e.expires_at,
        clock_now(&clock)
            .checked_add(SignedDuration::from_hours(72))
            .unwrap()
    );
    advance(&clock, 72 * 3600);
    assert_eq!(q.purge_expired().unwrap(), 1);
    // Only a failed check goes in.
    let mut answered = failed("38001");
    answered.failure = None;
    assert!(matches!(
        q.enqueue(&req(AN.0, AN.1, AN.2), &answered, None),
        Err(Error::BadInput(_))
    ));
}

fn clock_now(c: &ManualClock) -> jiff::Timestamp {
    use eligibility::Clock;
    c.now()
}

#[test]
fn the_queue_survives_reopening() {
    let clock = morning_clock();
    let path = unique_dir("reopen").join("sub").join("q.sqlite");
    let q = open(&path, &clock);
    let a = q
        .enqueue(&req(AN.0, AN.1, AN.2), &failed("38001"), Some("s1"))
        .unwrap();
    advance(&clock, 60);
    assert_eq!(q.take_due(5).unwrap().len(), 1);
    q.record_failure(a, "down").unwrap();
    drop(q);
    let q = open(&path, &clock);
    let e = q.get(a).unwrap().unwrap();
    assert_eq!(
        (e.state, e.attempts, e.session_id.as_deref()),
        (RecheckState::Pending, 1, Some("s1"))
    );
    assert!(
        q.take_due(5).unwrap().is_empty(),
        "its backoff survived too"
    );
    advance(&clock, 120);
    let due = q.take_due(5).unwrap();
    assert_eq!(due[0].request.patient.full_name, AN.1);
    assert_eq!(
        due[0].request.patient.date_of_birth,
        citizen::PartialDate::Full(jiff::civil::date(1995, 8, 17))
    );
}

#[cfg(unix)]
#[test]
fn the_file_is_owner_only_and_a_loose_one_is_tightened_with_a_warning() {
    use std::os::unix::fs::PermissionsExt;
    let clock = morning_clock();
    let path = unique_dir("perm").join("q.sqlite");
    let q = open(&path, &clock);
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o077,
        0
    );
    assert_eq!(q.path(), path);
    drop(q);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (q, logs) = capture_warnings(|| open(&path, &clock));
    assert!(
        logs.contains("WARN") && logs.contains("owner-only"),
        "{logs}"
    );
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    drop(q);
    // A file that is not a database is an error, not an empty queue.
    let bad = unique_dir("bad").join("q.sqlite");
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::write(&bad, vec![0x5a_u8; 8192]).unwrap();
    assert!(matches!(
        RecheckQueue::open(&bad, clock.clone(), policy()),
        Err(Error::Storage(_))
    ));
}

#[tokio::test]
async fn rounds_against_the_gateway_down_then_back() {
    let clock = morning_clock();
    let sim = start_sim(clock.clone()).await;
    let service = service_of(
        vec![facility(&sim, FIRST, Some(FIRST_OPERATOR), clock.clone())],
        OfflineCache::disabled(),
        clock.clone(),
    );
    let q = open(&unique_dir("rounds").join("q.sqlite"), &clock);
    sim.add_fault(Fault::ServerError, None);
    let people = [
        (AN.0, AN.1, AN.2),
        ("001085000021", "Lê Văn Cường", "1985"),
        ("036180000031", "Phạm Thị Dung", "12/05/1980"),
    ];
    let mut ids = Vec::new();
    for (i, (card, name, dob)) in people.iter().enumerate() {
        let r = req(card, name, dob);
        let o = service.check_with(&r).await.unwrap();
        assert!(o.needs_recheck());
        ids.push(q.enqueue(&r, &o, Some(&format!("s{i}"))).unwrap());
    }
    // An's card read twice while the gateway is down.
    let r = req(AN.0, AN.1, AN.2);
    let twice = q
        .enqueue(&r, &service.check_with(&r).await.unwrap(), Some("s9"))
        .unwrap();
    let checks = |sim: &eligibility::sim::RunningSim| sim.stats().check_requests;
    let before = checks(&sim);
    advance(&clock, 60);
    // Still down: one request, then the round stops.
    assert!(service.recheck_due(&q, 10).await.unwrap().is_empty());
    assert_eq!(checks(&sim) - before, 1, "never a storm");
    let first = q.get(ids[0]).unwrap().unwrap();
    assert_eq!(first.attempts, 1);
    assert!(first.last_error.unwrap().contains("503"));
    assert_eq!(
        q.get(ids[1]).unwrap().unwrap().attempts,
        0,
        "given back untried"
    );
    // Back: every item done, An's two with one request.
    sim.clear_faults();
    advance(&clock, 120);
    let before = checks(&sim);
    let done = service.recheck_due(&q, 10).await.unwrap();
    let mut done_ids: Vec<i64> = done.iter().map(|e| e.id).collect();
    done_ids.sort_unstable();
    let mut want = vec![ids[0], ids[1], ids[2], twice];
    want.sort_unstable();
    assert_eq!(done_ids, want);
    assert_eq!(checks(&sim) - before, 3, "one request per card");
    let categories: Vec<String> = done
        .iter()
        .map(|e| {
            e.decision.as_ref().unwrap()["category"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(
        categories.contains(&"eligible".to_owned())
            && categories.contains(&"not-eligible".to_owned())
    );
    assert!(
        done.iter()
            .all(|e| e.state == RecheckState::Done && e.failure.contains("503"))
    );
    // Nothing left to do, nothing sent.
    let before = sim.stats().total();
    assert!(service.recheck_due(&q, 10).await.unwrap().is_empty());
    assert_eq!(sim.stats().total(), before);
}
