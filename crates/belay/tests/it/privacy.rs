//! Erasure: a member who deletes their account leaves nothing behind. The
//! real binary runs with debug logs; a member writes unique strings into
//! every field they can, deletes the account, the server stops normally,
//! and the strings are found nowhere: not in the database file, not in its
//! write-ahead log, not in any log line (and on PostgreSQL, in no row).

use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Backend, app::Storage, binary::start};

backend_tests!(
    an_erased_account_leaves_no_trace_in_the_database_or_the_logs,
    erasure_needs_the_password_and_can_keep_group_posts,
    reads_through_a_grant_are_in_the_owners_access_log,
    a_bio_in_crisis_language_shows_the_author_crisis_lines,
    the_export_holds_everything_of_mine_and_nothing_private_of_anyone_else,
    erasure_takes_only_notices_that_name_the_member,
    erasure_takes_the_jobs_for_what_the_member_owned_and_only_those,
    erasure_takes_the_notices_that_name_the_member_by_the_member_they_name,
    the_notice_migration_finds_the_member_each_notice_names,
);

const PASSWORD: &str = "zqxCanaryPassphrase-4417";
const FRIEND_PASSWORD: &str = "a calm friend's passphrase";

struct Api {
    http: Client,
    base: String,
}

impl Api {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    async fn ok(&self, method: Method, path: &str, token: &str, body: Value) -> Value {
        let (s, v) = self.call(method.clone(), path, Some(token), body).await;
        assert!(s.is_success(), "{method} {path}: {s} {v}");
        v
    }

    async fn account(&self, handle: &str, password: &str, email: Option<&str>) -> String {
        let (s, v) = self
            .call(Method::POST, "/api/v1/accounts", None, json!({"handle": handle, "password": password, "email": email, "time_zone": "America/Chicago"}))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (_, t) = self
            .call(
                Method::POST,
                "/api/v1/tokens",
                None,
                json!({"handle": handle, "password": password}),
            )
            .await;
        t["token"].as_str().unwrap().to_owned()
    }
}

/// Every string the member writes; none may survive the erasure.
const CANARIES: [&str; 25] = [
    "zqx_handle",
    "zqxmail@example.org",
    "zqxCanaryPassphrase-4417",
    "zqxbio",
    "zqxseeking",
    "zqxoffering",
    "zqxclocklabel",
    "2011-07-19",
    "zqxcheckinnote",
    "zqxgratitude",
    "zqxtrigger",
    "zqxgoaltitle",
    "zqxgoalwhy",
    "zqxprogressnote",
    "zqxmessage",
    "zqxencouragement",
    "zqxhelpwhat",
    "zqxhelpwhere",
    "zqxreachnote",
    "zqxthreadtitle",
    "zqxpostbody",
    "zqxreplybody",
    "zqxreportreason",
    "zqxinstancereport",
    "zqxoffernote",
];

