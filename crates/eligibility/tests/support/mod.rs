//! Shared fixtures: the simulator in-process on 127.0.0.1:0 and a service pointed at it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use citizen::{IdNumber, PartialDate};
use eligibility::sim::{self, RunningSim, SimOptions};
use eligibility::{
    CardId, CopaymentSettings, Decision, Eligibility, EligibilitySettings, Facility, GatewayClient,
    GatewayConfig, ManualClock, OfflineCache, Operator, Patient, Secret, ServiceOptions,
    vietnam_start_of,
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

/// A clock at 09:00 in Vietnam on TODAY.
pub fn morning_clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        vietnam_start_of(TODAY)
            .checked_add(jiff::SignedDuration::from_hours(9))
            .unwrap(),
    ))
}

/// The seeded simulator on 127.0.0.1:0 with `clock`.
pub async fn start_sim(clock: Arc<ManualClock>) -> RunningSim {
    let mut options = SimOptions::seeded(TODAY);
    options.clock = clock;
    sim::start("127.0.0.1:0".parse().unwrap(), options)
        .await
        .unwrap()
}

/// A client of `url` for `username`/`password` with short timeouts.
pub fn client(url: &str, username: &str, password: &str, clock: Arc<ManualClock>) -> GatewayClient {
    let mut config = GatewayConfig::new(url, username, Secret::new(password));
    config.connect_timeout = Duration::from_millis(800);
    config.timeout = Duration::from_millis(800);
    config.copayment_timeout = Duration::from_secs(5);
    GatewayClient::new(&config, clock).unwrap()
}

/// A facility of the simulator: its account, code and registered operator.
pub fn facility(
    sim: &RunningSim,
    (username, password, code): (&str, &str, &str),
    operator: Option<(&str, &str)>,
    clock: Arc<ManualClock>,
) -> Facility {
    Facility {
        code: Some(code.into()),
        client: client(&sim.url(), username, password, clock),
        default_operator: operator.map(|(name, id)| Operator {
            name: name.into(),
            id_number: id.into(),
        }),
    }
}

/// The seeded simulator's first facility (38001).
pub const FIRST: (&str, &str, &str) = (
    sim::DEFAULT_USERNAME,
    sim::DEFAULT_PASSWORD,
    sim::DEFAULT_FACILITY,
);
/// Its second facility (38002).
pub const SECOND: (&str, &str, &str) = (
    sim::SECOND_USERNAME,
    sim::SECOND_PASSWORD,
    sim::SECOND_FACILITY,
);
/// The first facility's operator.
pub const FIRST_OPERATOR: (&str, &str) = (sim::DEFAULT_OPERATOR_NAME, sim::DEFAULT_OPERATOR_ID);
/// The second facility's operator.
pub const SECOND_OPERATOR: (&str, &str) = (sim::SECOND_OPERATOR_NAME, sim::SECOND_OPERATOR_ID);

/// A service over `facilities` with `cache`.
pub fn service_of(
    facilities: Vec<Facility>,
    cache: OfflineCache,
    clock: Arc<ManualClock>,
) -> Eligibility {
    Eligibility::with_facilities(
        facilities,
        cache,
        clock,
        ServiceOptions {
            cache_ttl: Duration::from_secs(24 * 3600),
            copayment: CopaymentSettings::default(),
        },
    )
    .unwrap()
}

/// A patient by any card number.
pub fn patient_by_card(card: &str, name: &str, dob: &str) -> Patient {
    Patient::new(
        CardId::parse(card).unwrap(),
        name,
        PartialDate::parse_vietnamese(dob).unwrap(),
    )
}

/// A log writer into a shared buffer.
#[derive(Clone, Default)]
pub struct Buffer(pub Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Runs `f` with WARN and above captured.
pub fn capture_warnings<T>(f: impl FnOnce() -> T) -> (T, String) {
    let buf = Buffer::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let out = tracing::subscriber::with_default(subscriber, f);
    (out, buf.text())
}
