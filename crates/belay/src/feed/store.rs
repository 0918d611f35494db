//! Feed and encouragement SQL.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    accounts::MemberId,
    circle::store::{CIRCLE_CHECK, GRANT_CHECK, NO_BLOCK, check},
    clocks::model::ClockId,
    db::{Db, Tx, on_db, on_tx},
    goals::model::GoalId,
};

/// What a feed item is about.
pub enum Subject {
    Milestone(ClockId),
    GoalProgress(GoalId),
    GoalCompleted(GoalId),
}

/// Records a feed item once per `dedupe_key` (retried jobs write nothing
/// twice), and fans it out to the feed of each member whose grants let them
/// see it.
pub async fn record(
    tx: &mut Tx,
    owner: MemberId,
    subject: Subject,
    detail: &str,
    dedupe_key: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "insert into feed_item (id, owner_id, kind, clock_id, goal_id, detail,
            dedupe_key, created_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (dedupe_key) do nothing";
    let (kind, clock, goal) = match subject {
        Subject::Milestone(c) => ("milestone", Some(c), None),
        Subject::GoalProgress(g) => ("goal_progress", None, Some(g)),
        Subject::GoalCompleted(g) => ("goal_completed", None, Some(g)),
    };
    let recorded = on_tx!(tx, |x| sqlx::query(SQL)
        .bind(Uuid::new_v4())
        .bind(owner)
        .bind(kind)
        .bind(clock)
        .bind(goal)
        .bind(detail)
        .bind(dedupe_key)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    if recorded == 1 {
        lock_owners(tx, &[owner]).await?;
        static FAN_OUT: LazyLock<String> = LazyLock::new(|| fill_sql("f.dedupe_key = $1"));
        let sql: &'static str = FAN_OUT.as_str();
        on_tx!(tx, |x| sqlx::query(sql)
            .bind(dedupe_key)
            .execute(x)
            .await
            .map(|r| r.rows_affected()))?;
    }
    Ok(())
}

/// On PostgreSQL, takes each owner's feed lock (a transaction-scoped
/// advisory lock, in id order) before their entries are written: a fan-out
/// and a refill of the same owner running at once would otherwise each miss
/// what the other has not committed (a new item, a new grant), and the item
/// would never reach that viewer's feed. An advisory lock, not a row lock:
/// inserts that reference a member hold a key-share lock on its row, and
/// two such transactions asking for the row itself would deadlock. SQLite's
/// one writer already runs them one after the other.
async fn lock_owners(tx: &mut Tx, owners: &[MemberId]) -> sqlx::Result<()> {
    const SQL: &str = "select pg_advisory_xact_lock(hashtextextended('feed:' || $1::text, 0))";
    if let Tx::Postgres(t) = tx {
        let mut ids: Vec<Uuid> = owners.iter().map(|m| m.0).collect();
        ids.sort_unstable();
        ids.dedup();
        for id in ids {
            sqlx::query(SQL).bind(id).execute(&mut **t).await?;
        }
    }
    Ok(())
}

/// Copies into `feed_entry` the items `{which}` names (a condition on
/// `f`, the item, and `v`, the grant row) for each viewer whose grant shows
/// them: the grant check of [`GRANT_CHECK`], unrolled over grant rows.
fn fill_sql(which: &str) -> String {
    let no_block = check(NO_BLOCK, &[("a", "v.owner_id"), ("b", "v.viewer_id")]);
    format!(
        "insert into feed_entry (viewer_id, created_at, item_id, owner_id)
        select v.viewer_id, f.created_at, f.id, f.owner_id
        from feed_item f
        join connection_grant v on v.owner_id = f.owner_id
        join connection c on c.id = v.connection_id and c.state = 'accepted'
        where {which}
          and ((f.kind = 'milestone' and v.clocks) or (f.kind <> 'milestone' and v.goals))
          and {no_block}
        on conflict do nothing"
    )
}

/// Brings the feed entries between two members in line with their grants
/// now, both ways: call it in the transaction that accepts or ends a
/// connection or changes what one shares with the other.
pub async fn refill_pair(tx: &mut Tx, a: MemberId, b: MemberId) -> sqlx::Result<()> {
    lock_owners(tx, &[a, b]).await?;
    const CLEAR: &str = "delete from feed_entry where viewer_id = $2 and owner_id = $1";
    static FILL: LazyLock<String> =
        LazyLock::new(|| fill_sql("f.owner_id = $1 and v.viewer_id = $2"));
    let fill: &'static str = FILL.as_str();
    for (owner, viewer) in [(a, b), (b, a)] {
        for sql in [CLEAR, fill] {
            on_tx!(tx, |x| sqlx::query(sql)
                .bind(owner)
                .bind(viewer)
                .execute(x)
                .await
                .map(|r| r.rows_affected()))?;
        }
    }
    Ok(())
}

/// One item of a feed page: read column by column on either backend, in
/// this order (`id, kind, handle, detail, clock_label, goal_id, goal_title,
/// body, about, created_at`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeedRow {
    pub id: Uuid,
    pub kind: String,
    pub handle: String,
    pub detail: String,
    pub clock_label: Option<String>,
    pub goal_id: Option<GoalId>,
    pub goal_title: Option<String>,
    pub body: String,
    pub about: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl FeedRow {
    /// A row of [`mine_sql`] or [`sent_to_me_sql`] read by `db::inline`.
    fn from_sqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        use crate::db::inline::column;
        Ok(Self {
            id: row.get(0)?,
            kind: row.get(1)?,
            handle: row.get(2)?,
            detail: row.get(3)?,
            clock_label: row.get(4)?,
            goal_id: row.get::<_, Option<Uuid>>(5)?.map(GoalId),
            goal_title: row.get(6)?,
            body: row.get(7)?,
            about: row.get(8)?,
            created_at: column::time(row, 9)?,
        })
    }
}

