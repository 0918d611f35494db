//! Accounts through the API: sign-up rules, tokens, the login throttle and
//! answers that don't tell whether a handle exists.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{Backend, TestApp, app::PASSWORD};

backend_tests!(
    signing_up_returns_the_id_and_normalised_handle,
    a_taken_handle_is_a_409_whatever_its_case,
    every_invalid_signup_field_is_named_in_a_422,
    malformed_json_is_a_400_and_changes_nothing,
    json_with_an_unknown_field_is_refused,
    wrong_content_type_is_a_415,
    an_oversized_body_is_a_413,
    unknown_handle_and_wrong_password_get_the_same_answer,
    a_token_authenticates_until_revoked,
    missing_or_bad_tokens_are_401_in_the_envelope,
    me_returns_my_account_and_private_profile,
    changing_my_email_and_zone_is_validated,
    changing_the_password_needs_the_current_one,
    login_is_throttled_per_handle_with_retry_after,
    login_is_throttled_per_client_address,
    signups_are_throttled_per_client_address,
);

async fn signing_up_returns_the_id_and_normalised_handle(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/accounts",
            None,
            Some(json!({"handle": "  Ash_R ", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["handle"], "ash_r");
    assert!(body["id"].as_str().is_some_and(|id| id.len() == 36));
    assert_eq!(
        body.as_object().unwrap().len(),
        2,
        "only id and handle: {body}"
    );
    let stored: i64 = app.scalar("select count(*) from member where password_hash like '$argon2id$v=19$m=19456,t=2,p=1$%'").await;
    assert_eq!(stored, 1);
}

async fn a_taken_handle_is_a_409_whatever_its_case(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.member("river").await;
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/accounts",
            None,
            Some(json!({"handle": "RIVER", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "handle_taken");
    assert_eq!(app.scalar("select count(*) from member").await, 1);
}

async fn every_invalid_signup_field_is_named_in_a_422(b: Backend) {
    let app = TestApp::spawn(b).await;
    let cases = [
        (json!({"handle": "ab", "password": PASSWORD}), "handle"),
        (json!({"handle": "a-b-c", "password": PASSWORD}), "handle"),
        (
            json!({"handle": "x".repeat(31), "password": PASSWORD}),
            "handle",
        ),
        (json!({"handle": "admin", "password": PASSWORD}), "handle"),
        (json!({"handle": "sky", "password": "short"}), "password"),
        (
            json!({"handle": "sky", "password": "p".repeat(129)}),
            "password",
        ),
        (
            json!({"handle": "sky", "password": "password1234"}),
            "password",
        ),
        (
            json!({"handle": "sky", "password": PASSWORD, "email": "not-an-email"}),
            "email",
        ),
        (
            json!({"handle": "sky", "password": PASSWORD, "time_zone": "Mars/Base"}),
            "time_zone",
        ),
        (json!({"password": PASSWORD}), "handle"),
        (json!({"handle": 7, "password": PASSWORD}), "handle"),
    ];
    for (body, field) in cases {
        let (status, answer) = app
            .call(Method::POST, "/api/v1/accounts", None, Some(body.clone()))
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} -> {answer}"
        );
        assert_eq!(answer["error"]["code"], "validation_failed");
        assert!(
            answer["error"]["fields"][field].is_array(),
            "{body} should name {field}: {answer}"
        );
    }
    assert_eq!(app.scalar("select count(*) from member").await, 0);
}

async fn malformed_json_is_a_400_and_changes_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    for raw in [
        "{",
        "{\"handle\": \"sky\",",
        "[1,2",
        "nul",
        "{\"handle\":\"sky\"}}",
    ] {
        let res = app
            .http
            .post(app.url("/api/v1/accounts"))
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{raw}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "malformed_json");
    }
    assert_eq!(app.scalar("select count(*) from member").await, 0);
}

