//! Meeting pages: the finder (with "happening now" and "next up"), a
//! meeting's page with "add to calendar", scheduling and editing a meeting,
//! cancelling or moving one occurrence, the private "my meetings" feed, and
//! the admins' import page. Every page works without JavaScript.

use askama::Template;
use axum::{
    Router,
    extract::{Query, State, rejection::QueryRejection},
    http::StatusCode,
    response::{IntoResponse, Redirect},
    routing::{get, post},
};
use serde::Deserialize;

use super::{
    feed::{self, ImportOptions, ImportReport},
    model::{self, DAY_NAMES, MeetingInput},
    service::{self, CalendarFeed, FindQuery, Meeting, NowAndNext},
    store,
};
use crate::{
    accounts::{PageMember, Role, Visitor},
    app::AppState,
    groups::{pages::after, service as groups},
    web::{
        csrf::CsrfForm,
        error::{AppError, FieldErrors},
        extract::PagePath,
        page::{Layout, PageResult, render},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(finder))
        .route("/meetings/calendar", get(calendar_page).post(new_calendar))
        .route("/meetings/calendar/revoke", post(revoke_calendar))
        .route("/meetings/{slug}", get(show))
        .route("/meetings/{slug}/edit", get(edit_form).post(save))
        .route("/meetings/{slug}/delete", post(delete))
        .route("/meetings/{slug}/occurrences", post(occurrence))
        .route("/groups/{slug}/meetings/new", get(new_form).post(create))
        .route("/admin/meetings/import", get(import_page).post(import))
}

#[derive(Debug, Default, Deserialize)]
pub struct FinderForm {
    day: Option<String>,
    after: Option<String>,
    before: Option<String>,
    r#type: Option<String>,
    online: Option<String>,
    near: Option<String>,
    q: Option<String>,
}

#[derive(Template)]
#[template(path = "meetings/finder.html")]
struct FinderPage {
    layout: Layout,
    form: FinderForm,
    result: Option<std::sync::Arc<service::Found>>,
    errors: FieldErrors,
    now: NowAndNext,
    days: [&'static str; 7],
    types: Vec<(&'static str, &'static str)>,
}

fn type_choices() -> Vec<(&'static str, &'static str)> {
    model::types()
        .iter()
        .map(|(c, n)| (c.as_str(), n.as_str()))
        .collect()
}

async fn finder(
    State(state): State<AppState>,
    visitor: Visitor,
    query: Result<Query<FinderForm>, QueryRejection>,
) -> PageResult {
    let form = query.map(|Query(q)| q).unwrap_or_default();
    let q = FindQuery {
        day: form.day.clone(),
        after: form.after.clone(),
        before: form.before.clone(),
        r#type: form.r#type.clone(),
        online: form.online.clone(),
        near: form.near.clone(),
        q: form.q.clone(),
    };
    let me = visitor.member.as_ref();
    let (result, errors) = match service::find_meetings(&state, me, &q).await {
        Ok(found) => (Some(found), FieldErrors::new()),
        Err(AppError::Validation(e)) => (None, e),
        Err(e) => return Err(e.into()),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&FinderPage {
        layout: visitor.layout("Find a meeting"),
        now: service::now_and_next(&state, me).await?,
        form,
        result,
        errors,
        days: DAY_NAMES,
        types: type_choices(),
    })?;
    Ok((status, page).into_response())
}

#[derive(Template)]
#[template(path = "meetings/show.html")]
struct ShowPage {
    layout: Layout,
    meeting: Meeting,
    editor: bool,
    logged_in: bool,
    ics: String,
    webcal: String,
}

async fn show(
    State(state): State<AppState>,
    visitor: Visitor,
    PagePath(slug): PagePath<String>,
) -> PageResult {
    let me = visitor.member.as_ref();
    let meeting = service::get(&state, me, &slug).await?;
    let editor = match me {
        Some(m) => groups::access(&state, &meeting.group, Some(m.id))
            .await
            .is_ok_and(|a| a.moderates()),
        None => false,
    };
    let base = state.config.base_url.as_str().trim_end_matches('/');
    let ics = format!("{base}/groups/{}/meetings.ics", meeting.group);
    let webcal = format!("webcal://{}", ics.split("://").nth(1).unwrap_or(&ics));
    render(&ShowPage {
        layout: visitor.layout(meeting.name.clone()),
        meeting,
        editor,
        logged_in: me.is_some(),
        ics,
        webcal,
    })
}

/// The meeting form's fields, as text.
#[derive(Debug, Default, Deserialize)]
pub struct MeetingForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    frequency: String,
    #[serde(default)]
    days: Vec<String>,
    #[serde(default)]
    month_week: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    ends_on: String,
    #[serde(default)]
    start_time: String,
    #[serde(default)]
    end_time: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    formatted_address: String,
    #[serde(default)]
    location_notes: String,
    approximate: Option<String>,
    #[serde(default)]
    conference_url: String,
    #[serde(default)]
    conference_url_notes: String,
    #[serde(default)]
    conference_phone: String,
    #[serde(default)]
    conference_phone_notes: String,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    notes: String,
    inactive: Option<String>,
}

