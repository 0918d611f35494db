//! The milestone job: at the start of a milestone's local day it records a
//! notice for the clock's owner, then schedules the next milestone. One
//! pending job per clock (dedupe key `milestone:{clock}`), moved whenever the
//! clock is reset or the owner changes time zone.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{
    model::{ClockId, latest_reached, next_after},
    store,
};
use crate::{
    app::AppState,
    db::Tx,
    jobs::{Announce, Job, queue},
    notices,
    time::{local_today, parse_time_zone, start_of_local_day},
};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MilestoneJob {
    pub clock_id: ClockId,
    /// The start date the job was scheduled for; a reset makes it stale.
    pub started_on: NaiveDate,
    pub milestone_on: NaiveDate,
}

pub fn dedupe_key(clock: ClockId) -> String {
    format!("milestone:{clock}")
}

/// Schedules (or moves) the clock's job to its next milestone after today.
pub async fn schedule_next(
    tx: &mut Tx,
    clock: ClockId,
    started_on: NaiveDate,
    tz: Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let today = local_today(now, tz);
    let Some((_, milestone_on)) = next_after(started_on, today) else {
        queue::cancel(tx, &dedupe_key(clock)).await?;
        return Ok(());
    };
    let job = MilestoneJob {
        clock_id: clock,
        started_on,
        milestone_on,
    };
    let new = queue::NewJob::of(
        &job,
        start_of_local_day(milestone_on, tz),
        Some(dedupe_key(clock)),
    )?;
    queue::enqueue(tx, &new, now).await?;
    Ok(())
}

impl Job for MilestoneJob {
    const KIND: &'static str = "clock_milestone";

    async fn run(self, state: &AppState, tx: &mut Tx) -> anyhow::Result<Announce> {
        let now = state.clock.now();
        let Some(clock) = store::with_owner(tx, self.clock_id).await? else {
            return Ok(Vec::new()); // the clock was deleted
        };
        if clock.started_on != self.started_on {
            return Ok(Vec::new()); // reset since; the reset scheduled its own job
        }
        let tz = parse_time_zone(&clock.time_zone).unwrap_or(Tz::UTC);
        let today = local_today(now, tz);
        if today < self.milestone_on {
            // The owner moved west since this was scheduled: not their day yet.
            schedule_next(tx, self.clock_id, clock.started_on, tz, now).await?;
            return Ok(Vec::new());
        }
        let mut announce = Vec::new();
        if let Some((milestone, on)) = latest_reached(clock.started_on, today) {
            let notice = notices::NewNotice {
                member: clock.member_id,
                kind: "milestone",
                payload: serde_json::json!({
                    "clock_id": self.clock_id,
                    "label": clock.label,
                    "milestone": milestone.label(),
                }),
                dedupe_key: &format!("milestone:{}:{}:{}", self.clock_id, clock.started_on, on),
                about: None,
            };
            let recorded = notices::notify(tx, &notice, now)
                .await
                .context("recording the milestone notice")?;
            crate::feed::store::record(
                tx,
                clock.member_id,
                crate::feed::store::Subject::Milestone(self.clock_id),
                &milestone.label(),
                notice.dedupe_key,
                now,
            )
            .await
            .context("recording the milestone in the feed")?;
            announce.extend(recorded);
        }
        schedule_next(tx, self.clock_id, clock.started_on, tz, now).await?;
        Ok(announce)
    }
}
