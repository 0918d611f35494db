//! What a meeting is: its schedule (weekly on one or more days, monthly on
//! the nth weekday, or once), its place or link, its Meeting Guide type
//! codes, and the checks on all of it. Times are the meeting's own local
//! times in its IANA zone; every instant is worked out through that zone,
//! so a 19:00 meeting stays at 19:00 across daylight-saving changes.

use std::{collections::BTreeMap, sync::LazyLock};

use chrono::Offset;
use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Tz;

use crate::web::error::FieldErrors;

pub const NAME_MAX: usize = 128;
pub const TEXT_MAX: usize = 500;
pub const NOTES_MAX: usize = 2_000;
/// The longest a meeting may run.
pub const MINUTES_MAX: i64 = 12 * 60;

/// `SU MO TU WE TH FR SA`, indexed by Meeting Guide day (0 = Sunday).
pub const ICAL_DAYS: [&str; 7] = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"];
pub const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frequency {
    Weekly,
    Monthly,
    Once,
}

impl Frequency {
    pub fn key(self) -> &'static str {
        match self {
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
            Self::Once => "once",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "weekly" => Some(Self::Weekly),
            "monthly" => Some(Self::Monthly),
            "once" => Some(Self::Once),
            _ => None,
        }
    }
}

/// When a meeting happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    pub frequency: Frequency,
    /// Bit `d` set for Meeting Guide day `d` (0 = Sunday).
    pub days: u8,
    /// Monthly: 1..=4, or -1 for the last such weekday of the month.
    pub month_week: Option<i8>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub start: NaiveTime,
    pub minutes: i64,
    pub tz: Tz,
}

/// A day number 0..=6 (Sunday first) of a date.
pub fn day_of(d: NaiveDate) -> u8 {
    // num_days_from_sunday is 0..=6.
    u8::try_from(d.weekday().num_days_from_sunday()).unwrap_or(0)
}

pub fn day_list(days: u8) -> Vec<u8> {
    (0..7).filter(|d| days & (1 << d) != 0).collect()
}

/// A local wall time in `tz`: in a spring-forward gap it moves on by the
/// gap (02:30 that does not exist is 03:30); when clocks fall back it is
/// the first of the two.
pub fn resolve_local(tz: Tz, at: NaiveDateTime) -> DateTime<Tz> {
    match tz.from_local_datetime(&at) {
        LocalResult::Single(t) => t,
        LocalResult::Ambiguous(first, _) => first,
        LocalResult::None => {
            // RFC 5545 §3.3.5: read it with the offset in force before the gap.
            let before = tz
                .from_local_datetime(&(at - Duration::hours(6)))
                .earliest()
                .map(|t| t.offset().fix().local_minus_utc())
                .unwrap_or(0);
            let utc = at - Duration::seconds(i64::from(before));
            tz.from_utc_datetime(&utc)
        }
    }
}

impl Schedule {
    /// Whether the meeting falls on a local date (ignoring exceptions).
    pub fn falls_on(&self, d: NaiveDate) -> bool {
        if d < self.starts_on || self.ends_on.is_some_and(|e| d > e) {
            return false;
        }
        match self.frequency {
            Frequency::Once => d == self.starts_on,
            Frequency::Weekly => self.days & (1 << day_of(d)) != 0,
            Frequency::Monthly => {
                if self.days & (1 << day_of(d)) == 0 {
                    return false;
                }
                match self.month_week {
                    Some(-1) => (d + Duration::days(7)).month() != d.month(),
                    Some(n) if n > 0 => (d.day0() / 7 + 1) == u32::from(n.unsigned_abs()),
                    _ => false,
                }
            }
        }
    }

    /// The first date the meeting falls on.
    pub fn first_date(&self) -> Option<NaiveDate> {
        self.starts_on
            .iter_days()
            .take(400)
            .find(|d| self.falls_on(*d))
    }

