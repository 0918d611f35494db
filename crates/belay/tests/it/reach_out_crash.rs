//! The ladder against crashes and several instances, with the real binary:
//! reach-outs are opened while the server is killed with `kill -9` at
//! random moments, or aborts itself exactly between writing a step's
//! notices and committing them, or between claiming a step and running it;
//! after each restart the ladders go on. At the end every ladder has
//! climbed every step, in order, and nobody was told anything twice.
//!
//! `BELAY_CRASH_RUNS` sets the number of crashes (20 by default; the docs
//! record a run of 100), `BELAY_CRASH_SEED` replays a sequence.

use std::{
    collections::BTreeMap,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{
    Backend,
    app::{PASSWORD, Storage},
    binary::{Server, start_with},
};

backend_tests!(the_ladder_survives_kill_9_at_any_point);

#[tokio::test]
async fn two_postgres_instances_fire_each_step_exactly_once() {
    two_instances().await;
}

/// A small deterministic generator (xorshift), seeded for replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const ENV: &[(&str, &str)] = &[
    ("BELAY_REACHOUT_MIN_WAIT_SECONDS", "1"),
    ("BELAY_LOG", "info"),
];
const REQUESTERS: usize = 4;
const RESPONDERS: [&str; 3] = ["bea", "cal", "dee"];

fn config_file(storage: &Storage) -> String {
    let path = storage.data_dir().join("belay.toml");
    std::fs::create_dir_all(storage.data_dir()).unwrap();
    std::fs::write(
        &path,
        "reach_out_per_hour = 100000\nsignup_burst = 1000\nlogin_burst = 1000\n",
    )
    .unwrap();
    path.display().to_string()
}

