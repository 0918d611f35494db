//! A short-lived, in-process cache of session and API-token lookups.
//!
//! Why: on SQLite every query is a hop to a database thread, and the lookup
//! of "who is this" was half the work of the most-visited pages (measured in
//! `BENCHMARKS.md`).
//!
//! Why it is safe:
//! * It is enabled only on SQLite, where one `belay serve` owns the database.
//!   With PostgreSQL several instances may share it, so every request reads
//!   the database there.
//! * Every change that can end a session or token or change what it carries
//!   (log-out, log-in over an old session, password change, token revocation,
//!   role or time-zone change, expiry, a moderator's suspension, ban or
//!   lift, which `moderation::require_active` reads from here) calls
//!   [`AuthCache::invalidate`] after its commit, so it applies to the very
//!   next request. Entries remember the generation they were read under; a
//!   lookup that raced with a change is discarded, never served.
//! * Another process writing the same file (the `belay admin` CLI) cannot
//!   invalidate it: entries expire after [`TTL_SECS`] seconds regardless.
//! * Timeouts are still checked on every request against the cached times,
//!   and the "last seen" time is written through.

use std::{
    collections::HashMap,
    future::Future,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use chrono::{DateTime, Utc};

use super::store::{AuthRow, TokenRow};

/// How long an entry may be served without asking the database again.
pub const TTL_SECS: i64 = 10;
const MAX_ENTRIES: usize = 50_000;

#[derive(Clone, Debug)]
pub enum Cached {
    Session(AuthRow),
    Token(TokenRow),
}

#[derive(Debug)]
struct Entry {
    value: Cached,
    generation: u64,
    fetched_at: DateTime<Utc>,
}

#[derive(Debug)]
pub struct AuthCache {
    enabled: bool,
    generation: AtomicU64,
    entries: Mutex<HashMap<Vec<u8>, Entry>>,
}

impl AuthCache {
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            generation: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The generation to pass to [`AuthCache::put`]: read it before the
    /// database lookup it will tag.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub fn get(&self, key: &[u8], now: DateTime<Utc>) -> Option<Cached> {
        if !self.enabled {
            return None;
        }
        let current = self.generation();
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let entry = entries.get(key)?;
        let age = (now - entry.fetched_at).num_seconds();
        (entry.generation == current && (0..TTL_SECS).contains(&age)).then(|| entry.value.clone())
    }

    /// Stores a lookup made under `generation`; ignored if anything was
    /// invalidated since.
    pub fn put(&self, key: Vec<u8>, value: Cached, generation: u64, now: DateTime<Utc>) {
        if !self.enabled || generation != self.generation() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                value,
                generation,
                fetched_at: now,
            },
        );
    }

    /// The cached value, or `fetch`'s answer (cached when found). The
    /// generation is read before `fetch` runs, so a change committed while
    /// it runs discards the answer instead of caching it.
    pub async fn get_or_fetch(
        &self,
        key: &[u8],
        now: DateTime<Utc>,
        fetch: impl Future<Output = sqlx::Result<Option<Cached>>>,
    ) -> sqlx::Result<Option<Cached>> {
        if let Some(hit) = self.get(key, now) {
            return Ok(Some(hit));
        }
        let generation = self.generation();
        let found = fetch.await?;
        if let Some(value) = &found {
            self.put(key.to_vec(), value.clone(), generation, now);
        }
        Ok(found)
    }

    /// Records a new "last seen" time in a cached session.
    pub fn touch(&self, key: &[u8], at: DateTime<Utc>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(Entry {
            value: Cached::Session(row),
            ..
        }) = entries.get_mut(key)
        {
            row.last_seen_at = Some(at);
        }
        if let Some(Entry {
            value: Cached::Token(row),
            ..
        }) = entries.get_mut(key)
        {
            row.last_used_at = Some(at);
        }
    }

    /// Forgets everything. Call after committing any change to sessions,
    /// tokens, or the member fields they carry.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::MemberId;

    fn row() -> Cached {
        Cached::Session(AuthRow {
            member_id: MemberId::new(),
            handle: "river".into(),
            time_zone: "UTC".into(),
            role: "member".into(),
            secret_or_id: "csrf".into(),
            created_at: Utc::now(),
            last_seen_at: None,
            suspended_until: None,
            banned_at: None,
        })
    }

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn entries_are_served_within_the_ttl_only() {
        let c = AuthCache::new(true);
        let g = c.generation();
        c.put(b"k".to_vec(), row(), g, t("2026-01-01T00:00:00Z"));
        assert!(c.get(b"k", t("2026-01-01T00:00:09Z")).is_some());
        assert!(c.get(b"k", t("2026-01-01T00:00:10Z")).is_none());
        assert!(
            c.get(b"k", t("2025-12-31T23:59:59Z")).is_none(),
            "a clock that went back"
        );
    }

    #[test]
    fn invalidation_applies_to_the_next_lookup() {
        let c = AuthCache::new(true);
        c.put(
            b"k".to_vec(),
            row(),
            c.generation(),
            t("2026-01-01T00:00:00Z"),
        );
        c.invalidate();
        assert!(c.get(b"k", t("2026-01-01T00:00:01Z")).is_none());
    }

    #[test]
    fn a_lookup_that_raced_with_an_invalidation_is_not_stored() {
        let c = AuthCache::new(true);
        let before = c.generation();
        c.invalidate(); // a log-out committed while the lookup was running
        c.put(b"k".to_vec(), row(), before, t("2026-01-01T00:00:00Z"));
        assert!(c.get(b"k", t("2026-01-01T00:00:01Z")).is_none());
    }

    #[test]
    fn a_disabled_cache_stores_nothing() {
        let c = AuthCache::new(false);
        c.put(
            b"k".to_vec(),
            row(),
            c.generation(),
            t("2026-01-01T00:00:00Z"),
        );
        assert!(c.get(b"k", t("2026-01-01T00:00:01Z")).is_none());
    }
}
