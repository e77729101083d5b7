//! The API's one error type, and the daemon's start-up errors.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pipeline::ErrorKind;
use serde::Serialize;

/// An error answered by the API as `{"error":{"code","message"}}`.
///
/// `code` is stable (programs branch on it); `message` is a sentence for a person and never
/// holds personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable code (`unauthorized`, `card-removed`, ...).
    pub code: &'static str,
    /// The sentence.
    pub message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    pub(crate) error: ErrorDetail,
}

/// The error object.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    /// Stable code.
    pub(crate) code: String,
    /// A sentence for a person.
    pub(crate) message: String,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 `bad-request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", message)
    }

    /// 401 `unauthorized`.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong API key: send Authorization: Bearer <key> with a key from [server] api_keys",
        )
    }

    /// 404 `session-not-found`.
    pub fn session_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "session-not-found",
            "no such session: it expired after the card was removed, was deleted, or never existed",
        )
    }

    /// 500 `internal`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// The error of a failed card read: the one conversion of the pipeline's [`ErrorKind`]
    /// into an HTTP status and the API's stable code.
    pub fn from_kind(kind: ErrorKind, message: impl Into<String>) -> Self {
        let status = match kind {
            ErrorKind::BadAccessData => StatusCode::BAD_REQUEST,
            ErrorKind::WrongAccessKey | ErrorKind::NoPaceForCan => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorKind::CardRemoved | ErrorKind::NoCard | ErrorKind::ReaderBusy => {
                StatusCode::CONFLICT
            }
            ErrorKind::NoReader | ErrorKind::PcscUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::ReadTimeout => StatusCode::GATEWAY_TIMEOUT,
            _ => StatusCode::BAD_GATEWAY,
        };
        Self::new(status, kind.code(), message)
    }

    pub(crate) fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message.clone(),
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(self.body())).into_response();
        // Errors are never cached (they may depend on the caller's key).
        r.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
        r
    }
}

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DaemonError {
    /// A listening address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The configuration cannot be used.
    #[error("configuration: {0}")]
    Config(String),
    /// The audit log cannot be opened.
    #[error("audit log {path}: {message}")]
    Audit {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Another I/O failure.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}
