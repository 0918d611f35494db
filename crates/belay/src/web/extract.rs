//! Extractors that reject with `AppError`, so malformed input gets Belay's
//! JSON envelope and never axum's plain-text rejection.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::{
    body::Bytes,
    extract::{ConnectInfo, FromRequest, FromRequestParts, Request},
    http::{HeaderMap, header, request::Parts},
};
use serde::de::DeserializeOwned;

use super::error::{AppError, FieldErrors};
use crate::app::AppState;

/// A JSON body. Syntax errors are 400 `malformed_json`; a body that parses
/// but does not fit (a missing field, a wrong type, an unknown field) is 422
/// `validation_failed` naming the field.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(AppError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(body_rejection)?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Maps a failure to read the body: too large is 413, the rest 400.
pub fn body_rejection(err: axum::extract::rejection::BytesRejection) -> AppError {
    if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest(
            "unreadable_body",
            "The request body could not be read.".into(),
        )
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Deserialises JSON, turning serde's complaint into a field error.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    // Syntax first: broken JSON is a 400 even where its first token would
    // already have been the wrong type.
    if let Err(err) = serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
        return Err(AppError::MalformedJson(format!(
            "line {}, column {}",
            err.line(),
            err.column()
        )));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let result: Result<T, _> = serde_path_to_error::deserialize(de);
    match result {
        Ok(value) => Ok(value),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if !inner.is_data() {
                return Err(AppError::MalformedJson(format!(
                    "line {}, column {}",
                    inner.line(),
                    inner.column()
                )));
            }
            Err(data_error(&path, &inner.to_string()))
        }
    }
}

fn data_error(path: &str, message: &str) -> AppError {
    // serde reports a missing or unknown field at the parent's path, with the
    // name only in its message: pull it out so the field is named.
    let message = message.split(" at line ").next().unwrap_or(message);
    let quoted = |prefix: &str| {
        message
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
            .map(str::to_owned)
    };
    let join = |name: &str| {
        if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else if path == "." || path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    if let Some(name) = quoted("missing field `") {
        return FieldErrors::single(&join(&name), "is required");
    }
    if let Some(name) = quoted("unknown field `") {
        return FieldErrors::single(&join(&name), "is not a field this call accepts");
    }
    let field = if path == "." || path.is_empty() {
        "body"
    } else {
        path
    };
    FieldErrors::single(field, message.to_owned())
}

/// A path parameter. One that does not parse (a malformed id) names
/// nothing that exists: 404, as for an id that is not there.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|_| AppError::NotFound)
    }
}

/// The same for HTML routes: a 404 page.
pub struct PagePath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for PagePath<T> {
    type Rejection = super::page::PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|_| AppError::NotFound.into())
    }
}

/// The client's address: the TCP peer, or the last hop of
/// `X-Forwarded-For` when the operator said a proxy sets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if state.config.trust_proxy_headers {
            let forwarded = parts
                .headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|ip| ip.trim().parse::<IpAddr>().ok())
                .next_back();
            if let Some(ip) = forwarded {
                return Ok(Self(ip));
            }
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip())
            .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        Ok(Self(peer))
    }
}

/// The value of one cookie from the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with Belay's attributes: HttpOnly always, Secure on
/// HTTPS, `max_age` in seconds (0 deletes the cookie).
pub fn set_cookie(name: &str, value: &str, same_site: &str, max_age: u64, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}{secure}")
}

/// Cookie names get the `__Host-` prefix on HTTPS, which browsers only
/// accept from a secure origin, on `/`, without a Domain: a sibling subdomain
/// can't plant or overwrite them.
pub fn cookie_name(base: &str, https: bool) -> String {
    if https {
        format!("__Host-{base}")
    } else {
        base.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields exist to be deserialised")]
    struct Sample {
        handle: String,
        age: u8,
    }

    fn code_and_fields(err: AppError) -> (String, String) {
        let body = serde_json::to_value(super::super::error::ErrorBody::from_error(&err)).unwrap();
        (
            body["error"]["code"].as_str().unwrap().into(),
            body["error"]["fields"].to_string(),
        )
    }

    #[test]
    fn broken_json_is_a_400() {
        let err = parse_json::<Sample>(b"{\"handle\": ").unwrap_err();
        assert_eq!(err.status(), 400);
        assert_eq!(err.code(), "malformed_json");
    }

    #[test]
    fn a_missing_field_is_named() {
        let (code, fields) = code_and_fields(parse_json::<Sample>(b"{\"age\": 3}").unwrap_err());
        assert_eq!(code, "validation_failed");
        assert!(fields.contains("\"handle\""), "{fields}");
    }

    #[test]
    fn a_wrong_type_names_its_field() {
        let err = parse_json::<Sample>(b"{\"handle\": \"a\", \"age\": \"old\"}").unwrap_err();
        let (_, fields) = code_and_fields(err);
        assert!(fields.contains("\"age\""), "{fields}");
    }

    #[test]
    fn an_unknown_field_is_refused_by_name() {
        let err =
            parse_json::<Sample>(b"{\"handle\":\"a\",\"age\":1,\"role\":\"admin\"}").unwrap_err();
        let (_, fields) = code_and_fields(err);
        assert!(fields.contains("\"role\""), "{fields}");
    }

    #[test]
    fn cookies_are_found_among_several() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, "a=1; belay_session=xyz".parse().unwrap());
        h.append(header::COOKIE, "b=2".parse().unwrap());
        assert_eq!(cookie(&h, "belay_session"), Some("xyz"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
    }
}
