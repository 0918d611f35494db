//! The words of instance moderation: what can be reported, why, and what a
//! moderator can do about it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::profile::model::tag_enum;

tag_enum!(
    /// What a report is about.
    Kind {
        Member = "member" / "A member",
        Message = "message" / "A message sent to you",
        GroupPost = "group_post" / "A post in a group",
        HelpRequest = "help_request" / "A request for help",
        CheckOnMe = "check_on_me" / "A member asked to be checked on",
    }
);

tag_enum!(
    /// Why a member reports something.
    Category {
        AtRisk = "at_risk" / "Someone may be at risk of harm",
        Harassment = "harassment" / "Harassment or bullying",
        Hate = "hate" / "Hate or discrimination",
        Sexual = "sexual" / "Sexual content or advances",
        Privacy = "privacy" / "Sharing someone's private information",
        Spam = "spam" / "Spam or selling",
        Other = "other" / "Something else",
    }
);

tag_enum!(
    /// What a moderator does.
    Action {
        Dismiss = "dismiss" / "Dismiss: nothing to do",
        Hide = "hide" / "Hide the content",
        Warn = "warn" / "Warn the member",
        Suspend = "suspend" / "Suspend for a period",
        Ban = "ban" / "Ban",
        Lift = "lift" / "Lift a suspension or ban",
        Checked = "checked" / "Checked on them",
    }
);

impl Category {
    /// The queue's first key: someone at risk before harm to others, harm
    /// to others before the rest, spam last.
    pub fn risk(self) -> i64 {
        match self {
            Category::AtRisk => 3,
            Category::Harassment | Category::Hate | Category::Sexual | Category::Privacy => 2,
            Category::Other => 1,
            Category::Spam => 0,
        }
    }
}

/// Member-facing categories (a check-on-me is never reported by hand).
pub const REPORTABLE: &[Kind] = &[
    Kind::Member,
    Kind::Message,
    Kind::GroupPost,
    Kind::HelpRequest,
];

pub const REASON_MAX: usize = 1000;
pub const SUSPEND_DAYS_MAX: i64 = 365;
