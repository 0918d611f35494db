//! `/api/v1/meetings`, a group's meetings, the calendar feeds and the
//! Meeting Guide feed (`/meetings.json`, outside `/api/v1` as consumers
//! expect it).

use axum::{
    Json, Router,
    extract::{Query, State, rejection::QueryRejection},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    model::MeetingInput,
    service::{self, CalendarFeed, FindQuery, FinderResult, Meeting, NowAndNext},
};
use crate::{
    accounts::{ApiMember, MaybeApiMember, Visitor},
    app::AppState,
    groups::api::Done,
    web::{
        error::{AppError, AppResult, ErrorBody, FieldErrors},
        extract::{ApiJson, ApiPath},
    },
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(find))
        .routes(routes!(now_and_next))
        .routes(routes!(group_meetings, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(cancel_occurrence, restore_occurrence))
        .routes(routes!(move_occurrence))
        .routes(routes!(new_calendar, revoke_calendar))
}

/// Feeds served outside `/api/v1`: iCalendar and the Meeting Guide JSON.
pub fn feed_routes() -> Router<AppState> {
    Router::new()
        .route("/meetings.json", get(meeting_guide))
        .route("/groups/{slug}/meetings.ics", get(group_ics))
        .route("/me/meetings.ics", get(member_ics))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingRequest {
    /// 1-128 characters.
    pub name: String,
    /// `weekly` (default), `monthly` or `once`.
    #[serde(default)]
    pub frequency: String,
    /// Days 0 (Sunday) to 6 (Saturday); a monthly meeting has one.
    #[serde(default)]
    pub days: Vec<i64>,
    /// Monthly: 1-4, or -1 for the last.
    pub month_week: Option<i64>,
    /// `YYYY-MM-DD`: a one-off meeting's date, or the first date (default today).
    #[serde(default)]
    pub date: String,
    /// `YYYY-MM-DD`: the last date, if it stops.
    #[serde(default)]
    pub ends_on: String,
    /// Local `HH:MM`.
    pub start_time: String,
    /// Local `HH:MM` (default an hour after the start; earlier than the start is the next day).
    #[serde(default)]
    pub end_time: String,
    /// IANA name, e.g. `America/New_York`.
    pub time_zone: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub formatted_address: String,
    #[serde(default)]
    pub location_notes: String,
    #[serde(default)]
    pub approximate: bool,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    #[serde(default)]
    pub region: String,
    /// An `https://` link to join.
    #[serde(default)]
    pub conference_url: String,
    #[serde(default)]
    pub conference_url_notes: String,
    /// Digits, `+`, and `,` `#` `*` for one-tap dialling (or a `tel:` link).
    #[serde(default)]
    pub conference_phone: String,
    #[serde(default)]
    pub conference_phone_notes: String,
    /// Meeting Guide type codes, e.g. `["O", "D"]`.
    #[serde(default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub notes: String,
    /// False while the meeting is not running.
    pub active: Option<bool>,
}

impl From<MeetingRequest> for MeetingInput {
    fn from(r: MeetingRequest) -> Self {
        Self {
            name: r.name,
            frequency: r.frequency,
            days: r.days,
            month_week: r.month_week,
            date: r.date,
            ends_on: r.ends_on,
            start_time: r.start_time,
            end_time: r.end_time,
            time_zone: r.time_zone,
            location: r.location,
            formatted_address: r.formatted_address,
            location_notes: r.location_notes,
            approximate: r.approximate,
            latitude: r.latitude,
            longitude: r.longitude,
            region: r.region,
            conference_url: r.conference_url,
            conference_url_notes: r.conference_url_notes,
            conference_phone: r.conference_phone,
            conference_phone_notes: r.conference_phone_notes,
            types: r.types,
            notes: r.notes,
            active: r.active.unwrap_or(true),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FinderQuery {
    /// 0 (Sunday) to 6, or several with commas; in each meeting's own zone.
    pub day: Option<String>,
    /// Starting at or after this local time (`HH:MM`).
    pub after: Option<String>,
    /// Starting before this local time.
    pub before: Option<String>,
    /// A Meeting Guide type code.
    pub r#type: Option<String>,
    /// `true` online, `false` in person, `any`.
    pub online: Option<String>,
    /// `lat,lng`: nearest first.
    pub near: Option<String>,
    /// Words in the name, group, place or region.
    pub q: Option<String>,
}

impl From<FinderQuery> for FindQuery {
    fn from(q: FinderQuery) -> Self {
        Self {
            day: q.day,
            after: q.after,
            before: q.before,
            r#type: q.r#type,
            online: q.online,
            near: q.near,
            q: q.q,
        }
    }
}

/// The meeting finder across public groups.
#[utoipa::path(get, path = "/meetings", tag = "meetings", params(FinderQuery),
    responses((status = 200, body = FinderResult), (status = 422, body = ErrorBody)))]
async fn find(
    State(state): State<AppState>,
    MaybeApiMember(me): MaybeApiMember,
    query: Result<Query<FinderQuery>, QueryRejection>,
) -> AppResult<Response> {
    let Query(q) = query.map_err(|e| FieldErrors::single("query", e.body_text()))?;
    let found = service::find_meetings(&state, me.as_ref(), &q.into()).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        found.json.clone(),
    )
        .into_response())
}

