//! Risk signals: a check-in pattern that suggests a hard time.
//!
//! * **High craving**: a craving of 8 or more. The episode is the run of
//!   consecutive days with such cravings; it fires on the run's first day.
//! * **Low mood**: a mood of 2 or less three days running. The episode is
//!   the run; it fires on its third day.
//! * **Silence**: no check-in for three whole local days after a streak of
//!   seven or more. A job per member, moved by every check-in, is due at the
//!   start of the fourth day; the episode is the streak's last day.
//!
//! A signal prompts the member (a notice and a banner with a one-tap
//! reach-out and the crisis link). Only if they opted in, their reach-out
//! list gets a gentle notice, "{handle} might appreciate hearing from you",
//! with no numbers or notes. `risk_signal` fences each episode: it fires
//! once, however often the check-in is edited or the job retried.

use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::store;
use crate::{
    accounts::MemberId,
    app::AppState,
    db::Tx,
    jobs::{Announce, Job, queue},
    notices::{self, NewNotice},
    time::{local_today, parse_time_zone, start_of_local_day},
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    HighCraving,
    LowMood,
    Silence,
}

pub const HIGH_CRAVING: i32 = 8;
pub const LOW_MOOD: i32 = 2;
pub const LOW_MOOD_DAYS: usize = 3;
pub const SILENCE_DAYS: u64 = 3;
pub const SILENCE_AFTER_STREAK: usize = 7;

impl Rule {
    pub const ALL: [Rule; 3] = [Self::HighCraving, Self::LowMood, Self::Silence];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::HighCraving => "high_craving",
            Self::LowMood => "low_mood",
            Self::Silence => "silence",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The rule in plain words, for the page that explains it.
    pub fn explanation(self) -> &'static str {
        match self {
            Self::HighCraving => {
                "When you rate a craving 8 or more. It counts once for a run of days with strong cravings, not once a day."
            }
            Self::LowMood => {
                "When your mood is 2 or less three days in a row. It counts once for the run."
            }
            Self::Silence => {
                "When you have checked in 7 days or more in a row and then don't check in for 3 days. It counts once, on the fourth morning."
            }
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::HighCraving => "A strong craving",
            Self::LowMood => "A few hard days",
            Self::Silence => "Quiet after a streak",
        }
    }
}

/// Length of the run of consecutive days ending at `day` among `dates`
/// (newest first).
pub fn run_ending(dates: &[NaiveDate], day: NaiveDate) -> usize {
    let mut expect = day;
    let mut n = 0;
    for d in dates.iter().copied().skip_while(|d| *d > day) {
        if d != expect {
            break;
        }
        n += 1;
        match expect.pred_opt() {
            Some(p) => expect = p,
            None => break,
        }
    }
    n
}

/// The signals a check-in saved today raises, with their episodes. `recent`
/// is `(date, mood, craving)`, newest first, today's included.
pub fn on_save(today: NaiveDate, recent: &[(NaiveDate, i32, i32)]) -> Vec<(Rule, NaiveDate)> {
    // The run of consecutive days ending today where `hit` holds.
    let run = |hit: &dyn Fn(i32, i32) -> bool| -> Vec<NaiveDate> {
        let mut expect = today;
        let mut days = Vec::new();
        for &(d, mood, craving) in recent.iter().skip_while(|r| r.0 > today) {
            if d != expect || !hit(mood, craving) {
                break;
            }
            days.push(d);
            match expect.pred_opt() {
                Some(p) => expect = p,
                None => break,
            }
        }
        days
    };
    let mut signals = Vec::new();
    let craving = run(&|_, c| c >= HIGH_CRAVING);
    if let Some(start) = craving.last() {
        signals.push((Rule::HighCraving, *start));
    }
    let mood = run(&|m, _| m <= LOW_MOOD);
    if mood.len() >= LOW_MOOD_DAYS
        && let Some(start) = mood.last()
    {
        signals.push((Rule::LowMood, *start));
    }
    signals
}

/// Records a signal's episode and, the first time, prompts the member and
/// (if they opted in) nudges their reach-out list. Returns the live events.
pub async fn fire(
    tx: &mut Tx,
    member: MemberId,
    handle: &str,
    rule: Rule,
    episode: NaiveDate,
    now: DateTime<Utc>,
) -> anyhow::Result<Announce> {
    let nudge = store::nudge_list_in_tx(tx, member).await?;
    if !store::fire_signal(tx, member, rule.as_str(), episode, nudge, now).await? {
        return Ok(Vec::new());
    }
    let mut announce = Vec::new();
    let key = format!("risk:{member}:{}:{episode}", rule.as_str());
    let prompt = NewNotice {
        member,
        kind: "risk_prompt",
        payload: serde_json::json!({ "rule": rule.as_str() }),
        dedupe_key: &key,
    };
    announce.extend(notices::notify(tx, &prompt, now).await?);
    if nudge {
        let list = store::reach_out_list(tx, member).await?;
        let keys: Vec<String> = list.iter().map(|to| format!("{key}:{to}")).collect();
        let nudges: Vec<NewNotice<'_>> = list
            .iter()
            .zip(&keys)
            .map(|(to, k)| NewNotice {
                member: *to,
                kind: "risk_nudge",
                payload: serde_json::json!({ "from": handle }),
                dedupe_key: k,
            })
            .collect();
        announce.extend(notices::notify_many(tx, &nudges, now).await?);
    }
    Ok(announce)
}

