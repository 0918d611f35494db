//! Storage: one [`Db`] value over either embedded SQLite or PostgreSQL.
//!
//! Domain code writes SQL once, in the portable subset described in
//! `docs/DATABASE.md`, and runs it through [`on_db!`] (one statement on the
//! read side) or [`on_tx!`] (inside a write transaction). The macros expand the
//! same expression once per backend, so a query is compiled twice but written
//! once. Where the dialects really differ (job claiming, notifications), the
//! store function matches on the backend by hand and says why.
//!
//! SQLite runs with one writer connection and `BEGIN IMMEDIATE` for every
//! write transaction: a deferred transaction that upgrades to a write can fail
//! with `SQLITE_BUSY` without waiting, and one writer makes queueing explicit.

mod connect;
mod error;
pub mod group;
pub mod inline;
mod migrate;

use std::sync::Arc;

use sqlx::{PgPool, Postgres, SqlitePool, Transaction};

use self::group::{GroupTx, GroupWriter};

pub use connect::{DatabaseTarget, connect};
pub use error::{DbError, is_retryable, is_unique_violation, retrying};
pub use migrate::{migrate, migrator_postgres, migrator_sqlite};

/// A connection pool on one of the two supported backends.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PgPool),
}

/// SQLite: several reader connections, and one writer shared by group
/// commit (see [`group`]); for the hottest page, readers on the calling
/// thread (see [`inline`]).
#[derive(Clone, Debug)]
pub struct SqliteDb {
    pub read: SqlitePool,
    pub writer: Arc<GroupWriter>,
    pub inline: Arc<inline::InlineReader>,
}

/// Which backend a [`Db`] runs on, for logs, metrics and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A write transaction. Commit it explicitly; dropping it rolls back. On
/// SQLite it is one unit of a group commit: isolated by its own savepoint,
/// acknowledged only once its group is durable.
#[derive(Debug)]
pub enum Tx {
    Sqlite(GroupTx),
    Postgres(Transaction<'static, Postgres>),
}

impl Db {
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Opens a write transaction: a unit of the current group on SQLite
    /// (whose outer transaction is `BEGIN IMMEDIATE`, so the write lock is
    /// taken up front); a plain `BEGIN` on PostgreSQL.
    pub async fn begin_write(&self) -> sqlx::Result<Tx> {
        Ok(match self {
            Db::Sqlite(s) => Tx::Sqlite(s.writer.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// Checks that the database answers; used by `/readyz`.
    pub async fn ping(&self) -> sqlx::Result<()> {
        on_db!(self, |p| sqlx::query("select 1")
            .execute(p)
            .await
            .map(|r| r.rows_affected()))
        .map(|_| ())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(s) => {
                s.writer.close().await;
                s.writer.close_pool().await;
                s.read.close().await;
            }
            Db::Postgres(p) => p.close().await,
        }
    }
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }

    pub async fn rollback(self) -> sqlx::Result<()> {
        match self {
            Tx::Sqlite(t) => t.rollback().await,
            Tx::Postgres(t) => t.rollback().await,
        }
    }
}

/// Runs `$body` once per backend with `$p` bound to the concrete read pool.
macro_rules! on_db {
    ($db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite(__sqlite) => {
                let $p = &__sqlite.read;
                $body
            }
            $crate::db::Db::Postgres(__pg) => {
                let $p = __pg;
                $body
            }
        }
    };
}

/// Runs `$body` once per backend with `$c` bound to the transaction's
/// concrete connection (`&mut SqliteConnection` or `&mut PgConnection`).
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::db::Tx::Sqlite(__t) => {
                let $c = &mut **__t;
                $body
            }
            $crate::db::Tx::Postgres(__t) => {
                let $c = &mut **__t;
                $body
            }
        }
    };
}

pub(crate) use on_db;
pub(crate) use on_tx;

/// `($1, $2, $3), ($4, $5, $6)...`: placeholders for a multi-row insert of
/// `rows` rows of `cols` columns, numbered from `$1` (the same on both
/// backends). Callers keep batches well under SQLite's 32,766 variables.
pub fn values_placeholders(rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| {
            let row: Vec<String> = (1..=cols).map(|c| format!("${}", r * cols + c)).collect();
            format!("({})", row.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `text` as a LIKE pattern that matches only itself, for a statement that
/// says `like $n escape '\'` (the same on both backends): its `\`, `%` and
/// `_` lose their meaning. Taking them out instead changes the text (a
/// handle's `_` is a character like any other).
pub fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// SQLite: the rows of the enclosing `select` joined as one JSON array of
/// `row` (a `json_array(...)` of the columns), `[]` when there are none, in
/// whatever order SQLite yields them. The driver copies every value of
/// every row it hands over and crosses threads once per row; one value is
/// one of each (`BENCHMARKS.md`, issues 6 and 7).
pub fn sqlite_json_rows(row: &str) -> String {
    format!("'[' || coalesce(group_concat({row}, ','), '') || ']'")
}

/// Parses rows that came back as one JSON array of arrays (each in the
/// field order of `T`); none for `None`. A value that does not parse is a
/// decode error, as a bad column would be.
pub fn rows_from_json<T: serde::de::DeserializeOwned>(json: Option<&str>) -> sqlx::Result<Vec<T>> {
    match json {
        Some(json) => serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(Box::new(e))),
        None => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_literals_escape_the_wildcards() {
        assert_eq!(super::like_literal("a_b%c\\d"), "a\\_b\\%c\\\\d");
        assert_eq!(super::like_literal("plain"), "plain");
    }

    #[test]
    fn placeholders_number_rows_then_columns() {
        assert_eq!(
            super::values_placeholders(2, 3),
            "($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(super::values_placeholders(0, 3), "");
    }
}
