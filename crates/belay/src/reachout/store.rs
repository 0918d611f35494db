//! Reach-out SQL. Every read that shows a reach-out to someone names who is
//! asking, and the check (requester, or asked and no block either way) is in
//! the statement.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    accounts::MemberId,
    circle::store::{CIRCLE_CHECK, NO_BLOCK, check},
    db::{Db, Tx, on_db, on_tx},
};

/// Two members may talk because one answered the other's reach-out (and
/// it was not handed back or cancelled): for embedding next to the circle
/// check in the conversation queries, with [`NO_BLOCK`] beside it.
pub const ANSWERED_CHECK: &str = "exists (select 1 from reach_out rxo
    where rxo.state in ('claimed', 'resolved')
      and ((rxo.requester_id = {a} and rxo.claimed_by = {b})
        or (rxo.requester_id = {b} and rxo.claimed_by = {a})))";

// ---- settings -----------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct SettingsRow {
    pub receives: bool,
    pub wait_seconds: i32,
    pub follow_up: bool,
}

impl Default for SettingsRow {
    fn default() -> Self {
        Self {
            receives: false,
            wait_seconds: 300,
            follow_up: true,
        }
    }
}

const SETTINGS: &str =
    "select receives, wait_seconds, follow_up from reach_out_setting where member_id = $1";

pub async fn settings(db: &Db, member: MemberId) -> sqlx::Result<SettingsRow> {
    let row = on_db!(db, |p| sqlx::query_as(SETTINGS)
        .bind(member)
        .fetch_optional(p)
        .await)?;
    Ok(row.unwrap_or_default())
}

pub async fn settings_tx(tx: &mut Tx, member: MemberId) -> sqlx::Result<SettingsRow> {
    let row = on_tx!(tx, |c| sqlx::query_as(SETTINGS)
        .bind(member)
        .fetch_optional(c)
        .await)?;
    Ok(row.unwrap_or_default())
}

pub async fn save_settings(
    tx: &mut Tx,
    member: MemberId,
    s: &SettingsRow,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str =
        "insert into reach_out_setting (member_id, receives, wait_seconds, follow_up, updated_at)
        values ($1, $2, $3, $4, $5)
        on conflict (member_id) do update set receives = excluded.receives,
            wait_seconds = excluded.wait_seconds, follow_up = excluded.follow_up,
            updated_at = excluded.updated_at";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(member)
        .bind(s.receives)
        .bind(s.wait_seconds)
        .bind(s.follow_up)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

// ---- creating -------------------------------------------------------------

pub async fn by_idempotency_key(
    tx: &mut Tx,
    requester: MemberId,
    key: &str,
) -> sqlx::Result<Option<Uuid>> {
    const SQL: &str = "select id from reach_out where requester_id = $1 and idempotency_key = $2";
    on_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(requester)
        .bind(key)
        .fetch_optional(c)
        .await)
}

pub async fn opened_since(
    tx: &mut Tx,
    requester: MemberId,
    since: DateTime<Utc>,
) -> sqlx::Result<i64> {
    const SQL: &str = "select count(*) from reach_out where requester_id = $1 and created_at >= $2";
    on_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(requester)
        .bind(since)
        .fetch_one(c)
        .await)
}

pub struct NewReachOut<'a> {
    pub id: Uuid,
    pub requester: MemberId,
    pub note: &'a str,
    pub wait_seconds: i32,
    pub idempotency_key: Option<&'a str>,
}

pub async fn insert(tx: &mut Tx, r: &NewReachOut<'_>, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "insert into reach_out (id, requester_id, note, state, next_step,
            wait_seconds, idempotency_key, created_at, updated_at)
        values ($1, $2, $3, 'open', 0, $4, $5, $6, $6)";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(r.id)
        .bind(r.requester)
        .bind(r.note)
        .bind(r.wait_seconds)
        .bind(r.idempotency_key)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// My reach-out list, in my order: accepted connections I put on it, who
