//! Group commit for SQLite: the shared write path.
//!
//! With `synchronous=FULL` every commit waits for the disk to flush, about a
//! millisecond here, so one transaction per request caps writes near a
//! thousand a second however fast the SQL is. Group commit shares that
//! flush between the write transactions that arrive together:
//!
//! * One writer connection, behind an async mutex. A unit of work (what a
//!   caller sees as a write transaction) takes the mutex, opens the shared
//!   outer transaction (`BEGIN IMMEDIATE`) if none is open, and runs inside
//!   its own `SAVEPOINT`, so its failure (or a dropped [`GroupTx`]) rolls
//!   back only its own statements.
//! * Committing a unit releases its savepoint and hands the mutex to the
//!   next unit. Whoever finds no one else waiting (or a full batch) issues
//!   the one `COMMIT`, in a task of its own so a cancelled request can't
//!   interrupt it, and only then are all the units in the group answered:
//!   none is acknowledged before its data is durable.
//! * Every statement is a hand-off to the writer's thread and back, and
//!   those hand-offs, not SQLite, bound the write rate on a small machine
//!   (`BENCHMARKS.md`). So a unit that commits with others waiting opens the
//!   next unit's savepoint in the same call that releases its own
//!   (`RELEASE unit; SAVEPOINT unit`), a unit rolled back keeps its
//!   savepoint open for the next, and the last unit of a group goes
//!   straight to `COMMIT`, which takes its savepoint's work with it.
//! * A unit that fails inside its savepoint gets its error; the others are
//!   unaffected. If the group's `COMMIT` fails, every unit in it gets the
//!   error (nothing was acknowledged, so nothing acknowledged is lost).
//! * The hottest write (saving a check-in) can run as an *inline* unit
//!   ([`GroupWriter::run_inline`]): its statements run on the task's own
//!   thread, on a second writer connection (rusqlite, as [`super::inline`]
//!   reads), with no hand-off at all. A group is on one connection or the
//!   other: a unit for the other one first commits the open group (answering
//!   its units as any commit does), so the one write lock and the one mutex
//!   still order every write. The inline group's `COMMIT`, which waits for
//!   the disk, runs on a blocking thread.

use std::{
    ops::{Deref, DerefMut},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use sqlx::{Sqlite, SqliteConnection, SqlitePool, pool::PoolConnection};
use tokio::sync::{Mutex, OwnedMutexGuard, oneshot};

use super::inline;

/// At most this many units share one commit (bounds their latency).
const MAX_BATCH: usize = 64;

/// Without group commit (for measuring what it saves): every unit commits
/// on its own.
pub const NO_GROUPING: usize = 1;

type Reply = oneshot::Sender<Result<(), String>>;

struct State {
    /// The writer connection; `Some` from the first unit until `close`.
    conn: Option<PoolConnection<Sqlite>>,
    /// The inline units' writer connection; opened by the first of them.
    inline: Option<rusqlite::Connection>,
    /// Whether the shared outer transaction is open.
    open: bool,
    /// Which connection it is open on.
    side: Side,
    /// A savepoint `unit` is open and nothing ran in it yet: the next unit
    /// starts in it.
    armed: bool,
    /// Units whose savepoints are released, waiting for the commit.
    pending: Vec<Reply>,
    /// A unit was dropped unfinished; undo it before anything else.
    rollback_pending: Option<Undo>,
}

/// The connection a group runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// sqlx's writer: [`GroupTx`] units.
    Sqlx,
    /// The inline writer: [`GroupWriter::run_inline`] units.
    Inline,
}

/// How to undo an unfinished unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Undo {
    /// It ran in its own savepoint inside a shared transaction.
    Savepoint,
    /// It opened the transaction and nobody joined it: roll it all back.
    Transaction,
}

pub struct GroupWriter {
    pool: SqlitePool,
    /// The database file, for the inline writer connection.
    path: String,
    state: Arc<Mutex<State>>,
    /// Units waiting for the mutex. A unit that commits while this is zero
    /// closes the group.
    waiting: AtomicUsize,
    /// Commits issued and units committed, for `/metrics` and tests.
    commits: Arc<AtomicUsize>,
    units: Arc<AtomicUsize>,
    max_batch: AtomicUsize,
}
impl std::fmt::Debug for GroupWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupWriter")
            .field("waiting", &self.waiting.load(Ordering::Relaxed))
            .finish()
    }
}

