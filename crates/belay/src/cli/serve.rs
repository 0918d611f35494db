//! `belay serve`.

use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use tokio::net::TcpListener;

use crate::{app, config::Config, time::SystemClock};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "BELAY_BIND", value_name = "HOST:PORT")]
    pub bind: Option<String>,

    /// The public origin, e.g. https://belay.example.org; decides Secure
    /// cookies and links [default: http://BIND]
    #[arg(long, env = "BELAY_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,

    /// Bearer token that unlocks /metrics for a remote scraper; without it
    /// only loopback clients may read /metrics.
    #[arg(
        long,
        env = "BELAY_METRICS_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,

    /// SMTP relay for notice emails, e.g. smtp://127.0.0.1:25 or
    /// smtp://user:pass@mail.example:587?tls=required. Unset: no email.
    #[arg(
        long,
        env = "BELAY_SMTP_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    pub smtp_url: Option<String>,

    /// The From address of notice emails [default: Belay <belay@localhost>]
    #[arg(long, env = "BELAY_SMTP_FROM", value_name = "ADDRESS")]
    pub smtp_from: Option<String>,

    /// The shortest wait a member may give each person on their reach-out
    /// list before the next is asked, in seconds (1-3600) [default: 60].
    /// Lower it only to test the ladder quickly.
    #[arg(long, env = "BELAY_REACHOUT_MIN_WAIT_SECONDS", value_name = "SECONDS")]
    pub reachout_min_wait_seconds: Option<u64>,
}
pub async fn run(config: Config) -> anyhow::Result<()> {
    let listener = TcpListener::bind(&config.bind)
        .await
        .with_context(|| format!("could not listen on {}", config.bind))?;
    let state = app::AppState::build(config, Arc::new(SystemClock)).await?;
    let addr = listener.local_addr()?;
    tracing::info!(
        %addr,
        backend = state.db.backend().as_str(),
        data_dir = %state.config.data_dir.display(),
        "listening"
    );
    app::serve(listener, state, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
