//! Daily check-ins (DESIGN capability 8): mood, craving, sleep, triggers,
//! gratitude and a note, once per local day (a second post that day updates
//! it), streaks, trend charts and risk signals.
//!
//! * "Today" is the member's local date, in their own time zone.
//! * Notes stay private: connections holding the check-ins grant see the
//!   numbers, triggers and gratitude, never the note.
//! * Risk signals (`risk`) are computed when a check-in is saved and, for
//!   silence, by a job due when the silence would begin to count. Each fires
//!   once per episode (`risk_signal` is the fence).

pub mod api;
pub mod chart;
pub mod model;
pub mod pages;
pub mod risk;
pub mod service;
pub mod store;
pub mod streak;

pub use service::{Checkin, Streak};
