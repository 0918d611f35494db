//! The circle (DESIGN capability 4): connections between two members, each
//! with a relationship (peer, mentor, mentee, listener, professional,
//! family, friend); per-connection grants; blocks; invite links; and the
//! capacities members opt in to (mentor, listener, professional).
//!
//! Invariants:
//! * Default deny. A connection starts with every grant off on both sides;
//!   ending it deletes its grants.
//! * Another member's shared data is reached only through
//!   [`store::GRANT_CHECK`], inside the query that returns it; "my circle"
//!   visibility through [`store::CIRCLE_CHECK`]. Both require an accepted
//!   connection and no block either way.
//! * A block ends any connection, refuses new requests and hides the two
//!   from each other; the blocked side is told nothing (a request to someone
//!   who blocked you is the same 404 as an unknown handle).
//! * One live (pending or accepted) connection per pair, by a unique index.
//! * Mentor capacity counts accepted mentees only; a full mentor can't be
//!   asked, and accepting re-checks it.

pub mod api;
pub mod capacity;
pub mod duty;
pub mod invites;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;

pub use model::{ConnectionId, Grants, Relationship};
