//! The authorisation walk for resources, reports, moderation and data
//! rights: every endpoint as an anonymous visitor, a member, a reported
//! member, a suspended member, a group moderator, an instance moderator and
//! an admin. Each answer is the status the role should get, and a refusal
//! never carries the reported words.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    groups::{group, join},
    moderation::{make_moderator, report, send},
    support::{Backend, TestApp},
};

backend_tests!(every_safety_and_data_endpoint_answers_each_role_as_it_should);

const ROLES: [&str; 7] = [
    "anonymous",
    "member",
    "reported",
    "suspended",
    "group_mod",
    "instance_mod",
    "admin",
];

async fn every_safety_and_data_endpoint_answers_each_role_as_it_should(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.set_now("2026-11-25T12:00:00Z");
    let mut tokens: Vec<Option<String>> = vec![None];
    for h in [
        "member",
        "reported",
        "suspended",
        "groupmod",
        "instmod",
        "keeper",
    ] {
        tokens.push(Some(app.member(h).await));
    }
    let target = app.member("target").await;
    make_moderator(&app, "instmod").await;
    app.make_admin("keeper").await;
    let tok = |role: &str| {
        tokens[ROLES.iter().position(|r| *r == role).unwrap()]
            .clone()
            .unwrap()
    };
    // The group moderator moderates a group; "reported" was reported for a
    // message to "member"; "suspended" is suspended.
    let slug = group(&app, &tok("group_mod"), "Walkers", "public", "open").await;
    join(&app, &target, &slug, None).await;
    app.connect(&tok("reported"), "member", &tok("member"), "peer")
        .await;
    let words = "walk-secret insulting words";
    let msg = send(&app, &tok("reported"), "member", words).await;
    report(&app, &tok("member"), json!({"kind": "message", "id": msg, "category": "harassment", "reason": "walk-secret reason"})).await;
    let (s, _) = app
        .post(
            "/api/v1/moderation/members/suspended/actions",
            &tok("admin"),
            json!({"action": "suspend", "reason": "walk", "days": 2}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, q) = app.get("/api/v1/moderation/reports", &tok("admin")).await;
    let on_message = q[0]["id"].as_str().unwrap().to_owned();
    let (s, r) = app
        .post(
            "/api/v1/resources",
            &tok("admin"),
            json!({"category": "guides", "name": "Walk guide", "url": "https://example.org"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let resource = r["id"].as_str().unwrap().to_owned();

    use StatusCode as S;
    const A: S = S::UNAUTHORIZED;
    const F: S = S::FORBIDDEN;
    const O: S = S::OK;
    const C: S = S::CREATED;
    const U: S = S::UNPROCESSABLE_ENTITY;
    // Roles: anonymous, member, reported, suspended, group moderator,
    // instance moderator, admin.
    let everyone_signed_in = [A, O, O, O, O, O, O];
    let moderators = [A, F, F, F, F, O, O];
    let admins = [A, F, F, F, F, F, O];
    let resource_body =
        json!({"category": "guides", "name": "Walk guide", "url": "https://example.org"});
    let cases: Vec<(Method, String, Option<Value>, [S; 7])> = vec![
        (Method::GET, "/api/v1/resources".into(), None, [O; 7]),
        (
            Method::POST,
            "/api/v1/resources".into(),
            Some(resource_body.clone()),
            [A, F, F, F, F, F, C],
        ),
        (
            Method::PUT,
            format!("/api/v1/resources/{resource}"),
            Some(resource_body),
            admins,
        ),
        (
            Method::POST,
            format!("/api/v1/resources/{resource}/retire"),
            None,
            admins,
        ),
        (
            Method::DELETE,
            format!("/api/v1/resources/{resource}/retire"),
            None,
            admins,
        ),
        // A suspended member may still report (someone may be hurting them).
        (
            Method::POST,
            "/api/v1/reports".into(),
            Some(
                json!({"kind": "member", "handle": "target", "category": "other", "reason": "walk"}),
            ),
            [A, C, C, C, C, C, C],
        ),
        (
            Method::GET,
            "/api/v1/moderation/reports".into(),
            None,
            moderators,
        ),
        (
            Method::GET,
            format!("/api/v1/moderation/reports/{on_message}"),
            None,
            moderators,
        ),
        (
            Method::POST,
            format!("/api/v1/moderation/reports/{on_message}/actions"),
            Some(json!({"action": "nothing"})),
            [A, F, F, F, F, U, U],
        ),
        (
            Method::POST,
            "/api/v1/moderation/members/target/actions".into(),
            Some(json!({"action": "warn", "reason": "walk"})),
            moderators,
        ),
        (
            Method::GET,
            "/api/v1/moderation/log".into(),
            None,
            moderators,
        ),
        (
            Method::GET,
            "/api/v1/admin/group-reports".into(),
            None,
            moderators,
        ),
        (
            Method::GET,
            "/api/v1/me/standing".into(),
            None,
            everyone_signed_in,
        ),
        (
            Method::PUT,
            "/api/v1/me/check-on-me".into(),
            Some(json!({"enabled": true})),
            everyone_signed_in,
        ),
        (
            Method::GET,
            "/api/v1/me/export".into(),
            None,
            everyone_signed_in,
        ),
        (
            Method::GET,
            "/api/v1/me/export/archive".into(),
            None,
            everyone_signed_in,
        ),
        (
            Method::GET,
            "/api/v1/me/access-log".into(),
            None,
            everyone_signed_in,
        ),
        (
            Method::DELETE,
            "/api/v1/me".into(),
            Some(json!({"password": "not-the-password"})),
            [A, U, U, U, U, U, U],
        ),
    ];
    for (method, path, body, want) in &cases {
        for (i, role) in ROLES.iter().enumerate() {
            let body = match (method.as_str(), body) {
                ("POST" | "PUT", None) => Some(json!({})),
                (_, b) => b.clone(),
            };
            let res = app.http.request(method.clone(), app.url(path));
            let res = match &tokens[i] {
                Some(t) => res.bearer_auth(t),
                None => res,
            };
            let res = match body {
                Some(b) => res.json(&b),
                None => res,
            };
            let res = res.send().await.unwrap();
            let status = res.status();
            let text = String::from_utf8_lossy(&res.bytes().await.unwrap()).into_owned();
            assert_eq!(status, want[i], "{method} {path} as {role}: {text}");
            if !status.is_success() || !matches!(*role, "instance_mod" | "admin") {
                assert!(
                    !text.contains("walk-secret")
                        || (*role == "member" && path.contains("export"))
                        || (*role == "reported" && path.contains("export")),
                    "{method} {path} as {role} shows reported words: {text}"
                );
            }
        }
    }
    // The walk deleted nothing and moved nobody's standing.
    assert_eq!(app.scalar("select count(*) from member").await, 7);
    let standing = |role: &'static str| {
        let t = tok(role);
        let app = &app;
        async move { app.get("/api/v1/me/standing", &t).await.1["state"].clone() }
    };
    assert_eq!(standing("suspended").await, "suspended");
    assert_eq!(standing("reported").await, "active");
    // The reported member learns nothing of the report or the reporter.
    let (_, notices) = app.get("/api/v1/notices", &tok("reported")).await;
    assert!(!notices.to_string().contains("walk-secret"), "{notices}");
    assert!(!notices.to_string().contains("\"report\""), "{notices}");

    // Pages: anyone is sent to log in; members are refused the queue.
    let anonymous = app
        .http
        .get(app.url("/admin/moderation"))
        .send()
        .await
        .unwrap();
    assert!(
        anonymous.status().is_redirection(),
        "{}",
        anonymous.status()
    );
    assert_eq!(anonymous.headers()["location"], "/login");
    for (handle, queue, reported_words) in [
        ("member", F, false),
        ("suspended", F, false),
        ("groupmod", F, false),
        ("instmod", O, true),
        ("keeper", O, true),
    ] {
        let browser = crate::support::browser::Browser::new(&app);
        browser.log_in(handle, crate::support::app::PASSWORD).await;
        for path in ["/admin/moderation", "/admin/moderation/log"] {
            let page = browser.get(path).await;
            assert_eq!(page.status, queue, "{path} as {handle}");
            assert_eq!(
                page.html.contains("walk-secret"),
                reported_words && path == "/admin/moderation",
                "{path} as {handle}"
            );
        }
        for path in [
            "/settings/safety",
            "/report?kind=member&handle=target",
            "/resources",
            "/settings/export",
        ] {
            let page = browser.get(path).await;
            assert_eq!(page.status, O, "{path} as {handle}");
        }
    }
}
