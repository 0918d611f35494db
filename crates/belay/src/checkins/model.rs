//! Check-in values and their checks.

use crate::web::error::FieldErrors;

pub const MOOD: std::ops::RangeInclusive<i32> = 1..=5;
pub const CRAVING: std::ops::RangeInclusive<i32> = 0..=10;
pub const SLEEP_MAX: f64 = 24.0;
pub const TRIGGERS_MAX: usize = 10;
pub const TRIGGER_LEN_MAX: usize = 40;
pub const GRATITUDE_MAX: usize = 1000;
pub const NOTE_MAX: usize = 4000;
/// The longest history one request reads.
pub const DAYS_MAX: i64 = 366;
/// The spans a chart is drawn for.
pub const CHART_DAYS: [i64; 3] = [7, 30, 90];

/// A check-in as submitted, before its checks.
#[derive(Debug, Default, Clone)]
pub struct Input {
    pub mood: Option<i32>,
    pub craving: Option<i32>,
    pub sleep_hours: Option<f64>,
    pub triggers: Vec<String>,
    pub gratitude: Option<String>,
    pub note: Option<String>,
}

/// A checked check-in.
#[derive(Debug, Clone, PartialEq)]
pub struct Valid {
    pub mood: i32,
    pub craving: i32,
    pub sleep_hours: Option<f64>,
    pub triggers: Vec<String>,
    pub gratitude: String,
    pub note: String,
}

pub fn check(input: Input) -> Result<Valid, FieldErrors> {
    let mut errors = FieldErrors::new();
    let mood = match input.mood {
        Some(m) if MOOD.contains(&m) => m,
        Some(_) => {
            errors.add("mood", "must be a whole number from 1 to 5");
            0
        }
        None => {
            errors.add("mood", "is required (1 to 5)");
            0
        }
    };
    let craving = match input.craving {
        Some(c) if CRAVING.contains(&c) => c,
        Some(_) => {
            errors.add("craving", "must be a whole number from 0 to 10");
            0
        }
        None => {
            errors.add("craving", "is required (0 to 10)");
            0
        }
    };
    let sleep_hours = match input.sleep_hours {
        Some(h) if h.is_finite() && (0.0..=SLEEP_MAX).contains(&h) => {
            Some((h * 10.0).round() / 10.0)
        }
        Some(_) => {
            errors.add("sleep_hours", "must be between 0 and 24");
            None
        }
        None => None,
    };
    let triggers = check_triggers(&input.triggers, &mut errors);
    let gratitude = check_text(input.gratitude, "gratitude", GRATITUDE_MAX, &mut errors);
    let note = check_text(input.note, "note", NOTE_MAX, &mut errors);
    if errors.is_empty() {
        Ok(Valid {
            mood,
            craving,
            sleep_hours,
            triggers,
            gratitude,
            note,
        })
    } else {
        Err(errors)
    }
}

/// Tags: trimmed, lower case, one space between words, no commas or
/// control characters, each once.
fn check_triggers(raw: &[String], errors: &mut FieldErrors) -> Vec<String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        if tag.is_empty() {
            continue;
        }
        if tag.chars().count() > TRIGGER_LEN_MAX {
            errors.add(
                "triggers",
                format!("each tag is at most {TRIGGER_LEN_MAX} characters"),
            );
            return Vec::new();
        }
        if tag.chars().any(|c| c == ',' || c.is_control()) {
            errors.add("triggers", "tags can't contain commas");
            return Vec::new();
        }
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > TRIGGERS_MAX {
        errors.add("triggers", format!("up to {TRIGGERS_MAX} tags"));
        return Vec::new();
    }
    tags
}

/// Free text as written (trimmed at the ends), up to `max` characters.
pub fn check_text(
    raw: Option<String>,
    field: &str,
    max: usize,
    errors: &mut FieldErrors,
) -> String {
    let text = raw.map(|t| t.trim().to_owned()).unwrap_or_default();
    if text.chars().count() > max {
        errors.add(field, format!("must be at most {max} characters"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.add(field, "contains characters that can't be shown");
    }
    text
}

/// Splits a form's comma-separated tags.
pub fn split_tags(raw: &str) -> Vec<String> {
    raw.split(',').map(str::to_owned).collect()
}

/// `days` for a list or a chart: 1..=366, default 30.
pub fn check_days(days: Option<i64>) -> Result<i64, FieldErrors> {
    match days {
        None => Ok(30),
        Some(d) if (1..=DAYS_MAX).contains(&d) => Ok(d),
        Some(_) => Err(FieldErrors::single_map(
            "days",
            format!("must be from 1 to {DAYS_MAX}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(mood: i32, craving: i32) -> Input {
        Input {
            mood: Some(mood),
            craving: Some(craving),
            ..Input::default()
        }
    }

    #[test]
    fn ranges_are_enforced() {
        assert!(check(input(1, 0)).is_ok());
        assert!(check(input(5, 10)).is_ok());
        for (m, c) in [(0, 0), (6, 0), (3, -1), (3, 11)] {
            assert!(check(input(m, c)).is_err(), "{m} {c}");
        }
        let mut i = input(3, 3);
        i.sleep_hours = Some(24.5);
        assert!(check(i.clone()).is_err());
        i.sleep_hours = Some(f64::NAN);
        assert!(check(i).is_err());
    }

    #[test]
    fn tags_are_normalised_and_deduplicated() {
        let mut i = input(3, 3);
        i.triggers = vec![
            "  Pay  Day ".into(),
            "pay day".into(),
            "".into(),
            "stress".into(),
        ];
        assert_eq!(
            check(i).map(|v| v.triggers).ok(),
            Some(vec!["pay day".into(), "stress".into()])
        );
        let mut i = input(3, 3);
        i.triggers = vec!["a,b".into()];
        assert!(check(i).is_err());
    }
}
