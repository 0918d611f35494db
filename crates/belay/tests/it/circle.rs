//! The circle: capacities, connections, grants checked in the database,
//! invites and blocks; and the authorisation walk over every endpoint.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

backend_tests!(
    mentoring_needs_a_year_and_duty_hours_must_parse,
    professionals_are_verified_by_admins_only,
    a_request_is_accepted_declined_or_withdrawn,
    impossible_requests_are_clear_4xx,
    a_full_mentor_cannot_be_asked_and_capacity_counts_on_acceptance,
    clocks_are_seen_only_after_the_grant_and_not_after_it_is_withdrawn,
    circle_visibility_means_accepted_connections,
    an_invite_connects_a_newcomer_with_the_chosen_sharing_once,
    invites_expire_and_can_be_revoked,
    a_block_ends_the_connection_and_hides_both_silently,
    the_authorisation_walk_shows_no_leak,
);

async fn mentoring_needs_a_year_and_duty_hours_must_parse(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = app.member("sage").await;
    let (status, body) = app
        .put("/api/v1/me/capacities", &t, json!({"mentor": true}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["mentor"].is_array(), "{body}");
    app.clock_days_ago(&t, "alcohol", 400).await;
    let (status, caps) = app
        .put(
            "/api/v1/me/capacities",
            &t,
            json!({"mentor": true, "mentor_capacity": 2}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{caps}");
    assert_eq!(caps["mentor"], true);
    assert_eq!(caps["mentor_capacity"], 2);
    for bad in [
        json!({"mentor_capacity": 0}),
        json!({"listener": true}),
        json!({"duty_hours": "whenever"}),
        json!({"professional": true}),
    ] {
        let (status, body) = app.put("/api/v1/me/capacities", &t, bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    // 2026-06-15T12:00Z is a Monday, 12:00 in UTC.
    let (_, caps) = app
        .put(
            "/api/v1/me/capacities",
            &t,
            json!({"listener": true, "duty_hours": "Mon-Fri 09:00-17:00"}),
        )
        .await;
    assert_eq!(caps["on_duty_now"], true);
    assert_eq!(caps["mentor"], true, "a field left out keeps its value");
}

async fn professionals_are_verified_by_admins_only(b: Backend) {
    let app = TestApp::spawn(b).await;
    let pro = app.member("dr_ash").await;
    let other = app.member("river").await;
    let (status, caps) = app
        .put("/api/v1/me/capacities", &pro, json!({"professional": true, "professional_title": "Addiction counsellor", "professional_licence": "AC-123"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(caps["verified"], false);
    let (status, body) = app
        .put(
            "/api/v1/admin/professionals/dr_ash",
            &other,
            json!({"verified": true}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    app.make_admin("river").await;
    let (status, _) = app
        .put(
            "/api/v1/admin/professionals/dr_ash",
            &other,
            json!({"verified": true}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, caps) = app.get("/api/v1/me/capacities", &pro).await;
    assert_eq!(caps["verified"], true);
    // Changing the credential needs a new check.
    let (_, caps) = app
        .put(
            "/api/v1/me/capacities",
            &pro,
            json!({"professional_licence": "AC-999"}),
        )
        .await;
    assert_eq!(caps["verified"], false);
}

async fn a_request_is_accepted_declined_or_withdrawn(b: Backend) {
    let app = TestApp::spawn(b).await;
    let a = app.member("river").await;
    let b_ = app.member("sky").await;
    let c = app.member("wren").await;
    let (status, req) = app
        .post(
            "/api/v1/connections",
            &a,
            json!({"handle": "Sky", "relationship": "peer"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(req["state"], "pending");
    assert_eq!(req["direction"], "outgoing");
    let (_, incoming) = app.get("/api/v1/connections?state=pending", &b_).await;
    assert_eq!(incoming[0]["handle"], "river");
    assert_eq!(incoming[0]["direction"], "incoming");
    let id = req["id"].as_str().unwrap();
    let (status, _) = app
        .post(&format!("/api/v1/connections/{id}/accept"), &a, json!({}))
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "the requester can't accept their own request"
    );
    let (status, accepted) = app
        .post(&format!("/api/v1/connections/{id}/accept"), &b_, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(accepted["state"], "accepted");
    assert_eq!(
        accepted["my_grants"],
        json!({"clocks": false, "checkins": false, "goals": false, "reach_out": false, "reach_out_order": null})
    );

    let (_, req) = app
        .post(
            "/api/v1/connections",
            &c,
            json!({"handle": "river", "relationship": "mentor"}),
        )
        .await;
    // river is not a mentor
    assert!(req["error"]["fields"]["relationship"].is_array(), "{req}");
    let (_, req) = app
        .post(
            "/api/v1/connections",
            &c,
            json!({"handle": "river", "relationship": "friend"}),
        )
        .await;
    let id = req["id"].as_str().unwrap();
    let (status, _) = app
        .post(&format!("/api/v1/connections/{id}/decline"), &a, json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, list) = app.get("/api/v1/connections", &c).await;
    assert_eq!(list, json!([]), "declined requests leave the list");
    let (status, req) = app
        .post(
            "/api/v1/connections",
            &c,
            json!({"handle": "river", "relationship": "friend"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "asking again after a decline is allowed"
    );
    let id = req["id"].as_str().unwrap();
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/connections/{id}"),
            Some(&c),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "withdrawn");
    let (_, list) = app.get("/api/v1/connections?state=pending", &a).await;
    assert_eq!(list, json!([]));
}

async fn impossible_requests_are_clear_4xx(b: Backend) {
    let app = TestApp::spawn(b).await;
    let a = app.member("river").await;
    let b_ = app.member("sky").await;
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"handle": "river", "relationship": "peer"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            json!({"handle": "nobody_here", "relationship": "peer"}),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            json!({"handle": "sky", "relationship": "boss"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
        (
            json!({"handle": "sky"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        ),
    ];
    for (body, status, code) in cases {
        let (got, answer) = app.post("/api/v1/connections", &a, body.clone()).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], code);
    }
    app.post(
        "/api/v1/connections",
        &a,
        json!({"handle": "sky", "relationship": "peer"}),
    )
    .await;
    let (status, body) = app
        .post(
            "/api/v1/connections",
            &a,
            json!({"handle": "sky", "relationship": "friend"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "no duplicate pending requests: {body}"
    );
    let (status, body) = app
        .post(
            "/api/v1/connections",
            &b_,
            json!({"handle": "river", "relationship": "peer"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("accept their request")
    );
    for path in [
        "/api/v1/connections/not-an-id/accept",
        "/api/v1/connections/00000000-0000-0000-0000-000000000000/accept",
    ] {
        let (status, _) = app.post(path, &b_, json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(app.scalar("select count(*) from connection").await, 1);
}

async fn a_full_mentor_cannot_be_asked_and_capacity_counts_on_acceptance(b: Backend) {
    let app = TestApp::spawn(b).await;
    let mentor = app.member("sage").await;
    app.clock_days_ago(&mentor, "alcohol", 800).await;
    app.put(
        "/api/v1/me/capacities",
        &mentor,
        json!({"mentor": true, "mentor_capacity": 1}),
    )
    .await;
    let a = app.member("river").await;
    let b_ = app.member("sky").await;
    let c = app.member("wren").await;
    let (_, ra) = app
        .post(
            "/api/v1/connections",
            &a,
            json!({"handle": "sage", "relationship": "mentor"}),
        )
        .await;
    let (status, rb) = app
        .post(
            "/api/v1/connections",
            &b_,
            json!({"handle": "sage", "relationship": "mentor"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a pending request does not count: {rb}"
    );
    let (status, _) = app
        .post(
            &format!("/api/v1/connections/{}/accept", ra["id"].as_str().unwrap()),
            &mentor,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .post(
            &format!("/api/v1/connections/{}/accept", rb["id"].as_str().unwrap()),
            &mentor,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "mentor_full");
    let (status, body) = app
        .post(
            "/api/v1/connections",
            &c,
            json!({"handle": "sage", "relationship": "mentor"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "mentor_full");
    let (_, caps) = app.get("/api/v1/me/capacities", &mentor).await;
    assert_eq!(caps["mentees"], 1);
    let (_, mine) = app.get("/api/v1/connections?state=accepted", &a).await;
    assert_eq!(mine[0]["relationship"], "mentor", "sage is river's mentor");
    let (_, theirs) = app.get("/api/v1/connections?state=accepted", &mentor).await;
    assert_eq!(
        theirs[0]["relationship"], "mentee",
        "river is sage's mentee"
    );
}

async fn clocks_are_seen_only_after_the_grant_and_not_after_it_is_withdrawn(b: Backend) {
    let app = TestApp::spawn(b).await;
    let a = app.member("river").await;
    let b_ = app.member("sky").await;
    app.clock_days_ago(&a, "alcohol", 45).await;
    let (status, _) = app.get("/api/v1/members/river/clocks", &b_).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "strangers get nothing");
    let id = app.connect(&b_, "river", &a, "peer").await;
    let (status, _) = app.get("/api/v1/members/river/clocks", &b_).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "connected is not enough: default deny"
    );
    let (status, c) = app
        .put(
            &format!("/api/v1/connections/{id}/grants"),
            &a,
            json!({"clocks": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["my_grants"]["clocks"], true);
    let (status, clocks) = app.get("/api/v1/members/river/clocks", &b_).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(clocks[0]["label"], "alcohol");
    assert_eq!(clocks[0]["days"], 45);
    assert!(
        clocks[0].get("resets").is_none(),
        "reset history stays private: {clocks}"
    );
    let (_, sky_view) = app.get("/api/v1/connections", &b_).await;
    assert_eq!(sky_view[0]["their_grants"]["clocks"], true);
    assert_eq!(
        sky_view[0]["my_grants"]["clocks"], false,
        "grants are per side"
    );
    app.put(
        &format!("/api/v1/connections/{id}/grants"),
        &a,
        json!({"clocks": false}),
    )
    .await;
    let (status, _) = app.get("/api/v1/members/river/clocks", &b_).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "withdrawn at once");
    app.put(
        &format!("/api/v1/connections/{id}/grants"),
        &a,
        json!({"clocks": true}),
    )
    .await;
    app.call(
        Method::DELETE,
        &format!("/api/v1/connections/{id}"),
        Some(&b_),
        None,
    )
    .await;
    let (status, _) = app.get("/api/v1/members/river/clocks", &b_).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "ending the connection ends the sharing"
    );
}

async fn circle_visibility_means_accepted_connections(b: Backend) {
    let app = TestApp::spawn(b).await;
    let a = app.member("river").await;
    let friend = app.member("sky").await;
    let stranger = app.member("wren").await;
    app.put(
        "/api/v1/me/profile",
        &a,
        json!({"bio": "CIRCLE-ONLY bio", "visibility": {"bio": "circle"}}),
    )
    .await;
    let (_, req) = app
        .post(
            "/api/v1/connections",
            &friend,
            json!({"handle": "river", "relationship": "friend"}),
        )
        .await;
    let (_, card) = app.get("/api/v1/members/river", &friend).await;
    assert!(
        card.get("bio").is_none(),
        "a pending request is not the circle: {card}"
    );
    app.post(
        &format!("/api/v1/connections/{}/accept", req["id"].as_str().unwrap()),
        &a,
        json!({}),
    )
    .await;
    let (_, card) = app.get("/api/v1/members/river", &friend).await;
    assert_eq!(card["bio"], "CIRCLE-ONLY bio");
    let (_, card) = app.get("/api/v1/members/river", &stranger).await;
    assert!(card.get("bio").is_none(), "{card}");
}

async fn an_invite_connects_a_newcomer_with_the_chosen_sharing_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let a = app.member("river").await;
    app.clock_days_ago(&a, "alcohol", 12).await;
    let (status, invite) = app
        .post(
            "/api/v1/invites",
            &a,
            json!({"relationship": "family", "note": "my sister",
                   "grants": {"clocks": true, "goals": true}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invite}");
    // Progress made before the invite is accepted reaches the feed after.
    let (status, goal) = app
        .post(
            "/api/v1/goals",
            &a,
            json!({"title": "Call home", "cadence": "weekly"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{goal}");
    let goal_id = goal["id"].as_str().unwrap();
    let (status, _) = app
        .post(&format!("/api/v1/goals/{goal_id}/progress"), &a, json!({}))
        .await;
    assert!(status.is_success());
    let url = invite["url"].as_str().unwrap();
    let token = url.rsplit('/').next().unwrap();
    assert_eq!(
        app.scalar("select count(*) from invite where length(token_hash) = 32")
            .await,
        1
    );
    let (status, preview) = app
        .call(
            Method::GET,
            &format!("/api/v1/invite-links/{token}"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(preview["inviter"], "river");
    assert_eq!(preview["relationship"], "family");
    assert!(
        preview.get("note").is_none(),
        "the note is the inviter's own: {preview}"
    );
    let sister = app.member("sis").await;
    let (status, c) = app
        .post(
            &format!("/api/v1/invite-links/{token}/accept"),
            &sister,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["state"], "accepted");
    assert_eq!(c["their_grants"]["clocks"], true);
    let (status, clocks) = app.get("/api/v1/members/river/clocks", &sister).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(clocks[0]["days"], 12);
    let (status, feed) = app.get("/api/v1/feed", &sister).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(feed["items"][0]["goal_id"], goal_id, "{feed}");
    let other = app.member("cousin").await;
    let (status, body) = app
        .post(
            &format!("/api/v1/invite-links/{token}/accept"),
            &other,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "single use: {body}");
    let (status, _) = app
        .post(
            &format!("/api/v1/invite-links/{token}/accept"),
            &a,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

async fn invites_expire_and_can_be_revoked(b: Backend) {
    let app = TestApp::spawn(b).await;
    let a = app.member("river").await;
    let other = app.member("sky").await;
    let (_, i1) = app
        .post("/api/v1/invites", &a, json!({"relationship": "friend"}))
        .await;
    let (_, i2) = app
        .post("/api/v1/invites", &a, json!({"relationship": "friend"}))
        .await;
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/invites/{}", i2["id"].as_str().unwrap()),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only the inviter revokes");
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/invites/{}", i2["id"].as_str().unwrap()),
            Some(&a),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let t2 = i2["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let (status, _) = app
        .post(
            &format!("/api/v1/invite-links/{t2}/accept"),
            &other,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "revoked");
    app.clock.advance(chrono::Duration::days(7));
    let t1 = i1["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let (status, _) = app
        .post(
            &format!("/api/v1/invite-links/{t1}/accept"),
            &other,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "expired after 7 days");
    let (status, _) = app
        .call(
            Method::GET,
            "/api/v1/invite-links/not-a-real-token",
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = app.get("/api/v1/invites", &a).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|i| i.get("url").is_none()),
        "links are shown once"
    );
}

async fn a_block_ends_the_connection_and_hides_both_silently(b: Backend) {
    let app = TestApp::spawn(b).await;
    let a = app.member("river").await;
    let b_ = app.member("sky").await;
    app.clock_days_ago(&a, "alcohol", 30).await;
    let id = app.connect(&a, "sky", &b_, "peer").await;
    app.put(
        &format!("/api/v1/connections/{id}/grants"),
        &a,
        json!({"clocks": true}),
    )
    .await;
    let (status, _) = app
        .post("/api/v1/blocks", &a, json!({"handle": "sky"}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.scalar("select count(*) from connection where state = 'accepted'")
            .await,
        0
    );
    assert_eq!(app.scalar("select count(*) from connection_grant").await, 0);
    for path in ["/api/v1/members/river", "/api/v1/members/river/clocks"] {
        let (status, _) = app.get(path, &b_).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = app.get("/api/v1/members/sky", &a).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "hidden both ways");
    let (status, body) = app
        .post(
            "/api/v1/connections",
            &b_,
            json!({"handle": "river", "relationship": "peer"}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the blocked side sees an unknown handle: {body}"
    );
    let (status, body) = app
        .post(
            "/api/v1/connections",
            &a,
            json!({"handle": "sky", "relationship": "peer"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "blocked");
    let (_, blocks) = app.get("/api/v1/blocks", &a).await;
    assert_eq!(blocks, json!(["sky"]));
    let (status, _) = app
        .call(Method::DELETE, "/api/v1/blocks/sky", Some(&a), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app.get("/api/v1/members/river", &b_).await;
    assert_eq!(status, StatusCode::OK);
}

/// Every endpoint of the circle, walked as: anonymous, the owner, a
/// connected member without the grant, one with it, a blocked member and a
/// stranger. The owner (`river`) shares clocks with `granted` only.
async fn the_authorisation_walk_shows_no_leak(b: Backend) {
    let app = TestApp::spawn(b).await;
    let owner = app.member("river").await;
    let plain = app.member("plain").await;
    let granted = app.member("granted").await;
    let blocked = app.member("blocked").await;
    let stranger = app.member("stranger").await;
    app.clock_days_ago(&owner, "alcohol", 100).await;
    app.put(
        "/api/v1/me/profile",
        &owner,
        json!({"bio": "CANARY-CIRCLE", "seeking": "CANARY-PRIVATE", "offering": "public offer",
               "visibility": {"bio": "circle", "offering": "members"}}),
    )
    .await;
    let plain_id = app.connect(&owner, "plain", &plain, "peer").await;
    let granted_id = app.connect(&owner, "granted", &granted, "friend").await;
    app.put(
        &format!("/api/v1/connections/{granted_id}/grants"),
        &owner,
        json!({"clocks": true}),
    )
    .await;
    let _ = app.connect(&owner, "blocked", &blocked, "friend").await;
    app.post("/api/v1/blocks", &owner, json!({"handle": "blocked"}))
        .await;
    let (_, invite) = app
        .post("/api/v1/invites", &owner, json!({"relationship": "friend"}))
        .await;
    let invite_id = invite["id"].as_str().unwrap().to_owned();

    let who: [(&str, Option<&str>); 6] = [
        ("anonymous", None),
        ("owner", Some(&owner)),
        ("plain", Some(&plain)),
        ("granted", Some(&granted)),
        ("blocked", Some(&blocked)),
        ("stranger", Some(&stranger)),
    ];
    // (method, path, body, expected status per caller in the order above)
    let walk: Vec<(Method, String, Option<Value>, [u16; 6])> = vec![
        (
            Method::GET,
            "/api/v1/members/river".into(),
            None,
            [401, 200, 200, 200, 404, 200],
        ),
        (
            Method::GET,
            "/api/v1/members/river/clocks".into(),
            None,
            [401, 200, 404, 200, 404, 404],
        ),
        (
            Method::PUT,
            format!("/api/v1/connections/{plain_id}/grants"),
            Some(json!({"goals": false})),
            [401, 200, 200, 404, 404, 404],
        ),
        (
            Method::POST,
            format!("/api/v1/connections/{plain_id}/accept"),
            Some(json!({})),
            [401, 409, 409, 404, 404, 404],
        ),
        (
            Method::POST,
            format!("/api/v1/connections/{plain_id}/decline"),
            Some(json!({})),
            [401, 409, 409, 404, 404, 404],
        ),
        (
            Method::DELETE,
            format!("/api/v1/invites/{invite_id}"),
            None,
            [401, 204, 404, 404, 404, 404],
        ),
        (
            Method::GET,
            "/api/v1/connections".into(),
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/blocks".into(),
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/invites".into(),
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            Method::GET,
            "/api/v1/me/capacities".into(),
            None,
            [401, 200, 200, 200, 200, 200],
        ),
        (
            Method::PUT,
            "/api/v1/admin/professionals/river".into(),
            Some(json!({"verified": true})),
            [401, 403, 403, 403, 403, 403],
        ),
        (
            Method::GET,
            "/api/v1/discover?kind=peers".into(),
            None,
            [401, 200, 200, 200, 200, 200],
        ),
    ];
    for (method, path, body, expected) in &walk {
        for ((name, token), want) in who.iter().zip(expected) {
            // The owner's invite can be revoked once only; walk it last.
            let (status, answer) = app.call(method.clone(), path, *token, body.clone()).await;
            assert_eq!(
                status.as_u16(),
                *want,
                "{name}: {method} {path} -> {answer}"
            );
            let text = answer.to_string();
            assert!(
                !text.contains("CANARY-PRIVATE") || *name == "owner",
                "{name} saw a private field via {path}"
            );
            let circle_may_see = matches!(*name, "owner" | "plain" | "granted");
            assert!(
                !text.contains("CANARY-CIRCLE") || circle_may_see,
                "{name} saw a circle-only field via {path}"
            );
            if *name != "owner" && *name != "granted" && path.ends_with("/clocks") {
                assert!(!text.contains("alcohol"), "{name} saw a clock");
            }
        }
    }
    // Lists show only the caller's own connections.
    let (_, stranger_list) = app.get("/api/v1/connections", &stranger).await;
    assert_eq!(stranger_list, json!([]));
    let (_, blocked_list) = app.get("/api/v1/connections", &blocked).await;
    assert_eq!(blocked_list, json!([]), "the block ended it");
}
