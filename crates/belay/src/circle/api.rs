//! `/api/v1` for the circle: capacities, connections, grants, blocks,
//! invites, and another member's shared clocks.

use axum::{
    Json,
    extract::{Query, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    capacity::{self, Capacities, CapacitiesUpdate},
    invites::{self, Invite, InvitePreview},
    model::{ConnectionId, ConnectionState, Grants, GrantsUpdate, Relationship},
    service::{self, Connection},
};
use crate::{
    accounts::{ApiMember, Role},
    app::AppState,
    clocks::service::{SharedClock, shared_with_me},
    web::{
        error::{AppError, AppResult, ErrorBody},
        extract::{ApiJson, ApiPath},
    },
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_capacities, update_capacities))
        .routes(routes!(list_connections, request_connection))
        .routes(routes!(end_connection))
        .routes(routes!(accept_connection))
        .routes(routes!(decline_connection))
        .routes(routes!(update_grants))
        .routes(routes!(list_blocks, block_member))
        .routes(routes!(unblock_member))
        .routes(routes!(list_invites, create_invite))
        .routes(routes!(revoke_invite))
        .routes(routes!(preview_invite))
        .routes(routes!(accept_invite))
        .routes(routes!(member_clocks))
        .routes(routes!(verify_professional))
}

/// My capacities: mentor, listener, professional.
#[utoipa::path(get, path = "/me/capacities", tag = "circle", security(("bearer" = [])),
    responses((status = 200, body = Capacities), (status = 401, body = ErrorBody)))]
