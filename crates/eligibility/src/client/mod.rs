//! The real gateway client (`domain/bhxh-gateway.md` §1-3, "How good clients behave", and the
//! co-payment lookup of "2026").

mod copayment;
mod probe;

pub use copayment::CopaymentQuery;
pub(crate) use probe::ProbeAnswer;

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::Clock;
use crate::error::Error;
use crate::secret::Secret;
use crate::wire::{CardCheck, History, field, lowercase_keys, result_code};

/// `POST /api/token/take` (§1).
const TOKEN_PATH: &str = "api/token/take";
/// `POST /api/egw/KQNhanLichSuKCB2024` (§2).
const CHECK_PATH: &str = "api/egw/KQNhanLichSuKCB2024";
/// `POST /api/egw/Lskcb2025` (§3).
const HISTORY_PATH: &str = "api/egw/Lskcb2025";

/// How request bodies are encoded. The official appendix says JSON; one maintained client found
/// form-urlencoded accepted where JSON was refused on a sibling endpoint, and the token endpoint
/// has no official text at all (§1, §2): both are configurable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyEncoding {
    /// `application/json`, UTF-8.
    #[default]
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

/// How to reach and log in to the gateway.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The gateway's base URL (`https://egw.baohiemxahoi.gov.vn`, the training host, or a
    /// simulator): configuration, never code (§ Access).
    pub base_url: String,
    /// The facility's account, `<maCSKCB>_BV` since 01/08/2024.
    pub username: String,
    /// The account's password (sent only as its MD5).
    pub password: Secret,
    /// Send the MD5 in upper-case hex (the case is unverified, §1: "send as configured").
    pub password_md5_uppercase: bool,
    /// Body encoding of `token/take`.
    pub login_encoding: BodyEncoding,
    /// Body encoding of the card check and history.
    pub body_encoding: BodyEncoding,
    /// Connection timeout (10-15 s is used in practice).
    pub connect_timeout: Duration,
    /// Whole-request timeout (60 s is used in practice).
    pub timeout: Duration,
    /// A token is renewed this long before its `expires_in`.
    pub token_margin: Duration,
    /// The local address requests go out from (`None`: the system's choice). The gateway only
    /// accepts registered source IPs and ties a token to the IP that took it (§ Access, §1): on
    /// a machine with several addresses, the registered one.
    pub local_address: Option<IpAddr>,
    /// Whole-request timeout of the co-payment lookup, which takes 5-60 s ("2026": callers wait
    /// at least 70 s).
    pub copayment_timeout: Duration,
    /// The `username` of the co-payment lookup's body (`None`: the account). Whether the
    /// appendix means the account or the facility code is unclear ("2026"): configuration.
    pub copayment_username: Option<String>,
}

impl GatewayConfig {
    /// A configuration with the timeouts used in practice (15 s connect, 60 s total, 75 s for
    /// the co-payment lookup), JSON bodies, a lower-case MD5 and a one-minute token margin.
    pub fn new(base_url: impl Into<String>, username: impl Into<String>, password: Secret) -> Self {
        Self {
            base_url: base_url.into(),
            username: username.into(),
            password,
            password_md5_uppercase: false,
            login_encoding: BodyEncoding::Json,
            body_encoding: BodyEncoding::Json,
            connect_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(60),
            token_margin: Duration::from_secs(60),
            local_address: None,
            copayment_timeout: Duration::from_secs(75),
            copayment_username: None,
        }
    }
}

/// The staff member doing the lookup (`hoTenCb`, `cccdCb`): must be a user registered by the
/// facility (result codes 054/055 otherwise). Serialises as `{name, id}` (for the audit log and
/// the re-check queue's evidence); `Debug` shows neither.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct Operator {
    /// Full name.
    pub name: String,
    /// 12-digit ID number.
    #[serde(rename = "id")]
    pub id_number: String,
}

impl fmt::Debug for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Operator(<redacted>)")
    }
}

/// The five body fields of a card check or history request (§2).
#[derive(Clone, PartialEq, Eq)]
pub struct CardQuery {
    /// `maThe`: the 12-digit ID number (or a 15-character card / 10-digit social insurance
    /// number).
    pub card_id: String,
    /// `hoTen`.
    pub full_name: String,
    /// `ngaySinh`: `dd/MM/yyyy`, or `yyyy` when only the year is known.
    pub date_of_birth: String,
    /// `hoTenCb` and `cccdCb`.
    pub operator: Operator,
}

