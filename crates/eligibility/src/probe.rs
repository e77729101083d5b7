//! The account probe (`domain/bhxh-gateway.md`, "2026", "Account health probe"): log in, then
//! check the fake card `0000000000`. "Not found" means the account may query; 401/403 right
//! after the login means it lacks the right. Each failure comes with advice for the
//! administrator, in Vietnamese and English. One probe is two gateway calls: run it at start and
//! now and then, never per request.

use std::time::Instant;

use jiff::Timestamp;
use serde::Serialize;

use crate::client::{CardQuery, GatewayClient, Operator, ProbeAnswer};
use crate::clock::{Clock, serialize_timestamp};
use crate::codes::Message;
use crate::error::Error;
use crate::service::Eligibility;

/// The card number the probe checks: ten zeros, a social insurance number nobody has.
pub const PROBE_CARD: &str = "0000000000";

/// How the probe went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeStatus {
    /// The account may log in and query.
    Pass,
    /// The account works, with something to fix (the default operator, the request format).
    Warn,
    /// The account cannot be used for lookups.
    Fail,
}

/// What the probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeFinding {
    /// Logged in; the fake card was "not found" (050/051): the account may query.
    MayQuery,
    /// Logged in and may query, but the operator was refused (054/055).
    OperatorRefused,
    /// The account name is a 12-digit number: a configuration mistake (accounts are
    /// `<maCSKCB>_BV`). Nothing was sent.
    UsernameLooksLikeId,
    /// The login was refused.
    LoginRefused,
    /// Logged in, but the query was refused with 401/403: the account lacks the right.
    MayNotQuery,
    /// The connection failed (refused, unreachable): how an unregistered source IP may show.
    ConnectionFailed,
    /// No answer in time: also how an unregistered source IP may show.
    TimedOut,
    /// An HTTP error or a page without the gateway's JSON: a proxy in front may hide the
    /// gateway's answer, or the URL is wrong.
    ProxyHidesAnswer,
    /// The gateway reported its own failure.
    GatewayError,
    /// An answer the probe did not expect (a result code other than "not found", an HTTP 4xx).
    UnexpectedAnswer,
}

/// One account's probe result. Holds no personal data (the account name is left out when it
/// looks like an ID number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountProbe {
    /// The facility code.
    pub facility: Option<String>,
    /// The account (`None` when it looks like a personal ID number).
    pub account: Option<String>,
    /// Pass, warn or fail.
    pub status: ProbeStatus,
    /// What was found.
    pub finding: ProbeFinding,
    /// What happened, for the technician (English).
    pub detail: String,
    /// What to do, Vietnamese and English (`None` on a pass).
    pub advice: Option<Message>,
    /// When the probe started.
    #[serde(serialize_with = "serialize_timestamp")]
    pub at: Timestamp,
    /// How long it took, milliseconds.
    pub elapsed_ms: u64,
}

/// Whether an account name is a 12-digit number (an ID number typed where `<maCSKCB>_BV` goes).
pub fn looks_like_id_number(account: &str) -> bool {
    let a = account.trim();
    a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit())
}

/// Probes `client`'s account: a username check, a fresh login, and one check of
/// [`PROBE_CARD`] with `operator` (a placeholder when the facility has no default operator: the
/// right to query is what is probed). The client's cached token is left alone.
pub async fn probe_account(
    client: &GatewayClient,
    facility: Option<&str>,
    operator: Option<&Operator>,
    clock: &dyn Clock,
) -> AccountProbe {
    let at = clock.now();
    let started = Instant::now();
    let account = client.username();
    let mut probe = AccountProbe {
        facility: facility.map(str::to_owned),
        account: Some(account.to_owned()),
        status: ProbeStatus::Fail,
        finding: ProbeFinding::UnexpectedAnswer,
        detail: String::new(),
        advice: None,
        at,
        elapsed_ms: 0,
    };
    if looks_like_id_number(account) {
        probe.account = None;
        probe.finding = ProbeFinding::UsernameLooksLikeId;
        probe.detail =
            "the account name is a 12-digit number, not <facility code>_BV: nothing sent".into();
        probe.advice = Some(Message::new(
            "Tên tài khoản là một dãy 12 chữ số, giống số CCCD. Tài khoản cổng BHXH của cơ sở có dạng <mã CSKCB>_BV (ví dụ 38001_BV): sửa username trong [eligibility].",
            "The account name is a 12-digit number, like an ID number. The facility's gateway account is <facility code>_BV (for example 38001_BV): fix username in [eligibility].",
        ));
        return probe;
    }
    let placeholder = Operator {
        name: "KIEM TRA TAI KHOAN".into(),
        id_number: "000000000000".into(),
    };
    let query = CardQuery {
        card_id: PROBE_CARD.into(),
        full_name: "KIEM TRA".into(),
        date_of_birth: "01/01/2000".into(),
        operator: operator.cloned().unwrap_or(placeholder),
    };
    let answer = client.probe(&query).await;
    probe.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    classify(&mut probe, answer, account, operator.is_some());
    tracing::info!(
        account = probe.account.as_deref().unwrap_or("-"),
        status = ?probe.status,
        finding = ?probe.finding,
        elapsed_ms = probe.elapsed_ms,
        "BHXH account probed"
    );
    probe
}

