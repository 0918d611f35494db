//! One `Config` value per process, built in `main` from flags, then the
//! environment (`BELAY_*`, `DATABASE_URL`), then the optional TOML file, then
//! defaults, and passed explicitly to whatever needs it: there is no global.

use std::{
    fmt,
    path::{Path, PathBuf},
    time::Duration,
};

use anyhow::{Context, bail};
use serde::Deserialize;

use crate::db::DatabaseTarget;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "./data";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The settings a TOML file (`--config`) may hold. Every key is optional and
/// unknown keys are an error, so a typo does not silently do nothing.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub bind: Option<String>,
    pub base_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub log_format: Option<LogFormat>,
    pub session_idle_minutes: Option<u64>,
    pub session_absolute_hours: Option<u64>,
    pub trust_proxy_headers: Option<bool>,
    pub job_workers: Option<usize>,
    pub metrics_token: Option<String>,
    pub smtp_url: Option<String>,
    pub smtp_from: Option<String>,
    pub sqlite_group_commit: Option<bool>,
    pub message_burst: Option<u32>,
    pub message_interval_ms: Option<u64>,
    /// Sign-ups one client address may make in a burst (default 10).
    pub signup_burst: Option<u32>,
    /// Logins one client address may try in a burst (default 30).
    pub login_burst: Option<u32>,
    /// The shortest wait a member may give each person on their reach-out
    /// list (default 60; at least 1).
    pub reach_out_min_wait_seconds: Option<u64>,
    /// Reach-outs one member may open in an hour before they are held
    /// (default 10); a held one still shows crisis lines and tells moderators.
    pub reach_out_per_hour: Option<u32>,
}

impl FileSettings {
    pub fn read(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the configuration file {}", path.display()))?;
        toml::from_str(&text)
            .with_context(|| format!("parsing the configuration file {}", path.display()))
    }
}

/// What flags and environment variables said (clap merges those two).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub bind: Option<String>,
    pub base_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub log_format: Option<LogFormat>,
    pub metrics_token: Option<String>,
    pub smtp_url: Option<String>,
    pub smtp_from: Option<String>,
    pub reach_out_min_wait_seconds: Option<u64>,
}

/// The site's public origin used for cookies, links and Origin checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    origin: String,
}

impl BaseUrl {
    pub fn parse(raw: &str) -> anyhow::Result<Self> {
        let trimmed = raw.trim().trim_end_matches('/');
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"));
        match rest {
            Some(host) if !host.is_empty() && !host.contains(['/', '?', '#', '@', ' ']) => {
                Ok(Self {
                    origin: trimmed.to_ascii_lowercase(),
                })
            }
            _ => bail!(
                "BELAY_BASE_URL must be an origin such as https://belay.example.org \
                 (scheme and host, no path); got `{raw}`"
            ),
        }
    }

    pub fn https(&self) -> bool {
        self.origin.starts_with("https://")
    }

    pub fn as_str(&self) -> &str {
        &self.origin
    }
}

/// Login, signup and session limits. Defaults suit a community instance;
/// tests set their own.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Login attempts allowed in a burst for one handle, and how often one
    /// more is allowed after that.
    pub login_per_handle: (u32, Duration),
    /// The same for one client address.
    pub login_per_ip: (u32, Duration),
    /// Sign-ups from one client address.
    pub signup_per_ip: (u32, Duration),
    /// Messages from one member.
    pub messages_per_member: (u32, Duration),
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            login_per_handle: (10, Duration::from_secs(60)),
            login_per_ip: (30, Duration::from_secs(10)),
            signup_per_ip: (10, Duration::from_secs(360)),
            messages_per_member: (120, Duration::from_millis(500)),
        }
    }
}

#[derive(Clone)]
pub struct Config {
    pub bind: String,
    pub base_url: BaseUrl,
    pub data_dir: PathBuf,
    pub database: DatabaseTarget,
    pub log_format: LogFormat,
    /// A session ends after this long without a request...
    pub session_idle: Duration,
    /// ...and after this long in any case.
    pub session_absolute: Duration,
    /// Read the client address from `X-Forwarded-For` (only behind a proxy
    /// that sets it).
    pub trust_proxy_headers: bool,
    /// Concurrent job handlers in this process.
    pub job_workers: usize,
    /// Bearer token for `/metrics`; without one, only loopback may read it.
    pub metrics_token: Option<String>,
    /// SMTP relay for notice emails; none means no email is sent.
    pub smtp_url: Option<String>,
    pub smtp_from: String,
    /// Group commit on SQLite (on unless a benchmark compares without it).
    pub sqlite_group_commit: bool,
    pub limits: Limits,
    pub reach_out: ReachOutConfig,
}

/// Reach-out settings of the instance.
#[derive(Clone, Copy, Debug)]
pub struct ReachOutConfig {
    /// The shortest wait a member may choose for each person on their list.
    pub min_wait: Duration,
    /// Reach-outs a member may open in an hour before they are held.
    pub per_hour: u32,
}

impl Default for ReachOutConfig {
    fn default() -> Self {
        Self {
            min_wait: Duration::from_secs(60),
            per_hour: 10,
        }
    }
}

