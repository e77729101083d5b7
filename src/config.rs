//! Configuration: one TOML file, overridden by environment variables.
//!
//! The file is `--config FILE`, else `$CCCD_CONFIG`, else the platform's usual place (first
//! found): the user's configuration directory (`~/.config/cccd-bridge/config.toml` on Linux,
//! `%APPDATA%\cccd-bridge\config\config.toml` on Windows), then the system's (`/etc/cccd-bridge/config.toml`,
//! `%ProgramData%\cccd-bridge\config.toml`). No file means built-in defaults.
//!
//! Environment variables `CCCD_<SECTION>__<KEY>` override single keys, for example
//! `CCCD_READER__SHARE_MODE=exclusive`. The double underscore separates section and key, as
//! keys themselves contain underscores.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::CliError;

mod checks;
mod environment;
mod redact;

pub use checks::{problems, readable_by_others};

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[reader]`: which reader to use and how.
    pub reader: ReaderConfig,
    /// `[trust]`: the CSCA store.
    pub trust: TrustConfig,
    /// `[eligibility]`: the BHXH health-insurance gateway.
    pub eligibility: EligibilityConfig,
    /// `[server]`: the daemon (listen, api_keys, allowed_origins, session TTL, audit log).
    pub server: daemon::ServerConfig,
    /// `[desk]`: the desk's name in pushed events, logs and metrics.
    pub desk: crate::desk::DeskConfig,
    /// `[log]`: the log lines' format.
    pub log: crate::logging::LogConfig,
    /// `[push]`: the HIS servers the desk's events are pushed to.
    pub push: push::PushConfig,
}

/// `[eligibility]`: the BHXH gateway (`shared/domain/bhxh-gateway.md`). The password is never
/// inline: only `password_file` names where it is (a `password` key is an unknown key, hence an
/// error).
///
/// One facility: `username`, `password_file`, `facility_code`, `operator_name`, `operator_id`
/// in the section itself (the form from before several facilities were possible). Several: one
/// `[[eligibility.facility]]` table each, and none of those five keys in the section (mixing
/// both is refused: which account would a request without a facility use?).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct EligibilityConfig {
    /// Base URL: `https://egw.baohiemxahoi.gov.vn` (production), the training host, or
    /// `cccd gateway-sim`'s address.
    pub gateway_url: Option<String>,
    /// The facility's account, `<maCSKCB>_BV` (single-facility form).
    pub username: Option<String>,
    /// File holding the account's password (first line; owner-only on Unix).
    pub password_file: Option<PathBuf>,
    /// Send the password's MD5 in upper-case hex (default lower-case; the gateway's expectation
    /// is unverified).
    pub md5_uppercase: bool,
    /// This facility's code (`maCSKCB`, 5 digits), to tell "đúng tuyến".
    pub facility_code: Option<String>,
    /// Default operator (staff doing the lookup): full name.
    pub operator_name: Option<String>,
    /// Default operator: 12-digit ID number (a user registered by the facility).
    pub operator_id: Option<String>,
    /// Body encoding of the token request: `json` or `form`.
    pub login_encoding: eligibility::BodyEncoding,
    /// Body encoding of the card check and history: `json` or `form`.
    pub body_encoding: eligibility::BodyEncoding,
    /// Connection timeout, seconds.
    pub connect_timeout_secs: u64,
    /// Whole-request timeout, seconds.
    pub timeout_secs: u64,
    /// Offline cache file (default: the user's data directory).
    pub cache_path: Option<PathBuf>,
    /// How long a cached result may stand in for an unreachable gateway, seconds; 0 disables
    /// the cache.
    pub cache_ttl_secs: u64,
    /// `[[eligibility.facility]]`: the facility accounts, when there are several.
    #[serde(rename = "facility", skip_serializing_if = "Vec::is_empty")]
    pub facilities: Vec<FacilityConfig>,
    /// The base salary (lương cơ sở) for the co-payment threshold (six months of it), đồng.
    pub base_salary: u64,
    /// How long the co-payment lookup may take, seconds (it takes 5-60 s).
    pub copayment_timeout_secs: u64,
    /// What the co-payment lookup's `username` is: `account` (`<maCSKCB>_BV`) or
    /// `facility-code` (the appendix is unclear).
    pub copayment_username: CopaymentUsername,
    /// The local address requests go out from (the one registered with BHXH, on a machine with
    /// several); default: the system's choice.
    pub source_address: Option<IpAddr>,
    /// The daemon's re-check queue (SQLite, owner-only): checks the gateway did not answer,
    /// done again when it answers (`domain/bhxh-gateway.md`, "2026", "When the gateway is
    /// down"). Default: beside `cache_path` when it is set, else the user's data directory;
    /// `eligibility-rechecks.sqlite`.
    pub recheck_path: Option<PathBuf>,
    /// How long a queued re-check and its result are kept unless the HIS acknowledges it,
    /// seconds (default 72 hours).
    pub recheck_keep_secs: u64,
    /// The wait before the first re-check, seconds; doubled after each failed one.
    pub recheck_delay_secs: u64,
    /// The longest wait between two re-checks of one item, seconds.
    pub recheck_max_delay_secs: u64,
}

