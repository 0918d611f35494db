//! Instance moderation: any member reports a member or something they can
//! see; the instance's moderators and admins work one queue (someone at
//! risk first, then the oldest) that also holds what group moderators pass
//! up; every action is logged with who, when, what and why, and the member
//! concerned is told, with the reason.
//!
//! A suspended or banned member can still log in, read the resources, see
//! their own data, export it and delete their account; they cannot post,
//! message, or reach out to anyone but the crisis lines
//! ([`require_active`], called by every service that lets a member reach
//! someone else).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    model::{Action, Category, Kind, REASON_MAX, REPORTABLE, SUSPEND_DAYS_MAX},
    store::{self, ActionRow, NewAction, NewReport, ReportRow},
};
use crate::{
    accounts::{AuthMember, MemberId, Role, normalize_handle},
    app::AppState,
    db::Tx,
    events::Recorded,
    groups,
    notices::{self, NewNotice},
    safety::{CrisisLine, screen},
    web::error::{AppError, AppResult, FieldErrors},
};

/// How many open reports the queue shows at once.
const QUEUE_PAGE: i64 = 50;
/// How many earlier actions a report shows about its member.
const HISTORY_MAX: usize = 20;
/// A member's "check on me" is raised at most once a day.
const CHECK_EVERY_HOURS: i64 = 24;

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// `member`, `message`, `group_post` or `help_request`.
    pub kind: String,
    /// The message, post or request (not for `member`).
    #[serde(default)]
    pub id: Option<Uuid>,
    /// The member (for `member`).
    #[serde(default)]
    pub handle: Option<String>,
    /// `at_risk`, `harassment`, `hate`, `sexual`, `privacy`, `spam` or `other`.
    pub category: String,
    /// 1-1,000 characters: what happened.
    #[serde(default)]
    pub reason: String,
}

/// What the reporter gets back.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Filed {
    pub id: Uuid,
    pub state: &'static str,
    /// Crisis lines, when the report says someone may be at risk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crisis_resources: Option<&'static [CrisisLine]>,
}

/// A report as the instance's moderators see it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Report {
    pub id: Uuid,
    pub kind: String,
    pub category: String,
    /// 3 someone may be at risk, 2 harm to others, 1 other, 0 spam.
    pub risk: i64,
    /// `member`, `group` (passed up by a group's moderators) or `opt_in`.
    pub source: String,
    /// Who reported it; none for a check-on-me or a reporter who left.
    pub reporter: Option<String>,
    pub reason: String,
    /// The group moderator's note, when they passed it up.
    pub note: String,
    /// The member concerned.
    pub member: String,
    /// `active`, `suspended` or `banned`.
    pub member_standing: String,
    pub content_id: Option<Uuid>,
    /// The reported text as written; none when it no longer exists.
    pub content: Option<String>,
    pub content_hidden: Option<bool>,
    pub group: Option<String>,
    pub thread: Option<Uuid>,
    /// Every report ever made about this member, this one included.
    pub reports_about_member: i64,
    /// `open`, `dismissed` or `actioned`.
    pub state: String,
    pub created_at: DateTime<Utc>,
    /// The actions already taken about this member, newest first.
    pub history: Vec<LogLine>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LogLine {
    pub id: Uuid,
    /// Who acted; none once they deleted their account.
    pub by: Option<String>,
    pub member: String,
    pub report: Option<Uuid>,
    pub action: String,
    pub reason: String,
    pub until: Option<DateTime<Utc>>,
    pub at: DateTime<Utc>,
}

impl From<ActionRow> for LogLine {
    fn from(a: ActionRow) -> Self {
        Self {
            id: a.id,
            by: a.actor,
            member: a.subject,
            report: a.report_id,
            action: a.action,
            reason: a.reason,
            until: a.until,
            at: a.created_at,
        }
    }
}

