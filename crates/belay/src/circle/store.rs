//! Circle SQL: capacities, connections, grants, blocks and invites.
//!
//! The one check that lets one member see another's shared data is
//! [`GRANT_CHECK`]: every query that returns such data embeds it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::{ConnectionId, Grants, Relationship, pair};
use crate::{
    accounts::MemberId,
    db::{Db, Tx, on_db, on_tx},
};

/// The grant check, for embedding in a `where` (its aliases are its own, so
/// they can't capture the outer query's): `{owner}` and `{viewer}` are
/// column expressions or placeholders, `{grant}` one of `clocks`,
/// `checkins`, `goals`, `reach_out`. True only for an accepted connection
/// whose owner granted it, with no block either way.
pub const GRANT_CHECK: &str = "exists (
    select 1 from connection_grant grt join connection grc on grc.id = grt.connection_id
    where grt.owner_id = {owner} and grt.viewer_id = {viewer} and grc.state = 'accepted'
      and grt.{grant}
      and not exists (select 1 from block grb
                      where (grb.blocker_id = grt.owner_id and grb.blocked_id = grt.viewer_id)
                         or (grb.blocker_id = grt.viewer_id and grb.blocked_id = grt.owner_id)))";

/// "In my circle": an accepted connection and no block either way.
pub const CIRCLE_CHECK: &str = "exists (
    select 1 from connection cic
    where cic.state = 'accepted'
      and ((cic.requester_id = {a} and cic.addressee_id = {b})
        or (cic.requester_id = {b} and cic.addressee_id = {a}))
      and not exists (select 1 from block cix
                      where (cix.blocker_id = {a} and cix.blocked_id = {b})
                         or (cix.blocker_id = {b} and cix.blocked_id = {a})))";

/// "Neither has blocked the other".
pub const NO_BLOCK: &str = "not exists (select 1 from block nbx
    where (nbx.blocker_id = {a} and nbx.blocked_id = {b})
       or (nbx.blocker_id = {b} and nbx.blocked_id = {a}))";

/// Fills a check's placeholders (compile-time strings only).
pub fn check(template: &str, pairs: &[(&str, &str)]) -> String {
    pairs.iter().fold(template.to_owned(), |sql, (k, v)| {
        sql.replace(&format!("{{{k}}}"), v)
    })
}

// ---- capacities -----------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CapacityRow {
    pub mentor: bool,
    pub mentor_capacity: i32,
    pub listener: bool,
    pub duty_hours: String,
    pub professional: bool,
    pub professional_title: String,
    pub professional_licence: String,
    pub verified_at: Option<DateTime<Utc>>,
}

impl Default for CapacityRow {
    /// Nothing offered; three mentees once mentoring is turned on.
    fn default() -> Self {
        Self {
            mentor: false,
            mentor_capacity: 3,
            listener: false,
            duty_hours: String::new(),
            professional: false,
            professional_title: String::new(),
            professional_licence: String::new(),
            verified_at: None,
        }
    }
}

pub async fn capacity(tx: &mut Tx, member: MemberId) -> sqlx::Result<Option<CapacityRow>> {
    const SQL: &str = "select mentor, mentor_capacity, listener, duty_hours, professional,
            professional_title, professional_licence, verified_at
        from capacity where member_id = $1";
    on_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(member)
        .fetch_optional(c)
        .await)
}

pub async fn capacity_read(db: &Db, member: MemberId) -> sqlx::Result<Option<CapacityRow>> {
    const SQL: &str = "select mentor, mentor_capacity, listener, duty_hours, professional,
            professional_title, professional_licence, verified_at
        from capacity where member_id = $1";
    on_db!(db, |p| sqlx::query_as(SQL)
        .bind(member)
        .fetch_optional(p)
        .await)
}

