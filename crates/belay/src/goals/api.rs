//! `/api/v1/goals` and `/api/v1/members/{handle}/goals`.

use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::GoalId,
    service::{self, Goal, GoalDetail, ProgressAdded},
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
        .routes(routes!(create_goal, list_goals))
        .routes(routes!(get_goal))
        .routes(routes!(add_progress))
        .routes(routes!(complete_goal))
        .routes(routes!(archive_goal))
        .routes(routes!(restore_goal))
        .routes(routes!(member_goals))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGoalRequest {
    /// 1-120 characters.
    pub title: String,
    /// Why it matters to me; up to 1,000 characters.
    pub why: Option<String>,
    /// `daily`, `weekly` or `once`.
    pub cadence: String,
    /// How many times in all (1-10,000), if I want a target.
    pub target: Option<i32>,
}

/// Set a goal. Shared only with connections I give the goals grant.
#[utoipa::path(post, path = "/goals", tag = "goals", security(("bearer" = [])),
    request_body = CreateGoalRequest,
    responses((status = 201, body = Goal), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_goal(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<CreateGoalRequest>,
) -> AppResult<(StatusCode, Json<Goal>)> {
    let goal = service::create(&state, &me, &req.title, req.why, &req.cadence, req.target).await?;
    Ok((StatusCode::CREATED, Json(goal)))
}

/// My goals: active, then completed, then archived.
#[utoipa::path(get, path = "/goals", tag = "goals", security(("bearer" = [])),
    responses((status = 200, body = [Goal]), (status = 401, body = ErrorBody)))]
async fn list_goals(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<Goal>>> {
    Ok(Json(service::mine(&state, &me).await?))
}

/// A goal with its latest progress: mine, or a partner's with their goals
/// grant (404 otherwise, and for their archived goals).
#[utoipa::path(get, path = "/goals/{id}", tag = "goals", security(("bearer" = [])),
    params(("id" = GoalId, Path)),
    responses((status = 200, body = GoalDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_goal(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<GoalId>,
) -> AppResult<Json<GoalDetail>> {
    Ok(Json(service::get(&state, &me, id).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressRequest {
    /// Up to 500 characters.
    pub note: Option<String>,
}

/// Record progress on one of my active goals (409 if it is completed or
/// archived). My partners see it in their feed.
#[utoipa::path(post, path = "/goals/{id}/progress", tag = "goals", security(("bearer" = [])),
    params(("id" = GoalId, Path)), request_body = ProgressRequest,
    responses((status = 201, body = ProgressAdded), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn add_progress(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<GoalId>,
    ApiJson(req): ApiJson<ProgressRequest>,
) -> AppResult<(StatusCode, Json<ProgressAdded>)> {
    let added = service::add_progress(&state, &me, id, req.note).await?;
    Ok((StatusCode::CREATED, Json(added)))
}

/// Mark one of my active goals completed.
#[utoipa::path(post, path = "/goals/{id}/complete", tag = "goals", security(("bearer" = [])),
    params(("id" = GoalId, Path)),
    responses((status = 200, body = Goal), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn complete_goal(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<GoalId>,
) -> AppResult<Json<Goal>> {
    Ok(Json(
        service::change_state(&state, &me, id, "completed").await?,
    ))
}

/// Archive one of my goals: partners stop seeing it.
#[utoipa::path(post, path = "/goals/{id}/archive", tag = "goals", security(("bearer" = [])),
    params(("id" = GoalId, Path)),
    responses((status = 200, body = Goal), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn archive_goal(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<GoalId>,
) -> AppResult<Json<Goal>> {
    Ok(Json(
        service::change_state(&state, &me, id, "archived").await?,
    ))
}

/// Make an archived goal active again.
#[utoipa::path(post, path = "/goals/{id}/restore", tag = "goals", security(("bearer" = [])),
    params(("id" = GoalId, Path)),
    responses((status = 200, body = Goal), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn restore_goal(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<GoalId>,
) -> AppResult<Json<Goal>> {
    Ok(Json(
        service::change_state(&state, &me, id, "active").await?,
    ))
}

/// A partner's goals, with their goals grant (404 otherwise).
#[utoipa::path(get, path = "/members/{handle}/goals", tag = "goals", security(("bearer" = [])),
    params(("handle" = String, Path)),
    responses((status = 200, body = [Goal]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn member_goals(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(handle): ApiPath<String>,
) -> AppResult<Json<Vec<Goal>>> {
    Ok(Json(service::shared(&state, &me, &handle).await?))
}
