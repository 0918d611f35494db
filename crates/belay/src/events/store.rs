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

/// Appends one event for each of several members (one each), in one
/// statement, in the caller's transaction: what a reach-out step uses to
/// tell everyone it asks at once.
pub async fn record_many(
    tx: &mut Tx,
    kind: &str,
    items: &[(MemberId, serde_json::Value)],
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<Recorded>> {
    let mut recorded = Vec::with_capacity(items.len());
    for chunk in items.chunks(500) {
        // Only numbered placeholders are formatted in: no input.
        let sql = format!(
            "insert into event (member_id, kind, payload, created_at) values {} returning id, member_id",
            crate::db::values_placeholders(chunk.len(), 4)
        );
        let rows: Vec<(i64, MemberId)> = match &mut *tx {
            Tx::Sqlite(t) => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
                for (member, payload) in chunk {
                    q = q.bind(*member).bind(kind).bind(Json(payload)).bind(now);
                }
                q.fetch_all(&mut **t).await?
            }
            Tx::Postgres(t) => {
                // Lock each member's event order in a fixed (uuid) order,
                // as `record_pair` does, so writers can't deadlock.
                let mut members: Vec<MemberId> = chunk.iter().map(|(m, _)| *m).collect();
                members.sort_by_key(|m| m.0);
                let keys: Vec<String> = members.iter().map(ToString::to_string).collect();
                sqlx::query(
                    "select pg_advisory_xact_lock(hashtextextended(k, 0))
                    from unnest($1::text[]) with ordinality as t(k, i) order by i",
                )
                .bind(&keys)
                .execute(&mut **t)
                .await?;
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
                for (member, payload) in chunk {
                    q = q.bind(*member).bind(kind).bind(Json(payload)).bind(now);
                }
                let rows: Vec<(i64, MemberId)> = q.fetch_all(&mut **t).await?;
                let notes: Vec<String> = rows.iter().map(|(id, m)| format!("{m}:{id}")).collect();
                sqlx::query("select pg_notify('belay_events', n) from unnest($1::text[]) n")
                    .bind(&notes)
                    .execute(&mut **t)
                    .await?;
                rows
            }
        };
        recorded.extend(rows.into_iter().map(|(id, member)| Recorded { member, id }));
    }
    Ok(recorded)
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

/// Several members' events, each after its own id, oldest first, at most
/// `limit` per member (one query for many streams; see `reader`).
pub async fn since_many(
    db: &Db,
    wanted: &[(MemberId, i64)],
    limit: i64,
) -> sqlx::Result<Vec<(MemberId, EventRow)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        member_id: MemberId,
        #[sqlx(flatten)]
        event: EventRow,
    }
    let terms: Vec<String> = (0..wanted.len())
        .map(|i| format!("(member_id = ${} and id > ${})", 2 * i + 2, 2 * i + 3))
        .collect();
    // Only numbered placeholders are formatted in: no input.
    let sql = format!(
        "select member_id, id, kind, payload from (
            select member_id, id, kind, payload,
                   row_number() over (partition by member_id order by id) as rn
            from event where {}) x
        where rn <= $1 order by id",
        terms.join(" or ")
    );
    let rows: Vec<Row> = on_db!(db, |p| {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(limit);
        for (member, after) in wanted {
            q = q.bind(*member).bind(*after);
        }
        q.fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(|r| (r.member_id, r.event)).collect())
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
