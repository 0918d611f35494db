//! `/api/v1` for accounts, tokens and `me`.

use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    extract::ApiMember,
    model::{MemberId, Role},
    service::{self, AccountUpdate, SignupInput},
    store::MemberRow,
};
use crate::{
    app::AppState,
    profile::{self, Profile},
    web::{
        error::{AppResult, ErrorBody},
        extract::{ApiJson, ApiPath, ClientIp},
    },
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_account))
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
        .routes(routes!(get_me, update_me))
        .routes(routes!(change_password))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAccountRequest {
    /// 3-30 of a-z, 0-9 and _; unique without regard to case.
    pub handle: String,
    /// 12-128 characters.
    pub password: String,
    /// Optional; used only for notices and password resets.
    pub email: Option<String>,
    /// An IANA time zone such as `America/Chicago`; default UTC.
    pub time_zone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountCreated {
    pub id: MemberId,
    pub handle: String,
}

/// Create an account.
#[utoipa::path(post, path = "/accounts", tag = "accounts",
    request_body = CreateAccountRequest,
    responses(
        (status = 201, description = "Created", body = AccountCreated),
        (status = 409, description = "The handle is taken", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 429, description = "Too many sign-ups from this address", body = ErrorBody),
    ))]
async fn create_account(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<CreateAccountRequest>,
) -> AppResult<(StatusCode, Json<AccountCreated>)> {
    let input = SignupInput {
        handle: req.handle,
        password: req.password,
        email: req.email,
        time_zone: req.time_zone,
    };
    let member = service::sign_up(&state, input, ip).await?;
    Ok((
        StatusCode::CREATED,
        Json(AccountCreated {
            id: member.id,
            handle: member.handle,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTokenRequest {
    pub handle: String,
    pub password: String,
    /// A name to recognise the token by, e.g. "my phone".
    pub label: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    pub id: Uuid,
    /// Shown once. Send it as `Authorization: Bearer <token>`.
    pub token: String,
    pub label: String,
}

/// Exchange a handle and password for an API token.
#[utoipa::path(post, path = "/tokens", tag = "accounts",
    request_body = CreateTokenRequest,
    responses(
        (status = 201, description = "Created", body = TokenCreated),
        (status = 401, description = "Wrong handle or password (the same answer for both)", body = ErrorBody),
        (status = 429, description = "Too many attempts", body = ErrorBody),
    ))]
async fn create_token(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(req): ApiJson<CreateTokenRequest>,
) -> AppResult<(StatusCode, Json<TokenCreated>)> {
    let issued = service::issue_token(&state, &req.handle, req.password, req.label, ip).await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenCreated {
            id: issued.id,
            token: issued.token,
            label: issued.label,
        }),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: Uuid,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// List my API tokens (never the secrets).
#[utoipa::path(get, path = "/tokens", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = [TokenInfo]), (status = 401, body = ErrorBody)))]
async fn list_tokens(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<TokenInfo>>> {
    let tokens = service::list_tokens(&state, &me).await?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| TokenInfo {
                id: t.id,
                label: t.label,
                created_at: t.created_at,
                last_used_at: t.last_used_at,
            })
            .collect(),
    ))
}

/// Revoke one of my API tokens; it stops working at once.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "accounts", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The token's id")),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    service::revoke_token(&state, &me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// My account and my whole profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: MemberId,
    pub handle: String,
    pub email: Option<String>,
    pub time_zone: String,
    pub role: Role,
    pub created_at: DateTime<Utc>,
    pub notices: NoticeSettings,
    pub profile: Profile,
}

/// How I hear about notices.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NoticeSettings {
    /// Email me notices (needs an email address).
    pub email: bool,
    pub quiet_hours: Option<QuietHours>,
    /// Reach-outs come through during quiet hours.
    pub quiet_allows_reach_out: bool,
}

/// A daily window in my time zone when email waits, e.g. 22:00 to 07:00.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    pub start: String,
    pub end: String,
}

fn me_of(row: MemberRow, profile: Profile) -> Me {
    Me {
        id: row.id,
        handle: row.handle,
        email: row.email,
        time_zone: row.time_zone,
        role: Role::parse(&row.role).unwrap_or(Role::Member),
        created_at: row.created_at,
        notices: NoticeSettings {
            email: row.email_notices,
            quiet_hours: row
                .quiet_start
                .zip(row.quiet_end)
                .map(|(start, end)| QuietHours { start, end }),
            quiet_allows_reach_out: row.quiet_allows_reach_out,
        },
        profile,
    }
}

/// My account and profile.
#[utoipa::path(get, path = "/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn get_me(State(state): State<AppState>, ApiMember(me): ApiMember) -> AppResult<Json<Me>> {
    let (row, profile) = service::me_with_profile(&state, &me).await?;
    Ok(Json(me_of(row, profile)))
}

/// Accepts `null` (clear) as distinct from a missing field (keep).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    /// A new address, or `null` to remove it; leave out to keep.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, nullable)]
    pub email: Option<Option<String>>,
    pub time_zone: Option<String>,
    /// Email me notices.
    pub email_notices: Option<bool>,
    /// A window like `{"start": "22:00", "end": "07:00"}`, or `null` for none.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<QuietHours>, nullable)]
    pub quiet_hours: Option<Option<QuietHours>>,
    pub quiet_allows_reach_out: Option<bool>,
}

/// Change my email or time zone; a field left out keeps its value.
#[utoipa::path(patch, path = "/me", tag = "accounts", security(("bearer" = [])),
    request_body = UpdateMeRequest,
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_me(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<UpdateMeRequest>,
) -> AppResult<Json<Me>> {
    let update = AccountUpdate {
        email: req.email,
        time_zone: req.time_zone,
        email_notices: req.email_notices,
        quiet_hours: req.quiet_hours.map(|q| q.map(|q| (q.start, q.end))),
        quiet_allows_reach_out: req.quiet_allows_reach_out,
    };
    let row = service::update_account(&state, &me, update).await?;
    let profile = profile::service::own(&state, me.id).await?;
    Ok(Json(me_of(row, profile)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// Change my password; my other web sessions end.
#[utoipa::path(put, path = "/me/password", tag = "accounts", security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses((status = 204, description = "Changed"), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn change_password(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<ChangePasswordRequest>,
) -> AppResult<StatusCode> {
    service::change_password(&state, &me, req.current_password, req.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}