impl MeetingForm {
    fn input(&self) -> MeetingInput {
        MeetingInput {
            name: self.name.clone(),
            frequency: self.frequency.clone(),
            days: self
                .days
                .iter()
                .filter_map(|d| d.parse().ok())
                .chain(
                    self.days
                        .iter()
                        .filter(|d| d.parse::<i64>().is_err())
                        .map(|_| 99),
                )
                .collect(),
            month_week: self.month_week.trim().parse().ok(),
            date: self.date.clone(),
            ends_on: self.ends_on.clone(),
            start_time: self.start_time.clone(),
            end_time: self.end_time.clone(),
            time_zone: self.time_zone.clone(),
            location: self.location.clone(),
            formatted_address: self.formatted_address.clone(),
            location_notes: self.location_notes.clone(),
            approximate: self.approximate.is_some(),
            latitude: None,
            longitude: None,
            region: String::new(),
            conference_url: self.conference_url.clone(),
            conference_url_notes: self.conference_url_notes.clone(),
            conference_phone: self.conference_phone.clone(),
            conference_phone_notes: self.conference_phone_notes.clone(),
            types: self.types.clone(),
            notes: self.notes.clone(),
            active: self.inactive.is_none(),
        }
    }

    fn of(m: &Meeting) -> Self {
        Self {
            name: m.name.clone(),
            frequency: m.frequency.clone(),
            days: m.days.iter().map(u8::to_string).collect(),
            month_week: m.month_week.map(|w| w.to_string()).unwrap_or_default(),
            date: m.starts_on.to_string(),
            ends_on: m.ends_on.map(|d| d.to_string()).unwrap_or_default(),
            start_time: m.start_time.clone(),
            end_time: m.end_time.clone(),
            time_zone: m.time_zone.clone(),
            location: m.location.clone(),
            formatted_address: m.formatted_address.clone(),
            location_notes: m.location_notes.clone(),
            approximate: m.approximate.then(|| "on".to_owned()),
            conference_url: m.conference_url.clone(),
            conference_url_notes: m.conference_url_notes.clone(),
            conference_phone: m.conference_phone.clone(),
            conference_phone_notes: m.conference_phone_notes.clone(),
            types: m.types.iter().map(|t| t.code.clone()).collect(),
            notes: m.notes.clone(),
            inactive: (!m.active).then(|| "on".to_owned()),
        }
    }

    fn has_day(&self, d: &usize) -> bool {
        self.days.iter().any(|x| x == &d.to_string())
    }

    fn has_type(&self, code: &&str) -> bool {
        self.types.iter().any(|t| t == code)
    }
}

#[derive(Template)]
#[template(path = "meetings/form.html")]
struct FormPage {
    layout: Layout,
    form: MeetingForm,
    errors: FieldErrors,
    action: String,
    group: String,
    days: [&'static str; 7],
    types: Vec<(&'static str, &'static str)>,
}

fn form_page(
    layout: Layout,
    form: MeetingForm,
    errors: FieldErrors,
    action: String,
    group: String,
) -> PageResult {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&FormPage {
        layout,
        form,
        errors,
        action,
        group,
        days: DAY_NAMES,
        types: type_choices(),
    })?;
    Ok((status, page).into_response())
}

async fn new_form(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(group): PagePath<String>,
) -> PageResult {
    let a = groups::access(&state, &group, Some(member.0.id)).await?;
    a.require_moderator()?;
    let form = MeetingForm {
        frequency: "weekly".into(),
        start_time: "19:00".into(),
        end_time: "20:00".into(),
        time_zone: member.0.time_zone.name().to_owned(),
        ..MeetingForm::default()
    };
    form_page(
        member.layout("Schedule a meeting"),
        form,
        FieldErrors::new(),
        format!("/groups/{group}/meetings/new"),
        group,
    )
}

async fn create(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(group): PagePath<String>,
    CsrfForm(form): CsrfForm<MeetingForm>,
) -> PageResult {
    match service::create(&state, &member.0, &group, &form.input()).await {
        Ok(m) => Ok(Redirect::to(&format!("/meetings/{}", m.slug)).into_response()),
        Err(AppError::Validation(errors)) => form_page(
            member.layout("Schedule a meeting"),
            form,
            errors,
            format!("/groups/{group}/meetings/new"),
            group,
        ),
        Err(e) => after(
            member.layout("Schedule a meeting"),
            format!("/groups/{group}"),
            Err(e),
        ),
    }
}

async fn edit_form(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(slug): PagePath<String>,
) -> PageResult {
    let m = service::get(&state, Some(&member.0), &slug).await?;
    groups::access(&state, &m.group, Some(member.0.id))
        .await?
        .require_moderator()?;
    let group = m.group.clone();
    form_page(
        member.layout("Change a meeting"),
        MeetingForm::of(&m),
        FieldErrors::new(),
        format!("/meetings/{slug}/edit"),
        group,
    )
}

