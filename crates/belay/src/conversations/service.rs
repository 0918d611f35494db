//! Conversation use-cases: send, read, list.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    peers::Named,
    store::{self, PeerRow},
};
use crate::{
    accounts::{AuthMember, normalize_handle},
    app::AppState,
    events,
    notices::{self, NewNotice, UnreadCounts},
    web::error::{AppError, AppResult, FieldErrors},
};

pub const BODY_MAX: usize = 4000;
pub const PAGE_MAX: i64 = 100;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Message {
    pub id: Uuid,
    /// The sender's handle.
    pub from: String,
    /// Exactly as written; escape it when showing it. Empty when a
    /// moderator hid it.
    pub body: String,
    /// A moderator hid it after a report.
    pub hidden: bool,
    pub created_at: DateTime<Utc>,
    /// Whether I sent it.
    pub mine: bool,
    /// For messages to me: whether I have read it.
    pub read: bool,
    /// In the answer to sending only, and only to the author, when the words
    /// sound like a crisis: the crisis lines. The message went as written;
    /// nobody else is told.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crisis_resources: Option<&'static [crate::safety::CrisisLine]>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MessagePage {
    /// Newest first.
    pub messages: Vec<Message>,
    /// Pass as `before` for the next (older) page; absent at the start.
    pub next: Option<Uuid>,
    pub unread: UnreadCounts,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ConversationSummary {
    pub handle: String,
    pub last_at: DateTime<Utc>,
    pub unread: i64,
}

/// Checks a message body: 1 to 4,000 characters once trimmed, no control
/// characters but line breaks and tabs. Stored as written.
pub fn check_body(raw: &str) -> AppResult<String> {
    let body = raw.trim();
    let len = body.chars().count();
    if len == 0 {
        return Err(FieldErrors::single(
            "body",
            "is empty; write something first",
        ));
    }
    if len > BODY_MAX {
        return Err(FieldErrors::single(
            "body",
            format!("must be at most {BODY_MAX} characters"),
        ));
    }
    if body
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldErrors::single(
            "body",
            "contains characters that can't be shown",
        ));
    }
    Ok(body.replace("\r\n", "\n"))
}

/// The member at `handle` if I may message them: someone who does not
/// exist for me (unknown, blocked either way) is a 404; someone outside my
/// circle a 403.
async fn counterpart(state: &AppState, me: &AuthMember, handle: &str) -> AppResult<PeerRow> {
    let peer = store::peer(&state.db, me.id, &normalize_handle(handle))
        .await?
        .ok_or(AppError::NotFound)?;
    if !peer.connected {
        return Err(AppError::Forbidden(
            "not_connected",
            "You can send messages to people in your circle.".into(),
        ));
    }
    Ok(peer)
}

/// The member a handle names, if I may message them (as [`counterpart`]),
/// remembered for the next message (see [`super::peers`]).
async fn look_up(state: &AppState, me: &AuthMember, handle_key: &str) -> AppResult<Named> {
    let peer = counterpart(state, me, handle_key).await?;
    let named = Named {
        id: peer.id,
        handle: peer.handle,
    };
    state.peer_names.remember(handle_key, named.clone());
    Ok(named)
}

#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn send(
    state: &AppState,
    me: &AuthMember,
    handle: &str,
    raw: &str,
) -> AppResult<Message> {
    crate::moderation::require_active(state, me)?;
    let body = check_body(raw)?;
    state.limiters.message(me.id)?;
    let key = normalize_handle(handle);
    let remembered = state.peer_names.get(&key);
    let peer = match &remembered {
        Some(named) => named.clone(),
        None => look_up(state, me, &key).await?,
    };
    let now = state.clock.now();
    let id = Uuid::new_v4();
    if !store_message(state, me, &peer, id, &body, now).await? {
        if remembered.is_none() {
            // A block or an ending that committed a moment ago wins.
            return Err(AppError::NotFound);
        }
        // Nothing was stored for the member I remembered: say why as the
        // full lookup does (403 or 404), or, if the handle names someone
        // else now, send to them.
        state.peer_names.forget(&key);
        let fresh = look_up(state, me, &key).await?;
        if fresh.id == peer.id || !store_message(state, me, &fresh, id, &body, now).await? {
            return Err(AppError::NotFound);
        }
    }
    let crisis = crate::safety::screen::screen(&body).resources();
    if crisis.is_some() {
        crate::moderation::check_on_me_after(state, me, &body).await;
    }
    Ok(Message {
        id,
        from: me.handle.clone(),
        body,
        hidden: false,
        created_at: now,
        mine: true,
        read: false,
        crisis_resources: crisis,
    })
}

