//! Building the application: state, router, and serving it next to the job
//! runner. Tests call the same functions with port 0 and a manual clock.

use std::{future::Future, sync::Arc, time::Duration};

use anyhow::Context;
use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{Request, header},
    middleware,
    response::IntoResponse,
    routing::get,
};
use tokio::{net::TcpListener, sync::watch};
use tower_http::{catch_panic::CatchPanicLayer, trace::TraceLayer};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};
use utoipa_axum::router::OpenApiRouter;

use crate::{
    accounts::{self, cache::AuthCache, password::Passwords, ratelimit::Limiters},
    checkins, circle, clocks,
    config::Config,
    conversations,
    db::{self, Db},
    discovery,
    events::{self, EventHub},
    feed, goals, groups, help, home,
    jobs::{self, JobQueue},
    mail::{Mailer, SmtpMailer},
    meetings, moderation, notices, privacy, profile, reachout, resources, safety,
    time::Clock,
    web,
};

/// Request bodies above this are refused with 413 before any parsing.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Everything a handler or job needs, behind one `Arc`: axum clones the
/// state for every extractor of every request, and one reference count is
/// cheaper than one per part (`perf` showed the fourteen at 2-4% of the
/// home page; `BENCHMARKS.md`, issue 6).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The parts of [`AppState`].
pub struct Shared {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub jobs: JobQueue,
    pub passwords: Arc<Passwords>,
    pub limiters: Arc<Limiters>,
    pub auth_cache: Arc<AuthCache>,
    pub events: Arc<EventHub>,
    /// Reads new events for the open streams (many at once after a fan-out).
    pub event_reader: Arc<events::reader::EventReader>,
    /// Flips to true when the server begins to shut down (ends streams).
    pub shutdown: Arc<watch::Sender<bool>>,
    /// The SMTP relay, when one is configured.
    pub mailer: Option<Arc<dyn Mailer>>,
    /// The Meeting Guide feed and "happening now", between requests.
    pub meetings: Arc<meetings::service::MeetingCache>,
    /// The resources in force, for `/resources` and `/help` with the
    /// database down.
    pub resources: Arc<resources::service::ResourceCache>,
    /// Which member a handle names, for the next message to them.
    pub peer_names: Arc<crate::conversations::peers::PeerNames>,
}
impl AppState {
    /// Connects, migrates and assembles the state.
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        config.ensure_data_dir()?;
        let db = db::connect(&config.database).await?;
        db::migrate(&db).await?;
        Self::from_parts(db, config, clock)
    }

    pub fn from_parts(db: Db, config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        // Only one process owns a SQLite database; see accounts::cache.
        let cache_auth = db.backend() == db::Backend::Sqlite;
        if let (Db::Sqlite(s), false) = (&db, config.sqlite_group_commit) {
            s.writer.set_max_batch(db::group::NO_GROUPING);
        }
        let mailer: Option<Arc<dyn Mailer>> = match &config.smtp_url {
            Some(url) => Some(SmtpMailer::new(url, &config.smtp_from)?),
            None => None,
        };
        Ok(Self(Arc::new(Shared {
            events: EventHub::new(),
            event_reader: events::reader::EventReader::new(db.clone()),
            shutdown: Arc::new(watch::channel(false).0),
            mailer,
            meetings: Arc::default(),
            resources: Arc::default(),
            peer_names: Arc::default(),
            limiters: Arc::new(Limiters::new(&config.limits, clock.clone())),
            auth_cache: Arc::new(AuthCache::new(cache_auth)),
            passwords: Passwords::new()?,
            db,
            config: Arc::new(config),
            clock,
            jobs: JobQueue::default(),
        })))
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Belay API",
        description = "The JSON API of Belay, a self-hostable support network for people in recovery. \
            Errors are `{\"error\": {\"code\", \"message\", \"fields\"}}`.",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&BearerAuth),
    components(schemas(web::error::ErrorBody, web::error::ErrorDetail, safety::CrisisLine))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The `/api/v1` routes and the OpenAPI document generated from them.
fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let v1 = OpenApiRouter::new()
        .merge(accounts::api_routes())
        .merge(profile::api::routes())
        .merge(clocks::api::routes())
        .merge(checkins::api::routes())
        .merge(goals::api::routes())
        .merge(feed::api::routes())
        .merge(help::api::routes())
        .merge(groups::api::routes())
        .merge(meetings::api::routes())
        .merge(resources::api::routes())
        .merge(moderation::api::routes())
        .merge(privacy::erase::api_routes())
        .merge(privacy::access_log::api_routes())
        .merge(privacy::export::api_routes())
        .merge(circle::api::routes())
        .merge(discovery::api::routes())
        .merge(conversations::api::routes())
        .merge(notices::api::routes())
        .merge(reachout::api::routes())
        .merge(events::stream::routes());
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", v1)
        .split_for_parts()
}

