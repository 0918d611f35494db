//! Who a handle names, remembered between messages.
//!
//! Why: before every message the sender's server looked up the handle it was
//! sent to (one read, a hop to a database thread on SQLite), although people
//! write to the same few people again and again, and that read was a fifth of
//! a message's round trips (`BENCHMARKS.md`, issue 4).
//!
//! Why it is safe: it holds only which member a handle names and how the
//! handle is written, never whether two members may talk. Sending checks the
//! circle and blocks in the statement that stores the message, as before; a
//! message that was not stored is explained by the full lookup (403 or 404,
//! as without this), and that lookup replaces what is remembered. Handles are
//! never renamed; a handle freed by an erased account and taken by someone
//! else is caught the same way (the old member is gone, nothing is stored,
//! the lookup finds the new one). Several instances on one PostgreSQL may
//! each remember it: nothing here depends on another instance's writes.

use std::{collections::HashMap, sync::Mutex};

use crate::accounts::MemberId;

/// At most this many handles; a full map starts afresh.
const MAX_ENTRIES: usize = 50_000;

/// A member as a handle names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    pub id: MemberId,
    /// The handle as its owner wrote it.
    pub handle: String,
}

#[derive(Debug, Default)]
pub struct PeerNames {
    entries: Mutex<HashMap<String, Named>>,
}

impl PeerNames {
    /// The member `handle_key` (a normalized handle) named when last looked up.
    pub fn get(&self, handle_key: &str) -> Option<Named> {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(handle_key)
            .cloned()
    }

    pub fn remember(&self, handle_key: &str, named: Named) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(handle_key) {
            entries.clear();
        }
        entries.insert(handle_key.to_owned(), named);
    }

    pub fn forget(&self, handle_key: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(handle_key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(n: u128) -> Named {
        Named {
            id: MemberId(uuid::Uuid::from_u128(n)),
            handle: format!("m{n}"),
        }
    }

    #[test]
    fn remembers_replaces_and_forgets() {
        let names = PeerNames::default();
        assert_eq!(names.get("sky"), None);
        names.remember("sky", named(1));
        assert_eq!(names.get("sky"), Some(named(1)));
        names.remember("sky", named(2));
        assert_eq!(names.get("sky"), Some(named(2)));
        names.forget("sky");
        assert_eq!(names.get("sky"), None);
    }

    #[test]
    fn a_full_map_starts_afresh() {
        let names = PeerNames::default();
        for n in 0..MAX_ENTRIES {
            names.remember(&format!("h{n}"), named(n as u128));
        }
        names.remember("h0", named(7));
        assert_eq!(
            names.get("h1"),
            Some(named(1)),
            "a known key does not clear"
        );
        names.remember("new", named(9));
        assert_eq!(names.get("h1"), None);
        assert_eq!(names.get("new"), Some(named(9)));
    }
}
