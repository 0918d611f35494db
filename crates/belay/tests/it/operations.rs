//! Operations: health, readiness, metrics, the OpenAPI document, and the
//! crisis page answering with the database gone.

use reqwest::StatusCode;

use crate::support::{Backend, TestApp};

backend_tests!(
    healthz_and_readyz_answer,
    metrics_count_requests_by_route_and_jobs,
    the_openapi_document_covers_every_api_operation,
    the_help_page_answers_when_the_database_is_down,
);

async fn healthz_and_readyz_answer(b: Backend) {
    let app = TestApp::spawn(b).await;
    let res = app.http.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "ok");
    let (status, body) = app.call(reqwest::Method::GET, "/readyz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ready");
}

async fn metrics_count_requests_by_route_and_jobs(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    app.get("/api/v1/me", &token).await;
    let text = app
        .http
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("http_requests_total"), "{text}");
    assert!(text.contains(r#"route="/api/v1/me""#), "{text}");
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("jobs_pending"), "{text}");
    assert!(!text.contains("river"), "no member data in metrics");
}

async fn the_openapi_document_covers_every_api_operation(b: Backend) {
    let app = TestApp::spawn(b).await;
    let (status, doc) = app
        .call(reqwest::Method::GET, "/api/openapi.json", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let expected = [
        ("post", "/api/v1/accounts"),
        ("post", "/api/v1/tokens"),
        ("get", "/api/v1/tokens"),
        ("delete", "/api/v1/tokens/{id}"),
        ("get", "/api/v1/me"),
        ("patch", "/api/v1/me"),
        ("put", "/api/v1/me/password"),
        ("put", "/api/v1/me/profile"),
        ("get", "/api/v1/members/{handle}"),
        ("get", "/api/v1/me/clocks"),
        ("post", "/api/v1/me/clocks"),
        ("get", "/api/v1/me/clocks/{id}"),
        ("patch", "/api/v1/me/clocks/{id}"),
        ("delete", "/api/v1/me/clocks/{id}"),
        ("post", "/api/v1/me/clocks/{id}/reset"),
        ("get", "/api/v1/me/capacities"),
        ("put", "/api/v1/me/capacities"),
        ("get", "/api/v1/connections"),
        ("post", "/api/v1/connections"),
        ("delete", "/api/v1/connections/{id}"),
        ("post", "/api/v1/connections/{id}/accept"),
        ("post", "/api/v1/connections/{id}/decline"),
        ("put", "/api/v1/connections/{id}/grants"),
        ("get", "/api/v1/blocks"),
        ("post", "/api/v1/blocks"),
        ("delete", "/api/v1/blocks/{handle}"),
        ("get", "/api/v1/invites"),
        ("post", "/api/v1/invites"),
        ("delete", "/api/v1/invites/{id}"),
        ("get", "/api/v1/invite-links/{token}"),
        ("post", "/api/v1/invite-links/{token}/accept"),
        ("get", "/api/v1/members/{handle}/clocks"),
        ("put", "/api/v1/admin/professionals/{handle}"),
        ("get", "/api/v1/discover"),
        ("get", "/api/v1/conversations"),
        ("get", "/api/v1/conversations/{handle}/messages"),
        ("post", "/api/v1/conversations/{handle}/messages"),
        ("get", "/api/v1/notices"),
        ("post", "/api/v1/notices/{id}/read"),
        ("post", "/api/v1/notices/read"),
        ("get", "/api/v1/events"),
        ("post", "/api/v1/reachouts"),
        ("get", "/api/v1/reachouts"),
        ("get", "/api/v1/reachouts/asked"),
        ("get", "/api/v1/reachouts/{id}"),
        ("post", "/api/v1/reachouts/{id}/claim"),
        ("post", "/api/v1/reachouts/{id}/handback"),
        ("post", "/api/v1/reachouts/{id}/resolve"),
        ("post", "/api/v1/reachouts/{id}/cancel"),
        ("get", "/api/v1/me/reach-out-settings"),
        ("put", "/api/v1/me/reach-out-settings"),
        ("post", "/api/v1/checkins"),
        ("get", "/api/v1/checkins"),
        ("get", "/api/v1/checkins/chart.svg"),
        ("get", "/api/v1/members/{handle}/checkins"),
        ("get", "/api/v1/members/{handle}/checkins/chart.svg"),
        ("get", "/api/v1/me/checkin-settings"),
        ("put", "/api/v1/me/checkin-settings"),
        ("get", "/api/v1/me/risk-signals"),
        ("post", "/api/v1/goals"),
        ("get", "/api/v1/goals"),
        ("get", "/api/v1/goals/{id}"),
        ("post", "/api/v1/goals/{id}/progress"),
        ("post", "/api/v1/goals/{id}/complete"),
        ("post", "/api/v1/goals/{id}/archive"),
        ("post", "/api/v1/goals/{id}/restore"),
        ("get", "/api/v1/members/{handle}/goals"),
        ("get", "/api/v1/feed"),
        ("post", "/api/v1/encouragements"),
        ("get", "/api/v1/encouragements"),
        ("get", "/api/v1/encouragements/sent"),
        ("post", "/api/v1/help-requests"),
        ("get", "/api/v1/help-requests"),
        ("get", "/api/v1/help-requests/{id}"),
        ("post", "/api/v1/help-requests/{id}/offers"),
        ("post", "/api/v1/help-requests/{id}/offers/{offer}/accept"),
        ("post", "/api/v1/help-requests/{id}/cancel"),
        ("post", "/api/v1/groups"),
        ("get", "/api/v1/groups"),
        ("get", "/api/v1/groups/{slug}"),
        ("put", "/api/v1/groups/{slug}"),
        ("post", "/api/v1/groups/{slug}/join"),
        ("post", "/api/v1/groups/{slug}/leave"),
        ("put", "/api/v1/groups/{slug}/me"),
        ("get", "/api/v1/groups/{slug}/members"),
        ("post", "/api/v1/groups/{slug}/members/{handle}/{action}"),
        ("put", "/api/v1/groups/{slug}/members/{handle}/role"),
        ("post", "/api/v1/groups/{slug}/invites"),
        ("get", "/api/v1/groups/{slug}/invites"),
        ("post", "/api/v1/groups/{slug}/invites/{id}/revoke"),
        ("get", "/api/v1/groups/{slug}/threads"),
        ("post", "/api/v1/groups/{slug}/threads"),
        ("get", "/api/v1/groups/{slug}/threads/{id}"),
        ("post", "/api/v1/groups/{slug}/threads/{id}/posts"),
        ("post", "/api/v1/groups/{slug}/reports"),
        ("get", "/api/v1/groups/{slug}/reports"),
        ("post", "/api/v1/groups/{slug}/reports/{id}/resolve"),
        ("post", "/api/v1/groups/{slug}/posts/{id}/hide"),
        ("post", "/api/v1/groups/{slug}/posts/{id}/restore"),
        ("get", "/api/v1/groups/{slug}/moderation-log"),
        ("get", "/api/v1/admin/group-reports"),
        ("get", "/api/v1/meetings"),
        ("get", "/api/v1/meetings/now"),
        ("get", "/api/v1/groups/{slug}/meetings"),
        ("post", "/api/v1/groups/{slug}/meetings"),
        ("get", "/api/v1/meetings/{slug}"),
        ("put", "/api/v1/meetings/{slug}"),
        ("delete", "/api/v1/meetings/{slug}"),
        ("post", "/api/v1/meetings/{slug}/occurrences/{date}/cancel"),
        (
            "delete",
            "/api/v1/meetings/{slug}/occurrences/{date}/cancel",
        ),
        ("post", "/api/v1/meetings/{slug}/occurrences/{date}/move"),
        ("post", "/api/v1/me/calendar"),
        ("delete", "/api/v1/me/calendar"),
        ("get", "/api/v1/resources"),
        ("post", "/api/v1/resources"),
        ("put", "/api/v1/resources/{id}"),
        ("post", "/api/v1/resources/{id}/retire"),
        ("delete", "/api/v1/resources/{id}/retire"),
        ("delete", "/api/v1/me"),
        ("get", "/api/v1/me/access-log"),
        ("get", "/api/v1/me/export"),
        ("get", "/api/v1/me/export/archive"),
        ("post", "/api/v1/reports"),
        ("get", "/api/v1/moderation/reports"),
        ("get", "/api/v1/moderation/reports/{id}"),
        ("post", "/api/v1/moderation/reports/{id}/actions"),
        ("post", "/api/v1/moderation/members/{handle}/actions"),
        ("get", "/api/v1/moderation/log"),
        ("get", "/api/v1/me/standing"),
        ("put", "/api/v1/me/check-on-me"),
    ];
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = 0;
    for (path, item) in paths {
        assert!(path.starts_with("/api/v1/"), "{path}");
        documented += item.as_object().unwrap().len();
    }
    for (method, path) in expected {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not documented"
        );
    }
    assert_eq!(
        documented,
        expected.len(),
        "an operation is documented but not listed here"
    );
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

async fn the_help_page_answers_when_the_database_is_down(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.state.db.close().await;
    let res = app.http.get(app.url("/help")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("988"));
    assert!(html.contains("741741"));
    let (status, _) = app.call(reqwest::Method::GET, "/readyz", None, None).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
}
