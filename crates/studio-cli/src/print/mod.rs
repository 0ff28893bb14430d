//! Human-readable output for the terminal, by area (setup and series here; an episode's work; production).

mod episode;
mod production;

pub use episode::*;
pub use production::*;

use studio_core::doctor::{CheckStatus, DoctorReport};
use studio_core::domain::EpisodeContext;
use studio_core::reports::SeriesSummary;
use studio_core::{DemoReport, ImportReport, NewSeriesReport, SeriesDetail};

pub fn demo(r: &DemoReport) {
    println!("AIDAS Studio demo (offline) — {}", r.title);
    if r.imported {
        println!("  imported the sample series \"{}\"", r.series_id);
    } else {
        println!("  the sample series \"{}\" was already there", r.series_id);
    }
    if !r.recorded_now.is_empty() {
        println!("  recorded episode outcomes: {:?}", r.recorded_now);
    }
    if !r.recorded_before.is_empty() {
        println!("  already recorded: {:?}", r.recorded_before);
    }
    println!();
    context(&r.context);
    println!();
    let p = &r.planned;
    println!(
        "Planned offline: {} ({}) — {} characters, {} episodes [{}]{}",
        p.title,
        p.series_id,
        p.characters,
        p.episodes,
        p.writer,
        if p.planned_now {
            ""
        } else {
            " (already planned)"
        }
    );
    let e = &p.episode_1;
    println!(
        "  episode 1 「{}」 {}: {} scenes, {} lines, {} shots ({} high priority), quality {}{}",
        e.title,
        if e.accepted {
            "accepted"
        } else {
            "NEEDS REVIEW"
        },
        e.scenes,
        e.lines,
        e.shots,
        e.high_priority_shots,
        e.quality
            .map(|q| format!("{q:.2}"))
            .unwrap_or_else(|| "—".into()),
        if e.written_now {
            ""
        } else {
            " (already written)"
        }
    );
    println!("  {}", e.summary);
    for l in &e.opening_lines {
        println!("    {l}");
    }
    println!("  written by {} — offline output", e.written_by);
    let v = &p.voices;
    println!(
        "  episode 1 voiced offline: {} lines ({} now, {} already), {:.1} s of dialogue at 48 kHz{}",
        v.lines,
        v.voiced_now,
        v.already_done,
        v.total_duration_sec,
        if v.failed.is_empty() {
            String::new()
        } else {
            format!(", {} FAILED", v.failed.len())
        }
    );
    let vis = &p.visuals;
    println!(
        "  episode 1 visuals offline: {} shots ({} now, {} already) as stills the render moves (Ken Burns), {:.1} s of picture{}",
        vis.shots,
        vis.made_now,
        vis.already_done,
        vis.total_duration_sec,
        if vis.failed.is_empty() {
            String::new()
        } else {
            format!(", {} FAILED", vis.failed.len())
        }
    );
    let rd = &p.render;
    println!(
        "  episode 1 rendered{}{}: {}×{} {} fps H.264 + AAC, {:.1} s, {:.1} MB, {} LUFS, subtitles burned in",
        if rd.offline { " (offline)" } else { "" },
        if rd.reused {
            " earlier (inputs unchanged)"
        } else {
            ""
        },
        rd.video.width,
        rd.video.height,
        rd.video.fps,
        rd.video.duration_sec,
        rd.video.bytes as f64 / 1e6,
        rd.mix
            .integrated_lufs
            .map_or("silent".to_string(), |l| format!("{l:.1}"))
    );
    let pk = &p.package;
    println!(
        "  episode 1 package{}: \"{}\", {} subtitles (ASS, SRT, VTT), metadata{} under {}",
        if pk.offline { " (offline)" } else { "" },
        pk.metadata.title,
        pk.subtitle_events,
        if pk.thumbnail.is_some() {
            ", 1280×720 thumbnail"
        } else {
            ""
        },
        pk.dir
    );
    if p.stages_run_now.is_empty() {
        println!("  episode 1: every production stage was already done");
    } else {
        println!(
            "  episode 1 production stages run now: {}",
            p.stages_run_now
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(" → ")
        );
    }
    if p.waiting_for_review {
        println!(
            "  episode 1 is waiting for review: watch it, then `aidas review approve {} 1` exports it to export/{}/ep001/",
            p.series_id, p.series_id
        );
    }
    println!();
    println!("Data lives in {}", r.data_dir.display());
    println!("  story memory: {}", r.database.display());
    println!("  the episode:  {}", r.data_dir.join(&rd.file).display());
    println!("  its package:  {}", r.data_dir.join(&pk.dir).display());
}

