//! Discovery (DESIGN capability 5): find peers at my stage, mentors with
//! room, listeners on duty now, and verified professionals, ranked and
//! explained in plain words.
//!
//! Invariants:
//! * Only members who turned on `discoverable` appear; never the viewer,
//!   anyone blocked either way, or anyone already connected or asked.
//! * Ranking and reasons see only a member's discovery card, which holds
//!   nothing they keep from members (a field set to `me` or `circle` is not
//!   on it). Opting in shares the time-zone distance ("1 h apart").
//! * The candidate set comes from an index (`discovery_tag`) by range scans
//!   with a limit, so a request's cost does not grow with the instance.
//! * The card is rebuilt (`service::refresh`) in the transaction of every
//!   change that affects it: profile, clocks, capacities, connections,
//!   verification, time zone.

pub mod api;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;

pub use model::Kind;
