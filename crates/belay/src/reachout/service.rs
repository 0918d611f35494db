//! Reach-out use-cases: open, answer, hand back, resolve or cancel, read,
//! and each member's reach-out settings.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    RESPONDER_GUIDE, jobs, kinds,
    store::{self, ViewRow},
};
use crate::{
    accounts::{AuthMember, MemberId},
    app::AppState,
    db::{Tx, is_unique_violation, on_tx},
    events::{self, Recorded},
    jobs::queue,
    notices::{self, NewNotice},
    safety::{CrisisLine, crisis_lines},
    web::error::{AppError, AppResult, FieldErrors},
};

pub const NOTE_MAX: usize = 1000;
pub const WAIT_MAX: i32 = 3600;

/// A reach-out as the member asking sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReachOut {
    pub id: Uuid,
    /// `open` (asking, or everyone was asked and it stays open), `claimed`
    /// (someone answered), `resolved`, `cancelled`.
    pub state: String,
    /// The requester's handle.
    pub from: String,
    /// The requester's note, exactly as written (may be empty).
    pub note: String,
    pub created_at: DateTime<Utc>,
    /// Who answered ("I'm here"); shown to the requester and the one who
    /// answered only.
    pub claimed_by: Option<String>,
    pub claimed_at: Option<DateTime<Utc>>,
    /// Everyone on the ladder was asked and nobody has answered yet.
    pub exhausted: bool,
    pub closed_at: Option<DateTime<Utc>>,
    /// Whether I opened it.
    pub mine: bool,
    /// Whether I am the one who answered it.
    pub answered_by_me: bool,
    /// Who was asked so far (only for the member who reached out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asked: Option<Vec<Asked>>,
    /// The ladder (only for the member who reached out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<Step>>,
    /// How to be there for someone (for those asked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guide: Option<&'static [&'static str]>,
    /// Always here, on every answer about a reach-out.
    pub crisis_resources: &'static [CrisisLine],
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Asked {
    pub handle: String,
    /// 1 my list, 2 my circle, 3 listeners on duty, 4 moderators.
    pub tier: i32,
    pub asked_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Step {
    pub seq: i32,
    pub tier: i32,
    /// When it is (or was) due; absent until the step before it fired.
    pub due_at: Option<DateTime<Utc>>,
    pub fired_at: Option<DateTime<Utc>>,
    /// How many people it asked.
    pub asked: i32,
}

/// My reach-out settings.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, ToSchema)]
pub struct Settings {
    /// People in my circle may reach out to me (I am asked when they need
    /// support now).
    pub receives: bool,
    /// How long each person on my reach-out list has before the next is
    /// asked, in seconds.
    pub wait_seconds: i32,
    /// A "How are you today?" the day after I reach out.
    pub follow_up: bool,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsUpdate {
    pub receives: Option<bool>,
    pub wait_seconds: Option<i32>,
    pub follow_up: Option<bool>,
}

pub async fn settings(state: &AppState, me: &AuthMember) -> AppResult<Settings> {
    let s = store::settings(&state.db, me.id).await?;
    Ok(Settings {
        receives: s.receives,
        wait_seconds: s.wait_seconds,
        follow_up: s.follow_up,
    })
}

pub fn min_wait_seconds(state: &AppState) -> i32 {
    i32::try_from(state.config.reach_out.min_wait.as_secs()).unwrap_or(60)
}

pub async fn update_settings(
    state: &AppState,
    me: &AuthMember,
    u: SettingsUpdate,
) -> AppResult<Settings> {
    let min = min_wait_seconds(state);
    if let Some(w) = u.wait_seconds
        && !(min..=WAIT_MAX).contains(&w)
    {
        return Err(FieldErrors::single(
            "wait_seconds",
            format!("must be between {min} and {WAIT_MAX} seconds"),
        ));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let current = store::settings_tx(&mut tx, me.id).await?;
    let new = store::SettingsRow {
        receives: u.receives.unwrap_or(current.receives),
        wait_seconds: u.wait_seconds.unwrap_or(current.wait_seconds),
        follow_up: u.follow_up.unwrap_or(current.follow_up),
    };
    store::save_settings(&mut tx, me.id, &new, now).await?;
    tx.commit().await?;
    Ok(Settings {
        receives: new.receives,
        wait_seconds: new.wait_seconds,
        follow_up: new.follow_up,
    })
}

/// Who would be asked if I reached out now, for the reach-out page.
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct Reach {
    /// People on my reach-out list who let people reach out to them.
    pub list: usize,
    /// My list in order; `receives: false` are skipped until they turn
    /// reach-outs on.
    pub listed: Vec<Listed>,
    /// Listeners on duty now.
    pub listeners_on_duty: usize,
}

pub async fn reach(state: &AppState, me: &AuthMember) -> AppResult<Reach> {
    let now = state.clock.now();
    let listed: Vec<Listed> = store::listed(&state.db, me.id)
        .await?
        .into_iter()
        .map(|r| Listed {
            handle: r.handle,
            receives: r.receives,
        })
        .collect();
    let list = listed.iter().filter(|l| l.receives).count();
    let listeners = store::all_listeners(&state.db, me.id)
        .await?
        .into_iter()
        .filter(|l| l.on_duty(now))
        .count();
    Ok(Reach {
        list,
        listed,
        listeners_on_duty: listeners,
    })
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Listed {
    pub handle: String,
    pub receives: bool,
}

/// Checks a note: optional, at most 1,000 characters once trimmed, no
/// control characters but line breaks and tabs. Stored as written.
pub fn check_note(raw: Option<&str>) -> AppResult<String> {
    let note = raw.unwrap_or_default().trim();
    if note.chars().count() > NOTE_MAX {
        return Err(FieldErrors::single(
            "note",
            format!("must be at most {NOTE_MAX} characters"),
        ));
    }
    if note
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldErrors::single(
            "note",
            "contains characters that can't be shown",
        ));
    }
    Ok(note.replace("\r\n", "\n"))
}

/// Checks an `Idempotency-Key`: 1-200 visible ASCII characters.
pub fn check_idempotency_key(raw: &str) -> AppResult<String> {
    let key = raw.trim();
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::BadRequest(
            "bad_idempotency_key",
            "Idempotency-Key must be 1-200 visible ASCII characters.".into(),
        ));
    }
    Ok(key.to_owned())
}

