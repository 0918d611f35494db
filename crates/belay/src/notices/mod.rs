//! Notices: short messages for one member ("30 days today"). Other features
//! record them through [`record`], inside their own transaction and with a
//! dedupe key, so a retried job never tells anyone the same thing twice.
//!
//! A notice is only ever shown to the member it belongs to.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

use crate::{
    accounts::MemberId,
    db::{Db, Tx, on_db, on_tx},
};

pub struct NewNotice<'a> {
    pub member: MemberId,
    pub kind: &'a str,
    pub payload: serde_json::Value,
    pub dedupe_key: &'a str,
}

/// Records a notice; `false` if one with this key already exists.
pub async fn record(tx: &mut Tx, n: &NewNotice<'_>, now: DateTime<Utc>) -> sqlx::Result<bool> {
    const SQL: &str = "insert into notice (id, member_id, kind, payload, dedupe_key, created_at)
        values ($1, $2, $3, $4, $5, $6)
        on conflict (dedupe_key) do nothing";
    let done = on_tx!(tx, |c| sqlx::query(SQL)
        .bind(Uuid::new_v4())
        .bind(n.member)
        .bind(n.kind)
        .bind(Json(&n.payload))
        .bind(n.dedupe_key)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoticeRow {
    pub id: Uuid,
    pub kind: String,
    pub payload: Json<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

pub async fn recent(db: &Db, member: MemberId, limit: i64) -> sqlx::Result<Vec<NoticeRow>> {
    const SQL: &str = "select id, kind, payload, created_at, read_at from notice
        where member_id = $1 order by created_at desc limit $2";
    on_db!(db, |p| sqlx::query_as(SQL)
        .bind(member)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// A notice as shown to its member.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub id: Uuid,
    pub kind: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

impl From<NoticeRow> for Notice {
    fn from(r: NoticeRow) -> Self {
        Self {
            text: text_of(&r.kind, &r.payload.0),
            id: r.id,
            kind: r.kind,
            created_at: r.created_at,
            read: r.read_at.is_some(),
        }
    }
}

/// The sentence for a notice. Copy is warm and plain, never shaming.
pub fn text_of(kind: &str, payload: &serde_json::Value) -> String {
    let s = |key: &str| {
        payload
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    match kind {
        "milestone" => format!(
            "{} on your {} clock today. Every one of those days counts.",
            s("milestone"),
            s("label")
        ),
        _ => "You have a new notice.".to_owned(),
    }
}