/// Public meetings happening now, and the next ones to start.
#[utoipa::path(get, path = "/meetings/now", tag = "meetings",
    responses((status = 200, body = NowAndNext)))]
async fn now_and_next(
    State(state): State<AppState>,
    MaybeApiMember(me): MaybeApiMember,
) -> AppResult<Json<NowAndNext>> {
    Ok(Json(service::now_and_next(&state, me.as_ref()).await?))
}

/// A group's meetings (anyone who may see the group).
#[utoipa::path(get, path = "/groups/{slug}/meetings", tag = "meetings",
    params(("slug" = String, Path)),
    responses((status = 200, body = [Meeting]), (status = 404, body = ErrorBody)))]
async fn group_meetings(
    State(state): State<AppState>,
    MaybeApiMember(me): MaybeApiMember,
    ApiPath(slug): ApiPath<String>,
) -> AppResult<Json<Vec<Meeting>>> {
    Ok(Json(service::of_group(&state, me.as_ref(), &slug).await?))
}

/// Schedule a meeting (the group's organisers and moderators).
#[utoipa::path(post, path = "/groups/{slug}/meetings", tag = "meetings", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = MeetingRequest,
    responses((status = 201, body = Meeting), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
    ApiJson(req): ApiJson<MeetingRequest>,
) -> AppResult<(StatusCode, Json<Meeting>)> {
    let m = service::create(&state, &me, &slug, &req.into()).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// One meeting with its next occurrences.
#[utoipa::path(get, path = "/meetings/{slug}", tag = "meetings",
    params(("slug" = String, Path)),
    responses((status = 200, body = Meeting), (status = 404, body = ErrorBody)))]
async fn get_one(
    State(state): State<AppState>,
    MaybeApiMember(me): MaybeApiMember,
    ApiPath(slug): ApiPath<String>,
) -> AppResult<Json<Meeting>> {
    Ok(Json(service::get(&state, me.as_ref(), &slug).await?))
}

/// Change a meeting (replaces every field; its slug stays).
#[utoipa::path(put, path = "/meetings/{slug}", tag = "meetings", security(("bearer" = [])),
    params(("slug" = String, Path)), request_body = MeetingRequest,
    responses((status = 200, body = Meeting), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
    ApiJson(req): ApiJson<MeetingRequest>,
) -> AppResult<Json<Meeting>> {
    Ok(Json(
        service::update(&state, &me, &slug, &req.into()).await?,
    ))
}

