//! `/api/v1` for profiles: mine to edit, another member's as I may see it.

use axum::{Json, extract::State};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::{Focus, Pathway, Visibility},
    service::{self, MemberCard, Profile, ProfileUpdate, VisibilityUpdate},
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
        .routes(routes!(update_profile))
        .routes(routes!(get_member))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisibilityRequest {
    pub bio: Option<Visibility>,
    pub focus: Option<Visibility>,
    pub pathway: Option<Visibility>,
    pub languages: Option<Visibility>,
    pub seeking: Option<Visibility>,
    pub offering: Option<Visibility>,
    pub clocks: Option<Visibility>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    /// Appear in discovery (off until turned on).
    pub discoverable: Option<bool>,
    pub focus: Option<Vec<Focus>>,
    pub pathway: Option<Vec<Pathway>>,
    /// Language tags such as `en` or `pt-BR`.
    pub languages: Option<Vec<String>>,
    /// Up to 1,000 characters.
    pub bio: Option<String>,
    /// The support I look for; up to 500 characters.
    pub seeking: Option<String>,
    /// The support I can offer; up to 500 characters.
    pub offering: Option<String>,
    /// Who sees each field: `me`, `circle` or `members`.
    pub visibility: Option<VisibilityRequest>,
}

/// Change my recovery profile; a field left out keeps its value.
#[utoipa::path(put, path = "/me/profile", tag = "profile", security(("bearer" = [])),
    request_body = UpdateProfileRequest,
    responses((status = 200, body = Profile), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_profile(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<UpdateProfileRequest>,
) -> AppResult<Json<Profile>> {
    let v = req.visibility.unwrap_or_default();
    let update = ProfileUpdate {
        discoverable: req.discoverable,
        focus: req.focus,
        pathway: req.pathway,
        languages: req.languages,
        bio: req.bio,
        seeking: req.seeking,
        offering: req.offering,
        visibility: VisibilityUpdate {
            bio: v.bio,
            focus: v.focus,
            pathway: v.pathway,
            languages: v.languages,
            seeking: v.seeking,
            offering: v.offering,
            clocks: v.clocks,
        },
    };
    Ok(Json(service::update(&state, &me, update).await?))
}

/// Another member's profile, with only the fields they let me see.
#[utoipa::path(get, path = "/members/{handle}", tag = "profile", security(("bearer" = [])),
    params(("handle" = String, Path, description = "The member's handle")),
    responses((status = 200, body = MemberCard), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_member(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(handle): ApiPath<String>,
) -> AppResult<Json<MemberCard>> {
    Ok(Json(service::member_card(&state, &me, &handle).await?))
}
