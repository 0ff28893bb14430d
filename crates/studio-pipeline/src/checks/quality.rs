//! Quality: the four scored axes (dialogue, emotion, consistency, variety) with their thresholds.

use super::*;

/// Quality scores (seed §7.2): natural Korean dialogue, pacing, character coverage — each 0–1.
pub fn score_quality(
    script: &EpisodeScript,
    ctx: &EpisodeContext,
    characters: &[Character],
) -> (QualityScores, Vec<Finding>) {
    let mut findings = Vec::new();
    // The seed's DialogueNaturalnessChecker patterns, plus lines too long to say in one breath.
    let patterns = [r"나는.*입니다", r"당신은.*입니까", r"그것은.*것입니다"];
    let res: Vec<Regex> = patterns.iter().filter_map(|p| Regex::new(p).ok()).collect();
    let mut total = 0usize;
    let mut natural = 0usize;
    let cast_for_names = Cast::new(characters);
    let cast_names: Vec<&str> = characters.iter().map(|c| c.name.as_str()).collect();
    let outline_texts: Vec<String> = ctx
        .outline
        .as_ref()
        .map(|o| {
            let mut v = vec![o.main_event.clone(), o.hook.clone(), o.cliffhanger.clone()];
            v.extend(o.sub_events.iter().cloned());
            v
        })
        .unwrap_or_default();
    for (i, s) in script.scenes.iter().enumerate() {
        for (j, l) in s.lines.iter().enumerate() {
            total += 1;
            let said = l.spoken().text;
            let path = format!("scenes[{i}].lines[{j}]");
            let speaker = cast_for_names.get(&l.character).map(|c| c.name.as_str());
            // Narration or outline text: a character would read a synopsis aloud.
            let pasted = outline_texts.iter().find_map(|o| {
                crate::dialogue::pasted_from(&said, o, crate::dialogue::PASTE_MIN_CHARS)
            });
            if let Some(p) = pasted {
                findings.push(Finding::error(
                    FindingKind::NarrationInDialogue,
                    &path,
                    format!("the line copies the outline (\"{p}\"): write what the character says, not the synopsis"),
                ));
                continue;
            }
            // A heuristic (a named subject and the plain present "-ㄴ다"), so a warning that lowers naturalness,
            // not a refusal: "송시우가 온다!" can be speech.
            if crate::dialogue::is_narration(&said, &cast_names) {
                findings.push(Finding::warning(
                    FindingKind::NarrationInDialogue,
                    &path,
                    format!("reads as narration, not speech: {said}"),
                ));
                continue;
            }
            if speaker.is_some_and(|n| crate::dialogue::names_self(&said, n)) {
                findings.push(Finding::warning(
                    FindingKind::SelfThirdPerson,
                    &path,
                    format!(
                        "{} speaks of themself by name: {said}",
                        speaker.unwrap_or_default()
                    ),
                ));
                continue;
            }
            let stiff = res.iter().find(|r| r.is_match(&l.text));
            let too_long = l.text.chars().count() > 120;
            if let Some(r) = stiff {
                findings.push(Finding::warning(
                    FindingKind::UnnaturalDialogue,
                    format!("scenes[{i}].lines[{j}]"),
                    format!(
                        "stiff, translated-sounding line (matches {}): {}",
                        r.as_str(),
                        l.text
                    ),
                ));
            } else if too_long {
                findings.push(Finding::warning(
                    FindingKind::UnnaturalDialogue,
                    format!("scenes[{i}].lines[{j}]"),
                    "a line of over 120 characters cannot be said naturally",
                ));
            } else {
                natural += 1;
            }
        }
    }
    let naturalness = if total == 0 {
        0.0
    } else {
        natural as f64 / total as f64
    };

    // Pacing: a scene every 1–3 minutes, and no scene hogging the episode or left as a fragment.
    let minutes = ctx.series.episode_duration_min.max(1) as f64;
    let scenes = script.scenes.len() as f64;
    let mut pacing: f64 = 1.0;
    if scenes < (minutes / 3.0).ceil().max(2.0) || scenes > (minutes * 1.5).max(4.0) {
        pacing -= 0.4;
        findings.push(Finding::warning(
            FindingKind::Pacing,
            "scenes",
            format!("{scenes} scenes for {minutes} minutes"),
        ));
    }
    if total > 0 {
        let uneven = script
            .scenes
            .iter()
            .filter(|s| s.lines.len() < 3 || s.lines.len() as f64 > 0.45 * total as f64)
            .count();
        if uneven > 0 {
            pacing -= 0.3 * uneven as f64 / scenes.max(1.0);
            findings.push(Finding::warning(
                FindingKind::Pacing,
                "scenes",
                format!("{uneven} scene(s) are fragments or hog the episode"),
            ));
        }
    }
    let pacing = pacing.clamp(0.0, 1.0);

    // Coverage: the outline's focus characters and the (present) main characters are on screen.
    let cast = Cast::new(characters);
    let on_screen: HashSet<String> = script
        .appearances()
        .iter()
        .filter_map(|a| cast.get(a).map(|c| c.id.clone()))
        .collect();
    let available = |id: &str| {
        ctx.character_states
            .iter()
            .find(|s| s.state.character_id == id)
            .is_none_or(|s| s.state.alive && s.state.present)
    };
    let mut wanted: Vec<String> = ctx
        .outline
        .as_ref()
        .map(|o| o.character_focus.clone())
        .unwrap_or_default();
    for c in characters
        .iter()
        .filter(|c| c.importance == Importance::Main)
    {
        if !wanted.contains(&c.id) {
            wanted.push(c.id.clone());
        }
    }
    wanted.retain(|w| available(w));
    let covered = wanted.iter().filter(|w| on_screen.contains(*w)).count();
    let coverage = if wanted.is_empty() {
        1.0
    } else {
        covered as f64 / wanted.len() as f64
    };
    for w in wanted.iter().filter(|w| !on_screen.contains(*w)) {
        findings.push(Finding::warning(
            FindingKind::Coverage,
            "scenes",
            format!(
                "{} should appear in this episode",
                cast.get(w).map(|c| c.name.as_str()).unwrap_or(w)
            ),
        ));
    }
    // Variety: the same sentences and tails over and over.
    let spoken: Vec<String> = script
        .scenes
        .iter()
        .flat_map(|s| s.lines.iter().map(|l| l.spoken().text))
        .collect();
    let rep = crate::dialogue::repetition(&spoken.iter().map(String::as_str).collect::<Vec<_>>());
    for (sentence, n) in rep.overused.iter().take(5) {
        findings.push(Finding::warning(
            FindingKind::Repetition,
            "scenes",
            format!("\"{sentence}\" is said in {n} lines: vary it"),
        ));
    }
    if rep.distinct_2 < crate::dialogue::DISTINCT_2_FULL {
        findings.push(Finding::warning(
            FindingKind::Repetition,
            "scenes",
            format!(
                "the lines reuse the same phrases (distinct word pairs {:.2}, {:.2} or more reads as varied)",
                rep.distinct_2,
                crate::dialogue::DISTINCT_2_FULL
            ),
        ));
    }
    let variety = rep.variety;
    let overall = (naturalness + pacing + coverage + variety) / 4.0;
    (
        QualityScores {
            naturalness,
            pacing,
            coverage,
            variety,
            overall,
        },
        findings,
    )
}
