//! Goal use-cases, shared by the pages and the API.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    model::{self, Cadence, GOALS_MAX, GoalId},
    store::{self, GoalRow, Periods},
};
use crate::{
    accounts::AuthMember,
    app::AppState,
    circle::store::{Grant, granted_owner},
    feed::store::{self as feed, Subject},
    safety::{CrisisLine, screen},
    time::{local_today, parse_time_zone},
    web::error::{AppError, AppResult},
};

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Goal {
    pub id: GoalId,
    /// Whose goal it is.
    pub handle: String,
    pub title: String,
    pub why: String,
    pub cadence: Cadence,
    /// How many times in all, if the member set a target.
    pub target: Option<i32>,
    /// `active`, `completed` or `archived` (archived: the owner's eyes only).
    pub state: String,
    /// Progress entries in all.
    pub progress: i64,
    /// Entries today (daily), this week from Monday (weekly), or in all (once).
    pub this_period: i64,
    pub created_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    /// Present when the title or why sounds like a crisis (on creation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crisis_resources: Option<&'static [CrisisLine]>,
}

impl Goal {
    fn from_row(r: GoalRow) -> Self {
        Self {
            id: r.id,
            handle: r.handle,
            title: r.title,
            why: r.why,
            cadence: Cadence::parse(&r.cadence).unwrap_or(Cadence::Once),
            target: r.target,
            state: r.state,
            progress: r.progress,
            this_period: r.this_period,
            created_at: r.created_at,
            completed_at: r.completed_at,
            crisis_resources: None,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Progress {
    pub date: NaiveDate,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GoalDetail {
    #[serde(flatten)]
    pub goal: Goal,
    /// The latest 50 entries, newest first.
    pub entries: Vec<Progress>,
    /// Whether I am the goal's owner.
    pub mine: bool,
}

pub fn periods(today: NaiveDate) -> Periods {
    let back = u64::from(today.weekday().num_days_from_monday());
    Periods {
        day: today,
        week: today.checked_sub_days(Days::new(back)).unwrap_or(today),
    }
}

fn periods_for(state: &AppState, tz: Tz) -> Periods {
    periods(local_today(state.clock.now(), tz))
}

#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn create(
    state: &AppState,
    me: &AuthMember,
    title: &str,
    why: Option<String>,
    cadence: &str,
    target: Option<i32>,
) -> AppResult<Goal> {
    let new = model::check_goal(title, why, cadence, target).map_err(AppError::Validation)?;
    let risk = screen::screen_all([new.title.as_str(), new.why.as_str()]);
    let now = state.clock.now();
    let id = GoalId(Uuid::new_v4());
    let mut tx = state.db.begin_write().await?;
    if store::count_kept(&mut tx, me.id).await? >= GOALS_MAX {
        return Err(crate::web::error::FieldErrors::single(
            "title",
            format!("you can keep up to {GOALS_MAX} goals; archive one to add another"),
        ));
    }
    store::insert(&mut tx, id, me.id, &new, now).await?;
    tx.commit().await?;
    let mut goal = get(state, me, id).await?.goal;
    goal.crisis_resources = risk.resources();
    Ok(goal)
}

/// My goals: active first, then completed, then archived.
pub async fn mine(state: &AppState, me: &AuthMember) -> AppResult<Vec<Goal>> {
    let rows = store::mine(&state.db, me.id, &periods_for(state, me.time_zone)).await?;
    Ok(rows.into_iter().map(Goal::from_row).collect())
}

/// A goal: mine, or a partner's through their goals grant (404 otherwise).
pub async fn get(state: &AppState, me: &AuthMember, id: GoalId) -> AppResult<GoalDetail> {
    let mine_periods = periods_for(state, me.time_zone);
    let row = store::visible(&state.db, id, me.id, &mine_periods)
        .await?
        .ok_or(AppError::NotFound)?;
    let mine = row.member_id == me.id;
    // Periods are the owner's: read again only if their day or week differs.
    let owner_periods = periods_for(state, parse_time_zone(&row.time_zone).unwrap_or(Tz::UTC));
    let row = if mine || owner_periods == mine_periods {
        row
    } else {
        store::visible(&state.db, id, me.id, &owner_periods)
            .await?
            .ok_or(AppError::NotFound)?
    };
    if !mine {
        crate::privacy::access_log::record(state, row.member_id, me.id, "goals").await;
    }
    let entries = store::entries(&state.db, id, 50).await?;
    Ok(GoalDetail {
        goal: Goal::from_row(row),
        entries: entries
            .into_iter()
            .map(|e| Progress {
                date: e.local_date,
                note: e.note,
                created_at: e.created_at,
            })
            .collect(),
        mine,
    })
}

/// A partner's goals, with their goals grant (404 otherwise).
pub async fn shared(state: &AppState, me: &AuthMember, handle: &str) -> AppResult<Vec<Goal>> {
    let key = crate::accounts::normalize_handle(handle);
    if key == crate::accounts::normalize_handle(&me.handle) {
        return mine(state, me).await;
    }
    let owner = granted_owner(&state.db, &key, me.id, Grant::Goals)
        .await?
        .ok_or(AppError::NotFound)?;
    let tz = parse_time_zone(&owner.time_zone).unwrap_or(Tz::UTC);
    let rows = store::granted(&state.db, owner.id, me.id, &periods_for(state, tz)).await?;
    crate::privacy::access_log::record(state, owner.id, me.id, "goals").await;
    Ok(rows.into_iter().map(Goal::from_row).collect())
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProgressAdded {
    pub goal: Goal,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crisis_resources: Option<&'static [CrisisLine]>,
}

/// Records progress on my active goal; partners see it in their feed.
#[tracing::instrument(skip_all, fields(member.id = %me.id, goal.id = %id))]
pub async fn add_progress(
    state: &AppState,
    me: &AuthMember,
    id: GoalId,
    note: Option<String>,
) -> AppResult<ProgressAdded> {
    let note = model::check_note(note).map_err(AppError::Validation)?;
    let risk = screen::screen(&note);
    let now = state.clock.now();
    let today = local_today(now, me.time_zone);
    let mut tx = state.db.begin_write().await?;
    let (goal_state, _) = store::owned_state(&mut tx, id, me.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if goal_state != "active" {
        return Err(AppError::Conflict(
            "goal_not_active",
            format!("This goal is {goal_state}; progress goes on active goals."),
        ));
    }
    let entry = store::add_progress(&mut tx, id, today, &note, now).await?;
    let count = store::progress_count(&mut tx, id).await?;
    feed::record(
        &mut tx,
        me.id,
        Subject::GoalProgress(id),
        &format!("{count} so far"),
        &format!("goal_progress:{entry}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(ProgressAdded {
        goal: get(state, me, id).await?.goal,
        crisis_resources: risk.resources(),
    })
}

/// Marks my goal completed (from active), or archives it (from active or
/// completed), or makes an archived goal active again.
pub async fn change_state(
    state: &AppState,
    me: &AuthMember,
    id: GoalId,
    to: &str,
) -> AppResult<Goal> {
    let now = state.clock.now();
    let from: &[&str] = match to {
        "completed" => &["active"],
        "archived" => &["active", "completed"],
        _ => &["archived"],
    };
    let mut tx = state.db.begin_write().await?;
    let (current, _) = store::owned_state(&mut tx, id, me.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !store::set_state(&mut tx, id, me.id, from, to, now).await? {
        return Err(AppError::Conflict(
            "goal_state",
            format!("This goal is {current} already."),
        ));
    }
    if to == "archived" || current == "archived" {
        feed::set_goal_visible(&mut tx, id, to != "archived").await?;
    }
    if to == "completed" {
        feed::record(
            &mut tx,
            me.id,
            Subject::GoalCompleted(id),
            "",
            &format!("goal_completed:{id}"),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(get(state, me, id).await?.goal)
}
