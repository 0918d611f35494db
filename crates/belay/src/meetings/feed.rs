//! The Meeting Guide JSON feed (code4recovery's spec, as read by the
//! Meeting Guide app, TSML UI and the TSML plugin): export of the
//! instance's public weekly meetings, and a lenient import of such feeds.
//!
//! Export follows the profile in `research/interop-formats.md` §1.7: one
//! object per meeting-day with a stable slug, `day` 0-6, `HH:MM` times in
//! the meeting's zone, `timezone` always, an explicit `approximate`,
//! `conference_url` only for the providers consumers accept (any other
//! link goes into `notes`), codes from the spec's list only, no `ONL`,
//! `TC` for a meeting that is not running, and no contact unless its group
//! chose to publish one.
//!
//! Import is as lenient as the TSML importer: day arrays (one meeting per
//! day, slug `{slug}-{day}`), day names and numeric strings, "6:30 pm",
//! zone aliases, type names, `ASBI`, address parts, `regions`; every
//! entry it can't take is reported with the field and the reason.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    model::{self, MeetingInput, day_list},
    store::{self, FeedRow},
};
use crate::{
    accounts::MemberId,
    db::{Db, Tx, on_tx},
    groups::{model::slugify, store as groups},
};

/// Feeds larger than this are refused before parsing.
pub const MAX_FEED_BYTES: usize = 20 * 1024 * 1024;
pub const MAX_ENTRIES: usize = 50_000;

/// Hosts whose links Meeting Guide, TSML UI and TSML accept as
/// `conference_url` (a URL's host must end with one of them).
pub const CONFERENCE_PROVIDERS: [&str; 21] = [
    "bluejeans.com",
    "discord.gg",
    "freeconference.com",
    "freeconferencecall.com",
    "goto.com",
    "gotomeet.me",
    "gotomeeting.com",
    "horizon.meta.com",
    "maps.secondlife.com",
    "meet.google.com",
    "meet.jit.si",
    "meetings.dialpad.com",
    "signal.group",
    "skype.com",
    "slurl.com",
    "teams.live.com",
    "teams.microsoft.com",
    "vrchat.com",
    "webex.com",
    "zoho.com",
    "zoom.us",
];

pub fn known_provider(url: &str) -> bool {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .is_some_and(|h| {
            CONFERENCE_PROVIDERS.iter().any(|p| {
                h.strip_suffix(p)
                    .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
            })
        })
}

/// One meeting-day of the feed.
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize, ToSchema, PartialEq)]
#[serde(default)]
pub struct FeedMeeting {
    pub name: String,
    pub slug: String,
    pub day: u8,
    pub time: String,
    pub end_time: String,
    pub timezone: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub formatted_address: String,
    /// `yes` or `no`.
    pub approximate: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub location: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub location_notes: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub conference_url: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub conference_url_notes: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub conference_phone: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub conference_phone_notes: String,
    pub types: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub notes: String,
    /// `YYYY-MM-DD HH:MM:SS`, UTC.
    pub updated: String,
    pub url: String,
    pub group: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub contact_1_email: String,
}

/// Where the region hierarchy is split.
pub const REGION_SEPARATOR: &str = " > ";