async fn json_with_an_unknown_field_is_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/accounts",
            None,
            Some(json!({"handle": "sky", "password": PASSWORD, "role": "admin"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["role"].is_array(), "{body}");
    assert_eq!(app.scalar("select count(*) from member").await, 0);
}

async fn wrong_content_type_is_a_415(b: Backend) {
    let app = TestApp::spawn(b).await;
    let res = app
        .http
        .post(app.url("/api/v1/accounts"))
        .header("content-type", "text/plain")
        .body(json!({"handle": "sky", "password": PASSWORD}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unsupported_media_type");
}

async fn an_oversized_body_is_a_413(b: Backend) {
    let app = TestApp::spawn(b).await;
    let huge = json!({"handle": "sky", "password": "x".repeat(200_000)});
    let (status, body) = app
        .call(Method::POST, "/api/v1/accounts", None, Some(huge))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["code"], "payload_too_large");
}

async fn unknown_handle_and_wrong_password_get_the_same_answer(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.member("river").await;
    let wrong_password = app
        .call(
            Method::POST,
            "/api/v1/tokens",
            None,
            Some(json!({"handle": "river", "password": "not the password!"})),
        )
        .await;
    let unknown_handle = app
        .call(
            Method::POST,
            "/api/v1/tokens",
            None,
            Some(json!({"handle": "nobody_here", "password": "not the password!"})),
        )
        .await;
    assert_eq!(wrong_password.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password, unknown_handle);
    assert_eq!(wrong_password.1["error"]["code"], "invalid_credentials");
}

async fn a_token_authenticates_until_revoked(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    let (status, me) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["handle"], "river");
    let stored: i64 = app
        .scalar("select count(*) from api_token where length(token_hash) = 32")
        .await;
    assert_eq!(stored, 1, "tokens are stored as SHA-256 hashes");

    let (_, list) = app.get("/api/v1/tokens", &token).await;
    let id = list[0]["id"].as_str().unwrap().to_owned();
    assert!(
        list[0].get("token").is_none(),
        "the secret is never listed: {list}"
    );
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthenticated");
}

async fn missing_or_bad_tokens_are_401_in_the_envelope(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (status, body) = app.call(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthenticated");
    for bad in [
        "belay_nope",
        "",
        "belay_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let (status, body) = app.get("/api/v1/me", bad).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad}");
        assert_eq!(body["error"]["code"], "unauthenticated");
    }
    let res = app
        .http
        .get(app.url("/api/v1/me"))
        .header("authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

async fn me_returns_my_account_and_private_profile(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member_in("river", "Europe/Berlin").await;
    let (_, me) = app.get("/api/v1/me", &token).await;
    assert_eq!(me["time_zone"], "Europe/Berlin");
    assert_eq!(me["role"], "member");
    assert_eq!(me["profile"]["discoverable"], false);
    for field in [
        "bio",
        "focus",
        "pathway",
        "languages",
        "seeking",
        "offering",
        "clocks",
    ] {
        assert_eq!(
            me["profile"]["visibility"][field], "me",
            "{field} starts private"
        );
    }
}

async fn changing_my_email_and_zone_is_validated(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    let (status, me) = app
        .call(
            Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some(json!({"email": "river@example.org", "time_zone": "Asia/Tokyo"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], "river@example.org");
    assert_eq!(me["time_zone"], "Asia/Tokyo");
    let (status, body) = app
        .call(
            Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some(json!({"time_zone": "Nowhere"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["time_zone"].is_array());
    let (_, me) = app
        .call(
            Method::PATCH,
            "/api/v1/me",
            Some(&token),
            Some(json!({"email": null})),
        )
        .await;
    assert_eq!(me["email"], serde_json::Value::Null);
    assert_eq!(
        me["time_zone"], "Asia/Tokyo",
        "a field left out keeps its value"
    );
}

async fn changing_the_password_needs_the_current_one(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    let (status, body) = app
        .put("/api/v1/me/password", &token, json!({"current_password": "wrong wrong wrong", "new_password": "a brand new passphrase"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["current_password"].is_array());
    let (status, _) = app
        .put(
            "/api/v1/me/password",
            &token,
            json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/tokens",
            None,
            Some(json!({"handle": "river", "password": "a brand new passphrase"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

fn tight_limits(config: &mut belay::config::Config) {
    config.limits.login_per_handle = (3, Duration::from_secs(60));
    config.limits.login_per_ip = (6, Duration::from_secs(30));
    config.limits.signup_per_ip = (2, Duration::from_secs(600));
}

async fn login_is_throttled_per_handle_with_retry_after(b: Backend) {
    let app = TestApp::spawn_with(b, tight_limits).await;
    app.member("river").await; // one attempt used by the helper's login
    for _ in 0..2 {
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/tokens",
                None,
                Some(json!({"handle": "river", "password": "guess guess guess"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let res = app
        .http
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"handle": "river", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.headers()["retry-after"], "60");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");

    app.clock.advance(chrono::Duration::seconds(60));
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/tokens",
            None,
            Some(json!({"handle": "river", "password": PASSWORD})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "after the wait the member logs in"
    );
}

async fn login_is_throttled_per_client_address(b: Backend) {
    let app = TestApp::spawn_with(b, tight_limits).await;
    // Six attempts for six handles from one address, then the address waits.
    for i in 0..6 {
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/tokens",
                None,
                Some(json!({"handle": format!("who_{i}"), "password": "guess guess guess"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/tokens",
            None,
            Some(json!({"handle": "who_9", "password": "guess guess guess"})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

async fn signups_are_throttled_per_client_address(b: Backend) {
    let app = TestApp::spawn_with(b, tight_limits).await;
    for handle in ["one_1", "two_2"] {
        let (status, _) = app
            .call(
                Method::POST,
                "/api/v1/accounts",
                None,
                Some(json!({"handle": handle, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/accounts",
            None,
            Some(json!({"handle": "three_3", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "rate_limited");
    assert_eq!(app.scalar("select count(*) from member").await, 2);
}
