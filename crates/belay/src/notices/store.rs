//! Notice SQL.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::types::Json;
use uuid::Uuid;

use super::{NewNotice, quiet};
use crate::{
    accounts::MemberId,
    db::{Db, Tx, on_db, on_tx},
};

/// Inserts a notice; `None` if one with its dedupe key exists.
pub async fn insert(
    tx: &mut Tx,
    n: &NewNotice<'_>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Uuid>> {
    const SQL: &str = "insert into notice (id, member_id, kind, payload, dedupe_key, created_at,
            about_member_id)
        values ($1, $2, $3, $4, $5, $6, $7)
        on conflict (dedupe_key) do nothing
        returning id";
    on_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(Uuid::new_v4())
        .bind(n.member)
        .bind(n.kind)
        .bind(Json(&n.payload))
        .bind(n.dedupe_key)
        .bind(now)
        .bind(n.about)
        .fetch_optional(c)
        .await)
}

/// Inserts several notices in one statement; returns the ids and members
/// of those that were new (a dedupe key already there is skipped).
pub async fn insert_many(
    tx: &mut Tx,
    notices: &[NewNotice<'_>],
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<(Uuid, MemberId)>> {
    let mut added = Vec::with_capacity(notices.len());
    for chunk in notices.chunks(500) {
        // Only numbered placeholders are formatted in: no input.
        let sql = format!(
            "insert into notice (id, member_id, kind, payload, dedupe_key, created_at,
                about_member_id) values {}
            on conflict (dedupe_key) do nothing returning id, member_id",
            crate::db::values_placeholders(chunk.len(), 7)
        );
        let rows: Vec<(Uuid, MemberId)> = on_tx!(tx, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for n in chunk {
                q = q
                    .bind(Uuid::new_v4())
                    .bind(n.member)
                    .bind(n.kind)
                    .bind(Json(&n.payload))
                    .bind(n.dedupe_key)
                    .bind(now)
                    .bind(n.about);
            }
            q.fetch_all(c).await
        })?;
        added.extend(rows);
    }
    Ok(added)
}

/// The members among `members` who want notice email, with their settings.
pub async fn email_settings_of(
    tx: &mut Tx,
    members: &[MemberId],
) -> sqlx::Result<Vec<(MemberId, EmailSettings)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: MemberId,
        #[sqlx(flatten)]
        settings: EmailSettings,
    }
    let mut out = Vec::new();
    for chunk in members.chunks(500) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        // Only numbered placeholders are formatted in: no input.
        let sql = format!(
            "select id, email, email_notices, time_zone, quiet_start, quiet_end,
                quiet_allows_reach_out
            from member where email_notices and email is not null and id in ({})",
            list.join(", ")
        );
        let rows: Vec<Row> = on_tx!(tx, |c| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
            for m in chunk {
                q = q.bind(*m);
            }
            q.fetch_all(c).await
        })?;
        out.extend(rows.into_iter().map(|r| (r.id, r.settings)));
    }
    Ok(out)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoticeRow {
    pub id: Uuid,
    pub kind: String,
    pub payload: Json<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

pub async fn recent(db: &Db, member: MemberId, limit: i64) -> sqlx::Result<Vec<NoticeRow>> {
    const SQL: &str = "select id, kind, payload, created_at, read_at from notice
        where member_id = $1 order by created_at desc limit $2";
    on_db!(db, |p| sqlx::query_as(SQL)
        .bind(member)
        .bind(limit)
        .fetch_all(p)
        .await)
}

pub async fn mark_read(
    tx: &mut Tx,
    member: MemberId,
    id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str =
        "update notice set read_at = coalesce(read_at, $3) where id = $1 and member_id = $2";
    let n = on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(member)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn mark_all_read(tx: &mut Tx, member: MemberId, now: DateTime<Utc>) -> sqlx::Result<u64> {
    const SQL: &str = "update notice set read_at = $2 where member_id = $1 and read_at is null";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(member)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

/// Inserts a message notice unless an unread one from the same sender is
/// already there (one notice however many messages); `None` if not added.
pub async fn insert_message_notice(
    tx: &mut Tx,
    n: &NewNotice<'_>,
    sender_key: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Uuid>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        message_notice_sql(["$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8"], "true")
            + " returning id"
    });
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |c| sqlx::query_scalar(sql)
        .bind(Uuid::new_v4())
        .bind(n.member)
        .bind(n.kind)
        .bind(Json(&n.payload))
        .bind(n.dedupe_key)
        .bind(now)
        .bind(message_notice_prefix(n.member, sender_key))
        .bind(n.about)
        .fetch_optional(c)
        .await)
}

