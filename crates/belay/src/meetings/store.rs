//! Meeting SQL. Who may see a meeting follows its group: any group's
//! meetings are read through a query that checks the group's visibility
//! (public and unlisted to anyone with the link, private to active members
//! only); the finder and the Meeting Guide feed read public groups only.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use uuid::Uuid;

use super::model::{Checked, Exception, Frequency, Schedule, types_column};
use crate::{
    accounts::MemberId,
    db::{Db, Tx, on_db, on_tx},
};

/// Read column by column, or (by the finder) from a JSON array in this
/// field order: keep the two in step.
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct MeetingRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub slug: String,
    pub name: String,
    pub frequency: String,
    pub days: i64,
    pub month_week: Option<i64>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub start_time: String,
    pub end_time: String,
    pub time_zone: String,
    pub location: String,
    pub formatted_address: String,
    pub location_notes: String,
    #[serde(deserialize_with = "flag")]
    pub approximate: bool,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub region: String,
    pub conference_url: String,
    pub conference_url_notes: String,
    pub conference_phone: String,
    pub conference_phone_notes: String,
    pub types: String,
    pub notes: String,
    #[serde(deserialize_with = "flag")]
    pub active: bool,
    pub sequence: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub group_slug: String,
    pub group_name: String,
    pub group_visibility: String,
    pub group_contact: String,
}

impl MeetingRow {
    /// The schedule, or `None` for a row no check would have let in.
    pub fn schedule(&self) -> Option<Schedule> {
        let start = super::model::parse_time(&self.start_time)?;
        let end = super::model::parse_time(&self.end_time)?;
        Some(Schedule {
            frequency: Frequency::parse(&self.frequency)?,
            days: u8::try_from(self.days).ok()?,
            month_week: self.month_week.and_then(|w| i8::try_from(w).ok()),
            starts_on: self.starts_on,
            ends_on: self.ends_on,
            start,
            minutes: (end - start).num_minutes().rem_euclid(24 * 60).max(1),
            tz: super::model::parse_zone(&self.time_zone)?,
        })
    }
}

const COLUMNS: &str = "m.id, m.group_id, m.slug, m.name, m.frequency, m.days, m.month_week,
    m.starts_on, m.ends_on, m.start_time, m.end_time, m.time_zone, m.location,
    m.formatted_address, m.location_notes, m.approximate, m.latitude, m.longitude, m.region,
    m.conference_url, m.conference_url_notes, m.conference_phone, m.conference_phone_notes,
    m.types, m.notes, m.active, m.sequence, m.created_at, m.updated_at,
    g.slug as group_slug, g.name as group_name, g.visibility as group_visibility,
    case when g.contact_public then g.contact_email else '' end as group_contact";

/// Writes a checked meeting: a new row, or (same slug) an update that
/// bumps its iCalendar sequence.
pub async fn upsert(
    tx: &mut Tx,
    id: Uuid,
    group: Uuid,
    slug: &str,
    m: &Checked,
    now: DateTime<Utc>,
) -> sqlx::Result<Uuid> {
    const SQL: &str = "insert into meeting (id, group_id, slug, name, frequency, days, month_week,
            starts_on, ends_on, start_time, end_time, time_zone, location, formatted_address,
            location_notes, approximate, latitude, longitude, region, conference_url,
            conference_url_notes, conference_phone, conference_phone_notes, types, notes, active,
            created_at, updated_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
            $19, $20, $21, $22, $23, $24, $25, $26, $27, $27)
        on conflict (slug) do update set group_id = excluded.group_id, name = excluded.name,
            frequency = excluded.frequency, days = excluded.days, month_week = excluded.month_week,
            starts_on = excluded.starts_on, ends_on = excluded.ends_on,
            start_time = excluded.start_time, end_time = excluded.end_time,
            time_zone = excluded.time_zone, location = excluded.location,
            formatted_address = excluded.formatted_address,
            location_notes = excluded.location_notes, approximate = excluded.approximate,
            latitude = excluded.latitude, longitude = excluded.longitude, region = excluded.region,
            conference_url = excluded.conference_url,
            conference_url_notes = excluded.conference_url_notes,
            conference_phone = excluded.conference_phone,
            conference_phone_notes = excluded.conference_phone_notes, types = excluded.types,
            notes = excluded.notes, active = excluded.active,
            sequence = meeting.sequence + 1, updated_at = excluded.updated_at
        returning id";
    let s = &m.schedule;
    on_tx!(tx, |x| sqlx::query_scalar(SQL)
        .bind(id)
        .bind(group)
        .bind(slug)
        .bind(&m.name)
        .bind(s.frequency.key())
        .bind(i64::from(s.days))
        .bind(s.month_week.map(i64::from))
        .bind(s.starts_on)
        .bind(s.ends_on)
        .bind(s.start.format("%H:%M").to_string())
        .bind(s.end_time().format("%H:%M").to_string())
        .bind(s.tz.name())
        .bind(&m.location)
        .bind(&m.formatted_address)
        .bind(&m.location_notes)
        .bind(m.approximate)
        .bind(m.latitude)
        .bind(m.longitude)
        .bind(&m.region)
        .bind(&m.conference_url)
        .bind(&m.conference_url_notes)
        .bind(&m.conference_phone)
        .bind(&m.conference_phone_notes)
        .bind(types_column(&m.types))
        .bind(&m.notes)
        .bind(m.active)
        .bind(now)
        .fetch_one(x)
        .await)
}

