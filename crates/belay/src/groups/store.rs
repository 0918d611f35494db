//! Group SQL: groups and memberships, invites, threads and posts, reports
//! and the moderation log.
//!
//! Who may see a group is decided in the query that finds it
//! ([`access`]): a private group's row comes back only to its active or
//! pending members. Discussion queries embed [`MEMBER_CHECK`] so a thread
//! or post is read only by an active member of its group.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{
    accounts::MemberId,
    circle::store::check,
    db::{Db, Tx, on_db, on_tx},
};

/// "`{member}` is an active member of group `{group}`", for a `where`.
pub const MEMBER_CHECK: &str = "exists (select 1 from group_member gmc
    where gmc.group_id = {group} and gmc.member_id = {member} and gmc.state = 'active')";

pub struct NewGroup<'a> {
    pub id: Uuid,
    pub slug: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub formal: bool,
    pub visibility: &'a str,
    pub join_policy: &'a str,
    pub about: &'a str,
    pub contact_email: &'a str,
    pub contact_public: bool,
    pub imported: bool,
    pub created_by: Option<MemberId>,
}

pub async fn insert_group(tx: &mut Tx, g: &NewGroup<'_>, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "insert into peer_group (id, slug, name, kind, formal, visibility,
            join_policy, about, contact_email, contact_public, imported, created_by,
            created_at, updated_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(g.id)
        .bind(g.slug)
        .bind(g.name)
        .bind(g.kind)
        .bind(g.formal)
        .bind(g.visibility)
        .bind(g.join_policy)
        .bind(g.about)
        .bind(g.contact_email)
        .bind(g.contact_public)
        .bind(g.imported)
        .bind(g.created_by)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub struct Settings<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub formal: bool,
    pub visibility: &'a str,
    pub join_policy: &'a str,
    pub about: &'a str,
    pub contact_email: &'a str,
    pub contact_public: bool,
}

pub async fn update_group(
    tx: &mut Tx,
    id: Uuid,
    s: &Settings<'_>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "update peer_group set name = $2, kind = $3, formal = $4, visibility = $5,
            join_policy = $6, about = $7, contact_email = $8, contact_public = $9, updated_at = $10
        where id = $1";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(s.name)
        .bind(s.kind)
        .bind(s.formal)
        .bind(s.visibility)
        .bind(s.join_policy)
        .bind(s.about)
        .bind(s.contact_email)
        .bind(s.contact_public)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// Slugs in use that are `base` or `base-…`, to pick a free one.
pub async fn slugs_like(tx: &mut Tx, table: Table, base: &str) -> sqlx::Result<Vec<String>> {
    const GROUPS: &str = "select slug from peer_group where slug = $1 or slug like $2 escape '\\' order by slug limit 1000";
    const MEETINGS: &str = "select slug from meeting where slug = $1 or slug like $2 escape '\\' order by slug limit 1000";
    let sql = match table {
        Table::Groups => GROUPS,
        Table::Meetings => MEETINGS,
    };
    let like = format!("{}-%", crate::db::like_literal(base));
    on_tx!(tx, |x| sqlx::query_scalar(sql)
        .bind(base)
        .bind(&like)
        .fetch_all(x)
        .await)
}

#[derive(Clone, Copy, Debug)]
pub enum Table {
    Groups,
    Meetings,
}

/// `base`, or `base-2`, `base-3`... whichever is free.
pub fn free_slug(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|s| s == base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|s| !taken.contains(s))
        .unwrap_or_else(|| format!("{base}-{}", Uuid::new_v4().simple()))
}

