//! Circle use-cases: asking, accepting, declining and ending connections;
//! grants; blocks. Every change that could alter what someone may see, or
//! who discovery shows, refreshes the discovery index in the same
//! transaction.

use chrono::Utc;

use super::{
    model::{
        ConnectionId, ConnectionState, Grants, GrantsUpdate, REACH_OUT_ORDER_MAX, Relationship,
    },
    store::{self, ConnectionRow, MyConnectionRow},
};
use crate::{
    accounts::{AuthMember, MemberId, normalize_handle},
    app::AppState,
    db::Tx,
    discovery,
    web::error::{AppError, AppResult, FieldErrors},
};

/// One of my connections, from my side.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Connection {
    pub id: ConnectionId,
    /// The other member.
    pub handle: String,
    /// What they are to me.
    pub relationship: Relationship,
    pub state: ConnectionState,
    /// `incoming` (they asked me) or `outgoing` (I asked them).
    pub direction: Direction,
    /// What I share with them.
    pub my_grants: Grants,
    /// What they share with me.
    pub their_grants: Grants,
    pub created_at: chrono::DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Incoming,
    Outgoing,
}

impl Connection {
    fn from_row(r: MyConnectionRow, me: MemberId) -> Self {
        let asked = Relationship::parse(&r.relationship).unwrap_or(Relationship::Peer);
        let outgoing = r.requester_id == me;
        Self {
            id: r.id,
            handle: r.other_handle,
            relationship: if outgoing { asked } else { asked.inverse() },
            state: ConnectionState::parse(&r.state).unwrap_or(ConnectionState::Pending),
            direction: if outgoing {
                Direction::Outgoing
            } else {
                Direction::Incoming
            },
            my_grants: Grants {
                clocks: r.mine_clocks.unwrap_or(false),
                checkins: r.mine_checkins.unwrap_or(false),
                goals: r.mine_goals.unwrap_or(false),
                reach_out: r.mine_reach_out.unwrap_or(false),
                reach_out_order: r.mine_order,
            },
            their_grants: Grants {
                clocks: r.theirs_clocks.unwrap_or(false),
                checkins: r.theirs_checkins.unwrap_or(false),
                goals: r.theirs_goals.unwrap_or(false),
                reach_out: r.theirs_reach_out.unwrap_or(false),
                reach_out_order: None,
            },
            created_at: r.created_at,
        }
    }
}

pub async fn list(state: &AppState, me: &AuthMember) -> AppResult<Vec<Connection>> {
    let rows = store::my_connections(&state.db, me.id).await?;
    Ok(rows
        .into_iter()
        .map(|r| Connection::from_row(r, me.id))
        .collect())
}

pub async fn get(state: &AppState, me: &AuthMember, id: ConnectionId) -> AppResult<Connection> {
    list(state, me)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(AppError::NotFound)
}

/// A mentor's capacity is full when their accepted mentees fill it.
async fn mentor_has_room(tx: &mut Tx, mentor: MemberId) -> AppResult<bool> {
    let capacity = store::capacity(tx, mentor).await?.unwrap_or_default();
    Ok(capacity.mentor
        && store::mentee_count(tx, mentor).await? < i64::from(capacity.mentor_capacity))
}

fn mentor_full() -> AppError {
    AppError::Conflict(
        "mentor_full",
        "There is no room for another mentee right now.".into(),
    )
}

/// Checks that the member asked to take on a role has offered it: asking
/// someone to be my mentor needs them to mentor with room; asking someone to
/// be my mentee needs me to.
async fn check_role(
    tx: &mut Tx,
    me: MemberId,
    target: MemberId,
    relationship: Relationship,
) -> AppResult<()> {
    let capacity = store::capacity(tx, target).await?.unwrap_or_default();
    match relationship {
        Relationship::Mentor if !capacity.mentor => Err(FieldErrors::single(
            "relationship",
            "this member is not offering to mentor",
        )),
        Relationship::Mentor if !mentor_has_room(tx, target).await? => Err(mentor_full()),
        Relationship::Mentee if !mentor_has_room(tx, me).await? => Err(FieldErrors::single(
            "relationship",
            "to take on a mentee, offer to mentor first (with room for one more)",
        )),
        Relationship::Listener if !capacity.listener => Err(FieldErrors::single(
            "relationship",
            "this member is not a listener",
        )),
        Relationship::Professional if !capacity.professional => Err(FieldErrors::single(
            "relationship",
            "this member has not listed themselves as a professional",
        )),
        _ => Ok(()),
    }
}

