//! Meeting use-cases shared by the pages and the API: a group's meetings
//! (organisers and moderators schedule them), one occurrence cancelled or
//! moved, the finder across public groups, and the calendar feeds.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::body::Bytes;
use sha2::Digest;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use tokio::sync::watch;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    ics,
    model::{self, Exception, MeetingInput, Occurrence, day_list},
    store::{self, Filter, MeetingRow},
};
use crate::{
    accounts::{AuthMember, MemberId, token},
    app::AppState,
    groups::{model::slugify, service as groups, store as group_store},
    web::error::{AppError, AppResult, FieldErrors},
};

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct TypeView {
    pub code: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OccurrenceView {
    /// The occurrence's own local date (the key to cancel or move it).
    pub date: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Start in the viewer's zone, e.g. "Mon 7 Dec, 19:00".
    pub local: String,
    pub cancelled: bool,
    pub moved: bool,
    pub note: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Meeting {
    pub slug: String,
    pub name: String,
    pub group: String,
    pub group_name: String,
    /// `weekly`, `monthly` or `once`.
    pub frequency: String,
    /// 0 (Sunday) ..= 6.
    pub days: Vec<u8>,
    pub month_week: Option<i64>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    /// Local `HH:MM` in `time_zone`.
    pub start_time: String,
    pub end_time: String,
    pub time_zone: String,
    /// "Mondays and Thursdays, 19:00-20:30 (America/New_York)".
    pub schedule: String,
    pub location: String,
    pub formatted_address: String,
    pub location_notes: String,
    pub approximate: bool,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub region: String,
    pub conference_url: String,
    pub conference_url_notes: String,
    pub conference_phone: String,
    pub conference_phone_notes: String,
    pub types: Vec<TypeView>,
    pub notes: String,
    pub active: bool,
    pub online: bool,
    pub in_person: bool,
    /// The next few occurrences (cancelled ones marked).
    pub next: Vec<OccurrenceView>,
    pub url: String,
}

/// "Mon 7 Dec, 19:00" in `tz`. The format is parsed once, not per label
/// (a finder page makes hundreds).
pub fn local_label(at: DateTime<Utc>, tz: Tz) -> String {
    use chrono::format::{Item, StrftimeItems};
    static ITEMS: std::sync::LazyLock<Vec<Item<'static>>> =
        std::sync::LazyLock::new(|| StrftimeItems::new("%a %-d %b, %H:%M").collect());
    at.with_timezone(&tz)
        .format_with_items(ITEMS.iter())
        .to_string()
}

/// Takes the row, so its strings move into the view (a finder page is up
/// to 200 of them).
pub fn view(
    state: &AppState,
    m: MeetingRow,
    ex: &[Exception],
    viewer_tz: Option<Tz>,
    now: DateTime<Utc>,
    count: usize,
) -> Meeting {
    let schedule = m.schedule();
    let tz = viewer_tz
        .or(schedule.as_ref().map(|s| s.tz))
        .unwrap_or(Tz::UTC);
    let next: Vec<OccurrenceView> = match &schedule {
        Some(s) if m.active && count > 0 => model::upcoming(s, ex, now, count)
            .into_iter()
            .map(|o: Occurrence| OccurrenceView {
                date: o.date,
                start: o.start,
                end: o.end,
                local: local_label(o.start, tz),
                cancelled: o.cancelled,
                moved: o.moved,
                note: o.note,
            })
            .collect(),
        _ => Vec::new(),
    };
    let described = schedule
        .as_ref()
        .map(|s| {
            format!(
                "{}, {}-{} ({})",
                s.describe(),
                m.start_time,
                m.end_time,
                m.time_zone
            )
        })
        .unwrap_or_default();
    let online = !m.conference_url.is_empty() || !m.conference_phone.is_empty();
    let in_person = !m.formatted_address.is_empty() && !m.approximate;
    let url = format!(
        "{}/meetings/{}",
        state.config.base_url.as_str().trim_end_matches('/'),
        m.slug
    );
    let types = model::types_of(&m.types)
        .into_iter()
        .map(|c| TypeView {
            name: model::type_name(&c).unwrap_or_default().to_owned(),
            code: c,
        })
        .collect();
    Meeting {
        slug: m.slug,
        name: m.name,
        group: m.group_slug,
        group_name: m.group_name,
        frequency: m.frequency,
        days: day_list(u8::try_from(m.days).unwrap_or(0)),
        month_week: m.month_week,
        starts_on: m.starts_on,
        ends_on: m.ends_on,
        start_time: m.start_time,
        end_time: m.end_time,
        time_zone: m.time_zone,
        schedule: described,
        location: m.location,
        formatted_address: m.formatted_address,
        location_notes: m.location_notes,
        approximate: m.approximate,
        latitude: m.latitude,
        longitude: m.longitude,
        region: m.region,
        conference_url: m.conference_url,
        conference_url_notes: m.conference_url_notes,
        conference_phone: m.conference_phone,
        conference_phone_notes: m.conference_phone_notes,
        types,
        notes: m.notes,
        active: m.active,
        online,
        in_person,
        next,
        url,
    }
}

fn zone_of(me: Option<&AuthMember>) -> Option<Tz> {
    me.map(|m| m.time_zone)
}

fn today_in(tz: &str, now: DateTime<Utc>) -> NaiveDate {
    model::parse_zone(tz)
        .map(|tz| now.with_timezone(&tz).date_naive())
        .unwrap_or_else(|| now.date_naive())
}

/// Schedules a meeting for a group (its organisers and moderators).
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn create(
    state: &AppState,
    me: &AuthMember,
    group: &str,
    input: &MeetingInput,
) -> AppResult<Meeting> {
    let now = state.clock.now();
    let checked =
        model::check(input, today_in(&input.time_zone, now)).map_err(AppError::Validation)?;
    let a = groups::access(state, group, Some(me.id)).await?;
    a.require_moderator()?;
    let base = slugify(&format!("{} {}", a.row.slug, checked.name));
    let mut tx = state.db.begin_write().await?;
    let taken = group_store::slugs_like(&mut tx, group_store::Table::Meetings, &base).await?;
    let slug = group_store::free_slug(&base, &taken);
    store::upsert(&mut tx, Uuid::new_v4(), a.id(), &slug, &checked, now).await?;
    tx.commit().await?;
    state.meetings.invalidate();
    get(state, Some(me), &slug).await
}

/// A meeting whose group the viewer may see (404 otherwise).
async fn find(state: &AppState, viewer: Option<MemberId>, slug: &str) -> AppResult<MeetingRow> {
    if slug.len() > 200 {
        return Err(AppError::NotFound);
    }
    store::visible(&state.db, slug, viewer)
        .await?
        .ok_or(AppError::NotFound)
}

async fn exceptions(state: &AppState, meeting: Uuid) -> AppResult<Vec<Exception>> {
    Ok(store::exceptions_of(&state.db, meeting)
        .await?
        .iter()
        .map(store::ExceptionRow::exception)
        .collect())
}

pub async fn get(state: &AppState, me: Option<&AuthMember>, slug: &str) -> AppResult<Meeting> {
    let m = find(state, me.map(|m| m.id), slug).await?;
    let ex = exceptions(state, m.id).await?;
    Ok(view(state, m, &ex, zone_of(me), state.clock.now(), 6))
}

/// The group's organisers and moderators may change its meetings.
async fn editable(state: &AppState, me: &AuthMember, slug: &str) -> AppResult<MeetingRow> {
    let m = find(state, Some(me.id), slug).await?;
    let a = groups::access(state, &m.group_slug, Some(me.id)).await?;
    a.require_moderator()?;
    Ok(m)
}

pub async fn update(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    input: &MeetingInput,
) -> AppResult<Meeting> {
    let now = state.clock.now();
    let checked =
        model::check(input, today_in(&input.time_zone, now)).map_err(AppError::Validation)?;
    let m = editable(state, me, slug).await?;
    let mut tx = state.db.begin_write().await?;
    store::upsert(&mut tx, m.id, m.group_id, &m.slug, &checked, now).await?;
    tx.commit().await?;
    state.meetings.invalidate();
    get(state, Some(me), slug).await
}

pub async fn delete(state: &AppState, me: &AuthMember, slug: &str) -> AppResult<()> {
    let m = editable(state, me, slug).await?;
    let mut tx = state.db.begin_write().await?;
    store::delete(&mut tx, m.id).await?;
    tx.commit().await?;
    state.meetings.invalidate();
    Ok(())
}

fn parse_date(raw: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| FieldErrors::single("date", "must be a date (YYYY-MM-DD)"))
}

/// Cancels one occurrence, or moves it to another local start and end.
pub async fn change_occurrence(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    date: &str,
    moved: Option<(&str, &str)>,
    note: &str,
) -> AppResult<Meeting> {
    let on_date = parse_date(date)?;
    let mut e = FieldErrors::new();
    let note = crate::profile::model::check_text("note", note, model::TEXT_MAX, &mut e);
    let moved = match moved {
        None => None,
        Some((a, b)) => {
            let parse = |raw: &str, field: &str, e: &mut FieldErrors| {
                let t = NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M").ok();
                if t.is_none() {
                    e.add(field, "must be a local date and time (YYYY-MM-DDTHH:MM)");
                }
                t
            };
            let (a, b) = (parse(a, "start", &mut e), parse(b, "end", &mut e));
            match (a, b) {
                (Some(a), Some(b)) if b <= a || b - a > Duration::hours(12) => {
                    e.add("end", "must be after the start, and within 12 hours of it");
                    None
                }
                (Some(a), Some(b)) => Some((a, b)),
                _ => None,
            }
        }
    };
    e.into_result()?;
    let m = editable(state, me, slug).await?;
    let schedule = m.schedule().ok_or(AppError::NotFound)?;
    if !schedule.falls_on(on_date) {
        return Err(FieldErrors::single(
            "date",
            "the meeting doesn't happen on that date",
        ));
    }
    let now = state.clock.now();
    let ex = Exception {
        on_date,
        cancelled: moved.is_none(),
        moved,
        note,
    };
    let mut tx = state.db.begin_write().await?;
    store::set_exception(&mut tx, m.id, &ex, now).await?;
    tx.commit().await?;
    state.meetings.invalidate();
    get(state, Some(me), slug).await
}

/// Puts a cancelled or moved occurrence back as scheduled.
pub async fn restore_occurrence(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    date: &str,
) -> AppResult<Meeting> {
    let on_date = parse_date(date)?;
    let m = editable(state, me, slug).await?;
    let mut tx = state.db.begin_write().await?;
    if !store::clear_exception(&mut tx, m.id, on_date, state.clock.now()).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    state.meetings.invalidate();
    get(state, Some(me), slug).await
}

/// A group's meetings, when the viewer may see the group.
pub async fn of_group(
    state: &AppState,
    me: Option<&AuthMember>,
    group: &str,
) -> AppResult<Vec<Meeting>> {
    let a = groups::access(state, group, me.map(|m| m.id)).await?;
    of_access(state, me, &a).await
}

/// The meetings of a group already found for this viewer.
pub async fn of_access(
    state: &AppState,
    me: Option<&AuthMember>,
    a: &groups::Access,
) -> AppResult<Vec<Meeting>> {
    if a.row.visibility == "private" {
        a.require_member()?;
    }
    let rows = store::of_group(&state.db, a.id()).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ex = exceptions_by_meeting(state, None).await?;
    let now = state.clock.now();
    Ok(rows
        .into_iter()
        .map(|m| {
            let ex = ex.get(&m.id).map(Vec::as_slice).unwrap_or(&[]);
            view(state, m, ex, zone_of(me), now, 3)
        })
        .collect())
}

/// Every meeting's cancelled and moved occurrences from 400 days back, by
/// meeting. Changing one moves the meetings'
/// version (`version`, or read here if the caller has none), so the map is
/// read again only when that or the day changes: a finder miss or a group
/// page no longer reads every exception on the instance.
async fn exceptions_by_meeting(state: &AppState, version: Option<&str>) -> AppResult<Exceptions> {
    let version = match version {
        Some(v) => v.to_owned(),
        None => store::feed_version(&state.db).await?,
    };
    let from = state.clock.now().date_naive() - Duration::days(400);
    let cached = locked(&state.meetings.exceptions)
        .as_ref()
        .filter(|(v, f, _)| *v == version && *f == from)
        .map(|(_, _, ex)| ex.clone());
    if let Some(ex) = cached {
        return Ok(ex);
    }
    let mut map: HashMap<Uuid, Vec<Exception>> = HashMap::new();
    for r in store::exceptions_from(&state.db, from).await? {
        map.entry(r.meeting_id).or_default().push(r.exception());
    }
    let ex = Arc::new(map);
    *locked(&state.meetings.exceptions) = Some((version, from, ex.clone()));
    Ok(ex)
}

/// Exceptions by meeting, as [`exceptions_by_meeting`] keeps them.
type Exceptions = Arc<HashMap<Uuid, Vec<Exception>>>;

// ---- the finder -------------------------------------------------------------

/// The finder's query as given.
#[derive(Clone, Debug, Default)]
pub struct FindQuery {
    pub day: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
    pub r#type: Option<String>,
    pub online: Option<String>,
    pub near: Option<String>,
    pub q: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FinderResult {
    pub meetings: Vec<Meeting>,
    /// At most 200 are listed; narrow the search for the rest.
    pub more: bool,
}

fn check_find(q: &FindQuery, today: NaiveDate) -> AppResult<Filter> {
    let mut e = FieldErrors::new();
    let mut f = Filter {
        after: "00:00".into(),
        before: "24:00".into(),
        today,
        ..Filter::default()
    };
    if let Some(day) = q.day.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        for d in day.split(',') {
            match d.trim().parse::<u8>() {
                Ok(d) if d < 7 => f.days |= 1 << d,
                _ => e.add(
                    "day",
                    "must be 0 (Sunday) to 6 (Saturday), or several with commas",
                ),
            }
        }
    }
    for (raw, field, slot) in [
        (&q.after, "after", &mut f.after),
        (&q.before, "before", &mut f.before),
    ] {
        if let Some(r) = raw.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            match model::parse_time(r) {
                Some(t) => *slot = t.format("%H:%M").to_string(),
                None => e.add(field, "must be a time of day like 18:00"),
            }
        }
    }
    if let Some(t) = q.r#type.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        match model::types().get_key_value(t) {
            Some((code, _)) => f.type_code = code.clone(),
            None => e.add("type", "is not a Meeting Guide type code"),
        }
    }
    f.attendance = match q.online.as_deref().map(str::trim) {
        None | Some("") | Some("any") => 0,
        Some("true" | "yes" | "online") => 1,
        Some("false" | "no" | "in_person") => 2,
        Some(_) => {
            e.add("online", "must be true (online), false (in person) or any");
            0
        }
    };
    if let Some(n) = q.near.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        let parts: Vec<f64> = n.split(',').filter_map(|p| p.trim().parse().ok()).collect();
        match parts.as_slice() {
            [lat, lng] if lat.abs() <= 90.0 && lng.abs() <= 180.0 => f.near = Some((*lat, *lng)),
            _ => e.add(
                "near",
                "must be a latitude and longitude, like 41.88,-87.63",
            ),
        }
    }
    if let Some(text) = q.q.as_deref().map(str::trim) {
        if text.chars().count() > 100 {
            e.add("q", "must be at most 100 characters");
        }
        f.q = text.to_owned();
    }
    e.into_result()?;
    Ok(f)
}