/// Delete a meeting.
#[utoipa::path(delete, path = "/meetings/{slug}", tag = "meetings", security(("bearer" = [])),
    params(("slug" = String, Path)),
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn delete(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath(slug): ApiPath<String>,
) -> AppResult<Json<Done>> {
    service::delete(&state, &me, &slug).await?;
    Ok(Json(Done { ok: true }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OccurrenceRequest {
    /// A short note ("holiday").
    #[serde(default)]
    pub note: String,
}

/// Cancel one occurrence, by its local date.
#[utoipa::path(post, path = "/meetings/{slug}/occurrences/{date}/cancel", tag = "meetings", security(("bearer" = [])),
    params(("slug" = String, Path), ("date" = String, Path)), request_body = OccurrenceRequest,
    responses((status = 200, body = Meeting), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn cancel_occurrence(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath((slug, date)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<OccurrenceRequest>,
) -> AppResult<Json<Meeting>> {
    Ok(Json(
        service::change_occurrence(&state, &me, &slug, &date, None, &req.note).await?,
    ))
}

/// Put a cancelled or moved occurrence back as scheduled.
#[utoipa::path(delete, path = "/meetings/{slug}/occurrences/{date}/cancel", tag = "meetings", security(("bearer" = [])),
    params(("slug" = String, Path), ("date" = String, Path)),
    responses((status = 200, body = Meeting), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn restore_occurrence(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath((slug, date)): ApiPath<(String, String)>,
) -> AppResult<Json<Meeting>> {
    Ok(Json(
        service::restore_occurrence(&state, &me, &slug, &date).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    /// New local start, `YYYY-MM-DDTHH:MM` in the meeting's zone.
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub note: String,
}

/// Move one occurrence to another time.
#[utoipa::path(post, path = "/meetings/{slug}/occurrences/{date}/move", tag = "meetings", security(("bearer" = [])),
    params(("slug" = String, Path), ("date" = String, Path)), request_body = MoveRequest,
    responses((status = 200, body = Meeting), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn move_occurrence(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiPath((slug, date)): ApiPath<(String, String)>,
    ApiJson(req): ApiJson<MoveRequest>,
) -> AppResult<Json<Meeting>> {
    Ok(Json(
        service::change_occurrence(
            &state,
            &me,
            &slug,
            &date,
            Some((&req.start, &req.end)),
            &req.note,
        )
        .await?,
    ))
}

/// A new address for my private "my meetings" calendar feed (the old one stops working).
#[utoipa::path(post, path = "/me/calendar", tag = "meetings", security(("bearer" = [])),
    responses((status = 201, body = CalendarFeed), (status = 401, body = ErrorBody)))]
async fn new_calendar(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<(StatusCode, Json<CalendarFeed>)> {
    Ok((
        StatusCode::CREATED,
        Json(service::new_calendar_token(&state, &me).await?),
    ))
}

/// Turn my private calendar feed off.
#[utoipa::path(delete, path = "/me/calendar", tag = "meetings", security(("bearer" = [])),
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_calendar(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Done>> {
    service::revoke_calendar_token(&state, &me).await?;
    Ok(Json(Done { ok: true }))
}

fn calendar_response(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        body,
    )
        .into_response()
}

async fn group_ics(
    State(state): State<AppState>,
    visitor: Visitor,
    ApiPath(slug): ApiPath<String>,
) -> AppResult<Response> {
    Ok(calendar_response(
        service::group_ics(&state, visitor.member.as_ref(), &slug).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

async fn member_ics(
    State(state): State<AppState>,
    query: Result<Query<TokenQuery>, QueryRejection>,
) -> AppResult<Response> {
    let token = query
        .ok()
        .and_then(|Query(q)| q.token)
        .ok_or(AppError::NotFound)?;
    Ok(calendar_response(
        service::member_ics(&state, &token).await?,
    ))
}

async fn meeting_guide(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    let feed = service::meeting_guide_json(&state).await?;
    let gzip = accepts_gzip(&headers);
    // Each encoding is its own representation, with its own ETag.
    let etag = if gzip {
        format!("{}-gzip\"", feed.etag.trim_end_matches('"'))
    } else {
        feed.etag.to_string()
    };
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut response = (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::VARY, "Accept-Encoding"),
        ],
        if fresh {
            axum::body::Body::empty()
        } else if gzip {
            axum::body::Body::from(feed.gzip().await?)
        } else {
            axum::body::Body::from(feed.body.clone())
        },
    )
        .into_response();
    let h = response.headers_mut();
    if let Ok(v) = header::HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if fresh {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
    } else if gzip {
        h.insert(
            header::CONTENT_ENCODING,
            header::HeaderValue::from_static("gzip"),
        );
    }
    Ok(response)
}

/// Whether `Accept-Encoding` allows gzip (and doesn't refuse it with q=0).
fn accepts_gzip(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_accepted_unless_refused() {
        let with = |v: &str| {
            let mut h = axum::http::HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, v.parse().unwrap());
            accepts_gzip(&h)
        };
        assert!(with("gzip"));
        assert!(with("br, gzip;q=0.8, deflate"));
        assert!(with("*"));
        assert!(!with("gzip;q=0"));
        assert!(!with("br, deflate"));
        assert!(!with("identity"));
        assert!(!accepts_gzip(&axum::http::HeaderMap::new()));
    }
}
