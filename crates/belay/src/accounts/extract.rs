//! Who is asking: the session cookie for pages, a bearer token (or the
//! cookie, same-origin only for writes) for the API.

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts},
};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use super::{
    cache::Cached,
    model::{MemberId, Role},
    store,
    token::{hash_token, looks_like_api_token, looks_like_token},
};
use crate::{
    app::AppState,
    web::{
        csrf::{PreSessionToken, same_origin},
        error::AppError,
        extract::{cookie, cookie_name},
        page::{Layout, PageError},
    },
};

pub const SESSION_COOKIE: &str = "belay_session";
/// Sessions are refreshed at most this often, so reading pages does not
/// turn every request into a write.
const TOUCH_EVERY_SECS: i64 = 60;
const TOKEN_TOUCH_EVERY_SECS: i64 = 3600;

/// How a request proved who it is.
#[derive(Clone, Debug)]
pub enum AuthVia {
    Session { id_hash: Vec<u8> },
    Token { id: Uuid },
}

/// The member making the request.
#[derive(Clone, Debug)]
pub struct AuthMember {
    pub id: MemberId,
    pub handle: String,
    pub time_zone: Tz,
    pub role: Role,
    /// The session's CSRF token (sessions only).
    pub csrf: Option<String>,
    pub via: AuthVia,
    /// The member's standing as read with the session or token (see
    /// `moderation::require_active`).
    pub suspended_until: Option<DateTime<Utc>>,
    pub banned_at: Option<DateTime<Utc>>,
}

#[derive(Clone)]
struct Resolved(Option<AuthMember>);

/// Resolves (once per request) the member behind the session cookie.
pub async fn resolve_visitor(
    parts: &mut Parts,
    state: &AppState,
) -> Result<Option<AuthMember>, AppError> {
    if let Some(Resolved(found)) = parts.extensions.get::<Resolved>() {
        return Ok(found.clone());
    }
    let name = cookie_name(SESSION_COOKIE, state.config.base_url.https());
    let found = match cookie(&parts.headers, &name) {
        Some(token) if looks_like_token(token) => session_member(state, token).await?,
        _ => None,
    };
    parts.extensions.insert(Resolved(found.clone()));
    Ok(found)
}

fn member_from(
    member_id: MemberId,
    handle: String,
    time_zone: &str,
    role: &str,
) -> (MemberId, String, Tz, Role) {
    (
        member_id,
        handle,
        crate::time::parse_time_zone(time_zone).unwrap_or(Tz::UTC),
        Role::parse(role).unwrap_or(Role::Member),
    )
}

async fn session_member(state: &AppState, token: &str) -> Result<Option<AuthMember>, AppError> {
    let id_hash = hash_token(token);
    let now = state.clock.now();
    let key = [b"s".as_slice(), &id_hash].concat();
    let fetch = async {
        Ok(store::find_session(&state.db, &id_hash)
            .await?
            .map(Cached::Session))
    };
    let Some(Cached::Session(row)) = state.auth_cache.get_or_fetch(&key, now, fetch).await? else {
        return Ok(None);
    };
    let last_seen = row.last_seen_at.unwrap_or(row.created_at);
    let idle =
        chrono::Duration::from_std(state.config.session_idle).unwrap_or(chrono::Duration::MAX);
    let absolute =
        chrono::Duration::from_std(state.config.session_absolute).unwrap_or(chrono::Duration::MAX);
    if now - last_seen > idle || now - row.created_at > absolute {
        let mut tx = state.db.begin_write().await?;
        store::delete_session(&mut tx, &id_hash).await?;
        tx.commit().await?;
        state.auth_cache.invalidate();
        return Ok(None);
    }
    if (now - last_seen).num_seconds() >= TOUCH_EVERY_SECS {
        store::touch_session(&state.db, &id_hash, now).await?;
        state.auth_cache.touch(&key, now);
    }
    let (id, handle, time_zone, role) =
        member_from(row.member_id, row.handle, &row.time_zone, &row.role);
    Ok(Some(AuthMember {
        id,
        handle,
        time_zone,
        role,
        csrf: Some(row.secret_or_id),
        via: AuthVia::Session { id_hash },
        suspended_until: row.suspended_until,
        banned_at: row.banned_at,
    }))
}