impl fmt::Debug for CardQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CardQuery(<redacted>)")
    }
}

impl CardQuery {
    fn fields(&self) -> [(&'static str, &str); 5] {
        [
            ("maThe", &self.card_id),
            ("hoTen", &self.full_name),
            ("ngaySinh", &self.date_of_birth),
            ("hoTenCb", &self.operator.name),
            ("cccdCb", &self.operator.id_number),
        ]
    }
}

#[derive(Clone)]
pub(crate) struct Token {
    access: Secret,
    id: Secret,
    expires_at: Timestamp,
}

/// What came back from one POST.
pub(crate) enum Answer {
    /// A JSON object (keys lower-cased) with a result code other than 401.
    Json(Map<String, Value>),
    /// HTTP 401, or `maKetQua` 401 in any body: the token (or login) was refused.
    Unauthorized,
}

/// Where the credentials of an authorized request go.
#[derive(Clone, Copy)]
enum Auth {
    /// The query string: `token`, `id_token`, `username`, `password` (§2).
    Query,
    /// The headers `accessToken`, `tokenId`, `passwordHash` (the co-payment lookup, "2026").
    Headers,
}

/// One authorized request: where, what, how.
struct Request<'a> {
    path: &'static str,
    fields: &'a [(&'a str, &'a str)],
    encoding: BodyEncoding,
    auth: Auth,
    timeout: Duration,
}

/// The BHXH gateway client: one per facility account. Cheap to share behind an `Arc`.
pub struct GatewayClient {
    http: reqwest::Client,
    base: Url,
    username: String,
    password_md5: Secret,
    login_encoding: BodyEncoding,
    body_encoding: BodyEncoding,
    timeout: Duration,
    copayment_timeout: Duration,
    copayment_username: String,
    token_margin: SignedDuration,
    clock: Arc<dyn Clock>,
    // A tokio mutex: concurrent checks wait for one login instead of each logging in.
    token: tokio::sync::Mutex<Option<Token>>,
    // Told the time of every request (the daemon's metrics); set once.
    latency: std::sync::OnceLock<LatencyObserver>,
}

/// A function told how long each request to the gateway took, answered or not (the daemon's
/// metrics: `cccd_gateway_request_duration_seconds`). It must return quickly.
pub type LatencyObserver = Arc<dyn Fn(Duration) + Send + Sync>;

