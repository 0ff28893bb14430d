//! Viewer feedback: collect, show, propose, and decide outline changes.

use studio_core::feedback::{CollectReport, FeedbackView, OutlineChangeView, OutlineDecision};

use crate::*;

fn when(engine: &Engine, ms: i64) -> String {
    studio_core::clock::local_time_text(ms, &engine.config().production.time_zone)
}

fn print_collect(engine: &Engine, r: &CollectReport) {
    for e in &r.episodes {
        match &e.skipped {
            Some(why) => println!(
                "episode {}: skipped — {}",
                e.episode,
                why.words(&engine.config().production.time_zone)
            ),
            None => println!(
                "episode {}: {} new comments{}",
                e.episode,
                e.new_comments,
                if e.more_to_read {
                    " (older ones are read next time)"
                } else {
                    ""
                }
            ),
        }
    }
    println!("YouTube units used: {}", r.units);
    match r.analytics.as_str() {
        "not_granted" => println!(
            "YouTube Analytics (watch time, retention) is not allowed for this channel: connect it again with \
             `aidas channel connect` and allow analytics"
        ),
        "quota" => {
            println!("YouTube Analytics' own daily quota is used up; it is asked again next time")
        }
        _ => {}
    }
    if let Some(w) = r.waiting_until_ms {
        println!(
            "today's feedback allowance is used; the rest is read after {} (the background service does it)",
            when(engine, w)
        );
    }
    for n in &r.notes {
        println!("note: {n}");
    }
}

fn print_view(engine: &Engine, v: &FeedbackView, only: Option<u32>) {
    println!("{} — viewer feedback", v.title);
    if let Some(t) = v.last_collected_ms {
        println!(
            "collected {}; feedback units today {} of {}",
            when(engine, t),
            v.units_today,
            v.units_per_day
        );
    }
    if let Some(p) = v.channel.last() {
        println!(
            "channel: {} subscribers, {} views",
            p.subscribers.map_or("hidden".into(), |s| s.to_string()),
            p.views.map_or("—".into(), |s| s.to_string())
        );
    }
    let num = |v: Option<i64>| v.map_or("—".to_string(), |x| x.to_string());
    for e in v
        .episodes
        .iter()
        .filter(|e| only.is_none_or(|n| n == e.episode))
    {
        println!(
            "\nepisode {} \"{}\": {} views, {} likes, {} comments, {} minutes watched, {} subscribers gained",
            e.episode,
            e.title,
            num(e.views),
            num(e.likes),
            num(e.comments),
            e.minutes_watched.map_or("—".into(), |m| format!("{m:.0}")),
            num(e.subscribers_gained)
        );
        if let Some(why) = &e.skipped {
            println!(
                "  not read: {}",
                why.words(&engine.config().production.time_zone)
            );
        }
        let Some(r) = &e.report else { continue };
        let s = &r.sentiment;
        println!(
            "  {} comments read {}: {} positive, {} neutral, {} negative",
            r.comments,
            if r.offline {
                "offline (Korean lexicon)".to_string()
            } else {
                format!("by {}", r.analyser)
            },
            s.positive,
            s.neutral,
            s.negative
        );
        for c in r.characters.iter().take(5) {
            println!(
                "  {}: in {} comments ({} positive, {} negative)",
                c.name, c.comments, c.positive, c.negative
            );
        }
        for (label, list) in [
            ("loved", &r.loved),
            ("disliked", &r.disliked),
            ("asked for", &r.suggestions),
        ] {
            for t in list.iter().take(3) {
                println!(
                    "  {label}: {} ({} comments) — e.g. \"{}\"",
                    t.phrase,
                    t.comments,
                    t.examples.first().map(String::as_str).unwrap_or("")
                );
            }
        }
        if let Some(m) = &r.retention {
            for p in m.parts.iter() {
                let name = match (p.kind.as_str(), p.scene) {
                    ("scene", Some(n)) => format!("scene {n} ({})", p.location),
                    ("intro", _) => "intro".into(),
                    _ => "outro".into(),
                };
                let mark = if p.scene.is_some_and(|n| m.leaves.first() == Some(&n)) {
                    "  ← most viewers leave here"
                } else {
                    ""
                };
                println!(
                    "  {:>5.0}–{:<5.0}s {name}: {:.0} % → {:.0} % watching, {:.0} % of them leave{mark}",
                    p.start_sec,
                    p.end_sec,
                    p.audience_start * 100.0,
                    p.audience_end * 100.0,
                    p.lost * 100.0
                );
            }
        }
        for n in &r.notes {
            println!("  note: {n}");
        }
    }
    let pending = v.changes.iter().filter(|c| c.state == "pending").count();
    if pending > 0 {
        println!(
            "\n{pending} outline changes wait for a decision: `aidas feedback proposals {}`",
            v.series_id
        );
    }
}