pub fn export(rows: Vec<FeedRow>, base_url: &str) -> Vec<FeedMeeting> {
    let base_url = base_url.trim_end_matches('/');
    let mut out = Vec::with_capacity(rows.len());
    for m in rows {
        let days = day_list(u8::try_from(m.days).unwrap_or(0));
        let mut types = model::types_of(&m.types);
        if !m.active && !types.iter().any(|t| t == "TC") {
            types.push("TC".to_owned());
        }
        let (conference_url, notes) =
            if m.conference_url.is_empty() || known_provider(&m.conference_url) {
                (m.conference_url, m.notes)
            } else {
                let line = format!("Online: {}", m.conference_url);
                let notes = if m.notes.is_empty() {
                    line
                } else {
                    format!("{}\n{line}", m.notes)
                };
                (String::new(), notes)
            };
        let notes = if notes.contains('\r') {
            notes.replace('\r', "")
        } else {
            notes
        };
        let conference_url_notes = if conference_url.is_empty() {
            String::new()
        } else {
            m.conference_url_notes
        };
        let conference_phone_notes = if m.conference_phone.is_empty() {
            String::new()
        } else {
            m.conference_phone_notes
        };
        let meeting = FeedMeeting {
            name: m.name,
            slug: String::new(),
            day: 0,
            time: m.start_time,
            end_time: m.end_time,
            timezone: m.time_zone,
            formatted_address: m.formatted_address,
            approximate: if m.approximate { "yes" } else { "no" }.to_owned(),
            location: m.location,
            location_notes: m.location_notes,
            latitude: m.latitude,
            longitude: m.longitude,
            regions: if m.region.is_empty() {
                Vec::new()
            } else {
                m.region
                    .split(REGION_SEPARATOR)
                    .map(str::to_owned)
                    .collect()
            },
            conference_url,
            conference_url_notes,
            conference_phone: m.conference_phone.replace('*', ""),
            conference_phone_notes,
            types,
            notes,
            updated: feed_time(m.updated_at),
            url: format!("{base_url}/meetings/{}", m.slug),
            group: m.group_name,
            contact_1_email: m.group_contact,
        };
        // One entry per day; a meeting on several days gets a slug each,
        // and the last day takes the meeting itself rather than a copy.
        let Some((&last, others)) = days.split_last() else {
            continue;
        };
        let slug = |day: u8| {
            if others.is_empty() {
                m.slug.clone()
            } else {
                format!("{}-{day}", m.slug)
            }
        };
        for &day in others {
            out.push(FeedMeeting {
                slug: slug(day),
                day,
                ..meeting.clone()
            });
        }
        out.push(FeedMeeting {
            slug: slug(last),
            day: last,
            ..meeting
        });
    }
    out
}

/// `YYYY-MM-DD HH:MM:SS` in UTC, written out directly (a format string
/// is parsed again for each of twenty thousand meetings).
fn feed_time(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

// ---- import ---------------------------------------------------------------

#[derive(Clone, Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct Rejected {
    /// Position in the feed, from 0.
    pub index: usize,
    pub slug: Option<String>,
    pub field: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    pub entries: usize,
    pub created: usize,
    pub updated: usize,
    pub groups_created: usize,
    /// Entries not imported, each with the field and the reason.
    pub rejected: Vec<Rejected>,
    /// Entries imported with something dropped or made up (a slug from the
    /// name, an unknown type code).
    pub warnings: Vec<Rejected>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("The feed is larger than {} MB; split it or raise the limit.", MAX_FEED_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("The feed is not valid JSON: {0}")]
    NotJson(String),
    #[error("A Meeting Guide feed is one JSON array of meetings; this is not an array.")]
    NotArray,
    #[error("The feed is an empty array: there is nothing to import.")]
    Empty,
    #[error("The feed has more than {MAX_ENTRIES} entries.")]
    TooMany,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

pub struct ImportOptions {
    /// For entries without a `timezone`.
    pub default_zone: Option<Tz>,
    /// Made organiser of each group the import creates.
    pub organiser: Option<MemberId>,
    pub today: NaiveDate,
}

/// One meeting to write, from one entry (several for a day array).
struct Planned {
    slug: String,
    group: String,
    checked: model::Checked,
}

fn text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn first<'a>(o: &'a serde_json::Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| o.get(*k).filter(|v| !v.is_null()))
}

fn day_of(v: &Value) -> Option<u8> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .and_then(|d| u8::try_from(d).ok())
            .filter(|d| *d < 7),
        Value::String(s) => {
            let s = s.trim().to_ascii_lowercase();
            if let Ok(d) = s.parse::<u8>() {
                return (d < 7).then_some(d);
            }
            model::DAY_NAMES
                .iter()
                .position(|n| {
                    let n = n.to_ascii_lowercase();
                    n == s || (s.len() >= 3 && n.starts_with(&s))
                })
                .and_then(|p| u8::try_from(p).ok())
        }
        _ => None,
    }
}

fn zone_alias(raw: &str) -> Option<Tz> {
    let mapped = match raw.trim().to_ascii_uppercase().as_str() {
        "ET" | "EST" | "EDT" | "EASTERN" => "America/New_York",
        "CT" | "CST" | "CDT" | "CENTRAL" => "America/Chicago",
        "MT" | "MST" | "MDT" | "MOUNTAIN" => "America/Denver",
        "PT" | "PST" | "PDT" | "PACIFIC" => "America/Los_Angeles",
        "AKST" | "AKDT" | "ALASKA" => "America/Anchorage",
        "HST" | "HAWAII" => "Pacific/Honolulu",
        _ => return model::parse_zone(raw),
    };
    model::parse_zone(mapped)
}

