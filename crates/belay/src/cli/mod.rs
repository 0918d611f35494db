//! The `belay` command line: one binary with subcommands.

mod admin;
mod demo;
mod meetings;
mod serve;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::config::{Config, FileSettings, LogFormat, Overrides};

const LONG_ABOUT: &str = "Belay: a self-hostable support network for people in recovery.

Configuration comes from flags, then environment variables, then an optional
TOML file (--config), then defaults. With no DATABASE_URL, Belay keeps its
data in SQLite inside the data directory.";

#[derive(Debug, Parser)]
#[command(name = "belay", version, about = "A self-hostable support network for people in recovery", long_about = LONG_ABOUT)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// A TOML configuration file; flags and environment variables override it.
    #[arg(long, env = "BELAY_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Directory for the SQLite database and other local data; created if
    /// missing [default: ./data]
    #[arg(long, env = "BELAY_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Database: sqlite://PATH or postgres://USER@HOST/DB. Unset: SQLite in
    /// the data directory. Any other scheme is an error.
    #[arg(
        long,
        env = "DATABASE_URL",
        global = true,
        value_name = "URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Log format [default: text]
    #[arg(long, env = "BELAY_LOG_FORMAT", global = true, value_enum)]
    pub log_format: Option<LogFormat>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server and the job runner (applies pending migrations first).
    Serve(serve::ServeArgs),
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Manage members from the command line.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
    /// Fill the instance with realistic synthetic members, clocks and profiles.
    Demo(demo::DemoArgs),
    /// Import a Meeting Guide JSON feed into groups (re-import updates by slug).
    ImportMeetings(meetings::ImportArgs),
    /// Write the instance's public weekly meetings as a Meeting Guide JSON feed.
    ExportMeetings(meetings::ExportArgs),
}

impl Cli {
    /// Merges flags and environment with the optional file.
    pub fn config(&self) -> anyhow::Result<Config> {
        let file = match &self.global.config {
            Some(path) => FileSettings::read(path)?,
            None => FileSettings::default(),
        };
        let (bind, base_url, metrics_token, smtp_url, smtp_from, min_wait) = match &self.command {
            Command::Serve(args) => (
                args.bind.clone(),
                args.base_url.clone(),
                args.metrics_token.clone(),
                args.smtp_url.clone(),
                args.smtp_from.clone(),
                args.reachout_min_wait_seconds,
            ),
            _ => (None, None, None, None, None, None),
        };
        let over = Overrides {
            bind,
            base_url,
            data_dir: self.global.data_dir.clone(),
            database_url: self.global.database_url.clone(),
            log_format: self.global.log_format,
            metrics_token,
            smtp_url,
            smtp_from,
            reach_out_min_wait_seconds: min_wait,
        };
        Config::resolve(over, file)
    }
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::{EnvFilter, fmt};
    let filter = EnvFilter::try_from_env("BELAY_LOG")
        .or_else(|_| EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(ansi);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config()?;
    init_tracing(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve(_) => serve::run(config).await,
            Command::Migrate => migrate(config).await,
            Command::Admin(cmd) => admin::run(config, cmd).await,
            Command::Demo(args) => demo::run(config, args).await,
            Command::ImportMeetings(args) => meetings::import(config, args).await,
            Command::ExportMeetings(args) => meetings::export(config, args).await,
        }
    })
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    config.ensure_data_dir()?;
    let db = crate::db::connect(&config.database).await?;
    crate::db::migrate(&db).await?;
    println!("migrations applied ({})", db.backend().as_str());
    db.close().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_option_has_help_text() {
        fn walk(cmd: &clap::Command) {
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if id == "help" || id == "version" {
                    continue;
                }
                assert!(
                    arg.get_help().is_some(),
                    "`{}` of `{}` has no help",
                    id,
                    cmd.get_name()
                );
            }
            for sub in cmd.get_subcommands() {
                assert!(
                    sub.get_about().is_some(),
                    "`{}` has no description",
                    sub.get_name()
                );
                walk(sub);
            }
        }
        walk(&Cli::command());
    }
}
