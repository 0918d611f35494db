//! The start page: a welcome for visitors; for members, their clocks and
//! latest notices. It composes features and owns no data of its own.

use askama::Template;
use axum::{
    Router,
    extract::{Query, State},
    routing::get,
};

mod store;

use crate::{
    accounts::Visitor,
    app::AppState,
    checkins::{pages::Banner, service::Signal},
    clocks::{Clock, model::ClockId, store::ClockRow},
    feed::{self, FeedPage},
    notices::{Notice, NoticeRow},
    time::local_today,
    web::page::{Layout, PageResult, render},
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home_page))
}

#[derive(Template)]
#[template(path = "home/landing.html")]
struct LandingPage {
    layout: Layout,
}

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    layout: Layout,
    handle: String,
    banner: Option<Banner>,
    feed: FeedPage,
    clocks: Vec<Clock>,
    notices: Vec<Notice>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct HomeQuery {
    before: Option<String>,
}

async fn home_page(
    State(state): State<AppState>,
    visitor: Visitor,
    query: Result<Query<HomeQuery>, axum::extract::rejection::QueryRejection>,
) -> PageResult {
    let before = query.ok().and_then(|Query(q)| q.before);
    let Some(member) = &visitor.member else {
        return render(&LandingPage {
            layout: visitor.layout("Welcome"),
        });
    };
    let now = state.clock.now();
    // A stale or mangled cursor shows the first page rather than an error.
    let (before, limit) = feed::service::page_request(before.as_deref(), None)
        .or_else(|_| feed::service::page_request(None, None))?;
    let (rows, feed_rows) = store::home_rows(
        &state.db,
        member.id,
        now - chrono::Duration::days(2),
        now - chrono::Duration::hours(crate::checkins::service::BANNER_HOURS),
        before,
    )
    .await?;
    let today = local_today(now, member.time_zone);
    let mut clocks = Vec::new();
    let mut notices = Vec::new();
    let mut signals = Vec::new();
    for row in rows {
        match (row.item.as_str(), row.started_on, row.payload) {
            ("clock", Some(started_on), _) => clocks.push(Clock::from_row(
                ClockRow {
                    id: ClockId(row.id),
                    label: row.text,
                    started_on,
                    created_at: row.created_at,
                    resets: row.resets,
                },
                today,
            )),
            ("notice", _, Some(payload)) => notices.push(Notice::from(NoticeRow {
                id: row.id,
                kind: row.text,
                payload,
                created_at: row.created_at,
                read_at: None,
            })),
            ("signal", _, _) => {
                signals.extend(Signal::of(&row.text, row.created_at, row.resets == 1))
            }
            _ => {}
        }
    }
    signals.sort_by_key(|s| std::cmp::Reverse(s.fired_at));
    clocks.sort_by_key(|c| c.started_on);
    notices.sort_by_key(|n| std::cmp::Reverse(n.created_at));
    render(&HomePage {
        layout: visitor.layout("Home"),
        handle: member.handle.clone(),
        banner: Banner::of(signals),
        feed: feed::service::page_of(feed_rows, limit),
        clocks,
        notices,
    })
}