/// A finder answer, and the same as JSON, kept for the minute it was
/// worked out in.
#[derive(Debug)]
pub struct Found {
    pub result: FinderResult,
    pub json: Bytes,
}

/// Finder answers by query and viewer's zone, for the version of the
/// meetings they were worked out from (the feed's version query: a change on
/// any instance shows at the next request) and the minute they were worked
/// out in. When the minute turns, one request works the answer out again
/// while the others still get last minute's (a meeting's next occurrence
/// moves on at most once a minute); nobody waits for it. A query nobody has
/// an answer for is worked out by the first request that asks; those asking
/// meanwhile wait for its answer rather than work it out too (sixteen
/// requests working out one new answer at once held the whole server's
/// tail: `BENCHMARKS.md`, issue 7, December).
#[derive(Debug, Default)]
struct FinderCache {
    version: String,
    answers: HashMap<String, (i64, Arc<Found>)>,
    /// Queries being worked out again right now.
    refreshing: std::collections::HashSet<String>,
    /// Queries being worked out for the first time: the leading request's
    /// number and a receiver that wakes when it is done.
    working: HashMap<String, (u64, watch::Receiver<()>)>,
    leads: u64,
}

const FINDER_CACHE_MAX: usize = 512;
/// How old (in minutes) an answer may be while its refresh is under way.
const FINDER_STALE_MINUTES: i64 = 5;

