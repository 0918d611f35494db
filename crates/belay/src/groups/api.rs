//! `/api/v1/groups`: groups, membership, invites, discussion, moderation.

use axum::{
    Json,
    extract::{Query, State, rejection::QueryRejection},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    discussion::{self, ThreadList, ThreadPage},
    moderation::{self, LogLine, Report},
    service::{self, Group, GroupInput, Invite, Member},
};
use crate::{
    accounts::{ApiMember, MaybeApiMember},
    app::AppState,
    web::{
        error::{AppResult, ErrorBody, FieldErrors},
        extract::{ApiJson, ApiPath},
    },
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, directory))
        .routes(routes!(get_one, update))
        .routes(routes!(join))
        .routes(routes!(leave))
        .routes(routes!(set_notify))
        .routes(routes!(members))
        .routes(routes!(member_action))
        .routes(routes!(set_role))
        .routes(routes!(create_invite, invites))
        .routes(routes!(revoke_invite))
        .routes(routes!(threads, start_thread))
        .routes(routes!(thread, reply))
        .routes(routes!(report, queue))
        .routes(routes!(resolve_report))
        .routes(routes!(hide_post))
        .routes(routes!(restore_post))
        .routes(routes!(mod_log))
        .routes(routes!(escalated))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupRequest {
    /// 1-100 characters.
    pub name: String,
    /// `peer`, `workplace`, `school`, `community` or `online`.
    pub kind: String,
    #[serde(default)]
    pub formal: bool,
    /// `public` (listed), `unlisted` (link only) or `private` (members only).
    pub visibility: String,
    /// `open`, `request` or `invite`.
    pub join: String,
    /// Up to 2,000 characters.
    #[serde(default)]
    pub about: String,
    /// A contact address for the meeting list (published only when `contact_public`).
    #[serde(default)]
    pub contact_email: String,
    #[serde(default)]
    pub contact_public: bool,
}

impl From<GroupRequest> for GroupInput {
    fn from(r: GroupRequest) -> Self {
        Self {
            name: r.name,
            kind: r.kind,
            formal: r.formal,
            visibility: r.visibility,
            join: r.join,
            about: r.about,
            contact_email: r.contact_email,
            contact_public: r.contact_public,
        }
    }
}

