//! The notice centre page.

use askama::Template;
use axum::{
    Router,
    extract::State,
    response::{IntoResponse, Redirect},
    routing::{get, post},
};
use serde::Deserialize;

use super::{Notice, store};
use crate::{
    accounts::PageMember,
    app::AppState,
    conversations::service::announce_counts,
    web::{
        csrf::CsrfForm,
        page::{Layout, PageResult, render},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notices", get(notices_page))
        .route("/notices/read", post(read_all))
}

#[derive(Template)]
#[template(path = "notices/list.html")]
struct NoticesPage {
    layout: Layout,
    notices: Vec<Notice>,
    unread: usize,
}

async fn notices_page(State(state): State<AppState>, member: PageMember) -> PageResult {
    let notices: Vec<Notice> = store::recent(&state.db, member.0.id, 100)
        .await?
        .into_iter()
        .map(Notice::from)
        .collect();
    let unread = notices.iter().filter(|n| !n.read).count();
    render(&NoticesPage {
        layout: member.layout("Notices"),
        notices,
        unread,
    })
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

async fn read_all(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    let mut tx = state.db.begin_write().await?;
    store::mark_all_read(&mut tx, member.0.id, state.clock.now()).await?;
    tx.commit().await?;
    announce_counts(&state, &member.0).await?;
    Ok(Redirect::to("/notices").into_response())
}
