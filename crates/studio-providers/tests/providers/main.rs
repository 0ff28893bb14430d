//! Provider tests: the offline writer through the stage, and the HTTP writers against local mock servers.

mod audience;
mod avatars;
mod llm;
mod offline;
mod references;
mod visuals;
mod voices;

/// A retry policy for mock servers: `max_retries` tries, 1 ms backoff, a wait of at most 1 s, 10 s per request.
pub fn fast_policy(max_retries: u32) -> studio_providers::RetryPolicy {
    studio_providers::RetryPolicy {
        max_retries,
        base_backoff: std::time::Duration::from_millis(1),
        max_wait: std::time::Duration::from_secs(1),
        timeout: std::time::Duration::from_secs(10),
    }
}