/// `[[eligibility.facility]]`: one facility's account.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FacilityConfig {
    /// The facility code (`maCSKCB`, 5 digits): what requests name.
    pub code: String,
    /// Its account, `<maCSKCB>_BV`.
    pub username: String,
    /// File holding the account's password (first line; owner-only on Unix).
    pub password_file: PathBuf,
    /// Default operator: full name.
    pub operator_name: Option<String>,
    /// Default operator: 12-digit ID number.
    pub operator_id: Option<String>,
}

/// `copayment_username`.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum CopaymentUsername {
    /// The account (`<maCSKCB>_BV`).
    #[default]
    Account,
    /// The facility code.
    FacilityCode,
}

/// One facility account as the service needs it, from either form of `[eligibility]`.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountConfig {
    /// The facility code (may be absent in the single-facility form).
    pub code: Option<String>,
    /// The account.
    pub username: String,
    /// Its password file.
    pub password_file: PathBuf,
    /// The default operator (name, ID number).
    pub operator: Option<(String, String)>,
}

/// The single-facility keys, which `[[eligibility.facility]]` tables replace.
const SINGLE_FACILITY_KEYS: [&str; 5] = [
    "username",
    "password_file",
    "facility_code",
    "operator_name",
    "operator_id",
];

impl EligibilityConfig {
    /// Whether an eligibility service is configured (a gateway URL, in either form).
    pub fn is_configured(&self) -> bool {
        self.gateway_url.is_some()
    }

