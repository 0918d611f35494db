//! Group use-cases shared by the pages and the API: create and configure a
//! group, join it (open, on request, with an invite code), roles, leaving,
//! and invites. Discussion lives in [`super::discussion`], moderation in
//! [`super::moderation`].

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    model::{self, GroupRole, JoinPolicy, Kind, Notify, Visibility},
    store::{self, GroupRow, MemberRow, NewGroup, Settings, Table},
};
use crate::{
    accounts::{AuthMember, MemberId, token},
    app::AppState,
    db::{Tx, is_unique_violation},
    events::Recorded,
    notices::{self, NewNotice},
    web::error::{AppError, AppResult, FieldErrors},
};

/// A group as one viewer sees it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Group {
    pub slug: String,
    pub name: String,
    pub kind: Kind,
    pub formal: bool,
    pub visibility: Visibility,
    pub join: JoinPolicy,
    pub about: String,
    /// Active members.
    pub members: i64,
    /// The group's public contact, when it chose to publish one (its
    /// moderators always see it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// My role, when I am a member.
    pub my_role: Option<GroupRole>,
    /// `active`, `pending` (asked to join) or `banned`; none when not a member.
    pub my_state: Option<String>,
    /// Which new posts become notices for me.
    pub notify: Option<Notify>,
    pub created_at: DateTime<Utc>,
}

/// What the viewer may do in a group, from the row [`store::access`] found.
#[derive(Clone, Debug)]
pub struct Access {
    pub row: GroupRow,
    pub role: Option<GroupRole>,
}

impl Access {
    pub fn from_row(row: GroupRow) -> Self {
        let role = match row.my_state.as_deref() {
            Some("active") => row.my_role.as_deref().and_then(GroupRole::parse),
            _ => None,
        };
        Self { row, role }
    }

    pub fn id(&self) -> Uuid {
        self.row.id
    }

    /// An active member.
    pub fn is_member(&self) -> bool {
        self.role.is_some()
    }

    pub fn moderates(&self) -> bool {
        self.role.is_some_and(GroupRole::moderates)
    }

    pub fn organises(&self) -> bool {
        self.role == Some(GroupRole::Organiser)
    }

    pub fn banned(&self) -> bool {
        self.row.my_state.as_deref() == Some("banned")
    }

    /// Discussion and the member list are for active members.
    pub fn require_member(&self) -> AppResult<()> {
        if self.is_member() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "members_only",
                "Only members of this group can see its discussion and members. Join it first."
                    .into(),
            ))
        }
    }

    pub fn require_moderator(&self) -> AppResult<()> {
        self.require_member()?;
        if self.moderates() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "moderators_only",
                "Only the group's organisers and moderators can do this.".into(),
            ))
        }
    }

    pub fn require_organiser(&self) -> AppResult<()> {
        self.require_member()?;
        if self.organises() {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "organisers_only",
                "Only the group's organisers can do this.".into(),
            ))
        }
    }

    pub fn view(&self) -> Group {
        let r = &self.row;
        let contact = (r.contact_public || self.moderates()) && !r.contact_email.is_empty();
        Group {
            slug: r.slug.clone(),
            name: r.name.clone(),
            kind: Kind::parse(&r.kind).unwrap_or(Kind::Peer),
            formal: r.formal,
            visibility: Visibility::parse(&r.visibility).unwrap_or(Visibility::Private),
            join: JoinPolicy::parse(&r.join_policy).unwrap_or(JoinPolicy::Invite),
            about: r.about.clone(),
            members: r.members,
            contact_email: contact.then(|| r.contact_email.clone()),
            my_role: self.role,
            my_state: r.my_state.clone(),
            notify: self
                .is_member()
                .then(|| r.my_notify.as_deref().and_then(Notify::parse))
                .flatten(),
            created_at: r.created_at,
        }
    }
}

/// The group at `slug` as `viewer` may see it; 404 for a private group
/// they are not in (its existence is not confirmed).
pub async fn access(state: &AppState, slug: &str, viewer: Option<MemberId>) -> AppResult<Access> {
    if slug.len() > 200 {
        return Err(AppError::NotFound);
    }
    store::access(&state.db, slug, viewer)
        .await?
        .map(Access::from_row)
        .ok_or(AppError::NotFound)
}

async fn access_in_tx(tx: &mut Tx, slug: &str, viewer: MemberId) -> AppResult<Access> {
    store::access_in_tx(tx, slug, Some(viewer))
        .await?
        .map(Access::from_row)
        .ok_or(AppError::NotFound)
}

/// What a group's organiser chooses, as given (forms and JSON alike).
#[derive(Clone, Debug, Default)]
pub struct GroupInput {
    pub name: String,
    pub kind: String,
    pub formal: bool,
    pub visibility: String,
    pub join: String,
    pub about: String,
    pub contact_email: String,
    pub contact_public: bool,
}

