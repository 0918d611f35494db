//! Circle types: relationships, connection states, grants.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, sqlx::Type, ToSchema)]
#[sqlx(transparent)]
#[serde(transparent)]
pub struct ConnectionId(pub Uuid);

impl std::fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// What the other person is to me. Stored from the requester's side: a
/// connection with `mentor` means "the addressee is the requester's mentor".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    Peer,
    Mentor,
    Mentee,
    Listener,
    Professional,
    Family,
    Friend,
}

impl Relationship {
    pub const ALL: [Relationship; 7] = [
        Self::Peer,
        Self::Mentor,
        Self::Mentee,
        Self::Listener,
        Self::Professional,
        Self::Family,
        Self::Friend,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Peer => "peer",
            Self::Mentor => "mentor",
            Self::Mentee => "mentee",
            Self::Listener => "listener",
            Self::Professional => "professional",
            Self::Family => "family",
            Self::Friend => "friend",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The same connection seen from the other side.
    pub fn inverse(self) -> Self {
        match self {
            Self::Mentor => Self::Mentee,
            Self::Mentee => Self::Mentor,
            // A listener or professional supports the other, who is their
            // peer in the sense of "someone I support"; shown as such.
            Self::Listener | Self::Professional => self,
            Self::Peer | Self::Family | Self::Friend => self,
        }
    }

    /// How a member's circle page names a group of connections.
    pub fn group_label(self) -> &'static str {
        match self {
            Self::Peer => "Peers",
            Self::Mentor => "Mentors",
            Self::Mentee => "Mentees",
            Self::Listener => "Listeners",
            Self::Professional => "Professionals",
            Self::Family => "Family",
            Self::Friend => "Friends",
        }
    }

    /// "river as your mentor", for requests and invites.
    pub fn label(self) -> &'static str {
        match self {
            Self::Peer => "peer",
            Self::Mentor => "mentor",
            Self::Mentee => "mentee",
            Self::Listener => "listener",
            Self::Professional => "professional",
            Self::Family => "family",
            Self::Friend => "friend",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    Pending,
    Accepted,
    Declined,
    Ended,
}

impl ConnectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Ended => "ended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "accepted" => Some(Self::Accepted),
            "declined" => Some(Self::Declined),
            "ended" => Some(Self::Ended),
            _ => None,
        }
    }
}

/// What one side of a connection shares with the other. Everything starts
/// off (default deny).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::FromRow,
)]
pub struct Grants {
    pub clocks: bool,
    pub checkins: bool,
    pub goals: bool,
    /// On my reach-out list.
    pub reach_out: bool,
    /// Position on my reach-out list (1 first); set when `reach_out`.
    pub reach_out_order: Option<i32>,
}

/// A change to grants; a field left out keeps its value.
#[derive(Clone, Copy, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantsUpdate {
    pub clocks: Option<bool>,
    pub checkins: Option<bool>,
    pub goals: Option<bool>,
    pub reach_out: Option<bool>,
    /// 1-50.
    pub reach_out_order: Option<i32>,
}

impl Grants {
    /// Applies an update; the order is kept only while on the list.
    pub fn apply(mut self, u: GrantsUpdate) -> Self {
        self.clocks = u.clocks.unwrap_or(self.clocks);
        self.checkins = u.checkins.unwrap_or(self.checkins);
        self.goals = u.goals.unwrap_or(self.goals);
        self.reach_out = u.reach_out.unwrap_or(self.reach_out);
        if u.reach_out_order.is_some() {
            self.reach_out_order = u.reach_out_order;
        }
        if !self.reach_out {
            self.reach_out_order = None;
        } else if self.reach_out_order.is_none() {
            self.reach_out_order = Some(REACH_OUT_ORDER_MAX);
        }
        self
    }
}

pub const REACH_OUT_ORDER_MAX: i32 = 50;

/// The two ids of a pair in a fixed order, for the one-live-connection index.
pub fn pair(a: Uuid, b: Uuid) -> (Uuid, Uuid) {
    if a <= b { (a, b) } else { (b, a) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentor_and_mentee_are_each_others_inverse() {
        assert_eq!(Relationship::Mentor.inverse(), Relationship::Mentee);
        assert_eq!(Relationship::Mentee.inverse(), Relationship::Mentor);
        assert_eq!(Relationship::Family.inverse(), Relationship::Family);
        for r in Relationship::ALL {
            assert_eq!(Relationship::parse(r.as_str()), Some(r));
            assert_eq!(r.inverse().inverse(), r);
        }
    }

    #[test]
    fn grants_update_partially_and_keep_the_order_only_on_the_list() {
        let g = Grants::default().apply(GrantsUpdate {
            clocks: Some(true),
            ..Default::default()
        });
        assert!(g.clocks && !g.checkins && !g.reach_out);
        let g = g.apply(GrantsUpdate {
            reach_out: Some(true),
            reach_out_order: Some(2),
            ..Default::default()
        });
        assert!(g.clocks, "a field left out keeps its value");
        assert_eq!(g.reach_out_order, Some(2));
        let g = g.apply(GrantsUpdate {
            reach_out: Some(false),
            ..Default::default()
        });
        assert_eq!(g.reach_out_order, None);
        let g = g.apply(GrantsUpdate {
            reach_out: Some(true),
            ..Default::default()
        });
        assert_eq!(
            g.reach_out_order,
            Some(REACH_OUT_ORDER_MAX),
            "added at the end"
        );
    }

    #[test]
    fn pairs_are_ordered() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        assert_eq!(pair(a, b), pair(b, a));
    }
}
