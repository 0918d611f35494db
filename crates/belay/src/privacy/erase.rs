//! Deleting an account: `DELETE /api/v1/me {password, keep_posts?}` and the
//! page at `/settings/delete`.

use askama::Template;
use axum::{
    Json, Router,
    extract::State,
    response::{IntoResponse, Redirect},
    routing::get,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    accounts::{ApiMember, AuthMember, PageMember, store as accounts},
    app::AppState,
    db::{Db, on_tx},
    web::{
        csrf::CsrfForm,
        error::{AppError, AppResult, ErrorBody, FieldErrors},
        extract::ApiJson,
        page::{Layout, PageResult, render},
    },
};

pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(delete_me))
}

pub fn page_routes() -> Router<AppState> {
    Router::new().route("/settings/delete", get(page).post(submit))
}

/// Erases the member. Their password is asked again: this can't be undone.
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn erase(
    state: &AppState,
    me: &AuthMember,
    password: String,
    keep_posts: bool,
) -> AppResult<()> {
    let stored = accounts::password_hash(&state.db, me.id).await?;
    if password.is_empty() || !state.passwords.verify(password, stored).await {
        return Err(FieldErrors::single("password", "is not your password"));
    }
    // The erasure touches rows that the job runner and other members'
    // requests also lock; PostgreSQL may pick it as a deadlock's victim.
    crate::db::retrying(|| erase_once(state, me, keep_posts)).await
}

/// Deletes the rows of `table` (one with a JSON `payload`) that name a
/// member: `$1` the handle (in `from`, `to`, `by` or `handed_back_by`), `$2`
/// and `$3` LIKE patterns for a text starting with it and a link ending in
/// it, `$4` one for the member's id anywhere, `$5` one for the handle
/// anywhere, and from `$6` on one for the id of each of `things` they owned
/// (a job for their clock, goal, help request or reach-out). `->>` reads a
/// key the same way on both backends (SQLite takes a bare key as `$.key`).
///
/// One scan per table, and the payload's text is tested first: whatever
/// the rest finds holds the handle or an id as text (handles are `a-z`,
/// `0-9` and `_`, which JSON writes as they are), so only the few rows that
/// might name the member have their JSON read. Reading every payload's keys
/// was most of an erasure, with every write on the instance waiting behind
/// it (`BENCHMARKS.md`, issue 6).
fn naming_sql(table: &str, things: usize) -> String {
    let like = |n: usize| format!("cast(payload as text) like ${n} escape '\\'");
    let things: String = (6..6 + things)
        .map(|n| format!(" or {}", like(n)))
        .collect();
    format!(
        "delete from {table}
        where ({handle} or {id}{things})
          and (payload ->> 'from' = $1 or payload ->> 'to' = $1
            or payload ->> 'by' = $1 or payload ->> 'handed_back_by' = $1
            or payload ->> 'text' like $2 escape '\\'
            or payload ->> 'link' like $3 escape '\\'
            or {id}{things})",
        handle = like(5),
        id = like(4),
    )
}

