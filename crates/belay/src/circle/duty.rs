//! Listener duty hours, written the way people say them:
//! `Mon-Fri 22:00-02:00; Sat,Sun 10:00-14:00`. A window whose end is not
//! after its start runs past midnight and belongs to the day it starts.
//! "On duty now" is computed in the listener's own time zone.

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Days the window starts on, Monday = 0.
    pub days: [bool; 7],
    pub start: u32,
    /// Minutes after midnight; `<= start` means the next day.
    pub end: u32,
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn day(s: &str) -> Option<usize> {
    let s = s.trim().to_ascii_lowercase();
    DAYS.iter()
        .position(|d| s.starts_with(d) && s.len() <= 9 && s.len() >= 3)
}

fn minutes(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    ((h < 24 && m < 60) || (h == 24 && m == 0)).then_some(h * 60 + m)
}

fn parse_days(spec: &str) -> Option<[bool; 7]> {
    let mut days = [false; 7];
    for part in spec.split(',') {
        match part.split_once('-') {
            Some((from, to)) => {
                let (from, to) = (day(from)?, day(to)?);
                let mut d = from;
                loop {
                    days[d] = true;
                    if d == to {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None if part.trim().eq_ignore_ascii_case("daily") => days = [true; 7],
            None => days[day(part)?] = true,
        }
    }
    Some(days)
}

/// Parses duty hours; `Err` names the part that could not be read.
pub fn parse(text: &str) -> Result<Vec<Window>, String> {
    let mut windows = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || {
            format!(
                "can't read `{}`; write it like Mon-Fri 22:00-02:00",
                part.chars().take(40).collect::<String>()
            )
        };
        let (days, times) = part.rsplit_once(' ').ok_or_else(bad)?;
        let (start, end) = times.split_once('-').ok_or_else(bad)?;
        let window = Window {
            days: parse_days(days).ok_or_else(bad)?,
            start: minutes(start).ok_or_else(bad)?,
            end: minutes(end).ok_or_else(bad)?,
        };
        if window.start == 24 * 60 {
            return Err(bad());
        }
        windows.push(window);
    }
    if windows.len() > 14 {
        return Err("at most 14 windows".into());
    }
    Ok(windows)
}

/// Whether a listener with these windows is on duty at `now`.
pub fn on_duty(windows: &[Window], tz: Tz, now: DateTime<Utc>) -> bool {
    let local = now.with_timezone(&tz);
    let today = local.weekday().num_days_from_monday() as usize;
    let yesterday = (today + 6) % 7;
    let minute = local.hour() * 60 + local.minute();
    windows.iter().any(|w| {
        if w.end > w.start {
            w.days[today] && minute >= w.start && minute < w.end
        } else {
            (w.days[today] && minute >= w.start) || (w.days[yesterday] && minute < w.end)
        }
    })
}

/// Whether `text` parses and is on duty now; unparsable text never is.
pub fn text_on_duty(text: &str, tz: Tz, now: DateTime<Utc>) -> bool {
    parse(text).map(|w| on_duty(&w, tz, now)).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn weekday_ranges_and_lists_parse() {
        let w = parse("Mon-Fri 22:00-02:00; Sat,Sun 10:00-14:00").unwrap();
        assert_eq!(w.len(), 2);
        assert_eq!(w[0].days, [true, true, true, true, true, false, false]);
        assert_eq!(w[0].start, 22 * 60);
        assert_eq!(w[0].end, 2 * 60);
        assert_eq!(w[1].days, [false, false, false, false, false, true, true]);
        assert_eq!(
            parse("Fri-Mon 20:00-23:00").unwrap()[0].days,
            [true, false, false, false, true, true, true]
        );
        assert_eq!(parse("daily 09:00-17:00").unwrap()[0].days, [true; 7]);
        assert_eq!(parse("").unwrap(), vec![]);
    }

    #[test]
    fn nonsense_is_refused_with_the_part_named() {
        for bad in [
            "Mon-Fri",
            "Funday 10:00-11:00",
            "Mon 25:00-26:00",
            "Mon 10-11",
            "Mon 24:00-02:00",
        ] {
            let err = parse(bad).unwrap_err();
            assert!(err.contains("Mon-Fri 22:00-02:00"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_window_past_midnight_covers_the_small_hours_of_the_next_day() {
        let w = parse("Mon-Fri 22:00-02:00").unwrap();
        let utc = chrono_tz::UTC;
        assert!(on_duty(&w, utc, at("2026-11-23T22:30:00Z")), "Monday 22:30");
        assert!(
            on_duty(&w, utc, at("2026-11-24T01:59:00Z")),
            "Tuesday 01:59, Monday's window"
        );
        assert!(!on_duty(&w, utc, at("2026-11-24T02:00:00Z")));
        assert!(
            !on_duty(&w, utc, at("2026-11-29T01:00:00Z")),
            "Sunday 01:00: Saturday has no window"
        );
        assert!(!on_duty(&w, utc, at("2026-11-22T01:00:00Z")), "Sunday");
        assert!(
            on_duty(&w, utc, at("2026-11-28T01:00:00Z")),
            "Saturday 01:00 is Friday's window"
        );
    }

    #[test]
    fn duty_follows_the_listeners_time_zone() {
        let w = parse("Mon 09:00-17:00").unwrap();
        let chicago = chrono_tz::America::Chicago;
        // Monday 2026-11-23 09:30 in Chicago is 15:30Z.
        assert!(on_duty(&w, chicago, at("2026-11-23T15:30:00Z")));
        assert!(!on_duty(&w, chicago, at("2026-11-23T09:30:00Z")));
    }
}
