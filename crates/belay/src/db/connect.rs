//! Turning configuration into pools, with the durability settings checked.

use std::{fmt, path::Path, str::FromStr, sync::Arc, time::Duration};

use anyhow::{Context, bail};
use sqlx::{
    ConnectOptions,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use super::{Db, SqliteDb, group::GroupWriter, inline::InlineReader};

/// Where the data lives, decided from `DATABASE_URL` (or its absence).
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    /// A SQLite file: `sqlite://path` or the default `belay.db` in the data
    /// directory.
    Sqlite(String),
    /// A PostgreSQL URL.
    Postgres(String),
}

impl DatabaseTarget {
    /// Chooses the backend from the URL scheme. Anything but SQLite or
    /// PostgreSQL is an error: silently falling back to a default database
    /// would hide a typo until data went missing.
    pub fn from_url(url: Option<&str>, data_dir: &Path) -> anyhow::Result<Self> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            let file = data_dir.join("belay.db");
            return Ok(Self::Sqlite(format!("sqlite://{}", file.display())));
        };
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("sqlite") => Ok(Self::Sqlite(url.to_owned())),
            Some("postgres" | "postgresql") => Ok(Self::Postgres(url.to_owned())),
            Some(other) => bail!(
                "DATABASE_URL has the scheme `{other}`, which Belay does not support; \
                 use sqlite://PATH or postgres://USER@HOST/DB, or leave it unset for \
                 SQLite in the data directory"
            ),
            None => bail!(
                "DATABASE_URL is not a URL; use sqlite://PATH or postgres://USER@HOST/DB, \
                 or leave it unset for SQLite in the data directory"
            ),
        }
    }
}

/// Never prints a password that a PostgreSQL URL may carry.
impl fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sqlite(url) => write!(f, "Sqlite({url})"),
            Self::Postgres(url) => write!(f, "Postgres({})", redact_password(url)),
        }
    }
}

fn redact_password(url: &str) -> String {
    // scheme://user:password@host/...
    let Some((scheme, rest)) = url.split_once("://") else {
        return "<unparsable url>".into();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_owned(),
    }
}

/// Opens the pools and checks the durability settings before anything is
/// served: an acknowledged write has to survive `kill -9` and, on SQLite with
/// `synchronous=FULL`, a power loss too.
pub async fn connect(target: &DatabaseTarget) -> anyhow::Result<Db> {
    match target {
        DatabaseTarget::Sqlite(url) => connect_sqlite(url).await,
        DatabaseTarget::Postgres(url) => connect_postgres(url).await,
    }
}

async fn connect_sqlite(url: &str) -> anyhow::Result<Db> {
    let options = SqliteConnectOptions::from_str(url)
        .context("DATABASE_URL is not a valid SQLite URL")?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5))
        .pragma("trust_schema", "OFF")
        // Reads come from a per-connection cache and a shared memory map
        // rather than a read() system call per page.
        .pragma("cache_size", "-16000")
        .pragma("mmap_size", "268435456")
        // Sorts and materialized subqueries stay in memory.
        .pragma("temp_store", "memory")
        // Deleted content is overwritten with zeros, so an erased account's
        // bytes don't linger in free space (see privacy::erase).
        .pragma("secure_delete", "ON")
        .disable_statement_logging();
    let write = SqlitePoolOptions::new()
        .max_connections(1)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options.clone())
        .await
        .with_context(|| format!("could not open the SQLite database at {url}"))?;
    let read = SqlitePoolOptions::new()
        .max_connections(4)
        .min_connections(1)
        .connect_with(options)
        .await
        .context("could not open SQLite read connections")?;
    for pool in [&write, &read] {
        let sync: i64 = sqlx::query_scalar("pragma synchronous")
            .fetch_one(pool)
            .await?;
        let mode: String = sqlx::query_scalar("pragma journal_mode")
            .fetch_one(pool)
            .await?;
        if sync != 2 || !mode.eq_ignore_ascii_case("wal") {
            bail!("SQLite durability check failed: synchronous={sync}, journal_mode={mode}");
        }
    }
    let file: String =
        sqlx::query_scalar("select file from pragma_database_list where name = 'main'")
            .fetch_one(&read)
            .await?;
    if file.is_empty() {
        bail!("SQLite must be a file (not in memory) so that every reader sees one database");
    }
    Ok(Db::Sqlite(SqliteDb {
        read,
        writer: GroupWriter::new(write, file.clone()),
        inline: Arc::new(InlineReader::new(file)),
    }))
}

async fn connect_postgres(url: &str) -> anyhow::Result<Db> {
    let options = PgConnectOptions::from_str(url)
        .context("DATABASE_URL is not a valid PostgreSQL URL")?
        .application_name("belay")
        .disable_statement_logging();
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .context("could not connect to PostgreSQL")?;
    for setting in ["fsync", "synchronous_commit"] {
        let value: String = sqlx::query_scalar(match setting {
            "fsync" => "show fsync",
            _ => "show synchronous_commit",
        })
        .fetch_one(&pool)
        .await?;
        if value.eq_ignore_ascii_case("off") {
            bail!(
                "PostgreSQL runs with {setting}=off, which can lose acknowledged writes; \
                 Belay refuses to start on it"
            );
        }
    }
    Ok(Db::Postgres(pool))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_url_means_sqlite_in_the_data_directory() {
        let t = DatabaseTarget::from_url(None, Path::new("/srv/belay")).unwrap();
        assert_eq!(
            t,
            DatabaseTarget::Sqlite("sqlite:///srv/belay/belay.db".into())
        );
    }

    #[test]
    fn postgres_urls_of_both_spellings_are_accepted() {
        for url in [
            "postgres://a@h/db",
            "postgresql://a@h/db",
            "POSTGRES://a@h/db",
        ] {
            assert!(matches!(
                DatabaseTarget::from_url(Some(url), Path::new(".")).unwrap(),
                DatabaseTarget::Postgres(_)
            ));
        }
    }

    #[test]
    fn an_unknown_scheme_is_an_error_not_a_fallback() {
        let err = DatabaseTarget::from_url(Some("mysql://root@h/db"), Path::new(".")).unwrap_err();
        assert!(err.to_string().contains("mysql"));
        assert!(DatabaseTarget::from_url(Some("belay.db"), Path::new(".")).is_err());
    }

    #[test]
    fn debug_output_hides_the_password() {
        let t = DatabaseTarget::Postgres("postgres://belay:hunter2@db/belay".into());
        let shown = format!("{t:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("belay:***@db/belay"));
    }
}
