//! Reports, moderation actions and standing, on both backends.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    accounts::MemberId,
    db::{Db, Tx, on_db, on_tx},
};

pub struct NewReport<'a> {
    pub id: Uuid,
    pub reporter: Option<MemberId>,
    pub subject: MemberId,
    pub kind: &'a str,
    pub content: Option<Uuid>,
    pub category: &'a str,
    pub reason: &'a str,
    pub risk: i64,
    pub source: &'a str,
}

pub async fn insert_report(tx: &mut Tx, r: &NewReport<'_>, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "insert into report (id, reporter_id, subject_id, kind, content_id, category,
            reason, risk, source, state, created_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10)";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(r.id)
        .bind(r.reporter)
        .bind(r.subject)
        .bind(r.kind)
        .bind(r.content)
        .bind(r.category)
        .bind(r.reason)
        .bind(r.risk)
        .bind(r.source)
        .bind(now)
        .execute(x)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// A group's report passed up by its moderators becomes a report in the
/// instance's queue, about the post's author or the reported member.
pub async fn insert_from_group(
    tx: &mut Tx,
    id: Uuid,
    group_report: Uuid,
    note: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "insert into report (id, reporter_id, subject_id, kind, content_id, category,
            reason, risk, source, group_report_id, note, state, created_at)
        select $1, gr.reporter_id, coalesce(gr.member_id, p.author_id),
            case when gr.post_id is null then 'member' else 'group_post' end, gr.post_id,
            case when gr.risk then 'at_risk' else 'other' end, gr.reason,
            case when gr.risk then 3 else 1 end, 'group', gr.id, $2, 'open', $3
        from group_report gr left join group_post p on p.id = gr.post_id
        where gr.id = $4 and coalesce(gr.member_id, p.author_id) is not null";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(note)
        .bind(now)
        .bind(group_report)
        .execute(x)
        .await
        .map(|r| r.rows_affected() == 1))
}

/// An open report by this reporter about this content (or member) already.
pub async fn open_duplicate(
    tx: &mut Tx,
    reporter: MemberId,
    subject: MemberId,
    kind: &str,
    content: Option<Uuid>,
) -> sqlx::Result<bool> {
    const SQL: &str = "select count(*) from report
        where reporter_id = $1 and subject_id = $2 and kind = $3 and state = 'open'
          and (content_id = $4 or (content_id is null and $4 is null))";
    let n: i64 = on_tx!(tx, |x| sqlx::query_scalar(SQL)
        .bind(reporter)
        .bind(subject)
        .bind(kind)
        .bind(content)
        .fetch_one(x)
        .await)?;
    Ok(n > 0)
}

/// An open check-on-me for the member, raised since `since`.
pub async fn recent_check(
    tx: &mut Tx,
    subject: MemberId,
    since: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "select count(*) from report
        where subject_id = $1 and kind = 'check_on_me' and (state = 'open' or created_at >= $2)";
    let n: i64 = on_tx!(tx, |x| sqlx::query_scalar(SQL)
        .bind(subject)
        .bind(since)
        .fetch_one(x)
        .await)?;
    Ok(n > 0)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportRow {
    pub id: Uuid,
    pub kind: String,
    pub content_id: Option<Uuid>,
    pub category: String,
    pub reason: String,
    pub risk: i64,
    pub source: String,
    pub note: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub reporter: Option<String>,
    pub subject_id: MemberId,
    pub subject: String,
    pub subject_role: String,
    pub suspended_until: Option<DateTime<Utc>>,
    pub banned_at: Option<DateTime<Utc>>,
    /// The reported text as written: the message, post or request, or the
    /// member's bio when every member may see it.
    pub content: Option<String>,
    pub hidden: Option<bool>,
    pub group_slug: Option<String>,
    pub thread_id: Option<Uuid>,
    pub reports_about: i64,
}

static REPORT_SELECT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    "select r.id, r.kind, r.content_id, r.category, r.reason, r.risk, r.source, r.note, r.state,
        r.created_at, rep.handle as reporter, s.id as subject_id, s.handle as subject,
        s.role as subject_role, s.suspended_until, s.banned_at,
        case r.kind
            when 'message' then (select x.body from message x where x.id = r.content_id)
            when 'group_post' then (select x.body from group_post x where x.id = r.content_id)
            when 'help_request' then (select x.what from help_request x where x.id = r.content_id)
            when 'member' then (select x.bio from profile x
                                where x.member_id = r.subject_id and x.vis_bio = 'members')
        end as content,
        case r.kind
            when 'message' then (select x.hidden_at is not null from message x
                                 where x.id = r.content_id)
            when 'group_post' then (select x.hidden from group_post x where x.id = r.content_id)
            when 'help_request' then (select x.hidden_at is not null from help_request x
                                      where x.id = r.content_id)
        end as hidden,
        (select g.slug from group_post x join peer_group g on g.id = x.group_id
         where r.kind = 'group_post' and x.id = r.content_id) as group_slug,
        (select x.thread_id from group_post x
         where r.kind = 'group_post' and x.id = r.content_id) as thread_id,
        (select count(*) from report y where y.subject_id = r.subject_id) as reports_about
    from report r join member s on s.id = r.subject_id
    left join member rep on rep.id = r.reporter_id"
        .to_owned()
});

