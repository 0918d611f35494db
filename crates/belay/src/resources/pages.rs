//! `/resources` for everyone, and `/admin/resources` where admins curate it.

use askama::Template;
use axum::{
    Router,
    extract::State,
    response::{IntoResponse, Redirect},
    routing::{get, post},
};
use serde::Deserialize;
use uuid::Uuid;

use super::service::{self, Category, Resource, ResourceInput};
use crate::{
    accounts::{PageMember, Visitor},
    app::AppState,
    groups::pages::after,
    web::{
        csrf::CsrfForm,
        extract::PagePath,
        page::{Layout, PageResult, render},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/resources", get(index))
        .route("/admin/resources", get(admin).post(create))
        .route("/admin/resources/{id}", post(update))
        .route("/admin/resources/{id}/{action}", post(retire))
}

#[derive(Template)]
#[template(path = "resources/index.html")]
struct IndexPage {
    layout: Layout,
    sections: Vec<(Category, Vec<Resource>)>,
    admin: bool,
}

/// With the database down, the visitor can't be looked up: the page still
/// answers, from the copy in memory, as to anyone.
async fn index(
    State(state): State<AppState>,
    visitor: Result<Visitor, crate::web::page::PageError>,
) -> PageResult {
    let (layout, admin) = match &visitor {
        Ok(v) => (
            v.layout("Resources"),
            v.member
                .as_ref()
                .is_some_and(|m| m.role == crate::accounts::Role::Admin),
        ),
        Err(_) => (Layout::plain("Resources"), false),
    };
    render(&IndexPage {
        layout,
        sections: service::by_category(service::list(&state, false).await?),
        admin,
    })
}

#[derive(Template)]
#[template(path = "resources/admin.html")]
struct AdminPage {
    layout: Layout,
    resources: Vec<Resource>,
    categories: &'static [Category],
}

async fn admin(State(state): State<AppState>, member: PageMember) -> PageResult {
    let resources = service::all_for_admin(&state, &member.0).await?;
    render(&AdminPage {
        layout: member.layout("Curate resources"),
        resources,
        categories: Category::ALL,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ResourceForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    position: String,
}

impl ResourceForm {
    fn input(self) -> ResourceInput {
        ResourceInput {
            position: self.position.trim().parse().unwrap_or(-1),
            category: self.category,
            name: self.name,
            description: self.description,
            contact: self.contact,
            phone: self.phone,
            url: self.url,
            region: self.region,
        }
    }
}

async fn create(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<ResourceForm>,
) -> PageResult {
    let result = service::create(&state, &member.0, &form.input())
        .await
        .map(|_| ());
    after(
        member.layout("Curate resources"),
        "/admin/resources".into(),
        result,
    )
}

async fn update(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(id): PagePath<Uuid>,
    CsrfForm(form): CsrfForm<ResourceForm>,
) -> PageResult {
    let result = service::update(&state, &member.0, id, &form.input())
        .await
        .map(|_| ());
    after(
        member.layout("Curate resources"),
        "/admin/resources".into(),
        result,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct EmptyForm {}

async fn retire(
    State(state): State<AppState>,
    member: PageMember,
    PagePath((id, action)): PagePath<(Uuid, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    let retired = match action.as_str() {
        "retire" => true,
        "restore" => false,
        _ => return Ok(Redirect::to("/admin/resources").into_response()),
    };
    let result = service::set_retired(&state, &member.0, id, retired)
        .await
        .map(|_| ());
    after(
        member.layout("Curate resources"),
        "/admin/resources".into(),
        result,
    )
}