impl fmt::Debug for GatewayClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GatewayClient")
            .field("base", &self.base.as_str())
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl GatewayClient {
    /// A client for `config`, with `clock` deciding when a token is near its expiry.
    pub fn new(config: &GatewayConfig, clock: Arc<dyn Clock>) -> Result<Self, Error> {
        // reqwest is built with `rustls-no-provider`: ring is the provider (it cross-compiles to
        // windows-gnu, aws-lc-rs needs cmake and NASM). Installing fails harmlessly when a
        // provider is already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut base = Url::parse(config.base_url.trim())
            .map_err(|e| Error::Config(format!("gateway URL {:?}: {e}", config.base_url)))?;
        if !matches!(base.scheme(), "http" | "https") || base.query().is_some() {
            return Err(Error::Config(format!(
                "gateway URL {:?}: must be http(s) without a query",
                config.base_url
            )));
        }
        // `Url::join` replaces the last path segment unless the path ends with '/'.
        if !base.path().ends_with('/') {
            let p = format!("{}/", base.path());
            base.set_path(&p);
        }
        if config.username.trim().is_empty() {
            return Err(Error::Config("the gateway account is empty".into()));
        }
        if config.password.is_empty() {
            return Err(Error::Config("the gateway password is empty".into()));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .local_address(config.local_address)
            // A redirect would carry the credentials of the query string to another place.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Config(format!("HTTP client: {}", e.without_url())))?;
        Ok(Self {
            http,
            base,
            username: config.username.trim().to_owned(),
            password_md5: config.password.md5_hex(config.password_md5_uppercase),
            login_encoding: config.login_encoding,
            body_encoding: config.body_encoding,
            timeout: config.timeout,
            copayment_timeout: config.copayment_timeout,
            copayment_username: config
                .copayment_username
                .as_deref()
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .unwrap_or(config.username.trim())
                .to_owned(),
            token_margin: SignedDuration::try_from(config.token_margin)
                .unwrap_or(SignedDuration::from_secs(60)),
            clock,
            token: tokio::sync::Mutex::new(None),
            latency: std::sync::OnceLock::new(),
        })
    }

    /// Tells `observer` the time of every request from now on (logins, checks, histories,
    /// co-payment lookups and probes; failed ones too). The first observer given stays: false
    /// when one was set already.
    pub fn observe_latency(&self, observer: LatencyObserver) -> bool {
        self.latency.set(observer).is_ok()
    }

    /// The account name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// `KQNhanLichSuKCB2024`: the card check (§2). A refused token (HTTP 401, or `maKetQua`
    /// 401 in any body) is renewed and the request sent once more; nothing else is retried
    /// (BHXH can restrict accounts that retry blindly).
    pub async fn check_card(&self, query: &CardQuery) -> Result<CardCheck, Error> {
        let m = self.card_post(CHECK_PATH, query).await?;
        CardCheck::from_lowercased(&m)
            .ok_or_else(|| Error::BadResponse("no result code (maKetQua)".into()))
    }

    /// `Lskcb2025`: the visit history (§3), with the same authentication and retry rule.
    pub async fn history(&self, query: &CardQuery) -> Result<History, Error> {
        let m = self.card_post(HISTORY_PATH, query).await?;
        History::from_lowercased(&m)
            .ok_or_else(|| Error::BadResponse("no result code (maKetQua)".into()))
    }

    /// Forgets the cached token (the next request logs in).
    pub async fn forget_token(&self) {
        *self.token.lock().await = None;
    }

    /// A card check or history request: the five body fields, credentials in the query string.
    async fn card_post(
        &self,
        path: &'static str,
        query: &CardQuery,
    ) -> Result<Map<String, Value>, Error> {
        let fields = query.fields();
        self.authorized_post(&Request {
            path,
            fields: &fields,
            encoding: self.body_encoding,
            auth: Auth::Query,
            timeout: self.timeout,
        })
        .await
    }

    /// Sends `request` with the cached token; a refused token is renewed and the request sent
    /// once more, never more.
    async fn authorized_post(&self, request: &Request<'_>) -> Result<Map<String, Value>, Error> {
        for attempt in 1..=2 {
            let token = self.token().await?;
            match self.post_with(request, &token).await? {
                Answer::Json(m) => return Ok(m),
                Answer::Unauthorized => {
                    tracing::info!(
                        path = request.path,
                        attempt,
                        "BHXH gateway refused the token (401)"
                    );
                    let mut slot = self.token.lock().await;
                    if slot.as_ref().is_some_and(|t| t.access == token.access) {
                        *slot = None;
                    }
                }
            }
        }
        Err(Error::Unauthorized)
    }

    /// One authorized POST with `token`.
    async fn post_with(&self, request: &Request<'_>, token: &Token) -> Result<Answer, Error> {
        let builder = match request.auth {
            Auth::Query => self.http.post(self.credential_url(request.path, token)?),
            Auth::Headers => self
                .http
                .post(self.url(request.path)?)
                .header("accessToken", token.access.expose())
                .header("tokenId", token.id.expose())
                .header("passwordHash", self.password_md5.expose()),
        };
        self.post(
            request.path,
            builder.timeout(request.timeout),
            request.fields,
            request.encoding,
            request.timeout,
        )
        .await
    }

    /// `base` joined with `path`.
    fn url(&self, path: &str) -> Result<Url, Error> {
        self.base
            .join(path)
            .map_err(|e| Error::Config(format!("gateway URL: {e}")))
    }

    /// The URL with the query-string credentials (§2). Never logged, never in an error.
    fn credential_url(&self, path: &str, token: &Token) -> Result<Url, Error> {
        let mut url = self.url(path)?;
        url.query_pairs_mut()
            .append_pair("token", token.access.expose())
            .append_pair("id_token", token.id.expose())
            .append_pair("username", &self.username)
            .append_pair("password", self.password_md5.expose());
        Ok(url)
    }

    /// The cached token, or a new one when there is none or it is within the margin of its
    /// `expires_in` (§1: an absolute UTC time).
    async fn token(&self) -> Result<Token, Error> {
        let mut slot = self.token.lock().await;
        if let Some(t) = slot.as_ref()
            && self.clock.now().duration_until(t.expires_at) > self.token_margin
        {
            return Ok(t.clone());
        }
        *slot = None;
        let t = self.login().await?;
        *slot = Some(t.clone());
        Ok(t)
    }

    async fn login(&self) -> Result<Token, Error> {
        tracing::debug!(account = %self.username, "BHXH gateway: taking a token");
        let url = self.url(TOKEN_PATH)?;
        let fields = [
            ("username", self.username.as_str()),
            ("password", self.password_md5.expose()),
        ];
        let refused = |code: String| Error::LoginRefused {
            account: self.username.clone(),
            code,
        };
        let m = match self
            .post(
                TOKEN_PATH,
                self.http.post(url),
                &fields,
                self.login_encoding,
                self.timeout,
            )
            .await
        {
            Ok(Answer::Json(m)) => m,
            Ok(Answer::Unauthorized) => return Err(refused("401".into())),
            Err(Error::Forbidden { .. }) => return Err(refused("HTTP 403".into())),
            Err(e) => return Err(e),
        };
        token_of(&m, self.clock.now(), &self.username)
    }

    /// One POST. The URL is used only to send: logs and errors name `path`.
    ///
    /// A JSON object with a result code is the gateway's answer whatever the HTTP status (4xx
    /// and 5xx bodies carry `maKetQua` too, §2); HTTP 401 or `maKetQua` 401 is a refused token;
    /// HTTP 403 a refused right. A 5xx without the gateway's JSON (`HttpStatus`) is what a proxy
    /// in front of the gateway sends.
    async fn post(
        &self,
        path: &'static str,
        request: reqwest::RequestBuilder,
        fields: &[(&str, &str)],
        encoding: BodyEncoding,
        timeout: Duration,
    ) -> Result<Answer, Error> {
        let started = Instant::now();
        let answer = self
            .post_once(path, request, fields, encoding, timeout, started)
            .await;
        if let Some(observe) = self.latency.get() {
            observe(started.elapsed());
        }
        answer
    }

    async fn post_once(
        &self,
        path: &'static str,
        request: reqwest::RequestBuilder,
        fields: &[(&str, &str)],
        encoding: BodyEncoding,
        timeout: Duration,
        started: Instant,
    ) -> Result<Answer, Error> {
        let request = match encoding {
            BodyEncoding::Json => {
                let body: Map<String, Value> = fields
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
                    .collect();
                request.json(&body)
            }
            BodyEncoding::Form => request.form(fields),
        };
        let response = request
            .send()
            .await
            .map_err(|e| self.transport(e, timeout))?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport(e, timeout))?;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        read_answer(
            path,
            status,
            &content_type,
            &body,
            elapsed_ms,
            &self.username,
        )
    }

    /// A reqwest error without its URL (which holds the credentials), with its causes.
    fn transport(&self, e: reqwest::Error, timeout: Duration) -> Error {
        if e.is_timeout() {
            return Error::Timeout(timeout);
        }
        let e = e.without_url();
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(": ");
            text.push_str(&s.to_string());
            source = s.source();
        }
        // Belt and braces: nothing below reqwest is known to print a URL, but should one ever do,
        // the MD5 and anything after a '?' go.
        let text = text.replace(self.password_md5.expose(), "<redacted>");
        let text = match text.split_once('?') {
            Some((head, _)) => format!("{head}?<redacted>"),
            None => text,
        };
        Error::Unreachable(text)
    }
}

