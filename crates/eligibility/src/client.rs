//! The real gateway client (`domain/bhxh-gateway.md` §1-3, "How good clients behave").

use std::fmt;
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
}

impl GatewayConfig {
    /// A configuration with the timeouts used in practice (15 s connect, 60 s total), JSON
    /// bodies, a lower-case MD5 and a one-minute token margin.
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
        }
    }
}

/// The staff member doing the lookup (`hoTenCb`, `cccdCb`): must be a user registered by the
/// facility (result codes 054/055 otherwise).
#[derive(Clone, PartialEq, Eq)]
pub struct Operator {
    /// Full name.
    pub name: String,
    /// 12-digit ID number.
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
struct Token {
    access: Secret,
    id: Secret,
    expires_at: Timestamp,
}

/// What came back from one POST.
enum Answer {
    /// A JSON object (keys lower-cased) with a result code other than 401.
    Json(Map<String, Value>),
    /// HTTP 401, or `maKetQua` 401 in any body: the token (or login) was refused.
    Unauthorized,
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
    token_margin: SignedDuration,
    clock: Arc<dyn Clock>,
    // A tokio mutex: concurrent checks wait for one login instead of each logging in.
    token: tokio::sync::Mutex<Option<Token>>,
}

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
            token_margin: SignedDuration::try_from(config.token_margin)
                .unwrap_or(SignedDuration::from_secs(60)),
            clock,
            token: tokio::sync::Mutex::new(None),
        })
    }

    /// The account name.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// `KQNhanLichSuKCB2024`: the card check (§2). A refused token (HTTP 401, or `maKetQua`
    /// 401 in any body) is renewed and the request sent once more; nothing else is retried
    /// (BHXH can restrict accounts that retry blindly).
    pub async fn check_card(&self, query: &CardQuery) -> Result<CardCheck, Error> {
        let m = self.authorized_post(CHECK_PATH, query).await?;
        CardCheck::from_lowercased(&m)
            .ok_or_else(|| Error::BadResponse("no result code (maKetQua)".into()))
    }

    /// `Lskcb2025`: the visit history (§3), with the same authentication and retry rule.
    pub async fn history(&self, query: &CardQuery) -> Result<History, Error> {
        let m = self.authorized_post(HISTORY_PATH, query).await?;
        History::from_lowercased(&m)
            .ok_or_else(|| Error::BadResponse("no result code (maKetQua)".into()))
    }

    /// Forgets the cached token (the next request logs in).
    pub async fn forget_token(&self) {
        *self.token.lock().await = None;
    }

    async fn authorized_post(
        &self,
        path: &'static str,
        query: &CardQuery,
    ) -> Result<Map<String, Value>, Error> {
        for attempt in 1..=2 {
            let token = self.token().await?;
            let url = self.credential_url(path, &token)?;
            match self
                .post(path, url, &query.fields(), self.body_encoding)
                .await?
            {
                Answer::Json(m) => return Ok(m),
                Answer::Unauthorized => {
                    tracing::info!(path, attempt, "BHXH gateway refused the token (401)");
                    let mut slot = self.token.lock().await;
                    if slot.as_ref().is_some_and(|t| t.access == token.access) {
                        *slot = None;
                    }
                }
            }
        }
        Err(Error::Unauthorized)
    }

    /// The URL with the query-string credentials (§2). Never logged, never in an error.
    fn credential_url(&self, path: &str, token: &Token) -> Result<Url, Error> {
        let mut url = self
            .base
            .join(path)
            .map_err(|e| Error::Config(format!("gateway URL: {e}")))?;
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
        let url = self
            .base
            .join(TOKEN_PATH)
            .map_err(|e| Error::Config(format!("gateway URL: {e}")))?;
        let fields = [
            ("username", self.username.as_str()),
            ("password", self.password_md5.expose()),
        ];
        let refused = |code: String| Error::LoginRefused {
            account: self.username.clone(),
            code,
        };
        let m = match self
            .post(TOKEN_PATH, url, &fields, self.login_encoding)
            .await
        {
            Ok(Answer::Json(m)) => m,
            Ok(Answer::Unauthorized) => return Err(refused("401".into())),
            Err(Error::HttpStatus(s)) if s == 403 => return Err(refused(format!("HTTP {s}"))),
            Err(e) => return Err(e),
        };
        let code = result_code(&m).unwrap_or_default();
        if code == "500" {
            return Err(Error::ServerError(code));
        }
        if code != "200" {
            return Err(refused(code));
        }
        let key = match m.get("apikey") {
            Some(Value::Object(k)) => k,
            _ => return Err(Error::BadResponse("login answer without APIKey".into())),
        };
        let (Some(access), Some(id)) = (field(key, "access_token"), field(key, "id_token")) else {
            return Err(Error::BadResponse("login answer without tokens".into()));
        };
        let now = self.clock.now();
        let expires_at = parse_expiry(key.get("expires_in"), now);
        tracing::debug!(
            account = %self.username,
            valid_for_s = now.duration_until(expires_at).as_secs(),
            "BHXH gateway: token taken"
        );
        Ok(Token {
            access: Secret::new(access),
            id: Secret::new(id),
            expires_at,
        })
    }

    /// One POST. The URL is used only to send: logs and errors name `path`.
    async fn post(
        &self,
        path: &'static str,
        url: Url,
        fields: &[(&str, &str)],
        encoding: BodyEncoding,
    ) -> Result<Answer, Error> {
        let started = Instant::now();
        let request = self.http.post(url);
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
        let response = request.send().await.map_err(|e| self.transport(e))?;
        let status = response.status();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = response.bytes().await.map_err(|e| self.transport(e))?;
        let elapsed_ms = started.elapsed().as_millis() as u64;
        let parsed = serde_json::from_slice::<Value>(&body).map(lowercase_keys);
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
        if status.is_server_error() {
            return Err(Error::HttpStatus(status.as_u16()));
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

    /// A reqwest error without its URL (which holds the credentials), with its causes.
    fn transport(&self, e: reqwest::Error) -> Error {
        if e.is_timeout() {
            return Error::Timeout(self.timeout);
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
