//! Discovery's rules, as pure functions: recovery stages, scores, and the
//! plain-words reasons shown with each person. They see only a `Card`,
//! which holds nothing its member keeps from members.

use chrono::{DateTime, Days, Months, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::{
    circle::duty,
    profile::{Focus, Pathway},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Peers,
    Mentors,
    Listeners,
    Professionals,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::Peers,
        Kind::Mentors,
        Kind::Listeners,
        Kind::Professionals,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Peers => "peers",
            Kind::Mentors => "mentors",
            Kind::Listeners => "listeners",
            Kind::Professionals => "professionals",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Peers => "Peers",
            Kind::Mentors => "Mentors",
            Kind::Listeners => "Listeners",
            Kind::Professionals => "Professionals",
        }
    }
}

/// Where someone is in recovery, from their longest shared clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    First30,
    To90,
    ToYear,
    ToFiveYears,
    FivePlus,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::First30,
        Stage::To90,
        Stage::ToYear,
        Stage::ToFiveYears,
        Stage::FivePlus,
    ];

    pub fn of(start: NaiveDate, today: NaiveDate) -> Stage {
        Self::ALL
            .into_iter()
            .find(|s| s.range(today).0 <= start)
            .unwrap_or(Stage::FivePlus)
    }

    /// The start dates (inclusive) that put someone in this stage today.
    pub fn range(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        // Clocks start in 1900 or later, and PostgreSQL dates stop far short
        // of chrono's minimum: that is the floor.
        let floor = crate::clocks::model::earliest_start();
        let days = |n| today.checked_sub_days(Days::new(n)).unwrap_or(floor);
        let months = |n| today.checked_sub_months(Months::new(n)).unwrap_or(floor);
        let after = |d: NaiveDate| d.succ_opt().unwrap_or(d);
        match self {
            Stage::First30 => (after(days(30)), today),
            Stage::To90 => (after(days(90)), days(30)),
            Stage::ToYear => (after(months(12)), days(90)),
            Stage::ToFiveYears => (after(months(60)), months(12)),
            Stage::FivePlus => (floor, months(60)),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Stage::First30 => "first 30 days",
            Stage::To90 => "30 to 90 days",
            Stage::ToYear => "90 days to 1 year",
            Stage::ToFiveYears => "1 to 5 years",
            Stage::FivePlus => "5 years or more",
        }
    }

    fn index(self) -> i32 {
        Self::ALL.iter().position(|s| *s == self).unwrap_or(0) as i32
    }
}

/// The stage date used for members who keep their clocks from members:
/// they sort after everyone else and match no stage range.
pub fn unknown_stage() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// What discovery knows of a member: only what they let members see.
#[derive(Clone, Debug, PartialEq)]
pub struct Card {
    pub handle: String,
    /// Their longest clock's start, when clocks are visible to members.
    pub stage_start: Option<NaiveDate>,
    pub focus: Vec<String>,
    pub pathway: Vec<String>,
    pub languages: Vec<String>,
    pub time_zone: String,
    pub mentor_spare: i32,
    pub listener: bool,
    pub duty_hours: String,
    /// Non-empty only once verified.
    pub professional_title: String,
}

/// What the viewer brings: their own data, used only to rank for them.
#[derive(Clone, Debug, Default)]
pub struct Seeker {
    pub stage_start: Option<NaiveDate>,
    pub focus: Vec<String>,
    pub pathway: Vec<String>,
    pub languages: Vec<String>,
    pub time_zone: Option<Tz>,
}

fn offset_minutes(tz: Tz, now: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&now.naive_utc())
        .fix()
        .local_minus_utc()
        / 60
}

fn shared<'a>(a: &'a [String], b: &[String]) -> Vec<&'a str> {
    a.iter()
        .filter(|x| b.contains(x))
        .map(String::as_str)
        .collect()
}

fn language_name(code: &str) -> &str {
    match code.split('-').next().unwrap_or(code) {
        "en" => "English",
        "es" => "Spanish",
        "fr" => "French",
        "de" => "German",
        "pt" => "Portuguese",
        "it" => "Italian",
        "nl" => "Dutch",
        "pl" => "Polish",
        "uk" => "Ukrainian",
        "ru" => "Russian",
        "ar" => "Arabic",
        "zh" => "Chinese",
        "ja" => "Japanese",
        "ko" => "Korean",
        "hi" => "Hindi",
        "vi" => "Vietnamese",
        "tl" => "Tagalog",
        _ => code,
    }
}

