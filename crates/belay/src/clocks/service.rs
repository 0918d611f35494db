//! Clock use-cases. "Today" is always the member's local date.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    jobs::schedule_next,
    model::{CLOCKS_MAX, ClockId, check_label, check_start, days_between, next_after, reached_on},
    store::{self, ClockRow, ResetRow},
};
use crate::{
    accounts::{AuthMember, MemberId},
    app::AppState,
    db::Tx,
    time::local_today,
    web::error::{AppError, AppResult, FieldErrors},
};

/// A clock as its owner sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Clock {
    pub id: ClockId,
    pub label: String,
    pub started_on: NaiveDate,
    /// Whole days from `started_on` to today in the member's time zone.
    pub days: i64,
    pub next_milestone: Option<NextMilestone>,
    /// The milestone reached today, if today is one.
    pub milestone_today: Option<String>,
    /// How many times the clock was reset (history is private).
    pub resets: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NextMilestone {
    /// e.g. "90 days", "1 year".
    pub label: String,
    pub date: NaiveDate,
    pub days_until: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Reset {
    pub previous_started_on: NaiveDate,
    pub started_on: NaiveDate,
    pub days_counted: i32,
    pub reset_at: DateTime<Utc>,
}

/// A clock with its private reset history.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ClockDetail {
    #[serde(flatten)]
    pub clock: Clock,
    pub history: Vec<Reset>,
}

impl Clock {
    pub fn from_row(row: ClockRow, today: NaiveDate) -> Self {
        Self {
            days: days_between(row.started_on, today),
            next_milestone: next_after(row.started_on, today).map(|(m, date)| NextMilestone {
                label: m.label(),
                date,
                days_until: days_between(today, date),
            }),
            milestone_today: reached_on(row.started_on, today).map(|m| m.label()),
            id: row.id,
            label: row.label,
            started_on: row.started_on,
            resets: row.resets,
        }
    }
}

impl From<ResetRow> for Reset {
    fn from(r: ResetRow) -> Self {
        Self {
            previous_started_on: r.previous_started_on,
            started_on: r.started_on,
            days_counted: r.days_counted,
            reset_at: r.created_at,
        }
    }
}

fn today_for(state: &AppState, member: &AuthMember) -> NaiveDate {
    local_today(state.clock.now(), member.time_zone)
}

pub async fn list(state: &AppState, member: &AuthMember) -> AppResult<Vec<Clock>> {
    let today = today_for(state, member);
    let rows = store::list(&state.db, member.id).await?;
    Ok(rows
        .into_iter()
        .map(|r| Clock::from_row(r, today))
        .collect())
}