pub async fn upsert_member(
    tx: &mut Tx,
    group: Uuid,
    member: MemberId,
    role: &str,
    state: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str =
        "insert into group_member (group_id, member_id, role, state, joined_at, updated_at)
        values ($1, $2, $3, $4, $5, $5)
        on conflict (group_id, member_id) do update
        set role = excluded.role, state = excluded.state, updated_at = excluded.updated_at";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(group)
        .bind(member)
        .bind(role)
        .bind(state)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub async fn set_member(
    tx: &mut Tx,
    group: Uuid,
    member: MemberId,
    role: &str,
    state: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "update group_member set role = $3, state = $4, updated_at = $5
        where group_id = $1 and member_id = $2";
    let n = on_tx!(tx, |x| sqlx::query(SQL)
        .bind(group)
        .bind(member)
        .bind(role)
        .bind(state)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn set_notify(
    tx: &mut Tx,
    group: Uuid,
    member: MemberId,
    notify: &str,
) -> sqlx::Result<bool> {
    const SQL: &str = "update group_member set notify = $3
        where group_id = $1 and member_id = $2 and state = 'active'";
    let n = on_tx!(tx, |x| sqlx::query(SQL)
        .bind(group)
        .bind(member)
        .bind(notify)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn delete_member(tx: &mut Tx, group: Uuid, member: MemberId) -> sqlx::Result<bool> {
    const SQL: &str = "delete from group_member where group_id = $1 and member_id = $2";
    let n = on_tx!(tx, |x| sqlx::query(SQL)
        .bind(group)
        .bind(member)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A group as one viewer may see it, with the viewer's membership.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GroupRow {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub formal: bool,
    pub visibility: String,
    pub join_policy: String,
    pub about: String,
    pub contact_email: String,
    pub contact_public: bool,
    pub imported: bool,
    pub created_at: DateTime<Utc>,
    pub my_role: Option<String>,
    pub my_state: Option<String>,
    pub my_notify: Option<String>,
    pub members: i64,
}

const GROUP_COLUMNS: &str = "g.id, g.slug, g.name, g.kind, g.formal, g.visibility, g.join_policy,
    g.about, g.contact_email, g.contact_public, g.imported, g.created_at,
    gm.role as my_role, gm.state as my_state, gm.notify as my_notify,
    (select count(*) from group_member c where c.group_id = g.id and c.state = 'active') as members";

static ACCESS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "select {GROUP_COLUMNS} from peer_group g
        left join group_member gm on gm.group_id = g.id and gm.member_id = $2
        where g.slug = $1 and (g.visibility <> 'private' or gm.state in ('active', 'pending'))"
    )
});

/// The group at `slug` if `viewer` may know it exists: public and unlisted
/// groups to anyone, a private one only to its active or pending members.
pub async fn access(
    db: &Db,
    slug: &str,
    viewer: Option<MemberId>,
) -> sqlx::Result<Option<GroupRow>> {
    let sql: &'static str = ACCESS.as_str();
    on_db!(db, |x| sqlx::query_as(sql)
        .bind(slug)
        .bind(viewer)
        .fetch_optional(x)
        .await)
}

/// The same, inside a write (the membership may have just changed).
pub async fn access_in_tx(
    tx: &mut Tx,
    slug: &str,
    viewer: Option<MemberId>,
) -> sqlx::Result<Option<GroupRow>> {
    let sql: &'static str = ACCESS.as_str();
    on_tx!(tx, |x| sqlx::query_as(sql)
        .bind(slug)
        .bind(viewer)
        .fetch_optional(x)
        .await)
}

/// A group whatever its visibility, with `viewer`'s membership: only for
/// a caller that holds a permission of its own (a checked invite code).
pub async fn by_slug_unchecked(
    tx: &mut Tx,
    slug: &str,
    viewer: MemberId,
) -> sqlx::Result<Option<GroupRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select {GROUP_COLUMNS} from peer_group g
            left join group_member gm on gm.group_id = g.id and gm.member_id = $2
            where g.slug = $1"
        )
    });
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |x| sqlx::query_as(sql)
        .bind(slug)
        .bind(viewer)
        .fetch_optional(x)
        .await)
}

/// The directory: public groups, and any group I belong to or asked to
/// join, by name; `q` filters by name.
pub async fn directory(db: &Db, viewer: Option<MemberId>, q: &str) -> sqlx::Result<Vec<GroupRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select {GROUP_COLUMNS} from peer_group g
            left join group_member gm on gm.group_id = g.id and gm.member_id = $1
            where (g.visibility = 'public' or gm.state in ('active', 'pending'))
              and ($2 = '' or lower(g.name) like $3 escape '\\')
            order by lower(g.name), g.slug limit 200"
        )
    });
    let sql: &'static str = SQL.as_str();
    let like = format!("%{}%", crate::db::like_literal(&q.to_lowercase()));
    on_db!(db, |x| sqlx::query_as(sql)
        .bind(viewer)
        .bind(q)
        .bind(&like)
        .fetch_all(x)
        .await)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberRow {
    pub member_id: MemberId,
    pub handle: String,
    pub role: String,
    pub state: String,
    pub joined_at: DateTime<Utc>,
}

