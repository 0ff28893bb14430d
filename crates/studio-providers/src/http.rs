//! What the HTTP clients share: the retry policy and reading vendors' reset hints.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// What every HTTP writer is built from: a base URL (configurable for proxies, local servers and tests), an
/// optional key, the model, an output budget and a retry policy.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub(crate) client: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) api_key: Option<String>,
    pub(crate) model: String,
    pub(crate) max_tokens: u32,
    pub(crate) policy: RetryPolicy,
    /// The request rates this client waits for (the Engine's; none by default).
    pub(crate) limits: crate::ratelimit::RateLimits,
}

impl ClientConfig {
    pub fn new(base_url: &str, api_key: Option<String>, model: &str) -> Self {
        let policy = RetryPolicy::default();
        Self {
            client: client_for(&policy),
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: api_key.filter(|k| !k.is_empty()),
            model: model.to_string(),
            max_tokens: 16_000,
            policy,
            limits: Default::default(),
        }
    }
    pub fn set_policy(&mut self, policy: RetryPolicy) {
        self.client = client_for(&policy);
        self.policy = policy;
    }
}

fn client_for(policy: &RetryPolicy) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(policy.timeout)
        .build()
        .unwrap_or_default()
}

/// The user prompt with the previous attempt's problems appended, unless the template already rendered them.
pub fn user_with_feedback(user: &str, feedback: &[String]) -> String {
    let mut out = user.to_string();
    if !feedback.is_empty() && !out.contains(&feedback[0]) {
        out.push_str("\n\n이전 시도의 문제점 (반드시 고칠 것):\n");
        for f in feedback {
            out.push_str(&format!("- {f}\n"));
        }
    }
    out
}

/// How a client retries inside one call. Waits longer than `max_wait` are not slept through: the error goes back
/// to the caller (the queue reschedules the job at the reset time instead of holding a worker).
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_backoff: Duration,
    pub max_wait: Duration,
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(60),
            timeout: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// The wait before in-call retry `k` (0-based): [`backoff_delay`] from `base_backoff`, at most `max_wait`.
    pub fn backoff(&self, k: u32) -> Duration {
        backoff_delay(self.base_backoff, self.max_wait, k)
    }
}

/// The one backoff of the studio — in-call retries of every HTTP client, YouTube's chunk retries and the production
/// queue's rescheduling of a transient failure: before retry `k` (0-based) it waits `d` plus a random jitter of up
/// to `d` again (so parallel workers spread out), where `d = base · 2^k`, at most half of `max` — so the wait is
/// never over `max` and keeps its jitter at the cap. A `max` below `base` waits `base`. Built on `backon`'s
/// exponential backoff.
pub fn backoff_delay(base: Duration, max: Duration, k: u32) -> Duration {
    use backon::BackoffBuilder;
    let max = max.max(base);
    backon::ExponentialBuilder::new()
        .with_min_delay(base)
        .with_max_delay(max / 2)
        .with_factor(2.0)
        .with_jitter()
        .with_max_times(k as usize + 1)
        .build()
        .nth(k as usize)
        .unwrap_or(max)
        .min(max)
}

/// Parses OpenAI's Go-style durations ("1s", "6m0s", "20ms", "1h2m3.5s").
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0f64;
    let mut num = String::new();
    let mut chars = s.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let value: f64 = num.parse().ok()?;
        num.clear();
        let unit = match c {
            'h' => 3600.0,
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                0.001
            }
            'm' => 60.0,
            's' => 1.0,
            'u' | 'µ' if chars.peek() == Some(&'s') => {
                chars.next();
                0.000_001
            }
            'n' if chars.peek() == Some(&'s') => {
                chars.next();
                0.000_000_001
            }
            _ => return None,
        };
        total += value * unit;
        any = true;
    }
    if !num.is_empty() {
        // A bare number is seconds.
        total += num.parse::<f64>().ok()?;
        any = true;
    }
    (any && total.is_finite() && total >= 0.0).then(|| Duration::from_secs_f64(total))
}

