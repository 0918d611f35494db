//! Check-in use-cases, shared by the pages and the API.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

pub use super::streak::Streak;
use super::{
    model::{self, Input},
    risk::{self, Rule},
    store::{self, CheckinRow},
};
use crate::{
    accounts::AuthMember,
    app::AppState,
    circle::store::{Grant, granted_owner},
    db::Db,
    jobs::Announce,
    safety::{CrisisLine, screen},
    time::{local_today, parse_time_zone},
    web::error::{AppError, AppResult},
};

/// One day's check-in. `note` is only ever shown to its author.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Checkin {
    /// The member's local date.
    pub date: NaiveDate,
    pub mood: i32,
    pub craving: i32,
    pub sleep_hours: Option<f64>,
    pub triggers: Vec<String>,
    pub gratitude: String,
    /// Absent when someone else is looking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl Checkin {
    fn from_row(row: CheckinRow, own: bool) -> Self {
        Self {
            date: row.local_date,
            mood: row.mood,
            craving: row.craving,
            sleep_hours: row.sleep_hours,
            triggers: row
                .triggers
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            gratitude: row.gratitude,
            note: own.then_some(row.note),
            updated_at: row.updated_at,
        }
    }
}

/// The answer to a saved check-in.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Saved {
    #[serde(flatten)]
    pub checkin: Checkin,
    /// True for the day's first check-in, false for an update.
    pub created: bool,
    pub streak: Streak,
    /// Risk signals this check-in raised for the first time in their
    /// episode: `high_craving`, `low_mood`.
    pub signals: Vec<String>,
    /// Present when something written here sounds like a crisis: the
    /// crisis lines, to show at once. Nothing was blocked or shared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crisis_resources: Option<&'static [CrisisLine]>,
}

fn today_for(state: &AppState, member: &AuthMember) -> NaiveDate {
    local_today(state.clock.now(), member.time_zone)
}

#[tracing::instrument(skip_all, fields(member.id = %member.id))]
pub async fn save(state: &AppState, member: &AuthMember, input: Input) -> AppResult<Saved> {
    let valid = model::check(input).map_err(AppError::Validation)?;
    let risk = screen::screen_all(
        [valid.note.as_str(), valid.gratitude.as_str()]
            .into_iter()
            .chain(valid.triggers.iter().map(String::as_str)),
    );
    let now = state.clock.now();
    let today = local_today(now, member.time_zone);
    let inline = match &state.db {
        Db::Sqlite(s) => {
            s.writer
                .run_inline(|conn| save_inline(conn, member, today, &valid, now))
                .await?
        }
        Db::Postgres(_) => None,
    };
    let done = match inline {
        Some(done) => done,
        None => save_in_tx(state, member, today, &valid, now).await?,
    };
    // A signal that fired may have queued emails due now; the silence job
    // is days away, and waking the workers for it would cost a read.
    if !done.announce.is_empty() {
        state.jobs.wake();
    }
    state.events.announce_all(&done.announce);
    let row = CheckinRow {
        local_date: today,
        mood: valid.mood,
        craving: valid.craving,
        sleep_hours: valid.sleep_hours,
        triggers: valid.triggers.join(","),
        gratitude: valid.gratitude,
        note: valid.note,
        updated_at: now,
    };
    Ok(Saved {
        checkin: Checkin::from_row(row, true),
        created: done.created,
        streak: done.streak,
        signals: done.signals,
        crisis_resources: risk.resources(),
    })
}

/// What saving a check-in did, whichever way it ran.
struct Done {
    created: bool,
    streak: Streak,
    signals: Vec<String>,
    announce: Announce,
}

/// The save in a write transaction, on either backend.
async fn save_in_tx(
    state: &AppState,
    member: &AuthMember,
    today: NaiveDate,
    valid: &model::Valid,
    now: DateTime<Utc>,
) -> AppResult<Done> {
    let mut tx = state.db.begin_write().await?;
    let store::Saved { created, run } = store::save(&mut tx, member.id, today, valid, now).await?;
    let mut announce = Vec::new();
    let mut signals = Vec::new();
    for (rule, episode) in store::signals(&mut tx, member.id, today).await? {
        let fired = risk::fire(&mut tx, member.id, &member.handle, rule, episode, now).await?;
        if !fired.is_empty() {
            signals.push(rule.as_str().to_owned());
        }
        announce.extend(fired);
    }
    let streak = Streak::of(Some(run), today);
    // The day's first check-in moves the silence check; a later one that
    // day changes neither the last date nor the streak, so the check the
    // first one left is already right, and rewriting it (three indexes of
    // the job table) cost about a third of a save (`BENCHMARKS.md`).
    if created {
        risk::schedule_silence(
            &mut tx,
            member.id,
            today,
            streak.current as usize,
            member.time_zone,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Done {
        created,
        streak,
        signals,
        announce,
    })
}

/// The save as an inline unit of SQLite's group writer, its statements on
/// this thread with no hand-off to sqlx's (`db::group`): the common case,
/// a check-in that raises no signal for the first time in its episode.
/// When one does, `None` (the unit undone): prompting the member and
/// nudging their list goes through [`save_in_tx`], which does it all again
/// in one transaction.
fn save_inline(
    conn: &rusqlite::Connection,
    member: &AuthMember,
    today: NaiveDate,
    valid: &model::Valid,
    now: DateTime<Utc>,
) -> rusqlite::Result<Option<Done>> {
    let store::Saved { created, run } = store::save_inline(conn, member.id, today, valid, now)?;
    for (rule, episode) in store::signals_inline(conn, member.id, today)? {
        if !store::signal_fired_inline(conn, member.id, rule.as_str(), episode)? {
            return Ok(None);
        }
    }
    let streak = Streak::of(Some(run), today);
    if created {
        risk::schedule_silence_inline(
            conn,
            member.id,
            today,
            streak.current as usize,
            member.time_zone,
            now,
        )?;
    }
    Ok(Some(Done {
        created,
        streak,
        signals: Vec::new(),
        announce: Vec::new(),
    }))
}

/// Check-ins over some days, newest first, with the streak.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct History {
    pub handle: String,
    pub days: i64,
    pub today: NaiveDate,
    pub checkins: Vec<Checkin>,
    pub streak: Streak,
}