/// My feed, newest first, before the cursor `($2, $3)`: the newest of
/// [`mine_sql`] and [`sent_to_me_sql`] together.
///
/// * My feed entries (the copies that [`record`] and [`refill_pair`] keep)
///   read newest first from their index, each passing [`GRANT_CHECK`] now,
///   item by item, and joined to its owner's handle and its clock's or
///   goal's name as it goes: the scan stops at the page size, so only the
///   rows on the page are joined. An entry is never a permission: the grant
///   check is the same as the detail views' (a test compares the feed with
///   them both ways, and takes a grant back behind the entries' back).
/// * Beside them the newest encouragement sent to me with no block either
///   way, read the same way; the two are merged and cut again.
///
/// PostgreSQL merges the two in one statement (a round trip each would cost
/// more); SQLite, which reads on the request's thread (`db::inline`), runs
/// them one after the other and merges them in Rust, which measured about
/// 15% cheaper than SQLite's own `union all … order by` (`BENCHMARKS.md`).
///
/// An earlier form cut a list of ids first and joined the names to it
/// afterwards, through a materialized table read twice; it cost about a
/// third more on SQLite (`BENCHMARKS.md`, issue 6).
///
/// The page size is written into the statement (SQLite re-prepares a
/// statement whose LIMIT is a bound parameter whenever it is rebound), so
/// there are two: a default page and the largest; callers trim.
fn feed_sql(limit: i64) -> String {
    format!(
        "select * from (
            select * from ({}) mine
            union all
            select * from ({}) sent_to_me
        ) items
        order by created_at desc, id desc
        limit {limit}",
        mine_sql(limit, Backend::Postgres),
        sent_to_me_sql(limit, Backend::Postgres)
    )
}

/// Which backend a statement's text is for.
#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// On SQLite, names the covering index a lookup by id is to use (see
/// `migrations/sqlite/0015`): without statistics SQLite's planner prefers
/// the table's unique key, and the table read behind it.
fn by(backend: Backend, index: &str) -> String {
    match backend {
        Backend::Sqlite => format!(" indexed by {index}"),
        Backend::Postgres => String::new(),
    }
}

/// My feed entries before the cursor, through the grant check ([`feed_sql`]).
fn mine_sql(limit: i64, backend: Backend) -> String {
    let grant = |what: &str| {
        check(
            GRANT_CHECK,
            &[("owner", "fe.owner_id"), ("viewer", "$1"), ("grant", what)],
        )
    };
    let (clocks, goals) = (grant("clocks"), grant("goals"));
    format!(
        "select f.id, f.kind, m.handle, f.detail, c.label as clock_label, f.goal_id,
            g.title as goal_title, '' as body, cast(null as text) as about, f.created_at
        from feed_entry fe
        join feed_item f{item} on f.id = fe.item_id
        join member m{member} on m.id = f.owner_id
        left join clock c{clock} on c.id = f.clock_id
        left join goal g{goal} on g.id = f.goal_id
        where fe.viewer_id = $1
          and (fe.created_at < $2 or (fe.created_at = $2 and fe.item_id < $3))
          and f.visible
          and ((f.kind = 'milestone' and {clocks}) or (f.kind <> 'milestone' and {goals}))
        order by fe.created_at desc, fe.item_id desc
        limit {limit}",
        item = by(backend, "feed_item_read"),
        member = by(backend, "member_read"),
        clock = by(backend, "clock_read"),
        goal = by(backend, "goal_read"),
    )
}