fn group_error(message: String) -> sqlx::Error {
    sqlx::Error::Protocol(format!("the group commit failed: {message}"))
}

async fn exec(conn: &mut SqliteConnection, sql: &'static str) -> sqlx::Result<()> {
    sqlx::query(sql).execute(conn).await.map(|_| ())
}

/// Counts a waiter until it holds the mutex (or gives up).
struct Waiting<'a>(&'a Arc<GroupWriter>, bool);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, Ordering::AcqRel);
        if !self.1 {
            // Cancelled while waiting: someone may have left the group open
            // counting on this unit to close it.
            self.0.finish_later();
        }
    }
}

impl GroupWriter {
    pub fn new(pool: SqlitePool, path: String) -> Arc<Self> {
        Arc::new(Self {
            pool,
            path,
            state: Arc::new(Mutex::new(State {
                conn: None,
                inline: None,
                open: false,
                side: Side::Sqlx,
                armed: false,
                pending: Vec::new(),
                rollback_pending: None,
            })),
            waiting: AtomicUsize::new(0),
            commits: Arc::new(AtomicUsize::new(0)),
            units: Arc::new(AtomicUsize::new(0)),
            max_batch: AtomicUsize::new(MAX_BATCH),
        })
    }

    /// Caps how many units share a commit ([`NO_GROUPING`] turns it off).
    pub fn set_max_batch(&self, n: usize) {
        self.max_batch
            .store(n.clamp(1, MAX_BATCH), Ordering::Relaxed);
    }
    /// (commits, units committed) since start.
    pub fn stats(&self) -> (usize, usize) {
        (
            self.commits.load(Ordering::Relaxed),
            self.units.load(Ordering::Relaxed),
        )
    }

    async fn lock(self: &Arc<Self>) -> OwnedMutexGuard<State> {
        self.waiting.fetch_add(1, Ordering::AcqRel);
        let mut counted = Waiting(self, false);
        let guard = self.state.clone().lock_owned().await;
        counted.1 = true;
        drop(counted);
        guard
    }

    /// Starts a unit of work. The first unit of a group uses the group's
    /// `BEGIN IMMEDIATE` as its own boundary (nobody else is in it while it
    /// holds the writer); later ones each get a savepoint, usually opened
    /// already by the unit before.
    pub async fn begin(self: &Arc<Self>) -> sqlx::Result<GroupTx> {
        let guard = self.lock().await;
        let mut guard = self.settle(guard, Side::Sqlx).await?;
        prepare(&mut guard, &self.pool).await?;
        if guard.armed {
            guard.armed = false;
            return Ok(GroupTx {
                guard: Some(guard),
                writer: self.clone(),
                undo: Undo::Savepoint,
            });
        }
        if !guard.open {
            match exec(conn(&mut guard), "BEGIN IMMEDIATE").await {
                Ok(()) => {
                    guard.open = true;
                    guard.side = Side::Sqlx;
                    return Ok(GroupTx {
                        guard: Some(guard),
                        writer: self.clone(),
                        undo: Undo::Transaction,
                    });
                }
                // Already inside one (a cancelled commit left it): join it.
                Err(e) if e.to_string().contains("within a transaction") => {
                    guard.open = true;
                    guard.side = Side::Sqlx;
                }
                Err(e) => return Err(e),
            }
        }
        exec(conn(&mut guard), "SAVEPOINT unit").await?;
        Ok(GroupTx {
            guard: Some(guard),
            writer: self.clone(),
            undo: Undo::Savepoint,
        })
    }

    /// Closes the group from a task of its own, if no one else will.
    fn finish_later(self: &Arc<Self>) {
        let writer = self.clone();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                let mut guard = writer.state.clone().lock_owned().await;
                let _ = prepare(&mut guard, &writer.pool).await;
                if writer.waiting.load(Ordering::Acquire) == 0 {
                    writer.count(flush(&mut guard).await);
                }
            });
        }
    }

    /// Commits whatever is pending and gives the connection back.
    pub async fn close(&self) {
        let mut guard = self.state.clone().lock_owned().await;
        if guard.conn.is_some() || guard.inline.is_some() {
            let _ = prepare(&mut guard, &self.pool).await;
            self.count(flush(&mut guard).await);
        }
        guard.conn = None;
        guard.inline = None;
    }
}