async fn save(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(slug): PagePath<String>,
    CsrfForm(form): CsrfForm<MeetingForm>,
) -> PageResult {
    match service::update(&state, &member.0, &slug, &form.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/meetings/{slug}")).into_response()),
        Err(AppError::Validation(errors)) => {
            let group = service::get(&state, Some(&member.0), &slug).await?.group;
            form_page(
                member.layout("Change a meeting"),
                form,
                errors,
                format!("/meetings/{slug}/edit"),
                group,
            )
        }
        Err(e) => after(
            member.layout("Change a meeting"),
            format!("/meetings/{slug}"),
            Err(e),
        ),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct EmptyForm {}

async fn delete(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(slug): PagePath<String>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    let group = service::get(&state, Some(&member.0), &slug).await?.group;
    let result = service::delete(&state, &member.0, &slug).await;
    after(
        member.layout("Delete a meeting"),
        format!("/groups/{group}"),
        result,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct OccurrenceForm {
    #[serde(default)]
    date: String,
    /// `cancel`, `move` or `restore`.
    #[serde(default)]
    action: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    note: String,
}

async fn occurrence(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(slug): PagePath<String>,
    CsrfForm(form): CsrfForm<OccurrenceForm>,
) -> PageResult {
    let me = &member.0;
    let result = match form.action.as_str() {
        "cancel" => {
            service::change_occurrence(&state, me, &slug, &form.date, None, &form.note).await
        }
        "move" => {
            service::change_occurrence(
                &state,
                me,
                &slug,
                &form.date,
                Some((&form.start, &form.end)),
                &form.note,
            )
            .await
        }
        "restore" => service::restore_occurrence(&state, me, &slug, &form.date).await,
        _ => Err(FieldErrors::single(
            "action",
            "must be cancel, move or restore",
        )),
    };
    after(
        member.layout("A meeting"),
        format!("/meetings/{slug}"),
        result.map(|_| ()),
    )
}

#[derive(Template)]
#[template(path = "meetings/calendar.html")]
struct CalendarPage {
    layout: Layout,
    has_feed: bool,
    feed: Option<CalendarFeed>,
}

async fn calendar_page(State(state): State<AppState>, member: PageMember) -> PageResult {
    let has_feed = store::has_calendar_token(&state.db, member.0.id).await?;
    render(&CalendarPage {
        layout: member.layout("My meetings in my calendar"),
        has_feed,
        feed: None,
    })
}

async fn new_calendar(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    let feed = service::new_calendar_token(&state, &member.0).await?;
    render(&CalendarPage {
        layout: member.layout("My meetings in my calendar"),
        has_feed: true,
        feed: Some(feed),
    })
}

async fn revoke_calendar(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> PageResult {
    let result = service::revoke_calendar_token(&state, &member.0).await;
    match result {
        Ok(()) | Err(AppError::NotFound) => Ok(Redirect::to("/meetings/calendar").into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "meetings/import.html")]
struct ImportPage {
    layout: Layout,
    report: Option<ImportReport>,
    problem: Option<String>,
    form: ImportForm,
}

#[derive(Debug, Default, Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    feed: String,
    #[serde(default)]
    timezone: String,
}

fn require_admin(member: &PageMember) -> Result<(), AppError> {
    if member.0.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "admins_only",
            "Only the site's admins import meetings.".into(),
        ))
    }
}

async fn import_page(member: PageMember) -> PageResult {
    require_admin(&member)?;
    render(&ImportPage {
        layout: member.layout("Import meetings"),
        report: None,
        problem: None,
        form: ImportForm::default(),
    })
}

/// Pasted feeds are limited by the request size; larger ones go through
/// `belay import-meetings`.
async fn import(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<ImportForm>,
) -> PageResult {
    require_admin(&member)?;
    let zone = form.timezone.trim();
    let default_zone = if zone.is_empty() {
        None
    } else {
        model::parse_zone(zone)
    };
    let (report, problem) = if !zone.is_empty() && default_zone.is_none() {
        (
            None,
            Some(format!(
                "{zone:?} is not a time zone name like America/Chicago."
            )),
        )
    } else {
        let opts = ImportOptions {
            default_zone,
            organiser: None,
            today: state.clock.now().date_naive(),
        };
        match feed::import(&state.db, form.feed.as_bytes(), &opts, &|_, _| {}).await {
            Ok(r) => {
                state.meetings.invalidate();
                (Some(r), None)
            }
            Err(feed::ImportError::Database(e)) => return Err(AppError::from(e).into()),
            Err(e) => (None, Some(e.to_string())),
        }
    };
    let status = if problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = render(&ImportPage {
        layout: member.layout("Import meetings"),
        report,
        problem,
        form,
    })?;
    Ok((status, page).into_response())
}
