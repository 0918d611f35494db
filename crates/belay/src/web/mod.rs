//! The web layer shared by every feature: errors and their JSON envelope,
//! extractors, CSRF, security headers, page rendering, assets and the
//! operations endpoints.

pub mod assets;
pub mod csrf;
pub mod error;
pub mod extract;
pub mod health;
pub mod page;
pub mod security;
pub mod server;

use axum::{
    http::{StatusCode, Uri},
    response::{IntoResponse, Response},
};

use self::{error::AppError, page::PageError};

/// Unknown paths: JSON under `/api`, a page elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api/") {
        AppError::NotFound.into_response()
    } else {
        PageError(AppError::NotFound).into_response()
    }
}

/// A known path with a method it does not take.
pub async fn method_not_allowed(uri: Uri) -> Response {
    let err = AppError::BadRequest(
        "method_not_allowed",
        "This address does not take that method.".into(),
    );
    let mut response = if uri.path().starts_with("/api/") {
        err.into_response()
    } else {
        PageError(err).into_response()
    };
    *response.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    response
}

/// The answer when a handler panicked: the process keeps serving.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    AppError::internal(anyhow::anyhow!("handler panicked")).into_response()
}