pub async fn delete(tx: &mut Tx, id: Uuid) -> sqlx::Result<()> {
    on_tx!(tx, |x| sqlx::query("delete from meeting where id = $1")
        .bind(id)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A meeting if `viewer` may see its group.
pub async fn visible(
    db: &Db,
    slug: &str,
    viewer: Option<MemberId>,
) -> sqlx::Result<Option<MeetingRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select {COLUMNS} from meeting m join peer_group g on g.id = m.group_id
            where m.slug = $1 and (g.visibility <> 'private' or exists (
                select 1 from group_member gm
                where gm.group_id = g.id and gm.member_id = $2 and gm.state = 'active'))"
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |x| sqlx::query_as(sql)
        .bind(slug)
        .bind(viewer)
        .fetch_optional(x)
        .await)
}

/// A group's meetings (the caller checked the group is visible).
pub async fn of_group(db: &Db, group: Uuid) -> sqlx::Result<Vec<MeetingRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select {COLUMNS} from meeting m join peer_group g on g.id = m.group_id
            where m.group_id = $1 order by m.start_time, m.name limit 500"
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |x| sqlx::query_as(sql).bind(group).fetch_all(x).await)
}

/// Meetings of the groups a member is active in.
pub async fn of_member(db: &Db, member: MemberId) -> sqlx::Result<Vec<MeetingRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select {COLUMNS} from group_member gm
            join peer_group g on g.id = gm.group_id
            join meeting m on m.group_id = g.id
            where gm.member_id = $1 and gm.state = 'active'
            order by g.slug, m.start_time limit 2000"
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |x| sqlx::query_as(sql).bind(member).fetch_all(x).await)
}

/// What the Meeting Guide feed shows of one meeting (and its group).
#[derive(Clone, Debug, serde::Deserialize)]
pub struct FeedRow {
    pub slug: String,
    pub name: String,
    pub days: i64,
    pub start_time: String,
    pub end_time: String,
    pub time_zone: String,
    pub location: String,
    pub formatted_address: String,
    pub location_notes: String,
    #[serde(deserialize_with = "flag")]
    pub approximate: bool,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub region: String,
    pub conference_url: String,
    pub conference_url_notes: String,
    pub conference_phone: String,
    pub conference_phone_notes: String,
    pub types: String,
    pub notes: String,
    #[serde(deserialize_with = "flag")]
    pub active: bool,
    pub updated_at: DateTime<Utc>,
    pub group_name: String,
    pub group_contact: String,
}

/// 0 or 1, as both databases give `case when ... then 1 else 0 end`.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    <i64 as serde::Deserialize>::deserialize(d).map(|v| v != 0)
}

/// Every active weekly meeting of a public group, for the Meeting Guide
/// feed, by slug.
pub async fn public_weekly(db: &Db) -> sqlx::Result<Vec<FeedRow>> {
    feed_rows(feed_part(db, None, None).await?)
}

/// On SQLite, the slug that splits the meetings in two halves, so the feed
/// is built in two parts at once (one query keeps one core busy and leaves
/// the other idle); `None` on PostgreSQL, which works in its own process.
pub async fn feed_split(db: &Db) -> sqlx::Result<Option<String>> {
    match db {
        Db::Sqlite(s) => {
            sqlx::query_scalar(
                "select slug from meeting order by slug
                limit 1 offset (select count(*) / 2 from meeting)",
            )
            .fetch_optional(&s.read)
            .await
        }
        Db::Postgres(_) => Ok(None),
    }
}

