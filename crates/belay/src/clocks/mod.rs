//! Recovery clocks (DESIGN capability 3): several per member, each counting
//! whole days from a start date to today in the member's own time zone.
//!
//! * Milestones: 1, 7, 30, 60, 90, 180, 270 days, 1 year, 18 months, then
//!   every year (calendar anniversaries).
//! * A reset is private: the old start is kept in the clock's history,
//!   which only its owner sees, and the copy never shames.
//! * A durable job per clock records a notice at the start of each
//!   milestone's local day (`jobs::MilestoneJob`).
//!
//! Only the owner reads or changes a clock here; every query names the
//! owner. Sharing clocks with a connection is the circle's grant.

pub mod api;
pub mod jobs;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;

pub use service::Clock;
