//! Durable jobs: everything that must happen later is a row in `job`,
//! committed in the same transaction as the change that causes it.
//!
//! * **Enqueue** with [`queue::enqueue`] inside the caller's transaction. A
//!   `dedupe_key` makes a job replaceable: enqueueing the same key again moves
//!   the one pending job instead of adding a second.
//! * **Claim** with a lease ([`queue::claim`]): on PostgreSQL with
//!   `FOR UPDATE SKIP LOCKED`, so several instances never take the same job;
//!   on SQLite inside `BEGIN IMMEDIATE` (one writer at a time).
//! * **Run** in a write transaction that also deletes the job row (fenced by
//!   the lease id), so a handler's database effects and the job's completion
//!   commit together. A crash before the commit leaves the job to be claimed
//!   again when its lease runs out: delivery is at least once, so handlers are
//!   idempotent (unique keys on what they write).
//! * **Fail** with exponential back-off; after `MAX_ATTEMPTS` the row stays
//!   with `failed_at` set, for an operator to see in `/metrics` and the logs.

pub mod queue;
pub mod runner;

use std::{future::Future, sync::Arc};

use serde::{Serialize, de::DeserializeOwned};
use tokio::sync::Notify;

use crate::{app::AppState, db::Tx};

/// Events a job wrote, to announce once its transaction has committed.
pub type Announce = Vec<crate::events::Recorded>;

/// A kind of job. Payloads are JSON; handlers must be idempotent.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// Stored in `job.kind`; never rename one that has shipped.
    const KIND: &'static str;
    const MAX_ATTEMPTS: i32 = 10;

    /// Work outside any transaction (network calls such as sending email),
    /// before `run`. Runs again if the job is retried.
    fn before(self, _state: &AppState) -> impl Future<Output = anyhow::Result<Self>> + Send {
        std::future::ready(Ok(self))
    }

    /// Does the work inside `tx`, which also completes the job on commit.
    fn run(
        self,
        state: &AppState,
        tx: &mut Tx,
    ) -> impl Future<Output = anyhow::Result<Announce>> + Send;
}

/// Every kind this build knows how to run. A job of another kind (written
/// by a newer version during a rolling deploy) is left for that version.
pub const KNOWN_KINDS: &[&str] = &[
    crate::clocks::jobs::MilestoneJob::KIND,
    crate::notices::email::NoticeEmail::KIND,
    crate::reachout::jobs::ReachOutStep::KIND,
    crate::reachout::jobs::ReachOutFollowUp::KIND,
    crate::checkins::risk::SilenceCheck::KIND,
];

/// Runs a claimed job by kind: `before`, then `run` and the job's
/// completion in one transaction, then its announcements.
pub(crate) async fn dispatch(state: &AppState, job: &queue::Claimed) -> anyhow::Result<()> {
    let payload = job.payload.0.clone();
    match job.kind.as_str() {
        crate::clocks::jobs::MilestoneJob::KIND => {
            run_typed::<crate::clocks::jobs::MilestoneJob>(state, payload, job).await
        }
        crate::notices::email::NoticeEmail::KIND => {
            run_typed::<crate::notices::email::NoticeEmail>(state, payload, job).await
        }
        crate::reachout::jobs::ReachOutStep::KIND => {
            run_typed::<crate::reachout::jobs::ReachOutStep>(state, payload, job).await
        }
        crate::reachout::jobs::ReachOutFollowUp::KIND => {
            run_typed::<crate::reachout::jobs::ReachOutFollowUp>(state, payload, job).await
        }
        crate::checkins::risk::SilenceCheck::KIND => {
            run_typed::<crate::checkins::risk::SilenceCheck>(state, payload, job).await
        }
        other => anyhow::bail!("no handler for job kind {other}"),
    }
}

async fn run_typed<J: Job>(
    state: &AppState,
    payload: serde_json::Value,
    claimed: &queue::Claimed,
) -> anyhow::Result<()> {
    let job: J = serde_json::from_value(payload)
        .map_err(|e| anyhow::anyhow!("payload of a {} job does not parse: {e}", J::KIND))?;
    let job = job.before(state).await?;
    let mut tx = state.db.begin_write().await?;
    let announce = job.run(state, &mut tx).await?;
    queue::complete(&mut tx, claimed).await?;
    tx.commit().await?;
    state.events.announce_all(&announce);
    Ok(())
}

/// A handle to wake this process's job runner after a commit that enqueued
/// something due now (other instances find it on their next poll).
#[derive(Clone, Debug, Default)]
pub struct JobQueue {
    notify: Arc<Notify>,
}

impl JobQueue {
    /// Wakes one idle worker (or the next to go idle). A worker that finds a
    /// job wakes another in turn, so a burst is shared out while a commit
    /// that enqueued nothing due costs one look, not one per worker.
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    pub(crate) fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.notify.notified()
    }
}
