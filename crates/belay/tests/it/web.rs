//! The HTML side: sign-up, log-in and log-out with CSRF protection, session
//! cookies and timeouts, security headers, and pages without JavaScript.

use reqwest::StatusCode;

use crate::support::{Backend, Browser, TestApp, app::PASSWORD};

backend_tests!(
    a_visitor_signs_up_logs_out_and_logs_back_in,
    a_form_post_without_the_token_is_refused_and_changes_nothing,
    a_form_post_from_another_site_is_refused,
    the_pre_session_token_is_one_value_set_only_on_pages,
    a_wrong_password_on_the_page_says_so_without_saying_which,
    the_session_cookie_is_httponly_and_lax_and_the_secret_is_hashed,
    sessions_end_after_the_idle_timeout,
    sessions_end_after_the_absolute_timeout_even_when_used,
    logging_in_again_replaces_the_old_session,
    a_session_cookie_replayed_after_logout_is_refused_at_once,
    a_password_change_ends_the_other_sessions_at_once,
    a_cookie_authenticated_api_write_from_another_site_is_refused,
    every_response_carries_the_security_headers,
    pages_need_a_login_and_send_visitors_to_it,
    a_member_adds_a_clock_and_sees_it_on_the_home_page,
    form_errors_are_shown_next_to_their_fields,
    the_profile_form_saves_choices_and_visibility,
    every_page_links_to_help_and_the_help_page_lists_crisis_lines,
    member_text_is_escaped_on_output,
    unknown_pages_are_404_pages_and_unknown_api_paths_are_json,
);

async fn a_visitor_signs_up_logs_out_and_logs_back_in(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = Browser::new(&app);
    let landing = browser.get("/").await;
    assert!(landing.html.contains("Create an account"));

    let done = browser.sign_up("river", "America/Chicago").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert_eq!(done.location(), Some("/"));
    let home = browser.get("/").await;
    assert!(home.html.contains("Hi, river"), "{}", home.html);

    let csrf = home.csrf();
    let out = browser.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(browser.get("/").await.html.contains("Create an account"));
    assert_eq!(app.scalar("select count(*) from session").await, 0);

    let back = browser.log_in("River", PASSWORD).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.html);
    assert!(browser.get("/").await.html.contains("Hi, river"));
}

