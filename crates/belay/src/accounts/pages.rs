//! Sign-up, log-in, log-out and settings pages.

use askama::Template;
use axum::{
    Router,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    extract::{AuthMember, PageMember, SESSION_COOKIE, Visitor},
    service::{self, AccountUpdate, SignupInput},
    store::{self, TokenListRow},
};
use crate::{
    app::AppState,
    time::COMMON_ZONES,
    web::{
        csrf::CsrfForm,
        error::{AppError, FieldErrors},
        extract::{ClientIp, PagePath, cookie, cookie_name, set_cookie},
        page::{Layout, PageError, PageResult, render},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_form).post(signup))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/settings", get(settings_page))
        .route("/settings/account", post(save_account))
        .route("/settings/password", post(save_password))
        .route("/settings/tokens/{id}/revoke", post(revoke_token))
}

#[derive(Template)]
#[template(path = "accounts/signup.html")]
struct SignupPage {
    layout: Layout,
    next: String,
    handle: String,
    email: String,
    time_zone: String,
    errors: FieldErrors,
    zones: &'static [&'static str],
}

#[derive(Debug, Default, Deserialize)]
pub struct SignupForm {
    #[serde(default)]
    next: String,
    #[serde(default)]
    handle: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    time_zone: String,
}

/// Where to go after logging in: only a path on this site (an open
/// redirect would let a link send members anywhere).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && n.chars().all(|c| c.is_ascii_graphic()) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

async fn signup_form(visitor: Visitor, Query(q): Query<NextQuery>) -> PageResult {
    let next = safe_next(q.next.as_deref());
    if visitor.member.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    render(&SignupPage {
        layout: visitor.layout("Join"),
        next,
        handle: String::new(),
        email: String::new(),
        time_zone: String::new(),
        errors: FieldErrors::new(),
        zones: COMMON_ZONES,
    })
}

async fn signup(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<SignupForm>,
) -> PageResult {
    let input = SignupInput {
        handle: form.handle.clone(),
        password: form.password,
        email: Some(form.email.clone()),
        time_zone: Some(form.time_zone.clone()),
    };
    let next = safe_next(Some(&form.next));
    let errors = match service::sign_up(&state, input, ip).await {
        Ok(member) => return logged_in(&state, &headers, member.id, &next).await,
        Err(AppError::Validation(errors)) => errors,
        Err(AppError::Conflict(_, _)) => {
            let mut e = FieldErrors::new();
            e.add("handle", "is taken; please choose another");
            e
        }
        Err(other) => return Err(other.into()),
    };
    let page = SignupPage {
        layout: visitor.layout("Join"),
        next,
        handle: form.handle,
        email: form.email,
        time_zone: form.time_zone,
        errors,
        zones: COMMON_ZONES,
    };
    Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
}

/// Starts a session and sends the browser home with its cookie.
async fn logged_in(
    state: &AppState,
    headers: &HeaderMap,
    member: crate::accounts::MemberId,
    next: &str,
) -> PageResult {
    let https = state.config.base_url.https();
    let name = cookie_name(SESSION_COOKIE, https);
    let previous = cookie(headers, &name);
    let token = service::start_session(state, member, previous).await?;
    let max_age = state.config.session_absolute.as_secs();
    let value = set_cookie(&name, &token, "Lax", max_age, https);
    let mut response = Redirect::to(next).into_response();
    if let Ok(v) = HeaderValue::from_str(&value) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    layout: Layout,
    next: String,
    handle: String,
    message: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    next: String,
    #[serde(default)]
    handle: String,
    #[serde(default)]
    password: String,
}

async fn login_form(visitor: Visitor, Query(q): Query<NextQuery>) -> PageResult {
    let next = safe_next(q.next.as_deref());
    if visitor.member.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    render(&LoginPage {
        layout: visitor.layout("Log in"),
        next,
        handle: String::new(),
        message: None,
    })
}

