//! The job table's SQL, including the one statement that differs by
//! backend: claiming.

use std::sync::LazyLock;

use chrono::{DateTime, Duration, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use super::{Job, KNOWN_KINDS};
use crate::db::{Db, Tx, on_db, on_tx};

/// How long a claimed job is ours before another worker may take it over.
pub const LEASE: Duration = Duration::seconds(60);

/// The lease of a reach-out step, whose handler is a few statements: if the
/// instance that claimed it dies, another takes the step over this soon.
pub const SHORT_LEASE: Duration = Duration::seconds(5);

/// A job to add. Build one with [`NewJob::of`].
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: &'static str,
    pub payload: serde_json::Value,
    pub due_at: DateTime<Utc>,
    pub dedupe_key: Option<String>,
    pub max_attempts: i32,
}

impl NewJob {
    pub fn of<J: Job>(
        job: &J,
        due_at: DateTime<Utc>,
        dedupe_key: Option<String>,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            kind: J::KIND,
            payload: serde_json::to_value(job)?,
            due_at,
            dedupe_key,
            max_attempts: J::MAX_ATTEMPTS,
        })
    }
}

const ENQUEUE: &str = "insert into job
        (id, kind, payload, dedupe_key, due_at, attempts, max_attempts, created_at)
    values ($1, $2, $3, $4, $5, 0, $6, $7)
    on conflict (dedupe_key) do update set
        kind = excluded.kind, payload = excluded.payload, due_at = excluded.due_at,
        max_attempts = excluded.max_attempts, lease_id = null, leased_until = null,
        attempts = 0, last_error = null, failed_at = null";

const CANCEL: &str = "delete from job where dedupe_key = $1";

/// Adds a job in the caller's transaction. With a `dedupe_key`, replaces the
/// pending job of that key (new payload and due time, fresh attempts).
pub async fn enqueue(tx: &mut Tx, job: &NewJob, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = ENQUEUE;
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(Uuid::new_v4())
        .bind(job.kind)
        .bind(Json(&job.payload))
        .bind(job.dedupe_key.as_deref())
        .bind(job.due_at)
        .bind(job.max_attempts)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Removes the pending job of a key (e.g. the clock it was for is gone).
pub async fn cancel(tx: &mut Tx, dedupe_key: &str) -> sqlx::Result<()> {
    const SQL: &str = CANCEL;
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(dedupe_key)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// [`enqueue`] and [`cancel`] for an inline unit of SQLite's group writer
/// (`db::group`), binding the values as sqlx does.
pub mod inline {
    use chrono::{DateTime, Utc};
    use rusqlite::{Connection, params};
    use uuid::Uuid;

    use super::NewJob;
    use crate::db::inline::bind;

    pub fn enqueue(conn: &Connection, job: &NewJob, now: DateTime<Utc>) -> rusqlite::Result<()> {
        let payload = serde_json::to_string(&job.payload)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        conn.prepare_cached(super::ENQUEUE)?.execute(params![
            bind::uuid(Uuid::new_v4()),
            job.kind,
            payload,
            job.dedupe_key,
            bind::time(job.due_at),
            job.max_attempts,
            bind::time(now),
        ])?;
        Ok(())
    }

    pub fn cancel(conn: &Connection, dedupe_key: &str) -> rusqlite::Result<()> {
        conn.prepare_cached(super::CANCEL)?
            .execute(params![dedupe_key])?;
        Ok(())
    }
}

/// A job this worker holds a lease on.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: Uuid,
    pub kind: String,
    pub payload: Json<serde_json::Value>,
    pub attempts: i32,
    pub max_attempts: i32,
    #[sqlx(skip)]
    pub lease_id: Uuid,
}

fn known_kinds_sql() -> String {
    KNOWN_KINDS
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which jobs may be claimed at the time bound to `now` (a placeholder).
/// `kind in (...)` lists this build's kinds, which are compile-time
/// constants (no input reaches this string).
fn claimable(now: &str) -> String {
    format!(
        "failed_at is null and due_at <= {now}
           and (leased_until is null or leased_until < {now})
           and kind in ({})",
        known_kinds_sql()
    )
}

/// The claim statement. PostgreSQL adds `for update skip locked` so
/// concurrent instances pass over each other's rows; SQLite needs nothing,
/// its single writer serialises claims.
fn claim_sql(locking: &str) -> String {
    format!(
        "update job set lease_id = $1, attempts = attempts + 1,
            leased_until = case when kind = '{short}' then $4 else $2 end
        where id = (select id from job where {}
                    order by due_at limit 1 {locking})
        returning id, kind, payload, attempts, max_attempts",
        claimable("$3"),
        short = crate::reachout::jobs::ReachOutStep::KIND,
    )
}

static CLAIM_SQLITE: LazyLock<String> = LazyLock::new(|| claim_sql(""));
static CLAIM_POSTGRES: LazyLock<String> = LazyLock::new(|| claim_sql("for update skip locked"));
static ANY_CLAIMABLE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "select exists (select 1 from job where {})",
        claimable("$1")
    )
});