/// The OpenAPI document, for tools and tests.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().1
}

pub fn router(state: AppState) -> Router {
    // Install the recorder before the first request records anything.
    web::health::prometheus();
    let (api_routes, openapi) = api();
    let openapi_json = Arc::new(openapi.to_pretty_json().unwrap_or_else(|_| "{}".to_owned()));
    Router::new()
        .merge(api_routes)
        .route(
            "/api/openapi.json",
            get(move || {
                let body = openapi_json.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        (*body).clone(),
                    )
                        .into_response()
                }
            }),
        )
        .merge(home::routes())
        .merge(accounts::page_routes())
        .merge(profile::pages::routes())
        .merge(clocks::pages::routes())
        .merge(checkins::pages::routes())
        .merge(goals::pages::routes())
        .merge(feed::pages::routes())
        .merge(help::pages::routes())
        .merge(groups::pages::routes())
        .merge(meetings::pages::routes())
        .merge(meetings::api::feed_routes())
        .merge(resources::pages::routes())
        .merge(moderation::pages::routes())
        .merge(privacy::erase::page_routes())
        .merge(privacy::access_log::page_routes())
        .merge(privacy::export::page_routes())
        .merge(circle::pages::routes())
        .merge(discovery::pages::routes())
        .merge(conversations::pages::routes())
        .merge(notices::pages::routes())
        .merge(reachout::pages::routes())
        .merge(safety::routes())
        .merge(web::health::routes())
        .merge(web::assets::routes())
        .fallback(web::not_found)
        .method_not_allowed_fallback(web::method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::csrf::pre_session_cookie,
        ))
        .layer(middleware::from_fn(web::health::track))
        .layer(CatchPanicLayer::custom(web::panic_response))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::security::headers,
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
                // The route template, never the raw path: paths can carry handles.
                let route = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_else(|| "unmatched".to_owned());
                tracing::info_span!("request", method = %req.method(), route)
            }),
        )
        .with_state(state)
}

/// Serves HTTP on `listener` and runs the job runner and housekeeping until
/// `shutdown` resolves; then lets in-flight requests and jobs finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    if let Db::Sqlite(_) = &state.db {
        let mut tx = state.db.begin_write().await?;
        let freed = jobs::queue::release_leases(&mut tx).await?;
        tx.commit().await?;
        if freed > 0 {
            tracing::info!(
                jobs = freed,
                "resuming jobs that were running when the server last stopped"
            );
        }
    }
    let runner = tokio::spawn(jobs::runner::run(
        state.clone(),
        state.config.job_workers,
        stop_rx.clone(),
    ));
    let housekeeping = tokio::spawn(housekeeping(state.clone(), stop_rx.clone()));
    let metrics_upkeep = tokio::spawn(web::health::upkeep(stop_rx.clone()));
    let warm = state.clone();
    tokio::spawn(async move { crate::meetings::service::warm(&warm).await });
    // With PostgreSQL, events cross instances through LISTEN/NOTIFY.
    let listener_task = match &state.db {
        Db::Postgres(pool) => Some(tokio::spawn(events::pg::listen(
            pool.clone(),
            state.events.clone(),
            stop_rx,
        ))),
        Db::Sqlite(_) => None,
    };
    let streams = state.shutdown.clone();
    let result = web::server::serve(listener, router(state.clone()), async move {
        shutdown.await;
        tracing::info!("shutting down");
        // Event streams never end by themselves: close them.
        let _ = streams.send(true);
    })
    .await
    .context("the HTTP server failed");
    let _ = stop_tx.send(true);
    let _ = runner.await;
    let _ = housekeeping.await;
    let _ = metrics_upkeep.await;
    if let Some(task) = listener_task {
        let _ = task.await;
    }
    state.db.close().await;
    result
}

/// Periodic clean-up: expired sessions and idle rate-limit keys.
async fn housekeeping(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(Duration::from_secs(300));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        state.limiters.retain_recent();
        resources::service::refresh_cache(&state).await;
        if let Err(err) = moderation::service::lapse_suspensions(&state).await {
            err.log_if_internal();
        }
        // Events are for live delivery and short reconnects: a week is plenty.
        if let Err(err) =
            events::store::prune(&state.db, state.clock.now() - chrono::Duration::days(7)).await
        {
            tracing::warn!(error = %err, "pruning old events failed");
        }
        let now = state.clock.now();
        let idle = chrono::Duration::from_std(state.config.session_idle)
            .unwrap_or(chrono::Duration::days(1));
        let absolute = chrono::Duration::from_std(state.config.session_absolute)
            .unwrap_or(chrono::Duration::days(14));
        match accounts::store::delete_expired_sessions(&state.db, now - idle, now - absolute).await
        {
            Ok(0) => {}
            Ok(_) => state.auth_cache.invalidate(),
            Err(err) => tracing::warn!(error = %err, "removing expired sessions failed"),
        }
    }
}
