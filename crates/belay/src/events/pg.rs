//! The cross-instance half of live events: on PostgreSQL, each `belay
//! serve` listens on `belay_events` and wakes its own streams for the
//! members named in each notification (`member:event id`).

use std::{sync::Arc, time::Duration};

use sqlx::{PgPool, postgres::PgListener};
use tokio::sync::watch;

use super::EventHub;
use crate::accounts::MemberId;

pub const CHANNEL: &str = "belay_events";

/// Runs until `shutdown`; reconnects after a lost connection, and then
/// wakes every local stream so each rereads what it may have missed.
pub async fn listen(pool: PgPool, hub: Arc<EventHub>, mut shutdown: watch::Receiver<bool>) {
    while !*shutdown.borrow() {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(l) => l,
            Err(err) => {
                tracing::warn!(error = %err, "could not listen for events; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    _ = shutdown.changed() => return,
                }
            }
        };
        if let Err(err) = listener.listen(CHANNEL).await {
            tracing::warn!(error = %err, "LISTEN failed; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        hub.wake_everyone();
        loop {
            tokio::select! {
                received = listener.try_recv() => match received {
                    Ok(Some(n)) => {
                        if let Some((member, id)) = parse(n.payload()) {
                            hub.announce(member, id);
                        }
                    }
                    // The connection dropped (and was re-established):
                    // notifications in between are lost, so look again.
                    Ok(None) => hub.wake_everyone(),
                    Err(err) => {
                        tracing::warn!(error = %err, "the event listener failed; reconnecting");
                        break;
                    }
                },
                _ = shutdown.changed() => return,
            }
        }
    }
}

fn parse(payload: &str) -> Option<(MemberId, i64)> {
    let (member, id) = payload.split_once(':')?;
    Some((MemberId(member.parse().ok()?), id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn notifications_name_a_member_and_an_event() {
        let (m, id) = super::parse("67e55044-10b1-426f-9247-bb680e5fe0c8:42").unwrap();
        assert_eq!(id, 42);
        assert_eq!(m.0.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
        assert!(super::parse("nonsense").is_none());
    }
}
