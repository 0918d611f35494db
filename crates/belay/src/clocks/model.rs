//! Day counting and milestones. Pure functions of dates: the member's time
//! zone decides what "today" is before any of this runs.

use std::fmt;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::web::error::FieldErrors;

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type, utoipa::ToSchema,
)]
#[sqlx(transparent)]
#[serde(transparent)]
pub struct ClockId(pub Uuid);

impl fmt::Display for ClockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A milestone: a number of days, or of calendar months (anniversaries fall
/// on the same date each year, as people celebrate them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    Days(u32),
    Months(u32),
}

const DAY_MILESTONES: [u32; 7] = [1, 7, 30, 60, 90, 180, 270];

impl Milestone {
    /// 1, 7, 30, 60, 90, 180 and 270 days, 1 year, 18 months, then every year.
    pub fn all() -> impl Iterator<Item = Milestone> {
        DAY_MILESTONES
            .into_iter()
            .map(Milestone::Days)
            .chain([Milestone::Months(12), Milestone::Months(18)])
            .chain((2..).map(|years| Milestone::Months(12 * years)))
    }

    /// The date this milestone falls on for a clock started on `start`. A
    /// start of 29 February reaches its anniversaries on 28 February.
    pub fn date(self, start: NaiveDate) -> Option<NaiveDate> {
        match self {
            Milestone::Days(n) => start.checked_add_days(chrono::Days::new(u64::from(n))),
            Milestone::Months(n) => start.checked_add_months(Months::new(n)),
        }
    }

    pub fn label(self) -> String {
        match self {
            Milestone::Days(1) => "1 day".into(),
            Milestone::Days(n) => format!("{n} days"),
            Milestone::Months(12) => "1 year".into(),
            Milestone::Months(n) if n % 12 == 0 => format!("{} years", n / 12),
            Milestone::Months(n) => format!("{n} months"),
        }
    }

    /// A short stable key: `d30`, `m18`.
    pub fn key(self) -> String {
        match self {
            Milestone::Days(n) => format!("d{n}"),
            Milestone::Months(n) => format!("m{n}"),
        }
    }
}

/// Whole days from the start to `today`; a clock started today shows 0.
pub fn days_between(start: NaiveDate, today: NaiveDate) -> i64 {
    (today - start).num_days()
}

/// The first milestone after `today`, with its date.
pub fn next_after(start: NaiveDate, today: NaiveDate) -> Option<(Milestone, NaiveDate)> {
    Milestone::all()
        .map_while(|m| m.date(start).map(|d| (m, d)))
        .find(|(_, date)| *date > today)
}

/// The latest milestone reached on or before `today`.
pub fn latest_reached(start: NaiveDate, today: NaiveDate) -> Option<(Milestone, NaiveDate)> {
    Milestone::all()
        .map_while(|m| m.date(start).map(|d| (m, d)))
        .take_while(|(_, date)| *date <= today)
        .last()
}

/// The milestone that falls exactly on `today`, if any.
pub fn reached_on(start: NaiveDate, today: NaiveDate) -> Option<Milestone> {
    latest_reached(start, today)
        .filter(|(_, date)| *date == today)
        .map(|(m, _)| m)
}

pub const LABEL_MAX: usize = 60;
pub const CLOCKS_MAX: i64 = 20;

pub fn earliest_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Checks a label under `label`.
pub fn check_label(raw: &str, errors: &mut FieldErrors) -> String {
    let label = raw.trim().to_owned();
    let len = label.chars().count();
    if len == 0 {
        errors.add("label", "is required (for example: alcohol)");
    } else if len > LABEL_MAX {
        errors.add("label", format!("must be at most {LABEL_MAX} characters"));
    }
    if label.chars().any(char::is_control) {
        errors.add("label", "contains characters that can't be shown");
    }
    label
}

