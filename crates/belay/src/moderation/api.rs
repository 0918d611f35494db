//! `/api/v1/reports`, `/api/v1/moderation/…` and the member's own standing.

use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::service::{self, ActInput, Filed, LogLine, Report, ReportInput, Standing};
use crate::{
    accounts::ApiMember,
    app::AppState,
    web::{
        error::{AppResult, ErrorBody},
        extract::{ApiJson, ApiPath},
    },
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(file))
        .routes(routes!(queue))
        .routes(routes!(get_one))
        .routes(routes!(act))
        .routes(routes!(act_on_member))
        .routes(routes!(log))
        .routes(routes!(my_standing))
        .routes(routes!(put_check_on_me))
}

/// Report a member, a message sent to you, a post in a group you are in, or
/// a request for help you were asked (any member).
#[utoipa::path(post, path = "/reports", tag = "moderation", security(("bearer" = [])),
    request_body = ReportInput,
    responses((status = 201, body = Filed), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn file(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(input): ApiJson<ReportInput>,
) -> AppResult<(StatusCode, Json<Filed>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::report(&state, &me, &input).await?),
    ))
}

/// The open reports, someone at risk first, then the oldest (instance
/// moderators and admins).
#[utoipa::path(get, path = "/moderation/reports", tag = "moderation", security(("bearer" = [])),
    responses((status = 200, body = [Report]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn queue(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<Report>>> {
    Ok(Json(service::queue(&state, &me).await?))
}

/// One report, open or closed (instance moderators and admins).
#[utoipa::path(get, path = "/moderation/reports/{id}", tag = "moderation", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Report), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<Report>> {
    Ok(Json(service::get(&state, &me, id).await?))
}

/// Act on a report: `dismiss`, `hide`, `warn`, `suspend` (with `days`),
/// `ban`, or `checked` for a check-on-me. Logged, and told to the member.
#[utoipa::path(post, path = "/moderation/reports/{id}/actions", tag = "moderation", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ActInput,
    responses((status = 200, body = Report), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn act(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<ActInput>,
) -> AppResult<Json<Report>> {
    Ok(Json(service::act(&state, &me, id, &input).await?))
}

/// Act on a member without a report: `warn`, `suspend`, `ban` or `lift`.
/// Answers the member's history of actions.
#[utoipa::path(post, path = "/moderation/members/{handle}/actions", tag = "moderation", security(("bearer" = [])),
    params(("handle" = String, Path)), request_body = ActInput,
    responses((status = 200, body = [LogLine]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn act_on_member(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(handle): ApiPath<String>,
    ApiJson(input): ApiJson<ActInput>,
) -> AppResult<Json<Vec<LogLine>>> {
    Ok(Json(
        service::act_on_member(&state, &me, &handle, &input).await?,
    ))
}

/// Every moderation action, newest first (instance moderators and admins).
#[utoipa::path(get, path = "/moderation/log", tag = "moderation", security(("bearer" = [])),
    responses((status = 200, body = [LogLine]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn log(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<LogLine>>> {
    Ok(Json(service::log(&state, &me).await?))
}

/// Where I stand: active, suspended (until when) or banned; and whether
/// moderators may check on me.
#[utoipa::path(get, path = "/me/standing", tag = "moderation", security(("bearer" = [])),
    responses((status = 200, body = Standing), (status = 401, body = ErrorBody)))]
async fn my_standing(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Standing>> {
    Ok(Json(service::standing(&state, &me).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckOnMe {
    /// True: when something I write suggests I am struggling, the
    /// instance's moderators are asked to check on me (they never see what
    /// I wrote).
    pub enabled: bool,
}

/// Let moderators check on me, or stop.
#[utoipa::path(put, path = "/me/check-on-me", tag = "moderation", security(("bearer" = [])),
    request_body = CheckOnMe,
    responses((status = 200, body = Standing), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_check_on_me(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(input): ApiJson<CheckOnMe>,
) -> AppResult<Json<Standing>> {
    Ok(Json(
        service::set_check_on_me(&state, &me, input.enabled).await?,
    ))
}
