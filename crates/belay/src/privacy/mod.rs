//! Data rights (DESIGN capability 15): a member deletes their account and
//! everything they wrote goes with it; and sees who read what they share
//! ([`access_log`]).
//!
//! * Erasure removes the member's row and, through `on delete cascade`,
//!   their profile, clocks, check-ins, goals, grants, connections, messages,
//!   reach-outs, notices, events and sessions; group posts are erased, or
//!   kept under "a former member" if they choose. Notices, live events and
//!   jobs of other members that name them are removed too.
//! * SQLite runs with `secure_delete=ON` (freed content is zeroed) and an
//!   erasure ends with a `wal_checkpoint(TRUNCATE)`, so the bytes linger
//!   neither in free pages nor in the write-ahead log. PostgreSQL keeps dead
//!   tuples until VACUUM reuses their space and keeps WAL segments until
//!   they are recycled; backups keep everything until they expire
//!   (docs/DATABASE.md says what an operator should do).

pub mod access_log;
pub mod erase;
pub mod export;
