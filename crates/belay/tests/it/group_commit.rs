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
