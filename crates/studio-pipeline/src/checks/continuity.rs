//! Continuity: a script against story memory (who is alive, where, what they know, relationships, secrets).

use super::*;

/// Salient words of a secret, for spotting it in dialogue: Hangul/ASCII runs of 2+ characters, minus particles.
fn secret_terms(secret: &str) -> Vec<String> {
    const STOP: &[&str] = &[
        "것을", "있음", "있다", "으로", "인한", "하고", "에게", "에서", "사실", "과거",
    ];
    secret
        .split(|c: char| c.is_whitespace() || c.is_ascii_punctuation())
        .map(|w| w.trim_end_matches(['을', '를', '이', '가', '은', '는', '의', '에', '로']))
        .filter(|w| w.chars().count() >= 2 && !STOP.contains(w))
        .map(|w| w.to_string())
        .collect()
}

/// Continuity rules on the structured memory: who may speak, how fast relationships move, threads, secrets,
/// absent main characters.
pub fn check_continuity(
    script: &EpisodeScript,
    ctx: &EpisodeContext,
    characters: &[Character],
    cfg: &CheckConfig,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let cast = Cast::new(characters);
    let states: HashMap<&str, &studio_domain::CharacterSnapshot> = ctx
        .character_states
        .iter()
        .map(|s| (s.state.character_id.as_str(), s))
        .collect();
    let revived: HashSet<String> = script
        .character_developments
        .iter()
        .filter(|d| d.alive == Some(true))
        .filter_map(|d| cast.get(&d.character).map(|c| c.id.clone()))
        .collect();
    let returning: HashSet<String> = script
        .character_developments
        .iter()
        .filter(|d| d.present == Some(true))
        .filter_map(|d| cast.get(&d.character).map(|c| c.id.clone()))
        .collect();

    for (i, s) in script.scenes.iter().enumerate() {
        let scene_cast: HashSet<String> = s
            .characters
            .iter()
            .filter_map(|c| cast.get(c).map(|x| x.id.clone()))
            .collect();
        for (k, c) in s.characters.iter().enumerate() {
            if cast.get(c).is_none() {
                out.push(Finding::error(
                    FindingKind::UnknownCharacter,
                    format!("scenes[{i}].characters[{k}]"),
                    format!("\"{c}\" is not in the cast"),
                ));
            }
        }
        for (j, l) in s.lines.iter().enumerate() {
            let path = format!("scenes[{i}].lines[{j}]");
            let Some(c) = cast.get(&l.character) else {
                out.push(Finding::error(
                    FindingKind::UnknownSpeaker,
                    &path,
                    format!("\"{}\" is not a character of this series", l.character),
                ));
                continue;
            };
            if let Some(st) = states.get(c.id.as_str()) {
                if !st.state.alive && !revived.contains(&c.id) {
                    out.push(Finding::error(
                        FindingKind::DeadSpeaker,
                        &path,
                        format!(
                            "{} died (as of episode {}) and cannot speak",
                            c.name, st.as_of_episode
                        ),
                    ));
                } else if st.state.alive && !st.state.present && !returning.contains(&c.id) {
                    out.push(Finding::error(
                        FindingKind::AbsentSpeaker,
                        &path,
                        format!("{} is absent ({}) since episode {}; bring them back first (present: true)", c.name, st.state.location, st.as_of_episode),
                    ));
                }
            }
            if !scene_cast.is_empty() && !scene_cast.contains(&c.id) {
                out.push(Finding::warning(
                    FindingKind::SpeakerNotInScene,
                    &path,
                    format!("{} speaks but is not listed in scene {}", c.name, s.number),
                ));
            }
        }
    }

    for (i, d) in script.character_developments.iter().enumerate() {
        let path = format!("character_developments[{i}]");
        let Some(c) = cast.get(&d.character) else {
            out.push(Finding::error(
                FindingKind::UnknownCharacter,
                &path,
                format!("\"{}\" is not in the cast", d.character),
            ));
            continue;
        };
        if let Some(st) = states.get(c.id.as_str())
            && !st.state.alive
            && d.alive != Some(true)
        {
            out.push(Finding::error(
                FindingKind::DeadCharacterDevelopment,
                &path,
                format!(
                    "{} is dead; a development needs an explicit revival",
                    c.name
                ),
            ));
        }
    }

    let rels: HashMap<(String, String), &Relationship> = ctx
        .relationships
        .iter()
        .map(|r| {
            (
                (r.relationship.a.clone(), r.relationship.b.clone()),
                &r.relationship,
            )
        })
        .collect();
    for (i, r) in script.relationship_changes.iter().enumerate() {
        let path = format!("relationship_changes[{i}]");
        let (Some(a), Some(b)) = (cast.get(&r.a), cast.get(&r.b)) else {
            out.push(Finding::error(
                FindingKind::UnknownCharacter,
                &path,
                format!("\"{}\"–\"{}\" names someone outside the cast", r.a, r.b),
            ));
            continue;
        };
        let key = Relationship::pair(&a.id, &b.id);
        let before = rels.get(&key).map(|x| x.intimacy as i32).unwrap_or(3);
        let after = match (r.intimacy, r.intimacy_delta) {
            (Some(v), _) => v as i32,
            (None, Some(d)) => before + d as i32,
            _ => before,
        };
        if (after - before).abs() > cfg.max_intimacy_step as i32 {
            out.push(Finding::error(
                FindingKind::IntimacyJump,
                &path,
                format!(
                    "{}–{} intimacy jumps {before}→{after} in one episode (at most ±{})",
                    a.name, b.name, cfg.max_intimacy_step
                ),
            ));
        }
        if !(1..=10).contains(&after) {
            out.push(Finding::error(
                FindingKind::IntimacyJump,
                &path,
                format!("intimacy {after} is outside 1–10"),
            ));
        }
    }

    // Threads: what is open, and what was resolved, as of N−1. The context lists open threads; the memory of
    // resolved ones comes from the plan's previous episodes through the thread ids the script mentions.
    let open: HashSet<&str> = ctx.open_threads.iter().map(|t| t.id.as_str()).collect();
    let opened_now: HashSet<&str> = script
        .threads_opened
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    for (i, t) in script.threads_resolved.iter().enumerate() {
        if !open.contains(t.id.as_str()) && !opened_now.contains(t.id.as_str()) {
            out.push(Finding::error(
                FindingKind::UnknownThread,
                format!("threads_resolved[{i}]"),
                format!("thread \"{}\" is not open", t.id),
            ));
        }
    }
    for (i, t) in script.threads_opened.iter().enumerate() {
        let reused = open.contains(t.id.as_str()) || ctx.resolved_thread_ids().any(|r| r == t.id);
        let same_title = ctx.resolved_threads.iter().any(|r| r.title == t.title);
        if (reused || same_title)
            && t.reopen_reason
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
        {
            out.push(Finding::error(
                FindingKind::ThreadReopened,
                format!("threads_opened[{i}]"),
                format!(
                    "\"{}\" was already {} — reopening needs a reopen_reason",
                    t.title,
                    if open.contains(t.id.as_str()) {
                        "open"
                    } else {
                        "resolved"
                    }
                ),
            ));
        }
    }

    // Secrets: until revealed, only their owner may speak of them.
    let revealed: HashSet<(&str, &str)> = ctx
        .revealed_secrets
        .iter()
        .map(|r| (r.character_id.as_str(), r.secret.as_str()))
        .collect();
    let revealed_now: HashSet<(String, &str)> = script
        .secrets_revealed
        .iter()
        .filter_map(|r| {
            cast.get(&r.character)
                .map(|c| (c.id.clone(), r.secret.as_str()))
        })
        .collect();
    for owner in characters {
        for secret in &owner.secrets {
            if revealed.contains(&(owner.id.as_str(), secret.as_str()))
                || revealed_now.contains(&(owner.id.clone(), secret.as_str()))
            {
                continue;
            }
            let terms = secret_terms(secret);
            if terms.is_empty() {
                continue;
            }
            for (i, s) in script.scenes.iter().enumerate() {
                for (j, l) in s.lines.iter().enumerate() {
                    if cast.get(&l.character).is_some_and(|c| c.id == owner.id) {
                        continue;
                    }
                    let hits = terms.iter().filter(|t| l.text.contains(t.as_str())).count();
                    if hits >= 2.min(terms.len()) {
                        out.push(Finding::error(
                            FindingKind::SecretBeforeReveal,
                            format!("scenes[{i}].lines[{j}]"),
                            format!(
                                "{} speaks of {}'s secret (\"{secret}\") before it is revealed",
                                l.character, owner.name
                            ),
                        ));
                    }
                }
            }
        }
    }

    // Main characters may not disappear for longer than allowed.
    let on_screen: HashSet<String> = script
        .appearances()
        .iter()
        .filter_map(|a| cast.get(a).map(|c| c.id.clone()))
        .collect();
    for c in characters
        .iter()
        .filter(|c| c.importance == Importance::Main)
    {
        let alive_present = states
            .get(c.id.as_str())
            .is_none_or(|s| s.state.alive && s.state.present);
        if !alive_present || on_screen.contains(&c.id) {
            continue;
        }
        let last = ctx.last_appearances.get(&c.id).copied().unwrap_or(0);
        let missing_for = ctx.episode_number - last; // episodes without them, counting this one
        if missing_for > cfg.max_main_absence {
            out.push(Finding::error(
                FindingKind::MainCharacterMissing,
                "scenes",
                format!(
                    "main character {} has not appeared for {missing_for} episodes (at most {})",
                    c.name, cfg.max_main_absence
                ),
            ));
        }
    }
    out
}