pub async fn save_capacity(
    tx: &mut Tx,
    member: MemberId,
    c: &CapacityRow,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str =
        "insert into capacity (member_id, mentor, mentor_capacity, listener, duty_hours,
            professional, professional_title, professional_licence, verified_at, updated_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        on conflict (member_id) do update set mentor = excluded.mentor,
            mentor_capacity = excluded.mentor_capacity, listener = excluded.listener,
            duty_hours = excluded.duty_hours, professional = excluded.professional,
            professional_title = excluded.professional_title,
            professional_licence = excluded.professional_licence,
            verified_at = excluded.verified_at, updated_at = excluded.updated_at";
    on_tx!(tx, |conn| sqlx::query(SQL)
        .bind(member)
        .bind(c.mentor)
        .bind(c.mentor_capacity)
        .bind(c.listener)
        .bind(&c.duty_hours)
        .bind(c.professional)
        .bind(&c.professional_title)
        .bind(&c.professional_licence)
        .bind(c.verified_at)
        .bind(now)
        .execute(conn)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

const MENTEE_COUNT: &str = "select count(*) from connection where state = 'accepted' and (
        (addressee_id = $1 and relationship = 'mentor') or (requester_id = $1 and relationship = 'mentee'))";

/// Accepted mentees of a mentor (either way the connection was asked).
pub async fn mentee_count(tx: &mut Tx, mentor: MemberId) -> sqlx::Result<i64> {
    on_tx!(tx, |c| sqlx::query_scalar(MENTEE_COUNT)
        .bind(mentor)
        .fetch_one(c)
        .await)
}

pub async fn mentee_count_read(db: &Db, mentor: MemberId) -> sqlx::Result<i64> {
    on_db!(db, |p| sqlx::query_scalar(MENTEE_COUNT)
        .bind(mentor)
        .fetch_one(p)
        .await)
}
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingProfessionalRow {
    pub handle: String,
    pub professional_title: String,
    pub professional_licence: String,
    pub verified_at: Option<DateTime<Utc>>,
}

pub async fn professionals(db: &Db) -> sqlx::Result<Vec<PendingProfessionalRow>> {
    const SQL: &str = "select m.handle, c.professional_title, c.professional_licence, c.verified_at
        from capacity c join member m on m.id = c.member_id
        where c.professional order by c.verified_at is not null, m.handle limit 500";
    on_db!(db, |p| sqlx::query_as(SQL).fetch_all(p).await)
}

pub async fn set_verified(
    tx: &mut Tx,
    handle_key: &str,
    at: Option<DateTime<Utc>>,
) -> sqlx::Result<Option<MemberId>> {
    const SQL: &str = "update capacity set verified_at = $2
        where professional and member_id = (select id from member where handle_key = $1)
        returning member_id";
    on_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(handle_key)
        .bind(at)
        .fetch_optional(c)
        .await)
}

// ---- connections ----------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConnectionRow {
    pub id: ConnectionId,
    pub requester_id: MemberId,
    pub addressee_id: MemberId,
    pub relationship: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

impl ConnectionRow {
    pub fn other(&self, me: MemberId) -> MemberId {
        if self.requester_id == me {
            self.addressee_id
        } else {
            self.requester_id
        }
    }

    /// What the other person is to `me`.
    pub fn relationship_for(&self, me: MemberId) -> Relationship {
        let r = Relationship::parse(&self.relationship).unwrap_or(Relationship::Peer);
        if self.requester_id == me {
            r
        } else {
            r.inverse()
        }
    }
}

pub async fn insert_connection(
    tx: &mut Tx,
    id: ConnectionId,
    requester: MemberId,
    addressee: MemberId,
    relationship: Relationship,
    state: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "insert into connection (id, requester_id, addressee_id, pair_low, pair_high,
            relationship, state, created_at, responded_at, updated_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $8)";
    let (low, high) = pair(requester.0, addressee.0);
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(requester)
        .bind(addressee)
        .bind(low)
        .bind(high)
        .bind(relationship.as_str())
        .bind(state)
        .bind(now)
        .bind((state == "accepted").then_some(now))
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A connection `me` is part of.
pub async fn connection_of(
    tx: &mut Tx,
    me: MemberId,
    id: ConnectionId,
) -> sqlx::Result<Option<ConnectionRow>> {
    const SQL: &str = "select id, requester_id, addressee_id, relationship, state, created_at
        from connection where id = $1 and (requester_id = $2 or addressee_id = $2)";
    on_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(id)
        .bind(me)
        .fetch_optional(c)
        .await)
}

/// The pending or accepted connection between two members, if any.
pub async fn live_between(
    tx: &mut Tx,
    a: MemberId,
    b: MemberId,
) -> sqlx::Result<Option<ConnectionRow>> {
    const SQL: &str = "select id, requester_id, addressee_id, relationship, state, created_at
        from connection where pair_low = $1 and pair_high = $2 and state in ('pending', 'accepted')";
    let (low, high) = pair(a.0, b.0);
    on_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(low)
        .bind(high)
        .fetch_optional(c)
        .await)
}

pub async fn set_state(
    tx: &mut Tx,
    id: ConnectionId,
    state: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "update connection set state = $2, updated_at = $3,
            responded_at = case when responded_at is null then $3 else responded_at end
        where id = $1";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(state)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// One of my connections with the other member's handle and both grants.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MyConnectionRow {
    pub id: ConnectionId,
    pub requester_id: MemberId,
    pub relationship: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub other_id: MemberId,
    pub other_handle: String,
    pub mine_clocks: Option<bool>,
    pub mine_checkins: Option<bool>,
    pub mine_goals: Option<bool>,
    pub mine_reach_out: Option<bool>,
    pub mine_order: Option<i32>,
    pub theirs_clocks: Option<bool>,
    pub theirs_checkins: Option<bool>,
    pub theirs_goals: Option<bool>,
    pub theirs_reach_out: Option<bool>,
}

