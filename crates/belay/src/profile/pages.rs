//! The profile editing page.

use askama::Template;
use axum::{Router, extract::State, response::IntoResponse, routing::get};
use serde::Deserialize;

use super::{
    model::{Focus, Pathway, Visibility},
    service::{self, Profile, ProfileUpdate, VisibilityUpdate},
};
use crate::{
    accounts::PageMember,
    app::AppState,
    web::{
        csrf::CsrfForm,
        error::{AppError, FieldErrors},
        page::{Layout, PageResult, render},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/profile", get(profile_page).post(save_profile))
}

/// One checkbox or option, decided in Rust so the template stays simple.
pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// A "who sees this" select.
pub struct VisControl {
    pub name: &'static str,
    pub options: Vec<Choice>,
}

fn vis(name: &'static str, current: Visibility) -> VisControl {
    VisControl {
        name,
        options: Visibility::ALL
            .iter()
            .map(|v| Choice {
                value: v.as_str(),
                label: v.label(),
                checked: *v == current,
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "profile/edit.html")]
struct ProfilePage {
    layout: Layout,
    profile: Profile,
    languages: String,
    focus_choices: Vec<Choice>,
    pathway_choices: Vec<Choice>,
    vis_focus: VisControl,
    vis_pathway: VisControl,
    vis_languages: VisControl,
    vis_bio: VisControl,
    vis_seeking: VisControl,
    vis_offering: VisControl,
    vis_clocks: VisControl,
    errors: FieldErrors,
    saved: Option<&'static str>,
}

fn page(
    layout: Layout,
    profile: Profile,
    errors: FieldErrors,
    saved: Option<&'static str>,
) -> ProfilePage {
    let v = profile.visibility;
    ProfilePage {
        layout,
        languages: profile.languages.join(", "),
        focus_choices: Focus::ALL
            .iter()
            .map(|f| Choice {
                value: f.key(),
                label: f.label(),
                checked: profile.focus.contains(f),
            })
            .collect(),
        pathway_choices: Pathway::ALL
            .iter()
            .map(|p| Choice {
                value: p.key(),
                label: p.label(),
                checked: profile.pathway.contains(p),
            })
            .collect(),
        vis_focus: vis("vis_focus", v.focus),
        vis_pathway: vis("vis_pathway", v.pathway),
        vis_languages: vis("vis_languages", v.languages),
        vis_bio: vis("vis_bio", v.bio),
        vis_seeking: vis("vis_seeking", v.seeking),
        vis_offering: vis("vis_offering", v.offering),
        vis_clocks: vis("vis_clocks", v.clocks),
        profile,
        errors,
        saved,
    }
}

async fn profile_page(State(state): State<AppState>, member: PageMember) -> PageResult {
    let profile = service::own(&state, member.0.id).await?;
    render(&page(
        member.layout("Profile"),
        profile,
        FieldErrors::new(),
        None,
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    focus: Vec<String>,
    #[serde(default)]
    pathway: Vec<String>,
    #[serde(default)]
    languages: String,
    #[serde(default)]
    bio: String,
    #[serde(default)]
    seeking: String,
    #[serde(default)]
    offering: String,
    discoverable: Option<String>,
    vis_focus: Option<Visibility>,
    vis_pathway: Option<Visibility>,
    vis_languages: Option<Visibility>,
    vis_bio: Option<Visibility>,
    vis_seeking: Option<Visibility>,
    vis_offering: Option<Visibility>,
    vis_clocks: Option<Visibility>,
}

async fn save_profile(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<ProfileForm>,
) -> PageResult {
    let update = ProfileUpdate {
        // A checkbox form always says the whole truth: absent means off.
        discoverable: Some(form.discoverable.is_some()),
        focus: Some(form.focus.iter().filter_map(|f| Focus::parse(f)).collect()),
        pathway: Some(
            form.pathway
                .iter()
                .filter_map(|p| Pathway::parse(p))
                .collect(),
        ),
        languages: Some(form.languages.split(',').map(str::to_owned).collect()),
        bio: Some(form.bio),
        seeking: Some(form.seeking),
        offering: Some(form.offering),
        visibility: VisibilityUpdate {
            bio: form.vis_bio,
            focus: form.vis_focus,
            pathway: form.vis_pathway,
            languages: form.vis_languages,
            seeking: form.vis_seeking,
            offering: form.vis_offering,
            clocks: form.vis_clocks,
        },
    };
    match service::update(&state, &member.0, update).await {
        Ok(profile) => render(&page(
            member.layout("Profile"),
            profile,
            FieldErrors::new(),
            Some("Your profile is saved."),
        )),
        Err(AppError::Validation(errors)) => {
            let profile = service::own(&state, member.0.id).await?;
            let html = render(&page(member.layout("Profile"), profile, errors, None))?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}
