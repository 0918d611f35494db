//! Account use-cases. Page and API handlers are thin shells over these.

use std::net::IpAddr;

use chrono_tz::Tz;
use uuid::Uuid;

use super::{
    extract::{AuthMember, AuthVia},
    model::{
        MemberId, PASSWORD_MAX, Role, check_email, check_handle, check_password, check_time_zone,
        normalize_email, normalize_handle,
    },
    store::{self, MemberRow, NewMember, TokenListRow},
    token::{hash_token, new_api_token, random_token},
};
use crate::{
    app::AppState,
    clocks, profile,
    web::error::{AppError, AppResult, FieldErrors},
};

pub struct SignupInput {
    pub handle: String,
    pub password: String,
    pub email: Option<String>,
    pub time_zone: Option<String>,
}

fn handle_taken() -> AppError {
    AppError::Conflict(
        "handle_taken",
        "That handle is taken. Please choose another.".into(),
    )
}

/// Sign-up from the web or the API: throttled per client address.
#[tracing::instrument(skip_all)]
pub async fn sign_up(state: &AppState, input: SignupInput, ip: IpAddr) -> AppResult<MemberRow> {
    state.limiters.signup(ip)?;
    create_member(state, input, Role::Member).await
}

/// Creates a member and their empty (all private) profile.
pub async fn create_member(
    state: &AppState,
    input: SignupInput,
    role: Role,
) -> AppResult<MemberRow> {
    let handle = normalize_handle(&input.handle);
    let mut errors = FieldErrors::new();
    check_handle(&handle, &mut errors);
    check_password(&input.password, &handle, "password", &mut errors);
    let email = normalize_email(input.email.as_deref());
    if let Some(email) = &email {
        check_email(email, &mut errors);
    }
    let tz = check_time_zone(input.time_zone.as_deref(), &mut errors);
    errors.into_result()?;

    // A cheap look first spares a hash for a taken handle; the unique index
    // is what decides.
    if store::member_by_handle(&state.db, &handle).await?.is_some() {
        return Err(handle_taken());
    }
    let password_hash = state.passwords.hash(input.password).await?;
    let now = state.clock.now();
    let id = MemberId::new();
    let mut tx = state.db.begin_write().await?;
    let new = NewMember {
        id,
        handle: &handle,
        password_hash: &password_hash,
        email: email.as_deref(),
        time_zone: tz.name(),
        role: role.as_str(),
        now,
    };
    match store::insert_member(&mut tx, &new).await {
        Err(e) if crate::db::is_unique_violation(&e) => return Err(handle_taken()),
        other => other?,
    }
    profile::store::insert_default(&mut tx, id, now).await?;
    tx.commit().await?;
    tracing::info!(member.id = %id, "member signed up");
    Ok(MemberRow {
        id,
        handle,
        email,
        time_zone: tz.name().to_owned(),
        language: "en".into(),
        role: role.as_str().into(),
        created_at: now,
        email_notices: false,
        quiet_start: None,
        quiet_end: None,
        quiet_allows_reach_out: true,
    })
}
/// Checks a handle and password. An unknown handle and a wrong password get
/// the same answer after the same work (one argon2 verification).
#[tracing::instrument(skip_all)]
pub async fn check_credentials(
    state: &AppState,
    handle: &str,
    password: String,
    ip: IpAddr,
) -> AppResult<MemberId> {
    let key = normalize_handle(handle);
    state.limiters.login(&key, ip)?;
    let found = if key.len() <= 64 {
        store::credentials(&state.db, &key).await?
    } else {
        None
    };
    if password.chars().count() > PASSWORD_MAX * 4 {
        return Err(AppError::InvalidCredentials);
    }
    let (id, hash) = match found {
        Some((id, hash)) => (Some(id), Some(hash)),
        None => (None, None),
    };
    match (state.passwords.verify(password, hash).await, id) {
        (true, Some(id)) => Ok(id),
        _ => {
            tracing::info!("login failed");
            Err(AppError::InvalidCredentials)
        }
    }
}

