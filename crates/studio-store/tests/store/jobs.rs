//! The production queue: the DAG gates claims, claims are exclusive across connections (as across processes), a
//! worker whose lease ran out cannot overwrite its successor, paused series wait.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use studio_store::{JobFailure, Store};

use super::{sample_plan, with_sample};

const SID: &str = "first-love";

#[tokio::test]
async fn stages_become_claimable_in_dag_order() {
    let (_d, s) = with_sample().await;
    assert_eq!(s.enqueue_episode(SID, 1, 5, 0).await.unwrap(), 11);
    assert_eq!(
        s.enqueue_episode(SID, 1, 5, 0).await.unwrap(),
        0,
        "idempotent"
    );
    let mut order = Vec::new();
    let mut now = 1_000;
    loop {
        // Everything claimable right now, before completing any of it.
        let mut batch = Vec::new();
        while let Some(j) = s.claim_job("w", now, 60_000).await.unwrap() {
            batch.push(j);
        }
        if batch.is_empty() {
            break;
        }
        let mut names: Vec<String> = batch.iter().map(|j| j.stage.to_string()).collect();
        names.sort();
        order.push(names);
        for j in batch {
            assert!(s.complete_job(j.id, "w", now, "{}").await.unwrap());
        }
        now += 10;
    }
    let expect: Vec<Vec<&str>> = vec![
        vec!["script"],
        vec!["memory_update"],
        vec!["storyboard"],
        vec!["visuals", "voices"],
        vec!["avatars"],
        vec!["render"],
        vec!["package"],
        vec!["review_gate"],
        vec!["publish"],
        vec!["finalize"],
    ];
    assert_eq!(order, expect);
}

