//! Practical-help pages: ask (whole circle or chosen people), what I asked
//! and was asked, and a request with its offers.

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

use super::{
    service::{self, Ask, HelpRequest, Lists},
    store,
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
        .route("/help-requests", get(index).post(ask))
        .route("/help-requests/{id}", get(detail))
        .route("/help-requests/{id}/offers", post(offer))
        .route("/help-requests/{id}/offers/{offer}/accept", post(accept))
        .route("/help-requests/{id}/cancel", post(cancel))
}

#[derive(Template)]
#[template(path = "help/index.html")]
struct IndexPage {
    layout: Layout,
    lists: Lists,
    circle: Vec<String>,
    form: AskForm,
    errors: FieldErrors,
}

#[derive(Debug, Default, Deserialize)]
pub struct AskForm {
    #[serde(default)]
    what: String,
    #[serde(default)]
    when: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    to: Vec<String>,
}

async fn index_view(
    state: &AppState,
    member: &PageMember,
    form: AskForm,
    errors: FieldErrors,
) -> PageResult {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(&IndexPage {
        layout: member.layout("Ask for a hand"),
        lists: service::lists(state, &member.0).await?,
        circle: store::circle_handles(&state.db, member.0.id).await?,
        form,
        errors,
    })?;
    Ok((status, html).into_response())
}

async fn index(State(state): State<AppState>, member: PageMember) -> PageResult {
    index_view(&state, &member, AskForm::default(), FieldErrors::new()).await
}

async fn ask(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<AskForm>,
) -> PageResult {
    let a = Ask {
        what: &form.what,
        when: Some(form.when.as_str()),
        place: Some(form.place.as_str()),
        to: form.to.clone(),
    };
    match service::ask(&state, &member.0, a).await {
        Ok(r) if r.crisis_resources.is_some() => detail_view(&member, r, None),
        Ok(r) => Ok(Redirect::to(&format!("/help-requests/{}", r.id)).into_response()),
        Err(AppError::Validation(errors)) => index_view(&state, &member, form, errors).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "help/detail.html")]
struct DetailPage {
    layout: Layout,
    request: HelpRequest,
    crisis: Option<&'static [CrisisLine]>,
    problem: Option<String>,
}

fn detail_view(member: &PageMember, request: HelpRequest, problem: Option<String>) -> PageResult {
    let crisis = request.crisis_resources;
    render(&DetailPage {
        layout: member.layout("A request for a hand"),
        request,
        crisis,
        problem,
    })
}

async fn detail(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<Uuid>,
) -> PageResult {
    let request = service::get(&state, &member.0, id).await?;
    detail_view(&member, request, None)
}

#[derive(Debug, Deserialize)]
pub struct OfferForm {
    #[serde(default)]
    note: String,
}

/// After an action: back to the request, or the request with the reason
/// it could not be done.
async fn after(
    state: &AppState,
    member: &PageMember,
    id: Uuid,
    result: Result<HelpRequest, AppError>,
) -> PageResult {
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/help-requests/{id}")).into_response()),
        Err(AppError::Conflict(_, message)) => {
            let request = service::get(state, &member.0, id).await?;
            detail_view(member, request, Some(message))
        }
        Err(AppError::Validation(errors)) => {
            let request = service::get(state, &member.0, id).await?;
            let message = errors
                .first("note")
                .map(|e| format!("The note {e}."))
                .unwrap_or_default();
            detail_view(member, request, Some(message))
        }
        Err(e) => Err(e.into()),
    }
}

async fn offer(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<Uuid>,
    CsrfForm(form): CsrfForm<OfferForm>,
) -> PageResult {
    let result = service::offer(&state, &member.0, id, Some(form.note)).await;
    after(&state, &member, id, result).await
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

async fn accept(
    State(state): State<AppState>,
    member: PageMember,
    PagePath((id, offer)): PagePath<(Uuid, Uuid)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    let result = service::accept(&state, &member.0, id, offer).await;
    after(&state, &member, id, result).await
}

async fn cancel(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<Uuid>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    let result = service::cancel(&state, &member.0, id).await;
    after(&state, &member, id, result).await
}