/// Starts a web session; returns the cookie value. A session cookie the
/// browser already had is ended first (no fixation).
pub async fn start_session(
    state: &AppState,
    member: MemberId,
    previous: Option<&str>,
) -> AppResult<String> {
    let token = random_token();
    let mut tx = state.db.begin_write().await?;
    if let Some(previous) = previous {
        store::delete_session(&mut tx, &hash_token(previous)).await?;
    }
    store::insert_session(
        &mut tx,
        &hash_token(&token),
        member,
        &random_token(),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    if previous.is_some() {
        // The browser's old session, if any, ended in that transaction.
        state.auth_cache.invalidate();
    }
    tracing::info!(member.id = %member, "session started");
    Ok(token)
}

pub async fn end_session(state: &AppState, member: &AuthMember) -> AppResult<()> {
    if let AuthVia::Session { id_hash } = &member.via {
        let mut tx = state.db.begin_write().await?;
        store::delete_session(&mut tx, id_hash).await?;
        tx.commit().await?;
        state.auth_cache.invalidate();
    }
    Ok(())
}

pub struct IssuedToken {
    pub id: Uuid,
    pub token: String,
    pub label: String,
}

/// Exchanges a handle and password for an API token.
pub async fn issue_token(
    state: &AppState,
    handle: &str,
    password: String,
    label: Option<String>,
    ip: IpAddr,
) -> AppResult<IssuedToken> {
    let label = label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty());
    let label = label.unwrap_or_else(|| "API token".to_owned());
    if label.chars().count() > 60 {
        return Err(FieldErrors::single(
            "label",
            "must be at most 60 characters",
        ));
    }
    let member = check_credentials(state, handle, password, ip).await?;
    let id = Uuid::new_v4();
    let token = new_api_token();
    let mut tx = state.db.begin_write().await?;
    store::insert_token(
        &mut tx,
        id,
        member,
        &hash_token(&token),
        &label,
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(member.id = %member, token.id = %id, "API token issued");
    Ok(IssuedToken { id, token, label })
}

pub async fn list_tokens(state: &AppState, member: &AuthMember) -> AppResult<Vec<TokenListRow>> {
    Ok(store::list_tokens(&state.db, member.id).await?)
}

pub async fn revoke_token(state: &AppState, member: &AuthMember, id: Uuid) -> AppResult<()> {
    let mut tx = state.db.begin_write().await?;
    let revoked = store::revoke_token(&mut tx, member.id, id, state.clock.now()).await?;
    tx.commit().await?;
    state.auth_cache.invalidate();
    if revoked {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// My account row and my whole profile, in one query.
pub async fn me_with_profile(
    state: &AppState,
    member: &AuthMember,
) -> AppResult<(MemberRow, profile::Profile)> {
    let row = store::member_with_profile(&state.db, member.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok((row.member, row.profile.into()))
}

/// Changes to the account's settings; `None` keeps a value.
#[derive(Debug, Default)]
pub struct AccountUpdate {
    /// `Some(None)` removes the address.
    pub email: Option<Option<String>>,
    pub time_zone: Option<String>,
    pub email_notices: Option<bool>,
    /// Quiet hours as `HH:MM` start and end; `Some(None)` removes them.
    pub quiet_hours: Option<Option<(String, String)>>,
    pub quiet_allows_reach_out: Option<bool>,
}

pub async fn update_account(
    state: &AppState,
    member: &AuthMember,
    update: AccountUpdate,
) -> AppResult<MemberRow> {
    let current = store::member_by_id(&state.db, member.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new();
    let email = match update.email {
        Some(new) => normalize_email(new.as_deref()),
        None => current.email.clone(),
    };
    if let Some(email) = &email {
        check_email(email, &mut errors);
    }
    let tz: Tz = match &update.time_zone {
        Some(raw) => check_time_zone(Some(raw), &mut errors),
        None => crate::time::parse_time_zone(&current.time_zone).unwrap_or(Tz::UTC),
    };
    let email_notices = update.email_notices.unwrap_or(current.email_notices);
    if email_notices && email.is_none() {
        errors.add("email_notices", "needs an email address to send to");
    }
    let quiet = match update.quiet_hours {
        Some(Some((start, end))) => {
            let ok = |t: &str| crate::notices::quiet::parse(t).is_some();
            if !ok(&start) || !ok(&end) {
                errors.add("quiet_hours", "must be two times like 22:00 and 07:00");
            }
            Some((start.trim().to_owned(), end.trim().to_owned()))
        }
        Some(None) => None,
        None => current.quiet_start.clone().zip(current.quiet_end.clone()),
    };
    let allows = update
        .quiet_allows_reach_out
        .unwrap_or(current.quiet_allows_reach_out);
    errors.into_result()?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    store::set_email_and_zone(&mut tx, member.id, email.as_deref(), tz.name(), now).await?;
    let quiet_ref = quiet.as_ref().map(|(s, e)| (s.as_str(), e.as_str()));
    store::set_notice_settings(&mut tx, member.id, email_notices, quiet_ref, allows, now).await?;
    if tz.name() != current.time_zone {
        // Milestone notices are due at local midnight, which just moved.
        clocks::service::reschedule_milestones(&mut tx, member.id, tz, now).await?;
        crate::discovery::service::refresh(&mut tx, member.id, now).await?;
    }
    tx.commit().await?;
    state.auth_cache.invalidate();
    state.jobs.wake();
    let (quiet_start, quiet_end) = quiet.unzip();
    Ok(MemberRow {
        email,
        time_zone: tz.name().to_owned(),
        email_notices,
        quiet_start,
        quiet_end,
        quiet_allows_reach_out: allows,
        ..current
    })
}

/// Changes the password (the current one is required) and ends every other
/// session of the member.
pub async fn change_password(
    state: &AppState,
    member: &AuthMember,
    current: String,
    new: String,
) -> AppResult<()> {
    let mut errors = FieldErrors::new();
    check_password(&new, &member.handle, "new_password", &mut errors);
    errors.into_result()?;
    let stored = store::password_hash(&state.db, member.id).await?;
    if !state.passwords.verify(current, stored).await {
        return Err(FieldErrors::single(
            "current_password",
            "is not your current password",
        ));
    }
    let hash = state.passwords.hash(new).await?;
    let keep = match &member.via {
        AuthVia::Session { id_hash } => id_hash.clone(),
        AuthVia::Token { .. } => Vec::new(),
    };
    let mut tx = state.db.begin_write().await?;
    store::set_password_hash(&mut tx, member.id, &hash, state.clock.now()).await?;
    store::delete_other_sessions(&mut tx, member.id, &keep).await?;
    tx.commit().await?;
    state.auth_cache.invalidate();
    tracing::info!(member.id = %member.id, "password changed");
    Ok(())
}

/// Grants a role (CLI: `belay admin set-role`).
pub async fn set_role(state: &AppState, handle: &str, role: Role) -> AppResult<()> {
    let mut tx = state.db.begin_write().await?;
    let found = store::set_role(
        &mut tx,
        &normalize_handle(handle),
        role.as_str(),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    state.auth_cache.invalidate();
    if found {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
