//! Reach-out pages: the reach-out screen (crisis lines first, then one big
//! button), a reach-out as its requester or a responder sees it, and my
//! history. Everything works without JavaScript; with it, the page reloads
//! itself when the reach-out changes.

use askama::Template;
use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect},
    routing::{get, post},
};
use serde::Deserialize;
use uuid::Uuid;

use super::service::{self, Opened, Reach, ReachOut, Settings, SettingsUpdate};
use crate::{
    accounts::PageMember,
    app::AppState,
    safety::{CrisisLine, crisis_lines},
    web::{
        csrf::CsrfForm,
        error::{AppError, FieldErrors},
        extract::PagePath,
        page::{Layout, PageResult, render},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reach-out", get(start_page).post(open))
        .route("/reach-out/settings", post(save_settings))
        .route("/reach-out/history", get(history_page))
        .route("/reach-out/{id}", get(view_page))
        .route("/reach-out/{id}/claim", post(claim))
        .route("/reach-out/{id}/handback", post(hand_back))
        .route("/reach-out/{id}/resolve", post(resolve))
        .route("/reach-out/{id}/cancel", post(cancel))
}

#[derive(Template)]
#[template(path = "reach_out/start.html")]
struct StartPage {
    layout: Layout,
    lines: &'static [CrisisLine],
    open: Vec<ReachOut>,
    asked: Vec<ReachOut>,
    reach: Reach,
    settings: Settings,
    min_wait: i32,
    note: String,
    /// A fresh idempotency key: a double tap or a resent form opens one.
    key: String,
    errors: FieldErrors,
    failure: Option<String>,
}

struct Draft {
    note: String,
    errors: FieldErrors,
    failure: Option<String>,
    status: StatusCode,
}

impl Default for Draft {
    fn default() -> Self {
        Self {
            note: String::new(),
            errors: FieldErrors::new(),
            failure: None,
            status: StatusCode::OK,
        }
    }
}

/// The reach-out screen. If its data can't be read, the error page shows
/// the crisis lines instead.
async fn start_view(state: &AppState, member: &PageMember, draft: Draft) -> PageResult {
    let me = &member.0;
    let mine = service::mine(state, me).await?;
    let open = mine
        .into_iter()
        .filter(|r| r.state == "open" || r.state == "claimed")
        .collect();
    let asked = service::asked_of_me(state, me)
        .await?
        .into_iter()
        .filter(|r| r.state == "open" || r.state == "claimed")
        .collect();
    let reach = service::reach(state, me).await?;
    let settings = service::settings(state, me).await?;
    let html = render(&StartPage {
        layout: member.layout("Reach out"),
        lines: crisis_lines(),
        open,
        asked,
        reach,
        settings,
        min_wait: service::min_wait_seconds(state),
        note: draft.note,
        key: Uuid::new_v4().to_string(),
        errors: draft.errors,
        failure: draft.failure,
    })?;
    Ok((draft.status, html).into_response())
}

async fn start_page(State(state): State<AppState>, member: PageMember) -> PageResult {
    start_view(&state, &member, Draft::default()).await
}

#[derive(Debug, Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    note: String,
    #[serde(default)]
    key: String,
}

