//! With every log target at TRACE and every error path of the acceptance exercised, no log line,
//! error message, verdict or panic message holds the password, its MD5, a token or the query
//! string (issue 6, last acceptance bullet).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use eligibility::sim::{self, Fault};
use eligibility::{GatewayClient, GatewayConfig, ManualClock, Secret};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_a_log_an_error_or_a_panic() {
    let buf = Buffer::default();
    let writer = buf.clone();
    // Global (so every thread of the runtime is covered) and bridging the `log` crate that
    // reqwest and rustls use.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .try_init()
        .unwrap();
    let panic_buf = buf.clone();
    std::panic::set_hook(Box::new(move |info| {
        let _ = writeln!(panic_buf.clone(), "PANIC: {info}");
    }));
    let mut texts: Vec<String> = Vec::new();
    const WRONG: &str = "a wrong password 42";

    // Every path through the service, with and without cache.
    for cache in [false, true] {
        let f = Fixture::with(Setup {
            cache,
            timeout: Duration::from_millis(400),
            ..Setup::default()
        })
        .await;
        let mut run = async |fault: Option<(Fault, Option<u32>)>| {
            f.sim.clear_faults();
            if let Some((fault, times)) = fault {
                f.sim.add_fault(fault, times);
            }
            let v = f.check(AN.0, AN.1, AN.2).await;
            texts.push(serde_json::to_string(&v).unwrap());
            texts.push(format!("{v:?}"));
        };
        run(None).await;
        run(Some((Fault::TokenExpired, Some(1)))).await;
        run(Some((Fault::Unauthorized, Some(1)))).await;
        run(Some((Fault::TokenExpired, Some(2)))).await;
        run(Some((Fault::Unauthorized, Some(2)))).await;
        run(Some((Fault::Slow(Duration::from_secs(2)), None))).await;
        run(Some((Fault::ServerError, None))).await;
        run(Some((Fault::HtmlPage, None))).await;
        run(Some((Fault::InvalidJson, None))).await;
        f.sim.clear_faults();
        f.service.client().forget_token().await;
        run(Some((Fault::LoginRefused, None))).await;
        f.sim.clear_faults();
        let h = f
            .service
            .history(&patient(AN.0, AN.1, AN.2), None)
            .await
            .unwrap();
        texts.push(format!("{h:?}"));
        // The co-payment lookup carries the credentials in headers: none may reach a log.
        for fault in [None, Some(Fault::CopaymentSystemError)] {
            f.sim.clear_faults();
            if let Some(fault) = fault {
                f.sim.add_fault(fault, None);
            }
            f.sim.expire_tokens();
            let mut r = eligibility::CopaymentRequest::new(patient(AN.0, AN.1, AN.2));
            r.refresh = true;
            let c = f.service.copayment(&r).await.unwrap();
            texts.push(format!("{c:?}"));
        }
        f.sim.clear_faults();
        for p in f.service.probe_accounts().await {
            texts.push(serde_json::to_string(&p).unwrap());
        }
        texts.push(format!("{:?}", f.service));
        texts.extend(
            f.sim
                .issued_tokens()
                .iter()
                .map(|t| format!("TOKEN-ISSUED {t}")),
        );
    }

    // The client's own errors, directly.
    let f = Fixture::start().await;
    let clock = Arc::new(ManualClock::new(jiff::Timestamp::now()));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let query = eligibility::CardQuery {
        card_id: AN.0.into(),
        full_name: AN.1.into(),
        date_of_birth: AN.2.into(),
        operator: eligibility::Operator {
            name: sim::DEFAULT_OPERATOR_NAME.into(),
            id_number: sim::DEFAULT_OPERATOR_ID.into(),
        },
    };
    for (url, password, fault) in [
        (f.sim.url(), WRONG, None),
        (f.sim.url(), sim::DEFAULT_PASSWORD, Some(Fault::ServerError)),
        (f.sim.url(), sim::DEFAULT_PASSWORD, Some(Fault::HtmlPage)),
        (f.sim.url(), sim::DEFAULT_PASSWORD, Some(Fault::InvalidJson)),
        (
            f.sim.url(),
            sim::DEFAULT_PASSWORD,
            Some(Fault::Slow(Duration::from_secs(2))),
        ),
        (
            f.sim.url(),
            sim::DEFAULT_PASSWORD,
            Some(Fault::TokenExpired),
        ),
        (
            format!("http://127.0.0.1:{port}"),
            sim::DEFAULT_PASSWORD,
            None,
        ),
    ] {
        f.sim.clear_faults();
        let mut config = GatewayConfig::new(url, sim::DEFAULT_USERNAME, Secret::new(password));
        config.timeout = Duration::from_millis(400);
        texts.push(format!("{config:?}"));
        let client = GatewayClient::new(&config, clock.clone()).unwrap();
        // Log in first, then break the card check.
        let first = client.check_card(&query).await;
        if let Some(fault) = fault {
            f.sim.add_fault(fault, None);
        }
        let second = client.check_card(&query).await;
        for r in [first, second] {
            match r {
                Ok(c) => texts.push(format!("{c:?}")),
                Err(e) => {
                    texts.push(e.to_string());
                    texts.push(format!("{e:?}"));
                }
            }
        }
        texts.push(format!("{client:?}"));
    }
    let mut tokens = f.sim.issued_tokens();

    let _ = std::panic::take_hook();
    let logs = String::from_utf8_lossy(&buf.0.lock().unwrap()).into_owned();
    assert!(
        logs.contains("BHXH gateway answered"),
        "TRACE logging was not captured"
    );
    assert!(logs.contains("TRACE") || logs.contains("DEBUG"));
    assert!(
        logs.contains("reqwest::connect") && logs.contains("hyper_util"),
        "the dependencies' TRACE logs were not captured"
    );
    let issued: Vec<String> = texts
        .iter()
        .filter_map(|t| t.strip_prefix("TOKEN-ISSUED ").map(str::to_owned))
        .collect();
    tokens.extend(issued);
    assert!(tokens.len() >= 10, "tokens were issued: {}", tokens.len());
    let mut secrets: Vec<String> = vec![sim::DEFAULT_PASSWORD.into(), WRONG.into()];
    for p in [sim::DEFAULT_PASSWORD, WRONG] {
        secrets.push(Secret::new(p).md5_hex(false).expose().to_owned());
        secrets.push(Secret::new(p).md5_hex(true).expose().to_owned());
    }
    secrets.extend(tokens);
    let query_markers = ["token=", "id_token=", "password=", "?token", "&password"];
    let texts: Vec<&String> = texts
        .iter()
        .filter(|t| !t.starts_with("TOKEN-ISSUED "))
        .collect();
    for (i, line) in logs
        .lines()
        .map(str::to_owned)
        .chain(texts.into_iter().cloned())
        .enumerate()
    {
        for s in &secrets {
            assert!(!line.contains(s.as_str()), "secret in line {i}: {line}");
        }
        for m in query_markers {
            assert!(!line.contains(m), "query string in line {i}: {line}");
        }
        assert!(!line.contains("PANIC"), "{line}");
        // Personal data stays out of the logs too (verdict JSON is output, not a log).
        if !line.starts_with('{') {
            assert!(
                !line.contains(AN.0) && !line.contains("Nguyễn"),
                "personal data: {line}"
            );
        }
    }
}