/// Where a member stands.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Standing {
    /// `active`, `suspended` or `banned`.
    pub state: &'static str,
    pub suspended_until: Option<DateTime<Utc>>,
    /// The member's choice: moderators are asked to check on them when
    /// something they write suggests they are struggling.
    pub moderators_may_check: bool,
}

fn standing_of(
    suspended_until: Option<DateTime<Utc>>,
    banned_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> &'static str {
    if banned_at.is_some() {
        "banned"
    } else if suspended_until.is_some_and(|u| u > now) {
        "suspended"
    } else {
        "active"
    }
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActInput {
    /// `dismiss`, `hide`, `warn`, `suspend`, `ban`, `lift` or `checked`.
    pub action: String,
    /// Why: told to the member (required except to dismiss, lift or mark checked).
    #[serde(default)]
    pub reason: String,
    /// For `suspend`: 1-365 days.
    #[serde(default)]
    pub days: Option<i64>,
}

fn require_moderator(me: &AuthMember) -> AppResult<()> {
    if matches!(me.role, Role::Admin | Role::Moderator) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "instance_moderators_only",
            "Only the instance's moderators and admins can do this.".into(),
        ))
    }
}

fn text(raw: &str, field: &str, required: bool, e: &mut FieldErrors) -> String {
    groups::model::text(raw, field, REASON_MAX, required, e)
}

/// Refuses a member who is suspended or banned: they may read, export and
/// leave, not reach others. The message says what they can still do.
pub fn require_active(state: &AppState, me: &AuthMember) -> AppResult<()> {
    // Read with the member's session or token on this request (on
    // PostgreSQL from the database each time; on SQLite through the auth
    // cache, which every moderation action clears after its commit).
    check_active(me.suspended_until, me.banned_at, state.clock.now())
}

fn check_active(
    suspended_until: Option<DateTime<Utc>>,
    banned_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    const STILL: &str = "You can still read the resources, see and export your data, \
        and the crisis lines on the help page are there for you any time.";
    match standing_of(suspended_until, banned_at, now) {
        "banned" => Err(AppError::Forbidden(
            "banned",
            format!("Your account can no longer post, message or reach out to members. {STILL}"),
        )),
        "suspended" => Err(AppError::Forbidden(
            "suspended",
            format!(
                "Your account is paused until {} UTC: you can't post, message or reach out to \
                 members until then. {STILL}",
                suspended_until.unwrap_or(now).format("%-d %B %Y, %H:%M")
            ),
        )),
        _ => Ok(()),
    }
}

pub async fn standing(state: &AppState, me: &AuthMember) -> AppResult<Standing> {
    let row = store::standing(&state.db, me.id)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let now = state.clock.now();
    Ok(Standing {
        state: standing_of(row.suspended_until, row.banned_at, now),
        suspended_until: row.suspended_until.filter(|u| *u > now),
        moderators_may_check: row.moderators_may_check,
    })
}

pub async fn set_check_on_me(state: &AppState, me: &AuthMember, on: bool) -> AppResult<Standing> {
    store::set_may_check(&state.db, me.id, on).await?;
    standing(state, me).await
}