fn print_change(engine: &Engine, c: &OutlineChangeView) {
    let state = match c.state.as_str() {
        "pending" => "waits for a decision".to_string(),
        "accepted" => format!(
            "accepted{}",
            if c.decided_by.as_deref() == Some("unattended") {
                " automatically (unattended)"
            } else {
                ""
            }
        ),
        "rejected" => "rejected".into(),
        "rolled_back" => "rolled back".into(),
        _ => "closed (the episode changed since)".into(),
    };
    println!(
        "change {} — episode {} \"{}\": {state} (proposed {})",
        c.id,
        c.episode,
        c.episode_title,
        when(engine, c.created_ms)
    );
    for r in &c.reasons {
        println!("  why: {}", r.text);
    }
    for f in &c.changes {
        let field = match f.field.as_str() {
            "character_focus" => "characters in focus",
            "sub_events" => "events and directions",
            _ => "emotions to aim for",
        };
        let added: Vec<&String> = f.after.iter().filter(|a| !f.before.contains(a)).collect();
        let removed: Vec<&String> = f.before.iter().filter(|b| !f.after.contains(b)).collect();
        for a in added {
            println!("  + {field}: {a}");
        }
        for r in removed {
            println!("  − {field}: {r}");
        }
    }
}

/// Runs one `aidas feedback` command.
///
/// # Errors
/// What the engine returns for the command.
pub async fn run(engine: Engine, command: FeedbackCmd, json: bool) -> Result<(), CoreError> {
    match command {
        FeedbackCmd::Collect { series } => {
            let r = engine.collect_and_read(&series).await?;
            if json {
                print_json(&r)?;
            } else {
                print_collect(&engine, &r);
                println!("see it with `aidas feedback show {series}`");
            }
        }
        FeedbackCmd::Show { series, episode } => {
            let v = engine.feedback_view(&series).await?;
            if let Some(n) = episode.filter(|n| !v.episodes.iter().any(|e| e.episode == *n)) {
                return Err(CoreError::invalid(format!(
                    "episode {n} of {} is not on YouTube, so it has no viewer feedback",
                    v.title
                )));
            }
            if json {
                print_json(&v)?;
            } else if v.last_collected_ms.is_none() {
                println!(
                    "{}: no viewer feedback collected yet — `aidas feedback collect {series}` reads it once episodes are on YouTube",
                    v.title
                );
            } else {
                print_view(&engine, &v, episode);
            }
        }
        FeedbackCmd::Propose { series } => {
            let list = engine.propose_outline_changes(&series).await?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("the feedback gives no reason to change the outlines still to be written");
            } else {
                for c in &list {
                    print_change(&engine, c);
                }
            }
        }
        FeedbackCmd::Proposals { series } => {
            let list = engine.outline_changes(&series).await?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("no outline changes yet (`aidas feedback propose {series}`)");
            } else {
                for c in &list {
                    print_change(&engine, c);
                }
            }
        }
        FeedbackCmd::Accept { series, change } => {
            decide(&engine, &series, change, OutlineDecision::Accept, json).await?
        }
        FeedbackCmd::Reject { series, change } => {
            decide(&engine, &series, change, OutlineDecision::Reject, json).await?
        }
        FeedbackCmd::Rollback { series, change } => {
            decide(&engine, &series, change, OutlineDecision::RollBack, json).await?
        }
    }
    Ok(())
}

async fn decide(
    engine: &Engine,
    series: &str,
    change: i64,
    decision: OutlineDecision,
    json: bool,
) -> Result<(), CoreError> {
    let c = engine
        .decide_outline_change(series, change, decision)
        .await?;
    if json {
        print_json(&c)?;
    } else {
        print_change(engine, &c);
    }
    Ok(())
}
