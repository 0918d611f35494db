//! `GET /api/v1/discover`.

use axum::{
    Json,
    extract::{Query, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::service::{self, Suggestion};
use crate::{
    accounts::ApiMember,
    app::AppState,
    web::error::{AppResult, ErrorBody, FieldErrors},
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(discover))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DiscoverQuery {
    /// `peers` (default), `mentors`, `listeners` or `professionals`.
    pub kind: Option<String>,
    /// From 1; 20 people a page.
    pub page: Option<usize>,
}

/// People who could help, ranked and explained. Only members who opted in
/// appear; the reasons use only what they let members see. A `Link: …;
/// rel="next"` header points to the next page when there is one.
#[utoipa::path(get, path = "/discover", tag = "discovery", security(("bearer" = [])),
    params(DiscoverQuery),
    responses((status = 200, body = [Suggestion]), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn discover(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    query: Result<Query<DiscoverQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let Query(q) = query.map_err(|_| FieldErrors::single("page", "must be a number from 1"))?;
    let kind = service::kind_from(q.kind.as_deref())?;
    let page = q.page.unwrap_or(1);
    let (results, more) = service::discover(&state, &me, kind, page).await?;
    let mut response = Json(results).into_response();
    if more {
        let link = format!(
            "</api/v1/discover?kind={}&page={}>; rel=\"next\"",
            kind.as_str(),
            page + 1
        );
        if let Ok(v) = HeaderValue::from_str(&link) {
            response.headers_mut().insert(header::LINK, v);
        }
    }
    Ok(response)
}
