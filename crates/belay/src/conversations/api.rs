//! `/api/v1/conversations`.

use axum::{
    Json,
    extract::{Query, State},
    http::StatusCode,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::service::{self, ConversationSummary, Message, MessagePage};
use crate::{
    accounts::ApiMember,
    app::AppState,
    web::{
        error::{AppResult, ErrorBody, FieldErrors},
        extract::{ApiJson, ApiPath},
    },
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_conversations))
        .routes(routes!(list_messages, send_message))
}

/// My conversations, most recent first, with unread counts.
#[utoipa::path(get, path = "/conversations", tag = "conversations", security(("bearer" = [])),
    responses((status = 200, body = [ConversationSummary]), (status = 401, body = ErrorBody)))]
async fn list_conversations(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<ConversationSummary>>> {
    Ok(Json(service::list(&state, &me).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// 1-4,000 characters once trimmed; shown exactly as written.
    pub body: String,
}

/// Send a message to someone in my circle.
#[utoipa::path(post, path = "/conversations/{handle}/messages", tag = "conversations", security(("bearer" = [])),
    params(("handle" = String, Path)), request_body = SendRequest,
    responses(
        (status = 201, body = Message),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not in my circle", body = ErrorBody),
        (status = 404, description = "No such member (or not one I can reach)", body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
    ))]
async fn send_message(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(handle): ApiPath<String>,
    ApiJson(req): ApiJson<SendRequest>,
) -> AppResult<(StatusCode, Json<Message>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::send(&state, &me, &handle, &req.body).await?),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// The `next` of the previous page.
    pub before: Option<Uuid>,
    /// 1-100, default 50.
    pub limit: Option<i64>,
}

/// Our messages, newest first; reading marks what they sent me read.
#[utoipa::path(get, path = "/conversations/{handle}/messages", tag = "conversations", security(("bearer" = [])),
    params(("handle" = String, Path), PageQuery),
    responses((status = 200, body = MessagePage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_messages(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(handle): ApiPath<String>,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<MessagePage>> {
    let Query(q) =
        query.map_err(|_| FieldErrors::single("before", "must be a message id from `next`"))?;
    Ok(Json(
        service::read(&state, &me, &handle, q.before, q.limit.unwrap_or(50)).await?,
    ))
}
