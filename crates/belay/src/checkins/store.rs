//! Check-in SQL. Every query names the member whose check-ins it reads;
//! another member's are reached only through the grant check, in the query.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};

use super::model::Valid;
use crate::{
    accounts::MemberId,
    db::{
        Db, Tx,
        inline::{bind, column},
        on_db, on_tx,
    },
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CheckinRow {
    pub local_date: NaiveDate,
    pub mood: i32,
    pub craving: i32,
    pub sleep_hours: Option<f64>,
    pub triggers: String,
    pub gratitude: String,
    pub note: String,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "local_date, mood, craving, sleep_hours, triggers, gratitude, note, updated_at";

/// What saving a check-in found: whether it is the day's first, and the
/// member's latest check-ins as `(date, mood, craving)`, newest first, up to
/// [`STREAK_READ`]: enough for the risk rules and the streaks.
pub struct Saved {
    pub created: bool,
    pub recent: Vec<(NaiveDate, i32, i32)>,
}

const UPSERT: &str = "insert into checkin (member_id, local_date, mood, craving, sleep_hours,
        triggers, gratitude, note, revision, created_at, updated_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9)
    on conflict (member_id, local_date) do update set mood = excluded.mood,
        craving = excluded.craving, sleep_hours = excluded.sleep_hours,
        triggers = excluded.triggers, gratitude = excluded.gratitude,
        note = excluded.note, revision = checkin.revision + 1,
        updated_at = excluded.updated_at";

/// The latest check-ins after [`UPSERT`], with each one's revision (the
/// day's is 0 if this save created it). The limit is written into the
/// statement (see `docs/DATABASE.md`).
static RECENT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "select local_date, mood, craving, revision from checkin where member_id = $1
        order by local_date desc limit {STREAK_READ}"
    )
});

/// Writes the day's check-in and reads the latest ones back. SQLite takes
/// both statements in one call to its writer's thread (each call is a
/// hand-off to that thread while the one writer is held; `BENCHMARKS.md`,
/// issue 6); PostgreSQL can't prepare two statements at once and runs them
/// one after the other.
pub async fn save(
    tx: &mut Tx,
    member: MemberId,
    day: NaiveDate,
    c: &Valid,
    now: DateTime<Utc>,
) -> sqlx::Result<Saved> {
    static BOTH: LazyLock<String> = LazyLock::new(|| format!("{UPSERT}; {};", *RECENT));
    let triggers = c.triggers.join(",");
    // The upsert's nine values, bound the same way on either backend.
    macro_rules! with_values {
        ($query:expr) => {
            $query
                .bind(member)
                .bind(day)
                .bind(c.mood)
                .bind(c.craving)
                .bind(c.sleep_hours)
                .bind(&triggers)
                .bind(&c.gratitude)
                .bind(&c.note)
                .bind(now)
        };
    }
    let rows: Vec<(NaiveDate, i32, i32, i32)> = match tx {
        Tx::Sqlite(t) => {
            with_values!(sqlx::query_as(BOTH.as_str()))
                .fetch_all(&mut **t)
                .await?
        }
        Tx::Postgres(t) => {
            with_values!(sqlx::query(UPSERT)).execute(&mut **t).await?;
            sqlx::query_as(RECENT.as_str())
                .bind(member)
                .fetch_all(&mut **t)
                .await?
        }
    };
    Ok(Saved::from_rows(day, rows))
}

impl Saved {
    /// From [`RECENT`]'s rows after the upsert of `day`.
    fn from_rows(day: NaiveDate, rows: Vec<(NaiveDate, i32, i32, i32)>) -> Self {
        let created = rows
            .iter()
            .any(|&(date, _, _, revision)| date == day && revision == 0);
        Self {
            created,
            recent: rows
                .into_iter()
                .map(|(date, mood, craving, _)| (date, mood, craving))
                .collect(),
        }
    }
}

/// [`save`] as an inline unit of SQLite's group writer (`db::group`): the
/// same two statements, on the calling thread, bound as sqlx binds.
pub fn save_inline(
    conn: &rusqlite::Connection,
    member: MemberId,
    day: NaiveDate,
    c: &Valid,
    now: DateTime<Utc>,
) -> rusqlite::Result<Saved> {
    conn.prepare_cached(UPSERT)?.execute(rusqlite::params![
        bind::uuid(member.0),
        bind::day(day),
        c.mood,
        c.craving,
        c.sleep_hours,
        c.triggers.join(","),
        c.gratitude,
        c.note,
        bind::time(now),
    ])?;
    let rows = conn
        .prepare_cached(RECENT.as_str())?
        .query_map([bind::uuid(member.0)], |r| {
            Ok((column::day(r, 0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Saved::from_rows(day, rows))
}

/// Whether `rule` already fired for the episode (see [`fire_signal`]), for
/// an inline unit.
pub fn signal_fired_inline(
    conn: &rusqlite::Connection,
    member: MemberId,
    rule: &str,
    episode: NaiveDate,
) -> rusqlite::Result<bool> {
    const SQL: &str = "select exists (select 1 from risk_signal
        where member_id = $1 and rule = $2 and episode = $3)";
    conn.prepare_cached(SQL)?.query_row(
        rusqlite::params![bind::uuid(member.0), rule, bind::day(episode)],
        |r| r.get(0),
    )
}

static SINCE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "select {COLUMNS} from checkin where member_id = $1 and local_date >= $2
        order by local_date desc"
    )
});

