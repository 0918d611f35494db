//! Notices: short messages for one member ("30 days today", "You have a new
//! message"). Every feature writes them through [`notify`], inside its own
//! transaction and with a dedupe key, so a retried job never tells anyone
//! the same thing twice. Each notice goes out on the member's channels:
//! in-app at once (a live event), and by email when the member gave an
//! address and turned email on, from a job that waits out quiet hours.
//!
//! A notice is only ever shown to the member it belongs to.

pub mod api;
pub mod email;
pub mod pages;
pub mod quiet;
pub mod store;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    accounts::MemberId,
    db::{Db, Tx},
    events::{self, Recorded},
    jobs::queue::{self, NewJob},
};

pub use store::NoticeRow;

pub struct NewNotice<'a> {
    pub member: MemberId,
    pub kind: &'a str,
    pub payload: serde_json::Value,
    pub dedupe_key: &'a str,
    /// The other member the notice names (its payload's `from` or `by`):
    /// erasing them takes the notice.
    pub about: Option<MemberId>,
}

/// How long an email for a new message waits: if it is read by then, no
/// email goes out at all.
const MESSAGE_EMAIL_DELAY: Duration = Duration::minutes(2);

/// Records a notice and tells the member. Returns the live event to
/// announce after the commit, or `None` if this notice already existed.
pub async fn notify(
    tx: &mut Tx,
    n: &NewNotice<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Recorded>> {
    let Some(id) = store::insert(tx, n, now).await? else {
        return Ok(None);
    };
    deliver(tx, id, n, now).await.map(Some)
}

/// Records several notices of one kind at once (a reach-out step telling
/// everyone it asks) in a few statements rather than a few per member, and
/// tells each member. Returns the live events to announce after the commit;
/// a notice whose dedupe key exists already is skipped.
pub async fn notify_many(
    tx: &mut Tx,
    notices: &[NewNotice<'_>],
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Recorded>> {
    let added = store::insert_many(tx, notices, now).await?;
    if added.is_empty() {
        return Ok(Vec::new());
    }
    let by_member: std::collections::HashMap<MemberId, &NewNotice<'_>> =
        notices.iter().map(|n| (n.member, n)).collect();
    let mut events = Vec::with_capacity(added.len());
    for (id, member) in &added {
        let Some(n) = by_member.get(member) else {
            continue;
        };
        let event = serde_json::json!({
            "id": id, "kind": n.kind, "text": text_of(n.kind, &n.payload),
            "link": link_of(n.kind, &n.payload), "created_at": now,
        });
        events.push((*member, event));
    }
    let kind = "notice";
    let recorded = events::store::record_many(tx, kind, &events, now).await?;
    let members: Vec<MemberId> = added.iter().map(|(_, m)| *m).collect();
    for (member, settings) in store::email_settings_of(tx, &members).await? {
        let (Some((id, _)), Some(n)) = (
            added.iter().find(|(_, m)| *m == member),
            by_member.get(&member),
        ) else {
            continue;
        };
        enqueue_email(tx, *id, n.kind, &settings, now).await?;
    }
    Ok(recorded)
}

/// The live event, and the email job when the member wants email, for a
/// notice inserted already (`id`).
pub async fn deliver(
    tx: &mut Tx,
    id: Uuid,
    n: &NewNotice<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<Recorded> {
    let text = text_of(n.kind, &n.payload);
    let link = link_of(n.kind, &n.payload);
    let event = serde_json::json!({
        "id": id, "kind": n.kind, "text": text, "link": link, "created_at": now,
    });
    let recorded = events::record(tx, n.member, "notice", &event, now).await?;
    let settings = store::email_settings(tx, n.member).await?;
    enqueue_email(tx, id, n.kind, &settings, now).await?;
    Ok(recorded)
}

/// The email job for a notice, when the member wants email: due after
/// quiet hours (unless the kind may come through), and a message notice a
/// little later (read by then, it is not emailed at all).
async fn enqueue_email(
    tx: &mut Tx,
    id: Uuid,
    kind: &str,
    settings: &store::EmailSettings,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    if !settings.wants_email() {
        return Ok(());
    }
    let mut due = now
        + if kind == "message" {
            MESSAGE_EMAIL_DELAY
        } else {
            Duration::zero()
        };
    if let Some(end) = settings.quiet_until(due, kind) {
        due = end;
    }
    let job = email::NoticeEmail::new(id);
    queue::enqueue(
        tx,
        &NewJob::of(&job, due, Some(format!("notice-email:{id}")))?,
        now,
    )
    .await?;
    Ok(())
}

/// Unread notices and messages, for badges.
#[derive(Clone, Copy, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct UnreadCounts {
    pub notices: i64,
    pub messages: i64,
}

pub async fn unread_counts(db: &Db, member: MemberId) -> sqlx::Result<UnreadCounts> {
    let (notices, messages) = store::unread_counts(db, member).await?;
    Ok(UnreadCounts { notices, messages })
}

/// A notice as shown to its member.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub id: Uuid,
    pub kind: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub read: bool,
    /// The page this notice is about, if any.
    pub link: Option<String>,
}

impl From<NoticeRow> for Notice {
    fn from(r: NoticeRow) -> Self {
        Self {
            text: text_of(&r.kind, &r.payload.0),
            link: link_of(&r.kind, &r.payload.0),
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
        "message" => format!("{} sent you a message.", s("from")),
        "reach_out" => format!(
            "{} is reaching out and could use support now. Open it to answer.",
            s("from")
        ),
        "reach_out_moderator" => format!(
            "{} reached out and nobody has answered yet. Please look in if you can.",
            s("from")
        ),
        "reach_out_held" => format!(
            "{} has reached out many times in the last hour. Please check in on them.",
            s("from")
        ),
        "reach_out_restricted" => format!(
            "{} tried to reach out while their account is paused, and was shown the crisis \
             lines. Please check in on them.",
            s("from")
        ),
        "reach_out_claimed" => format!("{} is here for you. Open the conversation.", s("by")),
        "reach_out_covered" => format!(
            "Someone has answered {}'s reach-out. Thank you for being ready to help.",
            s("from")
        ),
        // The requester's copy names who stepped away; the others' copies
        // name only whose reach-out it is.
        "reach_out_handed_back" if payload.get("by").is_some() => format!(
            "{} had to step away. Your reach-out is open again.",
            s("by")
        ),
        "reach_out_handed_back" => format!(
            "Someone had to step away from {}'s reach-out. It's open again.",
            s("from")
        ),
        "reach_out_closed" => format!(
            "{} closed their reach-out. Thank you for being there.",
            s("from")
        ),
        "reach_out_exhausted" => "Nobody has answered yet, and your reach-out stays open. \
            You don't have to wait: call or text 988, or your local emergency number."
            .to_owned(),
        "reach_out_follow_up" => "How are you today? Yesterday you reached out. \
            If today is hard too, you can reach out again any time."
            .to_owned(),
        "reach_out_thanks" => format!(
            "Thank you for being there for {} yesterday. It matters more than you know.",
            s("from")
        ),
        "risk_prompt" => match s("rule").as_str() {
            "high_craving" => "That's a strong craving. It will pass, and you don't have to ride \
                it out alone: reach out to your circle with one tap."
                .to_owned(),
            "low_mood" => "A few hard days in a row. You don't have to carry them alone: \
                your circle is one tap away."
                .to_owned(),
            _ => "We've missed you. No pressure: check in when you're ready, or reach out \
                if today is hard."
                .to_owned(),
        },
        "risk_nudge" => format!("{} might appreciate hearing from you.", s("from")),
        "encouragement" => format!("{} sent you encouragement.", s("from")),
        "help_request" => format!("{} is asking for a hand. Can you help?", s("from")),
        "help_cancelled" => format!(
            "{} no longer needs a hand with their request. Thank you for offering.",
            s("from")
        ),
        "help_offer" => format!("{} offered to help with your request.", s("from")),
        "help_accepted" => format!("{} accepted your offer to help. Thank you.", s("from")),
        "help_filled" => format!(
            "{} found help for their request this time. Thank you for offering.",
            s("from")
        ),
        "group_post" => format!("{} posted in {}.", s("from"), s("group")),
        "group_mention" => format!("{} mentioned you in {}.", s("from"), s("group")),
        "group_join_request" => format!("{} asked to join {}.", s("from"), s("group")),
        "group_approved" => format!("Welcome: you are now a member of {}.", s("group")),
        "group_report" => format!("There is a new report to look at in {}.", s("group")),
        "group_moderation" => match s("action").as_str() {
            "hide" => format!(
                "A moderator of {} hid one of your posts: {}",
                s("group"),
                s("reason")
            ),
            "restore" => format!("A moderator of {} restored your post.", s("group")),
            "warn" => format!(
                "A moderator of {} sent you a warning: {}",
                s("group"),
                s("reason")
            ),
            "remove" => format!("You were removed from {}: {}", s("group"), s("reason")),
            "ban" => format!(
                "You can no longer take part in {}: {}",
                s("group"),
                s("reason")
            ),
            _ => format!("A moderator of {} took an action about you.", s("group")),
        },
        "report" => "There are reports for the site's moderators to look at.".to_owned(),
        "moderation" => {
            let reason = s("reason");
            match s("action").as_str() {
                "hide" => format!("A moderator hid something you wrote: {reason}"),
                "warn" => format!("A moderator sent you a warning: {reason}"),
                "suspend" => format!(
                    "Your account is paused until {}: {reason} You can still read the resources, \
                     export your data, and the crisis lines are there any time.",
                    s("until")
                ),
                "ban" => format!(
                    "Your account can no longer post, message or reach out to members: {reason} \
                     You can still read the resources, export your data, and the crisis lines \
                     are there any time."
                ),
                "lift" => "Your account can take part fully again. Welcome back.".to_owned(),
                _ => "A moderator took an action about your account.".to_owned(),
            }
        }
        _ => "You have a new notice.".to_owned(),
    }
}

/// Where a notice leads, if anywhere.
pub fn link_of(kind: &str, payload: &serde_json::Value) -> Option<String> {
    let s = |key: &str| payload.get(key).and_then(|v| v.as_str());
    match kind {
        "message" => s("from").map(|h| format!("/conversations/{h}")),
        "reach_out_follow_up" | "reach_out_thanks" => None,
        "risk_prompt" => Some("/reach-out".to_owned()),
        "risk_nudge" => s("from").map(|h| format!("/conversations/{h}")),
        "encouragement" => Some("/".to_owned()),
        "help_request" | "help_offer" | "help_accepted" | "help_filled" | "help_cancelled" => {
            s("request").map(|id| format!("/help-requests/{id}"))
        }
        "group_post" | "group_mention" => match (s("slug"), s("thread")) {
            (Some(g), Some(t)) => Some(format!("/groups/{g}/threads/{t}")),
            _ => None,
        },
        "group_join_request" => s("slug").map(|g| format!("/groups/{g}/members")),
        "group_report" => s("slug").map(|g| format!("/groups/{g}/moderation")),
        "group_approved" | "group_moderation" => s("slug").map(|g| format!("/groups/{g}")),
        "report" => Some("/admin/moderation".to_owned()),
        "moderation" => Some("/settings/safety".to_owned()),
        k if k.starts_with("reach_out") => s("reach_out").map(|id| format!("/reach-out/{id}")),
        _ => None,
    }
}

/// The email subject for a kind of notice: never any detail.
pub fn email_subject(kind: &str) -> &'static str {
    match kind {
        "message" => "You have a new message on Belay",
        "reach_out" | "reach_out_moderator" => "Someone is reaching out on Belay",
        _ => "You have a new notice on Belay",
    }
}
