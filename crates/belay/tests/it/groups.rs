//! Groups: join policies and invite codes, roles, leaving, private groups
//! that nobody outside can see, the discussion with unread markers and
//! notices by each member's choice, and moderation with its log.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

backend_tests!(
    open_request_and_invite_groups,
    invite_codes_expire_run_out_and_can_be_revoked,
    private_and_unlisted_groups_stay_out_of_sight,
    roles_leaving_removal_and_bans,
    every_invalid_group_request_is_a_422_and_changes_nothing,
    discussion_threads_replies_unread_and_paging,
    new_posts_reach_members_by_their_choice,
    moderation_queue_actions_and_log,
    crisis_language_in_a_post_goes_to_the_top_of_the_queue,
);

pub async fn group(app: &TestApp, token: &str, name: &str, visibility: &str, join: &str) -> String {
    let (s, g) = app
        .post(
            "/api/v1/groups",
            token,
            json!({"name": name, "kind": "workplace", "formal": false, "visibility": visibility, "join": join}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{g}");
    assert_eq!(g["my_role"], "organiser");
    g["slug"].as_str().unwrap().to_owned()
}

pub async fn invite(app: &TestApp, token: &str, slug: &str, body: Value) -> String {
    let (s, i) = app
        .post(&format!("/api/v1/groups/{slug}/invites"), token, body)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{i}");
    assert!(i["url"].as_str().unwrap().contains("/join-group/"));
    i["code"].as_str().unwrap().to_owned()
}

pub async fn join(
    app: &TestApp,
    token: &str,
    slug: &str,
    code: Option<&str>,
) -> (StatusCode, Value) {
    app.post(
        &format!("/api/v1/groups/{slug}/join"),
        token,
        json!({"code": code}),
    )
    .await
}

pub async fn thread(app: &TestApp, token: &str, slug: &str, title: &str, body: &str) -> Value {
    let (s, t) = app
        .post(
            &format!("/api/v1/groups/{slug}/threads"),
            token,
            json!({"title": title, "body": body}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{t}");
    t
}

async fn open_request_and_invite_groups(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ana = app.member("ana").await;
    let ben = app.member("ben").await;
    let open = group(&app, &ana, "Night shift nurses", "public", "open").await;
    assert_eq!(open, "night-shift-nurses");
    let (s, g) = join(&app, &ben, &open, None).await;
    assert_eq!(s, StatusCode::OK, "{g}");
    assert_eq!(g["my_state"], "active");
    assert_eq!(g["members"], 2);
    // The same name again gets its own slug.
    assert_eq!(
        group(&app, &ben, "Night Shift Nurses!", "public", "open").await,
        "night-shift-nurses-2"
    );

    let asked = group(&app, &ana, "Sober at Acme", "public", "request").await;
    let (_, g) = join(&app, &ben, &asked, None).await;
    assert_eq!(g["my_state"], "pending");
    assert_eq!(app.notices_of(&ana, "group_join_request").await.len(), 1);
    let (s, _) = app
        .get(&format!("/api/v1/groups/{asked}/threads"), &ben)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "pending is not yet a member");
    let (s, _) = app
        .post(
            &format!("/api/v1/groups/{asked}/members/ben/approve"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(app.notices_of(&ben, "group_approved").await.len(), 1);
    let (_, g) = app.get(&format!("/api/v1/groups/{asked}"), &ben).await;
    assert_eq!(g["my_state"], "active");

    let coded = group(&app, &ana, "Acme recovery circle", "private", "invite").await;
    let cal = app.member("cal").await;
    let (s, e) = join(&app, &cal, &coded, None).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a private group is not there without a code: {e}"
    );
    let code = invite(&app, &ana, &coded, json!({})).await;
    let (s, g) = join(&app, &cal, &coded, Some(&code)).await;
    assert_eq!(s, StatusCode::OK, "{g}");
    assert_eq!(g["my_state"], "active");
    assert_eq!(g["name"], "Acme recovery circle");
    // The landing page of the link names the group.
    let page = app
        .http
        .get(app.url(&format!("/join-group/{code}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    // A public invite-only group: joining without a code says why.
    let only = group(&app, &ana, "Invite only", "public", "invite").await;
    let (s, e) = join(&app, &ben, &only, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(e["error"]["code"], "invite_required");
}

async fn invite_codes_expire_run_out_and_can_be_revoked(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.set_now("2026-11-01T12:00:00Z");
    let ana = app.member("ana").await;
    let slug = group(&app, &ana, "Teachers", "private", "invite").await;
    let mut tokens = Vec::new();
    for h in ["ben", "cal", "dee", "eve", "fay"] {
        tokens.push(app.member(h).await);
    }
    // Single use: the second person is refused.
    let once = invite(&app, &ana, &slug, json!({})).await;
    assert_eq!(
        join(&app, &tokens[0], &slug, Some(&once)).await.0,
        StatusCode::OK
    );
    let (s, e) = join(&app, &tokens[1], &slug, Some(&once)).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("invite_closed")),
        "{e}"
    );
    // Two uses.
    let twice = invite(&app, &ana, &slug, json!({"uses": 2})).await;
    assert_eq!(
        join(&app, &tokens[1], &slug, Some(&twice)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        join(&app, &tokens[2], &slug, Some(&twice)).await.0,
        StatusCode::OK
    );
    assert_eq!(
        join(&app, &tokens[3], &slug, Some(&twice)).await.0,
        StatusCode::FORBIDDEN
    );
    // Any number of uses, until it expires.
    let many = invite(&app, &ana, &slug, json!({"multi": true, "days": 1})).await;
    app.set_now("2026-11-02T12:00:01Z");
    assert_eq!(
        join(&app, &tokens[3], &slug, Some(&many)).await.0,
        StatusCode::FORBIDDEN
    );
    // Revoked.
    let code = invite(&app, &ana, &slug, json!({"multi": true})).await;
    let (_, list) = app
        .get(&format!("/api/v1/groups/{slug}/invites"), &ana)
        .await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|i| i.get("code").is_none()),
        "codes are shown once"
    );
    let id = list[0]["id"].as_str().unwrap().to_owned();
    let (s, _) = app
        .post(
            &format!("/api/v1/groups/{slug}/invites/{id}/revoke"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        join(&app, &tokens[4], &slug, Some(&code)).await.0,
        StatusCode::FORBIDDEN
    );
    // A made-up code opens nothing: the private group stays unseen.
    let (s, _) = join(&app, &tokens[4], &slug, Some("made-up-code")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, g) = app.get(&format!("/api/v1/groups/{slug}"), &ana).await;
    assert_eq!(g["members"], 4);
    // In a group one can see, a closed code says so.
    let public = group(&app, &ana, "Open door", "public", "invite").await;
    let c = invite(&app, &ana, &public, json!({})).await;
    assert_eq!(
        join(&app, &tokens[0], &public, Some(&c)).await.0,
        StatusCode::OK
    );
    let (s, e) = join(&app, &tokens[1], &public, Some(&c)).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("invite_closed"))
    );
}

async fn private_and_unlisted_groups_stay_out_of_sight(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ana = app.member("ana").await;
    let boss = app.member("boss").await;
    app.make_admin("boss").await;
    let private = group(&app, &ana, "Acme private circle", "private", "invite").await;
    let unlisted = group(&app, &ana, "Acme unlisted circle", "unlisted", "open").await;
    let public = group(&app, &ana, "Acme public circle", "public", "open").await;
    thread(
        &app,
        &ana,
        &private,
        "Hard week",
        "the merger is getting to me",
    )
    .await;
    // The instance admin (the employer running it) is a stranger here.
    for who in [Some(boss.as_str()), None] {
        let (s, _) = app
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/groups/{private}"),
                who,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let (s, list) = app
            .call(reqwest::Method::GET, "/api/v1/groups", who, None)
            .await;
        assert_eq!(s, StatusCode::OK);
        let names: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["slug"].as_str().unwrap())
            .collect();
        assert_eq!(names, [public.as_str()], "only public groups are listed");
        let (s, _) = app
            .call(
                reqwest::Method::GET,
                &format!("/api/v1/groups/{unlisted}"),
                who,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "an unlisted group opens by its link");
    }
    for path in [
        format!("/api/v1/groups/{private}/threads"),
        format!("/api/v1/groups/{private}/members"),
        format!("/api/v1/groups/{private}/meetings"),
        format!("/groups/{private}"),
        format!("/groups/{private}/meetings.ics"),
    ] {
        let (s, body) = app.get(&path, &boss).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{path}: {body}");
        assert!(!body.to_string().contains("merger"));
        assert!(
            !body.to_string().contains("Acme private"),
            "{path} names the group"
        );
    }
    let (_, mine) = app.get("/api/v1/groups", &ana).await;
    assert_eq!(
        mine.as_array().unwrap().len(),
        3,
        "my own groups are listed for me"
    );
    let (_, found) = app.get("/api/v1/groups?q=acme", &ana).await;
    assert_eq!(found.as_array().unwrap().len(), 3);
    // Searched text is text: `_` and `%` are not wildcards.
    for q in ["_", "%25", "a_me"] {
        let (_, found) = app.get(&format!("/api/v1/groups?q={q}"), &ana).await;
        assert_eq!(found.as_array().unwrap().len(), 0, "{q}");
    }
}

async fn roles_leaving_removal_and_bans(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ana = app.member("ana").await;
    let ben = app.member("ben").await;
    let cal = app.member("cal").await;
    let slug = group(&app, &ana, "Peer group", "public", "open").await;
    for t in [&ben, &cal] {
        assert_eq!(join(&app, t, &slug, None).await.0, StatusCode::OK);
    }
    let (s, e) = app
        .put(
            &format!("/api/v1/groups/{slug}/members/ben/role"),
            &cal,
            json!({"role": "moderator"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    let (s, _) = app
        .put(
            &format!("/api/v1/groups/{slug}/members/ben/role"),
            &ana,
            json!({"role": "moderator"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // A moderator can't act on the organiser, nor can the last organiser step down or leave.
    let (s, _) = app
        .post(
            &format!("/api/v1/groups/{slug}/members/ana/remove"),
            &ben,
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = app
        .put(
            &format!("/api/v1/groups/{slug}/members/ana/role"),
            &ana,
            json!({"role": "member"}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("last_organiser"))
    );
    let (s, e) = app
        .post(&format!("/api/v1/groups/{slug}/leave"), &ana, json!({}))
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("last_organiser"))
    );
    // Remove needs a reason, which the member is told.
    let (s, _) = app
        .post(
            &format!("/api/v1/groups/{slug}/members/cal/remove"),
            &ben,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .post(
            &format!("/api/v1/groups/{slug}/members/cal/remove"),
            &ben,
            json!({"reason": "repeated personal attacks"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let told = app.notices_of(&cal, "group_moderation").await;
    assert!(
        told[0]["text"]
            .as_str()
            .unwrap()
            .contains("repeated personal attacks"),
        "{told:?}"
    );
    // Ban: no way back in, until unbanned.
    assert_eq!(join(&app, &cal, &slug, None).await.0, StatusCode::OK);
    let (s, _) = app
        .post(
            &format!("/api/v1/groups/{slug}/members/cal/ban"),
            &ben,
            json!({"reason": "threats"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, e) = join(&app, &cal, &slug, None).await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("banned"))
    );
    let (s, _) = app
        .get(&format!("/api/v1/groups/{slug}/threads"), &cal)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, members) = app
        .get(&format!("/api/v1/groups/{slug}/members"), &ben)
        .await;
    assert!(
        members
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["handle"] == "cal" && m["state"] == "banned")
    );
    let (_, members) = app
        .get(&format!("/api/v1/groups/{slug}/members"), &ana)
        .await;
    assert_eq!(members[0]["handle"], "ana", "organisers first");
    let (s, _) = app
        .post(
            &format!("/api/v1/groups/{slug}/members/cal/unban"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(join(&app, &cal, &slug, None).await.0, StatusCode::OK);
    // Hand the group on, then the former organiser may leave.
    let (s, _) = app
        .put(
            &format!("/api/v1/groups/{slug}/members/ben/role"),
            &ana,
            json!({"role": "organiser"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .post(&format!("/api/v1/groups/{slug}/leave"), &ana, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, g) = app.get(&format!("/api/v1/groups/{slug}"), &ana).await;
    assert_eq!(g["my_state"], Value::Null);
    let (_, log) = app
        .get(&format!("/api/v1/groups/{slug}/moderation-log"), &ben)
        .await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    for a in ["role:moderator", "remove", "ban", "unban", "role:organiser"] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
    let removal = log
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["action"] == "remove")
        .unwrap();
    assert_eq!(
        (removal["by"].as_str(), removal["member"].as_str()),
        (Some("ben"), Some("cal"))
    );
    assert_eq!(removal["reason"], "repeated personal attacks");
}

async fn every_invalid_group_request_is_a_422_and_changes_nothing(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ana = app.member("ana").await;
    let slug = group(&app, &ana, "Base", "public", "open").await;
    let ok = json!({"name": "X", "kind": "peer", "visibility": "public", "join": "open"});
    let mut bad = Vec::new();
    for (k, v) in [
        ("name", json!("")),
        ("name", json!("x".repeat(101))),
        ("kind", json!("cult")),
        ("visibility", json!("secret")),
        ("join", json!("maybe")),
        ("about", json!("x".repeat(2001))),
        ("contact_email", json!("not an email")),
        ("name", json!("bad\u{0007}bell")),
    ] {
        let mut body = ok.clone();
        body[k] = v;
        bad.push((k, body));
    }
    for (field, body) in bad {
        let (s, e) = app.post("/api/v1/groups", &ana, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["error"]["fields"][field].is_array(), "{field}: {e}");
    }
    let (s, _) = app
        .post("/api/v1/groups", &ana, json!({"name": "X", "kind": "peer"}))
        .await;
    assert!(s.is_client_error());
    for (title, body) in [
        ("", "text"),
        ("t", ""),
        ("t", &"x".repeat(10_001)),
        (&"x".repeat(201) as &str, "b"),
    ] {
        let (s, _) = app
            .post(
                &format!("/api/v1/groups/{slug}/threads"),
                &ana,
                json!({"title": title, "body": body}),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (s, _) = app
        .get(
            &format!("/api/v1/groups/{slug}/threads?before=nonsense"),
            &ana,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .put(
            &format!("/api/v1/groups/{slug}/me"),
            &ana,
            json!({"notify": "loud"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .post(
            &format!("/api/v1/groups/{slug}/invites"),
            &ana,
            json!({"days": 400}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .post(
            &format!("/api/v1/groups/{slug}/members/x/dance"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.scalar("select count(*) from peer_group").await, 1);
    assert_eq!(app.scalar("select count(*) from group_thread").await, 0);
    assert_eq!(app.scalar("select count(*) from group_invite").await, 0);
}

async fn discussion_threads_replies_unread_and_paging(b: Backend) {
    let app = TestApp::spawn(b).await;
    app.set_now("2026-11-01T12:00:00Z");
    let ana = app.member("ana").await;
    let ben = app.member("ben").await;
    let slug = group(&app, &ana, "Readers", "public", "open").await;
    join(&app, &ben, &slug, None).await;
    let mut ids = Vec::new();
    for i in 0..25 {
        app.set_now(&format!("2026-11-01T12:{i:02}:00Z"));
        let t = thread(
            &app,
            &ana,
            &slug,
            &format!("Thread {i}"),
            "<script>alert(1)</script> see https://example.org",
        )
        .await;
        ids.push(t["thread"]["id"].as_str().unwrap().to_owned());
    }
    let (_, page) = app
        .get(&format!("/api/v1/groups/{slug}/threads"), &ben)
        .await;
    let threads = page["threads"].as_array().unwrap();
    assert_eq!(threads.len(), 20);
    assert_eq!(threads[0]["title"], "Thread 24", "newest activity first");
    assert!(threads.iter().all(|t| t["unread"] == true));
    let next = page["next"].as_str().unwrap();
    let (_, page2) = app
        .get(
            &format!("/api/v1/groups/{slug}/threads?before={next}"),
            &ben,
        )
        .await;
    assert_eq!(page2["threads"].as_array().unwrap().len(), 5);
    assert_eq!(page2["next"], Value::Null);
    // Reading marks read; a reply moves the thread up and makes it unread again.
    let (_, t) = app
        .get(&format!("/api/v1/groups/{slug}/threads/{}", ids[0]), &ben)
        .await;
    assert_eq!(
        t["posts"][0]["body"], "<script>alert(1)</script> see https://example.org",
        "stored as written"
    );
    let (_, page) = app
        .get(
            &format!("/api/v1/groups/{slug}/threads?before={next}"),
            &ben,
        )
        .await;
    assert!(
        page["threads"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == ids[0].as_str() && t["unread"] == false)
    );
    app.set_now("2026-11-02T08:00:00Z");
    let (s, r) = app
        .post(
            &format!("/api/v1/groups/{slug}/threads/{}/posts", ids[0]),
            &ana,
            json!({"body": "bump"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let (_, page) = app
        .get(&format!("/api/v1/groups/{slug}/threads"), &ben)
        .await;
    assert_eq!(page["threads"][0]["id"], ids[0].as_str());
    assert_eq!(page["threads"][0]["unread"], true);
    assert_eq!(page["threads"][0]["replies"], 1);
    // The page escapes what members write and makes links clickable.
    let browser = crate::support::browser::Browser::new(&app);
    browser.log_in("ben", crate::support::app::PASSWORD).await;
    let html = browser
        .get(&format!("/groups/{slug}/threads/{}", ids[0]))
        .await
        .html;
    assert!(!html.contains("<script>alert"), "member text is never HTML");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("<a href=\"https://example.org\" rel=\"nofollow noopener ugc\">"));
    // 60 replies page at 50.
    for i in 0..60 {
        app.post(
            &format!("/api/v1/groups/{slug}/threads/{}/posts", ids[1]),
            &ben,
            json!({"body": format!("reply {i}")}),
        )
        .await;
    }
    let (_, t) = app
        .get(&format!("/api/v1/groups/{slug}/threads/{}", ids[1]), &ana)
        .await;
    assert_eq!(t["posts"].as_array().unwrap().len(), 50);
    let after = t["next"].as_str().unwrap();
    let (_, t2) = app
        .get(
            &format!("/api/v1/groups/{slug}/threads/{}?after={after}", ids[1]),
            &ana,
        )
        .await;
    assert_eq!(t2["posts"].as_array().unwrap().len(), 11);
    assert_eq!(t2["posts"][10]["body"], "reply 59");
}

async fn new_posts_reach_members_by_their_choice(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ana = app.member("ana").await;
    let all = app.member("allie").await;
    let men = app.member("cal").await;
    let none = app.member("dee").await;
    let slug = group(&app, &ana, "Chatty", "public", "open").await;
    for t in [&all, &men, &none] {
        join(&app, t, &slug, None).await;
    }
    let (s, _) = app
        .put(
            &format!("/api/v1/groups/{slug}/me"),
            &all,
            json!({"notify": "all"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    app.put(
        &format!("/api/v1/groups/{slug}/me"),
        &none,
        json!({"notify": "none"}),
    )
    .await;
    thread(&app, &ana, &slug, "Hello", "hello everyone").await;
    thread(
        &app,
        &ana,
        &slug,
        "Thanks",
        "thanks @cal and @dee for the coffee",
    )
    .await;
    assert_eq!(app.notices_of(&all, "group_post").await.len(), 2);
    assert_eq!(app.notices_of(&men, "group_post").await.len(), 0);
    assert_eq!(app.notices_of(&men, "group_mention").await.len(), 1);
    assert_eq!(
        app.notices_of(&none, "group_mention").await.len(),
        0,
        "none means none"
    );
    assert_eq!(
        app.notices_of(&ana, "group_post").await.len(),
        0,
        "never about my own post"
    );
    // Everyone else's open pages hear of each post live.
    assert_eq!(
        app.scalar("select count(*) from event where kind = 'group_post'")
            .await,
        6
    );
}

async fn moderation_queue_actions_and_log(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ana = app.member("ana").await;
    let ben = app.member("ben").await;
    let cal = app.member("cal").await;
    let boss = app.member("boss").await;
    app.make_admin("boss").await;
    let slug = group(&app, &ana, "Moderated", "private", "invite").await;
    for t in [&ben, &cal] {
        let code = invite(&app, &ana, &slug, json!({})).await;
        join(&app, t, &slug, Some(&code)).await;
    }
    let t = thread(&app, &ben, &slug, "Rant", "everyone here is useless").await;
    let post = t["posts"][0]["id"].as_str().unwrap().to_owned();
    let tid = t["thread"]["id"].as_str().unwrap().to_owned();
    let (s, r) = app
        .post(
            &format!("/api/v1/groups/{slug}/reports"),
            &cal,
            json!({"post": post, "reason": "unkind"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(app.notices_of(&ana, "group_report").await.len(), 1);
    let (s, _) = app
        .get(&format!("/api/v1/groups/{slug}/reports"), &cal)
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "members don't see the queue");
    let (_, q) = app
        .get(&format!("/api/v1/groups/{slug}/reports"), &ana)
        .await;
    assert_eq!(q[0]["post_body"], "everyone here is useless");
    assert_eq!(q[0]["reporter"], "cal");
    // Hide with a note to the author; others see that it was hidden, not what it said.
    let (s, _) = app
        .post(
            &format!("/api/v1/groups/{slug}/posts/{post}/hide"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "hiding needs a note");
    let (s, _) = app
        .post(
            &format!("/api/v1/groups/{slug}/posts/{post}/hide"),
            &ana,
            json!({"reason": "please keep it kind"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        app.notices_of(&ben, "group_moderation").await[0]["text"]
            .as_str()
            .unwrap()
            .contains("please keep it kind")
    );
    let (s, _) = app
        .get(&format!("/api/v1/groups/{slug}/threads/{tid}"), &cal)
        .await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "a hidden opening post hides its thread"
    );
    let (_, mine) = app
        .get(&format!("/api/v1/groups/{slug}/threads"), &cal)
        .await;
    assert_eq!(mine["threads"].as_array().unwrap().len(), 0);
    let (_, seen) = app
        .get(&format!("/api/v1/groups/{slug}/threads/{tid}"), &ana)
        .await;
    assert_eq!(seen["posts"][0]["hidden"], true);
    let (_, q) = app
        .get(&format!("/api/v1/groups/{slug}/reports"), &ana)
        .await;
    assert_eq!(
        q.as_array().unwrap().len(),
        0,
        "hiding deals with its reports"
    );
    let (s, _) = app
        .post(
            &format!("/api/v1/groups/{slug}/posts/{post}/restore"),
            &ana,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, seen) = app
        .get(&format!("/api/v1/groups/{slug}/threads/{tid}"), &cal)
        .await;
    assert_eq!(
        (s, seen["posts"][0]["body"].as_str()),
        (StatusCode::OK, Some("everyone here is useless"))
    );
    // Report a member, warn, escalate.
    let (_, r) = app
        .post(
            &format!("/api/v1/groups/{slug}/reports"),
            &cal,
            json!({"member": "ben", "reason": "keeps messaging me"}),
        )
        .await;
    let (s, _) = app
        .post(
            &format!("/api/v1/groups/{slug}/members/ben/warn"),
            &ana,
            json!({"reason": "give people space"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let rid = r["id"].as_str().unwrap();
    let (s, _) = app.get("/api/v1/admin/group-reports", &ben).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, none) = app.get("/api/v1/admin/group-reports", &boss).await;
    assert_eq!(
        none.as_array().unwrap().len(),
        0,
        "the instance sees nothing until it is escalated"
    );
    let (s, r) = app
        .post(
            &format!("/api/v1/groups/{slug}/reports/{rid}/resolve"),
            &ana,
            json!({"action": "escalate", "reason": "beyond us"}),
        )
        .await;
    assert_eq!(
        (s, r["state"].as_str()),
        (StatusCode::OK, Some("escalated"))
    );
    let (_, up) = app.get("/api/v1/admin/group-reports", &boss).await;
    assert_eq!(up[0]["member"], "ben");
    let (s, e) = app
        .post(
            &format!("/api/v1/groups/{slug}/reports/{rid}/resolve"),
            &ana,
            json!({"action": "dismiss"}),
        )
        .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("report_closed"))
    );
    let (_, log) = app
        .get(&format!("/api/v1/groups/{slug}/moderation-log"), &ana)
        .await;
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["escalate_report", "warn", "restore", "hide"],
        "newest first"
    );
    assert!(
        log.as_array()
            .unwrap()
            .iter()
            .all(|l| l["by"] == "ana" && l["at"].is_string())
    );
}

async fn crisis_language_in_a_post_goes_to_the_top_of_the_queue(b: Backend) {
    let app = TestApp::spawn(b).await;
    let ana = app.member("ana").await;
    let ben = app.member("ben").await;
    let cal = app.member("cal").await;
    let slug = group(&app, &ana, "Support", "public", "open").await;
    join(&app, &ben, &slug, None).await;
    join(&app, &cal, &slug, None).await;
    let t = thread(&app, &cal, &slug, "Parking", "who took my parking spot").await;
    let p = t["posts"][0]["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/groups/{slug}/reports"),
        &ben,
        json!({"post": p, "reason": "off topic"}),
    )
    .await;
    app.set_now("2030-01-01T00:00:00Z");
    let (s, t) = app
        .post(
            &format!("/api/v1/groups/{slug}/threads"),
            &ben,
            json!({"title": "tonight", "body": "I want to end my life"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert!(
        t["crisis_resources"]
            .as_array()
            .is_some_and(|l| !l.is_empty()),
        "the author sees crisis lines at once"
    );
    let (_, q) = app
        .get(&format!("/api/v1/groups/{slug}/reports"), &ana)
        .await;
    assert_eq!(q.as_array().unwrap().len(), 2);
    assert_eq!(q[0]["crisis"], true, "crisis language first, though newer");
    assert_eq!(q[0]["reporter"], Value::Null, "raised by the screen");
    assert_eq!(q[1]["reason"], "off topic");
    // Posted as written, nothing blocked.
    let (_, page) = app
        .get(&format!("/api/v1/groups/{slug}/threads"), &cal)
        .await;
    assert_eq!(page["threads"][0]["title"], "tonight");
}
