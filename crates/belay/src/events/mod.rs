//! Live events: what a member's open pages and clients hear about at once
//! (new messages, notices, later reach-out updates).
//!
//! * Every event is first a row in `event`, written in the transaction of
//!   the change it reports. Its id is what SSE sends as `id:`, so a client
//!   that reconnects with `Last-Event-ID` gets exactly what it missed.
//! * [`EventHub`] wakes a member's open streams after the commit; each
//!   stream then reads the new rows. Nothing is sent that was not committed.
//! * With PostgreSQL, several instances share the database: `record` adds a
//!   `NOTIFY belay_events` to the transaction and every instance's
//!   [`pg::listen`] task wakes its local streams. Events for one member are
//!   written under a per-member transaction lock there, so their ids commit
//!   in order and a stream reading "after id N" can't skip one.
//! * On SQLite one process owns the database and the group writer commits
//!   in id order, so the in-process wake-up is all there is.

pub mod pg;
pub mod reader;
pub mod store;
pub mod stream;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use tokio::sync::watch;

use crate::accounts::MemberId;

pub use store::{Recorded, record};

/// Wakes the open event streams of members in this process.
#[derive(Debug, Default)]
pub struct EventHub {
    members: Mutex<HashMap<MemberId, watch::Sender<i64>>>,
}

impl EventHub {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// A receiver that changes whenever a newer event exists for `member`.
    pub fn subscribe(&self, member: MemberId) -> watch::Receiver<i64> {
        let mut members = self.members.lock().unwrap_or_else(|e| e.into_inner());
        members
            .entry(member)
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// Says that `member` has events up to `id` (after their commit).
    pub fn announce(&self, member: MemberId, id: i64) {
        let members = self.members.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(sender) = members.get(&member) {
            sender.send_if_modified(|latest| {
                let newer = id > *latest;
                if newer {
                    *latest = id;
                }
                newer
            });
        }
    }

    pub fn announce_all(&self, recorded: &[Recorded]) {
        for r in recorded {
            self.announce(r.member, r.id);
        }
    }

    /// Wakes every stream (after a gap in the cross-instance feed, so each
    /// rereads what it may have missed).
    pub fn wake_everyone(&self) {
        let members = self.members.lock().unwrap_or_else(|e| e.into_inner());
        for sender in members.values() {
            sender.send_modify(|_| {});
        }
    }

    /// Forgets members whose streams have all closed.
    pub fn forget_idle(&self, member: MemberId) {
        let mut members = self.members.lock().unwrap_or_else(|e| e.into_inner());
        if members
            .get(&member)
            .is_some_and(|s| s.receiver_count() == 0)
        {
            members.remove(&member);
        }
    }

    /// How many members have an open stream here (for `/metrics`).
    pub fn streaming_members(&self) -> usize {
        self.members.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_subscriber_is_woken_by_a_newer_event_only() {
        let hub = EventHub::new();
        let member = MemberId::new();
        let mut rx = hub.subscribe(member);
        hub.announce(member, 5);
        rx.changed().await.unwrap();
        assert_eq!(*rx.borrow_and_update(), 5);
        hub.announce(member, 3);
        assert!(!rx.has_changed().unwrap(), "an older id wakes no one");
        hub.announce(MemberId::new(), 9);
        assert!(
            !rx.has_changed().unwrap(),
            "another member's event wakes no one"
        );
    }

    #[test]
    fn closed_streams_are_forgotten() {
        let hub = EventHub::new();
        let member = MemberId::new();
        let rx = hub.subscribe(member);
        assert_eq!(hub.streaming_members(), 1);
        drop(rx);
        hub.forget_idle(member);
        assert_eq!(hub.streaming_members(), 0);
    }
}
