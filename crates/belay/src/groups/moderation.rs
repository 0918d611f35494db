//! Moderation within a group: reports from members (and from the crisis
//! screen), a queue for the group's moderators with crisis language on top,
//! actions on posts and people, and a log of every action with who, when,
//! what and why. Moderators can pass a report up to the instance's
//! moderators, who see only what was escalated: there is no way for an
//! instance admin into a group's content otherwise.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    model::{self, GroupRole},
    service::{self, Access},
    store::{self, LogEntry, NewReport, ReportRow},
};
use crate::{
    accounts::{AuthMember, MemberId, Role, normalize_handle},
    app::AppState,
    db::Tx,
    events::Recorded,
    notices::{self, NewNotice},
    safety::screen,
    web::error::{AppError, AppResult, FieldErrors},
};

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Report {
    pub id: Uuid,
    pub group: String,
    /// Who reported it; none when the crisis screen raised it.
    pub reporter: Option<String>,
    pub post: Option<Uuid>,
    pub thread: Option<Uuid>,
    /// The reported post as written (moderators see hidden posts too).
    pub post_body: Option<String>,
    pub post_author: Option<String>,
    pub post_hidden: Option<bool>,
    /// The reported member, for a report about a person.
    pub member: Option<String>,
    pub reason: String,
    /// Crisis language in the post or the reason: first in the queue.
    pub crisis: bool,
    /// `open`, `dismissed`, `actioned` or `escalated`.
    pub state: String,
    pub created_at: DateTime<Utc>,
}