pub fn context(c: &EpisodeContext) {
    println!(
        "Continuity context for episode {}/{} of {} ({}% of the story; the world as of episode {})",
        c.episode_number,
        c.total_episodes,
        c.series.title,
        c.story_progress_percent,
        c.as_of_episode
    );
    if let Some(o) = &c.outline {
        println!(
            "  outline: {} — {} [{}]",
            o.title, o.main_event, o.arc_phase
        );
        if !o.hook.is_empty() {
            println!("    hook: {}", o.hook);
        }
        if !o.cliffhanger.is_empty() {
            println!("    cliffhanger: {}", o.cliffhanger);
        }
    }
    if let Some(prev) = c.previous_cliffhanger() {
        println!("  picks up from: {prev}");
    }
    println!("  previous episodes:");
    for e in &c.previous_episodes {
        println!("    EP.{} {} — {}", e.episode_number, e.title, e.summary);
        for k in &e.key_events {
            println!("      · {k}");
        }
    }
    println!("  open threads:");
    for t in &c.open_threads {
        let since = if t.opened_in == 0 {
            "plan".to_string()
        } else {
            format!("EP.{}", t.opened_in)
        };
        println!("    [{}] {} (since {since})", t.id, t.title);
    }
    println!("  characters:");
    for s in &c.character_states {
        let loc = if s.state.location.is_empty() {
            "—"
        } else {
            &s.state.location
        };
        let flags = match (s.state.alive, s.state.present) {
            (false, _) => " (dead)",
            (true, false) => " (absent)",
            _ => "",
        };
        println!(
            "    {} [{}]: {} @ {}{flags}  (as of EP.{})",
            s.name, s.importance, s.state.emotional_state, loc, s.as_of_episode
        );
    }
    println!("  relationships:");
    for r in &c.relationships {
        println!(
            "    {}–{}: {} {}/10 {}",
            r.a_name, r.b_name, r.relationship.kind, r.relationship.intimacy, r.relationship.status
        );
    }
}

pub fn doctor(r: &DoctorReport) {
    for c in &r.checks {
        let mark = match c.status {
            CheckStatus::Ok => "ok  ",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "FAIL",
        };
        println!("[{mark}] {:<12} {}", c.name, c.detail);
        if let Some(h) = &c.hint {
            println!("              → {h}");
        }
    }
}

pub fn import(r: &ImportReport) {
    match r {
        ImportReport::Series {
            series_id,
            title,
            characters,
            episodes,
            readiness,
        } => {
            println!(
                "imported series \"{title}\" ({series_id}): {characters} characters, {episodes} episodes"
            );
            if readiness.is_empty() {
                println!("  ready for production");
            } else {
                println!("  not ready for production yet:");
                for p in readiness {
                    println!("    - {p}");
                }
            }
        }
        ImportReport::Settings { sections, warnings } => {
            println!("imported settings: {}", sections.join(", "));
            for w in warnings {
                println!("  warning: {w}");
            }
        }
    }
}

pub fn series_list(list: &[SeriesSummary]) {
    if list.is_empty() {
        println!("no series yet — try `aidas demo` or `aidas series import FILE`");
    }
    for s in list {
        println!(
            "{:<16} {}  [{}, {}] {} characters, {}/{} episodes recorded, {} published",
            s.id,
            s.title,
            s.genre,
            s.status,
            s.characters,
            s.recorded_episodes,
            s.total_episodes,
            s.published_episodes
        );
    }
}

