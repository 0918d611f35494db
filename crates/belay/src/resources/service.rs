//! Resources: reading them (anyone) and curating them (instance admins).

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    accounts::{AuthMember, Role},
    app::AppState,
    db::{on_db, on_tx},
    profile::model::tag_enum,
    web::error::{AppError, AppResult, FieldErrors},
};

tag_enum!(
    /// What kind of help a resource is.
    Category {
        CrisisLines = "crisis_lines" / "Crisis lines",
        Helplines = "helplines" / "Helplines",
        TreatmentFinders = "treatment_finders" / "Finding treatment",
        MutualAid = "mutual_aid" / "Mutual-aid fellowships",
        HarmReduction = "harm_reduction" / "Harm reduction",
        FamilySupport = "family_support" / "For families and friends",
        Guides = "guides" / "Guides",
    }
);

#[derive(Clone, Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Resource {
    pub id: Uuid,
    /// One of `crisis_lines`, `helplines`, `treatment_finders`, `mutual_aid`,
    /// `harm_reduction`, `family_support`, `guides`.
    pub category: String,
    pub name: String,
    pub description: String,
    /// How to reach it, in a few words ("Call or text 988").
    pub contact: String,
    /// Digits for a `tel:` link.
    pub phone: String,
    pub url: String,
    /// Where it serves ("US"); empty for everywhere.
    pub region: String,
    /// Order within the category, smallest first.
    pub position: i64,
    pub retired: bool,
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, category, name, description, contact, phone, url, region, position,
    retired, updated_at";

/// The resources in force, kept in memory between reads, so that the
/// resources page and the crisis lines on `/help` still answer with the
/// database down. Refreshed by every read of the page, every admin's change
/// and the housekeeping tick (changes made on another instance arrive with
/// the next of those).
#[derive(Default)]
pub struct ResourceCache(RwLock<Option<Arc<Vec<Resource>>>>);

impl ResourceCache {
    pub fn get(&self) -> Option<Arc<Vec<Resource>>> {
        self.0.read().ok().and_then(|g| g.clone())
    }

    fn set(&self, list: Vec<Resource>) {
        if let Ok(mut g) = self.0.write() {
            *g = Some(Arc::new(list));
        }
    }

    /// The operator's crisis lines, if the cache holds any.
    pub fn crisis_lines(&self) -> Vec<Resource> {
        self.get()
            .map(|l| {
                l.iter()
                    .filter(|r| r.category == Category::CrisisLines.key())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Reads the resources in force into the cache; a failure keeps the copy.
pub async fn refresh_cache(state: &AppState) {
    if let Err(err) = list(state, false).await {
        err.log_if_internal();
    }
}

/// The resources in force (or all of them, retired too, for admins), by
/// category and position. With the database unreachable, the resources in
/// force come from the copy in memory.
pub async fn list(state: &AppState, include_retired: bool) -> AppResult<Vec<Resource>> {
    match read(state, include_retired).await {
        Ok(list) => {
            if !include_retired {
                state.resources.set(list.clone());
            }
            Ok(list)
        }
        Err(err) => match state.resources.get() {
            Some(copy) if !include_retired => {
                tracing::warn!(error = %err, "resources read from the copy in memory");
                Ok(copy.as_ref().clone())
            }
            _ => Err(err),
        },
    }
}

async fn read(state: &AppState, include_retired: bool) -> AppResult<Vec<Resource>> {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "select {COLUMNS} from resource where (not retired or $1)
            order by case category when 'crisis_lines' then 0 when 'helplines' then 1
                when 'treatment_finders' then 2 when 'mutual_aid' then 3
                when 'harm_reduction' then 4 when 'family_support' then 5 else 6 end,
                position, name
            limit 500"
        )
    });
    let sql: &'static str = SQL.as_str();
    Ok(on_db!(&state.db, |x| sqlx::query_as(sql)
        .bind(include_retired)
        .fetch_all(x)
        .await)?)
}

/// The list grouped by category, for the page.
pub fn by_category(list: Vec<Resource>) -> Vec<(Category, Vec<Resource>)> {
    Category::ALL
        .iter()
        .map(|c| {
            let items: Vec<Resource> = list
                .iter()
                .filter(|r| r.category == c.key())
                .cloned()
                .collect();
            (*c, items)
        })
        .filter(|(_, items)| !items.is_empty())
        .collect()
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceInput {
    pub category: String,
    /// 1-200 characters.
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub contact: String,
    /// Digits (and a leading +), for a tel: link.
    #[serde(default)]
    pub phone: String,
    /// An https:// address, or a path on this site.
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub position: i64,
}

struct Checked {
    category: Category,
    name: String,
    description: String,
    contact: String,
    phone: String,
    url: String,
    region: String,
}

fn check(input: &ResourceInput) -> AppResult<Checked> {
    let mut e = FieldErrors::new();
    let text = |v: &str, f: &str, max: usize, e: &mut FieldErrors| {
        crate::profile::model::check_text(f, v, max, e)
    };
    let category = Category::parse(input.category.trim());
    if category.is_none() {
        let keys: Vec<&str> = Category::ALL.iter().map(|c| c.key()).collect();
        e.add("category", format!("must be one of: {}", keys.join(", ")));
    }
    let name = text(&input.name, "name", 200, &mut e);
    if name.is_empty() {
        e.add("name", "is required");
    }
    let description = text(&input.description, "description", 1000, &mut e);
    let contact = text(&input.contact, "contact", 100, &mut e);
    let phone: String = input
        .phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
        .collect();
    if !phone.is_empty()
        && (phone.len() > 20
            || !phone
                .char_indices()
                .all(|(i, c)| c.is_ascii_digit() || (c == '+' && i == 0)))
    {
        e.add(
            "phone",
            "must be a phone number: digits and an optional leading +",
        );
    }
    let url = input.url.trim().to_owned();
    let local = url.starts_with('/') && !url.starts_with("//");
    if !url.is_empty() && !local && crate::meetings::model::check_url(&url).is_err() {
        e.add(
            "url",
            "must start with https:// (or be a path on this site)",
        );
    }
    let region = text(&input.region, "region", 50, &mut e);
    if !(0..=100_000).contains(&input.position) {
        e.add("position", "must be from 0 to 100000");
    }
    e.into_result()?;
    let category = category.ok_or_else(|| AppError::internal(anyhow::anyhow!("checked above")))?;
    Ok(Checked {
        category,
        name,
        description,
        contact,
        phone,
        url,
        region,
    })
}

fn require_admin(me: &AuthMember) -> AppResult<()> {
    if me.role == Role::Admin {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "admins_only",
            "Only the site's admins curate the resources.".into(),
        ))
    }
}