enum Cached {
    Fresh(Arc<Found>),
    /// Work it out; `refresh` says this request took the refresh on, `lead`
    /// that others asking meanwhile wait for it.
    Miss {
        refresh: bool,
        lead: Option<Lead>,
    },
    /// Another request is working it out: wait until it is done (the
    /// receiver ends when its sender goes), then look again.
    Wait(watch::Receiver<()>),
}

/// The request working a new answer out; dropping it (done, failed or
/// cancelled) wakes those waiting.
#[derive(Debug)]
struct Lead {
    number: u64,
    _done: watch::Sender<()>,
}

fn finder_lookup(cache: &mut FinderCache, version: &str, minute: i64, key: &str) -> Cached {
    if cache.version != version {
        *cache = FinderCache {
            version: version.to_owned(),
            ..FinderCache::default()
        };
    }
    match cache.answers.get(key) {
        Some((m, found)) if *m == minute => Cached::Fresh(found.clone()),
        Some((m, found)) if minute - *m <= FINDER_STALE_MINUTES => {
            if cache.refreshing.insert(key.to_owned()) {
                Cached::Miss {
                    refresh: true,
                    lead: None,
                }
            } else {
                Cached::Fresh(found.clone())
            }
        }
        _ => match cache.working.get(key) {
            Some((_, done)) => Cached::Wait(done.clone()),
            None => {
                cache.leads += 1;
                let (tx, rx) = watch::channel(());
                cache.working.insert(key.to_owned(), (cache.leads, rx));
                Cached::Miss {
                    refresh: false,
                    lead: Some(Lead {
                        number: cache.leads,
                        _done: tx,
                    }),
                }
            }
        },
    }
}

