//! The discovery page: four kinds of people, each with why.

use askama::Template;
use axum::{
    Router,
    extract::{Query, State},
    routing::get,
};
use serde::Deserialize;

use super::{
    model::Kind,
    service::{self, Suggestion},
};
use crate::{
    accounts::PageMember,
    app::AppState,
    web::page::{Layout, PageResult, render},
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/discover", get(discover_page))
}

pub struct Tab {
    pub kind: &'static str,
    pub label: &'static str,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "discovery/index.html")]
struct DiscoverPage {
    layout: Layout,
    tabs: Vec<Tab>,
    kind: &'static str,
    relationship: &'static str,
    intro: &'static str,
    results: Vec<Suggestion>,
    next_page: Option<usize>,
    discoverable: bool,
}

#[derive(Debug, Deserialize)]
pub struct DiscoverQuery {
    kind: Option<String>,
    page: Option<usize>,
}

async fn discover_page(
    State(state): State<AppState>,
    member: PageMember,
    query: Result<Query<DiscoverQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let q = query.map(|Query(q)| q).unwrap_or(DiscoverQuery {
        kind: None,
        page: None,
    });
    let kind = service::kind_from(q.kind.as_deref()).unwrap_or(Kind::Peers);
    let page = q.page.unwrap_or(1).clamp(1, service::PAGES_MAX);
    let (results, more) = service::discover(&state, &member.0, kind, page).await?;
    let own = crate::profile::service::own(&state, member.0.id).await?;
    render(&DiscoverPage {
        layout: member.layout("Find people"),
        tabs: Kind::ALL
            .iter()
            .map(|k| Tab {
                kind: k.as_str(),
                label: k.label(),
                current: *k == kind,
            })
            .collect(),
        kind: kind.as_str(),
        relationship: match kind {
            Kind::Peers => "peer",
            Kind::Mentors => "mentor",
            Kind::Listeners => "listener",
            Kind::Professionals => "professional",
        },
        intro: match kind {
            Kind::Peers => "People going through the same thing, at a stage like yours.",
            Kind::Mentors => {
                "People with a year or more who offer to guide someone newer, and have room."
            }
            Kind::Listeners => {
                "Trained volunteers who listen without judgement. Those on duty now come first."
            }
            Kind::Professionals => {
                "Therapists, counsellors and peer-recovery specialists whose credentials an admin checked."
            }
        },
        results,
        next_page: more.then_some(page + 1),
        discoverable: own.discoverable,
    })
}