/// Parses and checks a start date under `field`: `YYYY-MM-DD`, from 1900 up
/// to `today` in the member's zone.
pub fn check_start(
    raw: &str,
    today: NaiveDate,
    field: &str,
    errors: &mut FieldErrors,
) -> Option<NaiveDate> {
    let Ok(date) = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") else {
        errors.add(field, "must be a date like 2026-03-01");
        return None;
    };
    if date > today {
        errors.add(field, "can't be in the future");
        None
    } else if date < earliest_start() {
        errors.add(field, "must be in 1900 or later");
        None
    } else {
        Some(date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn milestones_are_the_ones_people_celebrate_in_order() {
        let labels: Vec<String> = Milestone::all().take(12).map(Milestone::label).collect();
        assert_eq!(
            labels,
            [
                "1 day",
                "7 days",
                "30 days",
                "60 days",
                "90 days",
                "180 days",
                "270 days",
                "1 year",
                "18 months",
                "2 years",
                "3 years",
                "4 years"
            ]
        );
        let start = d("2026-01-01");
        let dates: Vec<NaiveDate> = Milestone::all()
            .take(12)
            .map(|m| m.date(start).unwrap())
            .collect();
        assert!(dates.windows(2).all(|w| w[0] < w[1]), "{dates:?}");
    }

    #[test]
    fn a_clock_started_today_shows_zero_days_and_one_day_next() {
        let today = d("2026-05-10");
        assert_eq!(days_between(today, today), 0);
        assert_eq!(
            next_after(today, today),
            Some((Milestone::Days(1), d("2026-05-11")))
        );
        assert_eq!(reached_on(today, today), None);
    }

    #[test]
    fn anniversaries_fall_on_the_calendar_date() {
        let start = d("2024-03-01");
        assert_eq!(Milestone::Months(12).date(start), Some(d("2025-03-01")));
        assert_eq!(Milestone::Months(18).date(start), Some(d("2025-09-01")));
        assert_eq!(
            next_after(start, d("2025-03-01")),
            Some((Milestone::Months(18), d("2025-09-01")))
        );
        assert_eq!(
            reached_on(start, d("2025-03-01")),
            Some(Milestone::Months(12))
        );
    }

    #[test]
    fn a_leap_day_start_celebrates_on_the_28th() {
        assert_eq!(
            Milestone::Months(12).date(d("2024-02-29")),
            Some(d("2025-02-28"))
        );
        assert_eq!(
            Milestone::Months(48).date(d("2024-02-29")),
            Some(d("2028-02-29"))
        );
    }

    #[test]
    fn the_next_milestone_after_many_years_is_the_next_anniversary() {
        let start = d("1990-06-15");
        let (m, date) = next_after(start, d("2026-07-01")).unwrap();
        assert_eq!(m, Milestone::Months(12 * 37));
        assert_eq!(date, d("2027-06-15"));
        assert_eq!(m.label(), "37 years");
    }

    #[test]
    fn latest_reached_tracks_the_day() {
        let start = d("2026-01-01");
        assert_eq!(latest_reached(start, d("2026-01-01")), None);
        assert_eq!(
            latest_reached(start, d("2026-01-31")).map(|(m, _)| m),
            Some(Milestone::Days(30))
        );
        assert_eq!(
            latest_reached(start, d("2026-02-15")).map(|(m, _)| m),
            Some(Milestone::Days(30))
        );
    }

    #[test]
    fn start_dates_must_be_real_past_and_after_1900() {
        let today = d("2026-05-10");
        let check = |s: &str| {
            let mut e = FieldErrors::new();
            let got = check_start(s, today, "started_on", &mut e);
            (got, e.first("started_on").map(str::to_owned))
        };
        assert_eq!(check("2026-05-10").0, Some(today));
        assert_eq!(
            check("2026-05-11").1.as_deref(),
            Some("can't be in the future")
        );
        assert_eq!(
            check("1899-12-31").1.as_deref(),
            Some("must be in 1900 or later")
        );
        assert_eq!(
            check("2026-02-30").1.as_deref(),
            Some("must be a date like 2026-03-01")
        );
        assert_eq!(
            check("yesterday").1.as_deref(),
            Some("must be a date like 2026-03-01")
        );
    }

    #[test]
    fn labels_are_required_and_short() {
        let mut e = FieldErrors::new();
        assert_eq!(check_label("  alcohol ", &mut e), "alcohol");
        assert!(e.is_empty());
        check_label("   ", &mut e);
        assert!(e.first("label").is_some());
    }
}
