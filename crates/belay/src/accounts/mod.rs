//! Accounts: handle + password sign-up, web sessions, API tokens, roles.
//!
//! * Handles are pseudonymous (3-30 of `a-z 0-9 _`, unique without regard to
//!   case); email is optional and never shown to another member.
//! * Passwords are hashed with argon2id; an unknown handle and a wrong
//!   password get the same answer after the same work.
//! * Sessions and API tokens are 256-bit random secrets stored only as
//!   SHA-256 hashes. Sessions end after an idle period and an absolute one.
//! * Login is throttled per handle and per client address, without a hard
//!   lockout; sign-up per client address.
//!
//! Who may see what: a member's account row (email, zone, role) is only ever
//! returned to that member.

pub mod api;
pub mod cache;
pub mod extract;
pub mod model;
pub mod pages;
pub mod password;
pub mod ratelimit;
pub mod service;
pub mod store;
pub mod token;

use axum::Router;
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

pub use extract::{ApiMember, AuthMember, MaybeApiMember, PageMember, Visitor};
pub use model::{MemberId, Role, normalize_handle};

pub fn api_routes() -> OpenApiRouter<AppState> {
    api::routes()
}

pub fn page_routes() -> Router<AppState> {
    pages::routes()
}
