//! `cccd eligibility`: health-insurance eligibility (or the year's co-payment) at the BHXH
//! gateway for one patient.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use citizen::{PartialDate, parse_user_date};
use eligibility::{
    CardId, Category, CheckOutcome, CheckRequest, Clock, Copayment, CopaymentCategory,
    CopaymentRequest, CopaymentSettings, Decision, Eligibility, Facility, GatewayClient,
    GatewayConfig, OfflineCache, Operator, Patient, Secret, ServiceOptions, SystemClock,
    format_vnd, vietnam_date,
};

use crate::config::{AccountConfig, Config, CopaymentUsername, EligibilityConfig};
use crate::error::CliError;
use crate::output::Output;

/// `cccd eligibility` options.
#[derive(Debug, clap::Args)]
pub struct EligibilityArgs {
    /// The patient's 12-digit ID number (sent as the card number, maThe).
    #[arg(
        long,
        value_name = "ID12",
        conflicts_with = "card",
        required_unless_present = "card"
    )]
    id: Option<String>,
    /// Any card number: the 12-digit ID number, the 10-digit social insurance number or the
    /// 15-character BHYT card number (children under 6 have only that).
    #[arg(long, value_name = "NUMBER")]
    card: Option<String>,
    /// Full name as on the card.
    #[arg(long)]
    name: String,
    /// Date of birth: dd/mm/yyyy, yyyy-mm-dd, or yyyy when only the year is known (mm/yyyy too
    /// for --copayment).
    #[arg(long, value_name = "DATE")]
    dob: String,
    /// The facility asking (its code, maCSKCB) when several are configured.
    #[arg(long, value_name = "CODE")]
    facility: Option<String>,
    /// The card's registered facility (maDKBD) when known, from a BHYT QR or the card: a TE1
    /// card registered at a province code + 000 is a temporary newborn card, not sent.
    #[arg(long, value_name = "CODE")]
    registered_facility: Option<String>,
    /// Operator (staff doing the lookup) full name; default the facility's operator_name.
    #[arg(long, value_name = "NAME")]
    operator_name: Option<String>,
    /// Operator 12-digit ID number; default the facility's operator_id.
    #[arg(long, value_name = "ID12")]
    operator_id: Option<String>,
    /// Visit date (default: today in Vietnam): dd/mm/yyyy or yyyy-mm-dd.
    #[arg(long, value_name = "DATE")]
    visit_date: Option<String>,
    /// Also fetch the visit history (Lskcb2025).
    #[arg(long, conflicts_with = "copayment")]
    history: bool,
    /// The year's co-payment (TraCuuTienMCCT) instead of the card check: the accumulated
    /// amount and whether it is above six months' base salary. Takes 5-60 s.
    #[arg(long, conflicts_with_all = ["visit_date", "operator_name", "operator_id"])]
    copayment: bool,
}