async fn a_form_post_without_the_token_is_refused_and_changes_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = Browser::new(&app);
    browser.get("/signup").await;
    let fields = [("handle", "river"), ("password", PASSWORD)];
    let refused = browser.post("/signup", &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.html.contains("expired"), "{}", refused.html);
    let wrong = browser
        .post(
            "/signup",
            &[
                ("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
                fields[0],
                fields[1],
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(app.scalar("select count(*) from member").await, 0);

    // Logged in: the session's own token is required, not the pre-login one.
    browser.sign_up("river", "UTC").await;
    let logout_without = browser.post("/logout", &[]).await;
    assert_eq!(logout_without.status, StatusCode::FORBIDDEN);
    assert_eq!(app.scalar("select count(*) from session").await, 1);
    let clock_without = browser
        .post(
            "/clocks",
            &[("label", "alcohol"), ("started_on", "2026-06-01")],
        )
        .await;
    assert_eq!(clock_without.status, StatusCode::FORBIDDEN);
    assert_eq!(app.scalar("select count(*) from clock").await, 0);
}

async fn a_form_post_from_another_site_is_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = Browser::new(&app);
    let form = browser.get("/login").await;
    let csrf = form.csrf();
    let fields = [
        ("csrf", csrf.as_str()),
        ("handle", "river"),
        ("password", PASSWORD),
    ];
    let cross = browser
        .post_with("/login", &fields, &[("sec-fetch-site", "cross-site")])
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let origin = browser
        .post_with("/login", &fields, &[("origin", "https://evil.example")])
        .await;
    assert_eq!(origin.status, StatusCode::FORBIDDEN);
}

async fn the_pre_session_token_is_one_value_set_only_on_pages(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = Browser::new(&app);
    let cookie_value = |page: &crate::support::browser::Page| {
        page.set_cookies().iter().find_map(|c| {
            c.strip_prefix("belay_csrf=")?
                .split(';')
                .next()
                .map(str::to_owned)
        })
    };
    // JSON and plain answers to a visitor without the cookie set none.
    for path in ["/api/v1/resources", "/healthz", "/api/v1/nothing-here"] {
        let answer = browser.get(path).await;
        assert_eq!(
            cookie_value(&answer),
            None,
            "{path} set a pre-session cookie"
        );
    }
    // The first page sets it, and its form carries the same value.
    let first = browser.get("/signup").await;
    let set = cookie_value(&first).expect("the first page sets the cookie");
    assert_eq!(first.csrf(), set);
    // A page with no form sets it too, for the forms that come after.
    let other = Browser::new(&app);
    assert!(cookie_value(&other.get("/help").await).is_some());
    // With the cookie, pages embed it and set nothing new.
    let again = browser.get("/login").await;
    assert_eq!(cookie_value(&again), None);
    assert_eq!(again.csrf(), set);
}

async fn a_wrong_password_on_the_page_says_so_without_saying_which(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.member("river").await;
    let browser = Browser::new(&app);
    let wrong = browser.log_in("river", "not the right one").await;
    let unknown = browser.log_in("nobody_here", "not the right one").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let message = "That handle and password don&#39;t match.";
    assert!(wrong.html.contains(message), "{}", wrong.html);
    assert!(unknown.html.contains(message));
}

async fn the_session_cookie_is_httponly_and_lax_and_the_secret_is_hashed(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = Browser::new(&app);
    let done = browser.sign_up("river", "UTC").await;
    let cookie = done
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("belay_session="))
        .expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http in tests: {cookie}");
    let value = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("belay_session=");
    assert_eq!(value.len(), 43, "256 bits");
    let hashed: i64 = app
        .scalar("select count(*) from session where length(id_hash) = 32")
        .await;
    assert_eq!(hashed, 1);

    let https = TestApp::spawn_with(b, |c| {
        c.base_url = belay::config::BaseUrl::parse("https://belay.example").unwrap();
    })
    .await;
    let page = Browser::new(&https).get("/signup").await;
    let csrf_cookie = page.set_cookies().join("\n");
    assert!(csrf_cookie.contains("__Host-belay_csrf="), "{csrf_cookie}");
    assert!(csrf_cookie.contains("Secure"), "{csrf_cookie}");
    assert!(page.headers.get("strict-transport-security").is_some());
}

async fn sessions_end_after_the_idle_timeout(b: Backend) {
    let app = TestApp::spawn_with(b, |c| {
        c.session_idle = std::time::Duration::from_secs(30 * 60)
    })
    .await;
    let browser = Browser::new(&app);
    browser.sign_up("river", "UTC").await;
    app.clock.advance(chrono::Duration::minutes(29));
    assert!(
        browser.get("/").await.html.contains("Hi, river"),
        "still within the idle time"
    );
    app.clock.advance(chrono::Duration::minutes(29));
    assert!(
        browser.get("/").await.html.contains("Hi, river"),
        "each visit renews it"
    );
    app.clock.advance(chrono::Duration::minutes(31));
    let after = browser.get("/clocks").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location(), Some("/login"));
    assert_eq!(app.scalar("select count(*) from session").await, 0);
}

async fn sessions_end_after_the_absolute_timeout_even_when_used(b: Backend) {
    let app = TestApp::spawn_with(b, |c| {
        c.session_absolute = std::time::Duration::from_secs(12 * 3600)
    })
    .await;
    let browser = Browser::new(&app);
    browser.sign_up("river", "UTC").await;
    for _ in 0..11 {
        app.clock.advance(chrono::Duration::hours(1));
        assert!(browser.get("/").await.html.contains("Hi, river"));
    }
    app.clock.advance(chrono::Duration::minutes(61));
    assert!(
        browser.get("/").await.html.contains("Create an account"),
        "logged out after 12 hours"
    );
}

