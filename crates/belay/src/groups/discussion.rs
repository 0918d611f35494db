//! A group's discussion: threads with replies, newest activity first,
//! unread markers per member, live events to members' open pages and
//! notices by each member's choice (all posts, mentions, none).
//!
//! Posts are screened for crisis language: the author is shown crisis lines
//! at once, and a post that screens high goes to the top of the group
//! moderators' queue. Nothing is blocked.

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    model,
    service::{self, Access},
    store::{self, NewReport, PostRow, ThreadRow},
};
use crate::{
    accounts::{AuthMember, MemberId},
    app::AppState,
    db::Tx,
    events::{self, Recorded},
    notices::{self, NewNotice},
    safety::{CrisisLine, screen},
    web::error::{AppError, AppResult, FieldErrors},
};

pub const THREADS_PAGE: usize = 20;
pub const POSTS_PAGE: usize = 50;
/// Who wrote a post whose author has left Belay.
pub const FORMER_MEMBER: &str = "a former member";

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Thread {
    pub id: Uuid,
    pub title: String,
    /// The author's handle, or "a former member".
    pub author: String,
    pub replies: i64,
    /// Hidden by a moderator (only moderators see hidden threads listed).
    pub hidden: bool,
    /// New posts since I last opened it.
    pub unread: bool,
    pub created_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
}

