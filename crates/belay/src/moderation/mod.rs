//! Instance moderation (DESIGN capability 14): reports from members, one
//! queue for the instance's moderators and admins (with what group
//! moderators pass up, and the checks members asked for), actions with a
//! log and a notice to the member concerned, and suspension limits.

pub mod api;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;

pub use service::{check_on_me_after, require_active};
