//! Reach out: the ladder tier by tier with a fixed clock, answering,
//! handing back, closing, the follow-up, idempotency, the hourly hold, the
//! pages, and the authorisation walk.

use chrono::Duration;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, Browser, TestApp, app::PASSWORD};

backend_tests!(
    the_ladder_climbs_tier_by_tier_until_it_stays_open_with_moderators_told,
    a_listener_answers_talks_and_hands_back_and_the_ladder_resumes,
    cancelling_stops_the_ladder_and_tells_whoever_was_asked,
    a_retried_request_with_one_key_opens_one_reach_out,
    every_refusal_carries_the_crisis_lines,
    over_the_hourly_limit_a_reach_out_is_held_and_moderators_are_told,
    the_reach_out_walk_shows_no_leak,
    the_reach_out_pages_work_without_javascript,
    everyone_asked_at_once_hears_it_live_on_their_own_streams,
    the_first_step_is_asked_by_the_opening_request_itself,
    when_the_first_step_cannot_fire_at_once_its_job_fires_it,
);

/// Someone in the circle who takes reach-outs.
async fn responder(app: &TestApp, requester: &str, handle: &str) -> (String, String) {
    let t = app.member(handle).await;
    let connection = app.connect(requester, handle, &t, "friend").await;
    app.takes_reach_outs(&t).await;
    (t, connection)
}