/// Open reports: someone at risk first, then the oldest.
pub async fn queue(db: &Db, limit: i64) -> sqlx::Result<Vec<ReportRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{} where r.state = 'open' order by r.risk desc, r.created_at, r.id limit $1",
            REPORT_SELECT.as_str()
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |x| sqlx::query_as(sql).bind(limit).fetch_all(x).await)
}

pub async fn report_in_tx(tx: &mut Tx, id: Uuid) -> sqlx::Result<Option<ReportRow>> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{} where r.id = $1", REPORT_SELECT.as_str()));
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |x| sqlx::query_as(sql).bind(id).fetch_optional(x).await)
}

/// Closes an open report; false when it was closed already.
pub async fn close_report(
    tx: &mut Tx,
    id: Uuid,
    to: &str,
    by: MemberId,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "update report set state = $2, resolved_by = $3, resolved_at = $4
        where id = $1 and state = 'open'";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(to)
        .bind(by)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected() == 1))
}

pub struct NewAction<'a> {
    pub actor: MemberId,
    pub subject: MemberId,
    pub report: Option<Uuid>,
    pub action: &'a str,
    pub reason: &'a str,
    pub until: Option<DateTime<Utc>>,
}

pub async fn log(tx: &mut Tx, a: &NewAction<'_>, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "insert into moderation_action (id, actor_id, subject_id, report_id, action,
            reason, until, created_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(Uuid::now_v7())
        .bind(a.actor)
        .bind(a.subject)
        .bind(a.report)
        .bind(a.action)
        .bind(a.reason)
        .bind(a.until)
        .bind(now)
        .execute(x)
        .await
        .map(|_| ()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActionRow {
    pub id: Uuid,
    pub actor: Option<String>,
    pub subject: String,
    pub report_id: Option<Uuid>,
    pub action: String,
    pub reason: String,
    pub until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const ACTION_SELECT: &str = "select a.id, actor.handle as actor, s.handle as subject, a.report_id,
        a.action, a.reason, a.until, a.created_at
    from moderation_action a join member s on s.id = a.subject_id
    left join member actor on actor.id = a.actor_id";

/// The newest actions first, across the instance or about one member.
pub async fn actions(
    db: &Db,
    subject: Option<MemberId>,
    limit: i64,
) -> sqlx::Result<Vec<ActionRow>> {
    static ALL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("{ACTION_SELECT} order by a.created_at desc, a.id desc limit $1")
    });
    static ONE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{ACTION_SELECT} where a.subject_id = $1 order by a.created_at desc, a.id desc limit $2"
        )
    });
    match subject {
        None => {
            let sql: &'static str = ALL.as_str();
            on_db!(db, |x| sqlx::query_as(sql).bind(limit).fetch_all(x).await)
        }
        Some(s) => {
            let sql: &'static str = ONE.as_str();
            on_db!(db, |x| sqlx::query_as(sql)
                .bind(s)
                .bind(limit)
                .fetch_all(x)
                .await)
        }
    }
}

/// The actions about every member with an open report, newest first.
pub async fn actions_about_open_reports(db: &Db) -> sqlx::Result<Vec<ActionRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{ACTION_SELECT} where a.subject_id in (select subject_id from report where state = 'open')
            order by a.created_at desc, a.id desc limit 5000"
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |x| sqlx::query_as(sql).fetch_all(x).await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StandingRow {
    pub role: String,
    pub suspended_until: Option<DateTime<Utc>>,
    pub banned_at: Option<DateTime<Utc>>,
    pub moderators_may_check: bool,
}