#[tokio::test]
async fn two_connections_never_claim_the_same_job() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aidas.db");
    let a = Store::open(&path).await.unwrap();
    a.save_plan(&sample_plan()).await.unwrap();
    for n in 1..=6 {
        a.enqueue_episode(SID, n, 5, 0).await.unwrap();
    }
    // A second pool on the same file: another process, as far as SQLite is concerned.
    let b = Store::open(&path).await.unwrap();
    let claims: Arc<Mutex<HashMap<i64, usize>>> = Arc::default();
    let mut tasks = Vec::new();
    for (w, store) in [
        (0, a.clone()),
        (1, b.clone()),
        (2, a.clone()),
        (3, b.clone()),
    ] {
        let claims = claims.clone();
        tasks.push(tokio::spawn(async move {
            let owner = format!("worker-{w}");
            let mut idle = 0;
            while idle < 20 {
                match store.claim_job(&owner, 1_000, 60_000).await.unwrap() {
                    Some(j) => {
                        idle = 0;
                        *claims.lock().unwrap().entry(j.id).or_default() += 1;
                        tokio::task::yield_now().await;
                        assert!(store.complete_job(j.id, &owner, 1_000, "{}").await.unwrap());
                    }
                    None => {
                        idle += 1;
                        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let claims = claims.lock().unwrap();
    assert_eq!(claims.len(), 66, "every job ran");
    assert!(
        claims.values().all(|c| *c == 1),
        "no job ran twice: {claims:?}"
    );
}

#[tokio::test]
async fn an_expired_lease_is_requeued_and_the_old_worker_cannot_finish() {
    let (_d, s) = with_sample().await;
    s.enqueue_episode(SID, 1, 5, 0).await.unwrap();
    let j = s.claim_job("dead", 1_000, 5_000).await.unwrap().unwrap();
    assert_eq!(
        s.requeue_stale_jobs(5_999).await.unwrap(),
        0,
        "lease still valid"
    );
    assert!(s.heartbeat_job(j.id, "dead", 5_000, 5_000).await.unwrap());
    assert_eq!(s.requeue_stale_jobs(10_001).await.unwrap(), 1);
    let again = s.claim_job("alive", 10_002, 5_000).await.unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (j.id, 2));
    assert!(!s.complete_job(j.id, "dead", 10_003, "{}").await.unwrap());
    assert!(!s.heartbeat_job(j.id, "dead", 10_003, 5_000).await.unwrap());
    assert!(s.complete_job(j.id, "alive", 10_004, "{}").await.unwrap());
}

#[tokio::test]
async fn failures_park_or_wait_and_people_can_retry_pause_and_cancel() {
    let (_d, s) = with_sample().await;
    s.enqueue_episode(SID, 1, 5, 0).await.unwrap();
    let j = s.claim_job("w", 1_000, 60_000).await.unwrap().unwrap();
    let wait = JobFailure::Retry {
        at_ms: 9_000,
        kind: studio_domain::ErrorCode::RateLimited,
        message: "429".into(),
    };
    assert!(s.fail_job(j.id, "w", 1_001, &wait).await.unwrap());
    assert!(
        s.claim_job("w", 8_999, 60_000).await.unwrap().is_none(),
        "not before the reset"
    );
    let j = s.claim_job("w", 9_000, 60_000).await.unwrap().unwrap();
    let park = JobFailure::Attention {
        kind: studio_domain::ErrorCode::QuotaExhausted,
        message: "the quota is used up".into(),
    };
    assert!(s.fail_job(j.id, "w", 9_001, &park).await.unwrap());
    assert!(
        s.claim_job("w", 99_000, 60_000).await.unwrap().is_none(),
        "parked stays parked"
    );
    let row = s.job(j.id).await.unwrap().unwrap();
    assert_eq!(row.status, studio_domain::JobStatus::NeedsAttention);
    assert_eq!(row.last_error.as_deref(), Some("the quota is used up"));
    assert!(s.retry_job(j.id, 99_001).await.unwrap());
    // Paused: nothing starts.
    assert!(s.set_series_paused(SID, true).await.unwrap());
    assert!(s.claim_job("w", 99_002, 60_000).await.unwrap().is_none());
    assert!(s.set_series_paused(SID, false).await.unwrap());
    let j = s.claim_job("w", 99_003, 60_000).await.unwrap().unwrap();
    // Cancel: the running one is asked to stop (its heartbeat fails), the rest are cancelled.
    let (now, asked) = s.cancel_episode_jobs(SID, 1).await.unwrap();
    assert_eq!((now, asked), (10, 1));
    assert!(s.job_cancel_requested(j.id).await.unwrap());
    assert!(!s.heartbeat_job(j.id, "w", 99_004, 60_000).await.unwrap());
    let cancelled = JobFailure::Cancelled {
        message: "stopped".into(),
    };
    assert!(s.fail_job(j.id, "w", 99_005, &cancelled).await.unwrap());
    assert!(s.claim_job("w", 99_006, 60_000).await.unwrap().is_none());
}

#[tokio::test]
async fn racing_reservations_never_pass_a_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aidas.db");
    let a = Store::open(&path).await.unwrap();
    let b = Store::open(&path).await.unwrap();
    let caps = vec![
        studio_store::SpendCap {
            name: "daily cap".into(),
            provider: None,
            since: "2000-01-01T00:00:00".into(),
            limit_usd: 1.0,
            ..Default::default()
        },
        studio_store::SpendCap {
            name: "fal daily cap".into(),
            provider: Some("fal".into()),
            since: "2000-01-01T00:00:00".into(),
            limit_usd: 0.9,
            ..Default::default()
        },
    ];
    let entry = |p: &str| studio_domain::CostEntry {
        provider: p.into(),
        operation: "shot".into(),
        series_id: None,
        episode_number: None,
        units: 1.0,
        unit: "job".into(),
        estimated_usd: 0.25,
        actual_usd: None,
    };
    let mut tasks = Vec::new();
    for w in 0..6 {
        let (store, caps) = (if w % 2 == 0 { a.clone() } else { b.clone() }, caps.clone());
        let provider = if w < 4 { "fal" } else { "heygen" };
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            for _ in 0..5 {
                if store
                    .reserve_usage(&entry(provider), &caps)
                    .await
                    .unwrap()
                    .is_ok()
                {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut granted = 0;
    for t in tasks {
        granted += t.await.unwrap();
    }
    let total: f64 = a
        .usage(None)
        .await
        .unwrap()
        .iter()
        .map(|e| e.estimated_usd)
        .sum();
    let fal: f64 = a
        .usage(None)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.provider == "fal")
        .map(|e| e.estimated_usd)
        .sum();
    assert!(total <= 1.0 + 1e-9, "total {total}");
    assert!(fal <= 0.9 + 1e-9, "fal {fal}");
    assert_eq!(granted, 4, "exactly what fits under $1.00 at $0.25 each");
    let hit = a
        .reserve_usage(&entry("fal"), &caps)
        .await
        .unwrap()
        .unwrap_err();
    assert!(hit.to_string().contains("daily cap"), "{hit}");
}

/// The episode cap counts only what the reserved entry's own episode spent (every provider together, all time).
#[tokio::test]
async fn the_episode_cap_counts_each_episode_alone() {
    let (_d, s) = with_sample().await;
    let caps = vec![studio_store::SpendCap {
        name: "episode cap".into(),
        limit_usd: 1.0,
        per_episode: true,
        ..Default::default()
    }];
    let entry = |p: &str, n: Option<u32>| studio_domain::CostEntry {
        provider: p.into(),
        operation: "take".into(),
        series_id: n.map(|_| SID.to_string()),
        episode_number: n,
        units: 1.0,
        unit: "job".into(),
        estimated_usd: 0.4,
        actual_usd: None,
    };
    let mut granted = Vec::new();
    for (p, n) in [
        ("heygen", Some(1)),
        ("fal", Some(1)),
        ("elevenlabs", Some(1)),
        ("heygen", Some(2)),
        ("openai", None),
        // A character's reference still is series-level work, recorded as episode 0.
        ("fal", Some(0)),
        ("fal", Some(0)),
        ("fal", Some(0)),
    ] {
        granted.push(s.reserve_usage(&entry(p, n), &caps).await.unwrap().is_ok());
    }
    assert_eq!(
        granted,
        [true, true, false, true, true, true, true, true],
        "episode 1 stops at $0.80 of $1.00 whatever the provider; episode 2, the series' reference stills and work \
         outside episodes go on"
    );
    let hit = s
        .reserve_usage(&entry("fal", Some(1)), &caps)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!((hit.name.as_str(), hit.spent_usd), ("episode cap", 0.8));
}

/// A job row this version cannot read (a stage from a newer version, a hand edit) is left out of listings and never
/// claimed; before, it made every listing, claim and the orphan sweep fail.
#[tokio::test]
async fn an_unreadable_job_row_is_skipped_not_fatal() {
    let (_d, s) = with_sample().await;
    s.enqueue_episode(SID, 1, 5, 0).await.unwrap();
    sqlx::query(
        "INSERT INTO jobs (series_id, episode_number, stage, status, priority, run_after_ms) \
         VALUES (?, 2, 'colour_grade', 'queued', 9, 0)",
    )
    .bind(SID)
    .execute(s.pool())
    .await
    .unwrap();
    let listed = s.jobs(Some(SID), None).await.unwrap();
    assert_eq!(listed.len(), 11, "the eleven readable jobs");
    assert!(listed.iter().all(|j| j.episode_number == 1));
    // The odd row has the highest priority, yet the claim takes episode 1's script.
    let claimed = s.claim_job("w", 1_000, 60_000).await.unwrap().unwrap();
    assert_eq!(claimed.stage, studio_domain::Stage::Script);
}

/// The stage history a reloaded screen shows: finished jobs, newest first, only finished ones.
#[tokio::test]
async fn recently_finished_jobs_are_newest_first() {
    let (_d, s) = with_sample().await;
    s.enqueue_episode(SID, 1, 5, 0).await.unwrap();
    assert!(s.recently_finished_jobs(10).await.unwrap().is_empty());
    let first = s.claim_job("w", 1_000, 60_000).await.unwrap().unwrap();
    assert!(s.complete_job(first.id, "w", 1_100, "{}").await.unwrap());
    let second = s.claim_job("w", 1_200, 60_000).await.unwrap().unwrap();
    assert!(s.complete_job(second.id, "w", 1_300, "{}").await.unwrap());
    // A running job is not history yet.
    s.claim_job("w", 1_400, 60_000).await.unwrap().unwrap();
    let recent = s.recently_finished_jobs(10).await.unwrap();
    let ids: Vec<i64> = recent.iter().map(|j| j.id).collect();
    assert_eq!(ids, [second.id, first.id]);
    assert_eq!(s.recently_finished_jobs(1).await.unwrap().len(), 1);
}
