//! Human-readable output for the terminal.

use studio_core::doctor::{CheckStatus, DoctorReport};
use studio_core::domain::EpisodeContext;
use studio_core::domain::{Character, EpisodeScript, JobStatus};
use studio_core::reports::SeriesSummary;
use studio_core::reports::{CheckReport, ScriptResult, Severity, Verdict};
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
        "  episode 1 visuals offline: {} shots ({} now, {} already) as stills + Ken Burns, {:.1} s of 1080p30 clips{}",
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

fn name_of(chars: &[Character], r: &str) -> String {
    chars
        .iter()
        .find(|c| c.id == r || c.name == r)
        .map(|c| c.name.clone())
        .unwrap_or_else(|| r.to_string())
}

pub fn script_result(r: &ScriptResult, chars: &[Character]) {
    println!(
        "episode {} of {}: {} by {}{} after {} attempt(s), cost ${:.4}",
        r.episode,
        r.series_id,
        match r.verdict {
            Verdict::Accepted => "accepted and recorded in story memory",
            Verdict::NeedsReview => "PARKED for review",
        },
        r.writer,
        if r.offline { " (offline)" } else { "" },
        r.attempts.len(),
        r.cost_usd
    );
    for a in &r.attempts {
        println!(
            "  attempt {}: {}{}",
            a.number,
            a.outcome,
            a.quality
                .map(|q| format!(" (quality {q:.2}, {} errors)", a.errors))
                .unwrap_or_default()
        );
    }
    if let Some(c) = &r.cause {
        println!("  cause: {c}");
    }
    if let Some(rep) = &r.report {
        check_report(rep);
    }
    if let (Some(s), Verdict::Accepted) = (&r.script, r.verdict) {
        println!("  「{}」 {}", s.title, s.summary);
        for l in s.scenes.iter().flat_map(|x| &x.lines).take(3) {
            println!("    {}: {}", name_of(chars, &l.character), l.text);
        }
    }
}

pub fn check_report(r: &CheckReport) {
    println!(
        "  checks: {} — quality {:.2} (naturalness {:.2}, pacing {:.2}, coverage {:.2}, variety {:.2})",
        if r.passed { "passed" } else { "failed" },
        r.quality.overall,
        r.quality.naturalness,
        r.quality.pacing,
        r.quality.coverage,
        r.quality.variety
    );
    for n in &r.notes {
        println!("  note: {n}");
    }
    for f in &r.findings {
        let mark = if f.severity == Severity::Error {
            "error"
        } else {
            "warn "
        };
        println!("  [{mark}] {:?} at {}: {}", f.kind, f.path, f.message);
    }
}

pub fn script(s: &EpisodeScript, chars: &[Character]) {
    println!("EP.{} 「{}」 — {}", s.episode_number, s.title, s.written_by);
    println!("{}", s.summary);
    for sc in &s.scenes {
        println!();
        println!(
            "[장면 {}] {} / {} / {}",
            sc.number, sc.location, sc.time, sc.atmosphere
        );
        for l in &sc.lines {
            println!(
                "  {}: {}  ({})",
                name_of(chars, &l.character),
                l.text,
                l.emotion
            );
        }
        for sh in s.storyboard.iter().filter(|x| x.scene == sc.number) {
            println!(
                "  ▸ [{}] {:.1}s {} | {}",
                sh.clip_priority, sh.duration_sec, sh.visual, sh.video_prompt
            );
        }
    }
    println!();
    println!("cliffhanger: {}", s.cliffhanger);
}

pub fn voicing(r: &studio_core::reports::VoicingReport) {
    println!(
        "episode {} of {}: {} lines — {} voiced now, {} already voiced, {} failed; {:.1} s of dialogue, cost ${:.4}",
        r.episode,
        r.series_id,
        r.lines,
        r.voiced_now,
        r.already_done,
        r.failed.len(),
        r.total_duration_sec,
        r.cost_usd
    );
    for (p, n) in &r.by_provider {
        println!("  {p}: {n} line(s)");
    }
    for n in &r.notes {
        println!("  note: {n}");
    }
    for (line, why) in &r.failed {
        println!("  FAILED {line}: {why}");
    }
}

pub fn cast(v: &studio_core::CastView) {
    println!(
        "cast of {} ({})",
        v.series_id,
        if v.locked { "locked" } else { "unlocked" }
    );
    for r in &v.rows {
        let p = &r.entry.primary;
        let fb: Vec<String> = r
            .entry
            .fallbacks
            .iter()
            .map(|f| format!("{}:{}", f.provider, f.voice_id))
            .collect();
        println!(
            "  {:<8} {:<6} [{}] {}:{} (pitch {:+.1} st, speed {:.2}, timbre {:+.2}, match {:.2})  fallbacks: {}",
            r.character_id,
            r.name,
            r.importance,
            p.provider,
            p.voice_id,
            p.modulation.pitch_st,
            p.modulation.speed,
            p.modulation.timbre,
            p.match_score,
            fb.join(", ")
        );
    }
    for n in &v.notes {
        println!("  note: {n}");
    }
}

