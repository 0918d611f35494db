//! The resources page (DESIGN capability 13): crisis lines, helplines,
//! treatment finders, mutual-aid fellowships, harm reduction, family support
//! and guides, curated by the instance's admins (add, edit, order, retire)
//! and seeded on a new instance with United States national resources that
//! the operator edits for their country.
//!
//! `/help` does not read this table: it renders the crisis lines compiled
//! into the binary, so it answers with the database down.

pub mod api;
pub mod pages;
pub mod service;