impl From<ReportRow> for Report {
    fn from(r: ReportRow) -> Self {
        Self {
            id: r.id,
            group: r.group_slug,
            reporter: r.reporter,
            post: r.post_id,
            thread: r.thread_id,
            post_body: r.post_body,
            post_author: r.post_author,
            post_hidden: r.post_hidden,
            member: r.member,
            reason: r.reason,
            crisis: r.risk,
            state: r.state,
            created_at: r.created_at,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct LogLine {
    pub by: Option<String>,
    pub action: String,
    pub member: Option<String>,
    pub post: Option<Uuid>,
    pub reason: String,
    pub at: DateTime<Utc>,
}

async fn access_in_tx(tx: &mut Tx, slug: &str, me: MemberId) -> AppResult<Access> {
    store::access_in_tx(tx, slug, Some(me))
        .await?
        .map(Access::from_row)
        .ok_or(AppError::NotFound)
}

fn reason(raw: &str, required: bool) -> AppResult<String> {
    let mut e = FieldErrors::new();
    let r = model::text(raw, "reason", model::REASON_MAX, required, &mut e);
    e.into_result()?;
    Ok(r)
}

/// Any member reports a post or a member of the group.
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn report(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    post: Option<Uuid>,
    member: Option<&str>,
    why: &str,
) -> AppResult<Report> {
    let why = reason(why, true)?;
    let member = member.map(normalize_handle).filter(|h| !h.is_empty());
    if post.is_some() == member.is_some() {
        return Err(FieldErrors::single(
            "post",
            "report either a post or a member",
        ));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let a = access_in_tx(&mut tx, slug, me.id).await?;
    a.require_member()?;
    let mut risk = screen::screen(&why).is_high();
    let mut target_member = None;
    if let Some(p) = post {
        let row = store::post_in_tx(&mut tx, a.id(), p)
            .await?
            .ok_or(AppError::NotFound)?;
        risk |= row.risk || screen::screen(&row.body).is_high();
    }
    if let Some(h) = &member {
        let row = store::member_by_handle(&mut tx, a.id(), h)
            .await?
            .filter(|m| m.state == "active")
            .ok_or_else(|| FieldErrors::single("member", "isn't a member of this group"))?;
        target_member = Some(row.member_id);
    }
    let id = Uuid::now_v7();
    let new = NewReport {
        id,
        group: a.id(),
        reporter: Some(me.id),
        post,
        member: target_member,
        reason: &why,
        risk,
    };
    store::insert_report(&mut tx, &new, now).await?;
    let mods = store::moderators(&mut tx, a.id()).await?;
    let announce = tell(
        &mut tx,
        &a,
        "group_report",
        &mods,
        &format!("group_report:{id}"),
        now,
    )
    .await?;
    let row = store::report_in_tx(&mut tx, a.id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    state.events.announce_all(&announce);
    Ok(Report::from(row))
}

/// The group's open reports: crisis language first, then the oldest.
pub async fn queue(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
) -> AppResult<(Access, Vec<Report>)> {
    let a = service::access(state, slug, Some(me.id)).await?;
    a.require_moderator()?;
    let rows = store::queue(&state.db, a.id()).await?;
    Ok((a, rows.into_iter().map(Report::from).collect()))
}

pub async fn log(state: &AppState, me: &AuthMember, slug: &str) -> AppResult<Vec<LogLine>> {
    let a = service::access(state, slug, Some(me.id)).await?;
    a.require_moderator()?;
    Ok(store::mod_log(&state.db, a.id())
        .await?
        .into_iter()
        .map(|l| LogLine {
            by: l.actor,
            action: l.action,
            member: l.member,
            post: l.post_id,
            reason: l.reason,
            at: l.created_at,
        })
        .collect())
}

/// Dismisses a report, or passes it up to the instance's moderators.
pub async fn resolve(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    id: Uuid,
    action: &str,
    why: &str,
) -> AppResult<Report> {
    let state_to = match action.trim() {
        "dismiss" => "dismissed",
        "escalate" => "escalated",
        _ => {
            return Err(FieldErrors::single(
                "action",
                "must be one of: dismiss, escalate",
            ));
        }
    };
    let why = reason(why, false)?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let a = access_in_tx(&mut tx, slug, me.id).await?;
    a.require_moderator()?;
    store::report_in_tx(&mut tx, a.id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !store::close_report(&mut tx, id, state_to, me.id, now).await? {
        return Err(AppError::Conflict(
            "report_closed",
            "This report was already dealt with.".into(),
        ));
    }
    let entry = LogEntry {
        group: a.id(),
        actor: me.id,
        action: if state_to == "dismissed" {
            "dismiss_report"
        } else {
            "escalate_report"
        },
        member: None,
        post: None,
        reason: &why,
    };
    store::log(&mut tx, &entry, now).await?;
    let announce = if state_to == "escalated" {
        crate::moderation::service::from_group(&mut tx, id, me.id, &why, now).await?
    } else {
        Vec::new()
    };
    let row = store::report_in_tx(&mut tx, a.id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    state.events.announce_all(&announce);
    Ok(Report::from(row))
}

/// Hides a post (with a note to its author) or restores it.
pub async fn set_hidden(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    post: Uuid,
    hide: bool,
    note: &str,
) -> AppResult<()> {
    let note = reason(note, hide)?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let a = access_in_tx(&mut tx, slug, me.id).await?;
    a.require_moderator()?;
    let row = store::post_in_tx(&mut tx, a.id(), post)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.hidden == hide {
        return Err(AppError::Conflict(
            "no_change",
            if hide {
                "This post is hidden already."
            } else {
                "This post isn't hidden."
            }
            .into(),
        ));
    }
    store::set_hidden(&mut tx, a.id(), post, hide, if hide { &note } else { "" }).await?;
    let action = if hide { "hide" } else { "restore" };
    store::log(
        &mut tx,
        &LogEntry {
            group: a.id(),
            actor: me.id,
            action,
            member: row.author_id,
            post: Some(post),
            reason: &note,
        },
        now,
    )
    .await?;
    if hide {
        store::close_reports_about(&mut tx, a.id(), Some(post), None, me.id, now).await?;
    }
    let mut announce = Vec::new();
    if let Some(author) = row.author_id.filter(|x| *x != me.id) {
        let key = format!(
            "group_mod:{action}:{post}:{}",
            now.timestamp_nanos_opt().unwrap_or_default()
        );
        announce = tell_action(
            &mut tx,
            &a,
            "group_moderation",
            author,
            &key,
            action,
            &note,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    state.events.announce_all(&announce);
    Ok(())
}

/// A moderator's action on a person: `approve` or `decline` a request to
/// join, `warn`, `remove`, `ban`, `unban`; organisers also set roles.
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn act_on_member(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    handle: &str,
    action: &str,
    why: &str,
) -> AppResult<()> {
    let action = action.trim();
    let needs_reason = matches!(action, "warn" | "remove" | "ban");
    if !matches!(
        action,
        "approve" | "decline" | "warn" | "remove" | "ban" | "unban"
    ) {
        return Err(FieldErrors::single(
            "action",
            "must be one of: approve, decline, warn, remove, ban, unban",
        ));
    }
    let why = reason(why, needs_reason)?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let a = access_in_tx(&mut tx, slug, me.id).await?;
    a.require_moderator()?;
    let key = normalize_handle(handle);
    let target = match store::member_by_handle(&mut tx, a.id(), &key).await? {
        Some(t) => t,
        None if action == "ban" => {
            // Banning someone who isn't in the group keeps them out.
            let id = member_id_of(&mut tx, &key).await?;
            store::upsert_member(&mut tx, a.id(), id, "member", "banned", now).await?;
            log_action(&mut tx, &a, me, action, Some(id), &why, now).await?;
            tx.commit().await?;
            return Ok(());
        }
        None => return Err(AppError::NotFound),
    };
    if target.member_id == me.id {
        return Err(AppError::Conflict(
            "self",
            "You can't do that to yourself.".into(),
        ));
    }
    let target_role = GroupRole::parse(&target.role).unwrap_or(GroupRole::Member);
    if target_role.moderates() && !a.organises() {
        return Err(AppError::Forbidden(
            "organisers_only",
            "Only organisers act on other moderators and organisers.".into(),
        ));
    }
    let ok = match (action, target.state.as_str()) {
        ("approve", "pending") => {
            store::set_member(&mut tx, a.id(), target.member_id, "member", "active", now).await?
        }
        ("decline", "pending") | ("remove", "active") | ("unban", "banned") => {
            store::delete_member(&mut tx, a.id(), target.member_id).await?
        }
        ("warn", "active") => true,
        ("ban", _) => {
            store::set_member(&mut tx, a.id(), target.member_id, "member", "banned", now).await?
        }
        _ => false,
    };
    if !ok {
        return Err(AppError::Conflict(
            "not_applicable",
            format!(
                "{} is {}: that action doesn't apply.",
                target.handle, target.state
            ),
        ));
    }
    log_action(&mut tx, &a, me, action, Some(target.member_id), &why, now).await?;
    if matches!(action, "remove" | "ban") {
        store::close_reports_about(&mut tx, a.id(), None, Some(target.member_id), me.id, now)
            .await?;
    }
    let kind = match action {
        "approve" => Some("group_approved"),
        "warn" | "remove" | "ban" => Some("group_moderation"),
        _ => None,
    };
    let mut announce = Vec::new();
    if let Some(kind) = kind {
        let key = format!(
            "group_mod:{action}:{}:{}:{}",
            a.id(),
            target.member_id,
            now.timestamp_nanos_opt().unwrap_or_default()
        );
        announce =
            tell_action(&mut tx, &a, kind, target.member_id, &key, action, &why, now).await?;
    }
    tx.commit().await?;
    state.events.announce_all(&announce);
    Ok(())
}

/// Organisers make someone an organiser, moderator or member. The last
/// organiser can't step down.
pub async fn set_role(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    handle: &str,
    role: &str,
) -> AppResult<()> {
    let role = GroupRole::parse(role.trim()).ok_or_else(|| {
        FieldErrors::single("role", "must be one of: organiser, moderator, member")
    })?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let a = access_in_tx(&mut tx, slug, me.id).await?;
    a.require_organiser()?;
    let target = store::member_by_handle(&mut tx, a.id(), &normalize_handle(handle))
        .await?
        .filter(|t| t.state == "active")
        .ok_or(AppError::NotFound)?;
    if target.role == "organiser"
        && role != GroupRole::Organiser
        && store::count_role(&mut tx, a.id(), "organiser").await? == 1
    {
        return Err(AppError::Conflict(
            "last_organiser",
            "A group needs at least one organiser: make someone else an organiser first.".into(),
        ));
    }
    store::set_member(&mut tx, a.id(), target.member_id, role.key(), "active", now).await?;
    let action = format!("role:{}", role.key());
    log_action(&mut tx, &a, me, &action, Some(target.member_id), "", now).await?;
    tx.commit().await?;
    Ok(())
}

/// Escalated reports, for the instance's moderators and admins.
pub async fn escalated(state: &AppState, me: &AuthMember) -> AppResult<Vec<Report>> {
    if !matches!(me.role, Role::Admin | Role::Moderator) {
        return Err(AppError::Forbidden(
            "instance_moderators_only",
            "Only the instance's moderators and admins see escalated reports.".into(),
        ));
    }
    Ok(store::escalated(&state.db)
        .await?
        .into_iter()
        .map(Report::from)
        .collect())
}

async fn member_id_of(tx: &mut Tx, handle_key: &str) -> AppResult<MemberId> {
    const SQL: &str = "select id from member where handle_key = $1";
    let id: Option<MemberId> = crate::db::on_tx!(tx, |x| sqlx::query_scalar(SQL)
        .bind(handle_key)
        .fetch_optional(x)
        .await)?;
    id.ok_or(AppError::NotFound)
}

async fn log_action(
    tx: &mut Tx,
    a: &Access,
    me: &AuthMember,
    action: &str,
    member: Option<MemberId>,
    why: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let entry = LogEntry {
        group: a.id(),
        actor: me.id,
        action,
        member,
        post: None,
        reason: why,
    };
    store::log(tx, &entry, now).await?;
    Ok(())
}

async fn tell(
    tx: &mut Tx,
    a: &Access,
    kind: &str,
    to: &[MemberId],
    key: &str,
    now: DateTime<Utc>,
) -> AppResult<Vec<Recorded>> {
    let payload = serde_json::json!({ "group": a.row.name, "slug": a.row.slug });
    let keys: Vec<String> = to.iter().map(|m| format!("{key}:{m}")).collect();
    let list: Vec<NewNotice<'_>> = to
        .iter()
        .zip(&keys)
        .map(|(m, k)| NewNotice {
            member: *m,
            kind,
            payload: payload.clone(),
            dedupe_key: k,
            about: None,
        })
        .collect();
    Ok(notices::notify_many(tx, &list, now).await?)
}

#[expect(
    clippy::too_many_arguments,
    reason = "one notice, every part of it named"
)]
async fn tell_action(
    tx: &mut Tx,
    a: &Access,
    kind: &str,
    to: MemberId,
    key: &str,
    action: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<Vec<Recorded>> {
    let payload = serde_json::json!({
        "group": a.row.name, "slug": a.row.slug, "action": action, "reason": reason,
    });
    let n = NewNotice {
        member: to,
        kind,
        payload,
        dedupe_key: key,
        about: None,
    };
    Ok(notices::notify(tx, &n, now).await?.into_iter().collect())
}