/// Takes a finished (or abandoned) lead out of the cache, then wakes those
/// waiting for it, who look again.
struct Leading<'a> {
    cache: &'a Mutex<FinderCache>,
    key: &'a str,
    lead: Option<Lead>,
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        let Some(lead) = self.lead.take() else { return };
        let mut cache = locked(self.cache);
        if cache.working.get(self.key).map(|(n, _)| *n) == Some(lead.number) {
            cache.working.remove(self.key);
        }
        drop(cache);
        drop(lead);
    }
}

/// The finder: public meetings matching the query, at most 200, from
/// memory when the same query was answered this minute.
pub async fn find_meetings(
    state: &AppState,
    me: Option<&AuthMember>,
    q: &FindQuery,
) -> AppResult<Arc<Found>> {
    let now = state.clock.now();
    let minute = now.timestamp() / 60;
    let f = check_find(q, now.date_naive() - Duration::days(1))?;
    let tz = zone_of(me);
    let key = format!("{f:?}|{}", tz.map(|t| t.name()).unwrap_or_default());
    let version = store::feed_version(&state.db).await?;
    let (refresh, lead) = loop {
        let lookup = {
            let mut cache = locked(&state.meetings.finder);
            finder_lookup(&mut cache, &version, minute, &key)
        };
        match lookup {
            Cached::Fresh(found) => return Ok(found),
            Cached::Miss { refresh, lead } => break (refresh, lead),
            Cached::Wait(mut done) => {
                // Err when the leader is done: that is the signal.
                let _ = done.changed().await;
            }
        }
    };
    let _leading = Leading {
        cache: &state.meetings.finder,
        key: &key,
        lead,
    };
    let worked_out = work_out(state, &f, &version, tz, now).await;
    // The lock is let go at the end of this block, before `_leading` (which
    // takes it again) can be dropped.
    let evicted = {
        let mut cache = locked(&state.meetings.finder);
        if refresh {
            cache.refreshing.remove(&key);
        }
        let mut evicted = HashMap::new();
        if let Ok(found) = &worked_out
            && cache.version == version
        {
            if cache.answers.len() >= FINDER_CACHE_MAX {
                evicted = std::mem::take(&mut cache.answers);
            }
            cache.answers.insert(key.clone(), (minute, found.clone()));
        }
        evicted
    };
    let found = worked_out?;
    // Hundreds of answers (each up to 200 views and their JSON) take tens
    // of milliseconds to free (59-114 ms measured with 512): on the blocking
    // pool, after the lock is let go, so neither other finder requests nor
    // the async worker this request runs on wait for it.
    if !evicted.is_empty() {
        tokio::task::spawn_blocking(move || drop(evicted));
    }
    Ok(found)
}