fn session_cookie(page: &crate::support::browser::Page) -> String {
    page.set_cookies()
        .into_iter()
        .find(|c| c.starts_with("belay_session="))
        .and_then(|c| c.split(';').next().map(str::to_owned))
        .expect("a session cookie")
}

async fn shows_home_for(app: &TestApp, cookie: &str) -> bool {
    let res = app
        .http
        .get(app.url("/"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    res.text().await.unwrap().contains("Hi, river")
}

async fn a_session_cookie_replayed_after_logout_is_refused_at_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = Browser::new(&app);
    let cookie = session_cookie(&browser.sign_up("river", "UTC").await);
    assert!(shows_home_for(&app, &cookie).await);
    let home = browser.get("/").await;
    browser.post("/logout", &[("csrf", &home.csrf())]).await;
    assert!(
        !shows_home_for(&app, &cookie).await,
        "the old cookie still worked after logging out"
    );
}

async fn a_password_change_ends_the_other_sessions_at_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let phone = Browser::new(&app);
    let phone_cookie = session_cookie(&phone.sign_up("river", "UTC").await);
    let laptop = Browser::new(&app);
    let laptop_cookie = session_cookie(&laptop.log_in("river", PASSWORD).await);
    assert!(shows_home_for(&app, &phone_cookie).await);
    let settings = laptop.get("/settings").await;
    let changed = laptop
        .post(
            "/settings/password",
            &[
                ("csrf", &settings.csrf()),
                ("current_password", PASSWORD),
                ("new_password", "another calm passphrase"),
            ],
        )
        .await;
    assert!(
        changed.html.contains("Your password is changed."),
        "{}",
        changed.html
    );
    assert!(
        !shows_home_for(&app, &phone_cookie).await,
        "the other device stayed logged in"
    );
    assert!(
        shows_home_for(&app, &laptop_cookie).await,
        "the device that changed it stays in"
    );
}

