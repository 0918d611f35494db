//! Recovery clocks: day counts in the member's zone (across DST too),
//! milestones, resets with private history, and the milestone job.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

backend_tests!(
    a_clock_started_today_shows_zero_days,
    day_counts_follow_each_members_time_zone,
    day_counts_are_right_across_a_dst_change,
    every_invalid_clock_is_a_422_and_changes_nothing,
    a_reset_keeps_private_history,
    clocks_are_only_reachable_by_their_owner,
    renaming_and_deleting_a_clock,
    the_milestone_notice_is_recorded_at_local_midnight_across_dst,
    the_milestone_job_records_each_notice_once,
    a_reset_moves_the_milestone_job,
    changing_time_zone_moves_the_milestone_job,
);

async fn create(app: &TestApp, token: &str, label: &str, started_on: &str) -> Value {
    let (status, body) = app
        .post(
            "/api/v1/me/clocks",
            token,
            json!({"label": label, "started_on": started_on}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn a_clock_started_today_shows_zero_days(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    let clock = create(&app, &token, "alcohol", "2026-06-15").await;
    assert_eq!(clock["days"], 0);
    assert_eq!(clock["next_milestone"]["label"], "1 day");
    assert_eq!(clock["next_milestone"]["date"], "2026-06-16");
    assert_eq!(clock["next_milestone"]["days_until"], 1);
    assert_eq!(clock["milestone_today"], Value::Null);
}

async fn day_counts_follow_each_members_time_zone(b: Backend) {
    let app = TestApp::spawn(b).await;
    // 2026-06-15T12:00Z is already the 16th on Kiritimati (UTC+14) and
    // still the 15th on Pago Pago (UTC-11).
    let east = app.member_in("east_side", "Pacific/Kiritimati").await;
    let west = app.member_in("west_side", "Pacific/Pago_Pago").await;
    let e = create(&app, &east, "alcohol", "2026-06-16").await;
    assert_eq!(e["days"], 0);
    let (status, body) = app
        .post(
            "/api/v1/me/clocks",
            &west,
            json!({"label": "alcohol", "started_on": "2026-06-16"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "tomorrow for Pago Pago: {body}"
    );
    let w = create(&app, &west, "alcohol", "2026-06-01").await;
    assert_eq!(w["days"], 14);
    app.set_now("2026-06-16T11:30:00Z");
    let (_, list) = app.get("/api/v1/me/clocks", &west).await;
    assert_eq!(list[0]["days"], 15, "it is 00:30 on the 16th in Pago Pago");
    let (_, list) = app.get("/api/v1/me/clocks", &east).await;
    assert_eq!(list[0]["days"], 1);
}

async fn day_counts_are_right_across_a_dst_change(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.set_now("2026-03-07T17:00:00Z");
    let token = app.member_in("river", "America/New_York").await;
    create(&app, &token, "alcohol", "2026-03-07").await;
    let days_at = |at: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            app.set_now(at);
            let (_, list) = app.get("/api/v1/me/clocks", &token).await;
            list[0]["days"].as_i64().unwrap()
        }
    };
    assert_eq!(
        days_at("2026-03-08T04:59:00Z").await,
        0,
        "23:59 EST on the 7th"
    );
    assert_eq!(days_at("2026-03-08T05:00:00Z").await, 1, "midnight EST");
    // Clocks sprang forward at 02:00 on the 8th; midnight is now 04:00Z.
    assert_eq!(
        days_at("2026-03-09T03:59:00Z").await,
        1,
        "23:59 EDT on the 8th"
    );
    assert_eq!(days_at("2026-03-09T04:00:00Z").await, 2, "midnight EDT");
    // And back in the autumn (1 November 2026, 02:00 EDT -> 01:00 EST).
    assert_eq!(
        days_at("2026-11-02T04:59:00Z").await,
        239,
        "23:59 EST on 1 November"
    );
    assert_eq!(days_at("2026-11-02T05:00:00Z").await, 240);
}

async fn every_invalid_clock_is_a_422_and_changes_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    let cases = [
        (json!({"label": "", "started_on": "2026-06-01"}), "label"),
        (
            json!({"label": "x".repeat(61), "started_on": "2026-06-01"}),
            "label",
        ),
        (
            json!({"label": "alcohol", "started_on": "2026-06-16"}),
            "started_on",
        ),
        (
            json!({"label": "alcohol", "started_on": "1899-12-31"}),
            "started_on",
        ),
        (
            json!({"label": "alcohol", "started_on": "2026-02-30"}),
            "started_on",
        ),
        (
            json!({"label": "alcohol", "started_on": "June 1st"}),
            "started_on",
        ),
        (json!({"label": "alcohol"}), "started_on"),
        (
            json!({"label": "alcohol", "started_on": 20260601}),
            "started_on",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = app.post("/api/v1/me/clocks", &token, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert!(
            answer["error"]["fields"][field].is_array(),
            "{body} should name {field}: {answer}"
        );
    }
    create(&app, &token, "alcohol", "1900-01-01").await;
    assert_eq!(app.scalar("select count(*) from clock").await, 1);
}

async fn a_reset_keeps_private_history(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    let clock = create(&app, &token, "alcohol", "2026-01-01").await;
    let id = clock["id"].as_str().unwrap();
    let path = format!("/api/v1/me/clocks/{id}/reset");
    let (status, body) = app
        .post(&path, &token, json!({"started_on": "2025-12-01"}))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "before the current start: {body}"
    );
    let (status, reset) = app.post(&path, &token, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{reset}");
    assert_eq!(reset["days"], 0);
    assert_eq!(reset["started_on"], "2026-06-15");
    assert_eq!(reset["resets"], 1);
    let (status, _) = app.post(&path, &token, json!({})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "already starts today"
    );
    let (_, detail) = app.get(&format!("/api/v1/me/clocks/{id}"), &token).await;
    assert_eq!(detail["history"][0]["previous_started_on"], "2026-01-01");
    assert_eq!(detail["history"][0]["days_counted"], 165);
}

async fn clocks_are_only_reachable_by_their_owner(b: Backend) {
    let app = TestApp::spawn(b).await;
    let river = app.member("river").await;
    let sky = app.member("sky").await;
    let clock = create(&app, &river, "alcohol", "2026-01-01").await;
    let id = clock["id"].as_str().unwrap();
    let (_, list) = app.get("/api/v1/me/clocks", &sky).await;
    assert_eq!(list, json!([]));
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/me/clocks/{id}"), None),
        (
            Method::PATCH,
            format!("/api/v1/me/clocks/{id}"),
            Some(json!({"label": "mine now"})),
        ),
        (
            Method::POST,
            format!("/api/v1/me/clocks/{id}/reset"),
            Some(json!({})),
        ),
        (Method::DELETE, format!("/api/v1/me/clocks/{id}"), None),
    ] {
        let (status, _) = app
            .call(method.clone(), &path, Some(&sky), body.clone())
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
        let (status, _) = app.call(method.clone(), &path, None, body).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "anonymous {method} {path}"
        );
    }
    let (_, detail) = app.get(&format!("/api/v1/me/clocks/{id}"), &river).await;
    assert_eq!(detail["label"], "alcohol");
    assert_eq!(detail["resets"], 0);
}

async fn renaming_and_deleting_a_clock(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    let clock = create(&app, &token, "alcohol", "2026-01-01").await;
    let path = format!("/api/v1/me/clocks/{}", clock["id"].as_str().unwrap());
    let (status, renamed) = app
        .call(
            Method::PATCH,
            &path,
            Some(&token),
            Some(json!({"label": "drinking"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(renamed["label"], "drinking");
    let (status, _) = app.call(Method::DELETE, &path, Some(&token), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.scalar("select count(*) from clock").await, 0);
    assert_eq!(
        app.scalar("select count(*) from job").await,
        0,
        "its milestone job went with it"
    );
}

async fn job_due(app: &TestApp) -> String {
    let db = &app.state.db;
    let due: chrono::DateTime<chrono::Utc> = match db {
        belay::db::Db::Sqlite(s) => sqlx::query_scalar("select due_at from job")
            .fetch_one(&s.read)
            .await
            .unwrap(),
        belay::db::Db::Postgres(p) => sqlx::query_scalar("select due_at from job")
            .fetch_one(p)
            .await
            .unwrap(),
    };
    due.to_rfc3339()
}

async fn the_milestone_notice_is_recorded_at_local_midnight_across_dst(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.set_now("2026-03-07T17:00:00Z");
    let token = app.member_in("river", "America/New_York").await;
    create(&app, &token, "alcohol", "2026-03-07").await;
    assert_eq!(
        job_due(&app).await,
        "2026-03-08T05:00:00+00:00",
        "midnight EST"
    );

    app.set_now("2026-03-08T04:59:59Z");
    assert_eq!(app.run_due_jobs().await, 0);
    app.set_now("2026-03-08T05:00:00Z");
    assert_eq!(app.run_due_jobs().await, 1);
    assert_eq!(
        app.scalar("select count(*) from notice where kind = 'milestone'")
            .await,
        1
    );
    // The 7-day milestone falls after the change: midnight EDT is 04:00Z.
    assert_eq!(job_due(&app).await, "2026-03-14T04:00:00+00:00");

    let browser = crate::support::Browser::new(&app);
    browser.log_in("river", crate::support::app::PASSWORD).await;
    let home = browser.get("/").await;
    assert!(
        home.html.contains("1 day on your alcohol clock today"),
        "{}",
        home.html
    );
}

async fn the_milestone_job_records_each_notice_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    create(&app, &token, "alcohol", "2026-06-15").await;
    app.set_now("2026-06-16T00:00:00Z");
    assert_eq!(app.run_due_jobs().await, 1);
    // A retried delivery of the same job (as after a crash before its
    // completion was recorded) must not tell the member twice.
    let clock_id = belay::clocks::model::ClockId(
        app.get("/api/v1/me/clocks", &token).await.1[0]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap(),
    );
    let mut tx = app.state.db.begin_write().await.unwrap();
    let job = belay::clocks::jobs::MilestoneJob {
        clock_id,
        started_on: "2026-06-15".parse().unwrap(),
        milestone_on: "2026-06-16".parse().unwrap(),
    };
    let again = belay::jobs::queue::NewJob::of(&job, app.now(), None).unwrap();
    belay::jobs::queue::enqueue(&mut tx, &again, app.now())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(app.run_due_jobs().await, 1);
    assert_eq!(app.scalar("select count(*) from notice").await, 1);
    assert_eq!(
        app.scalar("select count(*) from job").await,
        1,
        "one pending job: the 7-day milestone"
    );
}

async fn a_reset_moves_the_milestone_job(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    let clock = create(&app, &token, "alcohol", "2026-05-01").await;
    assert_eq!(job_due(&app).await, "2026-06-30T00:00:00+00:00", "60 days");
    let id = clock["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/me/clocks/{id}/reset"),
        &token,
        json!({"started_on": "2026-06-10"}),
    )
    .await;
    assert_eq!(app.scalar("select count(*) from job").await, 1);
    assert_eq!(
        job_due(&app).await,
        "2026-06-17T00:00:00+00:00",
        "7 days from the new start"
    );
}

async fn changing_time_zone_moves_the_milestone_job(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    create(&app, &token, "alcohol", "2026-06-15").await;
    assert_eq!(job_due(&app).await, "2026-06-16T00:00:00+00:00");
    let (status, _) = app
        .call(
            Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some(json!({"time_zone": "Asia/Tokyo"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        job_due(&app).await,
        "2026-06-15T15:00:00+00:00",
        "midnight on the 16th in Tokyo is 15:00Z on the 15th"
    );
}
