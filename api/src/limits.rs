//! How often one address may fail to sign in: a bucket of attempts that refills with time,
//! taken before a password is hashed or a failure recorded (and given back when the
//! sign-in succeeds), so that one client can
//! neither fill the catalog with failure records of made-up names nor keep every core
//! hashing. Each process counts its own (behind API Gateway, its throttling adds to it).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Attempts an address may make at once.
const BURST: f64 = 20.0;
/// Seconds for one attempt to come back.
const REFILL_SECS: f64 = 15.0;
/// Addresses remembered at most; past it, those whose bucket is full again are forgotten.
const MAX_ADDRESSES: usize = 100_000;

#[derive(Debug, Default)]
pub struct SignInLimiter {
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

fn refilled(tokens: f64, since: Instant, now: Instant) -> f64 {
    (tokens + now.duration_since(since).as_secs_f64() / REFILL_SECS).min(BURST)
}

impl SignInLimiter {
    /// Takes one attempt for `address`, or says how many seconds until it has one.
    pub fn take(&self, address: IpAddr) -> Result<(), u64> {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_ADDRESSES {
            buckets.retain(|_, (tokens, since)| refilled(*tokens, *since, now) < BURST);
        }
        let (tokens, since) = buckets.entry(address).or_insert((BURST, now));
        let available = refilled(*tokens, *since, now);
        *since = now;
        if available < 1.0 {
            *tokens = available;
            return Err(((1.0 - available) * REFILL_SECS).ceil() as u64);
        }
        *tokens = available - 1.0;
        Ok(())
    }

    /// Gives back the attempt a successful sign-in took: people who know their password
    /// are never slowed down by this limit.
    pub fn give_back(&self, address: IpAddr) {
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((tokens, _)) = buckets.get_mut(&address) {
            *tokens = (*tokens + 1.0).min(BURST);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_burst_then_waits_and_others_are_untouched() {
        let limiter = SignInLimiter::default();
        let (one, other) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..BURST as usize {
            limiter.take(one).unwrap();
        }
        let wait = limiter.take(one).unwrap_err();
        assert!((1..=REFILL_SECS as u64).contains(&wait), "{wait}");
        limiter.take(other).unwrap();
        limiter.give_back(one);
        limiter.take(one).unwrap();
    }
}
