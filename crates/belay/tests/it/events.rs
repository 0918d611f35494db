//! Live events: delivery over server-sent events, resumption with
//! `Last-Event-ID`, closed streams released, and (PostgreSQL) delivery
//! across two real instances sharing one database.

use serde_json::json;

use crate::support::{
    Backend, TestApp,
    app::{PASSWORD, Storage},
    binary::start,
    sse::SseClient,
};

backend_tests!(
    a_message_arrives_on_the_recipients_stream_with_an_id,
    a_reconnecting_client_resumes_after_the_last_event_id,
    notices_arrive_live,
    a_closed_stream_is_released,
    events_need_a_login,
);

async fn pair(app: &TestApp) -> (String, String) {
    let a = app.member("river").await;
    let b = app.member("sky").await;
    app.connect(&a, "sky", &b, "peer").await;
    (a, b)
}

async fn a_message_arrives_on_the_recipients_stream_with_an_id(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (river, sky) = pair(&app).await;
    let mut stream = SseClient::connect(&app.base, &sky, None).await;
    let ready = stream.next().await;
    assert_eq!(ready.event, "ready");
    assert_eq!(ready.json(), json!({"notices": 0, "messages": 0}));
    app.post(
        "/api/v1/conversations/sky/messages",
        &river,
        json!({"body": "are you around tonight?"}),
    )
    .await;
    let message = stream.next_of("message").await;
    assert!(
        message
            .id
            .as_deref()
            .is_some_and(|id| id.parse::<i64>().is_ok()),
        "{message:?}"
    );
    let m = message.json();
    assert_eq!(m["from"], "river");
    assert_eq!(m["body"], "are you around tonight?");
    let notice = stream.next_of("notice").await;
    assert_eq!(notice.json()["text"], "river sent you a message.");
    // The sender's own stream hears it too (their other tabs).
    let mut own = SseClient::connect(&app.base, &river, None).await;
    own.next_of("ready").await;
    app.post(
        "/api/v1/conversations/sky/messages",
        &river,
        json!({"body": "second"}),
    )
    .await;
    assert_eq!(own.next_of("message").await.json()["body"], "second");
}

async fn a_reconnecting_client_resumes_after_the_last_event_id(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (river, sky) = pair(&app).await;
    let mut stream = SseClient::connect(&app.base, &sky, None).await;
    stream.next_of("ready").await;
    app.post(
        "/api/v1/conversations/sky/messages",
        &river,
        json!({"body": "one"}),
    )
    .await;
    let first = stream.next_of("message").await;
    let last_id = first.id.clone().unwrap();
    drop(stream);
    // Missed while disconnected.
    app.post(
        "/api/v1/conversations/sky/messages",
        &river,
        json!({"body": "two"}),
    )
    .await;
    app.post(
        "/api/v1/conversations/sky/messages",
        &river,
        json!({"body": "three"}),
    )
    .await;
    let mut resumed = SseClient::connect(&app.base, &sky, Some(&last_id)).await;
    let mut bodies = Vec::new();
    let mut ids = Vec::new();
    while bodies.len() < 2 {
        let e = resumed.next().await;
        assert_ne!(
            e.event, "ready",
            "a resumed stream goes straight to what was missed"
        );
        ids.push(e.id.clone().unwrap().parse::<i64>().unwrap());
        if e.event == "message" {
            bodies.push(e.json()["body"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(bodies, ["two", "three"]);
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids increase: {ids:?}");
    assert!(ids[0] > last_id.parse::<i64>().unwrap());
    // A fresh stream does not replay old events.
    let mut fresh = SseClient::connect(&app.base, &sky, None).await;
    assert_eq!(fresh.next().await.event, "ready");
    assert!(
        fresh
            .quiet_for(std::time::Duration::from_millis(300))
            .await
            .is_none()
    );
}

async fn notices_arrive_live(b: Backend) {
    let app = TestApp::spawn(b).await;
    let river = app.member("river").await;
    app.post(
        "/api/v1/me/clocks",
        &river,
        json!({"label": "alcohol", "started_on": "2026-06-15"}),
    )
    .await;
    let mut stream = SseClient::connect(&app.base, &river, None).await;
    stream.next_of("ready").await;
    app.set_now("2026-06-16T00:00:00Z");
    app.run_due_jobs().await;
    let notice = stream.next_of("notice").await;
    assert_eq!(
        notice.json()["text"],
        "1 day on your alcohol clock today. Every one of those days counts."
    );
}

async fn a_closed_stream_is_released(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (river, sky) = pair(&app).await;
    let mut stream = SseClient::connect(&app.base, &sky, None).await;
    stream.next_of("ready").await;
    assert_eq!(app.state.events.streaming_members(), 1);
    drop(stream);
    // The server notices when it next writes to the closed connection.
    let mut released = false;
    for _ in 0..50 {
        app.post(
            "/api/v1/conversations/sky/messages",
            &river,
            json!({"body": "ping"}),
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        if app.state.events.streaming_members() == 0 {
            released = true;
            break;
        }
    }
    assert!(released, "the hub still holds a closed stream");
}

async fn events_need_a_login(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (status, body) = app
        .call(reqwest::Method::GET, "/api/v1/events", None, None)
        .await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthenticated");
}

mod postgres_only {
    use super::*;

    /// Two real `belay serve` processes on one PostgreSQL database: a
    /// message sent through one reaches a stream held by the other.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_two_instances_deliver_across_each_other() {
        if !crate::support::app::postgres_available() {
            return;
        }
        let storage = Storage::new(Backend::Postgres).await;
        let one = start(&storage);
        let two = start(&storage);
        let http = reqwest::Client::new();
        let mut tokens = Vec::new();
        for (handle, base) in [("river", &one.base), ("sky", &two.base)] {
            http.post(format!("{base}/api/v1/accounts"))
                .json(&json!({"handle": handle, "password": PASSWORD}))
                .send()
                .await
                .unwrap();
            let t: serde_json::Value = http
                .post(format!("{base}/api/v1/tokens"))
                .json(&json!({"handle": handle, "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            tokens.push(t["token"].as_str().unwrap().to_owned());
        }
        let (river, sky) = (&tokens[0], &tokens[1]);
        let req: serde_json::Value = http
            .post(format!("{}/api/v1/connections", one.base))
            .bearer_auth(river)
            .json(&json!({"handle": "sky", "relationship": "peer"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        http.post(format!(
            "{}/api/v1/connections/{}/accept",
            two.base,
            req["id"].as_str().unwrap()
        ))
        .bearer_auth(sky)
        .send()
        .await
        .unwrap();
        // Sky listens on instance two; river writes through instance one.
        let mut stream = SseClient::connect(&two.base, sky, None).await;
        stream.next_of("ready").await;
        let sent = http
            .post(format!("{}/api/v1/conversations/sky/messages", one.base))
            .bearer_auth(river)
            .json(&json!({"body": "across instances"}))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status(), 201);
        assert_eq!(
            stream.next_of("message").await.json()["body"],
            "across instances"
        );
    }
}
