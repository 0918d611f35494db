//! `GET /api/v1/events`: a member's server-sent events.
//!
//! Each event carries its id; a client that reconnects with
//! `Last-Event-ID` (browsers' EventSource does this by itself) receives
//! every event after it that is still kept (seven days). A fresh stream
//! starts with a `ready` event holding the unread counts, then only new
//! events. Comments every 15 seconds keep idle connections open through
//! proxies; a closed connection drops its subscription.

use std::{collections::VecDeque, convert::Infallible, sync::Arc, time::Duration};

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures_util::stream;
use tokio::sync::watch;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{EventHub, reader::EventReader, store};
use crate::{
    accounts::{ApiMember, MemberId},
    app::AppState,
    web::error::{AppResult, ErrorBody},
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

const BATCH: i64 = 100;

struct Streamer {
    reader: Arc<EventReader>,
    hub: Arc<EventHub>,
    member: MemberId,
    last: i64,
    wake: Option<watch::Receiver<i64>>,
    shutdown: watch::Receiver<bool>,
    queue: VecDeque<Event>,
}

impl Drop for Streamer {
    fn drop(&mut self) {
        // Drop the subscription first, so the hub sees it gone.
        self.wake.take();
        self.hub.forget_idle(self.member);
    }
}

fn to_event(row: store::EventRow) -> Event {
    Event::default()
        .id(row.id.to_string())
        .event(row.kind)
        .data(row.payload.0.to_string())
}

/// The next event to send, waiting for one if need be; `None` ends the
/// stream (shutdown, or the database failing).
async fn next(mut s: Streamer) -> Option<(Result<Event, Infallible>, Streamer)> {
    loop {
        if let Some(event) = s.queue.pop_front() {
            return Some((Ok(event), s));
        }
        if *s.shutdown.borrow() {
            return None;
        }
        // Boxed: the query's state exists only while it runs, not in every
        // idle stream (ten thousand of them wait here at once).
        match Box::pin(s.reader.since(s.member, s.last, BATCH)).await {
            Ok(rows) if !rows.is_empty() => {
                s.last = rows.last().map(|r| r.id).unwrap_or(s.last);
                s.queue.extend(rows.into_iter().map(to_event));
                continue;
            }
            Ok(_) if s.queue.capacity() > 8 => {
                s.queue = VecDeque::new();
            }
            Ok(_) => {}
            Err(err) => {
                tracing::warn!(error = %err, "reading events failed; closing the stream");
                return None;
            }
        }
        let wake = s.wake.as_mut()?;
        tokio::select! {
            changed = wake.changed() => if changed.is_err() { return None },
            _ = s.shutdown.changed() => return None,
        }
    }
}

/// Live events for me: messages, notices. Resume with `Last-Event-ID`.
#[utoipa::path(get, path = "/events", tag = "events", security(("bearer" = [])),
    params(("Last-Event-ID" = Option<i64>, Header, description = "The last event id received; events after it are sent first")),
    responses(
        (status = 200, description = "A `text/event-stream`: `ready` (unread counts), `message`, `notice`, `read` events", content_type = "text/event-stream"),
        (status = 401, body = ErrorBody),
    ))]
async fn events(
    State(state): State<AppState>,
    ApiMember(me): ApiMember,
    headers: HeaderMap,
) -> AppResult<Response> {
    let wake = state.events.subscribe(me.id);
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .filter(|id| *id >= 0);
    let mut queue = VecDeque::new();
    let last = match resume {
        Some(id) => id,
        None => {
            let counts = crate::notices::unread_counts(&state.db, me.id).await?;
            queue.push_back(
                Event::default()
                    .event("ready")
                    .data(serde_json::json!(counts).to_string()),
            );
            store::latest(&state.db, me.id).await?
        }
    };
    let streamer = Streamer {
        reader: state.event_reader.clone(),
        hub: state.events.clone(),
        member: me.id,
        last,
        wake: Some(wake),
        shutdown: state.shutdown.subscribe(),
        queue,
    };
    let body = stream::unfold(streamer, next);
    let mut response = Sse::new(body)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    // Ask proxies not to buffer the stream.
    response
        .headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}
