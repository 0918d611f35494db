//! Goal values and their checks.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{checkins::model::check_text, web::error::FieldErrors};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type, ToSchema)]
#[sqlx(transparent)]
#[serde(transparent)]
pub struct GoalId(pub Uuid);

impl std::fmt::Display for GoalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

pub const TITLE_MAX: usize = 120;
pub const WHY_MAX: usize = 1000;
pub const NOTE_MAX: usize = 500;
pub const TARGET_MAX: i32 = 10_000;
/// Active and completed goals a member may keep at once.
pub const GOALS_MAX: i64 = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    Daily,
    Weekly,
    Once,
}

impl Cadence {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Once => "once",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Daily, Self::Weekly, Self::Once]
            .into_iter()
            .find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Daily => "Every day",
            Self::Weekly => "Every week",
            Self::Once => "Once",
        }
    }
}

pub struct NewGoal {
    pub title: String,
    pub why: String,
    pub cadence: Cadence,
    pub target: Option<i32>,
}

pub fn check_goal(
    title: &str,
    why: Option<String>,
    cadence: &str,
    target: Option<i32>,
) -> Result<NewGoal, FieldErrors> {
    let mut errors = FieldErrors::new();
    let title = check_text(Some(title.to_owned()), "title", TITLE_MAX, &mut errors);
    if title.is_empty() {
        errors.add("title", "is required");
    }
    let why = check_text(why, "why", WHY_MAX, &mut errors);
    let cadence = Cadence::parse(cadence.trim());
    if cadence.is_none() {
        errors.add("cadence", "must be daily, weekly or once");
    }
    if target.is_some_and(|t| !(1..=TARGET_MAX).contains(&t)) {
        errors.add("target", format!("must be from 1 to {TARGET_MAX}"));
    }
    match cadence {
        Some(cadence) if errors.is_empty() => Ok(NewGoal {
            title,
            why,
            cadence,
            target,
        }),
        _ => Err(errors),
    }
}

pub fn check_note(note: Option<String>) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::new();
    let note = check_text(note, "note", NOTE_MAX, &mut errors);
    if errors.is_empty() {
        Ok(note)
    } else {
        Err(errors)
    }
}
