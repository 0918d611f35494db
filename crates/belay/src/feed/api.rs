//! `/api/v1/feed` and `/api/v1/encouragements`.

use axum::{
    Json,
    extract::{Query, State, rejection::QueryRejection},
    http::StatusCode,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{self, About, Encouragement, FeedPage};
use crate::{
    accounts::ApiMember,
    app::AppState,
    web::{
        error::{AppResult, ErrorBody, FieldErrors},
        extract::ApiJson,
    },
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_feed))
        .routes(routes!(encourage, list_received))
        .routes(routes!(list_sent))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    /// The `next` of the previous page.
    pub before: Option<String>,
    /// 1-100, default 20.
    pub limit: Option<i64>,
}

/// My circle feed, newest first: milestones and goal progress my
/// connections let me see, and encouragement sent to me.
#[utoipa::path(get, path = "/feed", tag = "feed", security(("bearer" = [])),
    params(FeedQuery),
    responses((status = 200, body = FeedPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn get_feed(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    query: Result<Query<FeedQuery>, QueryRejection>,
) -> AppResult<Json<FeedPage>> {
    let Query(q) =
        query.map_err(|_| FieldErrors::single("limit", "must be a whole number from 1 to 100"))?;
    Ok(Json(
        service::feed(&state, &me, q.before.as_deref(), q.limit).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EncourageRequest {
    /// A connection's handle.
    pub to: String,
    /// 1-500 characters.
    pub body: String,
    pub about: Option<About>,
}

/// Send a short note of encouragement to a connection (404 if not
/// connected, blocked, or the subject is not one I can see).
#[utoipa::path(post, path = "/encouragements", tag = "feed", security(("bearer" = [])),
    request_body = EncourageRequest,
    responses((status = 201, body = Encouragement), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn encourage(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<EncourageRequest>,
) -> AppResult<(StatusCode, Json<Encouragement>)> {
    let sent = service::encourage(&state, &me, &req.to, &req.body, req.about).await?;
    Ok((StatusCode::CREATED, Json(sent)))
}

/// Encouragement sent to me, newest first (the latest 100).
#[utoipa::path(get, path = "/encouragements", tag = "feed", security(("bearer" = [])),
    responses((status = 200, body = [Encouragement]), (status = 401, body = ErrorBody)))]
async fn list_received(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<Encouragement>>> {
    Ok(Json(service::received(&state, &me).await?))
}

/// Encouragement I sent, newest first (the latest 100).
#[utoipa::path(get, path = "/encouragements/sent", tag = "feed", security(("bearer" = [])),
    responses((status = 200, body = [Encouragement]), (status = 401, body = ErrorBody)))]
async fn list_sent(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<Encouragement>>> {
    Ok(Json(service::sent(&state, &me).await?))
}
