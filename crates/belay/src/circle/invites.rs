//! Invite links: bring someone who is not on the instance yet (a sister, a
//! therapist) straight into my circle, with what I choose to share. Single
//! use, expiring (7 days), revocable; the link's secret is stored hashed.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    model::{ConnectionId, Grants, Relationship},
    service::{self, Connection},
    store::{self, InviteRow, NewInvite},
};
use crate::{
    accounts::{
        AuthMember,
        token::{hash_token, looks_like_token, random_token},
    },
    app::AppState,
    discovery,
    web::error::{AppError, AppResult, FieldErrors},
};

pub const LIFETIME_DAYS: i64 = 7;
const ACTIVE_MAX: usize = 20;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Invite {
    pub id: Uuid,
    /// What the invited person will be to me.
    pub relationship: Relationship,
    /// My own reminder ("my sister"); only I see it.
    pub note: String,
    /// What I will share with them.
    pub grants: Grants,
    pub status: InviteStatus,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InviteStatus {
    Open,
    Used,
    Expired,
    Revoked,
}

fn status(row: &InviteRow, now: DateTime<Utc>) -> InviteStatus {
    if row.revoked_at.is_some() {
        InviteStatus::Revoked
    } else if row.used_at.is_some() {
        InviteStatus::Used
    } else if row.expires_at <= now {
        InviteStatus::Expired
    } else {
        InviteStatus::Open
    }
}

fn view(row: InviteRow, now: DateTime<Utc>) -> Invite {
    Invite {
        status: status(&row, now),
        id: row.id,
        relationship: Relationship::parse(&row.relationship).unwrap_or(Relationship::Friend),
        note: row.note,
        grants: Grants {
            clocks: row.grant_clocks,
            checkins: row.grant_checkins,
            goals: row.grant_goals,
            reach_out: row.grant_reach_out,
            reach_out_order: None,
        },
        expires_at: row.expires_at,
    }
}

/// A new invite and its link (the link is shown once).
pub struct Created {
    pub invite: Invite,
    pub url: String,
}

pub async fn create(
    state: &AppState,
    me: &AuthMember,
    relationship: Relationship,
    note: &str,
    grants: Grants,
) -> AppResult<Created> {
    crate::moderation::require_active(state, me)?;
    let note = note.trim();
    if note.chars().count() > 60 || note.chars().any(char::is_control) {
        return Err(FieldErrors::single("note", "must be at most 60 characters"));
    }
    let now = state.clock.now();
    let open = list(state, me)
        .await?
        .into_iter()
        .filter(|i| i.status == InviteStatus::Open)
        .count();
    if open >= ACTIVE_MAX {
        return Err(AppError::Conflict(
            "too_many_invites",
            format!("You have {ACTIVE_MAX} open invites; revoke one first."),
        ));
    }
    let token = random_token();
    let hash = hash_token(&token);
    let id = Uuid::new_v4();
    let grants = grants.apply(Default::default());
    let new = NewInvite {
        id,
        token_hash: &hash,
        inviter: me.id,
        relationship,
        note,
        grants,
        expires_at: now + Duration::days(LIFETIME_DAYS),
    };
    let mut tx = state.db.begin_write().await?;
    store::insert_invite(&mut tx, &new, now).await?;
    tx.commit().await?;
    let invite = Invite {
        id,
        relationship,
        note: note.to_owned(),
        grants,
        status: InviteStatus::Open,
        expires_at: new.expires_at,
    };
    Ok(Created {
        invite,
        url: format!("{}/invite/{token}", state.config.base_url.as_str()),
    })
}

pub async fn list(state: &AppState, me: &AuthMember) -> AppResult<Vec<Invite>> {
    let now = state.clock.now();
    Ok(store::my_invites(&state.db, me.id)
        .await?
        .into_iter()
        .map(|r| view(r, now))
        .collect())
}

pub async fn revoke(state: &AppState, me: &AuthMember, id: Uuid) -> AppResult<()> {
    let mut tx = state.db.begin_write().await?;
    let done = store::revoke_invite(&mut tx, me.id, id, state.clock.now()).await?;
    tx.commit().await?;
    if done {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// What the holder of a link sees before accepting.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InvitePreview {
    pub inviter: String,
    /// What the inviter will be to you.
    pub relationship: Relationship,
    pub status: InviteStatus,
}

fn unusable() -> AppError {
    AppError::NotFound
}

pub async fn preview(state: &AppState, token: &str) -> AppResult<InvitePreview> {
    if !looks_like_token(token) {
        return Err(unusable());
    }
    let row = store::invite_by_token_read(&state.db, &hash_token(token))
        .await?
        .ok_or_else(unusable)?;
    Ok(InvitePreview {
        status: status(&row, state.clock.now()),
        inviter: row.inviter_handle,
        relationship: Relationship::parse(&row.relationship)
            .unwrap_or(Relationship::Friend)
            .inverse(),
    })
}

/// Accepts an invite: connected at once, with the inviter's chosen sharing.
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn accept(state: &AppState, me: &AuthMember, token: &str) -> AppResult<Connection> {
    crate::moderation::require_active(state, me)?;
    if !looks_like_token(token) {
        return Err(unusable());
    }
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let row = store::invite_by_token(&mut tx, &hash_token(token))
        .await?
        .ok_or_else(unusable)?;
    if status(&row, now) != InviteStatus::Open {
        return Err(AppError::Conflict(
            "invite_closed",
            "This invite link has been used, revoked or has expired.".into(),
        ));
    }
    if row.inviter_id == me.id {
        return Err(AppError::Conflict(
            "own_invite",
            "This is your own invite: send it to the person you meant it for.".into(),
        ));
    }
    let (a, b) = store::blocks_between(&mut tx, me.id, row.inviter_id).await?;
    if a || b {
        return Err(unusable());
    }
    if store::live_between(&mut tx, me.id, row.inviter_id)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(
            "already_connected",
            "You are already connected, or a request is waiting.".into(),
        ));
    }
    if !store::use_invite(&mut tx, row.id, me.id, now).await? {
        return Err(AppError::Conflict(
            "invite_closed",
            "This invite link has just been used.".into(),
        ));
    }
    let id = ConnectionId(Uuid::new_v4());
    let relationship = Relationship::parse(&row.relationship).unwrap_or(Relationship::Friend);
    store::insert_connection(
        &mut tx,
        id,
        row.inviter_id,
        me.id,
        relationship,
        "accepted",
        now,
    )
    .await?;
    let grants = Grants {
        clocks: row.grant_clocks,
        checkins: row.grant_checkins,
        goals: row.grant_goals,
        reach_out: row.grant_reach_out,
        reach_out_order: None,
    }
    .apply(Default::default());
    store::insert_grants(&mut tx, id, row.inviter_id, me.id, grants, now).await?;
    store::insert_grants(&mut tx, id, me.id, row.inviter_id, Grants::default(), now).await?;
    discovery::service::refresh(&mut tx, row.inviter_id, now).await?;
    discovery::service::refresh(&mut tx, me.id, now).await?;
    crate::feed::store::refill_pair(&mut tx, row.inviter_id, me.id).await?;
    tx.commit().await?;
    service::get(state, me, id).await
}