async fn logging_in_again_replaces_the_old_session(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = Browser::new(&app);
    browser.sign_up("river", "UTC").await;
    let form = browser.get("/").await;
    assert!(form.html.contains("Hi, river"));
    // The login page redirects a logged-in member; post straight to it.
    let csrf = form.csrf();
    let again = browser
        .post(
            "/login",
            &[("csrf", &csrf), ("handle", "river"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(app.scalar("select count(*) from session").await, 1);
}

async fn a_cookie_authenticated_api_write_from_another_site_is_refused(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = Browser::new(&app);
    browser.sign_up("river", "UTC").await;
    let body = serde_json::json!({"label": "alcohol", "started_on": "2026-06-01"});
    let cross = browser
        .client
        .post(app.url("/api/v1/me/clocks"))
        .header("sec-fetch-site", "cross-site")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.scalar("select count(*) from clock").await, 0);
    let same = browser
        .client
        .post(app.url("/api/v1/me/clocks"))
        .header("sec-fetch-site", "same-origin")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::CREATED);
}

async fn every_response_carries_the_security_headers(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    for (path, auth) in [
        ("/", false),
        ("/signup", false),
        ("/help", false),
        ("/api/v1/me", true),
        ("/api/v1/me", false),
        ("/no/such/page", false),
        ("/api/openapi.json", false),
        ("/healthz", false),
        (belay::web::assets::css_url(), false),
    ] {
        let mut req = app.http.get(app.url(path));
        if auth {
            req = req.bearer_auth(&token);
        }
        let res = req.send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        for part in [
            "default-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "script-src 'self'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert_eq!(h["cross-origin-opener-policy"], "same-origin", "{path}");
        let cache = h["cache-control"].to_str().unwrap();
        if path.starts_with("/static/") {
            assert!(cache.contains("immutable"), "{path}: {cache}");
        } else {
            assert_eq!(cache, "no-store", "{path}");
        }
        assert!(h.get("server").is_none());
    }
    // An event stream is no document: it carries the few that apply.
    let res = app
        .http
        .get(app.url("/api/v1/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let h = res.headers();
    assert_eq!(h["content-type"], "text/event-stream");
    assert_eq!(
        h["content-security-policy"],
        "default-src 'none'; frame-ancestors 'none'"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-accel-buffering"], "no");
    assert!(h.get("server").is_none());
}

async fn pages_need_a_login_and_send_visitors_to_it(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = Browser::new(&app);
    for path in ["/clocks", "/profile", "/settings"] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location(), Some("/login"));
    }
}

async fn a_member_adds_a_clock_and_sees_it_on_the_home_page(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = Browser::new(&app);
    browser.sign_up("river", "UTC").await;
    let page = browser.get("/clocks").await;
    let csrf = page.csrf();
    let added = browser
        .post(
            "/clocks",
            &[
                ("csrf", &csrf),
                ("label", "alcohol"),
                ("started_on", "2026-05-16"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.html);
    let home = browser.get("/").await;
    assert!(home.html.contains("alcohol"));
    assert!(
        home.html.contains(r#"<span class="num">30</span> days"#),
        "{}",
        home.html
    );
    assert!(
        home.html.contains("Today: 30 days"),
        "the milestone is today"
    );
    assert!(
        home.html.contains("Next: 60 days on 2026-07-15"),
        "{}",
        home.html
    );
}

async fn form_errors_are_shown_next_to_their_fields(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = Browser::new(&app);
    let form = browser.get("/signup").await;
    let csrf = form.csrf();
    let page = browser
        .post(
            "/signup",
            &[
                ("csrf", &csrf),
                ("handle", "a!"),
                ("password", "short"),
                ("email", "nope"),
                ("time_zone", "Mars/Base"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    for text in [
        "Handle must be 3 to 30 characters",
        "Password must be at least 12",
        "Email doesn",
        "Time zone is not a known",
    ] {
        assert!(page.html.contains(text), "missing {text}");
    }
    assert!(page.html.contains("aria-invalid=\"true\""));
    assert!(page.html.contains("value=\"a!\""), "the handle is kept");
    assert!(
        !page.html.contains("value=\"short\""),
        "the password is never echoed"
    );

    browser.sign_up("river", "UTC").await;
    let clocks = browser.get("/clocks").await;
    let csrf = clocks.csrf();
    let bad = browser
        .post(
            "/clocks",
            &[("csrf", &csrf), ("label", ""), ("started_on", "2999-01-01")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.html.contains("can&#39;t be in the future"),
        "{}",
        bad.html
    );
    assert_eq!(app.scalar("select count(*) from clock").await, 0);
}

async fn the_profile_form_saves_choices_and_visibility(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = Browser::new(&app);
    browser.sign_up("river", "UTC").await;
    let page = browser.get("/profile").await;
    let csrf = page.csrf();
    let saved = browser
        .post(
            "/profile",
            &[
                ("csrf", &csrf),
                ("focus", "alcohol"),
                ("focus", "anxiety"),
                ("pathway", "smart"),
                ("languages", "en, ES"),
                ("bio", "One day at a time."),
                ("vis_bio", "members"),
                ("vis_focus", "circle"),
                ("discoverable", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.html);
    assert!(saved.html.contains("Your profile is saved."));
    let token = app.token("river").await;
    let (_, me) = app.get("/api/v1/me", &token).await;
    let p = &me["profile"];
    assert_eq!(p["focus"], serde_json::json!(["alcohol", "anxiety"]));
    assert_eq!(p["pathway"], serde_json::json!(["smart"]));
    assert_eq!(p["languages"], serde_json::json!(["en", "es"]));
    assert_eq!(p["visibility"]["bio"], "members");
    assert_eq!(p["visibility"]["focus"], "circle");
    assert_eq!(p["discoverable"], true);
}

async fn every_page_links_to_help_and_the_help_page_lists_crisis_lines(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = Browser::new(&app);
    for path in ["/", "/signup", "/login", "/help", "/no/such/page"] {
        assert!(
            browser
                .get(path)
                .await
                .html
                .contains(r#"href="/help">Get help now"#),
            "{path}"
        );
    }
    browser.sign_up("river", "UTC").await;
    for path in ["/", "/clocks", "/profile", "/settings"] {
        assert!(
            browser
                .get(path)
                .await
                .html
                .contains(r#"href="/help">Get help now"#),
            "{path}"
        );
    }
    let help = browser.get("/help").await;
    for line in ["988", "741741", "1-800-662-4357"] {
        assert!(help.html.contains(line), "{line}");
    }
}

async fn member_text_is_escaped_on_output(b: Backend) {
    let app = TestApp::spawn(b).await;
    let token = app.member("river").await;
    let (status, _) = app
        .post(
            "/api/v1/me/clocks",
            &token,
            serde_json::json!({"label": "<script>alert(1)</script>", "started_on": "2026-06-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let browser = Browser::new(&app);
    browser.log_in("river", PASSWORD).await;
    let home = browser.get("/").await;
    assert!(!home.html.contains("<script>alert(1)</script>"));
    assert!(
        home.html
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
        "{}",
        home.html
    );
}

async fn unknown_pages_are_404_pages_and_unknown_api_paths_are_json(b: Backend) {
    let app = TestApp::spawn(b).await;
    let page = Browser::new(&app).get("/nowhere").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(
        page.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let (status, body) = app
        .call(reqwest::Method::GET, "/api/v1/nowhere", None, None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let token = app.member("river").await;
    let (status, body) = app.get("/api/v1/me/clocks/not-a-uuid", &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
}

/// What PostgreSQL does when two transactions wait on each other.
mod postgres_deadlocks {
    use axum::response::IntoResponse;
    use belay::{reachout::api::ReachOutError, web::error::AppError};
    use reqwest::StatusCode;

    use crate::support::TestApp;

    /// Two transactions lock two members in opposite orders; PostgreSQL
    /// gives one up. Its error is a 503 `busy` that asks for a retry in a
    /// second (with the crisis lines, on a reach-out), not a 500.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_transaction_that_loses_a_deadlock_is_busy_not_a_fault() {
        let Some((app, pool)) = TestApp::spawn_postgres().await else {
            return;
        };
        app.member("ana").await;
        app.member("ben").await;
        let touch = "update member set updated_at = updated_at where handle = $1";
        let mut first = pool.begin().await.unwrap();
        let mut second = pool.begin().await.unwrap();
        sqlx::query(touch)
            .bind("ana")
            .execute(&mut *first)
            .await
            .unwrap();
        sqlx::query(touch)
            .bind("ben")
            .execute(&mut *second)
            .await
            .unwrap();
        let (a, b) = tokio::join!(
            sqlx::query(touch).bind("ben").execute(&mut *first),
            sqlx::query(touch).bind("ana").execute(&mut *second),
        );
        let lost = match (a, b) {
            (Ok(_), Err(e)) | (Err(e), Ok(_)) => e,
            other => panic!("one of the two should give way: {other:?}"),
        };
        assert!(belay::db::is_retryable(&lost), "{lost}");

        let err = AppError::from(lost);
        assert!(matches!(err, AppError::Busy), "{err:?}");
        let answer = ReachOutError(err).into_response();
        assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(answer.headers()["retry-after"], "1");
        let body = axum::body::to_bytes(answer.into_body(), 1 << 20)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "busy");
        assert!(
            !body["crisis_resources"].as_array().unwrap().is_empty(),
            "{body}"
        );
    }
}