    /// The last date it falls on, when it stops.
    pub fn last_date(&self) -> Option<NaiveDate> {
        let end = self.ends_on?;
        let mut d = end;
        for _ in 0..400 {
            if d < self.starts_on {
                return None;
            }
            if self.falls_on(d) {
                return Some(d);
            }
            d = d.pred_opt()?;
        }
        None
    }

    pub fn local_start(&self, d: NaiveDate) -> DateTime<Tz> {
        resolve_local(self.tz, d.and_time(self.start))
    }

    pub fn end_after(&self, start: DateTime<Tz>) -> DateTime<Tz> {
        // Wall-clock length: a 90-minute meeting ends 90 minutes of local
        // time later, even if that crosses a change of offset.
        resolve_local(
            self.tz,
            start.naive_local() + Duration::minutes(self.minutes),
        )
    }

    /// Local end time as `HH:MM`.
    pub fn end_time(&self) -> NaiveTime {
        self.start + Duration::minutes(self.minutes)
    }

    /// "Mondays and Thursdays", "the first Saturday of the month", "once".
    pub fn describe(&self) -> String {
        let names: Vec<&str> = day_list(self.days)
            .into_iter()
            .map(|d| DAY_NAMES[usize::from(d)])
            .collect();
        match self.frequency {
            Frequency::Weekly => {
                let plural: Vec<String> = names.iter().map(|n| format!("{n}s")).collect();
                match plural.len() {
                    0 => String::new(),
                    1 => plural[0].clone(),
                    n => format!("{} and {}", plural[..n - 1].join(", "), plural[n - 1]),
                }
            }
            Frequency::Monthly => {
                let which = match self.month_week {
                    Some(1) => "first",
                    Some(2) => "second",
                    Some(3) => "third",
                    Some(4) => "fourth",
                    _ => "last",
                };
                format!("the {which} {} of each month", names.first().unwrap_or(&""))
            }
            Frequency::Once => format!("once, on {}", self.starts_on.format("%A %-d %B %Y")),
        }
    }
}

/// One occurrence cancelled or moved, by its original local date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exception {
    pub on_date: NaiveDate,
    pub cancelled: bool,
    pub moved: Option<(NaiveDateTime, NaiveDateTime)>,
    pub note: String,
}

/// One time the meeting happens (or was to happen).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// Its original local date (the key for cancelling or moving it).
    pub date: NaiveDate,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub cancelled: bool,
    pub moved: bool,
    pub note: String,
}

/// The next `count` occurrences that have not ended by `now` (cancelled
/// ones included, marked), in order of start.
pub fn upcoming(
    s: &Schedule,
    exceptions: &[Exception],
    now: DateTime<Utc>,
    count: usize,
) -> Vec<Occurrence> {
    let today = now.with_timezone(&s.tz).date_naive();
    let from = today.pred_opt().unwrap_or(today).max(s.starts_on);
    let mut out: Vec<Occurrence> = Vec::new();
    for d in from.iter_days().take(800) {
        if s.ends_on.is_some_and(|e| d > e) || out.len() >= count * 2 + 4 {
            break;
        }
        if !s.falls_on(d) {
            continue;
        }
        let ex = exceptions.iter().find(|e| e.on_date == d);
        let (start, end, moved) = match ex.and_then(|e| e.moved) {
            Some((a, b)) => (resolve_local(s.tz, a), resolve_local(s.tz, b), true),
            None => {
                let a = s.local_start(d);
                (a, s.end_after(a), false)
            }
        };
        let end = end.with_timezone(&Utc);
        if end <= now {
            continue;
        }
        out.push(Occurrence {
            date: d,
            start: start.with_timezone(&Utc),
            end,
            cancelled: ex.is_some_and(|e| e.cancelled),
            moved,
            note: ex.map(|e| e.note.clone()).unwrap_or_default(),
        });
    }
    out.sort_by_key(|o| o.start);
    out.truncate(count);
    out
}

// ---- type codes -----------------------------------------------------------

