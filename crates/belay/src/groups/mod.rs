//! Groups (DESIGN capability 11): started by members at work, at school,
//! in town or online; formal or informal; public, unlisted or private; open,
//! on request or by invite code. Roles organiser, moderator, member; a
//! discussion of threads and replies; moderation inside the group with a
//! log of every action.
//!
//! * A private group is invisible to anyone who is not in it: its slug
//!   answers 404, as if it did not exist ([`store::access`]).
//! * Discussion and the member list are for active members; every query
//!   that reads them checks membership in its `where` ([`store::MEMBER_CHECK`]).
//! * Whoever runs the instance sees nothing of a group they are not in,
//!   except the reports its moderators escalate.

pub mod api;
pub mod discussion;
pub mod model;
pub mod moderation;
pub mod pages;
pub mod service;
pub mod store;

pub use service::{Access, Group};
