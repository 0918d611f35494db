//! Conversations (DESIGN capability 7): private one-to-one messages between
//! connected members, delivered live and counted as unread until read.
//!
//! Invariants:
//! * Only members in each other's circle (an accepted connection, no block
//!   either way) exchange messages; the check runs inside the write that
//!   stores the message, every time (the member a handle names may be
//!   remembered from the last message, see [`peers`], never whether we may
//!   talk). Someone who does not exist for me is a 404, someone outside my
//!   circle a 403; nothing is stored either way.
//! * Text is stored exactly as written and escaped wherever it is shown.
//! * A message, its live events and its notice commit together.

pub mod api;
pub mod pages;
pub mod peers;
pub mod service;
pub mod store;
