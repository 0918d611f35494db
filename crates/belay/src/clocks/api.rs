//! `/api/v1/me/clocks`: my recovery clocks.

use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::ClockId,
    service::{self, Clock, ClockDetail},
};
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
        .routes(routes!(list_clocks, create_clock))
        .routes(routes!(get_clock, update_clock, delete_clock))
        .routes(routes!(reset_clock))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClockRequest {
    /// What the clock counts, e.g. "alcohol"; up to 60 characters.
    pub label: String,
    /// `YYYY-MM-DD`, not in the future (in my time zone), 1900 or later.
    pub started_on: String,
}

/// Start a clock.
#[utoipa::path(post, path = "/me/clocks", tag = "clocks", security(("bearer" = [])),
    request_body = CreateClockRequest,
    responses((status = 201, body = Clock), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_clock(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<CreateClockRequest>,
) -> AppResult<(StatusCode, Json<Clock>)> {
    let clock = service::create(&state, &me, &req.label, &req.started_on).await?;
    Ok((StatusCode::CREATED, Json(clock)))
}

/// My clocks with their day counts and next milestones.
#[utoipa::path(get, path = "/me/clocks", tag = "clocks", security(("bearer" = [])),
    responses((status = 200, body = [Clock]), (status = 401, body = ErrorBody)))]
async fn list_clocks(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<Clock>>> {
    Ok(Json(service::list(&state, &me).await?))
}

/// One of my clocks with its private reset history.
#[utoipa::path(get, path = "/me/clocks/{id}", tag = "clocks", security(("bearer" = [])),
    params(("id" = ClockId, Path)),
    responses((status = 200, body = ClockDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_clock(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<ClockId>,
) -> AppResult<Json<ClockDetail>> {
    Ok(Json(service::get(&state, &me, id).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClockRequest {
    pub label: String,
}

/// Rename one of my clocks.
#[utoipa::path(patch, path = "/me/clocks/{id}", tag = "clocks", security(("bearer" = [])),
    params(("id" = ClockId, Path)), request_body = UpdateClockRequest,
    responses((status = 200, body = Clock), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_clock(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<ClockId>,
    ApiJson(req): ApiJson<UpdateClockRequest>,
) -> AppResult<Json<Clock>> {
    Ok(Json(service::relabel(&state, &me, id, &req.label).await?))
}

/// Delete one of my clocks and its history.
#[utoipa::path(delete, path = "/me/clocks/{id}", tag = "clocks", security(("bearer" = [])),
    params(("id" = ClockId, Path)),
    responses((status = 204, description = "Deleted"), (status = 404, body = ErrorBody)))]
async fn delete_clock(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<ClockId>,
) -> AppResult<StatusCode> {
    service::delete(&state, &me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetClockRequest {
    /// The new start, `YYYY-MM-DD`; default today.
    pub started_on: Option<String>,
}

/// Start a clock again. The old start stays in its private history.
#[utoipa::path(post, path = "/me/clocks/{id}/reset", tag = "clocks", security(("bearer" = [])),
    params(("id" = ClockId, Path)), request_body = ResetClockRequest,
    responses((status = 200, body = Clock), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reset_clock(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<ClockId>,
    ApiJson(req): ApiJson<ResetClockRequest>,
) -> AppResult<Json<Clock>> {
    Ok(Json(
        service::reset(&state, &me, id, req.started_on.as_deref()).await?,
    ))
}
