//! iCalendar (RFC 5545) feeds of meetings: one VEVENT per meeting with its
//! RRULE, EXDATE for cancelled weeks, an override (RECURRENCE-ID) for each
//! moved one, RFC 7986 CONFERENCE for links, and one VTIMEZONE per zone.
//! The `icalendar` crate writes the calendar and its events (escaping,
//! CRLF, folding at 75 octets); [`super::vtimezone`] writes what it lacks.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Utc};
use icalendar::{Calendar, Component, Event, Property};

use super::{
    model::{self, Exception, Frequency, ICAL_DAYS, Schedule, day_list},
    store::MeetingRow,
    vtimezone,
};

pub const PRODID: &str = "-//Belay//Belay meetings//EN";

fn local_stamp(t: chrono::NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

fn utc_stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn with_tz(key: &str, value: String, tz: &str) -> Property {
    Property::new(key, value).add_parameter("TZID", tz).done()
}

fn rrule(s: &Schedule) -> Option<String> {
    let by: Vec<&str> = day_list(s.days)
        .into_iter()
        .map(|d| ICAL_DAYS[usize::from(d)])
        .collect();
    let mut rule = match s.frequency {
        Frequency::Once => return None,
        Frequency::Weekly => format!("FREQ=WEEKLY;BYDAY={}", by.join(",")),
        Frequency::Monthly => format!(
            "FREQ=MONTHLY;BYDAY={}{}",
            s.month_week.unwrap_or(1),
            by.first().unwrap_or(&"MO")
        ),
    };
    if let Some(last) = s.last_date() {
        // With a TZID DTSTART, UNTIL is in UTC (§3.3.10): the last start.
        let until = s.local_start(last).with_timezone(&Utc);
        rule.push_str(&format!(";UNTIL={}", utc_stamp(until)));
    }
    Some(rule)
}

fn description(m: &MeetingRow) -> String {
    let mut parts: Vec<String> = Vec::new();
    let names: Vec<&str> = model::types_of(&m.types)
        .iter()
        .filter_map(|c| model::type_name(c))
        .collect();
    if !names.is_empty() {
        parts.push(names.join(", "));
    }
    for text in [&m.notes, &m.location_notes] {
        if !text.is_empty() {
            parts.push(text.clone());
        }
    }
    if !m.conference_url.is_empty() {
        let mut line = format!("Join online: {}", m.conference_url);
        if !m.conference_url_notes.is_empty() {
            line.push_str(&format!(" ({})", m.conference_url_notes));
        }
        parts.push(line);
    }
    if !m.conference_phone.is_empty() {
        let mut line = format!("By phone: {}", m.conference_phone);
        if !m.conference_phone_notes.is_empty() {
            line.push_str(&format!(" ({})", m.conference_phone_notes));
        }
        parts.push(line);
    }
    parts.push(format!("Group: {}", m.group_name));
    parts.join("\n")
}

fn location(m: &MeetingRow) -> String {
    [m.location.as_str(), m.formatted_address.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The events of one meeting: the series, then one override per moved week.
fn events(
    m: &MeetingRow,
    s: &Schedule,
    exceptions: &[Exception],
    base_url: &str,
    host: &str,
) -> Vec<Event> {
    let Some(first) = s.first_date() else {
        return Vec::new();
    };
    let tz = s.tz.name();
    let uid = format!("{}@{host}", m.slug);
    let start = s.local_start(first);
    let end = s.end_after(start);
    let mut e = Event::new();
    e.add_property("UID", &uid)
        .add_property("DTSTAMP", utc_stamp(m.updated_at))
        .add_property("LAST-MODIFIED", utc_stamp(m.updated_at))
        .add_property("SUMMARY", &m.name)
        .add_property("DESCRIPTION", description(m))
        .add_property("URL", format!("{base_url}/meetings/{}", m.slug))
        .add_property("STATUS", "CONFIRMED")
        .add_property("SEQUENCE", m.sequence.to_string());
    e.append_property(with_tz("DTSTART", local_stamp(start.naive_local()), tz));
    e.append_property(with_tz("DTEND", local_stamp(end.naive_local()), tz));
    if let Some(r) = rrule(s) {
        e.add_property("RRULE", r);
    }
    let place = location(m);
    if !place.is_empty() {
        e.add_property("LOCATION", place);
    }
    if let (Some(lat), Some(lng)) = (m.latitude, m.longitude) {
        e.add_property("GEO", format!("{lat:.5};{lng:.5}"));
    }
    let categories: Vec<String> = model::types_of(&m.types)
        .iter()
        .filter_map(|c| model::type_name(c))
        .map(|n| n.replace(',', "\\,").replace(';', "\\;"))
        .collect();
    if !categories.is_empty() {
        e.add_property("CATEGORIES", categories.join(","));
    }
    if !m.conference_url.is_empty() {
        e.append_multi_property(
            Property::new("CONFERENCE", m.conference_url.clone())
                .add_parameter("VALUE", "URI")
                .add_parameter("FEATURE", "VIDEO")
                .add_parameter("LABEL", "Join online")
                .done(),
        );
    }
    if !m.conference_phone.is_empty() {
        e.append_multi_property(
            Property::new("CONFERENCE", format!("tel:{}", m.conference_phone))
                .add_parameter("VALUE", "URI")
                .add_parameter("FEATURE", "PHONE")
                .add_parameter("LABEL", "Dial in")
                .done(),
        );
    }
    let mut out = Vec::new();
    for ex in exceptions.iter().filter(|x| s.falls_on(x.on_date)) {
        let original = s.local_start(ex.on_date).naive_local();
        if ex.cancelled {
            e.append_multi_property(with_tz("EXDATE", local_stamp(original), tz));
        } else if let Some((a, b)) = ex.moved {
            let mut o = Event::new();
            let mut summary = m.name.clone();
            if !ex.note.is_empty() {
                summary.push_str(&format!(" ({})", ex.note));
            }
            o.add_property("UID", &uid)
                .add_property("DTSTAMP", utc_stamp(m.updated_at))
                .add_property("SUMMARY", summary)
                .add_property("SEQUENCE", m.sequence.to_string());
            o.append_property(with_tz("RECURRENCE-ID", local_stamp(original), tz));
            o.append_property(with_tz("DTSTART", local_stamp(a), tz));
            o.append_property(with_tz("DTEND", local_stamp(b), tz));
            out.push(o);
        }
    }
    if s.frequency == Frequency::Once
        && exceptions.iter().any(|x| x.cancelled && x.on_date == first)
    {
        e.add_property("STATUS", "CANCELLED");
    }
    out.insert(0, e);
    out
}

/// A whole calendar. `meetings` pairs each meeting with its exceptions.
pub fn calendar(
    name: &str,
    meetings: &[(MeetingRow, Vec<Exception>)],
    base_url: &str,
    now: DateTime<Utc>,
) -> String {
    let base_url = base_url.trim_end_matches('/');
    let host = base_url
        .split("://")
        .nth(1)
        .unwrap_or(base_url)
        .split(['/', ':'])
        .next()
        .unwrap_or("belay");
    let mut cal = Calendar::empty();
    for (k, v) in [
        ("VERSION", "2.0"),
        ("PRODID", PRODID),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", "PUBLISH"),
    ] {
        cal.append_property(Property::new(k, v));
    }
    cal.append_property(Property::new("NAME", name));
    cal.append_property(Property::new("X-WR-CALNAME", name));
    cal.append_property(
        Property::new("REFRESH-INTERVAL", "PT12H")
            .add_parameter("VALUE", "DURATION")
            .done(),
    );
    cal.append_property(Property::new("X-PUBLISHED-TTL", "PT12H"));
    let mut zones: BTreeSet<(String, i32)> = BTreeSet::new();
    for (m, ex) in meetings.iter().filter(|(m, _)| m.active) {
        let Some(s) = m.schedule() else { continue };
        zones.insert((s.tz.name().to_owned(), s.starts_on.year()));
        for e in events(m, &s, ex, base_url, host) {
            cal.push(e);
        }
    }
    let text = cal.to_string();
    // One VTIMEZONE per TZID, from the earliest year a meeting starts.
    let mut vtz = String::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (zone, year) in &zones {
        if seen.insert(zone.clone())
            && let Ok(tz) = zone.parse::<chrono_tz::Tz>()
        {
            vtz.push_str(&vtimezone::vtimezone(tz, *year, now.year()));
        }
    }
    let at = text
        .find("BEGIN:VEVENT")
        .or_else(|| text.find("END:VCALENDAR"))
        .unwrap_or(text.len());
    let mut out = String::with_capacity(text.len() + vtz.len());
    out.push_str(&text[..at]);
    out.push_str(&vtz);
    out.push_str(&text[at..]);
    out
}