/// What one answer of the gateway says, from its HTTP status, content type and body (`path`,
/// `elapsed_ms` and the body's size are logged, never the body): a JSON object with a result
/// code is the gateway's answer whatever the HTTP status (4xx and 5xx bodies carry `maKetQua`
/// too, §2); HTTP 401 or `maKetQua` 401 is a refused token; HTTP 403 a refused right of
/// `account`. A 5xx without the gateway's JSON (`HttpStatus`) is what a proxy in front of the
/// gateway sends.
pub(crate) fn read_answer(
    path: &'static str,
    status: StatusCode,
    content_type: &str,
    body: &[u8],
    elapsed_ms: u64,
    account: &str,
) -> Result<Answer, Error> {
    let parsed = serde_json::from_slice::<Value>(body).map(lowercase_keys);
    let object = match &parsed {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    };
    let code = object.and_then(result_code);
    tracing::debug!(
        path,
        status = status.as_u16(),
        result_code = code.as_deref().unwrap_or("-"),
        elapsed_ms,
        bytes = body.len(),
        "BHXH gateway answered"
    );
    if status == StatusCode::UNAUTHORIZED || code.as_deref() == Some("401") {
        return Ok(Answer::Unauthorized);
    }
    if status == StatusCode::FORBIDDEN {
        return Err(Error::Forbidden {
            account: account.to_owned(),
        });
    }
    match (parsed, code) {
        (Ok(Value::Object(m)), Some(_)) => Ok(Answer::Json(m)),
        _ if !status.is_success() => Err(Error::HttpStatus(status.as_u16())),
        (Ok(_), _) => Err(Error::BadResponse("JSON without a result code".into())),
        (Err(e), _) => Err(Error::BadResponse(format!(
            "not JSON (content type {:?}, {} bytes): {}",
            content_type.split(';').next().unwrap_or(""),
            body.len(),
            e.classify_name()
        ))),
    }
}

