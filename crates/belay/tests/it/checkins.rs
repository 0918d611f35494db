//! Daily check-ins: local days across time zones, streaks, validation,
//! grants, charts, each risk rule with a fixed clock, and the opt-in nudge.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

backend_tests!(
    one_checkin_per_local_day_across_time_zones,
    every_invalid_checkin_is_a_422_and_changes_nothing,
    streaks_count_local_days_and_a_missed_day_starts_again,
    a_day_before_the_streak_after_moving_west_joins_it,
    the_migrations_count_of_streaks_matches_what_saves_keep,
    checkins_are_shared_only_with_the_grant_and_never_the_note,
    the_chart_is_an_accessible_svg,
    a_high_craving_prompts_once_per_episode,
    low_mood_three_days_running_prompts_once,
    silence_after_a_streak_fires_on_the_fourth_morning,
    the_nudge_reaches_the_reach_out_list_only_with_consent,
    crisis_language_shows_the_author_resources_and_nobody_the_text,
    the_checkin_pages_work_without_javascript,
);

async fn check_in(app: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    app.post("/api/v1/checkins", token, body).await
}

async fn mood_craving(app: &TestApp, token: &str, mood: i32, craving: i32) -> Value {
    let (status, body) = check_in(app, token, json!({"mood": mood, "craving": craving})).await;
    assert!(status.is_success(), "{status} {body}");
    body
}

/// Moves the test clock by whole days.
fn next_day(app: &TestApp, days: i64) {
    app.clock.advance(chrono::Duration::days(days));
}