pub fn series_detail(d: &SeriesDetail) {
    let s = &d.plan.series;
    println!(
        "{} ({}) — {} episodes × {} min, {}",
        s.title, s.id, s.total_episodes, s.episode_duration_min, s.genre
    );
    if !s.premise.is_empty() {
        println!("  {}", s.premise);
    }
    let a = &s.plot.overall_arc;
    println!(
        "  arc: {} / {} / {} / {}",
        a.exposition, a.rising_action, a.climax, a.resolution
    );
    println!("  characters:");
    for c in &d.plan.characters {
        println!(
            "    {} {} — {} [{}], voice {}/{}/{}",
            c.id,
            c.name,
            c.role,
            c.importance,
            c.voice_profile.gender,
            c.voice_profile.age_group,
            c.voice_profile.tone
        );
    }
    println!("  episodes:");
    for e in &d.episodes {
        let o = d
            .plan
            .outlines
            .iter()
            .find(|o| o.episode_number == e.number);
        println!(
            "    EP.{:<3} {:<16} [{}] {}",
            e.number,
            e.title,
            e.status,
            o.map(|o| o.main_event.as_str()).unwrap_or("")
        );
    }
    if !d.readiness.is_empty() {
        println!("  not ready for production:");
        for p in &d.readiness {
            println!("    - {p}");
        }
    }
}

pub fn new_series(r: &NewSeriesReport) {
    println!(
        "planned \"{}\" ({}) with {}{}: {} characters, {} episodes",
        r.title,
        r.series_id,
        r.writer,
        if r.offline { " (offline)" } else { "" },
        r.characters,
        r.episodes
    );
    if r.cost_usd > 0.0 {
        println!("  cost: ${:.4}", r.cost_usd);
    }
    if r.problems.is_empty() {
        println!("  validated: ready for production");
    } else {
        println!("  not ready for production yet:");
        for p in &r.problems {
            println!("    - {p}");
        }
    }
}

/// One line per alert channel: what became of the alert there, and for a channel not set up, what it is missing.
pub fn alert_deliveries(sent: &[studio_core::alerts::channels::AlertDelivery]) {
    use studio_core::alerts::channels::{AlertChannel, AlertSent};
    for d in sent {
        let name = match d.channel {
            AlertChannel::Webhook => "webhook",
            AlertChannel::Slack => "Slack",
            AlertChannel::Discord => "Discord",
            AlertChannel::Telegram => "Telegram",
            AlertChannel::Email => "e-mail",
        };
        match &d.sent {
            AlertSent::Sent => println!("  ✓ {name:<9} sent"),
            AlertSent::NotSetUp { missing } => {
                use studio_core::alerts::channels::AlertPart;
                let parts: Vec<&str> = missing
                    .iter()
                    .map(|m| match m {
                        AlertPart::WebhookUrl => "the webhook URL (`aidas secrets set webhook`)",
                        AlertPart::SlackUrl => "the Slack webhook URL (`aidas secrets set slack`)",
                        AlertPart::DiscordUrl => {
                            "the Discord webhook URL (`aidas secrets set discord`)"
                        }
                        AlertPart::BotToken => "the bot token (`aidas secrets set telegram`)",
                        AlertPart::ChatId => "[alerts] telegram_chat_id",
                        AlertPart::MailServer => "[alerts] smtp_host",
                        AlertPart::Recipients => "[alerts] email_to",
                        AlertPart::MailPassword => "the mail password (`aidas secrets set smtp`)",
                    })
                    .collect();
                println!("  · {name:<9} not set up — missing {}", parts.join(", "));
            }
            AlertSent::NotRouted => println!(
                "  · {name:<9} off (alerts.{}_level)",
                format!("{:?}", d.channel).to_lowercase()
            ),
            AlertSent::Failed { reason, .. } => println!("  ✗ {name:<9} failed: {reason}"),
        }
    }
}
