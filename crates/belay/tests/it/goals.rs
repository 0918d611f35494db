//! Goals, encouragement and the circle feed: cadence and progress, grants,
//! and the feed agreeing with the detail views item by item.

use std::collections::{HashMap, HashSet};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

backend_tests!(
    goals_have_a_cadence_progress_and_states,
    every_invalid_goal_is_a_422_and_changes_nothing,
    goals_are_shared_only_with_the_goals_grant,
    encouragement_needs_a_connection_and_a_visible_subject,
    the_feed_agrees_with_the_detail_views,
    the_feed_pages_without_gaps_or_repeats,
    the_home_page_shows_the_feed_a_page_at_a_time,
    an_item_and_a_grant_written_at_once_still_meet,
    goal_and_encouragement_pages_work_without_javascript,
);

async fn goal(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, g) = app.post("/api/v1/goals", token, body).await;
    assert_eq!(status, StatusCode::CREATED, "{g}");
    g
}

async fn progress(app: &TestApp, token: &str, id: &str) -> (StatusCode, Value) {
    app.post(&format!("/api/v1/goals/{id}/progress"), token, json!({}))
        .await
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

async fn goals_have_a_cadence_progress_and_states(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = app.member("river").await;
    // 2026-06-15 is a Monday.
    let daily = goal(
        &app,
        &t,
        json!({"title": "Walk 20 minutes", "why": "Clear head", "cadence": "daily", "target": 30}),
    )
    .await;
    assert_eq!(daily["state"], "active");
    assert_eq!(daily["progress"], 0);
    let weekly = goal(&app, &t, json!({"title": "A meeting", "cadence": "weekly"})).await;
    let (d, w) = (id(&daily), id(&weekly));
    for _ in 0..2 {
        assert_eq!(progress(&app, &t, &d).await.0, StatusCode::CREATED);
    }
    let (status, p) = app
        .post(
            &format!("/api/v1/goals/{w}/progress"),
            &t,
            json!({"note": "Tuesday group"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["goal"]["this_period"], 1);
    app.clock.advance(chrono::Duration::days(1));
    let (_, g) = app.get(&format!("/api/v1/goals/{d}"), &t).await;
    assert_eq!(
        (g["progress"].as_i64(), g["this_period"].as_i64()),
        (Some(2), Some(0)),
        "a new day"
    );
    assert_eq!(g["why"], "Clear head");
    let (_, g) = app.get(&format!("/api/v1/goals/{w}"), &t).await;
    assert_eq!(g["this_period"], 1, "still this week");
    assert_eq!(g["entries"][0]["note"], "Tuesday group");
    app.clock.advance(chrono::Duration::days(6));
    let (_, g) = app.get(&format!("/api/v1/goals/{w}"), &t).await;
    assert_eq!(g["this_period"], 0, "a new week from Monday");
    // Complete: no more progress; archive; restore.
    let (status, g) = app
        .post(&format!("/api/v1/goals/{d}/complete"), &t, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{g}");
    assert_eq!(g["state"], "completed");
    assert!(g["completed_at"].is_string());
    assert_eq!(progress(&app, &t, &d).await.0, StatusCode::CONFLICT);
    assert_eq!(
        app.post(&format!("/api/v1/goals/{d}/complete"), &t, json!({}))
            .await
            .0,
        StatusCode::CONFLICT
    );
    let (_, g) = app
        .post(&format!("/api/v1/goals/{w}/archive"), &t, json!({}))
        .await;
    assert_eq!(g["state"], "archived");
    let (_, g) = app
        .post(&format!("/api/v1/goals/{w}/restore"), &t, json!({}))
        .await;
    assert_eq!(g["state"], "active");
    let (_, list) = app.get("/api/v1/goals", &t).await;
    let titles: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["A meeting", "Walk 20 minutes"], "active first");
}

async fn every_invalid_goal_is_a_422_and_changes_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let t = app.member("river").await;
    for (body, field) in [
        (json!({"title": "", "cadence": "daily"}), "title"),
        (json!({"title": "   ", "cadence": "daily"}), "title"),
        (
            json!({"title": "x".repeat(121), "cadence": "daily"}),
            "title",
        ),
        (json!({"title": "Walk", "cadence": "hourly"}), "cadence"),
        (
            json!({"title": "Walk", "cadence": "daily", "target": 0}),
            "target",
        ),
        (
            json!({"title": "Walk", "cadence": "daily", "target": 10001}),
            "target",
        ),
        (
            json!({"title": "Walk", "cadence": "daily", "why": "y".repeat(1001)}),
            "why",
        ),
    ] {
        let (status, err) = app.post("/api/v1/goals", &t, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} -> {err}");
        assert!(err["error"]["fields"][field].is_array(), "{body} -> {err}");
    }
    let (status, _) = app
        .post("/api/v1/goals", &t, json!({"title": "Walk"}))
        .await;
    assert!(status.is_client_error());
    assert_eq!(app.scalar("select count(*) from goal").await, 0);
    let g = goal(&app, &t, json!({"title": "Walk", "cadence": "once"})).await;
    let (status, _) = app
        .post(
            &format!("/api/v1/goals/{}/progress", id(&g)),
            &t,
            json!({"note": "n".repeat(501)}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for bad in [
        "/api/v1/goals/not-a-uuid",
        "/api/v1/goals/00000000-0000-0000-0000-000000000000",
    ] {
        assert_eq!(app.get(bad, &t).await.0, StatusCode::NOT_FOUND, "{bad}");
    }
    assert_eq!(app.scalar("select count(*) from goal_progress").await, 0);
}

async fn goals_are_shared_only_with_the_goals_grant(b: Backend) {
    let app = TestApp::spawn(b).await;
    let owner = app.member("owner").await;
    let partner = app.member("partner").await;
    let stranger = app.member("stranger").await;
    let g = goal(
        &app,
        &owner,
        json!({"title": "Call my sister", "cadence": "weekly"}),
    )
    .await;
    let gid = id(&g);
    let goal_path = format!("/api/v1/goals/{gid}");
    for t in [&partner, &stranger] {
        assert_eq!(app.get(&goal_path, t).await.0, StatusCode::NOT_FOUND);
        assert_eq!(
            app.get("/api/v1/members/owner/goals", t).await.0,
            StatusCode::NOT_FOUND
        );
    }
    let conn = app.connect(&partner, "owner", &owner, "peer").await;
    assert_eq!(
        app.get(&goal_path, &partner).await.0,
        StatusCode::NOT_FOUND,
        "connected is not enough"
    );
    app.grant(&owner, &conn, json!({"goals": true})).await;
    let (status, seen) = app.get(&goal_path, &partner).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["mine"], false);
    assert_eq!(seen["handle"], "owner");
    let (_, list) = app.get("/api/v1/members/owner/goals", &partner).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // A partner can't change it.
    assert_eq!(
        progress(&app, &partner, &gid).await.0,
        StatusCode::NOT_FOUND
    );
    for action in ["complete", "archive"] {
        assert_eq!(
            app.post(&format!("{goal_path}/{action}"), &partner, json!({}))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
    }
    // Archived: the owner's alone.
    app.post(&format!("{goal_path}/archive"), &owner, json!({}))
        .await;
    assert_eq!(app.get(&goal_path, &partner).await.0, StatusCode::NOT_FOUND);
    let (_, list) = app.get("/api/v1/members/owner/goals", &partner).await;
    assert!(list.as_array().unwrap().is_empty());
    app.post(&format!("{goal_path}/restore"), &owner, json!({}))
        .await;
    assert_eq!(app.get(&goal_path, &partner).await.0, StatusCode::OK);
    // Revoking the grant or a block ends it at once.
    app.grant(&owner, &conn, json!({"goals": false})).await;
    assert_eq!(app.get(&goal_path, &partner).await.0, StatusCode::NOT_FOUND);
    app.grant(&owner, &conn, json!({"goals": true})).await;
    app.post("/api/v1/blocks", &partner, json!({"handle": "owner"}))
        .await;
    assert_eq!(app.get(&goal_path, &partner).await.0, StatusCode::NOT_FOUND);
}

async fn encouragement_needs_a_connection_and_a_visible_subject(b: Backend) {
    let app = TestApp::spawn(b).await;
    let owner = app.member("owner").await;
    let friend = app.member("friend").await;
    let stranger = app.member("stranger").await;
    let g = goal(&app, &owner, json!({"title": "Walk", "cadence": "daily"})).await;
    let gid = id(&g);
    let send = |token: &str, body: Value| {
        let token = token.to_owned();
        let app = &app;
        async move { app.post("/api/v1/encouragements", &token, body).await }
    };
    assert_eq!(
        send(&stranger, json!({"to": "owner", "body": "Go you"}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let conn = app.connect(&friend, "owner", &owner, "friend").await;
    let (status, e) = send(&friend, json!({"to": "owner", "body": "Proud of you"})).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_eq!(e["from"], "friend");
    // About a goal: only one the sender can see.
    let about_goal =
        json!({"to": "owner", "body": "Keep walking", "about": {"kind": "goal", "id": gid}});
    assert_eq!(
        send(&friend, about_goal.clone()).await.0,
        StatusCode::NOT_FOUND
    );
    app.grant(&owner, &conn, json!({"goals": true})).await;
    let (status, e) = send(&friend, about_goal).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_eq!(e["about"], "goal");
    assert_eq!(
        send(
            &friend,
            json!({"to": "owner", "body": "Nice streak", "about": {"kind": "streak"}})
        )
        .await
        .0,
        StatusCode::NOT_FOUND,
        "no check-ins grant"
    );
    for (body, field) in [
        (json!({"to": "owner", "body": ""}), "body"),
        (json!({"to": "owner", "body": "z".repeat(501)}), "body"),
        (
            json!({"to": "owner", "body": "hi", "about": {"kind": "goal"}}),
            "about",
        ),
        (
            json!({"to": "owner", "body": "hi", "about": {"kind": "hug"}}),
            "about",
        ),
    ] {
        let (status, err) = send(&friend, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body} -> {err}");
        assert!(err["error"]["fields"][field].is_array());
    }
    assert_eq!(
        send(&friend, json!({"to": "friend", "body": "me"})).await.0,
        StatusCode::NOT_FOUND,
        "not to myself"
    );
    let (_, received) = app.get("/api/v1/encouragements", &owner).await;
    assert_eq!(received.as_array().unwrap().len(), 2);
    let (_, sent) = app.get("/api/v1/encouragements/sent", &friend).await;
    assert_eq!(sent.as_array().unwrap().len(), 2);
    assert_eq!(app.notices_of(&owner, "encouragement").await.len(), 2);
    // Crisis words: the author sees the lines; it is still sent as written.
    let (status, e) = send(
        &friend,
        json!({"to": "owner", "body": "I can't go on, but you can"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(e["crisis_resources"].is_array());
    app.post("/api/v1/blocks", &owner, json!({"handle": "friend"}))
        .await;
    assert_eq!(
        send(&friend, json!({"to": "owner", "body": "hello"}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, received) = app.get("/api/v1/encouragements", &owner).await;
    assert!(
        received.as_array().unwrap().is_empty(),
        "hidden while blocked"
    );
    assert_eq!(app.scalar("select count(*) from encouragement").await, 3);
}

/// Every item of a viewer's feed, walking the pages.
async fn whole_feed(app: &TestApp, token: &str, limit: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut path = format!("/api/v1/feed?limit={limit}");
    loop {
        let (status, page) = app.get(&path, token).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(next) => path = format!("/api/v1/feed?limit={limit}&before={next}"),
            None => return items,
        }
    }
}

/// Walks each viewer's whole feed and compares it with the detail views
/// both ways; returns how many items it checked and each viewer's feed.
async fn feeds_agree_with_detail_views(
    app: &TestApp,
    tokens: &HashMap<&str, String>,
    owners: &[&str],
    viewers: &[&str],
    goal_ids: &[(&str, String)],
) -> (usize, HashMap<String, Vec<Value>>) {
    let mut checked = 0;
    let mut feeds = HashMap::new();
    for v in viewers {
        let t = &tokens[v];
        let feed = whole_feed(app, t, 3).await;
        // Feed -> detail: every item is visible in its detail view.
        for item in &feed {
            let h = item["handle"].as_str().unwrap();
            match item["kind"].as_str().unwrap() {
                "milestone" => {
                    let (status, clocks) = app.get(&format!("/api/v1/members/{h}/clocks"), t).await;
                    assert_eq!(
                        status,
                        StatusCode::OK,
                        "{v} sees {item} in the feed but not {h}'s clocks"
                    );
                    assert!(!clocks.as_array().unwrap().is_empty());
                }
                "goal_progress" | "goal_completed" => {
                    let gid = item["goal_id"].as_str().unwrap();
                    let (status, _) = app.get(&format!("/api/v1/goals/{gid}"), t).await;
                    assert_eq!(
                        status,
                        StatusCode::OK,
                        "{v} sees {item} in the feed but not the goal"
                    );
                }
                "encouragement" => {
                    let (_, got) = app.get("/api/v1/encouragements", t).await;
                    assert!(
                        got.as_array()
                            .unwrap()
                            .iter()
                            .any(|e| e["id"] == item["id"]),
                        "{item}"
                    );
                }
                other => panic!("unknown kind {other}"),
            }
            checked += 1;
        }
        // Detail -> feed: every visible goal's progress and every visible
        // milestone is in the feed.
        for (o, gid) in goal_ids {
            let visible = app.get(&format!("/api/v1/goals/{gid}"), t).await.0 == StatusCode::OK;
            let in_feed = feed
                .iter()
                .any(|i| i["goal_id"] == gid.as_str() && i["kind"] == "goal_progress");
            assert_eq!(
                visible, in_feed,
                "{v} / {o}'s goal {gid}: detail {visible}, feed {in_feed}"
            );
        }
        for o in owners {
            let visible =
                app.get(&format!("/api/v1/members/{o}/clocks"), t).await.0 == StatusCode::OK;
            let in_feed = feed
                .iter()
                .any(|i| i["kind"] == "milestone" && i["handle"] == *o);
            assert_eq!(visible, in_feed, "{v} / {o}'s milestone");
        }
        feeds.insert((*v).to_owned(), feed);
    }
    (checked, feeds)
}

/// Whether a feed holds anything of `owner`'s of `kind`.
fn has(feed: &[Value], owner: &str, kind: &str) -> bool {
    feed.iter()
        .any(|i| i["handle"] == owner && i["kind"] == kind)
}

async fn the_feed_agrees_with_the_detail_views(b: Backend) {
    let app = TestApp::spawn_roomy(b).await;
    let owners = ["ana", "ben", "cal"];
    let viewers = ["vic", "wes", "xia", "yan"];
    let mut tokens = HashMap::new();
    for h in owners.iter().chain(&viewers) {
        tokens.insert(*h, app.member(h).await);
    }
    // Each owner: a clock reaching a milestone, goals active, completed and
    // archived, each with progress.
    let mut goal_ids = Vec::new();
    for o in owners {
        let t = &tokens[o];
        app.clock_days_ago(t, "alcohol", 6).await;
        for (title, end) in [
            ("Walk", None),
            ("Read", Some("complete")),
            ("Swim", Some("archive")),
        ] {
            let g = goal(
                &app,
                t,
                json!({"title": format!("{o} {title}"), "cadence": "daily"}),
            )
            .await;
            progress(&app, t, &id(&g)).await;
            if let Some(action) = end {
                app.post(&format!("/api/v1/goals/{}/{action}", id(&g)), t, json!({}))
                    .await;
            }
            goal_ids.push((o, id(&g)));
        }
    }
    app.clock.advance(chrono::Duration::days(1));
    app.run_due_jobs().await; // the 7-day milestones
    // Grants vary by pair: (owner, viewer, clocks, goals).
    let pairs = [
        ("ana", "vic", true, true),
        ("ana", "wes", false, true),
        ("ben", "vic", true, false),
        ("ben", "wes", true, true),
        ("cal", "xia", false, false),
        ("ana", "yan", true, true),
    ];
    let mut connections = HashMap::new();
    for (o, v, clocks, goals) in pairs {
        let conn = app.connect(&tokens[v], o, &tokens[o], "peer").await;
        app.grant(&tokens[o], &conn, json!({"clocks": clocks, "goals": goals}))
            .await;
        connections.insert((o, v), conn);
    }
    // Encouragement to vic from ana; yan blocks ana afterwards.
    app.post(
        "/api/v1/encouragements",
        &tokens["ana"],
        json!({"to": "vic", "body": "Thinking of you"}),
    )
    .await;
    app.post(
        "/api/v1/encouragements",
        &tokens["ana"],
        json!({"to": "yan", "body": "Hi yan"}),
    )
    .await;
    app.post("/api/v1/blocks", &tokens["yan"], json!({"handle": "ana"}))
        .await;
    let (checked, feeds) =
        feeds_agree_with_detail_views(&app, &tokens, &owners, &viewers, &goal_ids).await;
    assert!(
        checked >= 10,
        "the scenario must exercise the feed ({checked} items)"
    );
    let vic = whole_feed(&app, &tokens["vic"], 50).await;
    assert!(vic.iter().any(
        |i| i["kind"] == "encouragement" && i["text"] == "ana encouraged you: Thinking of you"
    ));
    assert!(
        vic.iter().any(|i| i["kind"] == "milestone"
            && i["text"] == "ana reached 7 days on their alcohol clock.")
    );
    assert!(
        !vic.iter()
            .any(|i| i["text"].as_str().unwrap().contains("Swim")),
        "archived goals stay private"
    );
    assert!(
        feeds["yan"].is_empty(),
        "a block hides everything from ana: {:?}",
        feeds["yan"]
    );
    assert!(has(&feeds["wes"], "ben", "goal_progress"));
    assert!(!has(&feeds["xia"], "cal", "milestone"));

    // Sharing changes after the items were written: ana takes back vic's
    // goals, ben ends his connection with wes, cal starts sharing with xia.
    app.grant(
        &tokens["ana"],
        &connections[&("ana", "vic")],
        json!({"goals": false}),
    )
    .await;
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/connections/{}", connections[&("ben", "wes")]),
            Some(&tokens["ben"]),
            None,
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    app.grant(
        &tokens["cal"],
        &connections[&("cal", "xia")],
        json!({"clocks": true, "goals": true}),
    )
    .await;
    let (checked, feeds) =
        feeds_agree_with_detail_views(&app, &tokens, &owners, &viewers, &goal_ids).await;
    assert!(checked >= 10, "{checked} items");
    assert!(has(&feeds["vic"], "ana", "milestone"));
    assert!(
        !has(&feeds["vic"], "ana", "goal_progress"),
        "goals taken back"
    );
    assert!(!has(&feeds["wes"], "ben", "milestone"), "connection ended");
    assert!(has(&feeds["xia"], "cal", "milestone"), "shared later");
    assert!(has(&feeds["xia"], "cal", "goal_completed"), "shared later");

    // A feed entry is a copy, never a permission: a grant taken back behind
    // the feed's back (no entries removed) still hides the items.
    let entries = app
        .scalar("select count(*) from feed_entry fe join member m on m.id = fe.viewer_id where m.handle = 'xia'")
        .await;
    assert!(entries > 0);
    app.exec("update connection_grant set clocks = false, goals = false where viewer_id = (select id from member where handle = 'xia')")
        .await;
    assert!(whole_feed(&app, &tokens["xia"], 3).await.is_empty());
    feeds_agree_with_detail_views(&app, &tokens, &owners, &viewers, &goal_ids).await;
}

async fn the_feed_pages_without_gaps_or_repeats(b: Backend) {
    let app = TestApp::spawn(b).await;
    let owner = app.member("owner").await;
    let viewer = app.member("viewer").await;
    let conn = app.connect(&viewer, "owner", &owner, "peer").await;
    app.grant(&owner, &conn, json!({"goals": true})).await;
    let g = goal(&app, &owner, json!({"title": "Walk", "cadence": "daily"})).await;
    for _ in 0..7 {
        progress(&app, &owner, &id(&g)).await;
        app.clock.advance(chrono::Duration::minutes(1));
    }
    let all = whole_feed(&app, &viewer, 100).await;
    assert_eq!(all.len(), 7);
    let paged = whole_feed(&app, &viewer, 2).await;
    let ids: Vec<&Value> = paged.iter().map(|i| &i["id"]).collect();
    assert_eq!(ids, all.iter().map(|i| &i["id"]).collect::<Vec<_>>());
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 7);
    assert_eq!(
        all[0]["text"],
        "owner made progress on \u{201c}Walk\u{201d} (7 so far)."
    );
    for bad in [
        "limit=0",
        "limit=101",
        "before=garbage",
        "before=1_notauuid",
    ] {
        assert_eq!(
            app.get(&format!("/api/v1/feed?{bad}"), &viewer).await.0,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}"
        );
    }
}

/// The home page reads its clocks and notices and the feed's page together
/// (one call on SQLite): each part must still be there, the "Older" link
/// must walk the feed, and a mangled cursor shows the first page.
async fn the_home_page_shows_the_feed_a_page_at_a_time(b: Backend) {
    let app = TestApp::spawn(b).await;
    let owner = app.member("owner").await;
    let viewer = app.member("viewer").await;
    app.clock_days_ago(&viewer, "alcohol", 3).await;
    let conn = app.connect(&viewer, "owner", &owner, "peer").await;
    app.grant(&owner, &conn, json!({"goals": true})).await;
    let g = goal(&app, &owner, json!({"title": "Walk", "cadence": "daily"})).await;
    for _ in 0..23 {
        progress(&app, &owner, &id(&g)).await;
        app.clock.advance(chrono::Duration::minutes(1));
    }
    app.post(
        "/api/v1/encouragements",
        &owner,
        json!({"to": "viewer", "body": "Glad you are here"}),
    )
    .await;
    let browser = crate::support::browser::Browser::new(&app);
    browser
        .log_in("viewer", crate::support::app::PASSWORD)
        .await;
    let home = browser.get("/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.html.contains("alcohol"), "the clocks are there");
    assert!(home.html.contains("Glad you are here"), "newest first");
    assert!(home.html.contains("(23 so far)"));
    assert!(!home.html.contains("(3 so far)"), "20 to a page");
    let older = home
        .html
        .split("href=\"/?before=")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an Older link")
        .to_owned();
    let page2 = browser.get(&format!("/?before={older}")).await;
    assert_eq!(page2.status, StatusCode::OK);
    assert!(page2.html.contains("(3 so far)"));
    assert!(page2.html.contains("(1 so far)"));
    assert!(!page2.html.contains("(23 so far)"));
    assert!(!page2.html.contains("/?before="), "the last page");
    assert!(page2.html.contains("alcohol"));
    for bad in ["garbage", "1_notauuid", ""] {
        let page = browser.get(&format!("/?before={bad}")).await;
        assert_eq!(page.status, StatusCode::OK, "{bad}");
        assert!(page.html.contains("(23 so far)"), "{bad}: the first page");
    }
}

/// An owner's new item and a new grant of theirs, written by two
/// transactions at once, still meet: the item reaches the viewer's feed
/// (each would otherwise miss what the other had not committed yet).
async fn an_item_and_a_grant_written_at_once_still_meet(b: Backend) {
    use belay::{
        feed::store::{Subject, record},
        time::Clock,
    };
    let app = TestApp::spawn(b).await;
    let owner = app.member("owner").await;
    let viewer = app.member("viewer").await;
    let conn = app.connect(&viewer, "owner", &owner, "peer").await;
    let g = goal(&app, &owner, json!({"title": "Walk", "cadence": "daily"})).await;
    let goal_id = belay::goals::model::GoalId(uuid::Uuid::parse_str(&id(&g)).unwrap());
    let mut tx = app.state.db.begin_write().await.unwrap();
    let owner_id = belay::circle::store::member_id(&mut tx, "owner")
        .await
        .unwrap()
        .unwrap();
    let now = app.clock.now();
    record(
        &mut tx,
        owner_id,
        Subject::GoalProgress(goal_id),
        "1 so far",
        "race:walk:1",
        now,
    )
    .await
    .unwrap();
    // The grant is asked for while the item is not committed; the item
    // commits a moment later.
    let commit = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        tx.commit().await.unwrap();
    };
    tokio::join!(app.grant(&owner, &conn, json!({"goals": true})), commit);
    let feed = whole_feed(&app, &viewer, 20).await;
    assert!(
        feed.iter()
            .any(|i| i["kind"] == "goal_progress" && i["goal_id"] == id(&g).as_str()),
        "{feed:?}"
    );
}

async fn goal_and_encouragement_pages_work_without_javascript(b: Backend) {
    let app = TestApp::spawn(b).await;
    let browser = crate::support::browser::Browser::new(&app);
    browser.sign_up("river", "UTC").await;
    let page = browser.get("/goals").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.csrf();
    let page = browser
        .post(
            "/goals",
            &[("csrf", &csrf), ("title", ""), ("cadence", "daily")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("The goal is required."));
    let page = browser
        .post(
            "/goals",
            &[
                ("csrf", &csrf),
                ("title", "Walk <daily>"),
                ("cadence", "daily"),
                ("target", "30"),
            ],
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.status);
    let goal_url = page.location().unwrap().to_owned();
    let page = browser
        .post(
            &format!("{goal_url}/progress"),
            &[("csrf", &csrf), ("note", "sunny")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("1 of 30"));
    assert!(
        page.html.contains("Walk &#60;daily&#62;"),
        "escaped on output"
    );
    assert!(!page.html.contains("<daily>"));
    // A partner sees it and sends encouragement about it.
    let river = app.token("river").await;
    let sky = app.member("sky").await;
    let conn = app.connect(&sky, "river", &river, "peer").await;
    app.grant(&river, &conn, json!({"goals": true})).await;
    let partner = crate::support::browser::Browser::new(&app);
    partner.log_in("sky", crate::support::app::PASSWORD).await;
    let page = partner.get(&goal_url).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("Send encouragement"));
    let gid = goal_url.trim_start_matches("/goals/");
    let compose = partner
        .get(&format!("/encouragement/river?goal={gid}"))
        .await;
    let page = partner
        .post(
            "/encouragement/river",
            &[
                ("csrf", &compose.csrf()),
                ("body", "You've got this"),
                ("about", "goal"),
                ("about_id", gid),
            ],
        )
        .await;
    assert!(
        page.status.is_redirection(),
        "{} {}",
        page.status,
        page.html
    );
    let home = browser.get("/").await;
    assert!(
        home.html.contains(
            "sky encouraged you on \u{201c}Walk &#60;daily&#62;\u{201d}: You&#39;ve got this"
        ),
        "{}",
        home.html
    );
    let home_partner = partner.get("/").await;
    assert!(home_partner.html.contains("river made progress on"));
}