/// The token of a login answer (§1): result code 200 and `APIKey` with `access_token`,
/// `id_token` and `expires_in` (from `now`); 500 is the gateway's failure, any other code a
/// refusal of `account`.
pub(crate) fn token_of(
    m: &Map<String, Value>,
    now: Timestamp,
    account: &str,
) -> Result<Token, Error> {
    let code = result_code(m).unwrap_or_default();
    if code == "500" {
        return Err(Error::ServerError(code));
    }
    if code != "200" {
        return Err(Error::LoginRefused {
            account: account.to_owned(),
            code,
        });
    }
    let key = match m.get("apikey") {
        Some(Value::Object(k)) => k,
        _ => return Err(Error::BadResponse("login answer without APIKey".into())),
    };
    let (Some(access), Some(id)) = (field(key, "access_token"), field(key, "id_token")) else {
        return Err(Error::BadResponse("login answer without tokens".into()));
    };
    let expires_at = parse_expiry(key.get("expires_in"), now);
    tracing::debug!(
        %account,
        valid_for_s = now.duration_until(expires_at).as_secs(),
        "BHXH gateway: token taken"
    );
    Ok(Token {
        access: Secret::new(access),
        id: Secret::new(id),
        expires_at,
    })
}

/// Names a serde_json error's kind without its position or content.
trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

/// `expires_in`: an absolute UTC time such as `2025-09-05T07:31:44.6200586Z` (§1: "not
/// seconds"). Tolerated too: the same without a zone (taken as UTC) and a number of seconds.
/// Anything else gives a five-minute token, half the reported session limit.
fn parse_expiry(v: Option<&Value>, now: Timestamp) -> Timestamp {
    let fallback = now.checked_add(SignedDuration::from_mins(5)).unwrap_or(now);
    match v {
        Some(Value::String(s)) => {
            let s = s.trim();
            if let Ok(t) = s.parse::<Timestamp>() {
                return t;
            }
            if let Ok(dt) = s.parse::<jiff::civil::DateTime>()
                && let Ok(t) = dt.to_zoned(jiff::tz::TimeZone::UTC)
            {
                return t.timestamp();
            }
            if let Ok(secs) = s.parse::<i64>() {
                return now
                    .checked_add(SignedDuration::from_secs(secs))
                    .unwrap_or(fallback);
            }
            fallback
        }
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(|secs| now.checked_add(SignedDuration::from_secs(secs)).ok())
            .unwrap_or(fallback),
        _ => fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_forms() {
        let now: Timestamp = "2025-09-05T07:00:00Z".parse().unwrap();
        let abs = Value::String("2025-09-05T07:31:44.6200586Z".into());
        assert_eq!(
            parse_expiry(Some(&abs), now),
            "2025-09-05T07:31:44.6200586Z".parse::<Timestamp>().unwrap()
        );
        let civil = Value::String("2025-09-05T07:10:00".into());
        assert_eq!(
            parse_expiry(Some(&civil), now),
            "2025-09-05T07:10:00Z".parse::<Timestamp>().unwrap()
        );
        let secs = Value::from(600);
        assert_eq!(
            parse_expiry(Some(&secs), now),
            "2025-09-05T07:10:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            parse_expiry(None, now),
            "2025-09-05T07:05:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn debug_never_shows_personal_data() {
        let q = CardQuery {
            card_id: "038095012345".into(),
            full_name: "Nguyễn Văn An".into(),
            date_of_birth: "17/08/1995".into(),
            operator: Operator {
                name: "Trần Thị Bình".into(),
                id_number: "001190000001".into(),
            },
        };
        let d = format!("{q:?}");
        assert!(
            !d.contains("0380") && !d.contains("Nguyễn") && !d.contains("Bình"),
            "{d}"
        );
    }
}
