//! The start page: a welcome for visitors; for members, their clocks and
//! latest notices. It composes features and owns no data.

use askama::Template;
use axum::{Router, extract::State, routing::get};

use crate::{
    accounts::Visitor,
    app::AppState,
    clocks::{self, Clock},
    notices::{self, Notice},
    web::page::{Layout, PageResult, render},
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home_page))
}

#[derive(Template)]
#[template(path = "home/landing.html")]
struct LandingPage {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    layout: Layout,
    handle: String,
    clocks: Vec<Clock>,
    notices: Vec<Notice>,
}

async fn home_page(State(state): State<AppState>, visitor: Visitor) -> PageResult {
    let Some(member) = &visitor.member else {
        return render(&LandingPage {
            layout: visitor.layout("Welcome"),
        });
    };
    let clocks = clocks::service::list(&state, member).await?;
    let notices = notices::recent(&state.db, member.id, 3)
        .await?
        .into_iter()
        .map(Notice::from)
        .filter(|n| !n.read && state.clock.now() - n.created_at < chrono::Duration::days(2))
        .collect();
    render(&HomePage {
        layout: visitor.layout("Home"),
        handle: member.handle.clone(),
        clocks,
        notices,
    })
}
