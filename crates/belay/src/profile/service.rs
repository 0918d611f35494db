//! Profile use-cases.

use sqlx::types::Json;

use super::{
    model::{
        BIO_MAX, Focus, Pathway, SUPPORT_TEXT_MAX, Visibility, check_text, normalize_languages,
    },
    store::{self, ProfileRow, VisibleProfileRow},
};
use crate::{
    accounts::{AuthMember, MemberId, normalize_handle},
    app::AppState,
    web::error::{AppError, AppResult, FieldErrors},
};

/// Visibility of each profile field and of the member's clocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct VisibilityMap {
    pub bio: Visibility,
    pub focus: Visibility,
    pub pathway: Visibility,
    pub languages: Visibility,
    pub seeking: Visibility,
    pub offering: Visibility,
    /// Also decides whether discovery may use my recovery stage.
    pub clocks: Visibility,
}

/// My own profile, all of it.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Profile {
    pub discoverable: bool,
    pub focus: Vec<Focus>,
    pub pathway: Vec<Pathway>,
    pub languages: Vec<String>,
    pub bio: String,
    /// The support I am looking for, in my words.
    pub seeking: String,
    /// The support I can offer, in my words.
    pub offering: String,
    pub visibility: VisibilityMap,
    /// Crisis lines, when what I just wrote sounds like a crisis (only ever
    /// to me; nothing is blocked or shown to anyone else).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crisis_resources: Option<&'static [crate::safety::CrisisLine]>,
}

impl From<ProfileRow> for Profile {
    fn from(r: ProfileRow) -> Self {
        Self {
            discoverable: r.discoverable,
            focus: r.focus.0.iter().filter_map(|s| Focus::parse(s)).collect(),
            pathway: r
                .pathway
                .0
                .iter()
                .filter_map(|s| Pathway::parse(s))
                .collect(),
            languages: r.languages.0,
            bio: r.bio,
            seeking: r.seeking,
            offering: r.offering,
            visibility: VisibilityMap {
                bio: Visibility::parse(&r.vis_bio),
                focus: Visibility::parse(&r.vis_focus),
                pathway: Visibility::parse(&r.vis_pathway),
                languages: Visibility::parse(&r.vis_languages),
                seeking: Visibility::parse(&r.vis_seeking),
                offering: Visibility::parse(&r.vis_offering),
                clocks: Visibility::parse(&r.vis_clocks),
            },
            crisis_resources: None,
        }
    }
}