/// The feed's meetings with slugs from `from` (inclusive) up to `below`,
/// as JSON for [`feed_rows`]. Bounds apply on SQLite, which compares
/// slugs by bytes (see [`feed_split`]).
///
/// The database builds the list as one JSON array of arrays (each in
/// `FeedRow`'s field order): twenty thousand rows of 23 columns cost the
/// SQLite driver two allocations per column value and a hop between
/// threads per row, which was most of the feed's generation time
/// (`BENCHMARKS.md`, issue 7); one value is one of each.
pub async fn feed_part(
    db: &Db,
    from: Option<&str>,
    below: Option<&str>,
) -> sqlx::Result<Option<String>> {
    fn sql(aggregate: &str, array: &str, text: &str, part: &str) -> String {
        format!(
            "select {aggregate}({array}(m.slug, m.name, m.days, m.start_time, m.end_time,
                m.time_zone, m.location, m.formatted_address, m.location_notes,
                case when m.approximate then 1 else 0 end, m.latitude, m.longitude, m.region,
                m.conference_url, m.conference_url_notes, m.conference_phone,
                m.conference_phone_notes, m.types, m.notes,
                case when m.active then 1 else 0 end, m.updated_at, g.name,
                case when g.contact_public then g.contact_email else '' end)){text}
            from meeting m join peer_group g on g.id = m.group_id
            where g.visibility = 'public' and m.frequency = 'weekly' {part}"
        )
    }
    static SQLITE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        sql(
            "json_group_array",
            "json_array",
            "",
            "and ($1 is null or m.slug >= $1) and ($2 is null or m.slug < $2)",
        )
    });
    static POSTGRES: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| sql("json_agg", "json_build_array", "::text", ""));
    match db {
        Db::Sqlite(s) => {
            sqlx::query_scalar(SQLITE.as_str())
                .bind(from)
                .bind(below)
                .fetch_one(&s.read)
                .await
        }
        Db::Postgres(p) => sqlx::query_scalar(POSTGRES.as_str()).fetch_one(p).await,
    }
}

/// Parses [`feed_part`]'s JSON, sorted by slug (by bytes, the same on both
/// databases whatever their collation). `json_agg` of no rows is null;
/// `json_group_array`'s is `[]`.
pub fn feed_rows(json: Option<String>) -> sqlx::Result<Vec<FeedRow>> {
    let mut rows: Vec<FeedRow> = crate::db::rows_from_json(json.as_deref())?;
    rows.sort_unstable_by(|a, b| a.slug.cmp(&b.slug));
    Ok(rows)
}

/// The meetings' version: moved by every transaction that writes a
/// meeting, an exception or a group (triggers, migration 0014), in the
/// order they commit, so a cache kept by it never keeps an answer older
/// than the last committed write.
pub async fn feed_version(db: &Db) -> sqlx::Result<String> {
    const SQL: &str = "select version from meeting_version where id = 1";
    let version: i64 = on_db!(db, |x| sqlx::query_scalar(SQL).fetch_one(x).await)?;
    Ok(version.to_string())
}

/// The finder's filters, checked.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Bit mask of days; 0 for any.
    pub days: i64,
    /// Local `HH:MM` window [after, before).
    pub after: String,
    pub before: String,
    pub type_code: String,
    /// 0 any, 1 online, 2 in person.
    pub attendance: i64,
    pub q: String,
    pub near: Option<(f64, f64)>,
    /// Once-only meetings before this date are over.
    pub today: NaiveDate,
}

/// Public meetings matching the finder's filters.
pub async fn find(db: &Db, f: &Filter) -> sqlx::Result<Vec<MeetingRow>> {
    find_in(db, f, false).await
}

/// Every match, unpaged ("happening now" looks at a whole day's meetings).
pub async fn find_all(db: &Db, f: &Filter) -> sqlx::Result<Vec<MeetingRow>> {
    find_in(db, f, true).await
}

