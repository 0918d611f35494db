//! Goal pages: my goals and a form to set one; a goal with its progress
//! (for me: record progress, complete, archive; for a partner: see it and
//! send encouragement); a partner's goals.

use askama::Template;
use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect},
    routing::{get, post},
};
use serde::Deserialize;

use super::{
    model::GoalId,
    service::{self, Goal, GoalDetail},
};
use crate::{
    accounts::PageMember,
    app::AppState,
    safety::CrisisLine,
    web::{
        csrf::CsrfForm,
        error::{AppError, FieldErrors},
        extract::PagePath,
        page::{Layout, PageResult, render},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/goals", get(goals_page).post(create))
        .route("/goals/{id}", get(goal_page))
        .route("/goals/{id}/progress", post(progress))
        .route("/goals/{id}/{action}", post(change))
        .route("/members/{handle}/goals", get(member_goals))
}

#[derive(Template)]
#[template(path = "goals/list.html")]
struct GoalsPage {
    layout: Layout,
    goals: Vec<Goal>,
    form: CreateForm,
    errors: FieldErrors,
    crisis: Option<&'static [CrisisLine]>,
}

#[derive(Debug, Default, Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    why: String,
    #[serde(default)]
    cadence: String,
    #[serde(default)]
    target: String,
}

async fn list_view(
    state: &AppState,
    member: &PageMember,
    form: CreateForm,
    errors: FieldErrors,
    crisis: Option<&'static [CrisisLine]>,
    status: StatusCode,
) -> PageResult {
    let html = render(&GoalsPage {
        layout: member.layout("Goals"),
        goals: service::mine(state, &member.0).await?,
        form,
        errors,
        crisis,
    })?;
    Ok((status, html).into_response())
}

async fn goals_page(State(state): State<AppState>, member: PageMember) -> PageResult {
    list_view(
        &state,
        &member,
        CreateForm::default(),
        FieldErrors::new(),
        None,
        StatusCode::OK,
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<CreateForm>,
) -> PageResult {
    let target = match form.target.trim() {
        "" => Ok(None),
        t => t
            .parse::<i32>()
            .map(Some)
            .map_err(|_| FieldErrors::single_map("target", "must be a whole number")),
    };
    let result = match target {
        Ok(target) => {
            service::create(
                &state,
                &member.0,
                &form.title,
                Some(form.why.clone()),
                &form.cadence,
                target,
            )
            .await
        }
        Err(errors) => Err(AppError::Validation(errors)),
    };
    match result {
        Ok(goal) if goal.crisis_resources.is_some() => {
            list_view(
                &state,
                &member,
                CreateForm::default(),
                FieldErrors::new(),
                goal.crisis_resources,
                StatusCode::OK,
            )
            .await
        }
        Ok(goal) => Ok(Redirect::to(&format!("/goals/{}", goal.id)).into_response()),
        Err(AppError::Validation(errors)) => {
            list_view(
                &state,
                &member,
                form,
                errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "goals/detail.html")]
struct GoalPage {
    layout: Layout,
    detail: GoalDetail,
    errors: FieldErrors,
    saved: Option<&'static str>,
    crisis: Option<&'static [CrisisLine]>,
}

async fn detail_view(
    state: &AppState,
    member: &PageMember,
    id: GoalId,
    errors: FieldErrors,
    saved: Option<&'static str>,
    crisis: Option<&'static [CrisisLine]>,
) -> PageResult {
    let detail = service::get(state, &member.0, id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(&GoalPage {
        layout: member.layout(detail.goal.title.clone()),
        detail,
        errors,
        saved,
        crisis,
    })?;
    Ok((status, html).into_response())
}

async fn goal_page(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<GoalId>,
) -> PageResult {
    detail_view(&state, &member, id, FieldErrors::new(), None, None).await
}

#[derive(Debug, Deserialize)]
pub struct ProgressForm {
    #[serde(default)]
    note: String,
}

async fn progress(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<GoalId>,
    CsrfForm(form): CsrfForm<ProgressForm>,
) -> PageResult {
    match service::add_progress(&state, &member.0, id, Some(form.note)).await {
        Ok(added) => {
            detail_view(
                &state,
                &member,
                id,
                FieldErrors::new(),
                Some("Progress recorded. Well done."),
                added.crisis_resources,
            )
            .await
        }
        Err(AppError::Validation(errors)) => {
            detail_view(&state, &member, id, errors, None, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

async fn change(
    State(state): State<AppState>,
    member: PageMember,
    PagePath((id, action)): PagePath<(GoalId, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    let to = match action.as_str() {
        "complete" => "completed",
        "archive" => "archived",
        "restore" => "active",
        _ => return Err(AppError::NotFound.into()),
    };
    match service::change_state(&state, &member.0, id, to).await {
        Ok(_) | Err(AppError::Conflict(..)) => {
            Ok(Redirect::to(&format!("/goals/{id}")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "goals/member.html")]
struct MemberGoals {
    layout: Layout,
    handle: String,
    goals: Vec<Goal>,
}

async fn member_goals(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(handle): PagePath<String>,
) -> PageResult {
    let goals = service::shared(&state, &member.0, &handle).await?;
    let handle = goals.first().map(|g| g.handle.clone()).unwrap_or(handle);
    render(&MemberGoals {
        layout: member.layout(format!("{handle}'s goals")),
        handle,
        goals,
    })
}
