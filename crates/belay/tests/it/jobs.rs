//! The durable job queue: claims never hand one job to two workers, leases
//! expire, failures back off and finally give up.

use std::collections::HashSet;

use belay::jobs::queue::{self, NewJob};
use chrono::Duration;

use crate::support::{Backend, TestApp};

backend_tests!(
    concurrent_claims_never_take_the_same_job_twice,
    a_claimed_job_is_taken_again_only_after_its_lease_expires,
    a_failing_job_backs_off_and_finally_gives_up,
    jobs_of_unknown_kinds_are_left_alone,
);

async fn enqueue_many(app: &TestApp, n: usize, kind: &'static str) {
    let mut tx = app.state.db.begin_write().await.unwrap();
    for i in 0..n {
        let job = NewJob {
            kind,
            payload: serde_json::json!({"n": i}),
            due_at: app.now(),
            dedupe_key: None,
            max_attempts: 3,
        };
        queue::enqueue(&mut tx, &job, app.now()).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn concurrent_claims_never_take_the_same_job_twice(b: Backend) {
    let app = TestApp::spawn(b).await;
    enqueue_many(&app, 60, "clock_milestone").await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let db = app.state.db.clone();
        let now = app.now();
        tasks.spawn(async move {
            let mut mine = Vec::new();
            while let Some(job) = queue::claim(&db, now).await.unwrap() {
                mine.push(job.id);
            }
            mine
        });
    }
    let mut all = Vec::new();
    while let Some(ids) = tasks.join_next().await {
        all.extend(ids.unwrap());
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 60, "every job claimed");
    assert_eq!(unique.len(), 60, "no job claimed twice");
}

async fn a_claimed_job_is_taken_again_only_after_its_lease_expires(b: Backend) {
    let app = TestApp::spawn(b).await;
    enqueue_many(&app, 1, "clock_milestone").await;
    let first = queue::claim(&app.state.db, app.now())
        .await
        .unwrap()
        .expect("a job");
    assert_eq!(first.attempts, 1);
    // The worker that claimed it dies without finishing.
    assert!(
        queue::claim(&app.state.db, app.now())
            .await
            .unwrap()
            .is_none()
    );
    app.clock.advance(queue::LEASE - Duration::seconds(1));
    assert!(
        queue::claim(&app.state.db, app.now())
            .await
            .unwrap()
            .is_none()
    );
    app.clock.advance(Duration::seconds(2));
    let again = queue::claim(&app.state.db, app.now())
        .await
        .unwrap()
        .expect("reclaimed");
    assert_eq!(again.id, first.id);
    assert_eq!(again.attempts, 2);
}

async fn a_failing_job_backs_off_and_finally_gives_up(b: Backend) {
    let app = TestApp::spawn(b).await;
    // A milestone job whose payload does not parse fails every time.
    enqueue_many(&app, 1, "clock_milestone").await;
    let run = || belay::jobs::runner::run_one(&app.state);
    assert!(run().await.unwrap());
    assert_eq!(
        app.scalar("select count(*) from job where attempts = 1 and last_error is not null")
            .await,
        1
    );
    assert!(!run().await.unwrap(), "not due again before its back-off");
    app.clock.advance(Duration::seconds(5));
    assert!(run().await.unwrap());
    app.clock.advance(Duration::seconds(9));
    assert!(!run().await.unwrap(), "the second back-off is 10 s");
    app.clock.advance(Duration::seconds(1));
    assert!(run().await.unwrap());
    assert_eq!(
        app.scalar("select count(*) from job where failed_at is not null and attempts = 3")
            .await,
        1
    );
    app.clock.advance(Duration::hours(2));
    assert!(!run().await.unwrap(), "a job that gave up is not run again");
}

async fn jobs_of_unknown_kinds_are_left_alone(b: Backend) {
    let app = TestApp::spawn(b).await;
    enqueue_many(&app, 2, "from_a_newer_version").await;
    assert!(
        queue::claim(&app.state.db, app.now())
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        app.scalar("select count(*) from job where attempts = 0")
            .await,
        2
    );
}