const STANDING: &str = "select role, suspended_until, banned_at, moderators_may_check
    from member where id = $1";

pub async fn standing(db: &Db, member: MemberId) -> sqlx::Result<Option<StandingRow>> {
    on_db!(db, |x| sqlx::query_as(STANDING)
        .bind(member)
        .fetch_optional(x)
        .await)
}

pub async fn standing_in_tx(tx: &mut Tx, member: MemberId) -> sqlx::Result<Option<StandingRow>> {
    on_tx!(tx, |x| sqlx::query_as(STANDING)
        .bind(member)
        .fetch_optional(x)
        .await)
}

pub async fn member_by_handle(
    tx: &mut Tx,
    handle_key: &str,
) -> sqlx::Result<Option<(MemberId, String)>> {
    const SQL: &str = "select id, role from member where handle_key = $1";
    on_tx!(tx, |x| sqlx::query_as(SQL)
        .bind(handle_key)
        .fetch_optional(x)
        .await)
}

pub async fn set_standing(
    tx: &mut Tx,
    member: MemberId,
    suspended_until: Option<DateTime<Utc>>,
    banned_at: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    const SQL: &str = "update member set suspended_until = $2, banned_at = $3 where id = $1";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(member)
        .bind(suspended_until)
        .bind(banned_at)
        .execute(x)
        .await
        .map(|_| ()))?;
    Ok(())
}

pub async fn set_may_check(db: &Db, member: MemberId, on: bool) -> sqlx::Result<()> {
    const SQL: &str = "update member set moderators_may_check = $2 where id = $1";
    on_db!(db, |x| sqlx::query(SQL)
        .bind(member)
        .bind(on)
        .execute(x)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// The instance's moderators and admins, but not `except`.
pub async fn moderators(tx: &mut Tx, except: MemberId) -> sqlx::Result<Vec<MemberId>> {
    const SQL: &str = "select id from member where role in ('moderator', 'admin') and id <> $1
        and banned_at is null order by handle limit 100";
    on_tx!(tx, |x| sqlx::query_scalar(SQL)
        .bind(except)
        .fetch_all(x)
        .await)
}

/// The author of a message sent to `recipient`.
pub async fn message_sender(
    tx: &mut Tx,
    id: Uuid,
    recipient: MemberId,
) -> sqlx::Result<Option<MemberId>> {
    const SQL: &str = "select sender_id from message where id = $1 and recipient_id = $2";
    on_tx!(tx, |x| sqlx::query_scalar(SQL)
        .bind(id)
        .bind(recipient)
        .fetch_optional(x)
        .await)
}

/// A post's group (its slug) and author.
pub async fn post_place(
    tx: &mut Tx,
    id: Uuid,
) -> sqlx::Result<Option<(Uuid, String, Option<MemberId>)>> {
    const SQL: &str = "select g.id, g.slug, p.author_id from group_post p
        join peer_group g on g.id = p.group_id where p.id = $1";
    on_tx!(tx, |x| sqlx::query_as(SQL).bind(id).fetch_optional(x).await)
}

pub async fn hide_message(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> sqlx::Result<bool> {
    const SQL: &str = "update message set hidden_at = $2 where id = $1 and hidden_at is null";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected() == 1))
}

pub async fn hide_help_request(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> sqlx::Result<bool> {
    const SQL: &str = "update help_request set hidden_at = $2 where id = $1 and hidden_at is null";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected() == 1))
}

/// Members whose suspension has run out (and who aren't banned).
pub async fn lapsed(db: &Db, now: DateTime<Utc>) -> sqlx::Result<Vec<MemberId>> {
    const SQL: &str = "select id from member
        where suspended_until is not null and suspended_until <= $1 and banned_at is null
        limit 500";
    on_db!(db, |x| sqlx::query_scalar(SQL).bind(now).fetch_all(x).await)
}

/// Clears a suspension that has run out; false when another instance (or a
/// moderator) got there first.
pub async fn clear_lapsed(tx: &mut Tx, member: MemberId, now: DateTime<Utc>) -> sqlx::Result<bool> {
    const SQL: &str = "update member set suspended_until = null
        where id = $1 and suspended_until <= $2";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(member)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected() == 1))
}