/// The finder's page as one JSON array of arrays, each in [`MeetingRow`]'s
/// field order. Two hundred rows of 33 columns cost the SQLite driver two
/// allocations per value and a hop between threads per row, which was
/// most of a finder miss (`BENCHMARKS.md`, issue 7); one value is one of
/// each.
fn finder_sql(postgres: bool, by_distance: bool, limit: u32) -> String {
    // `cross join` keeps SQLite walking meetings in the time index's order
    // (and stopping at a page) instead of visiting every public group.
    const WHERE: &str = "where g.id = m.group_id and g.visibility = 'public' and m.active
          and ($1 = 0 or (m.days & $1) <> 0)
          and m.start_time >= $2 and m.start_time < $3
          and ($4 = '' or m.types like $5)
          and ($6 = 0 or ($6 = 1 and (m.conference_url <> '' or m.conference_phone <> ''))
                      or ($6 = 2 and m.formatted_address <> '' and not m.approximate))
          and ($7 = '' or lower(m.name) like $8 escape '\\' or lower(g.name) like $8 escape '\\'
               or lower(m.location) like $8 escape '\\'
               or lower(m.formatted_address) like $8 escape '\\'
               or lower(m.region) like $8 escape '\\')
          and (m.frequency <> 'once' or m.starts_on >= $9)
          and (m.ends_on is null or m.ends_on >= $9)";
    // SQLite keeps ids as 16-byte blobs, which JSON can't hold.
    let (id, group_id) = if postgres {
        ("m.id", "m.group_id")
    } else {
        ("lower(hex(m.id))", "lower(hex(m.group_id))")
    };
    let (keys, order) = if by_distance {
        (
            "case when m.latitude is null then 1 else 0 end as k1,
            (m.latitude - $10) * (m.latitude - $10)
              + ((m.longitude - $11) * $12) * ((m.longitude - $11) * $12) as k2,
            m.start_time as k3, m.slug as k4",
            "k1, k2, k3, k4",
        )
    } else {
        (
            "m.start_time as k1, m.name as k2, m.slug as k3",
            "k1, k2, k3",
        )
    };
    // PostgreSQL orders inside the aggregate. SQLite would sort the page
    // again there, in a temporary B-tree holding every row's JSON, so it
    // joins the rows' JSON texts in the order the subquery yields them: a
    // subquery with a `limit` runs as a co-routine, row by row in its
    // `order by` (the finder's tests check both orders on both databases).
    let (aggregate, array) = if postgres {
        (
            format!("json_agg(r order by {order})::text"),
            "json_build_array",
        )
    } else {
        (crate::db::sqlite_json_rows("r"), "json_array")
    };
    format!(
        "select {aggregate} from (
            select {array}({id}, {group_id}, m.slug, m.name, m.frequency, m.days,
                m.month_week, m.starts_on, m.ends_on, m.start_time, m.end_time, m.time_zone,
                m.location, m.formatted_address, m.location_notes,
                case when m.approximate then 1 else 0 end, m.latitude, m.longitude, m.region,
                m.conference_url, m.conference_url_notes, m.conference_phone,
                m.conference_phone_notes, m.types, m.notes,
                case when m.active then 1 else 0 end, m.sequence, m.created_at, m.updated_at,
                g.slug, g.name, g.visibility,
                case when g.contact_public then g.contact_email else '' end) as r,
                {keys}
            from meeting m cross join peer_group g {WHERE}
            order by {order} limit {limit}) page"
    )
}

async fn find_in(db: &Db, f: &Filter, all: bool) -> sqlx::Result<Vec<MeetingRow>> {
    use std::sync::LazyLock;
    // [sqlite, postgres] for each order.
    static BY_TIME: LazyLock<[String; 2]> =
        LazyLock::new(|| [false, true].map(|pg| finder_sql(pg, false, 200)));
    static ALL: LazyLock<[String; 2]> =
        LazyLock::new(|| [false, true].map(|pg| finder_sql(pg, false, 20000)));
    static BY_DISTANCE: LazyLock<[String; 2]> =
        LazyLock::new(|| [false, true].map(|pg| finder_sql(pg, true, 200)));
    let backend = usize::from(matches!(db, Db::Postgres(_)));
    let type_like = format!("%,{},%", f.type_code);
    let q = f.q.to_lowercase();
    let q_like = format!("%{}%", crate::db::like_literal(&q));
    let time_sql: &'static str = if all {
        &ALL[backend]
    } else {
        &BY_TIME[backend]
    };
    let distance_sql: &'static str = &BY_DISTANCE[backend];
    macro_rules! filtered {
        ($sql:expr) => {
            sqlx::query_scalar($sql)
                .bind(f.days)
                .bind(&f.after)
                .bind(&f.before)
                .bind(&f.type_code)
                .bind(&type_like)
                .bind(f.attendance)
                .bind(&q)
                .bind(&q_like)
                .bind(f.today)
        };
    }
    let json: Option<String> = match f.near {
        None => on_db!(db, |x| filtered!(time_sql).fetch_one(x).await)?,
        Some((lat, lng)) => {
            // Degrees of longitude shrink towards the poles.
            let scale = lat.to_radians().cos();
            on_db!(db, |x| filtered!(distance_sql)
                .bind(lat)
                .bind(lng)
                .bind(scale)
                .fetch_one(x)
                .await)?
        }
    };
    // No rows give null on PostgreSQL.
    crate::db::rows_from_json(json.as_deref())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExceptionRow {
    pub meeting_id: Uuid,
    pub on_date: NaiveDate,
    pub cancelled: bool,
    pub moved_start: Option<String>,
    pub moved_end: Option<String>,
    pub note: String,
}