/// let people reach out to them, with no block either way.
static LIST_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "select grt.viewer_id from connection_grant grt
        join connection c on c.id = grt.connection_id and c.state = 'accepted'
        join reach_out_setting s on s.member_id = grt.viewer_id and s.receives
        where grt.owner_id = $1 and grt.reach_out and {}
        order by grt.reach_out_order, grt.updated_at",
        check(NO_BLOCK, &[("a", "grt.viewer_id"), ("b", "$1")])
    )
});

pub async fn reach_out_list(tx: &mut Tx, requester: MemberId) -> sqlx::Result<Vec<MemberId>> {
    let sql: &'static str = LIST_SQL.as_str();
    on_tx!(tx, |c| sqlx::query_scalar(sql)
        .bind(requester)
        .fetch_all(c)
        .await)
}

/// Everyone I put on my list, in my order, and whether they take
/// reach-outs (those who don't are skipped): for the reach-out page, so
/// nobody is surprised that a person is never asked.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListedRow {
    pub handle: String,
    pub receives: bool,
}

pub async fn listed(db: &Db, requester: MemberId) -> sqlx::Result<Vec<ListedRow>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select m.handle, coalesce(s.receives, false) as receives from connection_grant grt
            join connection c on c.id = grt.connection_id and c.state = 'accepted'
            join member m on m.id = grt.viewer_id
            left join reach_out_setting s on s.member_id = grt.viewer_id
            where grt.owner_id = $1 and grt.reach_out and {}
            order by grt.reach_out_order, grt.updated_at",
            check(NO_BLOCK, &[("a", "grt.viewer_id"), ("b", "$1")])
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(requester)
        .fetch_all(p)
        .await)
}

pub async fn insert_step(
    tx: &mut Tx,
    id: Uuid,
    seq: i32,
    tier: i32,
    member: Option<MemberId>,
    due_at: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    const SQL: &str = "insert into reach_out_step (reach_out_id, seq, tier, member_id, due_at)
        values ($1, $2, $3, $4, $5)";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(seq)
        .bind(tier)
        .bind(member)
        .bind(due_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

// ---- the ladder -----------------------------------------------------------

/// What firing a step needs of its reach-out.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LadderRow {
    pub requester_id: MemberId,
    pub requester_handle: String,
    pub wait_seconds: i32,
}

/// Takes step `seq`: moves `next_step` past it if it is the next one and
/// the reach-out is still open. The fence that makes a step fire once: a
/// second run (a retried job, another instance) finds `next_step` moved on.
pub async fn take_step(
    tx: &mut Tx,
    id: Uuid,
    seq: i32,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<LadderRow>> {
    const TAKE: &str = "update reach_out set next_step = next_step + 1, updated_at = $3
        where id = $1 and next_step = $2 and state = 'open'";
    const READ: &str = "select r.requester_id, m.handle as requester_handle, r.wait_seconds
        from reach_out r join member m on m.id = r.requester_id where r.id = $1";
    let n = on_tx!(tx, |c| sqlx::query(TAKE)
        .bind(id)
        .bind(seq)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    if n != 1 {
        return Ok(None);
    }
    on_tx!(tx, |c| sqlx::query_as(READ)
        .bind(id)
        .fetch_optional(c)
        .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StepRow {
    pub seq: i32,
    pub tier: i32,
    pub member_id: Option<MemberId>,
    pub due_at: Option<DateTime<Utc>>,
    pub fired_at: Option<DateTime<Utc>>,
    pub asked: i32,
}

pub async fn step(tx: &mut Tx, id: Uuid, seq: i32) -> sqlx::Result<Option<StepRow>> {
    const SQL: &str = "select seq, tier, member_id, due_at, fired_at, asked
        from reach_out_step where reach_out_id = $1 and seq = $2";
    on_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(id)
        .bind(seq)
        .fetch_optional(c)
        .await)
}

pub async fn steps(db: &Db, id: Uuid) -> sqlx::Result<Vec<StepRow>> {
    const SQL: &str = "select seq, tier, member_id, due_at, fired_at, asked
        from reach_out_step where reach_out_id = $1 order by seq";
    on_db!(db, |p| sqlx::query_as(SQL).bind(id).fetch_all(p).await)
}

pub async fn mark_step_fired(
    tx: &mut Tx,
    id: Uuid,
    seq: i32,
    asked: i32,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "update reach_out_step set fired_at = $3, asked = $4
        where reach_out_id = $1 and seq = $2";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(seq)
        .bind(now)
        .bind(asked)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn schedule_step(
    tx: &mut Tx,
    id: Uuid,
    seq: i32,
    due: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "update reach_out_step set due_at = $3 where reach_out_id = $1 and seq = $2";
    let n = on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(seq)
        .bind(due)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn set_exhausted(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str =
        "update reach_out set exhausted_at = coalesce(exhausted_at, $2) where id = $1";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Someone who may be asked.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Candidate {
    pub id: MemberId,
    pub handle: String,
}

/// Tier 1: the one person of this step, if they are still in the circle,
/// still receive reach-outs, and were not asked yet.
pub async fn list_person(
    tx: &mut Tx,
    id: Uuid,
    requester: MemberId,
    person: MemberId,
) -> sqlx::Result<Vec<Candidate>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select m.id, m.handle from member m
            join reach_out_setting s on s.member_id = m.id and s.receives
            where m.id = $3 and {circle}
              and not exists (select 1 from reach_out_recipient rr
                              where rr.reach_out_id = $1 and rr.member_id = m.id)",
            circle = check(CIRCLE_CHECK, &[("a", "m.id"), ("b", "$2")]),
        )
    });
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(id)
        .bind(requester)
        .bind(person)
        .fetch_all(c)
        .await)
}

/// Tier 2: the rest of my circle who let people reach out to them.
pub async fn circle_rest(
    tx: &mut Tx,
    id: Uuid,
    requester: MemberId,
) -> sqlx::Result<Vec<Candidate>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select m.id, m.handle from member m
            join reach_out_setting s on s.member_id = m.id and s.receives
            where m.id <> $2 and {circle}
              and not exists (select 1 from reach_out_recipient rr
                              where rr.reach_out_id = $1 and rr.member_id = m.id)
            order by m.handle limit 500",
            circle = check(CIRCLE_CHECK, &[("a", "m.id"), ("b", "$2")]),
        )
    });
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(id)
        .bind(requester)
        .fetch_all(c)
        .await)
}