    fn single_facility_keys_set(&self) -> Vec<&'static str> {
        let set = [
            self.username.is_some(),
            self.password_file.is_some(),
            self.facility_code.is_some(),
            self.operator_name.is_some(),
            self.operator_id.is_some(),
        ];
        SINGLE_FACILITY_KEYS
            .iter()
            .zip(set)
            .filter_map(|(k, s)| s.then_some(*k))
            .collect()
    }

    /// Problems that make the section ambiguous or unusable whatever the command: both forms
    /// mixed, a facility table incomplete or given twice, re-check times that cannot work.
    pub fn validate(&self) -> Result<(), String> {
        if self.recheck_keep_secs == 0 {
            return Err("[eligibility] recheck_keep_secs must be positive: how long a queued re-check and its result are kept (default 259200, 72 hours)".into());
        }
        if self.recheck_delay_secs == 0 || self.recheck_max_delay_secs < self.recheck_delay_secs {
            return Err(format!(
                "[eligibility] recheck_delay_secs ({}) must be at least 1 and at most recheck_max_delay_secs ({})",
                self.recheck_delay_secs, self.recheck_max_delay_secs
            ));
        }
        if self.facilities.is_empty() {
            return Ok(());
        }
        let mixed = self.single_facility_keys_set();
        if !mixed.is_empty() {
            return Err(format!(
                "[eligibility] has both {} and [[eligibility.facility]] tables: with several facilities, move {} into a [[eligibility.facility]] table (code, username, password_file, operator_name, operator_id), or remove the tables to keep the single-facility form",
                mixed.join(", "),
                if mixed.len() == 1 { "it" } else { "them" }
            ));
        }
        if self.gateway_url.is_none() {
            return Err(
                "[[eligibility.facility]] tables need [eligibility] gateway_url (the gateway's address, shared by every facility)".into(),
            );
        }
        for (i, f) in self.facilities.iter().enumerate() {
            let code = f.code.trim();
            let n = i + 1;
            if code.len() != 5 || !code.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!(
                    "[[eligibility.facility]] number {n}: code must be the 5-digit facility code (maCSKCB)"
                ));
            }
            if self.facilities[..i].iter().any(|o| o.code.trim() == code) {
                return Err(format!(
                    "[[eligibility.facility]] code {code} is given twice: one table per facility"
                ));
            }
            if f.username.trim().is_empty() {
                return Err(format!(
                    "[[eligibility.facility]] {code}: username is empty (the account, {code}_BV)"
                ));
            }
            match (&f.operator_name, &f.operator_id) {
                (Some(_), None) | (None, Some(_)) => {
                    return Err(format!(
                        "[[eligibility.facility]] {code}: operator_name and operator_id go together"
                    ));
                }
                (Some(_), Some(id)) if citizen::IdNumber::new(id).is_err() => {
                    return Err(format!(
                        "[[eligibility.facility]] {code}: operator_id must be a 12-digit ID number"
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The facility accounts: the tables, or the one facility of the single-facility keys.
    /// `Err` names the missing key.
    pub fn accounts(&self) -> Result<Vec<AccountConfig>, String> {
        self.validate()?;
        if !self.facilities.is_empty() {
            return Ok(self
                .facilities
                .iter()
                .map(|f| AccountConfig {
                    code: Some(f.code.trim().to_owned()),
                    username: f.username.trim().to_owned(),
                    password_file: f.password_file.clone(),
                    operator: f.operator_name.clone().zip(f.operator_id.clone()),
                })
                .collect());
        }
        let missing = |key: &str| {
            format!(
                "[eligibility] {key} is not set (or CCCD_ELIGIBILITY__{})",
                key.to_uppercase()
            )
        };
        if self.gateway_url.is_none() {
            return Err(missing("gateway_url"));
        }
        let username = self.username.clone().ok_or_else(|| missing("username"))?;
        let password_file = self
            .password_file
            .clone()
            .ok_or_else(|| missing("password_file"))?;
        Ok(vec![AccountConfig {
            code: self.facility_code.clone(),
            username,
            password_file,
            operator: self.operator_name.clone().zip(self.operator_id.clone()),
        }])
    }
}

impl Default for EligibilityConfig {
    fn default() -> Self {
        Self {
            gateway_url: None,
            username: None,
            password_file: None,
            md5_uppercase: false,
            facility_code: None,
            operator_name: None,
            operator_id: None,
            login_encoding: eligibility::BodyEncoding::Json,
            body_encoding: eligibility::BodyEncoding::Json,
            connect_timeout_secs: 15,
            timeout_secs: 60,
            cache_path: None,
            cache_ttl_secs: 24 * 3600,
            facilities: Vec::new(),
            base_salary: eligibility::BASE_SALARY_2024,
            copayment_timeout_secs: 75,
            copayment_username: CopaymentUsername::Account,
            source_address: None,
            recheck_path: None,
            recheck_keep_secs: 72 * 3600,
            recheck_delay_secs: 60,
            recheck_max_delay_secs: 30 * 60,
        }
    }
}

/// `[reader]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ReaderConfig {
    /// Use this reader (exact name, or a unique part of it) when a command names none.
    pub name: Option<String>,
    /// `shared` (default: other programs may use the reader between our transactions) or
    /// `exclusive`.
    pub share_mode: ShareModeConfig,
    /// Never use readers whose name contains one of these (for example a SAM slot).
    pub ignore: Vec<String>,
    /// The longest file a read accepts (bytes; DG2 and EF.CardAccess aside): 65536.
    pub max_file_bytes: usize,
    /// The longest photo (DG2) a read accepts (bytes): 1048576.
    pub max_photo_bytes: usize,
    /// The longest EF.CardAccess a read accepts (bytes): 4096.
    pub max_card_access_bytes: usize,
    /// A whole read's deadline (seconds): 20, production services' overall timeout.
    pub read_deadline_secs: u64,
}

impl Default for ReaderConfig {
    fn default() -> Self {
        let limits = pipeline::ReadLimits::default();
        Self {
            name: None,
            share_mode: ShareModeConfig::Shared,
            ignore: Vec::new(),
            max_file_bytes: limits.files.file,
            max_photo_bytes: limits.files.photo,
            max_card_access_bytes: limits.files.card_access,
            read_deadline_secs: limits.deadline.as_secs(),
        }
    }
}

impl ReaderConfig {
    /// The bounds of every read (a value of 0 is refused at load time).
    pub fn read_limits(&self) -> pipeline::ReadLimits {
        pipeline::ReadLimits {
            files: icao9303::read::FileLimits {
                file: self.max_file_bytes,
                photo: self.max_photo_bytes,
                card_access: self.max_card_access_bytes,
            },
            deadline: std::time::Duration::from_secs(self.read_deadline_secs),
        }
    }

    /// Refuses limits of 0 (no read could pass them), naming the key.
    fn validate(&self) -> Result<(), String> {
        for (key, value) in [
            ("max_file_bytes", self.max_file_bytes as u64),
            ("max_photo_bytes", self.max_photo_bytes as u64),
            ("max_card_access_bytes", self.max_card_access_bytes as u64),
            ("read_deadline_secs", self.read_deadline_secs),
        ] {
            if value == 0 {
                return Err(format!(
                    "[reader] {key} is 0: no read could pass it; leave it out for the default"
                ));
            }
        }
        Ok(())
    }
}

/// `[trust]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TrustConfig {
    /// Folder of trusted CSCA certificates (DER or PEM); `cccd trust import` writes here.
    /// Default: the platform's data folder (`~/.local/share/cccd-bridge/trust`,
    /// `%ProgramData%\cccd-bridge\trust`).
    pub store: Option<std::path::PathBuf>,
    /// Also trust the CSCAs built into the binary (Vietnam's, from the German master list).
    pub builtin: bool,
}

impl Default for TrustConfig {
    fn default() -> Self {
        Self {
            store: None,
            builtin: true,
        }
    }
}

impl TrustConfig {
    /// The store folder in effect.
    pub fn store_dir(&self) -> std::path::PathBuf {
        if let Some(p) = &self.store {
            return p.clone();
        }
        if cfg!(windows) {
            return crate::paths::program_data_dir().join("trust");
        }
        directories::ProjectDirs::from("", "", "cccd-bridge").map_or_else(
            || PathBuf::from("/var/lib/cccd-bridge/trust"),
            |d| d.data_dir().join("trust"),
        )
    }
}

/// PC/SC share mode as written in the file.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ShareModeConfig {
    /// `shared`.
    Shared,
    /// `exclusive`.
    Exclusive,
}

