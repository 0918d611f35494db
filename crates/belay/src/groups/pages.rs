//! Group pages: the directory, a group's page (about, meetings, discussion,
//! members for members), starting a group and its settings with invite
//! codes, a thread, the members page and the moderators' page, and the
//! landing page of an invite link. Every page works without JavaScript.

use askama::Template;
use axum::{
    Router,
    extract::{Query, State, rejection::QueryRejection},
    http::StatusCode,
    response::{IntoResponse, Redirect},
    routing::{get, post},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    discussion::{self, Post, Thread},
    model::{GroupRole, JoinPolicy, Kind, Notify, Visibility, linkify},
    moderation::{self, LogLine, Report},
    service::{self, Group, GroupInput, Invite, Member},
};
use crate::{
    accounts::{PageMember, Visitor},
    app::AppState,
    meetings::service::{self as meetings, Meeting},
    safety::CrisisLine,
    web::{
        csrf::CsrfForm,
        error::{AppError, FieldErrors},
        extract::PagePath,
        page::{Layout, PageResult, render},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/groups", get(directory).post(create))
        .route("/groups/new", get(new_form))
        .route("/groups/{slug}", get(show))
        .route("/groups/{slug}/join", post(join))
        .route("/groups/{slug}/leave", post(leave))
        .route("/groups/{slug}/notify", post(notify))
        .route("/groups/{slug}/settings", get(settings).post(save_settings))
        .route("/groups/{slug}/invites", post(new_invite))
        .route("/groups/{slug}/invites/{id}/revoke", post(revoke_invite))
        .route("/groups/{slug}/members", get(members))
        .route("/groups/{slug}/members/{handle}/role", post(set_role))
        .route(
            "/groups/{slug}/members/{handle}/{action}",
            post(member_action),
        )
        .route("/groups/{slug}/threads", post(start_thread))
        .route("/groups/{slug}/threads/{id}", get(thread))
        .route("/groups/{slug}/threads/{id}/posts", post(reply))
        .route("/groups/{slug}/reports", post(report))
        .route("/groups/{slug}/reports/{id}/resolve", post(resolve))
        .route("/groups/{slug}/posts/{id}/{action}", post(post_action))
        .route("/groups/{slug}/moderation", get(moderation_page))
        .route(
            "/join-group/{code}",
            get(invite_landing).post(join_with_invite),
        )
        .route("/resources/start-a-group", get(guide))
}

#[derive(Template)]
#[template(path = "groups/guide.html")]
struct GuidePage {
    layout: Layout,
}

/// "Start a group at work or school": a guide for new organisers.
async fn guide(visitor: Visitor) -> PageResult {
    render(&GuidePage {
        layout: visitor.layout("Start a group at work or school"),
    })
}

/// A readable sentence for a failed action, with each field's message.
pub fn problem(err: &AppError) -> String {
    match err {
        AppError::Validation(fields) => fields
            .iter()
            .map(|(f, m)| format!("{}: {}.", f.replace('_', " "), m.join("; ")))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.to_string(),
    }
}

#[derive(Template)]
#[template(path = "groups/problem.html")]
struct ProblemPage {
    layout: Layout,
    message: String,
    back: String,
}

/// After a form action: back to `back`, or a page that says what was wrong
/// (nothing changed) with a way back.
pub fn after(layout: Layout, back: String, result: Result<(), AppError>) -> PageResult {
    match result {
        Ok(()) => Ok(Redirect::to(&back).into_response()),
        Err(e @ (AppError::Validation(_) | AppError::Conflict(..) | AppError::Forbidden(..))) => {
            let status = e.status();
            let page = render(&ProblemPage {
                layout,
                message: problem(&e),
                back,
            })?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct EmptyForm {}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "groups/directory.html")]
struct DirectoryPage {
    layout: Layout,
    groups: Vec<Group>,
    q: String,
    logged_in: bool,
}

async fn directory(
    State(state): State<AppState>,
    visitor: Visitor,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> PageResult {
    let q = query.ok().and_then(|Query(q)| q.q).unwrap_or_default();
    let q: String = q.chars().take(100).collect();
    let groups = service::directory(&state, visitor.member.as_ref().map(|m| m.id), &q).await?;
    render(&DirectoryPage {
        layout: visitor.layout("Groups"),
        logged_in: visitor.member.is_some(),
        groups,
        q,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct GroupForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    formal: Option<String>,
    #[serde(default)]
    visibility: String,
    #[serde(default)]
    join: String,
    #[serde(default)]
    about: String,
    #[serde(default)]
    contact_email: String,
    contact_public: Option<String>,
}

impl GroupForm {
    fn input(&self) -> GroupInput {
        GroupInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            formal: self.formal.is_some(),
            visibility: self.visibility.clone(),
            join: self.join.clone(),
            about: self.about.clone(),
            contact_email: self.contact_email.clone(),
            contact_public: self.contact_public.is_some(),
        }
    }

    fn of(g: &Group) -> Self {
        Self {
            name: g.name.clone(),
            kind: g.kind.key().to_owned(),
            formal: g.formal.then(|| "on".to_owned()),
            visibility: g.visibility.key().to_owned(),
            join: g.join.key().to_owned(),
            about: g.about.clone(),
            contact_email: g.contact_email.clone().unwrap_or_default(),
            contact_public: None,
        }
    }
}

#[derive(Template)]
#[template(path = "groups/form.html")]
struct FormPage {
    layout: Layout,
    form: GroupForm,
    errors: FieldErrors,
    /// None when starting a group.
    slug: Option<String>,
    kinds: &'static [Kind],
    visibilities: &'static [Visibility],
    joins: &'static [JoinPolicy],
    invites: Vec<Invite>,
    new_invite: Option<Invite>,
}

impl FormPage {
    fn new(layout: Layout, form: GroupForm, errors: FieldErrors, slug: Option<String>) -> Self {
        Self {
            layout,
            form,
            errors,
            slug,
            kinds: Kind::ALL,
            visibilities: Visibility::ALL,
            joins: JoinPolicy::ALL,
            invites: Vec::new(),
            new_invite: None,
        }
    }
}

async fn new_form(member: PageMember) -> PageResult {
    let form = GroupForm {
        kind: "workplace".into(),
        visibility: "private".into(),
        join: "invite".into(),
        ..GroupForm::default()
    };
    render(&FormPage::new(
        member.layout("Start a group"),
        form,
        FieldErrors::new(),
        None,
    ))
}

async fn create(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<GroupForm>,
) -> PageResult {
    match service::create(&state, &member.0, &form.input()).await {
        Ok(g) => Ok(Redirect::to(&format!("/groups/{}", g.slug)).into_response()),
        Err(AppError::Validation(errors)) => {
            let page = render(&FormPage::new(
                member.layout("Start a group"),
                form,
                errors,
                None,
            ))?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "groups/show.html")]
struct ShowPage {
    layout: Layout,
    group: Group,
    meetings: Vec<Meeting>,
    threads: Vec<ThreadLine>,
    next: Option<String>,
    logged_in: bool,
    member: bool,
    moderator: bool,
    notifies: &'static [Notify],
    crisis: Option<&'static [CrisisLine]>,
}

struct ThreadLine {
    thread: Thread,
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    before: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(slug): PagePath<String>,
    query: Result<Query<ShowQuery>, QueryRejection>,
) -> PageResult {
    let me = visitor.member.as_ref();
    let a = service::access(&state, &slug, me.map(|m| m.id)).await?;
    let meetings = if a.row.visibility != "private" || a.is_member() {
        meetings::of_access(&state, me, &a).await?
    } else {
        Vec::new()
    };
    let (threads, next) = match me {
        Some(m) if a.is_member() => {
            let before = query.ok().and_then(|Query(q)| q.before);
            let list = discussion::threads_of(&state, m, &a, before.as_deref()).await?;
            (
                list.threads
                    .into_iter()
                    .map(|thread| ThreadLine { thread })
                    .collect(),
                list.next,
            )
        }
        _ => (Vec::new(), None),
    };
    render(&ShowPage {
        layout: visitor.layout(a.row.name.clone()),
        group: a.view(),
        meetings,
        threads,
        next,
        logged_in: me.is_some(),
        member: a.is_member(),
        moderator: a.moderates(),
        notifies: Notify::ALL,
        crisis: None,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct JoinForm {
    #[serde(default)]
    code: String,
}

async fn join(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(slug): PagePath<String>,
    CsrfForm(form): CsrfForm<JoinForm>,
) -> PageResult {
    let code = Some(form.code.as_str()).filter(|c| !c.trim().is_empty());
    let result = service::join(&state, &member.0, &slug, code)
        .await
        .map(|_| ());
    after(member.layout("Join"), format!("/groups/{slug}"), result)
}

async fn leave(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(slug): PagePath<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    let result = service::leave(&state, &member.0, &slug).await;
    after(member.layout("Leave"), "/groups".to_owned(), result)
}

#[derive(Debug, Default, Deserialize)]
pub struct NotifyForm {
    #[serde(default)]
    notify: String,
}

async fn notify(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(slug): PagePath<String>,
    CsrfForm(form): CsrfForm<NotifyForm>,
) -> PageResult {
    let result = service::set_notify(&state, &member.0, &slug, &form.notify)
        .await
        .map(|_| ());
    after(member.layout("Notices"), format!("/groups/{slug}"), result)
}

async fn settings_view(
    state: &AppState,
    member: &PageMember,
    slug: &str,
    form: Option<GroupForm>,
    errors: FieldErrors,
    new_invite: Option<Invite>,
) -> PageResult {
    let a = service::access(state, slug, Some(member.0.id)).await?;
    a.require_moderator()?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let form = form.unwrap_or_else(|| GroupForm::of(&a.view()));
    let mut page = FormPage::new(
        member.layout("Group settings"),
        form,
        errors,
        Some(slug.to_owned()),
    );
    page.invites = service::invites(state, &member.0, slug).await?;
    page.new_invite = new_invite;
    Ok((status, render(&page)?).into_response())
}

async fn settings(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(slug): PagePath<String>,
) -> PageResult {
    settings_view(&state, &member, &slug, None, FieldErrors::new(), None).await
}

async fn save_settings(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(slug): PagePath<String>,
    CsrfForm(form): CsrfForm<GroupForm>,
) -> PageResult {
    match service::update(&state, &member.0, &slug, &form.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/groups/{slug}")).into_response()),
        Err(AppError::Validation(errors)) => {
            settings_view(&state, &member, &slug, Some(form), errors, None).await
        }
        Err(e) => after(
            member.layout("Group settings"),
            format!("/groups/{slug}/settings"),
            Err(e),
        ),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    uses: String,
    #[serde(default)]
    days: String,
}

async fn new_invite(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(slug): PagePath<String>,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> PageResult {
    let (uses, multi) = match form.uses.trim() {
        "" | "1" => (Some(1), false),
        "any" => (None, true),
        n => (Some(n.parse().unwrap_or(0)), false),
    };
    let days = form.days.trim().parse().ok();
    match service::create_invite(&state, &member.0, &slug, uses, multi, days).await {
        Ok(i) => settings_view(&state, &member, &slug, None, FieldErrors::new(), Some(i)).await,
        Err(e) => after(
            member.layout("Invite"),
            format!("/groups/{slug}/settings"),
            Err(e),
        ),
    }
}

async fn revoke_invite(
    State(state): State<AppState>,
    member: PageMember,
    PagePath((slug, id)): PagePath<(String, Uuid)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    let result = service::revoke_invite(&state, &member.0, &slug, id).await;
    after(
        member.layout("Invite"),
        format!("/groups/{slug}/settings"),
        result,
    )
}

#[derive(Template)]
#[template(path = "groups/members.html")]
struct MembersPage {
    layout: Layout,
    group: Group,
    members: Vec<Member>,
    moderator: bool,
    organiser: bool,
    me: String,
    roles: &'static [GroupRole],
}

async fn members(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(slug): PagePath<String>,
) -> PageResult {
    let (a, members) = service::members(&state, &member.0, &slug).await?;
    render(&MembersPage {
        layout: member.layout(format!("Members of {}", a.row.name)),
        group: a.view(),
        members,
        moderator: a.moderates(),
        organiser: a.organises(),
        me: member.0.handle.clone(),
        roles: GroupRole::ALL,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

fn back_or(back: &str, default: String) -> String {
    // Only a path on this site.
    if back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') {
        back.to_owned()
    } else {
        default
    }
}

async fn member_action(
    State(state): State<AppState>,
    member: PageMember,
    PagePath((slug, handle, action)): PagePath<(String, String, String)>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> PageResult {
    let result =
        moderation::act_on_member(&state, &member.0, &slug, &handle, &action, &form.reason).await;
    let back = back_or(&form.back, format!("/groups/{slug}/members"));
    after(member.layout("Members"), back, result)
}

#[derive(Debug, Default, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn set_role(
    State(state): State<AppState>,
    member: PageMember,
    PagePath((slug, handle)): PagePath<(String, String)>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> PageResult {
    let result = moderation::set_role(&state, &member.0, &slug, &handle, &form.role).await;
    after(
        member.layout("Members"),
        format!("/groups/{slug}/members"),
        result,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct ThreadForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

async fn start_thread(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(slug): PagePath<String>,
    CsrfForm(form): CsrfForm<ThreadForm>,
) -> PageResult {
    match discussion::start(&state, &member.0, &slug, &form.title, &form.body).await {
        Ok(page) if page.crisis_resources.is_some() => {
            thread_view(
                &state,
                &member,
                &slug,
                page.thread.id,
                None,
                page.crisis_resources,
            )
            .await
        }
        Ok(page) => {
            Ok(Redirect::to(&format!("/groups/{slug}/threads/{}", page.thread.id)).into_response())
        }
        Err(e) => after(
            member.layout("New thread"),
            format!("/groups/{slug}"),
            Err(e),
        ),
    }
}

#[derive(Template)]
#[template(path = "groups/thread.html")]
struct ThreadPageView {
    layout: Layout,
    group: Group,
    thread: Thread,
    posts: Vec<(Post, String)>,
    next: Option<String>,
    moderator: bool,
    crisis: Option<&'static [CrisisLine]>,
    here: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct AfterQuery {
    after: Option<String>,
}

async fn thread_view(
    state: &AppState,
    member: &PageMember,
    slug: &str,
    id: Uuid,
    after_cursor: Option<String>,
    crisis: Option<&'static [CrisisLine]>,
) -> PageResult {
    let (a, page) = discussion::thread(state, &member.0, slug, id, after_cursor.as_deref()).await?;
    let posts = page
        .posts
        .into_iter()
        .map(|p| {
            let html = linkify(&p.body);
            (p, html)
        })
        .collect();
    render(&ThreadPageView {
        layout: member.layout(page.thread.title.clone()),
        group: a.view(),
        here: format!("/groups/{slug}/threads/{id}"),
        thread: page.thread,
        posts,
        next: page.next,
        moderator: a.moderates(),
        crisis,
    })
}

async fn thread(
    State(state): State<AppState>,
    member: PageMember,
    PagePath((slug, id)): PagePath<(String, Uuid)>,
    query: Result<Query<AfterQuery>, QueryRejection>,
) -> PageResult {
    let after_cursor = query.ok().and_then(|Query(q)| q.after);
    thread_view(&state, &member, &slug, id, after_cursor, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ReplyForm {
    #[serde(default)]
    body: String,
}

async fn reply(
    State(state): State<AppState>,
    member: PageMember,
    PagePath((slug, id)): PagePath<(String, Uuid)>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> PageResult {
    match discussion::reply(&state, &member.0, &slug, id, &form.body).await {
        Ok(page) if page.crisis_resources.is_some() => {
            thread_view(&state, &member, &slug, id, None, page.crisis_resources).await
        }
        Ok(_) => Ok(Redirect::to(&format!("/groups/{slug}/threads/{id}#reply")).into_response()),
        Err(e) => after(
            member.layout("Reply"),
            format!("/groups/{slug}/threads/{id}"),
            Err(e),
        ),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportForm {
    post: Option<Uuid>,
    member: Option<String>,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    back: String,
}

async fn report(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(slug): PagePath<String>,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> PageResult {
    let who = form.member.as_deref().filter(|m| !m.is_empty());
    let result = moderation::report(&state, &member.0, &slug, form.post, who, &form.reason)
        .await
        .map(|_| ());
    after(
        member.layout("Report"),
        back_or(&form.back, format!("/groups/{slug}")),
        result,
    )
}

#[derive(Template)]
#[template(path = "groups/moderation.html")]
struct ModerationPage {
    layout: Layout,
    group: Group,
    reports: Vec<Report>,
    log: Vec<LogLine>,
}

async fn moderation_page(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(slug): PagePath<String>,
) -> PageResult {
    let (a, reports) = moderation::queue(&state, &member.0, &slug).await?;
    let log = moderation::log(&state, &member.0, &slug).await?;
    render(&ModerationPage {
        layout: member.layout("Moderation"),
        group: a.view(),
        reports,
        log,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ResolveForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

async fn resolve(
    State(state): State<AppState>,
    member: PageMember,
    PagePath((slug, id)): PagePath<(String, Uuid)>,
    CsrfForm(form): CsrfForm<ResolveForm>,
) -> PageResult {
    let result = moderation::resolve(&state, &member.0, &slug, id, &form.action, &form.reason)
        .await
        .map(|_| ());
    after(
        member.layout("Moderation"),
        format!("/groups/{slug}/moderation"),
        result,
    )
}

async fn post_action(
    State(state): State<AppState>,
    member: PageMember,
    PagePath((slug, id, action)): PagePath<(String, Uuid, String)>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> PageResult {
    let result = match action.as_str() {
        "hide" => moderation::set_hidden(&state, &member.0, &slug, id, true, &form.reason).await,
        "restore" => moderation::set_hidden(&state, &member.0, &slug, id, false, "").await,
        _ => Err(AppError::NotFound),
    };
    let back = back_or(&form.back, format!("/groups/{slug}/moderation"));
    after(member.layout("Moderation"), back, result)
}

#[derive(Template)]
#[template(path = "groups/invite.html")]
struct InvitePage {
    layout: Layout,
    name: String,
    open: bool,
    code: String,
    logged_in: bool,
}

async fn invite_landing(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(code): PagePath<String>,
) -> PageResult {
    let landing = service::invite_landing(&state, &code).await?;
    render(&InvitePage {
        layout: visitor.layout(format!("Join {}", landing.name)),
        name: landing.name,
        open: landing.open,
        code,
        logged_in: visitor.member.is_some(),
    })
}

async fn join_with_invite(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(code): PagePath<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    let landing = service::invite_landing(&state, &code).await?;
    let result = service::join(&state, &member.0, &landing.slug, Some(&code))
        .await
        .map(|_| ());
    after(
        member.layout("Join"),
        format!("/groups/{}", landing.slug),
        result,
    )
}