/// Meeting Guide type codes and their English names, from the spec's
/// `data/types.json` (MIT; see `spec-types.LICENSE.txt` beside it).
static TYPES: LazyLock<BTreeMap<String, String>> = LazyLock::new(|| {
    let all: BTreeMap<String, BTreeMap<String, String>> =
        serde_json::from_str(include_str!("spec-types.json")).unwrap_or_default();
    all.into_iter()
        .filter_map(|(code, names)| names.get("en").map(|n| (code, n.clone())))
        .collect()
});

pub fn types() -> &'static BTreeMap<String, String> {
    &TYPES
}

pub fn type_name(code: &str) -> Option<&'static str> {
    TYPES.get(code).map(String::as_str)
}

/// A code as a feed might write it: the code itself in any case, a known
/// misspelling (`ASBI`), or the English name.
pub fn type_code(raw: &str) -> Option<&'static str> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("ASBI") {
        return TYPES.get_key_value("ABSI").map(|(k, _)| k.as_str());
    }
    TYPES
        .iter()
        .find(|(code, name)| code.eq_ignore_ascii_case(raw) || name.eq_ignore_ascii_case(raw))
        .map(|(code, _)| code.as_str())
}

/// Stored form: `,O,D,`.
pub fn types_column(codes: &[String]) -> String {
    if codes.is_empty() {
        String::new()
    } else {
        format!(",{},", codes.join(","))
    }
}

pub fn types_of(column: &str) -> Vec<String> {
    column
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

// ---- checking what people give --------------------------------------------

/// A meeting as given (JSON, a form, or an imported feed entry).
#[derive(Clone, Debug, Default)]
pub struct MeetingInput {
    pub name: String,
    /// `weekly` (default), `monthly` or `once`.
    pub frequency: String,
    /// 0 (Sunday) ..= 6.
    pub days: Vec<i64>,
    pub month_week: Option<i64>,
    /// `YYYY-MM-DD`: the date of a one-off meeting, or the first date of a
    /// recurring one (default today).
    pub date: String,
    pub ends_on: String,
    pub start_time: String,
    pub end_time: String,
    pub time_zone: String,
    pub location: String,
    pub formatted_address: String,
    pub location_notes: String,
    pub approximate: bool,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub region: String,
    pub conference_url: String,
    pub conference_url_notes: String,
    pub conference_phone: String,
    pub conference_phone_notes: String,
    pub types: Vec<String>,
    pub notes: String,
    pub active: bool,
}

/// A meeting that passed every check.
#[derive(Clone, Debug)]
pub struct Checked {
    pub name: String,
    pub schedule: Schedule,
    pub location: String,
    pub formatted_address: String,
    pub location_notes: String,
    pub approximate: bool,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub region: String,
    pub conference_url: String,
    pub conference_url_notes: String,
    pub conference_phone: String,
    pub conference_phone_notes: String,
    pub types: Vec<String>,
    pub notes: String,
    pub active: bool,
}

pub fn parse_time(raw: &str) -> Option<NaiveTime> {
    let raw = raw.trim();
    if raw.len() > 12 {
        return None;
    }
    let lower = raw.to_ascii_lowercase().replace([' ', '.'], "");
    for f in ["%H:%M", "%H:%M:%S", "%I:%M%p", "%I%p"] {
        if let Ok(t) = NaiveTime::parse_from_str(&lower, f) {
            return Some(t);
        }
    }
    // "noon" and "midnight" are what people write too.
    match lower.as_str() {
        "noon" => NaiveTime::from_hms_opt(12, 0, 0),
        "midnight" => NaiveTime::from_hms_opt(0, 0, 0),
        _ => None,
    }
}

pub fn parse_zone(raw: &str) -> Option<Tz> {
    raw.trim().parse::<Tz>().ok()
}

/// `http(s)://host/...` only: anything else (javascript:, data:, a bare
/// word) is refused.
pub fn check_url(raw: &str) -> Result<String, &'static str> {
    let raw = raw.trim();
    if raw.len() > 500 {
        return Err("must be at most 500 characters");
    }
    match reqwest::Url::parse(raw) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty()) =>
        {
            Ok(raw.to_owned())
        }
        _ => Err("must be a web address starting with https:// (or http://)"),
    }
}

