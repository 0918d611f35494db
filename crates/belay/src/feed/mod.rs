//! The circle feed and encouragement (DESIGN capability 9).
//!
//! * **Feed items** record what a member's connections may see happen:
//!   a milestone (visible with the clocks grant), goal progress and
//!   completion (the goals grant, never an archived goal). Features write
//!   them with [`store::record`] in their own transaction.
//! * **Encouragement**: a short note (1-500 characters) to a connection,
//!   optionally about one of their milestones, goals or their check-in
//!   streak, which the sender must be able to see.
//! * **The feed** (home page, `GET /api/v1/feed`): feed items of my
//!   connections and encouragement sent to me, newest first, paginated.
//!   Each item passes in the query the same grant check as its detail view.

pub mod api;
pub mod pages;
pub mod service;
pub mod store;

pub use service::{FeedItem, FeedPage};