fn classify(probe: &mut AccountProbe, answer: ProbeAnswer, account: &str, default_operator: bool) {
    use ProbeFinding::*;
    let (status, finding, detail, advice) = match answer {
        ProbeAnswer::Answered(code) => match code.as_str() {
            "050" | "051" => (
                ProbeStatus::Pass,
                MayQuery,
                format!(
                    "logged in; the fake card {PROBE_CARD} was not found ({code}): the account may query"
                ),
                None,
            ),
            "054" | "055" if default_operator => (
                ProbeStatus::Warn,
                OperatorRefused,
                format!("logged in and may query; the default operator was refused ({code})"),
                Some(Message::new(
                    "Tài khoản tra cứu được, nhưng nhân viên mặc định (operator_name, operator_id) chưa được cơ sở đăng ký với BHXH hoặc sai họ tên (mã 054/055): đăng ký người dùng với BHXH hoặc sửa cấu hình.",
                    "The account may query, but the default operator (operator_name, operator_id) is not a user the facility registered with BHXH, or the name differs (054/055): register the user or fix the configuration.",
                )),
            ),
            "054" | "055" => (
                ProbeStatus::Warn,
                MayQuery,
                format!(
                    "logged in and may query ({code} for the probe's placeholder operator); no default operator is configured"
                ),
                Some(Message::new(
                    "Tài khoản tra cứu được. Chưa cấu hình nhân viên mặc định (operator_name, operator_id): mỗi lượt tra cứu phải ghi rõ nhân viên.",
                    "The account may query. No default operator (operator_name, operator_id) is configured: every lookup must name its operator.",
                )),
            ),
            "100" | "101" | "500" => (
                ProbeStatus::Fail,
                GatewayError,
                format!("logged in; the gateway reported its own failure ({code})"),
                Some(gateway_error_advice()),
            ),
            _ => (
                ProbeStatus::Warn,
                UnexpectedAnswer,
                format!(
                    "logged in; the fake card {PROBE_CARD} gave result code {code}, not \"not found\""
                ),
                Some(Message::new(
                    "Cổng BHXH trả lời một mã không mong đợi cho thẻ thử: kiểm tra body_encoding và login_encoding trong [eligibility], rồi chạy lại.",
                    "The gateway gave an unexpected code for the probe's fake card: check body_encoding and login_encoding in [eligibility], then run again.",
                )),
            ),
        },
        ProbeAnswer::QueryUnauthorized | ProbeAnswer::QueryFailed(Error::Forbidden { .. }) => (
            ProbeStatus::Fail,
            MayNotQuery,
            "logged in, but the query was refused (401/403): the account lacks the right to query"
                .into(),
            Some(Message {
                vi: format!(
                    "Tài khoản {account} đăng nhập được nhưng không có quyền tra cứu thẻ (cổng trả 401/403): đề nghị BHXH cấp quyền tra cứu cho tài khoản này."
                ),
                en: format!(
                    "Account {account} logs in but may not query cards (the gateway answers 401/403): ask BHXH to grant it the lookup right."
                ),
            }),
        ),
        ProbeAnswer::LoginFailed(e) | ProbeAnswer::QueryFailed(e) => failure(&e, account),
    };
    probe.status = status;
    probe.finding = finding;
    probe.detail = detail;
    probe.advice = advice;
}