struct Checked {
    name: String,
    kind: Kind,
    visibility: Visibility,
    join: JoinPolicy,
    about: String,
    contact_email: String,
}

fn check(input: &GroupInput) -> AppResult<Checked> {
    let mut e = FieldErrors::new();
    let name = model::text(&input.name, "name", model::NAME_MAX, true, &mut e);
    let kind = model::choice(
        &input.kind,
        "kind",
        Kind::parse,
        Kind::ALL,
        Kind::key,
        &mut e,
    );
    let visibility = model::choice(
        &input.visibility,
        "visibility",
        Visibility::parse,
        Visibility::ALL,
        Visibility::key,
        &mut e,
    );
    let join = model::choice(
        &input.join,
        "join",
        JoinPolicy::parse,
        JoinPolicy::ALL,
        JoinPolicy::key,
        &mut e,
    );
    let about = model::text(&input.about, "about", model::ABOUT_MAX, false, &mut e);
    let contact_email = input.contact_email.trim().to_owned();
    if !contact_email.is_empty()
        && (contact_email.len() > 254
            || !contact_email
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.'))
            || contact_email.chars().any(char::is_whitespace))
    {
        e.add(
            "contact_email",
            "must be an email address like group@example.org",
        );
    }
    if input.contact_public && contact_email.is_empty() {
        e.add(
            "contact_email",
            "give an address to publish, or leave it private",
        );
    }
    e.into_result()?;
    match (kind, visibility, join) {
        (Some(kind), Some(visibility), Some(join)) => Ok(Checked {
            name,
            kind,
            visibility,
            join,
            about,
            contact_email,
        }),
        _ => Err(AppError::internal(anyhow::anyhow!("choices checked above"))),
    }
}

/// Makes a group with me as its organiser.
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn create(state: &AppState, me: &AuthMember, input: &GroupInput) -> AppResult<Group> {
    crate::moderation::require_active(state, me)?;
    let c = check(input)?;
    let now = state.clock.now();
    let base = model::slugify(&c.name);
    let id = Uuid::new_v4();
    for _ in 0..3 {
        let mut tx = state.db.begin_write().await?;
        let taken = store::slugs_like(&mut tx, Table::Groups, &base).await?;
        let slug = store::free_slug(&base, &taken);
        let new = NewGroup {
            id,
            slug: &slug,
            name: &c.name,
            kind: c.kind.key(),
            formal: input.formal,
            visibility: c.visibility.key(),
            join_policy: c.join.key(),
            about: &c.about,
            contact_email: &c.contact_email,
            contact_public: input.contact_public,
            imported: false,
            created_by: Some(me.id),
        };
        match store::insert_group(&mut tx, &new, now).await {
            Err(e) if is_unique_violation(&e) => continue,
            other => other?,
        }
        store::upsert_member(&mut tx, id, me.id, "organiser", "active", now).await?;
        tx.commit().await?;
        return Ok(access(state, &slug, Some(me.id)).await?.view());
    }
    Err(AppError::Conflict(
        "slug_taken",
        "Another group with that name was made at the same moment; try again.".into(),
    ))
}

/// Organisers change the name, kind, privacy, join policy and contact (the
/// slug, and so every link, stays).
pub async fn update(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    input: &GroupInput,
) -> AppResult<Group> {
    let c = check(input)?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let a = access_in_tx(&mut tx, slug, me.id).await?;
    a.require_organiser()?;
    let s = Settings {
        name: &c.name,
        kind: c.kind.key(),
        formal: input.formal,
        visibility: c.visibility.key(),
        join_policy: c.join.key(),
        about: &c.about,
        contact_email: &c.contact_email,
        contact_public: input.contact_public,
    };
    store::update_group(&mut tx, a.id(), &s, now).await?;
    tx.commit().await?;
    state.meetings.invalidate();
    Ok(access(state, slug, Some(me.id)).await?.view())
}

pub async fn directory(
    state: &AppState,
    viewer: Option<MemberId>,
    q: &str,
) -> AppResult<Vec<Group>> {
    let q = q.trim();
    if q.chars().count() > 100 {
        return Err(FieldErrors::single("q", "must be at most 100 characters"));
    }
    Ok(store::directory(&state.db, viewer, q)
        .await?
        .into_iter()
        .map(|r| Access::from_row(r).view())
        .collect())
}