/// A listener, with what "on duty now" is computed from.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ListenerRow {
    pub id: MemberId,
    pub handle: String,
    pub time_zone: String,
    pub duty_hours: String,
}

impl ListenerRow {
    /// On duty now, by their duty hours in their own time zone.
    pub fn on_duty(&self, now: DateTime<Utc>) -> bool {
        let tz = crate::time::parse_time_zone(&self.time_zone).unwrap_or(chrono_tz::UTC);
        crate::circle::duty::text_on_duty(&self.duty_hours, tz, now)
    }
}

/// Tier 3 candidates: every listener not asked yet, no block either way;
/// the caller keeps those on duty now.
pub async fn listeners(
    tx: &mut Tx,
    id: Uuid,
    requester: MemberId,
) -> sqlx::Result<Vec<ListenerRow>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select m.id, m.handle, m.time_zone, c.duty_hours from capacity c
            join member m on m.id = c.member_id
            where c.listener and m.id <> $2 and {no_block}
              and not exists (select 1 from reach_out_recipient rr
                              where rr.reach_out_id = $1 and rr.member_id = m.id)",
            no_block = check(NO_BLOCK, &[("a", "m.id"), ("b", "$2")]),
        )
    });
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(id)
        .bind(requester)
        .fetch_all(c)
        .await)
}

/// Listeners for the reach-out page's summary (no reach-out yet).
pub async fn all_listeners(db: &Db, requester: MemberId) -> sqlx::Result<Vec<ListenerRow>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select m.id, m.handle, m.time_zone, c.duty_hours from capacity c
            join member m on m.id = c.member_id
            where c.listener and m.id <> $1 and {no_block}",
            no_block = check(NO_BLOCK, &[("a", "m.id"), ("b", "$1")]),
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(requester)
        .fetch_all(p)
        .await)
}

