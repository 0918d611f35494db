//! `belay demo`: realistic synthetic members for trying Belay out and for
//! benchmarks. Nobody in it is real; every handle ends in a number.

use std::sync::Arc;

use anyhow::Context;
use chrono::{Days, NaiveDate};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::types::Json;
use uuid::Uuid;

use crate::{
    accounts::{MemberId, password::hash_blocking, store as accounts_store},
    app::AppState,
    checkins::{store as checkin_store, streak as checkin_streak},
    circle::store as circle_store,
    clocks::{jobs::schedule_next, model::ClockId, store as clocks_store},
    config::Config,
    discovery,
    feed::store as feed,
    profile::{Focus, Pathway, Visibility, store as profile_store},
    time::{COMMON_ZONES, SystemClock, local_today, parse_time_zone},
};

/// The password every demo member shares (printed at the end).
pub const DEMO_PASSWORD: &str = "demo password for belay";
const BATCH: usize = 500;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many members to create.
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub members: u32,
    /// Seed for the generator; the same seed gives the same instance.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Daily check-ins per member (the last N local days), with a goal and
    /// its progress in the feed.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=366))]
    pub checkins: u32,
    /// Connections for the first member, each sharing clocks, check-ins and
    /// goals both ways (a home page with a full circle feed).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub circle: u32,
    /// Posts in one public group ("demo-group", the first member its
    /// organiser and the first 50 members in it), ten to a thread.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u32).range(0..=2_000_000))]
    pub group_posts: u32,
}

/// A small deterministic generator (SplitMix64): synthetic data needs
/// repeatability, not secrecy.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const ADJECTIVES: &[&str] = &[
    "quiet", "steady", "brave", "gentle", "morning", "hopeful", "patient", "calm", "kind",
    "bright", "open", "still", "honest", "warm", "rising", "clear",
];
const NOUNS: &[&str] = &[
    "river", "harbor", "cedar", "sparrow", "meadow", "lantern", "summit", "willow", "tide",
    "ember", "compass", "anchor", "trail", "heron", "maple", "stone",
];
const BIOS: &[&str] = &[
    "Taking it one day at a time. Coffee, long walks and meetings keep me going.",
    "Parent of two, working nights. Looking for people who get it.",
    "Back after a reset and more determined than ever.",
    "Old-timer happy to listen. Been where you are.",
    "New to this and a bit nervous about it, honestly.",
    "Runner, reader, recovering perfectionist.",
    "Student trying to stay on track through exams.",
    "Here to give back what was given to me.",
];
const SEEKING: &[&str] = &[
    "Someone to check in with in the evenings.",
    "People in their first 90 days like me.",
    "A mentor who has a few years behind them.",
    "Company for meetings in town.",
    "",
];
const OFFERING: &[&str] = &[
    "A listening ear, most evenings.",
    "Rides to meetings on weekends.",
    "Sharing what worked for me in early recovery.",
    "",
];
const DUTY: &[&str] = &[
    "Mon-Fri 22:00-02:00",
    "Sat,Sun 10:00-16:00",
    "Mon-Fri 09:00-17:00",
    "daily 18:00-23:00",
    "Tue,Thu 06:00-09:00",
];
const TITLES: &[&str] = &[
    "Licensed clinical social worker",
    "Certified peer recovery specialist",
    "Addiction counsellor",
    "Clinical psychologist",
];
const LABELS: &[(&str, Focus)] = &[
    ("alcohol", Focus::Alcohol),
    ("opioids", Focus::Opioids),
    ("gambling", Focus::Gambling),
    ("nicotine", Focus::Nicotine),
    ("cannabis", Focus::Cannabis),
    ("stimulants", Focus::Stimulants),
    ("self-harm free", Focus::Depression),
];

fn visibility(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=4 => Visibility::Members,
        5..=7 => Visibility::Circle,
        _ => Visibility::Me,
    }
    .as_str()
    .to_owned()
}

/// Days clean, skewed towards the early months where most members are.
fn days_clean(rng: &mut Rng) -> u64 {
    match rng.below(10) {
        0..=3 => rng.below(90) as u64,
        4..=6 => 90 + rng.below(275) as u64,
        7..=8 => 365 + rng.below(4 * 365) as u64,
        _ => 5 * 365 + rng.below(20 * 365) as u64,
    }
}