async fn plant(api: &Api) -> (String, String) {
    let me = api
        .account("zqx_handle", PASSWORD, Some("zqxmail@example.org"))
        .await;
    let friend = api.account("steadyfriend", FRIEND_PASSWORD, None).await;
    let c = api
        .ok(
            Method::POST,
            "/api/v1/connections",
            &me,
            json!({"handle": "steadyfriend", "relationship": "peer"}),
        )
        .await;
    let conn = c["id"].as_str().unwrap().to_owned();
    api.ok(
        Method::POST,
        &format!("/api/v1/connections/{conn}/accept"),
        &friend,
        json!({}),
    )
    .await;
    let all = json!({"clocks": true, "checkins": true, "goals": true, "reach_out": true});
    api.ok(
        Method::PUT,
        &format!("/api/v1/connections/{conn}/grants"),
        &me,
        all.clone(),
    )
    .await;
    api.ok(
        Method::PUT,
        &format!("/api/v1/connections/{conn}/grants"),
        &friend,
        all,
    )
    .await;
    api.ok(
        Method::PUT,
        "/api/v1/me/profile",
        &me,
        json!({"bio": "zqxbio", "seeking": "zqxseeking", "offering": "zqxoffering"}),
    )
    .await;
    api.ok(
        Method::POST,
        "/api/v1/me/clocks",
        &me,
        json!({"label": "zqxclocklabel", "started_on": "2011-07-19"}),
    )
    .await;
    api.ok(Method::POST, "/api/v1/checkins", &me, json!({"mood": 3, "craving": 2, "note": "zqxcheckinnote", "gratitude": "zqxgratitude", "triggers": ["zqxtrigger"]})).await;
    let goal = api
        .ok(
            Method::POST,
            "/api/v1/goals",
            &me,
            json!({"title": "zqxgoaltitle", "why": "zqxgoalwhy", "cadence": "daily"}),
        )
        .await;
    api.ok(
        Method::POST,
        &format!("/api/v1/goals/{}/progress", goal["id"].as_str().unwrap()),
        &me,
        json!({"note": "zqxprogressnote"}),
    )
    .await;
    api.ok(
        Method::POST,
        "/api/v1/conversations/steadyfriend/messages",
        &me,
        json!({"body": "zqxmessage"}),
    )
    .await;
    api.ok(
        Method::POST,
        "/api/v1/conversations/zqx_handle/messages",
        &friend,
        json!({"body": "a reply from a friend"}),
    )
    .await;
    api.ok(
        Method::POST,
        "/api/v1/encouragements",
        &me,
        json!({"to": "steadyfriend", "body": "zqxencouragement"}),
    )
    .await;
    api.ok(
        Method::POST,
        "/api/v1/help-requests",
        &me,
        json!({"what": "zqxhelpwhat", "where": "zqxhelpwhere"}),
    )
    .await;
    let fh = api
        .ok(
            Method::POST,
            "/api/v1/help-requests",
            &friend,
            json!({"what": "a lift on Sunday"}),
        )
        .await;
    api.ok(
        Method::POST,
        &format!(
            "/api/v1/help-requests/{}/offers",
            fh["id"].as_str().unwrap()
        ),
        &me,
        json!({"note": "zqxoffernote"}),
    )
    .await;
    api.ok(
        Method::PUT,
        "/api/v1/me/reach-out-settings",
        &friend,
        json!({"receives": true}),
    )
    .await;
    api.ok(
        Method::POST,
        "/api/v1/reachouts",
        &me,
        json!({"note": "zqxreachnote"}),
    )
    .await;
    let g = api
        .ok(
            Method::POST,
            "/api/v1/groups",
            &friend,
            json!({"name": "Friends", "kind": "peer", "visibility": "public", "join": "open"}),
        )
        .await;
    let slug = g["slug"].as_str().unwrap().to_owned();
    api.ok(
        Method::POST,
        &format!("/api/v1/groups/{slug}/join"),
        &me,
        json!({}),
    )
    .await;
    let t = api
        .ok(
            Method::POST,
            &format!("/api/v1/groups/{slug}/threads"),
            &me,
            json!({"title": "zqxthreadtitle", "body": "zqxpostbody"}),
        )
        .await;
    let tid = t["thread"]["id"].as_str().unwrap().to_owned();
    api.ok(
        Method::POST,
        &format!("/api/v1/groups/{slug}/threads/{tid}/posts"),
        &friend,
        json!({"body": "hello from a friend"}),
    )
    .await;
    let ft = api
        .ok(
            Method::POST,
            &format!("/api/v1/groups/{slug}/threads"),
            &friend,
            json!({"title": "Friday", "body": "who is in?"}),
        )
        .await;
    let fid = ft["thread"]["id"].as_str().unwrap().to_owned();
    api.ok(
        Method::POST,
        &format!("/api/v1/groups/{slug}/threads/{fid}/posts"),
        &me,
        json!({"body": "zqxreplybody"}),
    )
    .await;
    let fpost = ft["posts"][0]["id"].as_str().unwrap().to_owned();
    api.ok(
        Method::POST,
        &format!("/api/v1/groups/{slug}/reports"),
        &me,
        json!({"post": fpost, "reason": "zqxreportreason"}),
    )
    .await;
    api.ok(
        Method::POST,
        "/api/v1/reports",
        &me,
        json!({"kind": "member", "handle": "steadyfriend", "category": "other", "reason": "zqxinstancereport"}),
    )
    .await;
    api.ok(
        Method::PUT,
        "/api/v1/me/check-on-me",
        &me,
        json!({"enabled": true}),
    )
    .await;
    (me, friend)
}