fn date_of_birth(text: &str) -> Result<PartialDate, CliError> {
    let t = text.trim();
    if t.len() == 10 && t.as_bytes()[4] == b'-' {
        return t
            .parse()
            .map(PartialDate::Full)
            .map_err(|_| CliError::BadInput(format!("date of birth {t:?}: not a date")));
    }
    // mm/yyyy: the co-payment lookup's month-and-year form.
    if let [m, y] = t.split('/').collect::<Vec<_>>().as_slice()
        && m.len() == 2
        && y.len() == 4
        && let (Ok(m), Ok(y)) = (m.parse::<i8>(), y.parse::<i16>())
        && (1..=12).contains(&m)
        && y > 0
    {
        return Ok(PartialDate::YearMonth(y, m));
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

/// The facility account `account` of the `[eligibility]` section `cfg`: its client (its own
/// token) and default operator.
pub(crate) fn facility(
    cfg: &EligibilityConfig,
    account: &AccountConfig,
    clock: Arc<dyn Clock>,
) -> Result<Facility, CliError> {
    let url = cfg
        .gateway_url
        .as_deref()
        .ok_or_else(|| CliError::Config("[eligibility] gateway_url is not set".into()))?;
    let mut gw = GatewayConfig::new(
        url,
        account.username.as_str(),
        read_password(&account.password_file)?,
    );
    gw.password_md5_uppercase = cfg.md5_uppercase;
    gw.login_encoding = cfg.login_encoding;
    gw.body_encoding = cfg.body_encoding;
    gw.connect_timeout = Duration::from_secs(cfg.connect_timeout_secs.max(1));
    gw.timeout = Duration::from_secs(cfg.timeout_secs.max(1));
    gw.copayment_timeout = Duration::from_secs(cfg.copayment_timeout_secs.max(1));
    gw.local_address = cfg.source_address;
    gw.copayment_username = match cfg.copayment_username {
        CopaymentUsername::Account => None,
        CopaymentUsername::FacilityCode => account.code.clone(),
    };
    let client = GatewayClient::new(&gw, clock)
        .map_err(|e| CliError::Config(format!("[eligibility] {e}")))?;
    Ok(Facility {
        code: account.code.clone(),
        client,
        default_operator: account
            .operator
            .clone()
            .map(|(name, id_number)| Operator { name, id_number }),
    })
}

/// The service from the `[eligibility]` section: one facility (the section's own keys) or
/// several (`[[eligibility.facility]]`).
pub(crate) fn service(cfg: &EligibilityConfig) -> Result<Eligibility, CliError> {
    let accounts = cfg.accounts().map_err(CliError::Config)?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let facilities = accounts
        .iter()
        .map(|a| facility(cfg, a, clock.clone()))
        .collect::<Result<Vec<_>, _>>()?;
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
    let options = ServiceOptions {
        cache_ttl: Duration::from_secs(cfg.cache_ttl_secs),
        copayment: CopaymentSettings {
            base_salary: cfg.base_salary,
            ..CopaymentSettings::default()
        },
    };
    Eligibility::with_facilities(facilities, cache, clock, options)
        .map_err(|e| CliError::Config(format!("[eligibility] {e}")))
}

fn category_vi(c: Category) -> &'static str {
    match c {
        Category::Eligible => "ĐƯỢC HƯỞNG BHYT",
        Category::EligibleNewCard => "ĐƯỢC HƯỞNG BHYT (THẺ MỚI)",
        Category::ManualCheck => "CẦN KIỂM TRA THỦ CÔNG",
        Category::NotEligible => "KHÔNG ĐƯỢC HƯỞNG BHYT",
        Category::DataMismatch => "SAI THÔNG TIN",
        Category::TemporaryCard => "THẺ TẠM CỦA TRẺ SƠ SINH (KHÔNG TRA CỨU)",
        Category::ConfigurationError => "LỖI CẤU HÌNH",
        Category::GatewayError => "LỖI CỔNG BHXH",
    }
}

fn copayment_category_vi(c: CopaymentCategory) -> &'static str {
    match c {
        CopaymentCategory::Found => "CÓ CHI PHÍ CÙNG CHI TRẢ",
        CopaymentCategory::NoData => "KHÔNG CÓ DỮ LIỆU CÙNG CHI TRẢ",
        CopaymentCategory::RejectedInput => "DỮ LIỆU TRA CỨU KHÔNG HỢP LỆ",
        CopaymentCategory::RestrictedAccount => "TÀI KHOẢN BỊ HẠN CHẾ TRA CỨU",
        CopaymentCategory::ConfigurationError => "LỖI CẤU HÌNH",
        CopaymentCategory::GatewayError => "LỖI CỔNG BHXH",
    }
}

fn dmy(d: jiff::civil::Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), d.month(), d.year())
}

fn text(v: &Decision) -> String {
    let mut s = format!("{} / {}\n", category_vi(v.category), v.category.as_str());
    s += &format!("{}\n{}\n", v.message.vi, v.message.en);
    if let Some(note) = &v.gateway_message {
        s += &format!("Thông báo của cổng BHXH / Gateway's message: {note}\n");
    }
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

fn copayment_text(c: &Copayment) -> String {
    let mut s = format!(
        "{} / {}\n{}\n{}\n",
        copayment_category_vi(c.category),
        c.category.as_str(),
        c.message.vi,
        c.message.en
    );
    if let Some(note) = &c.gateway_message {
        s += &format!("Thông báo của cổng BHXH / Gateway's message: {note}\n");
    }
    if let Some(a) = c.accumulated {
        let above = match c.above_threshold {
            Some(true) => "vượt / above",
            _ => "chưa vượt / not above",
        };
        s += &format!(
            "Lũy kế / Accumulated: {} đ, {above} {} đ (6 × {} đ)\n",
            format_vnd(a),
            format_vnd(c.threshold),
            format_vnd(c.base_salary)
        );
    }
    if !c.stays.is_empty() {
        s += &format!("Lượt KCB / Stays: {}\n", c.stays.len());
    }
    for stay in &c.stays {
        let amount = |a: Option<u64>| a.map_or_else(|| "?".to_owned(), format_vnd);
        s += &format!(
            "  {} {} - {}: {} đ (lũy kế / accumulated {} đ)\n",
            stay.facility.as_deref().unwrap_or("?"),
            stay.admitted.as_deref().unwrap_or("?"),
            stay.discharged.as_deref().unwrap_or("?"),
            amount(stay.copayment),
            amount(stay.accumulated)
        );
    }
    if let Some(code) = &c.result_code {
        s += &format!("Mã kết quả / Result code: {code}\n");
    }
    if c.cached {
        s += &format!(
            "Kết quả đã lưu / Kept answer, {} s old\n",
            c.age_seconds.unwrap_or(0)
        );
    }
    s
}

/// The decision's JSON (issue 6), plus `history` with `--history`.
#[derive(serde::Serialize)]
struct DecisionJson<'a> {
    #[serde(flatten)]
    decision: &'a Decision,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<&'a [eligibility::HistoryEntry]>,
}

