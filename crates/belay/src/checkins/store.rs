//! Check-in SQL. Every query names the member whose check-ins it reads;
//! another member's are reached only through the grant check, in the query.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    model::Valid,
    risk::{Rule, Runs},
    streak::{self, Next, Run},
};
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

/// What saving a check-in did: whether it made the day's first, and the
/// member's run of days after it.
pub struct Saved {
    pub created: bool,
    pub run: Run,
}

/// Writes the day's check-in; its revision comes back, 0 if this save
/// created it.
const UPSERT: &str = "insert into checkin (member_id, local_date, mood, craving, sleep_hours,
        triggers, gratitude, note, revision, created_at, updated_at)
    values ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9)
    on conflict (member_id, local_date) do update set mood = excluded.mood,
        craving = excluded.craving, sleep_hours = excluded.sleep_hours,
        triggers = excluded.triggers, gratitude = excluded.gratitude,
        note = excluded.note, revision = checkin.revision + 1,
        updated_at = excluded.updated_at
    returning revision";

const RUN: &str = "select run_start, run_end, longest from checkin_streak where member_id = $1";

const SET_RUN: &str = "insert into checkin_streak (member_id, run_start, run_end, longest)
    values ($1, $2, $3, $4)
    on conflict (member_id) do update set run_start = excluded.run_start,
        run_end = excluded.run_end, longest = excluded.longest";

/// All of a member's check-in days, newest first: only to count a run
/// again ([`streak::Next::Recount`]), which is rare.
const ALL_DAYS: &str = "select local_date from checkin where member_id = $1
    order by local_date desc";

/// A member's check-ins `(date, mood, craving)` on or before `$2`, newest
/// first, for the risk rules ([`Runs`]), which stop reading where their
/// runs end.
const RECENT: &str = "select local_date, mood, craving from checkin
    where member_id = $1 and local_date <= $2 order by local_date desc";

/// Writes the day's check-in and moves the member's run. One statement
/// after another on either backend; SQLite's common case runs
/// [`save_inline`] instead.
pub async fn save(
    tx: &mut Tx,
    member: MemberId,
    day: NaiveDate,
    c: &Valid,
    now: DateTime<Utc>,
) -> sqlx::Result<Saved> {
    let triggers = c.triggers.join(",");
    let revision: i32 = on_tx!(tx, |x| sqlx::query_scalar(UPSERT)
        .bind(member)
        .bind(day)
        .bind(c.mood)
        .bind(c.craving)
        .bind(c.sleep_hours)
        .bind(&triggers)
        .bind(&c.gratitude)
        .bind(&c.note)
        .bind(now)
        .fetch_one(x)
        .await)?;
    let created = revision == 0;
    let run = match tx {
        Tx::Sqlite(t) => {
            sqlx::query_as(RUN)
                .bind(member)
                .fetch_optional(&mut **t)
                .await?
        }
        Tx::Postgres(t) => locked_run(t, member, day).await?,
    };
    let run = match streak::next(run, day, created) {
        Next::Same(run) => run,
        Next::Set(run) => set_run(tx, member, run).await?,
        Next::Recount => {
            let days: Vec<NaiveDate> = on_tx!(tx, |x| sqlx::query_scalar(ALL_DAYS)
                .bind(member)
                .fetch_all(x)
                .await)?;
            set_run(tx, member, streak::count(&days).unwrap_or(Run::single(day))).await?
        }
    };
    Ok(Saved { created, run })
}

/// PostgreSQL: the member's run, locked until the commit, so two saves of
/// one member on different local days (two zones at once) move it one
/// after the other; SQLite's one writer already does.
///
/// A member's first save finds no row to lock. It claims the row by
/// inserting it; a second first save waits on that insert, and once the
/// first commits, reads and locks the run it wrote. `None`: the row is
/// this save's to set.
async fn locked_run(
    t: &mut sqlx::Transaction<'static, sqlx::Postgres>,
    member: MemberId,
    day: NaiveDate,
) -> sqlx::Result<Option<Run>> {
    static LOCKED: LazyLock<String> = LazyLock::new(|| format!("{RUN} for update"));
    const CLAIM: &str = "insert into checkin_streak (member_id, run_start, run_end, longest)
        values ($1, $2, $2, 1) on conflict (member_id) do nothing";
    let locked = || sqlx::query_as(LOCKED.as_str()).bind(member);
    if let Some(run) = locked().fetch_optional(&mut **t).await? {
        return Ok(Some(run));
    }
    let claim = sqlx::query(CLAIM).bind(member).bind(day);
    if claim.execute(&mut **t).await?.rows_affected() == 1 {
        return Ok(None);
    }
    locked().fetch_optional(&mut **t).await
}

