//! Goals (DESIGN capability 9): a title, a why, a cadence (daily, weekly,
//! once) and an optional target; progress entries; completion and archive.
//!
//! * A goal is shared only with connections holding the goals grant
//!   (accountability partners), checked in the query. They see its title,
//!   why, cadence and progress, and can send encouragement.
//! * Archived goals are the owner's alone: partners, the feed and the
//!   detail view all stop showing them.
//! * Progress and completion write feed items (`crate::feed`) in the same
//!   transaction.

pub mod api;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;

pub use service::Goal;
