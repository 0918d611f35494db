//! The ladder's jobs: firing a step, and the next-day follow-up.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{kinds, store};
use crate::{
    app::AppState,
    db::Tx,
    events,
    jobs::{
        Announce, Job,
        queue::{self, NewJob},
    },
    notices::{self, NewNotice},
};

/// How many listeners on duty one reach-out asks at most.
const LISTENERS_MAX: usize = 50;

/// Fires step `seq` of a reach-out. One pending job per reach-out (its
/// dedupe key), moved along as the ladder climbs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReachOutStep {
    pub reach_out_id: Uuid,
    pub seq: i32,
}

pub fn step_key(id: Uuid) -> String {
    format!("reach-out-step:{id}")
}

pub fn step_job(id: Uuid, seq: i32, due: chrono::DateTime<chrono::Utc>) -> anyhow::Result<NewJob> {
    NewJob::of(
        &ReachOutStep {
            reach_out_id: id,
            seq,
        },
        due,
        Some(step_key(id)),
    )
}

impl Job for ReachOutStep {
    const KIND: &'static str = "reach_out_step";
    /// A reach-out never gives up on its own: retry for a long time.
    const MAX_ATTEMPTS: i32 = 1000;

    async fn before(self, _state: &AppState) -> anyhow::Result<Self> {
        crate::failpoint::hit("reach-out-step-claimed");
        Ok(self)
    }

    async fn run(self, state: &AppState, tx: &mut Tx) -> anyhow::Result<Announce> {
        fire(state, tx, self.reach_out_id, self.seq).await
    }
}

/// Fires one step in the job's transaction: takes it (the fence), asks its
/// people, records the step, and schedules the next.
pub(super) async fn fire(
    state: &AppState,
    tx: &mut Tx,
    id: Uuid,
    seq: i32,
) -> anyhow::Result<Announce> {
    let now = state.clock.now();
    let Some(ro) = store::take_step(tx, id, seq, now).await? else {
        // Already fired, or answered or closed meanwhile.
        return Ok(Vec::new());
    };
    let Some(step) = store::step(tx, id, seq).await? else {
        return Ok(Vec::new());
    };
    let candidates = match step.tier {
        1 => match step.member_id {
            Some(person) => store::list_person(tx, id, ro.requester_id, person).await?,
            None => Vec::new(),
        },
        2 => store::circle_rest(tx, id, ro.requester_id).await?,
        3 => store::listeners(tx, id, ro.requester_id)
            .await?
            .into_iter()
            .filter(|l| l.on_duty(now))
            .take(LISTENERS_MAX)
            .map(|l| store::Candidate {
                id: l.id,
                handle: l.handle,
            })
            .collect(),
        _ => store::moderators(tx, Some(id), ro.requester_id).await?,
    };
    let kind = if step.tier >= 4 {
        kinds::MODERATOR
    } else {
        kinds::ASKED
    };
    let payload = serde_json::json!({ "reach_out": id, "from": ro.requester_handle });
    // Everyone this step asks, in a few statements whatever their number.
    let ids: Vec<_> = candidates.iter().map(|c| c.id).collect();
    let new = store::insert_recipients(tx, id, &ids, step.tier, seq, now).await?;
    let keys: Vec<String> = new.iter().map(|m| format!("reach-out:{id}:{m}")).collect();
    let batch: Vec<NewNotice<'_>> = new
        .iter()
        .zip(&keys)
        .map(|(member, key)| NewNotice {
            member: *member,
            kind,
            payload: payload.clone(),
            dedupe_key: key,
            about: Some(ro.requester_id),
        })
        .collect();
    let mut announce = notices::notify_many(tx, &batch, now).await?;
    let asked: Vec<String> = candidates
        .iter()
        .filter(|c| new.contains(&c.id))
        .map(|c| c.handle.clone())
        .collect();
    crate::failpoint::hit("reach-out-step-after-notice");
    let count = i32::try_from(asked.len()).unwrap_or(i32::MAX);
    store::mark_step_fired(tx, id, seq, count, now).await?;
    tracing::info!(reach_out.id = %id, step = seq, tier = step.tier, asked = count, "reach-out step fired");
    if step.tier >= 4 {
        store::set_exhausted(tx, id, now).await?;
        let key = format!("reach-out:{id}:exhausted");
        let notice = NewNotice {
            member: ro.requester_id,
            kind: kinds::EXHAUSTED,
            payload: serde_json::json!({ "reach_out": id }),
            dedupe_key: &key,
            about: None,
        };
        announce.extend(notices::notify(tx, &notice, now).await?);
    }
    let update = serde_json::json!({
        "id": id, "state": "open", "step": seq, "tier": step.tier, "asked": asked,
        "exhausted": step.tier >= 4,
    });
    announce.push(events::record(tx, ro.requester_id, "reach_out", &update, now).await?);
    // Nobody to ask at this step: go straight on to the next.
    let wait = if count > 0 {
        Duration::seconds(i64::from(ro.wait_seconds))
    } else {
        Duration::zero()
    };
    let due = now + wait;
    if store::schedule_step(tx, id, seq + 1, due).await? {
        queue::enqueue(tx, &step_job(id, seq + 1, due)?, now).await?;
    }
    Ok(announce)
}

/// The next day: "How are you today?" to the requester (if they want it)
/// and a thank-you to whoever answered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReachOutFollowUp {
    pub reach_out_id: Uuid,
}

pub const FOLLOW_UP_AFTER: Duration = Duration::days(1);

pub fn follow_up_key(id: Uuid) -> String {
    format!("reach-out-follow-up:{id}")
}

impl Job for ReachOutFollowUp {
    const KIND: &'static str = "reach_out_follow_up";

    async fn run(self, state: &AppState, tx: &mut Tx) -> anyhow::Result<Announce> {
        let now = state.clock.now();
        let id = self.reach_out_id;
        let Some(row) = store::follow_up(tx, id).await? else {
            return Ok(Vec::new());
        };
        let mut announce = Vec::new();
        if row.follow_up.unwrap_or(true) {
            let key = format!("reach-out:{id}:follow-up");
            let notice = NewNotice {
                member: row.requester_id,
                kind: kinds::FOLLOW_UP,
                payload: serde_json::json!({ "reach_out": id }),
                dedupe_key: &key,
                about: None,
            };
            announce.extend(notices::notify(tx, &notice, now).await?);
        }
        if let Some(responder) = row.claimed_by {
            let key = format!("reach-out:{id}:thanks");
            let notice = NewNotice {
                member: responder,
                kind: kinds::THANKS,
                payload: serde_json::json!({ "reach_out": id, "from": row.requester_handle }),
                dedupe_key: &key,
                about: Some(row.requester_id),
            };
            announce.extend(notices::notify(tx, &notice, now).await?);
        }
        Ok(announce)
    }
}