/// Asks `handle` to connect as `relationship` (what they would be to me).
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn request(
    state: &AppState,
    me: &AuthMember,
    handle: &str,
    relationship: Relationship,
) -> AppResult<Connection> {
    crate::moderation::require_active(state, me)?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let target = store::member_id(&mut tx, &normalize_handle(handle))
        .await?
        .ok_or(AppError::NotFound)?;
    if target == me.id {
        return Err(FieldErrors::single("handle", "is you; ask someone else"));
    }
    let (i_blocked, they_blocked) = store::blocks_between(&mut tx, me.id, target).await?;
    if they_blocked {
        // Someone who blocked me does not exist for me: the same 404 as an
        // unknown handle, so a block is never revealed.
        return Err(AppError::NotFound);
    }
    if i_blocked {
        return Err(AppError::Conflict(
            "blocked",
            "You have blocked this member. Unblock them first.".into(),
        ));
    }
    if let Some(live) = store::live_between(&mut tx, me.id, target).await? {
        let message = match (live.state.as_str(), live.requester_id == me.id) {
            ("accepted", _) => "You are already connected.",
            (_, true) => "Your request is still waiting for an answer.",
            _ => "They have already asked you: accept their request instead.",
        };
        return Err(AppError::Conflict("already_connected", message.into()));
    }
    check_role(&mut tx, me.id, target, relationship).await?;
    let id = ConnectionId(uuid::Uuid::new_v4());
    match store::insert_connection(&mut tx, id, me.id, target, relationship, "pending", now).await {
        Err(e) if crate::db::is_unique_violation(&e) => {
            return Err(AppError::Conflict(
                "already_connected",
                "A request between you already exists.".into(),
            ));
        }
        other => other?,
    }
    tx.commit().await?;
    get(state, me, id).await
}