impl From<ShareModeConfig> for pcsc_backend::ShareMode {
    fn from(s: ShareModeConfig) -> Self {
        match s {
            ShareModeConfig::Shared => Self::Shared,
            ShareModeConfig::Exclusive => Self::Exclusive,
        }
    }
}

/// Where the configuration came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A file.
    File(PathBuf),
    /// No file: defaults (plus environment).
    Defaults,
}

/// A loaded configuration and what was overridden.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The effective configuration.
    pub config: Config,
    /// Where it came from.
    pub source: Source,
    /// Environment variables that were applied.
    pub overrides: Vec<String>,
}

/// The prefix of override variables.
const ENV_PREFIX: &str = "CCCD_";

/// The candidate default paths, in order.
pub fn default_paths() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(d) = directories::ProjectDirs::from("", "", "cccd-bridge") {
        paths.push(d.config_dir().join("config.toml"));
    }
    if cfg!(windows) {
        paths.push(crate::paths::program_data_dir().join("config.toml"));
    } else {
        paths.push(PathBuf::from("/etc/cccd-bridge/config.toml"));
    }
    paths
}

/// Loads the configuration as described in the module documentation.
pub fn load(explicit: Option<&Path>) -> Result<Loaded, CliError> {
    let env_path = std::env::var_os("CCCD_CONFIG")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from);
    let (text, source) = match explicit.map(Path::to_path_buf).or(env_path) {
        Some(p) => {
            let text = std::fs::read_to_string(&p)
                .map_err(|e| CliError::Config(format!("cannot read {}: {e}", p.display())))?;
            (text, Source::File(p))
        }
        None => match default_paths().into_iter().find(|p| p.is_file()) {
            Some(p) => {
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| CliError::Config(format!("cannot read {}: {e}", p.display())))?;
                (text, Source::File(p))
            }
            None => (String::new(), Source::Defaults),
        },
    };
    let vars = environment::variables(std::env::vars_os(), ENV_PREFIX)?;
    let (config, overrides) = parse(&text, &vars).map_err(|e| match &source {
        Source::File(p) => CliError::Config(format!("{}: {e}", p.display())),
        Source::Defaults => CliError::Config(e),
    })?;
    Ok(Loaded {
        config,
        source,
        overrides,
    })
}