/// Joins a group: at once when it is open or a valid invite code is given,
/// as a pending request when it asks for approval.
#[tracing::instrument(skip_all, fields(member.id = %me.id))]
pub async fn join(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    code: Option<&str>,
) -> AppResult<Group> {
    crate::moderation::require_active(state, me)?;
    let now = state.clock.now();
    let code = code.map(str::trim).filter(|c| !c.is_empty());
    let code_hash = code.map(token::hash_token);
    // A valid code for this group opens even a private group to a stranger.
    let by_code = match &code_hash {
        Some(h) => store::invite_by_hash(&state.db, h)
            .await?
            .filter(|(_, s)| s == slug),
        None => None,
    };
    let mut tx = state.db.begin_write().await?;
    let a = match store::access_in_tx(&mut tx, slug, Some(me.id)).await? {
        Some(row) => Access::from_row(row),
        None if by_code.is_some() => {
            let row = group_for_invite(&mut tx, slug, me.id).await?;
            Access::from_row(row)
        }
        None => return Err(AppError::NotFound),
    };
    if a.banned() {
        return Err(AppError::Forbidden(
            "banned",
            "The group's moderators have closed this group to you.".into(),
        ));
    }
    if a.is_member() {
        return Ok(a.view());
    }
    let policy = JoinPolicy::parse(&a.row.join_policy).unwrap_or(JoinPolicy::Invite);
    let mut announce: Vec<Recorded> = Vec::new();
    if let Some(h) = &code_hash {
        if !store::use_invite(&mut tx, a.id(), h, now).await? {
            return Err(AppError::Forbidden(
                "invite_closed",
                "This invite code isn't valid: it may have expired, been used up or revoked. \
                 Ask the group's organiser for a new one."
                    .into(),
            ));
        }
        store::upsert_member(&mut tx, a.id(), me.id, "member", "active", now).await?;
    } else {
        match policy {
            JoinPolicy::Open => {
                store::upsert_member(&mut tx, a.id(), me.id, "member", "active", now).await?;
            }
            JoinPolicy::Request => {
                if a.row.my_state.as_deref() != Some("pending") {
                    store::upsert_member(&mut tx, a.id(), me.id, "member", "pending", now).await?;
                    announce = tell_moderators(&mut tx, &a, me, now).await?;
                }
            }
            JoinPolicy::Invite => {
                return Err(AppError::Forbidden(
                    "invite_required",
                    "This group is joined with an invite code. Ask one of its organisers.".into(),
                ));
            }
        }
    }
    tx.commit().await?;
    state.events.announce_all(&announce);
    Ok(access(state, slug, Some(me.id)).await?.view())
}

async fn group_for_invite(tx: &mut Tx, slug: &str, me: MemberId) -> AppResult<GroupRow> {
    // The code was checked against this slug: the invite is the permission.
    store::by_slug_unchecked(tx, slug, me)
        .await?
        .ok_or(AppError::NotFound)
}

async fn tell_moderators(
    tx: &mut Tx,
    a: &Access,
    me: &AuthMember,
    now: DateTime<Utc>,
) -> AppResult<Vec<Recorded>> {
    let mods = store::moderators(tx, a.id()).await?;
    let payload = serde_json::json!({ "from": me.handle, "group": a.row.name, "slug": a.row.slug });
    let keys: Vec<String> = mods
        .iter()
        .map(|m| format!("group_join:{}:{}:{m}:{}", a.id(), me.id, now.timestamp()))
        .collect();
    let list: Vec<NewNotice<'_>> = mods
        .iter()
        .zip(&keys)
        .map(|(m, k)| NewNotice {
            member: *m,
            kind: "group_join_request",
            payload: payload.clone(),
            dedupe_key: k,
            about: Some(me.id),
        })
        .collect();
    Ok(notices::notify_many(tx, &list, now).await?)
}

