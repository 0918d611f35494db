//! `/api/v1/notices`: my notice centre.

use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{Notice, UnreadCounts, store, unread_counts};
use crate::{
    accounts::ApiMember,
    app::AppState,
    conversations::service::announce_counts,
    web::{
        error::{AppError, AppResult, ErrorBody},
        extract::ApiPath,
    },
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notices))
        .routes(routes!(read_notice))
        .routes(routes!(read_all))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeList {
    /// Newest first (the latest 100).
    pub notices: Vec<Notice>,
    pub unread: UnreadCounts,
}

/// My notices and unread counts.
#[utoipa::path(get, path = "/notices", tag = "notices", security(("bearer" = [])),
    responses((status = 200, body = NoticeList), (status = 401, body = ErrorBody)))]
async fn list_notices(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<NoticeList>> {
    let notices = store::recent(&state.db, me.id, 100)
        .await?
        .into_iter()
        .map(Notice::from)
        .collect();
    Ok(Json(NoticeList {
        notices,
        unread: unread_counts(&state.db, me.id).await?,
    }))
}

/// Mark one of my notices read.
#[utoipa::path(post, path = "/notices/{id}/read", tag = "notices", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Read"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn read_notice(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    let mut tx = state.db.begin_write().await?;
    let found = store::mark_read(&mut tx, me.id, id, state.clock.now()).await?;
    tx.commit().await?;
    if !found {
        return Err(AppError::NotFound);
    }
    announce_counts(&state, &me).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mark all my notices read.
#[utoipa::path(post, path = "/notices/read", tag = "notices", security(("bearer" = [])),
    responses((status = 204, description = "Read"), (status = 401, body = ErrorBody)))]
async fn read_all(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<StatusCode> {
    let mut tx = state.db.begin_write().await?;
    store::mark_all_read(&mut tx, me.id, state.clock.now()).await?;
    tx.commit().await?;
    announce_counts(&state, &me).await?;
    Ok(StatusCode::NO_CONTENT)
}