pub async fn run(config: Config, args: DemoArgs) -> anyhow::Result<()> {
    let state = AppState::build(config, Arc::new(SystemClock)).await?;
    let hash = tokio::task::spawn_blocking(|| hash_blocking(DEMO_PASSWORD)).await??;
    let mut rng = Rng(args.seed);
    let total = args.members as usize;
    let bar = ProgressBar::new(total as u64).with_style(
        ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} members ({eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("creating");
    let mut created = 0;
    let mut first = Vec::new();
    while created < total {
        let n = BATCH.min(total - created);
        let ids = insert_batch(&state, &mut rng, created, n, &hash, args.checkins).await?;
        if first.len() <= args.circle as usize {
            first.extend(ids.into_iter().take(args.circle as usize + 1 - first.len()));
        }
        created += n;
        bar.set_position(created as u64);
    }
    bar.finish_with_message("done");
    if let Some((&me, others)) = first.split_first()
        && !others.is_empty()
    {
        insert_circle(&state, me, others).await?;
        println!(
            "the first member has {} connections sharing everything",
            others.len()
        );
    }
    if args.group_posts > 0 {
        let first = crate::accounts::normalize_handle(&handle_for(&mut Rng(args.seed), 0));
        let members: Vec<MemberId> = first_members(&state, &first, 50).await?;
        insert_group_posts(&state, &members, args.group_posts as usize).await?;
        println!("demo-group has {} posts", args.group_posts);
    }
    println!(
        "created {total} demo members (demo_river_1 and others); every one logs in with the password \"{DEMO_PASSWORD}\""
    );
    println!(
        "the first member's handle: {}",
        handle_for(&mut Rng(args.seed), 0)
    );
    state.db.close().await;
    Ok(())
}

fn handle_for(rng: &mut Rng, index: usize) -> String {
    let adjective = rng.pick(ADJECTIVES);
    let noun = rng.pick(NOUNS);
    format!("{adjective}_{noun}_{}", index + 1)
}

async fn insert_batch(
    state: &AppState,
    rng: &mut Rng,
    offset: usize,
    n: usize,
    hash: &str,
    checkins: u32,
) -> anyhow::Result<Vec<MemberId>> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let mut ids = Vec::with_capacity(n);
    let mut days: Vec<DemoCheckin> = Vec::new();
    for i in offset..offset + n {
        let handle = handle_for(rng, i);
        let zone = *rng.pick(COMMON_ZONES);
        let tz = parse_time_zone(zone).unwrap_or(chrono_tz::UTC);
        let id = MemberId(Uuid::new_v4());
        ids.push(id);
        let member = accounts_store::NewMember {
            id,
            handle: &handle,
            password_hash: hash,
            email: None,
            time_zone: zone,
            role: "member",
            now,
        };
        accounts_store::insert_member(&mut tx, &member)
            .await
            .with_context(|| format!("inserting {handle} (is this instance already filled?)"))?;
        profile_store::insert_default(&mut tx, id, now).await?;

        let (label, focus) = *rng.pick(LABELS);
        let mut focus_keys = vec![focus.key().to_owned()];
        if rng.chance(25) {
            focus_keys.push(
                rng.pick(&[Focus::Anxiety, Focus::Depression, Focus::Trauma])
                    .key()
                    .to_owned(),
            );
        }
        let profile = profile_store::ProfileRow {
            discoverable: rng.chance(60),
            focus: Json(focus_keys),
            pathway: Json(vec![rng.pick(Pathway::ALL).key().to_owned()]),
            languages: Json(if rng.chance(20) {
                vec!["en".into(), "es".into()]
            } else {
                vec!["en".into()]
            }),
            bio: rng.pick(BIOS).to_string(),
            seeking: rng.pick(SEEKING).to_string(),
            offering: rng.pick(OFFERING).to_string(),
            vis_focus: visibility(rng),
            vis_pathway: visibility(rng),
            vis_languages: visibility(rng),
            vis_bio: visibility(rng),
            vis_seeking: visibility(rng),
            vis_offering: visibility(rng),
            vis_clocks: visibility(rng),
        };
        profile_store::save(&mut tx, id, &profile, now).await?;

        let today = local_today(now, tz);
        let clocks = if rng.chance(30) { 2 } else { 1 };
        let mut longest = 0;
        for c in 0..clocks {
            let label = if c == 0 { label } else { rng.pick(LABELS).0 };
            let days = days_clean(rng);
            longest = longest.max(days);
            let started: NaiveDate = today.checked_sub_days(Days::new(days)).unwrap_or(today);
            let clock = ClockId(Uuid::new_v4());
            clocks_store::insert(&mut tx, clock, id, label, started, now).await?;
            schedule_next(&mut tx, clock, started, tz, now).await?;
            if checkins > 0
                && let Some((milestone, _)) = crate::clocks::model::latest_reached(started, today)
            {
                feed::record(
                    &mut tx,
                    id,
                    feed::Subject::Milestone(clock),
                    &milestone.label(),
                    &format!("demo-milestone:{clock}"),
                    now,
                )
                .await?;
            }
        }
        if checkins > 0 {
            let base_mood = 2 + rng.below(3) as i32;
            for d in 0..u64::from(checkins) {
                let Some(day) = today.checked_sub_days(Days::new(d)) else {
                    continue;
                };
                days.push(DemoCheckin {
                    member: id,
                    day,
                    mood: (base_mood + rng.below(3) as i32 - 1).clamp(1, 5),
                    craving: rng.below(7) as i32,
                    sleep: 5.0 + rng.below(40) as f64 / 10.0,
                });
            }
            let goal = crate::goals::model::GoalId(Uuid::new_v4());
            let new = crate::goals::model::NewGoal {
                title: rng.pick(GOALS).to_string(),
                why: String::new(),
                cadence: crate::goals::model::Cadence::Daily,
                target: Some(30),
            };
            crate::goals::store::insert(&mut tx, goal, id, &new, now).await?;
            for p in 0..5 {
                let entry =
                    crate::goals::store::add_progress(&mut tx, goal, today, "", now).await?;
                feed::record(
                    &mut tx,
                    id,
                    feed::Subject::GoalProgress(goal),
                    &format!("{} so far", p + 1),
                    &format!("goal_progress:{entry}"),
                    now,
                )
                .await?;
            }
        }
        let professional = rng.chance(2);
        let capacity = circle_store::CapacityRow {
            mentor: longest >= 366 && rng.chance(25),
            mentor_capacity: 1 + rng.below(4) as i32,
            listener: rng.chance(6),
            duty_hours: rng.pick(DUTY).to_string(),
            professional,
            professional_title: rng.pick(TITLES).to_string(),
            professional_licence: format!("Demo licence {}", i + 1),
            verified_at: professional.then_some(now),
        };
        circle_store::save_capacity(&mut tx, id, &capacity, now).await?;
        discovery::service::refresh(&mut tx, id, now).await?;
    }
    for chunk in days.chunks(CHECKIN_ROWS) {
        insert_checkins(&mut tx, chunk, now).await?;
    }
    // Each member's days were pushed together, newest first.
    for member_days in days.chunk_by(|a, b| a.member == b.member) {
        let dates: Vec<NaiveDate> = member_days.iter().map(|c| c.day).collect();
        if let (Some(first), Some(run)) = (member_days.first(), checkin_streak::count(&dates)) {
            checkin_store::set_run(&mut tx, first.member, run).await?;
        }
    }
    tx.commit().await?;
    Ok(ids)
}

const GOALS: &[&str] = &[
    "Walk twenty minutes",
    "Call someone in my circle",
    "Go to a meeting",
    "Journal before bed",
    "Cook a real dinner",
];

struct DemoCheckin {
    member: MemberId,
    day: NaiveDate,
    mood: i32,
    craving: i32,
    sleep: f64,
}

/// Check-ins per insert statement (7 columns: well under SQLite's limit).
const CHECKIN_ROWS: usize = 2000;

async fn insert_checkins(
    tx: &mut crate::db::Tx,
    rows: &[DemoCheckin],
    now: chrono::DateTime<chrono::Utc>,
) -> sqlx::Result<()> {
    let sql = format!(
        "insert into checkin (member_id, local_date, mood, craving, sleep_hours, created_at,
            updated_at) values {}",
        crate::db::values_placeholders(rows.len(), 7)
    );
    macro_rules! bind_all {
        ($q:expr) => {{
            let mut q = $q;
            for r in rows {
                q = q
                    .bind(r.member)
                    .bind(r.day)
                    .bind(r.mood)
                    .bind(r.craving)
                    .bind(r.sleep)
                    .bind(now)
                    .bind(now);
            }
            q
        }};
    }
    match tx {
        crate::db::Tx::Sqlite(t) => {
            bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql.as_str())))
                .execute(&mut **t)
                .await?;
        }
        crate::db::Tx::Postgres(t) => {
            bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql.as_str())))
                .execute(&mut **t)
                .await?;
        }
    }
    Ok(())
}

