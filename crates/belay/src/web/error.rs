//! `AppError`: every way a request can fail, each with a status and a stable
//! snake_case `code`, rendered as the JSON envelope of `docs/API.md`:
//! `{"error": {"code", "message", "fields"}}`.
//!
//! Unexpected failures are wrapped in `Internal`, logged once here (inside the
//! request's span) and answered with a generic message: internals never reach
//! the client.

use std::collections::BTreeMap;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

/// Messages per field, in a stable order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Each field with its messages, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<String>)> {
        self.0.iter()
    }

    /// The first message for a field, for forms that show one line each.
    pub fn first(&self, field: &str) -> Option<&str> {
        self.0
            .get(field)
            .and_then(|m| m.first())
            .map(String::as_str)
    }

    /// `Ok(())` when nothing was added, else a validation error.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }

    /// One message for one field, as a value (for re-rendering a form).
    pub fn single_map(field: &str, message: impl Into<String>) -> Self {
        let mut f = Self::new();
        f.add(field, message);
        f
    }

    pub fn single(field: &str, message: impl Into<String>) -> AppError {
        let mut f = Self::new();
        f.add(field, message);
        AppError::Validation(f)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Some fields need another look.")]
    Validation(FieldErrors),
    #[error("The request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("{1}")]
    BadRequest(&'static str, String),
    #[error("Please log in first.")]
    Unauthenticated,
    #[error("That handle and password don't match.")]
    InvalidCredentials,
    #[error("{1}")]
    Forbidden(&'static str, String),
    #[error("This form has expired. Reload the page and try again.")]
    Csrf,
    #[error("Not found.")]
    NotFound,
    #[error("{1}")]
    Conflict(&'static str, String),
    #[error("The request is too large.")]
    PayloadTooLarge,
    #[error("Send JSON with the header Content-Type: application/json.")]
    UnsupportedMediaType,
    #[error("Too many attempts. Please wait a little and try again.")]
    RateLimited { retry_after_secs: u64 },
    #[error("The service is not ready.")]
    Unavailable,
    /// PostgreSQL gave up this request's transaction so that another could
    /// go on (a deadlock or a serialization failure); nothing of it was
    /// written, and the same request again usually succeeds.
    #[error(
        "That ran into another change at the same moment, and nothing was saved. Please try again."
    )]
    Busy,
    #[error("Something went wrong on our side.")]
    Internal(#[source] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::MalformedJson(_) | Self::BadRequest(..) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden(..) | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(..) => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable | Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine-readable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::MalformedJson(_) => "malformed_json",
            Self::BadRequest(code, _) | Self::Forbidden(code, _) | Self::Conflict(code, _) => code,
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Csrf => "csrf_failed",
            Self::NotFound => "not_found",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unavailable => "unavailable",
            Self::Busy => "busy",
            Self::Internal(_) => "internal",
        }
    }

    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        Self::Internal(err.into())
    }

    /// The `Retry-After` seconds this answer carries, if any.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs } => Some(*retry_after_secs),
            Self::Busy => Some(1),
            _ => None,
        }
    }

    /// Sets `Retry-After` on a response to this error, if it carries one.
    pub(crate) fn mark(&self, response: &mut Response) {
        if let Some(secs) = self.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
    }

    /// Logs an internal error once; other errors are the client's business.
    pub(crate) fn log_if_internal(&self) {
        if let Self::Internal(err) = self {
            tracing::error!(error = format!("{err:#}"), "request failed");
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        Self::from(anyhow::Error::from(err))
    }
}

/// A transaction that gave way to another ([`crate::db::is_retryable`])
/// is [`AppError::Busy`], wherever in the chain of contexts the database's
/// error sits; anything else is internal.
impl From<anyhow::Error> for AppError {
    fn from(err: anyhow::Error) -> Self {
        if err
            .downcast_ref::<sqlx::Error>()
            .is_some_and(crate::db::is_retryable)
        {
            tracing::warn!(
                error = format!("{err:#}"),
                "a transaction gave way to another; answered busy"
            );
            return Self::Busy;
        }
        Self::Internal(err)
    }
}

/// The JSON error envelope.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code, e.g. `validation_failed`, `handle_taken`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// Per-field messages for `validation_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<FieldErrors>,
}

impl ErrorBody {
    pub fn from_error(err: &AppError) -> Self {
        Self {
            error: ErrorDetail {
                code: err.code().to_owned(),
                message: err.to_string(),
                fields: match err {
                    AppError::Validation(f) => Some(f.clone()),
                    _ => None,
                },
            },
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.log_if_internal();
        let mut response = (self.status(), Json(ErrorBody::from_error(&self))).into_response();
        self.mark(&mut response);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_never_show_their_cause() {
        let err = AppError::internal(anyhow::anyhow!("connection to 10.0.0.5 refused"));
        let body = serde_json::to_string(&ErrorBody::from_error(&err)).unwrap();
        assert!(!body.contains("10.0.0.5"), "{body}");
        assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn validation_errors_carry_their_fields() {
        let mut f = FieldErrors::new();
        f.add("handle", "is taken");
        let body = serde_json::to_value(ErrorBody::from_error(&AppError::Validation(f))).unwrap();
        assert_eq!(body["error"]["code"], "validation_failed");
        assert_eq!(body["error"]["fields"]["handle"][0], "is taken");
    }

    #[test]
    fn rate_limited_answers_carry_retry_after() {
        let r = AppError::RateLimited {
            retry_after_secs: 7,
        }
        .into_response();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers()[header::RETRY_AFTER], "7");
    }

    #[test]
    fn busy_answers_ask_for_a_retry_in_a_second() {
        let r = AppError::Busy.into_response();
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(r.headers()[header::RETRY_AFTER], "1");
    }

    #[test]
    fn other_database_errors_stay_internal() {
        let err = AppError::from(sqlx::Error::RowNotFound);
        assert!(matches!(err, AppError::Internal(_)), "{err:?}");
    }
}
