//! Check-in pages: the quick form (mood, craving, done: three taps), the
//! streak, the chart and the history; a connection's shared check-ins; and
//! a page explaining the risk signals.

use askama::Template;
use axum::{
    Router,
    extract::{Query, State, rejection::QueryRejection},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    api::{DaysQuery, svg_response},
    model::{CHART_DAYS, Input, split_tags},
    risk::Rule,
    service::{self, Checkin, History, Settings, Signal},
};
use crate::{
    accounts::{AuthMember, PageMember},
    app::AppState,
    safety::{CrisisLine, crisis_lines},
    web::{
        csrf::CsrfForm,
        error::{AppError, FieldErrors},
        extract::PagePath,
        page::{Layout, PageError, PageResult, render},
    },
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/checkins", get(checkins_page).post(save))
        .route("/checkins/settings", post(save_settings))
        .route("/checkins/signals", get(signals_page))
        .route("/me/checkins/chart.svg", get(my_chart))
        .route("/members/{handle}/checkins", get(member_page))
        .route("/members/{handle}/checkins/chart.svg", get(member_chart))
}

/// The risk banner: shown on the home and check-in pages while a signal is
/// recent, with a one-tap reach-out and the crisis link.
pub struct Banner {
    pub signals: Vec<Signal>,
    /// A fresh idempotency key for the one-tap reach-out form.
    pub key: String,
}

impl Banner {
    pub async fn load(state: &AppState, member: &AuthMember) -> Result<Option<Self>, AppError> {
        Ok(Self::of(service::recent_signals(state, member).await?))
    }

    /// The banner for these signals (newest first), if there are any.
    pub fn of(signals: Vec<Signal>) -> Option<Self> {
        (!signals.is_empty()).then(|| Self {
            signals,
            key: Uuid::new_v4().to_string(),
        })
    }
}

#[derive(Template)]
#[template(path = "checkins/index.html")]
struct CheckinsPage {
    layout: Layout,
    banner: Option<Banner>,
    today: Option<Checkin>,
    history: History,
    settings: Settings,
    days: i64,
    spans: [i64; 3],
    form: Form,
    errors: FieldErrors,
    saved: Option<&'static str>,
    crisis: Option<&'static [CrisisLine]>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Form {
    #[serde(default)]
    mood: String,
    #[serde(default)]
    craving: String,
    #[serde(default)]
    sleep_hours: String,
    #[serde(default)]
    triggers: String,
    #[serde(default)]
    gratitude: String,
    #[serde(default)]
    note: String,
}

impl Form {
    fn from_checkin(c: &Checkin) -> Self {
        Self {
            mood: c.mood.to_string(),
            craving: c.craving.to_string(),
            sleep_hours: c.sleep_hours.map(|h| h.to_string()).unwrap_or_default(),
            triggers: c.triggers.join(", "),
            gratitude: c.gratitude.clone(),
            note: c.note.clone().unwrap_or_default(),
        }
    }

