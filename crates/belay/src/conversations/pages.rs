//! Conversation pages: my conversations, and one conversation with a form.
//! Without JavaScript a reload shows new messages; with it they appear live.

use askama::Template;
use axum::{
    Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect},
    routing::get,
};
use serde::Deserialize;

use super::service::{self, ConversationSummary, Message};
use crate::{
    accounts::PageMember,
    app::AppState,
    web::{
        csrf::CsrfForm,
        error::{AppError, FieldErrors},
        extract::PagePath,
        page::{Layout, PageResult, render},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/conversations", get(list_page))
        .route("/conversations/{handle}", get(thread_page).post(send))
}

#[derive(Template)]
#[template(path = "conversations/list.html")]
struct ListPage {
    layout: Layout,
    conversations: Vec<ConversationSummary>,
}

async fn list_page(State(state): State<AppState>, member: PageMember) -> PageResult {
    let conversations = service::list(&state, &member.0).await?;
    render(&ListPage {
        layout: member.layout("Messages"),
        conversations,
    })
}

#[derive(Template)]
#[template(path = "conversations/thread.html")]
struct ThreadPage {
    layout: Layout,
    handle: String,
    /// Oldest first, as a conversation reads.
    messages: Vec<Message>,
    draft: String,
    errors: FieldErrors,
    /// The crisis lines, after I sent words that sound like a crisis.
    crisis: Option<&'static [crate::safety::CrisisLine]>,
}

async fn thread_view(
    state: &AppState,
    member: &PageMember,
    handle: &str,
    draft: String,
    errors: FieldErrors,
    crisis: Option<&'static [crate::safety::CrisisLine]>,
) -> PageResult {
    let page = service::read(state, &member.0, handle, None, 50).await?;
    let handle = crate::accounts::normalize_handle(handle);
    let mut messages = page.messages;
    messages.reverse();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(&ThreadPage {
        layout: member.layout(format!("Messages with {handle}")),
        handle,
        messages,
        draft,
        errors,
        crisis,
    })?;
    Ok((status, html).into_response())
}

async fn thread_page(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(handle): PagePath<String>,
) -> PageResult {
    thread_view(
        &state,
        &member,
        &handle,
        String::new(),
        FieldErrors::new(),
        None,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    body: String,
}

async fn send(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(handle): PagePath<String>,
    CsrfForm(form): CsrfForm<SendForm>,
) -> PageResult {
    match service::send(&state, &member.0, &handle, &form.body).await {
        // Words that sound like a crisis: the thread comes back with the
        // crisis lines on top, for the author only.
        Ok(sent) if sent.crisis_resources.is_some() => {
            let crisis = sent.crisis_resources;
            thread_view(
                &state,
                &member,
                &handle,
                String::new(),
                FieldErrors::new(),
                crisis,
            )
            .await
        }
        Ok(_) => Ok(Redirect::to(&format!(
            "/conversations/{}#latest",
            crate::accounts::normalize_handle(&handle)
        ))
        .into_response()),
        Err(AppError::Validation(errors)) => {
            thread_view(&state, &member, &handle, form.body, errors, None).await
        }
        Err(other) => Err(other.into()),
    }
}