async fn history_of(
    state: &AppState,
    owner: crate::accounts::MemberId,
    handle: String,
    tz: Tz,
    days: i64,
    own: bool,
) -> AppResult<History> {
    let today = local_today(state.clock.now(), tz);
    let since = first_day(today, days);
    let rows = store::since(&state.db, owner, since).await?;
    let run = store::run(&state.db, owner).await?;
    Ok(History {
        handle,
        days,
        today,
        checkins: rows
            .into_iter()
            .map(|r| Checkin::from_row(r, own))
            .collect(),
        streak: Streak::of(run, today),
    })
}

/// The first local day of a span of `days` ending today.
pub fn first_day(today: NaiveDate, days: i64) -> NaiveDate {
    today
        .checked_sub_days(Days::new(days.saturating_sub(1).max(0) as u64))
        .unwrap_or(today)
}

pub async fn history(
    state: &AppState,
    member: &AuthMember,
    days: Option<i64>,
) -> AppResult<History> {
    let days = model::check_days(days).map_err(AppError::Validation)?;
    history_of(
        state,
        member.id,
        member.handle.clone(),
        member.time_zone,
        days,
        true,
    )
    .await
}

/// Another member's check-ins, only with their check-ins grant (checked in
/// the query); without it, 404 as if they did not exist. Never their notes.
pub async fn shared_history(
    state: &AppState,
    viewer: &AuthMember,
    handle: &str,
    days: Option<i64>,
) -> AppResult<History> {
    let days = model::check_days(days).map_err(AppError::Validation)?;
    let key = crate::accounts::normalize_handle(handle);
    if key == crate::accounts::normalize_handle(&viewer.handle) {
        return history(state, viewer, Some(days)).await;
    }
    let owner = granted_owner(&state.db, &key, viewer.id, Grant::Checkins)
        .await?
        .ok_or(AppError::NotFound)?;
    crate::privacy::access_log::record(state, owner.id, viewer.id, "checkins").await;
    let tz = parse_time_zone(&owner.time_zone).unwrap_or(Tz::UTC);
    history_of(state, owner.id, owner.handle, tz, days, false).await
}

/// Today's check-in, if there is one.
pub async fn today(state: &AppState, member: &AuthMember) -> AppResult<Option<Checkin>> {
    let today = today_for(state, member);
    let rows = store::since(&state.db, member.id, today).await?;
    Ok(rows
        .into_iter()
        .find(|r| r.local_date == today)
        .map(|r| Checkin::from_row(r, true)))
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Settings {
    /// Whether a risk signal also sends my reach-out list a gentle notice
    /// ("{handle} might appreciate hearing from you"; no numbers or notes).
    pub nudge_list: bool,
}

pub async fn settings(state: &AppState, member: &AuthMember) -> AppResult<Settings> {
    Ok(Settings {
        nudge_list: store::nudge_list(&state.db, member.id).await?,
    })
}

pub async fn set_settings(
    state: &AppState,
    member: &AuthMember,
    s: &Settings,
) -> AppResult<Settings> {
    let mut tx = state.db.begin_write().await?;
    store::set_nudge_list(&mut tx, member.id, s.nudge_list, state.clock.now()).await?;
    tx.commit().await?;
    Ok(s.clone())
}

/// A risk signal that fired for me recently, for the banner.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Signal {
    pub rule: String,
    pub title: String,
    pub fired_at: DateTime<Utc>,
    /// Whether my reach-out list was told.
    pub nudged: bool,
}

/// How long a signal's banner stays up.
pub const BANNER_HOURS: i64 = 24;

pub async fn recent_signals(state: &AppState, member: &AuthMember) -> AppResult<Vec<Signal>> {
    let since = state.clock.now() - chrono::Duration::hours(BANNER_HOURS);
    Ok(store::signals_since(&state.db, member.id, since)
        .await?
        .into_iter()
        .filter_map(|s| Signal::of(&s.rule, s.fired_at, s.nudged))
        .collect())
}

impl Signal {
    /// A signal of a known rule.
    pub fn of(rule: &str, fired_at: DateTime<Utc>, nudged: bool) -> Option<Self> {
        Rule::parse(rule).map(|r| Self {
            rule: r.as_str().to_owned(),
            title: r.title().to_owned(),
            fired_at,
            nudged,
        })
    }
}
