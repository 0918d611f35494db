//! The event log's SQL.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use crate::{
    accounts::MemberId,
    db::{Db, Tx, on_db, on_tx},
};

/// An event written in a transaction; announce it after the commit.
#[derive(Clone, Copy, Debug)]
pub struct Recorded {
    pub member: MemberId,
    pub id: i64,
}

/// Appends an event for `member` in the caller's transaction.
pub async fn record(
    tx: &mut Tx,
    member: MemberId,
    kind: &str,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> sqlx::Result<Recorded> {
    const INSERT: &str = "insert into event (member_id, kind, payload, created_at)
        values ($1, $2, $3, $4) returning id";
    let id: i64 = match tx {
        Tx::Sqlite(t) => {
            sqlx::query_scalar(INSERT)
                .bind(member)
                .bind(kind)
                .bind(Json(payload))
                .bind(now)
                .fetch_one(&mut **t)
                .await?
        }
        Tx::Postgres(t) => {
            // One member's events commit in id order: concurrent writers
            // for the same member wait here until the first commits.
            sqlx::query("select pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(member.to_string())
                .execute(&mut **t)
                .await?;
            let id = sqlx::query_scalar(INSERT)
                .bind(member)
                .bind(kind)
                .bind(Json(payload))
                .bind(now)
                .fetch_one(&mut **t)
                .await?;
            sqlx::query("select pg_notify('belay_events', $1)")
                .bind(format!("{member}:{id}"))
                .execute(&mut **t)
                .await?;
            id
        }
    };
    Ok(Recorded { member, id })
}

/// Appends one event for each of two members in one statement (a message:
/// the recipient's and the sender's own), in the caller's transaction.
pub async fn record_pair(
    tx: &mut Tx,
    kind: &str,
    members: [MemberId; 2],
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> sqlx::Result<[Recorded; 2]> {
    const INSERT: &str = "insert into event (member_id, kind, payload, created_at)
        values ($1, $3, $4, $5), ($2, $3, $4, $5) returning id, member_id";
    let rows: Vec<(i64, MemberId)> = match tx {
        Tx::Sqlite(t) => {
            sqlx::query_as(INSERT)
                .bind(members[0])
                .bind(members[1])
                .bind(kind)
                .bind(Json(payload))
                .bind(now)
                .fetch_all(&mut **t)
                .await?
        }
        Tx::Postgres(t) => {
            // Lock in a fixed order, so two messages crossing each other
            // can't deadlock.
            let (first, second) = if members[0].0 <= members[1].0 {
                (members[0], members[1])
            } else {
                (members[1], members[0])
            };
            sqlx::query(
                "select pg_advisory_xact_lock(hashtextextended($1, 0)),
                        pg_advisory_xact_lock(hashtextextended($2, 0))",
            )
            .bind(first.to_string())
            .bind(second.to_string())
            .execute(&mut **t)
            .await?;
            let rows: Vec<(i64, MemberId)> = sqlx::query_as(INSERT)
                .bind(members[0])
                .bind(members[1])
                .bind(kind)
                .bind(Json(payload))
                .bind(now)
                .fetch_all(&mut **t)
                .await?;
            let notes: Vec<String> = rows.iter().map(|(id, m)| format!("{m}:{id}")).collect();
            sqlx::query("select pg_notify('belay_events', $1), pg_notify('belay_events', $2)")
                .bind(notes.first().cloned().unwrap_or_default())
                .bind(notes.get(1).cloned().unwrap_or_default())
                .execute(&mut **t)
                .await?;
            rows
        }
    };
    let find = |m: MemberId| {
        rows.iter()
            .find(|(_, member)| *member == m)
            .map(|(id, _)| Recorded { member: m, id: *id })
            .ok_or_else(|| sqlx::Error::Protocol("an event row is missing".into()))
    };
    Ok([find(members[0])?, find(members[1])?])
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub payload: Json<serde_json::Value>,
}

/// A member's events after `after`, oldest first.
pub async fn since(
    db: &Db,
    member: MemberId,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<EventRow>> {
    const SQL: &str = "select id, kind, payload from event
        where member_id = $1 and id > $2 order by id limit $3";
    on_db!(db, |p| sqlx::query_as(SQL)
        .bind(member)
        .bind(after)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// The newest event id of a member (0 if none): where a fresh stream starts.
pub async fn latest(db: &Db, member: MemberId) -> sqlx::Result<i64> {
    const SQL: &str = "select coalesce(max(id), 0) from event where member_id = $1";
    on_db!(db, |p| sqlx::query_scalar(SQL)
        .bind(member)
        .fetch_one(p)
        .await)
}

/// Drops events older than the retention window.
pub async fn prune(db: &Db, before: DateTime<Utc>) -> sqlx::Result<u64> {
    const SQL: &str = "delete from event where created_at < $1";
    let mut tx = db.begin_write().await?;
    let n = on_tx!(&mut tx, |c| sqlx::query(SQL)
        .bind(before)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(n)
}
