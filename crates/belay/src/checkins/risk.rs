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

/// The signals a check-in saved on `today` raises, with their episodes,
/// from the member's check-ins `(date, mood, craving)` taken newest first
/// (today's included): each rule's episode is its run of consecutive days
/// ending today, so the check-ins are read back only as far as a run goes
/// on, usually today's alone.
pub struct Runs {
    today: NaiveDate,
    craving: DayRun,
    mood: DayRun,
}

/// A run of consecutive days, back from today, on which a rule held.
struct DayRun {
    /// The day the run needs next; `None` once it has ended.
    expect: Option<NaiveDate>,
    /// Its earliest day so far, and how many.
    first: Option<NaiveDate>,
    days: usize,
}

impl DayRun {
    fn take(&mut self, day: NaiveDate, holds: bool) {
        if let Some(expect) = self.expect {
            if day == expect && holds {
                self.first = Some(day);
                self.days += 1;
                self.expect = day.pred_opt();
            } else {
                self.expect = None;
            }
        }
    }
}

impl Runs {
    pub fn new(today: NaiveDate) -> Self {
        let run = || DayRun {
            expect: Some(today),
            first: None,
            days: 0,
        };
        Self {
            today,
            craving: run(),
            mood: run(),
        }
    }

    /// Takes the next check-in back; false once no run can go on (read no
    /// more).
    pub fn take(&mut self, (day, mood, craving): (NaiveDate, i32, i32)) -> bool {
        // A later day (the member moved east since) is no part of a run
        // back from today.
        if day <= self.today {
            self.craving.take(day, craving >= HIGH_CRAVING);
            self.mood.take(day, mood <= LOW_MOOD);
        }
        self.craving.expect.is_some() || self.mood.expect.is_some()
    }

    pub fn signals(&self) -> Vec<(Rule, NaiveDate)> {
        let mut signals = Vec::new();
        if let Some(start) = self.craving.first {
            signals.push((Rule::HighCraving, start));
        }
        if self.mood.days >= LOW_MOOD_DAYS
            && let Some(start) = self.mood.first
        {
            signals.push((Rule::LowMood, start));
        }
        signals
    }

    /// The signals from check-ins read one at a time, newest first, no
    /// further than the runs go.
    pub fn read<E>(
        today: NaiveDate,
        checkins: impl IntoIterator<Item = Result<(NaiveDate, i32, i32), E>>,
    ) -> Result<Vec<(Rule, NaiveDate)>, E> {
        let mut runs = Self::new(today);
        for checkin in checkins {
            if !runs.take(checkin?) {
                break;
            }
        }
        Ok(runs.signals())
    }
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
        about: None,
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
                about: Some(member),
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
        let run = store::run_in_tx(tx, self.member_id).await?;
        let Some(run) = run.filter(|r| r.run_end == self.last) else {
            return Ok(Vec::new()); // a later check-in moved the job
        };
        let streak = usize::try_from(run.days()).unwrap_or(0);
        let tz = parse_time_zone(&zone).unwrap_or(Tz::UTC);
        let today = local_today(now, tz);
        let due_day = self.last.checked_add_days(Days::new(SILENCE_DAYS + 1));
        if due_day.is_some_and(|d| today < d) {
            // The member moved west since: not the fourth morning there yet.
            schedule_silence(tx, self.member_id, self.last, streak, tz, now).await?;
            return Ok(Vec::new());
        }
        if streak < SILENCE_AFTER_STREAK {
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

    fn on_save(today: NaiveDate, recent: &[(NaiveDate, i32, i32)]) -> Vec<(Rule, NaiveDate)> {
        Runs::read(today, recent.iter().map(|r| Ok::<_, ()>(*r))).unwrap_or_default()
    }

    #[test]
    fn craving_episode_is_the_run_start() {
        let recent = [(day(10), 3, 9), (day(9), 3, 8), (day(8), 3, 2)];
        assert_eq!(on_save(day(10), &recent), vec![(Rule::HighCraving, day(9))]);
        assert!(on_save(day(10), &[(day(10), 3, 7)]).is_empty());
        // A later day (moved east since) is passed over.
        let east = [(day(11), 3, 1), (day(10), 3, 9), (day(9), 3, 2)];
        assert_eq!(on_save(day(10), &east), vec![(Rule::HighCraving, day(10))]);
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

    #[test]
    fn check_ins_are_read_only_as_far_as_a_run_goes() {
        // Today ordinary: one check-in read, however long the history.
        let mut runs = Runs::new(day(20));
        assert!(!runs.take((day(20), 4, 1)));
        // Both runs going: read on until both end.
        let mut runs = Runs::new(day(20));
        assert!(runs.take((day(20), 1, 9)));
        assert!(runs.take((day(19), 2, 2)), "the low mood run goes on");
        assert!(!runs.take((day(17), 1, 9)), "a missed day ends both");
        assert_eq!(runs.signals(), vec![(Rule::HighCraving, day(20))]);
        // An error while reading ends the read with it.
        let read = Runs::read(
            day(20),
            [Ok((day(20), 1, 9)), Err("disk"), Ok((day(19), 1, 9))],
        );
        assert_eq!(read, Err("disk"));
    }
}
