//! `cccd eligibility`: health-insurance eligibility at the BHXH gateway for one patient.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use citizen::{IdNumber, PartialDate, parse_user_date};
use eligibility::{
    Category, Decision, Eligibility, EligibilitySettings, GatewayClient, GatewayConfig,
    OfflineCache, Operator, Patient, Secret, SystemClock, vietnam_date,
};

use crate::config::{Config, EligibilityConfig};
use crate::error::CliError;
use crate::output::Output;

/// `cccd eligibility` options.
#[derive(Debug, clap::Args)]
pub struct EligibilityArgs {
    /// The patient's 12-digit ID number (sent as the card number, maThe).
    #[arg(long, value_name = "ID12")]
    id: String,
    /// Full name as on the card.
    #[arg(long)]
    name: String,
    /// Date of birth: dd/mm/yyyy, yyyy-mm-dd, or yyyy when only the year is known.
    #[arg(long, value_name = "DATE")]
    dob: String,
    /// Operator (staff doing the lookup) full name; default [eligibility] operator_name.
    #[arg(long, value_name = "NAME")]
    operator_name: Option<String>,
    /// Operator 12-digit ID number; default [eligibility] operator_id.
    #[arg(long, value_name = "ID12")]
    operator_id: Option<String>,
    /// Visit date (default: today in Vietnam): dd/mm/yyyy or yyyy-mm-dd.
    #[arg(long, value_name = "DATE")]
    visit_date: Option<String>,
    /// Also fetch the visit history (Lskcb2025).
    #[arg(long)]
    history: bool,
}

fn date_of_birth(text: &str) -> Result<PartialDate, CliError> {
    let t = text.trim();
    if t.len() == 10 && t.as_bytes()[4] == b'-' {
        return t
            .parse()
            .map(PartialDate::Full)
            .map_err(|_| CliError::BadInput(format!("date of birth {t:?}: not a date")));
    }
    PartialDate::parse_vietnamese(t).map_err(|e| CliError::BadInput(format!("date of birth: {e}")))
}

fn read_password(path: &Path) -> Result<Secret, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::Config(format!("eligibility.password_file {}: {e}", path.display()))
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path)
            && m.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                "{} is readable by other users: chmod 600 it",
                path.display()
            );
        }
    }
    let password = Secret::new(text.lines().next().unwrap_or("").trim_end_matches('\r'));
    // The file's text (with its newline) is dropped here; only the wiped-on-drop secret stays.
    drop(text);
    if password.is_empty() {
        return Err(CliError::Config(format!(
            "eligibility.password_file {} is empty",
            path.display()
        )));
    }
    Ok(password)
}

fn default_cache_path() -> Option<PathBuf> {
    crate::paths::data_dir().map(|d| d.join("eligibility-cache.sqlite"))
}

/// The service from the `[eligibility]` section.
pub(crate) fn service(cfg: &EligibilityConfig) -> Result<Eligibility, CliError> {
    let missing = |key: &str| {
        CliError::Config(format!(
            "[eligibility] {key} is not set (or CCCD_ELIGIBILITY__{})",
            key.to_uppercase()
        ))
    };
    let url = cfg
        .gateway_url
        .as_deref()
        .ok_or_else(|| missing("gateway_url"))?;
    let username = cfg.username.as_deref().ok_or_else(|| missing("username"))?;
    let password_file = cfg
        .password_file
        .as_deref()
        .ok_or_else(|| missing("password_file"))?;
    let mut gw = GatewayConfig::new(url, username, read_password(password_file)?);
    gw.password_md5_uppercase = cfg.md5_uppercase;
    gw.login_encoding = cfg.login_encoding;
    gw.body_encoding = cfg.body_encoding;
    gw.connect_timeout = Duration::from_secs(cfg.connect_timeout_secs.max(1));
    gw.timeout = Duration::from_secs(cfg.timeout_secs.max(1));
    let clock = Arc::new(SystemClock);
    let client = GatewayClient::new(&gw, clock.clone())
        .map_err(|e| CliError::Config(format!("[eligibility] {e}")))?;
    let cache = match (
        cfg.cache_ttl_secs,
        cfg.cache_path.clone().or_else(default_cache_path),
    ) {
        (0, _) | (_, None) => OfflineCache::disabled(),
        (_, Some(p)) => {
            // The folder owner-only when created here (on Windows the cache inherits its
            // access list); the cache itself reports a folder it cannot create.
            if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty())
                && let Err(e) = crate::private_dir::ensure(dir)
            {
                tracing::warn!("cannot create {}: {e}", dir.display());
            }
            OfflineCache::open(&p)
        }
    };
    let default_operator = match (&cfg.operator_name, &cfg.operator_id) {
        (Some(name), Some(id)) => Some(Operator {
            name: name.clone(),
            id_number: id.clone(),
        }),
        _ => None,
    };
    Ok(Eligibility::new(
        client,
        cache,
        clock,
        EligibilitySettings {
            facility_code: cfg.facility_code.clone(),
            default_operator,
            cache_ttl: Duration::from_secs(cfg.cache_ttl_secs),
        },
    ))
}

