//! The production queue in the terminal: job outcomes, the job list, the status board.

use studio_core::domain::JobStatus;

pub fn job_outcome(o: &studio_core::JobOutcome) {
    println!(
        "  {} ep{} {:<13} {:<15} {:>6.1}s  {}",
        o.series_id, o.episode, o.stage, o.status, o.seconds, o.message
    );
}

pub fn jobs(jobs: &[studio_core::reports::JobRow]) {
    if jobs.is_empty() {
        println!("no jobs (queue an episode with `aidas produce SERIES N`)");
        return;
    }
    for j in jobs {
        println!(
            "{:>5}  {} ep{:<3} {:<13} {:<15} attempts {}{}",
            j.id,
            j.series_id,
            j.episode_number,
            j.stage,
            j.status,
            j.attempts,
            j.last_error
                .as_deref()
                .map(|e| format!("  — {e}"))
                .unwrap_or_default()
        );
    }
}

pub fn status(st: &studio_core::production::StatusReport) {
    let counts: Vec<String> = st
        .jobs_by_status
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    println!(
        "Queue: {}",
        if counts.is_empty() {
            "empty".to_string()
        } else {
            counts.join(", ")
        }
    );
    for e in &st.episodes {
        let now: Vec<String> = e
            .stages
            .iter()
            .filter(|p| !matches!(p.status, JobStatus::Succeeded | JobStatus::Queued))
            .map(|p| format!("{}: {}", p.stage, p.status))
            .collect();
        println!(
            "  {} ep{}: {}/{} stages done, episode {}{}",
            e.series_id,
            e.episode,
            e.done,
            e.total,
            e.status
                .map_or_else(|| "unknown".to_string(), |s| s.to_string()),
            if now.is_empty() {
                String::new()
            } else {
                format!(" ({})", now.join(", "))
            }
        );
    }
    println!(
        "Spent today: ${:.2} (since midnight {})",
        st.cost_today_usd, st.time_zone
    );
    for s in &st.cost_today {
        println!("  {}: ${:.2}", s.provider, s.usd);
    }
    accounts(&st.accounts);
    if !st.paused_series.is_empty() {
        println!("Paused: {}", st.paused_series.join(", "));
    }
    let y = &st.youtube;
    if !y.uploads.is_empty() || y.units_used > 0 {
        println!(
            "YouTube today: {} of {} units, {} of {} uploads{} (resets {})",
            y.units_used,
            y.units_limit,
            y.uploads_used,
            y.uploads_limit,
            if y.exhausted { ", quota used up" } else { "" },
            y.resets_at
        );
        for u in y.uploads.iter().filter(|u| u.state != "done") {
            println!(
                "  {} ep{}: {} {} of {} bytes{}",
                u.series_id,
                u.episode_number,
                u.state,
                u.bytes_confirmed,
                u.file_size,
                u.last_error
                    .as_ref()
                    .map(|e| format!(" — {e}"))
                    .unwrap_or_default()
            );
        }
    }
    for a in &st.attention {
        println!(
            "Needs attention: job {} ({} ep{} {}) [{}] {}",
            a.job_id,
            a.series_id,
            a.episode,
            a.stage,
            a.kind.map_or("unknown", |k| k.as_str()),
            a.message
        );
    }
}

/// The paid providers' keys: which is in use, which are set aside (why), and what each spent.
pub fn accounts(accounts: &[studio_core::accounts::AccountView]) {
    if accounts.is_empty() {
        return;
    }
    println!("Keys:");
    for a in accounts {
        let state = match (&a.set_aside, a.in_use, a.configured) {
            (Some(aside), _, _) => format!(
                "set aside: {} (put it back with `aidas secrets restore {}` once the account is in order)",
                aside.reason, a.account
            ),
            (None, true, _) => "in use".to_string(),
            (None, false, true) => "standing by".to_string(),
            (None, false, false) => "not stored".to_string(),
        };
        println!(
            "  {:<9} {state} · spent today ${:.2}, in all ${:.2}",
            a.account, a.spent_today_usd, a.spent_usd
        );
    }
}
