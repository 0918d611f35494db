//! VTIMEZONE components, which the `icalendar` crate does not write
//! (RFC 5545 §3.6.5: one for every TZID a calendar uses, covering every
//! instance). They are worked out from the IANA data in chrono-tz: the
//! transitions of a few years are found, and when they follow a yearly
//! rule ("second Sunday of March at 02:00", "last Sunday of October") the
//! compact RRULE form is written; zones without a regular rule get one
//! observance per transition; zones without daylight saving get one
//! STANDARD observance.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// One change of offset.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Transition {
    at: DateTime<Utc>,
    from: i64,
    to: i64,
    dst: bool,
    name: String,
}

fn offset_at(tz: Tz, at: DateTime<Utc>) -> (i64, bool, String) {
    let o = tz.offset_from_utc_datetime(&at.naive_utc());
    let total = (o.base_utc_offset() + o.dst_offset()).num_seconds();
    let name = o.abbreviation().unwrap_or_default().to_owned();
    (total, !o.dst_offset().is_zero(), name)
}

/// The transitions in `year` (UTC), found day by day and then to the minute.
fn transitions(tz: Tz, year: i32) -> Vec<Transition> {
    let Some(start) = Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).single() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut day = start;
    let mut before = offset_at(tz, day);
    while day.year() == year {
        let next = day + Duration::days(1);
        let after = offset_at(tz, next);
        if after.0 != before.0 || after.1 != before.1 {
            let (mut lo, mut hi) = (day, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, mid).0 == before.0 && offset_at(tz, mid).1 == before.1 {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push(Transition {
                at: hi,
                from: before.0,
                to: after.0,
                dst: after.1,
                name: after.2.clone(),
            });
        }
        before = after;
        day = next;
    }
    out
}

fn fmt_offset(secs: i64) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let s = secs.abs();
    if s % 60 == 0 {
        format!("{sign}{:02}{:02}", s / 3600, (s % 3600) / 60)
    } else {
        format!("{sign}{:02}{:02}{:02}", s / 3600, (s % 3600) / 60, s % 60)
    }
}

/// The wall-clock time at which a transition happens (in the old offset).
fn local(t: &Transition) -> NaiveDateTime {
    t.at.naive_utc() + Duration::seconds(t.from)
}

/// `(month, weekday 0..6, nth 1..=4 or -1 for last, wall time)` of a
/// transition, when the same rule places it in every year checked.
fn yearly_rule(tz: Tz, t: &Transition, years: &[i32]) -> Option<String> {
    let at = local(t);
    let (month, weekday) = (at.month(), at.weekday());
    let day = at.day();
    let last = {
        let d = at.date() + Duration::days(7);
        d.month() != month
    };
    let nth = (day - 1) / 7 + 1;
    let candidates: Vec<i32> = if last {
        vec![-1, i32::try_from(nth).ok()?]
    } else {
        vec![i32::try_from(nth).ok()?]
    };
    'rule: for which in candidates {
        for &y in years {
            let found = transitions(tz, y).into_iter().find(|o| {
                let l = local(o);
                o.dst == t.dst && l.month() == month && l.time() == at.time()
            });
            let Some(o) = found else { continue 'rule };
            let l = local(&o);
            if l.weekday() != weekday || o.from != t.from || o.to != t.to {
                continue 'rule;
            }
            let ok = if which == -1 {
                (l.date() + Duration::days(7)).month() != month
            } else {
                i32::try_from((l.day() - 1) / 7 + 1).ok() == Some(which)
            };
            if !ok {
                continue 'rule;
            }
        }
        let by =
            ["SU", "MO", "TU", "WE", "TH", "FR", "SA"][weekday.num_days_from_sunday() as usize];
        return Some(format!("FREQ=YEARLY;BYMONTH={month};BYDAY={which}{by}"));
    }
    None
}

fn observance(out: &mut String, t: &Transition, dtstart: NaiveDateTime, rrule: Option<&str>) {
    let kind = if t.dst { "DAYLIGHT" } else { "STANDARD" };
    out.push_str(&format!("BEGIN:{kind}\r\n"));
    out.push_str(&format!("TZOFFSETFROM:{}\r\n", fmt_offset(t.from)));
    out.push_str(&format!("TZOFFSETTO:{}\r\n", fmt_offset(t.to)));
    if !t.name.is_empty()
        && t.name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-')
    {
        out.push_str(&format!("TZNAME:{}\r\n", t.name));
    }
    out.push_str(&format!("DTSTART:{}\r\n", dtstart.format("%Y%m%dT%H%M%S")));
    if let Some(r) = rrule {
        out.push_str(&format!("RRULE:{r}\r\n"));
    }
    out.push_str(&format!("END:{kind}\r\n"));
}