impl ExceptionRow {
    pub fn exception(&self) -> Exception {
        let parse = |s: &Option<String>| {
            s.as_deref()
                .and_then(|s| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").ok())
        };
        Exception {
            on_date: self.on_date,
            cancelled: self.cancelled,
            moved: parse(&self.moved_start).zip(parse(&self.moved_end)),
            note: self.note.clone(),
        }
    }
}

/// Exceptions of one meeting, or of every meeting in `ids`' groups.
pub async fn exceptions_of(db: &Db, meeting: Uuid) -> sqlx::Result<Vec<ExceptionRow>> {
    const SQL: &str = "select meeting_id, on_date, cancelled, moved_start, moved_end, note
        from meeting_exception where meeting_id = $1 order by on_date";
    on_db!(db, |x| sqlx::query_as(SQL).bind(meeting).fetch_all(x).await)
}

/// Exceptions on dates from `from` on (all meetings): few rows, for
/// "happening now" and for the feeds.
pub async fn exceptions_from(db: &Db, from: NaiveDate) -> sqlx::Result<Vec<ExceptionRow>> {
    const SQL: &str = "select meeting_id, on_date, cancelled, moved_start, moved_end, note
        from meeting_exception where on_date >= $1 order by meeting_id, on_date";
    on_db!(db, |x| sqlx::query_as(SQL).bind(from).fetch_all(x).await)
}

pub async fn set_exception(
    tx: &mut Tx,
    meeting: Uuid,
    ex: &Exception,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "insert into meeting_exception (meeting_id, on_date, cancelled, moved_start,
            moved_end, note, created_at)
        values ($1, $2, $3, $4, $5, $6, $7)
        on conflict (meeting_id, on_date) do update set cancelled = excluded.cancelled,
            moved_start = excluded.moved_start, moved_end = excluded.moved_end,
            note = excluded.note";
    let fmt = |t: Option<NaiveDateTime>| t.map(|t| t.format("%Y-%m-%dT%H:%M").to_string());
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(meeting)
        .bind(ex.on_date)
        .bind(ex.cancelled)
        .bind(fmt(ex.moved.map(|m| m.0)))
        .bind(fmt(ex.moved.map(|m| m.1)))
        .bind(&ex.note)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    bump(tx, meeting, now).await
}

pub async fn clear_exception(
    tx: &mut Tx,
    meeting: Uuid,
    on_date: NaiveDate,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "delete from meeting_exception where meeting_id = $1 and on_date = $2";
    let n = on_tx!(tx, |x| sqlx::query(SQL)
        .bind(meeting)
        .bind(on_date)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    bump(tx, meeting, now).await?;
    Ok(n == 1)
}

/// A calendar client sees the change: one more SEQUENCE.
async fn bump(tx: &mut Tx, meeting: Uuid, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "update meeting set sequence = sequence + 1, updated_at = $2 where id = $1";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(meeting)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

// ---- the private calendar feed's token --------------------------------------

pub async fn set_calendar_token(
    tx: &mut Tx,
    member: MemberId,
    hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str =
        "insert into calendar_token (member_id, token_hash, created_at) values ($1, $2, $3)
        on conflict (member_id) do update set token_hash = excluded.token_hash,
            created_at = excluded.created_at";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(member)
        .bind(hash)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn revoke_calendar_token(tx: &mut Tx, member: MemberId) -> sqlx::Result<bool> {
    let n = on_tx!(tx, |x| sqlx::query(
        "delete from calendar_token where member_id = $1"
    )
    .bind(member)
    .execute(x)
    .await
    .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn has_calendar_token(db: &Db, member: MemberId) -> sqlx::Result<bool> {
    const SQL: &str = "select count(*) from calendar_token where member_id = $1";
    let n: i64 = on_db!(db, |x| sqlx::query_scalar(SQL)
        .bind(member)
        .fetch_one(x)
        .await)?;
    Ok(n > 0)
}

pub async fn member_by_calendar_token(
    db: &Db,
    hash: &[u8],
) -> sqlx::Result<Option<(MemberId, String)>> {
    const SQL: &str =
        "select m.id, m.handle from calendar_token c join member m on m.id = c.member_id
        where c.token_hash = $1";
    on_db!(db, |x| sqlx::query_as(SQL)
        .bind(hash)
        .fetch_optional(x)
        .await)
}