/// Parses the file's text and applies the `CCCD_<SECTION>__<KEY>` variables among `vars`.
pub fn parse(text: &str, vars: &[(String, String)]) -> Result<(Config, Vec<String>), String> {
    let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        redact::without_values(e.message()) + &redact::location(text, e.span())
    })?;
    let mut applied = Vec::new();
    for (name, value) in vars {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let Some((section, key)) = rest.split_once("__") else {
            continue;
        };
        let (section, key) = (section.to_lowercase(), key.to_lowercase());
        let section_table = table
            .entry(section.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let toml::Value::Table(t) = section_table else {
            return Err(format!("{name}: [{section}] is not a section"));
        };
        t.insert(key, env_value(value));
        applied.push(name.clone());
    }
    let config = Config::deserialize(toml::Value::Table(table)).map_err(|e| {
        // The file alone, parsed again, gives the error's place when the file causes it (an
        // environment override has none).
        let at = toml::from_str::<Config>(text)
            .err()
            .map(|f| redact::location(text, f.span()))
            .unwrap_or_else(|| format!(" (with the environment's {})", applied.join(", ")));
        redact::without_values(e.message()) + &at
    })?;
    config.eligibility.validate()?;
    config.reader.validate()?;
    config.desk.validate()?;
    config.push.validate(&pushable_events())?;
    Ok((config, applied))
}

/// The event names a `[[push.endpoint]]` may list: the daemon's events (`session.wiped`, the
/// push's own marker, goes to every endpoint anyway).
pub fn pushable_events() -> Vec<&'static str> {
    daemon::events::EVENT_NAMES
        .iter()
        .copied()
        .chain([push::SESSION_WIPED])
        .collect()
}

/// An environment value as TOML: numbers, booleans and arrays when they parse as such,
/// otherwise a plain string (so `CCCD_READER__NAME=ACS ACR1252` needs no quotes).
fn env_value(raw: &str) -> toml::Value {
    format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.to_owned()))
}

/// The configuration as a TOML value with secrets masked: any key naming a password, secret,
/// token or key shows as `"********"`.
pub fn masked(config: &Config) -> toml::Value {
    let mut v = toml::Value::try_from(config).unwrap_or(toml::Value::Table(toml::Table::new()));
    mask(&mut v);
    v
}

fn mask(v: &mut toml::Value) {
    match v {
        toml::Value::Table(t) => {
            for (k, val) in t.iter_mut() {
                let k = k.to_lowercase();
                if ["password", "secret", "token", "key"]
                    .iter()
                    .any(|s| k.contains(s))
                    && !k.ends_with("_file")
                    && !k.ends_with("_path")
                {
                    *val = toml::Value::String("********".into());
                } else {
                    mask(val);
                }
            }
        }
        toml::Value::Array(a) => a.iter_mut().for_each(mask),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