/// A change to my profile; a field left out keeps its value.
#[derive(Debug, Default)]
pub struct ProfileUpdate {
    pub discoverable: Option<bool>,
    pub focus: Option<Vec<Focus>>,
    pub pathway: Option<Vec<Pathway>>,
    pub languages: Option<Vec<String>>,
    pub bio: Option<String>,
    pub seeking: Option<String>,
    pub offering: Option<String>,
    pub visibility: VisibilityUpdate,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct VisibilityUpdate {
    pub bio: Option<Visibility>,
    pub focus: Option<Visibility>,
    pub pathway: Option<Visibility>,
    pub languages: Option<Visibility>,
    pub seeking: Option<Visibility>,
    pub offering: Option<Visibility>,
    pub clocks: Option<Visibility>,
}

pub async fn own(state: &AppState, member: MemberId) -> AppResult<Profile> {
    let row = store::own(&state.db, member)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(row.into())
}

/// How widely a visibility shows: me, then circle, then members.
fn rank(visibility: &str) -> u8 {
    match visibility {
        "members" => 2,
        "circle" => 1,
        _ => 0,
    }
}

fn dedup<T: PartialEq + Copy>(items: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    for i in items {
        if !out.contains(i) {
            out.push(*i);
        }
    }
    out
}

#[tracing::instrument(skip_all, fields(member.id = %member.id))]
pub async fn update(state: &AppState, member: &AuthMember, u: ProfileUpdate) -> AppResult<Profile> {
    // A suspended or banned member may still hide more of themselves (less
    // visible, not discoverable), never write new words or show more.
    let writes = u.discoverable == Some(true)
        || u.focus.is_some()
        || u.pathway.is_some()
        || u.languages.is_some()
        || u.bio.is_some()
        || u.seeking.is_some()
        || u.offering.is_some();
    let refused = match crate::moderation::require_active(state, member) {
        Ok(()) => None,
        Err(err) if writes || !matches!(err, AppError::Forbidden(..)) => return Err(err),
        Err(err) => Some(err),
    };
    let mut errors = FieldErrors::new();
    let languages = u
        .languages
        .as_deref()
        .map(|l| normalize_languages(l, &mut errors));
    let bio = u
        .bio
        .as_deref()
        .map(|t| check_text("bio", t, BIO_MAX, &mut errors));
    let seeking = u
        .seeking
        .as_deref()
        .map(|t| check_text("seeking", t, SUPPORT_TEXT_MAX, &mut errors));
    let offering = u
        .offering
        .as_deref()
        .map(|t| check_text("offering", t, SUPPORT_TEXT_MAX, &mut errors));
    errors.into_result()?;
    let written = [bio.as_deref(), seeking.as_deref(), offering.as_deref()];
    let risk = crate::safety::screen::screen_all(written.into_iter().flatten()).is_high();

    let mut tx = state.db.begin_write().await?;
    let mut row = store::own_in_tx(&mut tx, member.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(d) = u.discoverable {
        row.discoverable = d;
    }
    if let Some(f) = &u.focus {
        row.focus = Json(dedup(f).iter().map(|f| f.key().to_owned()).collect());
    }
    if let Some(p) = &u.pathway {
        row.pathway = Json(dedup(p).iter().map(|p| p.key().to_owned()).collect());
    }
    if let Some(l) = languages {
        row.languages = Json(l);
    }
    row.bio = bio.unwrap_or(row.bio);
    row.seeking = seeking.unwrap_or(row.seeking);
    row.offering = offering.unwrap_or(row.offering);
    let v = u.visibility;
    if let Some(err) = refused {
        let widens =
            |old: &str, new: Option<Visibility>| new.is_some_and(|n| rank(n.as_str()) > rank(old));
        if widens(&row.vis_bio, v.bio)
            || widens(&row.vis_focus, v.focus)
            || widens(&row.vis_pathway, v.pathway)
            || widens(&row.vis_languages, v.languages)
            || widens(&row.vis_seeking, v.seeking)
            || widens(&row.vis_offering, v.offering)
            || widens(&row.vis_clocks, v.clocks)
        {
            return Err(err);
        }
    }
    let set = |slot: &mut String, new: Option<Visibility>| {
        if let Some(new) = new {
            *slot = new.as_str().to_owned();
        }
    };
    set(&mut row.vis_bio, v.bio);
    set(&mut row.vis_focus, v.focus);
    set(&mut row.vis_pathway, v.pathway);
    set(&mut row.vis_languages, v.languages);
    set(&mut row.vis_seeking, v.seeking);
    set(&mut row.vis_offering, v.offering);
    set(&mut row.vis_clocks, v.clocks);
    store::save(&mut tx, member.id, &row, state.clock.now()).await?;
    crate::discovery::service::refresh(&mut tx, member.id, state.clock.now()).await?;
    tx.commit().await?;
    if risk {
        let written = format!("{}\n{}\n{}", row.bio, row.seeking, row.offering);
        crate::moderation::check_on_me_after(state, member, &written).await;
    }
    let mut profile = Profile::from(row);
    profile.crisis_resources = risk.then(crate::safety::crisis_lines);
    Ok(profile)
}

/// What `viewer` may see of another member's profile. Fields they may not
/// see are absent, exactly as if they were empty.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MemberCard {
    pub handle: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub focus: Option<Vec<Focus>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pathway: Option<Vec<Pathway>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub languages: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seeking: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offering: Option<String>,
}

impl From<VisibleProfileRow> for MemberCard {
    fn from(r: VisibleProfileRow) -> Self {
        Self {
            handle: r.handle,
            focus: r
                .focus
                .map(|f| f.0.iter().filter_map(|s| Focus::parse(s)).collect()),
            pathway: r
                .pathway
                .map(|p| p.0.iter().filter_map(|s| Pathway::parse(s)).collect()),
            languages: r.languages.map(|l| l.0),
            bio: r.bio,
            seeking: r.seeking,
            offering: r.offering,
        }
    }
}

pub async fn member_card(
    state: &AppState,
    viewer: &AuthMember,
    handle: &str,
) -> AppResult<MemberCard> {
    let key = normalize_handle(handle);
    store::visible_to(&state.db, &key, viewer.id)
        .await?
        .map(MemberCard::from)
        .ok_or(AppError::NotFound)
}