/// Encouragement sent to me before the cursor, no block either way
/// ([`feed_sql`]).
fn sent_to_me_sql(limit: i64, backend: Backend) -> String {
    let sender_block = check(NO_BLOCK, &[("a", "e.sender_id"), ("b", "$1")]);
    format!(
        "select e.id, 'encouragement' as kind, m.handle, '' as detail,
            cast(null as text) as clock_label, e.goal_id, g.title as goal_title, e.body,
            e.about, e.created_at
        from encouragement e
        join member m{member} on m.id = e.sender_id
        left join goal g{goal} on g.id = e.goal_id
        where e.recipient_id = $1
          and (e.created_at < $2 or (e.created_at = $2 and e.id < $3))
          and {sender_block}
        order by e.created_at desc, e.id desc
        limit {limit}",
        member = by(backend, "member_read"),
        goal = by(backend, "goal_read"),
    )
}

/// Rows the default page reads (20 and one more, to know if there is a next).
pub const FEED_PAGE: i64 = 21;
/// Rows the largest page reads.
pub const FEED_MAX: i64 = 101;

static FEED_SMALL: LazyLock<String> = LazyLock::new(|| feed_sql(FEED_PAGE));
static FEED_LARGE: LazyLock<String> = LazyLock::new(|| feed_sql(FEED_MAX));
static PARTS_SMALL: LazyLock<[String; 2]> = LazyLock::new(|| parts(FEED_PAGE));
static PARTS_LARGE: LazyLock<[String; 2]> = LazyLock::new(|| parts(FEED_MAX));

/// The two parts of [`feed_sql`] as SQLite runs them ([`feed_sqlite`]).
fn parts(limit: i64) -> [String; 2] {
    [
        mine_sql(limit, Backend::Sqlite),
        sent_to_me_sql(limit, Backend::Sqlite),
    ]
}

/// [`feed`] on SQLite, on a connection of `db::inline`: both parts, merged
/// newest first (time, then id, both descending, as [`feed_sql`] orders).
///
/// Both statements are stepped only as the merge takes their rows: each
/// part's order comes from its index, so SQLite produces a row (its joins
/// and its grant check) only when it is asked for the next one. A page
/// reads at most its own rows and one more from each part, not a full page
/// from each (on the demo's first member, 12 feed entries instead of 21).
pub fn feed_sqlite(
    conn: &rusqlite::Connection,
    viewer: MemberId,
    before: (DateTime<Utc>, Uuid),
    limit: i64,
) -> rusqlite::Result<Vec<FeedRow>> {
    use crate::db::inline::bind;
    let [mine, sent]: &'static [String; 2] = if limit <= FEED_PAGE {
        &PARTS_SMALL
    } else {
        &PARTS_LARGE
    };
    let (viewer, at, id) = (
        bind::uuid(viewer.0),
        bind::time(before.0),
        bind::uuid(before.1),
    );
    let params: [(&str, &dyn rusqlite::ToSql); 3] = [("$1", &viewer), ("$2", &at), ("$3", &id)];
    let (mut mine, mut sent) = (conn.prepare_cached(mine)?, conn.prepare_cached(sent)?);
    newest_first(
        mine.query_map(params.as_slice(), FeedRow::from_sqlite)?,
        sent.query_map(params.as_slice(), FeedRow::from_sqlite)?,
        usize::try_from(limit).unwrap_or(0),
        |r| (r.created_at, r.id),
    )
}