async fn work_out(
    state: &AppState,
    f: &Filter,
    version: &str,
    tz: Option<Tz>,
    now: DateTime<Utc>,
) -> AppResult<Arc<Found>> {
    let rows = store::find(&state.db, f).await?;
    let more = rows.len() >= 200;
    let ex = exceptions_by_meeting(state, Some(version)).await?;
    let state = state.clone();
    off_the_runtime(move || {
        let meetings = rows
            .into_iter()
            .map(|m| {
                let ex = ex.get(&m.id).map(Vec::as_slice).unwrap_or(&[]);
                view(&state, m, ex, tz, now, 1)
            })
            .collect();
        let result = FinderResult { meetings, more };
        let json = Bytes::from(serde_json::to_vec(&result).map_err(AppError::internal)?);
        Ok(Arc::new(Found { result, json }))
    })
    .await
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NowAndNext {
    /// Public meetings under way now.
    pub now: Vec<Meeting>,
    /// The next public meetings to start (within the next 24 hours).
    pub next: Vec<Meeting>,
}

/// "Happening now" and "next up", across zones: each meeting's own local
/// day and time decide (cancelled occurrences left out). The candidates
/// are worked out once a minute and shared by every request in it.
const NOW_AND_NEXT_MAX: usize = 20;

pub async fn now_and_next(state: &AppState, me: Option<&AuthMember>) -> AppResult<NowAndNext> {
    let now = state.clock.now();
    let minute = now.timestamp() / 60;
    let cached = locked(&state.meetings.now)
        .as_ref()
        .filter(|(m, _)| *m == minute)
        .map(|(_, list)| list.clone());
    let list = match cached {
        Some(list) => list,
        None => {
            // One request works it out. While it does, the others use last
            // minute's list if there is one, or wait for it.
            let stale = locked(&state.meetings.now)
                .as_ref()
                .filter(|(m, _)| minute - *m <= FINDER_STALE_MINUTES)
                .map(|(_, list)| list.clone());
            let _turn = match (state.meetings.refresh.try_lock(), stale) {
                (Ok(turn), _) => turn,
                (Err(_), Some(stale)) => return Ok(split_now_and_next(state, me, &stale, now)),
                (Err(_), None) => state.meetings.refresh.lock().await,
            };
            let again = locked(&state.meetings.now)
                .as_ref()
                .filter(|(m, _)| *m == minute)
                .map(|(_, list)| list.clone());
            match again {
                Some(list) => list,
                None => {
                    let list = Arc::new(soon(state, now).await?);
                    *locked(&state.meetings.now) = Some((minute, list.clone()));
                    list
                }
            }
        }
    };
    Ok(split_now_and_next(state, me, &list, now))
}

/// At start-up: works out "happening now" once (until a list exists, finder
/// pages wait for the first: 160-350 ms with 20,000 meetings; after that a
/// stale list is served while a new one is worked out), then builds the
/// Meeting Guide feed, so the first feed consumer doesn't wait either.
pub async fn warm(state: &AppState) {
    if let Err(err) = now_and_next(state, None).await {
        tracing::warn!(error = %err, "working out the meetings happening now failed");
    }
    if let Err(err) = meeting_guide_json(state).await {
        tracing::warn!(error = %err, "building the meeting feed failed");
    }
}

/// Views only for the twenty of each that are shown: the list holds every
/// meeting of the coming day.
fn split_now_and_next(
    state: &AppState,
    me: Option<&AuthMember>,
    list: &Soon,
    now: DateTime<Utc>,
) -> NowAndNext {
    let (mut live, mut next) = (Vec::new(), Vec::new());
    for (start, m, ex) in list.iter() {
        let slot = if *start <= now { &mut live } else { &mut next };
        if slot.len() < NOW_AND_NEXT_MAX {
            slot.push(view(state, m.clone(), ex, zone_of(me), now, 1));
        } else if live.len() >= NOW_AND_NEXT_MAX && next.len() >= NOW_AND_NEXT_MAX {
            break;
        }
    }
    NowAndNext { now: live, next }
}

/// Public meetings under way at `now` or starting within a day, by start.
async fn soon(state: &AppState, now: DateTime<Utc>) -> AppResult<Soon> {
    let f = Filter {
        after: "00:00".into(),
        before: "24:00".into(),
        today: now.date_naive() - Duration::days(1),
        ..Filter::default()
    };
    let mut candidates: Vec<MeetingRow> = Vec::new();
    // Three UTC weekdays cover every zone's today and tomorrow.
    for offset in [-1i64, 0, 1] {
        let d = (now + Duration::days(offset)).date_naive();
        let mut fd = f.clone();
        fd.days = 1 << model::day_of(d);
        candidates.extend(store::find_all(&state.db, &fd).await?);
    }
    candidates.sort_by(|a, b| a.slug.cmp(&b.slug));
    candidates.dedup_by(|a, b| a.slug == b.slug);
    let ex = exceptions_by_meeting(state, None).await?;
    // Thousands of schedules worked through their zones: off the async
    // workers, so the requests served meanwhile don't wait behind it.
    off_the_runtime(move || {
        let mut out = Vec::new();
        for m in candidates {
            let Some(s) = m.schedule() else { continue };
            let e = ex.get(&m.id).cloned().unwrap_or_default();
            if let Some(o) = model::upcoming(&s, &e, now, 3)
                .into_iter()
                .find(|o| !o.cancelled)
                && o.start - now <= Duration::hours(24)
            {
                out.push((o.start, m, e));
            }
        }
        out.sort_by_key(|(t, _, _)| *t);
        Ok(out)
    })
    .await
}

/// Runs CPU-bound work (hundreds of meeting views, a big JSON answer) on
/// the blocking pool instead of an async worker: with two workers, one busy
/// for tens of milliseconds stalls every request queued behind it.
async fn off_the_runtime<T: Send + 'static>(
    work: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(AppError::internal)?
}

