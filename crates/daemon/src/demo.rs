//! `cccd demo`: the daemon with an in-process virtual reader holding the default virtual card
//! and an in-process BHXH gateway simulator, so a newcomer sees the whole job on a machine with
//! no reader and no pcscd. The test CSCA is trusted here, and only here.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use apdu::{CardTransaction, TransportError};
use card_sim::{CccdOptions, Profile, SimCard, VirtualCccd};
use eligibility::sim::{
    DEFAULT_FACILITY, DEFAULT_OPERATOR_ID, DEFAULT_OPERATOR_NAME, DEFAULT_PASSWORD,
    DEFAULT_USERNAME, RunningSim, SimOptions,
};
use eligibility::{
    Eligibility, EligibilitySettings, GatewayClient, GatewayConfig, OfflineCache, Operator, Secret,
    SystemClock, vietnam_date,
};
use trust::CscaStore;

use crate::audit::Audit;
use crate::config::ServerConfig;
use crate::error::DaemonError;
use crate::readers::VirtualCard;
use crate::state::{AppState, StateOptions, random_token};

/// The virtual reader's name.
pub const DEMO_READER: &str = "Virtual CCCD reader (demo)";

/// A running demo's parts.
pub struct Demo {
    /// The daemon's state (the virtual reader is in it).
    pub state: AppState,
    /// The gateway simulator (stops when dropped).
    pub gateway: RunningSim,
    /// The demo API key (random per run).
    pub api_key: String,
}

impl std::fmt::Debug for Demo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Demo")
            .field("gateway", &self.gateway.addr())
            .finish_non_exhaustive()
    }
}

/// A CSCA store holding only the virtual card's test CSCA (demo and tests only).
pub fn test_csca_store() -> Result<CscaStore, DaemonError> {
    let mut store = CscaStore::new();
    store.add(
        trust::builtin::test_csca().map_err(|e| DaemonError::Config(format!("test CSCA: {e}")))?,
    );
    Ok(store)
}

/// The virtual CCCD as the demo's virtual reader holds it.
struct DemoCard(VirtualCccd);

impl CardTransaction for DemoCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.0.process(command))
    }
}

impl VirtualCard for DemoCard {
    fn atr(&self) -> Vec<u8> {
        self.0.atr()
    }

    fn power_on(&mut self) {
        self.0.power_on();
    }

    fn power_off(&mut self) {
        self.0.power_off();
    }

    fn reset(&mut self) {
        self.0.reset();
    }
}

/// What a demo runs besides the server settings.
#[derive(Debug, Default)]
pub struct DemoOptions {
    /// Virtual readers, each with its own virtual card (0 counts as 1): the first is
    /// [`DEMO_READER`], the next ones `DEMO_READER 2`, `DEMO_READER 3`...
    pub readers: usize,
    /// The desk's name ([`StateOptions::desk`]).
    pub desk: Option<String>,
    /// The push of the events ([`StateOptions::push`]).
    pub push: Option<Arc<push::Pusher>>,
    /// Where what is done is written ([`StateOptions::audit`]); None: no audit log is kept.
    pub audit: Option<Audit>,
}

/// The name of virtual reader number `n` (from 1).
pub fn demo_reader_name(n: usize) -> String {
    if n <= 1 {
        DEMO_READER.to_owned()
    } else {
        format!("{DEMO_READER} {n}")
    }
}

/// Starts the gateway simulator and builds the demo's state with one virtual reader. `config`
/// gives the server settings (a random API key is added); `hosts` are the accepted `Host`
/// values. No audit log is kept.
pub async fn start_demo(config: ServerConfig, hosts: Vec<String>) -> Result<Demo, DaemonError> {
    start_demo_with(config, hosts, DemoOptions::default()).await
}

/// [`start_demo`] with `options`: several virtual readers, the desk's name, the push.
pub async fn start_demo_with(
    mut config: ServerConfig,
    hosts: Vec<String>,
    options: DemoOptions,
) -> Result<Demo, DaemonError> {
    let today = vietnam_date(jiff::Timestamp::now());
    let gateway = eligibility::sim::start(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        SimOptions::seeded(today),
    )
    .await?;
    let clock = Arc::new(SystemClock);
    let mut gw = GatewayConfig::new(
        gateway.url(),
        DEFAULT_USERNAME,
        Secret::new(DEFAULT_PASSWORD),
    );
    gw.timeout = Duration::from_secs(10);
    let client = GatewayClient::new(&gw, clock.clone())
        .map_err(|e| DaemonError::Config(format!("gateway simulator: {e}")))?;
    let service = Eligibility::new(
        client,
        OfflineCache::disabled(),
        clock,
        EligibilitySettings {
            facility_code: Some(DEFAULT_FACILITY.into()),
            default_operator: Some(Operator {
                name: DEFAULT_OPERATOR_NAME.into(),
                id_number: DEFAULT_OPERATOR_ID.into(),
            }),
            cache_ttl: Duration::from_secs(3600),
        },
    );
    let api_key = format!("demo-{}", random_token());
    config.api_keys.push(api_key.clone());
    let trust = Arc::new(test_csca_store()?);
    let state = AppState::new(
        config,
        StateOptions {
            hosts,
            eligibility: Some(Arc::new(service)),
            // The demo keeps no re-check queue: its gateway is in-process and never goes down.
            rechecks: None,
            trust: Some(trust.clone()),
            audit: options.audit,
            demo: true,
            default_reader: None,
            read_limits: pipeline::ReadLimits::default(),
            desk: options.desk,
            push: options.push,
        },
    );
    let profile = Profile::default_profile()
        .map_err(|e| DaemonError::Config(format!("virtual card: {e}")))?;
    for n in 1..=options.readers.max(1) {
        let card = profile.build(&CccdOptions::default());
        state.readers().add_virtual(
            &demo_reader_name(n),
            Box::new(DemoCard(card)),
            Some(trust.clone()),
        )?;
    }
    Ok(Demo {
        state,
        gateway,
        api_key,
    })
}