impl Config {
    /// Merges flags/environment over the file over defaults.
    pub fn resolve(over: Overrides, file: FileSettings) -> anyhow::Result<Self> {
        let bind = over
            .bind
            .or(file.bind)
            .unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let base_url = match over.base_url.or(file.base_url) {
            Some(raw) => BaseUrl::parse(&raw)?,
            None => BaseUrl::parse(&format!("http://{bind}"))?,
        };
        let data_dir = over
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let database = DatabaseTarget::from_url(
            over.database_url.or(file.database_url).as_deref(),
            &data_dir,
        )?;
        let idle_minutes = file.session_idle_minutes.unwrap_or(12 * 60);
        let absolute_hours = file.session_absolute_hours.unwrap_or(14 * 24);
        if idle_minutes == 0 || absolute_hours == 0 {
            bail!("session_idle_minutes and session_absolute_hours must be at least 1");
        }
        let min_wait = over
            .reach_out_min_wait_seconds
            .or(file.reach_out_min_wait_seconds)
            .unwrap_or(60);
        if !(1..=3600).contains(&min_wait) {
            bail!("BELAY_REACHOUT_MIN_WAIT_SECONDS must be between 1 and 3600; got {min_wait}");
        }
        let reach_out = ReachOutConfig {
            min_wait: Duration::from_secs(min_wait),
            per_hour: file.reach_out_per_hour.unwrap_or(10).max(1),
        };
        let job_workers = file.job_workers.unwrap_or(2);
        if !(1..=64).contains(&job_workers) {
            bail!("job_workers must be between 1 and 64");
        }
        Ok(Self {
            bind,
            base_url,
            data_dir,
            database,
            log_format: over.log_format.or(file.log_format).unwrap_or_default(),
            session_idle: Duration::from_secs(idle_minutes * 60),
            session_absolute: Duration::from_secs(absolute_hours * 3600),
            trust_proxy_headers: file.trust_proxy_headers.unwrap_or(false),
            job_workers,
            metrics_token: over
                .metrics_token
                .or(file.metrics_token)
                .filter(|t| !t.is_empty()),
            smtp_url: over
                .smtp_url
                .or(file.smtp_url)
                .filter(|u| !u.trim().is_empty()),
            smtp_from: over
                .smtp_from
                .or(file.smtp_from)
                .unwrap_or_else(|| "Belay <belay@localhost>".to_owned()),
            sqlite_group_commit: file.sqlite_group_commit.unwrap_or(true),
            limits: Limits {
                messages_per_member: (
                    file.message_burst.unwrap_or(120),
                    Duration::from_millis(file.message_interval_ms.unwrap_or(500)),
                ),
                signup_per_ip: (
                    file.signup_burst.unwrap_or(10),
                    Limits::default().signup_per_ip.1,
                ),
                login_per_ip: (
                    file.login_burst.unwrap_or(30),
                    Limits::default().login_per_ip.1,
                ),
                ..Limits::default()
            },
            reach_out,
        })
    }

    /// A configuration for tests and tools: everything default but the data
    /// directory and database.
    pub fn for_data_dir(data_dir: PathBuf, database: DatabaseTarget) -> Self {
        Self {
            bind: "127.0.0.1:0".into(),
            base_url: BaseUrl {
                origin: "http://127.0.0.1".into(),
            },
            data_dir,
            database,
            log_format: LogFormat::Text,
            session_idle: Duration::from_secs(12 * 3600),
            session_absolute: Duration::from_secs(14 * 24 * 3600),
            trust_proxy_headers: false,
            job_workers: 2,
            metrics_token: None,
            smtp_url: None,
            smtp_from: "Belay <belay@localhost>".into(),
            sqlite_group_commit: true,
            limits: Limits::default(),
            reach_out: ReachOutConfig::default(),
        }
    }

    /// Creates the data directory if it is missing.
    pub fn ensure_data_dir(&self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating the data directory {}", self.data_dir.display()))
    }
}

/// Redacting `Debug`: the database URL may carry a password.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("base_url", &self.base_url.as_str())
            .field("data_dir", &self.data_dir)
            .field("database", &self.database)
            .field("log_format", &self.log_format)
            .field("session_idle", &self.session_idle)
            .field("session_absolute", &self.session_absolute)
            .field("trust_proxy_headers", &self.trust_proxy_headers)
            .field("job_workers", &self.job_workers)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "***"))
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "***"))
            .field("smtp_from", &self.smtp_from)
            .field("sqlite_group_commit", &self.sqlite_group_commit)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_give_sqlite_in_data_on_localhost() {
        let c = Config::resolve(Overrides::default(), FileSettings::default()).unwrap();
        assert_eq!(c.bind, "127.0.0.1:8080");
        assert_eq!(c.base_url.as_str(), "http://127.0.0.1:8080");
        assert!(
            matches!(c.database, DatabaseTarget::Sqlite(ref u) if u.ends_with("data/belay.db"))
        );
    }

    #[test]
    fn flags_and_environment_win_over_the_file() {
        let file: FileSettings =
            toml::from_str("bind = \"0.0.0.0:9000\"\nbase_url = \"https://a.example\"").unwrap();
        let over = Overrides {
            bind: Some("127.0.0.1:7000".into()),
            ..Default::default()
        };
        let c = Config::resolve(over, file).unwrap();
        assert_eq!(c.bind, "127.0.0.1:7000");
        assert_eq!(c.base_url.as_str(), "https://a.example");
        assert!(c.base_url.https());
    }

    #[test]
    fn an_unknown_key_in_the_file_is_an_error() {
        assert!(toml::from_str::<FileSettings>("bnid = \"x\"").is_err());
    }

    #[test]
    fn a_base_url_with_a_path_is_refused() {
        assert!(BaseUrl::parse("https://a.example/belay").is_err());
        assert!(BaseUrl::parse("ftp://a.example").is_err());
        assert_eq!(
            BaseUrl::parse("https://A.example/").unwrap().as_str(),
            "https://a.example"
        );
    }

    #[test]
    fn debug_never_prints_a_database_password() {
        let over = Overrides {
            database_url: Some("postgres://u:s3cret@h/db".into()),
            ..Default::default()
        };
        let c = Config::resolve(over, FileSettings::default()).unwrap();
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}
