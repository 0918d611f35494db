//! Practical-help use-cases, shared by the pages and the API.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::store::{self, NewRequest, OfferRow, RequestRow};
use crate::{
    accounts::AuthMember,
    app::AppState,
    checkins::model::check_text,
    notices::{self, NewNotice},
    safety::{CrisisLine, screen},
    time::local_today,
    web::error::{AppError, AppResult, FieldErrors},
};

pub const WHAT_MAX: usize = 500;
pub const WHEN_MAX: usize = 16;
pub const WHERE_MAX: usize = 200;
pub const NOTE_MAX: usize = 500;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Offer {
    pub id: Uuid,
    pub from: String,
    pub note: String,
    /// `offered`, `accepted` or `declined`.
    pub state: String,
    pub created_at: DateTime<Utc>,
}

impl From<OfferRow> for Offer {
    fn from(o: OfferRow) -> Self {
        Self {
            id: o.id,
            from: o.handle,
            note: o.note,
            state: o.state,
            created_at: o.created_at,
        }
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct HelpRequest {
    pub id: Uuid,
    /// Who is asking.
    pub from: String,
    pub what: String,
    /// `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM` in the asker's time zone, or empty.
    pub when: String,
    #[serde(rename = "where")]
    pub place: String,
    /// `open`, `closed` (an offer was accepted) or `cancelled`.
    pub state: String,
    pub created_at: DateTime<Utc>,
    /// Whether I am the one asking.
    pub mine: bool,
    /// Who was asked (the asker sees this list).
    pub asked: Vec<String>,
    /// All offers for the asker; my own offer for anyone else.
    pub offers: Vec<Offer>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crisis_resources: Option<&'static [CrisisLine]>,
}

impl HelpRequest {
    fn from_row(r: RequestRow, me: &AuthMember) -> Self {
        Self {
            mine: r.member_id == me.id,
            id: r.id,
            from: r.handle,
            what: r.what,
            when: r.when_text,
            place: r.where_text,
            state: r.state,
            created_at: r.created_at,
            asked: Vec::new(),
            offers: Vec::new(),
            crisis_resources: None,
        }
    }
}

/// `when`: a local date, or a local date and time, today or later.
fn check_when(raw: &str, today: NaiveDate, errors: &mut FieldErrors) -> String {
    let raw = raw.trim();
    if raw.is_empty() {
        return String::new();
    }
    let day = if let Ok(at) = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M") {
        Some((at.date(), at.format("%Y-%m-%dT%H:%M").to_string()))
    } else if let Ok(d) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Some((d, d.to_string()))
    } else {
        None
    };
    match day {
        Some((d, text)) if d >= today && raw.len() <= WHEN_MAX => text,
        Some(_) => {
            errors.add("when", "must be today or later");
            String::new()
        }
        None => {
            errors.add(
                "when",
                "must be a date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM)",
            );
            String::new()
        }
    }
}

pub struct Ask<'a> {
    pub what: &'a str,
    pub when: Option<&'a str>,
    pub place: Option<&'a str>,
    /// Handles to ask; none means my whole circle.
    pub to: Vec<String>,
}

#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn ask(state: &AppState, me: &AuthMember, a: Ask<'_>) -> AppResult<HelpRequest> {
    crate::moderation::require_active(state, me)?;
    let now = state.clock.now();
    let today = local_today(now, me.time_zone);
    let mut errors = FieldErrors::new();
    let what = check_text(Some(a.what.to_owned()), "what", WHAT_MAX, &mut errors);
    if what.is_empty() {
        errors.add("what", "is required: say what would help");
    }
    let when = check_when(a.when.unwrap_or_default(), today, &mut errors);
    let place = check_text(a.place.map(str::to_owned), "where", WHERE_MAX, &mut errors);
    let wanted: Vec<String> =
        a.to.iter()
            .map(|h| crate::accounts::normalize_handle(h))
            .filter(|h| !h.is_empty())
            .collect();
    if wanted.len() > 200 {
        errors.add("to", "ask up to 200 people at once");
    }
    errors.into_result()?;
    let risk = screen::screen_all([what.as_str(), place.as_str()]);
    let id = Uuid::new_v4();
    let mut tx = state.db.begin_write().await?;
    let circle = store::circle_of(&mut tx, me.id).await?;
    let chosen: Vec<_> = if wanted.is_empty() {
        circle
    } else {
        let unknown: Vec<&String> = wanted
            .iter()
            .filter(|h| !circle.iter().any(|(_, k)| k == *h))
            .collect();
        if !unknown.is_empty() {
            let names: Vec<&str> = unknown.iter().map(|s| s.as_str()).collect();
            return Err(FieldErrors::single(
                "to",
                format!("isn't in your circle: {}", names.join(", ")),
            ));
        }
        circle
            .into_iter()
            .filter(|(_, k)| wanted.contains(k))
            .collect()
    };
    if chosen.is_empty() {
        return Err(FieldErrors::single(
            "to",
            "there is no one in your circle to ask yet: connect with someone first",
        ));
    }
    let new = NewRequest {
        id,
        member: me.id,
        what: &what,
        when: &when,
        place: &place,
    };
    store::insert(&mut tx, &new, now).await?;
    for (member, _) in &chosen {
        store::add_recipient(&mut tx, id, *member).await?;
    }
    let keys: Vec<String> = chosen
        .iter()
        .map(|(m, _)| format!("help_request:{id}:{m}"))
        .collect();
    let payload = serde_json::json!({ "from": me.handle, "request": id });
    let asks: Vec<NewNotice<'_>> = chosen
        .iter()
        .zip(&keys)
        .map(|((m, _), k)| NewNotice {
            member: *m,
            kind: "help_request",
            payload: payload.clone(),
            dedupe_key: k,
            about: Some(me.id),
        })
        .collect();
    let announce = notices::notify_many(&mut tx, &asks, now).await?;
    tx.commit().await?;
    state.events.announce_all(&announce);
    state.jobs.wake();
    if risk.is_high() {
        crate::moderation::check_on_me_after(state, me, &format!("{what}\n{place}")).await;
    }
    let mut request = get(state, me, id).await?;
    request.crisis_resources = risk.resources();
    Ok(request)
}