fn float(v: Option<&Value>) -> Option<f64> {
    match v {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

fn url_safe(slug: &str) -> bool {
    !slug.is_empty()
        && slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~'))
}

/// Reads one entry. `Err` names the field and the reason.
fn read_entry(
    index: usize,
    v: &Value,
    opts: &ImportOptions,
    warnings: &mut Vec<Rejected>,
) -> Result<Vec<Planned>, (Option<String>, String, String)> {
    let Value::Object(o) = v else {
        return Err((None, "entry".into(), "is not a JSON object".into()));
    };
    let name = text(first(o, &["name", "meeting"]));
    let given_slug = text(o.get("slug"));
    let slug = if given_slug.is_empty() {
        let made = slugify(&name);
        warnings.push(Rejected {
            index,
            slug: Some(made.clone()),
            field: "slug".into(),
            reason: "missing: made one from the name".into(),
        });
        made
    } else {
        given_slug.clone()
    };
    let slug_opt = Some(slug.clone());
    let fail = |field: &str, reason: String| (slug_opt.clone(), field.to_owned(), reason);
    if slug.chars().count() > 64 {
        return Err(fail("slug", "is longer than 64 characters".into()));
    }
    if !url_safe(&slug) {
        return Err(fail(
            "slug",
            "must be URL-safe: letters, digits, - and _".into(),
        ));
    }
    if name.is_empty() {
        return Err(fail("name", "is missing".into()));
    }
    let days: Vec<u8> = match first(o, &["day"]) {
        None => {
            return Err(fail(
                "day",
                "is missing: by-appointment meetings are not listed here".into(),
            ));
        }
        Some(Value::Array(list)) => {
            let mut days = Vec::new();
            for d in list {
                match day_of(d) {
                    Some(d) if !days.contains(&d) => days.push(d),
                    Some(_) => {}
                    None => {
                        return Err(fail("day", format!("{d} is not a day (0-6 or a day name)")));
                    }
                }
            }
            if days.is_empty() {
                return Err(fail("day", "is an empty list".into()));
            }
            days
        }
        Some(d) => vec![
            day_of(d)
                .ok_or_else(|| fail("day", format!("{d} is not a day (0-6 or a day name)")))?,
        ],
    };
    let time = text(first(o, &["time", "start_time"]));
    if time.is_empty() {
        return Err(fail(
            "time",
            "is missing: by-appointment meetings are not listed here".into(),
        ));
    }
    if model::parse_time(&time).is_none() {
        return Err(fail("time", format!("{time:?} is not a time of day")));
    }
    let zone_raw = text(o.get("timezone"));
    let zone = if zone_raw.is_empty() {
        opts.default_zone.ok_or_else(|| {
            fail(
                "timezone",
                "is missing, and no default time zone was given".into(),
            )
        })?
    } else {
        zone_alias(&zone_raw)
            .ok_or_else(|| fail("timezone", format!("{zone_raw:?} is not a time zone")))?
    };
    let mut formatted_address = text(o.get("formatted_address"));
    if formatted_address.is_empty() {
        let state_zip = [
            text(o.get("state")),
            text(first(o, &["postal_code", "zip"])),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        formatted_address = [
            text(o.get("address")),
            text(o.get("city")),
            state_zip,
            text(o.get("country")),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
    }
    let approximate = match o.get("approximate") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("yes") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("no") => false,
        // TSML UI's rule: fewer than four comma-separated parts is approximate.
        _ => !formatted_address.is_empty() && formatted_address.split(',').count() < 4,
    };
    let (mut latitude, mut longitude) = (float(o.get("latitude")), float(o.get("longitude")));
    if latitude.is_none()
        && let Some(Value::String(c)) = o.get("coordinates")
    {
        let parts: Vec<f64> = c.split(',').filter_map(|p| p.trim().parse().ok()).collect();
        if parts.len() == 2 {
            latitude = Some(parts[0]);
            longitude = Some(parts[1]);
        }
    }
    let region = match o.get("regions") {
        Some(Value::Array(r)) => r
            .iter()
            .map(|x| text(Some(x)))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(REGION_SEPARATOR),
        _ => [text(o.get("region")), text(o.get("sub_region"))]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(REGION_SEPARATOR),
    };
    let raw_types: Vec<String> = match o.get("types") {
        Some(Value::Array(list)) => list.iter().map(|t| text(Some(t))).collect(),
        Some(Value::String(s)) => s.split(',').map(|t| t.trim().to_owned()).collect(),
        _ => Vec::new(),
    };
    let mut types: Vec<String> = Vec::new();
    for t in raw_types.iter().filter(|t| !t.is_empty()) {
        if t.eq_ignore_ascii_case("ONL") {
            continue; // derived from the link, never stored
        }
        match model::type_code(t) {
            Some(code) if !types.iter().any(|x| x == code) => types.push(code.to_owned()),
            Some(_) => {}
            None => warnings.push(Rejected {
                index,
                slug: Some(slug.clone()),
                field: "types".into(),
                reason: format!("{t:?} is not a Meeting Guide type code: left out"),
            }),
        }
    }
    let group = [
        text(o.get("group")),
        text(first(o, &["location", "location_name"])),
        name.clone(),
    ]
    .into_iter()
    .find(|s| !s.is_empty())
    .unwrap_or_default();
    let mut input = MeetingInput {
        name: name.clone(),
        frequency: "weekly".into(),
        days: Vec::new(),
        month_week: None,
        date: String::new(),
        ends_on: String::new(),
        start_time: time,
        end_time: text(o.get("end_time")),
        time_zone: zone.name().to_owned(),
        location: text(first(o, &["location", "location_name"])),
        formatted_address,
        location_notes: text(o.get("location_notes")),
        approximate,
        latitude,
        longitude,
        region,
        conference_url: text(o.get("conference_url")),
        conference_url_notes: text(o.get("conference_url_notes")),
        conference_phone: text(o.get("conference_phone")),
        conference_phone_notes: text(o.get("conference_phone_notes")),
        types,
        notes: text(o.get("notes")),
        active: true,
    };
    if input.conference_url.is_empty() {
        input.conference_url_notes.clear();
    }
    if input.conference_phone.is_empty() {
        input.conference_phone_notes.clear();
    }
    let mut out = Vec::new();
    let several = days.len() > 1;
    for d in days {
        input.days = vec![i64::from(d)];
        let checked = model::check(&input, opts.today).map_err(|e| {
            let (field, reason) = e
                .iter()
                .next()
                .map(|(f, m)| (f.clone(), m.join("; ")))
                .unwrap_or_else(|| ("entry".into(), "is not valid".into()));
            fail(&field, reason)
        })?;
        out.push(Planned {
            slug: if several {
                format!("{slug}-{d}")
            } else {
                slug.clone()
            },
            group: group.clone(),
            checked,
        });
    }
    Ok(out)
}

/// Imports a feed in one transaction: every entry it can read is written
/// (new slugs created, known slugs updated), every other one reported.
pub async fn import(
    db: &Db,
    bytes: &[u8],
    opts: &ImportOptions,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ImportReport, ImportError> {
    if bytes.len() > MAX_FEED_BYTES {
        return Err(ImportError::TooLarge);
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| ImportError::NotJson(e.to_string()))?;
    let Value::Array(entries) = value else {
        return Err(ImportError::NotArray);
    };
    if entries.is_empty() {
        return Err(ImportError::Empty);
    }
    if entries.len() > MAX_ENTRIES {
        return Err(ImportError::TooMany);
    }
    let mut report = ImportReport {
        entries: entries.len(),
        ..ImportReport::default()
    };
    let mut planned: Vec<Planned> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (index, v) in entries.iter().enumerate() {
        match read_entry(index, v, opts, &mut report.warnings) {
            Ok(list) => {
                if let Some(dup) = list.iter().find(|p| seen.contains(&p.slug)) {
                    report.rejected.push(Rejected {
                        index,
                        slug: Some(dup.slug.clone()),
                        field: "slug".into(),
                        reason: "is used by an earlier entry in this feed".into(),
                    });
                    continue;
                }
                for p in &list {
                    seen.insert(p.slug.clone());
                }
                planned.extend(list);
            }
            Err((slug, field, reason)) => report.rejected.push(Rejected {
                index,
                slug,
                field,
                reason,
            }),
        }
    }
    let now = chrono::Utc::now();
    let mut tx = db.begin_write().await?;
    let existing: HashSet<String> = existing_slugs(&mut tx).await?.into_iter().collect();
    let mut groups_by_name: HashMap<String, Uuid> = HashMap::new();
    let total = planned.len();
    for (i, p) in planned.iter().enumerate() {
        let group = match groups_by_name.get(&p.group) {
            Some(g) => *g,
            None => {
                let (g, created) = imported_group(&mut tx, &p.group, opts.organiser, now).await?;
                report.groups_created += usize::from(created);
                groups_by_name.insert(p.group.clone(), g);
                g
            }
        };
        store::upsert(&mut tx, Uuid::new_v4(), group, &p.slug, &p.checked, now).await?;
        if existing.contains(&p.slug) {
            report.updated += 1;
        } else {
            report.created += 1;
        }
        if i % 250 == 0 || i + 1 == total {
            progress(i + 1, total);
        }
    }
    tx.commit().await?;
    Ok(report)
}

async fn existing_slugs(tx: &mut Tx) -> sqlx::Result<Vec<String>> {
    on_tx!(tx, |x| sqlx::query_scalar("select slug from meeting")
        .fetch_all(x)
        .await)
}

/// The group an import keeps a name's meetings in: found by name among
/// imported groups (so a re-import updates it), else made (public; joined
/// by invite until an organiser takes it on).
async fn imported_group(
    tx: &mut Tx,
    name: &str,
    organiser: Option<MemberId>,
    now: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<(Uuid, bool)> {
    const FIND: &str =
        "select id from peer_group where imported and name = $1 order by created_at limit 1";
    let name: String = name.chars().take(crate::groups::model::NAME_MAX).collect();
    let found: Option<Uuid> = on_tx!(tx, |x| sqlx::query_scalar(FIND)
        .bind(&name)
        .fetch_optional(x)
        .await)?;
    if let Some(id) = found {
        return Ok((id, false));
    }
    let base = slugify(&name);
    let taken = groups::slugs_like(tx, groups::Table::Groups, &base).await?;
    let slug = groups::free_slug(&base, &taken);
    let id = Uuid::new_v4();
    let g = groups::NewGroup {
        id,
        slug: &slug,
        name: &name,
        kind: "community",
        formal: true,
        visibility: "public",
        join_policy: if organiser.is_some() {
            "request"
        } else {
            "invite"
        },
        about: "",
        contact_email: "",
        contact_public: false,
        imported: true,
        created_by: organiser,
    };
    groups::insert_group(tx, &g, now).await?;
    if let Some(o) = organiser {
        groups::upsert_member(tx, id, o, "organiser", "active", now).await?;
    }
    Ok((id, true))
}

/// Every field of an export that an import of it should reproduce, for
/// round-trip checks.
pub fn comparable(m: &FeedMeeting) -> BTreeMap<&'static str, String> {
    let mut f = BTreeMap::new();
    f.insert("name", m.name.clone());
    f.insert("slug", m.slug.clone());
    f.insert("day", m.day.to_string());
    f.insert("time", m.time.clone());
    f.insert("end_time", m.end_time.clone());
    f.insert("timezone", m.timezone.clone());
    f.insert("formatted_address", m.formatted_address.clone());
    f.insert("approximate", m.approximate.clone());
    f.insert("types", m.types.join(","));
    f.insert("conference_url", m.conference_url.clone());
    f.insert("conference_phone", m.conference_phone.clone());
    f.insert("notes", m.notes.clone());
    f.insert("group", m.group.clone());
    f
}

/// The default `end_time` of an entry without one: an hour after it starts.
pub fn default_end(time: &str) -> Option<String> {
    model::parse_time(time).map(|t| (t + Duration::hours(1)).format("%H:%M").to_string())
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    #[test]
    fn the_update_time_is_written_as_the_spec_shows_it() {
        for t in [
            Utc.with_ymd_and_hms(2026, 1, 5, 7, 3, 9).unwrap(),
            Utc.with_ymd_and_hms(999, 12, 31, 23, 59, 59).unwrap(),
        ] {
            assert_eq!(
                super::feed_time(t),
                t.format("%Y-%m-%d %H:%M:%S").to_string()
            );
        }
        assert_eq!(
            super::feed_time(Utc.with_ymd_and_hms(2026, 1, 5, 7, 3, 9).unwrap()),
            "2026-01-05 07:03:09"
        );
    }
}
