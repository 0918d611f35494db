//! Cross-site request forgery defence for the HTML forms.
//!
//! Two checks, both required on every state-changing form:
//! 1. a token in the form that matches the one the server expects: the
//!    session's own token once logged in (a synchroniser token, rotated with
//!    each login), or before that a random value kept in a `belay_csrf`
//!    cookie (double submit);
//! 2. the browser's `Sec-Fetch-Site` or `Origin` header, when sent, must say
//!    the request came from this site.
//!
//! The JSON API does not use cookies for writes from other origins: bearer
//! tokens are immune, and a cookie-authenticated API write must pass check 2
//! (see `accounts::extract`).

use std::sync::{Arc, OnceLock};

use axum::{
    body::Bytes,
    extract::{FromRequest, Request, State},
    http::{HeaderMap, HeaderValue, header, request::Parts},
    middleware::Next,
    response::Response,
};
use serde::{Deserialize, de::DeserializeOwned};
use subtle::ConstantTimeEq;

use super::{
    error::AppError,
    extract::{body_rejection, cookie, cookie_name, set_cookie},
    page::PageError,
};
use crate::{accounts, app::AppState, config::BaseUrl};

pub const PRE_SESSION_COOKIE: &str = "belay_csrf";
const PRE_SESSION_MAX_AGE: u64 = 7 * 24 * 3600;

/// The pre-session token for this request: from its cookie, or made when
/// first asked for (a page's form, or the response of any HTML page) and
/// then set on the response. API requests never ask, and so never pay for
/// a random value they would throw away.
#[derive(Clone, Debug, Default)]
pub struct PreSessionToken(Arc<OnceLock<String>>);

impl PreSessionToken {
    fn from_cookie(value: &str) -> Self {
        Self(Arc::new(OnceLock::from(value.to_owned())))
    }

    /// The token, made now if the request had none.
    pub fn get(&self) -> &str {
        self.0.get_or_init(accounts::token::random_token)
    }
}

/// Middleware: makes sure every HTML page can embed a pre-session token.
pub async fn pre_session_cookie(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let https = state.config.base_url.https();
    let name = cookie_name(PRE_SESSION_COOKIE, https);
    let existing = cookie(req.headers(), &name).filter(|v| accounts::token::looks_like_token(v));
    let fresh = existing.is_none();
    let token = existing.map_or_else(PreSessionToken::default, PreSessionToken::from_cookie);
    req.extensions_mut().insert(token.clone());
    let mut response = next.run(req).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if fresh && is_html {
        let value = set_cookie(&name, token.get(), "Lax", PRE_SESSION_MAX_AGE, https);
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

/// True unless the browser told us the request came from another site.
/// Requests without either header (non-browser clients, old browsers) pass
/// this check; they still need the token.
pub fn same_origin(headers: &HeaderMap, base_url: &BaseUrl) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    if origin.eq_ignore_ascii_case(base_url.as_str()) {
        return true;
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin_authority = origin.split_once("://").map(|(_, rest)| rest);
    matches!((origin_authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

fn tokens_match(expected: &str, submitted: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(submitted.as_bytes()))
}

/// The token a form on this request must carry.
pub async fn expected_token(parts: &mut Parts, state: &AppState) -> Result<String, AppError> {
    if let Some(member) = accounts::extract::resolve_visitor(parts, state).await? {
        return Ok(member.csrf.clone().unwrap_or_default());
    }
    Ok(parts
        .extensions
        .get::<PreSessionToken>()
        .map(|t| t.get().to_owned())
        .unwrap_or_default())
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// A URL-encoded form that passed both CSRF checks. The form type ignores
/// the `csrf` field (serde skips unknown fields by default).
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let (mut parts, body) = req.into_parts();
        if !same_origin(&parts.headers, &state.config.base_url) {
            return Err(AppError::Csrf.into());
        }
        let expected = expected_token(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(body_rejection)?;
        let submitted: CsrfField = serde_html_form::from_bytes(&bytes).map_err(malformed)?;
        if !tokens_match(&expected, &submitted.csrf) {
            return Err(AppError::Csrf.into());
        }
        let form = serde_html_form::from_bytes(&bytes).map_err(malformed)?;
        Ok(Self(form))
    }
}

fn malformed(_: serde_html_form::de::Error) -> PageError {
    AppError::BadRequest(
        "malformed_form",
        "The form could not be read. Please try again.".into(),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        let base = BaseUrl::parse("https://belay.example").unwrap();
        assert!(same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &base
        ));
        assert!(!same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            &base
        ));
        assert!(!same_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            &base
        ));
    }

    #[test]
    fn origin_must_be_this_site() {
        let base = BaseUrl::parse("https://belay.example").unwrap();
        assert!(same_origin(
            &headers(&[("origin", "https://belay.example")]),
            &base
        ));
        assert!(same_origin(
            &headers(&[
                ("origin", "http://127.0.0.1:8080"),
                ("host", "127.0.0.1:8080")
            ]),
            &base
        ));
        assert!(!same_origin(
            &headers(&[("origin", "https://evil.example")]),
            &base
        ));
        assert!(!same_origin(&headers(&[("origin", "null")]), &base));
    }

    #[test]
    fn tokens_compare_exactly_and_never_match_empty() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("", ""));
    }
}
