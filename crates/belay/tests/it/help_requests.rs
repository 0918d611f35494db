//! Practical help: asking chosen people or the whole circle, offers, one
//! accepted and the others told, and who may see what.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

backend_tests!(
    asking_the_whole_circle_or_chosen_people,
    every_invalid_request_is_a_422_and_changes_nothing,
    offers_one_accepted_the_others_told,
    a_withdrawn_request_tells_whoever_offered,
    a_request_is_gone_when_the_connection_ends,
    help_pages_work_without_javascript,
);

struct Circle {
    app: TestApp,
    ana: String,
    ben: String,
    cal: String,
    dee: String,
}

/// ana is connected with ben and cal; dee is a stranger.
async fn circle(b: Backend) -> Circle {
    let app = TestApp::spawn(b).await;
    let ana = app.member("ana").await;
    let ben = app.member("ben").await;
    let cal = app.member("cal").await;
    let dee = app.member("dee").await;
    app.connect(&ana, "ben", &ben, "peer").await;
    app.connect(&cal, "ana", &ana, "friend").await;
    Circle {
        app,
        ana,
        ben,
        cal,
        dee,
    }
}

async fn ask(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, r) = app.post("/api/v1/help-requests", token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    r
}

fn path(r: &Value) -> String {
    format!("/api/v1/help-requests/{}", r["id"].as_str().unwrap())
}

async fn asking_the_whole_circle_or_chosen_people(b: Backend) {
    let Circle {
        app,
        ana,
        ben,
        cal,
        dee,
    } = circle(b).await;
    let r = ask(&app, &ana, json!({"what": "A ride to the Thursday meeting", "when": "2026-06-18T18:30", "where": "Elm St hall", "to": ["ben"]})).await;
    assert_eq!(r["state"], "open");
    assert_eq!(r["asked"], json!(["ben"]));
    assert_eq!(r["when"], "2026-06-18T18:30");
    assert_eq!(r["where"], "Elm St hall");
    assert_eq!(app.get(&path(&r), &ben).await.0, StatusCode::OK);
    assert_eq!(
        app.get(&path(&r), &cal).await.0,
        StatusCode::NOT_FOUND,
        "not asked"
    );
    assert_eq!(app.get(&path(&r), &dee).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.notices_of(&ben, "help_request").await.len(), 1);
    assert!(app.notices_of(&cal, "help_request").await.is_empty());
    let all = ask(&app, &ana, json!({"what": "Company at my appointment"})).await;
    assert_eq!(all["asked"], json!(["ben", "cal"]));
    assert_eq!(app.get(&path(&all), &cal).await.0, StatusCode::OK);
    let (_, lists) = app.get("/api/v1/help-requests", &cal).await;
    assert_eq!(lists["asked"].as_array().unwrap().len(), 1);
    let (_, lists) = app.get("/api/v1/help-requests", &ana).await;
    assert_eq!(lists["mine"].as_array().unwrap().len(), 2);
    let seen = &app.notices_of(&cal, "help_request").await[0];
    assert_eq!(seen["text"], "ana is asking for a hand. Can you help?");
    // Someone who joins the circle later does not see old requests.
    let eve = app.member("eve").await;
    app.connect(&eve, "ana", &ana, "peer").await;
    assert_eq!(app.get(&path(&all), &eve).await.0, StatusCode::NOT_FOUND);
}

async fn every_invalid_request_is_a_422_and_changes_nothing(b: Backend) {
    let Circle { app, ana, dee, .. } = circle(b).await;
    for (body, field) in [
        (json!({"what": ""}), "what"),
        (json!({"what": "x".repeat(501)}), "what"),
        (json!({"what": "A ride", "when": "yesterday"}), "when"),
        (json!({"what": "A ride", "when": "2026-06-14"}), "when"),
        (json!({"what": "A ride", "when": "2026-02-30"}), "when"),
        (json!({"what": "A ride", "where": "w".repeat(201)}), "where"),
        (json!({"what": "A ride", "to": ["dee"]}), "to"),
        (json!({"what": "A ride", "to": ["nobody_at_all"]}), "to"),
    ] {
        let (status, err) = app.post("/api/v1/help-requests", &ana, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} -> {err}");
        assert!(err["error"]["fields"][field].is_array(), "{body} -> {err}");
    }
    let (status, err) = app
        .post("/api/v1/help-requests", &dee, json!({"what": "A ride"}))
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an empty circle: {err}"
    );
    assert_eq!(app.scalar("select count(*) from help_request").await, 0);
    assert_eq!(app.scalar("select count(*) from help_recipient").await, 0);
}

