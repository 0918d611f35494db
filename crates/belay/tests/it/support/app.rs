//! `TestApp`: the real router, served on 127.0.0.1:0, on a fresh SQLite file
//! or a fresh PostgreSQL database, with a manual clock.

use std::{net::SocketAddr, path::PathBuf, sync::Arc};

use belay::{
    app::{self, AppState},
    config::Config,
    db::{self, DatabaseTarget},
    jobs,
    time::ManualClock,
};
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tempfile::TempDir;
use tokio::{net::TcpListener, sync::oneshot};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The admin URL of the PostgreSQL server tests may create databases on.
pub fn postgres_url() -> Option<String> {
    std::env::var("BELAY_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// Whether the PostgreSQL suite can run here; says so when it can't (CI
/// always sets the URL).
pub fn postgres_available() -> bool {
    let available = postgres_url().is_some();
    if !available {
        eprintln!("BELAY_TEST_POSTGRES_URL is not set: skipping the PostgreSQL run");
    }
    available
}

/// Replaces the database name in a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[after_scheme..].find('/') {
        Some(i) => &base[..after_scheme + i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// A database created for one test, dropped when the test ends.
pub struct PgDatabase {
    pub url: String,
    admin: String,
    name: String,
}

impl PgDatabase {
    pub async fn create() -> Self {
        let admin = postgres_url().expect("BELAY_TEST_POSTGRES_URL");
        let name = format!("belay_t_{}", uuid::Uuid::new_v4().simple());
        let pool = sqlx::PgPool::connect(&admin)
            .await
            .expect("connect to the admin database");
        let sql = format!("create database \"{name}\"");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&pool)
            .await
            .expect("create a test database");
        pool.close().await;
        Self {
            url: with_database(&admin, &name),
            admin,
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let admin = self.admin.clone();
        let name = self.name.clone();
        // Drop runs inside the test's runtime; use a thread of our own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(pool) = sqlx::PgPool::connect(&admin).await {
                    let sql = format!("drop database if exists \"{name}\" with (force)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pool).await;
                    pool.close().await;
                }
            });
        })
        .join();
    }
}

/// A fresh place for data: a temp directory, plus a PostgreSQL database.
pub struct Storage {
    pub dir: TempDir,
    pub pg: Option<PgDatabase>,
}

impl Storage {
    pub async fn new(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(PgDatabase::create().await),
        };
        Self { dir, pg }
    }

    pub fn target(&self) -> DatabaseTarget {
        match &self.pg {
            Some(pg) => DatabaseTarget::Postgres(pg.url.clone()),
            None => DatabaseTarget::Sqlite(format!(
                "sqlite://{}",
                self.dir.path().join("belay.db").display()
            )),
        }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

pub const START: &str = "2026-06-15T12:00:00Z";

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    // Dropped last: the database outlives the server.
    _storage: Storage,
}

impl TestApp {
    /// An app on PostgreSQL and its pool, for races only PostgreSQL runs;
    /// `None` (the test passes by skipping) where no server is named.
    pub async fn spawn_postgres() -> Option<(Self, sqlx::PgPool)> {
        if !postgres_available() {
            return None;
        }
        let app = Self::spawn(Backend::Postgres).await;
        let db::Db::Postgres(pool) = app.state.db.clone() else {
            unreachable!("spawned on PostgreSQL")
        };
        Some((app, pool))
    }

    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// For tests that sign up many members from one address.
    pub async fn spawn_roomy(backend: Backend) -> Self {
        Self::spawn_with(backend, |c| {
            let lots = (10_000, std::time::Duration::from_millis(1));
            c.limits.signup_per_ip = lots;
            c.limits.login_per_ip = lots;
        })
        .await
    }