/// Tier 4 (and held reach-outs): the instance's moderators and admins.
pub async fn moderators(
    tx: &mut Tx,
    id: Option<Uuid>,
    requester: MemberId,
) -> sqlx::Result<Vec<Candidate>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select m.id, m.handle from member m
            where m.role in ('moderator', 'admin') and m.id <> $2 and {no_block}
              and not exists (select 1 from reach_out_recipient rr
                              where rr.reach_out_id = $1 and rr.member_id = m.id)
            order by m.handle limit 100",
            no_block = check(NO_BLOCK, &[("a", "m.id"), ("b", "$2")]),
        )
    });
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(id)
        .bind(requester)
        .fetch_all(c)
        .await)
}

/// Records that these members were asked; returns those who were not
/// asked before (one statement per 500).
pub async fn insert_recipients(
    tx: &mut Tx,
    id: Uuid,
    members: &[MemberId],
    tier: i32,
    seq: i32,
    now: DateTime<Utc>,
) -> sqlx::Result<Vec<MemberId>> {
    let mut added = Vec::with_capacity(members.len());
    for chunk in members.chunks(500) {
        // Only numbered placeholders are formatted in: no input.
        let sql = format!(
            "insert into reach_out_recipient (reach_out_id, member_id, tier, seq, notified_at)
            values {} on conflict (reach_out_id, member_id) do nothing returning member_id",
            crate::db::values_placeholders(chunk.len(), 5)
        );
        let rows: Vec<MemberId> = on_tx!(tx, |c| {
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
            for m in chunk {
                q = q.bind(id).bind(*m).bind(tier).bind(seq).bind(now);
            }
            q.fetch_all(c).await
        })?;
        added.extend(rows);
    }
    Ok(added)
}

/// Everyone asked so far but `except`.
pub async fn recipients_except(
    tx: &mut Tx,
    id: Uuid,
    except: Option<MemberId>,
) -> sqlx::Result<Vec<MemberId>> {
    const SQL: &str = "select member_id from reach_out_recipient
        where reach_out_id = $1 and ($2 is null or member_id <> $2)";
    on_tx!(tx, |c| sqlx::query_scalar(SQL)
        .bind(id)
        .bind(except)
        .fetch_all(c)
        .await)
}

// ---- answering and closing --------------------------------------------------

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedRow {
    pub requester_id: MemberId,
    pub requester_handle: String,
    pub claims: i32,
}

/// The first claim wins: only an open reach-out, only by someone asked,
/// with no block either way.
pub async fn claim(
    tx: &mut Tx,
    id: Uuid,
    me: MemberId,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<ClaimedRow>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "update reach_out set state = 'claimed', claimed_by = $2, claimed_at = $3,
                claims = claims + 1, updated_at = $3
            where id = $1 and state = 'open'
              and exists (select 1 from reach_out_recipient rr
                          where rr.reach_out_id = $1 and rr.member_id = $2)
              and {no_block}
            returning requester_id, claims,
                (select handle from member where id = requester_id) as requester_handle",
            no_block = check(NO_BLOCK, &[("a", "requester_id"), ("b", "$2")]),
        )
    });
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |c| sqlx::query_as(sql)
        .bind(id)
        .bind(me)
        .bind(now)
        .fetch_optional(c)
        .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HandedBackRow {
    pub requester_id: MemberId,
    pub requester_handle: String,
    pub next_step: i32,
}

