//! Export: everything Belay holds about a member, as one JSON document
//! (`GET /api/v1/me/export`, schema version [`SCHEMA_VERSION`]) and the same
//! as a readable page (`/settings/export`, with a download button).
//!
//! Each section is one query keyed by the member's id; rows of other
//! members appear only as far as the member saw them (their handle on a
//! connection, a message exchanged, who read their data). Ids are left
//! out: they mean nothing outside this instance.

use askama::Template;
use axum::{
    Json, Router,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    accounts::{ApiMember, AuthMember, MemberId, PageMember},
    app::AppState,
    db::Db,
    web::{
        error::{AppError, AppResult, ErrorBody},
        page::{Layout, PageResult, render},
    },
};

pub const SCHEMA_VERSION: &str = "belay-export/1";

/// (section, query with `$1` the member's id).
pub const SECTIONS: &[(&str, &str)] = &[
    ("account", "select handle, email, time_zone, language, role, suspended_until, banned_at,
        moderators_may_check, created_at, updated_at from member where id = $1"),
    ("profile", "select discoverable, focus, pathway, languages, bio, seeking, offering, vis_focus, vis_pathway,
        vis_languages, vis_bio, vis_seeking, vis_offering, vis_clocks, updated_at from profile where member_id = $1"),
    ("capacities", "select mentor, mentor_capacity, listener, duty_hours, professional, professional_title,
        verified_at, updated_at from capacity where member_id = $1"),
    ("api_tokens", "select label, created_at, last_used_at, revoked_at from api_token where member_id = $1 order by created_at"),
    ("clocks", "select label, started_on, created_at, updated_at from clock where member_id = $1 order by created_at"),
    ("clock_resets", "select c.label, r.previous_started_on, r.started_on, r.days_counted, r.created_at
        from clock_reset r join clock c on c.id = r.clock_id where c.member_id = $1 order by r.created_at"),
    ("connections", "select case when c.requester_id = $1 then a.handle else q.handle end as with_member,
        c.relationship, c.state, case when c.requester_id = $1 then 'me' else 'them' end as asked_by,
        c.created_at, c.responded_at
        from connection c join member q on q.id = c.requester_id join member a on a.id = c.addressee_id
        where c.requester_id = $1 or c.addressee_id = $1 order by c.created_at"),
    ("sharing_given", "select m.handle as with_member, g.clocks, g.checkins, g.goals, g.reach_out,
        g.reach_out_order, g.updated_at
        from connection_grant g join member m on m.id = g.viewer_id where g.owner_id = $1 order by m.handle_key"),
    ("sharing_received", "select m.handle as from_member, g.clocks, g.checkins, g.goals, g.reach_out, g.updated_at
        from connection_grant g join member m on m.id = g.owner_id where g.viewer_id = $1 order by m.handle_key"),
    ("blocks", "select m.handle as blocked, b.created_at from block b join member m on m.id = b.blocked_id
        where b.blocker_id = $1"),
    ("invites", "select relationship, note, created_at, expires_at from invite where inviter_id = $1 order by created_at"),
    ("messages", "select s.handle as from_member, r.handle as to_member, x.body, x.created_at, x.read_at
        from message x join member s on s.id = x.sender_id join member r on r.id = x.recipient_id
        where x.sender_id = $1 or x.recipient_id = $1 order by x.created_at"),
    ("checkins", "select local_date, mood, craving, sleep_hours, triggers, gratitude, note, created_at, updated_at
        from checkin where member_id = $1 order by local_date"),
    ("checkin_settings", "select nudge_list, updated_at from checkin_setting where member_id = $1"),
    ("risk_signals", "select rule, episode, fired_at, nudged from risk_signal where member_id = $1 order by fired_at"),
    ("goals", "select title, why, cadence, target, state, created_at, updated_at, completed_at
        from goal where member_id = $1 order by created_at"),
    ("goal_progress", "select g.title as goal, p.local_date, p.note, p.created_at
        from goal_progress p join goal g on g.id = p.goal_id where g.member_id = $1 order by p.created_at"),
    ("encouragement_sent", "select m.handle as to_member, e.body, e.created_at
        from encouragement e join member m on m.id = e.recipient_id where e.sender_id = $1 order by e.created_at"),
    ("encouragement_received", "select m.handle as from_member, e.body, e.created_at
        from encouragement e join member m on m.id = e.sender_id where e.recipient_id = $1 order by e.created_at"),
    ("help_requests", "select what, when_text, where_text, state, created_at from help_request
        where member_id = $1 order by created_at"),
    ("help_asked", "select h.what as request, m.handle as asked
        from help_recipient hr join help_request h on h.id = hr.request_id join member m on m.id = hr.member_id
        where h.member_id = $1 order by h.created_at, m.handle_key"),
    ("help_requests_received", "select m.handle as from_member, h.what, h.when_text, h.where_text, h.created_at
        from help_recipient hr join help_request h on h.id = hr.request_id join member m on m.id = h.member_id
        where hr.member_id = $1 and h.hidden_at is null order by h.created_at"),
    ("help_offers", "select m.handle as to_member, h.what as request, o.note, o.state, o.created_at
        from help_offer o join help_request h on h.id = o.request_id join member m on m.id = h.member_id
        where o.member_id = $1 order by o.created_at"),
    ("reach_outs", "select note, state, created_at from reach_out where requester_id = $1 order by created_at"),
    ("reach_out_asked", "select r.created_at as reach_out_opened, m.handle as asked, rr.tier, rr.notified_at
        from reach_out_recipient rr join reach_out r on r.id = rr.reach_out_id join member m on m.id = rr.member_id
        where r.requester_id = $1 order by rr.notified_at, m.handle_key"),
    ("reach_outs_received", "select q.handle as from_member, r.note, rr.notified_at
        from reach_out_recipient rr join reach_out r on r.id = rr.reach_out_id join member q on q.id = r.requester_id
        where rr.member_id = $1 order by rr.notified_at"),
    ("reach_out_settings", "select receives, wait_seconds, follow_up, updated_at from reach_out_setting
        where member_id = $1"),
    ("groups", "select g.name, g.slug, gm.role, gm.state, gm.notify, gm.joined_at
        from group_member gm join peer_group g on g.id = gm.group_id where gm.member_id = $1 order by g.name"),
    ("group_posts", "select g.slug as group_slug, t.title as thread, p.body, p.hidden, p.created_at
        from group_post p join group_thread t on t.id = p.thread_id join peer_group g on g.id = p.group_id
        where p.author_id = $1 order by p.created_at"),
    ("group_reports", "select g.slug as group_slug, r.reason, r.state, r.created_at
        from group_report r join peer_group g on g.id = r.group_id where r.reporter_id = $1 order by r.created_at"),
    ("reports_filed", "select r.kind, s.handle as about_member, r.category, r.reason, r.state, r.created_at
        from report r join member s on s.id = r.subject_id where r.reporter_id = $1 order by r.created_at"),
    ("moderation", "select action, reason, until, created_at from moderation_action
        where subject_id = $1 and action not in ('dismiss', 'checked') order by created_at"),
    ("notices", "select kind, payload, created_at, read_at from notice where member_id = $1 order by created_at"),
    ("access_log", "select coalesce(m.handle, 'a former member') as who, l.what, l.at
        from access_log l left join member m on m.id = l.viewer_id where l.owner_id = $1 order by l.at"),
];

/// The (section, column) pairs that are booleans. PostgreSQL says so
/// itself; SQLite keeps them as integers 0 and 1, which the export turns
/// into `false` and `true` by this list, so that one document means the same
/// on either backend. A test in the PostgreSQL suite describes every
/// section's query there and fails when this list and PostgreSQL's boolean
/// columns differ.
pub const BOOLEAN_COLUMNS: &[(&str, &str)] = &[
    ("account", "moderators_may_check"),
    ("profile", "discoverable"),
    ("capacities", "mentor"),
    ("capacities", "listener"),
    ("capacities", "professional"),
    ("sharing_given", "clocks"),
    ("sharing_given", "checkins"),
    ("sharing_given", "goals"),
    ("sharing_given", "reach_out"),
    ("sharing_received", "clocks"),
    ("sharing_received", "checkins"),
    ("sharing_received", "goals"),
    ("sharing_received", "reach_out"),
    ("checkin_settings", "nudge_list"),
    ("risk_signals", "nudged"),
    ("reach_out_settings", "receives"),
    ("reach_out_settings", "follow_up"),
    ("group_posts", "hidden"),
];

/// SQLite's 0 and 1 as `false` and `true` in a section's boolean columns.
fn sqlite_booleans(name: &str, rows: &mut [Value]) {
    let columns: Vec<&str> = BOOLEAN_COLUMNS
        .iter()
        .filter(|(section, _)| *section == name)
        .map(|(_, column)| *column)
        .collect();
    for row in rows.iter_mut() {
        for column in &columns {
            if let Some(cell) = row.get_mut(*column)
                && let Some(n) = cell.as_i64()
            {
                *cell = Value::Bool(n != 0);
            }
        }
    }
}

/// One cell as JSON, whatever its type on either backend.
macro_rules! cell {
    ($row:expr, $i:expr) => {{
        use sqlx::Row;
        if let Ok(v) = $row.try_get::<Option<i64>, _>($i) {
            json!(v)
        } else if let Ok(v) = $row.try_get::<Option<i32>, _>($i) {
            json!(v)
        } else if let Ok(v) = $row.try_get::<Option<f64>, _>($i) {
            json!(v)
        } else if let Ok(v) = $row.try_get::<Option<bool>, _>($i) {
            json!(v)
        } else if let Ok(v) = $row.try_get::<Option<DateTime<Utc>>, _>($i) {
            json!(v)
        } else if let Ok(v) = $row.try_get::<Option<NaiveDate>, _>($i) {
            json!(v)
        } else if let Ok(v) = $row.try_get::<Option<String>, _>($i) {
            // JSON kept as text (SQLite) comes back as JSON.
            match v.as_deref().map(str::trim_start) {
                Some(t) if t.starts_with('[') || t.starts_with('{') => {
                    serde_json::from_str(t).unwrap_or(json!(v))
                }
                _ => json!(v),
            }
        } else if let Ok(v) = $row.try_get::<Option<Value>, _>($i) {
            v.unwrap_or(Value::Null)
        } else {
            Value::Null
        }
    }};
}

macro_rules! rows_json {
    ($rows:expr) => {{
        use sqlx::{Column, Row};
        $rows
            .iter()
            .map(|row| {
                let mut obj = Map::new();
                for (i, col) in row.columns().iter().enumerate() {
                    obj.insert(col.name().to_owned(), cell!(row, i));
                }
                Value::Object(obj)
            })
            .collect::<Vec<Value>>()
    }};
}

async fn section(db: &Db, name: &str, sql: &'static str, me: MemberId) -> sqlx::Result<Vec<Value>> {
    Ok(match db {
        Db::Sqlite(s) => {
            let rows = sqlx::query(sql).bind(me).fetch_all(&s.read).await?;
            let mut rows = rows_json!(rows);
            sqlite_booleans(name, &mut rows);
            rows
        }
        Db::Postgres(p) => {
            let rows = sqlx::query(sql).bind(me).fetch_all(p).await?;
            rows_json!(rows)
        }
    })
}

/// The whole document.
pub async fn export(state: &AppState, me: &AuthMember) -> AppResult<Value> {
    let mut data = Map::new();
    for (name, sql) in SECTIONS {
        data.insert(
            (*name).to_owned(),
            Value::Array(section(&state.db, name, sql, me.id).await?),
        );
    }
    Ok(json!({
        "schema_version": SCHEMA_VERSION,
        "exported_at": state.clock.now(),
        "instance": state.config.base_url.as_str(),
        "data": data,
    }))
}

pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_me))
        .routes(routes!(export_archive))
}

pub fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/settings/export", get(page))
        .route("/settings/export.json", get(download))
        .route("/settings/export.zip", get(download_archive))
}

#[derive(Template)]
#[template(path = "privacy/export_archive.html")]
struct ArchivePage<'a> {
    handle: &'a str,
    version: &'static str,
    exported_at: String,
    instance: String,
    tables: Vec<Table>,
}

/// The export as one archive: `belay-export/export.json` (the document)
/// and `belay-export/export.html` (the same, readable in any browser, with
/// nothing loaded from anywhere).
pub fn archive(doc: &Value, handle: &str) -> AppResult<Vec<u8>> {
    use std::io::Write;
    use zip::{CompressionMethod, ZipWriter, write::SimpleFileOptions};
    let json = serde_json::to_vec_pretty(doc).map_err(AppError::internal)?;
    let html = ArchivePage {
        handle,
        version: SCHEMA_VERSION,
        exported_at: text(&doc["exported_at"]),
        instance: text(&doc["instance"]),
        tables: tables(doc),
    }
    .render()
    .map_err(AppError::internal)?;
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in [
        ("belay-export/export.json", json.as_slice()),
        ("belay-export/export.html", html.as_bytes()),
    ] {
        zip.start_file(name, options).map_err(AppError::internal)?;
        zip.write_all(bytes).map_err(AppError::internal)?;
    }
    Ok(zip.finish().map_err(AppError::internal)?.into_inner())
}

fn attachment(content_type: &str, file: String, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

/// Everything Belay holds about me as one archive: the JSON document and a
/// readable HTML page beside it.
#[utoipa::path(get, path = "/me/export/archive", tag = "privacy", security(("bearer" = [])),
    responses((status = 200, content_type = "application/zip", body = Vec<u8>), (status = 401, body = ErrorBody)))]
async fn export_archive(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Response> {
    let doc = export(&state, &me).await?;
    let file = format!("belay-{}.zip", me.handle);
    Ok(attachment(
        "application/zip",
        file,
        archive(&doc, &me.handle)?,
    ))
}

async fn download_archive(
    State(state): State<AppState>,
    member: PageMember,
) -> AppResult<Response> {
    let doc = export(&state, &member.0).await?;
    let file = format!("belay-{}.zip", member.0.handle);
    Ok(attachment(
        "application/zip",
        file,
        archive(&doc, &member.0.handle)?,
    ))
}

/// Everything Belay holds about me, as one JSON document.
#[utoipa::path(get, path = "/me/export", tag = "privacy", security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
async fn export_me(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Value>> {
    Ok(Json(export(&state, &me).await?))
}

async fn download(State(state): State<AppState>, member: PageMember) -> AppResult<Response> {
    let doc = export(&state, &member.0).await?;
    let body = serde_json::to_vec_pretty(&doc).map_err(AppError::internal)?;
    let file = format!("belay-{}.json", member.0.handle);
    Ok(attachment("application/json", file, body))
}

/// A section as a table for the page.
struct Table {
    title: String,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

#[derive(Template)]
#[template(path = "privacy/export.html")]
struct ExportPage {
    layout: Layout,
    version: &'static str,
    tables: Vec<Table>,
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn tables(doc: &Value) -> Vec<Table> {
    let mut tables = Vec::new();
    if let Some(data) = doc["data"].as_object() {
        for (name, rows) in data {
            let rows = rows.as_array().cloned().unwrap_or_default();
            let columns: Vec<String> = rows
                .first()
                .and_then(|r| r.as_object())
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            let cells = rows
                .iter()
                .map(|r| columns.iter().map(|c| text(&r[c])).collect())
                .collect();
            tables.push(Table {
                title: name.replace('_', " "),
                columns,
                rows: cells,
            });
        }
    }
    tables
}

async fn page(State(state): State<AppState>, member: PageMember) -> PageResult {
    let doc = export(&state, &member.0).await?;
    render(&ExportPage {
        layout: member.layout("My data"),
        version: SCHEMA_VERSION,
        tables: tables(&doc),
    })
}
