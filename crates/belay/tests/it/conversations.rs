//! Conversations: who may message whom, what is stored, pagination, unread
//! counts and reading; and the authorisation walk over every endpoint.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

backend_tests!(
    connected_members_exchange_messages_exactly_as_written,
    messages_outside_the_circle_are_refused_and_nothing_is_stored,
    bodies_are_checked,
    pages_of_messages_follow_the_cursor,
    reading_marks_messages_and_their_notice_read,
    each_sender_has_their_own_message_notice,
    a_remembered_handle_is_checked_again_on_every_message,
    sending_is_throttled_per_member,
    the_conversation_walk_shows_no_leak,
    crisis_words_show_the_author_the_lines_and_nobody_else,
);

async fn pair(app: &TestApp) -> (String, String) {
    let a = app.member("river").await;
    let b = app.member("sky").await;
    app.connect(&a, "sky", &b, "peer").await;
    (a, b)
}

async fn send(app: &TestApp, token: &str, to: &str, body: &str) -> (StatusCode, Value) {
    app.post(
        &format!("/api/v1/conversations/{to}/messages"),
        token,
        json!({"body": body}),
    )
    .await
}

async fn connected_members_exchange_messages_exactly_as_written(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (river, sky) = pair(&app).await;
    let (status, sent) = send(&app, &river, "SKY", "  <b>hi</b> & welcome\r\nsecond line ").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["body"], "<b>hi</b> & welcome\nsecond line");
    assert_eq!(sent["from"], "river");
    let (_, counts) = app.get("/api/v1/notices", &sky).await;
    assert_eq!(counts["unread"]["messages"], 1);
    let (_, convs) = app.get("/api/v1/conversations", &sky).await;
    assert_eq!(convs[0]["handle"], "river");
    assert_eq!(convs[0]["unread"], 1);
    app.clock.advance(chrono::Duration::seconds(1));
    send(&app, &sky, "river", "hello back").await;
    let (status, page) = app.get("/api/v1/conversations/river/messages", &sky).await;
    assert_eq!(status, StatusCode::OK);
    let bodies: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        bodies,
        ["hello back", "<b>hi</b> & welcome\nsecond line"],
        "newest first"
    );
    assert_eq!(page["messages"][0]["mine"], true);
    assert_eq!(page["next"], Value::Null);
    // The page escapes it.
    let browser = crate::support::Browser::new(&app);
    browser.log_in("sky", crate::support::app::PASSWORD).await;
    let html = browser.get("/conversations/river").await.html;
    assert!(
        html.contains("&#60;b&#62;hi&#60;/b&#62; &#38; welcome"),
        "{html}"
    );
    assert!(!html.contains("<b>hi</b>"));
}

async fn messages_outside_the_circle_are_refused_and_nothing_is_stored(b: Backend) {
    let app = TestApp::spawn(b).await;
    let river = app.member("river").await;
    let stranger = app.member("stranger").await;
    let (status, body) = send(&app, &stranger, "river", "hi").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "not_connected");
    let (status, _) = send(&app, &stranger, "nobody_here", "hi").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(&app, &river, "river", "talking to myself").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A block hides the blocker: a 404, as for nobody.
    let friend = app.member("friend").await;
    app.connect(&river, "friend", &friend, "friend").await;
    app.post("/api/v1/blocks", &river, json!({"handle": "friend"}))
        .await;
    let (status, _) = send(&app, &friend, "river", "are you there?").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(&app, &river, "friend", "sorry").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "blocking hides both ways");
    assert_eq!(app.scalar("select count(*) from message").await, 0);
    assert_eq!(
        app.scalar("select count(*) from event where kind = 'message'")
            .await,
        0
    );
}

