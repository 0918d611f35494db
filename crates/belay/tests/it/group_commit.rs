//! The shared write path: on SQLite, concurrent write transactions share
//! one commit, each isolated by its own savepoint. The same tests run on
//! PostgreSQL, where each is a plain transaction, to hold both to one
//! contract.

use belay::jobs::queue::{self, NewJob};

use crate::support::{Backend, TestApp};

backend_tests!(
    many_concurrent_write_transactions_all_commit,
    a_dropped_transaction_undoes_only_itself,
    a_failed_statement_leaves_the_rest_of_the_group_alone,
    an_explicit_rollback_undoes_only_that_transaction,
);

fn job(n: usize, key: Option<&str>) -> NewJob {
    NewJob {
        kind: "test_only",
        payload: serde_json::json!({ "n": n }),
        due_at: "2030-01-01T00:00:00Z".parse().unwrap(),
        dedupe_key: key.map(str::to_owned),
        max_attempts: 1,
    }
}

async fn jobs(app: &TestApp) -> i64 {
    app.scalar("select count(*) from job where kind = 'test_only'")
        .await
}

async fn many_concurrent_write_transactions_all_commit(b: Backend) {
    let app = TestApp::spawn(b).await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..200 {
        let db = app.state.db.clone();
        let now = app.now();
        tasks.spawn(async move {
            let mut tx = db.begin_write().await.unwrap();
            queue::enqueue(&mut tx, &job(n, None), now).await.unwrap();
            tx.commit().await.unwrap();
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    assert_eq!(
        jobs(&app).await,
        200,
        "every acknowledged transaction is there"
    );
    if let belay::db::Db::Sqlite(s) = &app.state.db {
        let (commits, units) = s.writer.stats();
        assert!(units >= 200, "{units}");
        assert!(
            commits < units,
            "units shared commits: {commits} commits for {units} units"
        );
    }
}

async fn a_dropped_transaction_undoes_only_itself(b: Backend) {
    let app = TestApp::spawn(b).await;
    let now = app.now();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..50 {
        let db = app.state.db.clone();
        tasks.spawn(async move {
            let mut tx = db.begin_write().await.unwrap();
            queue::enqueue(&mut tx, &job(n, None), now).await.unwrap();
            if n % 5 == 0 {
                drop(tx); // a request that failed half-way
            } else {
                tx.commit().await.unwrap();
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    assert_eq!(jobs(&app).await, 40);
    // The writer is not stuck afterwards.
    let mut tx = app.state.db.begin_write().await.unwrap();
    queue::enqueue(&mut tx, &job(99, None), now).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(jobs(&app).await, 41);
}

async fn a_failed_statement_leaves_the_rest_of_the_group_alone(b: Backend) {
    let app = TestApp::spawn(b).await;
    let now = app.now();
    // A unique key taken by a committed row.
    let mut tx = app.state.db.begin_write().await.unwrap();
    queue::enqueue(&mut tx, &job(0, None), now).await.unwrap();
    let sql = "insert into notice (id, member_id, kind, payload, created_at) values ($1, $2, 'x', '{}', $3)";
    tx.commit().await.unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 1..=30 {
        let db = app.state.db.clone();
        tasks.spawn(async move {
            let mut tx = db.begin_write().await.unwrap();
            queue::enqueue(&mut tx, &job(n, None), now).await.unwrap();
            if n % 3 == 0 {
                // A foreign-key violation: the member does not exist.
                let failed = match &mut tx {
                    belay::db::Tx::Sqlite(t) => sqlx::query(sql)
                        .bind(uuid::Uuid::new_v4())
                        .bind(uuid::Uuid::new_v4())
                        .bind(now)
                        .execute(&mut **t)
                        .await
                        .is_err(),
                    belay::db::Tx::Postgres(t) => sqlx::query(sql)
                        .bind(uuid::Uuid::new_v4())
                        .bind(uuid::Uuid::new_v4())
                        .bind(now)
                        .execute(&mut **t)
                        .await
                        .is_err(),
                };
                assert!(failed);
                tx.rollback().await.unwrap();
            } else {
                tx.commit().await.unwrap();
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    assert_eq!(
        jobs(&app).await,
        21,
        "the first row and the 20 units that committed"
    );
}

async fn an_explicit_rollback_undoes_only_that_transaction(b: Backend) {
    let app = TestApp::spawn(b).await;
    let now = app.now();
    let mut kept = app.state.db.begin_write().await.unwrap();
    queue::enqueue(&mut kept, &job(1, Some("kept")), now)
        .await
        .unwrap();
    kept.commit().await.unwrap();
    let mut undone = app.state.db.begin_write().await.unwrap();
    queue::enqueue(&mut undone, &job(2, Some("undone")), now)
        .await
        .unwrap();
    undone.rollback().await.unwrap();
    assert_eq!(jobs(&app).await, 1);
    assert_eq!(
        app.scalar("select count(*) from job where dedupe_key = 'kept'")
            .await,
        1
    );
}

// ---- inline units (SQLite only) -------------------------------------------

fn sqlite_writer(app: &TestApp) -> std::sync::Arc<belay::db::group::GroupWriter> {
    match &app.state.db {
        belay::db::Db::Sqlite(s) => s.writer.clone(),
        belay::db::Db::Postgres(_) => unreachable!("SQLite only"),
    }
}

/// Inline units and sqlx units, all at once: every acknowledged one is
/// there, and units still share commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_and_sqlx_units_mixed_all_commit() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let writer = sqlite_writer(&app);
    let now = app.now();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..300 {
        let db = app.state.db.clone();
        let writer = writer.clone();
        tasks.spawn(async move {
            // Runs of the same kind, so groups form on each connection.
            if (n / 10) % 2 == 0 {
                let done = writer
                    .run_inline(|c| queue::inline::enqueue(c, &job(n, None), now).map(Some))
                    .await
                    .unwrap();
                assert_eq!(done, Some(()));
            } else {
                let mut tx = db.begin_write().await.unwrap();
                queue::enqueue(&mut tx, &job(n, None), now).await.unwrap();
                tx.commit().await.unwrap();
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    assert_eq!(jobs(&app).await, 300);
    let (commits, units) = writer.stats();
    assert!(units >= 300, "{units}");
    assert!(commits < units, "{commits} commits for {units} units");
}

/// An inline unit that declines or fails is undone; the units around it,
/// in the same groups, are not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_or_failed_inline_unit_undoes_only_itself() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let writer = sqlite_writer(&app);
    let now = app.now();
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..60 {
        let db = app.state.db.clone();
        let writer = writer.clone();
        tasks.spawn(async move {
            if n % 4 == 3 {
                let mut tx = db.begin_write().await.unwrap();
                queue::enqueue(&mut tx, &job(n, None), now).await.unwrap();
                tx.commit().await.unwrap();
                return;
            }
            let answer = writer
                .run_inline(|c| {
                    queue::inline::enqueue(c, &job(n, None), now)?;
                    match n % 3 {
                        0 => Ok(None),
                        // A foreign-key violation: no such member.
                        1 => c
                            .execute(
                                "insert into notice (id, member_id, kind, payload, created_at)
                                values (randomblob(16), randomblob(16), 'x', '{}', '')",
                                [],
                            )
                            .map(|_| Some(())),
                        _ => Ok(Some(())),
                    }
                })
                .await;
            match n % 3 {
                0 => assert_eq!(answer.unwrap(), None, "declined"),
                1 => assert!(answer.is_err(), "failed"),
                _ => assert_eq!(answer.unwrap(), Some(())),
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    let kept = (0..60).filter(|n| n % 4 == 3 || n % 3 == 2).count() as i64;
    assert_eq!(jobs(&app).await, kept);
    // The writer is not stuck afterwards, on either connection.
    let done = writer
        .run_inline(|c| queue::inline::enqueue(c, &job(100, None), now).map(Some))
        .await
        .unwrap();
    assert_eq!(done, Some(()));
    let mut tx = app.state.db.begin_write().await.unwrap();
    queue::enqueue(&mut tx, &job(101, None), now).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(jobs(&app).await, kept + 2);
}

/// While another process holds the write lock, an inline unit runs
/// nothing and says so at once (its caller goes through sqlx, which
/// waits off the runtime's threads) instead of holding a worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_unit_steps_aside_while_another_process_writes() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let writer = sqlite_writer(&app);
    let now = app.now();
    let file: String = match &app.state.db {
        belay::db::Db::Sqlite(s) => {
            sqlx::query_scalar("select file from pragma_database_list where name = 'main'")
                .fetch_one(&s.read)
                .await
                .unwrap()
        }
        belay::db::Db::Postgres(_) => unreachable!(),
    };
    let other = rusqlite::Connection::open(&file).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let ran = std::sync::atomic::AtomicBool::new(false);
    let answer = writer
        .run_inline(|c| {
            ran.store(true, std::sync::atomic::Ordering::SeqCst);
            queue::inline::enqueue(c, &job(1, None), now).map(Some)
        })
        .await
        .unwrap();
    assert_eq!(answer, None);
    assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
    other.execute_batch("ROLLBACK").unwrap();
    let answer = writer
        .run_inline(|c| queue::inline::enqueue(c, &job(2, None), now).map(Some))
        .await
        .unwrap();
    assert_eq!(answer, Some(()));
    assert_eq!(jobs(&app).await, 1);
}

/// A unit whose work panics leaves nothing of itself behind for its
/// group's commit, and the writer goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_inline_unit_leaves_nothing() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let writer = sqlite_writer(&app);
    let now = app.now();
    let panicked = {
        let writer = writer.clone();
        tokio::spawn(async move {
            writer
                .run_inline(|c| -> rusqlite::Result<Option<()>> {
                    queue::inline::enqueue(c, &job(1, None), now)?;
                    panic!("a bug half-way through a unit");
                })
                .await
        })
        .await
    };
    assert!(panicked.is_err_and(|e| e.is_panic()));
    let done = writer
        .run_inline(|c| queue::inline::enqueue(c, &job(2, None), now).map(Some))
        .await
        .unwrap();
    assert_eq!(done, Some(()));
    assert_eq!(jobs(&app).await, 1, "only the second unit's job");
}