impl From<ThreadRow> for Thread {
    fn from(t: ThreadRow) -> Self {
        Self {
            id: t.id,
            title: t.title,
            author: t.author.unwrap_or_else(|| FORMER_MEMBER.to_owned()),
            replies: t.reply_count,
            hidden: t.hidden,
            unread: t.unread,
            created_at: t.created_at,
            last_activity_at: t.last_activity_at,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Post {
    pub id: Uuid,
    pub author: String,
    /// The text as written; empty when hidden (except to moderators and
    /// the author).
    pub body: String,
    pub hidden: bool,
    /// The moderator's note on a hidden post, for its author and moderators.
    pub hidden_note: String,
    pub mine: bool,
    pub created_at: DateTime<Utc>,
}

impl Post {
    fn of(p: PostRow, me: MemberId, moderator: bool) -> Self {
        let mine = p.author_id == Some(me);
        let show = !p.hidden || mine || moderator;
        Self {
            id: p.id,
            author: p.author.unwrap_or_else(|| FORMER_MEMBER.to_owned()),
            body: if show { p.body } else { String::new() },
            hidden: p.hidden,
            hidden_note: if show { p.hidden_note } else { String::new() },
            mine,
            created_at: p.created_at,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ThreadList {
    pub threads: Vec<Thread>,
    /// Pass as `before` for the next page; none on the last page.
    pub next: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ThreadPage {
    pub thread: Thread,
    pub posts: Vec<Post>,
    /// Pass as `after` for the next page; none on the last page.
    pub next: Option<String>,
    /// Crisis lines, for the author of a post that screened for crisis language.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crisis_resources: Option<&'static [CrisisLine]>,
}

fn cursor(at: DateTime<Utc>, id: Uuid) -> Option<String> {
    at.timestamp_nanos_opt().map(|n| format!("{n}_{id}"))
}

fn parse_cursor(raw: Option<&str>, field: &str) -> AppResult<Option<(DateTime<Utc>, Uuid)>> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let parsed = raw.split_once('_').and_then(|(n, id)| {
        Some((
            Utc.timestamp_nanos(n.parse().ok()?),
            Uuid::parse_str(id).ok()?,
        ))
    });
    parsed
        .map(Some)
        .ok_or_else(|| FieldErrors::single(field, "is not a cursor from this list"))
}

fn far_future() -> (DateTime<Utc>, Uuid) {
    let far = Utc
        .with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    (far, Uuid::max())
}

fn far_past() -> (DateTime<Utc>, Uuid) {
    let past = Utc
        .with_ymd_and_hms(1970, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    (past, Uuid::nil())
}

/// A page of a group's threads, for its members.
pub async fn threads(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    before: Option<&str>,
) -> AppResult<(Access, ThreadList)> {
    let a = service::access(state, slug, Some(me.id)).await?;
    let list = threads_of(state, me, &a, before).await?;
    Ok((a, list))
}

/// A page of threads of a group already found for this member.
pub async fn threads_of(
    state: &AppState,
    me: &AuthMember,
    a: &Access,
    before: Option<&str>,
) -> AppResult<ThreadList> {
    let before = parse_cursor(before, "before")?;
    a.require_member()?;
    let mut rows = store::threads(
        &state.db,
        a.id(),
        me.id,
        a.moderates(),
        before.unwrap_or_else(far_future),
    )
    .await?;
    let next = if rows.len() > THREADS_PAGE {
        rows.truncate(THREADS_PAGE);
        rows.last().and_then(|t| cursor(t.last_activity_at, t.id))
    } else {
        None
    };
    let threads = rows.into_iter().map(Thread::from).collect();
    Ok(ThreadList { threads, next })
}

/// One thread and a page of its posts; reading it marks it read.
pub async fn thread(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    id: Uuid,
    after: Option<&str>,
) -> AppResult<(Access, ThreadPage)> {
    let after = parse_cursor(after, "after")?;
    let a = service::access(state, slug, Some(me.id)).await?;
    a.require_member()?;
    let t = store::thread(&state.db, a.id(), id, me.id)
        .await?
        .filter(|t| !t.hidden || a.moderates())
        .ok_or(AppError::NotFound)?;
    let mut rows =
        store::posts(&state.db, a.id(), id, me.id, after.unwrap_or_else(far_past)).await?;
    let next = if rows.len() > POSTS_PAGE {
        rows.truncate(POSTS_PAGE);
        rows.last().and_then(|p| cursor(p.created_at, p.id))
    } else {
        None
    };
    if t.unread {
        let mut tx = state.db.begin_write().await?;
        store::mark_read(&mut tx, me.id, id, state.clock.now()).await?;
        tx.commit().await?;
    }
    let moderator = a.moderates();
    let page = ThreadPage {
        thread: Thread::from(t),
        posts: rows
            .into_iter()
            .map(|p| Post::of(p, me.id, moderator))
            .collect(),
        next,
        crisis_resources: None,
    };
    Ok((a, page))
}

/// Starts a thread with its first post.
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn start(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    title: &str,
    body: &str,
) -> AppResult<ThreadPage> {
    crate::moderation::require_active(state, me)?;
    let mut e = FieldErrors::new();
    let title = model::text(title, "title", model::TITLE_MAX, true, &mut e);
    let body = model::text(body, "body", model::POST_MAX, true, &mut e);
    e.into_result()?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let a = access_in_tx(&mut tx, slug, me.id).await?;
    a.require_member()?;
    let thread = Uuid::now_v7();
    store::insert_thread(&mut tx, thread, a.id(), me.id, &title, now).await?;
    let (risk, announce) = write_post(&mut tx, &a, me, thread, &title, &body, now).await?;
    store::mark_read(&mut tx, me.id, thread, now).await?;
    tx.commit().await?;
    state.events.announce_all(&announce);
    if risk {
        crate::moderation::check_on_me_after(state, me, &format!("{title}\n{body}")).await;
    }
    let (_, mut page) = self::thread(state, me, slug, thread, None).await?;
    page.crisis_resources = risk.then(crate::safety::crisis_lines);
    Ok(page)
}

/// Replies in a thread (not in a hidden one).
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn reply(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    thread: Uuid,
    body: &str,
) -> AppResult<ThreadPage> {
    crate::moderation::require_active(state, me)?;
    let mut e = FieldErrors::new();
    let body = model::text(body, "body", model::POST_MAX, true, &mut e);
    e.into_result()?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let a = access_in_tx(&mut tx, slug, me.id).await?;
    a.require_member()?;
    let t = thread_in_tx(&mut tx, a.id(), thread)
        .await?
        .ok_or(AppError::NotFound)?;
    if t.1 {
        return Err(AppError::Conflict(
            "thread_hidden",
            "A moderator hid this thread, so it takes no more replies.".into(),
        ));
    }
    let (risk, announce) = write_post(&mut tx, &a, me, thread, &t.0, &body, now).await?;
    store::bump_thread(&mut tx, thread, now).await?;
    store::mark_read(&mut tx, me.id, thread, now).await?;
    tx.commit().await?;
    state.events.announce_all(&announce);
    // The page that shows my reply: the last one.
    if risk {
        crate::moderation::check_on_me_after(state, me, &body).await;
    }
    let (_, mut page) = self::thread(state, me, slug, thread, None).await?;
    page.crisis_resources = risk.then(crate::safety::crisis_lines);
    Ok(page)
}

async fn access_in_tx(tx: &mut Tx, slug: &str, me: MemberId) -> AppResult<Access> {
    let row = store::access_in_tx(tx, slug, Some(me))
        .await?
        .ok_or(AppError::NotFound)?;
    let a = service::Access::from_row(row);
    Ok(a)
}

async fn thread_in_tx(tx: &mut Tx, group: Uuid, id: Uuid) -> sqlx::Result<Option<(String, bool)>> {
    const SQL: &str = "select title, hidden from group_thread where group_id = $1 and id = $2";
    crate::db::on_tx!(tx, |x| sqlx::query_as(SQL)
        .bind(group)
        .bind(id)
        .fetch_optional(x)
        .await)
}

/// Stores a post, flags it for the moderators if it screens for crisis
/// language, and tells the other members (live event to everyone; a
/// notice by their choice). Returns whether it screened high.
async fn write_post(
    tx: &mut Tx,
    a: &Access,
    me: &AuthMember,
    thread: Uuid,
    title: &str,
    body: &str,
    now: DateTime<Utc>,
) -> AppResult<(bool, Vec<Recorded>)> {
    let risk = screen::screen_all([title, body]).is_high();
    let post = Uuid::now_v7();
    store::insert_post(tx, post, thread, a.id(), me.id, body, risk, now).await?;
    if risk {
        let report = NewReport {
            id: Uuid::now_v7(),
            group: a.id(),
            reporter: None,
            post: Some(post),
            member: None,
            reason: "The crisis screen found words that can mean someone is in danger. \
                     Please check in with the author.",
            risk: true,
        };
        store::insert_report(tx, &report, now).await?;
    }
    let audience = store::audience(tx, a.id()).await?;
    let mentioned = model::mentions(body);
    let event = serde_json::json!({
        "group": a.row.slug, "thread": thread, "post": post, "from": me.handle,
    });
    let others: Vec<(MemberId, serde_json::Value)> = audience
        .iter()
        .filter(|(m, _, _)| *m != me.id)
        .map(|(m, _, _)| (*m, event.clone()))
        .collect();
    let mut announce = events::store::record_many(tx, "group_post", &others, now).await?;
    let payload = serde_json::json!({
        "from": me.handle, "group": a.row.name, "slug": a.row.slug, "thread": thread,
    });
    let picked: Vec<(MemberId, &'static str)> = audience
        .iter()
        .filter(|(m, _, _)| *m != me.id)
        .filter_map(|(m, notify, key)| match notify.as_str() {
            "all" if mentioned.contains(key) => Some((*m, "group_mention")),
            "all" => Some((*m, "group_post")),
            "mentions" if mentioned.contains(key) => Some((*m, "group_mention")),
            _ => None,
        })
        .collect();
    let keys: Vec<String> = picked
        .iter()
        .map(|(m, _)| format!("group_post:{post}:{m}"))
        .collect();
    for kind in ["group_post", "group_mention"] {
        let list: Vec<NewNotice<'_>> = picked
            .iter()
            .zip(&keys)
            .filter(|((_, k), _)| *k == kind)
            .map(|((m, k), key)| NewNotice {
                member: *m,
                kind: k,
                payload: payload.clone(),
                dedupe_key: key,
                about: Some(me.id),
            })
            .collect();
        if !list.is_empty() {
            announce.extend(notices::notify_many(tx, &list, now).await?);
        }
    }
    Ok((risk, announce))
}
