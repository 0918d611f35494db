//! Throttles for login and sign-up, per handle and per client address, with
//! `governor`'s GCRA keyed limiters running on the application's clock (so
//! tests can move time).
//!
//! There is deliberately no hard lockout: a handle under attack is slowed to
//! one attempt a minute, not locked, and the crisis page never needs a login.
//! The limits live in this process; with several instances each keeps its
//! own (see `docs/ARCHITECTURE.md`).

use std::{hash::Hash, net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use governor::{
    Quota, RateLimiter, clock::Clock as GovernorClock, middleware::NoOpMiddleware, nanos::Nanos,
    state::keyed::DashMapStateStore,
};

use crate::{config::Limits, time::Clock, web::error::AppError};

/// Adapts the application clock to `governor`.
#[derive(Clone, Debug)]
pub struct AppClock(pub Arc<dyn Clock>);

impl GovernorClock for AppClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        let nanos = self.0.now().timestamp_nanos_opt().unwrap_or_default();
        Nanos::from(u64::try_from(nanos).unwrap_or_default())
    }
}

type Keyed<K> = RateLimiter<K, DashMapStateStore<K>, AppClock, NoOpMiddleware<Nanos>>;

pub struct Limiters {
    clock: AppClock,
    login_handle: Keyed<String>,
    login_ip: Keyed<IpAddr>,
    signup_ip: Keyed<IpAddr>,
    messages: Keyed<crate::accounts::MemberId>,
}
fn quota((burst, per): (u32, Duration)) -> Quota {
    let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(per.max(Duration::from_millis(1)))
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

fn keyed<K: Hash + Eq + Clone>(q: (u32, Duration), clock: &AppClock) -> Keyed<K> {
    RateLimiter::new(quota(q), DashMapStateStore::default(), clock.clone())
}

impl Limiters {
    pub fn new(limits: &Limits, clock: Arc<dyn Clock>) -> Self {
        let clock = AppClock(clock);
        Self {
            login_handle: keyed(limits.login_per_handle, &clock),
            login_ip: keyed(limits.login_per_ip, &clock),
            signup_ip: keyed(limits.signup_per_ip, &clock),
            messages: keyed(limits.messages_per_member, &clock),
            clock,
        }
    }

    /// One login attempt for this handle from this address. The address is
    /// checked first so a throttled address does not use up the handle's
    /// allowance.
    pub fn login(&self, handle_key: &str, ip: IpAddr) -> Result<(), AppError> {
        self.check(&self.login_ip, &ip)?;
        self.check(&self.login_handle, &handle_key.to_owned())
    }

    pub fn signup(&self, ip: IpAddr) -> Result<(), AppError> {
        self.check(&self.signup_ip, &ip)
    }

    /// One message from this member.
    pub fn message(&self, member: crate::accounts::MemberId) -> Result<(), AppError> {
        self.check(&self.messages, &member)
    }
    fn check<K: Hash + Eq + Clone>(&self, limiter: &Keyed<K>, key: &K) -> Result<(), AppError> {
        limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            AppError::RateLimited {
                retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
            }
        })
    }

    /// Forgets keys whose allowance is full again; called periodically so
    /// the maps do not grow without bound.
    pub fn retain_recent(&self) {
        self.login_handle.retain_recent();
        self.login_ip.retain_recent();
        self.signup_ip.retain_recent();
        self.messages.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::ManualClock;
    use std::net::Ipv4Addr;

    fn setup() -> (Arc<ManualClock>, Limiters) {
        let clock = ManualClock::new("2026-01-01T00:00:00Z".parse().unwrap());
        let limits = Limits {
            login_per_handle: (3, Duration::from_secs(60)),
            login_per_ip: (5, Duration::from_secs(10)),
            signup_per_ip: (2, Duration::from_secs(100)),
            messages_per_member: (3, Duration::from_secs(1)),
        };
        (clock.clone(), Limiters::new(&limits, clock))
    }

    const IP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));

    #[test]
    fn a_handle_gets_its_burst_then_waits_for_the_next_allowance() {
        let (clock, l) = setup();
        for _ in 0..3 {
            l.login("ash", IP).unwrap();
        }
        match l.login("ash", IP) {
            Err(AppError::RateLimited { retry_after_secs }) => assert_eq!(retry_after_secs, 60),
            other => panic!("expected a rate limit, got {other:?}"),
        }
        clock.advance(chrono::Duration::seconds(60));
        l.login("ash", IP).unwrap();
    }

    #[test]
    fn another_handle_from_the_same_address_has_its_own_allowance_until_the_address_is_spent() {
        let (_, l) = setup();
        for _ in 0..3 {
            l.login("ash", IP).unwrap();
        }
        l.login("river", IP).unwrap();
        l.login("river", IP).unwrap();
        assert!(
            l.login("sky", IP).is_err(),
            "the address allows five attempts in a burst"
        );
    }

    #[test]
    fn a_throttled_address_does_not_spend_the_handles_allowance() {
        let (_, l) = setup();
        let other = IpAddr::V4(Ipv4Addr::new(198, 51, 100, 7));
        for i in 0..5 {
            l.login(&format!("h{i}"), IP).unwrap();
        }
        for _ in 0..10 {
            assert!(l.login("victim", IP).is_err());
        }
        // The member can still log in from their own address.
        l.login("victim", other).unwrap();
    }

    #[test]
    fn signups_are_limited_per_address() {
        let (_, l) = setup();
        l.signup(IP).unwrap();
        l.signup(IP).unwrap();
        assert!(l.signup(IP).is_err());
    }
}
