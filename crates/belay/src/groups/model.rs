//! What a group is: its kinds, policies and roles, and the checks on what
//! members write into it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{profile::model::tag_enum, web::error::FieldErrors};

pub const NAME_MAX: usize = 100;
pub const ABOUT_MAX: usize = 2_000;
pub const TITLE_MAX: usize = 200;
pub const POST_MAX: usize = 10_000;
pub const REASON_MAX: usize = 1_000;
pub const SLUG_MAX: usize = 60;

tag_enum!(
    /// What sort of group it is.
    Kind {
        Peer = "peer" / "Peer support",
        Workplace = "workplace" / "At work",
        School = "school" / "At school",
        Community = "community" / "In town",
        Online = "online" / "Online",
    }
);

tag_enum!(
    /// Who can find it: everyone (listed), whoever has the link, or members only.
    Visibility {
        Public = "public" / "Public: listed in the directory",
        Unlisted = "unlisted" / "Unlisted: only people with the link",
        Private = "private" / "Private: only members know it exists",
    }
);

tag_enum!(
    /// How someone becomes a member.
    JoinPolicy {
        Open = "open" / "Anyone can join",
        Request = "request" / "Ask to join; a moderator approves",
        Invite = "invite" / "With an invite code only",
    }
);

tag_enum!(
    /// A member's role in one group.
    GroupRole {
        Organiser = "organiser" / "Organiser",
        Moderator = "moderator" / "Moderator",
        Member = "member" / "Member",
    }
);

tag_enum!(
    /// Which new posts become notices for me.
    Notify {
        All = "all" / "Every new post",
        Mentions = "mentions" / "Only posts that mention me",
        None = "none" / "None (I'll look myself)",
    }
);

impl GroupRole {
    /// Organisers and moderators run the group.
    pub fn moderates(self) -> bool {
        matches!(self, GroupRole::Organiser | GroupRole::Moderator)
    }
}

/// A URL-safe slug from a name: lower-case ASCII letters and digits joined
/// by single dashes, at most [`SLUG_MAX`] characters; "group" if nothing
/// is left (a name in another script).
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    let mut dash = false;
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() {
            if dash && !slug.is_empty() {
                slug.push('-');
            }
            dash = false;
            slug.push(c);
        } else {
            dash = true;
        }
        if slug.len() >= SLUG_MAX {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "group".to_owned()
    } else {
        slug
    }
}

/// Free text as written (trimmed), required or not, up to `max` characters.
pub fn text(
    raw: &str,
    field: &str,
    max: usize,
    required: bool,
    errors: &mut FieldErrors,
) -> String {
    let t = crate::profile::model::check_text(field, raw, max, errors);
    if required && t.is_empty() {
        errors.add(field, "is required");
    }
    t
}

/// A parsed tag, or a field error naming the choices.
pub fn choice<T: Copy>(
    raw: &str,
    field: &str,
    parse: fn(&str) -> Option<T>,
    all: &[T],
    key: fn(T) -> &'static str,
    errors: &mut FieldErrors,
) -> Option<T> {
    let found = parse(raw.trim());
    if found.is_none() {
        let keys: Vec<&str> = all.iter().map(|t| key(*t)).collect();
        errors.add(field, format!("must be one of: {}", keys.join(", ")));
    }
    found
}

/// `@handle` mentions in a post, normalised, without repeats.
pub fn mentions(body: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (i, _) in body.match_indices('@') {
        let before = body[..i].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue; // an email address, not a mention
        }
        let handle: String = body[i + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
            .collect();
        let key = crate::accounts::normalize_handle(&handle);
        if !key.is_empty() && !found.contains(&key) {
            found.push(key);
        }
    }
    found.truncate(20);
    found
}

/// Member text as HTML: escaped, with `http(s)://` links made clickable.
/// Line breaks stay as they are (the page shows them with `pre-wrap`).
pub fn linkify(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(at) = find_link(rest) {
        escape_into(&rest[..at], &mut html);
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(tail.len());
        let mut url = &tail[..end];
        // Trailing punctuation belongs to the sentence, not the link.
        while url.ends_with(['.', ',', ')', ';', ':', '!', '?', '\'']) {
            url = &url[..url.len() - 1];
        }
        if url.len() <= "https://".len() {
            escape_into(url, &mut html);
        } else {
            html.push_str("<a href=\"");
            escape_into(url, &mut html);
            html.push_str("\" rel=\"nofollow noopener ugc\">");
            escape_into(url, &mut html);
            html.push_str("</a>");
        }
        rest = &tail[url.len()..];
    }
    escape_into(rest, &mut html);
    html
}

fn find_link(s: &str) -> Option<usize> {
    match (s.find("https://"), s.find("http://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe_and_never_empty() {
        assert_eq!(slugify("Acme Recovery Circle!"), "acme-recovery-circle");
        assert_eq!(slugify("  --Nurses' peer group-- "), "nurses-peer-group");
        assert_eq!(slugify("断酒会"), "group");
        assert!(slugify(&"a".repeat(500)).len() <= SLUG_MAX);
    }

    #[test]
    fn links_are_clickable_and_everything_else_escaped() {
        assert_eq!(
            linkify("see https://example.org/a?b=1&c=2. <b>hi</b>"),
            "see <a href=\"https://example.org/a?b=1&amp;c=2\" rel=\"nofollow noopener ugc\">https://example.org/a?b=1&amp;c=2</a>. &lt;b&gt;hi&lt;/b&gt;"
        );
        assert_eq!(
            linkify("javascript:alert(1) \"x\""),
            "javascript:alert(1) &quot;x&quot;"
        );
        assert_eq!(
            linkify("https://a.b/\"onmouseover=x"),
            "<a href=\"https://a.b/\" rel=\"nofollow noopener ugc\">https://a.b/</a>&quot;onmouseover=x"
        );
        assert_eq!(linkify("http:// nothing"), "http:// nothing");
    }

    #[test]
    fn mentions_skip_email_addresses() {
        assert_eq!(
            mentions("thanks @Ana and @ben_2, mail me at x@y.org @ana"),
            vec!["ana".to_owned(), "ben_2".to_owned()]
        );
    }
}
