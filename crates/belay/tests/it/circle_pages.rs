//! The circle's pages, as a browser without JavaScript uses them.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Backend, Browser, TestApp, app::PASSWORD};

backend_tests!(
    two_members_find_each_other_connect_and_share_a_clock_through_the_pages,
    an_invite_link_brings_a_newcomer_through_sign_up_into_the_circle,
    only_admins_reach_the_verification_page,
    the_helping_form_explains_what_is_wrong,
);

async fn two_members_find_each_other_connect_and_share_a_clock_through_the_pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    let river = Browser::new(&app);
    river.sign_up("river", "UTC").await;
    let sky = Browser::new(&app);
    sky.sign_up("sky", "UTC").await;
    // Sky is discoverable and has a clock.
    let sky_token = app.token("sky").await;
    app.put(
        "/api/v1/me/profile",
        &sky_token,
        json!({"discoverable": true}),
    )
    .await;
    app.clock_days_ago(&sky_token, "alcohol", 40).await;

    let found = river.get("/discover?kind=peers").await;
    assert!(
        found.html.contains(r#"<a href="/members/sky">sky</a>"#),
        "{}",
        found.html
    );
    let asked = river
        .post(
            "/circle/requests",
            &[
                ("csrf", &found.csrf()),
                ("handle", "sky"),
                ("relationship", "peer"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.html);
    assert_eq!(asked.location(), Some("/members/sky"));

    let circle = sky.get("/circle").await;
    assert!(
        circle.html.contains("would be your peer"),
        "{}",
        circle.html
    );
    let id = circle
        .html
        .split("/circle/")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap()
        .to_owned();
    let accepted = sky
        .post(&format!("/circle/{id}/accept"), &[("csrf", &circle.csrf())])
        .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);

    let before = river.get("/members/sky").await;
    assert!(
        !before.html.contains("Clocks sky shares with you"),
        "not before the grant"
    );
    let page = sky.get("/members/river").await;
    let saved = sky
        .post(
            &format!("/circle/{id}/grants"),
            &[("csrf", &page.csrf()), ("clocks", "on")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let after = river.get("/members/sky").await;
    assert!(
        after.html.contains("Clocks sky shares with you"),
        "{}",
        after.html
    );
    assert!(after.html.contains(r#"<span class="num">40</span>"#));

    // Unchecking the box takes it away again.
    let page = sky.get("/members/river").await;
    sky.post(&format!("/circle/{id}/grants"), &[("csrf", &page.csrf())])
        .await;
    assert!(
        !river
            .get("/members/sky")
            .await
            .html
            .contains("Clocks sky shares with you")
    );
}

async fn an_invite_link_brings_a_newcomer_through_sign_up_into_the_circle(b: Backend) {
    let app = TestApp::spawn(b).await;
    let river = Browser::new(&app);
    river.sign_up("river", "UTC").await;
    let circle = river.get("/circle").await;
    let made = river
        .post(
            "/circle/invites",
            &[
                ("csrf", &circle.csrf()),
                ("relationship", "family"),
                ("note", "my sister"),
                ("clocks", "on"),
            ],
        )
        .await;
    let url = made
        .html
        .split("id=\"invite-url\" readonly value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    let path = url
        .split_once("://")
        .and_then(|(_, r)| r.find('/').map(|i| r[i..].to_owned()))
        .unwrap();

    let sister = Browser::new(&app);
    let landing = sister.get(&path).await;
    assert!(landing.html.contains("An invitation from river"));
    assert!(
        landing.html.contains(&format!("/signup?next={path}")),
        "{}",
        landing.html
    );
    let form = sister.get(&format!("/signup?next={path}")).await;
    let done = sister
        .post(
            "/signup",
            &[
                ("csrf", &form.csrf()),
                ("next", &path),
                ("handle", "sis"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        done.location(),
        Some(path.as_str()),
        "back to the invite after signing up"
    );
    let invite = sister.get(&path).await;
    let joined = sister.post(&path, &[("csrf", &invite.csrf())]).await;
    assert_eq!(joined.location(), Some("/members/river"));
    let (_, conns) = app
        .get("/api/v1/connections", &app.token("sis").await)
        .await;
    assert_eq!(conns[0]["relationship"], "family");
    assert_eq!(conns[0]["their_grants"]["clocks"], true);
    let again = sister.get(&path).await;
    assert!(again.html.contains("has been used"), "single use");
}

async fn only_admins_reach_the_verification_page(b: Backend) {
    let app = TestApp::spawn(b).await;
    let member = Browser::new(&app);
    member.sign_up("river", "UTC").await;
    assert_eq!(
        member.get("/admin/professionals").await.status,
        StatusCode::FORBIDDEN
    );
    let pro = app.member("dr_ash").await;
    app.put("/api/v1/me/capacities", &pro, json!({"professional": true, "professional_title": "Addiction counsellor", "professional_licence": "AC-1"})).await;
    app.make_admin("river").await;
    let page = member.get("/admin/professionals").await;
    assert!(page.html.contains("AC-1"), "{}", page.html);
    let done = member
        .post(
            "/admin/professionals/dr_ash",
            &[("csrf", &page.csrf()), ("verified", "yes")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let (_, caps) = app.get("/api/v1/me/capacities", &pro).await;
    assert_eq!(caps["verified"], true);
}

async fn the_helping_form_explains_what_is_wrong(b: Backend) {
    let app = TestApp::spawn(b).await;
    let member = Browser::new(&app);
    member.sign_up("river", "UTC").await;
    let page = member.get("/profile/helping").await;
    let bad = member
        .post(
            "/profile/helping",
            &[
                ("csrf", &page.csrf()),
                ("mentor", "on"),
                ("mentor_capacity", "3"),
                ("listener", "on"),
                ("duty_hours", "evenings"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.html.contains("needs a clock of one year or more"));
    assert!(bad.html.contains("Mon-Fri 22:00-02:00"));
    let ok = member
        .post(
            "/profile/helping",
            &[
                ("csrf", &page.csrf()),
                ("mentor_capacity", "3"),
                ("listener", "on"),
                ("duty_hours", "Mon-Fri 09:00-17:00"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.html);
    assert!(ok.html.contains("You are on duty now"));
}