async fn login(
    State(state): State<AppState>,
    visitor: Visitor,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> PageResult {
    let next = safe_next(Some(&form.next));
    match service::check_credentials(&state, &form.handle, form.password, ip).await {
        Ok(member) => logged_in(&state, &headers, member, &next).await,
        Err(err @ (AppError::InvalidCredentials | AppError::RateLimited { .. })) => {
            let page = LoginPage {
                layout: visitor.layout("Log in"),
                next,
                handle: form.handle,
                message: Some(err.to_string()),
            };
            let mut response = (err.status(), render(&page)?).into_response();
            if let AppError::RateLimited { retry_after_secs } = err {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, retry_after_secs.into());
            }
            Ok(response)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct EmptyForm {}

async fn logout(
    State(state): State<AppState>,
    PageMember(me): PageMember,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    service::end_session(&state, &me).await?;
    let https = state.config.base_url.https();
    let clear = set_cookie(&cookie_name(SESSION_COOKIE, https), "", "Lax", 0, https);
    let mut response = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&clear) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response.headers_mut().insert(
        "clear-site-data",
        HeaderValue::from_static("\"cache\", \"storage\""),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "accounts/settings.html")]
struct SettingsPage {
    layout: Layout,
    handle: String,
    email: String,
    time_zone: String,
    email_notices: bool,
    quiet_start: String,
    quiet_end: String,
    quiet_allows_reach_out: bool,
    tokens: Vec<TokenListRow>,
    errors: FieldErrors,
    saved: Option<&'static str>,
    zones: &'static [&'static str],
    /// Instance moderators and admins get links to their tools.
    moderates: bool,
    admin: bool,
}

async fn settings_view(
    state: &AppState,
    me: &AuthMember,
    page: &PageMember,
    errors: FieldErrors,
    saved: Option<&'static str>,
) -> PageResult {
    let row = store::member_by_id(&state.db, me.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let tokens = service::list_tokens(state, me).await?;
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render(&SettingsPage {
        layout: page.layout("Settings"),
        handle: row.handle,
        email: row.email.unwrap_or_default(),
        time_zone: row.time_zone,
        email_notices: row.email_notices,
        quiet_start: row.quiet_start.unwrap_or_default(),
        quiet_end: row.quiet_end.unwrap_or_default(),
        quiet_allows_reach_out: row.quiet_allows_reach_out,
        tokens,
        errors,
        saved,
        zones: COMMON_ZONES,
        moderates: matches!(me.role, super::Role::Moderator | super::Role::Admin),
        admin: me.role == super::Role::Admin,
    })?;
    Ok((status, html).into_response())
}

async fn settings_page(State(state): State<AppState>, page: PageMember) -> PageResult {
    let me = page.0.clone();
    settings_view(&state, &me, &page, FieldErrors::new(), None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    time_zone: String,
    email_notices: Option<String>,
    #[serde(default)]
    quiet_start: String,
    #[serde(default)]
    quiet_end: String,
    quiet_allows_reach_out: Option<String>,
}

async fn save_account(
    State(state): State<AppState>,
    page: PageMember,
    CsrfForm(form): CsrfForm<AccountForm>,
) -> PageResult {
    let me = page.0.clone();
    let quiet = match (form.quiet_start.trim(), form.quiet_end.trim()) {
        ("", "") => None,
        (s, e) => Some((s.to_owned(), e.to_owned())),
    };
    // A checkbox form always says the whole truth: absent means off.
    let update = AccountUpdate {
        email: Some(Some(form.email)),
        time_zone: Some(form.time_zone),
        email_notices: Some(form.email_notices.is_some()),
        quiet_hours: Some(quiet),
        quiet_allows_reach_out: Some(form.quiet_allows_reach_out.is_some()),
    };
    match service::update_account(&state, &me, update).await {
        Ok(_) => {
            settings_view(
                &state,
                &me,
                &page,
                FieldErrors::new(),
                Some("Your account is saved."),
            )
            .await
        }
        Err(AppError::Validation(errors)) => settings_view(&state, &me, &page, errors, None).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

async fn save_password(
    State(state): State<AppState>,
    page: PageMember,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> PageResult {
    let me = page.0.clone();
    match service::change_password(&state, &me, form.current_password, form.new_password).await {
        Ok(()) => {
            settings_view(
                &state,
                &me,
                &page,
                FieldErrors::new(),
                Some("Your password is changed."),
            )
            .await
        }
        Err(AppError::Validation(errors)) => settings_view(&state, &me, &page, errors, None).await,
        Err(other) => Err(other.into()),
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    page: PageMember,
    PagePath(id): PagePath<Uuid>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<Response, PageError> {
    let me = page.0.clone();
    service::revoke_token(&state, &me, id).await?;
    settings_view(
        &state,
        &me,
        &page,
        FieldErrors::new(),
        Some("The token is revoked."),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_on_this_site_are_followed_after_login() {
        assert_eq!(safe_next(Some("/invite/abc")), "/invite/abc");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/a b")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
