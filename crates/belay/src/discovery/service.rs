//! Discovery use-cases: keeping each member's card current, and finding
//! people for a member.

use std::collections::HashSet;

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{
    model::{Kind, Seeker, Stage, assess, unknown_stage},
    store::{self, CardRow},
};
use crate::{
    accounts::{AuthMember, MemberId},
    app::AppState,
    circle::{capacity, store as circle_store},
    db::Tx,
    profile,
    time::local_today,
    web::error::{AppError, AppResult},
};

pub const PER_PAGE: usize = 20;
pub const PAGES_MAX: usize = 25;
/// How many candidates one index query brings back at least: enough to
/// rank the first page well; deeper pages ask for more.
const BATCH: i64 = 60;

fn visible(visibility: &str) -> bool {
    visibility == "members"
}

/// Rebuilds a member's card and tags from their current data, inside the
/// transaction that changed it. Members who are not discoverable have none.
pub async fn refresh(tx: &mut Tx, member: MemberId, now: DateTime<Utc>) -> anyhow::Result<()> {
    store::clear(tx, member).await?;
    let Some(src) = store::source(tx, member, now).await? else {
        return Ok(());
    };
    if !src.discoverable {
        return Ok(());
    }
    let capacity = circle_store::capacity(tx, member)
        .await?
        .unwrap_or_default();
    let tz = crate::time::parse_time_zone(&src.time_zone).unwrap_or(chrono_tz::UTC);
    let today = local_today(now, tz);
    let a_year = src
        .earliest_start
        .and_then(|s| s.checked_add_months(Months::new(12)))
        .is_some_and(|year| year <= today);
    let spare = if a_year {
        capacity::mentor_spare(tx, member, &capacity).await?
    } else {
        0
    };
    let stage_start = src.earliest_start.filter(|_| visible(&src.vis_clocks));
    let focus: Vec<String> = if visible(&src.vis_focus) {
        src.focus.0
    } else {
        Vec::new()
    };
    let card = CardRow {
        member_id: member,
        handle: src.handle,
        stage_start,
        focus: focus.join(","),
        pathway: if visible(&src.vis_pathway) {
            src.pathway.0.join(",")
        } else {
            String::new()
        },
        languages: if visible(&src.vis_languages) {
            src.languages.0.join(",")
        } else {
            String::new()
        },
        time_zone: src.time_zone,
        mentor_spare: spare,
        listener: capacity.listener,
        duty_hours: if capacity.listener {
            capacity.duty_hours
        } else {
            String::new()
        },
        professional_title: if capacity.verified_at.is_some() && capacity.professional {
            capacity.professional_title
        } else {
            String::new()
        },
    };
    store::insert_card(tx, &card, now).await?;
    let stage = stage_start.unwrap_or_else(unknown_stage);
    let mut tags = vec!["peer|*".to_owned()];
    tags.extend(focus.iter().map(|f| format!("peer|f:{f}")));
    if spare > 0 {
        tags.push("mentor|*".to_owned());
        tags.extend(focus.iter().map(|f| format!("mentor|f:{f}")));
    }
    if card.listener {
        tags.push("listener|*".to_owned());
    }
    if !card.professional_title.is_empty() {
        tags.push("pro|*".to_owned());
    }
    for tag in tags {
        store::insert_tag(tx, &tag, stage, member).await?;
    }
    Ok(())
}

/// One person discovery suggests, with why.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Suggestion {
    pub handle: String,
    pub reasons: Vec<String>,
}

/// The viewer's own data, to rank with (never shown to anyone).
async fn seeker(state: &AppState, me: &AuthMember) -> AppResult<Seeker> {
    let own = profile::service::own(state, me.id).await?;
    let clocks = crate::clocks::service::list(state, me).await?;
    Ok(Seeker {
        stage_start: clocks.iter().map(|c| c.started_on).min(),
        focus: own.focus.iter().map(|f| f.key().to_owned()).collect(),
        pathway: own.pathway.iter().map(|p| p.key().to_owned()).collect(),
        languages: own.languages,
        time_zone: Some(me.time_zone),
    })
}

