//! Notice email over SMTP (a real SMTP server on loopback): one email per
//! notice with no detail in it, nothing during quiet hours, nothing for a
//! message read in time, and the same Message-ID when a crash makes the
//! sender send again.

use belay::jobs::{Job, queue};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Backend, TestApp, smtp::SmtpServer};

backend_tests!(
    a_member_who_asked_gets_one_email_per_notice_with_no_detail,
    no_email_without_an_address_or_the_choice,
    email_waits_for_quiet_hours_to_end,
    a_message_read_in_time_sends_no_email,
    a_crash_after_sending_resends_the_same_message_id,
    a_reach_out_comes_through_quiet_hours_for_those_who_allow_it,
);

async fn setup(b: Backend) -> (TestApp, SmtpServer, String) {
    let smtp = SmtpServer::start().await;
    let url = smtp.url.clone();
    let app = TestApp::spawn_with(b, move |c| c.smtp_url = Some(url)).await;
    let token = app.member("river").await;
    let (status, body) = app
        .call(
            Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some(json!({"email": "river@example.org", "email_notices": true})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (app, smtp, token)
}

/// A clock started today; its first milestone is due at the next midnight.
async fn milestone_tomorrow(app: &TestApp, token: &str) {
    app.post(
        "/api/v1/me/clocks",
        token,
        json!({"label": "gambling", "started_on": "2026-06-15"}),
    )
    .await;
}

async fn a_member_who_asked_gets_one_email_per_notice_with_no_detail(b: Backend) {
    let (app, smtp, token) = setup(b).await;
    milestone_tomorrow(&app, &token).await;
    app.set_now("2026-06-16T00:00:00Z");
    app.run_due_jobs().await;
    let inbox = smtp.received();
    assert_eq!(inbox.len(), 1, "{inbox:?}");
    let mail = &inbox[0];
    assert_eq!(mail.to, ["<river@example.org>"]);
    assert_eq!(mail.from, "<belay@localhost>");
    assert_eq!(
        mail.header("Subject").as_deref(),
        Some("You have a new notice on Belay")
    );
    assert!(
        mail.header("Message-ID")
            .is_some_and(|id| id.starts_with("<notice-"))
    );
    let body = mail
        .data
        .split_once("\n\n")
        .map(|(_, b)| b)
        .unwrap_or_default();
    let subject = mail.header("Subject").unwrap_or_default();
    for secret in ["gambling", "2026-06-15", "river", "1 day"] {
        assert!(
            !body.contains(secret) && !subject.contains(secret),
            "the email gives away `{secret}`: {}",
            mail.data
        );
    }
    assert!(mail.data.contains("/notices"));
    app.clock.advance(chrono::Duration::hours(1));
    app.run_due_jobs().await;
    assert_eq!(smtp.received().len(), 1, "never twice");
    assert_eq!(
        app.scalar("select count(*) from notice where emailed_at is not null")
            .await,
        1
    );
}

async fn no_email_without_an_address_or_the_choice(b: Backend) {
    let (app, smtp, token) = setup(b).await;
    app.call(
        Method::PATCH,
        "/api/v1/me",
        Some(&token),
        Some(json!({"email_notices": false})),
    )
    .await;
    milestone_tomorrow(&app, &token).await;
    app.set_now("2026-06-16T00:00:00Z");
    app.run_due_jobs().await;
    assert!(smtp.received().is_empty());
    assert_eq!(
        app.scalar("select count(*) from notice").await,
        1,
        "the in-app notice is still there"
    );
    let other = app.member("sky").await;
    let (status, body) = app
        .call(
            Method::PATCH,
            "/api/v1/me",
            Some(&other),
            Some(json!({"email_notices": true})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["email_notices"].is_array());
}

async fn email_waits_for_quiet_hours_to_end(b: Backend) {
    let (app, smtp, token) = setup(b).await;
    let (status, me) = app
        .call(
            Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some(json!({"quiet_hours": {"start": "22:00", "end": "07:00"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        me["notices"]["quiet_hours"],
        json!({"start": "22:00", "end": "07:00"})
    );
    let (status, _) = app
        .call(
            Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some(json!({"quiet_hours": {"start": "late", "end": "07:00"}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    milestone_tomorrow(&app, &token).await;
    app.set_now("2026-06-16T00:00:00Z");
    app.run_due_jobs().await;
    assert!(smtp.received().is_empty(), "no email at midnight");
    assert_eq!(
        app.scalar("select count(*) from notice").await,
        1,
        "the in-app notice is recorded at once"
    );
    app.set_now("2026-06-16T06:59:00Z");
    app.run_due_jobs().await;
    assert!(smtp.received().is_empty());
    app.set_now("2026-06-16T07:00:00Z");
    app.run_due_jobs().await;
    assert_eq!(smtp.received().len(), 1, "sent when quiet hours end");
}

async fn a_message_read_in_time_sends_no_email(b: Backend) {
    let (app, smtp, river) = setup(b).await;
    let sky = app.member("sky").await;
    app.connect(&sky, "river", &river, "peer").await;
    app.post(
        "/api/v1/conversations/river/messages",
        &sky,
        json!({"body": "first"}),
    )
    .await;
    app.get("/api/v1/conversations/sky/messages", &river).await;
    app.clock.advance(chrono::Duration::minutes(3));
    app.run_due_jobs().await;
    assert!(smtp.received().is_empty(), "read before the email was due");
    app.post(
        "/api/v1/conversations/river/messages",
        &sky,
        json!({"body": "second"}),
    )
    .await;
    app.clock.advance(chrono::Duration::minutes(1));
    app.run_due_jobs().await;
    assert!(
        smtp.received().is_empty(),
        "message emails wait two minutes"
    );
    app.clock.advance(chrono::Duration::minutes(2));
    app.run_due_jobs().await;
    let inbox = smtp.received();
    assert_eq!(inbox.len(), 1);
    assert_eq!(
        inbox[0].header("Subject").as_deref(),
        Some("You have a new message on Belay")
    );
    assert!(!inbox[0].data.contains("second") && !inbox[0].data.contains("sky"));
}

async fn a_crash_after_sending_resends_the_same_message_id(b: Backend) {
    let (app, smtp, token) = setup(b).await;
    milestone_tomorrow(&app, &token).await;
    app.set_now("2026-06-16T00:00:00Z");
    // Run the milestone job, so the email job exists and is due.
    let first = queue::claim(&app.state.db, app.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(first.kind, "clock_milestone");
    app.clock.advance(chrono::Duration::seconds(61));
    app.run_due_jobs().await;
    assert_eq!(smtp.received().len(), 1);
    // Now the crash: the notice email job sends, and the process dies
    // before recording it (simulated by undoing the record).
    let mut tx = app.state.db.begin_write().await.unwrap();
    match &mut tx {
        belay::db::Tx::Sqlite(t) => sqlx::query("update notice set emailed_at = null")
            .execute(&mut **t)
            .await
            .map(|_| ())
            .unwrap(),
        belay::db::Tx::Postgres(t) => sqlx::query("update notice set emailed_at = null")
            .execute(&mut **t)
            .await
            .map(|_| ())
            .unwrap(),
    }
    let notice_id: uuid::Uuid = match &mut tx {
        belay::db::Tx::Sqlite(t) => sqlx::query_scalar("select id from notice")
            .fetch_one(&mut **t)
            .await
            .unwrap(),
        belay::db::Tx::Postgres(t) => sqlx::query_scalar("select id from notice")
            .fetch_one(&mut **t)
            .await
            .unwrap(),
    };
    let retry = belay::notices::email::NoticeEmail::new(notice_id);
    queue::enqueue(
        &mut tx,
        &queue::NewJob::of(&retry, app.now(), None).unwrap(),
        app.now(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    app.run_due_jobs().await;
    let inbox = smtp.received();
    assert_eq!(inbox.len(), 2, "at least once: sent again after the crash");
    assert_eq!(
        inbox[0].header("Message-ID"),
        inbox[1].header("Message-ID"),
        "with the same idempotency key"
    );
    assert_eq!(belay::notices::email::NoticeEmail::KIND, "notice_email");
    app.run_due_jobs().await;
    assert_eq!(smtp.received().len(), 2, "and recorded, so never again");
}

async fn a_reach_out_comes_through_quiet_hours_for_those_who_allow_it(b: Backend) {
    let (app, smtp, river) = setup(b).await;
    let sky = app.member("sky").await;
    let ash = app.member("ash").await;
    for (token, handle, allows, address) in [
        (&river, "river", true, "river@example.org"),
        (&sky, "sky", false, "sky@example.org"),
    ] {
        let (status, body) = app
            .call(
                Method::PATCH,
                "/api/v1/me",
                Some(token),
                Some(json!({"email": address, "email_notices": true,
                    "quiet_hours": {"start": "22:00", "end": "07:00"},
                    "quiet_allows_reach_out": allows})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        app.connect(&ash, handle, token, "friend").await;
        app.put(
            "/api/v1/me/reach-out-settings",
            token,
            json!({"receives": true}),
        )
        .await;
    }
    app.set_now("2026-06-15T23:30:00Z");
    let (status, body) = app
        .post("/api/v1/reachouts", &ash, json!({"note": "CANARY-NOTE"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    app.run_due_jobs().await;
    app.run_due_jobs().await;
    let inbox = smtp.received();
    assert_eq!(
        inbox.len(),
        1,
        "only river let reach-outs through: {inbox:?}"
    );
    assert_eq!(inbox[0].to, ["<river@example.org>"]);
    assert_eq!(
        inbox[0].header("Subject").as_deref(),
        Some("Someone is reaching out on Belay")
    );
    assert!(
        !inbox[0].data.contains("CANARY-NOTE"),
        "no detail in the email"
    );
    app.set_now("2026-06-16T07:00:00Z");
    app.run_due_jobs().await;
    let inbox = smtp.received();
    assert_eq!(inbox.len(), 2, "sky's waited for the morning");
    assert_eq!(inbox[1].to, ["<sky@example.org>"]);
}