/// A dial-in number: digits with an optional leading `+`; `,` pauses and
/// `#`/`*` for one-tap codes; `tel:` and spacing are accepted and dropped.
pub fn check_phone(raw: &str) -> Result<String, &'static str> {
    let raw = raw.trim();
    let raw = raw.strip_prefix("tel:").unwrap_or(raw);
    let kept: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    let digits = kept.chars().filter(char::is_ascii_digit).count();
    let ok = kept.len() <= 60
        && kept.char_indices().all(|(i, c)| {
            c.is_ascii_digit() || matches!(c, ',' | '#' | '*') || (c == '+' && i == 0)
        })
        && digits >= 7;
    if ok {
        Ok(kept)
    } else {
        Err("must be a phone number: digits, an optional leading +, and , # * for one-tap dialling")
    }
}

pub fn check(input: &MeetingInput, today: NaiveDate) -> Result<Checked, FieldErrors> {
    let mut e = FieldErrors::new();
    let text = |raw: &str, field: &str, max: usize, e: &mut FieldErrors| {
        crate::profile::model::check_text(field, raw, max, e)
    };
    let name = text(&input.name, "name", NAME_MAX, &mut e);
    if name.is_empty() {
        e.add("name", "is required");
    }
    let frequency = match input.frequency.trim() {
        "" => Some(Frequency::Weekly),
        f => Frequency::parse(f),
    };
    if frequency.is_none() {
        e.add("frequency", "must be one of: weekly, monthly, once");
    }
    let mut days: u8 = 0;
    for d in &input.days {
        match u8::try_from(*d) {
            Ok(d) if d < 7 => days |= 1 << d,
            _ => e.add("days", "each day must be 0 (Sunday) to 6 (Saturday)"),
        }
    }
    let tz = parse_zone(&input.time_zone);
    if tz.is_none() {
        e.add(
            "time_zone",
            "must be a time zone name like America/New_York",
        );
    }
    let date = |raw: &str, field: &str, e: &mut FieldErrors| -> Option<NaiveDate> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            Ok(d) if d.year() >= 2000 && d.year() <= 2200 => Some(d),
            _ => {
                e.add(field, "must be a date (YYYY-MM-DD)");
                None
            }
        }
    };
    let on = date(&input.date, "date", &mut e);
    let ends_on = date(&input.ends_on, "ends_on", &mut e);
    let month_week = match frequency {
        Some(Frequency::Monthly) => match input.month_week {
            Some(n @ (1..=4 | -1)) => i8::try_from(n).ok(),
            _ => {
                e.add("month_week", "must be 1, 2, 3, 4, or -1 for the last");
                None
            }
        },
        _ => None,
    };
    let mut starts_on = on.unwrap_or(today);
    match frequency {
        Some(Frequency::Weekly) if days == 0 => e.add("days", "choose at least one day"),
        Some(Frequency::Monthly) if days.count_ones() != 1 => {
            e.add("days", "a monthly meeting falls on one weekday")
        }
        Some(Frequency::Once) => match on {
            None => e.add("date", "is required for a one-off meeting"),
            Some(d) => {
                days = 1 << day_of(d);
                starts_on = d;
            }
        },
        _ => {}
    }
    if let (Some(end), true) = (ends_on, frequency != Some(Frequency::Once))
        && end < starts_on
    {
        e.add("ends_on", "must be on or after the first date");
    }
    let start = parse_time(&input.start_time);
    if start.is_none() {
        e.add("start_time", "must be a time of day like 19:00");
    }
    let end = match input.end_time.trim() {
        "" => start.map(|s| s + Duration::hours(1)),
        raw => {
            let t = parse_time(raw);
            if t.is_none() {
                e.add("end_time", "must be a time of day like 20:30");
            }
            t
        }
    };
    let minutes = match (start, end) {
        (Some(s), Some(t)) => {
            let m = (t - s).num_minutes().rem_euclid(24 * 60);
            if m == 0 || m > MINUTES_MAX {
                e.add(
                    "end_time",
                    "must be after the start, and a meeting runs 12 hours at most",
                );
            }
            m
        }
        _ => 60,
    };
    let location = text(&input.location, "location", TEXT_MAX, &mut e);
    let formatted_address = text(
        &input.formatted_address,
        "formatted_address",
        TEXT_MAX,
        &mut e,
    );
    let location_notes = text(&input.location_notes, "location_notes", TEXT_MAX, &mut e);
    let region = text(&input.region, "region", TEXT_MAX, &mut e);
    let conference_url = match input.conference_url.trim() {
        "" => String::new(),
        raw => check_url(raw).unwrap_or_else(|m| {
            e.add("conference_url", m);
            String::new()
        }),
    };
    let conference_url_notes = text(
        &input.conference_url_notes,
        "conference_url_notes",
        TEXT_MAX,
        &mut e,
    );
    let conference_phone = match input.conference_phone.trim() {
        "" => String::new(),
        raw => check_phone(raw).unwrap_or_else(|m| {
            e.add("conference_phone", m);
            String::new()
        }),
    };
    let conference_phone_notes = text(
        &input.conference_phone_notes,
        "conference_phone_notes",
        TEXT_MAX,
        &mut e,
    );
    let notes = text(&input.notes, "notes", NOTES_MAX, &mut e);
    let mut types: Vec<String> = Vec::new();
    for t in &input.types {
        match TYPES.get_key_value(t.trim()) {
            Some((code, _)) => {
                if !types.contains(code) {
                    types.push(code.clone());
                }
            }
            None => e.add("types", format!("{t:?} is not a Meeting Guide type code")),
        }
    }
    if types.len() > 40 {
        e.add("types", "at most 40 types");
    }
    for (v, field, limit) in [
        (input.latitude, "latitude", 90.0),
        (input.longitude, "longitude", 180.0),
    ] {
        if v.is_some_and(|v| !v.is_finite() || v.abs() > limit) {
            e.add(field, format!("must be between -{limit} and {limit}"));
        }
    }
    if input.latitude.is_some() != input.longitude.is_some() {
        e.add("latitude", "give both latitude and longitude, or neither");
    }
    if formatted_address.is_empty()
        && location.is_empty()
        && conference_url.is_empty()
        && conference_phone.is_empty()
        && e.first("conference_url").is_none()
        && e.first("conference_phone").is_none()
    {
        e.add(
            "formatted_address",
            "give an address, an online link or a phone number, so people can find the meeting",
        );
    }
    if !e.is_empty() {
        return Err(e);
    }
    let (Some(frequency), Some(tz), Some(start)) = (frequency, tz, start) else {
        return Err(FieldErrors::single_map("name", "could not be checked"));
    };
    Ok(Checked {
        name,
        schedule: Schedule {
            frequency,
            days,
            month_week,
            starts_on,
            ends_on: ends_on.filter(|_| frequency != Frequency::Once),
            start,
            minutes,
            tz,
        },
        location,
        formatted_address,
        location_notes,
        approximate: input.approximate,
        latitude: input.latitude,
        longitude: input.longitude,
        region,
        conference_url,
        conference_url_notes,
        conference_phone,
        conference_phone_notes,
        types,
        notes,
        active: input.active,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn weekly(days: u8, start: &str, tz: &str) -> Schedule {
        Schedule {
            frequency: Frequency::Weekly,
            days,
            month_week: None,
            starts_on: d("2026-01-01"),
            ends_on: None,
            start: parse_time(start).unwrap(),
            minutes: 90,
            tz: tz.parse().unwrap(),
        }
    }

    #[test]
    fn a_weekly_meeting_keeps_its_local_time_across_dst() {
        let s = weekly(1 << 1, "19:00", "America/New_York");
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap();
        let next = upcoming(&s, &[], now, 3);
        let utc: Vec<String> = next
            .iter()
            .map(|o| o.start.format("%F %H:%M").to_string())
            .collect();
        // 19:00 EST is 00:00 UTC; after 8 March, 19:00 EDT is 23:00 UTC.
        assert_eq!(
            utc,
            ["2026-03-03 00:00", "2026-03-09 23:00", "2026-03-16 23:00"]
        );
    }

    #[test]
    fn a_start_in_the_spring_gap_moves_on_by_the_gap() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let t = resolve_local(tz, d("2026-03-29").and_hms_opt(2, 30, 0).unwrap());
        assert_eq!(t.format("%H:%M %z").to_string(), "03:30 +0200");
        let t = resolve_local(tz, d("2026-10-25").and_hms_opt(2, 30, 0).unwrap());
        assert_eq!(
            t.format("%H:%M %z").to_string(),
            "02:30 +0200",
            "the first of the two"
        );
    }

    #[test]
    fn monthly_meetings_fall_on_the_nth_or_last_weekday() {
        let mut s = weekly(1 << 6, "10:00", "UTC");
        s.frequency = Frequency::Monthly;
        s.month_week = Some(1);
        assert!(s.falls_on(d("2026-12-05")));
        assert!(!s.falls_on(d("2026-12-12")));
        s.month_week = Some(-1);
        assert!(s.falls_on(d("2026-12-26")));
        assert!(!s.falls_on(d("2026-12-19")));
        assert!(s.describe().contains("last Saturday"));
    }

    #[test]
    fn exceptions_cancel_or_move_one_occurrence() {
        let s = weekly(1 << 1, "19:00", "UTC");
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let ex = vec![
            Exception {
                on_date: d("2026-12-07"),
                cancelled: true,
                moved: None,
                note: String::new(),
            },
            Exception {
                on_date: d("2026-12-14"),
                cancelled: false,
                moved: Some((
                    d("2026-12-15").and_hms_opt(18, 0, 0).unwrap(),
                    d("2026-12-15").and_hms_opt(19, 0, 0).unwrap(),
                )),
                note: "moved for the holiday".into(),
            },
        ];
        let next = upcoming(&s, &ex, now, 3);
        assert!(next[0].cancelled);
        assert!(next[1].moved);
        assert_eq!(
            next[1].start.format("%F %H:%M").to_string(),
            "2026-12-15 18:00"
        );
    }

    #[test]
    fn times_are_read_the_ways_people_write_them() {
        assert_eq!(parse_time("18:30"), NaiveTime::from_hms_opt(18, 30, 0));
        assert_eq!(parse_time("6:30 pm"), NaiveTime::from_hms_opt(18, 30, 0));
        assert_eq!(parse_time("6:30PM"), NaiveTime::from_hms_opt(18, 30, 0));
        assert_eq!(parse_time("25:00"), None);
        assert_eq!(parse_time("soon"), None);
    }

    #[test]
    fn only_web_links_and_phone_numbers_are_accepted() {
        assert!(check_url("https://zoom.us/j/1").is_ok());
        assert!(check_url("javascript:alert(1)").is_err());
        assert!(check_url("ftp://x.org/").is_err());
        assert!(check_url("zoom.us/j/1").is_err());
        assert_eq!(
            check_phone("tel:+1 (669) 900-6833,,123#").unwrap(),
            "+16699006833,,123#"
        );
        assert!(check_phone("call me").is_err());
        assert!(check_phone("12+34567890").is_err());
    }

    #[test]
    fn the_type_list_is_the_specs() {
        assert_eq!(types().len(), 87);
        assert_eq!(type_name("O"), Some("Open"));
        assert_eq!(type_code("asbi"), Some("ABSI"));
        assert_eq!(type_code("big book"), Some("B"));
        assert_eq!(type_code("XYZ"), None);
    }
}