/// Candidate queries for a kind, most relevant first.
fn plan(
    kind: Kind,
    seeker: &Seeker,
    today: NaiveDate,
) -> Vec<(String, NaiveDate, NaiveDate, bool)> {
    let everyone = (crate::clocks::model::earliest_start(), unknown_stage());
    let known = (crate::clocks::model::earliest_start(), today);
    let mut plan = Vec::new();
    match kind {
        Kind::Peers => {
            let mine = seeker.stage_start.map(|s| Stage::of(s, today));
            if let Some(stage) = mine {
                let (lo, hi) = stage.range(today);
                for f in &seeker.focus {
                    plan.push((format!("peer|f:{f}"), lo, hi, false));
                }
                plan.push(("peer|*".to_owned(), lo, hi, false));
                for other in Stage::ALL.into_iter().filter(|s| *s != stage) {
                    let (lo, hi) = other.range(today);
                    plan.push(("peer|*".to_owned(), lo, hi, false));
                }
            } else {
                for f in &seeker.focus {
                    plan.push((format!("peer|f:{f}"), everyone.0, everyone.1, false));
                }
            }
            plan.push(("peer|*".to_owned(), everyone.0, everyone.1, false));
        }
        Kind::Mentors => {
            for f in &seeker.focus {
                plan.push((format!("mentor|f:{f}"), known.0, known.1, true));
            }
            plan.push(("mentor|*".to_owned(), known.0, known.1, true));
            plan.push(("mentor|*".to_owned(), everyone.0, everyone.1, false));
        }
        Kind::Listeners => plan.push(("listener|*".to_owned(), everyone.0, everyone.1, true)),
        Kind::Professionals => plan.push(("pro|*".to_owned(), everyone.0, everyone.1, true)),
    }
    plan
}

/// Finds people of one kind for `me`: page `page` (from 1) of the ranked
/// list, and whether there is another page.
#[tracing::instrument(skip_all, fields(member.id = %me.id, kind = kind.as_str()))]
pub async fn discover(
    state: &AppState,
    me: &AuthMember,
    kind: Kind,
    page: usize,
) -> AppResult<(Vec<Suggestion>, bool)> {
    if !(1..=PAGES_MAX).contains(&page) {
        return Err(crate::web::error::FieldErrors::single(
            "page",
            format!("must be 1 to {PAGES_MAX}"),
        ));
    }
    let now = state.clock.now();
    let today = local_today(now, me.time_zone);
    let seeker = seeker(state, me).await?;
    let wanted = page * PER_PAGE + 1;
    let mut seen = HashSet::new();
    let mut pool = Vec::new();
    let batch = BATCH.max(wanted as i64);
    for (tag, from, to, ascending) in plan(kind, &seeker, today) {
        if pool.len() >= batch as usize {
            break;
        }
        for card in store::candidates(&state.db, &tag, from, to, me.id, ascending, batch).await? {
            if seen.insert(card.handle.clone()) {
                pool.push(card);
            }
        }
    }
    let mut ranked: Vec<(i32, Suggestion)> = pool
        .into_iter()
        .map(|card| {
            let (score, reasons) = assess(kind, &seeker, &card, today, now);
            (
                score,
                Suggestion {
                    handle: card.handle,
                    reasons,
                },
            )
        })
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.handle.cmp(&b.1.handle)));
    let more = ranked.len() > page * PER_PAGE;
    let results = ranked
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|(_, s)| s)
        .collect();
    Ok((results, more))
}

/// Parses `?kind=`, peers when absent.
pub fn kind_from(s: Option<&str>) -> AppResult<Kind> {
    match s.unwrap_or("peers") {
        "peers" => Ok(Kind::Peers),
        "mentors" => Ok(Kind::Mentors),
        "listeners" => Ok(Kind::Listeners),
        "professionals" => Ok(Kind::Professionals),
        _ => Err(AppError::Validation({
            let mut f = crate::web::error::FieldErrors::new();
            f.add("kind", "must be peers, mentors, listeners or professionals");
            f
        })),
    }
}