/// Connects `me` with each of `others`, everything shared both ways, and a
/// note of encouragement from every fifth.
async fn insert_circle(state: &AppState, me: MemberId, others: &[MemberId]) -> anyhow::Result<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let all = crate::circle::Grants {
        clocks: true,
        checkins: true,
        goals: true,
        reach_out: false,
        reach_out_order: None,
    };
    for (i, other) in others.iter().enumerate() {
        let id = crate::circle::model::ConnectionId(Uuid::new_v4());
        circle_store::insert_connection(
            &mut tx,
            id,
            *other,
            me,
            crate::circle::model::Relationship::Peer,
            "accepted",
            now,
        )
        .await?;
        circle_store::insert_grants(&mut tx, id, me, *other, all, now).await?;
        circle_store::insert_grants(&mut tx, id, *other, me, all, now).await?;
        feed::refill_pair(&mut tx, me, *other).await?;
        if i % 5 == 0 {
            const SQL: &str = "insert into encouragement (id, sender_id, recipient_id, body,
                    created_at)
                values ($1, $2, $3, 'Proud of you. Keep going.', $4)";
            let note = Uuid::new_v4();
            crate::db::on_tx!(&mut tx, |c| sqlx::query(SQL)
                .bind(note)
                .bind(*other)
                .bind(me)
                .bind(now)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The first demo member (the organiser), then others, `n` in all.
async fn first_members(state: &AppState, first: &str, n: i64) -> anyhow::Result<Vec<MemberId>> {
    const FIRST: &str = "select id from member where handle_key = $1";
    const OTHERS: &str =
        "select id from member where handle_key <> $1 order by handle_key limit $2";
    let mut ids: Vec<MemberId> = crate::db::on_db!(&state.db, |x| sqlx::query_scalar(FIRST)
        .bind(first)
        .fetch_all(x)
        .await)?;
    let others: Vec<MemberId> = crate::db::on_db!(&state.db, |x| sqlx::query_scalar(OTHERS)
        .bind(first)
        .bind(n - 1)
        .fetch_all(x)
        .await)?;
    ids.extend(others);
    Ok(ids)
}

/// One public group with `posts` posts in threads of ten, written in
/// batches of a few thousand rows.
async fn insert_group_posts(
    state: &AppState,
    members: &[MemberId],
    posts: usize,
) -> anyhow::Result<()> {
    use crate::groups::store as groups;
    let now = state.clock.now();
    let group = Uuid::new_v4();
    let mut tx = state.db.begin_write().await?;
    let g = groups::NewGroup {
        id: group,
        slug: "demo-group",
        name: "Demo group",
        kind: "peer",
        formal: false,
        visibility: "public",
        join_policy: "open",
        about: "A busy group for trying Belay and for benchmarks.",
        contact_email: "",
        contact_public: false,
        imported: false,
        created_by: members.first().copied(),
    };
    groups::insert_group(&mut tx, &g, now).await?;
    for (i, m) in members.iter().enumerate() {
        let role = if i == 0 { "organiser" } else { "member" };
        groups::upsert_member(&mut tx, group, *m, role, "active", now).await?;
    }
    tx.commit().await?;
    let bar = ProgressBar::new(posts as u64).with_style(
        ProgressStyle::with_template("posts {bar:40} {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let threads = posts.div_ceil(10);
    let per_batch = 300;
    let mut written = 0;
    for first in (0..threads).step_by(per_batch) {
        let last = (first + per_batch).min(threads);
        let mut tx = state.db.begin_write().await?;
        let mut thread_rows = Vec::new();
        let mut post_rows = Vec::new();
        for t in first..last {
            let id = Uuid::now_v7();
            let at = now - chrono::Duration::minutes((threads - t) as i64 * 7);
            let author = members[t % members.len()];
            let n = 10.min(posts - t * 10);
            thread_rows.push((
                id,
                author,
                format!("Thread {t}: how did this week go?"),
                n as i64 - 1,
                at,
                at + chrono::Duration::minutes(n as i64),
            ));
            for p in 0..n {
                let who = members[(t + p) % members.len()];
                post_rows.push((
                    Uuid::now_v7(),
                    id,
                    who,
                    format!(
                        "Post {p} in thread {t}. One day at a time; thank you all for being here."
                    ),
                    at + chrono::Duration::minutes(p as i64),
                ));
            }
        }
        let sql = format!(
            "insert into group_thread (id, group_id, author_id, title, reply_count, created_at, last_activity_at) values {}",
            crate::db::values_placeholders(thread_rows.len(), 7)
        );
        crate::db::on_tx!(&mut tx, |c| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (id, author, title, replies, at, last) in &thread_rows {
                q = q
                    .bind(id)
                    .bind(group)
                    .bind(author)
                    .bind(title)
                    .bind(replies)
                    .bind(at)
                    .bind(last);
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?;
        for chunk in post_rows.chunks(1000) {
            let sql = format!(
                "insert into group_post (id, thread_id, group_id, author_id, body, created_at) values {}",
                crate::db::values_placeholders(chunk.len(), 6)
            );
            crate::db::on_tx!(&mut tx, |c| {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                for (id, thread, who, body, at) in chunk {
                    q = q
                        .bind(id)
                        .bind(thread)
                        .bind(group)
                        .bind(who)
                        .bind(body)
                        .bind(at);
                }
                q.execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        tx.commit().await?;
        written += post_rows.len();
        bar.set_position(written as u64);
    }
    bar.finish_and_clear();
    Ok(())
}