async fn my_connection(tx: &mut Tx, me: &AuthMember, id: ConnectionId) -> AppResult<ConnectionRow> {
    store::connection_of(tx, me.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Accepts a request made to me. Both sides start sharing nothing.
#[tracing::instrument(skip_all, fields(member.id = %me.id, connection.id = %id))]
pub async fn accept(state: &AppState, me: &AuthMember, id: ConnectionId) -> AppResult<Connection> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let c = my_connection(&mut tx, me, id).await?;
    if c.addressee_id != me.id || c.state != "pending" {
        return Err(AppError::Conflict(
            "not_pending",
            "There is no request here for you to accept.".into(),
        ));
    }
    // Capacity counts only accepted mentees, so check again now.
    let relationship = Relationship::parse(&c.relationship).unwrap_or(Relationship::Peer);
    if relationship == Relationship::Mentor || relationship == Relationship::Mentee {
        let mentor = if relationship == Relationship::Mentor {
            c.addressee_id
        } else {
            c.requester_id
        };
        if !mentor_has_room(&mut tx, mentor).await? {
            return Err(mentor_full());
        }
    }
    store::set_state(&mut tx, id, "accepted", now).await?;
    store::insert_grants(
        &mut tx,
        id,
        c.requester_id,
        c.addressee_id,
        Grants::default(),
        now,
    )
    .await?;
    store::insert_grants(
        &mut tx,
        id,
        c.addressee_id,
        c.requester_id,
        Grants::default(),
        now,
    )
    .await?;
    refresh_pair(&mut tx, state, &c).await?;
    tx.commit().await?;
    get(state, me, id).await
}

/// Declines a request made to me.
pub async fn decline(state: &AppState, me: &AuthMember, id: ConnectionId) -> AppResult<()> {
    let mut tx = state.db.begin_write().await?;
    let c = my_connection(&mut tx, me, id).await?;
    if c.addressee_id != me.id || c.state != "pending" {
        return Err(AppError::Conflict(
            "not_pending",
            "There is no request here for you to decline.".into(),
        ));
    }
    store::set_state(&mut tx, id, "declined", state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends a connection (or withdraws my request); all sharing stops at once.
pub async fn end(state: &AppState, me: &AuthMember, id: ConnectionId) -> AppResult<()> {
    let mut tx = state.db.begin_write().await?;
    let c = my_connection(&mut tx, me, id).await?;
    if c.state != "pending" && c.state != "accepted" {
        return Err(AppError::NotFound);
    }
    end_in_tx(&mut tx, state, &c).await?;
    tx.commit().await?;
    Ok(())
}

async fn end_in_tx(tx: &mut Tx, state: &AppState, c: &ConnectionRow) -> AppResult<()> {
    store::set_state(tx, c.id, "ended", state.clock.now()).await?;
    store::delete_grants(tx, c.id).await?;
    refresh_pair(tx, state, c).await
}

/// Mentor capacity changes with accepted and ended connections, and so do
/// the feed entries each shows the other.
async fn refresh_pair(tx: &mut Tx, state: &AppState, c: &ConnectionRow) -> AppResult<()> {
    let now = state.clock.now();
    discovery::service::refresh(tx, c.requester_id, now).await?;
    discovery::service::refresh(tx, c.addressee_id, now).await?;
    crate::feed::store::refill_pair(tx, c.requester_id, c.addressee_id).await?;
    Ok(())
}

/// Changes what I share with the other side of an accepted connection.
pub async fn set_grants(
    state: &AppState,
    me: &AuthMember,
    id: ConnectionId,
    update: GrantsUpdate,
) -> AppResult<Connection> {
    if update
        .reach_out_order
        .is_some_and(|order| !(1..=REACH_OUT_ORDER_MAX).contains(&order))
    {
        return Err(FieldErrors::single(
            "reach_out_order",
            format!("must be 1 to {REACH_OUT_ORDER_MAX}"),
        ));
    }
    let mut tx = state.db.begin_write().await?;
    let c = my_connection(&mut tx, me, id).await?;
    if c.state != "accepted" {
        return Err(AppError::Conflict(
            "not_accepted",
            "You can choose what to share once they accept.".into(),
        ));
    }
    let current = store::grants(&mut tx, id, me.id).await?.unwrap_or_default();
    store::save_grants(&mut tx, id, me.id, current.apply(update), state.clock.now()).await?;
    crate::feed::store::refill_pair(&mut tx, c.requester_id, c.addressee_id).await?;
    tx.commit().await?;
    get(state, me, id).await
}

/// Blocks a member: ends any connection, refuses new requests, hides each
/// from the other. Blocking someone who blocked me first still works and
/// reveals nothing.
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn block(state: &AppState, me: &AuthMember, handle: &str) -> AppResult<()> {
    let mut tx = state.db.begin_write().await?;
    let target = store::member_id(&mut tx, &normalize_handle(handle))
        .await?
        .ok_or(AppError::NotFound)?;
    if target == me.id {
        return Err(FieldErrors::single("handle", "is you"));
    }
    if let Some(live) = store::live_between(&mut tx, me.id, target).await? {
        end_in_tx(&mut tx, state, &live).await?;
    }
    store::block(&mut tx, me.id, target, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn unblock(state: &AppState, me: &AuthMember, handle: &str) -> AppResult<()> {
    let mut tx = state.db.begin_write().await?;
    let target = store::member_id(&mut tx, &normalize_handle(handle))
        .await?
        .ok_or(AppError::NotFound)?;
    let removed = store::unblock(&mut tx, me.id, target).await?;
    tx.commit().await?;
    if removed {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn blocked(state: &AppState, me: &AuthMember) -> AppResult<Vec<String>> {
    Ok(store::my_blocks(&state.db, me.id).await?)
}