/// Whether any job may be claimed now, read without a write transaction.
/// Every commit that enqueues wakes the runner's workers, and most of those
/// commits (a message, a check-in) enqueue nothing due yet: asking a reader
/// first keeps those wake-ups off the one SQLite writer.
async fn any_claimable(db: &Db, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let sql: &'static str = ANY_CLAIMABLE.as_str();
    on_db!(db, |p| sqlx::query_scalar(sql).bind(now).fetch_one(p).await)
}

/// Claims the job that has been due longest, if any. PostgreSQL skips rows
/// another instance has locked; SQLite serialises claims through its one
/// writer, so the sub-select and update are atomic there too.
pub async fn claim(db: &Db, now: DateTime<Utc>) -> sqlx::Result<Option<Claimed>> {
    if !any_claimable(db, now).await? {
        return Ok(None);
    }
    let lease_id = Uuid::new_v4();
    let until = now + LEASE;
    let short_until = now + SHORT_LEASE;
    let mut tx = db.begin_write().await?;
    let claimed: Option<Claimed> = match &mut tx {
        Tx::Sqlite(t) => {
            let sql: &'static str = CLAIM_SQLITE.as_str();
            sqlx::query_as(sql)
                .bind(lease_id)
                .bind(until)
                .bind(now)
                .bind(short_until)
                .fetch_optional(&mut **t)
                .await?
        }
        Tx::Postgres(t) => {
            let sql: &'static str = CLAIM_POSTGRES.as_str();
            sqlx::query_as(sql)
                .bind(lease_id)
                .bind(until)
                .bind(now)
                .bind(short_until)
                .fetch_optional(&mut **t)
                .await?
        }
    };
    tx.commit().await?;
    Ok(claimed.map(|c| Claimed { lease_id, ..c }))
}

/// Frees every lease at start-up on SQLite, where only this process can
/// hold one: a job claimed before a crash runs again at once instead of
/// when its lease would have run out. (On PostgreSQL other instances may
/// hold live leases, so they run out instead.)
pub async fn release_leases(tx: &mut Tx) -> sqlx::Result<u64> {
    const SQL: &str =
        "update job set lease_id = null, leased_until = null where leased_until is not null";
    on_tx!(tx, |c| sqlx::query(SQL)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
}

/// Deletes a finished job in the handler's transaction. Fenced by the lease:
/// if the job was re-enqueued (new due time) meanwhile, the new one stays.
pub async fn complete(tx: &mut Tx, job: &Claimed) -> sqlx::Result<()> {
    const SQL: &str = "delete from job where id = $1 and lease_id = $2";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(job.id)
        .bind(job.lease_id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Back-off after the n-th failed attempt: 5 s, 10 s, 20 s... up to an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 20) - 1;
    let secs = 5_i64.saturating_mul(1_i64 << exp);
    Duration::seconds(secs.min(3600))
}

/// Records a failed attempt: retry later, or give up after the last one.
pub async fn fail(db: &Db, job: &Claimed, error: &str, now: DateTime<Utc>) -> sqlx::Result<bool> {
    const SQL: &str = "update job set lease_id = null, leased_until = null, due_at = $3,
            last_error = $4, failed_at = $5
        where id = $1 and lease_id = $2";
    let dead = job.attempts >= job.max_attempts;
    let failed_at = dead.then_some(now);
    let error: String = error.chars().take(500).collect();
    let mut tx = db.begin_write().await?;
    on_tx!(&mut tx, |c| sqlx::query(SQL)
        .bind(job.id)
        .bind(job.lease_id)
        .bind(now + backoff(job.attempts))
        .bind(error)
        .bind(failed_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(dead)
}

/// Counts for `/metrics`: jobs waiting, due now, and given up on.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow)]
pub struct Counts {
    pub pending: i64,
    pub due: i64,
    pub failed: i64,
}

pub async fn counts(db: &Db, now: DateTime<Utc>) -> sqlx::Result<Counts> {
    const SQL: &str = "select
            coalesce(sum(case when failed_at is null then 1 else 0 end), 0) as pending,
            coalesce(sum(case when failed_at is null and due_at <= $1 then 1 else 0 end), 0) as due,
            coalesce(sum(case when failed_at is not null then 1 else 0 end), 0) as failed
        from job";
    on_db!(db, |p| sqlx::query_as(SQL).bind(now).fetch_one(p).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_and_stops_at_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(5));
        assert_eq!(backoff(2), Duration::seconds(10));
        assert_eq!(backoff(5), Duration::seconds(80));
        assert_eq!(backoff(11), Duration::seconds(3600));
        assert_eq!(backoff(1000), Duration::seconds(3600));
    }

    #[test]
    fn the_claim_only_takes_kinds_this_build_knows() {
        assert!(CLAIM_POSTGRES.contains("'clock_milestone'"));
        assert!(CLAIM_POSTGRES.contains("skip locked"));
        assert!(CLAIM_SQLITE.contains("when kind = 'reach_out_step' then $4"));
        assert!(!CLAIM_SQLITE.contains("skip locked"));
    }
}