/// Files a report. The reporter must be able to see what they report: a
/// message sent to them, a post in a group they are in, a request for help
/// they were asked, or a member. Moderators are told (once an hour at most).
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn report(state: &AppState, me: &AuthMember, input: &ReportInput) -> AppResult<Filed> {
    let mut e = FieldErrors::new();
    let kind = groups::model::choice(
        &input.kind,
        "kind",
        |k| Kind::parse(k).filter(|k| REPORTABLE.contains(k)),
        REPORTABLE,
        Kind::key,
        &mut e,
    );
    let category = groups::model::choice(
        &input.category,
        "category",
        Category::parse,
        Category::ALL,
        Category::key,
        &mut e,
    );
    let reason = text(&input.reason, "reason", true, &mut e);
    match kind {
        Some(Kind::Member) if input.handle.as_deref().is_none_or(|h| h.trim().is_empty()) => {
            e.add("handle", "is required to report a member");
        }
        Some(Kind::Member) if input.id.is_some() => e.add("id", "is not used to report a member"),
        Some(k) if k != Kind::Member && input.id.is_none() => e.add("id", "is required"),
        _ => {}
    }
    e.into_result()?;
    let (Some(kind), Some(category)) = (kind, category) else {
        return Err(AppError::NotFound);
    };
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let (subject, content) = match kind {
        Kind::Member => {
            let key = normalize_handle(input.handle.as_deref().unwrap_or_default());
            let (id, _) = store::member_by_handle(&mut tx, &key)
                .await?
                .ok_or(AppError::NotFound)?;
            (id, None)
        }
        Kind::Message => {
            let id = input.id.unwrap_or_default();
            let sender = store::message_sender(&mut tx, id, me.id)
                .await?
                .ok_or(AppError::NotFound)?;
            (sender, Some(id))
        }
        Kind::GroupPost => {
            let id = input.id.unwrap_or_default();
            let (_, slug, author) = store::post_place(&mut tx, id)
                .await?
                .ok_or(AppError::NotFound)?;
            let access = groups::store::access_in_tx(&mut tx, &slug, Some(me.id))
                .await?
                .map(groups::Access::from_row)
                .ok_or(AppError::NotFound)?;
            if !access.is_member() {
                return Err(AppError::NotFound);
            }
            // A post whose author has left has nobody to act on.
            (author.ok_or(AppError::NotFound)?, Some(id))
        }
        Kind::HelpRequest => {
            let id = input.id.unwrap_or_default();
            let row = crate::help::store::visible_in_tx(&mut tx, id, me.id)
                .await?
                .ok_or(AppError::NotFound)?;
            (row.member_id, Some(id))
        }
        Kind::CheckOnMe => return Err(AppError::NotFound),
    };
    if subject == me.id {
        return Err(FieldErrors::single("handle", "you can't report yourself"));
    }
    if store::open_duplicate(&mut tx, me.id, subject, kind.key(), content).await? {
        return Err(AppError::Conflict(
            "already_reported",
            "You reported this already; the moderators have it.".into(),
        ));
    }
    let screened = screen::screen(&reason).is_high();
    let risk = if screened {
        Category::AtRisk.risk()
    } else {
        category.risk()
    };
    let id = Uuid::now_v7();
    store::insert_report(
        &mut tx,
        &NewReport {
            id,
            reporter: Some(me.id),
            subject,
            kind: kind.key(),
            content,
            category: category.key(),
            reason: &reason,
            risk,
            source: "member",
        },
        now,
    )
    .await?;
    let announce = tell_moderators(&mut tx, subject, now).await?;
    tx.commit().await?;
    state.events.announce_all(&announce);
    state.jobs.wake();
    Ok(Filed {
        id,
        state: "open",
        crisis_resources: (category == Category::AtRisk || screened)
            .then(crate::safety::crisis_lines),
    })
}

/// One notice per moderator per hour, however many reports arrive.
async fn tell_moderators(
    tx: &mut Tx,
    subject: MemberId,
    now: DateTime<Utc>,
) -> AppResult<Vec<Recorded>> {
    let hour = now.timestamp() / 3600;
    let mods = store::moderators(tx, subject).await?;
    let keys: Vec<String> = mods.iter().map(|m| format!("report:{hour}:{m}")).collect();
    let list: Vec<NewNotice<'_>> = mods
        .iter()
        .zip(&keys)
        .map(|(m, k)| NewNotice {
            member: *m,
            kind: "report",
            payload: serde_json::json!({}),
            dedupe_key: k,
            about: None,
        })
        .collect();
    Ok(notices::notify_many(tx, &list, now).await?)
}

