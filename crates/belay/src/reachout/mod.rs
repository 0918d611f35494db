//! Reach out: "I need support now". One tap opens a reach-out; crisis
//! lines show at once; then a ladder of steps, stored as data, asks people
//! tier by tier until someone answers ("I'm here"):
//!
//! 1. my reach-out list, one person at a time in my order, each given my
//!    wait (default 5 minutes);
//! 2. the rest of my circle who let people reach out to them, all at once;
//! 3. listeners on duty now, all at once;
//! 4. the instance's moderators; the reach-out stays open and I am shown
//!    the crisis lines again.
//!
//! Each step is a row with its due time and the time it fired, and a job
//! (one per reach-out, replaced as it moves) fires it. A step fires once:
//! firing moves `reach_out.next_step` past it in the same transaction that
//! records who was asked and writes their notices, so a crash either
//! leaves the step to fire again or has fired it completely, and a
//! member is asked at most once per reach-out (`reach_out_recipient`'s key,
//! and the notices' dedupe keys).
//!
//! A reach-out shows each person asked only its note and the requester's
//! handle. A responder opts in (`receives`), except listeners, whose
//! listener capacity is their opt-in, and moderators.

pub mod api;
pub mod jobs;
pub mod pages;
pub mod service;
pub mod store;

/// What someone answering a reach-out is asked to do: listen, stay, ask
/// about safety, and point to crisis lines when there is a plan or means.
/// Peers are not counsellors, and nothing here implies an assessment.
pub const RESPONDER_GUIDE: &[&str] = &[
    "Listen first. You don't need the right words; being there is what helps.",
    "Stay with them for a while. Let them know you're not going anywhere.",
    "It's OK to ask directly: \"Are you thinking about hurting yourself?\" Asking does not put the idea in someone's head.",
    "If they have a plan or the means, encourage them to call or text 988 now, or call emergency services, and stay with them while they do.",
    "If you believe someone is in immediate danger, call your local emergency number.",
];

/// The tier names, as shown to the requester.
pub fn tier_name(tier: i32) -> &'static str {
    match tier {
        1 => "your reach-out list",
        2 => "your circle",
        3 => "listeners on duty",
        _ => "moderators",
    }
}

/// Notice kinds this module writes.
pub mod kinds {
    /// To each person asked.
    pub const ASKED: &str = "reach_out";
    /// To moderators when nobody has answered after the last tier.
    pub const MODERATOR: &str = "reach_out_moderator";
    /// To moderators when a member's reach-outs are held by the rate limit.
    pub const HELD: &str = "reach_out_held";
    /// To moderators when a suspended or banned member tried to reach out.
    pub const RESTRICTED: &str = "reach_out_restricted";
    /// To the requester: someone answered.
    pub const CLAIMED: &str = "reach_out_claimed";
    /// To the others asked: someone answered.
    pub const COVERED: &str = "reach_out_covered";
    /// To the requester and those asked: the one who answered had to go.
    pub const HANDED_BACK: &str = "reach_out_handed_back";
    /// To those asked: the requester closed it.
    pub const CLOSED: &str = "reach_out_closed";
    /// To the requester: everyone was asked and nobody has answered yet.
    pub const EXHAUSTED: &str = "reach_out_exhausted";
    /// The next day, to the requester and to whoever answered.
    pub const FOLLOW_UP: &str = "reach_out_follow_up";
    pub const THANKS: &str = "reach_out_thanks";
}
