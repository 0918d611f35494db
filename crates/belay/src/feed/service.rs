//! The circle feed and encouragement use-cases.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::store::{self, EncouragementRow, FeedRow, NewEncouragement};
use crate::{
    accounts::AuthMember,
    app::AppState,
    checkins::model::check_text,
    clocks::model::ClockId,
    goals::model::GoalId,
    notices::{self, NewNotice},
    safety::{CrisisLine, screen},
    web::error::{AppError, AppResult, FieldErrors},
};

pub const BODY_MAX: usize = 500;
pub const PAGE_MAX: i64 = 100;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FeedItem {
    pub id: Uuid,
    /// `milestone`, `goal_progress`, `goal_completed` or `encouragement`.
    pub kind: String,
    /// Whose milestone or goal it is, or who sent the encouragement.
    pub handle: String,
    pub text: String,
    /// The goal, for goal items and encouragement about a goal.
    pub goal_id: Option<GoalId>,
    pub link: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FeedPage {
    pub items: Vec<FeedItem>,
    /// Pass as `before` for the next (older) page; absent on the last.
    pub next: Option<String>,
}

fn item(r: FeedRow) -> FeedItem {
    let title = r.goal_title.clone().unwrap_or_default();
    let (text, link) = match r.kind.as_str() {
        "milestone" => (
            format!(
                "{} reached {} on their {} clock.",
                r.handle,
                r.detail,
                r.clock_label.clone().unwrap_or_default()
            ),
            format!("/members/{}", r.handle),
        ),
        "goal_progress" => (
            format!(
                "{} made progress on \u{201c}{title}\u{201d} ({}).",
                r.handle, r.detail
            ),
            r.goal_id.map(|g| format!("/goals/{g}")).unwrap_or_default(),
        ),
        "goal_completed" => (
            format!("{} completed \u{201c}{title}\u{201d}.", r.handle),
            r.goal_id.map(|g| format!("/goals/{g}")).unwrap_or_default(),
        ),
        _ => (
            format!(
                "{} encouraged you{}: {}",
                r.handle,
                about_words(r.about.as_deref(), &title),
                r.body
            ),
            "/encouragement".to_owned(),
        ),
    };
    FeedItem {
        id: r.id,
        kind: r.kind,
        handle: r.handle,
        text,
        goal_id: r.goal_id,
        link,
        created_at: r.created_at,
    }
}

fn about_words(about: Option<&str>, goal_title: &str) -> String {
    match about {
        Some("milestone") => " on your milestone".to_owned(),
        Some("goal") if !goal_title.is_empty() => format!(" on \u{201c}{goal_title}\u{201d}"),
        Some("goal") => " on your goal".to_owned(),
        Some("streak") => " on your check-in streak".to_owned(),
        _ => String::new(),
    }
}

/// A feed cursor: the last item's time (nanoseconds) and id.
fn cursor_of(i: &FeedItem) -> Option<String> {
    i.created_at
        .timestamp_nanos_opt()
        .map(|n| format!("{n}_{}", i.id))
}

fn parse_cursor(raw: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let (nanos, id) = raw.split_once('_')?;
    let at = Utc.timestamp_nanos(nanos.parse().ok()?);
    Some((at, Uuid::parse_str(id).ok()?))
}

/// The newest possible cursor (stored times sort as text on SQLite, so a
/// four-digit year).
fn newest() -> (DateTime<Utc>, Uuid) {
    let far = Utc
        .with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    (far, Uuid::max())
}

/// Checks a page request: the cursor to read before, and the page size.
pub(crate) fn page_request(
    before: Option<&str>,
    limit: Option<i64>,
) -> AppResult<((DateTime<Utc>, Uuid), i64)> {
    let limit = limit.unwrap_or(20);
    if !(1..=PAGE_MAX).contains(&limit) {
        return Err(FieldErrors::single(
            "limit",
            format!("must be from 1 to {PAGE_MAX}"),
        ));
    }
    let before = match before.map(str::trim).filter(|b| !b.is_empty()) {
        Some(raw) => parse_cursor(raw).ok_or_else(|| {
            FieldErrors::single("before", "must be a `next` from an earlier page")
        })?,
        None => newest(),
    };
    Ok((before, limit))
}

/// A page from up to `limit + 1` rows, newest first.
pub(crate) fn page_of(rows: Vec<FeedRow>, limit: i64) -> FeedPage {
    let more = rows.len() as i64 > limit;
    let items: Vec<FeedItem> = rows.into_iter().take(limit as usize).map(item).collect();
    let next = if more {
        items.last().and_then(cursor_of)
    } else {
        None
    };
    FeedPage { items, next }
}

pub async fn feed(
    state: &AppState,
    me: &AuthMember,
    before: Option<&str>,
    limit: Option<i64>,
) -> AppResult<FeedPage> {
    let (before, limit) = page_request(before, limit)?;
    let rows = store::feed(&state.db, me.id, before, limit + 1).await?;
    Ok(page_of(rows, limit))
}

/// What an encouragement is about.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct About {
    /// `milestone` (with a clock `id`), `goal` (with a goal `id`) or `streak`.
    pub kind: String,
    pub id: Option<Uuid>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Encouragement {
    pub id: Uuid,
    pub from: String,
    pub to: String,
    pub body: String,
    pub about: Option<String>,
    pub goal_id: Option<GoalId>,
    pub created_at: DateTime<Utc>,
    /// Present when the words sound like a crisis: the crisis lines, for
    /// the author only. The note was sent as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crisis_resources: Option<&'static [CrisisLine]>,
}

impl From<EncouragementRow> for Encouragement {
    fn from(r: EncouragementRow) -> Self {
        Self {
            id: r.id,
            from: r.from_handle,
            to: r.to_handle,
            body: r.body,
            about: r.about,
            goal_id: r.goal_id,
            created_at: r.created_at,
            crisis_resources: None,
        }
    }
}

/// Sends a note to a connection. Not connected, blocked either way, or a
/// subject the sender can't see: 404 and nothing stored.
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn encourage(
    state: &AppState,
    me: &AuthMember,
    to: &str,
    body: &str,
    about: Option<About>,
) -> AppResult<Encouragement> {
    crate::moderation::require_active(state, me)?;
    let mut errors = FieldErrors::new();
    let body = check_text(Some(body.to_owned()), "body", BODY_MAX, &mut errors);
    if body.is_empty() {
        errors.add("body", "is required (1 to 500 characters)");
    }
    let (kind, clock, goal) = match &about {
        None => (None, None, None),
        Some(a) => match (a.kind.as_str(), a.id) {
            ("milestone", Some(id)) => (Some("milestone"), Some(ClockId(id)), None),
            ("goal", Some(id)) => (Some("goal"), None, Some(GoalId(id))),
            ("streak", None) => (Some("streak"), None, None),
            ("milestone" | "goal", None) => {
                errors.add("about", "needs the id of the clock or goal");
                (None, None, None)
            }
            ("streak", Some(_)) => {
                errors.add("about", "a streak takes no id");
                (None, None, None)
            }
            _ => {
                errors.add("about", "kind must be milestone, goal or streak");
                (None, None, None)
            }
        },
    };
    errors.into_result()?;
    let risk = screen::screen(&body);
    let now = state.clock.now();
    let id = Uuid::new_v4();
    let key = crate::accounts::normalize_handle(to);
    let mut tx = state.db.begin_write().await?;
    let new = NewEncouragement {
        id,
        sender: me.id,
        recipient_key: &key,
        body: &body,
        about: kind,
        clock,
        goal,
    };
    let recipient = store::insert_encouragement(&mut tx, &new, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let dedupe = format!("encouragement:{id}");
    let notice = NewNotice {
        member: recipient,
        kind: "encouragement",
        payload: serde_json::json!({ "from": me.handle }),
        dedupe_key: &dedupe,
        about: Some(me.id),
    };
    let announce = notices::notify(&mut tx, &notice, now).await?;
    tx.commit().await?;
    state.events.announce_all(announce.as_slice());
    state.jobs.wake();
    Ok(Encouragement {
        id,
        from: me.handle.clone(),
        to: key,
        body,
        about: kind.map(str::to_owned),
        goal_id: goal,
        created_at: now,
        crisis_resources: risk.resources(),
    })
}

pub async fn received(state: &AppState, me: &AuthMember) -> AppResult<Vec<Encouragement>> {
    let rows = store::encouragements(&state.db, me.id, true, PAGE_MAX).await?;
    Ok(rows.into_iter().map(Encouragement::from).collect())
}

pub async fn sent(state: &AppState, me: &AuthMember) -> AppResult<Vec<Encouragement>> {
    let rows = store::encouragements(&state.db, me.id, false, PAGE_MAX).await?;
    Ok(rows.into_iter().map(Encouragement::from).collect())
}