/// Leaves a group (or withdraws a request). The last organiser can't leave
/// while others remain: they hand the group on first.
pub async fn leave(state: &AppState, me: &AuthMember, slug: &str) -> AppResult<()> {
    let mut tx = state.db.begin_write().await?;
    let a = access_in_tx(&mut tx, slug, me.id).await?;
    if a.banned() || a.row.my_state.is_none() {
        return Err(AppError::Conflict(
            "not_a_member",
            "You are not in this group.".into(),
        ));
    }
    if a.organises()
        && store::count_role(&mut tx, a.id(), "organiser").await? == 1
        && a.row.members > 1
    {
        return Err(AppError::Conflict(
            "last_organiser",
            "You are the group's only organiser: make someone else an organiser before you leave."
                .into(),
        ));
    }
    store::delete_member(&mut tx, a.id(), me.id).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Member {
    pub handle: String,
    pub role: GroupRole,
    /// `active`; moderators also see `pending` and `banned`.
    pub state: String,
    pub joined_at: DateTime<Utc>,
}

impl From<MemberRow> for Member {
    fn from(r: MemberRow) -> Self {
        Self {
            handle: r.handle,
            role: GroupRole::parse(&r.role).unwrap_or(GroupRole::Member),
            state: r.state,
            joined_at: r.joined_at,
        }
    }
}

pub async fn members(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
) -> AppResult<(Access, Vec<Member>)> {
    let a = access(state, slug, Some(me.id)).await?;
    a.require_member()?;
    let rows = store::members(&state.db, a.id(), me.id, a.moderates()).await?;
    Ok((a, rows.into_iter().map(Member::from).collect()))
}

/// My notice choice for one group.
pub async fn set_notify(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    notify: &str,
) -> AppResult<Group> {
    let n = Notify::parse(notify.trim())
        .ok_or_else(|| FieldErrors::single("notify", "must be one of: all, mentions, none"))?;
    let mut tx = state.db.begin_write().await?;
    let a = access_in_tx(&mut tx, slug, me.id).await?;
    a.require_member()?;
    store::set_notify(&mut tx, a.id(), me.id, n.key()).await?;
    tx.commit().await?;
    Ok(access(state, slug, Some(me.id)).await?.view())
}

// ---- invites --------------------------------------------------------------

pub const INVITE_DAYS_MAX: i64 = 90;

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Invite {
    pub id: Uuid,
    /// Uses left; none for any number.
    pub uses_left: Option<i64>,
    pub uses: i64,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
    pub created_at: DateTime<Utc>,
    /// The code and its link, shown once when the invite is made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl From<store::InviteRow> for Invite {
    fn from(r: store::InviteRow) -> Self {
        Self {
            id: r.id,
            uses_left: r.uses_left,
            uses: r.uses,
            expires_at: r.expires_at,
            revoked: r.revoked_at.is_some(),
            created_at: r.created_at,
            code: None,
            url: None,
        }
    }
}

/// A new invite code: single use unless `uses` says more (none: any
/// number), expiring after `days` (1-90, default 14).
pub async fn create_invite(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    uses: Option<i64>,
    multi: bool,
    days: Option<i64>,
) -> AppResult<Invite> {
    let mut e = FieldErrors::new();
    let uses_left = match (multi, uses) {
        (true, None) => None,
        (_, Some(n)) if (1..=10_000).contains(&n) => Some(n),
        (_, Some(_)) => {
            e.add("uses", "must be from 1 to 10000");
            None
        }
        (false, None) => Some(1),
    };
    let days = days.unwrap_or(14);
    if !(1..=INVITE_DAYS_MAX).contains(&days) {
        e.add("days", format!("must be from 1 to {INVITE_DAYS_MAX}"));
    }
    e.into_result()?;
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let a = access_in_tx(&mut tx, slug, me.id).await?;
    a.require_moderator()?;
    let code = token::random_token();
    let id = Uuid::new_v4();
    let expires_at = now + Duration::days(days);
    store::insert_invite(
        &mut tx,
        id,
        a.id(),
        &token::hash_token(&code),
        uses_left,
        expires_at,
        me.id,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Invite {
        id,
        uses_left,
        uses: 0,
        expires_at,
        revoked: false,
        created_at: now,
        url: Some(format!(
            "{}/join-group/{code}",
            state.config.base_url.as_str().trim_end_matches('/')
        )),
        code: Some(code),
    })
}

pub async fn invites(state: &AppState, me: &AuthMember, slug: &str) -> AppResult<Vec<Invite>> {
    let a = access(state, slug, Some(me.id)).await?;
    a.require_moderator()?;
    Ok(store::invites(&state.db, a.id())
        .await?
        .into_iter()
        .map(Invite::from)
        .collect())
}

pub async fn revoke_invite(
    state: &AppState,
    me: &AuthMember,
    slug: &str,
    id: Uuid,
) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin_write().await?;
    let a = access_in_tx(&mut tx, slug, me.id).await?;
    a.require_moderator()?;
    if !store::revoke_invite(&mut tx, a.id(), id, now).await? {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// What an invite link opens, for its landing page: the group's name and
/// whether the code still works. Unknown codes are a 404.
pub struct InviteLanding {
    pub slug: String,
    pub name: String,
    pub open: bool,
}

pub async fn invite_landing(state: &AppState, code: &str) -> AppResult<InviteLanding> {
    if !token::looks_like_token(code) {
        return Err(AppError::NotFound);
    }
    let (invite, slug) = store::invite_by_hash(&state.db, &token::hash_token(code))
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let open = invite.revoked_at.is_none()
        && invite.expires_at > now
        && invite.uses_left.is_none_or(|n| n > 0);
    let name: String = crate::db::on_db!(&state.db, |x| sqlx::query_scalar(
        "select name from peer_group where slug = $1"
    )
    .bind(&slug)
    .fetch_one(x)
    .await)?;
    Ok(InviteLanding { slug, name, open })
}