/// What opening a reach-out did.
pub enum Opened {
    Created(ReachOut),
    /// The same `Idempotency-Key` again: the reach-out it opened.
    Replayed(ReachOut),
}

/// Opens a reach-out: the reach-out, its ladder and its first step's job
/// commit together before the answer. Over the hourly limit it is held: the
/// answer is a 429 (with crisis lines), and moderators are told.
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn open(
    state: &AppState,
    me: &AuthMember,
    note: Option<&str>,
    idempotency_key: Option<&str>,
) -> AppResult<Opened> {
    let note = check_note(note)?;
    let key = idempotency_key.map(check_idempotency_key).transpose()?;
    if let Err(refused) = crate::moderation::require_active(state, me) {
        // Never silent: they see the crisis lines, and a moderator is told.
        if matches!(refused, AppError::Forbidden(..)) {
            let now = state.clock.now();
            let mut tx = state.db.begin_write().await?;
            let announce = hold(&mut tx, me, kinds::RESTRICTED, now).await?;
            tx.commit().await?;
            state.events.announce_all(&announce);
        }
        return Err(refused);
    }
    // Only the transaction runs again: once it has committed, nothing
    // after it may open a second reach-out.
    let (id, created) =
        match crate::db::retrying(|| open_once(state, me, &note, key.as_deref())).await {
            Err(AppError::Internal(err)) if key.is_some() => {
                // Two requests with one key at once: the other one won.
                if let Some(source) = err.downcast_ref::<sqlx::Error>()
                    && is_unique_violation(source)
                    && let Some(id) = existing(state, me, key.as_deref()).await?
                {
                    (id, false)
                } else {
                    return Err(AppError::Internal(err));
                }
            }
            other => other?,
        };
    if created {
        crate::moderation::check_on_me_after(state, me, &note).await;
        Ok(Opened::Created(view(state, me, id).await?))
    } else {
        Ok(Opened::Replayed(view(state, me, id).await?))
    }
}