pub async fn hand_back(
    tx: &mut Tx,
    id: Uuid,
    me: MemberId,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<HandedBackRow>> {
    const SQL: &str = "update reach_out set state = 'open', claimed_by = null, claimed_at = null,
            updated_at = $3
        where id = $1 and state = 'claimed' and claimed_by = $2
        returning requester_id, next_step,
            (select handle from member where id = requester_id) as requester_handle";
    on_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(id)
        .bind(me)
        .bind(now)
        .fetch_optional(c)
        .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClosedRow {
    pub claimed_by: Option<MemberId>,
}

/// Resolves or cancels my open or answered reach-out.
pub async fn close(
    tx: &mut Tx,
    id: Uuid,
    me: MemberId,
    state: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<ClosedRow>> {
    const SQL: &str = "update reach_out set state = $3, closed_at = $4, updated_at = $4
        where id = $1 and requester_id = $2 and state in ('open', 'claimed')
        returning claimed_by";
    on_tx!(tx, |c| sqlx::query_as(SQL)
        .bind(id)
        .bind(me)
        .bind(state)
        .bind(now)
        .fetch_optional(c)
        .await)
}

// ---- reading ----------------------------------------------------------------

/// A reach-out as one member may see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ViewRow {
    pub id: Uuid,
    pub requester_id: MemberId,
    pub requester_handle: String,
    pub note: String,
    pub state: String,
    pub next_step: i32,
    pub wait_seconds: i32,
    pub claimed_by: Option<MemberId>,
    pub claimer_handle: Option<String>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub exhausted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}

const VIEW_COLUMNS: &str = "r.id, r.requester_id, req.handle as requester_handle, r.note, r.state,
    r.next_step, r.wait_seconds, r.claimed_by, cl.handle as claimer_handle, r.claimed_at,
    r.exhausted_at, r.created_at, r.closed_at";

/// The reach-out, if `me` opened it or was asked to answer it (and neither
/// has blocked the other since).
pub async fn view(db: &Db, id: Uuid, me: MemberId) -> sqlx::Result<Option<ViewRow>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select {VIEW_COLUMNS} from reach_out r
            join member req on req.id = r.requester_id
            left join member cl on cl.id = r.claimed_by
            where r.id = $1 and (r.requester_id = $2 or (
                exists (select 1 from reach_out_recipient rr
                        where rr.reach_out_id = r.id and rr.member_id = $2)
                and {no_block}))",
            no_block = check(NO_BLOCK, &[("a", "r.requester_id"), ("b", "$2")]),
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(id)
        .bind(me)
        .fetch_optional(p)
        .await)
}

/// My reach-outs, newest first.
pub async fn mine(db: &Db, me: MemberId, limit: i64) -> sqlx::Result<Vec<ViewRow>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select {VIEW_COLUMNS} from reach_out r
            join member req on req.id = r.requester_id
            left join member cl on cl.id = r.claimed_by
            where r.requester_id = $1 order by r.created_at desc limit $2"
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(me)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// Reach-outs I was asked to answer, newest first.
pub async fn asked_of(db: &Db, me: MemberId, limit: i64) -> sqlx::Result<Vec<ViewRow>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select {VIEW_COLUMNS} from reach_out_recipient rr
            join reach_out r on r.id = rr.reach_out_id
            join member req on req.id = r.requester_id
            left join member cl on cl.id = r.claimed_by
            where rr.member_id = $1 and {no_block}
            order by rr.notified_at desc limit $2",
            no_block = check(NO_BLOCK, &[("a", "r.requester_id"), ("b", "$1")]),
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |p| sqlx::query_as(sql)
        .bind(me)
        .bind(limit)
        .fetch_all(p)
        .await)
}

/// Who was asked, for the requester's own view.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AskedRow {
    pub handle: String,
    pub tier: i32,
    pub notified_at: DateTime<Utc>,
}

pub async fn asked(db: &Db, id: Uuid) -> sqlx::Result<Vec<AskedRow>> {
    const SQL: &str = "select m.handle, rr.tier, rr.notified_at from reach_out_recipient rr
        join member m on m.id = rr.member_id where rr.reach_out_id = $1
        order by rr.notified_at, m.handle";
    on_db!(db, |p| sqlx::query_as(SQL).bind(id).fetch_all(p).await)
}

/// What the next-day follow-up needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FollowUpRow {
    pub requester_id: MemberId,
    pub requester_handle: String,
    pub claimed_by: Option<MemberId>,
    pub follow_up: Option<bool>,
}

pub async fn follow_up(tx: &mut Tx, id: Uuid) -> sqlx::Result<Option<FollowUpRow>> {
    const SQL: &str =
        "select r.requester_id, m.handle as requester_handle, r.claimed_by, s.follow_up
        from reach_out r join member m on m.id = r.requester_id
        left join reach_out_setting s on s.member_id = r.requester_id
        where r.id = $1";
    on_tx!(tx, |c| sqlx::query_as(SQL).bind(id).fetch_optional(c).await)
}