/// The wait a 429 asks for: `retry-after-ms`, `retry-after` (seconds), then the later of OpenAI's reset headers.
pub fn reset_hint(h: &HeaderMap) -> Option<Duration> {
    let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok());
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        return Some(Duration::from_secs_f64(ms.max(0.0) / 1000.0));
    }
    if let Some(s) = get("retry-after").and_then(|v| v.trim().parse::<f64>().ok()) {
        return Some(Duration::from_secs_f64(s.max(0.0)));
    }
    let a = get("x-ratelimit-reset-requests").and_then(parse_go_duration);
    let b = get("x-ratelimit-reset-tokens").and_then(parse_go_duration);
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// How a non-2xx answer to a *finished* job's result request reads (fal's `response_url`, HeyGen's status with
/// the video link). Only what the provider documents as the job's own failure ends the job — fal: a result body
/// with a validation `detail` (422) or an `error_type` (a 5xx that fal retried and gave up on, which it does not
/// bill) [fal docs "Request errors", "Reliability"]. Timeouts and rate limits (408/409/429), a gateway's 502/503/504 without such a body, a
/// rejected key (401/403) and anything else unreadable leave the job completed and reserved: the result is asked
/// for again, the job is never submitted again.
pub fn result_fetch_error(
    provider: &str,
    code: u16,
    headers: &HeaderMap,
    body: &str,
) -> studio_pipeline::remote::RemoteError {
    use studio_pipeline::remote::RemoteError;
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    // fal's documented job failures: a validation error (422, or a `detail` list of {loc, msg, type}), or an
    // infrastructure failure it gave up on (`error_type` in the body or the `X-Fal-Error-Type` header). A bare
    // `{"detail": "Not Found"}` from a router is not one.
    let documented_failure = code == 422
        || v.get("detail").is_some_and(|d| d.is_array())
        || v.get("error_type").is_some_and(|t| t.is_string())
        || headers.contains_key("x-fal-error-type");
    let wait = |message: String| match reset_hint(headers) {
        Some(retry_after) => RemoteError::Throttled {
            message,
            retry_after,
        },
        None => RemoteError::Transient(message),
    };
    match code {
        401 | 403 => {
            RemoteError::Auth(format!("{provider} HTTP {code} fetching a finished result"))
        }
        // Timeouts, conflicts and rate limits: ask again (fal's client retries 408, 409 and 429).
        408 | 409 | 425 | 429 => wait(format!("{provider} HTTP {code} fetching the result")),
        500..=599 if !documented_failure => wait(format!(
            "{provider} gateway HTTP {code} fetching the result"
        )),
        400..=599 if documented_failure => {
            RemoteError::Failed(format!("HTTP {code}: {}", short(body)))
        }
        _ => RemoteError::Transient(format!("{provider} HTTP {code} fetching the result")),
    }
}

fn short(body: &str) -> String {
    body.chars().take(300).collect()
}

