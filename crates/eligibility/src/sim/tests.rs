//! The simulator's unit tests.

use std::time::Duration;

use super::form::url_decode_pairs;
use super::*;

#[test]
fn faults_parse() {
    assert_eq!(
        "slow:250".parse(),
        Ok(Fault::Slow(Duration::from_millis(250)))
    );
    assert_eq!("5xx".parse(), Ok(Fault::ServerError));
    assert_eq!("login-refused".parse(), Ok(Fault::LoginRefused));
    assert_eq!(
        "slow-copayment:1500".parse(),
        Ok(Fault::SlowCopayment(Duration::from_millis(1500)))
    );
    assert_eq!(
        "slow-copayment".parse(),
        Ok(Fault::SlowCopayment(Duration::from_secs(30)))
    );
    assert_eq!("copayment-500".parse(), Ok(Fault::CopaymentSystemError));
    assert!("slow-copayment:soon".parse::<Fault>().is_err());
    assert!("boom".parse::<Fault>().is_err());
}

#[test]
fn form_decoding() {
    let p = url_decode_pairs(b"hoTen=Nguy%E1%BB%85n+V%C4%83n+An&maThe=038095012345&x");
    assert_eq!(p[0], ("hoTen".into(), "Nguyễn Văn An".into()));
    assert_eq!(p[1].1, "038095012345");
    assert_eq!(p[2], ("x".into(), String::new()));
}

#[test]
fn seeded_records_parse_back() {
    let recs = seeded_records(jiff::civil::date(2026, 3, 1));
    let text = serde_json::to_string(&recs).unwrap();
    assert_eq!(parse_records(&text).unwrap().len(), recs.len());
    assert!(parse_records("{}").is_err());
    assert!(parse_records("[{\"cccd\":\"1\"}]").is_err());
}

#[test]
fn seeded_accounts_have_distinct_names_codes_and_operators() {
    let accounts = seeded_accounts();
    let mut names: Vec<&str> = accounts.iter().map(|a| a.username.as_str()).collect();
    names.dedup();
    assert_eq!(names.len(), 4);
    for a in &accounts {
        assert_eq!(a.username, format!("{}_BV", a.facility_code));
        assert_eq!(a.operators.len(), 1);
    }
    assert_eq!(
        accounts.iter().filter(|a| !a.may_query).count(),
        1,
        "one account may log in but not query"
    );
    let text = format!("{accounts:?}");
    assert!(!text.contains("cccd-sim-demo"), "{text}");
}
