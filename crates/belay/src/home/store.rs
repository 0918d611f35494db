//! The start page's reads: a member's clocks, their recent unread notices
//! and any recent risk signal (for the banner) in one statement, and the
//! circle feed's page. On SQLite they run on the request's own thread
//! (`db::inline`): this page is the one members open most, and sqlx's hop to
//! a connection thread and back, with a copy of every value, cost more than
//! the queries (`BENCHMARKS.md`, issue 6).

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
/// Read column by column on either backend, in this order.
#[derive(Debug, Clone, sqlx::FromRow)]
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

impl HomeRow {
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        use crate::db::inline::column;
        let payload = match row.get_ref(6)?.as_str_or_null()? {
            Some(text) => Some(Json(serde_json::from_str(text).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, e.into())
            })?)),
            None => None,
        };
        Ok(Self {
            item: row.get(0)?,
            id: row.get(1)?,
            text: row.get(2)?,
            started_on: column::day_or_null(row, 3)?,
            created_at: column::time(row, 4)?,
            resets: row.get(5)?,
            payload,
        })
    }
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
    // On this thread: statements bounded by their indexes and limits (see
    // `db::inline`).
    sqlite.inline.read(|conn| {
        use crate::db::inline::bind;
        let (id, notices, signals) = (
            bind::uuid(member.0),
            bind::time(notices_since),
            bind::time(signals_since),
        );
        let params: [(&str, &dyn rusqlite::ToSql); 3] =
            [("$1", &id), ("$2", &notices), ("$3", &signals)];
        let home = conn
            .prepare_cached(HOME_SQL)?
            .query_map(params.as_slice(), HomeRow::from_sqlite)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let feed = feed_store::feed_sqlite(conn, member, before, feed_store::FEED_PAGE)?;
        Ok((home, feed))
    })
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