async fn existing(state: &AppState, me: &AuthMember, key: Option<&str>) -> AppResult<Option<Uuid>> {
    let Some(key) = key else { return Ok(None) };
    let mut tx = state.db.begin_write().await?;
    let id = store::by_idempotency_key(&mut tx, me.id, key).await?;
    tx.rollback().await?;
    Ok(id)
}

/// The opening transaction: the reach-out's id, and whether this call
/// created it (`false`: its idempotency key had opened it before).
async fn open_once(
    state: &AppState,
    me: &AuthMember,
    note: &str,
    key: Option<&str>,
) -> AppResult<(Uuid, bool)> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    if let Some(key) = key
        && let Some(id) = store::by_idempotency_key(&mut tx, me.id, key).await?
    {
        tx.rollback().await?;
        return Ok((id, false));
    }
    let since = now - Duration::hours(1);
    let recent = store::opened_since(&mut tx, me.id, since).await?;
    if recent >= i64::from(state.config.reach_out.per_hour) {
        let announce = hold(&mut tx, me, kinds::HELD, now).await?;
        tx.commit().await?;
        state.events.announce_all(&announce);
        tracing::warn!("reach-out held by the hourly limit; moderators told");
        return Err(AppError::RateLimited {
            retry_after_secs: 600,
        });
    }
    let settings = store::settings_tx(&mut tx, me.id).await?;
    let wait = settings
        .wait_seconds
        .clamp(min_wait_seconds(state), WAIT_MAX);
    let id = Uuid::new_v4();
    store::insert(
        &mut tx,
        &store::NewReachOut {
            id,
            requester: me.id,
            note,
            wait_seconds: wait,
            idempotency_key: key,
        },
        now,
    )
    .await?;
    // The ladder: one step per person on my list, then circle, listeners,
    // moderators. The first is due now.
    let list = store::reach_out_list(&mut tx, me.id).await?;
    let mut seq = 0;
    for person in list {
        store::insert_step(&mut tx, id, seq, 1, Some(person), (seq == 0).then_some(now)).await?;
        seq += 1;
    }
    for tier in 2..=4 {
        store::insert_step(&mut tx, id, seq, tier, None, (seq == 0).then_some(now)).await?;
        seq += 1;
    }
    let event = serde_json::json!({ "id": id, "state": "open", "step": null });
    let mut announce = vec![events::record(&mut tx, me.id, "reach_out", &event, now).await?];
    // The first step fires in this transaction: the people it asks hear at
    // the commit, not after a job runner's turn. If it fails, the step
    // is left to its job (retried) and the reach-out still opens.
    announce.extend(first_step(state, &mut tx, id, now).await?);
    let follow_up = jobs::ReachOutFollowUp { reach_out_id: id };
    queue::enqueue(
        &mut tx,
        &queue::NewJob::of(
            &follow_up,
            now + jobs::FOLLOW_UP_AFTER,
            Some(jobs::follow_up_key(id)),
        )?,
        now,
    )
    .await?;
    tx.commit().await?;
    state.events.announce_all(&announce);
    state.jobs.wake();
    tracing::info!(reach_out.id = %id, "reach-out opened");
    Ok((id, true))
}