/// The first `limit` rows of two sequences that are each ordered newest
/// first by `key` (largest first), newest first, taking from each only
/// what the answer needs and one more to compare. The first error either
/// sequence yields ends the merge.
fn newest_first<T, K: Ord, E>(
    a: impl Iterator<Item = Result<T, E>>,
    b: impl Iterator<Item = Result<T, E>>,
    limit: usize,
    key: impl Fn(&T) -> K,
) -> Result<Vec<T>, E> {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    let mut rows = Vec::with_capacity(limit.min(FEED_MAX as usize));
    while rows.len() < limit {
        // An error is taken as soon as it is seen, so it ends the merge.
        let next = match (a.peek(), b.peek()) {
            (Some(Ok(x)), Some(Ok(y))) if key(x) < key(y) => b.next(),
            (Some(Ok(_)), Some(Ok(_)) | None) | (Some(Err(_)), _) => a.next(),
            (_, Some(_)) => b.next(),
            (None, None) => None,
        };
        match next {
            Some(row) => rows.push(row?),
            None => break,
        }
    }
    Ok(rows)
}

/// Shows or hides a goal's feed items (hidden while it is archived).
pub async fn set_goal_visible(tx: &mut Tx, goal: GoalId, visible: bool) -> sqlx::Result<()> {
    const SQL: &str = "update feed_item set visible = $2 where goal_id = $1";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(goal)
        .bind(visible)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Up to `limit` rows of my feed (at most [`FEED_MAX`]).
pub async fn feed(
    db: &Db,
    viewer: MemberId,
    before: (DateTime<Utc>, Uuid),
    limit: i64,
) -> sqlx::Result<Vec<FeedRow>> {
    let mut rows: Vec<FeedRow> = match db {
        // Bounded by their indexes and the page size: read on this thread
        // (see `db::inline`), as the home page does.
        Db::Sqlite(s) => s
            .inline
            .read(|conn| feed_sqlite(conn, viewer, before, limit))?,
        Db::Postgres(p) => {
            let sql: &'static str = if limit <= FEED_PAGE {
                FEED_SMALL.as_str()
            } else {
                FEED_LARGE.as_str()
            };
            sqlx::query_as(sql)
                .bind(viewer)
                .bind(before.0)
                .bind(before.1)
                .fetch_all(p)
                .await?
        }
    };
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(rows)
}

// ---- encouragement ---------------------------------------------------------

pub struct NewEncouragement<'a> {
    pub id: Uuid,
    pub sender: MemberId,
    pub recipient_key: &'a str,
    pub body: &'a str,
    pub about: Option<&'a str>,
    pub clock: Option<ClockId>,
    pub goal: Option<GoalId>,
}

/// Writes the note only if the two are connected with no block, and the
/// subject (if any) is the recipient's and visible to the sender through
/// its grant: all checked in the statement. Returns the recipient.
pub async fn insert_encouragement(
    tx: &mut Tx,
    e: &NewEncouragement<'_>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<MemberId>> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        let circle = check(CIRCLE_CHECK, &[("a", "m.id"), ("b", "$2")]);
        let clocks = check(
            GRANT_CHECK,
            &[("owner", "m.id"), ("viewer", "$2"), ("grant", "clocks")],
        );
        let goals = check(
            GRANT_CHECK,
            &[("owner", "m.id"), ("viewer", "$2"), ("grant", "goals")],
        );
        let checkins = check(
            GRANT_CHECK,
            &[("owner", "m.id"), ("viewer", "$2"), ("grant", "checkins")],
        );
        format!(
            "insert into encouragement (id, sender_id, recipient_id, body, about, clock_id, goal_id,
                created_at)
            select $1, $2, m.id, $4, $5, $6, $7, $8 from member m
            where m.handle_key = $3 and m.id <> $2 and {circle}
              and ($5 is null
                or ($5 = 'milestone' and {clocks}
                    and exists (select 1 from clock ck where ck.id = $6 and ck.member_id = m.id))
                or ($5 = 'goal' and {goals}
                    and exists (select 1 from goal gl where gl.id = $7 and gl.member_id = m.id
                                and gl.state <> 'archived'))
                or ($5 = 'streak' and {checkins}))
            returning recipient_id"
        )
    });
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |x| sqlx::query_scalar(sql)
        .bind(e.id)
        .bind(e.sender)
        .bind(e.recipient_key)
        .bind(e.body)
        .bind(e.about)
        .bind(e.clock)
        .bind(e.goal)
        .bind(now)
        .fetch_optional(x)
        .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EncouragementRow {
    pub id: Uuid,
    pub from_handle: String,
    pub to_handle: String,
    pub body: String,
    pub about: Option<String>,
    pub goal_id: Option<GoalId>,
    pub created_at: DateTime<Utc>,
}

