//! The discovery index: `discovery_card` (one row per discoverable member,
//! holding only what they let members see) and `discovery_tag` (the
//! candidate index, `kind|attribute` by stage start). Candidate queries are
//! index range scans with a limit, so their cost does not grow with the
//! number of members; blocks and existing connections are excluded inside
//! the query.

use chrono::{DateTime, NaiveDate, Utc};
use std::sync::LazyLock;

use crate::{
    accounts::MemberId,
    circle::store::{NO_BLOCK, check},
    db::{Db, Tx, on_db, on_tx},
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CardRow {
    pub member_id: MemberId,
    pub handle: String,
    pub stage_start: Option<NaiveDate>,
    pub focus: String,
    pub pathway: String,
    pub languages: String,
    pub time_zone: String,
    pub mentor_spare: i32,
    pub listener: bool,
    pub duty_hours: String,
    pub professional_title: String,
}

pub async fn clear(tx: &mut Tx, member: MemberId) -> sqlx::Result<()> {
    const TAGS: &str = "delete from discovery_tag where member_id = $1";
    const CARD: &str = "delete from discovery_card where member_id = $1";
    on_tx!(tx, |c| sqlx::query(TAGS)
        .bind(member)
        .execute(&mut *c)
        .await
        .map(|r| r.rows_affected()))?;
    on_tx!(tx, |c| sqlx::query(CARD)
        .bind(member)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn insert_card(tx: &mut Tx, card: &CardRow, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "insert into discovery_card (member_id, handle, stage_start, focus, pathway,
            languages, time_zone, mentor_spare, listener, duty_hours, professional_title, updated_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(card.member_id)
        .bind(&card.handle)
        .bind(card.stage_start)
        .bind(&card.focus)
        .bind(&card.pathway)
        .bind(&card.languages)
        .bind(&card.time_zone)
        .bind(card.mentor_spare)
        .bind(card.listener)
        .bind(&card.duty_hours)
        .bind(&card.professional_title)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn insert_tag(
    tx: &mut Tx,
    tag: &str,
    stage_start: NaiveDate,
    member: MemberId,
) -> sqlx::Result<()> {
    const SQL: &str = "insert into discovery_tag (tag, stage_start, member_id) values ($1, $2, $3)
        on conflict do nothing";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(tag)
        .bind(stage_start)
        .bind(member)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// What a member's discovery card is made from (their own data).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SourceRow {
    pub handle: String,
    pub time_zone: String,
    pub discoverable: bool,
    pub focus: sqlx::types::Json<Vec<String>>,
    pub pathway: sqlx::types::Json<Vec<String>>,
    pub languages: sqlx::types::Json<Vec<String>>,
    pub vis_focus: String,
    pub vis_pathway: String,
    pub vis_languages: String,
    pub vis_clocks: String,
    pub earliest_start: Option<NaiveDate>,
}

pub async fn source(tx: &mut Tx, member: MemberId) -> sqlx::Result<Option<SourceRow>> {
    const SQL: &str =
        "select m.handle, m.time_zone, p.discoverable, p.focus, p.pathway, p.languages,
            p.vis_focus, p.vis_pathway, p.vis_languages, p.vis_clocks,
            (select min(c.started_on) from clock c where c.member_id = m.id) as earliest_start
        from member m join profile p on p.member_id = m.id where m.id = $1";
    on_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(member)
        .fetch_optional(c)
        .await)
}

/// One candidate query: members tagged `tag` whose stage start lies in
/// `[from, to]`, nearest `to` first (or nearest `from` with `ascending`),
/// never the viewer, anyone blocked either way, or anyone already connected
/// or asked.
pub async fn candidates(
    db: &Db,
    tag: &str,
    from: NaiveDate,
    to: NaiveDate,
    viewer: MemberId,
    ascending: bool,
    limit: i64,
) -> sqlx::Result<Vec<CardRow>> {
    fn sql(order: &str) -> String {
        format!(
            "select d.member_id, d.handle, d.stage_start, d.focus, d.pathway, d.languages,
                d.time_zone, d.mentor_spare, d.listener, d.duty_hours, d.professional_title
            from discovery_tag t join discovery_card d on d.member_id = t.member_id
            where t.tag = $1 and t.stage_start >= $2 and t.stage_start <= $3 and t.member_id <> $4
              and {no_block}
              and not exists (select 1 from connection c
                  where c.state in ('pending', 'accepted')
                    and ((c.requester_id = t.member_id and c.addressee_id = $4)
                      or (c.requester_id = $4 and c.addressee_id = t.member_id)))
            order by t.stage_start {order}, t.member_id
            limit $5",
            no_block = check(NO_BLOCK, &[("a", "t.member_id"), ("b", "$4")])
        )
    }
    static ASC: LazyLock<String> = LazyLock::new(|| sql("asc"));
    static DESC: LazyLock<String> = LazyLock::new(|| sql("desc"));
    let query: &'static str = if ascending {
        ASC.as_str()
    } else {
        DESC.as_str()
    };
    on_db!(db, |p| sqlx::query_as(query)
        .bind(tag)
        .bind(from)
        .bind(to)
        .bind(viewer)
        .bind(limit)
        .fetch_all(p)
        .await)
}