impl GroupWriter {
    /// The writer's pool, for migrations (run before the first unit).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close_pool(&self) {
        self.pool.close().await;
    }
}

/// The writer connection. Every path to here went through `prepare`, which
/// puts it in place or fails.
fn conn(state: &mut State) -> &mut SqliteConnection {
    match state.conn.as_mut() {
        Some(c) => c,
        None => unreachable!("prepare() ensures the writer connection"),
    }
}

/// The inline writer connection, which `run_inline` opens before any
/// statement.
fn inline_conn(state: &State) -> &rusqlite::Connection {
    match state.inline.as_ref() {
        Some(c) => c,
        None => unreachable!("run_inline() opens the inline writer first"),
    }
}

/// Takes the connection if needed and undoes a dropped unit.
async fn prepare(state: &mut State, pool: &SqlitePool) -> sqlx::Result<()> {
    if state.conn.is_none() {
        state.conn = Some(pool.acquire().await?);
    }
    match state.rollback_pending.take() {
        // The savepoint stays open, empty again: the next unit starts in it.
        Some(Undo::Savepoint) => match exec(conn(state), "ROLLBACK TO unit").await {
            Ok(()) => state.armed = true,
            Err(e) => roll_back_group(state, &e.to_string()).await,
        },
        Some(Undo::Transaction) => roll_back_group(state, "rolled back").await,
        None => {}
    }
    Ok(())
}

/// Rolls the whole group back and fails every unit waiting on it (none of
/// them was acknowledged). Only a unit that owns the whole transaction or a
/// savepoint statement that failed gets here.
async fn roll_back_group(state: &mut State, why: &str) {
    let _ = exec_side(state, "ROLLBACK").await;
    state.open = false;
    state.armed = false;
    if !state.pending.is_empty() {
        tracing::error!(
            units = state.pending.len(),
            error = why,
            "a group was rolled back"
        );
    }
    for reply in state.pending.drain(..) {
        let _ = reply.send(Err(why.to_owned()));
    }
}

impl GroupWriter {
    fn count(&self, units: usize) {
        if units > 0 {
            self.commits.fetch_add(1, Ordering::Relaxed);
            self.units.fetch_add(units, Ordering::Relaxed);
            metrics::counter!("db_group_commits_total").increment(1);
            metrics::counter!("db_group_units_total").increment(units as u64);
        }
    }
}

/// Runs one control statement (`ROLLBACK`, `SAVEPOINT`...) on the group's
/// connection: a hand-off to sqlx's thread, or on this thread inline.
async fn exec_side(state: &mut State, sql: &'static str) -> sqlx::Result<()> {
    match state.side {
        Side::Sqlx => exec(conn(state), sql).await,
        Side::Inline => match state.inline.as_ref() {
            Some(c) => inline::control(c, sql).map_err(inline::into_sqlx),
            None => Err(group_error("the inline writer is gone".into())),
        },
    }
}

/// Commits the group and answers every unit in it; returns how many units
/// it committed.
async fn flush(state: &mut State) -> usize {
    if !state.open && state.pending.is_empty() {
        return 0;
    }
    if state.side == Side::Inline {
        return flush_inline(state).await;
    }
    let result = match exec(conn(state), "COMMIT").await {
        Ok(()) => Ok(()),
        Err(e) if e.to_string().contains("no transaction is active") => Ok(()),
        Err(e) => {
            let _ = exec(conn(state), "ROLLBACK").await;
            Err(e.to_string())
        }
    };
    if let Err(e) = &result {
        tracing::error!(error = %e, units = state.pending.len(), "a group commit failed");
    }
    state.open = false;
    state.armed = false;
    let units = if result.is_ok() {
        state.pending.len()
    } else {
        0
    };
    for reply in state.pending.drain(..) {
        let _ = reply.send(result.clone());
    }
    units
}

