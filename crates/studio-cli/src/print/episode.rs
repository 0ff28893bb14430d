//! An episode's work in the terminal: script, checks, cast, voices, storyboard, visuals, package, render.

use studio_core::domain::{Character, EpisodeScript};
use studio_core::reports::{CheckReport, ScriptResult, Severity, Verdict};

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
    for studio_core::reports::LineFailure {
        line_id: line,
        reason: why,
    } in &r.failed
    {
        println!("  FAILED {line}: {why}");
    }
}

/// The characters' references, with files as paths on this machine (the view names them as media URL paths).
/// `only` (a character's id or name) prints that character alone.
pub fn references(
    v: &studio_core::references::ReferencesView,
    data_dir: &std::path::Path,
    only: Option<&str>,
) {
    let file = |media: &str| {
        data_dir
            .join(media.trim_start_matches("/media/"))
            .display()
            .to_string()
    };
    let source = |s: studio_core::references::ReferenceSource| match s {
        studio_core::references::ReferenceSource::Generated => "generated",
        studio_core::references::ReferenceSource::Uploaded => "your own",
        studio_core::references::ReferenceSource::Chosen => "chosen from candidates",
    };
    println!(
        "references of {} ({})",
        v.series_id,
        if v.locked {
            format!(
                "locked with the cast: `aidas cast {} --unlock` to change them",
                v.series_id
            )
        } else {
            "unlocked".to_string()
        }
    );
    let print_set = |set: &studio_core::references::ReferenceSet, id: &str, pad: &str| {
        for ver in &set.versions {
            println!(
                "{pad}version {}{}: {} — {}",
                ver.version,
                if ver.current { " (in use)" } else { "" },
                source(ver.source),
                ver.files
                    .iter()
                    .map(|f| file(f))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        for (k, cand) in set.candidates.iter().enumerate() {
            println!("{pad}candidate {}: {}", k + 1, file(cand));
        }
        if !set.candidates.is_empty() {
            let cost = if set.candidates_offline {
                "made offline".to_string()
            } else {
                format!("cost ${:.3}", set.candidates_cost_usd)
            };
            if set.outfit.is_empty() {
                println!(
                    "{pad}{cost} — choose one: `aidas cast choose {} {id} NUMBER`",
                    v.series_id
                );
            } else {
                println!(
                    "{pad}{cost} — choose one: `aidas cast choose {} {id} NUMBER --outfit \"{}\"`",
                    v.series_id, set.outfit
                );
            }
        }
    };
    for c in v
        .characters
        .iter()
        .filter(|c| only.is_none_or(|o| c.character_id == o.trim() || c.name == o.trim()))
    {
        match (&c.usual.current, c.usual.source) {
            (Some(cur), Some(s)) => println!("  {} — {}: {}", c.name, source(s), file(cur)),
            _ => println!(
                "  {} — none yet (made with the first pictures, or `aidas cast candidates {} {}`)",
                c.name, v.series_id, c.character_id
            ),
        }
        print_set(&c.usual, &c.character_id, "    ");
        for o in &c.outfits {
            let from = o
                .first_episode
                .map(|e| format!(", from episode {e}"))
                .unwrap_or_default();
            match (&o.current, o.source) {
                (Some(cur), Some(s)) => println!(
                    "    outfit \"{}\"{from} — {}: {}",
                    o.outfit,
                    source(s),
                    file(cur)
                ),
                _ => println!(
                    "    outfit \"{}\"{from} — none yet: its shots use the usual reference and the outfit in words \
                     (`aidas cast candidates {} {} --outfit \"{}\"`)",
                    o.outfit, v.series_id, c.character_id, o.outfit
                ),
            }
            print_set(o, &c.character_id, "      ");
        }
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
            d.index + 1,
            d.scene,
            d.priority,
            d.duration_sec,
            d.estimate_usd,
            d.reason
        );
        println!("        {}", shot.visual);
    }
}

pub fn estimate(report: &studio_core::estimate::EstimateReport) {
    use studio_core::estimate::EstimateWork;
    let e = &report.estimate;
    let spent = studio_core::domain::money::total_usd(e.spent_usd.values().copied());
    println!(
        "estimate of episode {} of {}: ${:.2} to come + ${:.2} spent = ${:.2} of the ${:.2} episode cap; ${:.2} left of today's cap{}",
        e.episode,
        e.series_id,
        e.to_come_usd,
        spent,
        e.total_usd,
        e.episode_cap_usd,
        e.today_left_usd,
        if e.offline {
            " (offline: nothing is paid)"
        } else {
            ""
        }
    );
    for l in &e.lines {
        let work = match l.work {
            EstimateWork::Voices => "voices",
            EstimateWork::Visuals => "visuals",
            EstimateWork::Avatars => "avatars",
            EstimateWork::Upload => "upload",
        };
        let money = if l.work == EstimateWork::Upload {
            format!("({} units left today)", e.quota_left_units)
        } else {
            format!("${:.3}", l.usd)
        };
        let unit = match l.unit {
            studio_core::estimate::EstimateUnit::Characters => "characters",
            studio_core::estimate::EstimateUnit::Shots => "shots",
            studio_core::estimate::EstimateUnit::Takes => "takes",
            studio_core::estimate::EstimateUnit::QuotaUnits => "quota units",
        };
        println!(
            "  {work:<8} {:<12} {:>8.0} {unit:<12} {money}",
            l.provider, l.units
        );
    }
    for n in &e.notes {
        use studio_core::estimate::EstimateNote;
        println!(
            "  {}",
            match n {
                EstimateNote::AllMade => "everything is made: nothing more to pay for",
                EstimateNote::NoAvatarKey =>
                    "no avatars: no HeyGen key in use, every line is voice-only (portrait still and subtitles)",
                EstimateNote::NoChannel =>
                    "no upload: the series has no YouTube channel, the episode goes to the export folder",
            }
        );
    }
    if !e.spent_usd.is_empty() {
        let parts: Vec<String> = e
            .spent_usd
            .iter()
            .map(|(p, usd)| format!("{p} ${usd:.3}"))
            .collect();
        println!("  spent so far: {}", parts.join(", "));
    }
    if e.over_episode_cap {
        println!(
            "  warning: the episode would pass its cap: paid work past it falls back (stills, the offline voice, voice only)"
        );
    }
    if e.over_today {
        println!(
            "  warning: more than is left of today's cap: some paid work would wait for tomorrow"
        );
    }
    if let Some(r) = &report.recorded {
        if report.against_ledger.is_empty() {
            println!(
                "  recorded before spending: ${:.2} in all; nothing paid was expected or spent",
                r.total_usd
            );
        } else {
            println!(
                "  recorded before spending: ${:.2} in all; per provider, expected → spent now:",
                r.total_usd
            );
        }
        for c in &report.against_ledger {
            println!(
                "    {:<12} ${:.3} → ${:.3}",
                c.provider, c.expected_usd, c.spent_usd
            );
        }
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
    for studio_core::reports::ShotFailure {
        shot: i,
        reason: why,
    } in &r.failed
    {
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