/// Writes a member's run (also the demo's, for the check-ins it fills in).
pub async fn set_run(tx: &mut Tx, member: MemberId, run: Run) -> sqlx::Result<Run> {
    on_tx!(tx, |x| sqlx::query(SET_RUN)
        .bind(member)
        .bind(run.run_start)
        .bind(run.run_end)
        .bind(run.longest)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(run)
}

/// [`save`] as an inline unit of SQLite's group writer (`db::group`): the
/// same statements, on the calling thread, bound as sqlx binds.
pub fn save_inline(
    conn: &rusqlite::Connection,
    member: MemberId,
    day: NaiveDate,
    c: &Valid,
    now: DateTime<Utc>,
) -> rusqlite::Result<Saved> {
    let id = bind::uuid(member.0);
    let revision: i32 = conn.prepare_cached(UPSERT)?.query_row(
        rusqlite::params![
            id,
            bind::day(day),
            c.mood,
            c.craving,
            c.sleep_hours,
            c.triggers.join(","),
            c.gratitude,
            c.note,
            bind::time(now),
        ],
        |r| r.get(0),
    )?;
    let created = revision == 0;
    let run = conn
        .prepare_cached(RUN)?
        .query_map([&id], run_of)?
        .next()
        .transpose()?;
    let run = match streak::next(run, day, created) {
        Next::Same(run) => return Ok(Saved { created, run }),
        Next::Set(run) => run,
        Next::Recount => {
            let days = conn
                .prepare_cached(ALL_DAYS)?
                .query_map([&id], |r| column::day(r, 0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            streak::count(&days).unwrap_or(Run::single(day))
        }
    };
    conn.prepare_cached(SET_RUN)?.execute(rusqlite::params![
        id,
        bind::day(run.run_start),
        bind::day(run.run_end),
        run.longest,
    ])?;
    Ok(Saved { created, run })
}

fn run_of(row: &rusqlite::Row<'_>) -> rusqlite::Result<Run> {
    Ok(Run {
        run_start: column::day(row, 0)?,
        run_end: column::day(row, 1)?,
        longest: row.get(2)?,
    })
}

/// The risk signals a check-in saved on `today` raises ([`Runs`]), its
/// check-ins read lazily on this thread: SQLite steps the statement only as
/// far as the runs go.
pub fn signals_inline(
    conn: &rusqlite::Connection,
    member: MemberId,
    today: NaiveDate,
) -> rusqlite::Result<Vec<(Rule, NaiveDate)>> {
    let mut recent = conn.prepare_cached(RECENT)?;
    let rows = recent.query_map(
        rusqlite::params![bind::uuid(member.0), bind::day(today)],
        |r| Ok((column::day(r, 0)?, r.get(1)?, r.get(2)?)),
    )?;
    Runs::read(today, rows)
}

/// [`signals_inline`] through sqlx, on either backend: the check-ins read
/// a few at a time (a page of [`RUNS_FIRST`], then larger ones), since a
/// PostgreSQL statement sends all its rows.
pub async fn signals(
    tx: &mut Tx,
    member: MemberId,
    today: NaiveDate,
) -> sqlx::Result<Vec<(Rule, NaiveDate)>> {
    static PAGE: LazyLock<String> = LazyLock::new(|| format!("{RECENT} limit $3"));
    let sql: &'static str = PAGE.as_str();
    let mut runs = Runs::new(today);
    let (mut through, mut limit) = (today, RUNS_FIRST);
    loop {
        let page: Vec<(NaiveDate, i32, i32)> = on_tx!(tx, |x| sqlx::query_as(sql)
            .bind(member)
            .bind(through)
            .bind(limit)
            .fetch_all(x)
            .await)?;
        let full = page.len() as i64 == limit;
        let Some(last) = page.last().map(|r| r.0) else {
            break;
        };
        if !page.into_iter().all(|r| runs.take(r)) || !full {
            break;
        }
        let Some(before) = last.pred_opt() else {
            break;
        };
        (through, limit) = (before, limit.saturating_mul(8));
    }
    Ok(runs.signals())
}

/// The first page of [`signals`]: today and the days a low mood needs.
const RUNS_FIRST: i64 = 4;

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

/// A member's run of check-in days ([`Run`]), if they have checked in.
pub async fn run(db: &Db, member: MemberId) -> sqlx::Result<Option<Run>> {
    on_db!(db, |p| sqlx::query_as(RUN)
        .bind(member)
        .fetch_optional(p)
        .await)
}

pub async fn run_in_tx(tx: &mut Tx, member: MemberId) -> sqlx::Result<Option<Run>> {
    on_tx!(tx, |x| sqlx::query_as(RUN)
        .bind(member)
        .fetch_optional(x)
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