    fn is(&self, field: &str, value: &i32) -> bool {
        let v = value.to_string();
        match field {
            "mood" => self.mood == v,
            _ => self.craving == v,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct PageDays {
    days: Option<i64>,
}

struct View {
    form: Option<Form>,
    errors: FieldErrors,
    saved: Option<&'static str>,
    crisis: Option<&'static [CrisisLine]>,
    status: StatusCode,
    days: i64,
}

async fn view(state: &AppState, member: &PageMember, v: View) -> PageResult {
    let me = &member.0;
    let history = service::history(state, me, Some(v.days)).await?;
    let today = service::today(state, me).await?;
    let form = v
        .form
        .unwrap_or_else(|| today.as_ref().map(Form::from_checkin).unwrap_or_default());
    let html = render(&CheckinsPage {
        layout: member.layout("Check in"),
        banner: Banner::load(state, me).await?,
        today,
        history,
        settings: service::settings(state, me).await?,
        days: v.days,
        spans: CHART_DAYS,
        form,
        errors: v.errors,
        saved: v.saved,
        crisis: v.crisis,
    })?;
    Ok((v.status, html).into_response())
}

fn span(days: Option<i64>) -> i64 {
    days.filter(|d| CHART_DAYS.contains(d)).unwrap_or(30)
}

async fn checkins_page(
    State(state): State<AppState>,
    member: PageMember,
    query: Result<Query<PageDays>, QueryRejection>,
) -> PageResult {
    let days = span(query.ok().and_then(|Query(q)| q.days));
    let v = View {
        form: None,
        errors: FieldErrors::new(),
        saved: None,
        crisis: None,
        status: StatusCode::OK,
        days,
    };
    view(&state, &member, v).await
}

fn number<T: std::str::FromStr>(
    raw: &str,
    field: &str,
    errors: &mut FieldErrors,
    what: &str,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse() {
        Ok(v) => Some(v),
        Err(_) => {
            errors.add(field, what);
            None
        }
    }
}

async fn save(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<Form>,
) -> PageResult {
    let mut errors = FieldErrors::new();
    let input = Input {
        mood: number(
            &form.mood,
            "mood",
            &mut errors,
            "must be a whole number from 1 to 5",
        ),
        craving: number(
            &form.craving,
            "craving",
            &mut errors,
            "must be a whole number from 0 to 10",
        ),
        sleep_hours: number(
            &form.sleep_hours,
            "sleep_hours",
            &mut errors,
            "must be a number of hours",
        ),
        triggers: split_tags(&form.triggers),
        gratitude: Some(form.gratitude.clone()),
        note: Some(form.note.clone()),
    };
    let result = if errors.is_empty() {
        service::save(&state, &member.0, input).await
    } else {
        Err(AppError::Validation(errors))
    };
    let v = match result {
        Ok(saved) => View {
            form: None,
            errors: FieldErrors::new(),
            saved: Some(if saved.created {
                "Checked in. Thank you for showing up for yourself today."
            } else {
                "Today's check-in is updated."
            }),
            crisis: saved.crisis_resources,
            status: StatusCode::OK,
            days: 30,
        },
        Err(AppError::Validation(errors)) => View {
            form: Some(form),
            errors,
            saved: None,
            crisis: None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
            days: 30,
        },
        Err(err) => return Err(err.into()),
    };
    view(&state, &member, v).await
}

#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    nudge_list: Option<String>,
}

async fn save_settings(
    State(state): State<AppState>,
    member: PageMember,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> PageResult {
    let settings = Settings {
        nudge_list: form.nudge_list.is_some(),
    };
    service::set_settings(&state, &member.0, &settings).await?;
    Ok(Redirect::to("/checkins#signals").into_response())
}

#[derive(Template)]
#[template(path = "checkins/signals.html")]
struct SignalsPage {
    layout: Layout,
    rules: Vec<(&'static str, &'static str)>,
    settings: Settings,
    lines: &'static [CrisisLine],
}

async fn signals_page(State(state): State<AppState>, member: PageMember) -> PageResult {
    render(&SignalsPage {
        layout: member.layout("How check-in signals work"),
        rules: Rule::ALL
            .iter()
            .map(|r| (r.title(), r.explanation()))
            .collect(),
        settings: service::settings(&state, &member.0).await?,
        lines: crisis_lines(),
    })
}

fn chart_days(query: Result<Query<DaysQuery>, QueryRejection>) -> Result<Option<i64>, PageError> {
    query.map(|Query(q)| q.days).map_err(|_| {
        PageError(FieldErrors::single(
            "days",
            "must be a whole number from 1 to 366",
        ))
    })
}

async fn my_chart(
    State(state): State<AppState>,
    member: PageMember,
    query: Result<Query<DaysQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let history = service::history(&state, &member.0, chart_days(query)?).await?;
    Ok(svg_response(&history, "you")?)
}

async fn member_chart(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(handle): PagePath<String>,
    query: Result<Query<DaysQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let history = service::shared_history(&state, &member.0, &handle, chart_days(query)?).await?;
    let whose = history.handle.clone();
    Ok(svg_response(&history, &whose)?)
}

#[derive(Template)]
#[template(path = "checkins/member.html")]
struct MemberPage {
    layout: Layout,
    history: History,
    days: i64,
    spans: [i64; 3],
}

async fn member_page(
    State(state): State<AppState>,
    member: PageMember,
    PagePath(handle): PagePath<String>,
    query: Result<Query<PageDays>, QueryRejection>,
) -> PageResult {
    let days = span(query.ok().and_then(|Query(q)| q.days));
    let history = service::shared_history(&state, &member.0, &handle, Some(days)).await?;
    render(&MemberPage {
        layout: member.layout(format!("{}'s check-ins", history.handle)),
        history,
        days,
        spans: CHART_DAYS,
    })
}
