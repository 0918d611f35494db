//! Migrations: one folder per backend, same versions and names in both
//! (a test in `tests/it/schema.rs` fails when they drift apart).

use anyhow::Context;
use sqlx::migrate::Migrator;

use super::Db;

static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

pub fn migrator_sqlite() -> &'static Migrator {
    &SQLITE
}

pub fn migrator_postgres() -> &'static Migrator {
    &POSTGRES
}

/// Applies every pending migration. On PostgreSQL sqlx takes an advisory
/// lock, so several instances starting together apply each migration once.
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    match db {
        Db::Sqlite(s) => SQLITE.run(s.writer.pool()).await,
        Db::Postgres(p) => POSTGRES.run(p).await,
    }
    .context("applying database migrations")
}
