//! Clock pages: the list with the add form, and one clock's details.

use askama::Template;
use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect},
    routing::{get, post},
};
use chrono::NaiveDate;
use serde::Deserialize;

use super::{
    model::ClockId,
    service::{self, Clock, ClockDetail},
};
use crate::{
    accounts::PageMember,
    app::AppState,
    time::local_today,
    web::{
        csrf::CsrfForm,
        error::{AppError, FieldErrors},
        extract::PagePath,
        page::{Layout, PageResult, render},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/clocks", get(clocks_page).post(add_clock))
        .route("/clocks/{id}", get(clock_page))
        .route("/clocks/{id}/reset", post(reset_clock))
        .route("/clocks/{id}/rename", post(rename_clock))
        .route("/clocks/{id}/delete", post(delete_clock))
}

#[derive(Template)]
#[template(path = "clocks/list.html")]
struct ClocksPage {
    layout: Layout,
    clocks: Vec<Clock>,
    label: String,
    started_on: String,
    today: NaiveDate,
    errors: FieldErrors,
    saved: Option<&'static str>,
}

fn today(state: &AppState, member: &PageMember) -> NaiveDate {
    local_today(state.clock.now(), member.0.time_zone)
}

async fn clocks_page(State(state): State<AppState>, member: PageMember) -> PageResult {
    let clocks = service::list(&state, &member.0).await?;
    let today = today(&state, &member);
    render(&ClocksPage {
        layout: member.layout("Clocks"),
        clocks,
        label: String::new(),
        started_on: today.to_string(),
        today,
        errors: FieldErrors::new(),
        saved: None,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ClockForm {
    #[serde(default)]
    label: String,
    #[serde(default)]
    started_on: String,
}

async fn add_clock(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<ClockForm>,
) -> PageResult {
    match service::create(&state, &member.0, &form.label, &form.started_on).await {
        Ok(_) => Ok(Redirect::to("/").into_response()),
        Err(AppError::Validation(errors)) => {
            let clocks = service::list(&state, &member.0).await?;
            let html = render(&ClocksPage {
                layout: member.layout("Clocks"),
                clocks,
                label: form.label,
                started_on: form.started_on,
                today: today(&state, &member),
                errors,
                saved: None,
            })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Template)]
#[template(path = "clocks/detail.html")]
struct ClockPage {
    layout: Layout,
    detail: ClockDetail,
    today: NaiveDate,
    errors: FieldErrors,
}

async fn detail_view(
    state: &AppState,
    member: &PageMember,
    id: ClockId,
    errors: FieldErrors,
) -> PageResult {
    let detail = service::get(state, &member.0, id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(&ClockPage {
        layout: member.layout(detail.clock.label.clone()),
        detail,
        today: today(state, member),
        errors,
    })?;
    Ok((status, html).into_response())
}

async fn clock_page(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<ClockId>,
) -> PageResult {
    detail_view(&state, &member, id, FieldErrors::new()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    started_on: String,
}

async fn reset_clock(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<ClockId>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> PageResult {
    match service::reset(&state, &member.0, id, Some(&form.started_on)).await {
        Ok(_) => Ok(Redirect::to(&format!("/clocks/{id}")).into_response()),
        Err(AppError::Validation(errors)) => detail_view(&state, &member, id, errors).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    label: String,
}

async fn rename_clock(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<ClockId>,
    CsrfForm(form): CsrfForm<RenameForm>,
) -> PageResult {
    match service::relabel(&state, &member.0, id, &form.label).await {
        Ok(_) => Ok(Redirect::to(&format!("/clocks/{id}")).into_response()),
        Err(AppError::Validation(errors)) => detail_view(&state, &member, id, errors).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

async fn delete_clock(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<ClockId>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    service::delete(&state, &member.0, id).await?;
    Ok(Redirect::to("/clocks").into_response())
}