fn category_vi(c: Category) -> &'static str {
    match c {
        Category::Eligible => "ĐƯỢC HƯỞNG BHYT",
        Category::EligibleNewCard => "ĐƯỢC HƯỞNG BHYT (THẺ MỚI)",
        Category::ManualCheck => "CẦN KIỂM TRA THỦ CÔNG",
        Category::NotEligible => "KHÔNG ĐƯỢC HƯỞNG BHYT",
        Category::DataMismatch => "SAI THÔNG TIN",
        Category::ConfigurationError => "LỖI CẤU HÌNH",
        Category::GatewayError => "LỖI CỔNG BHXH",
    }
}

fn dmy(d: jiff::civil::Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

fn text(v: &Decision) -> String {
    let mut s = format!("{} / {}\n", category_vi(v.category), v.category.as_str());
    s += &format!("{}\n{}\n", v.message.vi, v.message.en);
    if let Some(card) = &v.card {
        s += &format!("Số thẻ / Card: {}", card.number.number);
        if let (Some(o), Some(l), Some(p)) = (
            &card.number.object_code,
            card.number.benefit_level,
            &card.number.province_code,
        ) {
            s += &format!(
                " (đối tượng / object {o}, mức hưởng / benefit level {l}, tỉnh / province {p})"
            );
        }
        if card.new_card {
            s += " (thẻ mới / new card)";
        }
        s += "\n";
    }
    if let (Some(from), Some(to)) = (v.valid_from, v.valid_to) {
        s += &format!("Hạn thẻ / Valid: {} - {}\n", dmy(from), dmy(to));
    }
    if let Some(f) = v.card.as_ref().and_then(|c| c.registered_facility.as_ref()) {
        let here = match v.at_registered_facility {
            Some(true) => " (đúng cơ sở này / this facility)",
            Some(false) => " (không phải cơ sở này / another facility)",
            None => "",
        };
        s += &format!("Nơi ĐKKCB ban đầu / Registered facility: {f}{here}\n");
    }
    if let Some(d) = v.five_years_from {
        s += &format!(
            "Đủ 5 năm liên tục từ / 5 continuous years from: {}\n",
            dmy(d)
        );
    }
    if let Some(code) = &v.result_code {
        s += &format!("Mã kết quả / Result code: {code}\n");
    }
    if v.cached {
        s += &format!(
            "Kết quả đã lưu / Cached result, {} s old\n",
            v.age_seconds.unwrap_or(0)
        );
    }
    s
}

/// The verdict's JSON (issue 6), plus `history` with `--history`.
#[derive(serde::Serialize)]
struct DecisionJson<'a> {
    #[serde(flatten)]
    verdict: &'a Decision,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<&'a [eligibility::HistoryEntry]>,
}

/// `cccd eligibility`.
pub fn run(out: &Output, cfg: &Config, args: &EligibilityArgs) -> Result<(), CliError> {
    let id = IdNumber::new(&args.id).map_err(|e| CliError::BadInput(format!("--id: {e}")))?;
    if args.name.trim().is_empty() {
        return Err(CliError::BadInput("--name is empty".into()));
    }
    let patient = Patient {
        id,
        full_name: args.name.clone(),
        date_of_birth: date_of_birth(&args.dob)?,
    };
    let operator = match (&args.operator_name, &args.operator_id) {
        (Some(name), Some(id)) => Some(Operator {
            name: name.clone(),
            id_number: id.clone(),
        }),
        (None, None) => None,
        _ => {
            return Err(CliError::BadInput(
                "--operator-name and --operator-id go together".into(),
            ));
        }
    };
    if let Some(op) = &operator {
        IdNumber::new(&op.id_number)
            .map_err(|e| CliError::BadInput(format!("--operator-id: {e}")))?;
    }
    let visit_date = args
        .visit_date
        .as_deref()
        .map(|t| {
            parse_user_date(t, vietnam_date(jiff::Timestamp::now()))
                .map_err(|e| CliError::BadInput(format!("--visit-date: {e}")))
        })
        .transpose()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let service = service(&cfg.eligibility)?;
    let (verdict, history) = runtime.block_on(async {
        let verdict = service
            .check(&patient, operator.as_ref(), visit_date)
            .await
            .map_err(|e| match e {
                eligibility::Error::BadInput(m) => CliError::BadInput(m),
                other => CliError::Config(other.to_string()),
            })?;
        let history = if args.history && verdict.category.is_about_the_card() && !verdict.cached {
            Some(
                service
                    .history(&patient, operator.as_ref())
                    .await
                    .map_err(|e| CliError::Gateway(e.to_string())),
            )
        } else {
            None
        };
        Ok::<_, CliError>((verdict, history))
    })?;
    let history = history.transpose()?;
    let json = DecisionJson {
        verdict: &verdict,
        history: history.as_ref().map(|h| h.entries.as_slice()),
    };
    out.emit(&json, || {
        let mut s = text(&verdict);
        if let Some(h) = &history {
            s += &format!(
                "Lịch sử KCB / Visit history: {} lượt / visits\n",
                h.entries.len()
            );
            for e in &h.entries {
                s += &format!(
                    "  {} {} - {} {}\n",
                    e.facility.as_deref().unwrap_or("?"),
                    e.admitted.as_deref().unwrap_or("?"),
                    e.discharged.as_deref().unwrap_or("?"),
                    e.diagnosis.as_deref().unwrap_or("")
                );
            }
        }
        s
    });
    match verdict.category {
        Category::ConfigurationError => Err(CliError::Config(format!(
            "[eligibility] {}",
            verdict.message.en
        ))),
        Category::GatewayError => Err(CliError::Gateway(verdict.message.en)),
        _ => Ok(()),
    }
}