/// [`flush`] for an inline group. The connection and the units' answers go
/// to a blocking thread for the `COMMIT` (it waits for the disk), and that
/// thread answers them: if the task waiting here is cancelled, the commit
/// still ends and still answers; only the connection is closed, and the
/// next inline unit opens another.
async fn flush_inline(state: &mut State) -> usize {
    state.open = false;
    state.armed = false;
    let pending = std::mem::take(&mut state.pending);
    let Some(conn) = state.inline.take() else {
        // Nothing can be committed without the connection; nothing of it
        // was acknowledged either.
        for reply in pending {
            let _ = reply.send(Err("the inline writer is gone".into()));
        }
        return 0;
    };
    let commit = tokio::task::spawn_blocking(move || {
        let result = match inline::control(&conn, "COMMIT") {
            Ok(()) => Ok(()),
            Err(e) if e.to_string().contains("no transaction is active") => Ok(()),
            Err(e) => {
                let _ = inline::control(&conn, "ROLLBACK");
                tracing::error!(error = %e, units = pending.len(), "a group commit failed");
                Err(e.to_string())
            }
        };
        let units = if result.is_ok() { pending.len() } else { 0 };
        for reply in pending {
            let _ = reply.send(result.clone());
        }
        (conn, units)
    });
    match commit.await {
        Ok((conn, units)) => {
            state.inline = Some(conn);
            units
        }
        Err(_) => 0,
    }
}

impl GroupWriter {
    /// Commits the open group first if it is on the other connection (from
    /// a task of its own, as every commit is: a cancelled caller must not
    /// cut it).
    async fn settle(
        self: &Arc<Self>,
        guard: OwnedMutexGuard<State>,
        side: Side,
    ) -> sqlx::Result<OwnedMutexGuard<State>> {
        if !guard.open || guard.side == side {
            return Ok(guard);
        }
        let writer = self.clone();
        tokio::spawn(async move {
            let mut guard = guard;
            let _ = prepare(&mut guard, &writer.pool).await;
            writer.count(flush(&mut guard).await);
            guard
        })
        .await
        .map_err(|_| group_error("the committing task stopped".into()))
    }