/// The people of a group, to one of its active members (moderators also
/// see pending and banned people).
pub async fn members(
    db: &Db,
    group: Uuid,
    viewer: MemberId,
    all_states: bool,
) -> sqlx::Result<Vec<MemberRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select gm.member_id, m.handle, gm.role, gm.state, gm.joined_at
            from group_member gm join member m on m.id = gm.member_id
            where gm.group_id = $1 and (gm.state = 'active' or $3) and {}
            order by case gm.role when 'organiser' then 0 when 'moderator' then 1 else 2 end,
                m.handle_key
            limit 1000",
            check(MEMBER_CHECK, &[("group", "$1"), ("member", "$2")])
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |x| sqlx::query_as(sql)
        .bind(group)
        .bind(viewer)
        .bind(all_states)
        .fetch_all(x)
        .await)
}

/// One person's membership, found by handle.
pub async fn member_by_handle(
    tx: &mut Tx,
    group: Uuid,
    handle_key: &str,
) -> sqlx::Result<Option<MemberRow>> {
    const SQL: &str = "select gm.member_id, m.handle, gm.role, gm.state, gm.joined_at
        from group_member gm join member m on m.id = gm.member_id
        where gm.group_id = $1 and m.handle_key = $2";
    on_tx!(tx, |x| sqlx::query_as(SQL)
        .bind(group)
        .bind(handle_key)
        .fetch_optional(x)
        .await)
}

pub async fn count_role(tx: &mut Tx, group: Uuid, role: &str) -> sqlx::Result<i64> {
    const SQL: &str = "select count(*) from group_member
        where group_id = $1 and role = $2 and state = 'active'";
    on_tx!(tx, |x| sqlx::query_scalar(SQL)
        .bind(group)
        .bind(role)
        .fetch_one(x)
        .await)
}

/// Active members with their notice choice, for telling them of a post.
pub async fn audience(tx: &mut Tx, group: Uuid) -> sqlx::Result<Vec<(MemberId, String, String)>> {
    const SQL: &str = "select gm.member_id, gm.notify, m.handle_key
        from group_member gm join member m on m.id = gm.member_id
        where gm.group_id = $1 and gm.state = 'active'";
    on_tx!(tx, |x| sqlx::query_as(SQL).bind(group).fetch_all(x).await)
}

pub async fn moderators(tx: &mut Tx, group: Uuid) -> sqlx::Result<Vec<MemberId>> {
    const SQL: &str = "select member_id from group_member
        where group_id = $1 and state = 'active' and role in ('organiser', 'moderator')";
    on_tx!(tx, |x| sqlx::query_scalar(SQL)
        .bind(group)
        .fetch_all(x)
        .await)
}

// ---- invites --------------------------------------------------------------

#[expect(clippy::too_many_arguments, reason = "one row, every column named")]
pub async fn insert_invite(
    tx: &mut Tx,
    id: Uuid,
    group: Uuid,
    code_hash: &[u8],
    uses_left: Option<i64>,
    expires_at: DateTime<Utc>,
    by: MemberId,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "insert into group_invite (id, group_id, code_hash, uses_left, expires_at,
            created_by, created_at)
        values ($1, $2, $3, $4, $5, $6, $7)";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(group)
        .bind(code_hash)
        .bind(uses_left)
        .bind(expires_at)
        .bind(by)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InviteRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub uses_left: Option<i64>,
    pub uses: i64,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

pub async fn invites(db: &Db, group: Uuid) -> sqlx::Result<Vec<InviteRow>> {
    const SQL: &str = "select id, group_id, uses_left, uses, expires_at, revoked_at, created_at
        from group_invite where group_id = $1 order by created_at desc limit 100";
    on_db!(db, |x| sqlx::query_as(SQL).bind(group).fetch_all(x).await)
}