/// When something a member wrote screens high and they chose "let
/// moderators check on me": a check in the queue, at most once a day. The
/// moderators never see what was written, only that they asked.
pub async fn check_on_me(state: &AppState, me: &AuthMember, written: &str) -> AppResult<()> {
    if !screen::screen(written).is_high() {
        return Ok(());
    }
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let Some(row) = store::standing_in_tx(&mut tx, me.id).await? else {
        return Ok(());
    };
    if !row.moderators_may_check
        || store::recent_check(&mut tx, me.id, now - Duration::hours(CHECK_EVERY_HOURS)).await?
    {
        return Ok(());
    }
    store::insert_report(
        &mut tx,
        &NewReport {
            id: Uuid::now_v7(),
            reporter: None,
            subject: me.id,
            kind: Kind::CheckOnMe.key(),
            content: None,
            category: Category::AtRisk.key(),
            reason: "Something they wrote suggests they may be struggling, and they asked \
                the moderators to check on them.",
            risk: Category::AtRisk.risk(),
            source: "opt_in",
        },
        now,
    )
    .await?;
    let announce = tell_moderators(&mut tx, me.id, now).await?;
    tx.commit().await?;
    state.events.announce_all(&announce);
    state.jobs.wake();
    Ok(())
}

/// [`check_on_me`] after a write has landed: a failure here is logged,
/// never turned into a failure of what the member wrote.
pub async fn check_on_me_after(state: &AppState, me: &AuthMember, written: &str) {
    if let Err(err) = check_on_me(state, me, written).await {
        err.log_if_internal();
        tracing::warn!("could not raise a check-on-me");
    }
}

/// Ends the suspensions that have run out: the member is discoverable again
/// if they chose to be (housekeeping; the limits themselves end on time
/// without it, as [`require_active`] compares with the clock).
pub async fn lapse_suspensions(state: &AppState) -> AppResult<usize> {
    let now = state.clock.now();
    let mut ended = 0;
    for member in store::lapsed(&state.db, now).await? {
        let mut tx = state.db.begin_write().await?;
        if store::clear_lapsed(&mut tx, member, now).await? {
            crate::discovery::service::refresh(&mut tx, member, now).await?;
            ended += 1;
        }
        tx.commit().await?;
    }
    Ok(ended)
}

/// Passes a group's report up into the instance's queue (inside the
/// group moderator's transaction).
pub async fn from_group(
    tx: &mut Tx,
    group_report: Uuid,
    by: MemberId,
    note: &str,
    now: DateTime<Utc>,
) -> AppResult<Vec<Recorded>> {
    if !store::insert_from_group(tx, Uuid::now_v7(), group_report, note, now).await? {
        return Ok(Vec::new());
    }
    tell_moderators(tx, by, now).await
}

async fn with_history(state: &AppState, row: ReportRow) -> AppResult<Report> {
    let history = store::actions(&state.db, Some(row.subject_id), HISTORY_MAX as i64)
        .await?
        .into_iter()
        .map(LogLine::from)
        .collect();
    Ok(to_report(row, history, state.clock.now()))
}

fn to_report(r: ReportRow, history: Vec<LogLine>, now: DateTime<Utc>) -> Report {
    Report {
        id: r.id,
        kind: r.kind,
        category: r.category,
        risk: r.risk,
        source: r.source,
        reporter: r.reporter,
        reason: r.reason,
        note: r.note,
        member: r.subject,
        member_standing: standing_of(r.suspended_until, r.banned_at, now).to_owned(),
        content_id: r.content_id,
        content: r.content,
        content_hidden: r.hidden,
        group: r.group_slug,
        thread: r.thread_id,
        reports_about_member: r.reports_about,
        state: r.state,
        created_at: r.created_at,
        history,
    }
}