/// Start a group; I become its organiser. Its slug comes from the name.
#[utoipa::path(post, path = "/groups", tag = "groups", security(("bearer" = [])),
    request_body = GroupRequest,
    responses((status = 201, body = Group), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<GroupRequest>,
) -> AppResult<(StatusCode, Json<Group>)> {
    let g = service::create(&state, &me, &req.into()).await?;
    Ok((StatusCode::CREATED, Json(g)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DirectoryQuery {
    /// Part of a group's name.
    pub q: Option<String>,
}

/// Public groups, and the groups I am in or asked to join, by name.
#[utoipa::path(get, path = "/groups", tag = "groups", params(DirectoryQuery),
    responses((status = 200, body = [Group]), (status = 422, body = ErrorBody)))]
async fn directory(
    State(state): State<AppState>,
    MaybeApiMember(me): MaybeApiMember,
    query: Result<Query<DirectoryQuery>, QueryRejection>,
) -> AppResult<Json<Vec<Group>>> {
    let Query(q) = query.map_err(|_| FieldErrors::single("q", "is not a valid search"))?;
    let me = me.map(|m| m.id);
    Ok(Json(
        service::directory(&state, me, q.q.as_deref().unwrap_or_default()).await?,
    ))
}

/// One group (404 for a private group I am not in).
#[utoipa::path(get, path = "/groups/{slug}", tag = "groups",
    params(("slug" = String, Path)),
    responses((status = 200, body = Group), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    MaybeApiMember(me): MaybeApiMember,
    ApiPath(slug): ApiPath<String>,
) -> AppResult<Json<Group>> {
    Ok(Json(
        service::access(&state, &slug, me.map(|m| m.id))
            .await?
            .view(),
    ))
}

/// Change a group's settings (organisers).
#[utoipa::path(put, path = "/groups/{slug}", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = GroupRequest,
    responses((status = 200, body = Group), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
    ApiJson(req): ApiJson<GroupRequest>,
) -> AppResult<Json<Group>> {
    Ok(Json(
        service::update(&state, &me, &slug, &req.into()).await?,
    ))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JoinRequest {
    /// An invite code (needed for `invite` groups; skips approval elsewhere).
    pub code: Option<String>,
}

/// Join: at once (open, or with a valid code) or as a request to approve.
#[utoipa::path(post, path = "/groups/{slug}/join", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = JoinRequest,
    responses((status = 200, body = Group), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn join(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
    ApiJson(req): ApiJson<JoinRequest>,
) -> AppResult<Json<Group>> {
    Ok(Json(
        service::join(&state, &me, &slug, req.code.as_deref()).await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Done {
    pub ok: bool,
}

/// Leave a group, or withdraw my request to join.
#[utoipa::path(post, path = "/groups/{slug}/leave", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn leave(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
) -> AppResult<Json<Done>> {
    service::leave(&state, &me, &slug).await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotifyRequest {
    /// `all`, `mentions` or `none`.
    pub notify: String,
}

/// Which of this group's new posts become notices for me.
#[utoipa::path(put, path = "/groups/{slug}/me", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = NotifyRequest,
    responses((status = 200, body = Group), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_notify(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
    ApiJson(req): ApiJson<NotifyRequest>,
) -> AppResult<Json<Group>> {
    Ok(Json(
        service::set_notify(&state, &me, &slug, &req.notify).await?,
    ))
}

/// The group's members (members only; moderators also see pending and banned).
#[utoipa::path(get, path = "/groups/{slug}/members", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = [Member]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn members(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
) -> AppResult<Json<Vec<Member>>> {
    Ok(Json(service::members(&state, &me, &slug).await?.1))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    /// Why (required to warn, remove, ban or hide; told to the member).
    #[serde(default)]
    pub reason: String,
}

/// A moderator's action on a person: `approve`, `decline`, `warn`, `remove`, `ban`, `unban`.
#[utoipa::path(post, path = "/groups/{slug}/members/{handle}/{action}", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path), ("handle" = String, Path), ("action" = String, Path)),
    request_body = ReasonRequest,
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn member_action(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath((slug, handle, action)): ApiPath<(String, String, String)>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> AppResult<Json<Done>> {
    moderation::act_on_member(&state, &me, &slug, &handle, &action, &req.reason).await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleRequest {
    /// `organiser`, `moderator` or `member`.
    pub role: String,
}

/// Set a member's role (organisers).
#[utoipa::path(put, path = "/groups/{slug}/members/{handle}/role", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path), ("handle" = String, Path)), request_body = RoleRequest,
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn set_role(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath((slug, handle)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<RoleRequest>,
) -> AppResult<Json<Done>> {
    moderation::set_role(&state, &me, &slug, &handle, &req.role).await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    /// How many times it can be used (1-10000); default 1.
    pub uses: Option<i64>,
    /// Any number of uses (when `uses` is not given).
    #[serde(default)]
    pub multi: bool,
    /// Days until it expires (1-90); default 14.
    pub days: Option<i64>,
}

/// Make an invite code (organisers and moderators); the code is shown once.
#[utoipa::path(post, path = "/groups/{slug}/invites", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = InviteRequest,
    responses((status = 201, body = Invite), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_invite(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
    ApiJson(req): ApiJson<InviteRequest>,
) -> AppResult<(StatusCode, Json<Invite>)> {
    let i = service::create_invite(&state, &me, &slug, req.uses, req.multi, req.days).await?;
    Ok((StatusCode::CREATED, Json(i)))
}

/// The group's invites (organisers and moderators).
#[utoipa::path(get, path = "/groups/{slug}/invites", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = [Invite]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn invites(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
) -> AppResult<Json<Vec<Invite>>> {
    Ok(Json(service::invites(&state, &me, &slug).await?))
}

/// Revoke an invite code.
#[utoipa::path(post, path = "/groups/{slug}/invites/{id}/revoke", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_invite(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath((slug, id)): ApiPath<(String, Uuid)>,
) -> AppResult<Json<Done>> {
    service::revoke_invite(&state, &me, &slug, id).await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// The `next` of the previous page.
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The group's threads, newest activity first, 20 a page (members).
#[utoipa::path(get, path = "/groups/{slug}/threads", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path), PageQuery),
    responses((status = 200, body = ThreadList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn threads(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> AppResult<Json<ThreadList>> {
    let Query(q) = query.map_err(|_| FieldErrors::single("before", "is not a cursor"))?;
    Ok(Json(
        discussion::threads(&state, &me, &slug, q.before.as_deref())
            .await?
            .1,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThreadRequest {
    /// 1-200 characters.
    pub title: String,
    /// 1-10,000 characters; plain text, links made clickable.
    pub body: String,
}

/// Start a thread (members).
#[utoipa::path(post, path = "/groups/{slug}/threads", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = ThreadRequest,
    responses((status = 201, body = ThreadPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn start_thread(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
    ApiJson(req): ApiJson<ThreadRequest>,
) -> AppResult<(StatusCode, Json<ThreadPage>)> {
    let page = discussion::start(&state, &me, &slug, &req.title, &req.body).await?;
    Ok((StatusCode::CREATED, Json(page)))
}

/// A thread and its posts, oldest first, 50 a page; marks it read.
#[utoipa::path(get, path = "/groups/{slug}/threads/{id}", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = ThreadPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn thread(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath((slug, id)): ApiPath<(String, Uuid)>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> AppResult<Json<ThreadPage>> {
    let Query(q) = query.map_err(|_| FieldErrors::single("after", "is not a cursor"))?;
    Ok(Json(
        discussion::thread(&state, &me, &slug, id, q.after.as_deref())
            .await?
            .1,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostRequest {
    /// 1-10,000 characters.
    pub body: String,
}

/// Reply in a thread (members).
#[utoipa::path(post, path = "/groups/{slug}/threads/{id}/posts", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = Uuid, Path)), request_body = PostRequest,
    responses((status = 201, body = ThreadPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reply(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath((slug, id)): ApiPath<(String, Uuid)>,
    ApiJson(req): ApiJson<PostRequest>,
) -> AppResult<(StatusCode, Json<ThreadPage>)> {
    let page = discussion::reply(&state, &me, &slug, id, &req.body).await?;
    Ok((StatusCode::CREATED, Json(page)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// A post, or
    pub post: Option<Uuid>,
    /// a member's handle.
    pub member: Option<String>,
    /// 1-1,000 characters.
    pub reason: String,
}

/// Report a post or a member to the group's moderators (members).
#[utoipa::path(post, path = "/groups/{slug}/reports", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = ReportRequest,
    responses((status = 201, body = Report), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn report(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
    ApiJson(req): ApiJson<ReportRequest>,
) -> AppResult<(StatusCode, Json<Report>)> {
    let r = moderation::report(
        &state,
        &me,
        &slug,
        req.post,
        req.member.as_deref(),
        &req.reason,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// The moderators' queue: open reports, crisis language first (moderators).
#[utoipa::path(get, path = "/groups/{slug}/reports", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = [Report]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn queue(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
) -> AppResult<Json<Vec<Report>>> {
    Ok(Json(moderation::queue(&state, &me, &slug).await?.1))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// `dismiss` or `escalate` (to the instance's moderators).
    pub action: String,
    #[serde(default)]
    pub reason: String,
}

/// Dismiss a report or escalate it (moderators).
#[utoipa::path(post, path = "/groups/{slug}/reports/{id}/resolve", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = Uuid, Path)), request_body = ResolveRequest,
    responses((status = 200, body = Report), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn resolve_report(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath((slug, id)): ApiPath<(String, Uuid)>,
    ApiJson(req): ApiJson<ResolveRequest>,
) -> AppResult<Json<Report>> {
    Ok(Json(
        moderation::resolve(&state, &me, &slug, id, &req.action, &req.reason).await?,
    ))
}

/// Hide a post, with a note to its author (moderators).
#[utoipa::path(post, path = "/groups/{slug}/posts/{id}/hide", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = Uuid, Path)), request_body = ReasonRequest,
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn hide_post(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath((slug, id)): ApiPath<(String, Uuid)>,
    ApiJson(req): ApiJson<ReasonRequest>,
) -> AppResult<Json<Done>> {
    moderation::set_hidden(&state, &me, &slug, id, true, &req.reason).await?;
    Ok(Json(Done { ok: true }))
}

/// Restore a hidden post (moderators).
#[utoipa::path(post, path = "/groups/{slug}/posts/{id}/restore", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path), ("id" = Uuid, Path)),
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn restore_post(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath((slug, id)): ApiPath<(String, Uuid)>,
) -> AppResult<Json<Done>> {
    moderation::set_hidden(&state, &me, &slug, id, false, "").await?;
    Ok(Json(Done { ok: true }))
}

/// Every moderation action in the group: who, when, what, why (moderators).
#[utoipa::path(get, path = "/groups/{slug}/moderation-log", tag = "groups", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = [LogLine]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn mod_log(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
) -> AppResult<Json<Vec<LogLine>>> {
    Ok(Json(moderation::log(&state, &me, &slug).await?))
}

/// Reports that group moderators escalated (instance moderators and admins).
#[utoipa::path(get, path = "/admin/group-reports", tag = "groups", security(("bearer" = [])),
    responses((status = 200, body = [Report]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn escalated(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<Report>>> {
    Ok(Json(moderation::escalated(&state, &me).await?))
}
