//! Shared fixtures: the simulator in-process on 127.0.0.1:0 and a service pointed at it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use citizen::{IdNumber, PartialDate};
use eligibility::sim::{self, RunningSim, SimOptions};
use eligibility::{
    Decision, Eligibility, EligibilitySettings, GatewayClient, GatewayConfig, ManualClock,
    OfflineCache, Operator, Patient, Secret, vietnam_start_of,
};
use jiff::civil::{Date, date};

/// The simulator's "today" in every test: fixed, so that the seeded dates are known.
pub const TODAY: Date = date(2026, 3, 10);

pub fn unique_dir(tag: &str) -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let d = std::env::temp_dir().join(format!(
        "eligibility-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

pub struct Fixture {
    pub sim: RunningSim,
    pub clock: Arc<ManualClock>,
    pub service: Eligibility,
    pub cache_path: Option<PathBuf>,
}

pub struct Setup {
    pub password: String,
    pub timeout: Duration,
    pub cache: bool,
    pub form: bool,
    /// Talk to this URL instead of the simulator.
    pub url: Option<String>,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            password: sim::DEFAULT_PASSWORD.into(),
            timeout: Duration::from_millis(800),
            cache: false,
            form: false,
            url: None,
        }
    }
}

impl Fixture {
    pub async fn start() -> Self {
        Self::with(Setup::default()).await
    }

    pub async fn with(setup: Setup) -> Self {
        // 09:00 in Vietnam on TODAY.
        let clock = Arc::new(ManualClock::new(
            vietnam_start_of(TODAY)
                .checked_add(jiff::SignedDuration::from_hours(9))
                .unwrap(),
        ));
        let mut options = SimOptions::seeded(TODAY);
        options.clock = clock.clone();
        let sim = sim::start("127.0.0.1:0".parse().unwrap(), options)
            .await
            .unwrap();
        let mut config = GatewayConfig::new(
            setup.url.clone().unwrap_or_else(|| sim.url()),
            sim::DEFAULT_USERNAME,
            Secret::new(setup.password.clone()),
        );
        config.connect_timeout = setup.timeout;
        config.timeout = setup.timeout;
        if setup.form {
            config.body_encoding = eligibility::BodyEncoding::Form;
            config.login_encoding = eligibility::BodyEncoding::Form;
        }
        let client = GatewayClient::new(&config, clock.clone()).unwrap();
        let cache_path = setup
            .cache
            .then(|| unique_dir("cache").join("eligibility.sqlite"));
        let cache = match &cache_path {
            Some(p) => OfflineCache::open(p),
            None => OfflineCache::disabled(),
        };
        let service = Eligibility::new(
            client,
            cache,
            clock.clone(),
            EligibilitySettings {
                facility_code: Some(sim::DEFAULT_FACILITY.into()),
                default_operator: Some(Operator {
                    name: sim::DEFAULT_OPERATOR_NAME.into(),
                    id_number: sim::DEFAULT_OPERATOR_ID.into(),
                }),
                cache_ttl: Duration::from_secs(24 * 3600),
            },
        );
        Self {
            sim,
            clock,
            service,
            cache_path,
        }
    }

    pub async fn check(&self, id: &str, name: &str, dob: &str) -> Decision {
        self.service
            .check(&patient(id, name, dob), None, None)
            .await
            .unwrap()
    }

    pub fn set_date(&self, d: Date) {
        self.clock.set(
            vietnam_start_of(d)
                .checked_add(jiff::SignedDuration::from_hours(9))
                .unwrap(),
        );
    }
}

pub fn patient(id: &str, name: &str, dob: &str) -> Patient {
    Patient::new(
        IdNumber::new(id).unwrap(),
        name,
        PartialDate::parse_vietnamese(dob).unwrap(),
    )
}

/// The default virtual card's citizen.
pub const AN: (&str, &str, &str) = ("038095012345", "Nguyễn Văn An", "17/08/1995");
