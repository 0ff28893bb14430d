//! Paid remote jobs (fal video and images, HeyGen avatars) run the same way: the intent is written to the store
//! before anything is sent; the request id and the provider's URLs are written before the first poll; after a
//! restart the job is polled again, never re-submitted; a submit whose outcome is unknown is surfaced, not retried;
//! past its deadline a job is marked stuck (not cancelled — cancelling a running job may still bill); the result is
//! downloaded at once with a checksum, and an expired URL is refreshed from the provider.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;
use studio_domain::CostEntry;
use studio_store::{RemoteJobUpdate, Store};

use crate::artifact::sha256_file;
use crate::stage::StageError;

/// Where a submitted job lives at the provider.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Ticket {
    pub request_id: String,
    pub status_url: String,
    pub response_url: String,
    pub cancel_url: String,
    /// The key it was sent with (`fal`, `fal#2`, …; see [`Accounts`]); empty for a provider with one key.
    pub account: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RemoteStatus {
    Queued(Option<u32>),
    Running,
    Completed,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RemoteError {
    /// Nothing reached the provider (connection refused, 429/503 before a request id): safe to try again later.
    #[error("not sent: {0}")]
    NotSent(String),
    /// The request may have been accepted (timed out after sending): never resubmit automatically.
    #[error("outcome unknown: {0}")]
    Ambiguous(String),
    /// The provider refused the input (422 and friends); not billed.
    #[error("rejected: {0}")]
    Rejected(String),
    /// The job ran and failed (a 5xx result is not billed by fal).
    #[error("failed: {0}")]
    Failed(String),
    /// A download URL expired; ask the provider for a fresh one.
    #[error("the download link expired")]
    Expired,
    #[error("the key was rejected: {0}")]
    Auth(String),
    /// The account cannot pay: out of credits or balance, over its quota, a billing lock (fal 403 "User is locked.
    /// Reason: Exhausted balance", HeyGen 402 `insufficient_credit`). Nothing was made or billed.
    #[error("the account cannot pay: {0}")]
    Billing(String),
    #[error("temporarily unavailable: {0}")]
    Transient(String),
    /// The provider asked us to wait (429 with `Retry-After`, a gateway 502/503/504): the job itself is fine.
    #[error("busy, asked to wait {}s: {message}", retry_after.as_secs_f64())]
    Throttled {
        message: String,
        retry_after: Duration,
    },
}

/// Tries to fetch a finished job's result within one run before the job is left for a later run.
pub const RESULT_FETCH_ATTEMPTS: u32 = 5;
/// The longest wait between two result fetches within a run (a longer `Retry-After` ends the run's tries).
pub const RESULT_FETCH_MAX_WAIT: Duration = Duration::from_secs(60);

#[async_trait]
pub trait RemoteProvider: Send + Sync {
    /// "fal", "heygen"
    fn name(&self) -> &str;
    fn poll_interval(&self) -> Duration;
    /// `tag` identifies the job locally (fal's X-Fal-Tags), so ambiguous cases can be reconciled.
    async fn submit(&self, model: &str, input: &Value, tag: &str) -> Result<Ticket, RemoteError>;
    async fn status(&self, ticket: &Ticket) -> Result<RemoteStatus, RemoteError>;
    /// The finished job's media URL, fetched fresh on every call.
    async fn media_url(&self, ticket: &Ticket, model: &str) -> Result<String, RemoteError>;
    async fn download(&self, url: &str, out: &Path) -> Result<(), RemoteError>;
    /// Puts a local file (a character's reference image, the series' style image) on the provider's storage, so a
    /// model input can name it by URL; returns that URL. Uploads are free. Providers without storage refuse.
    ///
    /// # Errors
    /// [`RemoteError::NotSent`] when the provider has no storage or could not be reached; [`RemoteError::Auth`] or
    /// [`RemoteError::Billing`] for a refused key; [`RemoteError::Rejected`] for a refused file;
    /// [`RemoteError::Transient`] for an answer that can be tried again.
    async fn upload(
        &self,
        bytes: Vec<u8>,
        content_type: &str,
        file_name: &str,
    ) -> Result<String, RemoteError> {
        let _ = (bytes, content_type, file_name);
        Err(RemoteError::NotSent(format!(
            "{} keeps no uploaded files",
            self.name()
        )))
    }
}

/// One key of a provider, for [`Accounts`].
pub struct Account {
    /// The key's name: `fal`, `fal#2`, …
    pub name: String,
    /// A fingerprint of the key (not the key): a set-aside recorded against another key under the same name — one
    /// the creator has since replaced — does not hold for this one.
    pub fingerprint: String,
    /// The provider with this key.
    pub provider: std::sync::Arc<dyn RemoteProvider>,
}

/// Several keys of one provider, in order (`fal`, `fal#2`, …; seed `002_7a7d0767da382c77.txt` §8.2): a job goes to
/// the first key that is not set aside. A key whose account cannot pay ([`RemoteError::Billing`]) or that the
/// provider no longer accepts ([`RemoteError::Auth`]) at submit is set aside in the store with the provider's
/// reason and the key's fingerprint, and the same job goes to the next key — nothing was made or billed by the
/// refusal. With every key set aside the job is not sent (`Billing`/`Auth`, which the runner forgets so a later run
/// sends it). A submitted job is polled and fetched with the key that took it ([`Ticket::account`]), also after a
/// restart and also when that key has been set aside since.
pub struct Accounts {
    name: String,
    keys: Vec<Account>,
    store: Store,
}

impl Accounts {
    /// `keys` in order of use; `name` is the provider's ("fal"), which is also its first key's name.
    pub fn new(name: &str, keys: Vec<Account>, store: Store) -> Self {
        Self {
            name: name.to_string(),
            keys,
            store,
        }
    }

    /// The provider for the key that took `ticket`: the key named in it, or for a job sent before keys had names,
    /// the provider's first key (`fal`) — never another account's key, which would not find the job.
    fn owner(&self, ticket: &Ticket) -> Result<&dyn RemoteProvider, RemoteError> {
        let name = if ticket.account.is_empty() {
            self.name.as_str()
        } else {
            ticket.account.as_str()
        };
        self.keys
            .iter()
            .find(|k| k.name == name)
            .map(|k| k.provider.as_ref())
            .ok_or_else(|| {
                RemoteError::Auth(format!(
                    "the {} key that took this job is no longer stored; store it again to fetch the job",
                    self.name
                ))
            })
    }

    /// Whether `key` is set aside: a set-aside of this very key (by its fingerprint).
    async fn is_aside(&self, key: &Account) -> Result<bool, RemoteError> {
        match self.store.account_aside(&key.name).await {
            Ok(a) => Ok(a.is_some_and(|a| a.fingerprint == key.fingerprint)),
            Err(e) => Err(RemoteError::NotSent(format!("the store: {e}"))),
        }
    }
}

#[async_trait]
impl RemoteProvider for Accounts {
    fn name(&self) -> &str {
        &self.name
    }
    fn poll_interval(&self) -> Duration {
        self.keys
            .first()
            .map_or(Duration::from_secs(5), |k| k.provider.poll_interval())
    }
    async fn submit(&self, model: &str, input: &Value, tag: &str) -> Result<Ticket, RemoteError> {
        let mut last: Option<RemoteError> = None;
        for (i, key) in self.keys.iter().enumerate() {
            if self.is_aside(key).await? {
                continue;
            }
            match key.provider.submit(model, input, tag).await {
                Ok(mut t) => {
                    t.account = key.name.clone();
                    return Ok(t);
                }
                Err(e @ (RemoteError::Billing(_) | RemoteError::Auth(_))) => {
                    tracing::warn!(account = %key.name, reason = %e, "a key was set aside; the next key of the provider is used");
                    let at = SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map(|d| d.as_millis() as i64)
                        .unwrap_or(0);
                    if let Err(se) = self
                        .store
                        .set_account_aside(&key.name, &e.to_string(), &key.fingerprint, at)
                        .await
                    {
                        return Err(RemoteError::NotSent(format!("the store: {se}")));
                    }
                    last = Some(e);
                }
                // Which of several accounts may have taken it matters to whoever reconciles it.
                Err(RemoteError::Ambiguous(m)) if self.keys.len() > 1 => {
                    return Err(RemoteError::Ambiguous(format!(
                        "{m} (sent with {} key {})",
                        self.name,
                        i + 1
                    )));
                }
                Err(e) => return Err(e),
            }
        }
        let all = format!("every {} key is set aside", self.name);
        Err(match last {
            Some(RemoteError::Billing(m)) => RemoteError::Billing(format!("{all} (the last: {m})")),
            Some(RemoteError::Auth(m)) => RemoteError::Auth(format!("{all} (the last: {m})")),
            _ => RemoteError::Auth(format!(
                "{all}; store a new key or put one back in Settings"
            )),
        })
    }
    async fn status(&self, ticket: &Ticket) -> Result<RemoteStatus, RemoteError> {
        self.owner(ticket)?.status(ticket).await
    }
    async fn media_url(&self, ticket: &Ticket, model: &str) -> Result<String, RemoteError> {
        self.owner(ticket)?.media_url(ticket, model).await
    }
    /// Result files are on the provider's CDN and need no key (fal and HeyGen send none there): any key's client
    /// fetches them.
    async fn download(&self, url: &str, out: &Path) -> Result<(), RemoteError> {
        match self.keys.first() {
            Some(k) => k.provider.download(url, out).await,
            None => Err(RemoteError::NotSent(format!(
                "no {} key is stored",
                self.name
            ))),
        }
    }
    /// Uploaded files are public URLs on the provider's CDN, usable by every key: the first key not set aside
    /// uploads.
    async fn upload(
        &self,
        bytes: Vec<u8>,
        content_type: &str,
        file_name: &str,
    ) -> Result<String, RemoteError> {
        for key in &self.keys {
            if self.is_aside(key).await? {
                continue;
            }
            match key
                .provider
                .upload(bytes.clone(), content_type, file_name)
                .await
            {
                // A key the provider refuses: the next one may upload (the submit sets the key aside).
                Err(e @ (RemoteError::Billing(_) | RemoteError::Auth(_))) => {
                    tracing::warn!(account = %key.name, reason = %e, "an upload was refused; the next key tries");
                }
                other => return other,
            }
        }
        Err(RemoteError::Auth(format!(
            "every {} key is set aside; store a new key or put one back in Settings",
            self.name
        )))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "end", rename_all = "snake_case")]
pub enum JobEnd {
    Done {
        path: String,
        url: String,
        sha256: String,
    },
    /// It failed or was refused; nothing (more) will be billed. The caller falls back.
    Failed { reason: String },
    /// Not sent: no key would take it — refused, out of balance, or every key set aside. Nothing was billed and
    /// nothing is kept, so a later run sends it once a key is in order. The caller uses its cheaper way meanwhile.
    Refused { reason: String },
    /// Not sent: a spending cap (the day's, a provider's, the episode's) would be passed. Nothing was billed; the
    /// caller uses its cheaper way and records the reason.
    OverCap {
        reason: String,
        limit: crate::visuals::SpendLimit,
    },
    /// Past the deadline and still not finished; left for a person (no auto-cancel).
    Stuck { reason: String },
    /// We cannot know whether the provider accepted it; left for a person to reconcile.
    Unknown { reason: String },
}

pub struct RemoteRunner<'a> {
    pub store: &'a Store,
    pub provider: &'a dyn RemoteProvider,
    /// Overall deadline per job, counted from its submit (also across restarts).
    pub deadline: Duration,
    /// Spending caps (per day, per provider) checked atomically when the job's cost is reserved.
    pub caps: &'a [studio_store::SpendCap],
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn ticket_of(j: &studio_store::RemoteJob) -> Option<Ticket> {
    Some(Ticket {
        request_id: j.request_id.clone()?,
        status_url: j.status_url.clone().unwrap_or_default(),
        response_url: j.response_url.clone().unwrap_or_default(),
        cancel_url: j.cancel_url.clone().unwrap_or_default(),
        account: j.account.clone().unwrap_or_default(),
    })
}

impl RemoteRunner<'_> {
    /// Leaves the job in a final state a person can see (`failed`, `stuck`, `unknown`) with the reason; a failed
    /// job that will not be billed releases its ledger reservation.
    async fn park(
        &self,
        id: i64,
        state: &str,
        why: &str,
        release: Option<i64>,
    ) -> Result<(), StageError> {
        self.store
            .update_remote_job(
                id,
                &RemoteJobUpdate {
                    state: Some(state),
                    error: Some(why),
                    ..Default::default()
                },
            )
            .await?;
        if let Some(l) = release {
            self.store.reconcile_usage(l, 0.0).await?;
        }
        Ok(())
    }

    /// The job is accepted (and may bill) but the provider cannot be asked right now: keep its state so a re-run
    /// resumes it, and say so.
    fn unreachable(&self, what: &str, purpose: &str, e: &RemoteError) -> StageError {
        StageError::Invalid(format!(
            "{what} {purpose} at {}: {e} (the job is kept; run again to resume it)",
            self.provider.name()
        ))
    }

    /// The finished job's media URL. A rate limit, a gateway error or a network failure is not the job's failure:
    /// it is asked again within this run (after `Retry-After` when given, else 1, 2, 4, … s), and after
    /// [`RESULT_FETCH_ATTEMPTS`] the error is returned with the job still completed and reserved — never resubmitted.
    async fn result_url(&self, ticket: &Ticket, model: &str) -> Result<String, RemoteError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let wait = match self.provider.media_url(ticket, model).await {
                Err(RemoteError::Throttled { retry_after, .. })
                    if attempt < RESULT_FETCH_ATTEMPTS && retry_after <= RESULT_FETCH_MAX_WAIT =>
                {
                    retry_after
                }
                Err(RemoteError::Transient(_) | RemoteError::NotSent(_))
                    if attempt < RESULT_FETCH_ATTEMPTS =>
                {
                    Duration::from_secs(1 << (attempt - 1).min(5))
                }
                other => return other,
            };
            tracing::warn!(
                provider = self.provider.name(),
                request = %ticket.request_id,
                wait_ms = wait.as_millis() as u64,
                "the result of a finished job cannot be fetched yet; asking again"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// Runs (or resumes) the job for `purpose` and leaves its media at `out`.
    #[allow(clippy::too_many_arguments)]
    pub async fn run(
        &self,
        series_id: &str,
        n: u32,
        purpose: &str,
        model: &str,
        input: &Value,
        estimate_usd: f64,
        out: &Path,
    ) -> Result<JobEnd, StageError> {
        let store = self.store;
        let rel = |p: &Path| p.to_string_lossy().into_owned();
        let mut job = store.remote_job(series_id, n, purpose).await?;
        if job.is_none() {
            // Write-ahead: the cost is reserved (within every cap) before anything is sent.
            let entry = CostEntry {
                provider: self.provider.name().into(),
                operation: format!("{purpose} ({model})"),
                series_id: Some(series_id.into()),
                episode_number: Some(n),
                units: 1.0,
                unit: "job".into(),
                estimated_usd: estimate_usd,
                actual_usd: None,
            };
            let ledger = match store.reserve_usage(&entry, self.caps).await? {
                Ok(id) => id,
                Err(hit) => {
                    return Ok(JobEnd::OverCap {
                        reason: format!("not sent: {hit}"),
                        limit: crate::visuals::SpendLimit::of(&hit),
                    });
                }
            };
            let id = store
                .begin_remote_job(
                    series_id,
                    n,
                    purpose,
                    self.provider.name(),
                    model,
                    estimate_usd,
                )
                .await?;
            store
                .update_remote_job(
                    id,
                    &RemoteJobUpdate {
                        ledger_id: Some(ledger),
                        ..Default::default()
                    },
                )
                .await?;
            let tag = format!("job={series_id}.{n}.{purpose}").replace([':', ' '], "-");
            match self.provider.submit(model, input, &tag).await {
                Ok(t) => {
                    store
                        .update_remote_job(
                            id,
                            &RemoteJobUpdate {
                                state: Some("submitted"),
                                request_id: Some(&t.request_id),
                                status_url: Some(&t.status_url),
                                response_url: Some(&t.response_url),
                                cancel_url: Some(&t.cancel_url),
                                ledger_id: Some(ledger),
                                submitted_unix: Some(now_unix()),
                                account: Some(t.account.as_str()).filter(|a| !a.is_empty()),
                                ..Default::default()
                            },
                        )
                        .await?;
                    // The spend is the account's that took the job (each key's spend is kept apart).
                    if !t.account.is_empty() {
                        store.set_usage_account(ledger, &t.account).await?;
                    }
                }
                Err(RemoteError::NotSent(m))
                | Err(RemoteError::Transient(m))
                | Err(RemoteError::Throttled { message: m, .. }) => {
                    store.drop_unsent_remote_job(id).await?;
                    store.reconcile_usage(ledger, 0.0).await?;
                    return Ok(JobEnd::Failed {
                        reason: format!("{} could not be reached: {m}", self.provider.name()),
                    });
                }
                Err(RemoteError::Ambiguous(m)) => {
                    let why = format!(
                        "the submit to {} may have been accepted ({m}); check its dashboard for tag {tag}",
                        self.provider.name()
                    );
                    self.park(id, "unknown", &why, None).await?;
                    return Ok(JobEnd::Unknown { reason: why });
                }
                // A refused key or an account that cannot pay: nothing was made or billed, and the job is not the
                // problem — forgotten, so it is sent again once a key is in order.
                Err(e @ (RemoteError::Auth(_) | RemoteError::Billing(_))) => {
                    store.drop_unsent_remote_job(id).await?;
                    store.reconcile_usage(ledger, 0.0).await?;
                    return Ok(JobEnd::Refused {
                        reason: e.to_string(),
                    });
                }
                Err(e) => {
                    let why = e.to_string();
                    store.reconcile_usage(ledger, 0.0).await?;
                    self.park(id, "failed", &why, None).await?;
                    return Ok(JobEnd::Failed { reason: why });
                }
            }
            job = store.remote_job(series_id, n, purpose).await?;
        }
        let Some(mut j) = job else {
            return Err(StageError::Invalid(format!(
                "the job for {purpose} vanished from the store"
            )));
        };
        match j.state.as_str() {
            // The process stopped between writing the intent and learning the outcome.
            "submitting" => {
                let why = format!(
                    "the process stopped while submitting to {}; the job may exist there",
                    self.provider.name()
                );
                self.park(j.id, "unknown", &why, None).await?;
                return Ok(JobEnd::Unknown { reason: why });
            }
            "unknown" => {
                return Ok(JobEnd::Unknown {
                    reason: j.error.clone().unwrap_or_default(),
                });
            }
            "stuck" => {
                return Ok(JobEnd::Stuck {
                    reason: j.error.clone().unwrap_or_default(),
                });
            }
            "failed" => {
                return Ok(JobEnd::Failed {
                    reason: j.error.clone().unwrap_or_default(),
                });
            }
            "downloaded" => {
                if let (Some(p), Some(sha)) = (&j.result_path, &j.result_sha256)
                    && sha256_file(Path::new(p))
                        .map(|s| &s == sha)
                        .unwrap_or(false)
                {
                    return Ok(JobEnd::Done {
                        path: p.clone(),
                        url: j.result_url.clone().unwrap_or_default(),
                        sha256: sha.clone(),
                    });
                }
                // The file went missing or was damaged: fetch it again (a download, not a new job).
                j.state = "completed".into();
            }
            _ => {}
        }
        let Some(ticket) = ticket_of(&j) else {
            return Err(StageError::Invalid(format!(
                "job {} has no request id",
                j.id
            )));
        };
        if j.state == "submitted" {
            let started = j.submitted_unix.unwrap_or_else(now_unix);
            loop {
                match self.provider.status(&ticket).await {
                    Ok(RemoteStatus::Completed) => break,
                    Ok(RemoteStatus::Failed(m))
                    | Err(RemoteError::Failed(m))
                    | Err(RemoteError::Rejected(m)) => {
                        self.park(j.id, "failed", &m, j.ledger_id).await?;
                        return Ok(JobEnd::Failed { reason: m });
                    }
                    Ok(_)
                    | Err(RemoteError::Transient(_))
                    | Err(RemoteError::NotSent(_))
                    | Err(RemoteError::Throttled { .. }) => {}
                    // A rejected key or an unreadable answer says nothing about the job itself: it may still run
                    // and bill. Keep it submitted (a re-run polls again) instead of calling it failed.
                    Err(e) => return Err(self.unreachable("asking about", purpose, &e)),
                }
                if now_unix() - started > self.deadline.as_secs() as i64 {
                    let why = format!(
                        "not finished {} s after submit; left running at {} (not cancelled: it may still bill)",
                        self.deadline.as_secs(),
                        self.provider.name()
                    );
                    self.park(j.id, "stuck", &why, None).await?;
                    return Ok(JobEnd::Stuck { reason: why });
                }
                tokio::time::sleep(self.provider.poll_interval()).await;
            }
            store
                .update_remote_job(
                    j.id,
                    &RemoteJobUpdate {
                        state: Some("completed"),
                        ..Default::default()
                    },
                )
                .await?;
        }
        // Download at once; an expired link is refreshed once from the provider.
        let mut url = match j.result_url.clone() {
            Some(u) => u,
            None => match self.result_url(&ticket, &j.model).await {
                Ok(u) => u,
                // The result is an error (fal: 422/5xx after COMPLETED): not billed.
                Err(e @ (RemoteError::Failed(_) | RemoteError::Rejected(_))) => {
                    let m = e.to_string();
                    self.park(j.id, "failed", &m, j.ledger_id).await?;
                    return Ok(JobEnd::Failed { reason: m });
                }
                // Finished and billed, but the result cannot be fetched now: keep it completed for a re-run.
                Err(e) => return Err(self.unreachable("fetching the result of", purpose, &e)),
            },
        };
        store
            .update_remote_job(
                j.id,
                &RemoteJobUpdate {
                    result_url: Some(&url),
                    ..Default::default()
                },
            )
            .await?;
        let mut tries = 0;
        loop {
            match self.provider.download(&url, out).await {
                Ok(()) => break,
                Err(RemoteError::Expired) if tries == 0 => {
                    tries += 1;
                    url = self.result_url(&ticket, &j.model).await.map_err(|e| {
                        StageError::Invalid(format!(
                            "refreshing the download link of {purpose}: {e} (the job is paid and kept; run again to retry)"
                        ))
                    })?;
                    store
                        .update_remote_job(
                            j.id,
                            &RemoteJobUpdate {
                                result_url: Some(&url),
                                ..Default::default()
                            },
                        )
                        .await?;
                }
                Err(e) => {
                    return Err(StageError::Invalid(format!(
                        "downloading the result of {purpose}: {e} (the job is paid and kept; run again to retry the download)"
                    )));
                }
            }
        }
        let sha = sha256_file(out).map_err(|e| StageError::Invalid(e.to_string()))?;
        store
            .update_remote_job(
                j.id,
                &RemoteJobUpdate {
                    state: Some("downloaded"),
                    result_path: Some(&rel(out)),
                    result_sha256: Some(&sha),
                    ..Default::default()
                },
            )
            .await?;
        if let Some(l) = j.ledger_id {
            // fal and HeyGen report no per-job price: the estimate from pricing.toml is what it cost.
            store.reconcile_usage(l, j.estimate_usd).await?;
        }
        Ok(JobEnd::Done {
            path: rel(out),
            url,
            sha256: sha,
        })
    }
}