async fn offers_one_accepted_the_others_told(b: Backend) {
    let Circle {
        app,
        ana,
        ben,
        cal,
        dee,
    } = circle(b).await;
    let r = ask(&app, &ana, json!({"what": "Help with a housing form"})).await;
    let p = path(&r);
    let (status, seen) = app
        .post(
            &format!("{p}/offers"),
            &ben,
            json!({"note": "I did mine last year"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{seen}");
    assert_eq!(
        app.post(&format!("{p}/offers"), &ben, json!({})).await.0,
        StatusCode::CONFLICT,
        "once"
    );
    assert_eq!(
        app.post(&format!("{p}/offers"), &ana, json!({})).await.0,
        StatusCode::CONFLICT,
        "not my own"
    );
    assert_eq!(
        app.post(&format!("{p}/offers"), &dee, json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    app.post(&format!("{p}/offers"), &cal, json!({})).await;
    let (_, mine) = app.get(&p, &ana).await;
    let offers = mine["offers"].as_array().unwrap();
    assert_eq!(offers.len(), 2);
    assert_eq!(app.notices_of(&ana, "help_offer").await.len(), 2);
    let (_, bens) = app.get(&p, &ben).await;
    assert_eq!(
        bens["offers"].as_array().unwrap().len(),
        1,
        "only my own offer"
    );
    assert!(bens["asked"].as_array().unwrap().is_empty());
    let ben_offer = offers.iter().find(|o| o["from"] == "ben").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Only the asker accepts.
    assert_eq!(
        app.post(&format!("{p}/offers/{ben_offer}/accept"), &cal, json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (status, done) = app
        .post(&format!("{p}/offers/{ben_offer}/accept"), &ana, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "closed");
    let mut states: Vec<(&str, &str)> = done["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["from"].as_str().unwrap(), o["state"].as_str().unwrap()))
        .collect();
    states.sort();
    assert_eq!(states, [("ben", "accepted"), ("cal", "declined")]);
    assert_eq!(app.notices_of(&ben, "help_accepted").await.len(), 1);
    assert_eq!(app.notices_of(&cal, "help_filled").await.len(), 1);
    assert_eq!(
        app.post(&format!("{p}/offers/{ben_offer}/accept"), &ana, json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND,
        "already settled"
    );
    let eve_offer = "00000000-0000-0000-0000-000000000001";
    assert_eq!(
        app.post(&format!("{p}/offers/{eve_offer}/accept"), &ana, json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let cal2 = app.member("cal2").await;
    app.connect(&cal2, "ana", &ana, "peer").await;
    let r2 = ask(&app, &ana, json!({"what": "Another ride", "to": ["cal2"]})).await;
    app.post(&format!("{}/cancel", path(&r2)), &ana, json!({}))
        .await;
    assert_eq!(
        app.post(&format!("{}/offers", path(&r2)), &cal2, json!({}))
            .await
            .0,
        StatusCode::CONFLICT,
        "closed requests take no offers"
    );
}

async fn a_withdrawn_request_tells_whoever_offered(b: Backend) {
    let Circle {
        app, ana, ben, cal, ..
    } = circle(b).await;
    let r = ask(&app, &ana, json!({"what": "Someone to walk with"})).await;
    let p = path(&r);
    app.post(&format!("{p}/offers"), &ben, json!({})).await;
    assert_eq!(
        app.post(&format!("{p}/cancel"), &ben, json!({})).await.0,
        StatusCode::NOT_FOUND,
        "only the asker"
    );
    let (status, done) = app.post(&format!("{p}/cancel"), &ana, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(done["state"], "cancelled");
    assert_eq!(app.notices_of(&ben, "help_cancelled").await.len(), 1);
    assert!(
        app.notices_of(&cal, "help_cancelled").await.is_empty(),
        "cal did not offer"
    );
    assert_eq!(
        app.post(&format!("{p}/cancel"), &ana, json!({})).await.0,
        StatusCode::CONFLICT
    );
}

async fn a_request_is_gone_when_the_connection_ends(b: Backend) {
    let Circle { app, ana, ben, .. } = circle(b).await;
    let r = ask(&app, &ana, json!({"what": "A ride"})).await;
    assert_eq!(app.get(&path(&r), &ben).await.0, StatusCode::OK);
    app.post("/api/v1/blocks", &ana, json!({"handle": "ben"}))
        .await;
    assert_eq!(app.get(&path(&r), &ben).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        app.post(&format!("{}/offers", path(&r)), &ben, json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, lists) = app.get("/api/v1/help-requests", &ben).await;
    assert!(lists["asked"].as_array().unwrap().is_empty());
}

async fn help_pages_work_without_javascript(b: Backend) {
    let app = TestApp::spawn(b).await;
    let asker = crate::support::browser::Browser::new(&app);
    asker.sign_up("ana", "UTC").await;
    let ana = app.token("ana").await;
    let ben = app.member("ben").await;
    app.connect(&ben, "ana", &ana, "peer").await;
    let page = asker.get("/help-requests").await;
    assert!(
        page.html.contains("value=\"ben\""),
        "connections to choose from"
    );
    let csrf = page.csrf();
    let page = asker
        .post(
            "/help-requests",
            &[("csrf", &csrf), ("what", ""), ("to", "ben")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let page = asker
        .post(
            "/help-requests",
            &[
                ("csrf", &csrf),
                ("what", "A ride to group"),
                ("when", "2026-06-20T18:00"),
                ("to", "ben"),
            ],
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.status);
    let url = page.location().unwrap().to_owned();
    let helper = crate::support::browser::Browser::new(&app);
    helper.log_in("ben", crate::support::app::PASSWORD).await;
    let page = helper.get(&url).await;
    assert!(page.html.contains("ana is asking for a hand"));
    assert!(page.html.contains("2026-06-20 at 18:00"));
    let page = helper
        .post(
            &format!("{url}/offers"),
            &[("csrf", &page.csrf()), ("note", "I'll drive")],
        )
        .await;
    assert!(page.status.is_redirection());
    let page = asker.get(&url).await;
    assert!(
        page.html.contains("Accept ben&#39;s offer") || page.html.contains("Accept ben"),
        "{}",
        page.html
    );
    let accept = page
        .html
        .split("action=\"")
        .find(|s| s.contains("/accept\""))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let page = asker.post(&accept, &[("csrf", &csrf)]).await;
    assert!(page.status.is_redirection());
    let page = helper.get(&url).await;
    assert!(page.html.contains("ana accepted. Thank you."));
}