fn start(storage: &Storage, extra: &[(&str, &str)]) -> Server {
    let config = config_file(storage);
    let mut env: Vec<(&str, &str)> = ENV.to_vec();
    env.push(("BELAY_CONFIG", &config));
    env.extend_from_slice(extra);
    start_with(storage, &env)
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn call(
        &self,
        method: reqwest::Method,
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
        match req.send().await {
            Ok(res) => {
                let status = res.status();
                (status, res.json().await.unwrap_or(Value::Null))
            }
            Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Value::Null),
        }
    }

    async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::POST, path, token, body).await
    }

    async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(reqwest::Method::PUT, path, Some(token), body)
            .await
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(reqwest::Method::GET, path, Some(token), Value::Null)
            .await
    }

    async fn member(&self, handle: &str) -> String {
        let (status, body) = self
            .post(
                "/api/v1/accounts",
                None,
                json!({"handle": handle, "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = self
            .post(
                "/api/v1/tokens",
                None,
                json!({"handle": handle, "password": PASSWORD}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    async fn connect(&self, a: &str, b_handle: &str, b: &str) -> String {
        let (status, c) = self
            .post(
                "/api/v1/connections",
                Some(a),
                json!({"handle": b_handle, "relationship": "friend"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        let id = c["id"].as_str().unwrap().to_owned();
        let (status, body) = self
            .post(
                &format!("/api/v1/connections/{id}/accept"),
                Some(b),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        id
    }
}

fn client(server: &Server) -> Client {
    Client {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
        base: server.base.clone(),
    }
}

fn set_role(storage: &Storage, handle: &str) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_belay"));
    cmd.args(["admin", "set-role", handle, "moderator"])
        .env("BELAY_DATA_DIR", storage.data_dir())
        .env("BELAY_LOG", "warn")
        .env_remove("DATABASE_URL")
        .stdin(std::process::Stdio::null());
    if let Some(pg) = &storage.pg {
        cmd.env("DATABASE_URL", &pg.url);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Members: requesters, each with bea and cal on their list (in that
/// order) and dee in their circle; fay a listener on duty all day; moe a
/// moderator. Every wait is one second. Returns tokens by handle.
async fn cast(storage: &Storage, c: &Client) -> BTreeMap<String, String> {
    let mut tokens = BTreeMap::new();
    for h in RESPONDERS {
        let t = c.member(h).await;
        let (status, _) = c
            .put(
                "/api/v1/me/reach-out-settings",
                &t,
                json!({"receives": true}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        tokens.insert(h.to_owned(), t);
    }
    let fay = c.member("fay").await;
    let (status, body) = c
        .put(
            "/api/v1/me/capacities",
            &fay,
            json!({"listener": true, "duty_hours": "daily 00:00-24:00"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    tokens.insert("fay".into(), fay);
    tokens.insert("moe".into(), c.member("moe").await);
    set_role(storage, "moe");
    for i in 0..REQUESTERS {
        let handle = format!("asker_{i}");
        let t = c.member(&handle).await;
        let (status, body) = c
            .put(
                "/api/v1/me/reach-out-settings",
                &t,
                json!({"wait_seconds": 1}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        for (order, h) in RESPONDERS.iter().enumerate() {
            let other = tokens[*h].clone();
            let connection = c.connect(&t, h, &other).await;
            if order < 2 {
                let (status, body) = c
                    .put(
                        &format!("/api/v1/connections/{connection}/grants"),
                        &t,
                        json!({"reach_out": true, "reach_out_order": order + 1}),
                    )
                    .await;
                assert_eq!(status, StatusCode::OK, "{body}");
            }
        }
        tokens.insert(handle, t);
    }
    tokens
}

/// Waits for a process that was told to abort itself; kills it if the
/// point was never reached.
fn wait_or_kill(server: &mut Server, within: Duration) {
    let until = std::time::Instant::now() + within;
    while std::time::Instant::now() < until {
        if let Ok(Some(_)) = server.child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = server.child.kill();
    let _ = server.child.wait();
}

/// Every reach-out climbed every step in order; each person was asked once.
async fn check_ladders(
    c: &Client,
    tokens: &BTreeMap<String, String>,
    opened: &[(String, String)],
) -> Vec<i64> {
    let mut lateness_ms = Vec::new();
    // Each recipient's notices, counted by the reach-out they point to.
    let mut told: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for h in ["bea", "cal", "dee", "fay", "moe"] {
        let mut seen_ids = std::collections::BTreeSet::new();
        let (_, list) = c.get("/api/v1/notices", &tokens[h]).await;
        for n in list["notices"].as_array().unwrap() {
            seen_ids.insert(n["id"].as_str().unwrap().to_owned());
            let link = n["link"].as_str().unwrap_or_default().to_owned();
            *told
                .entry((h.to_owned(), n["kind"].as_str().unwrap().to_owned(), link))
                .or_default() += 1;
        }
    }
    for (requester, id) in opened {
        let (status, r) = c
            .get(&format!("/api/v1/reachouts/{id}"), &tokens[requester])
            .await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["state"], "open");
        assert_eq!(r["exhausted"], true, "{r}");
        let asked: Vec<&str> = r["asked"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["handle"].as_str().unwrap())
            .collect();
        assert_eq!(
            asked,
            ["bea", "cal", "dee", "fay", "moe"],
            "{id}: no step skipped, in order"
        );
        let steps = r["steps"].as_array().unwrap();
        assert_eq!(steps.len(), 5);
        let mut last = None;
        for s in steps {
            let fired: chrono::DateTime<chrono::Utc> =
                s["fired_at"].as_str().unwrap().parse().unwrap();
            let due: chrono::DateTime<chrono::Utc> = s["due_at"].as_str().unwrap().parse().unwrap();
            assert!(fired >= due, "{s}");
            assert!(last.is_none_or(|l| fired >= l), "steps fire in order: {r}");
            last = Some(fired);
            lateness_ms.push((fired - due).num_milliseconds());
            assert_eq!(s["asked"], 1, "{s}");
        }
        let link = format!("/reach-out/{id}");
        for (h, kind) in [
            ("bea", "reach_out"),
            ("cal", "reach_out"),
            ("dee", "reach_out"),
            ("fay", "reach_out"),
            ("moe", "reach_out_moderator"),
        ] {
            let n = told
                .get(&(h.to_owned(), kind.to_owned(), link.clone()))
                .copied()
                .unwrap_or(0);
            assert_eq!(n, 1, "{h} was told about {id} {n} times");
        }
    }
    lateness_ms
}

async fn all_exhausted(
    c: &Client,
    tokens: &BTreeMap<String, String>,
    opened: &[(String, String)],
) -> bool {
    for (requester, id) in opened {
        let (status, r) = c
            .get(&format!("/api/v1/reachouts/{id}"), &tokens[requester])
            .await;
        if status != StatusCode::OK || r["exhausted"] != true {
            return false;
        }
    }
    true
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn the_ladder_survives_kill_9_at_any_point(b: Backend) {
    let runs: usize = std::env::var("BELAY_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("BELAY_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("crash runs: {runs}, BELAY_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let storage = Storage::new(b).await;
    let mut server = start(&storage, &[]);
    let tokens = cast(&storage, &client(&server)).await;
    let mut opened: Vec<(String, String)> = Vec::new();
    let mut kinds = BTreeMap::<&str, usize>::new();
    for run in 0..runs {
        let c = client(&server);
        let requester = format!("asker_{}", run % REQUESTERS);
        let (status, r) = c
            .post(
                "/api/v1/reachouts",
                Some(&tokens[&requester]),
                json!({"note": format!("run {run}")}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{r}");
        opened.push((requester, r["id"].as_str().unwrap().to_owned()));
        // Crash somewhere on the ladders now in flight.
        let how = match rng.below(3) {
            0 => "kill -9 at a random moment",
            1 => "abort after a step's notices, before its commit",
            _ => "abort after claiming a step, before running it",
        };
        *kinds.entry(how).or_default() += 1;
        match how {
            "kill -9 at a random moment" => {
                tokio::time::sleep(Duration::from_millis(rng.below(2500))).await;
                let _ = server.child.kill();
                let _ = server.child.wait();
            }
            _ => {
                // Restart with the crash point armed; it aborts itself the
                // first time a step reaches it.
                let _ = server.child.kill();
                let _ = server.child.wait();
                let point = if how.contains("notices") {
                    "reach-out-step-after-notice"
                } else {
                    "reach-out-step-claimed"
                };
                server = start(&storage, &[("BELAY_FAILPOINT", point)]);
                wait_or_kill(&mut server, Duration::from_secs(15));
                assert!(
                    server
                        .log
                        .lock()
                        .unwrap()
                        .contains(&format!("failpoint {point}")),
                    "the crash point was reached"
                );
            }
        }
        server = start(&storage, &[]);
    }
    // Let every ladder finish (each wait is a second).
    let c = client(&server);
    for _ in 0..600 {
        if all_exhausted(&c, &tokens, &opened).await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut lateness = check_ladders(&c, &tokens, &opened).await;
    lateness.sort_unstable();
    eprintln!(
        "{runs} crashes ({kinds:?}); step lateness after due time: p50 {} ms, p99 {} ms, max {} ms over {} steps",
        percentile(&lateness, 0.5),
        percentile(&lateness, 0.99),
        lateness.last().copied().unwrap_or(0),
        lateness.len()
    );
}

async fn two_instances() {
    let Some(_) = crate::support::app::postgres_url() else {
        eprintln!("skipped: BELAY_TEST_POSTGRES_URL is not set");
        return;
    };
    let storage = Storage::new(Backend::Postgres).await;
    let one = start(&storage, &[]);
    let two = start(&storage, &[]);
    let tokens = cast(&storage, &client(&one)).await;
    let mut opened = Vec::new();
    for i in 0..8 {
        let server = if i % 2 == 0 { &one } else { &two };
        let requester = format!("asker_{}", i % REQUESTERS);
        let (status, r) = client(server)
            .post("/api/v1/reachouts", Some(&tokens[&requester]), json!({}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{r}");
        opened.push((requester, r["id"].as_str().unwrap().to_owned()));
    }
    let c = client(&two);
    for _ in 0..600 {
        if all_exhausted(&c, &tokens, &opened).await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    check_ladders(&c, &tokens, &opened).await;
    let fired = |s: &Server| {
        s.log
            .lock()
            .unwrap()
            .matches("reach-out step fired")
            .count()
    };
    let (a, b) = (fired(&one), fired(&two));
    eprintln!("steps fired: {a} by one instance, {b} by the other");
    assert_eq!(
        a + b,
        opened.len() * 5,
        "each step fired exactly once across both"
    );
}