/// The open reports: someone at risk first, then the oldest, each with the
/// member's history of actions.
pub async fn queue(state: &AppState, me: &AuthMember) -> AppResult<Vec<Report>> {
    require_moderator(me)?;
    let rows = store::queue(&state.db, QUEUE_PAGE).await?;
    // Every history in one query, shared out by member.
    let mut histories: HashMap<String, Vec<LogLine>> = HashMap::new();
    for a in store::actions_about_open_reports(&state.db).await? {
        let list = histories.entry(a.subject.clone()).or_default();
        if list.len() < HISTORY_MAX {
            list.push(LogLine::from(a));
        }
    }
    let now = state.clock.now();
    Ok(rows
        .into_iter()
        .map(|row| {
            let history = histories.get(&row.subject).cloned().unwrap_or_default();
            to_report(row, history, now)
        })
        .collect())
}

pub async fn get(state: &AppState, me: &AuthMember, id: Uuid) -> AppResult<Report> {
    require_moderator(me)?;
    let mut tx = state.db.begin_write().await?;
    let row = store::report_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.rollback().await?;
    with_history(state, row).await
}

/// Every action, newest first.
pub async fn log(state: &AppState, me: &AuthMember) -> AppResult<Vec<LogLine>> {
    require_moderator(me)?;
    Ok(store::actions(&state.db, None, 200)
        .await?
        .into_iter()
        .map(LogLine::from)
        .collect())
}

struct Checked {
    action: Action,
    reason: String,
    until: Option<DateTime<Utc>>,
}

fn check_act(input: &ActInput, now: DateTime<Utc>) -> AppResult<Checked> {
    let mut e = FieldErrors::new();
    let action = groups::model::choice(
        &input.action,
        "action",
        Action::parse,
        Action::ALL,
        Action::key,
        &mut e,
    );
    let needs_reason = matches!(
        action,
        Some(Action::Hide | Action::Warn | Action::Suspend | Action::Ban)
    );
    let reason = text(&input.reason, "reason", needs_reason, &mut e);
    let mut until = None;
    match (action, input.days) {
        (Some(Action::Suspend), Some(d)) if (1..=SUSPEND_DAYS_MAX).contains(&d) => {
            until = Some(now + Duration::days(d));
        }
        (Some(Action::Suspend), _) => e.add("days", "must be a whole number from 1 to 365"),
        (_, Some(_)) => e.add("days", "is only for suspend"),
        _ => {}
    }
    e.into_result()?;
    Ok(Checked {
        action: action.unwrap_or(Action::Dismiss),
        reason,
        until,
    })
}

/// Nobody acts on themselves or on an admin; only admins act on moderators.
fn may_act_on(me: &AuthMember, subject: MemberId, subject_role: &str) -> AppResult<()> {
    let refuse = |msg: &str| Err(AppError::Forbidden("not_allowed", msg.to_owned()));
    if subject == me.id {
        return refuse("You can't act on your own account.");
    }
    match Role::parse(subject_role).unwrap_or(Role::Member) {
        Role::Admin => refuse("Admins are managed by whoever runs the instance."),
        Role::Moderator if me.role != Role::Admin => {
            refuse("Only an admin can act on a moderator.")
        }
        _ => Ok(()),
    }
}

