//! What every HTML page shares: the layout's data, rendering, and
//! `PageError`, which shows a failure as a calm page instead of JSON.

use askama::Template;
use axum::{
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};

use super::{assets, error::AppError};

/// Data the base layout needs on every page.
#[derive(Clone, Debug)]
pub struct Layout {
    pub title: String,
    /// The logged-in member's handle; `None` shows the logged-out header.
    pub member: Option<String>,
    /// Token for the forms on the page (logout included).
    pub csrf: String,
    pub css: &'static str,
    pub js: &'static str,
}

impl Layout {
    pub fn new(title: impl Into<String>, member: Option<String>, csrf: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            member,
            csrf: csrf.into(),
            css: assets::css_url(),
            js: assets::js_url(),
        }
    }

    /// For pages that must not touch the database (errors, crisis lines).
    pub fn plain(title: impl Into<String>) -> Self {
        Self::new(title, None, String::new())
    }
}

/// Renders a template as an HTML response.
pub fn render(template: &impl Template) -> Result<Response, PageError> {
    template
        .render()
        .map(|html| Html(html).into_response())
        .map_err(|e| AppError::internal(e).into())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    message: String,
    lines: &'static [crate::safety::CrisisLine],
}

/// An error on an HTML route: a redirect to the login page when logged out,
/// otherwise a page that says what happened and always offers help.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(err: AppError) -> Self {
        Self(err)
    }
}

impl From<sqlx::Error> for PageError {
    fn from(err: sqlx::Error) -> Self {
        Self(err.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let err = self.0;
        if matches!(err, AppError::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        err.log_if_internal();
        let status = err.status();
        let page = ErrorPage {
            layout: Layout::plain(match status {
                StatusCode::NOT_FOUND => "Not found",
                StatusCode::TOO_MANY_REQUESTS => "Please wait a moment",
                _ if matches!(err, AppError::Busy) => "Please try again",
                _ => "Something went wrong",
            }),
            message: err.to_string(),
            lines: crate::safety::crisis_lines(),
        };
        let mut response = match page.render() {
            Ok(html) => (status, Html(html)).into_response(),
            Err(_) => (status, err.to_string()).into_response(),
        };
        err.mark(&mut response);
        response
    }
}

pub type PageResult = Result<Response, PageError>;
