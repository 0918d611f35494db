//! `belay import-meetings` and `belay export-meetings`: Meeting Guide feeds
//! in and out, with progress on the terminal.

use std::{io::Write, path::PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::{
    config::Config,
    db,
    meetings::{
        feed::{self, ImportOptions, MAX_FEED_BYTES},
        model, store,
    },
};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A Meeting Guide JSON feed: a file, or an http(s) URL to fetch.
    #[arg(value_name = "FILE_OR_URL")]
    pub source: String,
    /// Time zone for entries without one, e.g. America/Chicago.
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,
    /// Handle of a member to make organiser of the groups the import creates.
    #[arg(long, value_name = "HANDLE")]
    pub organiser: Option<String>,
    /// Print the report as JSON instead of lines of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Write the feed here instead of to standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Base URL for the meetings' links [default: the configured base URL].
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

async fn read_source(source: &str) -> anyhow::Result<Vec<u8>> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let response = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(60))
            .build()?
            .get(source)
            .send()
            .await
            .with_context(|| format!("fetching {source}"))?;
        if !response.status().is_success() {
            bail!(
                "fetching {source}: the server answered {}",
                response.status()
            );
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_FEED_BYTES as u64)
        {
            bail!(
                "the feed is larger than {} MB",
                MAX_FEED_BYTES / 1024 / 1024
            );
        }
        Ok(response.bytes().await?.to_vec())
    } else {
        let meta = std::fs::metadata(source).with_context(|| format!("reading {source}"))?;
        if meta.len() > MAX_FEED_BYTES as u64 {
            bail!(
                "{source} is larger than {} MB",
                MAX_FEED_BYTES / 1024 / 1024
            );
        }
        std::fs::read(source).with_context(|| format!("reading {source}"))
    }
}

pub async fn import(config: Config, args: ImportArgs) -> anyhow::Result<()> {
    let default_zone = match &args.timezone {
        Some(z) => Some(model::parse_zone(z).with_context(|| format!("{z:?} is not a time zone"))?),
        None => None,
    };
    let bytes = read_source(&args.source).await?;
    config.ensure_data_dir()?;
    let db = db::connect(&config.database).await?;
    db::migrate(&db).await?;
    let organiser = match &args.organiser {
        Some(h) => {
            let key = crate::accounts::normalize_handle(h);
            let id: Option<crate::accounts::MemberId> = db::on_db!(&db, |x| sqlx::query_scalar(
                "select id from member where handle_key = $1"
            )
            .bind(&key)
            .fetch_optional(x)
            .await)?;
            Some(id.with_context(|| format!("no member has the handle {h:?}"))?)
        }
        None => None,
    };
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("importing {bar:40} {pos}/{len} meetings")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    if args.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let opts = ImportOptions {
        default_zone,
        organiser,
        today: chrono::Utc::now().date_naive(),
    };
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let report = feed::import(&db, &bytes, &opts, &progress).await;
    bar.finish_and_clear();
    db.close().await;
    let report = report?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "{} entries: {} meetings created, {} updated, {} groups created, {} entries rejected",
        report.entries,
        report.created,
        report.updated,
        report.groups_created,
        report.rejected.len()
    );
    for r in &report.rejected {
        println!(
            "rejected entry {} ({}): {} {}",
            r.index,
            r.slug.as_deref().unwrap_or("no slug"),
            r.field,
            r.reason
        );
    }
    for w in &report.warnings {
        println!(
            "note on entry {} ({}): {} {}",
            w.index,
            w.slug.as_deref().unwrap_or("no slug"),
            w.field,
            w.reason
        );
    }
    Ok(())
}

pub async fn export(config: Config, args: ExportArgs) -> anyhow::Result<()> {
    let db = db::connect(&config.database).await?;
    db::migrate(&db).await?;
    let rows = store::public_weekly(&db).await?;
    db.close().await;
    let base = args
        .base_url
        .unwrap_or_else(|| config.base_url.as_str().to_owned());
    let feed = feed::export(rows, &base);
    let json = serde_json::to_string_pretty(&feed)?;
    match args.output {
        Some(path) => {
            std::fs::write(&path, json).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("{} meetings written to {}", feed.len(), path.display());
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(json.as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}
