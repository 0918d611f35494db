//! Conversation SQL. Every query names the member asking, and the pair is
//! checked against the circle in the same statement that finds the other.

use chrono::{DateTime, Utc};
use sqlx::{Row, types::Json};
use std::sync::LazyLock;
use uuid::Uuid;

use crate::{
    accounts::MemberId,
    circle::{
        model::pair,
        store::{CIRCLE_CHECK, NO_BLOCK, check},
    },
    db::{Db, Tx, on_db, on_tx},
    events::store::{Recorded, record_pair},
    notices::{
        NewNotice,
        store::{insert_message_notice, message_notice_prefix, message_notice_sql},
    },
    reachout::store::ANSWERED_CHECK,
};

/// The other member, if they exist for me (no block either way), and
/// whether we may talk: connected, or one answered the other's reach-out.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PeerRow {
    pub id: MemberId,
    pub handle: String,
    pub connected: bool,
}

pub async fn peer(db: &Db, me: MemberId, handle_key: &str) -> sqlx::Result<Option<PeerRow>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select m.id, m.handle, ({connected} or {answered}) as connected from member m
            where m.handle_key = $1 and m.id <> $2 and {no_block}",
            connected = check(CIRCLE_CHECK, &[("a", "m.id"), ("b", "$2")]),
            answered = check(ANSWERED_CHECK, &[("a", "m.id"), ("b", "$2")]),
            no_block = check(NO_BLOCK, &[("a", "m.id"), ("b", "$2")]),
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(handle_key)
        .bind(me)
        .fetch_optional(p)
        .await)
}

/// Stores a message if the two may still talk (connected, or one answered
/// the other's reach-out) with no block either way, checked in the same
/// statement (a block or an ending that committed a moment ago wins).
/// `false`: nothing was stored.
pub async fn insert_if_connected(
    tx: &mut Tx,
    id: Uuid,
    sender: MemberId,
    recipient: MemberId,
    body: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "insert into message (id, sender_id, recipient_id, pair_low, pair_high, body, created_at)
                        select $1, $2, $3, $4, $5, $6, $7 where {} or ({} and {})",
            check(CIRCLE_CHECK, &[("a", "$2"), ("b", "$3")]),
            check(ANSWERED_CHECK, &[("a", "$2"), ("b", "$3")]),
            check(NO_BLOCK, &[("a", "$2"), ("b", "$3")]),
        )
    });
    let sql: &'static str = SQL.as_str();
    let (low, high) = pair(sender.0, recipient.0);
    let n = on_tx!(tx, |c| sqlx::query(sql)
        .bind(id)
        .bind(sender)
        .bind(recipient)
        .bind(low)
        .bind(high)
        .bind(body)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// What sending a message stored, from [`send`].
#[derive(Debug, Default)]
pub struct Sent {
    /// The two `message` events, the recipient's first; empty when the
    /// message was not stored (the two may not talk).
    pub events: Vec<Recorded>,
    /// The recipient's new "message" notice, if none from this sender was
    /// unread; still to be delivered ([`crate::notices::deliver`]).
    pub notice: Option<Uuid>,
}

/// The values of one message send (no `Debug`: it holds the message).
pub struct Send<'a> {
    pub id: Uuid,
    pub sender: MemberId,
    pub recipient: MemberId,
    pub body: &'a str,
    pub now: DateTime<Utc>,
    /// The payload of both `message` events.
    pub event: &'a serde_json::Value,
    /// The recipient's "new message" notice.
    pub notice: &'a NewNotice<'a>,
    /// The sender as the notice's dedupe key names them.
    pub sender_key: &'a str,
}

/// Stores a message if the two may still talk (as [`insert_if_connected`]),
/// both `message` events, and the recipient's notice unless one from this
/// sender is unread (as [`crate::notices::store::insert_message_notice`]);
/// the events and the notice only if the message went in.
///
/// SQLite takes the three statements in one call to its writer's thread.
/// Every call is a hand-off to that thread and back while the one writer is
/// held, and on a small machine those hand-offs, more than SQLite, bound how
/// many messages a second it takes (`BENCHMARKS.md`, issue 4). PostgreSQL
/// can't prepare several statements at once, so it runs them one by one.
pub async fn send(tx: &mut Tx, m: &Send<'_>) -> anyhow::Result<Sent> {
    let Tx::Sqlite(t) = tx else {
        if !insert_if_connected(tx, m.id, m.sender, m.recipient, m.body, m.now).await? {
            return Ok(Sent::default());
        }
        let events = record_pair(tx, "message", [m.recipient, m.sender], m.event, m.now).await?;
        let notice = insert_message_notice(tx, m.notice, m.sender_key, m.now).await?;
        return Ok(Sent {
            events: events.to_vec(),
            notice,
        });
    };
    static SQL: LazyLock<String> = LazyLock::new(|| {
        let stored = "exists (select 1 from message where id = $1)";
        let pair = [("a", "$2"), ("b", "$3")];
        format!(
            "insert into message (id, sender_id, recipient_id, pair_low, pair_high, body, created_at)
                select $1, $2, $3, $4, $5, $6, $7 where {} or ({} and {});
            insert into event (member_id, kind, payload, created_at)
                select $3, 'message', $8, $7 where {stored}
                union all select $2, 'message', $8, $7 where {stored}
                returning id as event_id, member_id;
            {} returning id as notice_id;",
            check(CIRCLE_CHECK, &pair),
            check(ANSWERED_CHECK, &pair),
            check(NO_BLOCK, &pair),
            message_notice_sql(["$9", "$3", "$10", "$11", "$12", "$7", "$13", "$2"], stored),
        )
    });
    let sql: &'static str = SQL.as_str();
    let (low, high) = pair(m.sender.0, m.recipient.0);
    let rows = sqlx::query(sql)
        .bind(m.id)
        .bind(m.sender)
        .bind(m.recipient)
        .bind(low)
        .bind(high)
        .bind(m.body)
        .bind(m.now)
        .bind(Json(m.event))
        .bind(Uuid::new_v4())
        .bind(m.notice.kind)
        .bind(Json(&m.notice.payload))
        .bind(m.notice.dedupe_key)
        .bind(message_notice_prefix(m.recipient, m.sender_key))
        .fetch_all(&mut **t)
        .await?;
    let mut sent = Sent::default();
    for row in rows {
        // Rows of the last statement carry `notice_id`, the others `event_id`.
        if let Ok(notice) = row.try_get::<Uuid, _>("notice_id") {
            sent.notice = Some(notice);
        } else {
            sent.events.push(Recorded {
                id: row.try_get("event_id")?,
                member: row.try_get("member_id")?,
            });
        }
    }
    // The recipient's first, as the events were written.
    sent.events.sort_by_key(|e| e.member != m.recipient);
    Ok(sent)
}

