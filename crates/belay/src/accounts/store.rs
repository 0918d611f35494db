//! Accounts SQL: members, sessions and API tokens.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::MemberId;
use crate::db::{Db, Tx, on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub id: MemberId,
    pub handle: String,
    pub email: Option<String>,
    pub time_zone: String,
    pub language: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub email_notices: bool,
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    pub quiet_allows_reach_out: bool,
}

pub struct NewMember<'a> {
    pub id: MemberId,
    pub handle: &'a str,
    pub password_hash: &'a str,
    pub email: Option<&'a str>,
    pub time_zone: &'a str,
    pub role: &'a str,
    pub now: DateTime<Utc>,
}

/// Fails with a unique violation when the handle is taken.
pub async fn insert_member(tx: &mut Tx, m: &NewMember<'_>) -> sqlx::Result<()> {
    const SQL: &str = "insert into member
        (id, handle, handle_key, password_hash, email, time_zone, role, created_at, updated_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $8)";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(m.id)
        .bind(m.handle)
        .bind(m.handle.to_ascii_lowercase())
        .bind(m.password_hash)
        .bind(m.email)
        .bind(m.time_zone)
        .bind(m.role)
        .bind(m.now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn member_by_id(db: &Db, id: MemberId) -> sqlx::Result<Option<MemberRow>> {
    const SQL: &str = "select id, handle, email, time_zone, language, role, created_at,
            email_notices, quiet_start, quiet_end, quiet_allows_reach_out
        from member where id = $1";
    on_db!(db, |p| sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

/// A member with their profile, for `GET /me`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberWithProfileRow {
    #[sqlx(flatten)]
    pub member: MemberRow,
    #[sqlx(flatten)]
    pub profile: crate::profile::store::ProfileRow,
}

pub async fn member_with_profile(
    db: &Db,
    id: MemberId,
) -> sqlx::Result<Option<MemberWithProfileRow>> {
    const SQL: &str =
        "select m.id, m.handle, m.email, m.time_zone, m.language, m.role, m.created_at,
            m.email_notices, m.quiet_start, m.quiet_end, m.quiet_allows_reach_out,
            p.discoverable, p.focus, p.pathway, p.languages, p.bio, p.seeking, p.offering,
            p.vis_focus, p.vis_pathway, p.vis_languages, p.vis_bio, p.vis_seeking,
            p.vis_offering, p.vis_clocks
        from member m join profile p on p.member_id = m.id where m.id = $1";
    on_db!(db, |p| sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

pub async fn member_by_handle(db: &Db, handle_key: &str) -> sqlx::Result<Option<MemberRow>> {
    const SQL: &str = "select id, handle, email, time_zone, language, role, created_at,
            email_notices, quiet_start, quiet_end, quiet_allows_reach_out
        from member where handle_key = $1";
    on_db!(db, |p| sqlx::query_as(SQL)
        .bind(handle_key)
        .fetch_optional(p)
        .await)
}

/// The id and password hash for a login attempt.
pub async fn credentials(db: &Db, handle_key: &str) -> sqlx::Result<Option<(MemberId, String)>> {
    const SQL: &str = "select id, password_hash from member where handle_key = $1";
    on_db!(db, |p| sqlx::query_as(SQL)
        .bind(handle_key)
        .fetch_optional(p)
        .await)
}

pub async fn password_hash(db: &Db, id: MemberId) -> sqlx::Result<Option<String>> {
    const SQL: &str = "select password_hash from member where id = $1";
    on_db!(db, |p| sqlx::query_scalar(SQL)
        .bind(id)
        .fetch_optional(p)
        .await)
}

pub async fn set_password_hash(
    tx: &mut Tx,
    id: MemberId,
    hash: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "update member set password_hash = $2, updated_at = $3 where id = $1";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(hash)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_email_and_zone(
    tx: &mut Tx,
    id: MemberId,
    email: Option<&str>,
    time_zone: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "update member set email = $2, time_zone = $3, updated_at = $4 where id = $1";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(email)
        .bind(time_zone)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_notice_settings(
    tx: &mut Tx,
    id: MemberId,
    email_notices: bool,
    quiet: Option<(&str, &str)>,
    allows_reach_out: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "update member set email_notices = $2, quiet_start = $3, quiet_end = $4,
            quiet_allows_reach_out = $5, updated_at = $6
        where id = $1";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(email_notices)
        .bind(quiet.map(|q| q.0))
        .bind(quiet.map(|q| q.1))
        .bind(allows_reach_out)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_role(
    tx: &mut Tx,
    handle_key: &str,
    role: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "update member set role = $2, updated_at = $3 where handle_key = $1";
    let done = on_tx!(tx, |c| sqlx::query(SQL)
        .bind(handle_key)
        .bind(role)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}

/// A session or token joined with the member it authenticates.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuthRow {
    pub member_id: MemberId,
    pub handle: String,
    pub time_zone: String,
    pub role: String,
    /// Sessions: the CSRF token. Tokens: the token's id, as text.
    pub secret_or_id: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub suspended_until: Option<DateTime<Utc>>,
    pub banned_at: Option<DateTime<Utc>>,
}

pub async fn insert_session(
    tx: &mut Tx,
    id_hash: &[u8],
    member: MemberId,
    csrf: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str =
        "insert into session (id_hash, member_id, csrf_token, created_at, last_seen_at)
        values ($1, $2, $3, $4, $4)";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id_hash)
        .bind(member)
        .bind(csrf)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn find_session(db: &Db, id_hash: &[u8]) -> sqlx::Result<Option<AuthRow>> {
    const SQL: &str = "select s.member_id, m.handle, m.time_zone, m.role,
            s.csrf_token as secret_or_id, s.created_at, s.last_seen_at,
            m.suspended_until, m.banned_at
        from session s join member m on m.id = s.member_id
        where s.id_hash = $1";
    on_db!(db, |p| sqlx::query_as(SQL)
        .bind(id_hash)
        .fetch_optional(p)
        .await)
}

pub async fn touch_session(db: &Db, id_hash: &[u8], now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "update session set last_seen_at = $2 where id_hash = $1";
    let mut tx = db.begin_write().await?;
    on_tx!(&mut tx, |c| sqlx::query(SQL)
        .bind(id_hash)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    tx.commit().await
}

pub async fn delete_session(tx: &mut Tx, id_hash: &[u8]) -> sqlx::Result<()> {
    const SQL: &str = "delete from session where id_hash = $1";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id_hash)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Ends every session of a member but `keep` (after a password change).
pub async fn delete_other_sessions(
    tx: &mut Tx,
    member: MemberId,
    keep: &[u8],
) -> sqlx::Result<u64> {
    const SQL: &str = "delete from session where member_id = $1 and id_hash <> $2";
    let done = on_tx!(tx, |c| sqlx::query(SQL)
        .bind(member)
        .bind(keep)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done)
}

pub async fn delete_expired_sessions(
    db: &Db,
    idle_before: DateTime<Utc>,
    created_before: DateTime<Utc>,
) -> sqlx::Result<u64> {
    const SQL: &str = "delete from session where last_seen_at < $1 or created_at < $2";
    let mut tx = db.begin_write().await?;
    let done = on_tx!(&mut tx, |c| sqlx::query(SQL)
        .bind(idle_before)
        .bind(created_before)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    Ok(done)
}

pub async fn insert_token(
    tx: &mut Tx,
    id: Uuid,
    member: MemberId,
    hash: &[u8],
    label: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "insert into api_token (id, member_id, token_hash, label, created_at)
        values ($1, $2, $3, $4, $5)";
    on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(member)
        .bind(hash)
        .bind(label)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub member_id: MemberId,
    pub handle: String,
    pub time_zone: String,
    pub role: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub suspended_until: Option<DateTime<Utc>>,
    pub banned_at: Option<DateTime<Utc>>,
}

pub async fn find_token(db: &Db, hash: &[u8]) -> sqlx::Result<Option<TokenRow>> {
    const SQL: &str = "select t.id, t.member_id, m.handle, m.time_zone, m.role, t.last_used_at,
            m.suspended_until, m.banned_at
        from api_token t join member m on m.id = t.member_id
        where t.token_hash = $1 and t.revoked_at is null";
    on_db!(db, |p| sqlx::query_as(SQL)
        .bind(hash)
        .fetch_optional(p)
        .await)
}

pub async fn touch_token(db: &Db, id: Uuid, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "update api_token set last_used_at = $2 where id = $1";
    let mut tx = db.begin_write().await?;
    on_tx!(&mut tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    tx.commit().await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenListRow {
    pub id: Uuid,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub async fn list_tokens(db: &Db, member: MemberId) -> sqlx::Result<Vec<TokenListRow>> {
    const SQL: &str = "select id, label, created_at, last_used_at from api_token
        where member_id = $1 and revoked_at is null order by created_at desc";
    on_db!(db, |p| sqlx::query_as(SQL).bind(member).fetch_all(p).await)
}

/// Revokes one of the member's own tokens; false if there is no such token.
pub async fn revoke_token(
    tx: &mut Tx,
    member: MemberId,
    id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "update api_token set revoked_at = $3
        where id = $1 and member_id = $2 and revoked_at is null";
    let done = on_tx!(tx, |c| sqlx::query(SQL)
        .bind(id)
        .bind(member)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(done == 1)
}