fn gateway_error_advice() -> Message {
    Message::new(
        "Cổng BHXH báo lỗi máy chủ: thử lại sau; nếu kéo dài, liên hệ BHXH.",
        "The gateway reported a server error: try again later; if it lasts, contact BHXH.",
    )
}

fn failure(e: &Error, account: &str) -> (ProbeStatus, ProbeFinding, String, Option<Message>) {
    use ProbeFinding::*;
    let (finding, advice) = match e {
        Error::LoginRefused { .. } => (
            LoginRefused,
            Message {
                vi: format!(
                    "Cổng BHXH từ chối đăng nhập tài khoản {account}: kiểm tra tài khoản, mật khẩu (tệp password_file) và md5_uppercase. Từ 01/08/2024 mỗi cơ sở dùng tài khoản <mã CSKCB>_BV của riêng mình."
                ),
                en: format!(
                    "The gateway refused the login of account {account}: check the account, its password (password_file) and md5_uppercase. Since 01/08/2024 each facility uses its own <facility code>_BV account."
                ),
            },
        ),
        Error::Unreachable(_) => (
            ConnectionFailed,
            Message::new(
                "Không kết nối được cổng BHXH (kết nối bị từ chối hoặc không tới được). Từ 27/07/2024 cổng chỉ nhận kết nối từ địa chỉ IP đã đăng ký với BHXH, và một IP chưa đăng ký thường biểu hiện như vậy: kiểm tra mạng, tường lửa và gateway_url, rồi đề nghị BHXH xác nhận địa chỉ IP công khai của cơ sở.",
                "The BHXH gateway could not be reached (connection refused or unreachable). Since 27/07/2024 it only accepts source IPs registered with BHXH, and an unregistered IP often shows like this: check the network, the firewall and gateway_url, then ask BHXH to confirm the facility's public IP address.",
            ),
        ),
        Error::Timeout(_) => (
            TimedOut,
            Message::new(
                "Cổng BHXH không trả lời kịp. Một địa chỉ IP chưa đăng ký với BHXH thường biểu hiện như vậy (kết nối bị bỏ qua): kiểm tra mạng và tường lửa, rồi đề nghị BHXH xác nhận địa chỉ IP công khai của cơ sở.",
                "The BHXH gateway did not answer in time. A source IP not registered with BHXH often shows like this (the connection is dropped): check the network and the firewall, then ask BHXH to confirm the facility's public IP address.",
            ),
        ),
        Error::HttpStatus(s) if *s >= 500 => (
            ProxyHidesAnswer,
            Message {
                vi: format!(
                    "Nhận được lỗi HTTP {s} không kèm câu trả lời JSON của cổng BHXH: có thể một proxy hoặc tường lửa ở giữa đang che câu trả lời thật. Kiểm tra proxy của cơ sở (hoặc thử kết nối thẳng) và gateway_url."
                ),
                en: format!(
                    "HTTP {s} without the gateway's JSON answer: a proxy or firewall in between may hide the gateway's real answer. Check the facility's proxy (or try a direct connection) and gateway_url."
                ),
            },
        ),
        Error::BadResponse(_) => (
            ProxyHidesAnswer,
            Message::new(
                "Câu trả lời không phải JSON của cổng BHXH (ví dụ một trang HTML): một proxy ở giữa đang trả lời thay cổng, hoặc gateway_url sai. Kiểm tra proxy và gateway_url.",
                "The answer is not the gateway's JSON (an HTML page, say): a proxy in between answers instead of the gateway, or gateway_url is wrong. Check the proxy and gateway_url.",
            ),
        ),
        Error::ServerError(_) => (GatewayError, gateway_error_advice()),
        _ => (
            UnexpectedAnswer,
            Message::new(
                "Cổng BHXH trả lời không như mong đợi: kiểm tra gateway_url (đường dẫn gốc của cổng, không kèm /api).",
                "The gateway answered unexpectedly: check gateway_url (the gateway's base address, without /api).",
            ),
        ),
    };
    (ProbeStatus::Fail, finding, e.to_string(), Some(advice))
}

impl Eligibility {
    /// Probes every configured facility's account, one after the other.
    pub async fn probe_accounts(&self) -> Vec<AccountProbe> {
        let mut out = Vec::new();
        for f in self.facilities() {
            out.push(
                probe_account(
                    &f.client,
                    f.code.as_deref(),
                    f.default_operator.as_ref(),
                    self.clock(),
                )
                .await,
            );
        }
        out
    }
}
