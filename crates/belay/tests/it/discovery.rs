//! Discovery: who appears, how they are ranked and explained, and that
//! nothing a member keeps private reaches the results or their reasons.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

backend_tests!(
    only_discoverable_members_appear_and_never_me_blocked_or_connected,
    peers_at_my_stage_sharing_my_focus_come_first_with_reasons,
    a_private_field_reaches_neither_results_nor_reasons,
    mentors_need_room_and_a_year_listeners_on_duty_come_first_professionals_are_verified,
    results_are_paginated_with_a_next_link,
    bad_discovery_queries_are_422,
);

async fn discoverable(app: &TestApp, handle: &str, days: u64, profile: Value) -> String {
    let token = app.member(handle).await;
    app.clock_days_ago(&token, "alcohol", days).await;
    let mut body = profile;
    body["discoverable"] = json!(true);
    let (status, answer) = app.put("/api/v1/me/profile", &token, body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    token
}

fn handles(results: &Value) -> Vec<String> {
    results
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["handle"].as_str().unwrap().to_owned())
        .collect()
}

async fn discover(app: &TestApp, token: &str, kind: &str) -> Value {
    let (status, body) = app
        .get(&format!("/api/v1/discover?kind={kind}"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn only_discoverable_members_appear_and_never_me_blocked_or_connected(b: Backend) {
    let app = TestApp::spawn_roomy(b).await;
    let me = discoverable(&app, "seeker", 20, json!({})).await;
    let visible = json!({"visibility": {"clocks": "members"}});
    discoverable(&app, "open_one", 25, visible.clone()).await;
    let hidden = app.member("hidden_one").await;
    app.clock_days_ago(&hidden, "alcohol", 25).await;
    let blocker = discoverable(&app, "blocker", 25, visible.clone()).await;
    app.post("/api/v1/blocks", &blocker, json!({"handle": "seeker"}))
        .await;
    let friend = discoverable(&app, "friend", 25, visible.clone()).await;
    app.connect(&me, "friend", &friend, "friend").await;
    let asked = discoverable(&app, "asked", 25, visible).await;
    let _ = asked;
    app.post(
        "/api/v1/connections",
        &me,
        json!({"handle": "asked", "relationship": "peer"}),
    )
    .await;
    assert_eq!(handles(&discover(&app, &me, "peers").await), ["open_one"]);
    // Turning discovery off takes a member out at once.
    let (_, _) = app
        .put(
            "/api/v1/me/profile",
            &blocker,
            json!({"discoverable": false}),
        )
        .await;
    let (_, body) = app.get("/api/v1/discover?kind=peers", &friend).await;
    assert!(!handles(&body).contains(&"blocker".to_owned()));
    assert!(
        !handles(&body).contains(&"friend".to_owned()),
        "never myself"
    );
}

async fn peers_at_my_stage_sharing_my_focus_come_first_with_reasons(b: Backend) {
    let app = TestApp::spawn_roomy(b).await;
    let me = discoverable(
        &app,
        "seeker",
        20,
        json!({"focus": ["alcohol"], "pathway": ["smart"], "languages": ["en"]}),
    )
    .await;
    let public = json!({"focus": ["alcohol"], "pathway": ["smart"], "languages": ["en", "es"],
        "visibility": {"clocks": "members", "focus": "members", "pathway": "members", "languages": "members"}});
    discoverable(&app, "same_stage", 10, public.clone()).await;
    discoverable(&app, "old_timer", 3000, public).await;
    discoverable(
        &app,
        "same_stage_other",
        5,
        json!({"focus": ["gaming"], "visibility": {"clocks": "members", "focus": "members"}}),
    )
    .await;
    let results = discover(&app, &me, "peers").await;
    assert_eq!(
        handles(&results),
        ["same_stage", "same_stage_other", "old_timer"]
    );
    assert_eq!(
        results[0]["reasons"],
        json!([
            "first 30 days like you",
            "shares alcohol and SMART Recovery",
            "speaks English",
            "same time zone"
        ])
    );
    assert_eq!(results[2]["reasons"][0], "5 years or more");
}

async fn a_private_field_reaches_neither_results_nor_reasons(b: Backend) {
    let app = TestApp::spawn_roomy(b).await;
    let me = discoverable(
        &app,
        "seeker",
        20,
        json!({"focus": ["gambling"], "pathway": ["refuge"], "languages": ["pt"]}),
    )
    .await;
    // Everything private except being discoverable.
    discoverable(
        &app,
        "private_one",
        15,
        json!({"focus": ["gambling"], "pathway": ["refuge"], "languages": ["pt"], "bio": "PRIVATE-CANARY"}),
    )
    .await;
    discoverable(
        &app,
        "circle_one",
        15,
        json!({"focus": ["gambling"], "visibility": {"focus": "circle", "clocks": "circle"}}),
    )
    .await;
    let results = discover(&app, &me, "peers").await;
    let text = results.to_string();
    assert_eq!(handles(&results).len(), 2, "{text}");
    for hidden in [
        "gambling",
        "Refuge",
        "Portuguese",
        "pt",
        "PRIVATE-CANARY",
        "days",
        "year",
    ] {
        assert!(
            !text.contains(hidden),
            "`{hidden}` leaked into discovery: {text}"
        );
    }
    for r in results.as_array().unwrap() {
        assert_eq!(
            r.as_object().unwrap().len(),
            2,
            "only a handle and reasons: {r}"
        );
    }
}

async fn mentors_need_room_and_a_year_listeners_on_duty_come_first_professionals_are_verified(
    b: Backend,
) {
    let app = TestApp::spawn_roomy(b).await;
    let me = discoverable(&app, "seeker", 20, json!({})).await;
    let visible = json!({"visibility": {"clocks": "members"}});
    let mentor = discoverable(&app, "mentor_ok", 800, visible.clone()).await;
    app.put(
        "/api/v1/me/capacities",
        &mentor,
        json!({"mentor": true, "mentor_capacity": 1}),
    )
    .await;
    discoverable(&app, "not_a_mentor", 900, visible.clone()).await;
    let mentors = discover(&app, &me, "mentors").await;
    assert_eq!(handles(&mentors), ["mentor_ok"]);
    assert_eq!(mentors[0]["reasons"][0], "2 years in recovery");
    assert_eq!(mentors[0]["reasons"][1], "room for 1 more mentee");
    let other = app.member("mentee").await;
    app.connect(&other, "mentor_ok", &mentor, "mentor").await;
    assert_eq!(
        handles(&discover(&app, &me, "mentors").await),
        Vec::<String>::new(),
        "a full mentor is not offered"
    );

    // 2026-06-15T12:00Z is a Monday at noon in UTC.
    let on = discoverable(&app, "on_duty", 30, json!({})).await;
    app.put(
        "/api/v1/me/capacities",
        &on,
        json!({"listener": true, "duty_hours": "Mon-Fri 09:00-17:00"}),
    )
    .await;
    let off = discoverable(&app, "a_off_duty", 30, json!({})).await;
    app.put(
        "/api/v1/me/capacities",
        &off,
        json!({"listener": true, "duty_hours": "Sat 09:00-17:00"}),
    )
    .await;
    let listeners = discover(&app, &me, "listeners").await;
    assert_eq!(handles(&listeners), ["on_duty", "a_off_duty"]);
    assert_eq!(listeners[0]["reasons"][0], "on duty now");

    let pro = discoverable(&app, "dr_ash", 30, json!({})).await;
    app.put(
        "/api/v1/me/capacities",
        &pro,
        json!({"professional": true, "professional_title": "Addiction counsellor"}),
    )
    .await;
    assert_eq!(
        handles(&discover(&app, &me, "professionals").await),
        Vec::<String>::new(),
        "not verified yet"
    );
    belay::circle::capacity::set_verified(&app.state, "dr_ash", true)
        .await
        .unwrap();
    let pros = discover(&app, &me, "professionals").await;
    assert_eq!(handles(&pros), ["dr_ash"]);
    assert_eq!(pros[0]["reasons"][0], "verified: Addiction counsellor");
}

async fn results_are_paginated_with_a_next_link(b: Backend) {
    let app = TestApp::spawn_roomy(b).await;
    let me = discoverable(&app, "seeker", 20, json!({})).await;
    for i in 0..23 {
        discoverable(&app, &format!("peer_{i:02}"), 20, json!({})).await;
    }
    let res = app
        .http
        .get(app.url("/api/v1/discover?kind=peers"))
        .bearer_auth(&me)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["link"],
        "</api/v1/discover?kind=peers&page=2>; rel=\"next\""
    );
    let first: Value = res.json().await.unwrap();
    assert_eq!(first.as_array().unwrap().len(), 20);
    let res = app
        .http
        .get(app.url("/api/v1/discover?kind=peers&page=2"))
        .bearer_auth(&me)
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("link").is_none());
    let second: Value = res.json().await.unwrap();
    assert_eq!(second.as_array().unwrap().len(), 3);
    let mut all = handles(&first);
    all.extend(handles(&second));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 23, "no one twice, no one missed");
}

async fn bad_discovery_queries_are_422(b: Backend) {
    let app = TestApp::spawn(b).await;
    let me = app.member("seeker").await;
    for query in ["kind=friends", "page=0", "page=abc", "page=26"] {
        let (status, body) = app.get(&format!("/api/v1/discover?{query}"), &me).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {body}");
    }
}