/// The group an invite code opens, whatever its state (the caller says why
/// a closed one can't be used).
pub async fn invite_by_hash(
    db: &Db,
    code_hash: &[u8],
) -> sqlx::Result<Option<(InviteRow, String)>> {
    const SQL: &str = "select i.id, i.group_id, i.uses_left, i.uses, i.expires_at, i.revoked_at,
            i.created_at, g.slug
        from group_invite i join peer_group g on g.id = i.group_id where i.code_hash = $1";
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        invite: InviteRow,
        slug: String,
    }
    let row: Option<Row> = on_db!(db, |x| sqlx::query_as(SQL)
        .bind(code_hash)
        .fetch_optional(x)
        .await)?;
    Ok(row.map(|r| (r.invite, r.slug)))
}

/// Uses an invite of `group` once if it is still open.
pub async fn use_invite(
    tx: &mut Tx,
    group: Uuid,
    code_hash: &[u8],
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "update group_invite set uses = uses + 1,
            uses_left = case when uses_left is null then null else uses_left - 1 end
        where group_id = $1 and code_hash = $2 and revoked_at is null and expires_at > $3
          and (uses_left is null or uses_left > 0)";
    let n = on_tx!(tx, |x| sqlx::query(SQL)
        .bind(group)
        .bind(code_hash)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn revoke_invite(
    tx: &mut Tx,
    group: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "update group_invite set revoked_at = $3
        where group_id = $1 and id = $2 and revoked_at is null";
    let n = on_tx!(tx, |x| sqlx::query(SQL)
        .bind(group)
        .bind(id)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---- threads and posts ----------------------------------------------------

pub async fn insert_thread(
    tx: &mut Tx,
    id: Uuid,
    group: Uuid,
    author: MemberId,
    title: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "insert into group_thread (id, group_id, author_id, title, created_at,
            last_activity_at)
        values ($1, $2, $3, $4, $5, $5)";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(group)
        .bind(author)
        .bind(title)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[expect(clippy::too_many_arguments, reason = "one row, every column named")]
pub async fn insert_post(
    tx: &mut Tx,
    id: Uuid,
    thread: Uuid,
    group: Uuid,
    author: MemberId,
    body: &str,
    risk: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str = "insert into group_post (id, thread_id, group_id, author_id, body, risk,
            created_at)
        values ($1, $2, $3, $4, $5, $6, $7)";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(thread)
        .bind(group)
        .bind(author)
        .bind(body)
        .bind(risk)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

/// A reply moves its thread to the top.
pub async fn bump_thread(tx: &mut Tx, thread: Uuid, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "update group_thread set reply_count = reply_count + 1, last_activity_at = $2
        where id = $1";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(thread)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ThreadRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub title: String,
    pub author: Option<String>,
    pub reply_count: i64,
    pub hidden: bool,
    pub created_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub unread: bool,
}

/// A page of threads, newest activity first, to an active member;
/// `before` is the last row of the previous page.
pub async fn threads(
    db: &Db,
    group: Uuid,
    viewer: MemberId,
    moderator: bool,
    before: (DateTime<Utc>, Uuid),
) -> sqlx::Result<Vec<ThreadRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select t.id, t.group_id, t.title, a.handle as author, t.reply_count, t.hidden,
                t.created_at, t.last_activity_at,
                (r.read_at is null or r.read_at < t.last_activity_at) as unread
            from group_thread t
            left join member a on a.id = t.author_id
            left join group_thread_read r on r.thread_id = t.id and r.member_id = $2
            where t.group_id = $1 and (not t.hidden or $3)
              and (t.last_activity_at < $4 or (t.last_activity_at = $4 and t.id < $5))
              and {}
            order by t.last_activity_at desc, t.id desc limit 21",
            check(MEMBER_CHECK, &[("group", "$1"), ("member", "$2")])
        )
    });
    let sql: &'static str = SQL.as_str();
    let (at, id) = before;
    on_db!(db, |x| sqlx::query_as(sql)
        .bind(group)
        .bind(viewer)
        .bind(moderator)
        .bind(at)
        .bind(id)
        .fetch_all(x)
        .await)
}

