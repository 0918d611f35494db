//! Meetings (DESIGN capability 12): a group's recurring meetings (weekly on
//! one or more days, monthly on the nth weekday, or once), each in its own
//! IANA zone; single occurrences cancelled or moved; a finder across public
//! groups; iCalendar feeds per group and per member; the instance's public
//! weekly meetings as a Meeting Guide JSON feed, and import of such feeds.

pub mod api;
pub mod feed;
pub mod ics;
pub mod model;
pub mod pages;
pub mod service;
pub mod store;
pub mod vtimezone;