fn stop_normally(server: &mut crate::support::binary::Server) {
    let pid = server.child.id().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let until = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < until {
        if let Ok(Some(_)) = server.child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("the server did not stop on SIGTERM");
}

async fn an_erased_account_leaves_no_trace_in_the_database_or_the_logs(b: Backend) {
    let storage = Storage::new(b).await;
    let mut server = start(&storage);
    let api = Api {
        http: Client::new(),
        base: server.base.clone(),
    };
    let (me, friend) = plant(&api).await;
    // Every planted string is in the database before (the check can fail).
    let (s, v) = api
        .call(
            Method::DELETE,
            "/api/v1/me",
            Some(&me),
            json!({"password": PASSWORD}),
        )
        .await;
    if s != StatusCode::OK {
        let log = server.log.lock().unwrap().clone();
        let errors: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("ERROR") || l.contains("error"))
            .collect();
        panic!("{v}\n{}", errors.join("\n"));
    }
    let (s, _) = api
        .call(Method::GET, "/api/v1/me", Some(&me), json!(null))
        .await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the token died with the account"
    );
    // The friend's own things stay; my reply in their thread is gone.
    let (s, groups) = api
        .call(Method::GET, "/api/v1/groups", Some(&friend), json!(null))
        .await;
    assert_eq!(s, StatusCode::OK);
    let slug = groups[0]["slug"].as_str().unwrap().to_owned();
    let (_, threads) = api
        .call(
            Method::GET,
            &format!("/api/v1/groups/{slug}/threads"),
            Some(&friend),
            json!(null),
        )
        .await;
    let titles: Vec<&str> = threads["threads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    assert!(titles.contains(&"Friday"), "{titles:?}");
    assert!(
        titles.contains(&"A thread by a former member"),
        "my thread stays for the friend's reply, without my title"
    );
    let token_canary = me.clone();
    stop_normally(&mut server);
    let log = server.log.lock().unwrap().clone();
    assert!(
        log.contains("account erased"),
        "the logs say what happened, not to whom"
    );
    let mut found: Vec<String> = Vec::new();
    for canary in CANARIES.iter().copied().chain([token_canary.as_str()]) {
        if log.contains(canary) {
            found.push(format!("log: {canary}"));
        }
    }
    match b {
        Backend::Sqlite => {
            let dir = storage.data_dir();
            for file in ["belay.db", "belay.db-wal"] {
                let Ok(bytes) = std::fs::read(dir.join(file)) else {
                    continue;
                };
                for canary in CANARIES {
                    if bytes.windows(canary.len()).any(|w| w == canary.as_bytes()) {
                        found.push(format!("{file}: {canary}"));
                    }
                }
            }
            assert!(
                std::fs::read(dir.join("belay.db")).unwrap().len() > 10_000,
                "the database is there"
            );
        }
        Backend::Postgres => {
            let pg = storage.pg.as_ref().unwrap();
            let pool = sqlx::PgPool::connect(&pg.url).await.unwrap();
            let columns: Vec<(String, String)> = sqlx::query_as(
                "select table_name::text, column_name::text from information_schema.columns
                 where table_schema = 'public' and data_type in ('text', 'character varying', 'jsonb', 'json', 'date')",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            assert!(columns.len() > 20);
            for (table, column) in columns {
                let sql = format!(
                    "select count(*) from \"{table}\" where \"{column}\"::text like '%zqx%' or \"{column}\"::text like '%2011-07-19%'"
                );
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                if n > 0 {
                    found.push(format!("{table}.{column}"));
                }
            }
        }
    }
    assert_eq!(found, Vec::<String>::new(), "erased strings were found");
}

async fn erasure_needs_the_password_and_can_keep_group_posts(b: Backend) {
    let app = crate::support::TestApp::spawn(b).await;
    let ana = app.member("ana").await;
    let ben = app.member("ben").await;
    let (_, g) = app
        .post(
            "/api/v1/groups",
            &ben,
            json!({"name": "Keepers", "kind": "peer", "visibility": "public", "join": "open"}),
        )
        .await;
    let slug = g["slug"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/groups/{slug}/join"), &ana, json!({}))
        .await;
    let (_, t) = app
        .post(
            &format!("/api/v1/groups/{slug}/threads"),
            &ana,
            json!({"title": "My story", "body": "what helped me"}),
        )
        .await;
    let tid = t["thread"]["id"].as_str().unwrap().to_owned();
    for body in [
        json!({"password": "wrong"}),
        json!({"password": ""}),
        json!({}),
    ] {
        let (s, _) = app
            .call(Method::DELETE, "/api/v1/me", Some(&ana), Some(body))
            .await;
        assert!(s == StatusCode::UNPROCESSABLE_ENTITY, "{s}");
    }
    let (s, _) = app.get("/api/v1/me", &ana).await;
    assert_eq!(s, StatusCode::OK, "nothing was deleted");
    let (s, _) = app
        .call(
            Method::DELETE,
            "/api/v1/me",
            Some(&ana),
            Some(json!({"password": crate::support::app::PASSWORD, "keep_posts": true})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, page) = app
        .get(&format!("/api/v1/groups/{slug}/threads/{tid}"), &ben)
        .await;
    assert_eq!(page["posts"][0]["author"], "a former member");
    assert_eq!(page["posts"][0]["body"], "what helped me");
    assert_eq!(page["thread"]["title"], "A thread by a former member");
    assert_eq!(app.scalar("select count(*) from member").await, 1);
    // The page asks for the password and a tick too.
    let browser = crate::support::browser::Browser::new(&app);
    browser.log_in("ben", crate::support::app::PASSWORD).await;
    let page = browser.get("/settings/delete").await;
    let csrf = page.csrf();
    let page = browser
        .post(
            "/settings/delete",
            &[("csrf", &csrf), ("password", crate::support::app::PASSWORD)],
        )
        .await;
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no tick, no deletion"
    );
    let page = browser
        .post(
            "/settings/delete",
            &[
                ("csrf", &csrf),
                ("password", crate::support::app::PASSWORD),
                ("confirm", "on"),
            ],
        )
        .await;
    assert!(page.status.is_redirection(), "{}", page.status);
    assert_eq!(app.scalar("select count(*) from member").await, 0);
    assert_eq!(
        app.scalar("select count(*) from peer_group").await,
        0,
        "a group nobody else is in goes too"
    );
}

async fn reads_through_a_grant_are_in_the_owners_access_log(b: Backend) {
    let app = crate::support::TestApp::spawn(b).await;
    app.set_now("2026-11-25T12:00:00Z");
    let ana = app.member("ana").await;
    let ben = app.member("ben").await;
    let cal = app.member("cal").await;
    let conn = app.connect(&ana, "ben", &ben, "peer").await;
    app.grant(
        &ana,
        &conn,
        json!({"clocks": true, "checkins": true, "goals": true, "reach_out": false}),
    )
    .await;
    app.post("/api/v1/checkins", &ana, json!({"mood": 4, "craving": 1}))
        .await;
    app.post(
        "/api/v1/me/clocks",
        &ana,
        json!({"label": "alcohol", "started_on": "2026-01-01"}),
    )
    .await;
    let (_, goal) = app
        .post(
            "/api/v1/goals",
            &ana,
            json!({"title": "Walk", "cadence": "daily"}),
        )
        .await;
    // My own reads are not logged; strangers get nothing and leave no row.
    app.get("/api/v1/members/ana/checkins", &ana).await;
    let (s, _) = app.get("/api/v1/members/ana/checkins", &cal).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for path in [
        "/api/v1/members/ana/checkins",
        "/api/v1/members/ana/checkins",
        "/api/v1/members/ana/goals",
    ] {
        let (s, _) = app.get(path, &ben).await;
        assert_eq!(s, StatusCode::OK, "{path}");
    }
    let (s, _) = app
        .get(
            &format!("/api/v1/goals/{}", goal["id"].as_str().unwrap()),
            &ben,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let browser = crate::support::browser::Browser::new(&app);
    browser.log_in("ben", crate::support::app::PASSWORD).await;
    assert_eq!(browser.get("/members/ana").await.status, StatusCode::OK);
    app.set_now("2026-11-25T12:05:00Z");
    app.get("/api/v1/members/ana/checkins/chart.svg", &ben)
        .await;
    let (s, log) = app.get("/api/v1/me/access-log", &ana).await;
    assert_eq!(s, StatusCode::OK);
    let rows: Vec<(String, String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["who"].as_str().unwrap().to_owned(),
                a["what"].as_str().unwrap().to_owned(),
                a["at"].as_str().unwrap()[11..16].to_owned(),
            )
        })
        .collect();
    assert!(rows.iter().all(|(who, _, _)| who == "ben"), "{rows:?}");
    let kinds: std::collections::BTreeSet<&str> = rows.iter().map(|(_, w, _)| w.as_str()).collect();
    assert_eq!(
        kinds,
        ["checkins", "clocks", "goals"].into_iter().collect(),
        "{rows:?}"
    );
    assert_eq!(
        rows.iter()
            .filter(|(_, w, t)| w == "checkins" && t == "12:00")
            .count(),
        1,
        "one row a minute"
    );
    assert_eq!(
        rows[0],
        ("ben".to_owned(), "checkins".to_owned(), "12:05".to_owned()),
        "newest first"
    );
    let (_, bens) = app.get("/api/v1/me/access-log", &ben).await;
    assert_eq!(bens.as_array().unwrap().len(), 0, "only the owner's log");
    let owner = crate::support::browser::Browser::new(&app);
    owner.log_in("ana", crate::support::app::PASSWORD).await;
    let page = owner.get("/settings/access-log").await;
    assert!(
        page.html.contains("looked at your check-ins"),
        "{}",
        page.html
    );
    // A viewer who leaves is "a former member".
    erase(&app, &ben).await;
    let (_, log) = app.get("/api/v1/me/access-log", &ana).await;
    assert_eq!(log[0]["who"], "a former member");
}

async fn a_bio_in_crisis_language_shows_the_author_crisis_lines(b: Backend) {
    let app = crate::support::TestApp::spawn(b).await;
    let ana = app.member("ana").await;
    let (s, p) = app
        .put(
            "/api/v1/me/profile",
            &ana,
            json!({"bio": "Three years sober, into hiking."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(p.get("crisis_resources").is_none());
    let (s, p) = app
        .put(
            "/api/v1/me/profile",
            &ana,
            json!({"bio": "Some days I want to die."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "saved as written, nothing blocked");
    assert!(
        p["crisis_resources"]
            .as_array()
            .is_some_and(|l| !l.is_empty())
    );
    assert_eq!(p["bio"], "Some days I want to die.");
}

async fn the_export_holds_everything_of_mine_and_nothing_private_of_anyone_else(b: Backend) {
    let app = crate::support::TestApp::spawn(b).await;
    let api = Api {
        http: Client::new(),
        base: app.base.clone(),
    };
    let (me, friend) = plant(&api).await;
    // The friend's own private things.
    api.ok(
        Method::PUT,
        "/api/v1/me/profile",
        &friend,
        json!({"bio": "friendprivatebio"}),
    )
    .await;
    api.ok(
        Method::POST,
        "/api/v1/checkins",
        &friend,
        json!({"mood": 2, "craving": 5, "note": "friendprivatenote"}),
    )
    .await;
    api.ok(
        Method::POST,
        "/api/v1/goals",
        &friend,
        json!({"title": "friendgoal", "why": "friendprivatewhy", "cadence": "daily"}),
    )
    .await;
    api.ok(
        Method::GET,
        "/api/v1/members/zqx_handle/checkins",
        &friend,
        json!(null),
    )
    .await;
    // The reach-out's first step asks the friend.
    app.run_due_jobs().await;
    // A moderator's warning: the member sees what and why, not who.
    let moderator = app.member("quietmoderator").await;
    app.make_admin("quietmoderator").await;
    let (s, body) = app
        .post(
            "/api/v1/moderation/members/zqx_handle/actions",
            &moderator,
            json!({"action": "warn", "reason": "Please keep it kind."}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, doc) = app.get("/api/v1/me/export", &me).await;
    assert_eq!(s, StatusCode::OK, "{doc}");
    assert_eq!(doc["schema_version"], "belay-export/1");
    assert!(
        !doc.to_string().contains("quietmoderator"),
        "moderators stay unnamed"
    );
    let data = &doc["data"];
    let text = data.to_string();
    for canary in CANARIES.iter().filter(|c| **c != PASSWORD) {
        assert!(text.contains(canary), "{canary} is missing from the export");
    }
    assert!(!text.contains(PASSWORD), "no password, not even hashed");
    assert!(!text.contains("argon2"), "no password hash");
    for private in [
        "friendprivatebio",
        "friendprivatenote",
        "friendprivatewhy",
        "friendgoal",
    ] {
        assert!(
            !text.contains(private),
            "{private}: another member's private row is in my export"
        );
    }
    // Every table is either in the export or set aside here with the reason:
    // a new table fails this test until someone decides.
    let exported: &[(&str, &str)] = &[
        ("member", "account"),
        ("profile", "profile"),
        ("capacity", "capacities"),
        ("api_token", "api_tokens"),
        ("clock", "clocks"),
        ("clock_reset", "clock_resets"),
        ("connection", "connections"),
        ("connection_grant", "sharing_given"),
        ("block", "blocks"),
        ("invite", "invites"),
        ("message", "messages"),
        ("checkin", "checkins"),
        ("checkin_setting", "checkin_settings"),
        ("risk_signal", "risk_signals"),
        ("goal", "goals"),
        ("goal_progress", "goal_progress"),
        ("encouragement", "encouragement_sent"),
        ("help_request", "help_requests"),
        ("help_recipient", "help_asked"),
        ("help_offer", "help_offers"),
        ("reach_out", "reach_outs"),
        ("reach_out_recipient", "reach_out_asked"),
        ("reach_out_setting", "reach_out_settings"),
        ("group_member", "groups"),
        ("group_post", "group_posts"),
        ("group_thread", "group_posts"),
        ("group_report", "group_reports"),
        ("notice", "notices"),
        ("access_log", "access_log"),
        ("report", "reports_filed"),
        ("moderation_action", "moderation"),
    ];
    let set_aside: &[(&str, &str)] = &[
        ("session", "login sessions: only hashes of secrets"),
        ("calendar_token", "a hash of the calendar feed's secret"),
        ("job", "the server's work queue"),
        (
            "event",
            "live-delivery copies of notices and messages, pruned after a week",
        ),
        ("discovery_card", "an index derived from the profile"),
        ("discovery_tag", "an index derived from the profile"),
        (
            "checkin_streak",
            "derived from the check-ins, which are exported",
        ),
        (
            "feed_item",
            "derived from clocks and goal progress, which are exported",
        ),
        (
            "feed_entry",
            "an index of the feed items my grants showed others",
        ),
        (
            "reach_out_step",
            "the ladder's schedule; who was asked is in reach_out_asked",
        ),
        (
            "peer_group",
            "the group itself belongs to its members; membership is in groups",
        ),
        ("group_invite", "hashes of a group's invite codes"),
        ("group_thread_read", "read markers"),
        (
            "group_mod_log",
            "the group's record of its moderators' actions",
        ),
        ("meeting", "a group's meetings, public or the group's"),
        (
            "meeting_exception",
            "a group's meetings, public or the group's",
        ),
        ("resource", "the instance's resources page"),
        (
            "meeting_version",
            "one number the meeting caches are kept by",
        ),
    ];
    for (table, section) in exported {
        assert!(
            data.get(*section).is_some(),
            "{table}: no section {section}"
        );
    }
    let mut decided: Vec<&str> = exported.iter().chain(set_aside).map(|(t, _)| *t).collect();
    decided.sort_unstable();
    decided.dedup();
    assert_eq!(
        decided,
        tables(&app).await,
        "a table is neither exported nor set aside"
    );
    // Section by section: every row of mine is there.
    let count = |name: &str| data[name].as_array().map(Vec::len).unwrap_or(0);
    for (name, want) in [
        ("account", 1),
        ("profile", 1),
        ("clocks", 1),
        ("connections", 1),
        ("sharing_given", 1),
        ("sharing_received", 1),
        ("messages", 2),
        ("checkins", 1),
        ("goals", 1),
        ("goal_progress", 1),
        ("encouragement_sent", 1),
        ("help_requests", 1),
        ("help_offers", 1),
        ("reach_outs", 1),
        ("reach_out_asked", 1),
        ("help_asked", 1),
        ("groups", 1),
        ("group_posts", 2),
        ("group_reports", 1),
        ("reports_filed", 1),
        ("moderation", 1),
        ("access_log", 1),
    ] {
        assert_eq!(count(name), want, "{name}: {}", data[name]);
    }
    assert_eq!(data["account"][0]["email"], "zqxmail@example.org");
    assert_eq!(data["clocks"][0]["started_on"], "2011-07-19");
    assert_eq!(data["checkins"][0]["mood"], 3);
    assert_eq!(data["access_log"][0]["who"], "steadyfriend");
    // Booleans are JSON booleans on both backends (SQLite keeps 0 and 1).
    assert_eq!(data["account"][0]["moderators_may_check"], json!(true));
    assert_eq!(data["profile"][0]["discoverable"], json!(false));
    assert_eq!(data["sharing_given"][0]["clocks"], json!(true));
    assert_eq!(data["reports_filed"][0]["about_member"], "steadyfriend");
    assert!(count("notices") >= 1);
    // The readable page and the download.
    let browser = crate::support::browser::Browser::new(&app);
    browser.log_in("zqx_handle", PASSWORD).await;
    let page = browser.get("/settings/export").await;
    assert!(page.html.contains("zqxcheckinnote") && page.html.contains("Download all my data"));
    let file = browser.get("/settings/export.json").await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.html.contains("\"schema_version\": \"belay-export/1\""));
    // The archive: the same document, and a readable page beside it.
    let res = app
        .http
        .get(app.url("/api/v1/me/export/archive"))
        .bearer_auth(&me)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let bytes = res.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut names: Vec<String> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
    names.sort();
    assert_eq!(
        names,
        ["belay-export/export.html", "belay-export/export.json"]
    );
    let read = |zip: &mut zip::ZipArchive<_>, name: &str| {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut out).unwrap();
        out
    };
    let json_doc: Value =
        serde_json::from_str(&read(&mut zip, "belay-export/export.json")).unwrap();
    assert_eq!(json_doc["schema_version"], "belay-export/1");
    assert_eq!(
        json_doc["data"], doc["data"],
        "the archive holds the same document"
    );
    let html = read(&mut zip, "belay-export/export.html");
    for canary in CANARIES.iter().filter(|c| **c != PASSWORD) {
        assert!(
            html.contains(canary),
            "{canary} is missing from the readable page"
        );
    }
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "nothing loaded from anywhere"
    );
    for private in ["friendprivatebio", "friendprivatenote"] {
        assert!(!html.contains(private));
    }
    let archive = browser.get("/settings/export.zip").await;
    assert_eq!(archive.status, StatusCode::OK);
}

/// Every table of the schema, sorted.
async fn tables(app: &crate::support::TestApp) -> Vec<&'static str> {
    let names: Vec<String> = match &app.state.db {
        belay::db::Db::Sqlite(s) => sqlx::query_scalar(
            "select name from sqlite_master where type = 'table'
             and name not like '\\_sqlx%' escape '\\' and name not like 'sqlite\\_%' escape '\\'",
        )
        .fetch_all(&s.read)
        .await
        .unwrap(),
        belay::db::Db::Postgres(p) => sqlx::query_scalar(
            "select table_name::text from information_schema.tables
             where table_schema = current_schema() and table_type = 'BASE TABLE'
               and table_name not like '\\_sqlx%'",
        )
        .fetch_all(p)
        .await
        .unwrap(),
    };
    let mut names: Vec<&'static str> = names.into_iter().map(|n| &*n.leak()).collect();
    names.sort_unstable();
    names
}

/// Erasure takes other members' notices that name the erased member, and
/// only those: a handle that happens to equal some other value in a
/// notice (here a risk rule's name) takes nothing of anyone else's.
async fn erasure_takes_only_notices_that_name_the_member(b: Backend) {
    let app = crate::support::TestApp::spawn(b).await;
    let ana = app.member("ana").await;
    let namesake = app.member("high_craving").await;
    let (s, _) = app
        .post("/api/v1/checkins", &ana, json!({"mood": 3, "craving": 9}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(app.notices_of(&ana, "risk_prompt").await.len(), 1);
    // A notice that does name the member goes with them.
    let ben = app.member("ben").await;
    let connection = app.connect(&namesake, "ben", &ben, "peer").await;
    encourage(&app, &namesake, "ben").await;
    let named = app.notices_of(&ben, "encouragement").await.len();
    assert!(named >= 1, "ben was told ({connection})");
    erase(&app, &namesake).await;
    assert_eq!(
        app.notices_of(&ana, "risk_prompt").await.len(),
        1,
        "ana's prompt to reach out is hers, not the erased member's"
    );
    assert_eq!(app.notices_of(&ben, "encouragement").await.len(), 0);
}

/// Pending jobs for what the erased member owned (here each clock's next
/// milestone) go with them; another member's stay.
async fn erasure_takes_the_jobs_for_what_the_member_owned_and_only_those(b: Backend) {
    let app = crate::support::TestApp::spawn(b).await;
    let mut clocks = Vec::new();
    for handle in ["leaving", "staying"] {
        let token = app.member(handle).await;
        let (s, clock) = app
            .post(
                "/api/v1/me/clocks",
                &token,
                json!({"label": "alcohol", "started_on": "2026-06-01"}),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{clock}");
        clocks.push((token, clock["id"].as_str().unwrap().to_owned()));
    }
    let jobs_naming = |id: String| {
        let db = app.state.db.clone();
        async move {
            let sql = "select count(*) from job where cast(payload as text) like $1";
            let pattern = format!("%{id}%");
            let n: i64 = match &db {
                belay::db::Db::Sqlite(s) => {
                    sqlx::query_scalar(sql)
                        .bind(pattern)
                        .fetch_one(&s.read)
                        .await
                }
                belay::db::Db::Postgres(p) => {
                    sqlx::query_scalar(sql).bind(pattern).fetch_one(p).await
                }
            }
            .unwrap();
            n
        }
    };
    for (_, id) in &clocks {
        assert_eq!(jobs_naming(id.clone()).await, 1, "a milestone job for {id}");
    }
    erase(&app, &clocks[0].0).await;
    assert_eq!(
        jobs_naming(clocks[0].1.clone()).await,
        0,
        "the erased member's clock's job"
    );
    assert_eq!(
        jobs_naming(clocks[1].1.clone()).await,
        1,
        "another member's job stays"
    );
}

/// `ash` reaches out to the two in their circle who take reach-outs; `fay`
/// answers and hands it back. Returns the tokens of ash, dee and fay.
async fn a_reach_out_handed_back(app: &crate::support::TestApp) -> [String; 3] {
    let [ash, dee, fay] = [
        app.member("ash").await,
        app.member("dee").await,
        app.member("fay").await,
    ];
    for (handle, token) in [("dee", &dee), ("fay", &fay)] {
        app.connect(&ash, handle, token, "friend").await;
        app.takes_reach_outs(token).await;
    }
    let (s, body) = app
        .post("/api/v1/reachouts", &ash, json!({"note": ""}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().expect("an id").to_owned();
    app.run_due_jobs().await;
    for action in ["claim", "handback"] {
        let (s, body) = app
            .post(&format!("/api/v1/reachouts/{id}/{action}"), &fay, json!({}))
            .await;
        assert_eq!(s, StatusCode::OK, "{action}: {body}");
    }
    [ash, dee, fay]
}

async fn encourage(app: &crate::support::TestApp, token: &str, to: &str) {
    let note = json!({"to": to, "body": "You have got this"});
    let (s, body) = app.post("/api/v1/encouragements", token, note).await;
    assert!(s.is_success(), "{s} {body}");
}

async fn erase(app: &crate::support::TestApp, token: &str) {
    let password = json!({"password": crate::support::app::PASSWORD});
    let (s, body) = app
        .call(Method::DELETE, "/api/v1/me", Some(token), Some(password))
        .await;
    assert_eq!(s, StatusCode::OK, "{body:?}");
}

/// Every notice that names a member goes with them, found by the member it
/// names (`notice.about_member_id`) rather than by reading every notice on
/// the instance. A hand-back tells the requester who stepped away and the
/// others asked only whose reach-out it is, so each notice names one member.
async fn erasure_takes_the_notices_that_name_the_member_by_the_member_they_name(b: Backend) {
    let app = crate::support::TestApp::spawn(b).await;
    let [ash, dee, fay] = a_reach_out_handed_back(&app).await;
    let text = |n: &Value| n["text"].as_str().unwrap_or_default().to_owned();
    let told_ash = app.notices_of(&ash, "reach_out_handed_back").await;
    assert_eq!(told_ash.len(), 1);
    assert_eq!(
        text(&told_ash[0]),
        "fay had to step away. Your reach-out is open again."
    );
    let told_dee = app.notices_of(&dee, "reach_out_handed_back").await;
    assert_eq!(told_dee.len(), 1);
    assert_eq!(
        text(&told_dee[0]),
        "Someone had to step away from ash's reach-out. It's open again."
    );
    for kind in ["reach_out", "reach_out_covered"] {
        assert_eq!(app.notices_of(&dee, kind).await.len(), 1, "{kind}");
    }
    assert_eq!(app.notices_of(&ash, "reach_out_claimed").await.len(), 1);

    // Fay goes: what named her goes from ash's notices; dee's name only ash.
    erase(&app, &fay).await;
    for kind in ["reach_out_claimed", "reach_out_handed_back"] {
        assert_eq!(app.notices_of(&ash, kind).await.len(), 0, "{kind}");
    }
    for kind in ["reach_out", "reach_out_covered", "reach_out_handed_back"] {
        assert_eq!(app.notices_of(&dee, kind).await.len(), 1, "{kind}");
    }
    // Ash goes: dee is left with no notice at all.
    erase(&app, &ash).await;
    let (s, body) = app.get("/api/v1/notices", &dee).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["notices"], json!([]), "{body}");
}

/// Migration 0018 finds, for notices written before it, the member each
/// names: the same rows the writers now keep. Run here on notices made the
/// new way and then put back as they were before it.
async fn the_notice_migration_finds_the_member_each_notice_names(b: Backend) {
    let app = crate::support::TestApp::spawn(b).await;
    let [_, dee, _] = a_reach_out_handed_back(&app).await;
    encourage(&app, &dee, "ash").await;
    let named = "select count(*) from notice where about_member_id is not null";
    // Naming ash: dee's and fay's asks, dee's covered and handed back;
    // naming fay: ash's claimed and handed back; naming dee: the
    // encouragement.
    assert_eq!(app.scalar(named).await, 7);
    app.exec("create table kept as select * from notice").await;
    app.exec(match b {
        Backend::Sqlite => {
            "update notice set about_member_id = null;
            update notice set payload = json_set(payload, '$.from', 'ash')
                where kind = 'reach_out_handed_back' and payload ->> 'by' is not null;
            update notice set payload = json_set(payload, '$.by', 'fay')
                where kind = 'reach_out_handed_back' and payload ->> 'by' is null"
        }
        Backend::Postgres => {
            "update notice set about_member_id = null;
            update notice set payload = payload || '{\"from\": \"ash\"}'
                where kind = 'reach_out_handed_back' and payload ->> 'by' is not null;
            update notice set payload = payload || '{\"by\": \"fay\"}'
                where kind = 'reach_out_handed_back' and payload ->> 'by' is null"
        }
    })
    .await;
    assert_eq!(app.scalar(named).await, 0);
    let both = "select count(*) from notice
        where payload ->> 'by' is not null and payload ->> 'from' is not null";
    assert_eq!(app.scalar(both).await, 2, "put back as before");
    let migration = match b {
        Backend::Sqlite => include_str!("../../migrations/sqlite/0018_notice_about.sql"),
        Backend::Postgres => include_str!("../../migrations/postgres/0018_notice_about.sql"),
    };
    let from = migration.find("update notice").expect("the updates");
    let to = migration.find("create index").expect("the index");
    app.exec(&migration[from..to]).await;
    let differ = "select count(*) from (
        select id, about_member_id, payload ->> 'from', payload ->> 'by' from kept
        except select id, about_member_id, payload ->> 'from', payload ->> 'by' from notice) d";
    assert_eq!(app.scalar(differ).await, 0);
    assert_eq!(app.scalar(named).await, 7);
}
