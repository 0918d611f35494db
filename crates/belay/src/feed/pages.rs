//! Encouragement pages: what I received and sent, and a short form to send
//! a connection a note (optionally about their goal, milestone or streak).
//! The feed itself is on the home page.

use askama::Template;
use axum::{
    Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect},
    routing::get,
};
use serde::Deserialize;
use uuid::Uuid;

use super::service::{self, About, Encouragement};
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
        .route("/encouragement", get(inbox))
        .route("/encouragement/{handle}", get(compose).post(send))
}

#[derive(Template)]
#[template(path = "feed/encouragement.html")]
struct Inbox {
    layout: Layout,
    received: Vec<Encouragement>,
    sent: Vec<Encouragement>,
    flash: Option<&'static str>,
    crisis: Option<&'static [CrisisLine]>,
}

#[derive(Debug, Default, Deserialize)]
pub struct InboxQuery {
    sent: Option<String>,
}

async fn inbox(
    State(state): State<AppState>,
    member: PageMember,
    query: Result<Query<InboxQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let flash = query
        .ok()
        .and_then(|Query(q)| q.sent)
        .map(|_| "Sent. A few kind words can carry someone through a day.");
    render(&Inbox {
        layout: member.layout("Encouragement"),
        received: service::received(&state, &member.0).await?,
        sent: service::sent(&state, &member.0).await?,
        flash,
        crisis: None,
    })
}

#[derive(Template)]
#[template(path = "feed/compose.html")]
struct Compose {
    layout: Layout,
    to: String,
    about: String,
    about_id: String,
    body: String,
    errors: FieldErrors,
}

/// `?goal=ID`, `?milestone=CLOCK_ID` or `?streak=1`.
#[derive(Debug, Default, Deserialize)]
pub struct AboutQuery {
    goal: Option<Uuid>,
    milestone: Option<Uuid>,
    streak: Option<String>,
}

impl AboutQuery {
    fn parts(&self) -> (String, String) {
        match (self.goal, self.milestone, &self.streak) {
            (Some(g), _, _) => ("goal".into(), g.to_string()),
            (None, Some(c), _) => ("milestone".into(), c.to_string()),
            (None, None, Some(_)) => ("streak".into(), String::new()),
            _ => (String::new(), String::new()),
        }
    }
}

async fn compose(
    member: PageMember,
    PagePath(to): PagePath<String>,
    query: Result<Query<AboutQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let (about, about_id) = query.map(|Query(q)| q.parts()).unwrap_or_default();
    render(&Compose {
        layout: member.layout(format!("Encourage {to}")),
        to,
        about,
        about_id,
        body: String::new(),
        errors: FieldErrors::new(),
    })
}

#[derive(Debug, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    about: String,
    #[serde(default)]
    about_id: String,
}

async fn send(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(to): PagePath<String>,
    CsrfForm(form): CsrfForm<SendForm>,
) -> PageResult {
    let about = match form.about.as_str() {
        "" => None,
        kind => Some(About {
            kind: kind.to_owned(),
            id: Uuid::parse_str(form.about_id.trim()).ok(),
        }),
    };
    match service::encourage(&state, &member.0, &to, &form.body, about).await {
        Ok(sent) if sent.crisis_resources.is_some() => render(&Inbox {
            layout: member.layout("Encouragement"),
            received: service::received(&state, &member.0).await?,
            sent: service::sent(&state, &member.0).await?,
            flash: Some("Sent."),
            crisis: sent.crisis_resources,
        }),
        Ok(_) => Ok(Redirect::to("/encouragement?sent=1").into_response()),
        Err(AppError::Validation(errors)) => {
            let html = render(&Compose {
                layout: member.layout(format!("Encourage {to}")),
                to,
                about: form.about,
                about_id: form.about_id,
                body: form.body,
                errors,
            })?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