pub fn storyboard(view: &studio_core::api::storyboard::StoryboardView) {
    let plan = &view.plan;
    println!(
        "storyboard of EP.{} 「{}」: {} shots, estimate ${:.3} (budget ${:.2}, hard cap ${:.2})",
        view.episode,
        view.title,
        plan.decisions.len(),
        plan.estimated_usd,
        plan.budget_usd,
        plan.hard_cap_usd
    );
    for d in &plan.decisions {
        let Some(shot) = view.shots.get(d.index) else {
            continue;
        };
        println!(
            "  #{:<3} scene {:<2} [{}] {:>5.1}s ${:.3}  {}",
            d.index, d.scene, d.priority, d.duration_sec, d.estimate_usd, d.reason
        );
        println!("        {}", shot.visual);
    }
}

pub fn visuals(r: &studio_core::reports::VisualsReport) {
    println!(
        "visuals of episode {} of {}: {} shots — {} made now, {} already made, {} offline stills, {} failed; {:.1} s of clips, cost ${:.3}",
        r.episode,
        r.series_id,
        r.shots,
        r.made_now,
        r.already_done,
        r.offline_stills,
        r.failed.len(),
        r.total_duration_sec,
        r.cost_usd
    );
    for n in &r.notes {
        println!("  note: {n}");
    }
    for (i, why) in &r.failed {
        println!("  FAILED shot {i}: {why}");
    }
}

pub fn package(r: &studio_core::PackageReport) {
    println!(
        "package of episode {} of {}{}: {} subtitles over {:.1} s{}",
        r.episode,
        r.series_id,
        if r.offline { " (offline)" } else { "" },
        r.subtitle_events,
        r.total_sec,
        if r.estimated_lines > 0 {
            format!(
                " ({} lines timed by estimate: no audio yet)",
                r.estimated_lines
            )
        } else {
            String::new()
        }
    );
    println!("  title: {}", r.metadata.title);
    println!(
        "  description: {} bytes, chapters: {}; tags: {}",
        r.metadata.description.len(),
        if r.metadata.chapters { "yes" } else { "no" },
        r.metadata.tags.join(", ")
    );
    for a in &r.metadata.adjustments {
        println!("  adjusted: {a}");
    }
    for p in &r.problems {
        println!("  PROBLEM: {p}");
    }
    if let Some(t) = &r.thumbnail {
        println!(
            "  thumbnail: {}×{} JPEG, {} KB (quality {})",
            t.width,
            t.height,
            t.bytes / 1024,
            t.jpeg_quality
        );
    }
    for n in &r.notes {
        println!("  note: {n}");
    }
    for f in &r.files {
        println!("  wrote {f}");
    }
}

pub fn episode_render(r: &studio_core::EpisodeRender, data_dir: &std::path::Path) {
    let v = &r.video;
    println!(
        "{} {} episode {}{} → {}",
        if r.reused {
            "Already rendered (inputs unchanged; --force renders again):"
        } else {
            "Rendered"
        },
        r.series_id,
        r.episode,
        if r.offline { " (offline)" } else { "" },
        data_dir.join(&r.file).display()
    );
    println!(
        "  {}×{} {} fps, {} frames ({:.1} s), {:.1} MB, {} transitions, subtitles {}",
        v.width,
        v.height,
        v.fps,
        v.frames,
        v.duration_sec,
        v.bytes as f64 / 1e6,
        v.transitions,
        if v.subtitles_burned {
            "burned in"
        } else {
            "not burned"
        }
    );
    println!(
        "  sound: {} LUFS integrated, true peak {:.1} dBTP, music: {}",
        r.mix
            .integrated_lufs
            .map_or("silent".to_string(), |l| format!("{l:.1}")),
        r.mix.true_peak_dbtp,
        r.music
    );
    println!(
        "  {} shots, {} avatar lines, {} scene cards; intro: {}; outro: {}; took {:.1} s",
        r.shots, r.avatar_lines, r.scene_cards, r.intro, r.outro, v.elapsed_sec
    );
    for n in &r.notes {
        println!("  note: {n}");
    }
}

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
    for (p, c) in &st.cost_today {
        println!("  {p}: ${c:.2}");
    }
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