/// The silence check for a member whose last check-in was on `last`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SilenceCheck {
    pub member_id: MemberId,
    pub last: NaiveDate,
}

pub fn silence_key(member: MemberId) -> String {
    format!("checkin_silence:{member}")
}

/// Moves the member's silence check after a check-in on `last`, when the
/// streak it ends is long enough to count.
pub async fn schedule_silence(
    tx: &mut Tx,
    member: MemberId,
    last: NaiveDate,
    streak: usize,
    tz: Tz,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    match silence_plan(member, last, streak, tz)? {
        Silence::Cancel(key) => queue::cancel(tx, &key).await?,
        Silence::Move(job) => queue::enqueue(tx, &job, now).await?,
        Silence::Keep => {}
    }
    Ok(())
}

/// [`schedule_silence`] in an inline unit of SQLite's group writer.
pub fn schedule_silence_inline(
    conn: &rusqlite::Connection,
    member: MemberId,
    last: NaiveDate,
    streak: usize,
    tz: Tz,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    let plan = silence_plan(member, last, streak, tz)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
    match plan {
        Silence::Cancel(key) => queue::inline::cancel(conn, &key),
        Silence::Move(job) => queue::inline::enqueue(conn, &job, now),
        Silence::Keep => Ok(()),
    }
}

/// What a check-in on `last` does to the member's silence check.
enum Silence {
    /// The streak is too short to count: no check.
    Cancel(String),
    /// Due at the start of the fourth local day after `last`.
    Move(queue::NewJob),
    /// Past the calendar's end: leave it.
    Keep,
}

fn silence_plan(
    member: MemberId,
    last: NaiveDate,
    streak: usize,
    tz: Tz,
) -> anyhow::Result<Silence> {
    if streak < SILENCE_AFTER_STREAK {
        return Ok(Silence::Cancel(silence_key(member)));
    }
    let Some(due_day) = last.checked_add_days(Days::new(SILENCE_DAYS + 1)) else {
        return Ok(Silence::Keep);
    };
    let job = SilenceCheck {
        member_id: member,
        last,
    };
    Ok(Silence::Move(queue::NewJob::of(
        &job,
        start_of_local_day(due_day, tz),
        Some(silence_key(member)),
    )?))
}

impl Job for SilenceCheck {
    const KIND: &'static str = "checkin_silence";

    async fn run(self, state: &AppState, tx: &mut Tx) -> anyhow::Result<Announce> {
        let now = state.clock.now();
        let Some((handle, zone)) = store::handle_and_zone(tx, self.member_id).await? else {
            return Ok(Vec::new()); // the account is gone
        };
        let dates = store::dates_in_tx(tx, self.member_id).await?;
        if dates.first() != Some(&self.last) {
            return Ok(Vec::new()); // a later check-in moved the job
        }
        let tz = parse_time_zone(&zone).unwrap_or(Tz::UTC);
        let today = local_today(now, tz);
        let due_day = self.last.checked_add_days(Days::new(SILENCE_DAYS + 1));
        if due_day.is_some_and(|d| today < d) {
            // The member moved west since: not the fourth morning there yet.
            let streak = run_ending(&dates, self.last);
            schedule_silence(tx, self.member_id, self.last, streak, tz, now).await?;
            return Ok(Vec::new());
        }
        if run_ending(&dates, self.last) < SILENCE_AFTER_STREAK {
            return Ok(Vec::new());
        }
        fire(tx, self.member_id, &handle, Rule::Silence, self.last, now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default()
    }

    #[test]
    fn runs_need_consecutive_days() {
        let dates = [day(10), day(9), day(8), day(6), day(5)];
        assert_eq!(run_ending(&dates, day(10)), 3);
        assert_eq!(run_ending(&dates, day(6)), 2);
        assert_eq!(run_ending(&dates, day(7)), 0);
    }

    #[test]
    fn craving_episode_is_the_run_start() {
        let recent = [(day(10), 3, 9), (day(9), 3, 8), (day(8), 3, 2)];
        assert_eq!(on_save(day(10), &recent), vec![(Rule::HighCraving, day(9))]);
        assert!(on_save(day(10), &[(day(10), 3, 7)]).is_empty());
    }

    #[test]
    fn low_mood_needs_three_days_running() {
        let two = [(day(10), 2, 0), (day(9), 1, 0), (day(7), 1, 0)];
        assert!(on_save(day(10), &two).is_empty());
        let three = [
            (day(10), 2, 0),
            (day(9), 1, 0),
            (day(8), 2, 0),
            (day(7), 4, 0),
        ];
        assert_eq!(on_save(day(10), &three), vec![(Rule::LowMood, day(8))]);
    }
}
