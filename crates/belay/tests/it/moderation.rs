//! Instance moderation: reports from members into one queue (with what
//! group moderators pass up and the checks members asked for), actions
//! that are logged and told to the member, and what a suspended or banned
//! member can and cannot do.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    groups::{group, join, thread},
    support::{Backend, TestApp},
};

backend_tests!(
    reports_reach_one_queue_ordered_by_risk_then_age,
    reports_check_their_input_and_what_the_reporter_can_see,
    actions_are_logged_told_to_the_member_and_hide_content,
    a_suspended_member_can_read_and_leave_but_not_reach_others,
    a_ban_lasts_until_lifted_and_nobody_acts_on_themselves_or_an_admin,
    check_on_me_is_opt_in_and_never_shows_what_was_written,
    the_pages_report_act_and_show_standing,
);

pub async fn make_moderator(app: &TestApp, handle: &str) {
    belay::accounts::service::set_role(&app.state, handle, belay::accounts::Role::Moderator)
        .await
        .expect("set role");
}

pub async fn send(app: &TestApp, from: &str, to_handle: &str, body: &str) -> String {
    let (s, m) = app
        .post(
            &format!("/api/v1/conversations/{to_handle}/messages"),
            from,
            json!({ "body": body }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    m["id"].as_str().unwrap().to_owned()
}

pub async fn report(app: &TestApp, token: &str, body: Value) -> Value {
    let (s, r) = app.post("/api/v1/reports", token, body).await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    assert_eq!(r["state"], "open");
    r
}

async fn queue(app: &TestApp, token: &str) -> Vec<Value> {
    let (s, q) = app.get("/api/v1/moderation/reports", token).await;
    assert_eq!(s, StatusCode::OK, "{q}");
    q.as_array().unwrap().clone()
}

async fn act(app: &TestApp, token: &str, report: &str, body: Value) -> (StatusCode, Value) {
    app.post(
        &format!("/api/v1/moderation/reports/{report}/actions"),
        token,
        body,
    )
    .await
}

/// ana, ben and cal in one circle; mo a moderator; the admin "keeper".
struct Site {
    app: TestApp,
    ana: String,
    ben: String,
    cal: String,
    mo: String,
    keeper: String,
}

async fn site(b: Backend) -> Site {
    let app = TestApp::spawn(b).await;
    app.set_now("2026-11-25T12:00:00Z");
    let ana = app.member("ana").await;
    let ben = app.member("ben").await;
    let cal = app.member("cal").await;
    let mo = app.member("moda").await;
    let keeper = app.member("keeper").await;
    make_moderator(&app, "moda").await;
    app.make_admin("keeper").await;
    app.connect(&ana, "ben", &ben, "peer").await;
    app.connect(&cal, "ben", &ben, "peer").await;
    Site {
        app,
        ana,
        ben,
        cal,
        mo,
        keeper,
    }
}

async fn reports_reach_one_queue_ordered_by_risk_then_age(b: Backend) {
    let Site {
        app,
        ana,
        ben,
        cal,
        mo,
        keeper,
    } = site(b).await;
    // Oldest first: spam about ben, then harassment in a message, then
    // someone at risk in a group post, then a group's escalation.
    report(&app, &cal, json!({"kind": "member", "handle": "ben", "category": "spam", "reason": "Selling things in every thread"})).await;
    app.set_now("2026-11-25T12:05:00Z");
    let msg = send(&app, &ben, "ana", "You are pathetic and everyone knows it").await;
    report(&app, &ana, json!({"kind": "message", "id": msg, "category": "harassment", "reason": "Insults in a private message"})).await;
    app.set_now("2026-11-25T12:10:00Z");
    let slug = group(&app, &cal, "Night shift", "public", "open").await;
    join(&app, &ben, &slug, None).await;
    join(&app, &ana, &slug, None).await;
    let t = thread(
        &app,
        &ben,
        &slug,
        "Rough week",
        "Not sure I can keep going like this",
    )
    .await;
    let post = t["posts"][0]["id"].as_str().unwrap().to_owned();
    let filed = report(&app, &ana, json!({"kind": "group_post", "id": post, "category": "at_risk", "reason": "I'm worried about ben"})).await;
    assert!(
        filed["crisis_resources"]
            .as_array()
            .is_some_and(|l| !l.is_empty()),
        "someone at risk: the reporter sees the crisis lines at once: {filed}"
    );
    app.set_now("2026-11-25T12:15:00Z");
    // A group report the group's organiser passes up.
    let (s, gr) = app
        .post(
            &format!("/api/v1/groups/{slug}/reports"),
            &ana,
            json!({"member": "ben", "reason": "Keeps messaging people to buy things"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{gr}");
    let (s, body) = app
        .post(
            &format!(
                "/api/v1/groups/{slug}/reports/{}/resolve",
                gr["id"].as_str().unwrap()
            ),
            &cal,
            json!({"action": "escalate", "reason": "Happens in other groups too"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");

    let q = queue(&app, &mo).await;
    let order: Vec<(&str, &str)> = q
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["category"].as_str().unwrap()))
        .collect();
    assert_eq!(
        order,
        [
            ("group_post", "at_risk"),
            ("message", "harassment"),
            ("member", "other"),
            ("member", "spam"),
        ],
        "risk first, then age"
    );
    assert_eq!(q[0]["member"], "ben");
    assert_eq!(q[0]["reporter"], "ana");
    assert_eq!(q[0]["content"], "Not sure I can keep going like this");
    assert_eq!(q[0]["group"], slug);
    assert_eq!(q[0]["reason"], "I'm worried about ben");
    assert_eq!(q[1]["content"], "You are pathetic and everyone knows it");
    assert_eq!(q[2]["source"], "group");
    assert_eq!(q[2]["note"], "Happens in other groups too");
    assert_eq!(q[2]["reason"], "Keeps messaging people to buy things");
    assert_eq!(q[3]["source"], "member");
    assert!(q.iter().all(|r| r["reports_about_member"] == 4), "{q:?}");
    // The same queue for the admin; both were told (once an hour).
    assert_eq!(queue(&app, &keeper).await.len(), 4);
    assert_eq!(app.notices_of(&mo, "report").await.len(), 1);
    assert_eq!(app.notices_of(&keeper, "report").await.len(), 1);
    // Nobody else sees it; the member concerned is not told who reported.
    for t in [&ana, &ben, &cal] {
        let (s, body) = app.get("/api/v1/moderation/reports", t).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{body}");
        assert!(!body.to_string().contains("pathetic"));
    }
    assert!(app.notices_of(&ben, "report").await.is_empty());
}

async fn reports_check_their_input_and_what_the_reporter_can_see(b: Backend) {
    let Site {
        app, ana, ben, cal, ..
    } = site(b).await;
    let before = app.scalar("select count(*) from report").await;
    let bad = [
        json!({"kind": "member", "handle": "ben", "category": "rude", "reason": "x"}),
        json!({"kind": "everything", "handle": "ben", "category": "spam", "reason": "x"}),
        json!({"kind": "check_on_me", "handle": "ben", "category": "spam", "reason": "x"}),
        json!({"kind": "member", "handle": "ben", "category": "spam", "reason": "   "}),
        json!({"kind": "member", "handle": "ben", "category": "spam", "reason": "x".repeat(1001)}),
        json!({"kind": "member", "handle": "ben", "category": "spam", "reason": "a\u{0}b"}),
        json!({"kind": "member", "category": "spam", "reason": "no handle"}),
        json!({"kind": "message", "category": "spam", "reason": "no id"}),
        json!({"kind": "member", "handle": "ana", "category": "spam", "reason": "myself"}),
    ];
    for body in bad {
        let (s, e) = app.post("/api/v1/reports", &ana, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body} -> {e}");
        assert_eq!(e["error"]["code"], "validation_failed");
    }
    let (s, _) = app.post("/api/v1/reports", &ana, json!({"kind": "member", "handle": "ben", "unknown": 1, "category": "spam", "reason": "x"})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .call(
            reqwest::Method::POST,
            "/api/v1/reports",
            None,
            Some(json!({"kind": "member", "handle": "ben", "category": "spam", "reason": "x"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // What the reporter cannot see answers as if it did not exist.
    let to_cal = send(&app, &ben, "cal", "hello cal").await;
    let mine = send(&app, &ana, "ben", "hello ben").await;
    let slug = group(&app, &ben, "Invite only", "unlisted", "invite").await;
    let t = thread(&app, &ben, &slug, "Members only", "a post ana can't see").await;
    let post = t["posts"][0]["id"].as_str().unwrap();
    let (s, r) = app
        .post(
            "/api/v1/help-requests",
            &ben,
            json!({"what": "A lift", "to": ["cal"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let help = r["id"].as_str().unwrap();
    for body in [
        json!({"kind": "message", "id": to_cal, "category": "spam", "reason": "not mine"}),
        json!({"kind": "message", "id": mine, "category": "spam", "reason": "I sent it"}),
        json!({"kind": "group_post", "id": post, "category": "spam", "reason": "not in it"}),
        json!({"kind": "help_request", "id": help, "category": "spam", "reason": "not asked"}),
        json!({"kind": "member", "handle": "nobody-here", "category": "spam", "reason": "who"}),
    ] {
        let (s, e) = app.post("/api/v1/reports", &ana, body.clone()).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{body} -> {e}");
    }
    assert_eq!(
        app.scalar("select count(*) from report").await,
        before,
        "nothing stored"
    );
    // Cal was asked: cal may report it; twice is a conflict.
    let body =
        json!({"kind": "help_request", "id": help, "category": "other", "reason": "Odd request"});
    report(&app, &cal, body.clone()).await;
    let (s, e) = app.post("/api/v1/reports", &cal, body).await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["error"]["code"], "already_reported");
    assert_eq!(app.scalar("select count(*) from report").await, before + 1);
}

async fn actions_are_logged_told_to_the_member_and_hide_content(b: Backend) {
    let Site {
        app,
        ana,
        ben,
        cal,
        mo,
        ..
    } = site(b).await;
    let msg = send(&app, &ben, "ana", "Nasty words here").await;
    report(
        &app,
        &ana,
        json!({"kind": "message", "id": msg, "category": "harassment", "reason": "Nasty"}),
    )
    .await;
    let (s, r) = app
        .post(
            "/api/v1/help-requests",
            &ben,
            json!({"what": "Buy my stuff at a discount", "to": ["cal"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{r}");
    let help = r["id"].as_str().unwrap().to_owned();
    report(
        &app,
        &cal,
        json!({"kind": "help_request", "id": help, "category": "spam", "reason": "Selling"}),
    )
    .await;
    report(&app, &cal, json!({"kind": "member", "handle": "ana", "category": "other", "reason": "Probably a misunderstanding"})).await;
    let q = queue(&app, &mo).await;
    let id_of = |kind: &str| {
        q.iter().find(|r| r["kind"] == kind).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (on_msg, on_help, on_ana) = (id_of("message"), id_of("help_request"), id_of("member"));

    // Bad actions change nothing.
    for body in [
        json!({"action": "explode", "reason": "x"}),
        json!({"action": "hide"}),
        json!({"action": "suspend", "reason": "x"}),
        json!({"action": "suspend", "reason": "x", "days": 0}),
        json!({"action": "warn", "reason": "x", "days": 3}),
        json!({"action": "checked"}),
        json!({"action": "lift"}),
    ] {
        let (s, e) = act(&app, &mo, &on_msg, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body} -> {e}");
    }
    let (s, _) = act(&app, &mo, &on_ana, json!({"action": "hide", "reason": "x"})).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a member report has nothing to hide"
    );
    let (s, _) = act(&app, &ana, &on_msg, json!({"action": "dismiss"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "members do not moderate");
    assert_eq!(queue(&app, &mo).await.len(), 3);

    // Hide the message: the conversation keeps its place, not its words.
    let (s, r) = act(
        &app,
        &mo,
        &on_msg,
        json!({"action": "hide", "reason": "Insults are not OK here."}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "actioned");
    assert_eq!(r["content_hidden"], true);
    for t in [&ana, &ben] {
        let (_, page) = app.get("/api/v1/conversations/ana/messages", t).await;
        let page = if page["messages"].is_null() {
            app.get("/api/v1/conversations/ben/messages", t).await.1
        } else {
            page
        };
        let m = page["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == msg.as_str())
            .unwrap()
            .clone();
        assert_eq!(m["hidden"], true);
        assert_eq!(m["body"], "");
    }
    let told = app.notices_of(&ben, "moderation").await;
    assert_eq!(told.len(), 1);
    assert!(
        told[0]["text"]
            .as_str()
            .unwrap()
            .contains("Insults are not OK here."),
        "{told:?}"
    );
    // The open report about ben now shows what was done about him.
    let q = queue(&app, &mo).await;
    let about_ben = q.iter().find(|r| r["kind"] == "help_request").unwrap();
    assert_eq!(about_ben["history"][0]["action"], "hide", "{about_ben}");
    assert_eq!(
        about_ben["history"][0]["reason"],
        "Insults are not OK here."
    );
    let about_ana = q.iter().find(|r| r["kind"] == "member").unwrap();
    assert_eq!(about_ana["history"], json!([]), "nothing done about ana");
    // Acting again on a closed report is a conflict.
    let (s, e) = act(
        &app,
        &mo,
        &on_msg,
        json!({"action": "warn", "reason": "again"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{e}");

    // Hide the help request: gone for those asked, still there for ben.
    let (s, _) = act(
        &app,
        &mo,
        &on_help,
        json!({"action": "hide", "reason": "Selling isn't what help requests are for."}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .get(&format!("/api/v1/help-requests/{help}"), &cal)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, lists) = app.get("/api/v1/help-requests", &cal).await;
    assert!(!lists.to_string().contains("discount"), "{lists}");
    let (s, _) = app
        .get(&format!("/api/v1/help-requests/{help}"), &ben)
        .await;
    assert_eq!(s, StatusCode::OK);

    // Dismiss: no notice to ana.
    let (s, r) = act(
        &app,
        &mo,
        &on_ana,
        json!({"action": "dismiss", "reason": "Nothing against the guidelines"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "dismissed");
    assert!(app.notices_of(&ana, "moderation").await.is_empty());
    assert!(queue(&app, &mo).await.is_empty());

    // Warn without a report; the log holds every action, newest first.
    app.set_now("2026-11-25T12:01:00Z");
    let (s, history) = app
        .post(
            "/api/v1/moderation/members/ben/actions",
            &mo,
            json!({"action": "warn", "reason": "Please keep it kind."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{history}");
    assert_eq!(history.as_array().unwrap().len(), 3, "{history}");
    let (s, log) = app.get("/api/v1/moderation/log", &mo).await;
    assert_eq!(s, StatusCode::OK);
    let actions: Vec<(&str, &str, &str)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["action"].as_str().unwrap(),
                l["member"].as_str().unwrap(),
                l["by"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        [
            ("warn", "ben", "moda"),
            ("dismiss", "ana", "moda"),
            ("hide", "ben", "moda"),
            ("hide", "ben", "moda")
        ]
    );
    assert_eq!(log[0]["reason"], "Please keep it kind.");
    assert!(log[0]["at"].is_string());
    let warned = app.notices_of(&ben, "moderation").await;
    assert!(
        warned[0]["text"]
            .as_str()
            .unwrap()
            .contains("warning: Please keep it kind."),
        "{warned:?}"
    );
    assert_eq!(warned[0]["link"], "/settings/safety");
}

async fn a_suspended_member_can_read_and_leave_but_not_reach_others(b: Backend) {
    let Site {
        app,
        ana,
        ben,
        cal,
        mo,
        ..
    } = site(b).await;
    let slug = group(&app, &cal, "Morning group", "public", "open").await;
    join(&app, &ben, &slug, None).await;
    let t = thread(&app, &cal, &slug, "Welcome", "Say hello").await;
    let tid = t["thread"]["id"].as_str().unwrap().to_owned();
    let (s, body) = app
        .put("/api/v1/me/profile", &ben, json!({"discoverable": true}))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    const BEN_LISTED: &str =
        "select count(*) from discovery_card c join member m on m.id = c.member_id
        where m.handle = 'ben'";
    assert_eq!(app.scalar(BEN_LISTED).await, 1);
    let (s, history) = app
        .post(
            "/api/v1/moderation/members/ben/actions",
            &mo,
            json!({"action": "suspend", "reason": "Repeated insults.", "days": 3}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{history}");
    assert_eq!(history[0]["until"], "2026-11-28T12:00:00Z");
    let (_, standing) = app.get("/api/v1/me/standing", &ben).await;
    assert_eq!(standing["state"], "suspended");
    assert_eq!(
        app.scalar(BEN_LISTED).await,
        0,
        "out of discovery while suspended"
    );
    assert_eq!(standing["suspended_until"], "2026-11-28T12:00:00Z");
    let told = app.notices_of(&ben, "moderation").await;
    assert!(
        told[0]["text"]
            .as_str()
            .unwrap()
            .contains("paused until 28 November 2026"),
        "{told:?}"
    );

    let messages_before = app.scalar("select count(*) from message").await;
    let refused: Vec<(&str, String, Value)> = vec![
        (
            "message",
            "/api/v1/conversations/ana/messages".into(),
            json!({"body": "hi"}),
        ),
        (
            "group thread",
            format!("/api/v1/groups/{slug}/threads"),
            json!({"title": "t", "body": "b"}),
        ),
        (
            "group reply",
            format!("/api/v1/groups/{slug}/threads/{tid}/posts"),
            json!({"body": "b"}),
        ),
        (
            "new group",
            "/api/v1/groups".into(),
            json!({"name": "Mine", "kind": "online", "visibility": "public", "join": "open"}),
        ),
        (
            "help request",
            "/api/v1/help-requests".into(),
            json!({"what": "A lift"}),
        ),
        (
            "encouragement",
            "/api/v1/encouragements".into(),
            json!({"to": "ana", "body": "go you"}),
        ),
        (
            "connection",
            "/api/v1/connections".into(),
            json!({"handle": "moda", "relationship": "peer"}),
        ),
        (
            "invite link",
            "/api/v1/invites".into(),
            json!({"relationship": "peer"}),
        ),
    ];
    for (what, path, body) in refused {
        let (s, e) = app.post(&path, &ben, body).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{what}: {e}");
        assert_eq!(e["error"]["code"], "suspended", "{what}: {e}");
        assert!(
            e["error"]["message"]
                .as_str()
                .unwrap()
                .contains("28 November 2026"),
            "{e}"
        );
    }
    let (s, e) = app
        .put("/api/v1/me/profile", &ben, json!({"bio": "new bio"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    // Showing more is refused; hiding more never is.
    for wider in [
        json!({"discoverable": true}),
        json!({"visibility": {"bio": "members"}}),
        json!({"focus": ["alcohol"]}),
    ] {
        let (s, e) = app.put("/api/v1/me/profile", &ben, wider.clone()).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{wider}: {e}");
    }
    let (s, p) = app
        .put(
            "/api/v1/me/profile",
            &ben,
            json!({"visibility": {"bio": "me", "clocks": "me"}}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["visibility"]["clocks"], "me");
    assert_eq!(
        app.scalar("select count(*) from message").await,
        messages_before
    );
    // Reaching out: refused, with the crisis lines, and a moderator told.
    let (s, e) = app
        .post("/api/v1/reachouts", &ben, json!({"note": "rough night"}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{e}");
    assert!(
        e["crisis_resources"]
            .as_array()
            .is_some_and(|l| !l.is_empty()),
        "{e}"
    );
    assert_eq!(app.notices_of(&mo, "reach_out_restricted").await.len(), 1);
    // What stays open: logging in, reading, their own data, export, erasure.
    let again = app.token("ben").await;
    for path in [
        "/api/v1/resources",
        "/api/v1/me",
        "/api/v1/me/export",
        "/api/v1/me/access-log",
        "/api/v1/notices",
        "/api/v1/conversations",
        "/api/v1/me/standing",
    ] {
        let (s, body) = app.get(path, &again).await;
        assert_eq!(s, StatusCode::OK, "{path}: {body}");
    }
    let (s, c) = app
        .post("/api/v1/checkins", &again, json!({"mood": 3, "craving": 2}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "their own check-in: {c}");
    let (s, body) = app
        .put("/api/v1/me/check-on-me", &again, json!({"enabled": true}))
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // Others can still write to a suspended member.
    send(&app, &ana, "ben", "thinking of you").await;
    // The suspension ends by itself.
    app.set_now("2026-11-28T12:00:01Z");
    let (_, standing) = app.get("/api/v1/me/standing", &ben).await;
    assert_eq!(standing["state"], "active");
    send(&app, &ben, "ana", "I'm back, and sorry").await;
    // Housekeeping puts them back in discovery (once, whoever runs it).
    assert_eq!(
        belay::moderation::service::lapse_suspensions(&app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        belay::moderation::service::lapse_suspensions(&app.state)
            .await
            .unwrap(),
        0
    );
    assert_eq!(app.scalar(BEN_LISTED).await, 1);
}

async fn a_ban_lasts_until_lifted_and_nobody_acts_on_themselves_or_an_admin(b: Backend) {
    let Site {
        app,
        ben,
        mo,
        keeper,
        ..
    } = site(b).await;
    let member_actions = |who: &'static str| format!("/api/v1/moderation/members/{who}/actions");
    let (s, _) = app
        .post(
            &member_actions("ben"),
            &mo,
            json!({"action": "ban", "reason": "Threats."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    app.set_now("2027-11-25T12:00:00Z");
    let (s, e) = app
        .post(
            "/api/v1/conversations/ana/messages",
            &ben,
            json!({"body": "hi"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(e["error"]["code"], "banned");
    let (_, standing) = app.get("/api/v1/me/standing", &ben).await;
    assert_eq!(standing["state"], "banned");
    let (s, p) = app
        .put("/api/v1/me/profile", &ben, json!({"discoverable": false}))
        .await;
    assert_eq!(s, StatusCode::OK, "a banned member can still hide: {p}");
    let (s, _) = app
        .put("/api/v1/me/profile", &ben, json!({"discoverable": true}))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, e) = app
        .post(&member_actions("ana"), &mo, json!({"action": "lift"}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "ana is not restricted: {e}");
    let (s, _) = app
        .post(&member_actions("ben"), &mo, json!({"action": "lift"}))
        .await;
    assert_eq!(s, StatusCode::OK);
    send(&app, &ben, "ana", "thank you for the second chance").await;
    let lifted = app.notices_of(&ben, "moderation").await;
    assert!(
        lifted[0]["text"].as_str().unwrap().contains("Welcome back"),
        "{lifted:?}"
    );

    // Nobody acts on themselves or an admin; only admins act on moderators.
    let (s, _) = app
        .post(
            &member_actions("moda"),
            &mo,
            json!({"action": "warn", "reason": "me"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .post(
            &member_actions("keeper"),
            &mo,
            json!({"action": "ban", "reason": "coup"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    make_moderator(&app, "ana").await;
    let ana = app.token("ana").await;
    let (s, _) = app
        .post(
            &member_actions("moda"),
            &ana,
            json!({"action": "suspend", "reason": "x", "days": 1}),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "a moderator does not act on a moderator"
    );
    let (s, _) = app
        .post(
            &member_actions("moda"),
            &keeper,
            json!({"action": "suspend", "reason": "Needs a break.", "days": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "an admin does");
    let (s, _) = app
        .post(
            &member_actions("nobody-here"),
            &keeper,
            json!({"action": "warn", "reason": "x"}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, log) = app.get("/api/v1/moderation/log", &keeper).await;
    assert_eq!(
        log.as_array().unwrap().len(),
        3,
        "ban, lift, suspend: {log}"
    );
}

async fn check_on_me_is_opt_in_and_never_shows_what_was_written(b: Backend) {
    let Site {
        app, ana, ben, mo, ..
    } = site(b).await;
    let secret = "I want to die, nobody would notice";
    send(&app, &ana, "ben", secret).await;
    assert!(
        queue(&app, &mo).await.is_empty(),
        "not without their choice"
    );
    let (s, standing) = app
        .put("/api/v1/me/check-on-me", &ana, json!({"enabled": true}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(standing["moderators_may_check"], true);
    let (s, _) = app
        .put("/api/v1/me/check-on-me", &ana, json!({"enabled": "yes"}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    send(&app, &ana, "ben", "just saying hello").await;
    assert!(queue(&app, &mo).await.is_empty(), "only what screens high");
    send(&app, &ana, "ben", secret).await;
    let q = queue(&app, &mo).await;
    assert_eq!(q.len(), 1, "{q:?}");
    assert_eq!(q[0]["kind"], "check_on_me");
    assert_eq!(q[0]["member"], "ana");
    assert_eq!(q[0]["risk"], 3);
    assert_eq!(q[0]["source"], "opt_in");
    assert!(q[0]["content"].is_null());
    assert!(q[0]["reporter"].is_null());
    assert!(
        !q.iter()
            .any(|r| r.to_string().contains("nobody would notice"))
    );
    // Once a day at most.
    send(&app, &ana, "ben", secret).await;
    assert_eq!(queue(&app, &mo).await.len(), 1);
    let id = q[0]["id"].as_str().unwrap();
    let (s, _) = act(&app, &mo, id, json!({"action": "warn", "reason": "no"})).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a check is never acted on"
    );
    let (s, r) = act(
        &app,
        &mo,
        id,
        json!({"action": "checked", "reason": "Messaged her, she's with a friend"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["state"], "actioned");
    assert!(app.notices_of(&ana, "moderation").await.is_empty());
    // A moderator can write to someone who asked to be checked on? Only if
    // connected: the check gives no new way in.
    let (s, _) = app
        .post(
            "/api/v1/conversations/ana/messages",
            &mo,
            json!({"body": "checking in"}),
        )
        .await;
    assert!(
        s == StatusCode::NOT_FOUND || s == StatusCode::FORBIDDEN,
        "{s}"
    );
    // Turning it off stops it, even the next day.
    app.put("/api/v1/me/check-on-me", &ana, json!({"enabled": false}))
        .await;
    app.set_now("2026-11-27T12:00:00Z");
    send(&app, &ana, "ben", secret).await;
    assert!(queue(&app, &mo).await.is_empty());
    let _ = ben;
}

async fn the_pages_report_act_and_show_standing(b: Backend) {
    use crate::support::{app::PASSWORD, browser::Browser};
    let Site { app, ben, .. } = site(b).await;
    let ana = Browser::new(&app);
    ana.log_in("ana", PASSWORD).await;
    // A report link on a message leads to the form.
    send(&app, &ben, "ana", "page-secret rude words").await;
    let thread = ana.get("/conversations/ben").await;
    assert!(
        thread.html.contains("/report?kind=message&amp;id="),
        "{}",
        thread.html
    );
    let form = ana.get("/report?kind=member&handle=ben").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.html.contains("Someone may be at risk of harm"));
    assert_eq!(
        ana.get("/report?kind=nonsense").await.status,
        StatusCode::NOT_FOUND
    );
    // A bad form says what is wrong and stores nothing.
    let csrf = form.csrf();
    let page = ana
        .post(
            "/report",
            &[
                ("csrf", &csrf),
                ("kind", "member"),
                ("handle", "ben"),
                ("category", "other"),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.html.contains("reason: is required"), "{}", page.html);
    assert_eq!(app.scalar("select count(*) from report").await, 0);
    let page = ana
        .post(
            "/report",
            &[
                ("csrf", &csrf),
                ("kind", "member"),
                ("handle", "ben"),
                ("category", "at_risk"),
                ("reason", "He said he has given up"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("Thank you for telling us") && page.html.contains("988"));
    // The moderator's queue and its form.
    let moda = Browser::new(&app);
    moda.log_in("moda", PASSWORD).await;
    let queue = moda.get("/admin/moderation").await;
    assert!(
        queue.html.contains("Someone may be at risk")
            && queue.html.contains("He said he has given up")
    );
    let id: String = {
        let (_, q) = app
            .get("/api/v1/moderation/reports", &app.token("moda").await)
            .await;
        q[0]["id"].as_str().unwrap().to_owned()
    };
    let csrf = queue.csrf();
    let bad = moda
        .post(
            &format!("/admin/moderation/reports/{id}"),
            &[
                ("csrf", &csrf),
                ("action", "suspend"),
                ("reason", "x"),
                ("days", "many"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.html.contains("days: must be a whole number"),
        "{}",
        bad.html
    );
    let done = moda
        .post(
            &format!("/admin/moderation/reports/{id}"),
            &[
                ("csrf", &csrf),
                ("action", "warn"),
                ("reason", "Please reach out for support, not at people."),
                ("days", ""),
            ],
        )
        .await;
    assert_eq!(done.location(), Some("/admin/moderation"));
    let log = moda.get("/admin/moderation/log").await;
    assert!(
        log.html.contains("warn ben") && log.html.contains("Please reach out for support"),
        "{}",
        log.html
    );
    let lifted = moda
        .post(
            "/admin/moderation/members",
            &[
                ("csrf", &csrf),
                ("handle", "ben"),
                ("action", "suspend"),
                ("reason", "A pause."),
                ("days", "2"),
            ],
        )
        .await;
    assert_eq!(lifted.location(), Some("/admin/moderation/log"));
    // Ben sees where he stands; ana opts in to checks.
    let benb = Browser::new(&app);
    benb.log_in("ben", PASSWORD).await;
    let safety = benb.get("/settings/safety").await;
    assert!(
        safety
            .html
            .contains("Your account is paused until 27 November 2026"),
        "{}",
        safety.html
    );
    assert!(safety.html.contains("988"));
    let reply = benb
        .post(
            "/conversations/ana",
            &[("csrf", &safety.csrf()), ("body", "hello?")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.html);
    let mine = ana.get("/settings/safety").await;
    assert!(mine.html.contains("in good standing") && !mine.html.contains("checked>"));
    let saved = ana
        .post(
            "/settings/safety",
            &[("csrf", &mine.csrf()), ("check_on_me", "on")],
        )
        .await;
    assert_eq!(saved.location(), Some("/settings/safety"));
    let (_, standing) = app
        .get("/api/v1/me/standing", &app.token("ana").await)
        .await;
    assert_eq!(standing["moderators_may_check"], true);
}
