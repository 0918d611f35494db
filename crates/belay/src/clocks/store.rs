//! Clock SQL. Every query that reads or changes a clock names its owner, so
//! one member's id can never reach another member's clock.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::model::ClockId;
use crate::{
    accounts::MemberId,
    circle::store::{GRANT_CHECK, check},
    db::{Db, Tx, on_db, on_tx},
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClockRow {
    pub id: ClockId,
    pub label: String,
    pub started_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub resets: i64,
}

const SELECT: &str = "select c.id, c.label, c.started_on, c.created_at,
        (select count(*) from clock_reset r where r.clock_id = c.id) as resets
    from clock c";

pub async fn insert(
    tx: &mut Tx,
    id: ClockId,
    member: MemberId,
    label: &str,
    started_on: NaiveDate,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "insert into clock (id, member_id, label, started_on, created_at, updated_at)
        values ($1, $2, $3, $4, $5, $5)";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(member)
        .bind(label)
        .bind(started_on)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn count(tx: &mut Tx, member: MemberId) -> sqlx::Result<i64> {
    const SQL: &str = "select count(*) from clock where member_id = $1";
    on_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(member)
        .fetch_one(c)
        .await)
}

pub async fn list(db: &Db, member: MemberId) -> sqlx::Result<Vec<ClockRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("{SELECT} where c.member_id = $1 order by c.started_on, c.created_at")
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |p| sqlx::query_as(sql).bind(member).fetch_all(p).await)
}

pub async fn list_in_tx(tx: &mut Tx, member: MemberId) -> sqlx::Result<Vec<ClockRow>> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{SELECT} where c.member_id = $1"));
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |c| sqlx::query_as(sql).bind(member).fetch_all(c).await)
}

static GET_ONE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{SELECT} where c.id = $1 and c.member_id = $2"));

pub async fn get(db: &Db, member: MemberId, id: ClockId) -> sqlx::Result<Option<ClockRow>> {
    let sql: &'static str = GET_ONE.as_str();
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(id)
        .bind(member)
        .fetch_optional(p)
        .await)
}

pub async fn get_in_tx(
    tx: &mut Tx,
    member: MemberId,
    id: ClockId,
) -> sqlx::Result<Option<ClockRow>> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{SELECT} where c.id = $1 and c.member_id = $2"));
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(id)
        .bind(member)
        .fetch_optional(c)
        .await)
}

pub async fn relabel(
    tx: &mut Tx,
    member: MemberId,
    id: ClockId,
    label: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str =
        "update clock set label = $3, updated_at = $4 where id = $1 and member_id = $2";
    let done = on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(member)
        .bind(label)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Moves the start date and keeps the old one in `clock_reset`.
pub async fn reset(
    tx: &mut Tx,
    member: MemberId,
    clock: &ClockRow,
    started_on: NaiveDate,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const HISTORY: &str = "insert into clock_reset
            (id, clock_id, previous_started_on, started_on, days_counted, created_at)
        values ($1, $2, $3, $4, $5, $6)";
    const UPDATE: &str =
        "update clock set started_on = $3, updated_at = $4 where id = $1 and member_id = $2";
    let days = i32::try_from((started_on - clock.started_on).num_days()).unwrap_or(i32::MAX);
    on_tx!(tx, |c| sqlx::query(HISTORY)
        .bind(Uuid::new_v4())
        .bind(clock.id)
        .bind(clock.started_on)
        .bind(started_on)
        .bind(days)
        .bind(now)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    on_tx!(tx, |c| sqlx::query(UPDATE)
        .bind(clock.id)
        .bind(member)
        .bind(started_on)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete(tx: &mut Tx, member: MemberId, id: ClockId) -> sqlx::Result<bool> {
    const SQL: &str = "delete from clock where id = $1 and member_id = $2";
    let done = on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(member)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ResetRow {
    pub previous_started_on: NaiveDate,
    pub started_on: NaiveDate,
    pub days_counted: i32,
    pub created_at: DateTime<Utc>,
}

pub async fn history(db: &Db, member: MemberId, id: ClockId) -> sqlx::Result<Vec<ResetRow>> {
    const SQL: &str = "select r.previous_started_on, r.started_on, r.days_counted, r.created_at
        from clock_reset r join clock c on c.id = r.clock_id
        where r.clock_id = $1 and c.member_id = $2
        order by r.created_at desc";
    on_db!(db, |p| sqlx::query_as(SQL)
        .bind(id)
        .bind(member)
        .fetch_all(p)
        .await)
}

/// What the milestone job needs: the clock, its owner and their zone.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClockOwnerRow {
    pub member_id: MemberId,
    pub label: String,
    pub started_on: NaiveDate,
    pub time_zone: String,
}

pub async fn with_owner(tx: &mut Tx, id: ClockId) -> sqlx::Result<Option<ClockOwnerRow>> {
    const SQL: &str = "select c.member_id, c.label, c.started_on, m.time_zone
        from clock c join member m on m.id = c.member_id where c.id = $1";
    on_tx!(tx, |c| sqlx::query_as(SQL).bind(id).fetch_optional(c).await)
}

/// The owner's id and time zone, only when `viewer` holds their clocks grant
/// (and neither has blocked the other): otherwise nothing, as if absent.
pub async fn granted_owner(
    db: &Db,
    handle_key: &str,
    viewer: MemberId,
) -> sqlx::Result<Option<(MemberId, String)>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select m.id, m.time_zone from member m where m.handle_key = $1 and {}",
            check(
                GRANT_CHECK,
                &[("owner", "m.id"), ("viewer", "$2"), ("grant", "clocks")]
            )
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(handle_key)
        .bind(viewer)
        .fetch_optional(p)
        .await)
}

/// An owner's clocks as `viewer` may see them: only with the grant, and
/// never the private reset history.
pub async fn granted_clocks(
    db: &Db,
    owner: MemberId,
    viewer: MemberId,
) -> sqlx::Result<Vec<ClockRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select c.id, c.label, c.started_on, c.created_at, cast(0 as bigint) as resets
            from clock c where c.member_id = $1 and {}
            order by c.started_on, c.created_at",
            check(
                GRANT_CHECK,
                &[
                    ("owner", "c.member_id"),
                    ("viewer", "$2"),
                    ("grant", "clocks")
                ]
            )
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(owner)
        .bind(viewer)
        .fetch_all(p)
        .await)
}
