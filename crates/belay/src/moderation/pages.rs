//! `/report` for any member, `/admin/moderation` for the instance's
//! moderators and admins, and `/settings/safety` for a member's standing
//! and their "let moderators check on me".

use askama::Template;
use axum::{
    Router,
    extract::{Query, State, rejection::QueryRejection},
    response::{IntoResponse, Redirect},
    routing::{get, post},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    model::{Action, Category, Kind, REPORTABLE},
    service::{self, ActInput, LogLine, Report, ReportInput, Standing},
};
use crate::{
    accounts::PageMember,
    app::AppState,
    groups::pages::{after, problem},
    safety::{CrisisLine, crisis_lines},
    web::{
        csrf::CsrfForm,
        error::AppError,
        extract::PagePath,
        page::{Layout, PageResult, render},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/report", get(report_form).post(report_send))
        .route("/admin/moderation", get(queue))
        .route("/admin/moderation/log", get(log))
        .route("/admin/moderation/reports/{id}", post(act))
        .route("/admin/moderation/members", post(act_on_member))
        .route("/settings/safety", get(safety).post(safety_save))
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    handle: Option<String>,
}

#[derive(Template)]
#[template(path = "moderation/report.html")]
struct ReportPage {
    layout: Layout,
    kind: Kind,
    id: String,
    handle: String,
    categories: &'static [Category],
    message: String,
}

#[derive(Template)]
#[template(path = "moderation/reported.html")]
struct ReportedPage {
    layout: Layout,
    lines: Option<&'static [CrisisLine]>,
}

async fn report_form(
    member: PageMember,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> PageResult {
    let q = q.map(|Query(q)| q).unwrap_or_default();
    let Some(kind) = Kind::parse(q.kind.trim()).filter(|k| REPORTABLE.contains(k)) else {
        return Err(AppError::NotFound.into());
    };
    render(&ReportPage {
        layout: member.layout("Report"),
        kind,
        id: q.id.unwrap_or_default(),
        handle: q.handle.unwrap_or_default(),
        categories: Category::ALL,
        message: String::new(),
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    handle: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    reason: String,
}

async fn report_send(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> PageResult {
    let id = form.id.trim();
    let input = ReportInput {
        kind: form.kind.clone(),
        id: if id.is_empty() {
            None
        } else {
            match id.parse() {
                Ok(id) => Some(id),
                Err(_) => return Err(AppError::NotFound.into()),
            }
        },
        handle: Some(form.handle.clone()).filter(|h| !h.trim().is_empty()),
        category: form.category.clone(),
        reason: form.reason.clone(),
    };
    match service::report(&state, &member.0, &input).await {
        Ok(filed) => render(&ReportedPage {
            layout: member.layout("Thank you"),
            lines: filed.crisis_resources,
        }),
        Err(e @ (AppError::Validation(_) | AppError::Conflict(..))) => {
            let status = e.status();
            let page = render(&ReportPage {
                layout: member.layout("Report"),
                kind: Kind::parse(form.kind.trim()).unwrap_or(Kind::Member),
                id: form.id,
                handle: form.handle,
                categories: Category::ALL,
                message: problem(&e),
            })?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "moderation/queue.html")]
struct QueuePage {
    layout: Layout,
    reports: Vec<Report>,
    actions: &'static [Action],
}

async fn queue(State(state): State<AppState>, member: PageMember) -> PageResult {
    let reports = service::queue(&state, &member.0).await?;
    render(&QueuePage {
        layout: member.layout("Moderation"),
        reports,
        actions: Action::ALL,
    })
}

#[derive(Template)]
#[template(path = "moderation/log.html")]
struct LogPage {
    layout: Layout,
    log: Vec<LogLine>,
}

async fn log(State(state): State<AppState>, member: PageMember) -> PageResult {
    let log = service::log(&state, &member.0).await?;
    render(&LogPage {
        layout: member.layout("Moderation log"),
        log,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    handle: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    days: String,
}

impl ActForm {
    fn input(self) -> ActInput {
        let days = self.days.trim();
        ActInput {
            action: self.action,
            reason: self.reason,
            // A number that doesn't parse is refused by the service's check.
            days: (!days.is_empty()).then(|| days.parse().unwrap_or(-1)),
        }
    }
}

async fn act(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<Uuid>,
    CsrfForm(form): CsrfForm<ActForm>,
) -> PageResult {
    let result = service::act(&state, &member.0, id, &form.input())
        .await
        .map(|_| ());
    after(
        member.layout("Moderation"),
        "/admin/moderation".into(),
        result,
    )
}

async fn act_on_member(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(mut form): CsrfForm<ActForm>,
) -> PageResult {
    let handle = std::mem::take(&mut form.handle);
    let result = service::act_on_member(&state, &member.0, &handle, &form.input())
        .await
        .map(|_| ());
    after(
        member.layout("Moderation"),
        "/admin/moderation/log".into(),
        result,
    )
}

#[derive(Template)]
#[template(path = "moderation/safety.html")]
struct SafetyPage {
    layout: Layout,
    standing: Standing,
    lines: &'static [CrisisLine],
}

async fn safety(State(state): State<AppState>, member: PageMember) -> PageResult {
    let standing = service::standing(&state, &member.0).await?;
    render(&SafetyPage {
        layout: member.layout("Safety and moderators"),
        standing,
        lines: crisis_lines(),
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct SafetyForm {
    #[serde(default)]
    check_on_me: Option<String>,
}

async fn safety_save(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<SafetyForm>,
) -> PageResult {
    service::set_check_on_me(&state, &member.0, form.check_on_me.is_some()).await?;
    Ok(Redirect::to("/settings/safety").into_response())
}
