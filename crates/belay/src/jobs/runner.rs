//! The job runner inside `belay serve`: a few workers that claim due jobs,
//! run them, and sleep until woken or the next poll.

use std::time::Duration;

use tokio::{sync::watch, task::JoinSet};

use super::queue::{self, Claimed};
use crate::app::AppState;

/// How often an idle worker looks for due jobs (jobs enqueued in this
/// process wake it at once).
const POLL: Duration = Duration::from_millis(500);

/// Runs `workers` workers until `shutdown` turns true; each finishes the job
/// in hand first.
pub async fn run(state: AppState, workers: usize, shutdown: watch::Receiver<bool>) {
    let mut set = JoinSet::new();
    for worker in 0..workers {
        let state = state.clone();
        let shutdown = shutdown.clone();
        set.spawn(async move { work(state, worker, shutdown).await });
    }
    while set.join_next().await.is_some() {}
}

async fn work(state: AppState, worker: usize, mut shutdown: watch::Receiver<bool>) {
    tracing::debug!(worker, "job worker started");
    while !*shutdown.borrow() {
        let woken = state.jobs.notified();
        match run_one(&state).await {
            Ok(true) => {
                // There may be more: let another worker look too.
                state.jobs.wake();
                continue;
            }
            Ok(false) => {}
            Err(err) => tracing::warn!(error = format!("{err:#}"), "claiming a job failed"),
        }
        tokio::select! {
            _ = woken => {}
            _ = tokio::time::sleep(POLL) => {}
            _ = shutdown.changed() => {}
        }
    }
    tracing::debug!(worker, "job worker stopped");
}

/// Claims and runs one due job. `Ok(false)` when nothing was due.
pub async fn run_one(state: &AppState) -> anyhow::Result<bool> {
    let Some(job) = queue::claim(&state.db, state.clock.now()).await? else {
        return Ok(false);
    };
    let kind = job.kind.clone();
    let task_state = state.clone();
    let task_job = job.clone();
    // A task of its own: a panicking handler fails its job, not the worker.
    let outcome = tokio::spawn(async move { execute(&task_state, &task_job).await }).await;
    let error = match outcome {
        Ok(Ok(())) => {
            metrics::counter!("jobs_completed_total", "kind" => kind).increment(1);
            return Ok(true);
        }
        Ok(Err(err)) => format!("{err:#}"),
        Err(join) if join.is_panic() => "the handler panicked".to_owned(),
        Err(_) => "the handler was cancelled".to_owned(),
    };
    let dead = queue::fail(&state.db, &job, &error, state.clock.now()).await?;
    metrics::counter!("jobs_failed_total", "kind" => kind.clone()).increment(1);
    if dead {
        tracing::error!(job.id = %job.id, job.kind = %kind, error, "job gave up after its last attempt");
    } else {
        tracing::warn!(job.id = %job.id, job.kind = %kind, attempt = job.attempts, error, "job failed; will retry");
    }
    Ok(true)
}

async fn execute(state: &AppState, job: &Claimed) -> anyhow::Result<()> {
    super::dispatch(state, job).await
}

/// Runs every job that is due now, one after another; for tests, the CLI
/// and anything else that wants the queue drained deterministically.
pub async fn drain(state: &AppState) -> anyhow::Result<usize> {
    let mut ran = 0;
    while run_one(state).await? {
        ran += 1;
    }
    Ok(ran)
}
