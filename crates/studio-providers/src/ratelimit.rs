//! Per-provider request rates (`[production] provider_rate_per_min`, e.g. `{ fal = 120, youtube = 30 }`): a token
//! bucket per provider, shared by every client in the process, that spaces requests out instead of letting them hit
//! the vendor's 429s. Concurrency limits stay where the vendor defines them (ElevenLabs' plan semaphore, fal's
//! `parallel` shot workers); this is the request-rate half. Providers without a rate are not limited.
//!
//! The limit is per process: two daemons on one database each keep their own rate (documented; set half the rate
//! for each when running two).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::time::{Duration, Instant};

struct Bucket {
    per_sec: f64,
    burst: f64,
    /// (tokens, last refill). Tokens may go negative: each waiter reserves its turn and sleeps its deficit.
    state: Mutex<(f64, Instant)>,
}

fn table() -> &'static Mutex<HashMap<String, Arc<Bucket>>> {
    static T: OnceLock<Mutex<HashMap<String, Arc<Bucket>>>> = OnceLock::new();
    T.get_or_init(Default::default)
}

/// Sets (or, with 0, removes) a provider's rate: `per_minute` requests a minute, bursts of up to `burst`.
pub fn set_rate(provider: &str, per_minute: f64, burst: f64) {
    let mut t = table().lock().unwrap_or_else(|p| p.into_inner());
    if per_minute <= 0.0 || !per_minute.is_finite() {
        t.remove(provider);
        return;
    }
    let burst = burst.max(1.0);
    t.insert(
        provider.to_string(),
        Arc::new(Bucket {
            per_sec: per_minute / 60.0,
            burst,
            state: Mutex::new((burst, Instant::now())),
        }),
    );
}

/// The current rate of a provider (requests a minute), if limited.
pub fn rate(provider: &str) -> Option<f64> {
    table()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(provider)
        .map(|b| b.per_sec * 60.0)
}

/// Waits until the provider may be sent one more request.
pub async fn acquire(provider: &str) {
    let bucket = table()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(provider)
        .cloned();
    let Some(b) = bucket else { return };
    let wait = {
        let mut st = b.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(st.1).as_secs_f64() * b.per_sec;
        st.0 = (st.0 + refill).min(b.burst);
        st.1 = now;
        st.0 -= 1.0;
        if st.0 >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-st.0 / b.per_sec)
        }
    };
    if !wait.is_zero() {
        tracing::debug!(
            provider,
            wait_ms = wait.as_millis() as u64,
            "rate limit: waiting"
        );
        tokio::time::sleep(wait).await;
    }
}

/// `request.send_as("fal")`: a rate-limited `send`.
pub trait SendAs {
    fn send_as(
        self,
        provider: &str,
    ) -> impl std::future::Future<Output = Result<reqwest::Response, reqwest::Error>> + Send;
}

impl SendAs for reqwest::RequestBuilder {
    async fn send_as(self, provider: &str) -> Result<reqwest::Response, reqwest::Error> {
        acquire(provider).await;
        self.send().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_to_the_rate_after_the_burst() {
        set_rate("test-a", 60.0, 3.0);
        let t0 = Instant::now();
        let mut at = Vec::new();
        for _ in 0..6 {
            acquire("test-a").await;
            at.push(t0.elapsed().as_millis());
        }
        // Three at once (the burst), then one a second.
        assert_eq!(at, [0, 0, 0, 1000, 2000, 3000]);
        // Unlimited providers never wait; a removed rate stops limiting.
        acquire("test-unlimited").await;
        set_rate("test-a", 0.0, 1.0);
        let t1 = Instant::now();
        acquire("test-a").await;
        assert_eq!(t1.elapsed().as_millis(), 0);
        assert_eq!(rate("test-a"), None);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_bucket() {
        set_rate("test-b", 120.0, 1.0);
        let t0 = Instant::now();
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                tokio::spawn(async move {
                    acquire("test-b").await;
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
}
