//! Profiles: partial updates, validation, and another member's view that
//! carries only what its owner lets members see.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Backend, TestApp};

backend_tests!(
    a_field_left_out_keeps_its_value,
    invalid_profile_fields_are_422_and_change_nothing,
    another_member_sees_only_members_level_fields,
    an_unknown_member_is_404,
);

async fn a_field_left_out_keeps_its_value(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    let (status, p) = app
        .put("/api/v1/me/profile", &token, json!({"bio": "Hello", "focus": ["alcohol", "alcohol", "gambling"], "visibility": {"bio": "members"}}))
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(
        p["focus"],
        json!(["alcohol", "gambling"]),
        "duplicates collapse"
    );
    let (_, p) = app
        .put(
            "/api/v1/me/profile",
            &token,
            json!({"pathway": ["twelve_step"], "visibility": {"clocks": "circle"}}),
        )
        .await;
    assert_eq!(p["bio"], "Hello");
    assert_eq!(p["focus"], json!(["alcohol", "gambling"]));
    assert_eq!(p["pathway"], json!(["twelve_step"]));
    assert_eq!(p["visibility"]["bio"], "members");
    assert_eq!(p["visibility"]["clocks"], "circle");
    assert_eq!(p["visibility"]["focus"], "me");
}

async fn invalid_profile_fields_are_422_and_change_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    app.put("/api/v1/me/profile", &token, json!({"bio": "Before"}))
        .await;
    let cases = [
        (json!({"bio": "x".repeat(1001)}), "bio"),
        (json!({"seeking": "y".repeat(501)}), "seeking"),
        (json!({"languages": ["english"]}), "languages"),
        (json!({"focus": ["chocolate"]}), "focus[0]"),
        (json!({"visibility": {"bio": "everyone"}}), "visibility.bio"),
        (
            json!({"visibility": {"email": "members"}}),
            "visibility.email",
        ),
        (json!({"discoverable": "yes"}), "discoverable"),
        (
            json!({"bio": "Changed", "handle": "someone_else"}),
            "handle",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = app.put("/api/v1/me/profile", &token, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert!(
            answer["error"]["fields"][field].is_array(),
            "{body} should name {field}: {answer}"
        );
    }
    let (_, me) = app.get("/api/v1/me", &token).await;
    assert_eq!(me["profile"]["bio"], "Before");
}

async fn another_member_sees_only_members_level_fields(b: Backend) {
    let app = TestApp::spawn(b).await;
    let river = app.member("river").await;
    let sky = app.member("sky").await;
    app.put(
        "/api/v1/me/profile",
        &river,
        json!({
            "bio": "Public bio",
            "seeking": "PRIVATE-CANARY seeking",
            "offering": "Circle-only offer",
            "focus": ["opioids"],
            "languages": ["en"],
            "visibility": {"bio": "members", "offering": "circle", "languages": "members"}
        }),
    )
    .await;
    let (status, card) = app.get("/api/v1/members/RIVER", &sky).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(card["handle"], "river");
    assert_eq!(card["bio"], "Public bio");
    assert_eq!(card["languages"], json!(["en"]));
    let text = card.to_string();
    assert!(!text.contains("PRIVATE-CANARY"), "{text}");
    assert!(!text.contains("Circle-only"), "not connected: {text}");
    assert!(card.get("focus").is_none(), "{text}");
    let (_, own) = app.get("/api/v1/members/river", &river).await;
    assert_eq!(
        own["seeking"], "PRIVATE-CANARY seeking",
        "the owner sees everything"
    );
}

async fn an_unknown_member_is_404(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    let (status, body) = app.get("/api/v1/members/nobody_at_all", &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, _) = app
        .call(reqwest::Method::GET, "/api/v1/members/river", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