async fn token_member(state: &AppState, token: &str) -> Result<Option<AuthMember>, AppError> {
    if !looks_like_api_token(token) {
        return Ok(None);
    }
    let hash = hash_token(token);
    let now = state.clock.now();
    let key = [b"t".as_slice(), &hash].concat();
    let fetch = async {
        Ok(store::find_token(&state.db, &hash)
            .await?
            .map(Cached::Token))
    };
    let Some(Cached::Token(row)) = state.auth_cache.get_or_fetch(&key, now, fetch).await? else {
        return Ok(None);
    };
    if row
        .last_used_at
        .is_none_or(|t| (now - t).num_seconds() >= TOKEN_TOUCH_EVERY_SECS)
    {
        store::touch_token(&state.db, row.id, now).await?;
        state.auth_cache.touch(&key, now);
    }
    let (id, handle, time_zone, role) =
        member_from(row.member_id, row.handle, &row.time_zone, &row.role);
    Ok(Some(AuthMember {
        id,
        handle,
        time_zone,
        role,
        csrf: None,
        via: AuthVia::Token { id: row.id },
        suspended_until: row.suspended_until,
        banned_at: row.banned_at,
    }))
}

/// Anyone: the member if logged in, and the CSRF token for the page's forms.
pub struct Visitor {
    pub member: Option<AuthMember>,
    pub csrf: String,
}

impl Visitor {
    pub fn layout(&self, title: impl Into<String>) -> Layout {
        Layout::new(
            title,
            self.member.as_ref().map(|m| m.handle.clone()),
            self.csrf.clone(),
        )
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let member = resolve_visitor(parts, state).await?;
        let csrf = match &member {
            Some(m) => m.csrf.clone().unwrap_or_default(),
            None => parts
                .extensions
                .get::<PreSessionToken>()
                .map(|t| t.get().to_owned())
                .unwrap_or_default(),
        };
        Ok(Self { member, csrf })
    }
}

/// A page that needs a logged-in member; others are sent to the login page.
pub struct PageMember(pub AuthMember);

impl PageMember {
    pub fn layout(&self, title: impl Into<String>) -> Layout {
        Layout::new(
            title,
            Some(self.0.handle.clone()),
            self.0.csrf.clone().unwrap_or_default(),
        )
    }
}

impl FromRequestParts<AppState> for PageMember {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        match resolve_visitor(parts, state).await? {
            Some(member) => Ok(Self(member)),
            None => Err(AppError::Unauthenticated.into()),
        }
    }
}

/// An API caller: `Authorization: Bearer belay_…`, or the session cookie
/// (writes through the cookie must come from this site).
pub struct ApiMember(pub AuthMember);

impl FromRequestParts<AppState> for ApiMember {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            // A present but unusable Authorization header never falls back
            // to the cookie: the caller meant the token.
            let value = value.to_str().map_err(|_| AppError::Unauthenticated)?;
            let token = value
                .split_once(' ')
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, t)| t.trim())
                .ok_or(AppError::Unauthenticated)?;
            return token_member(state, token)
                .await?
                .map(Self)
                .ok_or(AppError::Unauthenticated);
        }
        let member = resolve_visitor(parts, state)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if !parts.method.is_safe() && !same_origin(&parts.headers, &state.config.base_url) {
            return Err(AppError::Csrf);
        }
        Ok(Self(member))
    }
}

/// An API caller who may be anonymous (public groups and meetings): the
/// member when a token or session is given; a present but unusable token is
/// still a 401, never a silent fall back to anonymous.
pub struct MaybeApiMember(pub Option<AuthMember>);

impl FromRequestParts<AppState> for MaybeApiMember {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if parts.headers.contains_key(header::AUTHORIZATION) {
            return ApiMember::from_request_parts(parts, state)
                .await
                .map(|m| Self(Some(m.0)));
        }
        let member = resolve_visitor(parts, state).await?;
        if member.is_some()
            && !parts.method.is_safe()
            && !same_origin(&parts.headers, &state.config.base_url)
        {
            return Err(AppError::Csrf);
        }
        Ok(Self(member))
    }
}
