//! The discovery index: `discovery_card` (one row per discoverable member,
//! holding only what they let members see) and `discovery_tag` (the
//! candidate index, `kind|attribute` by stage start). Candidate queries are
//! index range scans with a limit, so their cost does not grow with the
//! number of members; blocks and existing connections are excluded inside
//! the query.

use chrono::{DateTime, NaiveDate, Utc};
use std::sync::LazyLock;

use super::model::{Card, unknown_stage};
use crate::{
    accounts::MemberId,
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

/// A member's profile for the index; a suspended or banned member is not
/// discoverable while it lasts.
pub async fn source(
    tx: &mut Tx,
    member: MemberId,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<SourceRow>> {
    const SQL: &str = "select m.handle, m.time_zone,
            p.discoverable and m.banned_at is null
                and (m.suspended_until is null or m.suspended_until <= $2) as discoverable,
            p.focus, p.pathway, p.languages,
            p.vis_focus, p.vis_pathway, p.vis_languages, p.vis_clocks,
            (select min(c.started_on) from clock c where c.member_id = m.id) as earliest_start
        from member m join profile p on p.member_id = m.id where m.id = $1";
    on_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(member)
        .bind(now)
        .fetch_optional(c)
        .await)
}

/// Separators for the aggregated candidate list. Member text can never
/// contain control characters (every text field is checked for them), so
/// these cannot collide with data.
const FIELD: char = '\u{1f}';
const RECORD: char = '\u{1e}';

/// One candidate query: members tagged `tag` whose stage start lies in
/// `[from, to]`, nearest `to` first (or nearest `from` with `ascending`),
/// never the viewer, anyone blocked either way, or anyone already connected
/// or asked. The exclusions are uncorrelated sets (the viewer's blocks and
/// connections, a handful of rows), built once per query rather than probed
/// per candidate.
///
/// The rows come back aggregated into one string: sqlx's SQLite driver
/// hands each row to the async side separately, and at 150 rows that
/// hand-off, not SQLite, was most of a request's cost (`BENCHMARKS.md`).
/// `string_agg` is PostgreSQL's and SQLite's (3.44 and later) alike.
pub async fn candidates(
    db: &Db,
    tag: &str,
    from: NaiveDate,
    to: NaiveDate,
    viewer: MemberId,
    ascending: bool,
    limit: i64,
) -> sqlx::Result<Vec<Card>> {
    fn sql(order: &str) -> String {
        let f = FIELD;
        let r = RECORD;
        format!(
            "select string_agg(x.line, '{r}') from (
                select d.handle || '{f}' || coalesce(d.stage_start || '', '') || '{f}' || d.focus
                    || '{f}' || d.pathway || '{f}' || d.languages || '{f}' || d.time_zone
                    || '{f}' || d.mentor_spare || '{f}' || (case when d.listener then 'y' else 'n' end)
                    || '{f}' || d.duty_hours || '{f}' || d.professional_title as line
                from discovery_tag t join discovery_card d on d.member_id = t.member_id
                where t.tag = $1 and t.stage_start >= $2 and t.stage_start <= $3 and t.member_id <> $4
                  and t.member_id not in (
                      select blocked_id from block where blocker_id = $4
                      union all select blocker_id from block where blocked_id = $4)
                  and t.member_id not in (
                      select addressee_id from connection
                      where requester_id = $4 and state in ('pending', 'accepted')
                      union all select requester_id from connection
                      where addressee_id = $4 and state in ('pending', 'accepted'))
                order by t.stage_start {order}, t.member_id
                limit $5) x"
        )
    }
    static ASC: LazyLock<String> = LazyLock::new(|| sql("asc"));
    static DESC: LazyLock<String> = LazyLock::new(|| sql("desc"));
    let query: &'static str = if ascending {
        ASC.as_str()
    } else {
        DESC.as_str()
    };
    let joined: Option<String> = on_db!(db, |p| sqlx::query_scalar(query)
        .bind(tag)
        .bind(from)
        .bind(to)
        .bind(viewer)
        .bind(limit)
        .fetch_one(p)
        .await)?;
    Ok(joined.as_deref().map(parse_cards).unwrap_or_default())
}

fn parse_cards(joined: &str) -> Vec<Card> {
    joined.split(RECORD).filter_map(parse_card).collect()
}

fn parse_card(line: &str) -> Option<Card> {
    let mut f = line.split(FIELD);
    let mut next = || f.next().map(str::to_owned);
    let list = |s: String| {
        s.split(',')
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    };
    Some(Card {
        handle: next()?,
        stage_start: next()?.parse().ok().filter(|d| *d != unknown_stage()),
        focus: list(next()?),
        pathway: list(next()?),
        languages: list(next()?),
        time_zone: next()?,
        mentor_spare: next()?.parse().ok()?,
        listener: next()? == "y",
        duty_hours: next()?,
        professional_title: next()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregated_cards_parse_back() {
        let line = |h: &str, stage: &str| {
            [
                h,
                stage,
                "alcohol,anxiety",
                "smart",
                "en,es",
                "America/Chicago",
                "2",
                "y",
                "Mon-Fri 09:00-17:00",
                "",
            ]
            .join(&FIELD.to_string())
        };
        let joined = [line("sky", "2026-01-02"), line("wren", "")].join(&RECORD.to_string());
        let cards = parse_cards(&joined);
        assert_eq!(cards.len(), 2);
        assert_eq!(cards[0].handle, "sky");
        assert_eq!(cards[0].stage_start, NaiveDate::from_ymd_opt(2026, 1, 2));
        assert_eq!(cards[0].mentor_spare, 2);
        assert!(cards[0].listener);
        assert_eq!(cards[1].stage_start, None);
        assert_eq!(cards[0].focus, ["alcohol", "anxiety"]);
        assert!(parse_cards("garbage").is_empty());
    }
}
