//! The authorisation walk for groups and meetings: every endpoint, as an
//! anonymous visitor, a non-member, a pending member, a member, a
//! moderator, the organiser, a banned member and an instance admin, on a
//! private group. Each answer is the status the role should get, and
//! nothing of the group leaks to those who should not see it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    groups::{group, invite, join, thread},
    support::{Backend, TestApp},
};

backend_tests!(every_group_endpoint_answers_each_role_as_it_should);

const ROLES: [&str; 8] = [
    "anonymous",
    "stranger",
    "pending",
    "member",
    "moderator",
    "organiser",
    "banned",
    "admin",
];

async fn every_group_endpoint_answers_each_role_as_it_should(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.set_now("2026-11-25T12:00:00Z");
    let org = app.member("org").await;
    let mut tokens: Vec<Option<String>> = vec![None];
    for h in ["stranger", "pending", "member", "modi"] {
        tokens.push(Some(app.member(h).await));
    }
    tokens.push(Some(org.clone()));
    tokens.push(Some(app.member("banned").await));
    tokens.push(Some(app.member("keeper").await));
    app.make_admin("keeper").await;
    let tok = |role: &str| tokens[ROLES.iter().position(|r| *r == role).unwrap()].clone();
    // An unlisted group taking requests, to let "pending" ask; then private.
    let slug = group(&app, &org, "Secret circle", "unlisted", "request").await;
    join(&app, tok("pending").as_deref().unwrap(), &slug, None).await;
    for h in ["member", "moderator", "banned"] {
        let code = invite(&app, &org, &slug, json!({})).await;
        join(&app, tok(h).as_deref().unwrap(), &slug, Some(&code)).await;
    }
    app.put(
        &format!("/api/v1/groups/{slug}/members/modi/role"),
        &org,
        json!({"role": "moderator"}),
    )
    .await;
    app.post(
        &format!("/api/v1/groups/{slug}/members/banned/ban"),
        &org,
        json!({"reason": "test"}),
    )
    .await;
    let settings = json!({"name": "Secret circle", "kind": "workplace", "visibility": "private", "join": "request"});
    assert_eq!(
        app.put(&format!("/api/v1/groups/{slug}"), &org, settings.clone())
            .await
            .0,
        StatusCode::OK
    );
    let t = thread(
        &app,
        tok("member").as_deref().unwrap(),
        &slug,
        "Secret thread title",
        "secret body text",
    )
    .await;
    let tid = t["thread"]["id"].as_str().unwrap().to_owned();
    let post = t["posts"][0]["id"].as_str().unwrap().to_owned();
    let (s, m) = app
        .post(&format!("/api/v1/groups/{slug}/meetings"), &org, json!({"name": "Secret meeting", "days": [1], "start_time": "12:00", "time_zone": "UTC", "location": "Room 4"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let meeting = m["slug"].as_str().unwrap().to_owned();

    use StatusCode as S;
    const A: S = S::UNAUTHORIZED;
    const N: S = S::NOT_FOUND;
    const F: S = S::FORBIDDEN;
    const O: S = S::OK;
    const C: S = S::CREATED;
    // (method, path, body, expected for anonymous, stranger, pending, member, moderator, organiser, banned, admin)
    let g = format!("/api/v1/groups/{slug}");
    let cases: Vec<(Method, String, Option<Value>, [S; 8])> = vec![
        (Method::GET, g.clone(), None, [N, N, O, O, O, O, N, N]),
        (
            Method::GET,
            format!("{g}/members"),
            None,
            [A, N, F, O, O, O, N, N],
        ),
        (
            Method::GET,
            format!("{g}/threads"),
            None,
            [A, N, F, O, O, O, N, N],
        ),
        (
            Method::GET,
            format!("{g}/threads/{tid}"),
            None,
            [A, N, F, O, O, O, N, N],
        ),
        (
            Method::POST,
            format!("{g}/threads"),
            Some(json!({"title": "t", "body": "b"})),
            [A, N, F, C, C, C, N, N],
        ),
        (
            Method::POST,
            format!("{g}/threads/{tid}/posts"),
            Some(json!({"body": "b"})),
            [A, N, F, C, C, C, N, N],
        ),
        (
            Method::PUT,
            format!("{g}/me"),
            Some(json!({"notify": "all"})),
            [A, N, F, O, O, O, N, N],
        ),
        (
            Method::POST,
            format!("{g}/reports"),
            Some(json!({"post": post, "reason": "r"})),
            [A, N, F, C, C, C, N, N],
        ),
        (
            Method::GET,
            format!("{g}/reports"),
            None,
            [A, N, F, F, O, O, N, N],
        ),
        (
            Method::GET,
            format!("{g}/moderation-log"),
            None,
            [A, N, F, F, O, O, N, N],
        ),
        (
            Method::GET,
            format!("{g}/invites"),
            None,
            [A, N, F, F, O, O, N, N],
        ),
        (
            Method::POST,
            format!("{g}/invites"),
            Some(json!({})),
            [A, N, F, F, C, C, N, N],
        ),
        (
            Method::POST,
            format!("{g}/members/member/warn"),
            Some(json!({"reason": "r"})),
            [A, N, F, F, O, O, N, N],
        ),
        (
            Method::PUT,
            format!("{g}/members/member/role"),
            Some(json!({"role": "member"})),
            [A, N, F, F, F, O, N, N],
        ),
        (
            Method::PUT,
            g.clone(),
            Some(settings.clone()),
            [A, N, F, F, F, O, N, N],
        ),
        (
            Method::POST,
            format!("{g}/posts/{post}/hide"),
            Some(json!({"reason": "r"})),
            [A, N, F, F, O, O, N, N],
        ),
        (
            Method::POST,
            format!("{g}/posts/{post}/restore"),
            None,
            [A, N, F, F, O, O, N, N],
        ),
        (
            Method::POST,
            format!("{g}/join"),
            Some(json!({})),
            [A, N, O, O, O, O, N, N],
        ),
        (
            Method::GET,
            format!("{g}/meetings"),
            None,
            [N, N, F, O, O, O, N, N],
        ),
        (
            Method::POST,
            format!("{g}/meetings"),
            Some(
                json!({"name": "x", "days": [2], "start_time": "10:00", "time_zone": "UTC", "location": "Hall"}),
            ),
            [A, N, F, F, C, C, N, N],
        ),
        (
            Method::GET,
            format!("/api/v1/meetings/{meeting}"),
            None,
            [N, N, N, O, O, O, N, N],
        ),
        (
            Method::POST,
            format!("/api/v1/meetings/{meeting}/occurrences/2026-11-30/cancel"),
            Some(json!({})),
            [A, N, N, F, O, O, N, N],
        ),
        (
            Method::GET,
            "/api/v1/admin/group-reports".into(),
            None,
            [A, F, F, F, F, F, F, O],
        ),
    ];
    for (method, path, body, want) in &cases {
        for (i, role) in ROLES.iter().enumerate() {
            let body = match (method.as_str(), body) {
                ("POST" | "PUT", None) => Some(json!({})),
                (_, b) => b.clone(),
            };
            if path.ends_with("/restore") {
                app.post(
                    &format!("{g}/posts/{post}/hide"),
                    &org,
                    json!({"reason": "walk"}),
                )
                .await;
            }
            let (status, answer) = app
                .call(method.clone(), path, tokens[i].as_deref(), body)
                .await;
            if path.ends_with("/restore") {
                app.post(&format!("{g}/posts/{post}/restore"), &org, json!({}))
                    .await;
            }
            assert_eq!(status, want[i], "{method} {path} as {role}: {answer}");
            if !status.is_success() {
                let text = answer.to_string();
                for secret in [
                    "Secret circle",
                    "secret body",
                    "Secret thread",
                    "Secret meeting",
                ] {
                    assert!(
                        !text.contains(secret),
                        "{method} {path} as {role} leaks {secret}"
                    );
                }
            }
            // Put back what a successful hide changed.
            if status.is_success() && path.ends_with("/hide") {
                app.post(&format!("{g}/posts/{post}/restore"), &org, json!({}))
                    .await;
            }
        }
    }
    // Listings and feeds: the private group is in nobody's view but its members'.
    for (i, role) in ROLES.iter().enumerate() {
        let (_, list) = app
            .call(Method::GET, "/api/v1/groups", tokens[i].as_deref(), None)
            .await;
        let listed = list.to_string().contains("Secret circle");
        assert_eq!(
            listed,
            matches!(*role, "pending" | "member" | "moderator" | "organiser"),
            "directory as {role}"
        );
        let (_, found) = app
            .call(Method::GET, "/api/v1/meetings", tokens[i].as_deref(), None)
            .await;
        assert!(
            !found.to_string().contains("Secret meeting"),
            "finder as {role}"
        );
    }
    let feed = app
        .http
        .get(app.url("/meetings.json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!feed.contains("Secret"));
    let ics = app
        .http
        .get(app.url(&format!("/groups/{slug}/meetings.ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(ics.status(), StatusCode::NOT_FOUND);
}