pub async fn my_connections(db: &Db, me: MemberId) -> sqlx::Result<Vec<MyConnectionRow>> {
    const SQL: &str = "select c.id, c.requester_id, c.relationship, c.state, c.created_at,
            o.id as other_id, o.handle as other_handle,
            mine.clocks as mine_clocks, mine.checkins as mine_checkins, mine.goals as mine_goals,
            mine.reach_out as mine_reach_out, mine.reach_out_order as mine_order,
            theirs.clocks as theirs_clocks, theirs.checkins as theirs_checkins,
            theirs.goals as theirs_goals, theirs.reach_out as theirs_reach_out
        from connection c
        join member o on o.id = case when c.requester_id = $1 then c.addressee_id else c.requester_id end
        left join connection_grant mine on mine.connection_id = c.id and mine.owner_id = $1
        left join connection_grant theirs on theirs.connection_id = c.id and theirs.viewer_id = $1
        where (c.requester_id = $1 or c.addressee_id = $1) and c.state in ('pending', 'accepted')
        order by c.created_at desc";
    on_db!(db, |p| sqlx::query_as(SQL).bind(me).fetch_all(p).await)
}

// ---- grants ---------------------------------------------------------------

/// Both sides' grant rows for a newly accepted connection, all off unless
/// given.
pub async fn insert_grants(
    tx: &mut Tx,
    id: ConnectionId,
    owner: MemberId,
    viewer: MemberId,
    g: Grants,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "insert into connection_grant (connection_id, owner_id, viewer_id, clocks,
            checkins, goals, reach_out, reach_out_order, updated_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        on conflict (connection_id, owner_id) do nothing";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(owner)
        .bind(viewer)
        .bind(g.clocks)
        .bind(g.checkins)
        .bind(g.goals)
        .bind(g.reach_out)
        .bind(g.reach_out_order)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn grants(
    tx: &mut Tx,
    id: ConnectionId,
    owner: MemberId,
) -> sqlx::Result<Option<Grants>> {
    const SQL: &str = "select clocks, checkins, goals, reach_out, reach_out_order
        from connection_grant where connection_id = $1 and owner_id = $2";
    on_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(id)
        .bind(owner)
        .fetch_optional(c)
        .await)
}

