//! `/api/v1/reachouts` and `/api/v1/me/reach-out-settings`.
//!
//! Every answer about opening a reach-out, including every error, carries
//! the crisis lines: a failure must never leave someone with nothing.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::service::{self, Opened, ReachOut, Settings, SettingsUpdate};
use crate::{
    accounts::ApiMember,
    app::AppState,
    safety::{CrisisLine, crisis_lines},
    web::{
        error::{AppError, AppResult, ErrorBody, ErrorDetail},
        extract::{ApiJson, ApiPath, parse_json},
    },
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(open, list_mine))
        .routes(routes!(list_asked))
        .routes(routes!(get_one))
        .routes(routes!(claim))
        .routes(routes!(hand_back))
        .routes(routes!(resolve))
        .routes(routes!(cancel))
        .routes(routes!(get_settings, put_settings))
}

/// An error about a reach-out: the usual envelope, plus the crisis lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReachOutErrorBody {
    pub error: ErrorDetail,
    pub crisis_resources: &'static [CrisisLine],
}

#[derive(Debug)]
pub struct ReachOutError(pub AppError);

impl From<AppError> for ReachOutError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl IntoResponse for ReachOutError {
    fn into_response(self) -> Response {
        let err = self.0;
        err.log_if_internal();
        let body = ReachOutErrorBody {
            error: ErrorBody::from_error(&err).error,
            crisis_resources: crisis_lines(),
        };
        let mut response = (err.status(), Json(body)).into_response();
        err.mark(&mut response);
        response
    }
}

type ReachOutResult<T> = Result<T, ReachOutError>;

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenRequest {
    /// Optional, up to 1,000 characters: shown to each person asked.
    pub note: Option<String>,
}

/// "I need support now". The body may be empty. Send an `Idempotency-Key`
/// header to make a retry return the same reach-out.
#[utoipa::path(post, path = "/reachouts", tag = "reach out", security(("bearer" = [])),
    request_body(content = Option<OpenRequest>),
    params(("Idempotency-Key" = Option<String>, Header, description = "1-200 visible ASCII characters")),
    responses(
        (status = 201, description = "Opened (or the one this key opened)", body = ReachOut),
        (status = 401, body = ReachOutErrorBody),
        (status = 422, body = ReachOutErrorBody),
        (status = 429, description = "Held by the hourly limit; moderators were told", body = ReachOutErrorBody),
    ))]
async fn open(
    State(state): State<AppState>,
    me: Result<ApiMember, AppError>,
    headers: HeaderMap,
    body: Bytes,
) -> ReachOutResult<(StatusCode, Json<ReachOut>)> {
    let ApiMember(me) = me?;
    let req: OpenRequest = if body.iter().all(u8::is_ascii_whitespace) {
        OpenRequest::default()
    } else {
        parse_json(&body)?
    };
    let key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().unwrap_or("\u{0}").to_owned());
    let opened = service::open(&state, &me, req.note.as_deref(), key.as_deref()).await?;
    let (Opened::Created(r) | Opened::Replayed(r)) = opened;
    Ok((StatusCode::CREATED, Json(r)))
}

/// My reach-outs, newest first (private to me).
#[utoipa::path(get, path = "/reachouts", tag = "reach out", security(("bearer" = [])),
    responses((status = 200, body = [ReachOut]), (status = 401, body = ErrorBody)))]
async fn list_mine(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<ReachOut>>> {
    Ok(Json(service::mine(&state, &me).await?))
}

/// Reach-outs I was asked to answer, newest first.
#[utoipa::path(get, path = "/reachouts/asked", tag = "reach out", security(("bearer" = [])),
    responses((status = 200, body = [ReachOut]), (status = 401, body = ErrorBody)))]
async fn list_asked(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<ReachOut>>> {
    Ok(Json(service::asked_of_me(&state, &me).await?))
}

/// One reach-out: all of it for the member who opened it, its note and
/// their handle for someone asked, 404 for anyone else.
#[utoipa::path(get, path = "/reachouts/{id}", tag = "reach out", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ReachOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    me: Result<ApiMember, AppError>,
    id: Result<ApiPath<Uuid>, AppError>,
) -> ReachOutResult<Json<ReachOut>> {
    let (ApiMember(me), ApiPath(id)) = (me?, id?);
    Ok(Json(service::view(&state, &me, id).await?))
}

/// "I'm here": answer a reach-out I was asked to. The first answer wins; a
/// second gets 409.
#[utoipa::path(post, path = "/reachouts/{id}/claim", tag = "reach out", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ReachOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "Already answered or closed", body = ErrorBody)))]
async fn claim(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<ReachOut>> {
    Ok(Json(service::claim(&state, &me, id).await?))
}

/// I answered but have to go: it opens again and the ladder goes on.
#[utoipa::path(post, path = "/reachouts/{id}/handback", tag = "reach out", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ReachOut), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn hand_back(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<ReachOut>> {
    Ok(Json(service::hand_back(&state, &me, id).await?))
}

/// I'm OK now: close my reach-out.
#[utoipa::path(post, path = "/reachouts/{id}/resolve", tag = "reach out", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ReachOut), (status = 401, body = ReachOutErrorBody), (status = 403, body = ReachOutErrorBody),
        (status = 404, body = ReachOutErrorBody), (status = 409, body = ReachOutErrorBody)))]
async fn resolve(
    State(state): State<AppState>,
    me: Result<ApiMember, AppError>,
    id: Result<ApiPath<Uuid>, AppError>,
) -> ReachOutResult<Json<ReachOut>> {
    let (ApiMember(me), ApiPath(id)) = (me?, id?);
    Ok(Json(service::close(&state, &me, id, true).await?))
}

/// Cancel my reach-out.
#[utoipa::path(post, path = "/reachouts/{id}/cancel", tag = "reach out", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ReachOut), (status = 401, body = ReachOutErrorBody), (status = 403, body = ReachOutErrorBody),
        (status = 404, body = ReachOutErrorBody), (status = 409, body = ReachOutErrorBody)))]
async fn cancel(
    State(state): State<AppState>,
    me: Result<ApiMember, AppError>,
    id: Result<ApiPath<Uuid>, AppError>,
) -> ReachOutResult<Json<ReachOut>> {
    let (ApiMember(me), ApiPath(id)) = (me?, id?);
    Ok(Json(service::close(&state, &me, id, false).await?))
}

/// My reach-out settings.
#[utoipa::path(get, path = "/me/reach-out-settings", tag = "reach out", security(("bearer" = [])),
    responses((status = 200, body = Settings), (status = 401, body = ErrorBody)))]
async fn get_settings(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Settings>> {
    Ok(Json(service::settings(&state, &me).await?))
}

/// Change my reach-out settings; a field left out keeps its value.
#[utoipa::path(put, path = "/me/reach-out-settings", tag = "reach out", security(("bearer" = [])),
    request_body = SettingsUpdate,
    responses((status = 200, body = Settings), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_settings(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(u): ApiJson<SettingsUpdate>,
) -> AppResult<Json<Settings>> {
    Ok(Json(service::update_settings(&state, &me, u).await?))
}
