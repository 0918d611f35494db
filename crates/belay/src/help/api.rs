//! `/api/v1/help-requests`.

use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::service::{self, Ask, HelpRequest, Lists};
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
        .routes(routes!(ask, list))
        .routes(routes!(get_one))
        .routes(routes!(offer))
        .routes(routes!(accept))
        .routes(routes!(cancel))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    /// What would help, 1-500 characters: "a ride to the Thursday meeting".
    pub what: String,
    /// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM` in my time zone, today or later.
    pub when: Option<String>,
    /// Up to 200 characters.
    pub r#where: Option<String>,
    /// Handles of connections to ask; leave out to ask my whole circle.
    pub to: Option<Vec<String>>,
}

/// Ask chosen connections, or my whole circle, for a hand.
#[utoipa::path(post, path = "/help-requests", tag = "help", security(("bearer" = [])),
    request_body = AskRequest,
    responses((status = 201, body = HelpRequest), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn ask(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<AskRequest>,
) -> AppResult<(StatusCode, Json<HelpRequest>)> {
    let a = Ask {
        what: &req.what,
        when: req.when.as_deref(),
        place: req.r#where.as_deref(),
        to: req.to.unwrap_or_default(),
    };
    Ok((
        StatusCode::CREATED,
        Json(service::ask(&state, &me, a).await?),
    ))
}

/// Requests I made, and requests my circle made of me.
#[utoipa::path(get, path = "/help-requests", tag = "help", security(("bearer" = [])),
    responses((status = 200, body = Lists), (status = 401, body = ErrorBody)))]
async fn list(State(state): State<AppState>, ApiMember(me): ApiMember) -> AppResult<Json<Lists>> {
    Ok(Json(service::lists(&state, &me).await?))
}

/// One request: mine, or one I was asked while still in the asker's circle.
#[utoipa::path(get, path = "/help-requests/{id}", tag = "help", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = HelpRequest), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<HelpRequest>> {
    Ok(Json(service::get(&state, &me, id).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferRequest {
    /// Up to 500 characters: "I can pick you up at 6:30".
    pub note: Option<String>,
}

/// Offer to help (409 if it is closed or I offered already).
#[utoipa::path(post, path = "/help-requests/{id}/offers", tag = "help", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = OfferRequest,
    responses((status = 201, body = HelpRequest), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn offer(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(req): ApiJson<OfferRequest>,
) -> AppResult<(StatusCode, Json<HelpRequest>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::offer(&state, &me, id, req.note).await?),
    ))
}

/// Accept one offer on my request: it closes, the others are told.
#[utoipa::path(post, path = "/help-requests/{id}/offers/{offer}/accept", tag = "help", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("offer" = Uuid, Path)),
    responses((status = 200, body = HelpRequest), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn accept(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath((id, offer)): ApiPath<(Uuid, Uuid)>,
) -> AppResult<Json<HelpRequest>> {
    Ok(Json(service::accept(&state, &me, id, offer).await?))
}

/// Withdraw my open request.
#[utoipa::path(post, path = "/help-requests/{id}/cancel", tag = "help", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = HelpRequest), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn cancel(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<HelpRequest>> {
    Ok(Json(service::cancel(&state, &me, id).await?))
}
