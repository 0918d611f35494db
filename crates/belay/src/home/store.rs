//! The start page's reads: a member's clocks, their recent unread notices
//! and any recent risk signal (for the banner) in one statement, and the
//! circle feed's page in another. On SQLite both come back as one row of
//! two JSON values, read on the request's own thread (`db::inline`): rows
//! and hops to a database thread cost more than the queries, and this page
//! is the one members open most (`BENCHMARKS.md`, issue 6).

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use crate::{
    accounts::MemberId,
    db::{Db, on_db},
    feed::store::{self as feed_store, FeedRow},
};

/// One row of the union: a clock (`item = 'clock'`), a notice, or a risk
/// signal (`text` its rule, `resets` 1 if the reach-out list was told).
/// Read column by column (PostgreSQL), or on SQLite from a JSON array in
/// this field order: keep the two in step.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct HomeRow {
    pub item: String,
    pub id: Uuid,
    /// A clock's label, or a notice's kind.
    pub text: String,
    pub started_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub resets: i64,
    pub payload: Option<Json<serde_json::Value>>,
}

/// The home rows ([`HOME_SQL`]) and up to [`feed_store::FEED_PAGE`] rows of the
/// member's feed before `before`.
pub async fn home_rows(
    db: &Db,
    member: MemberId,
    notices_since: DateTime<Utc>,
    signals_since: DateTime<Utc>,
    before: (DateTime<Utc>, Uuid),
) -> sqlx::Result<(Vec<HomeRow>, Vec<FeedRow>)> {
    let Db::Sqlite(sqlite) = db else {
        let home = on_db!(db, |p| sqlx::query_as(HOME_SQL)
            .bind(member)
            .bind(notices_since)
            .bind(signals_since)
            .fetch_all(p)
            .await)?;
        let feed = feed_store::feed(db, member, before, feed_store::FEED_PAGE).await?;
        return Ok((home, feed));
    };
    // One row: the home rows and the feed's page, each as one JSON value.
    static BOTH: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select (select {} from ({HOME_SQL}) home) as home, ({}) as feed",
            crate::db::sqlite_json_rows(
                "json_array(item, lower(hex(id)), text, started_on, created_at, resets,
                    json(payload))"
            ),
            feed_store::feed_json_sql_at(feed_store::FEED_PAGE, ["$4", "$5"])
        )
    });
    // On this thread: the page's one statement, bounded by its indexes and
    // limits (see `db::inline`).
    let sql: &'static str = BOTH.as_str();
    let (home, feed) = sqlite.inline.read(|conn| {
        use crate::db::inline::bind;
        let mut statement = conn.prepare_cached(sql)?;
        let params: [(&str, &dyn rusqlite::ToSql); 5] = [
            ("$1", &bind::uuid(member.0)),
            ("$2", &bind::time(notices_since)),
            ("$3", &bind::time(signals_since)),
            ("$4", &bind::time(before.0)),
            ("$5", &bind::uuid(before.1)),
        ];
        statement.query_row(params.as_slice(), |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
    })?;
    let home = crate::db::rows_from_json(Some(&home))?;
    let feed = feed_store::feed_from_json(&feed)?;
    Ok((home, feed))
}

/// A member's clocks (`$1`), their unread notices since `$2` (the newest
/// three) and risk signals since `$3`.
const HOME_SQL: &str =
    "select 'clock' as item, c.id as id, c.label as text, c.started_on as started_on,
            c.created_at as created_at,
            (select count(*) from clock_reset r where r.clock_id = c.id) as resets,
            null as payload
        from clock c where c.member_id = $1
        union all
        select 'notice', n.id, n.kind, null, n.created_at, 0, n.payload
        from (select id, kind, created_at, payload from notice
              where member_id = $1 and read_at is null and created_at > $2
              order by created_at desc limit 3) n
        union all
        select 'signal', s.member_id, s.rule, null, s.fired_at,
            case when s.nudged then 1 else 0 end, null
        from risk_signal s where s.member_id = $1 and s.fired_at >= $3";
