//! The application's sense of "now", behind a trait so tests can hold time
//! still or move it forward: day counts, milestones, session timeouts, rate
//! limits and job due times all read it from here.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to; for tests and benchmarks.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Arc<Self> {
        Arc::new(Self(Mutex::new(start)))
    }

    pub fn set(&self, to: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = to;
    }

    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Today's date where the member lives.
pub fn local_today(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// The instant a local day begins in `tz`. Where a DST change skips local
/// midnight (a few zones move their clocks at 00:00), the day begins at the
/// first instant that exists after it.
pub fn start_of_local_day(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut local = day.and_time(chrono::NaiveTime::MIN);
    // A gap is at most a few hours; step through it a quarter-hour at a time.
    for _ in 0..(4 * 24) {
        if let Some(instant) = tz.from_local_datetime(&local).earliest() {
            return instant.with_timezone(&Utc);
        }
        local += Duration::minutes(15);
    }
    // Unreachable for real zones; fall back to the UTC reading of the date.
    day.and_time(chrono::NaiveTime::MIN).and_utc()
}

/// Zones offered as suggestions in forms (any IANA name is accepted).
pub const COMMON_ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "America/Toronto",
    "America/Vancouver",
    "America/Halifax",
    "America/St_Johns",
    "America/Mexico_City",
    "America/Bogota",
    "America/Lima",
    "America/Santiago",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Kyiv",
    "Europe/Istanbul",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "Africa/Nairobi",
    "Africa/Cairo",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Kolkata",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Singapore",
    "Asia/Manila",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Adelaide",
    "Australia/Sydney",
    "Australia/Brisbane",
    "Pacific/Auckland",
];

/// Parses an IANA time zone name such as `Europe/Berlin`.
pub fn parse_time_zone(name: &str) -> Option<Tz> {
    name.trim().parse::<Tz>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_local_day_depends_on_the_members_zone() {
        let now = utc("2026-03-01T03:30:00Z");
        assert_eq!(local_today(now, chrono_tz::UTC).to_string(), "2026-03-01");
        assert_eq!(
            local_today(now, chrono_tz::America::Los_Angeles).to_string(),
            "2026-02-28"
        );
        assert_eq!(
            local_today(now, chrono_tz::Asia::Tokyo).to_string(),
            "2026-03-01"
        );
    }

    #[test]
    fn a_local_day_starts_at_local_midnight_on_either_side_of_dst() {
        let ny = chrono_tz::America::New_York;
        let before = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        let after = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap();
        assert_eq!(start_of_local_day(before, ny), utc("2026-03-07T05:00:00Z"));
        assert_eq!(start_of_local_day(after, ny), utc("2026-03-09T04:00:00Z"));
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_at_the_first_real_instant() {
        // Chile moved its clocks forward at local midnight on 2023-09-03.
        let santiago = chrono_tz::America::Santiago;
        let day = NaiveDate::from_ymd_opt(2023, 9, 3).unwrap();
        let start = start_of_local_day(day, santiago);
        assert_eq!(start, utc("2023-09-03T04:00:00Z"));
        assert_eq!(local_today(start, santiago), day);
    }

    #[test]
    fn time_zone_names_are_checked() {
        assert!(parse_time_zone("Europe/Berlin").is_some());
        assert!(parse_time_zone("Mars/Olympus").is_none());
        assert!(parse_time_zone("").is_none());
    }

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(utc("2026-01-01T00:00:00Z"));
        assert_eq!(clock.now(), utc("2026-01-01T00:00:00Z"));
        clock.advance(Duration::hours(25));
        assert_eq!(clock.now(), utc("2026-01-02T01:00:00Z"));
    }
}
