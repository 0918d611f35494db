//! Circle pages: my circle (grouped, with requests, invites and blocks), a
//! member's card, capacities, invite links, and the admin's verification
//! list. All work without JavaScript.

use askama::Template;
use axum::{
    Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
    routing::{get, post},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    capacity::{self, Capacities, CapacitiesUpdate},
    invites::{self, Invite, InvitePreview, InviteStatus},
    model::{ConnectionId, Grants, GrantsUpdate, Relationship},
    service::{self, Connection, Direction},
    store,
};
use crate::{
    accounts::{PageMember, Role, Visitor, normalize_handle},
    app::AppState,
    clocks::service::{SharedClock, shared_with_me},
    profile::service::{MemberCard, member_card},
    web::{
        csrf::CsrfForm,
        error::{AppError, FieldErrors},
        extract::PagePath,
        page::{Layout, PageResult, render},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/circle", get(circle_page))
        .route("/circle/requests", post(request))
        .route("/circle/{id}/accept", post(accept))
        .route("/circle/{id}/decline", post(decline))
        .route("/circle/{id}/end", post(end))
        .route("/circle/{id}/grants", post(grants))
        .route("/circle/invites", post(create_invite))
        .route("/circle/invites/{id}/revoke", post(revoke_invite))
        .route("/circle/blocks", post(block))
        .route("/circle/blocks/{handle}/remove", post(unblock))
        .route("/members/{handle}", get(member_page))
        .route("/profile/helping", get(helping_page).post(save_helping))
        .route("/invite/{token}", get(invite_page).post(accept_invite))
        .route("/admin/professionals", get(admin_page))
        .route("/admin/professionals/{handle}", post(admin_verify))
}

pub struct Group {
    pub label: &'static str,
    pub connections: Vec<Connection>,
}

pub struct Option_ {
    pub value: &'static str,
    pub label: &'static str,
}

fn relationship_options() -> Vec<Option_> {
    Relationship::ALL
        .iter()
        .map(|r| Option_ {
            value: r.as_str(),
            label: r.label(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "circle/index.html")]
struct CirclePage {
    layout: Layout,
    groups: Vec<Group>,
    incoming: Vec<Connection>,
    outgoing: Vec<Connection>,
    invites: Vec<Invite>,
    blocked: Vec<String>,
    new_invite_url: Option<String>,
    relationships: Vec<Option_>,
    errors: FieldErrors,
    message: Option<String>,
}

async fn circle_view(
    state: &AppState,
    member: &PageMember,
    new_invite_url: Option<String>,
    errors: FieldErrors,
    message: Option<String>,
) -> PageResult {
    let me = &member.0;
    let all = service::list(state, me).await?;
    let mut groups: Vec<Group> = Vec::new();
    for r in Relationship::ALL {
        let connections: Vec<Connection> = all
            .iter()
            .filter(|c| c.state == super::model::ConnectionState::Accepted && c.relationship == r)
            .cloned()
            .collect();
        if !connections.is_empty() {
            groups.push(Group {
                label: r.group_label(),
                connections,
            });
        }
    }
    let pending = |d: Direction| -> Vec<Connection> {
        all.iter()
            .filter(|c| c.state == super::model::ConnectionState::Pending && c.direction == d)
            .cloned()
            .collect()
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(&CirclePage {
        layout: member.layout("My circle"),
        incoming: pending(Direction::Incoming),
        outgoing: pending(Direction::Outgoing),
        groups,
        invites: invites::list(state, me)
            .await?
            .into_iter()
            .filter(|i| i.status == InviteStatus::Open)
            .collect(),
        blocked: service::blocked(state, me).await?,
        new_invite_url,
        relationships: relationship_options(),
        errors,
        message,
    })?;
    Ok((status, html).into_response())
}

async fn circle_page(State(state): State<AppState>, member: PageMember) -> PageResult {
    circle_view(&state, &member, None, FieldErrors::new(), None).await
}

#[derive(Debug, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    handle: String,
    #[serde(default)]
    relationship: String,
}

fn go_member(handle: &str) -> PageResult {
    let handle = normalize_handle(handle);
    if handle
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !handle.is_empty()
    {
        Ok(Redirect::to(&format!("/members/{handle}")).into_response())
    } else {
        Ok(Redirect::to("/circle").into_response())
    }
}

async fn request(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<RequestForm>,
) -> PageResult {
    let Some(relationship) = Relationship::parse(&form.relationship) else {
        return circle_view(
            &state,
            &member,
            None,
            FieldErrors::single_map("relationship", "choose what they would be to you"),
            None,
        )
        .await;
    };
    match service::request(&state, &member.0, &form.handle, relationship).await {
        Ok(_) => go_member(&form.handle),
        Err(AppError::Validation(errors)) => circle_view(&state, &member, None, errors, None).await,
        Err(AppError::Conflict(_, message)) => {
            circle_view(&state, &member, None, FieldErrors::new(), Some(message)).await
        }
        Err(AppError::NotFound) => {
            circle_view(
                &state,
                &member,
                None,
                FieldErrors::single_map("handle", "is not a member we can find"),
                None,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

async fn accept(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<ConnectionId>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    match service::accept(&state, &member.0, id).await {
        Ok(c) => go_member(&c.handle),
        Err(AppError::Conflict(_, message)) => {
            circle_view(&state, &member, None, FieldErrors::new(), Some(message)).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn decline(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<ConnectionId>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    service::decline(&state, &member.0, id).await?;
    Ok(Redirect::to("/circle").into_response())
}

async fn end(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<ConnectionId>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    service::end(&state, &member.0, id).await?;
    Ok(Redirect::to("/circle").into_response())
}

#[derive(Debug, Deserialize)]
pub struct GrantsForm {
    clocks: Option<String>,
    checkins: Option<String>,
    goals: Option<String>,
    reach_out: Option<String>,
    #[serde(default)]
    reach_out_order: String,
}

async fn grants(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<ConnectionId>,
    CsrfForm(form): CsrfForm<GrantsForm>,
) -> PageResult {
    let order = match form.reach_out_order.trim() {
        "" => None,
        n => match n.parse::<i32>() {
            Ok(n) => Some(n),
            Err(_) => {
                return Err(FieldErrors::single(
                    "reach_out_order",
                    "must be a number from 1 to 50",
                )
                .into());
            }
        },
    };
    // A checkbox form always says the whole truth: absent means off.
    let update = GrantsUpdate {
        clocks: Some(form.clocks.is_some()),
        checkins: Some(form.checkins.is_some()),
        goals: Some(form.goals.is_some()),
        reach_out: Some(form.reach_out.is_some()),
        reach_out_order: order,
    };
    let c = service::set_grants(&state, &member.0, id, update).await?;
    Ok(Redirect::to(&format!("/members/{}?saved=1", c.handle)).into_response())
}

#[derive(Debug, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    relationship: String,
    #[serde(default)]
    note: String,
    clocks: Option<String>,
    checkins: Option<String>,
    goals: Option<String>,
    reach_out: Option<String>,
}

async fn create_invite(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> PageResult {
    let Some(relationship) = Relationship::parse(&form.relationship) else {
        return circle_view(
            &state,
            &member,
            None,
            FieldErrors::single_map("invite_relationship", "choose what they will be to you"),
            None,
        )
        .await;
    };
    let grants = Grants {
        clocks: form.clocks.is_some(),
        checkins: form.checkins.is_some(),
        goals: form.goals.is_some(),
        reach_out: form.reach_out.is_some(),
        reach_out_order: None,
    };
    match invites::create(&state, &member.0, relationship, &form.note, grants).await {
        Ok(created) => {
            circle_view(&state, &member, Some(created.url), FieldErrors::new(), None).await
        }
        Err(AppError::Validation(errors)) => circle_view(&state, &member, None, errors, None).await,
        Err(AppError::Conflict(_, message)) => {
            circle_view(&state, &member, None, FieldErrors::new(), Some(message)).await
        }
        Err(other) => Err(other.into()),
    }
}

async fn revoke_invite(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<Uuid>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    invites::revoke(&state, &member.0, id).await?;
    Ok(Redirect::to("/circle").into_response())
}

#[derive(Debug, Deserialize)]
pub struct BlockForm {
    #[serde(default)]
    handle: String,
}

async fn block(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<BlockForm>,
) -> PageResult {
    service::block(&state, &member.0, &form.handle).await?;
    circle_view(
        &state,
        &member,
        None,
        FieldErrors::new(),
        Some(format!("{} is blocked.", normalize_handle(&form.handle))),
    )
    .await
}

async fn unblock(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(handle): PagePath<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    service::unblock(&state, &member.0, &handle).await?;
    Ok(Redirect::to("/circle").into_response())
}

#[derive(Template)]
#[template(path = "circle/member.html")]
struct MemberPage {
    layout: Layout,
    card: MemberCard,
    is_me: bool,
    connection: Option<Connection>,
    clocks: Option<Vec<SharedClock>>,
    /// Their check-in streak, when they share check-ins with me.
    checkins: Option<crate::checkins::Streak>,
    /// Their goals, when they share goals with me.
    goals: Option<Vec<crate::goals::Goal>>,
    relationships: Vec<Option_>,
    saved: bool,
}

#[derive(Debug, Deserialize)]
pub struct MemberQuery {
    saved: Option<String>,
}

async fn member_page(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(handle): PagePath<String>,
    Query(q): Query<MemberQuery>,
) -> PageResult {
    let me = &member.0;
    let card = member_card(&state, me, &handle).await?;
    let connection = service::list(&state, me)
        .await?
        .into_iter()
        .find(|c| c.handle == card.handle);
    let clocks = match shared_with_me(&state, me, &handle).await {
        Ok(clocks) => Some(clocks),
        Err(AppError::NotFound) => None,
        Err(other) => return Err(other.into()),
    };
    let is_me = card.handle == me.handle;
    let checkins =
        match crate::checkins::service::shared_history(&state, me, &handle, Some(7)).await {
            Ok(h) if !is_me => Some(h.streak),
            Ok(_) | Err(AppError::NotFound) => None,
            Err(other) => return Err(other.into()),
        };
    let goals = match crate::goals::service::shared(&state, me, &handle).await {
        Ok(g) if !is_me => Some(g),
        Ok(_) | Err(AppError::NotFound) => None,
        Err(other) => return Err(other.into()),
    };
    render(&MemberPage {
        layout: member.layout(card.handle.clone()),
        is_me,
        card,
        connection,
        clocks,
        checkins,
        goals,
        relationships: relationship_options(),
        saved: q.saved.is_some(),
    })
}

#[derive(Template)]
#[template(path = "circle/helping.html")]
struct HelpingPage {
    layout: Layout,
    capacities: Capacities,
    errors: FieldErrors,
    saved: bool,
}

async fn helping_page(State(state): State<AppState>, member: PageMember) -> PageResult {
    let capacities = capacity::get(&state, &member.0).await?;
    render(&HelpingPage {
        layout: member.layout("How you can help"),
        capacities,
        errors: FieldErrors::new(),
        saved: false,
    })
}

#[derive(Debug, Deserialize)]
pub struct HelpingForm {
    mentor: Option<String>,
    #[serde(default)]
    mentor_capacity: String,
    listener: Option<String>,
    #[serde(default)]
    duty_hours: String,
    professional: Option<String>,
    #[serde(default)]
    professional_title: String,
    #[serde(default)]
    professional_licence: String,
}

async fn save_helping(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<HelpingForm>,
) -> PageResult {
    let capacity_n = form.mentor_capacity.trim().parse::<i32>().unwrap_or(0);
    let update = CapacitiesUpdate {
        mentor: Some(form.mentor.is_some()),
        mentor_capacity: Some(capacity_n),
        listener: Some(form.listener.is_some()),
        duty_hours: Some(form.duty_hours),
        professional: Some(form.professional.is_some()),
        professional_title: Some(form.professional_title),
        professional_licence: Some(form.professional_licence),
    };
    match capacity::update(&state, &member.0, update).await {
        Ok(capacities) => render(&HelpingPage {
            layout: member.layout("How you can help"),
            capacities,
            errors: FieldErrors::new(),
            saved: true,
        }),
        Err(AppError::Validation(errors)) => {
            let capacities = capacity::get(&state, &member.0).await?;
            let html = render(&HelpingPage {
                layout: member.layout("How you can help"),
                capacities,
                errors,
                saved: false,
            })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "circle/invite.html")]
struct InvitePage {
    layout: Layout,
    token: String,
    preview: InvitePreview,
    open: bool,
    logged_in: bool,
    message: Option<String>,
}

async fn invite_page(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(token): PagePath<String>,
) -> PageResult {
    let preview = invites::preview(&state, &token).await?;
    render(&InvitePage {
        layout: visitor.layout("An invitation"),
        open: preview.status == InviteStatus::Open,
        logged_in: visitor.member.is_some(),
        token,
        preview,
        message: None,
    })
}

async fn accept_invite(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(token): PagePath<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    match invites::accept(&state, &member.0, &token).await {
        Ok(c) => go_member(&c.handle),
        Err(AppError::Conflict(_, message)) => {
            let preview = invites::preview(&state, &token).await?;
            let html = render(&InvitePage {
                layout: member.layout("An invitation"),
                open: false,
                logged_in: true,
                token,
                preview,
                message: Some(message),
            })?;
            Ok((StatusCode::CONFLICT, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "circle/admin.html")]
struct AdminPage {
    layout: Layout,
    professionals: Vec<store::PendingProfessionalRow>,
}

fn require_admin(member: &PageMember) -> Result<(), AppError> {
    if member.0.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "admin_only",
            "This page is for instance admins.".into(),
        ))
    }
}

async fn admin_page(State(state): State<AppState>, member: PageMember) -> PageResult {
    require_admin(&member)?;
    let professionals = store::professionals(&state.db).await?;
    render(&AdminPage {
        layout: member.layout("Verify professionals"),
        professionals,
    })
}

#[derive(Debug, Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    verified: String,
}

async fn admin_verify(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(handle): PagePath<String>,
    CsrfForm(form): CsrfForm<VerifyForm>,
) -> PageResult {
    require_admin(&member)?;
    capacity::set_verified(&state, &handle, form.verified == "yes").await?;
    Ok(Redirect::to("/admin/professionals").into_response())
}
