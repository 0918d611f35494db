//! The recovery profile (DESIGN capability 2): focus, pathway, languages,
//! a bio, the support sought and offered, and whether to appear in
//! discovery.
//!
//! Every field has its own visibility, `me` (the default), `circle` or
//! `members`, and one more decides who sees the member's clocks (and so
//! whether discovery may use their stage). Another member's view is computed
//! in SQL (`store::visible_to`): a hidden field never leaves the database.

pub mod api;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;

pub use model::{Focus, Pathway, Visibility};
pub use service::Profile;
