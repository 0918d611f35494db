//! Capacities a member opts in to: mentor (with a clock of a year or more,
//! and a number of mentees), listener (with duty hours), professional
//! (shown as verified only after an admin verifies it).

use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{duty, store};
use crate::{
    accounts::{AuthMember, MemberId, normalize_handle},
    app::AppState,
    clocks,
    db::Tx,
    discovery,
    time::local_today,
    web::error::{AppError, AppResult, FieldErrors},
};

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Capacities {
    pub mentor: bool,
    /// How many mentees I can take on.
    pub mentor_capacity: i32,
    /// Mentees I have now.
    pub mentees: i64,
    pub listener: bool,
    /// e.g. `Mon-Fri 22:00-02:00`, in my time zone.
    pub duty_hours: String,
    pub on_duty_now: bool,
    pub professional: bool,
    pub professional_title: String,
    pub professional_licence: String,
    /// Set by an instance admin after checking the licence.
    pub verified: bool,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapacitiesUpdate {
    pub mentor: Option<bool>,
    /// 1-20 (default 3).
    pub mentor_capacity: Option<i32>,
    pub listener: Option<bool>,
    pub duty_hours: Option<String>,
    pub professional: Option<bool>,
    pub professional_title: Option<String>,
    pub professional_licence: Option<String>,
}

fn view(
    row: store::CapacityRow,
    mentees: i64,
    member: &AuthMember,
    now: DateTime<Utc>,
) -> Capacities {
    Capacities {
        on_duty_now: row.listener && duty::text_on_duty(&row.duty_hours, member.time_zone, now),
        mentor: row.mentor,
        mentor_capacity: row.mentor_capacity,
        mentees,
        listener: row.listener,
        duty_hours: row.duty_hours,
        professional: row.professional,
        professional_title: row.professional_title,
        professional_licence: row.professional_licence,
        verified: row.verified_at.is_some(),
    }
}

fn defaults() -> store::CapacityRow {
    store::CapacityRow {
        mentor_capacity: 3,
        ..Default::default()
    }
}

pub async fn get(state: &AppState, me: &AuthMember) -> AppResult<Capacities> {
    let row = store::capacity_read(&state.db, me.id)
        .await?
        .unwrap_or_else(defaults);
    let mentees = store::mentee_count_read(&state.db, me.id).await?;
    Ok(view(row, mentees, me, state.clock.now()))
}

/// Whether the member has a clock of a year or more (their own, private
/// data: only used to allow the mentor opt-in).
async fn has_a_year(state: &AppState, me: &AuthMember) -> AppResult<bool> {
    let today = local_today(state.clock.now(), me.time_zone);
    let clocks = clocks::service::list(state, me).await?;
    Ok(clocks.iter().any(|c| {
        c.started_on
            .checked_add_months(Months::new(12))
            .is_some_and(|year| year <= today)
    }))
}

fn text(
    field: &str,
    value: Option<String>,
    current: String,
    max: usize,
    errors: &mut FieldErrors,
) -> String {
    match value {
        Some(v) => {
            let v = v.trim().to_owned();
            if v.chars().count() > max {
                errors.add(field, format!("must be at most {max} characters"));
            }
            if v.chars().any(char::is_control) {
                errors.add(field, "contains characters that can't be shown");
            }
            v
        }
        None => current,
    }
}

#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn update(
    state: &AppState,
    me: &AuthMember,
    u: CapacitiesUpdate,
) -> AppResult<Capacities> {
    let year = has_a_year(state, me).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let current = store::capacity(&mut tx, me.id)
        .await?
        .unwrap_or_else(defaults);
    let mut errors = FieldErrors::new();
    let mut next = current.clone();
    next.mentor = u.mentor.unwrap_or(current.mentor);
    if next.mentor && !current.mentor && !year {
        errors.add("mentor", "needs a clock of one year or more");
    }
    if let Some(n) = u.mentor_capacity {
        if !(1..=20).contains(&n) {
            errors.add("mentor_capacity", "must be 1 to 20");
        }
        next.mentor_capacity = n;
    }
    next.listener = u.listener.unwrap_or(current.listener);
    next.duty_hours = text(
        "duty_hours",
        u.duty_hours,
        current.duty_hours.clone(),
        200,
        &mut errors,
    );
    if let Err(e) = duty::parse(&next.duty_hours) {
        errors.add("duty_hours", e);
    }
    if next.listener && next.duty_hours.is_empty() {
        errors.add(
            "duty_hours",
            "say when you are on duty, for example Mon-Fri 22:00-02:00",
        );
    }
    next.professional = u.professional.unwrap_or(current.professional);
    next.professional_title = text(
        "professional_title",
        u.professional_title,
        current.professional_title.clone(),
        100,
        &mut errors,
    );
    next.professional_licence = text(
        "professional_licence",
        u.professional_licence,
        current.professional_licence.clone(),
        200,
        &mut errors,
    );
    if next.professional && next.professional_title.is_empty() {
        errors.add(
            "professional_title",
            "is required, for example Licensed clinical social worker",
        );
    }
    errors.into_result()?;
    // A changed credential has to be checked again.
    if !next.professional
        || next.professional_title != current.professional_title
        || next.professional_licence != current.professional_licence
    {
        next.verified_at = None;
    }
    store::save_capacity(&mut tx, me.id, &next, now).await?;
    discovery::service::refresh(&mut tx, me.id, now).await?;
    let mentees = store::mentee_count(&mut tx, me.id).await?;
    tx.commit().await?;
    Ok(view(next, mentees, me, now))
}

/// Marks a member's professional listing verified (or not); for admins.
pub async fn set_verified(state: &AppState, handle: &str, verified: bool) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let member = store::set_verified(&mut tx, &normalize_handle(handle), verified.then_some(now))
        .await?
        .ok_or(AppError::NotFound)?;
    discovery::service::refresh(&mut tx, member, now).await?;
    tx.commit().await?;
    tracing::info!(member.id = %member, verified, "professional verification changed");
    Ok(())
}

/// For the discovery index: spare mentor places (0 when not a mentor).
pub async fn mentor_spare(
    tx: &mut Tx,
    member: MemberId,
    row: &store::CapacityRow,
) -> sqlx::Result<i32> {
    if !row.mentor {
        return Ok(0);
    }
    let taken = store::mentee_count(tx, member).await?;
    Ok((i64::from(row.mentor_capacity) - taken).clamp(0, 20) as i32)
}
