//! Goal SQL. The owner's queries name the owner; a partner's embed the
//! goals grant check, so one member's id never reaches another's goal
//! without it.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::model::{GoalId, NewGoal};
use crate::{
    accounts::MemberId,
    circle::store::{GRANT_CHECK, check},
    db::{Db, Tx, on_db, on_tx},
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GoalRow {
    pub id: GoalId,
    pub member_id: MemberId,
    /// The owner's handle and time zone (periods are counted in the owner's).
    pub handle: String,
    pub time_zone: String,
    pub title: String,
    pub why: String,
    pub cadence: String,
    pub target: Option<i32>,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub progress: i64,
    /// Progress entries since the start of the current period.
    pub this_period: i64,
}

/// `$p` is the start of the current period (a local date) for counting.
const SELECT: &str =
    "select g.id, g.member_id, m.handle, m.time_zone, g.title, g.why, g.cadence, g.target, g.state,
        g.created_at, g.completed_at,
        (select count(*) from goal_progress p where p.goal_id = g.id) as progress,
        (select count(*) from goal_progress p where p.goal_id = g.id
            and p.local_date >= (case g.cadence when 'daily' then $p_day when 'weekly' then $p_week
                                 else '0001-01-01' end)) as this_period
    from goal g join member m on m.id = g.member_id";

/// Placeholders of the period starts, numbered for each query.
fn select(day: &str, week: &str) -> String {
    SELECT.replace("$p_day", day).replace("$p_week", week)
}

pub async fn insert(
    tx: &mut Tx,
    id: GoalId,
    member: MemberId,
    g: &NewGoal,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "insert into goal (id, member_id, title, why, cadence, target, state,
            created_at, updated_at)
        values ($1, $2, $3, $4, $5, $6, 'active', $7, $7)";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(member)
        .bind(&g.title)
        .bind(&g.why)
        .bind(g.cadence.as_str())
        .bind(g.target)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn count_kept(tx: &mut Tx, member: MemberId) -> sqlx::Result<i64> {
    const SQL: &str = "select count(*) from goal where member_id = $1 and state <> 'archived'";
    on_tx!(tx, |x| sqlx::query_scalar(SQL)
        .bind(member)
        .fetch_one(x)
        .await)
}

/// Period starts: today and the Monday of this week (local).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    pub day: NaiveDate,
    pub week: NaiveDate,
}

pub async fn mine(db: &Db, member: MemberId, p: &Periods) -> sqlx::Result<Vec<GoalRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{} where g.member_id = $1
            order by case g.state when 'active' then 0 when 'completed' then 1 else 2 end,
                g.created_at desc",
            select("$2", "$3")
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |x| sqlx::query_as(sql)
        .bind(member)
        .bind(p.day)
        .bind(p.week)
        .fetch_all(x)
        .await)
}

/// A goal as `viewer` may see it: their own, or a partner's through the
/// goals grant (never archived).
pub async fn visible(
    db: &Db,
    id: GoalId,
    viewer: MemberId,
    p: &Periods,
) -> sqlx::Result<Option<GoalRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{} where g.id = $1 and (g.member_id = $2 or (g.state <> 'archived' and {}))",
            select("$3", "$4"),
            check(
                GRANT_CHECK,
                &[
                    ("owner", "g.member_id"),
                    ("viewer", "$2"),
                    ("grant", "goals")
                ]
            )
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |x| sqlx::query_as(sql)
        .bind(id)
        .bind(viewer)
        .bind(p.day)
        .bind(p.week)
        .fetch_optional(x)
        .await)
}

/// An owner's goals that `viewer` may see through the goals grant.
pub async fn granted(
    db: &Db,
    owner: MemberId,
    viewer: MemberId,
    p: &Periods,
) -> sqlx::Result<Vec<GoalRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{} where g.member_id = $1 and g.state <> 'archived' and {}
            order by case g.state when 'active' then 0 else 1 end, g.created_at desc",
            select("$3", "$4"),
            check(
                GRANT_CHECK,
                &[
                    ("owner", "g.member_id"),
                    ("viewer", "$2"),
                    ("grant", "goals")
                ]
            )
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |x| sqlx::query_as(sql)
        .bind(owner)
        .bind(viewer)
        .bind(p.day)
        .bind(p.week)
        .fetch_all(x)
        .await)
}

/// The owner's goal inside a write (locks nothing extra: one writer on
/// SQLite; on PostgreSQL the state update below is conditional).
pub async fn owned_state(
    tx: &mut Tx,
    id: GoalId,
    owner: MemberId,
) -> sqlx::Result<Option<(String, String)>> {
    const SQL: &str = "select state, title from goal where id = $1 and member_id = $2";
    on_tx!(tx, |x| sqlx::query_as(SQL)
        .bind(id)
        .bind(owner)
        .fetch_optional(x)
        .await)
}

pub async fn add_progress(
    tx: &mut Tx,
    goal: GoalId,
    day: NaiveDate,
    note: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    const SQL: &str = "insert into goal_progress (id, goal_id, local_date, note, created_at)
        values ($1, $2, $3, $4, $5)";
    let id = Uuid::new_v4();
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(goal)
        .bind(day)
        .bind(note)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(id)
}

pub async fn progress_count(tx: &mut Tx, goal: GoalId) -> sqlx::Result<i64> {
    const SQL: &str = "select count(*) from goal_progress where goal_id = $1";
    on_tx!(tx, |x| sqlx::query_scalar(SQL)
        .bind(goal)
        .fetch_one(x)
        .await)
}

/// Moves an owner's goal from one state to another; false if it was not in
/// `from` (or is not theirs).
pub async fn set_state(
    tx: &mut Tx,
    id: GoalId,
    owner: MemberId,
    from: &[&str],
    to: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "update goal set state = $3, updated_at = $4,
            completed_at = case when $3 = 'completed' then $4 else completed_at end
        where id = $1 and member_id = $2 and state in ($5, $6)";
    let a = from.first().copied().unwrap_or("");
    let b = from.get(1).copied().unwrap_or(a);
    let done = on_tx!(tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(owner)
        .bind(to)
        .bind(now)
        .bind(a)
        .bind(b)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProgressRow {
    pub local_date: NaiveDate,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

/// A goal's latest progress entries (the caller has checked visibility).
pub async fn entries(db: &Db, goal: GoalId, limit: i64) -> sqlx::Result<Vec<ProgressRow>> {
    const SQL: &str = "select local_date, note, created_at from goal_progress
        where goal_id = $1 order by created_at desc limit $2";
    on_db!(db, |x| sqlx::query_as(SQL)
        .bind(goal)
        .bind(limit)
        .fetch_all(x)
        .await)
}
