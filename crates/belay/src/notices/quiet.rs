//! Quiet hours: a daily window, in the member's own time zone, when email
//! waits. `22:00`-`07:00` runs past midnight.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

pub fn parse(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

/// If `now` falls in the window, when it ends (in UTC).
pub fn ends_at(
    now: DateTime<Utc>,
    tz: Tz,
    start: NaiveTime,
    end: NaiveTime,
) -> Option<DateTime<Utc>> {
    if start == end {
        return None;
    }
    let local = now.with_timezone(&tz);
    let time = local.time();
    let inside = if start < end {
        time >= start && time < end
    } else {
        time >= start || time < end
    };
    if !inside {
        return None;
    }
    let day = if time >= end {
        local.date_naive() + Duration::days(1)
    } else {
        local.date_naive()
    };
    let local_end = day.and_time(end);
    // At a DST gap the end may not exist; take the first instant after it.
    (0..16)
        .find_map(|q| {
            tz.from_local_datetime(&(local_end + Duration::minutes(15 * q)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_window_past_midnight_ends_the_next_morning() {
        let (start, end) = (parse("22:00").unwrap(), parse("07:00").unwrap());
        let ny = chrono_tz::America::New_York;
        // 23:30 in New York on 2026-06-15 is 03:30Z on the 16th.
        assert_eq!(
            ends_at(at("2026-06-16T03:30:00Z"), ny, start, end),
            Some(at("2026-06-16T11:00:00Z"))
        );
        // 05:00 local is still inside; it ends at 07:00 the same day.
        assert_eq!(
            ends_at(at("2026-06-16T09:00:00Z"), ny, start, end),
            Some(at("2026-06-16T11:00:00Z"))
        );
        assert_eq!(
            ends_at(at("2026-06-16T12:00:00Z"), ny, start, end),
            None,
            "08:00 local"
        );
    }

    #[test]
    fn a_daytime_window_and_an_empty_one() {
        let utc = chrono_tz::UTC;
        let (s, e) = (parse("09:00").unwrap(), parse("17:00").unwrap());
        assert_eq!(
            ends_at(at("2026-06-16T10:00:00Z"), utc, s, e),
            Some(at("2026-06-16T17:00:00Z"))
        );
        assert_eq!(ends_at(at("2026-06-16T18:00:00Z"), utc, s, e), None);
        assert_eq!(ends_at(at("2026-06-16T10:00:00Z"), utc, s, s), None);
        assert!(parse("25:00").is_none());
    }
}
