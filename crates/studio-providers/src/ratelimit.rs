//! Per-provider request rates (`[production] provider_rate_per_min`, e.g. `{ fal = 120, youtube = 30 }`): a GCRA
//! limiter per provider (the `governor` crate) that spaces requests out instead of letting them hit the vendor's
//! 429s. Concurrency limits stay where the vendor defines them (ElevenLabs' plan semaphore, fal's `parallel` shot
//! workers); this is the request-rate half. Providers without a rate are not limited.
//!
//! The limits are a value the Engine owns ([`RateLimits`]) and hands to every client it builds, so two engines in
//! one process (tests, a desktop app beside a server) keep their own rates and opening an engine resets nobody
//! else's. Two daemons on one database each keep their own rate (documented; set half the rate for each).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

/// The clock the limiters read: tokio's, so a limiter waits in step with `tokio::time` (and with paused time in
/// tests) — the same instant `tokio::time::sleep` counts from.
#[derive(Debug, Clone, Copy, Default)]
struct TokioClock;

impl Clock for TokioClock {
    type Instant = std::time::Instant;
    fn now(&self) -> std::time::Instant {
        tokio::time::Instant::now().into_std()
    }
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<std::time::Instant>>;

/// The request rate of each limited provider. Cheap to clone (one shared table); clients built from one value share
/// its limiters. `RateLimits::default()` limits nothing.
#[derive(Clone, Default)]
pub struct RateLimits {
    limiters: Arc<HashMap<String, (f64, Limiter)>>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.limiters.iter().map(|(k, (rate, _))| (k, rate)))
            .finish()
    }
}

impl RateLimits {
    /// Limits from `(provider, requests a minute)`, each allowing bursts of a tenth of a minute's requests (at
    /// least one). A rate of 0, a negative or a non-finite one leaves that provider unlimited.
    pub fn new<'a>(rates: impl IntoIterator<Item = (&'a str, f64)>) -> Self {
        let mut limiters = HashMap::new();
        for (provider, per_minute) in rates {
            let burst = (per_minute / 10.0).max(1.0);
            if let Some(l) = limiter(per_minute, burst) {
                limiters.insert(provider.to_string(), (per_minute, l));
            }
        }
        Self {
            limiters: Arc::new(limiters),
        }
    }

    /// One provider at `per_minute` requests a minute with bursts of up to `burst` (for tests and tools).
    pub fn single(provider: &str, per_minute: f64, burst: f64) -> Self {
        let mut limiters = HashMap::new();
        if let Some(l) = limiter(per_minute, burst) {
            limiters.insert(provider.to_string(), (per_minute, l));
        }
        Self {
            limiters: Arc::new(limiters),
        }
    }

    /// The rate of a provider (requests a minute), if limited.
    pub fn rate(&self, provider: &str) -> Option<f64> {
        self.limiters.get(provider).map(|(r, _)| *r)
    }

    /// Waits until the provider may be sent one more request. Waiters are not queued in order: each re-checks
    /// after its wait, so under a steady stream one caller may wait a little longer than another (fine for the
    /// studio's handful of workers; the rate itself always holds).
    pub async fn acquire(&self, provider: &str) {
        let Some((_, l)) = self.limiters.get(provider) else {
            return;
        };
        loop {
            match l.check() {
                Ok(()) => return,
                Err(not_until) => {
                    let wait = not_until.wait_time_from(TokioClock.now());
                    tracing::debug!(
                        provider,
                        wait_ms = wait.as_millis() as u64,
                        "rate limit: waiting"
                    );
                    tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
                }
            }
        }
    }
}

fn limiter(per_minute: f64, burst: f64) -> Option<Limiter> {
    if !(per_minute.is_finite() && per_minute > 0.0) {
        return None;
    }
    let period = Duration::try_from_secs_f64(60.0 / per_minute).ok()?;
    let burst =
        NonZeroU32::new(burst.max(1.0).min(f64::from(u32::MAX)) as u32).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::with_period(period)?.allow_burst(burst);
    Some(RateLimiter::direct_with_clock(quota, TokioClock))
}

/// `request.send_as(&limits, "fal")`: a `send` that first waits for the provider's rate.
pub trait SendAs {
    fn send_as(
        self,
        limits: &RateLimits,
        provider: &str,
    ) -> impl std::future::Future<Output = Result<reqwest::Response, reqwest::Error>> + Send;
}

impl SendAs for reqwest::RequestBuilder {
    async fn send_as(
        self,
        limits: &RateLimits,
        provider: &str,
    ) -> Result<reqwest::Response, reqwest::Error> {
        limits.acquire(provider).await;
        self.send().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::time::Instant;

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_to_the_rate_after_the_burst() {
        let limits = RateLimits::single("a", 60.0, 3.0);
        let t0 = Instant::now();
        let mut at = Vec::new();
        for _ in 0..6 {
            limits.acquire("a").await;
            at.push(t0.elapsed().as_millis());
        }
        // Three at once (the burst), then one a second.
        assert_eq!(at, [0, 0, 0, 1000, 2000, 3000]);
        // Unlimited providers never wait; a zero rate does not limit.
        let t1 = Instant::now();
        limits.acquire("unlimited").await;
        let none = RateLimits::single("a", 0.0, 1.0);
        none.acquire("a").await;
        none.acquire("a").await;
        assert_eq!(t1.elapsed().as_millis(), 0);
        assert_eq!(none.rate("a"), None);
        assert_eq!(limits.rate("a"), Some(60.0));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_limiter() {
        let limits = RateLimits::single("b", 120.0, 1.0);
        let t0 = Instant::now();
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let limits = limits.clone();
                tokio::spawn(async move {
                    limits.acquire("b").await;
                    t0.elapsed().as_millis()
                })
            })
            .collect();
        let mut at = Vec::new();
        for t in tasks {
            at.push(t.await.unwrap());
        }
        at.sort();
        assert_eq!(at, [0, 500, 1000, 1500, 2000]);
    }

    #[tokio::test(start_paused = true)]
    async fn two_owners_keep_their_own_rates() {
        // Before, opening a second engine replaced the first one's table; now each owner's limits are its own.
        let slow = RateLimits::new([("fal", 6.0)]);
        let free = RateLimits::default();
        let t0 = Instant::now();
        slow.acquire("fal").await;
        for _ in 0..5 {
            free.acquire("fal").await;
        }
        assert_eq!(t0.elapsed().as_millis(), 0);
        slow.acquire("fal").await;
        assert_eq!(t0.elapsed().as_millis(), 10_000);
    }
}
