//! Streaks: consecutive local days with a check-in. A missed day simply
//! starts a new streak with the next check-in.
//!
//! Each member's latest run of days and their longest are one row
//! (`checkin_streak`), moved by every save ([`next`]): neither a save nor a
//! page reads the member's history to count them, and a streak of any
//! length counts in full.

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

/// A member's streak as they and their circle see it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Streak {
    /// Ending today, or yesterday while today is still open.
    pub current: i64,
    pub longest: i64,
    pub checked_in_today: bool,
}

/// A member's latest run (every local day from `run_start` to `run_end`
/// has a check-in, and `run_end` is their latest) and the longest run they
/// have had, in days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Run {
    pub run_start: NaiveDate,
    pub run_end: NaiveDate,
    pub longest: i32,
}

impl Run {
    /// The run of one day.
    pub fn single(day: NaiveDate) -> Self {
        Self {
            run_start: day,
            run_end: day,
            longest: 1,
        }
    }

    /// How many days of the run lead up to `day`, counting it; `None` if
    /// the run does not hold it.
    pub fn days_to(&self, day: NaiveDate) -> Option<i64> {
        (self.run_start <= day && day <= self.run_end)
            .then(|| (day - self.run_start).num_days() + 1)
    }

    /// The run's length in days.
    pub fn days(&self) -> i64 {
        (self.run_end - self.run_start).num_days() + 1
    }
}

/// What a save on `day` does to the member's run: `created` if the save
/// made the day's first check-in (an update changes no days).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Unchanged.
    Same(Run),
    /// The run as it now stands, to be written.
    Set(Run),
    /// The day falls before the run (the member moved west across a date
    /// line, or a row is missing): it may join older runs, so the run is
    /// counted again from all their days ([`count`]).
    Recount,
}

pub fn next(run: Option<Run>, day: NaiveDate, created: bool) -> Next {
    let Some(run) = run else {
        return if created {
            Next::Set(Run::single(day))
        } else {
            Next::Recount
        };
    };
    if !created {
        return Next::Same(run);
    }
    let longest = |days: i64| run.longest.max(i32::try_from(days).unwrap_or(i32::MAX));
    if run.run_end.succ_opt() == Some(day) {
        let grown = Run {
            run_end: day,
            ..run
        };
        Next::Set(Run {
            longest: longest(grown.days()),
            ..grown
        })
    } else if day > run.run_end {
        Next::Set(Run {
            longest: longest(1),
            ..Run::single(day)
        })
    } else {
        // Before the run, or (rows out of step) inside it.
        Next::Recount
    }
}

/// The run counted from scratch from all of a member's check-in days,
/// newest first: what [`next`] keeps. `None` without any.
pub fn count(days: &[NaiveDate]) -> Option<Run> {
    let (&first, older) = days.split_first()?;
    let mut latest: Option<NaiveDate> = None;
    let (mut start, mut days_in_run, mut longest) = (first, 1_i32, 1_i32);
    for &day in older {
        if start.pred_opt() == Some(day) {
            days_in_run = days_in_run.saturating_add(1);
        } else {
            latest.get_or_insert(start);
            days_in_run = 1;
        }
        start = day;
        longest = longest.max(days_in_run);
    }
    Some(Run {
        run_start: latest.unwrap_or(start),
        run_end: first,
        longest,
    })
}

impl Streak {
    /// The streak on `today` from the member's run.
    pub fn of(run: Option<Run>, today: NaiveDate) -> Self {
        let Some(run) = run else {
            return Self::default();
        };
        let to_today = run.days_to(today);
        let current = to_today
            .or_else(|| today.pred_opt().and_then(|y| run.days_to(y)))
            .unwrap_or(0);
        Self {
            current,
            longest: i64::from(run.longest),
            checked_in_today: to_today.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default()
    }

    fn run(start: u32, end: u32, longest: i32) -> Run {
        Run {
            run_start: day(start),
            run_end: day(end),
            longest,
        }
    }

    #[test]
    fn streaks_count_consecutive_days() {
        let dates = [day(10), day(9), day(8), day(5), day(4), day(3), day(2)];
        let r = count(&dates);
        assert_eq!(r, Some(run(8, 10, 4)));
        let s = Streak::of(r, day(10));
        assert_eq!((s.current, s.longest, s.checked_in_today), (3, 4, true));
        // Today still open: yesterday's streak holds.
        let s = Streak::of(r, day(11));
        assert_eq!((s.current, s.checked_in_today), (3, false));
        // A missed day: a new streak starts with the next check-in.
        assert_eq!(Streak::of(r, day(12)).current, 0);
        assert_eq!(Streak::of(r, day(12)).longest, 4);
        assert_eq!(Streak::of(None, day(12)), Streak::default());
        assert_eq!(count(&[]), None);
        assert_eq!(count(&[day(7)]), Some(run(7, 7, 1)));
        assert_eq!(count(&[day(7), day(5), day(4)]), Some(run(7, 7, 2)));
    }

    #[test]
    fn each_save_moves_the_run_as_a_count_would() {
        // Every day of March saved in a pattern with gaps, one at a time:
        // the kept run always equals the run counted from all the days.
        let saved: Vec<u32> = (1..=31).filter(|d| d % 7 != 0 && d % 11 != 3).collect();
        let mut kept: Option<Run> = None;
        let mut days: Vec<NaiveDate> = Vec::new();
        for &d in &saved {
            days.insert(0, day(d));
            kept = match next(kept, day(d), true) {
                Next::Set(r) => Some(r),
                other => panic!("day {d}: {other:?}"),
            };
            assert_eq!(kept, count(&days), "after day {d}");
            // Saving the same day again changes nothing.
            assert!(matches!(next(kept, day(d), false), Next::Same(r) if Some(r) == kept));
        }
        assert_eq!(kept, Some(run(29, 31, 6)));
    }

    #[test]
    fn a_day_before_the_run_or_a_missing_row_is_counted_again() {
        let r = Some(run(8, 10, 3));
        assert_eq!(next(r, day(6), true), Next::Recount);
        assert_eq!(next(r, day(7), true), Next::Recount);
        assert_eq!(next(r, day(9), true), Next::Recount);
        assert_eq!(next(None, day(9), false), Next::Recount);
        assert_eq!(next(None, day(9), true), Next::Set(run(9, 9, 1)));
        assert_eq!(next(r, day(12), true), Next::Set(run(12, 12, 3)));
    }

    #[test]
    fn a_run_of_years_counts_in_full() {
        let start = day(1);
        let days: Vec<NaiveDate> = (0..1500)
            .rev()
            .filter_map(|n| start.checked_add_days(chrono::Days::new(n)))
            .collect();
        let r = count(&days);
        assert_eq!(r.map(|r| (r.days(), r.longest)), Some((1500, 1500)));
    }
}