/// The `{"error": {...}}` body most vendors use; tolerant of other shapes.
pub fn error_fields(body: &str) -> (String, String, String) {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    let e = v.get("error").cloned().unwrap_or(v.clone());
    let s = |k: &str| e.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
    let message = if s("message").is_empty() {
        body.chars().take(200).collect()
    } else {
        s("message")
    };
    // Anthropic nests a code under details.
    let detail = e
        .pointer("/details/error_code")
        .and_then(|x| x.as_str())
        .unwrap_or("")
        .to_string();
    let code = if s("code").is_empty() {
        detail
    } else {
        s("code")
    };
    (s("type"), code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_and_stops_at_the_cap() {
        let (base, max) = (Duration::from_secs(2), Duration::from_secs(60));
        for _ in 0..50 {
            for (k, low) in [(0u32, 2u64), (1, 4), (3, 16)] {
                let d = backoff_delay(base, max, k);
                let low = Duration::from_secs(low);
                assert!(d >= low && d <= low * 2, "retry {k}: {d:?}");
            }
            // 2 · 2^6 = 128 s is past the cap: half the cap plus jitter, never over the cap.
            let capped = backoff_delay(base, max, 6);
            assert!(
                capped >= Duration::from_secs(30) && capped <= max,
                "{capped:?}"
            );
            // A cap below the base waits the base.
            assert_eq!(backoff_delay(base, Duration::ZERO, 0), base);
        }
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1s"), Some(Duration::from_secs(1)));
        assert_eq!(parse_go_duration("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(parse_go_duration("20ms"), Some(Duration::from_millis(20)));
        assert_eq!(
            parse_go_duration("1h2m3.5s"),
            Some(Duration::from_secs_f64(3723.5))
        );
        assert_eq!(parse_go_duration("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_go_duration(""), None);
        assert_eq!(parse_go_duration("abc"), None);
        assert_eq!(parse_go_duration("5x"), None);
    }

    #[test]
    fn reset_hints_prefer_explicit_retry_after() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset-requests", "1s".parse().unwrap());
        h.insert("x-ratelimit-reset-tokens", "6m0s".parse().unwrap());
        assert_eq!(reset_hint(&h), Some(Duration::from_secs(360)));
        h.insert("retry-after", "2".parse().unwrap());
        assert_eq!(reset_hint(&h), Some(Duration::from_secs(2)));
        h.insert("retry-after-ms", "150".parse().unwrap());
        assert_eq!(reset_hint(&h), Some(Duration::from_millis(150)));
    }

    #[test]
    fn only_the_jobs_own_failure_ends_a_finished_job() {
        use studio_pipeline::remote::RemoteError;
        let mut h = HeaderMap::new();
        h.insert("retry-after", "2".parse().unwrap());
        assert_eq!(
            result_fetch_error("fal", 429, &h, ""),
            RemoteError::Throttled {
                message: "fal HTTP 429 fetching the result".into(),
                retry_after: Duration::from_secs(2)
            }
        );
        let none = HeaderMap::new();
        for code in [502, 503, 504] {
            let e = result_fetch_error("fal", code, &none, "<html>nginx</html>");
            assert!(matches!(e, RemoteError::Transient(_)), "{code}: {e:?}");
        }
        assert!(matches!(
            result_fetch_error("fal", 401, &none, ""),
            RemoteError::Auth(_)
        ));
        assert!(matches!(
            result_fetch_error("fal", 403, &none, "{}"),
            RemoteError::Auth(_)
        ));
        // The job's own failure, as fal documents it: ends the job (and is not billed).
        let v = r#"{"detail":[{"loc":["body","image_url"],"msg":"image too large","type":"image_too_large"}]}"#;
        assert!(matches!(
            result_fetch_error("fal", 422, &none, v),
            RemoteError::Failed(_)
        ));
        let t = r#"{"detail":"Request timed out","error_type":"request_timeout"}"#;
        assert!(matches!(
            result_fetch_error("fal", 504, &none, t),
            RemoteError::Failed(_)
        ));
    }

    #[test]
    fn error_bodies_of_every_shape() {
        let (t, c, m) = error_fields(
            r#"{"error":{"message":"quota","type":"insufficient_quota","code":"insufficient_quota"}}"#,
        );
        assert_eq!(
            (t.as_str(), c.as_str(), m.as_str()),
            ("insufficient_quota", "insufficient_quota", "quota")
        );
        let (t, c, _) = error_fields(
            r#"{"type":"error","error":{"type":"rate_limit_error","message":"m","details":{"error_code":"enforced_spend_limit_reached"}}}"#,
        );
        assert_eq!(
            (t.as_str(), c.as_str()),
            ("rate_limit_error", "enforced_spend_limit_reached")
        );
        let (_, _, m) = error_fields("<html>bad gateway</html>");
        assert!(m.contains("bad gateway"));
    }
}