async fn erase_once(state: &AppState, me: &AuthMember, keep_posts: bool) -> AppResult<()> {
    let mut tx = state.db.begin_write().await?;
    let id = me.id;
    // Group content: my posts go, or stay under "a former member"; threads
    // I started lose their title when they stay for others' replies.
    let statements: &[&'static str] = if keep_posts {
        &["update group_thread set title = 'A thread by a former member' where author_id = $1"]
    } else {
        &[
            "delete from group_post where author_id = $1",
            "delete from group_thread where author_id = $1
                and not exists (select 1 from group_post p where p.thread_id = group_thread.id)",
            "update group_thread set title = 'A thread by a former member' where author_id = $1",
        ]
    };
    for sql in statements {
        on_tx!(&mut tx, |x| sqlx::query(*sql)
            .bind(id)
            .execute(x)
            .await
            .map(|r| r.rows_affected()))?;
    }
    // What I reported and why, and groups nobody else is in.
    for sql in [
        "delete from group_report where reporter_id = $1",
        "delete from report where reporter_id = $1",
        "delete from peer_group where created_by = $1 and not exists (
            select 1 from group_member gm where gm.group_id = peer_group.id and gm.member_id <> $1)",
    ] {
        on_tx!(&mut tx, |x| sqlx::query(sql).bind(id).execute(x).await.map(|r| r.rows_affected()))?;
    }
    // Other members' notices that name me go with my member row below
    // (`notice.about_member_id`, on delete cascade). Live events (pruned
    // after a week) and pending jobs that name me are found by their
    // payload: my handle in a field that holds a handle, at the start of a
    // live notice's text or at the end of its link, or my id anywhere. A value
    // that merely equals my handle elsewhere (a risk rule's name, a kind, a
    // group's slug) is someone else's and stays: matching any JSON string
    // equal to the handle once erased another member's prompt to reach out.
    let h = crate::db::like_literal(&me.handle);
    let text_start = format!("{h} %");
    let link_end = format!("%/{h}");
    let id_anywhere = format!("%{}%", me.id);
    let handle_anywhere = format!("%{h}%");
    const OWNED: &str = "select id from clock where member_id = $1
        union all select id from goal where member_id = $1
        union all select id from help_request where member_id = $1
        union all select id from reach_out where requester_id = $1";
    let owned: Vec<uuid::Uuid> = on_tx!(&mut tx, |x| sqlx::query_scalar(OWNED)
        .bind(id)
        .fetch_all(x)
        .await)?;
    let owned: Vec<String> = owned
        .iter()
        .map(|thing| format!("%{}%", crate::db::like_literal(&thing.to_string())))
        .collect();
    // Jobs for what I owned go too; events name people.
    for (table, things) in [("event", &[][..]), ("job", &owned[..])] {
        let sql = naming_sql(table, things.len());
        on_tx!(&mut tx, |x| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(&me.handle)
                .bind(&text_start)
                .bind(&link_end)
                .bind(&id_anywhere)
                .bind(&handle_anywhere);
            for thing in things {
                query = query.bind(thing);
            }
            query.execute(x).await.map(|r| r.rows_affected())
        })?;
    }
    let gone = on_tx!(&mut tx, |x| sqlx::query("delete from member where id = $1")
        .bind(id)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    if gone != 1 {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    state.auth_cache.invalidate();
    flush(&state.db).await;
    tracing::info!("account erased");
    Ok(())
}

/// On SQLite, moves the zeroed pages into the database file and empties the
/// write-ahead log, so no copy of the erased rows stays in it.
async fn flush(db: &Db) {
    if let Db::Sqlite(s) = db {
        let result: sqlx::Result<(i64, i64, i64)> =
            sqlx::query_as("pragma wal_checkpoint(TRUNCATE)")
                .fetch_one(&s.read)
                .await;
        match result {
            Ok((0, _, _)) => {}
            Ok((busy, log, done)) => {
                tracing::warn!(
                    busy,
                    log,
                    done,
                    "the checkpoint after an erasure could not finish; it will at the next one"
                )
            }
            Err(e) => tracing::warn!(error = %e, "the checkpoint after an erasure failed"),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteRequest {
    /// My password, to confirm.
    pub password: String,
    /// Keep my group posts under "a former member" instead of erasing them.
    #[serde(default)]
    pub keep_posts: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    pub deleted: bool,
}

/// Delete my account and everything I wrote (asks for my password).
#[utoipa::path(delete, path = "/me", tag = "privacy", security(("bearer" = [])),
    request_body = DeleteRequest,
    responses((status = 200, body = Deleted), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn delete_me(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    ApiJson(req): ApiJson<DeleteRequest>,
) -> AppResult<Json<Deleted>> {
    erase(&state, &me, req.password, req.keep_posts).await?;
    Ok(Json(Deleted { deleted: true }))
}

#[derive(Template)]
#[template(path = "privacy/delete.html")]
struct DeletePage {
    layout: Layout,
    problem: Option<String>,
}

async fn page(member: PageMember) -> PageResult {
    render(&DeletePage {
        layout: member.layout("Delete my account"),
        problem: None,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
    password: String,
    keep_posts: Option<String>,
    confirm: Option<String>,
}

async fn submit(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<DeleteForm>,
) -> PageResult {
    if form.confirm.is_none() {
        let page = render(&DeletePage {
            layout: member.layout("Delete my account"),
            problem: Some("Tick the box to confirm that you want to delete your account.".into()),
        })?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    match erase(&state, &member.0, form.password, form.keep_posts.is_some()).await {
        // The session died with the account: the next page is logged out.
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(AppError::Validation(_)) => {
            let page = render(&DeletePage {
                layout: member.layout("Delete my account"),
                problem: Some("That is not your password. Nothing was deleted.".into()),
            })?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
