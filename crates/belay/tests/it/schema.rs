//! The two migration folders must describe the same schema.

use std::collections::BTreeSet;

use belay::db::{migrator_postgres, migrator_sqlite};

use crate::support::{Backend, app::Storage};

#[test]
fn both_backends_have_the_same_migration_versions_and_names() {
    let names = |m: &sqlx::migrate::Migrator| -> Vec<(i64, String)> {
        m.iter()
            .map(|x| (x.version, x.description.to_string()))
            .collect()
    };
    let sqlite = names(migrator_sqlite());
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names(migrator_postgres()));
}

/// Pairs of names from a freshly migrated database of `backend`: the
/// rows of `sqlite` or of `postgres`, whichever it is.
async fn name_pairs(
    backend: Backend,
    sqlite: &'static str,
    postgres: &'static str,
) -> Vec<(String, String)> {
    let storage = Storage::new(backend).await;
    let db = belay::db::connect(&storage.target()).await.unwrap();
    belay::db::migrate(&db).await.unwrap();
    let rows = match &db {
        belay::db::Db::Sqlite(s) => sqlx::query_as(sqlite).fetch_all(&s.read).await,
        belay::db::Db::Postgres(p) => sqlx::query_as(postgres).fetch_all(p).await,
    }
    .unwrap();
    db.close().await;
    rows
}

async fn columns(backend: Backend) -> BTreeSet<(String, String)> {
    name_pairs(
        backend,
        "select m.name, p.name from sqlite_master m join pragma_table_info(m.name) p
             where m.type = 'table' and m.name not like '\\_sqlx%' escape '\\' and m.name not like 'sqlite\\_%' escape '\\'",
        "select table_name::text, column_name::text from information_schema.columns
             where table_schema = 'public' and table_name not like '\\_sqlx%'",
    )
    .await
    .into_iter()
    .collect()
}

/// Every foreign key has an index that starts with its column. Deleting a
/// parent row (a clock, a goal, an erased member) finds its children
/// through it; without one, each deletion reads the whole child table
/// inside the write lock (for a clock, all 600,000 feed items of the
/// demo's instance, while every other write waits).
async fn unindexed_foreign_keys(backend: Backend) -> Vec<(String, String)> {
    name_pairs(
        backend,
        "select m.name, f.\"from\" from sqlite_master m join pragma_foreign_key_list(m.name) f
             where m.type = 'table' and f.seq = 0 and not exists (
                select 1 from pragma_index_list(m.name) i
                join pragma_index_info(i.name) c on c.seqno = 0
                where c.name = f.\"from\")",
        "select c.conrelid::regclass::text, a.attname::text from pg_constraint c
             join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
             where c.contype = 'f' and c.connamespace = 'public'::regnamespace
               and not exists (select 1 from pg_index i
                               where i.indrelid = c.conrelid and i.indkey[0] = c.conkey[1])",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_foreign_key_has_an_index_on_sqlite() {
    assert_eq!(unindexed_foreign_keys(Backend::Sqlite).await, vec![]);
}

mod postgres {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_foreign_key_has_an_index_on_postgresql() {
        if !crate::support::app::postgres_available() {
            return;
        }
        let missing = super::unindexed_foreign_keys(crate::support::Backend::Postgres).await;
        assert_eq!(missing, Vec::<(String, String)>::new());
    }

    /// Needs both databases, so it lives in the PostgreSQL suite.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn both_backends_have_the_same_tables_and_columns() {
        if !crate::support::app::postgres_available() {
            return;
        }
        super::compare_columns().await
    }

    /// SQLite has no boolean type, so the export turns 0 and 1 into
    /// booleans by a list; PostgreSQL knows which columns are booleans.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_exports_boolean_list_matches_postgresql() {
        if !crate::support::app::postgres_available() {
            return;
        }
        super::export_booleans().await
    }
}

async fn export_booleans() {
    use belay::privacy::export::{BOOLEAN_COLUMNS, SECTIONS};
    use sqlx::{Column, Executor, TypeInfo};
    let storage = Storage::new(Backend::Postgres).await;
    let db = belay::db::connect(&storage.target()).await.unwrap();
    belay::db::migrate(&db).await.unwrap();
    let belay::db::Db::Postgres(pool) = &db else {
        panic!("a PostgreSQL target");
    };
    let mut found = BTreeSet::new();
    for (section, sql) in SECTIONS {
        let sql: &'static str = sql;
        let described = pool
            .describe(sqlx::SqlSafeStr::into_sql_str(sql))
            .await
            .unwrap();
        for column in described.columns() {
            if column.type_info().name() == "BOOL" {
                found.insert((section.to_string(), column.name().to_owned()));
            }
        }
    }
    db.close().await;
    let listed: BTreeSet<(String, String)> = BOOLEAN_COLUMNS
        .iter()
        .map(|(s, c)| (s.to_string(), c.to_string()))
        .collect();
    assert!(found.contains(&("account".into(), "moderators_may_check".into())));
    assert_eq!(listed, found);
}

async fn compare_columns() {
    let pg = columns(Backend::Postgres).await;
    let lite = columns(Backend::Sqlite).await;
    assert!(pg.contains(&("member".into(), "handle_key".into())));
    assert_eq!(lite, pg);
}
