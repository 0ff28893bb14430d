//! The upload's error policy: what a failed YouTube call means — wait and try again here (the studio's one backoff),
//! refresh the token once, start a new session, or stop and park the upload (quota, the channel's cap).

use super::*;

impl Engine {
    /// One API call with the upload's error policy: 401 → refresh the token once; 5xx/429/network → a few retries
    /// with jittered backoff; quotaExceeded → park until the reset.
    pub(super) async fn retrying<T, F, Fut>(
        &self,
        sid: &str,
        n: u32,
        channel: &str,
        token: &mut String,
        call: F,
    ) -> Result<T, CoreError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, YtError>>,
    {
        let mut failures = 0;
        let mut refreshed = false;
        loop {
            match call(token.clone()).await {
                Ok(v) => return Ok(v),
                Err(e) => {
                    self.upload_trouble(sid, n, e, &mut failures, &mut refreshed, token, channel)
                        .await?;
                }
            }
        }
    }

    /// Decides what a failed upload call means: wait and try again here, start a new session, or stop.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn upload_trouble(
        &self,
        sid: &str,
        n: u32,
        e: YtError,
        failures: &mut u32,
        refreshed: &mut bool,
        token: &mut String,
        channel: &str,
    ) -> Result<Trouble, CoreError> {
        let y = &self.config().youtube;
        match e {
            YtError::QuotaExceeded(_) => Err(self.quota_exhausted(sid, n, &e).await),
            YtError::UploadLimit(_) => Err(self.upload_limit_reached(sid, n, channel).await),
            YtError::SessionGone(code) => {
                self.store()
                    .drop_upload_session(
                        sid,
                        n,
                        &format!("upload session gone (HTTP {code})"),
                        now_ms(),
                    )
                    .await?;
                Ok(Trouble::NewSession)
            }
            YtError::Unauthorized if !*refreshed => {
                *refreshed = true;
                *token = self.access_token(channel, true).await?;
                Ok(Trouble::Again)
            }
            e if e.is_transient() && *failures < y.chunk_retries => {
                *failures += 1;
                // Exponential backoff with random jitter, as YouTube's resumable-upload guide asks; the studio's one
                // backoff, capped at 2^8 × the base.
                let base = Duration::from_millis(y.retry_base_ms.max(1));
                let wait = studio_providers::backoff_delay(base, base * 256, *failures - 1);
                tracing::warn!(series = sid, episode = n, error = %e, wait_ms = wait.as_millis() as u64, "YouTube call failed; retrying");
                let _ = self
                    .store()
                    .park_upload(sid, n, None, &e.to_string(), now_ms())
                    .await;
                tokio::time::sleep(wait).await;
                Ok(Trouble::Again)
            }
            e => {
                let _ = self
                    .store()
                    .park_upload(sid, n, None, &e.to_string(), now_ms())
                    .await;
                Err(yt_error(e))
            }
        }
    }
}
