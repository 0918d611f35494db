//! Belay's integration tests: one binary. Every test in a `backend_tests!`
//! list runs twice, on SQLite and on PostgreSQL (when
//! `BELAY_TEST_POSTGRES_URL` is set), each time on a fresh database.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test that meets the unexpected should stop loudly"
)]

#[macro_use]
mod support;

mod accounts;
mod checkins;
mod circle;
mod circle_pages;
mod cli;
mod clocks;
mod conversations;
mod crisis_language;
mod discovery;
mod durability;
mod email;
mod events;
mod goals;
mod group_commit;
mod groups;
mod groups_walk;
mod help_requests;
mod jobs;
mod meetings;
mod moderation;
mod moderation_walk;
mod operations;
mod privacy;
mod profile;
mod reach_out;
mod reach_out_crash;
mod resources;
mod schema;
mod support_walk;
mod web;