async fn on_my_list(app: &TestApp, requester: &str, connection: &str, order: i32) {
    let (status, body) = app
        .put(
            &format!("/api/v1/connections/{connection}/grants"),
            requester,
            json!({"reach_out": true, "reach_out_order": order}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn listener(app: &TestApp, handle: &str, duty: &str) -> String {
    let t = app.member(handle).await;
    let (status, body) = app
        .put(
            "/api/v1/me/capacities",
            &t,
            json!({"listener": true, "duty_hours": duty}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    t
}

async fn open(app: &TestApp, token: &str, note: &str) -> Value {
    let (status, body) = app
        .post("/api/v1/reachouts", token, json!({"note": note}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert!(!body["crisis_resources"].as_array().unwrap().is_empty());
    body
}

/// The notices of one kind a member has.
async fn notices(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    app.notices_of(token, kind).await
}

fn asked(view: &Value) -> Vec<String> {
    view["asked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["handle"].as_str().unwrap().to_owned())
        .collect()
}

async fn view(app: &TestApp, token: &str, id: &str) -> Value {
    let (status, body) = app.get(&format!("/api/v1/reachouts/{id}"), token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn the_ladder_climbs_tier_by_tier_until_it_stays_open_with_moderators_told(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ash = app.member("ash").await;
    app.put(
        "/api/v1/me/reach-out-settings",
        &ash,
        json!({"wait_seconds": 120}),
    )
    .await;
    let (bea, bea_c) = responder(&app, &ash, "bea").await;
    let (cal, cal_c) = responder(&app, &ash, "cal").await;
    // Listed second and first: the order is mine, not sign-up order.
    on_my_list(&app, &ash, &bea_c, 2).await;
    on_my_list(&app, &ash, &cal_c, 1).await;
    let (dee, _) = responder(&app, &ash, "dee").await;
    // In the circle but not taking reach-outs: never asked.
    let eli = app.member("eli").await;
    app.connect(&ash, "eli", &eli, "friend").await;
    let fay = listener(&app, "fay", "daily 00:00-24:00").await;
    let gus = listener(&app, "gus", "Sat 03:00-04:00").await;
    let moe = app.member("moe").await;
    app.make_admin("moe").await;

    let r = open(&app, &ash, "rough night").await;
    let id = r["id"].as_str().unwrap().to_owned();
    assert_eq!(r["state"], "open");
    assert_eq!(
        r["steps"].as_array().unwrap().len(),
        5,
        "two listed, circle, listeners, moderators"
    );

    app.run_due_jobs().await;
    assert_eq!(
        asked(&view(&app, &ash, &id).await),
        ["cal"],
        "first on my list first"
    );
    assert_eq!(notices(&app, &cal, "reach_out").await.len(), 1);
    assert!(notices(&app, &bea, "reach_out").await.is_empty());

    // Nothing moves before the wait is over.
    app.clock.advance(Duration::seconds(119));
    app.run_due_jobs().await;
    assert_eq!(asked(&view(&app, &ash, &id).await), ["cal"]);

    app.clock.advance(Duration::seconds(1));
    app.run_due_jobs().await;
    assert_eq!(asked(&view(&app, &ash, &id).await), ["cal", "bea"]);

    app.clock.advance(Duration::seconds(120));
    app.run_due_jobs().await;
    assert_eq!(asked(&view(&app, &ash, &id).await), ["cal", "bea", "dee"]);

    app.clock.advance(Duration::seconds(120));
    app.run_due_jobs().await;
    assert_eq!(
        asked(&view(&app, &ash, &id).await),
        ["cal", "bea", "dee", "fay"],
        "the listener on duty, not the one off duty"
    );
    assert!(notices(&app, &gus, "reach_out").await.is_empty());

    app.clock.advance(Duration::seconds(120));
    app.run_due_jobs().await;
    let v = view(&app, &ash, &id).await;
    assert_eq!(asked(&v), ["cal", "bea", "dee", "fay", "moe"]);
    assert_eq!(v["state"], "open", "it stays open");
    assert_eq!(v["exhausted"], true);
    assert_eq!(notices(&app, &moe, "reach_out_moderator").await.len(), 1);
    let exhausted = notices(&app, &ash, "reach_out_exhausted").await;
    assert_eq!(exhausted.len(), 1);
    assert!(exhausted[0]["text"].as_str().unwrap().contains("988"));

    // Nothing more fires, and nobody was told twice.
    app.clock.advance(Duration::hours(3));
    assert_eq!(app.run_due_jobs().await, 0);
    for (t, kind) in [
        (&cal, "reach_out"),
        (&bea, "reach_out"),
        (&dee, "reach_out"),
        (&fay, "reach_out"),
        (&moe, "reach_out_moderator"),
    ] {
        assert_eq!(notices(&app, t, kind).await.len(), 1);
    }
    assert!(notices(&app, &eli, "reach_out").await.is_empty());
    // The steps fired in order, each at its due time.
    let steps = v["steps"].as_array().unwrap();
    for s in steps {
        assert_eq!(s["due_at"], s["fired_at"], "{s}");
    }
    let tiers: Vec<i64> = steps.iter().map(|s| s["tier"].as_i64().unwrap()).collect();
    assert_eq!(tiers, [1, 1, 2, 3, 4]);

    // The first answer wins; a second is told it is covered.
    let (status, claimed) = app
        .post(&format!("/api/v1/reachouts/{id}/claim"), &dee, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{claimed}");
    assert_eq!(claimed["state"], "claimed");
    assert_eq!(claimed["answered_by_me"], true);
    let (status, body) = app
        .post(&format!("/api/v1/reachouts/{id}/claim"), &bea, json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(notices(&app, &ash, "reach_out_claimed").await.len(), 1);
    // Who answered: the requester and the answerer know; the others asked
    // only learn that someone did.
    assert_eq!(view(&app, &ash, &id).await["claimed_by"], "dee");
    assert_eq!(claimed["claimed_by"], "dee");
    let seen_by_bea = view(&app, &bea, &id).await;
    assert_eq!(seen_by_bea["state"], "claimed");
    assert_eq!(seen_by_bea["claimed_by"], Value::Null);
    assert!(!seen_by_bea.to_string().contains("dee"), "{seen_by_bea}");
    for t in [&cal, &bea, &fay, &moe] {
        assert_eq!(notices(&app, t, "reach_out_covered").await.len(), 1);
    }
    assert!(notices(&app, &dee, "reach_out_covered").await.is_empty());
    // Someone never asked can't answer, and can't tell it exists.
    let (status, _) = app
        .post(&format!("/api/v1/reachouts/{id}/claim"), &eli, json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn a_listener_answers_talks_and_hands_back_and_the_ladder_resumes(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ash = app.member("ash").await;
    let (dee, _) = responder(&app, &ash, "dee").await;
    let fay = listener(&app, "fay", "Mon-Fri 09:00-17:00").await;
    app.member("moe").await;
    app.make_admin("moe").await;

    let id = open(&app, &ash, "").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.run_due_jobs().await;
    assert_eq!(
        asked(&view(&app, &ash, &id).await),
        ["dee"],
        "no list: the circle first"
    );
    // The default wait is five minutes.
    app.clock.advance(Duration::minutes(5));
    app.run_due_jobs().await;
    assert_eq!(asked(&view(&app, &ash, &id).await), ["dee", "fay"]);

    // A listener outside the circle sees only the note and the handle.
    let seen = view(&app, &fay, &id).await;
    assert_eq!(seen["from"], "ash");
    assert!(seen.get("asked").is_none() && seen.get("steps").is_none());
    assert!(!seen["guide"].as_array().unwrap().is_empty());
    // Before answering, the two can't talk.
    let (status, _) = app
        .post(
            "/api/v1/conversations/ash/messages",
            &fay,
            json!({"body": "hi"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, body) = app
        .post(&format!("/api/v1/reachouts/{id}/claim"), &fay, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The claim opened a conversation; both can write in it.
    let (status, page) = app.get("/api/v1/conversations/fay/messages", &ash).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["messages"][0]["body"], "I'm here.");
    let (status, body) = app
        .post(
            "/api/v1/conversations/fay/messages",
            &ash,
            json!({"body": "thank you"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Nothing fires while it is answered.
    app.clock.advance(Duration::minutes(30));
    assert_eq!(app.run_due_jobs().await, 0);

    // Handing back: open again, and the ladder goes on from where it was.
    let (status, body) = app
        .post(&format!("/api/v1/reachouts/{id}/handback"), &fay, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "open");
    assert_eq!(notices(&app, &ash, "reach_out_handed_back").await.len(), 1);
    app.run_due_jobs().await;
    assert_eq!(asked(&view(&app, &ash, &id).await), ["dee", "fay", "moe"]);
    let (status, _) = app
        .post(
            "/api/v1/conversations/ash/messages",
            &fay,
            json!({"body": "still here?"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "handed back: the conversation closed"
    );
    let (status, body) = app
        .post(&format!("/api/v1/reachouts/{id}/handback"), &fay, json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");

    // Another answers; the requester resolves; the next day, follow-ups.
    let (status, _) = app
        .post(&format!("/api/v1/reachouts/{id}/claim"), &dee, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .post(&format!("/api/v1/reachouts/{id}/resolve"), &ash, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "resolved");
    assert_eq!(notices(&app, &dee, "reach_out_closed").await.len(), 1);
    let (status, body) = app
        .post(&format!("/api/v1/reachouts/{id}/cancel"), &ash, json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body) = app
        .post(&format!("/api/v1/reachouts/{id}/resolve"), &dee, json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    assert!(notices(&app, &ash, "reach_out_follow_up").await.is_empty());
    app.clock.advance(Duration::days(1));
    app.run_due_jobs().await;
    let follow = notices(&app, &ash, "reach_out_follow_up").await;
    assert_eq!(follow.len(), 1);
    assert!(
        follow[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("How are you today?")
    );
    assert_eq!(notices(&app, &dee, "reach_out_thanks").await.len(), 1);
    assert!(notices(&app, &fay, "reach_out_thanks").await.is_empty());
    let (_, history) = app.get("/api/v1/reachouts", &ash).await;
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert_eq!(history[0]["claimed_by"], "dee");
}

async fn cancelling_stops_the_ladder_and_tells_whoever_was_asked(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ash = app.member("ash").await;
    let (bea, bea_c) = responder(&app, &ash, "bea").await;
    let (cal, cal_c) = responder(&app, &ash, "cal").await;
    on_my_list(&app, &ash, &bea_c, 1).await;
    on_my_list(&app, &ash, &cal_c, 2).await;
    let id = open(&app, &ash, "").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.run_due_jobs().await;
    let (status, body) = app
        .post(&format!("/api/v1/reachouts/{id}/cancel"), &ash, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["state"], "cancelled");
    assert_eq!(notices(&app, &bea, "reach_out_closed").await.len(), 1);
    app.clock.advance(Duration::hours(1));
    app.run_due_jobs().await;
    assert!(notices(&app, &cal, "reach_out").await.is_empty());
    assert_eq!(asked(&view(&app, &ash, &id).await), ["bea"]);
    let (status, _) = app
        .post(&format!("/api/v1/reachouts/{id}/claim"), &bea, json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

async fn open_with_key(
    app: &TestApp,
    token: &str,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app
        .http
        .post(app.url("/api/v1/reachouts"))
        .bearer_auth(token)
        .header("Idempotency-Key", key);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.json().await.unwrap())
}

async fn a_retried_request_with_one_key_opens_one_reach_out(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ash = app.member("ash").await;
    let (s1, first) = open_with_key(&app, &ash, "tap-1", Some(json!({"note": "hi"}))).await;
    assert_eq!(s1, StatusCode::CREATED, "{first}");
    let (s2, again) = open_with_key(&app, &ash, "tap-1", Some(json!({"note": "hi"}))).await;
    assert_eq!(s2, StatusCode::CREATED, "{again}");
    assert_eq!(first["id"], again["id"]);
    // No body at all is fine too.
    let (s3, other) = open_with_key(&app, &ash, "tap-2", None).await;
    assert_eq!(s3, StatusCode::CREATED, "{other}");
    assert_ne!(first["id"], other["id"]);
    assert_eq!(app.scalar("select count(*) from reach_out").await, 2);
    assert_eq!(
        app.scalar("select count(*) from job where kind = 'reach_out_step'")
            .await,
        2,
        "each reach-out committed with its first step's job"
    );
    // Someone else's key is their own.
    let bea = app.member("bea").await;
    let (s4, theirs) = open_with_key(&app, &bea, "tap-1", None).await;
    assert_eq!(s4, StatusCode::CREATED);
    assert_ne!(theirs["id"], first["id"]);
}

async fn every_refusal_carries_the_crisis_lines(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ash = app.member("ash").await;
    let long = "x".repeat(1001);
    let long_key = "k".repeat(201);
    // (token, body, idempotency key, expected status)
    type Case<'a> = (Option<&'a str>, Option<Value>, Option<&'a str>, StatusCode);
    let cases: Vec<Case> = vec![
        (None, Some(json!({})), None, StatusCode::UNAUTHORIZED),
        (
            Some(&ash),
            Some(json!({"note": long})),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Some(&ash),
            Some(json!({"note": 5})),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Some(&ash),
            Some(json!({"mood": "low"})),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Some(&ash),
            Some(json!({})),
            Some(&long_key),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (token, body, key, expected) in cases {
        let mut req = app.http.post(app.url("/api/v1/reachouts"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(b) = &body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), expected, "{body:?}");
        let v: Value = res.json().await.unwrap();
        assert!(v["error"]["code"].is_string(), "{v}");
        assert!(
            v["crisis_resources"][0]["how"]
                .as_str()
                .unwrap()
                .contains("988"),
            "{v}"
        );
    }
    let (status, v) = app
        .call(
            Method::GET,
            "/api/v1/reachouts/not-a-uuid",
            Some(&ash),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    assert!(v["crisis_resources"].is_array());
    assert_eq!(
        app.scalar("select count(*) from reach_out").await,
        0,
        "nothing was stored"
    );
}

async fn over_the_hourly_limit_a_reach_out_is_held_and_moderators_are_told(b: Backend) {
    let app = TestApp::spawn_with(b, |c| c.reach_out.per_hour = 2).await;
    let ash = app.member("ash").await;
    let moe = app.member("moe").await;
    app.make_admin("moe").await;
    open(&app, &ash, "").await;
    open(&app, &ash, "").await;
    let res = app
        .http
        .post(app.url("/api/v1/reachouts"))
        .bearer_auth(&ash)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let v: Value = res.json().await.unwrap();
    assert!(v["crisis_resources"].is_array(), "{v}");
    let held = notices(&app, &moe, "reach_out_held").await;
    assert_eq!(held.len(), 1, "a held reach-out still reaches a person");
    assert!(held[0]["text"].as_str().unwrap().contains("ash"));
    assert_eq!(app.scalar("select count(*) from reach_out").await, 2);
    // An hour on, it opens again.
    app.clock.advance(Duration::minutes(61));
    open(&app, &ash, "").await;
}

async fn the_reach_out_walk_shows_no_leak(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ash = app.member("ash").await;
    app.clock_days_ago(&ash, "CANARY-CLOCK", 40).await;
    let (bea, bea_c) = responder(&app, &ash, "bea").await;
    on_my_list(&app, &ash, &bea_c, 1).await;
    let (cal, _) = responder(&app, &ash, "cal").await;
    let (blocked, _) = responder(&app, &ash, "blocked").await;
    let stranger = app.member("stranger").await;
    let moe = app.member("moe").await;
    app.make_admin("moe").await;
    let id = open(&app, &ash, "CANARY-NOTE").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.run_due_jobs().await;
    app.clock.advance(Duration::minutes(5));
    app.run_due_jobs().await;
    // The blocked member was asked with the circle; then ash blocks them.
    assert_eq!(notices(&app, &blocked, "reach_out").await.len(), 1);
    app.post("/api/v1/blocks", &ash, json!({"handle": "blocked"}))
        .await;

    // GET: ash all, bea (tier 1) and cal (tier 2) the note, the rest 404;
    // moe (a moderator, not asked yet) too.
    let callers: [(&str, Option<&str>, u16); 6] = [
        ("anonymous", None, 401),
        ("ash", Some(&ash), 200),
        ("bea", Some(&bea), 200),
        ("cal", Some(&cal), 200),
        ("stranger", Some(&stranger), 404),
        ("blocked", Some(&blocked), 404),
    ];
    for (who, token, expected) in callers {
        let (status, body) = app
            .call(Method::GET, &format!("/api/v1/reachouts/{id}"), token, None)
            .await;
        assert_eq!(status.as_u16(), expected, "{who}: {body}");
        let text = body.to_string();
        assert!(!text.contains("CANARY-CLOCK"), "{who}: {text}");
        if expected == 200 {
            assert!(text.contains("CANARY-NOTE"), "{who}");
        } else {
            assert!(
                !text.contains("CANARY-NOTE") && !text.contains("ash"),
                "{who}: {text}"
            );
        }
        if who != "ash" && expected == 200 {
            assert!(body.get("asked").is_none(), "{who} sees who else was asked");
        }
    }
    let (status, _) = app.get(&format!("/api/v1/reachouts/{id}"), &moe).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a moderator not asked");
    for who in [&bea, &stranger, &blocked, &moe] {
        let (_, mine) = app.get("/api/v1/reachouts", who).await;
        assert_eq!(mine, json!([]), "history is private");
    }
    let (_, asked_of_blocked) = app.get("/api/v1/reachouts/asked", &blocked).await;
    assert_eq!(asked_of_blocked, json!([]));
    let (_, asked_of_bea) = app.get("/api/v1/reachouts/asked", &bea).await;
    assert_eq!(asked_of_bea[0]["id"].as_str(), Some(id.as_str()));

    // Actions: who may do what.
    let walk: [(&str, &str, u16); 9] = [
        ("stranger", "claim", 404),
        ("blocked", "claim", 404),
        ("moe", "claim", 404),
        ("ash", "claim", 403),
        ("stranger", "resolve", 404),
        ("bea", "resolve", 403),
        ("bea", "cancel", 403),
        ("cal", "handback", 409),
        ("stranger", "handback", 404),
    ];
    let token_of = |who: &str| match who {
        "ash" => ash.clone(),
        "bea" => bea.clone(),
        "cal" => cal.clone(),
        "blocked" => blocked.clone(),
        "moe" => moe.clone(),
        _ => stranger.clone(),
    };
    for (who, action, expected) in walk {
        let (status, body) = app
            .post(
                &format!("/api/v1/reachouts/{id}/{action}"),
                &token_of(who),
                json!({}),
            )
            .await;
        assert_eq!(status.as_u16(), expected, "{who} {action}: {body}");
    }
    let (status, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/reachouts/{id}/claim"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Once the ladder reaches the moderators, they may see and answer it.
    app.clock.advance(Duration::minutes(5));
    app.run_due_jobs().await;
    app.clock.advance(Duration::minutes(5));
    app.run_due_jobs().await;
    let seen = view(&app, &moe, &id).await;
    assert_eq!(seen["note"], "CANARY-NOTE");
    assert!(!seen.to_string().contains("CANARY-CLOCK"));
    let (status, _) = app
        .post(&format!("/api/v1/reachouts/{id}/claim"), &moe, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.scalar("select count(*) from reach_out_recipient").await,
        4,
        "bea, cal, blocked (asked before the block), moe"
    );
}

async fn the_reach_out_pages_work_without_javascript(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ash_browser = Browser::new(&app);
    ash_browser.sign_up("ash", "UTC").await;
    let ash = app.token("ash").await;
    let (_dee, dee_c) = responder(&app, &ash, "dee").await;
    on_my_list(&app, &ash, &dee_c, 2).await;
    // On my list, but not taking reach-outs: the page says it is skipped.
    let eve = app.member("eve").await;
    let eve_c = app.connect(&ash, "eve", &eve, "friend").await;
    on_my_list(&app, &ash, &eve_c, 1).await;

    // Every page of a logged-in member has the button.
    let home = ash_browser.get("/").await;
    assert!(home.html.contains("href=\"/reach-out\""), "{}", home.html);
    // The crisis lines come before anything else on the reach-out screen.
    let page = ash_browser.get("/reach-out").await;
    assert_eq!(page.status, StatusCode::OK);
    let lines = page.html.find("Call or text 988").expect("crisis lines");
    let button = page.html.find("I need support now").expect("the button");
    assert!(lines < button);
    let list = page
        .html
        .find("Your reach-out list, in order:")
        .expect("my list");
    let skipped = page
        .html
        .find("hasn&#39;t turned on reach-outs yet")
        .or_else(|| page.html.find("hasn't turned on reach-outs yet"))
        .expect("skipped");
    assert!(
        page.html[list..].find("eve").unwrap() < page.html[list..].find("dee").unwrap(),
        "in my order"
    );
    assert!(skipped > list);
    let key = {
        let at = page.html.find("name=\"key\" value=\"").unwrap() + 18;
        page.html[at..at + 36].to_owned()
    };
    let csrf = page.csrf();
    let opened = ash_browser
        .post(
            "/reach-out",
            &[
                ("csrf", &csrf),
                ("note", "<i>a hard night</i>"),
                ("key", &key),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.html);
    let location = opened.location().unwrap().to_owned();
    // Sent twice (a double tap): the same reach-out.
    let again = ash_browser
        .post(
            "/reach-out",
            &[
                ("csrf", &csrf),
                ("note", "<i>a hard night</i>"),
                ("key", &key),
            ],
        )
        .await;
    assert_eq!(again.location(), Some(location.as_str()));
    let mine = ash_browser.get(&location).await;
    assert!(mine.html.contains("Belay is asking the people you trust"));
    assert!(mine.html.contains("Call or text 988"));
    assert!(mine.html.contains("&#60;i&#62;a hard night"), "escaped");
    app.run_due_jobs().await;

    let dee_browser = Browser::new(&app);
    dee_browser.log_in("dee", PASSWORD).await;
    let theirs = dee_browser.get(&location).await;
    assert!(
        theirs.html.contains("ash is reaching out"),
        "{}",
        theirs.html
    );
    assert!(theirs.html.contains("Listen first"));
    assert!(theirs.html.contains("I&#39;m here") || theirs.html.contains("I'm here"));
    let claimed = dee_browser
        .post(&format!("{location}/claim"), &[("csrf", &theirs.csrf())])
        .await;
    assert_eq!(claimed.location(), Some("/conversations/ash"));
    let after = ash_browser.get(&location).await;
    assert!(after.html.contains("is here for you"), "{}", after.html);
    let resolved = ash_browser
        .post(&format!("{location}/resolve"), &[("csrf", &after.csrf())])
        .await;
    assert_eq!(resolved.location(), Some(location.as_str()));
    let history = ash_browser.get("/reach-out/history").await;
    assert!(history.html.contains("resolved"));
    // A bad note comes back with the lines on top and nothing opened.
    let long = "x".repeat(1001);
    let bad = ash_browser
        .post(
            "/reach-out",
            &[("csrf", &csrf), ("note", &long), ("key", "k2")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("Call or text 988"));
    assert_eq!(app.scalar("select count(*) from reach_out").await, 1);
}

async fn everyone_asked_at_once_hears_it_live_on_their_own_streams(b: Backend) {
    use crate::support::sse::SseClient;
    let app = TestApp::spawn_roomy(b).await;
    let ash = app.member("ash").await;
    let mut people = Vec::new();
    for i in 0..12 {
        let handle = format!("friend_{i}");
        let (t, _) = responder(&app, &ash, &handle).await;
        people.push((handle, t));
    }
    // Each holds a stream; one of them two, the second resuming from an
    // older event (it must get what it missed, and only its own events).
    app.post(
        "/api/v1/conversations/friend_0/messages",
        &ash,
        json!({"body": "earlier"}),
    )
    .await;
    let mut first = SseClient::connect(&app.base, &people[0].1, None).await;
    first.next_of("ready").await;
    let mut streams = Vec::new();
    for (_, t) in &people {
        let mut s = SseClient::connect(&app.base, t, None).await;
        s.next_of("ready").await;
        streams.push(s);
    }
    let mut resumed = SseClient::connect(&app.base, &people[0].1, Some("0")).await;
    assert_eq!(resumed.next_of("message").await.json()["body"], "earlier");

    let id = open(&app, &ash, "").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.run_due_jobs().await;
    let link = format!("/reach-out/{id}");
    let mut ids = std::collections::BTreeSet::new();
    for ((handle, _), s) in people.iter().zip(streams.iter_mut()) {
        let e = s.next_of("notice").await;
        assert_eq!(e.json()["kind"], "reach_out", "{handle}");
        assert_eq!(e.json()["link"], link.as_str());
        assert!(
            ids.insert(e.id.clone().unwrap()),
            "each member has their own event"
        );
    }
    // The resumed stream first catches up on what it missed (the message's
    // notice), then hears the reach-out like the others.
    for s in [&mut resumed, &mut first] {
        loop {
            let n = s.next_of("notice").await.json();
            if n["kind"] == "reach_out" {
                assert_eq!(n["link"], link.as_str());
                break;
            }
            assert_eq!(n["kind"], "message", "{n}");
        }
    }
    for s in streams.iter_mut() {
        assert!(
            s.quiet_for(std::time::Duration::from_millis(200))
                .await
                .is_none(),
            "nobody hears it twice"
        );
    }
}

async fn the_first_step_is_asked_by_the_opening_request_itself(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ash = app.member("ash").await;
    let (bea, _) = responder(&app, &ash, "bea").await;
    let r = open(&app, &ash, "").await;
    let id = r["id"].as_str().unwrap().to_owned();
    // No job has run: the circle was asked in the same commit.
    assert_eq!(asked(&view(&app, &ash, &id).await), ["bea"]);
    assert_eq!(notices(&app, &bea, "reach_out").await.len(), 1);
    let pending: i64 = app
        .scalar("select count(*) from job where kind = 'reach_out_step'")
        .await;
    assert_eq!(pending, 1, "the next step waits as a job");
    app.run_due_jobs().await;
    assert_eq!(
        notices(&app, &bea, "reach_out").await.len(),
        1,
        "asked once"
    );
}

async fn when_the_first_step_cannot_fire_at_once_its_job_fires_it(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ash = app.member("ash").await;
    let (bea, _) = responder(&app, &ash, "bea").await;
    // Every attempt to record who was asked fails, as a fault would.
    match b {
        Backend::Sqlite => {
            app.exec(
                "create trigger refuse before insert on reach_out_recipient
                 begin select raise(abort, 'refused'); end",
            )
            .await
        }
        Backend::Postgres => {
            app.exec(
                "create function refuse() returns trigger language plpgsql
                   as $$ begin raise exception 'refused'; end $$;
                 create trigger refuse before insert on reach_out_recipient
                   for each row execute function refuse()",
            )
            .await
        }
    }
    let r = open(&app, &ash, "").await;
    let id = r["id"].as_str().unwrap().to_owned();
    assert_eq!(r["state"], "open", "the reach-out opened all the same");
    assert!(asked(&view(&app, &ash, &id).await).is_empty());
    assert!(notices(&app, &bea, "reach_out").await.is_empty());
    match b {
        Backend::Sqlite => app.exec("drop trigger refuse").await,
        Backend::Postgres => {
            app.exec("drop trigger refuse on reach_out_recipient; drop function refuse()")
                .await
        }
    }
    app.run_due_jobs().await;
    assert_eq!(asked(&view(&app, &ash, &id).await), ["bea"]);
    assert_eq!(notices(&app, &bea, "reach_out").await.len(), 1);
}