pub async fn thread(
    db: &Db,
    group: Uuid,
    id: Uuid,
    viewer: MemberId,
) -> sqlx::Result<Option<ThreadRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select t.id, t.group_id, t.title, a.handle as author, t.reply_count, t.hidden,
                t.created_at, t.last_activity_at,
                (r.read_at is null or r.read_at < t.last_activity_at) as unread
            from group_thread t
            left join member a on a.id = t.author_id
            left join group_thread_read r on r.thread_id = t.id and r.member_id = $3
            where t.group_id = $1 and t.id = $2 and {}",
            check(MEMBER_CHECK, &[("group", "$1"), ("member", "$3")])
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |x| sqlx::query_as(sql)
        .bind(group)
        .bind(id)
        .bind(viewer)
        .fetch_optional(x)
        .await)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PostRow {
    pub id: Uuid,
    pub thread_id: Uuid,
    pub author_id: Option<MemberId>,
    pub author: Option<String>,
    pub body: String,
    pub risk: bool,
    pub hidden: bool,
    pub hidden_note: String,
    pub created_at: DateTime<Utc>,
}

/// A page of a thread's posts, oldest first, to an active member.
pub async fn posts(
    db: &Db,
    group: Uuid,
    thread: Uuid,
    viewer: MemberId,
    after: (DateTime<Utc>, Uuid),
) -> sqlx::Result<Vec<PostRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select p.id, p.thread_id, p.author_id, a.handle as author, p.body, p.risk, p.hidden,
                p.hidden_note, p.created_at
            from group_post p left join member a on a.id = p.author_id
            where p.thread_id = $1 and p.group_id = $2
              and (p.created_at > $4 or (p.created_at = $4 and p.id > $5))
              and {}
            order by p.created_at, p.id limit 51",
            check(MEMBER_CHECK, &[("group", "$2"), ("member", "$3")])
        )
    });
    let sql: &'static str = SQL.as_str();
    let (at, id) = after;
    on_db!(db, |x| sqlx::query_as(sql)
        .bind(thread)
        .bind(group)
        .bind(viewer)
        .bind(at)
        .bind(id)
        .fetch_all(x)
        .await)
}

pub async fn post_in_tx(tx: &mut Tx, group: Uuid, id: Uuid) -> sqlx::Result<Option<PostRow>> {
    const SQL: &str = "select p.id, p.thread_id, p.author_id, a.handle as author, p.body, p.risk,
            p.hidden, p.hidden_note, p.created_at
        from group_post p left join member a on a.id = p.author_id
        where p.group_id = $1 and p.id = $2";
    on_tx!(tx, |x| sqlx::query_as(SQL)
        .bind(group)
        .bind(id)
        .fetch_optional(x)
        .await)
}

/// Hides or restores a post; hiding an opening post hides its thread.
pub async fn set_hidden(
    tx: &mut Tx,
    group: Uuid,
    post: Uuid,
    hidden: bool,
    note: &str,
) -> sqlx::Result<bool> {
    const POST: &str = "update group_post set hidden = $3, hidden_note = $4
        where group_id = $1 and id = $2";
    const THREAD: &str = "update group_thread set hidden = $3
        where group_id = $1 and id = (select thread_id from group_post where id = $2)
          and $2 = (select p.id from group_post p where p.thread_id = group_thread.id
                    order by p.created_at, p.id limit 1)";
    let n = on_tx!(tx, |x| sqlx::query(POST)
        .bind(group)
        .bind(post)
        .bind(hidden)
        .bind(note)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    on_tx!(tx, |x| sqlx::query(THREAD)
        .bind(group)
        .bind(post)
        .bind(hidden)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn mark_read(
    tx: &mut Tx,
    member: MemberId,
    thread: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str =
        "insert into group_thread_read (member_id, thread_id, read_at) values ($1, $2, $3)
        on conflict (member_id, thread_id) do update set read_at = excluded.read_at";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(member)
        .bind(thread)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

// ---- reports and the moderation log ---------------------------------------

pub struct NewReport<'a> {
    pub id: Uuid,
    pub group: Uuid,
    pub reporter: Option<MemberId>,
    pub post: Option<Uuid>,
    pub member: Option<MemberId>,
    pub reason: &'a str,
    pub risk: bool,
}

pub async fn insert_report(tx: &mut Tx, r: &NewReport<'_>, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "insert into group_report (id, group_id, reporter_id, post_id, member_id,
            reason, risk, created_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(r.id)
        .bind(r.group)
        .bind(r.reporter)
        .bind(r.post)
        .bind(r.member)
        .bind(r.reason)
        .bind(r.risk)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReportRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub group_slug: String,
    pub reporter: Option<String>,
    pub post_id: Option<Uuid>,
    pub thread_id: Option<Uuid>,
    pub post_body: Option<String>,
    pub post_author: Option<String>,
    pub post_hidden: Option<bool>,
    pub member: Option<String>,
    pub reason: String,
    pub risk: bool,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

const REPORT_SELECT: &str = "select r.id, r.group_id, g.slug as group_slug, rp.handle as reporter,
        r.post_id, p.thread_id, p.body as post_body, pa.handle as post_author,
        p.hidden as post_hidden, rm.handle as member, r.reason, r.risk, r.state, r.created_at
    from group_report r
    join peer_group g on g.id = r.group_id
    left join member rp on rp.id = r.reporter_id
    left join group_post p on p.id = r.post_id
    left join member pa on pa.id = p.author_id
    left join member rm on rm.id = r.member_id";

/// A group's open reports for its moderators: crisis language first, then
/// the oldest.
pub async fn queue(db: &Db, group: Uuid) -> sqlx::Result<Vec<ReportRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{REPORT_SELECT} where r.group_id = $1 and r.state = 'open'
            order by r.risk desc, r.created_at, r.id limit 200"
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |x| sqlx::query_as(sql).bind(group).fetch_all(x).await)
}

/// Reports group moderators passed up to the instance's moderators.
pub async fn escalated(db: &Db) -> sqlx::Result<Vec<ReportRow>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{REPORT_SELECT} where r.state = 'escalated'
            order by r.risk desc, r.created_at, r.id limit 200"
        )
    });
    let sql: &'static str = SQL.as_str();
    on_db!(db, |x| sqlx::query_as(sql).fetch_all(x).await)
}

