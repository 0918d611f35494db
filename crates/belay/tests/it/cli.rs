//! The `belay` binary's subcommands, run as a user would run them.

use std::process::{Command, Output, Stdio};

use crate::support::{Backend, app::Storage};

pub fn belay(storage: &Storage, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_belay"));
    cmd.args(args)
        .env("BELAY_DATA_DIR", storage.data_dir())
        .env("BELAY_LOG", "warn")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::null());
    if let Some(pg) = &storage.pg {
        cmd.env("DATABASE_URL", &pg.url);
    }
    cmd.output().expect("run belay")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn an_unsupported_database_url_is_a_clear_startup_error() {
    let storage = Storage::new(Backend::Sqlite).await;
    let out = Command::new(env!("CARGO_BIN_EXE_belay"))
        .args(["migrate"])
        .env("BELAY_DATA_DIR", storage.data_dir())
        .env("DATABASE_URL", "mysql://root@127.0.0.1/belay")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("mysql") && err.contains("sqlite://"), "{err}");
    assert!(
        !storage.data_dir().join("belay.db").exists(),
        "no silent fallback to SQLite"
    );
}

#[tokio::test]
async fn help_explains_every_command() {
    let storage = Storage::new(Backend::Sqlite).await;
    let out = belay(&storage, &["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for word in [
        "serve",
        "migrate",
        "admin",
        "demo",
        "--data-dir",
        "--database-url",
        "--config",
    ] {
        assert!(help.contains(word), "{word} missing from --help");
    }
    let serve = text(&belay(&storage, &["serve", "--help"]).stdout);
    assert!(
        serve.contains("BELAY_BIND") && serve.contains("BELAY_BASE_URL"),
        "{serve}"
    );
}

backend_tests!(migrate_admin_and_demo_work_from_the_command_line);

async fn migrate_admin_and_demo_work_from_the_command_line(b: Backend) {
    let storage = Storage::new(b).await;
    let out = belay(&storage, &["migrate"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("migrations applied"));

    let out = belay(
        &storage,
        &[
            "admin",
            "create-member",
            "Keeper",
            "--role",
            "admin",
            "--time-zone",
            "Europe/Dublin",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("created keeper"), "{stdout}");
    assert!(
        stdout.contains("password: "),
        "a generated password is shown once"
    );

    let out = belay(&storage, &["admin", "create-member", "keeper"]);
    assert!(!out.status.success(), "the handle is taken");
    let out = belay(&storage, &["admin", "set-role", "nobody_here", "moderator"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no member"),
        "{}",
        text(&out.stderr)
    );

    // A professional listing, verified from the command line.
    let db = belay::db::connect(&storage.target()).await.unwrap();
    let sql = "insert into capacity (member_id, professional, professional_title, updated_at)
        select id, true, 'Addiction counsellor', created_at from member where handle_key = 'keeper'";
    match &db {
        belay::db::Db::Sqlite(s) => sqlx::query(sql)
            .execute(s.writer.pool())
            .await
            .map(|_| ())
            .unwrap(),
        belay::db::Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()).unwrap(),
    }
    db.close().await;
    let out = belay(&storage, &["admin", "verify-professional", "keeper"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("verified professional"));
    let out = belay(&storage, &["admin", "verify-professional", "nobody_here"]);
    assert!(!out.status.success());

    let out = belay(
        &storage,
        &[
            "demo",
            "--members",
            "30",
            "--seed",
            "7",
            "--checkins",
            "7",
            "--circle",
            "5",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let db = belay::db::connect(&storage.target()).await.unwrap();
    let verified: i64 = match &db {
        belay::db::Db::Sqlite(s) => sqlx::query_scalar("select count(*) from capacity where verified_at is not null and professional_title = 'Addiction counsellor' and professional_licence = ''").fetch_one(&s.read).await.unwrap(),
        belay::db::Db::Postgres(p) => sqlx::query_scalar("select count(*) from capacity where verified_at is not null and professional_title = 'Addiction counsellor' and professional_licence = ''").fetch_one(p).await.unwrap(),
    };
    assert_eq!(verified, 1, "keeper's listing is verified");
    let (members, clocks, profiles): (i64, i64, i64) = match &db {
        belay::db::Db::Sqlite(s) => sqlx::query_as(
            "select (select count(*) from member), (select count(*) from clock), (select count(*) from profile)",
        )
        .fetch_one(&s.read)
        .await
        .unwrap(),
        belay::db::Db::Postgres(p) => sqlx::query_as(
            "select (select count(*) from member), (select count(*) from clock), (select count(*) from profile)",
        )
        .fetch_one(p)
        .await
        .unwrap(),
    };
    let support = "select (select count(*) from checkin), (select count(*) from connection where state = 'accepted'), (select count(*) from goal), (select count(*) from feed_item)";
    let (checkins, connections, goals, feed): (i64, i64, i64, i64) = match &db {
        belay::db::Db::Sqlite(s) => sqlx::query_as(support).fetch_one(&s.read).await.unwrap(),
        belay::db::Db::Postgres(p) => sqlx::query_as(support).fetch_one(p).await.unwrap(),
    };
    assert_eq!(checkins, 30 * 7, "seven days of check-ins each");
    assert_eq!(connections, 5, "the first member's circle");
    assert_eq!(goals, 30);
    assert!(feed >= 30 * 5, "goal progress in the feed");
    db.close().await;
    assert_eq!(members, 31);
    assert_eq!(profiles, 31);
    assert!(clocks >= 30, "every demo member has a clock");
}
