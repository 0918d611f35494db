//! SQLite reads on the calling thread, for the most-visited pages.
//!
//! sqlx runs each SQLite connection on a thread of its own and hands it
//! every statement through a channel: the task's thread wakes the
//! connection's thread, which wakes the task again with the answer. On a
//! small machine those two wake-ups cost about as much as the home page's
//! statement itself (`BENCHMARKS.md`, issue 6). [`InlineReader`] keeps a
//! few read-only connections of its own (rusqlite, over the same
//! `libsqlite3` that sqlx links) and runs a statement on the thread that
//! asks for it.
//!
//! The price is that the thread is busy while SQLite works, so this is
//! only for short reads bounded by an index and a `LIMIT` (the home page's
//! statement takes about a tenth of a millisecond on 100,000 members);
//! anything that could run long stays on sqlx's threads.
//!
//! The connections open the database read-only and set `query_only`, so
//! nothing written here can reach the file. WAL readers don't wait for the
//! writer; the short busy timeout only covers SQLite's rare recovery
//! moments.

use std::{sync::Mutex, time::Duration};

use rusqlite::{Connection, OpenFlags};

/// Idle connections kept; more are opened when more threads read at once
/// and closed when they are done.
const MAX_IDLE: usize = 4;
const BUSY_TIMEOUT: Duration = Duration::from_millis(250);

#[derive(Debug)]
pub struct InlineReader {
    path: String,
    idle: Mutex<Vec<Connection>>,
}

impl InlineReader {
    /// Reads the database file at `path` (its main database, as
    /// `pragma database_list` names it).
    pub fn new(path: String) -> Self {
        Self {
            path,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS);
        conn.execute_batch(READING)?;
        conn.execute_batch("pragma query_only = ON;")?;
        Ok(conn)
    }

    /// Runs `read` on an idle connection (or a new one) on this thread, in
    /// one read transaction.
    pub fn read<T>(
        &self,
        read: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> sqlx::Result<T> {
        let idle = self.lock().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open().map_err(into_sqlx)?,
        };
        // One read transaction around the closure: its statements see one
        // snapshot, as one statement would (the home page's rows and its
        // feed's two halves agree with each other).
        let answer = control(&conn, "BEGIN")
            .and_then(|()| {
                let answer = read(&conn);
                control(&conn, "COMMIT")?;
                answer
            })
            .map_err(into_sqlx);
        if !conn.is_autocommit() {
            // A statement failed before COMMIT: end the snapshot before
            // the connection goes back (a failed ROLLBACK closes it).
            if control(&conn, "ROLLBACK").is_err() {
                return answer;
            }
        }
        let mut idle = self.lock();
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
        answer
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Statements kept prepared per connection: the reads and units that run
/// here and their control statements all stay prepared (rusqlite keeps 16
/// by default, and evicting one means parsing it again).
const STATEMENTS: usize = 64;

/// Runs control statements (`BEGIN`, `COMMIT`, `RELEASE unit; SAVEPOINT
/// unit`...: fixed text, `;` only between statements) from the
/// connection's statement cache. Run as a batch, each was parsed anew on
/// every read and every unit, which showed in the home page's profile.
pub fn control(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    for one in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        conn.prepare_cached(one)?.execute([])?;
    }
    Ok(())
}

/// The reading settings of sqlx's connections (`connect.rs`).
const READING: &str = "pragma trust_schema = OFF;
     pragma cache_size = -16000;
     pragma mmap_size = 268435456;
     pragma temp_store = memory;";

/// A writer connection for [`super::group`]'s inline units, with the
/// settings of sqlx's writer (`connect.rs`), checked as it checks them:
/// `synchronous=FULL` in WAL, foreign keys on, deleted content zeroed.
///
/// Its busy timeout is zero: the group writer's mutex already orders
/// every writer of this process, so the write lock is busy only while
/// another process (a `belay` command) writes, and a tokio worker must not
/// sit waiting for that. `BEGIN IMMEDIATE` then fails at once with
/// `SQLITE_BUSY`, and the unit goes through sqlx instead, which waits off
/// the worker.
pub fn open_writer(path: &str) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::ZERO)?;
    conn.set_prepared_statement_cache_capacity(STATEMENTS);
    conn.execute_batch(READING)?;
    conn.execute_batch(
        "pragma synchronous = FULL;
         pragma foreign_keys = ON;
         pragma secure_delete = ON;",
    )?;
    let sync: i64 = conn.query_row("pragma synchronous", [], |r| r.get(0))?;
    let mode: String = conn.query_row("pragma journal_mode", [], |r| r.get(0))?;
    let keys: i64 = conn.query_row("pragma foreign_keys", [], |r| r.get(0))?;
    if sync != 2 || !mode.eq_ignore_ascii_case("wal") || keys != 1 {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(format!(
                "durability check failed: synchronous={sync}, journal_mode={mode}, foreign_keys={keys}"
            )),
        ));
    }
    Ok(conn)
}

