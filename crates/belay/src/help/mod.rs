//! Practical help (DESIGN capability 10): ask chosen connections, or the
//! whole circle, for a hand (a ride to a meeting, company at an
//! appointment, help with a form), with a when and a where. Connections
//! offer; the asker accepts one, the others are told; the request closes.
//!
//! * A request is seen by its asker and by the people it asked, while they
//!   are still connected with no block (checked in the query).
//! * Who was asked is fixed when asking (`help_recipient`): someone who
//!   joins the circle later does not see old requests.
//! * Offers are seen by the asker and by whoever made them.

pub mod api;
pub mod pages;
pub mod service;
pub mod store;

pub use service::HelpRequest;