async fn get_capacities(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Capacities>> {
    Ok(Json(capacity::get(&state, &me).await?))
}

/// Opt in or out of mentoring, listening or professional support; a field
/// left out keeps its value.
#[utoipa::path(put, path = "/me/capacities", tag = "circle", security(("bearer" = [])),
    request_body = CapacitiesUpdate,
    responses((status = 200, body = Capacities), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_capacities(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<CapacitiesUpdate>,
) -> AppResult<Json<Capacities>> {
    Ok(Json(capacity::update(&state, &me, req).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConnectionsQuery {
    /// `pending` or `accepted`; both when absent.
    pub state: Option<ConnectionState>,
}

/// My connections and requests, newest first.
#[utoipa::path(get, path = "/connections", tag = "circle", security(("bearer" = [])),
    params(ConnectionsQuery),
    responses((status = 200, body = [Connection]), (status = 401, body = ErrorBody)))]
async fn list_connections(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    query: Result<Query<ConnectionsQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Json<Vec<Connection>>> {
    let Query(q) = query.map_err(|_| {
        crate::web::error::FieldErrors::single("state", "must be pending or accepted")
    })?;
    let all = service::list(&state, &me).await?;
    Ok(Json(
        all.into_iter()
            .filter(|c| q.state.is_none_or(|s| c.state == s))
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionRequest {
    pub handle: String,
    /// What they would be to me.
    pub relationship: Relationship,
}

/// Ask a member to connect.
#[utoipa::path(post, path = "/connections", tag = "circle", security(("bearer" = [])),
    request_body = ConnectionRequest,
    responses(
        (status = 201, body = Connection),
        (status = 401, body = ErrorBody),
        (status = 404, description = "No such member (or not one you can reach)", body = ErrorBody),
        (status = 409, description = "Already connected or asked, blocked, or a full mentor", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
async fn request_connection(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<ConnectionRequest>,
) -> AppResult<(StatusCode, Json<Connection>)> {
    let c = service::request(&state, &me, &req.handle, req.relationship).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// End a connection, or withdraw my request; sharing stops at once.
#[utoipa::path(delete, path = "/connections/{id}", tag = "circle", security(("bearer" = [])),
    params(("id" = ConnectionId, Path)),
    responses((status = 204, description = "Ended"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn end_connection(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<ConnectionId>,
) -> AppResult<StatusCode> {
    service::end(&state, &me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accept a request made to me.
#[utoipa::path(post, path = "/connections/{id}/accept", tag = "circle", security(("bearer" = [])),
    params(("id" = ConnectionId, Path)),
    responses((status = 200, body = Connection), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn accept_connection(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<ConnectionId>,
) -> AppResult<Json<Connection>> {
    Ok(Json(service::accept(&state, &me, id).await?))
}

/// Decline a request made to me.
#[utoipa::path(post, path = "/connections/{id}/decline", tag = "circle", security(("bearer" = [])),
    params(("id" = ConnectionId, Path)),
    responses((status = 204, description = "Declined"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn decline_connection(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<ConnectionId>,
) -> AppResult<StatusCode> {
    service::decline(&state, &me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Choose what I share with this connection; a field left out keeps its
/// value.
#[utoipa::path(put, path = "/connections/{id}/grants", tag = "circle", security(("bearer" = [])),
    params(("id" = ConnectionId, Path)), request_body = GrantsUpdate,
    responses((status = 200, body = Connection), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_grants(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<ConnectionId>,
    ApiJson(req): ApiJson<GrantsUpdate>,
) -> AppResult<Json<Connection>> {
    Ok(Json(service::set_grants(&state, &me, id, req).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockRequest {
    pub handle: String,
}

/// Members I have blocked.
#[utoipa::path(get, path = "/blocks", tag = "circle", security(("bearer" = [])),
    responses((status = 200, body = [String]), (status = 401, body = ErrorBody)))]
async fn list_blocks(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<String>>> {
    Ok(Json(service::blocked(&state, &me).await?))
}

/// Block a member: ends any connection and hides you from each other.
#[utoipa::path(post, path = "/blocks", tag = "circle", security(("bearer" = [])),
    request_body = BlockRequest,
    responses((status = 204, description = "Blocked"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn block_member(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<BlockRequest>,
) -> AppResult<StatusCode> {
    service::block(&state, &me, &req.handle).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unblock a member.
#[utoipa::path(delete, path = "/blocks/{handle}", tag = "circle", security(("bearer" = [])),
    params(("handle" = String, Path)),
    responses((status = 204, description = "Unblocked"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unblock_member(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(handle): ApiPath<String>,
) -> AppResult<StatusCode> {
    service::unblock(&state, &me, &handle).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// What the invited person will be to me.
    pub relationship: Relationship,
    /// A reminder only I see, e.g. "my sister"; up to 60 characters.
    #[serde(default)]
    pub note: String,
    /// What I will share with them once they accept.
    #[serde(default)]
    pub grants: Option<GrantsUpdate>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InviteCreated {
    #[serde(flatten)]
    pub invite: Invite,
    /// The link to send; shown once.
    pub url: String,
}

/// My invite links (without their secrets).
#[utoipa::path(get, path = "/invites", tag = "circle", security(("bearer" = [])),
    responses((status = 200, body = [Invite]), (status = 401, body = ErrorBody)))]
async fn list_invites(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<Invite>>> {
    Ok(Json(invites::list(&state, &me).await?))
}

/// Create a single-use invite link, valid for 7 days.
#[utoipa::path(post, path = "/invites", tag = "circle", security(("bearer" = [])),
    request_body = InviteRequest,
    responses((status = 201, body = InviteCreated), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_invite(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<InviteRequest>,
) -> AppResult<(StatusCode, Json<InviteCreated>)> {
    let grants = Grants::default().apply(req.grants.unwrap_or_default());
    let created = invites::create(&state, &me, req.relationship, &req.note, grants).await?;
    Ok((
        StatusCode::CREATED,
        Json(InviteCreated {
            invite: created.invite,
            url: created.url,
        }),
    ))
}

/// Revoke an unused invite link.
#[utoipa::path(delete, path = "/invites/{id}", tag = "circle", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Revoked"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_invite(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    invites::revoke(&state, &me, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who invited me, as what; anyone holding the link may look.
#[utoipa::path(get, path = "/invite-links/{token}", tag = "circle",
    params(("token" = String, Path, description = "The secret from the link")),
    responses((status = 200, body = InvitePreview), (status = 404, body = ErrorBody)))]
async fn preview_invite(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> AppResult<Json<InvitePreview>> {
    Ok(Json(invites::preview(&state, &token).await?))
}

/// Accept an invite: connected at once with what the inviter chose to share.
#[utoipa::path(post, path = "/invite-links/{token}/accept", tag = "circle", security(("bearer" = [])),
    params(("token" = String, Path)),
    responses((status = 201, body = Connection), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn accept_invite(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(token): ApiPath<String>,
) -> AppResult<(StatusCode, Json<Connection>)> {
    Ok((
        StatusCode::CREATED,
        Json(invites::accept(&state, &me, &token).await?),
    ))
}

/// A member's clocks, only if they shared them with me (else 404).
#[utoipa::path(get, path = "/members/{handle}/clocks", tag = "circle", security(("bearer" = [])),
    params(("handle" = String, Path)),
    responses((status = 200, body = [SharedClock]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn member_clocks(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(handle): ApiPath<String>,
) -> AppResult<Json<Vec<SharedClock>>> {
    Ok(Json(shared_with_me(&state, &me, &handle).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub verified: bool,
}

/// Mark a member's professional listing verified or not (admins only).
#[utoipa::path(put, path = "/admin/professionals/{handle}", tag = "circle", security(("bearer" = [])),
    params(("handle" = String, Path)), request_body = VerifyRequest,
    responses((status = 204, description = "Changed"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn verify_professional(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(handle): ApiPath<String>,
    ApiJson(req): ApiJson<VerifyRequest>,
) -> AppResult<StatusCode> {
    if me.role != Role::Admin {
        return Err(AppError::Forbidden(
            "admin_only",
            "Only instance admins can verify professionals.".into(),
        ));
    }
    capacity::set_verified(&state, &handle, req.verified).await?;
    Ok(StatusCode::NO_CONTENT)
}
