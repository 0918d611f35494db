//! `/api/v1/checkins`, `/api/v1/members/{handle}/checkins` and the charts.

use axum::{
    Json,
    extract::{Query, State, rejection::QueryRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    chart,
    model::Input,
    service::{self, History, Saved, Settings, Signal},
};
use crate::{
    accounts::ApiMember,
    app::AppState,
    web::{
        error::{AppError, AppResult, ErrorBody, FieldErrors},
        extract::{ApiJson, ApiPath},
    },
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(save_checkin, list_checkins))
        .routes(routes!(my_chart))
        .routes(routes!(member_checkins))
        .routes(routes!(member_chart))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_signals))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckinRequest {
    /// 1 (very low) to 5 (very good).
    pub mood: Option<i32>,
    /// 0 (none) to 10 (overwhelming).
    pub craving: Option<i32>,
    /// 0 to 24, to a tenth of an hour.
    pub sleep_hours: Option<f64>,
    /// Up to 10 tags of up to 40 characters, e.g. "payday", "loneliness".
    pub triggers: Option<Vec<String>>,
    /// Up to 1,000 characters.
    pub gratitude: Option<String>,
    /// Up to 4,000 characters; only ever shown to me.
    pub note: Option<String>,
}

impl From<CheckinRequest> for Input {
    fn from(r: CheckinRequest) -> Self {
        Self {
            mood: r.mood,
            craving: r.craving,
            sleep_hours: r.sleep_hours,
            triggers: r.triggers.unwrap_or_default(),
            gratitude: r.gratitude,
            note: r.note,
        }
    }
}

/// Today's check-in (my local day). The day's first answers 201; a second
/// post the same day updates it and answers 200.
#[utoipa::path(post, path = "/checkins", tag = "checkins", security(("bearer" = [])),
    request_body = CheckinRequest,
    responses((status = 201, body = Saved), (status = 200, body = Saved),
        (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn save_checkin(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<CheckinRequest>,
) -> AppResult<(StatusCode, Json<Saved>)> {
    let saved = service::save(&state, &me, req.into()).await?;
    let status = if saved.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(saved)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DaysQuery {
    /// How many local days back, today included: 1 to 366, default 30.
    pub days: Option<i64>,
}

fn days_of(query: Result<Query<DaysQuery>, QueryRejection>) -> AppResult<Option<i64>> {
    query
        .map(|Query(q)| q.days)
        .map_err(|_| FieldErrors::single("days", "must be a whole number from 1 to 366"))
}

/// My check-ins over the last `days`, newest first, with my streak.
#[utoipa::path(get, path = "/checkins", tag = "checkins", security(("bearer" = [])),
    params(DaysQuery),
    responses((status = 200, body = History), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_checkins(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    query: Result<Query<DaysQuery>, QueryRejection>,
) -> AppResult<Json<History>> {
    Ok(Json(service::history(&state, &me, days_of(query)?).await?))
}

/// A connection's check-ins, with their check-ins grant (404 otherwise).
/// Notes are never included.
#[utoipa::path(get, path = "/members/{handle}/checkins", tag = "checkins", security(("bearer" = [])),
    params(("handle" = String, Path), DaysQuery),
    responses((status = 200, body = History), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn member_checkins(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(handle): ApiPath<String>,
    query: Result<Query<DaysQuery>, QueryRejection>,
) -> AppResult<Json<History>> {
    let days = days_of(query)?;
    Ok(Json(
        service::shared_history(&state, &me, &handle, days).await?,
    ))
}

/// An SVG chart of a history; private to whoever asked.
pub fn svg_response(history: &History, whose: &str) -> AppResult<Response> {
    let svg = chart::render(whose, history.today, history.days, &history.checkins)
        .map_err(AppError::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        svg,
    )
        .into_response())
}

/// My mood, craving and sleep over the last `days`, as SVG.
#[utoipa::path(get, path = "/checkins/chart.svg", tag = "checkins", security(("bearer" = [])),
    params(DaysQuery),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn my_chart(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    query: Result<Query<DaysQuery>, QueryRejection>,
) -> AppResult<Response> {
    let history = service::history(&state, &me, days_of(query)?).await?;
    svg_response(&history, "you")
}

/// A connection's chart, with their check-ins grant (404 otherwise).
#[utoipa::path(get, path = "/members/{handle}/checkins/chart.svg", tag = "checkins", security(("bearer" = [])),
    params(("handle" = String, Path), DaysQuery),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn member_chart(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(handle): ApiPath<String>,
    query: Result<Query<DaysQuery>, QueryRejection>,
) -> AppResult<Response> {
    let days = days_of(query)?;
    let history = service::shared_history(&state, &me, &handle, days).await?;
    let whose = history.handle.clone();
    svg_response(&history, &whose)
}

/// Whether a risk signal also tells my reach-out list.
#[utoipa::path(get, path = "/me/checkin-settings", tag = "checkins", security(("bearer" = [])),
    responses((status = 200, body = Settings), (status = 401, body = ErrorBody)))]
async fn get_settings(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Settings>> {
    Ok(Json(service::settings(&state, &me).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsRequest {
    pub nudge_list: bool,
}

/// Opt in to (or out of) telling my reach-out list when a risk signal
/// fires. Off by default.
#[utoipa::path(put, path = "/me/checkin-settings", tag = "checkins", security(("bearer" = [])),
    request_body = SettingsRequest,
    responses((status = 200, body = Settings), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_settings(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<SettingsRequest>,
) -> AppResult<Json<Settings>> {
    let settings = Settings {
        nudge_list: req.nudge_list,
    };
    Ok(Json(service::set_settings(&state, &me, &settings).await?))
}

/// Risk signals that fired for me in the last 24 hours.
#[utoipa::path(get, path = "/me/risk-signals", tag = "checkins", security(("bearer" = [])),
    responses((status = 200, body = [Signal]), (status = 401, body = ErrorBody)))]
async fn list_signals(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<Signal>>> {
    Ok(Json(service::recent_signals(&state, &me).await?))
}
