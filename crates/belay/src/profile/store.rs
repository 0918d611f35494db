//! Profile SQL. What another member may see is decided inside the query
//! (`visible_to`), never by filtering a full row afterwards.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use crate::{
    accounts::MemberId,
    circle::store::{CIRCLE_CHECK, NO_BLOCK, check},
    db::{Db, Tx, on_db, on_tx},
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ProfileRow {
    pub discoverable: bool,
    pub focus: Json<Vec<String>>,
    pub pathway: Json<Vec<String>>,
    pub languages: Json<Vec<String>>,
    pub bio: String,
    pub seeking: String,
    pub offering: String,
    pub vis_focus: String,
    pub vis_pathway: String,
    pub vis_languages: String,
    pub vis_bio: String,
    pub vis_seeking: String,
    pub vis_offering: String,
    pub vis_clocks: String,
}

/// A new member's profile: empty, undiscoverable, every field `me`.
pub async fn insert_default(tx: &mut Tx, member: MemberId, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "insert into profile (member_id, updated_at) values ($1, $2)";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(member)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

const SELECT_OWN: &str = "select discoverable, focus, pathway, languages, bio, seeking, offering,
        vis_focus, vis_pathway, vis_languages, vis_bio, vis_seeking, vis_offering, vis_clocks
    from profile where member_id = $1";

pub async fn own(db: &Db, member: MemberId) -> sqlx::Result<Option<ProfileRow>> {
    on_db!(db, |p| sqlx::query_as(SELECT_OWN)
        .bind(member)
        .fetch_optional(p)
        .await)
}

pub async fn own_in_tx(tx: &mut Tx, member: MemberId) -> sqlx::Result<Option<ProfileRow>> {
    on_tx!(tx, |c| sqlx::query_as(SELECT_OWN)
        .bind(member)
        .fetch_optional(c)
        .await)
}

pub async fn save(
    tx: &mut Tx,
    member: MemberId,
    p: &ProfileRow,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "update profile set discoverable = $2, focus = $3, pathway = $4,
            languages = $5, bio = $6, seeking = $7, offering = $8, vis_focus = $9,
            vis_pathway = $10, vis_languages = $11, vis_bio = $12, vis_seeking = $13,
            vis_offering = $14, vis_clocks = $15, updated_at = $16
        where member_id = $1";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(member)
        .bind(p.discoverable)
        .bind(&p.focus)
        .bind(&p.pathway)
        .bind(&p.languages)
        .bind(&p.bio)
        .bind(&p.seeking)
        .bind(&p.offering)
        .bind(&p.vis_focus)
        .bind(&p.vis_pathway)
        .bind(&p.vis_languages)
        .bind(&p.vis_bio)
        .bind(&p.vis_seeking)
        .bind(&p.vis_offering)
        .bind(&p.vis_clocks)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Another member's profile as `viewer` may see it: a field is returned
/// only if it is the viewer's own, set to `members`, or set to `circle` and
/// the two are connected. Hidden fields come back as NULL.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VisibleProfileRow {
    pub handle: String,
    pub focus: Option<Json<Vec<String>>>,
    pub pathway: Option<Json<Vec<String>>>,
    pub languages: Option<Json<Vec<String>>>,
    pub bio: Option<String>,
    pub seeking: Option<String>,
    pub offering: Option<String>,
}

pub async fn visible_to(
    db: &Db,
    handle_key: &str,
    viewer: MemberId,
) -> sqlx::Result<Option<VisibleProfileRow>> {
    // `in_circle` and the block check come from the circle feature: a field
    // set to `circle` is seen by accepted connections only, and a member who
    // blocked (or was blocked by) the viewer does not exist for them.
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let field = |name: &str| {
            format!(
                "case when t.is_self or p.vis_{name} = 'members'
                      or (p.vis_{name} = 'circle' and t.in_circle) then p.{name} end as {name}"
            )
        };
        format!(
            "select t.handle, {}, {}, {}, {}, {}, {}
            from (select m.id, m.handle, (m.id = $2) as is_self, {in_circle} as in_circle
                  from member m where m.handle_key = $1 and {no_block}) t
            join profile p on p.member_id = t.id",
            field("focus"),
            field("pathway"),
            field("languages"),
            field("bio"),
            field("seeking"),
            field("offering"),
            in_circle = check(CIRCLE_CHECK, &[("a", "m.id"), ("b", "$2")]),
            no_block = check(NO_BLOCK, &[("a", "m.id"), ("b", "$2")]),
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(handle_key)
        .bind(viewer)
        .fetch_optional(p)
        .await)
}