/// A VTIMEZONE for `tz` valid from `from_year` onwards (CRLF line ends).
pub fn vtimezone(tz: Tz, from_year: i32, now_year: i32) -> String {
    let mut out = format!("BEGIN:VTIMEZONE\r\nTZID:{}\r\n", tz.name());
    let year = now_year.max(from_year);
    let this_year = transitions(tz, year);
    let check: Vec<i32> = (from_year.min(year)..=year + 3).collect();
    let rules: Option<Vec<(Transition, String)>> = if this_year.is_empty() {
        None
    } else {
        this_year
            .iter()
            .map(|t| yearly_rule(tz, t, &check).map(|r| (t.clone(), r)))
            .collect()
    };
    match rules {
        Some(rules) => {
            for (t, rule) in rules {
                // Start the rule on its first occurrence in the first year.
                let first = transitions(tz, check[0])
                    .into_iter()
                    .find(|o| o.dst == t.dst)
                    .map(|o| local(&o))
                    .unwrap_or_else(|| local(&t));
                observance(&mut out, &t, first, Some(&rule));
            }
        }
        None => {
            let all: Vec<Transition> = check.iter().flat_map(|y| transitions(tz, *y)).collect();
            if all.is_empty() {
                let (offset, dst, name) = Utc
                    .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
                    .single()
                    .map(|at| offset_at(tz, at))
                    .unwrap_or((0, false, String::new()));
                let t = Transition {
                    at: DateTime::<Utc>::UNIX_EPOCH,
                    from: offset,
                    to: offset,
                    dst,
                    name,
                };
                let start = NaiveDate::from_ymd_opt(1970, 1, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .unwrap_or_default();
                observance(&mut out, &t, start, None);
            } else {
                // The offset in force before the first change, then each change.
                let first = &all[0];
                let before = Transition {
                    at: first.at,
                    from: first.from,
                    to: first.from,
                    dst: !first.dst && first.from != first.to,
                    name: offset_at(tz, first.at - Duration::hours(1)).2,
                };
                let start = NaiveDate::from_ymd_opt(check[0], 1, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .unwrap_or_default();
                observance(&mut out, &before, start, None);
                for t in &all {
                    observance(&mut out, t, local(t), None);
                }
            }
        }
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_york_uses_the_compact_us_rules() {
        let v = vtimezone("America/New_York".parse().unwrap(), 2026, 2026);
        assert!(
            v.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n"),
            "{v}"
        );
        assert!(
            v.contains("RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n"),
            "{v}"
        );
        assert!(
            v.contains(
                "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\nDTSTART:20260308T020000"
            ),
            "{v}"
        );
    }

    #[test]
    fn europe_uses_the_last_sunday() {
        let v = vtimezone("Europe/Berlin".parse().unwrap(), 2026, 2026);
        assert!(v.contains("BYMONTH=3;BYDAY=-1SU"), "{v}");
        assert!(v.contains("BYMONTH=10;BYDAY=-1SU"), "{v}");
    }

    #[test]
    fn a_zone_without_daylight_saving_has_one_standard_observance() {
        let v = vtimezone("Asia/Tokyo".parse().unwrap(), 2026, 2026);
        assert!(
            v.contains("BEGIN:STANDARD\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900"),
            "{v}"
        );
        assert!(!v.contains("DAYLIGHT"));
        let v = vtimezone("UTC".parse().unwrap(), 2026, 2026);
        assert!(v.contains("TZOFFSETTO:+0000"), "{v}");
    }

    #[test]
    fn southern_hemisphere_rules_are_found_too() {
        let v = vtimezone("Australia/Sydney".parse().unwrap(), 2026, 2026);
        assert!(v.contains("BYMONTH=4;BYDAY=1SU"), "{v}");
        assert!(v.contains("BYMONTH=10;BYDAY=1SU"), "{v}");
    }
}
