//! `/api/v1/resources`.

use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::service::{self, Resource, ResourceInput};
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
        .routes(routes!(list, create))
        .routes(routes!(update))
        .routes(routes!(retire, restore))
}

/// The resources in force, by category and order (anyone).
#[utoipa::path(get, path = "/resources", tag = "resources",
    responses((status = 200, body = [Resource])))]
async fn list(State(state): State<AppState>) -> AppResult<Json<Vec<Resource>>> {
    Ok(Json(service::list(&state, false).await?))
}

/// Add a resource (admins).
#[utoipa::path(post, path = "/resources", tag = "resources", security(("bearer" = [])),
    request_body = ResourceInput,
    responses((status = 201, body = Resource), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(input): ApiJson<ResourceInput>,
) -> AppResult<(StatusCode, Json<Resource>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::create(&state, &me, &input).await?),
    ))
}

/// Change a resource (admins).
#[utoipa::path(put, path = "/resources/{id}", tag = "resources", security(("bearer" = [])),
    params(("id" = Uuid, Path)), request_body = ResourceInput,
    responses((status = 200, body = Resource), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(input): ApiJson<ResourceInput>,
) -> AppResult<Json<Resource>> {
    Ok(Json(service::update(&state, &me, id, &input).await?))
}

/// Retire a resource: kept, no longer shown (admins).
#[utoipa::path(post, path = "/resources/{id}/retire", tag = "resources", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Resource), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn retire(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<Resource>> {
    Ok(Json(service::set_retired(&state, &me, id, true).await?))
}

/// Show a retired resource again (admins).
#[utoipa::path(delete, path = "/resources/{id}/retire", tag = "resources", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Resource), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn restore(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<Resource>> {
    Ok(Json(service::set_retired(&state, &me, id, false).await?))
}