pub async fn get(state: &AppState, member: &AuthMember, id: ClockId) -> AppResult<ClockDetail> {
    let today = today_for(state, member);
    let row = store::get(&state.db, member.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let history = store::history(&state.db, member.id, id).await?;
    Ok(ClockDetail {
        clock: Clock::from_row(row, today),
        history: history.into_iter().map(Reset::from).collect(),
    })
}

#[tracing::instrument(skip_all, fields(member.id = %member.id))]
pub async fn create(
    state: &AppState,
    member: &AuthMember,
    label: &str,
    started_on: &str,
) -> AppResult<Clock> {
    let now = state.clock.now();
    let today = local_today(now, member.time_zone);
    let mut errors = FieldErrors::new();
    let label = check_label(label, &mut errors);
    let started_on = check_start(started_on, today, "started_on", &mut errors);
    errors.into_result()?;
    let Some(started_on) = started_on else {
        return Err(FieldErrors::single("started_on", "is required"));
    };
    let id = ClockId(Uuid::new_v4());
    let mut tx = state.db.begin_write().await?;
    if store::count(&mut tx, member.id).await? >= CLOCKS_MAX {
        return Err(FieldErrors::single(
            "label",
            format!("you can keep up to {CLOCKS_MAX} clocks"),
        ));
    }
    store::insert(&mut tx, id, member.id, &label, started_on, now).await?;
    schedule_next(&mut tx, id, started_on, member.time_zone, now).await?;
    crate::discovery::service::refresh(&mut tx, member.id, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    let row = ClockRow {
        id,
        label,
        started_on,
        created_at: now,
        resets: 0,
    };
    Ok(Clock::from_row(row, today))
}

pub async fn relabel(
    state: &AppState,
    member: &AuthMember,
    id: ClockId,
    label: &str,
) -> AppResult<Clock> {
    let mut errors = FieldErrors::new();
    let label = check_label(label, &mut errors);
    errors.into_result()?;
    let mut tx = state.db.begin_write().await?;
    if !store::relabel(&mut tx, member.id, id, &label, state.clock.now()).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    let row = store::get(&state.db, member.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Clock::from_row(row, today_for(state, member)))
}

/// Starts a clock again from `started_on` (default: today). The old start is
/// kept in the clock's private history.
#[tracing::instrument(skip_all, fields(member.id = %member.id, clock.id = %id))]
pub async fn reset(
    state: &AppState,
    member: &AuthMember,
    id: ClockId,
    started_on: Option<&str>,
) -> AppResult<Clock> {
    let now = state.clock.now();
    let today = local_today(now, member.time_zone);
    let mut errors = FieldErrors::new();
    let new_start = match started_on.map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => check_start(raw, today, "started_on", &mut errors),
        None => Some(today),
    };
    errors.into_result()?;
    let new_start = new_start.unwrap_or(today);
    let mut tx = state.db.begin_write().await?;
    let clock = store::get_in_tx(&mut tx, member.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if new_start < clock.started_on {
        return Err(FieldErrors::single(
            "started_on",
            "must be on or after the clock's current start",
        ));
    }
    if new_start == clock.started_on {
        return Err(FieldErrors::single(
            "started_on",
            "is already this clock's start date",
        ));
    }
    store::reset(&mut tx, member.id, &clock, new_start, now).await?;
    schedule_next(&mut tx, id, new_start, member.time_zone, now).await?;
    crate::discovery::service::refresh(&mut tx, member.id, now).await?;
    tx.commit().await?;
    state.jobs.wake();
    let row = ClockRow {
        started_on: new_start,
        resets: clock.resets + 1,
        ..clock
    };
    Ok(Clock::from_row(row, today))
}

pub async fn delete(state: &AppState, member: &AuthMember, id: ClockId) -> AppResult<()> {
    let mut tx = state.db.begin_write().await?;
    if !store::delete(&mut tx, member.id, id).await? {
        return Err(AppError::NotFound);
    }
    crate::jobs::queue::cancel(&mut tx, &super::jobs::dedupe_key(id)).await?;
    crate::discovery::service::refresh(&mut tx, member.id, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves every milestone notice of a member to local midnight in a new zone.
pub async fn reschedule_milestones(
    tx: &mut Tx,
    member: MemberId,
    tz: Tz,
    now: DateTime<Utc>,
) -> AppResult<()> {
    for clock in store::list_in_tx(tx, member).await? {
        schedule_next(tx, clock.id, clock.started_on, tz, now).await?;
    }
    Ok(())
}

/// Another member's clock, as someone they granted it to sees it: no id,
/// no reset history.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SharedClock {
    pub label: String,
    pub started_on: NaiveDate,
    pub days: i64,
    pub next_milestone: Option<NextMilestone>,
    pub milestone_today: Option<String>,
}

/// The clocks `handle` shares with me; 404 without the grant, exactly as
/// for a member who does not exist.
pub async fn shared_with_me(
    state: &AppState,
    me: &AuthMember,
    handle: &str,
) -> AppResult<Vec<SharedClock>> {
    let key = crate::accounts::normalize_handle(handle);
    let clocks = if key == me.handle {
        list(state, me).await?
    } else {
        let (owner, zone) = store::granted_owner(&state.db, &key, me.id)
            .await?
            .ok_or(AppError::NotFound)?;
        crate::privacy::access_log::record(state, owner, me.id, "clocks").await;
        let tz = crate::time::parse_time_zone(&zone).unwrap_or(Tz::UTC);
        let today = local_today(state.clock.now(), tz);
        let rows = store::granted_clocks(&state.db, owner, me.id).await?;
        rows.into_iter()
            .map(|r| Clock::from_row(r, today))
            .collect()
    };
    Ok(clocks
        .into_iter()
        .map(|c| SharedClock {
            label: c.label,
            started_on: c.started_on,
            days: c.days,
            next_milestone: c.next_milestone,
            milestone_today: c.milestone_today,
        })
        .collect())
}