/// Fires step 0 inside the opening transaction, under a savepoint; when
/// that fails, rolls it back and schedules the step's job instead.
async fn first_step(
    state: &AppState,
    tx: &mut Tx,
    id: Uuid,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Recorded>> {
    savepoint(tx, "SAVEPOINT first_step").await?;
    match jobs::fire(state, tx, id, 0).await {
        Ok(announce) => {
            savepoint(tx, "RELEASE SAVEPOINT first_step").await?;
            Ok(announce)
        }
        Err(err) => {
            tracing::warn!(error = %err, reach_out.id = %id, "the first step could not fire at once; its job will");
            savepoint(tx, "ROLLBACK TO SAVEPOINT first_step").await?;
            savepoint(tx, "RELEASE SAVEPOINT first_step").await?;
            queue::enqueue(tx, &jobs::step_job(id, 0, now)?, now).await?;
            Ok(Vec::new())
        }
    }
}

async fn savepoint(tx: &mut Tx, sql: &'static str) -> sqlx::Result<()> {
    on_tx!(tx, |c| sqlx::query(sql).execute(c).await.map(|_| ()))
}

/// One notice of `kind` to each of `members` (with its dedupe key), naming
/// the member `about`.
async fn tell(
    tx: &mut Tx,
    members: &[MemberId],
    keys: &[String],
    (kind, payload, about): (&str, &serde_json::Value, MemberId),
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Recorded>> {
    let batch: Vec<NewNotice<'_>> = members
        .iter()
        .zip(keys)
        .map(|(member, key)| NewNotice {
            member: *member,
            kind,
            payload: payload.clone(),
            dedupe_key: key,
            about: Some(about),
        })
        .collect();
    notices::notify_many(tx, &batch, now).await
}

/// A held reach-out still reaches a person: the moderators, once an hour.
/// Tells the instance's moderators (once an hour) about a reach-out that
/// could not go out: held by the limit, or refused to a suspended member.
async fn hold(
    tx: &mut Tx,
    me: &AuthMember,
    kind: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<Recorded>> {
    let hour = now.timestamp() / 3600;
    let mut announce = Vec::new();
    for m in store::moderators(tx, None, me.id).await? {
        let key = format!("{kind}:{}:{hour}:{}", me.id, m.id);
        let notice = NewNotice {
            member: m.id,
            kind,
            payload: serde_json::json!({ "from": me.handle }),
            dedupe_key: &key,
            about: Some(me.id),
        };
        announce.extend(notices::notify(tx, &notice, now).await?);
    }
    Ok(announce)
}

fn to_view(row: ViewRow, me: MemberId) -> ReachOut {
    let mine = row.requester_id == me;
    ReachOut {
        id: row.id,
        state: row.state,
        from: row.requester_handle,
        note: row.note,
        created_at: row.created_at,
        answered_by_me: row.claimed_by == Some(me),
        // Who answered is the requester's business (and the answerer's
        // own); the others asked only learn that someone did.
        claimed_by: row
            .claimer_handle
            .filter(|_| mine || row.claimed_by == Some(me)),
        claimed_at: row.claimed_at,
        exhausted: row.exhausted_at.is_some(),
        closed_at: row.closed_at,
        mine,
        asked: None,
        steps: None,
        guide: (!mine).then_some(RESPONDER_GUIDE),
        crisis_resources: crisis_lines(),
    }
}

/// One reach-out, as `me` may see it: all of it for the member who reached
/// out; its note and their handle for someone asked; 404 for anyone else.
pub async fn view(state: &AppState, me: &AuthMember, id: Uuid) -> AppResult<ReachOut> {
    let row = store::view(&state.db, id, me.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut out = to_view(row, me.id);
    if out.mine {
        let asked = store::asked(&state.db, id).await?;
        out.asked = Some(
            asked
                .into_iter()
                .map(|a| Asked {
                    handle: a.handle,
                    tier: a.tier,
                    asked_at: a.notified_at,
                })
                .collect(),
        );
        let steps = store::steps(&state.db, id).await?;
        out.steps = Some(
            steps
                .into_iter()
                .map(|s| Step {
                    seq: s.seq,
                    tier: s.tier,
                    due_at: s.due_at,
                    fired_at: s.fired_at,
                    asked: s.asked,
                })
                .collect(),
        );
    }
    Ok(out)
}

pub async fn mine(state: &AppState, me: &AuthMember) -> AppResult<Vec<ReachOut>> {
    let rows = store::mine(&state.db, me.id, 100).await?;
    Ok(rows.into_iter().map(|r| to_view(r, me.id)).collect())
}

pub async fn asked_of_me(state: &AppState, me: &AuthMember) -> AppResult<Vec<ReachOut>> {
    let rows = store::asked_of(&state.db, me.id, 100).await?;
    Ok(rows.into_iter().map(|r| to_view(r, me.id)).collect())
}

/// Why an action on a reach-out I can see was refused.
fn refused(row: &ReachOut, action: &str) -> AppError {
    match (row.state.as_str(), action) {
        (_, "claim") if row.mine => AppError::Forbidden(
            "own_reach_out",
            "This is your own reach-out; the people you trust are being asked.".into(),
        ),
        ("claimed", "claim") => AppError::Conflict(
            "already_answered",
            "Someone has already answered. Thank you for being ready to help.".into(),
        ),
        (_, "claim") => AppError::Conflict("closed", "This reach-out is closed.".into()),
        (_, "hand_back") => AppError::Conflict(
            "not_yours",
            "You are not the one who answered this reach-out.".into(),
        ),
        _ if !row.mine => AppError::Forbidden(
            "not_yours",
            "Only the person who reached out can close it.".into(),
        ),
        _ => AppError::Conflict("closed", "This reach-out is already closed.".into()),
    }
}

/// "I'm here": the first claim wins and opens a conversation between the
/// two; everyone else asked is told it is covered.
#[tracing::instrument(skip_all, fields(member.id = %me.id, reach_out.id = %id))]
pub async fn claim(state: &AppState, me: &AuthMember, id: Uuid) -> AppResult<ReachOut> {
    crate::moderation::require_active(state, me)?;
    // Safe to run again even after a commit: a second claim by the one
    // who answered finds it answered by them and returns it.
    crate::db::retrying(|| claim_once(state, me, id)).await
}

async fn claim_once(state: &AppState, me: &AuthMember, id: Uuid) -> AppResult<ReachOut> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let Some(row) = store::claim(&mut tx, id, me.id, now).await? else {
        tx.rollback().await?;
        let current = view(state, me, id).await?;
        if current.answered_by_me && current.state == "claimed" {
            return Ok(current);
        }
        return Err(refused(&current, "claim"));
    };
    queue::cancel(&mut tx, &jobs::step_key(id)).await?;
    let mut announce = Vec::new();
    // The conversation opens with the claimer's "I'm here".
    let body = "I'm here.";
    let message_id =
        crate::conversations::store::insert_unchecked(&mut tx, me.id, row.requester_id, body, now)
            .await?;
    let requester_handle = &row.requester_handle;
    let payload = serde_json::json!({
        "id": message_id, "from": me.handle, "to": requester_handle, "body": body, "created_at": now,
    });
    announce.extend(
        events::store::record_pair(&mut tx, "message", [row.requester_id, me.id], &payload, now)
            .await?,
    );
    let key = format!("reach-out:{id}:claimed:{}", row.claims);
    let notice = NewNotice {
        member: row.requester_id,
        kind: kinds::CLAIMED,
        payload: serde_json::json!({ "reach_out": id, "by": me.handle }),
        dedupe_key: &key,
        about: Some(me.id),
    };
    announce.extend(notices::notify(&mut tx, &notice, now).await?);
    let others = store::recipients_except(&mut tx, id, Some(me.id)).await?;
    let payload = serde_json::json!({ "reach_out": id, "from": requester_handle });
    let keys: Vec<String> = others
        .iter()
        .map(|m| format!("reach-out:{id}:covered:{}:{m}", row.claims))
        .collect();
    let covered = (kinds::COVERED, &payload, row.requester_id);
    announce.extend(tell(&mut tx, &others, &keys, covered, now).await?);
    let event = serde_json::json!({ "id": id, "state": "claimed", "by": me.handle });
    announce.push(events::record(&mut tx, row.requester_id, "reach_out", &event, now).await?);
    tx.commit().await?;
    state.events.announce_all(&announce);
    tracing::info!("reach-out answered");
    view(state, me, id).await
}

/// The one who answered has to go: the reach-out opens again and the
/// ladder resumes from where it was.
#[tracing::instrument(skip_all, fields(member.id = %me.id, reach_out.id = %id))]
pub async fn hand_back(state: &AppState, me: &AuthMember, id: Uuid) -> AppResult<ReachOut> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let Some(row) = store::hand_back(&mut tx, id, me.id, now).await? else {
        tx.rollback().await?;
        let current = view(state, me, id).await?;
        return Err(refused(&current, "hand_back"));
    };
    if store::schedule_step(&mut tx, id, row.next_step, now).await? {
        queue::enqueue(&mut tx, &jobs::step_job(id, row.next_step, now)?, now).await?;
    }
    // The others asked learn that it is open again, not who stepped away
    // (as "covered" does not say who answered); the requester learns who.
    let at = now.timestamp_millis();
    let key = |m: &MemberId| format!("reach-out:{id}:handed-back:{at}:{m}");
    let others = store::recipients_except(&mut tx, id, Some(me.id)).await?;
    let keys: Vec<String> = others.iter().map(key).collect();
    let payload = serde_json::json!({ "reach_out": id, "from": row.requester_handle });
    let handed_back = (kinds::HANDED_BACK, &payload, row.requester_id);
    let mut announce = tell(&mut tx, &others, &keys, handed_back, now).await?;
    let notice = NewNotice {
        member: row.requester_id,
        kind: kinds::HANDED_BACK,
        payload: serde_json::json!({ "reach_out": id, "by": me.handle }),
        dedupe_key: &key(&row.requester_id),
        about: Some(me.id),
    };
    announce.extend(notices::notify(&mut tx, &notice, now).await?);
    let event = serde_json::json!({ "id": id, "state": "open", "handed_back_by": me.handle });
    announce.push(events::record(&mut tx, row.requester_id, "reach_out", &event, now).await?);
    tx.commit().await?;
    state.events.announce_all(&announce);
    state.jobs.wake();
    view(state, me, id).await
}

/// The member who reached out closes it: `resolved` ("I'm OK now") or
/// `cancelled`. The ladder stops; whoever was asked is told.
#[tracing::instrument(skip_all, fields(member.id = %me.id, reach_out.id = %id))]
pub async fn close(
    state: &AppState,
    me: &AuthMember,
    id: Uuid,
    resolved: bool,
) -> AppResult<ReachOut> {
    let now = state.clock.now();
    let new_state = if resolved { "resolved" } else { "cancelled" };
    let mut tx = state.db.begin_write().await?;
    let Some(row) = store::close(&mut tx, id, me.id, new_state, now).await? else {
        tx.rollback().await?;
        let current = view(state, me, id).await?;
        return Err(refused(&current, "close"));
    };
    queue::cancel(&mut tx, &jobs::step_key(id)).await?;
    // If someone answered, the others were told it was covered already.
    let told = match row.claimed_by {
        Some(claimer) => vec![claimer],
        None => store::recipients_except(&mut tx, id, None).await?,
    };
    let keys: Vec<String> = told
        .iter()
        .map(|m| format!("reach-out:{id}:closed:{m}"))
        .collect();
    let payload = serde_json::json!({ "reach_out": id, "from": me.handle });
    let closed = (kinds::CLOSED, &payload, me.id);
    let mut announce = tell(&mut tx, &told, &keys, closed, now).await?;
    let event = serde_json::json!({ "id": id, "state": new_state });
    announce.push(events::record(&mut tx, me.id, "reach_out", &event, now).await?);
    tx.commit().await?;
    state.events.announce_all(&announce);
    view(state, me, id).await
}