/// Acts on a report: dismiss it, hide what it is about, warn, suspend or
/// ban the member, or (for a check-on-me) mark it checked.
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn act(
    state: &AppState,
    me: &AuthMember,
    id: Uuid,
    input: &ActInput,
) -> AppResult<Report> {
    require_moderator(me)?;
    let now = state.clock.now();
    let c = check_act(input, now)?;
    let mut tx = state.db.begin_write().await?;
    let row = store::report_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.state != "open" {
        return Err(AppError::Conflict(
            "report_closed",
            "This report was already dealt with.".into(),
        ));
    }
    let check = row.kind == Kind::CheckOnMe.key();
    match c.action {
        Action::Checked if !check => {
            return Err(FieldErrors::single("action", "is only for a check-on-me"));
        }
        Action::Lift => return Err(FieldErrors::single("action", "lift is done on the member")),
        Action::Dismiss | Action::Checked => {}
        _ if check => {
            return Err(FieldErrors::single(
                "action",
                "a check-on-me is marked checked or dismissed, never acted on",
            ));
        }
        _ => may_act_on(me, row.subject_id, &row.subject_role)?,
    }
    let mut announce = Vec::new();
    if c.action == Action::Hide {
        hide(&mut tx, &row, me, &c.reason, now).await?;
    }
    apply_standing(&mut tx, row.subject_id, &c, now).await?;
    let to = if matches!(c.action, Action::Dismiss) {
        "dismissed"
    } else {
        "actioned"
    };
    store::close_report(&mut tx, id, to, me.id, now).await?;
    store::log(
        &mut tx,
        &NewAction {
            actor: me.id,
            subject: row.subject_id,
            report: Some(id),
            action: c.action.key(),
            reason: &c.reason,
            until: c.until,
        },
        now,
    )
    .await?;
    if !matches!(c.action, Action::Dismiss | Action::Checked) {
        announce.extend(tell_member(&mut tx, row.subject_id, &c, id, now).await?);
    }
    let row = store::report_in_tx(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    // A suspension, ban or lift applies to the member's very next request.
    state.auth_cache.invalidate();
    state.events.announce_all(&announce);
    state.jobs.wake();
    with_history(state, row).await
}

/// Acts on a member directly (no report): warn, suspend, ban or lift.
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn act_on_member(
    state: &AppState,
    me: &AuthMember,
    handle: &str,
    input: &ActInput,
) -> AppResult<Vec<LogLine>> {
    require_moderator(me)?;
    let now = state.clock.now();
    let c = check_act(input, now)?;
    if !matches!(
        c.action,
        Action::Warn | Action::Suspend | Action::Ban | Action::Lift
    ) {
        return Err(FieldErrors::single(
            "action",
            "must be one of: warn, suspend, ban, lift",
        ));
    }
    let mut tx = state.db.begin_write().await?;
    let (subject, role) = store::member_by_handle(&mut tx, &normalize_handle(handle))
        .await?
        .ok_or(AppError::NotFound)?;
    may_act_on(me, subject, &role)?;
    if c.action == Action::Lift {
        let row = store::standing_in_tx(&mut tx, subject)
            .await?
            .ok_or(AppError::NotFound)?;
        if standing_of(row.suspended_until, row.banned_at, now) == "active" {
            return Err(AppError::Conflict(
                "no_change",
                "This member is neither suspended nor banned.".into(),
            ));
        }
    }
    apply_standing(&mut tx, subject, &c, now).await?;
    store::log(
        &mut tx,
        &NewAction {
            actor: me.id,
            subject,
            report: None,
            action: c.action.key(),
            reason: &c.reason,
            until: c.until,
        },
        now,
    )
    .await?;
    let key_id = Uuid::now_v7();
    let announce = tell_member(&mut tx, subject, &c, key_id, now).await?;
    tx.commit().await?;
    state.auth_cache.invalidate();
    state.events.announce_all(&announce);
    state.jobs.wake();
    Ok(store::actions(&state.db, Some(subject), 20)
        .await?
        .into_iter()
        .map(LogLine::from)
        .collect())
}

async fn apply_standing(
    tx: &mut Tx,
    subject: MemberId,
    c: &Checked,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let current = store::standing_in_tx(tx, subject)
        .await?
        .ok_or(AppError::NotFound)?;
    let (until, banned) = match c.action {
        // A longer suspension already running is never shortened by a new one.
        Action::Suspend => (c.until.max(current.suspended_until), current.banned_at),
        Action::Ban => (current.suspended_until, current.banned_at.or(Some(now))),
        Action::Lift => (None, None),
        _ => return Ok(()),
    };
    store::set_standing(tx, subject, until, banned).await?;
    crate::discovery::service::refresh(tx, subject, now).await?;
    Ok(())
}

async fn hide(
    tx: &mut Tx,
    row: &ReportRow,
    me: &AuthMember,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let Some(content) = row.content_id else {
        return Err(FieldErrors::single(
            "action",
            "a report about a member has nothing to hide: warn, suspend or ban instead",
        ));
    };
    let hidden = match row.kind.as_str() {
        "message" => store::hide_message(tx, content, now).await?,
        "help_request" => store::hide_help_request(tx, content, now).await?,
        "group_post" => {
            let Some((group, _, _)) = store::post_place(tx, content).await? else {
                return Err(AppError::NotFound);
            };
            let done = groups::store::set_hidden(tx, group, content, true, reason).await?;
            groups::store::close_reports_about(tx, group, Some(content), None, me.id, now).await?;
            done
        }
        _ => false,
    };
    if hidden {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "no_change",
            "That is hidden already, or no longer exists.".into(),
        ))
    }
}

