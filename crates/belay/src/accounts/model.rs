//! Account types and the rules for handles, passwords, emails and zones.

use std::fmt;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::web::error::FieldErrors;

/// A member's id. Random (v4), so it reveals neither order nor sign-up time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type, ToSchema)]
#[sqlx(transparent)]
#[serde(transparent)]
pub struct MemberId(pub Uuid);

impl MemberId {
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }
}

impl Default for MemberId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Member,
    Moderator,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "member" => Some(Role::Member),
            "moderator" => Some(Role::Moderator),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

pub const HANDLE_MIN: usize = 3;
pub const HANDLE_MAX: usize = 30;
pub const PASSWORD_MIN: usize = 12;
pub const PASSWORD_MAX: usize = 128;
const EMAIL_MAX: usize = 254;

/// Handles that would let someone pass for the instance itself.
const RESERVED_HANDLES: &[&str] = &[
    "admin",
    "administrator",
    "belay",
    "help",
    "moderator",
    "mod",
    "root",
    "staff",
    "support",
    "system",
    "crisis",
    "api",
    "static",
    "me",
    "null",
    "undefined",
];

/// Commonly chosen passwords of the allowed length; refused outright.
const COMMON_PASSWORDS: &[&str] = &[
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789123",
    "qwertyuiopas",
    "qwertyuiop123",
    "qwerty123456",
    "password1234",
    "password12345",
    "passwordpassword",
    "iloveyou1234",
    "111111111111",
    "000000000000",
    "abcdefghijkl",
    "abc123abc123",
    "letmein12345",
    "welcome12345",
    "monkey123456",
    "sunshine1234",
    "football1234",
    "princess1234",
    "1q2w3e4r5t6y",
    "1qaz2wsx3edc",
    "zaq12wsxcde3",
    "asdfghjkl123",
    "changeme1234",
    "trustno11234",
    "superman1234",
    "recovery1234",
    "sobriety1234",
];

/// Trims and lower-cases a handle: handles are unique without regard to
/// case, and stored in the form members can type back.
pub fn normalize_handle(raw: &str) -> String {
    raw.trim().to_ascii_lowercase()
}

/// Checks a normalised handle, adding messages under `handle`.
pub fn check_handle(handle: &str, errors: &mut FieldErrors) {
    let len = handle.chars().count();
    if !(HANDLE_MIN..=HANDLE_MAX).contains(&len) {
        errors.add(
            "handle",
            format!("must be {HANDLE_MIN} to {HANDLE_MAX} characters"),
        );
    }
    if !handle
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        errors.add("handle", "may use only letters a-z, digits and _");
    }
    if RESERVED_HANDLES.contains(&handle) {
        errors.add("handle", "is reserved; please choose another");
    }
}

/// Checks a new password under `field`. Length is counted in characters; no
/// composition rules, no truncation (NIST SP 800-63B).
pub fn check_password(password: &str, handle: &str, field: &str, errors: &mut FieldErrors) {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        errors.add(field, format!("must be at least {PASSWORD_MIN} characters"));
    } else if len > PASSWORD_MAX {
        errors.add(field, format!("must be at most {PASSWORD_MAX} characters"));
    } else if COMMON_PASSWORDS.contains(&password.to_ascii_lowercase().as_str())
        || (!handle.is_empty() && password.to_ascii_lowercase().contains(handle))
    {
        errors.add(
            field,
            "is too easy to guess; a few unrelated words work well",
        );
    }
}

/// Normalises an optional email: blank means none.
pub fn normalize_email(raw: Option<&str>) -> Option<String> {
    raw.map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_owned)
}

/// A light check: a real test of an address is a message that arrives.
pub fn check_email(email: &str, errors: &mut FieldErrors) {
    let valid = email.len() <= EMAIL_MAX
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && match email.rsplit_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !local.contains('@')
            }
            None => false,
        };
    if !valid {
        errors.add("email", "doesn't look like an email address");
    }
}

/// Parses an IANA zone, adding a message under `time_zone` if unknown.
pub fn check_time_zone(raw: Option<&str>, errors: &mut FieldErrors) -> Tz {
    let raw = raw
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("UTC");
    match crate::time::parse_time_zone(raw) {
        Some(tz) => tz,
        None => {
            errors.add(
                "time_zone",
                "is not a known time zone (for example Europe/London)",
            );
            Tz::UTC
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handle_errors(raw: &str) -> FieldErrors {
        let mut e = FieldErrors::new();
        check_handle(&normalize_handle(raw), &mut e);
        e
    }

    #[test]
    fn handles_are_three_to_thirty_of_a_z_digits_and_underscore() {
        assert!(handle_errors("ash").is_empty());
        assert!(handle_errors("river_42").is_empty());
        assert!(handle_errors(&"a".repeat(30)).is_empty());
        assert!(!handle_errors("ab").is_empty());
        assert!(!handle_errors(&"a".repeat(31)).is_empty());
        assert!(!handle_errors("ash-r").is_empty());
        assert!(!handle_errors("ash r").is_empty());
        assert!(!handle_errors("åsa").is_empty());
    }

    #[test]
    fn handles_ignore_case_and_surrounding_space() {
        assert_eq!(normalize_handle("  Ash_R "), "ash_r");
        assert!(handle_errors("ASH").is_empty());
    }

    #[test]
    fn reserved_handles_are_refused() {
        assert!(!handle_errors("Admin").is_empty());
        assert!(!handle_errors("help").is_empty());
    }

    #[test]
    fn passwords_are_twelve_to_128_characters_counted_as_characters() {
        let check = |p: &str| {
            let mut e = FieldErrors::new();
            check_password(p, "ash", "password", &mut e);
            e.is_empty()
        };
        assert!(check("correct horse battery"));
        assert!(!check("elevenchars"));
        assert!(check(&"é".repeat(12)));
        assert!(check(&"x1".repeat(64)));
        assert!(!check(&"x".repeat(129)));
    }

    #[test]
    fn common_passwords_and_ones_containing_the_handle_are_refused() {
        let mut e = FieldErrors::new();
        check_password("Password1234", "river", "password", &mut e);
        assert!(!e.is_empty());
        let mut e = FieldErrors::new();
        check_password("my name is river!", "river", "password", &mut e);
        assert!(!e.is_empty());
    }

    #[test]
    fn emails_get_a_light_check() {
        let ok = |s: &str| {
            let mut e = FieldErrors::new();
            check_email(s, &mut e);
            e.is_empty()
        };
        assert!(ok("ash@example.org"));
        assert!(!ok("ash@example"));
        assert!(!ok("ash example@x.org"));
        assert!(!ok("@x.org"));
        assert!(!ok("ash"));
        assert_eq!(normalize_email(Some("  ")), None);
    }

    #[test]
    fn time_zone_defaults_to_utc_and_is_checked() {
        let mut e = FieldErrors::new();
        assert_eq!(check_time_zone(None, &mut e), Tz::UTC);
        assert_eq!(
            check_time_zone(Some("America/Chicago"), &mut e),
            chrono_tz::America::Chicago
        );
        assert!(e.is_empty());
        check_time_zone(Some("Nowhere/Special"), &mut e);
        assert!(!e.is_empty());
    }
}