/// A member's check-ins from `since` on, newest first.
pub async fn since(db: &Db, member: MemberId, since: NaiveDate) -> sqlx::Result<Vec<CheckinRow>> {
    let sql: &'static str = SINCE.as_str();
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(member)
        .bind(since)
        .fetch_all(p)
        .await)
}

/// The dates a member checked in, newest first (for streaks).
const DATES: &str =
    "select local_date from checkin where member_id = $1 order by local_date desc limit $2";

/// How many dates a streak count reads at most; longer streaks show as this.
pub const STREAK_READ: i64 = 1000;

pub async fn dates(db: &Db, member: MemberId) -> sqlx::Result<Vec<NaiveDate>> {
    on_db!(db, |p| sqlx::query_scalar(DATES)
        .bind(member)
        .bind(STREAK_READ)
        .fetch_all(p)
        .await)
}

pub async fn dates_in_tx(tx: &mut Tx, member: MemberId) -> sqlx::Result<Vec<NaiveDate>> {
    on_tx!(tx, |x| sqlx::query_scalar(DATES)
        .bind(member)
        .bind(STREAK_READ)
        .fetch_all(x)
        .await)
}

// ---- settings -------------------------------------------------------------

pub async fn nudge_list(db: &Db, member: MemberId) -> sqlx::Result<bool> {
    const SQL: &str = "select nudge_list from checkin_setting where member_id = $1";
    Ok(on_db!(db, |p| sqlx::query_scalar(SQL)
        .bind(member)
        .fetch_optional(p)
        .await)?
    .unwrap_or(false))
}

pub async fn nudge_list_in_tx(tx: &mut Tx, member: MemberId) -> sqlx::Result<bool> {
    const SQL: &str = "select nudge_list from checkin_setting where member_id = $1";
    Ok(on_tx!(tx, |x| sqlx::query_scalar(SQL)
        .bind(member)
        .fetch_optional(x)
        .await)?
    .unwrap_or(false))
}

pub async fn set_nudge_list(
    tx: &mut Tx,
    member: MemberId,
    on: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "insert into checkin_setting (member_id, nudge_list, updated_at)
        values ($1, $2, $3)
        on conflict (member_id) do update set nudge_list = excluded.nudge_list,
            updated_at = excluded.updated_at";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(member)
        .bind(on)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

// ---- risk signals ---------------------------------------------------------

/// Records that `rule` fired for the episode; false if it had already.
pub async fn fire_signal(
    tx: &mut Tx,
    member: MemberId,
    rule: &str,
    episode: NaiveDate,
    nudged: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "insert into risk_signal (member_id, rule, episode, fired_at, nudged)
        values ($1, $2, $3, $4, $5) on conflict do nothing";
    let added = on_tx!(tx, |x| sqlx::query(SQL)
        .bind(member)
        .bind(rule)
        .bind(episode)
        .bind(now)
        .bind(nudged)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(added == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SignalRow {
    pub rule: String,
    pub episode: NaiveDate,
    pub fired_at: DateTime<Utc>,
    pub nudged: bool,
}

/// Signals that fired for a member since `since`, newest first.
pub async fn signals_since(
    db: &Db,
    member: MemberId,
    since: DateTime<Utc>,
) -> sqlx::Result<Vec<SignalRow>> {
    const SQL: &str = "select rule, episode, fired_at, nudged from risk_signal
        where member_id = $1 and fired_at >= $2 order by fired_at desc";
    on_db!(db, |p| sqlx::query_as(SQL)
        .bind(member)
        .bind(since)
        .fetch_all(p)
        .await)
}

/// The member's reach-out list (people they chose to ask first), still in
/// their circle with no block either way, in their order.
pub async fn reach_out_list(tx: &mut Tx, member: MemberId) -> sqlx::Result<Vec<MemberId>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select grt.viewer_id from connection_grant grt
            join connection c on c.id = grt.connection_id and c.state = 'accepted'
            where grt.owner_id = $1 and grt.reach_out and {}
            order by grt.reach_out_order, grt.updated_at",
            crate::circle::store::check(
                crate::circle::store::NO_BLOCK,
                &[("a", "grt.viewer_id"), ("b", "$1")]
            )
        )
    });
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |x| sqlx::query_scalar(sql)
        .bind(member)
        .fetch_all(x)
        .await)
}

/// A member's handle and time zone, for jobs.
pub async fn handle_and_zone(
    tx: &mut Tx,
    member: MemberId,
) -> sqlx::Result<Option<(String, String)>> {
    const SQL: &str = "select handle, time_zone from member where id = $1";
    on_tx!(tx, |x| sqlx::query_as(SQL)
        .bind(member)
        .fetch_optional(x)
        .await)
}