async fn bodies_are_checked(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (river, _) = pair(&app).await;
    for body in [
        json!({"body": "   "}),
        json!({"body": "x".repeat(4001)}),
        json!({"body": 5}),
        json!({}),
        json!({"body": "a", "to": "x"}),
    ] {
        let (status, answer) = app
            .post("/api/v1/conversations/sky/messages", &river, body.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
    }
    let (status, _) = send(&app, &river, "sky", &"é".repeat(4000)).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(app.scalar("select count(*) from message").await, 1);
}

async fn pages_of_messages_follow_the_cursor(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (river, sky) = pair(&app).await;
    for i in 0..7 {
        app.clock.advance(chrono::Duration::seconds(1));
        send(&app, &river, "sky", &format!("message {i}")).await;
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/conversations/river/messages?limit=3".to_owned();
    loop {
        let (status, page) = app.get(&path, &sky).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for m in page["messages"].as_array().unwrap() {
            seen.push(m["body"].as_str().unwrap().to_owned());
        }
        match page["next"].as_str() {
            Some(next) => {
                path = format!("/api/v1/conversations/river/messages?limit=3&before={next}")
            }
            None => break,
        }
    }
    let expected: Vec<String> = (0..7).rev().map(|i| format!("message {i}")).collect();
    assert_eq!(seen, expected);
    let (status, _) = app
        .get("/api/v1/conversations/river/messages?limit=0", &sky)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = app
        .get(
            "/api/v1/conversations/river/messages?before=not-an-id",
            &sky,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn reading_marks_messages_and_their_notice_read(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (river, sky) = pair(&app).await;
    send(&app, &river, "sky", "one").await;
    send(&app, &river, "sky", "two").await;
    let (_, notices) = app.get("/api/v1/notices", &sky).await;
    let message_notices: Vec<&Value> = notices["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "message")
        .collect();
    assert_eq!(message_notices.len(), 1, "two messages, one notice");
    assert_eq!(message_notices[0]["text"], "river sent you a message.");
    assert_eq!(notices["unread"], json!({"notices": 1, "messages": 2}));
    app.get("/api/v1/conversations/river/messages", &sky).await;
    let (_, after) = app.get("/api/v1/notices", &sky).await;
    assert_eq!(after["unread"], json!({"notices": 0, "messages": 0}));
    send(&app, &river, "sky", "three").await;
    let (_, again) = app.get("/api/v1/notices", &sky).await;
    assert_eq!(
        again["unread"],
        json!({"notices": 1, "messages": 1}),
        "a new notice once the old was read"
    );
    let (status, _) = app.post("/api/v1/notices/read", &sky, json!({})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, cleared) = app.get("/api/v1/notices", &sky).await;
    assert_eq!(cleared["unread"]["notices"], 0);
}

/// One unread "new message" notice per sender: a second sender gets their
/// own, and opening one conversation marks only that sender's notice read.
async fn each_sender_has_their_own_message_notice(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (river, sky) = pair(&app).await;
    let lake = app.member("lake").await;
    app.connect(&lake, "sky", &sky, "friend").await;
    send(&app, &river, "sky", "one").await;
    send(&app, &lake, "sky", "two").await;
    send(&app, &lake, "sky", "three").await;
    let texts = |notices: &Value| -> Vec<(String, bool)> {
        let mut texts: Vec<(String, bool)> = notices["notices"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "message")
            .map(|n| (n["text"].as_str().unwrap().to_owned(), n["read"] == true))
            .collect();
        texts.sort();
        texts
    };
    let (_, notices) = app.get("/api/v1/notices", &sky).await;
    assert_eq!(
        texts(&notices),
        [
            ("lake sent you a message.".to_owned(), false),
            ("river sent you a message.".to_owned(), false),
        ]
    );
    app.get("/api/v1/conversations/lake/messages", &sky).await;
    let (_, after) = app.get("/api/v1/notices", &sky).await;
    assert_eq!(
        texts(&after),
        [
            ("lake sent you a message.".to_owned(), true),
            ("river sent you a message.".to_owned(), false),
        ],
        "only lake's notice is read"
    );
    assert_eq!(after["unread"], json!({"notices": 1, "messages": 1}));
}

/// The sender's server remembers which member a handle names between
/// messages; whether the two may talk is still decided in the write, and a
/// handle taken over after an erasure names its new owner.
async fn a_remembered_handle_is_checked_again_on_every_message(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (river, sky) = pair(&app).await;
    let messages = || app.scalar("select count(*) from message");
    assert_eq!(
        send(&app, &river, "sky", "one").await.0,
        StatusCode::CREATED
    );
    // A block ends the connection and hides sky from river: a 404.
    app.post("/api/v1/blocks", &sky, json!({"handle": "river"}))
        .await;
    let (status, body) = send(&app, &river, "sky", "two").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    // Unblocked, but no longer connected: a 403, as for a stranger.
    let (status, _) = app
        .call(Method::DELETE, "/api/v1/blocks/river", Some(&sky), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = send(&app, &river, "sky", "three").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "not_connected");
    assert_eq!(messages().await, 1, "nothing stored after the first");

    // lake erases their account; someone else takes the handle.
    let lake = app.member("lake").await;
    app.connect(&river, "lake", &lake, "friend").await;
    assert_eq!(
        send(&app, &river, "lake", "hi lake").await.0,
        StatusCode::CREATED
    );
    let (status, body) = app
        .call(
            Method::DELETE,
            "/api/v1/me",
            Some(&lake),
            Some(json!({"password": crate::support::app::PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let new_lake = app.member("lake").await;
    app.connect(&river, "lake", &new_lake, "peer").await;
    // river's server still remembers the erased lake under this handle.
    let (status, sent) = send(&app, &river, "lake", "hello, new lake").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let (_, page) = app
        .get("/api/v1/conversations/river/messages", &new_lake)
        .await;
    let bodies: Vec<&str> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["hello, new lake"]);
}

async fn sending_is_throttled_per_member(b: Backend) {
    let app = TestApp::spawn_with(b, |c| {
        c.limits.messages_per_member = (3, std::time::Duration::from_secs(10))
    })
    .await;
    let (river, _) = pair(&app).await;
    for _ in 0..3 {
        assert_eq!(send(&app, &river, "sky", "hi").await.0, StatusCode::CREATED);
    }
    let (status, body) = send(&app, &river, "sky", "hi").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "rate_limited");
}

/// Every conversation endpoint as anonymous, each party, a stranger and a
/// blocked member.
async fn the_conversation_walk_shows_no_leak(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (river, sky) = pair(&app).await;
    let stranger = app.member("stranger").await;
    let blocked = app.member("blocked").await;
    app.connect(&river, "blocked", &blocked, "friend").await;
    app.post("/api/v1/blocks", &river, json!({"handle": "blocked"}))
        .await;
    send(&app, &river, "sky", "CANARY between river and sky").await;

    let callers: [(&str, Option<&str>); 5] = [
        ("anonymous", None),
        ("river", Some(&river)),
        ("sky", Some(&sky)),
        ("stranger", Some(&stranger)),
        ("blocked", Some(&blocked)),
    ];
    let walk: Vec<(Method, &str, Option<Value>, [u16; 5])> = vec![
        (
            Method::GET,
            "/api/v1/conversations/sky/messages",
            None,
            [401, 200, 404, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/conversations/river/messages",
            None,
            [401, 404, 200, 403, 404],
        ),
        (
            Method::POST,
            "/api/v1/conversations/river/messages",
            Some(json!({"body": "hi"})),
            [401, 404, 201, 403, 404],
        ),
        (
            Method::GET,
            "/api/v1/conversations",
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/notices",
            None,
            [401, 200, 200, 200, 200],
        ),
    ];
    for (method, path, body, expected) in &walk {
        for ((name, token), want) in callers.iter().zip(expected) {
            let (status, answer) = app.call(method.clone(), path, *token, body.clone()).await;
            assert_eq!(
                status.as_u16(),
                *want,
                "{name}: {method} {path} -> {answer}"
            );
            if !matches!(*name, "river" | "sky") {
                assert!(
                    !answer.to_string().contains("CANARY"),
                    "{name} read the conversation via {path}"
                );
            }
        }
    }
    let (_, list) = app.get("/api/v1/conversations", &stranger).await;
    assert_eq!(list, json!([]));
}

async fn crisis_words_show_the_author_the_lines_and_nobody_else(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (river, sky) = pair(&app).await;
    let (status, sent) = send(&app, &river, "sky", "I don't want to be here anymore").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let lines = sent["crisis_resources"]
        .as_array()
        .expect("the author sees the lines");
    assert!(lines.iter().any(|l| l["how"] == "Call or text 988"));
    // Delivered as written; the reader's view carries no flag.
    let (_, page) = app.get("/api/v1/conversations/river/messages", &sky).await;
    assert_eq!(
        page["messages"][0]["body"],
        "I don't want to be here anymore"
    );
    assert!(!page.to_string().contains("crisis_resources"));
    let (_, mine) = app.get("/api/v1/conversations/sky/messages", &river).await;
    assert!(!mine.to_string().contains("crisis_resources"));
    let (_, ordinary) = send(&app, &river, "sky", "Thanks for listening today").await;
    assert!(ordinary.get("crisis_resources").is_none(), "{ordinary}");
    // The page shows the author the lines at the top.
    let browser = crate::support::browser::Browser::new(&app);
    browser.log_in("river", crate::support::app::PASSWORD).await;
    let thread = browser.get("/conversations/sky").await;
    let page = browser
        .post(
            "/conversations/sky",
            &[("csrf", &thread.csrf()), ("body", "I want to end my life")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("If you need someone right now"));
    let page = browser
        .post(
            "/conversations/sky",
            &[("csrf", &thread.csrf()), ("body", "See you at group")],
        )
        .await;
    assert!(page.status.is_redirection());
}