// ---- calendar feeds ----------------------------------------------------------

/// A group's meetings as iCalendar (anyone who may see the group).
pub async fn group_ics(
    state: &AppState,
    me: Option<&AuthMember>,
    group: &str,
) -> AppResult<String> {
    let a = groups::access(state, group, me.map(|m| m.id)).await?;
    if a.row.visibility == "private" {
        a.require_member()?;
    }
    let rows = store::of_group(&state.db, a.id()).await?;
    calendar(state, &format!("{} meetings", a.row.name), rows).await
}

async fn calendar(state: &AppState, name: &str, rows: Vec<MeetingRow>) -> AppResult<String> {
    let ex = exceptions_by_meeting(state, None).await?;
    let pairs: Vec<(MeetingRow, Vec<Exception>)> = rows
        .into_iter()
        .map(|m| {
            let e = ex.get(&m.id).cloned().unwrap_or_default();
            (m, e)
        })
        .collect();
    Ok(ics::calendar(
        name,
        &pairs,
        state.config.base_url.as_str(),
        state.clock.now(),
    ))
}

/// "My meetings": every meeting of every group I am in, for a calendar app
/// that has only the token in its URL.
pub async fn member_ics(state: &AppState, token_value: &str) -> AppResult<String> {
    if !token::looks_like_token(token_value) {
        return Err(AppError::NotFound);
    }
    let (member, _) = store::member_by_calendar_token(&state.db, &token::hash_token(token_value))
        .await?
        .ok_or(AppError::NotFound)?;
    let rows = store::of_member(&state.db, member).await?;
    calendar(state, "My meetings on Belay", rows).await
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CalendarFeed {
    /// The private feed's address (shown once; make a new one to replace it).
    pub url: String,
    /// The same for calendar apps that open `webcal://`.
    pub webcal: String,
}

/// A new private feed address; any older one stops working.
pub async fn new_calendar_token(state: &AppState, me: &AuthMember) -> AppResult<CalendarFeed> {
    let t = token::random_token();
    let mut tx = state.db.begin_write().await?;
    store::set_calendar_token(&mut tx, me.id, &token::hash_token(&t), state.clock.now()).await?;
    tx.commit().await?;
    let base = state.config.base_url.as_str().trim_end_matches('/');
    let url = format!("{base}/me/meetings.ics?token={t}");
    let webcal = format!("webcal://{}", url.split("://").nth(1).unwrap_or(&url));
    Ok(CalendarFeed { url, webcal })
}

pub async fn revoke_calendar_token(state: &AppState, me: &AuthMember) -> AppResult<()> {
    let mut tx = state.db.begin_write().await?;
    let done = store::revoke_calendar_token(&mut tx, me.id).await?;
    tx.commit().await?;
    if done {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The feed's JSON and a digest of it: on SQLite in two halves by slug,
/// each read, parsed, exported, serialized and hashed on its own thread at
/// once, then joined.
async fn meeting_guide_body(state: &AppState) -> AppResult<(Bytes, Vec<u8>)> {
    let bounds = match store::feed_split(&state.db).await? {
        Some(split) => vec![(None, Some(split.clone())), (Some(split), None)],
        None => vec![(None, None)],
    };
    let parts = bounds.into_iter().map(
        |(from, below): (Option<String>, Option<String>)| async move {
            let json = store::feed_part(&state.db, from.as_deref(), below.as_deref()).await?;
            let base = state.config.base_url.as_str().to_owned();
            off_the_runtime(move || {
                let rows = store::feed_rows(json)?;
                let feed = super::feed::export(rows, &base);
                // About 420 bytes a meeting: sized once rather than doubled.
                let mut out = Vec::with_capacity(feed.len() * 448);
                serde_json::to_writer(&mut out, &feed).map_err(AppError::internal)?;
                let digest = sha2::Sha256::digest(&out);
                Ok((out, digest))
            })
            .await
        },
    );
    let parts = futures_util::future::try_join_all(parts).await?;
    // Each part is a JSON array: keep what is inside the brackets.
    let mut body = Vec::with_capacity(parts.iter().map(|(p, _)| p.len()).sum::<usize>() + 2);
    let mut digest = sha2::Sha256::new();
    body.push(b'[');
    for (part, part_digest) in &parts {
        digest.update(part_digest);
        if part.len() <= 2 {
            continue;
        }
        if body.len() > 1 {
            body.push(b',');
        }
        body.extend_from_slice(&part[1..part.len() - 1]);
    }
    body.push(b']');
    Ok((Bytes::from(body), digest.finalize().to_vec()))
}

/// The serialized feed and its ETag, rebuilt only when a meeting or a group
/// changed: a one-row version query (`store::feed_version`) decides, so
/// every instance on a shared PostgreSQL serves what is stored.
/// One request builds a new version while the others wait for it: a feed
/// costs both cores for tens of milliseconds, and a burst of consumers
/// after a change would otherwise each build their own.
pub async fn meeting_guide_json(state: &AppState) -> AppResult<Arc<FeedBody>> {
    let version = store::feed_version(&state.db).await?;
    let cached = |state: &AppState| {
        locked(&state.meetings.feed)
            .as_ref()
            .filter(|(v, _)| *v == version)
            .map(|(_, feed)| feed.clone())
    };
    if let Some(feed) = cached(state) {
        return Ok(feed);
    }
    let _building = state.meetings.building.lock().await;
    if let Some(feed) = cached(state) {
        return Ok(feed);
    }
    // The ETag is a digest of the parts' digests: it changes with the body.
    let (body, digest) = meeting_guide_body(state).await?;
    state
        .meetings
        .builds
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let etag: Arc<str> = format!(
        "\"{}\"",
        digest
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
    .into();
    let feed = Arc::new(FeedBody {
        etag,
        body,
        gzip: tokio::sync::OnceCell::new(),
    });
    *locked(&state.meetings.feed) = Some((version, feed.clone()));
    Ok(feed)
}

/// The Meeting Guide feed as served: its ETag, the JSON, and the same
/// compressed for clients that accept gzip (8 MB becomes well under 1 MB),
/// made when the first such client asks (once, whoever else asks meanwhile).
#[derive(Debug)]
pub struct FeedBody {
    pub etag: Arc<str>,
    pub body: Bytes,
    gzip: tokio::sync::OnceCell<Bytes>,
}

impl FeedBody {
    pub async fn gzip(&self) -> AppResult<Bytes> {
        self.gzip
            .get_or_try_init(|| {
                let body = self.body.clone();
                off_the_runtime(move || gzipped(&body).map(Bytes::from))
            })
            .await
            .cloned()
    }
}

fn gzipped(body: &[u8]) -> AppResult<Vec<u8>> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(body).map_err(AppError::internal)?;
    gz.finish().map_err(AppError::internal)
}

impl MeetingCache {
    /// How many times the feed was built since start.
    pub fn feed_builds(&self) -> usize {
        self.builds.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets both, after a change made through this process (the version
    /// check covers changes made by other instances).
    pub fn invalidate(&self) {
        *locked(&self.feed) = None;
        *locked(&self.now) = None;
        *locked(&self.finder) = FinderCache::default();
        *locked(&self.exceptions) = None;
    }
}

/// Meetings running or starting soon, by start, with their exceptions.
type Soon = Vec<(DateTime<Utc>, MeetingRow, Vec<Exception>)>;

/// The caches' locks. A panic while one was held leaves at worst a stale or
/// partial answer cache, which the version check replaces, so a poisoned
/// lock is taken as it is rather than failing every later request.
fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the feed and "happening now" keep between requests.
#[derive(Debug, Default)]
pub struct MeetingCache {
    /// (version, the served feed) of `/meetings.json`.
    feed: Mutex<Option<(String, Arc<FeedBody>)>>,
    /// The minute and the meetings running or starting within a day of it.
    now: Mutex<Option<(i64, Arc<Soon>)>>,
    /// Held while "happening now" is worked out, so it is done once.
    refresh: tokio::sync::Mutex<()>,
    /// Held while the feed is built, so each version is built once.
    building: tokio::sync::Mutex<()>,
    /// Feeds built since start.
    builds: std::sync::atomic::AtomicUsize,
    /// Finder answers of this minute.
    finder: Mutex<FinderCache>,
    /// (version, first day, exceptions by meeting): see
    /// [`exceptions_by_meeting`].
    exceptions: Mutex<Option<(String, NaiveDate, Exceptions)>>,
}

#[cfg(test)]
mod finder_cache_tests {
    use super::*;

    fn found() -> Arc<Found> {
        Arc::new(Found {
            result: FinderResult {
                meetings: Vec::new(),
                more: false,
            },
            json: Bytes::from_static(b"{}"),
        })
    }

    #[test]
    fn fresh_answers_stale_ones_refresh_once_and_a_new_version_forgets() {
        let mut c = FinderCache::default();
        assert!(matches!(
            finder_lookup(&mut c, "v1", 100, "k"),
            Cached::Miss {
                refresh: false,
                lead: Some(_)
            }
        ));
        c.working.clear();
        c.answers.insert("k".into(), (100, found()));
        assert!(matches!(
            finder_lookup(&mut c, "v1", 100, "k"),
            Cached::Fresh(_)
        ));
        // The minute turns: the first request refreshes, the next get the old answer.
        assert!(matches!(
            finder_lookup(&mut c, "v1", 101, "k"),
            Cached::Miss {
                refresh: true,
                lead: None
            }
        ));
        assert!(matches!(
            finder_lookup(&mut c, "v1", 101, "k"),
            Cached::Fresh(_)
        ));
        c.refreshing.clear();
        // Too old to serve while refreshing.
        assert!(matches!(
            finder_lookup(&mut c, "v1", 106, "k"),
            Cached::Miss {
                refresh: false,
                lead: Some(_)
            }
        ));
        c.working.clear();
        // A change anywhere: nothing old is served.
        c.answers.insert("k".into(), (106, found()));
        assert!(matches!(
            finder_lookup(&mut c, "v2", 106, "k"),
            Cached::Miss {
                refresh: false,
                lead: Some(_)
            }
        ));
        assert!(c.answers.is_empty());
    }

    #[test]
    fn a_new_query_is_worked_out_once_while_the_others_wait() {
        let cache = Mutex::new(FinderCache::default());
        let first = finder_lookup(&mut cache.lock().unwrap(), "v1", 100, "k");
        let Cached::Miss {
            refresh: false,
            lead: Some(lead),
        } = first
        else {
            panic!("the first request leads");
        };
        let Cached::Wait(waiting) = finder_lookup(&mut cache.lock().unwrap(), "v1", 100, "k")
        else {
            panic!("the second waits");
        };
        assert!(
            matches!(
                finder_lookup(&mut cache.lock().unwrap(), "v1", 100, "other"),
                Cached::Miss { lead: Some(_), .. }
            ),
            "another query has its own lead"
        );
        // The leader stores its answer and is done: the waiting wake, and
        // the next look finds the answer.
        cache
            .lock()
            .unwrap()
            .answers
            .insert("k".into(), (100, found()));
        drop(Leading {
            cache: &cache,
            key: "k",
            lead: Some(lead),
        });
        assert!(waiting.has_changed().is_err(), "woken: the sender is gone");
        assert!(matches!(
            finder_lookup(&mut cache.lock().unwrap(), "v1", 100, "k"),
            Cached::Fresh(_)
        ));
    }

    #[test]
    fn an_abandoned_lead_hands_the_work_to_the_next() {
        let cache = Mutex::new(FinderCache::default());
        let Cached::Miss { lead, .. } = finder_lookup(&mut cache.lock().unwrap(), "v1", 100, "k")
        else {
            panic!("the first request leads");
        };
        // The leading request is cancelled (or fails) without an answer.
        drop(Leading {
            cache: &cache,
            key: "k",
            lead,
        });
        assert!(
            matches!(
                finder_lookup(&mut cache.lock().unwrap(), "v1", 100, "k"),
                Cached::Miss { lead: Some(_), .. }
            ),
            "the next request leads instead of waiting forever"
        );
    }
}
