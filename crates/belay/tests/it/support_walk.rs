//! The authorisation walk of every check-in, goal, feed, encouragement and
//! help endpoint: as anonymous, a stranger, a connection without grants, a
//! partner holding the grants (and asked for help), and the owner.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

backend_tests!(every_endpoint_answers_each_role_as_it_should);

#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Anonymous,
    Stranger,
    Connected,
    Partner,
    Owner,
}

/// What a role gets: `Ok` (2xx), or a status.
#[derive(Clone, Copy, Debug)]
enum Expect {
    Ok,
    Is(StatusCode),
}

const NF: Expect = Expect::Is(StatusCode::NOT_FOUND);

async fn every_endpoint_answers_each_role_as_it_should(b: Backend) {
    let app = TestApp::spawn(b).await;
    let owner = app.member("owner").await;
    let stranger = app.member("stranger").await;
    let connected = app.member("connected").await;
    let partner = app.member("partner").await;
    app.connect(&connected, "owner", &owner, "peer").await;
    let conn = app.connect(&partner, "owner", &owner, "friend").await;
    app.grant(
        &owner,
        &conn,
        json!({"checkins": true, "goals": true, "clocks": true}),
    )
    .await;
    app.post("/api/v1/checkins", &owner, json!({"mood": 3, "craving": 2}))
        .await;
    let (_, goal) = app
        .post(
            "/api/v1/goals",
            &owner,
            json!({"title": "Walk", "cadence": "daily"}),
        )
        .await;
    let g = goal["id"].as_str().unwrap().to_owned();
    let (_, help) = app
        .post(
            "/api/v1/help-requests",
            &owner,
            json!({"what": "A ride", "to": ["partner"]}),
        )
        .await;
    let h = help["id"].as_str().unwrap().to_owned();
    let (_, offered) = app
        .post(
            &format!("/api/v1/help-requests/{h}/offers"),
            &partner,
            json!({}),
        )
        .await;
    let o = offered["offers"][0]["id"].as_str().unwrap().to_owned();

    use Expect::{Is, Ok as Y};
    // (method, path, body, [stranger, connected, partner, owner])
    let walk: Vec<(Method, String, Value, [Expect; 4])> = vec![
        (
            Method::GET,
            "/api/v1/checkins".into(),
            Value::Null,
            [Y, Y, Y, Y],
        ),
        (
            Method::GET,
            "/api/v1/checkins/chart.svg".into(),
            Value::Null,
            [Y, Y, Y, Y],
        ),
        (
            Method::GET,
            "/api/v1/members/owner/checkins".into(),
            Value::Null,
            [NF, NF, Y, Y],
        ),
        (
            Method::GET,
            "/api/v1/members/owner/checkins/chart.svg".into(),
            Value::Null,
            [NF, NF, Y, Y],
        ),
        (
            Method::GET,
            "/api/v1/me/checkin-settings".into(),
            Value::Null,
            [Y, Y, Y, Y],
        ),
        (
            Method::GET,
            "/api/v1/me/risk-signals".into(),
            Value::Null,
            [Y, Y, Y, Y],
        ),
        (
            Method::GET,
            "/api/v1/goals".into(),
            Value::Null,
            [Y, Y, Y, Y],
        ),
        (
            Method::GET,
            format!("/api/v1/goals/{g}"),
            Value::Null,
            [NF, NF, Y, Y],
        ),
        (
            Method::GET,
            "/api/v1/members/owner/goals".into(),
            Value::Null,
            [NF, NF, Y, Y],
        ),
        (
            Method::POST,
            format!("/api/v1/goals/{g}/progress"),
            json!({}),
            [NF, NF, NF, Y],
        ),
        (
            Method::POST,
            format!("/api/v1/goals/{g}/archive"),
            json!({}),
            [NF, NF, NF, Y],
        ),
        (
            Method::POST,
            format!("/api/v1/goals/{g}/restore"),
            json!({}),
            [NF, NF, NF, Y],
        ),
        (
            Method::POST,
            format!("/api/v1/goals/{g}/complete"),
            json!({}),
            [NF, NF, NF, Y],
        ),
        (
            Method::GET,
            "/api/v1/feed".into(),
            Value::Null,
            [Y, Y, Y, Y],
        ),
        (
            Method::GET,
            "/api/v1/encouragements".into(),
            Value::Null,
            [Y, Y, Y, Y],
        ),
        (
            Method::GET,
            "/api/v1/encouragements/sent".into(),
            Value::Null,
            [Y, Y, Y, Y],
        ),
        (
            Method::POST,
            "/api/v1/encouragements".into(),
            json!({"to": "owner", "body": "Go on"}),
            [NF, Y, Y, NF],
        ),
        (
            Method::POST,
            "/api/v1/encouragements".into(),
            json!({"to": "owner", "body": "Go", "about": {"kind": "goal", "id": g}}),
            [NF, NF, Y, NF],
        ),
        (
            Method::POST,
            "/api/v1/encouragements".into(),
            json!({"to": "owner", "body": "Go", "about": {"kind": "streak"}}),
            [NF, NF, Y, NF],
        ),
        (
            Method::GET,
            "/api/v1/help-requests".into(),
            Value::Null,
            [Y, Y, Y, Y],
        ),
        (
            Method::GET,
            format!("/api/v1/help-requests/{h}"),
            Value::Null,
            [NF, NF, Y, Y],
        ),
        (
            Method::POST,
            format!("/api/v1/help-requests/{h}/offers"),
            json!({}),
            [NF, NF, Is(StatusCode::CONFLICT), Is(StatusCode::CONFLICT)],
        ),
        (
            Method::POST,
            format!("/api/v1/help-requests/{h}/offers/{o}/accept"),
            json!({}),
            [NF, NF, NF, Y],
        ),
        (
            Method::POST,
            format!("/api/v1/help-requests/{h}/cancel"),
            json!({}),
            [NF, NF, NF, Is(StatusCode::CONFLICT)],
        ),
        // Writes of one's own: everyone may, on their own data.
        (
            Method::POST,
            "/api/v1/checkins".into(),
            json!({"mood": 4, "craving": 1}),
            [Y, Y, Y, Y],
        ),
        (
            Method::PUT,
            "/api/v1/me/checkin-settings".into(),
            json!({"nudge_list": false}),
            [Y, Y, Y, Y],
        ),
        (
            Method::POST,
            "/api/v1/goals".into(),
            json!({"title": "Read", "cadence": "once"}),
            [Y, Y, Y, Y],
        ),
    ];
    let roles = [
        (Role::Stranger, stranger.as_str()),
        (Role::Connected, connected.as_str()),
        (Role::Partner, partner.as_str()),
        (Role::Owner, owner.as_str()),
    ];
    let mut calls = 0;
    for (method, path, body, expected) in &walk {
        let body = (!body.is_null()).then(|| body.clone());
        let (status, answer) = app.call(method.clone(), path, None, body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{:?} {method} {path}: {answer}",
            Role::Anonymous
        );
        for ((role, token), expect) in roles.iter().zip(expected) {
            let (status, answer) = app
                .call(method.clone(), path, Some(token), body.clone())
                .await;
            match expect {
                Expect::Ok => assert!(
                    status.is_success(),
                    "{role:?} {method} {path}: {status} {answer}"
                ),
                Expect::Is(s) => assert_eq!(status, *s, "{role:?} {method} {path}: {answer}"),
            }
            if !status.is_success() && status != StatusCode::NOT_FOUND {
                assert!(
                    answer["error"]["code"].is_string(),
                    "{role:?} {method} {path}: {answer}"
                );
            }
            calls += 1;
        }
    }
    assert!(calls >= 100);
    // Nothing the stranger or the connection tried reached the owner's data.
    let (_, g_now) = app.get(&format!("/api/v1/goals/{g}"), &owner).await;
    assert_eq!(g_now["progress"], 1, "only the owner's own progress");
    assert_eq!(g_now["state"], "completed");
    assert_eq!(app.scalar("select count(*) from encouragement").await, 4);
}
