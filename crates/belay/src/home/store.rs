//! The start page's first query: a member's clocks, their recent unread
//! notices and any recent risk signal (for the banner) in a single round
//! trip (the circle feed is the second) (each query is a hop to a database
//! thread, and this page is the one members open most).

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use crate::{
    accounts::MemberId,
    db::{Db, on_db},
};

/// One row of the union: a clock (`item = 'clock'`), a notice, or a risk
/// signal (`text` its rule, `resets` 1 if the reach-out list was told).
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

pub async fn home_rows(
    db: &Db,
    member: MemberId,
    notices_since: DateTime<Utc>,
    signals_since: DateTime<Utc>,
) -> sqlx::Result<Vec<HomeRow>> {
    const SQL: &str =
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
    on_db!(db, |p| sqlx::query_as(SQL)
        .bind(member)
        .bind(notices_since)
        .bind(signals_since)
        .fetch_all(p)
        .await)
}
