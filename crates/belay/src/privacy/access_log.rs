//! The access log: every time another member reads my check-ins, clocks or
//! goals through a grant, one row says who, what and when (repeated reads
//! within a minute are one row). I see my log on a page and in the API;
//! my own reads are not logged.

use askama::Template;
use axum::{Json, Router, extract::State, routing::get};
use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    accounts::{ApiMember, MemberId, PageMember},
    app::AppState,
    db::{on_db, on_tx},
    web::{
        error::{AppResult, ErrorBody},
        page::{Layout, PageResult, render},
    },
};

/// Records that `viewer` read `owner`'s `what` now. A failure to log is
/// logged and does not fail the read.
pub async fn record(state: &AppState, owner: MemberId, viewer: MemberId, what: &'static str) {
    if owner == viewer {
        return;
    }
    let now = state.clock.now();
    let minute = now.duration_trunc(TimeDelta::minutes(1)).unwrap_or(now);
    const SQL: &str =
        "insert into access_log (owner_id, viewer_id, what, at) values ($1, $2, $3, $4)
        on conflict do nothing";
    let result = async {
        let mut tx = state.db.begin_write().await?;
        on_tx!(&mut tx, |x| sqlx::query(SQL)
            .bind(owner)
            .bind(viewer)
            .bind(what)
            .bind(minute)
            .execute(x)
            .await
            .map(|r| r.rows_affected()))?;
        tx.commit().await
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "an access-log row could not be written");
    }
}

#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Access {
    /// Who read it ("a former member" once they deleted their account).
    pub who: String,
    /// `checkins`, `clocks` or `goals`.
    pub what: String,
    pub at: DateTime<Utc>,
}

pub async fn of(state: &AppState, me: MemberId) -> AppResult<Vec<Access>> {
    const SQL: &str = "select coalesce(m.handle, 'a former member') as who, l.what, l.at
        from access_log l left join member m on m.id = l.viewer_id
        where l.owner_id = $1 order by l.at desc limit 500";
    Ok(on_db!(&state.db, |x| sqlx::query_as(SQL)
        .bind(me)
        .fetch_all(x)
        .await)?)
}

pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(my_log))
}

pub fn page_routes() -> Router<AppState> {
    Router::new().route("/settings/access-log", get(page))
}

/// Who read my check-ins, clocks or goals through my grants, newest first.
#[utoipa::path(get, path = "/me/access-log", tag = "privacy", security(("bearer" = [])),
    responses((status = 200, body = [Access]), (status = 401, body = ErrorBody)))]
async fn my_log(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
) -> AppResult<Json<Vec<Access>>> {
    Ok(Json(of(&state, me.id).await?))
}

#[derive(Template)]
#[template(path = "privacy/access_log.html")]
struct LogPage {
    layout: Layout,
    log: Vec<Access>,
}

async fn page(State(state): State<AppState>, member: PageMember) -> PageResult {
    let log = of(&state, member.0.id).await?;
    render(&LogPage {
        layout: member.layout("Who looked at what I share"),
        log,
    })
}