async fn tell_member(
    tx: &mut Tx,
    member: MemberId,
    c: &Checked,
    key_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Vec<Recorded>> {
    let payload = serde_json::json!({
        "action": c.action.key(),
        "reason": c.reason,
        "until": c.until.map(|u| u.format("%-d %B %Y, %H:%M UTC").to_string()),
    });
    let key = format!("moderation:{key_id}:{member}");
    let n = NewNotice {
        member,
        kind: "moderation",
        payload,
        dedupe_key: &key,
        about: None,
    };
    Ok(notices::notify(tx, &n, now).await?.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn standing_is_banned_over_suspended_over_active() {
        let now = at("2026-11-25T12:00:00Z");
        assert_eq!(standing_of(None, None, now), "active");
        assert_eq!(
            standing_of(Some(at("2026-11-25T11:59:59Z")), None, now),
            "active"
        );
        assert_eq!(
            standing_of(Some(at("2026-11-25T12:00:01Z")), None, now),
            "suspended"
        );
        assert_eq!(
            standing_of(Some(at("2026-11-26T00:00:00Z")), Some(now), now),
            "banned"
        );
        assert!(check_active(None, None, now).is_ok());
        let err = check_active(Some(at("2026-12-01T00:00:00Z")), None, now).unwrap_err();
        assert_eq!(err.code(), "suspended");
        assert!(err.to_string().contains("1 December 2026"), "{err}");
        assert_eq!(
            check_active(None, Some(now), now).unwrap_err().code(),
            "banned"
        );
    }

    #[test]
    fn actions_need_a_reason_and_suspensions_a_period() {
        let now = at("2026-11-25T12:00:00Z");
        let act = |action: &str, reason: &str, days: Option<i64>| {
            check_act(
                &ActInput {
                    action: action.into(),
                    reason: reason.into(),
                    days,
                },
                now,
            )
        };
        assert!(act("dismiss", "", None).is_ok());
        assert!(act("checked", "", None).is_ok());
        assert!(act("warn", "", None).is_err());
        assert!(act("warn", "Please keep it kind.", None).is_ok());
        assert!(act("suspend", "Repeated insults", None).is_err());
        assert!(act("suspend", "Repeated insults", Some(0)).is_err());
        assert!(act("suspend", "Repeated insults", Some(366)).is_err());
        let c = act("suspend", "Repeated insults", Some(7)).unwrap();
        assert_eq!(c.until, Some(at("2026-12-02T12:00:00Z")));
        assert!(act("ban", "Spam", Some(3)).is_err());
        assert!(act("delete", "x", None).is_err());
        assert!(act("warn", &"x".repeat(1001), None).is_err());
        assert!(act("warn", "bad\u{0}byte", None).is_err());
    }

    #[test]
    fn risk_puts_someone_at_risk_first_and_spam_last() {
        let mut all: Vec<Category> = Category::ALL.to_vec();
        all.sort_by_key(|c| std::cmp::Reverse(c.risk()));
        assert_eq!(all.first(), Some(&Category::AtRisk));
        assert_eq!(all.last(), Some(&Category::Spam));
    }
}