/// The message-notice insert without its `returning`, with its eight
/// values (id, member, kind, payload, dedupe key, time, the sender's
/// dedupe-key prefix, the sender) named by the caller and only if `gate`
/// holds: also the third statement of sending a message on SQLite, where
/// the gate is the message.
pub fn message_notice_sql(p: [&str; 8], gate: &str) -> String {
    let [id, member, kind, payload, key, now, prefix, about] = p;
    format!(
        "insert into notice (id, member_id, kind, payload, dedupe_key, created_at, about_member_id)
        select {id}, {member}, {kind}, {payload}, {key}, {now}, {about}
        where {gate} and not exists (select 1 from notice
            where member_id = {member} and kind = 'message' and read_at is null
              and substr(dedupe_key, 1, length({prefix})) = {prefix})
        on conflict (dedupe_key) do nothing"
    )
}

/// The start of every dedupe key of a sender's message notices to a member
/// (`message:{member}:{sender}:{message}`). The queries compare it with
/// `substr`, not `like`: SQLite recompiles a statement whenever the pattern
/// bound to a `like` changes (the pattern may change its plan), and that
/// compile cost more than the rest of sending a message.
pub fn message_notice_prefix(member: MemberId, sender_key: &str) -> String {
    format!("message:{member}:{sender_key}:")
}

/// Marks the unread message notices from one sender read (their
/// conversation was opened).
pub async fn mark_messages_read(
    tx: &mut Tx,
    member: MemberId,
    sender_key: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    const SQL: &str = "update notice set read_at = $3
        where member_id = $1 and kind = 'message' and read_at is null
          and substr(dedupe_key, 1, length($2)) = $2";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(member)
        .bind(message_notice_prefix(member, sender_key))
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

pub async fn unread_counts(db: &Db, member: MemberId) -> sqlx::Result<(i64, i64)> {
    const SQL: &str = "select
            (select count(*) from notice where member_id = $1 and read_at is null),
            (select count(*) from message where recipient_id = $1 and read_at is null)";
    on_db!(db, |p| sqlx::query_as(SQL).bind(member).fetch_one(p).await)
}

/// What decides whether and when a member gets email.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EmailSettings {
    pub email: Option<String>,
    pub email_notices: bool,
    pub time_zone: String,
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    pub quiet_allows_reach_out: bool,
}

impl EmailSettings {
    pub fn wants_email(&self) -> bool {
        self.email_notices && self.email.as_deref().is_some_and(|e| !e.is_empty())
    }

    /// When quiet hours covering `at` end, unless this kind may come through.
    pub fn quiet_until(&self, at: DateTime<Utc>, kind: &str) -> Option<DateTime<Utc>> {
        // Someone asking for support now (or the moderators' call when
        // nobody answered) may come through, if the member said so.
        let urgent = matches!(kind, "reach_out" | "reach_out_moderator" | "reach_out_held");
        if urgent && self.quiet_allows_reach_out {
            return None;
        }
        let start = quiet::parse(self.quiet_start.as_deref()?)?;
        let end = quiet::parse(self.quiet_end.as_deref()?)?;
        let tz = crate::time::parse_time_zone(&self.time_zone).unwrap_or(Tz::UTC);
        quiet::ends_at(at, tz, start, end)
    }
}

const SETTINGS: &str = "select email, email_notices, time_zone, quiet_start, quiet_end,
        quiet_allows_reach_out
    from member where id = $1";

pub async fn email_settings(tx: &mut Tx, member: MemberId) -> sqlx::Result<EmailSettings> {
    on_tx!(tx, |c| sqlx::query_as(SETTINGS)
        .bind(member)
        .fetch_one(c)
        .await)
}

pub async fn email_settings_read(db: &Db, member: MemberId) -> sqlx::Result<EmailSettings> {
    on_db!(db, |p| sqlx::query_as(SETTINGS)
        .bind(member)
        .fetch_one(p)
        .await)
}

/// What the email job needs of its notice.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EmailNoticeRow {
    pub member_id: MemberId,
    pub kind: String,
    pub read_at: Option<DateTime<Utc>>,
    pub emailed_at: Option<DateTime<Utc>>,
}

pub async fn for_email(db: &Db, id: Uuid) -> sqlx::Result<Option<EmailNoticeRow>> {
    const SQL: &str = "select member_id, kind, read_at, emailed_at from notice where id = $1";
    on_db!(db, |p| sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

pub async fn mark_emailed(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "update notice set emailed_at = $2 where id = $1 and emailed_at is null";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}