/// A request as I may see it (404 if I may not).
pub async fn get(state: &AppState, me: &AuthMember, id: Uuid) -> AppResult<HelpRequest> {
    let row = store::visible(&state.db, id, me.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut request = HelpRequest::from_row(row, me);
    if request.mine {
        request.asked = store::recipients(&state.db, id).await?;
    }
    request.offers = store::offers(&state.db, id, me.id, request.mine)
        .await?
        .into_iter()
        .map(Offer::from)
        .collect();
    Ok(request)
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Lists {
    /// Requests I made, newest first.
    pub mine: Vec<HelpRequest>,
    /// Requests people in my circle made of me, newest first.
    pub asked: Vec<HelpRequest>,
}

pub async fn lists(state: &AppState, me: &AuthMember) -> AppResult<Lists> {
    let mine = store::list(&state.db, me.id, true).await?;
    let asked = store::list(&state.db, me.id, false).await?;
    Ok(Lists {
        mine: mine
            .into_iter()
            .map(|r| HelpRequest::from_row(r, me))
            .collect(),
        asked: asked
            .into_iter()
            .map(|r| HelpRequest::from_row(r, me))
            .collect(),
    })
}

/// Offers to help. Only someone asked, still in the asker's circle, on an
/// open request; once per person.
#[tracing::instrument(skip_all, fields(member.id = %me.id, request.id = %id))]
pub async fn offer(
    state: &AppState,
    me: &AuthMember,
    id: Uuid,
    note: Option<String>,
) -> AppResult<HelpRequest> {
    crate::moderation::require_active(state, me)?;
    let mut errors = FieldErrors::new();
    let note = check_text(note, "note", NOTE_MAX, &mut errors);
    errors.into_result()?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let request = store::visible_in_tx(&mut tx, id, me.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if request.member_id == me.id {
        return Err(AppError::Conflict(
            "own_request",
            "You can't offer on your own request.".into(),
        ));
    }
    if request.state != "open" {
        return Err(AppError::Conflict(
            "request_not_open",
            "This request is no longer open. Thank you for being willing.".into(),
        ));
    }
    if !store::insert_offer(&mut tx, Uuid::new_v4(), id, me.id, &note, now).await? {
        return Err(AppError::Conflict(
            "already_offered",
            "You have offered already.".into(),
        ));
    }
    let key = format!("help_offer:{id}:{}", me.id);
    let notice = NewNotice {
        member: request.member_id,
        kind: "help_offer",
        payload: serde_json::json!({ "from": me.handle, "request": id }),
        dedupe_key: &key,
        about: Some(me.id),
    };
    let announce = notices::notify(&mut tx, &notice, now).await?;
    tx.commit().await?;
    state.events.announce_all(announce.as_slice());
    state.jobs.wake();
    get(state, me, id).await
}

/// The asker accepts one offer: the request closes, that person is
/// thanked, everyone else who offered is told it is covered.
#[tracing::instrument(skip_all, fields(member.id = %me.id, request.id = %id))]
pub async fn accept(
    state: &AppState,
    me: &AuthMember,
    id: Uuid,
    offer: Uuid,
) -> AppResult<HelpRequest> {
    settle(state, me, id, Some(offer)).await
}

/// The asker withdraws the request; whoever offered is told, kindly.
pub async fn cancel(state: &AppState, me: &AuthMember, id: Uuid) -> AppResult<HelpRequest> {
    settle(state, me, id, None).await
}

async fn settle(
    state: &AppState,
    me: &AuthMember,
    id: Uuid,
    accepted: Option<Uuid>,
) -> AppResult<HelpRequest> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let request = store::visible_in_tx(&mut tx, id, me.id)
        .await?
        .filter(|r| r.member_id == me.id)
        .ok_or(AppError::NotFound)?;
    let offers = store::offers_in_tx(&mut tx, id).await?;
    if let Some(offer) = accepted
        && !offers.iter().any(|o| o.id == offer && o.state == "offered")
    {
        return Err(AppError::NotFound);
    }
    let to = if accepted.is_some() {
        "closed"
    } else {
        "cancelled"
    };
    if !store::close(&mut tx, id, me.id, to, now).await? {
        return Err(AppError::Conflict(
            "request_not_open",
            format!("This request is {} already.", request.state),
        ));
    }
    store::settle_offers(&mut tx, id, accepted).await?;
    let keys: Vec<(String, &OfferRow, &str)> = offers
        .iter()
        .filter(|o| o.state == "offered")
        .map(|o| {
            let kind = match accepted {
                Some(a) if a == o.id => "help_accepted",
                Some(_) => "help_filled",
                None => "help_cancelled",
            };
            (format!("{kind}:{id}:{}", o.member_id), o, kind)
        })
        .collect();
    let mut announce = Vec::new();
    for (key, o, kind) in &keys {
        let notice = NewNotice {
            member: o.member_id,
            kind,
            payload: serde_json::json!({ "from": me.handle, "request": id }),
            dedupe_key: key,
            about: Some(me.id),
        };
        announce.extend(notices::notify(&mut tx, &notice, now).await?);
    }
    tx.commit().await?;
    state.events.announce_all(&announce);
    state.jobs.wake();
    get(state, me, id).await
}
