//! Crisis safety: the crisis lines and the `/help` page.
//!
//! `/help` renders from data compiled into the binary and never touches the
//! database, so it answers even when the database is down. Every page links
//! to it from the header ("Get help now") and the footer. Copy follows
//! safe-messaging practice: hopeful, direct, no method detail.

pub mod screen;

use axum::{Router, extract::State, response::Response, routing::get};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    app::AppState,
    web::page::{Layout, PageError, render},
};

/// One way to reach a person now.
#[derive(Clone, Copy, Debug, Serialize, ToSchema)]
pub struct CrisisLine {
    pub name: &'static str,
    /// How to reach it, in a few words.
    pub how: &'static str,
    /// A `tel:` or `sms:` link, when one works from a phone.
    pub href: Option<&'static str>,
    pub what: &'static str,
}

/// The default lines (United States), compiled in.
pub const DEFAULT_CRISIS_LINES: &[CrisisLine] = &[
    CrisisLine {
        name: "988 Suicide and Crisis Lifeline",
        how: "Call or text 988",
        href: Some("tel:988"),
        what: "Free, confidential support for anyone in distress, day and night. Chat at 988lifeline.org.",
    },
    CrisisLine {
        name: "Crisis Text Line",
        how: "Text HOME to 741741",
        href: Some("sms:741741?body=HOME"),
        what: "A trained crisis counselor texts with you, any time.",
    },
    CrisisLine {
        name: "SAMHSA National Helpline",
        how: "Call 1-800-662-4357",
        href: Some("tel:18006624357"),
        what: "Free, confidential treatment referral and information about substance use and mental health, 24 hours a day, in English and Spanish.",
    },
    CrisisLine {
        name: "Emergency services",
        how: "Call 911",
        href: Some("tel:911"),
        what: "If you or someone else is in immediate danger.",
    },
];

pub fn crisis_lines() -> &'static [CrisisLine] {
    DEFAULT_CRISIS_LINES
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/help", get(help_page))
}

/// A crisis line as the page shows it: the operator's, or the defaults.
struct HelpLine {
    name: String,
    how: String,
    href: Option<String>,
    what: String,
}

impl From<&CrisisLine> for HelpLine {
    fn from(l: &CrisisLine) -> Self {
        Self {
            name: l.name.to_owned(),
            how: l.how.to_owned(),
            href: l.href.map(str::to_owned),
            what: l.what.to_owned(),
        }
    }
}

impl From<crate::resources::service::Resource> for HelpLine {
    fn from(r: crate::resources::service::Resource) -> Self {
        let href = if !r.phone.is_empty() {
            Some(format!("tel:{}", r.phone))
        } else if r.url.starts_with("https://") || r.url.starts_with('/') {
            Some(r.url)
        } else {
            None
        };
        Self {
            how: if r.contact.is_empty() {
                r.name.clone()
            } else {
                r.contact
            },
            name: r.name,
            href,
            what: r.description,
        }
    }
}

#[derive(askama::Template)]
#[template(path = "safety/help.html")]
struct HelpPage {
    layout: Layout,
    lines: Vec<HelpLine>,
}

/// No extractor that reads the database: this page must always answer. It
/// shows the operator's crisis lines from the copy kept in memory, or the
/// lines compiled into the binary.
async fn help_page(State(state): State<AppState>) -> Result<Response, PageError> {
    let operator = state.resources.crisis_lines();
    let lines: Vec<HelpLine> = if operator.is_empty() {
        crisis_lines().iter().map(HelpLine::from).collect()
    } else {
        operator.into_iter().map(HelpLine::from).collect()
    };
    render(&HelpPage {
        layout: Layout::plain("Get help now"),
        lines,
    })
}