fn join_words(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A score to rank by and the reasons to show, for one card.
pub fn assess(
    kind: Kind,
    seeker: &Seeker,
    card: &Card,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> (i32, Vec<String>) {
    let mut score = 0;
    let mut reasons = Vec::new();
    let their_stage = card.stage_start.map(|s| Stage::of(s, today));
    let my_stage = seeker.stage_start.map(|s| Stage::of(s, today));
    match kind {
        Kind::Peers => match (their_stage, my_stage) {
            (Some(t), Some(m)) if t == m => {
                score += 100;
                reasons.push(format!("{} like you", t.label()));
            }
            (Some(t), Some(m)) => {
                score += 40 - 15 * (t.index() - m.index()).abs().min(2);
                reasons.push(t.label().to_owned());
            }
            (Some(t), None) => reasons.push(t.label().to_owned()),
            _ => {}
        },
        Kind::Mentors => {
            if let Some(start) = card.stage_start {
                let years = today.years_since(start).unwrap_or(0);
                score += (years as i32).min(20);
                reasons.push(match years {
                    0 | 1 => "over a year in recovery".to_owned(),
                    n => format!("{n} years in recovery"),
                });
            }
            score += card.mentor_spare.min(5);
            reasons.push(match card.mentor_spare {
                1 => "room for 1 more mentee".to_owned(),
                n => format!("room for {n} more mentees"),
            });
        }
        Kind::Listeners => {
            if duty::text_on_duty(
                &card.duty_hours,
                crate::time::parse_time_zone(&card.time_zone).unwrap_or(Tz::UTC),
                now,
            ) {
                score += 100;
                reasons.push("on duty now".to_owned());
            } else if !card.duty_hours.is_empty() {
                reasons.push(format!("on duty {}", card.duty_hours));
            }
        }
        Kind::Professionals => reasons.push(format!("verified: {}", card.professional_title)),
    }

    let focus = shared(&card.focus, &seeker.focus);
    let pathway = shared(&card.pathway, &seeker.pathway);
    score += 20 * focus.len().min(2) as i32 + 10 * pathway.len().min(2) as i32;
    let mut topics: Vec<&str> = focus
        .iter()
        .filter_map(|f| Focus::parse(f))
        .map(|f| f.label())
        .collect();
    topics.extend(
        pathway
            .iter()
            .filter_map(|p| Pathway::parse(p))
            .map(|p| p.label()),
    );
    if !topics.is_empty() {
        let lowered: Vec<String> = topics.iter().map(|t| lower_first(t)).collect();
        let refs: Vec<&str> = lowered.iter().map(String::as_str).collect();
        reasons.push(format!("shares {}", join_words(&refs)));
    }
    let languages = shared(&card.languages, &seeker.languages);
    if !languages.is_empty() {
        score += 8;
        let names: Vec<&str> = languages.iter().map(|l| language_name(l)).collect();
        reasons.push(format!("speaks {}", join_words(&names)));
    }
    if let (Some(mine), Some(theirs)) = (
        seeker.time_zone,
        crate::time::parse_time_zone(&card.time_zone),
    ) {
        let hours = (offset_minutes(mine, now) - offset_minutes(theirs, now)).abs() as f64 / 60.0;
        let rounded = hours.round() as i32;
        score += match rounded {
            0 => 6,
            1 => 4,
            2 | 3 => 2,
            _ => 0,
        };
        reasons.push(match rounded {
            0 => "same time zone".to_owned(),
            n => format!("{n} h apart"),
        });
    }
    (score, reasons)
}

/// "SMART Recovery" stays as written; "Alcohol" reads "alcohol" mid-sentence.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if a.is_uppercase() && b.is_lowercase() => a
            .to_lowercase()
            .chain(std::iter::once(b))
            .chain(chars)
            .collect(),
        _ => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn card(stage: Option<&str>) -> Card {
        Card {
            handle: "sky".into(),
            stage_start: stage.map(d),
            focus: vec!["alcohol".into()],
            pathway: vec!["smart".into()],
            languages: vec!["en".into(), "es".into()],
            time_zone: "America/Chicago".into(),
            mentor_spare: 2,
            listener: false,
            duty_hours: String::new(),
            professional_title: String::new(),
        }
    }

    #[test]
    fn stages_cover_every_start_date_without_gaps() {
        let today = d("2026-06-15");
        assert_eq!(Stage::of(today, today), Stage::First30);
        assert_eq!(Stage::of(d("2026-05-17"), today), Stage::First30, "29 days");
        assert_eq!(Stage::of(d("2026-05-16"), today), Stage::To90, "30 days");
        assert_eq!(Stage::of(d("2026-03-18"), today), Stage::To90, "89 days");
        assert_eq!(Stage::of(d("2026-03-17"), today), Stage::ToYear, "90 days");
        assert_eq!(Stage::of(d("2025-06-16"), today), Stage::ToYear);
        assert_eq!(
            Stage::of(d("2025-06-15"), today),
            Stage::ToFiveYears,
            "a year"
        );
        assert_eq!(Stage::of(d("2021-06-15"), today), Stage::FivePlus);
        for s in Stage::ALL {
            let (lo, hi) = s.range(today);
            assert!(lo <= hi, "{s:?}");
            assert_eq!(Stage::of(lo, today), s);
            assert_eq!(Stage::of(hi, today), s);
        }
    }

    #[test]
    fn peers_at_my_stage_sharing_my_focus_are_explained_in_plain_words() {
        let seeker = Seeker {
            stage_start: Some(d("2026-04-01")),
            focus: vec!["alcohol".into()],
            pathway: vec!["smart".into()],
            languages: vec!["en".into()],
            time_zone: Some(chrono_tz::America::New_York),
        };
        let now: DateTime<Utc> = "2026-06-15T12:00:00Z".parse().unwrap();
        let (score, reasons) = assess(
            Kind::Peers,
            &seeker,
            &card(Some("2026-04-20")),
            d("2026-06-15"),
            now,
        );
        assert_eq!(
            reasons,
            [
                "30 to 90 days like you",
                "shares alcohol and SMART Recovery",
                "speaks English",
                "1 h apart"
            ]
        );
        let (other, _) = assess(
            Kind::Peers,
            &seeker,
            &card(Some("2020-01-01")),
            d("2026-06-15"),
            now,
        );
        assert!(score > other);
        let (_, hidden) = assess(Kind::Peers, &seeker, &card(None), d("2026-06-15"), now);
        assert!(
            !hidden
                .iter()
                .any(|r| r.contains("days") || r.contains("year")),
            "{hidden:?}"
        );
    }

    #[test]
    fn mentors_say_how_long_and_how_much_room() {
        let now: DateTime<Utc> = "2026-06-15T12:00:00Z".parse().unwrap();
        let (_, reasons) = assess(
            Kind::Mentors,
            &Seeker::default(),
            &card(Some("2023-01-01")),
            d("2026-06-15"),
            now,
        );
        assert_eq!(
            reasons[..2],
            [
                "3 years in recovery".to_owned(),
                "room for 2 more mentees".to_owned()
            ]
        );
    }

    #[test]
    fn listeners_on_duty_now_come_first() {
        let now: DateTime<Utc> = "2026-11-23T15:30:00Z".parse().unwrap(); // Monday 09:30 in Chicago
        let mut on = card(None);
        on.listener = true;
        on.duty_hours = "Mon-Fri 09:00-17:00".into();
        let mut off = on.clone();
        off.duty_hours = "Sat 09:00-17:00".into();
        let (a, ra) = assess(
            Kind::Listeners,
            &Seeker::default(),
            &on,
            d("2026-11-23"),
            now,
        );
        let (b, rb) = assess(
            Kind::Listeners,
            &Seeker::default(),
            &off,
            d("2026-11-23"),
            now,
        );
        assert!(a > b);
        assert_eq!(ra[0], "on duty now");
        assert_eq!(rb[0], "on duty Sat 09:00-17:00");
    }

    #[test]
    fn words_join_naturally() {
        assert_eq!(join_words(&["a"]), "a");
        assert_eq!(join_words(&["a", "b", "c"]), "a, b and c");
        assert_eq!(lower_first("Alcohol"), "alcohol");
        assert_eq!(lower_first("SMART Recovery"), "SMART Recovery");
        assert_eq!(lower_first("12-step"), "12-step");
    }
}