pub async fn report_in_tx(tx: &mut Tx, group: Uuid, id: Uuid) -> sqlx::Result<Option<ReportRow>> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("{REPORT_SELECT} where r.group_id = $1 and r.id = $2"));
    let sql: &'static str = SQL.as_str();
    on_tx!(tx, |x| sqlx::query_as(sql)
        .bind(group)
        .bind(id)
        .fetch_optional(x)
        .await)
}

pub async fn close_report(
    tx: &mut Tx,
    id: Uuid,
    state: &str,
    by: MemberId,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    const SQL: &str = "update group_report set state = $2, resolved_by = $3, resolved_at = $4
        where id = $1 and state = 'open'";
    let n = on_tx!(tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(state)
        .bind(by)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Closes the open reports about a post or a member once it is dealt with.
pub async fn close_reports_about(
    tx: &mut Tx,
    group: Uuid,
    post: Option<Uuid>,
    member: Option<MemberId>,
    by: MemberId,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    const SQL: &str =
        "update group_report set state = 'actioned', resolved_by = $4, resolved_at = $5
        where group_id = $1 and state = 'open' and (post_id = $2 or member_id = $3)";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(group)
        .bind(post)
        .bind(member)
        .bind(by)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

pub struct LogEntry<'a> {
    pub group: Uuid,
    pub actor: MemberId,
    pub action: &'a str,
    pub member: Option<MemberId>,
    pub post: Option<Uuid>,
    pub reason: &'a str,
}

pub async fn log(tx: &mut Tx, e: &LogEntry<'_>, now: DateTime<Utc>) -> sqlx::Result<()> {
    const SQL: &str = "insert into group_mod_log (id, group_id, actor_id, action, target_member,
            target_post, reason, created_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8)";
    on_tx!(tx, |x| sqlx::query(SQL)
        .bind(Uuid::now_v7())
        .bind(e.group)
        .bind(e.actor)
        .bind(e.action)
        .bind(e.member)
        .bind(e.post)
        .bind(e.reason)
        .bind(now)
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LogRow {
    pub actor: Option<String>,
    pub action: String,
    pub member: Option<String>,
    pub post_id: Option<Uuid>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

pub async fn mod_log(db: &Db, group: Uuid) -> sqlx::Result<Vec<LogRow>> {
    const SQL: &str = "select a.handle as actor, l.action, m.handle as member,
            l.target_post as post_id, l.reason, l.created_at
        from group_mod_log l
        left join member a on a.id = l.actor_id
        left join member m on m.id = l.target_member
        where l.group_id = $1 order by l.created_at desc, l.id desc limit 200";
    on_db!(db, |x| sqlx::query_as(SQL).bind(group).fetch_all(x).await)
}
