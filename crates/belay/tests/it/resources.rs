//! The resources page: seeded with national resources, curated by admins,
//! readable by anyone.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

backend_tests!(
    a_new_instance_has_real_resources_and_admins_curate_them,
    the_resources_and_the_operators_crisis_lines_answer_with_the_database_down,
);

async fn a_new_instance_has_real_resources_and_admins_curate_them(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (s, list) = app.call(Method::GET, "/api/v1/resources", None, None).await;
    assert_eq!(s, StatusCode::OK);
    let text = list.to_string();
    for must in [
        "Call or text 988",
        "1-800-662-4357",
        "Text HOME to 741741",
        "https://findtreatment.gov",
        "/resources/start-a-group",
    ] {
        assert!(
            text.contains(must),
            "{must} is missing from the seeded resources"
        );
    }
    assert_eq!(list[0]["category"], "crisis_lines", "crisis lines first");
    let page = app
        .http
        .get(app.url("/resources"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("988 Suicide and Crisis Lifeline") && page.contains("href=\"tel:988\""));
    assert!(page.contains("Start a group at work or school"));
    let guide = app
        .http
        .get(app.url("/resources/start-a-group"))
        .send()
        .await
        .unwrap();
    assert_eq!(guide.status(), StatusCode::OK);
    let guide = guide.text().await.unwrap();
    for step in [
        "Formal or informal",
        "invite code",
        "ground rules",
        "crisis lines",
    ] {
        assert!(guide.contains(step), "the guide covers {step}");
    }

    let member = app.member("ana").await;
    let admin = app.member("keeper").await;
    app.make_admin("keeper").await;
    let new = json!({"category": "helplines", "name": "Local warmline", "contact": "Call 555-0100", "phone": "555-0100", "url": "https://warmline.example.org", "region": "Springfield", "position": 5});
    let (s, _) = app.post("/api/v1/resources", &member, new.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    for (field, bad) in [
        ("category", json!("misc")),
        ("name", json!("")),
        ("url", json!("javascript:alert(1)")),
        ("phone", json!("call me")),
        ("position", json!(-3)),
    ] {
        let mut body = new.clone();
        body[field] = bad;
        let (s, e) = app.post("/api/v1/resources", &admin, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}: {e}");
        assert!(e["error"]["fields"][field].is_array(), "{field}: {e}");
    }
    let (s, r) = app.post("/api/v1/resources", &admin, new.clone()).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let id = r["id"].as_str().unwrap().to_owned();
    let mut changed = new.clone();
    changed["name"] = json!("Springfield warmline");
    let (s, r) = app
        .put(&format!("/api/v1/resources/{id}"), &admin, changed)
        .await;
    assert_eq!(
        (s, r["name"].clone()),
        (StatusCode::OK, json!("Springfield warmline"))
    );
    let names = |v: &Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let (_, list) = app.call(Method::GET, "/api/v1/resources", None, None).await;
    let helplines: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["category"] == "helplines")
        .map(|r| r["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(helplines[0], "Springfield warmline", "ordered by position");
    let (s, _) = app
        .post(&format!("/api/v1/resources/{id}/retire"), &admin, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, list) = app.call(Method::GET, "/api/v1/resources", None, None).await;
    assert!(
        !names(&list).contains(&"Springfield warmline".to_owned()),
        "retired resources are not shown"
    );
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/resources/{id}/retire"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, list) = app.call(Method::GET, "/api/v1/resources", None, None).await;
    assert!(names(&list).contains(&"Springfield warmline".to_owned()));
    // The admins' page.
    let keeper = crate::support::browser::Browser::new(&app);
    keeper.log_in("keeper", crate::support::app::PASSWORD).await;
    let page = keeper.get("/admin/resources").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.csrf();
    let page = keeper
        .post(
            "/admin/resources",
            &[
                ("csrf", &csrf),
                ("category", "guides"),
                ("name", "Talking to your manager"),
                ("position", "20"),
            ],
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.status);
    let public = app
        .http
        .get(app.url("/resources"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(public.contains("Talking to your manager"));
    let page = keeper
        .post(
            "/admin/resources",
            &[("csrf", &csrf), ("category", "guides"), ("name", "")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ana = crate::support::browser::Browser::new(&app);
    ana.log_in("ana", crate::support::app::PASSWORD).await;
    assert_eq!(
        ana.get("/admin/resources").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn the_resources_and_the_operators_crisis_lines_answer_with_the_database_down(b: Backend) {
    let app = TestApp::spawn(b).await;
    let admin = app.member("keeper").await;
    app.make_admin("keeper").await;
    // Before the operator changes anything, /help shows the seeded lines.
    let help = app
        .http
        .get(app.url("/help"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(help.contains("Call or text 988"), "{help}");
    let line = json!({"category": "crisis_lines", "name": "Samaritans", "description": "Someone to talk to, any time.", "contact": "Call 116 123", "phone": "116123", "region": "UK", "position": 1});
    let (s, body) = app.post("/api/v1/resources", &admin, line).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let help = app
        .http
        .get(app.url("/help"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        help.contains("Samaritans") && help.contains("tel:116123"),
        "the operator's line: {help}"
    );
    let ana = crate::support::browser::Browser::new(&app);
    ana.sign_up("ana", "UTC").await;

    app.state.db.close().await;
    for (who, page) in [
        (
            "anyone",
            app.http.get(app.url("/resources")).send().await.unwrap(),
        ),
        (
            "a member",
            ana.client.get(app.url("/resources")).send().await.unwrap(),
        ),
    ] {
        assert_eq!(page.status(), StatusCode::OK, "{who}");
        let html = page.text().await.unwrap();
        for must in [
            "Samaritans",
            "Call or text 988",
            "1-800-662-4357",
            "Get help now",
        ] {
            assert!(
                html.contains(must),
                "{who}: {must} missing with the database down"
            );
        }
    }
    let help = app.http.get(app.url("/help")).send().await.unwrap();
    assert_eq!(help.status(), StatusCode::OK);
    assert!(help.text().await.unwrap().contains("Samaritans"));
    let (s, list) = app.call(Method::GET, "/api/v1/resources", None, None).await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "Samaritans"),
        "{list}"
    );
}