/// Whether `e` is SQLite's "the database is locked" (another process
/// holds the write lock).
pub fn is_busy(e: &rusqlite::Error) -> bool {
    e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy)
}

/// A failed statement is a database error like any other (a 500 for the
/// page, logged without the statement's values).
pub fn into_sqlx(e: rusqlite::Error) -> sqlx::Error {
    sqlx::Error::Protocol(format!("SQLite: {e}"))
}

/// Binds in the form sqlx-sqlite gives the same Rust values, so a
/// statement compares them with stored values exactly as it would through
/// sqlx: UUIDs as their 16 bytes, times as RFC 3339 text.
pub mod bind {
    use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
    use uuid::Uuid;

    pub fn uuid(id: Uuid) -> [u8; 16] {
        id.into_bytes()
    }

    pub fn time(at: DateTime<Utc>) -> String {
        at.to_rfc3339_opts(SecondsFormat::AutoSi, false)
    }

    pub fn day(day: NaiveDate) -> String {
        day.format("%F").to_string()
    }
}

/// Columns in the forms sqlx writes them, read back as sqlx would: times
/// from RFC 3339 text, days from `YYYY-MM-DD`. (UUIDs, 16-byte blobs, read
/// with rusqlite's own `uuid` support.)
pub mod column {
    use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
    use rusqlite::{Row, types::Type};