async fn one(state: &AppState, id: Uuid) -> AppResult<Resource> {
    static SQL: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("select {COLUMNS} from resource where id = $1"));
    let sql: &'static str = SQL.as_str();
    on_db!(&state.db, |x| sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(x)
        .await)?
    .ok_or(AppError::NotFound)
}

pub async fn create(
    state: &AppState,
    me: &AuthMember,
    input: &ResourceInput,
) -> AppResult<Resource> {
    require_admin(me)?;
    let c = check(input)?;
    let id = Uuid::new_v4();
    const SQL: &str = "insert into resource (id, category, name, description, contact, phone, url,
            region, position, created_at, updated_at)
        values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";
    let mut tx = state.db.begin_write().await?;
    on_tx!(&mut tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(c.category.key())
        .bind(&c.name)
        .bind(&c.description)
        .bind(&c.contact)
        .bind(&c.phone)
        .bind(&c.url)
        .bind(&c.region)
        .bind(input.position)
        .bind(state.clock.now())
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    tx.commit().await?;
    refresh_cache(state).await;
    one(state, id).await
}

pub async fn update(
    state: &AppState,
    me: &AuthMember,
    id: Uuid,
    input: &ResourceInput,
) -> AppResult<Resource> {
    require_admin(me)?;
    let c = check(input)?;
    const SQL: &str =
        "update resource set category = $2, name = $3, description = $4, contact = $5,
            phone = $6, url = $7, region = $8, position = $9, updated_at = $10
        where id = $1";
    let mut tx = state.db.begin_write().await?;
    let n = on_tx!(&mut tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(c.category.key())
        .bind(&c.name)
        .bind(&c.description)
        .bind(&c.contact)
        .bind(&c.phone)
        .bind(&c.url)
        .bind(&c.region)
        .bind(input.position)
        .bind(state.clock.now())
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    refresh_cache(state).await;
    one(state, id).await
}

/// Retires a resource (kept, no longer shown) or brings it back.
pub async fn set_retired(
    state: &AppState,
    me: &AuthMember,
    id: Uuid,
    retired: bool,
) -> AppResult<Resource> {
    require_admin(me)?;
    const SQL: &str = "update resource set retired = $2, updated_at = $3 where id = $1";
    let mut tx = state.db.begin_write().await?;
    let n = on_tx!(&mut tx, |x| sqlx::query(SQL)
        .bind(id)
        .bind(retired)
        .bind(state.clock.now())
        .execute(x)
        .await
        .map(|r| r.rows_affected()))?;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    refresh_cache(state).await;
    one(state, id).await
}

pub async fn all_for_admin(state: &AppState, me: &AuthMember) -> AppResult<Vec<Resource>> {
    require_admin(me)?;
    list(state, true).await
}