/// A message from one member to another inside a transaction that already
/// checked they may talk (the claim that opens their conversation).
pub async fn insert_unchecked(
    tx: &mut Tx,
    sender: MemberId,
    recipient: MemberId,
    body: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    const SQL: &str =
        "insert into message (id, sender_id, recipient_id, pair_low, pair_high, body, created_at)
        values ($1, $2, $3, $4, $5, $6, $7)";
    let id = Uuid::new_v4();
    let (low, high) = pair(sender.0, recipient.0);
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(sender)
        .bind(recipient)
        .bind(low)
        .bind(high)
        .bind(body)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(id)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MessageRow {
    pub id: Uuid,
    pub sender_id: MemberId,
    pub body: String,
    pub hidden: bool,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Messages between two members, newest first, before a cursor message.
pub async fn page(
    db: &Db,
    a: MemberId,
    b: MemberId,
    before: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<MessageRow>> {
    const FIRST: &str = "select id, sender_id,
            case when hidden_at is null then body else '' end as body, hidden_at is not null as hidden,
            created_at, read_at
        from message
        where pair_low = $1 and pair_high = $2
        order by created_at desc, id desc limit $3";
    const AFTER: &str = "select m.id, m.sender_id,
            case when m.hidden_at is null then m.body else '' end as body,
            m.hidden_at is not null as hidden, m.created_at, m.read_at
        from message m join message c on c.id = $4 and c.pair_low = $1 and c.pair_high = $2
        where m.pair_low = $1 and m.pair_high = $2
          and (m.created_at < c.created_at or (m.created_at = c.created_at and m.id < c.id))
        order by m.created_at desc, m.id desc limit $3";
    let (low, high) = pair(a.0, b.0);
    match before {
        None => on_db!(db, |p| sqlx::query_as(FIRST)
            .bind(low)
            .bind(high)
            .bind(limit)
            .fetch_all(p)
            .await),
        Some(cursor) => on_db!(db, |p| sqlx::query_as(AFTER)
            .bind(low)
            .bind(high)
            .bind(limit)
            .bind(cursor)
            .fetch_all(p)
            .await),
    }
}

/// Marks what `sender` sent to `me` read; returns how many.
pub async fn mark_read(
    tx: &mut Tx,
    me: MemberId,
    sender: MemberId,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    const SQL: &str = "update message set read_at = $3
        where recipient_id = $1 and sender_id = $2 and read_at is null";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(me)
        .bind(sender)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

pub async fn unread_from(db: &Db, me: MemberId, sender: MemberId) -> sqlx::Result<i64> {
    const SQL: &str = "select count(*) from message where recipient_id = $1 and sender_id = $2 and read_at is null";
    on_db!(db, |p| sqlx::query_scalar(SQL)
        .bind(me)
        .bind(sender)
        .fetch_one(p)
        .await)
}

/// My conversations: whom, when last, how many unread.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConversationRow {
    pub handle: String,
    pub last_at: DateTime<Utc>,
    pub unread: i64,
}

pub async fn conversations(db: &Db, me: MemberId) -> sqlx::Result<Vec<ConversationRow>> {
    const SQL: &str = "select o.handle, x.last_at, x.unread from (
            select case when sender_id = $1 then recipient_id else sender_id end as other_id,
                   max(created_at) as last_at,
                   sum(case when recipient_id = $1 and read_at is null then 1 else 0 end) as unread
            from message where sender_id = $1 or recipient_id = $1
            group by case when sender_id = $1 then recipient_id else sender_id end) x
        join member o on o.id = x.other_id
        order by x.last_at desc limit 200";
    on_db!(db, |p| sqlx::query_as(SQL).bind(me).fetch_all(p).await)
}