/// Stores a message to `peer` with its events and notice, if the two may
/// still talk (checked in the write), and announces it after the commit.
/// `false`: nothing was stored.
async fn store_message(
    state: &AppState,
    me: &AuthMember,
    peer: &Named,
    id: Uuid,
    body: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let payload = serde_json::json!({
        "id": id, "from": me.handle, "to": peer.handle, "body": body, "created_at": now,
    });
    let sender_key = me.id.to_string();
    let notice = NewNotice {
        member: peer.id,
        kind: "message",
        payload: serde_json::json!({ "from": me.handle }),
        dedupe_key: &format!("message:{}:{sender_key}:{id}", peer.id),
        about: Some(me.id),
    };
    let mut tx = state.db.begin_write().await?;
    // The circle check rides in the insert, and the notice is added only if
    // none from me is unread (see `store::send`).
    let sent = store::send(
        &mut tx,
        &store::Send {
            id,
            sender: me.id,
            recipient: peer.id,
            body,
            now,
            event: &payload,
            notice: &notice,
            sender_key: &sender_key,
        },
    )
    .await?;
    if sent.events.is_empty() {
        return Ok(false);
    }
    let mut announce = sent.events;
    if let Some(notice_id) = sent.notice {
        announce.push(notices::deliver(&mut tx, notice_id, &notice, now).await?);
    }
    tx.commit().await?;
    state.events.announce_all(&announce);
    // No wake for the job workers: the only job a message adds is its
    // notice's email, due minutes from now, which their next look finds.
    // Waking them cost a read per message.
    Ok(true)
}

/// A page of our conversation, newest first; reading it marks what they
/// sent me as read.
pub async fn read(
    state: &AppState,
    me: &AuthMember,
    handle: &str,
    before: Option<Uuid>,
    limit: i64,
) -> AppResult<MessagePage> {
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(FieldErrors::single(
            "limit",
            format!("must be 1 to {PAGE_MAX}"),
        ));
    }
    let peer = counterpart(state, me, handle).await?;
    if store::unread_from(&state.db, me.id, peer.id).await? > 0 {
        let now = state.clock.now();
        let mut tx = state.db.begin_write().await?;
        store::mark_read(&mut tx, me.id, peer.id, now).await?;
        notices::store::mark_messages_read(&mut tx, me.id, &peer.id.to_string(), now).await?;
        tx.commit().await?;
        announce_counts(state, me).await?;
    }
    let rows = store::page(&state.db, me.id, peer.id, before, limit + 1).await?;
    let more = rows.len() as i64 > limit;
    let messages: Vec<Message> = rows
        .into_iter()
        .take(limit as usize)
        .map(|r| {
            let mine = r.sender_id == me.id;
            Message {
                id: r.id,
                from: if mine {
                    me.handle.clone()
                } else {
                    peer.handle.clone()
                },
                body: r.body,
                hidden: r.hidden,
                created_at: r.created_at,
                mine,
                read: mine || r.read_at.is_some(),
                crisis_resources: None,
            }
        })
        .collect();
    let next = if more {
        messages.last().map(|m| m.id)
    } else {
        None
    };
    Ok(MessagePage {
        messages,
        next,
        unread: notices::unread_counts(&state.db, me.id).await?,
    })
}

/// Tells my open pages the unread counts changed.
pub async fn announce_counts(state: &AppState, me: &AuthMember) -> AppResult<()> {
    let counts = notices::unread_counts(&state.db, me.id).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let recorded = events::record(&mut tx, me.id, "read", &serde_json::json!(counts), now).await?;
    tx.commit().await?;
    state.events.announce(recorded.member, recorded.id);
    Ok(())
}

pub async fn list(state: &AppState, me: &AuthMember) -> AppResult<Vec<ConversationSummary>> {
    Ok(store::conversations(&state.db, me.id)
        .await?
        .into_iter()
        .map(|r| ConversationSummary {
            handle: r.handle,
            last_at: r.last_at,
            unread: r.unread,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_trimmed_limited_and_kept_as_written() {
        assert_eq!(
            check_body("  <b>hi</b>\r\nthere ").unwrap(),
            "<b>hi</b>\nthere"
        );
        assert!(check_body("   ").is_err());
        assert!(check_body(&"é".repeat(4000)).is_ok());
        assert!(check_body(&"é".repeat(4001)).is_err());
        assert!(check_body("bell\u{7}").is_err());
    }
}