/// The library's refusal of input as this command's error.
fn refused(e: eligibility::Error) -> CliError {
    match e {
        eligibility::Error::BadInput(m) => CliError::BadInput(m),
        other => CliError::Config(other.to_string()),
    }
}

/// The card number of `--id` or `--card`, each with its own message.
fn card_of(args: &EligibilityArgs) -> Result<CardId, CliError> {
    let inner = |e: eligibility::Error| match e {
        eligibility::Error::BadInput(m) => m,
        other => other.to_string(),
    };
    match (&args.id, &args.card) {
        (Some(id), _) => {
            CardId::id_number(id).map_err(|e| CliError::BadInput(format!("--id: {}", inner(e))))
        }
        (None, Some(card)) => {
            CardId::parse(card).map_err(|e| CliError::BadInput(format!("--card: {}", inner(e))))
        }
        (None, None) => Err(CliError::BadInput("--id or --card is needed".into())),
    }
}

/// `cccd eligibility`.
pub fn run(out: &Output, cfg: &Config, args: &EligibilityArgs) -> Result<(), CliError> {
    let card = card_of(args)?;
    if args.name.trim().is_empty() {
        return Err(CliError::BadInput("--name is empty".into()));
    }
    let mut patient = Patient::new(card, args.name.clone(), date_of_birth(&args.dob)?);
    patient.registered_facility = args.registered_facility.clone();
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
        citizen::IdNumber::new(&op.id_number)
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
    if args.copayment {
        let request = CopaymentRequest {
            facility: args.facility.clone(),
            patient,
            refresh: false,
        };
        return runtime.block_on(copayment(out, &service, &request));
    }
    let request = CheckRequest {
        facility: args.facility.clone(),
        patient,
        operator,
        visit_date,
    };
    let (outcome, history) = runtime.block_on(async {
        let outcome: CheckOutcome = service.check_with(&request).await.map_err(refused)?;
        let d = &outcome.decision;
        let history = if args.history && d.category.is_about_the_card() && !d.cached {
            Some(
                service
                    .history_with(&request)
                    .await
                    .map_err(|e| CliError::Gateway(e.to_string())),
            )
        } else {
            None
        };
        Ok::<_, CliError>((outcome, history))
    })?;
    let history = history.transpose()?;
    let decision = outcome.decision;
    let json = DecisionJson {
        decision: &decision,
        history: history.as_ref().map(|h| h.entries.as_slice()),
    };
    out.emit(&json, || {
        let mut s = text(&decision);
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
        if service.facilities().len() > 1 {
            s += &format!(
                "Cơ sở tra cứu / Asked by: {} ({})\n",
                outcome.asked_by.facility.as_deref().unwrap_or("?"),
                outcome.asked_by.account
            );
        }
        s
    });
    match decision.category {
        Category::ConfigurationError => Err(CliError::Config(format!(
            "[eligibility] {}",
            decision.message.en
        ))),
        Category::GatewayError => Err(CliError::Gateway(decision.message.en)),
        _ => Ok(()),
    }
}

/// `cccd eligibility --copayment`.
async fn copayment(
    out: &Output,
    service: &Eligibility,
    request: &CopaymentRequest,
) -> Result<(), CliError> {
    let c = service.copayment(request).await.map_err(refused)?.copayment;
    out.emit(&c, || copayment_text(&c));
    match c.category {
        CopaymentCategory::ConfigurationError | CopaymentCategory::RestrictedAccount => {
            Err(CliError::Config(format!("[eligibility] {}", c.message.en)))
        }
        CopaymentCategory::GatewayError => Err(CliError::Gateway(c.message.en)),
        _ => Ok(()),
    }
}