pub async fn save_grants(
    tx: &mut Tx,
    id: ConnectionId,
    owner: MemberId,
    g: Grants,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "update connection_grant set clocks = $3, checkins = $4, goals = $5,
            reach_out = $6, reach_out_order = $7, updated_at = $8
        where connection_id = $1 and owner_id = $2";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(owner)
        .bind(g.clocks)
        .bind(g.checkins)
        .bind(g.goals)
        .bind(g.reach_out)
        .bind(g.reach_out_order)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn delete_grants(tx: &mut Tx, id: ConnectionId) -> sqlx::Result<()> {
    const SQL: &str = "delete from connection_grant where connection_id = $1";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

// ---- blocks ---------------------------------------------------------------

pub async fn block(
    tx: &mut Tx,
    blocker: MemberId,
    blocked: MemberId,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "insert into block (blocker_id, blocked_id, created_at) values ($1, $2, $3)
        on conflict (blocker_id, blocked_id) do nothing";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(blocker)
        .bind(blocked)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn unblock(tx: &mut Tx, blocker: MemberId, blocked: MemberId) -> sqlx::Result<bool> {
    const SQL: &str = "delete from block where blocker_id = $1 and blocked_id = $2";
    let n = on_tx!(tx, |c| sqlx::query(SQL)
        .bind(blocker)
        .bind(blocked)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// (I blocked them, they blocked me).
pub async fn blocks_between(
    tx: &mut Tx,
    me: MemberId,
    other: MemberId,
) -> sqlx::Result<(bool, bool)> {
    const SQL: &str = "select
            exists (select 1 from block where blocker_id = $1 and blocked_id = $2),
            exists (select 1 from block where blocker_id = $2 and blocked_id = $1)";
    on_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(me)
        .bind(other)
        .fetch_one(c)
        .await)
}

pub async fn my_blocks(db: &Db, me: MemberId) -> sqlx::Result<Vec<String>> {
    const SQL: &str = "select m.handle from block b join member m on m.id = b.blocked_id
        where b.blocker_id = $1 order by m.handle";
    on_db!(db, |p| sqlx::query_scalar(SQL).bind(me).fetch_all(p).await)
}

// ---- members as seen by another --------------------------------------------

/// A member's id by handle. Callers decide what a block means for them.
pub async fn member_id(tx: &mut Tx, handle_key: &str) -> sqlx::Result<Option<MemberId>> {
    const SQL: &str = "select id from member where handle_key = $1";
    on_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(handle_key)
        .fetch_optional(c)
        .await)
}

// ---- invites --------------------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InviteRow {
    pub id: Uuid,
    pub inviter_id: MemberId,
    pub inviter_handle: String,
    pub relationship: String,
    pub note: String,
    pub grant_clocks: bool,
    pub grant_checkins: bool,
    pub grant_goals: bool,
    pub grant_reach_out: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub struct NewInvite<'a> {
    pub id: Uuid,
    pub token_hash: &'a [u8],
    pub inviter: MemberId,
    pub relationship: Relationship,
    pub note: &'a str,
    pub grants: Grants,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_invite(tx: &mut Tx, i: &NewInvite<'_>, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "insert into invite (id, token_hash, inviter_id, relationship, note,
            grant_clocks, grant_checkins, grant_goals, grant_reach_out, created_at, expires_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(i.id)
        .bind(i.token_hash)
        .bind(i.inviter)
        .bind(i.relationship.as_str())
        .bind(i.note)
        .bind(i.grants.clocks)
        .bind(i.grants.checkins)
        .bind(i.grants.goals)
        .bind(i.grants.reach_out)
        .bind(now)
        .bind(i.expires_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

const INVITE_SELECT: &str = "select i.id, i.inviter_id, m.handle as inviter_handle, i.relationship,
        i.note, i.grant_clocks, i.grant_checkins, i.grant_goals, i.grant_reach_out, i.created_at,
        i.expires_at, i.used_at, i.revoked_at
    from invite i join member m on m.id = i.inviter_id";

pub async fn invite_by_token_read(db: &Db, token_hash: &[u8]) -> sqlx::Result<Option<InviteRow>> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{INVITE_SELECT} where i.token_hash = $1"));
    let sql: &'static str = SQL.as_str();
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(token_hash)
        .fetch_optional(p)
        .await)
}

pub async fn invite_by_token(tx: &mut Tx, token_hash: &[u8]) -> sqlx::Result<Option<InviteRow>> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{INVITE_SELECT} where i.token_hash = $1"));
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(token_hash)
        .fetch_optional(c)
        .await)
}

pub async fn my_invites(db: &Db, me: MemberId) -> sqlx::Result<Vec<InviteRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("{INVITE_SELECT} where i.inviter_id = $1 order by i.created_at desc limit 100")
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |p| sqlx::query_as(sql).bind(me).fetch_all(p).await)
}

pub async fn use_invite(
    tx: &mut Tx,
    id: Uuid,
    by: MemberId,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "update invite set used_at = $3, used_by = $2
        where id = $1 and used_at is null and revoked_at is null and expires_at > $3";
    let n = on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(by)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn revoke_invite(
    tx: &mut Tx,
    me: MemberId,
    id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "update invite set revoked_at = $3
        where id = $1 and inviter_id = $2 and revoked_at is null and used_at is null";
    let n = on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(me)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---- grants for other features ---------------------------------------------

/// A grant another feature reads through.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    Clocks,
    Checkins,
    Goals,
}

impl Grant {
    pub fn column(self) -> &'static str {
        match self {
            Self::Clocks => "clocks",
            Self::Checkins => "checkins",
            Self::Goals => "goals",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantedOwner {
    pub id: MemberId,
    pub handle: String,
    pub time_zone: String,
}

/// The member behind `handle_key`, if they grant `viewer` this grant (the
/// check is in the query); otherwise `None`, as if they did not exist.
pub async fn granted_owner(
    db: &Db,
    handle_key: &str,
    viewer: MemberId,
    grant: Grant,
) -> sqlx::Result<Option<GrantedOwner>> {
    fn sql(grant: Grant) -> String {
        format!(
            "select m.id, m.handle, m.time_zone from member m where m.handle_key = $1 and {}",
            check(
                GRANT_CHECK,
                &[
                    ("owner", "m.id"),
                    ("viewer", "$2"),
                    ("grant", grant.column())
                ]
            )
        )
    }
    static CLOCKS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| sql(Grant::Clocks));
    static CHECKINS: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| sql(Grant::Checkins));
    static GOALS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| sql(Grant::Goals));
    let sql: &'static str = match grant {
        Grant::Clocks => CLOCKS.as_str(),
        Grant::Checkins => CHECKINS.as_str(),
        Grant::Goals => GOALS.as_str(),
    };
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(handle_key)
        .bind(viewer)
        .fetch_optional(p)
        .await)
}