async fn open(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<OpenForm>,
) -> PageResult {
    let key = Some(form.key.as_str()).filter(|k| !k.is_empty());
    match service::open(&state, &member.0, Some(&form.note), key).await {
        Ok(Opened::Created(r) | Opened::Replayed(r)) => {
            Ok(Redirect::to(&format!("/reach-out/{}", r.id)).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let draft = Draft {
                note: form.note,
                errors,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..Draft::default()
            };
            start_view(&state, &member, draft).await
        }
        Err(err) => {
            // Never a dead end: the screen comes back with the lines on top.
            let status = err.status();
            err.log_if_internal();
            let failure = match err {
                AppError::RateLimited { .. } => {
                    "You have reached out many times in the last hour, so Belay let the moderators know instead of asking your circle again."
                }
                AppError::Forbidden(..) => {
                    "Your account is paused, so Belay can't ask your circle right now. The moderators were told, and the lines above are there for you now."
                }
                _ => "Your reach-out could not be sent just now. Please try again in a moment.",
            };
            let draft = Draft {
                note: form.note,
                failure: Some(failure.to_owned()),
                status,
                ..Draft::default()
            };
            start_view(&state, &member, draft).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    receives: Option<String>,
    wait_seconds: Option<String>,
    follow_up: Option<String>,
}

async fn save_settings(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> PageResult {
    let wait = match form.wait_seconds.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(w) => match w.parse::<i32>() {
            Ok(w) => Some(w),
            Err(_) => {
                let draft = Draft {
                    errors: FieldErrors::single_map(
                        "wait_seconds",
                        "must be a whole number of seconds",
                    ),
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    ..Draft::default()
                };
                return start_view(&state, &member, draft).await;
            }
        },
    };
    let update = SettingsUpdate {
        receives: Some(form.receives.is_some()),
        wait_seconds: wait,
        follow_up: Some(form.follow_up.is_some()),
    };
    match service::update_settings(&state, &member.0, update).await {
        Ok(_) => Ok(Redirect::to("/reach-out").into_response()),
        Err(AppError::Validation(errors)) => {
            let draft = Draft {
                errors,
                status: StatusCode::UNPROCESSABLE_ENTITY,
                ..Draft::default()
            };
            start_view(&state, &member, draft).await
        }
        Err(other) => Err(other.into()),
    }
}

/// Someone asked, as the requester sees them.
struct AskedLine {
    handle: String,
    tier_name: &'static str,
    asked_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Template)]
#[template(path = "reach_out/view.html")]
struct ViewPage {
    layout: Layout,
    lines: &'static [CrisisLine],
    asked: Vec<AskedLine>,
    guide: &'static [&'static str],
    r: ReachOut,
}

async fn view_page(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<Uuid>,
) -> PageResult {
    let r = service::view(&state, &member.0, id).await?;
    let asked = r
        .asked
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|a| AskedLine {
            handle: a.handle,
            tier_name: super::tier_name(a.tier),
            asked_at: a.asked_at,
        })
        .collect();
    let title = if r.mine {
        "Your reach-out".to_owned()
    } else {
        format!("{} is reaching out", r.from)
    };
    render(&ViewPage {
        layout: member.layout(title),
        lines: crisis_lines(),
        asked,
        guide: super::RESPONDER_GUIDE,
        r,
    })
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

fn back_to(id: Uuid) -> PageResult {
    Ok(Redirect::to(&format!("/reach-out/{id}")).into_response())
}

async fn claim(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<Uuid>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    match service::claim(&state, &member.0, id).await {
        Ok(r) => Ok(Redirect::to(&format!("/conversations/{}", r.from)).into_response()),
        // Someone else was first: the page says so.
        Err(AppError::Conflict(..)) => back_to(id),
        Err(other) => Err(other.into()),
    }
}

async fn hand_back(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<Uuid>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    match service::hand_back(&state, &member.0, id).await {
        Ok(_) | Err(AppError::Conflict(..)) => back_to(id),
        Err(other) => Err(other.into()),
    }
}

async fn resolve(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<Uuid>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    match service::close(&state, &member.0, id, true).await {
        Ok(_) | Err(AppError::Conflict(..)) => back_to(id),
        Err(other) => Err(other.into()),
    }
}

async fn cancel(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<Uuid>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    match service::close(&state, &member.0, id, false).await {
        Ok(_) | Err(AppError::Conflict(..)) => back_to(id),
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "reach_out/history.html")]
struct HistoryPage {
    layout: Layout,
    items: Vec<ReachOut>,
}

async fn history_page(State(state): State<AppState>, member: PageMember) -> PageResult {
    let items = service::mine(&state, &member.0).await?;
    render(&HistoryPage {
        layout: member.layout("Your reach-outs"),
        items,
    })
}