    /// Spawns with a configuration tweak (limits, timeouts, base URL).
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Self {
        // BELAY_TEST_LOG=debug shows the app's logs for a failing test;
        // with BELAY_TEST_LOG_FILE every test's logs go to that file (CI
        // searches it for planted secrets).
        if let Ok(filter) = std::env::var("BELAY_TEST_LOG") {
            match std::env::var("BELAY_TEST_LOG_FILE") {
                Ok(path) => {
                    let file = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .expect("open the log file");
                    let _ = tracing_subscriber::fmt()
                        .with_writer(std::sync::Mutex::new(file))
                        .with_ansi(false)
                        .with_env_filter(filter)
                        .try_init();
                }
                Err(_) => {
                    let _ = tracing_subscriber::fmt()
                        .with_test_writer()
                        .with_env_filter(filter)
                        .try_init();
                }
            }
        }
        let storage = Storage::new(backend).await;
        let mut config = Config::for_data_dir(storage.data_dir(), storage.target());
        tweak(&mut config);
        let clock = ManualClock::new(START.parse().expect("start time"));
        let state = AppState::build(config, clock.clone())
            .await
            .expect("build the app");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let router = app::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            base: format!("http://{addr}"),
            state,
            clock,
            http,
            shutdown: Some(tx),
            _storage: storage,
        }
    }

    /// Where the database lives, for running the binary against it.
    pub fn storage(&self) -> &Storage {
        &self._storage
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn now(&self) -> DateTime<Utc> {
        use belay::time::Clock;
        self.clock.now()
    }

    pub fn set_now(&self, to: &str) {
        self.clock.set(to.parse().expect("a UTC timestamp"));
    }

    /// Runs every job that is due now; fails the test if one fails.
    pub async fn run_due_jobs(&self) -> usize {
        let ran = jobs::runner::drain(&self.state).await.expect("drain jobs");
        let failed: i64 = self
            .scalar("select count(*) from job where last_error is not null")
            .await;
        assert_eq!(failed, 0, "a job failed during the test");
        ran
    }

    /// One number from the database, for assertions.
    pub async fn scalar(&self, sql: &'static str) -> i64 {
        match &self.state.db {
            db::Db::Sqlite(s) => sqlx::query_scalar(sql)
                .fetch_one(&s.read)
                .await
                .expect("query"),
            db::Db::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await.expect("query"),
        }
    }

    /// Runs SQL (several statements allowed) against the database, for a
    /// test that arranges a fault.
    pub async fn exec(&self, sql: &'static str) {
        match &self.state.db {
            db::Db::Sqlite(s) => sqlx::raw_sql(sql).execute(&s.read).await.map(|_| ()),
            db::Db::Postgres(p) => sqlx::raw_sql(sql).execute(p).await.map(|_| ()),
        }
        .expect("exec");
    }

    /// A JSON request; returns the status and the body (Null when empty).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::PUT, path, Some(token), Some(body)).await
    }

    /// Signs up through the API and returns an API token.
    pub async fn member(&self, handle: &str) -> String {
        self.member_in(handle, "UTC").await
    }

    pub async fn member_in(&self, handle: &str, time_zone: &str) -> String {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/accounts",
                None,
                Some(serde_json::json!({"handle": handle, "password": PASSWORD, "time_zone": time_zone})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        self.token(handle).await
    }

    pub async fn token(&self, handle: &str) -> String {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/v1/tokens",
                None,
                Some(serde_json::json!({"handle": handle, "password": PASSWORD})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["token"].as_str().expect("token").to_owned()
    }
}

impl TestApp {
    /// `a` asks `b` to connect as `relationship` and `b` accepts; returns the
    /// connection id.
    pub async fn connect(&self, a: &str, b_handle: &str, b: &str, relationship: &str) -> String {
        let (status, c) = self
            .post(
                "/api/v1/connections",
                a,
                serde_json::json!({"handle": b_handle, "relationship": relationship}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        let id = c["id"].as_str().expect("id").to_owned();
        let (status, body) = self
            .post(
                &format!("/api/v1/connections/{id}/accept"),
                b,
                serde_json::json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        id
    }

    /// The notices of one kind a member has, newest first.
    pub async fn notices_of(&self, token: &str, kind: &str) -> Vec<serde_json::Value> {
        let (status, body) = self.get("/api/v1/notices", token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["notices"]
            .as_array()
            .expect("notices")
            .iter()
            .filter(|n| n["kind"] == kind)
            .cloned()
            .collect()
    }

    /// Sets the grants `owner` gives on a connection.
    pub async fn grant(&self, owner: &str, connection: &str, grants: serde_json::Value) {
        let (status, body) = self
            .put(
                &format!("/api/v1/connections/{connection}/grants"),
                owner,
                grants,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    /// The member takes reach-outs from their circle.
    pub async fn takes_reach_outs(&self, token: &str) {
        let (status, body) = self
            .put(
                "/api/v1/me/reach-out-settings",
                token,
                serde_json::json!({"receives": true}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }

    pub async fn make_admin(&self, handle: &str) {
        belay::accounts::service::set_role(&self.state, handle, belay::accounts::Role::Admin)
            .await
            .expect("set role");
    }

    /// A clock that started `days` before the test's start day.
    pub async fn clock_days_ago(&self, token: &str, label: &str, days: u64) {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 6, 15)
            .and_then(|d| d.checked_sub_days(chrono::Days::new(days)))
            .expect("date");
        let (status, body) = self
            .post(
                "/api/v1/me/clocks",
                token,
                serde_json::json!({"label": label, "started_on": start.to_string()}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub const PASSWORD: &str = "correct horse battery staple";