    fn parsed<T: std::str::FromStr>(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<T>>
    where
        T::Err: std::error::Error + Send + Sync + 'static,
    {
        let Some(text) = row.get_ref(i)?.as_str_or_null()? else {
            return Ok(None);
        };
        text.parse()
            .map(Some)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e)))
    }

    fn required<T>(i: usize, value: Option<T>) -> rusqlite::Result<T> {
        value.ok_or(rusqlite::Error::InvalidColumnType(
            i,
            "a value".to_owned(),
            Type::Null,
        ))
    }

    pub fn time(row: &Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
        if let Some(at) = row.get_ref(i)?.as_str_or_null()?.and_then(plain_time) {
            return Ok(at);
        }
        required(i, parsed::<DateTime<FixedOffset>>(row, i)?).map(|t| t.with_timezone(&Utc))
    }

    /// `YYYY-MM-DDTHH:MM:SS[.f]+00:00` (what sqlx writes for every UTC time
    /// in this era, with 0, 3, 6 or 9 digits of fraction; `Z` taken too)
    /// read directly: chrono's general parser was a few per cent of the
    /// home page, which reads a time per row. Anything else goes to that
    /// parser.
    fn plain_time(text: &str) -> Option<DateTime<Utc>> {
        let b = text.as_bytes();
        let rest = b.get(19..)?;
        if b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return None;
        }
        let (fraction, zone) = match rest.split_first() {
            Some((b'.', after)) => {
                let digits = after.iter().take_while(|c| c.is_ascii_digit()).count();
                after.split_at(digits)
            }
            _ => (&[][..], rest),
        };
        let dotted = rest.first() == Some(&b'.');
        if !matches!(zone, b"+00:00" | b"Z")
            || fraction.len() > 9
            || (dotted && fraction.is_empty())
        {
            return None;
        }
        let nanos = number(
            fraction
                .iter()
                .chain(std::iter::repeat_n(&b'0', 9 - fraction.len())),
        )?;
        let time = chrono::NaiveTime::from_hms_nano_opt(
            number(&b[11..13])?,
            number(&b[14..16])?,
            number(&b[17..19])?,
            nanos,
        )?;
        Some(plain_day(text.get(..10)?)?.and_time(time).and_utc())
    }

    /// The number ASCII `digits` spell, if they are all digits.
    fn number<'a>(digits: impl IntoIterator<Item = &'a u8>) -> Option<u32> {
        digits.into_iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    }

    pub fn day_or_null(row: &Row<'_>, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
        let fast = row.get_ref(i)?.as_str_or_null()?.and_then(plain_day);
        match fast {
            Some(day) => Ok(Some(day)),
            None => parsed(row, i),
        }
    }

    /// `YYYY-MM-DD` (what sqlx writes for every day in this era) read
    /// directly: chrono's general parser cost a few per cent of a
    /// check-in's save, which reads a date per day back. Anything else
    /// goes to that parser.
    fn plain_day(text: &str) -> Option<NaiveDate> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let year = i32::try_from(number(&b[0..4])?).ok()?;
        NaiveDate::from_ymd_opt(year, number(&b[5..7])?, number(&b[8..10])?)
    }

    pub fn day(row: &Row<'_>, i: usize) -> rusqlite::Result<NaiveDate> {
        required(i, day_or_null(row, i)?)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use sqlx::SqlitePool;
    use uuid::Uuid;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn an_instant() -> Result<DateTime<Utc>, &'static str> {
        Utc.with_ymd_and_hms(2026, 12, 4, 5, 6, 7)
            .single()
            .ok_or("not one instant")
    }

    /// A file database as `serve` opens it (its directory kept alive with
    /// it), with `setup` committed through the writer.
    async fn file_db(
        setup: &[&'static str],
    ) -> Result<(tempfile::TempDir, crate::db::SqliteDb), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let target = crate::db::DatabaseTarget::from_url(None, dir.path())?;
        let crate::db::Db::Sqlite(db) = crate::db::connect(&target).await? else {
            return Err("no URL should mean SQLite".into());
        };
        let mut tx = db.writer.begin().await?;
        for sql in setup {
            sqlx::query(*sql).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok((dir, db))
    }

    /// The binds must match what sqlx stores, or a comparison in SQL would
    /// quietly go wrong: ask sqlx itself.
    #[tokio::test]
    async fn binds_match_what_sqlx_writes() -> TestResult {
        let pool = SqlitePool::connect("sqlite::memory:").await?;
        let at = an_instant()?;
        for t in [at, at + chrono::Duration::microseconds(120)] {
            let stored: String = sqlx::query_scalar("select $1")
                .bind(t)
                .fetch_one(&pool)
                .await?;
            assert_eq!(super::bind::time(t), stored);
        }
        let id = Uuid::new_v4();
        let stored: Vec<u8> = sqlx::query_scalar("select $1")
            .bind(id)
            .fetch_one(&pool)
            .await?;
        assert_eq!(super::bind::uuid(id).as_slice(), stored.as_slice());
        for day in [
            at.date_naive(),
            chrono::NaiveDate::MIN,
            chrono::NaiveDate::MAX,
        ] {
            let stored: String = sqlx::query_scalar("select $1")
                .bind(day)
                .fetch_one(&pool)
                .await?;
            assert_eq!(super::bind::day(day), stored);
        }
        Ok(())
    }

    /// What sqlx wrote reads back as the same values through [`column`].
    #[tokio::test]
    async fn columns_read_what_sqlx_wrote() -> TestResult {
        let (_dir, db) = file_db(&["create table t (at text, id blob, day text)"]).await?;
        let at = an_instant()?;
        let times = [at, at + chrono::Duration::microseconds(120)];
        let (id, day) = (Uuid::new_v4(), at.date_naive());
        let mut tx = db.writer.begin().await?;
        for t in times {
            sqlx::query("insert into t values ($1, $2, $3)")
                .bind(t)
                .bind(id)
                .bind(day)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        let read = db.inline.read(|c| {
            c.prepare("select at, id, day from t order by at")?
                .query_map([], |r| {
                    Ok((
                        super::column::time(r, 0)?,
                        r.get::<_, Uuid>(1)?,
                        super::column::day_or_null(r, 2)?,
                        super::column::day(r, 2)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
        })?;
        let expected: Vec<_> = times.iter().map(|t| (*t, id, Some(day), day)).collect();
        assert_eq!(read, expected);
        Ok(())
    }

    /// Writes each of `values` through sqlx, in order, and reads them back
    /// through `read` on an inline reader (with the database, for more).
    async fn round_trip<T, R>(
        values: &[T],
        read: fn(&rusqlite::Row<'_>, usize) -> rusqlite::Result<R>,
    ) -> Result<(tempfile::TempDir, crate::db::SqliteDb, Vec<R>), Box<dyn std::error::Error>>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Sqlite>
            + sqlx::Type<sqlx::Sqlite>
            + Clone
            + Send
            + 'static,
    {
        let (dir, db) = file_db(&["create table v (n integer, value text)"]).await?;
        let mut tx = db.writer.begin().await?;
        for (n, value) in values.iter().enumerate() {
            sqlx::query("insert into v values ($1, $2)")
                .bind(n as i64)
                .bind(value.clone())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        let back = db.inline.read(|c| {
            c.prepare("select value from v order by n")?
                .query_map([], |r| read(r, 0))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })?;
        Ok((dir, db, back))
    }

    /// Every day sqlx can write reads back the same, on the direct path
    /// (four-digit years) and through chrono's parser (the others).
    #[tokio::test]
    async fn days_read_what_sqlx_wrote() -> TestResult {
        let mut days: Vec<Option<chrono::NaiveDate>> =
            [(2026, 12, 4), (2024, 2, 29), (999, 1, 1), (1, 1, 1)]
                .into_iter()
                .map(|(y, m, d)| chrono::NaiveDate::from_ymd_opt(y, m, d))
                .chain([Some(chrono::NaiveDate::MIN), Some(chrono::NaiveDate::MAX)])
                .collect();
        assert!(days.iter().all(Option::is_some));
        days.push(None);
        let (_dir, db, read) = round_trip(&days, super::column::day_or_null).await?;
        assert_eq!(read, days);
        let bad = db
            .inline
            .read(|c| c.query_row("select '2026-02-30'", [], |r| super::column::day(r, 0)));
        assert!(bad.is_err(), "no such day");
        Ok(())
    }

    /// Every time sqlx can write reads back the same: UTC times of this era
    /// with each length of fraction on the direct path, the others (years
    /// outside four digits, a leap second) through chrono's parser; and
    /// text that is no such time is refused, not misread.
    #[tokio::test]
    async fn times_read_what_sqlx_wrote() -> TestResult {
        let at = an_instant()?;
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .ok_or("a leap second")?
            .and_utc();
        let mut times = vec![
            at,
            at + chrono::Duration::milliseconds(5),
            at + chrono::Duration::microseconds(120),
            at + chrono::Duration::nanoseconds(7),
            leap,
            DateTime::<Utc>::UNIX_EPOCH,
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MAX_UTC,
        ];
        times.extend(
            [(999, 1, 1), (1, 1, 1), (9999, 12, 31), (10000, 1, 1)]
                .into_iter()
                .filter_map(|(y, m, d)| Utc.with_ymd_and_hms(y, m, d, 23, 59, 58).single()),
        );
        assert_eq!(times.len(), 12);
        let (_dir, db, read) = round_trip(&times, super::column::time).await?;
        assert_eq!(read, times);
        for (text, expected) in [
            ("2026-12-04T05:06:07Z", Some(at)),
            ("2026-12-04T05:06:07.000+00:00", Some(at)),
            ("2026-12-04T06:06:07+01:00", Some(at)),
            (
                "2026-12-04T05:06:07.5+00:00",
                Some(at + chrono::Duration::milliseconds(500)),
            ),
            ("2026-12-04T05:06:07.+00:00", None),
            ("2026-12-04T05:06:07.0000000001+00:00", Some(at)),
            ("2026-12-04T25:06:07+00:00", None),
            ("2026-12-04T05:06:07+00:0", None),
            ("2026-12-04 05:06:07", None),
            ("2026-12-0x", None),
        ] {
            let got = db
                .inline
                .read(|c| c.query_row("select $1", [text], |r| super::column::time(r, 0)));
            assert_eq!(got.ok(), expected, "{text}");
        }
        Ok(())
    }

    /// A read's statements see one snapshot: a commit landing between two
    /// of them shows in neither, and in the next read.
    #[tokio::test]
    async fn a_read_sees_one_snapshot() -> TestResult {
        let (dir, db) =
            file_db(&["create table t (a integer)", "insert into t values (1)"]).await?;
        let file = dir.path().join("belay.db");
        let file = file.to_str().ok_or("a UTF-8 path")?;
        let count = |c: &rusqlite::Connection| {
            c.query_row("select count(*) from t", [], |r| r.get::<_, i64>(0))
        };
        let (before, after) = db.inline.read(|c| {
            let before = count(c)?;
            let other = super::open_writer(file)?;
            other.execute_batch("insert into t values (2)")?;
            Ok((before, count(c)?))
        })?;
        assert_eq!((before, after), (1, 1));
        assert_eq!(db.inline.read(count)?, 2);
        // A failed statement ends its snapshot too.
        let failed = db
            .inline
            .read(|c| c.query_row("select nope from t", [], |r| r.get::<_, i64>(0)));
        assert!(failed.is_err());
        assert_eq!(db.inline.read(count)?, 2);
        Ok(())
    }

    /// Whatever a caller runs, nothing reaches the file through these
    /// connections; reads see what the writer committed.
    #[tokio::test]
    async fn reads_see_commits_and_cannot_write() -> TestResult {
        let (_dir, db) =
            file_db(&["create table t (a integer)", "insert into t values (7)"]).await?;
        let read = db
            .inline
            .read(|c| c.query_row("select a from t", [], |r| r.get::<_, i64>(0)))?;
        assert_eq!(read, 7);
        for write in ["insert into t values (8)", "create table u (b integer)"] {
            let tried = db.inline.read(|c| c.execute(write, []));
            assert!(tried.is_err(), "{write} went through");
        }
        let count: i64 = sqlx::query_scalar("select count(*) from t")
            .fetch_one(&db.read)
            .await?;
        assert_eq!(count, 1);
        Ok(())
    }
}
