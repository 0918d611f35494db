//! Reading events for many streams at once. When one commit wakes many
//! streams (a reach-out step telling fifty people), each would read its new
//! rows with a query of its own; on SQLite every query is a round trip to
//! a connection's thread. The reader takes the requests that are waiting
//! together and answers them with one query, so a fan-out costs one read
//! rather than one per stream. It still reads the committed rows, so what a
//! stream sends is exactly what `store::since` would have given it.

use std::sync::{Arc, OnceLock};

use tokio::sync::{mpsc, oneshot};

use super::store::{self, EventRow};
use crate::{accounts::MemberId, db::Db};

/// How many waiting requests one query answers at most.
const MAX_BATCH: usize = 64;

struct Request {
    member: MemberId,
    after: i64,
    limit: i64,
    reply: oneshot::Sender<sqlx::Result<Vec<EventRow>>>,
}

pub struct EventReader {
    db: Db,
    queue: OnceLock<mpsc::Sender<Request>>,
}

impl std::fmt::Debug for EventReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventReader").finish_non_exhaustive()
    }
}

impl EventReader {
    pub fn new(db: Db) -> Arc<Self> {
        Arc::new(Self {
            db,
            queue: OnceLock::new(),
        })
    }

    /// A member's events after `after`, oldest first, at most `limit`.
    pub async fn since(
        &self,
        member: MemberId,
        after: i64,
        limit: i64,
    ) -> sqlx::Result<Vec<EventRow>> {
        let queue = self.queue.get_or_init(|| {
            // Started on first use, inside the runtime; it ends when the
            // reader (and so the sender) is dropped.
            let (tx, rx) = mpsc::channel(1024);
            tokio::spawn(run(self.db.clone(), rx));
            tx
        });
        let (reply, answer) = oneshot::channel();
        let request = Request {
            member,
            after,
            limit,
            reply,
        };
        if queue.send(request).await.is_err() {
            return store::since(&self.db, member, after, limit).await;
        }
        match answer.await {
            Ok(result) => result,
            Err(_) => store::since(&self.db, member, after, limit).await,
        }
    }
}

async fn run(db: Db, mut requests: mpsc::Receiver<Request>) {
    while let Some(first) = requests.recv().await {
        // Streams woken by the same commit are still being polled: let
        // them queue their requests, so they share this query.
        tokio::task::yield_now().await;
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match requests.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        if batch.len() == 1 {
            if let Some(r) = batch.pop() {
                let _ = r
                    .reply
                    .send(store::since(&db, r.member, r.after, r.limit).await);
            }
            continue;
        }
        let wanted: Vec<(MemberId, i64)> = batch.iter().map(|r| (r.member, r.after)).collect();
        let limit = batch.iter().map(|r| r.limit).max().unwrap_or(1);
        match store::since_many(&db, &wanted, limit).await {
            Ok(rows) => {
                for r in batch {
                    let mine: Vec<EventRow> = rows
                        .iter()
                        .filter(|(member, row)| *member == r.member && row.id > r.after)
                        .take(usize::try_from(r.limit).unwrap_or(usize::MAX))
                        .map(|(_, row)| row.clone())
                        .collect();
                    let _ = r.reply.send(Ok(mine));
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "reading events together failed; reading one by one");
                for r in batch {
                    let _ = r
                        .reply
                        .send(store::since(&db, r.member, r.after, r.limit).await);
                }
            }
        }
    }
}