async fn one_checkin_per_local_day_across_time_zones(b: Backend) {
    let app = TestApp::spawn(b).await;
    // 2026-06-15T12:00Z: already the 16th on Kiritimati, the 15th on Pago Pago.
    let east = app.member_in("east_side", "Pacific/Kiritimati").await;
    let west = app.member_in("west_side", "Pacific/Pago_Pago").await;
    let (status, e) = check_in(&app, &east, json!({"mood": 4, "craving": 1})).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_eq!(e["date"], "2026-06-16");
    assert_eq!(e["created"], true);
    let (status, w) = check_in(
        &app,
        &west,
        json!({"mood": 3, "craving": 2, "sleep_hours": 6.5}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{w}");
    assert_eq!(w["date"], "2026-06-15");
    // A second post the same local day updates it.
    let (status, w2) = check_in(&app, &west, json!({"mood": 5, "craving": 0})).await;
    assert_eq!(status, StatusCode::OK, "{w2}");
    assert_eq!(w2["created"], false);
    assert_eq!(w2["mood"], 5);
    assert_eq!(w2["sleep_hours"], Value::Null);
    // 10:59Z on the 16th is 23:59 on the 15th in Pago Pago (UTC-11): same day.
    app.set_now("2026-06-16T10:59:00Z");
    let (status, _) = check_in(&app, &west, json!({"mood": 4, "craving": 0})).await;
    assert_eq!(status, StatusCode::OK);
    // A minute later it is the 16th there: a new day.
    app.set_now("2026-06-16T11:00:00Z");
    let (status, w3) = check_in(&app, &west, json!({"mood": 4, "craving": 0})).await;
    assert_eq!(status, StatusCode::CREATED, "{w3}");
    assert_eq!(w3["date"], "2026-06-16");
    let (_, list) = app.get("/api/v1/checkins?days=7", &west).await;
    let dates: Vec<&str> = list["checkins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-06-16", "2026-06-15"]);
    assert_eq!(list["checkins"][1]["mood"], 4);
    assert_eq!(app.scalar("select count(*) from checkin").await, 3);
}

async fn every_invalid_checkin_is_a_422_and_changes_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = app.member("river").await;
    let long = "x".repeat(4001);
    let bad = [
        (json!({"mood": 0, "craving": 0}), "mood"),
        (json!({"mood": 6, "craving": 0}), "mood"),
        (json!({"craving": 3}), "mood"),
        (json!({"mood": 3, "craving": 11}), "craving"),
        (json!({"mood": 3, "craving": -1}), "craving"),
        (json!({"mood": 3}), "craving"),
        (
            json!({"mood": 3, "craving": 2, "sleep_hours": 24.5}),
            "sleep_hours",
        ),
        (
            json!({"mood": 3, "craving": 2, "sleep_hours": -1}),
            "sleep_hours",
        ),
        (
            json!({"mood": 3, "craving": 2, "triggers": ["a,b"]}),
            "triggers",
        ),
        (
            json!({"mood": 3, "craving": 2, "triggers": (0..11).map(|i| format!("t{i}")).collect::<Vec<_>>()}),
            "triggers",
        ),
        (json!({"mood": 3, "craving": 2, "note": long}), "note"),
        (
            json!({"mood": 3, "craving": 2, "gratitude": "y".repeat(1001)}),
            "gratitude",
        ),
    ];
    for (body, field) in bad {
        let (status, err) = check_in(&app, &t, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} -> {err}");
        assert_eq!(err["error"]["code"], "validation_failed");
        assert!(err["error"]["fields"][field].is_array(), "{body} -> {err}");
    }
    for body in [
        json!({"mood": "three", "craving": 1}),
        json!({"mood": 3, "craving": 1, "extra": 1}),
        json!({"mood": 3.5, "craving": 1}),
    ] {
        let (status, err) = check_in(&app, &t, body.clone()).await;
        assert!(
            status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST,
            "{body} -> {status} {err}"
        );
        assert!(err["error"]["code"].is_string());
    }
    for q in ["days=0", "days=367", "days=abc", "days=-1"] {
        let (status, err) = app.get(&format!("/api/v1/checkins?{q}"), &t).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{q} -> {err}");
    }
    let (status, _) = app
        .call(
            Method::POST,
            "/api/v1/checkins",
            None,
            Some(json!({"mood": 3, "craving": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.scalar("select count(*) from checkin").await, 0);
}

async fn streaks_count_local_days_and_a_missed_day_starts_again(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = app.member_in("river", "America/New_York").await;
    for _ in 0..3 {
        let c = mood_craving(&app, &t, 4, 1).await;
        next_day(&app, 1);
        let _ = c;
    }
    // Three days done; today (the fourth) is still open.
    let (_, h) = app.get("/api/v1/checkins", &t).await;
    assert_eq!(h["streak"]["current"], 3);
    assert_eq!(h["streak"]["checked_in_today"], false);
    // A missed day: the next check-in starts a new streak, without fuss.
    next_day(&app, 1);
    let c = mood_craving(&app, &t, 4, 1).await;
    assert_eq!(c["streak"]["current"], 1);
    assert_eq!(c["streak"]["longest"], 3);
    assert_eq!(c["streak"]["checked_in_today"], true);
}

async fn move_to(app: &TestApp, token: &str, zone: &str) {
    let (status, me) = app
        .call(
            Method::PATCH,
            "/api/v1/me",
            Some(token),
            Some(json!({ "time_zone": zone })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
}

/// Each save moves the member's run (`checkin_streak`) a day at a time; a
/// day that lands before it, after a move west across the date line, is
/// counted again from all the days and joins the runs it touches.
async fn a_day_before_the_streak_after_moving_west_joins_it(b: Backend) {
    let app = TestApp::spawn(b).await;
    // The 13th and 14th in Pago Pago (UTC-11).
    app.set_now("2026-06-13T12:00:00Z");
    let t = app.member_in("drifter", "Pacific/Pago_Pago").await;
    assert_eq!(mood_craving(&app, &t, 4, 1).await["date"], "2026-06-13");
    next_day(&app, 1);
    let c = mood_craving(&app, &t, 4, 1).await;
    assert_eq!(c["streak"]["current"], 2);
    // Then Kiritimati (UTC+14) on the 15th at noon UTC: already the 16th,
    // a day missed there, so a new run.
    next_day(&app, 1);
    move_to(&app, &t, "Pacific/Kiritimati").await;
    let c = mood_craving(&app, &t, 4, 1).await;
    assert_eq!(c["date"], "2026-06-16");
    assert_eq!(
        c["streak"],
        json!({"current": 1, "longest": 2, "checked_in_today": true})
    );
    // Back in Pago Pago the same instant it is the 15th: the missing day,
    // which joins both runs into one of four days.
    move_to(&app, &t, "Pacific/Pago_Pago").await;
    let c = mood_craving(&app, &t, 2, 1).await;
    assert_eq!(
        (c["date"].as_str(), c["created"].as_bool()),
        (Some("2026-06-15"), Some(true))
    );
    assert_eq!(
        c["streak"],
        json!({"current": 3, "longest": 4, "checked_in_today": true})
    );
    let (_, h) = app.get("/api/v1/checkins", &t).await;
    assert_eq!(h["streak"], c["streak"]);
    assert_eq!(
        app.scalar("select count(*) from checkin_streak where longest = 4")
            .await,
        1
    );
}

/// Migration 0016 counts every member's run from the check-ins there are
/// (for instances that had them before it); what it counts must be what
/// the saves keep.
async fn the_migrations_count_of_streaks_matches_what_saves_keep(b: Backend) {
    let app = TestApp::spawn(b).await;
    let steady = app.member("steady").await;
    let patchy = app.member("patchy").await;
    app.member("never").await;
    // Steady: ten days running. Patchy: two days on, one off, three on,
    // two off, one on: runs of 2, 3 and 1.
    for day in 0..10 {
        mood_craving(&app, &steady, 4, 1).await;
        if [0, 1, 3, 4, 5, 8].contains(&day) {
            mood_craving(&app, &patchy, 3, 2).await;
        }
        next_day(&app, 1);
    }
    let (_, h) = app.get("/api/v1/checkins", &patchy).await;
    assert_eq!(
        h["streak"],
        json!({"current": 0, "longest": 3, "checked_in_today": false})
    );
    app.exec("create table kept as select * from checkin_streak; delete from checkin_streak")
        .await;
    let migration = match b {
        Backend::Sqlite => include_str!("../../migrations/sqlite/0016_checkin_streak.sql"),
        Backend::Postgres => include_str!("../../migrations/postgres/0016_checkin_streak.sql"),
    };
    let at = migration
        .find("insert into checkin_streak")
        .expect("the migration fills the table");
    app.exec(&migration[at..]).await;
    assert_eq!(app.scalar("select count(*) from checkin_streak").await, 2);
    let differ = "select count(*) from (
        select * from kept except select * from checkin_streak) d";
    assert_eq!(app.scalar(differ).await, 0);
    let (_, again) = app.get("/api/v1/checkins", &patchy).await;
    assert_eq!(again["streak"], h["streak"]);
}

async fn checkins_are_shared_only_with_the_grant_and_never_the_note(b: Backend) {
    let app = TestApp::spawn(b).await;
    let owner = app.member("owner").await;
    let friend = app.member("friend").await;
    let stranger = app.member("stranger").await;
    let (status, _) = check_in(&app, &owner, json!({"mood": 2, "craving": 3, "triggers": ["payday"], "gratitude": "my dog", "note": "private words"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let paths = [
        "/api/v1/members/owner/checkins",
        "/api/v1/members/owner/checkins/chart.svg",
    ];
    for p in paths {
        assert_eq!(app.get(p, &stranger).await.0, StatusCode::NOT_FOUND, "{p}");
        assert_eq!(app.get(p, &friend).await.0, StatusCode::NOT_FOUND, "{p}");
        assert_eq!(
            app.get(&p.replace("owner", "nobody_here"), &friend).await.0,
            StatusCode::NOT_FOUND
        );
    }
    let conn = app.connect(&friend, "owner", &owner, "peer").await;
    for p in paths {
        assert_eq!(
            app.get(p, &friend).await.0,
            StatusCode::NOT_FOUND,
            "connected is not enough: {p}"
        );
    }
    app.grant(&owner, &conn, json!({"checkins": true})).await;
    let (status, h) = app.get("/api/v1/members/owner/checkins", &friend).await;
    assert_eq!(status, StatusCode::OK, "{h}");
    let c = &h["checkins"][0];
    assert_eq!(c["mood"], 2);
    assert_eq!(c["triggers"], json!(["payday"]));
    assert_eq!(c["gratitude"], "my dog");
    assert!(c.get("note").is_none(), "the note stays private: {c}");
    assert!(!h.to_string().contains("private words"));
    let svg = app
        .http
        .get(app.url("/api/v1/members/owner/checkins/chart.svg"))
        .bearer_auth(&friend)
        .send()
        .await
        .unwrap();
    assert_eq!(svg.status(), StatusCode::OK);
    assert!(svg.text().await.unwrap().contains("from owner"));
    // The owner's own view has the note.
    let (_, mine) = app.get("/api/v1/checkins", &owner).await;
    assert_eq!(mine["checkins"][0]["note"], "private words");
    // A block ends it at once.
    let (status, _) = app
        .post("/api/v1/blocks", &owner, json!({"handle": "friend"}))
        .await;
    assert!(status.is_success());
    assert_eq!(app.get(paths[0], &friend).await.0, StatusCode::NOT_FOUND);
}

async fn the_chart_is_an_accessible_svg(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = app.member("river").await;
    for mood in [3, 4, 5] {
        mood_craving(&app, &t, mood, 2).await;
        next_day(&app, 1);
    }
    for days in [7, 30, 90] {
        let res = app
            .http
            .get(app.url(&format!("/api/v1/checkins/chart.svg?days={days}")))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("image/svg+xml")
        );
        assert_eq!(res.headers()["cache-control"], "private, no-store");
        let svg = res.text().await.unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains(&format!(
            "<title id=\"chart-title\">Check-in trends, last {days} days</title>"
        )));
        assert!(
            svg.contains("3 check-ins from you"),
            "{}",
            &svg[..400.min(svg.len())]
        );
        assert!(svg.contains("Mood averaged 4.0."));
        assert!(!svg.contains("<script"));
    }
    let (status, _) = app.get("/api/v1/checkins/chart.svg?days=0", &t).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_high_craving_prompts_once_per_episode(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = app.member("river").await;
    let c = mood_craving(&app, &t, 3, 9).await;
    assert_eq!(c["signals"], json!(["high_craving"]));
    // Editing the same day, or the run going on the next day: same episode.
    let c = mood_craving(&app, &t, 3, 10).await;
    assert_eq!(c["signals"], json!([]));
    next_day(&app, 1);
    let c = mood_craving(&app, &t, 3, 8).await;
    assert_eq!(c["signals"], json!([]));
    assert_eq!(app.notices_of(&t, "risk_prompt").await.len(), 1);
    // The run ends; a new strong craving later is a new episode.
    next_day(&app, 1);
    mood_craving(&app, &t, 3, 2).await;
    next_day(&app, 1);
    let c = mood_craving(&app, &t, 3, 8).await;
    assert_eq!(c["signals"], json!(["high_craving"]));
    let prompts = app.notices_of(&t, "risk_prompt").await;
    assert_eq!(prompts.len(), 2);
    assert_eq!(prompts[0]["link"], "/reach-out");
    let (_, signals) = app.get("/api/v1/me/risk-signals", &t).await;
    assert_eq!(signals[0]["rule"], "high_craving");
    assert_eq!(signals[0]["nudged"], false);
    // Reading pages does not fire anything again.
    for _ in 0..3 {
        app.get("/api/v1/checkins", &t).await;
    }
    assert_eq!(app.scalar("select count(*) from risk_signal").await, 2);
}

async fn low_mood_three_days_running_prompts_once(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = app.member("river").await;
    let mut fired = Vec::new();
    for mood in [2, 1, 2, 1, 3, 2] {
        let c = mood_craving(&app, &t, mood, 0).await;
        fired.push(c["signals"].as_array().unwrap().len());
        next_day(&app, 1);
    }
    // Fires on the third low day only; the run going on, or a new run of
    // one day, does not fire again.
    assert_eq!(fired, [0, 0, 1, 0, 0, 0]);
    let prompts = app.notices_of(&t, "risk_prompt").await;
    assert_eq!(prompts.len(), 1);
    assert!(prompts[0]["text"].as_str().unwrap().contains("hard days"));
}

async fn silence_after_a_streak_fires_on_the_fourth_morning(b: Backend) {
    let app = TestApp::spawn(b).await;
    let short = app.member_in("short", "Europe/Berlin").await;
    let t = app.member_in("river", "Europe/Berlin").await;
    // 2026-06-15T12:00Z; seven days running, the last on the 21st.
    for day in 0..7 {
        mood_craving(&app, &t, 4, 1).await;
        if day == 6 {
            // A second check-in that day leaves the silence check in place.
            let again = mood_craving(&app, &t, 3, 1).await;
            assert_eq!(again["created"], false);
        }
        if day < 3 {
            mood_craving(&app, &short, 4, 1).await;
        }
        if day < 6 {
            next_day(&app, 1);
        }
    }
    // The 22nd, 23rd and 24th pass without a check-in: nothing yet.
    app.set_now("2026-06-24T21:59:00Z"); // 23:59 on the 24th in Berlin
    app.run_due_jobs().await;
    assert!(app.notices_of(&t, "risk_prompt").await.is_empty());
    // The fourth morning in Berlin (22:00Z on the 24th).
    app.set_now("2026-06-24T22:00:00Z");
    app.run_due_jobs().await;
    let prompts = app.notices_of(&t, "risk_prompt").await;
    assert_eq!(prompts.len(), 1);
    assert!(prompts[0]["text"].as_str().unwrap().contains("missed you"));
    // Once: nothing more later, and nothing for a short streak.
    app.set_now("2026-06-30T12:00:00Z");
    app.run_due_jobs().await;
    assert_eq!(app.notices_of(&t, "risk_prompt").await.len(), 1);
    assert!(app.notices_of(&short, "risk_prompt").await.is_empty());
    // Checking in again after the quiet spell starts over kindly.
    let c = mood_craving(&app, &t, 4, 1).await;
    assert_eq!(c["streak"]["current"], 1);
}

async fn the_nudge_reaches_the_reach_out_list_only_with_consent(b: Backend) {
    let app = TestApp::spawn(b).await;
    let river = app.member("river").await;
    let listed = app.member("listed").await;
    let other = app.member("other").await;
    let c1 = app.connect(&river, "listed", &listed, "peer").await;
    app.connect(&river, "other", &other, "peer").await;
    app.grant(
        &river,
        &c1,
        json!({"reach_out": true, "reach_out_order": 1}),
    )
    .await;
    let (_, s) = app.get("/api/v1/me/checkin-settings", &river).await;
    assert_eq!(s["nudge_list"], false, "off by default");
    mood_craving(&app, &river, 3, 9).await;
    assert!(
        app.notices_of(&listed, "risk_nudge").await.is_empty(),
        "no consent, no nudge"
    );
    let (status, s) = app
        .put(
            "/api/v1/me/checkin-settings",
            &river,
            json!({"nudge_list": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(s["nudge_list"], true);
    next_day(&app, 1);
    mood_craving(&app, &river, 3, 1).await;
    next_day(&app, 1);
    let c = mood_craving(&app, &river, 3, 9).await;
    assert_eq!(c["signals"], json!(["high_craving"]));
    let nudges = app.notices_of(&listed, "risk_nudge").await;
    assert_eq!(nudges.len(), 1);
    assert_eq!(
        nudges[0]["text"],
        "river might appreciate hearing from you."
    );
    assert_eq!(nudges[0]["link"], "/conversations/river");
    assert!(
        app.notices_of(&other, "risk_nudge").await.is_empty(),
        "only the reach-out list"
    );
    let (_, signals) = app.get("/api/v1/me/risk-signals", &river).await;
    assert_eq!(signals[0]["nudged"], true);
    // Same episode: no second nudge.
    mood_craving(&app, &river, 2, 10).await;
    assert_eq!(app.notices_of(&listed, "risk_nudge").await.len(), 1);
    let (status, _) = app
        .put(
            "/api/v1/me/checkin-settings",
            &river,
            json!({"nudge_list": "yes"}),
        )
        .await;
    assert!(status.is_client_error());
}

async fn crisis_language_shows_the_author_resources_and_nobody_the_text(b: Backend) {
    let app = TestApp::spawn(b).await;
    let river = app.member("river").await;
    let friend = app.member("friend").await;
    let conn = app.connect(&river, "friend", &friend, "peer").await;
    app.grant(&river, &conn, json!({"checkins": true})).await;
    let (status, c) = check_in(
        &app,
        &river,
        json!({"mood": 1, "craving": 2, "note": "I don't want to be here anymore"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let lines = c["crisis_resources"]
        .as_array()
        .expect("crisis resources for the author");
    assert!(lines.iter().any(|l| l["how"] == "Call or text 988"));
    // Saved as written, nothing blocked; nobody else is told or shown it.
    let (_, mine) = app.get("/api/v1/checkins", &river).await;
    assert_eq!(
        mine["checkins"][0]["note"],
        "I don't want to be here anymore"
    );
    let (_, theirs) = app.get("/api/v1/members/river/checkins", &friend).await;
    assert!(!theirs.to_string().contains("want to be here"));
    let (_, notices) = app.get("/api/v1/notices", &friend).await;
    assert_eq!(notices["notices"].as_array().unwrap().len(), 0);
    // Ordinary words: no resources block in the answer.
    let (_, c) = check_in(
        &app,
        &river,
        json!({"mood": 3, "craving": 2, "note": "went to a meeting, felt better"}),
    )
    .await;
    assert!(c.get("crisis_resources").is_none(), "{c}");
}

async fn the_checkin_pages_work_without_javascript(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = crate::support::browser::Browser::new(&app);
    browser.sign_up("river", "UTC").await;
    let page = browser.get("/checkins").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("How is your mood today?"));
    assert!(page.html.contains("/me/checkins/chart.svg?days=30"));
    let csrf = page.csrf();
    let page = browser
        .post(
            "/checkins",
            &[
                ("csrf", &csrf),
                ("mood", "2"),
                ("craving", "9"),
                ("triggers", "payday, Stress"),
                ("note", "a hard day"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("Checked in."));
    assert!(
        page.html.contains("Reach out now"),
        "the risk banner with a one-tap reach-out"
    );
    assert!(page.html.contains("payday, stress"));
    let page = browser
        .post(
            "/checkins",
            &[("csrf", &csrf), ("mood", "9"), ("craving", "1")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.html
            .contains("Mood must be a whole number from 1 to 5.")
    );
    let home = browser.get("/").await;
    assert!(
        home.html.contains("Reach out now"),
        "the banner is on the home page too"
    );
    let chart = browser.get("/me/checkins/chart.svg?days=7").await;
    assert_eq!(chart.status, StatusCode::OK);
    assert!(chart.html.contains("role=\"img\""));
    let about = browser.get("/checkins/signals").await;
    assert!(about.html.contains("three days in a row"));
    let page = browser
        .post(
            "/checkins/settings",
            &[("csrf", &csrf), ("nudge_list", "on")],
        )
        .await;
    assert!(page.status.is_redirection() || page.status == StatusCode::OK);
    let (_, s) = app
        .get("/api/v1/me/checkin-settings", &app.token("river").await)
        .await;
    assert_eq!(s["nudge_list"], true);
}

/// Races only PostgreSQL can run: its saves go at once, SQLite's one
/// writer takes them one after the other.
mod postgres_races {
    use std::time::Duration;

    use belay::{
        accounts::MemberId,
        checkins::{model::Valid, store, streak::Run},
    };
    use chrono::NaiveDate;

    use crate::support::TestApp;

    /// A member's first two check-ins, on two local days at one instant
    /// (two requests, one before a move across the date line and one after):
    /// the second waits for the first and grows its run, instead of both
    /// finding no run and the second writing a run of its own day alone.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn first_checkins_on_two_days_at_once_keep_a_run_of_both() {
        let Some((app, pool)) = TestApp::spawn_postgres().await else {
            return;
        };
        app.member("racer").await;
        let id = sqlx::query_scalar("select id from member where handle = 'racer'")
            .fetch_one(&pool)
            .await
            .unwrap();
        let member = MemberId(id);
        let valid = Valid {
            mood: 4,
            craving: 1,
            sleep_hours: None,
            triggers: vec![],
            gratitude: String::new(),
            note: String::new(),
        };
        let day = |d| NaiveDate::from_ymd_opt(2026, 6, d).unwrap();
        let now = app.now();

        let mut first = app.state.db.begin_write().await.unwrap();
        store::save(&mut first, member, day(15), &valid, now)
            .await
            .unwrap();
        let db = app.state.db.clone();
        let second = tokio::spawn(async move {
            let mut tx = db.begin_write().await?;
            let saved = store::save(&mut tx, member, day(16), &valid, now).await?;
            tx.commit().await.map(|()| saved)
        });
        // The second save is waiting on the first's lock before it commits.
        loop {
            let waiting: i64 = sqlx::query_scalar(
                "select count(*) from pg_stat_activity
                 where datname = current_database() and wait_event_type = 'Lock'",
            )
            .fetch_one(&pool)
            .await
            .unwrap();
            if waiting > 0 {
                break;
            }
            assert!(!second.is_finished(), "the second save did not wait");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        first.commit().await.unwrap();

        let saved = second.await.unwrap().unwrap();
        let both = Run {
            run_start: day(15),
            run_end: day(16),
            longest: 2,
        };
        assert_eq!(saved.run, both);
        let kept: Run = sqlx::query_as(
            "select run_start, run_end, longest from checkin_streak where member_id = $1",
        )
        .bind(member)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(kept, both);
    }
}
