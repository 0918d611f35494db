//! Belay: a self-hostable support network for people in recovery.
//!
//! One crate, grouped by feature (`accounts`, `profile`, `clocks`, ...), each
//! owning its model, SQL, use-cases, pages and API; shared plumbing (`db`,
//! `jobs`, `web`, `config`, `cli`) lives apart. See `docs/ARCHITECTURE.md`.

pub mod accounts;
pub mod app;
pub mod checkins;
pub mod circle;
pub mod cli;
pub mod clocks;
pub mod config;
pub mod conversations;
pub mod db;
pub mod discovery;
pub mod events;
pub mod failpoint;
pub mod feed;
pub mod goals;
pub mod groups;
pub mod help;
pub mod home;
pub mod jobs;
pub mod mail;
pub mod meetings;
pub mod moderation;
pub mod notices;
pub mod privacy;
pub mod profile;
pub mod reachout;
pub mod resources;
pub mod safety;
pub mod time;
pub mod web;
