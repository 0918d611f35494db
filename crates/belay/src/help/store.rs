//! Help request SQL.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    accounts::MemberId,
    circle::store::{CIRCLE_CHECK, check},
    db::{Db, Tx, on_db, on_tx},
};

pub struct NewRequest<'a> {
    pub id: Uuid,
    pub member: MemberId,
    pub what: &'a str,
    pub when: &'a str,
    pub place: &'a str,
}

pub async fn insert(tx: &mut Tx, r: &NewRequest<'_>, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "insert into help_request (id, member_id, what, when_text, where_text, state,
            created_at, updated_at)
        values ($1, $2, $3, $4, $5, 'open', $6, $6)";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(r.id)
        .bind(r.member)
        .bind(r.what)
        .bind(r.when)
        .bind(r.place)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Everyone in the asker's circle (accepted, no block), as `(id, handle key)`.
pub async fn circle_of(tx: &mut Tx, member: MemberId) -> sqlx::Result<Vec<(MemberId, String)>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select m.id, m.handle_key from member m where m.id <> $1 and {}
            order by m.handle_key",
            check(CIRCLE_CHECK, &[("a", "m.id"), ("b", "$1")])
        )
    });
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |x| sqlx::query_as(sql).bind(member).fetch_all(x).await)
}

pub async fn add_recipient(tx: &mut Tx, request: Uuid, member: MemberId) -> sqlx::Result<()> {
    const SQL: &str = "insert into help_recipient (request_id, member_id) values ($1, $2)
        on conflict do nothing";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(request)
        .bind(member)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RequestRow {
    pub id: Uuid,
    pub member_id: MemberId,
    pub handle: String,
    pub what: String,
    pub when_text: String,
    pub where_text: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

/// The request if `viewer` asked it, or was asked and is still in the
/// asker's circle.
static VISIBLE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "select h.id, h.member_id, m.handle, h.what, h.when_text, h.where_text, h.state, h.created_at
        from help_request h join member m on m.id = h.member_id
        where h.id = $1 and (h.member_id = $2 or (
            h.hidden_at is null and exists (select 1 from help_recipient r where r.request_id = h.id and r.member_id = $2)
            and {}))",
        check(CIRCLE_CHECK, &[("a", "h.member_id"), ("b", "$2")])
    )
});

pub async fn visible(db: &Db, id: Uuid, viewer: MemberId) -> sqlx::Result<Option<RequestRow>> {
    let sql: &'static str = VISIBLE.as_str();
    on_db!(db, |x| sqlx::query_as(sql)
        .bind(id)
        .bind(viewer)
        .fetch_optional(x)
        .await)
}

pub async fn visible_in_tx(
    tx: &mut Tx,
    id: Uuid,
    viewer: MemberId,
) -> sqlx::Result<Option<RequestRow>> {
    let sql: &'static str = VISIBLE.as_str();
    on_tx!(tx, |x| sqlx::query_as(sql)
        .bind(id)
        .bind(viewer)
        .fetch_optional(x)
        .await)
}

/// Requests I asked (`mine`) or was asked (still in the asker's circle),
/// newest first.
pub async fn list(db: &Db, me: MemberId, mine: bool) -> sqlx::Result<Vec<RequestRow>> {
    const MINE: &str = "select h.id, h.member_id, m.handle, h.what, h.when_text, h.where_text,
            h.state, h.created_at
        from help_request h join member m on m.id = h.member_id
        where h.member_id = $1 order by h.created_at desc limit 100";
    static ASKED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select h.id, h.member_id, m.handle, h.what, h.when_text, h.where_text, h.state,
                h.created_at
            from help_recipient r join help_request h on h.id = r.request_id
            join member m on m.id = h.member_id
            where r.member_id = $1 and h.hidden_at is null and {}
            order by h.created_at desc limit 100",
            check(CIRCLE_CHECK, &[("a", "h.member_id"), ("b", "$1")])
        )
    });
    let sql: &'static str = if mine { MINE } else { ASKED.as_str() };
    on_db!(db, |x| sqlx::query_as(sql).bind(me).fetch_all(x).await)
}

/// Who was asked, as handles.
pub async fn recipients(db: &Db, request: Uuid) -> sqlx::Result<Vec<String>> {
    const SQL: &str = "select m.handle from help_recipient r join member m on m.id = r.member_id
        where r.request_id = $1 order by m.handle_key";
    on_db!(db, |x| sqlx::query_scalar(SQL)
        .bind(request)
        .fetch_all(x)
        .await)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OfferRow {
    pub id: Uuid,
    pub member_id: MemberId,
    pub handle: String,
    pub note: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

/// A request's offers: all of them for the asker, only their own for
/// anyone else.
pub async fn offers(
    db: &Db,
    request: Uuid,
    viewer: MemberId,
    asker: bool,
) -> sqlx::Result<Vec<OfferRow>> {
    const SQL: &str = "select o.id, o.member_id, m.handle, o.note, o.state, o.created_at
        from help_offer o join member m on m.id = o.member_id
        where o.request_id = $1 and ($3 or o.member_id = $2)
        order by o.created_at, m.handle_key";
    on_db!(db, |x| sqlx::query_as(SQL)
        .bind(request)
        .bind(viewer)
        .bind(asker)
        .fetch_all(x)
        .await)
}

pub async fn offers_in_tx(tx: &mut Tx, request: Uuid) -> sqlx::Result<Vec<OfferRow>> {
    const SQL: &str = "select o.id, o.member_id, m.handle, o.note, o.state, o.created_at
        from help_offer o join member m on m.id = o.member_id
        where o.request_id = $1 order by o.created_at, m.handle_key";
    on_tx!(tx, |x| sqlx::query_as(SQL).bind(request).fetch_all(x).await)
}

/// Adds an offer; false if this member has offered already.
pub async fn insert_offer(
    tx: &mut Tx,
    id: Uuid,
    request: Uuid,
    member: MemberId,
    note: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "insert into help_offer (id, request_id, member_id, note, state, created_at)
        values ($1, $2, $3, $4, 'offered', $5) on conflict (request_id, member_id) do nothing";
    let added = on_tx!(tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(request)
        .bind(member)
        .bind(note)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(added == 1)
}

/// Moves an open request to `to`; false if it was not open (or not the
/// asker's). The first accept wins.
pub async fn close(
    tx: &mut Tx,
    id: Uuid,
    asker: MemberId,
    to: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "update help_request set state = $3, updated_at = $4
        where id = $1 and member_id = $2 and state = 'open'";
    let done = on_tx!(tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(asker)
        .bind(to)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// Accepts one offer and declines the rest.
pub async fn settle_offers(tx: &mut Tx, request: Uuid, accepted: Option<Uuid>) -> sqlx::Result<()> {
    const SQL: &str = "update help_offer
        set state = case when id = $2 then 'accepted' else 'declined' end
        where request_id = $1 and state = 'offered'";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(request)
        .bind(accepted)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// The handles of everyone in my circle, for the asking form.
pub async fn circle_handles(db: &Db, member: MemberId) -> sqlx::Result<Vec<String>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select m.handle from member m where m.id <> $1 and {} order by m.handle_key",
            check(CIRCLE_CHECK, &[("a", "m.id"), ("b", "$1")])
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |x| sqlx::query_scalar(sql)
        .bind(member)
        .fetch_all(x)
        .await)
}