/// Encouragement I received (hidden while either has blocked the other) or
/// sent, newest first.
pub async fn encouragements(
    db: &Db,
    me: MemberId,
    received: bool,
    limit: i64,
) -> sqlx::Result<Vec<EncouragementRow>> {
    static RECEIVED: LazyLock<String> = LazyLock::new(|| {
        format!(
            "select e.id, s.handle as from_handle, r.handle as to_handle, e.body, e.about,
                e.goal_id, e.created_at
            from encouragement e join member s on s.id = e.sender_id
            join member r on r.id = e.recipient_id
            where e.recipient_id = $1 and {}
            order by e.created_at desc, e.id desc limit $2",
            check(NO_BLOCK, &[("a", "e.sender_id"), ("b", "$1")])
        )
    });
    const SENT: &str = "select e.id, s.handle as from_handle, r.handle as to_handle, e.body,
            e.about, e.goal_id, e.created_at
        from encouragement e join member s on s.id = e.sender_id
        join member r on r.id = e.recipient_id
        where e.sender_id = $1
        order by e.created_at desc, e.id desc limit $2";
    let sql: &'static str = if received { RECEIVED.as_str() } else { SENT };
    on_db!(db, |x| sqlx::query_as(sql)
        .bind(me)
        .bind(limit)
        .fetch_all(x)
        .await)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::newest_first;

    /// A part's rows, newest first, counting how many the merge took.
    fn part<'a>(
        rows: &'a [Result<u32, &'static str>],
        taken: &'a Cell<usize>,
    ) -> impl Iterator<Item = Result<u32, &'static str>> + 'a {
        rows.iter()
            .inspect(move |_| taken.set(taken.get() + 1))
            .cloned()
    }

    fn merge(
        a: &[Result<u32, &'static str>],
        b: &[Result<u32, &'static str>],
        limit: usize,
    ) -> (Result<Vec<u32>, &'static str>, usize, usize) {
        let (ta, tb) = (Cell::new(0), Cell::new(0));
        let merged = newest_first(part(a, &ta), part(b, &tb), limit, |&n| n);
        (merged, ta.get(), tb.get())
    }

    #[test]
    fn the_merge_is_newest_first_and_cut_at_the_limit() {
        let (a, b) = ([Ok(9), Ok(7), Ok(4), Ok(1)], [Ok(8), Ok(5), Ok(3)]);
        assert_eq!(merge(&a, &b, 10).0, Ok(vec![9, 8, 7, 5, 4, 3, 1]));
        assert_eq!(merge(&a, &b, 4).0, Ok(vec![9, 8, 7, 5]));
        assert_eq!(merge(&a, &[], 2).0, Ok(vec![9, 7]));
        assert_eq!(merge(&[], &b, 5).0, Ok(vec![8, 5, 3]));
        assert_eq!(merge(&a, &b, 0).0, Ok(vec![]));
    }

    #[test]
    fn the_merge_reads_only_what_the_page_needs() {
        // b's first three are the newest: a is read only for its first
        // row, to compare, and b not beyond the three taken.
        let (a, b) = ([Ok(3), Ok(2), Ok(1)], [Ok(9), Ok(8), Ok(7), Ok(6)]);
        let (merged, from_a, from_b) = merge(&a, &b, 3);
        assert_eq!(merged, Ok(vec![9, 8, 7]));
        assert_eq!((from_a, from_b), (1, 3));
        // Interleaved: a part is read at most one row past what it gave.
        let (a, b) = ([Ok(9), Ok(6), Ok(5), Ok(1)], [Ok(8), Ok(7), Ok(2)]);
        let (merged, from_a, from_b) = merge(&a, &b, 4);
        assert_eq!(merged, Ok(vec![9, 8, 7, 6]));
        assert_eq!((from_a, from_b), (2, 3));
    }

    #[test]
    fn an_error_in_either_part_ends_the_merge() {
        let rows = [Ok(9), Ok(8), Ok(7)];
        assert_eq!(merge(&rows, &[Err("b broke")], 2).0, Err("b broke"));
        assert_eq!(merge(&[Err("a broke")], &rows, 2).0, Err("a broke"));
        assert_eq!(merge(&[Ok(5), Err("late")], &rows, 10).0, Err("late"));
    }
}
