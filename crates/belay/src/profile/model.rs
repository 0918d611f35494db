//! The recovery profile: what a member is recovering from and how, in their
//! own words, and who may see each part of it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::web::error::FieldErrors;

/// Who may see a field: only me, my circle (accepted connections), or any
/// member of this instance. Everything starts at `me`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Me,
    Circle,
    Members,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Me => "me",
            Self::Circle => "circle",
            Self::Members => "members",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "circle" => Self::Circle,
            "members" => Self::Members,
            _ => Self::Me,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Me => "Only me",
            Self::Circle => "My circle",
            Self::Members => "Members of this site",
        }
    }

    pub const ALL: [Visibility; 3] = [Self::Me, Self::Circle, Self::Members];
}

macro_rules! tag_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $key:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
        pub enum $name {
            $(#[serde(rename = $key)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($key => Some($name::$variant),)+ _ => None }
            }
        }
    };
}
pub(crate) use tag_enum;

tag_enum!(
    /// What a member is recovering from (one or several).
    Focus {
        Alcohol = "alcohol" / "Alcohol",
        Opioids = "opioids" / "Opioids",
        Stimulants = "stimulants" / "Stimulants",
        Cannabis = "cannabis" / "Cannabis",
        Nicotine = "nicotine" / "Nicotine",
        Gambling = "gambling" / "Gambling",
        Eating = "eating" / "Eating",
        Gaming = "gaming" / "Gaming",
        Depression = "depression" / "Depression",
        Anxiety = "anxiety" / "Anxiety",
        Trauma = "trauma" / "Trauma",
        Other = "other" / "Something else",
    }
);

tag_enum!(
    /// How a member goes about recovery (one or several).
    Pathway {
        TwelveStep = "twelve_step" / "12-step",
        Smart = "smart" / "SMART Recovery",
        Refuge = "refuge" / "Refuge / Buddhist",
        FaithBased = "faith_based" / "Faith-based",
        Secular = "secular" / "Secular",
        MedicationAssisted = "medication_assisted" / "Medication-assisted",
        HarmReduction = "harm_reduction" / "Harm reduction",
        Other = "other" / "My own way",
    }
);

pub const BIO_MAX: usize = 1000;
pub const SUPPORT_TEXT_MAX: usize = 500;
pub const LANGUAGES_MAX: usize = 10;

/// Checks and normalises language tags like `en`, `pt-BR` or `es-419`.
pub fn normalize_languages(raw: &[String], errors: &mut FieldErrors) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for tag in raw.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        match normalize_language(tag) {
            Some(t) if !out.contains(&t) => out.push(t),
            Some(_) => {}
            None => errors.add(
                "languages",
                format!(
                    "`{}` is not a language code like en or pt-BR",
                    truncate(tag, 20)
                ),
            ),
        }
    }
    if out.len() > LANGUAGES_MAX {
        errors.add("languages", format!("at most {LANGUAGES_MAX} languages"));
    }
    out
}

fn normalize_language(tag: &str) -> Option<String> {
    let (lang, region) = match tag.split_once(['-', '_']) {
        Some((l, r)) => (l, Some(r)),
        None => (tag, None),
    };
    let lang_ok = (2..=3).contains(&lang.len()) && lang.chars().all(|c| c.is_ascii_alphabetic());
    if !lang_ok {
        return None;
    }
    let lang = lang.to_ascii_lowercase();
    match region {
        None => Some(lang),
        Some(r) if r.len() == 2 && r.chars().all(|c| c.is_ascii_alphabetic()) => {
            Some(format!("{lang}-{}", r.to_ascii_uppercase()))
        }
        Some(r) if r.len() == 3 && r.chars().all(|c| c.is_ascii_digit()) => {
            Some(format!("{lang}-{r}"))
        }
        Some(_) => None,
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// Trims free text and checks its length in characters.
pub fn check_text(field: &str, value: &str, max: usize, errors: &mut FieldErrors) -> String {
    let trimmed = value.trim();
    if trimmed.chars().count() > max {
        errors.add(field, format!("must be at most {max} characters"));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.add(field, "contains characters that can't be shown");
    }
    trimmed.replace("\r\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_normalised_and_deduplicated() {
        let mut e = FieldErrors::new();
        let got = normalize_languages(
            &["EN".into(), "pt_br".into(), "es-419".into(), "en".into()],
            &mut e,
        );
        assert!(e.is_empty());
        assert_eq!(got, ["en", "pt-BR", "es-419"]);
    }

    #[test]
    fn nonsense_language_tags_are_refused() {
        let mut e = FieldErrors::new();
        normalize_languages(&["english".into(), "e1".into(), "en-GBR1".into()], &mut e);
        assert!(e.first("languages").is_some());
    }

    #[test]
    fn focus_and_pathway_keys_round_trip() {
        for f in Focus::ALL {
            assert_eq!(Focus::parse(f.key()), Some(*f));
        }
        for p in Pathway::ALL {
            assert_eq!(Pathway::parse(p.key()), Some(*p));
        }
        assert_eq!(
            serde_json::to_string(&Pathway::TwelveStep).unwrap(),
            "\"twelve_step\""
        );
    }

    #[test]
    fn free_text_is_trimmed_and_limited() {
        let mut e = FieldErrors::new();
        assert_eq!(check_text("bio", "  hi\r\nthere ", 10, &mut e), "hi\nthere");
        assert!(e.is_empty());
        check_text("bio", &"x".repeat(11), 10, &mut e);
        check_text("bio", "bell\u{7}", 10, &mut e);
        assert_eq!(e.first("bio"), Some("must be at most 10 characters"));
    }
}