    /// Ends a unit that succeeded: if others wait, opens the next unit's
    /// savepoint in the call that releases this one; queues for the commit,
    /// issuing it if this unit closes the group; waits until it is durable.
    async fn finish(
        self: &Arc<Self>,
        mut guard: OwnedMutexGuard<State>,
        undo: Undo,
    ) -> sqlx::Result<()> {
        let last = self.waiting.load(Ordering::Acquire) == 0
            || guard.pending.len() + 1 >= self.max_batch.load(Ordering::Relaxed);
        if !last {
            let arm = match undo {
                Undo::Savepoint => "RELEASE unit; SAVEPOINT unit",
                Undo::Transaction => "SAVEPOINT unit",
            };
            if let Err(e) = exec_side(&mut guard, arm).await {
                // Half of it may have run: only undoing the whole group is
                // sure not to keep this unit's work after failing it.
                roll_back_group(&mut guard, &e.to_string()).await;
                return Err(e);
            }
            guard.armed = true;
        }
        let (reply, answer) = oneshot::channel();
        guard.pending.push(reply);
        if last {
            // In a task of its own: a cancelled request must not cut a
            // commit that other units are waiting for.
            let writer = self.clone();
            tokio::spawn(async move {
                let mut guard = guard;
                writer.count(flush(&mut guard).await);
            });
        } else {
            drop(guard);
        }
        match answer.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(group_error(message)),
            Err(_) => Err(group_error("the committing task stopped".into())),
        }
    }

    /// Runs `work` as one unit of the current group, on this thread, on the
    /// inline writer connection, and waits until its group is durable.
    ///
    /// `work` answers `Some` to commit or `None` to decline: its statements
    /// are undone and `Ok(None)` comes back, for a caller whose case needs
    /// more than it can do inline and that goes through [`Self::begin`]
    /// instead. An error undoes the unit too. Only the unit is undone, never
    /// the rest of its group. `Ok(None)` also comes back, with nothing run,
    /// when another process holds the write lock (see
    /// [`inline::open_writer`]).
    ///
    /// Like [`super::inline`]'s reads, `work` holds the thread: only short
    /// statements bounded by a key belong here.
    pub async fn run_inline<T>(
        self: &Arc<Self>,
        work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<Option<T>>,
    ) -> sqlx::Result<Option<T>> {
        let guard = self.lock().await;
        let mut guard = self.settle(guard, Side::Inline).await?;
        if guard.inline.is_none() {
            guard.inline = Some(inline::open_writer(&self.path).map_err(inline::into_sqlx)?);
        }
        let undo = if guard.armed {
            guard.armed = false;
            Undo::Savepoint
        } else if guard.open {
            exec_side(&mut guard, "SAVEPOINT unit").await?;
            Undo::Savepoint
        } else {
            match inline::control(inline_conn(&guard), "BEGIN IMMEDIATE") {
                Ok(()) => {
                    guard.open = true;
                    guard.side = Side::Inline;
                }
                Err(e) if inline::is_busy(&e) => return Ok(None),
                Err(e) => return Err(inline::into_sqlx(e)),
            }
            Undo::Transaction
        };
        // A panic in `work` must not leave its half-done statements in the
        // group for the next commit: undo the unit, then let it go on.
        let done = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            work(inline_conn(&guard))
        })) {
            Ok(done) => done,
            Err(panic) => {
                let _ = self.undo_inline(guard, undo).await;
                std::panic::resume_unwind(panic);
            }
        };
        match done {
            Ok(Some(value)) => self.finish(guard, undo).await.map(|()| Some(value)),
            Ok(None) => self.undo_inline(guard, undo).await.map(|()| None),
            Err(e) => {
                self.undo_inline(guard, undo).await?;
                Err(inline::into_sqlx(e))
            }
        }
    }

    /// Undoes an inline unit: back to its savepoint, which stays open for
    /// the next unit, or the whole transaction if it opened it (nobody else
    /// is in it then). Closes the group if no one else will.
    async fn undo_inline(
        self: &Arc<Self>,
        mut guard: OwnedMutexGuard<State>,
        undo: Undo,
    ) -> sqlx::Result<()> {
        let result = match undo {
            Undo::Savepoint => match exec_side(&mut guard, "ROLLBACK TO unit").await {
                Ok(()) => {
                    guard.armed = true;
                    Ok(())
                }
                Err(e) => {
                    roll_back_group(&mut guard, &e.to_string()).await;
                    Err(e)
                }
            },
            Undo::Transaction => {
                roll_back_group(&mut guard, "rolled back").await;
                Ok(())
            }
        };
        if guard.open && self.waiting.load(Ordering::Acquire) == 0 {
            let writer = self.clone();
            tokio::spawn(async move {
                let mut guard = guard;
                writer.count(flush(&mut guard).await);
            });
        }
        result
    }
}

/// One unit of work in the current group: a write transaction to its user.
pub struct GroupTx {
    guard: Option<OwnedMutexGuard<State>>,
    writer: Arc<GroupWriter>,
    undo: Undo,
}

impl std::fmt::Debug for GroupTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GroupTx")
    }
}

impl Deref for GroupTx {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        match self.guard.as_ref().and_then(|g| g.conn.as_ref()) {
            Some(c) => c,
            None => unreachable!("a live unit holds the prepared connection"),
        }
    }
}

impl DerefMut for GroupTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self.guard.as_mut().and_then(|g| g.conn.as_mut()) {
            Some(c) => c,
            None => unreachable!("a live unit holds the prepared connection"),
        }
    }
}

impl GroupTx {
    /// Releases the unit's savepoint and waits until its group is durable.
    pub async fn commit(mut self) -> sqlx::Result<()> {
        let Some(guard) = self.guard.take() else {
            return Err(group_error("the unit was already finished".into()));
        };
        self.writer.finish(guard, self.undo).await
    }

    /// Undoes the unit; the rest of its group is unaffected.
    pub async fn rollback(mut self) -> sqlx::Result<()> {
        if let Some(mut guard) = self.guard.take() {
            guard.rollback_pending = Some(self.undo);
            let result = prepare(&mut guard, &self.writer.pool).await;
            let close = self.writer.waiting.load(Ordering::Acquire) == 0;
            if close {
                self.writer.count(flush(&mut guard).await);
            }
            return result;
        }
        Ok(())
    }
}

impl Drop for GroupTx {
    fn drop(&mut self) {
        if let Some(mut guard) = self.guard.take() {
            guard.rollback_pending = Some(self.undo);
            drop(guard);
            self.writer.finish_later();
        }
    }
}
