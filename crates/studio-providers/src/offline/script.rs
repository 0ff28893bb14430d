//! The offline script writer. It writes from the story memory, not from a canned script: the first scene picks up
//! the previous cliffhanger (or an open thread), only living characters who are present speak, one open thread
//! is resolved or advanced per the outline, a new one is opened, relationships move by small steps, and the
//! storyboard's English prompts are composed from the scenes.

use std::collections::HashMap;

use studio_domain::{
    Character, CharacterDevelopment, DialogueLine, EpisodeContext, EpisodeScript, Genre,
    Importance, PlotProgression, RelationshipChange, Scene, SecretReveal, Shot, ThreadResolution,
    ThreadSeed,
};
use studio_pipeline::checks::auto_clip_priority;
use studio_pipeline::writer::ScriptCall;

use super::lexicon as lx;
use super::rng::Rng;

/// Speaking rate used to estimate durations before voices exist (Korean syllables per second).
const SYLLABLES_PER_SEC: f64 = 6.5;

fn line_secs(text: &str) -> f64 {
    0.4 + text.chars().filter(|c| !c.is_whitespace()).count() as f64 / SYLLABLES_PER_SEC
}

/// Trims a sentence for quoting inside dialogue.
fn gist(s: &str, max: usize) -> String {
    let t: String = s
        .trim()
        .trim_end_matches(['.', '!', '?', '。'])
        .chars()
        .take(max)
        .collect();
    t
}

struct Writer<'a> {
    rng: Rng,
    genre: Genre,
    chars: HashMap<&'a str, &'a Character>,
    /// Per pool (by address), the entries not drawn yet in this episode.
    bags: HashMap<usize, Vec<usize>>,
    /// Tails not used yet in this episode (each at most once).
    tails_left: Vec<&'static str>,
}

impl Writer<'_> {
    fn name(&self, id: &str) -> String {
        self.chars
            .get(id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    fn line(&mut self, core: &str, other: &str, place: &str, topic: &str, event: &str) -> String {
        let text = core
            .replace("{other}", other)
            .replace("{place}", place)
            .replace("{topic}", topic)
            .replace("{event}", event);
        // Openers and tails only on short lines, so no line grows past what one breath can carry; tails only
        // after a statement.
        // An opener on about one short line in three, drawn without replacement (a word that starts every other
        // line is a tic, not a voice).
        let opener = if text.chars().count() < 40 && self.rng.below(3) == 0 {
            self.draw(lx::OPENERS)
        } else {
            ""
        };
        // A tail on about one statement in eight, each tail once an episode.
        let tail = if text.chars().count() < 40
            && text.ends_with('.')
            && !self.tails_left.is_empty()
            && self.rng.below(8) == 0
        {
            let i = self.rng.below(self.tails_left.len());
            self.tails_left.swap_remove(i)
        } else {
            ""
        };
        format!("{opener}{text}{tail}")
    }

    /// An entry of `pool` not drawn yet this episode (the pool refills once every entry was drawn).
    fn draw(&mut self, pool: &'static [&'static str]) -> &'static str {
        if pool.is_empty() {
            return "";
        }
        let left = self.bags.entry(pool.as_ptr() as usize).or_default();
        if left.is_empty() {
            left.extend(0..pool.len());
        }
        let i = self.rng.below(left.len());
        pool[left.swap_remove(i)]
    }
}

pub fn script(call: &ScriptCall) -> EpisodeScript {
    let ctx: &EpisodeContext = &call.context;
    let genre = ctx.series.genre;
    let n = ctx.episode_number;
    let mut w = Writer {
        rng: Rng::new(call.seed),
        genre,
        chars: call.characters.iter().map(|c| (c.id.as_str(), c)).collect(),
        bags: HashMap::new(),
        tails_left: lx::TAILS.to_vec(),
    };

    // Who can be on screen: alive and present as of the previous episode.
    let available: Vec<&Character> = call
        .characters
        .iter()
        .filter(|c| {
            ctx.character_states
                .iter()
                .find(|s| s.state.character_id == c.id)
                .is_none_or(|s| s.state.alive && s.state.present)
        })
        .collect();
    let available_ids: Vec<&str> = available.iter().map(|c| c.id.as_str()).collect();
    let mains: Vec<&str> = available
        .iter()
        .filter(|c| c.importance == Importance::Main)
        .map(|c| c.id.as_str())
        .collect();
    let mut focus: Vec<&str> = ctx
        .outline
        .as_ref()
        .map(|o| {
            o.character_focus
                .iter()
                .map(|s| s.as_str())
                .filter(|id| available_ids.contains(id))
                .collect()
        })
        .unwrap_or_default();
    for m in &mains {
        if !focus.contains(m) {
            focus.push(m);
        }
    }
    if focus.is_empty() {
        focus = available_ids.iter().take(2).copied().collect();
    }
    if focus.len() < 2
        && let Some(x) = available_ids.iter().find(|id| !focus.contains(id))
    {
        focus.push(x);
    }
    let others: Vec<&str> = available_ids
        .iter()
        .copied()
        .filter(|id| !focus.contains(id))
        .collect();

    let minutes = ctx.series.episode_duration_min.max(1);
    let target_lines = (90 * minutes).div_ceil(10) as usize;
    let scene_count = ((6 * minutes).div_ceil(10) as usize).max(3);
    let places = w.rng.sample(
        lx::places_for(genre),
        scene_count.min(lx::places_for(genre).len()),
    );
    let phase_idx = ctx
        .outline
        .as_ref()
        .map(|o| o.arc_phase as usize)
        .unwrap_or(1);
    let atmospheres = lx::atmosphere_for(genre, phase_idx);
    let emotions: Vec<&str> = ctx
        .outline
        .as_ref()
        .map(|o| o.target_emotions.iter().map(|s| s.as_str()).collect())
        .filter(|v: &Vec<&str>| !v.is_empty())
        .unwrap_or_else(|| vec!["긴장", "설렘"]);

    // Threads: pick up the cliffhanger, resolve the oldest ripe thread on even episodes (and always near the end),
    // advance another, open a new one unless the series is ending.
    let previous = ctx.previous_cliffhanger().map(|s| s.to_string());
    let ending = n + 1 >= ctx.total_episodes;
    // Threads ripen: an episode's own threads after two episodes; a main character's secret only past 60% of the
    // series; the central conflict only in the last episodes. Younger-but-ready threads first.
    let progress = ctx.story_progress_percent;
    let mut ripe: Vec<&studio_domain::PlotThread> = ctx
        .open_threads
        .iter()
        .filter(|t| t.opened_in + 2 <= n)
        .filter(|t| !t.id.starts_with("T-secret-") || progress >= 60)
        .filter(|t| t.id != "T-main-conflict" || progress >= 90)
        .collect();
    ripe.sort_by_key(|t| {
        (
            t.id.starts_with("T-secret-") || t.id == "T-main-conflict",
            t.opened_in,
        )
    });
    let to_resolve = if (n.is_multiple_of(2) || ending || ctx.story_progress_percent >= 75)
        && !ripe.is_empty()
    {
        Some(ripe[0])
    } else {
        None
    };
    let to_advance = ctx
        .open_threads
        .iter()
        .find(|t| Some(t.id.as_str()) != to_resolve.map(|r| r.id.as_str()));
    let new_thread = (!ending).then(|| {
        let ev = ctx
            .outline
            .as_ref()
            .map(|o| gist(&o.main_event, 40))
            .unwrap_or_else(|| "새로운 의문".into());
        ThreadSeed {
            id: format!("T-e{n}"),
            title: format!("{n}화의 불씨"),
            description: format!("{ev} 이후 남은 의문"),
            reopen_reason: None,
        }
    });
    // A secret comes out when its thread is the one resolved (by its owner, in the owner's own words).
    let reveal: Option<(&Character, String)> = to_resolve.and_then(|t| {
        t.id.strip_prefix("T-secret-").and_then(|cid| {
            available
                .iter()
                .find(|c| c.id.to_lowercase() == cid)
                .and_then(|c| c.secrets.first().map(|s| (*c, s.clone())))
        })
    });

    // Lines per scene, as even as the total allows.
    let per_scene: Vec<usize> = (0..scene_count)
        .map(|i| target_lines / scene_count + usize::from(i < target_lines % scene_count))
        .collect();

    let mut scenes: Vec<Scene> = Vec::new();
    let mut line_no = 0;
    let mut storyboard: Vec<Shot> = Vec::new();
    let mut last_place: HashMap<&str, &str> = HashMap::new();
    // What the characters call the matter at hand: words people say, never a plot thread's label ("1화의 불씨",
    // "수진의 숨겨진 정체" are the memory's bookkeeping, not dialogue).
    for (si, count) in per_scene.iter().enumerate() {
        let number = si as u32 + 1;
        let (place, place_en) = places[si % places.len()];
        let time = lx::TIMES[(si * lx::TIMES.len()) / scene_count.max(1) % lx::TIMES.len()];
        let atmosphere = w.rng.pick(atmospheres);
        // Cast: two focus characters, sometimes a third from the rest; mains rotate through the scenes.
        let mut cast: Vec<&str> = vec![focus[si % focus.len()], focus[(si + 1) % focus.len()]];
        if cast[0] == cast[1] {
            cast.pop();
        }
        if !others.is_empty() && (si % 2 == 1 || cast.len() < 2) {
            let extra = others[(si / 2 + n as usize) % others.len()];
            if !cast.contains(&extra) {
                cast.push(extra);
            }
        }
        // The scene before the last is where a secret comes out: its owner leads it.
        if si + 2 == scene_count
            && let Some((owner, _)) = &reveal
        {
            cast.retain(|c| *c != owner.id.as_str());
            cast.insert(0, owner.id.as_str());
        }
        let emotion = emotions[si % emotions.len()];
        let mut lines = Vec::new();
        for li in 0..*count {
            let speaker = cast[li % cast.len()];
            let listener = cast[(li + 1) % cast.len()];
            let other = w.name(listener);
            let first = si == 0 && li == 0;
            let last_scene = si + 1 == scene_count;
            // Lines are speech: no outline, hook or cliffhanger text is pasted in (that is narration).
            let core: String = if first {
                if previous.is_some() {
                    w.draw(lx::CORE_PICKUP).to_string()
                } else {
                    w.draw(lx::CORE_FIRST).to_string()
                }
            } else if let (true, Some((_, secret))) =
                (si + 2 == scene_count && li == 0, reveal.as_ref())
            {
                // The owner (first in this scene's cast) tells their own secret.
                format!("이제 말할게. 사실 나, {}.", gist(secret, 40))
            } else if last_scene && li + 1 == *count {
                w.draw(lx::CORE_CLIFF).to_string()
            } else if last_scene && li == 0 && to_resolve.is_some() {
                w.draw(lx::CORE_RESOLVE).to_string()
            } else {
                let pool: &'static [&'static str] = match li % 6 {
                    0 => lx::CORE_OPEN,
                    1 => lx::CORE_PROBE,
                    2 => lx::CORE_ANSWER,
                    3 => lx::genre_cores(w.genre),
                    4 => {
                        if phase_idx >= 2 {
                            lx::CORE_PUSH
                        } else {
                            lx::CORE_SOFT
                        }
                    }
                    _ => lx::CORE_REACT,
                };
                w.draw(pool).to_string()
            };
            let topic = w.draw(lx::TOPICS).to_string();
            let text = if first || core.contains("이제 말할게") {
                core
            } else {
                w.line(&core, &other, place, &topic, "")
            };
            line_no += 1;
            lines.push(DialogueLine {
                id: format!("L{n:03}-{line_no:03}"),
                character: speaker.to_string(),
                text,
                emotion: emotion.to_string(),
                listener_reaction: w.rng.pick(lx::REACTIONS).to_string(),
                direction: String::new(),
            });
        }
        for c in &cast {
            last_place.insert(c, place);
        }

        // Two shots a scene: the moment between the speakers, then a wider look at the place.
        let scene_secs: f64 = lines.iter().map(|l| line_secs(&l.text)).sum();
        let emotion_en = lx::EMOTIONS
            .iter()
            .find(|e| e.0 == emotion)
            .map(|e| e.1)
            .unwrap_or("emotional");
        let names: Vec<String> = cast.iter().map(|c| w.name(c)).collect();
        let subjects: Vec<String> = cast
            .iter()
            .take(2)
            .map(|c| {
                w.chars
                    .get(c)
                    .and_then(|x| x.appearance_profile.description.clone())
                    // The first clause ("a Korean woman in her mid 20s") keeps two-person prompts within 50 words,
                    // whatever a person wrote as the look.
                    .map(|d| subject_of(&d))
                    .unwrap_or_else(|| "a Korean adult in casual clothes".into())
            })
            .collect();
        let split = [0.6, 0.4];
        for (k, share) in split.iter().enumerate() {
            let (visual, prompt) = if k == 0 {
                (
                    format!(
                        "{place}, {}. {} 인물 클로즈업, {}의 대화 장면",
                        time.0,
                        names.join("·"),
                        names.join("와 ")
                    ),
                    format!(
                        "{} of {} and {}, {}, in {}, {} light, Korean drama style, {}, {}",
                        w.rng.pick(lx::SHOT_TYPES),
                        subjects[0],
                        subjects
                            .get(1)
                            .cloned()
                            .unwrap_or_else(|| "a companion".into()),
                        w.rng.pick(lx::ACTIONS_EN),
                        place_en,
                        time.1,
                        lx::grade_for(emotion_en),
                        w.rng.pick(lx::CAMERA)
                    ),
                )
            } else {
                (
                    format!("{place} 배경 풍경, {} 분위기의 전환 샷", atmosphere),
                    format!(
                        "Wide establishing shot of {}, {} light, quiet atmosphere with people passing by, cinematic composition, {}, {}",
                        place_en,
                        time.1,
                        lx::grade_for(emotion_en),
                        w.rng.pick(lx::CAMERA)
                    ),
                )
            };
            storyboard.push(Shot {
                scene: number,
                visual,
                video_prompt: prompt,
                // The establishing shot is background: the autoworker rules keep it on a still.
                emotion: if k == 0 {
                    emotion_en.to_string()
                } else {
                    "background".to_string()
                },
                duration_sec: ((scene_secs * share) * 10.0).round() / 10.0,
                clip_priority: Default::default(),
            });
        }
        scenes.push(Scene {
            number,
            location: place.to_string(),
            time: time.0.to_string(),
            atmosphere: atmosphere.to_string(),
            characters: cast.iter().map(|c| c.to_string()).collect(),
            lines,
        });
    }
    let total_shots = storyboard.len();
    for (i, s) in storyboard.iter_mut().enumerate() {
        s.clip_priority = auto_clip_priority(i + 1, total_shots, &s.emotion, &s.visual);
    }

    // What the episode changes. In even episodes the lead dresses up for the last scene they are in (a story-memory
    // outfit the visuals follow); the episode after, they are back in their usual clothes.
    let wearing = |id: &str| {
        ctx.character_states
            .iter()
            .find(|s| s.state.character_id == id)
            .map(|s| s.state.outfit.clone())
            .unwrap_or_default()
    };
    let mut developments = Vec::new();
    for (k, id) in focus.iter().enumerate() {
        let (outfit, outfit_scene, outfit_prompt) = if k > 0 {
            (None, None, None)
        } else if n.is_multiple_of(2) {
            let (o, en) = [
                ("검은 정장", "a black suit"),
                ("하얀 원피스", "a white one-piece dress"),
                ("베이지 트렌치코트", "a beige trench coat"),
                ("한복", "a traditional Korean hanbok"),
            ][(n as usize / 2) % 4];
            // From the last scene they are in (the whole episode if they are in none).
            let last = scenes
                .iter()
                .rev()
                .find(|sc| sc.characters.iter().any(|c| c == id))
                .map(|sc| sc.number);
            (Some(o.to_string()), last, Some(en.to_string()))
        } else if !wearing(id).is_empty() {
            (Some(String::new()), None, None)
        } else {
            (None, None, None)
        };
        developments.push(CharacterDevelopment {
            outfit,
            outfit_scene,
            outfit_prompt,
            character: id.to_string(),
            note: format!(
                "{}화에서 {}",
                n,
                [
                    "흔들리던 마음을 붙잡는다",
                    "새로운 사실 앞에서 망설인다",
                    "한 걸음 더 다가간다",
                    "결심을 굳힌다"
                ][(k + n as usize) % 4]
            ),
            emotional_state: Some(emotions[k % emotions.len()].to_string()),
            location: last_place.get(id).map(|p| p.to_string()),
            goals_added: if k == 0 && new_thread.is_some() {
                vec![format!("{}화의 의문 풀기", n)]
            } else {
                vec![]
            },
            goals_resolved: if k == 0 && n > 1 {
                vec![format!("{}화의 의문 풀기", n - 1)]
            } else {
                vec![]
            },
            ..Default::default()
        });
    }
    let mut relationship_changes = Vec::new();
    if focus.len() >= 2 {
        let delta: i8 = match (genre, phase_idx) {
            (_, 2) => -1,
            (Genre::Thriller, _) if n.is_multiple_of(3) => -1,
            _ => 1,
        };
        relationship_changes.push(RelationshipChange {
            a: focus[0].to_string(),
            b: focus[1].to_string(),
            intimacy_delta: Some(delta),
            event: Some(format!(
                "{}화: {}",
                n,
                ctx.outline
                    .as_ref()
                    .map(|o| gist(&o.main_event, 40))
                    .unwrap_or_default()
            )),
            ..Default::default()
        });
    }
    if focus.len() >= 3 {
        relationship_changes.push(RelationshipChange {
            a: focus[0].to_string(),
            b: focus[2].to_string(),
            intimacy_delta: Some(if n.is_multiple_of(2) { 1 } else { -1 }),
            event: Some(format!("{}화에서 부딪힘", n)),
            ..Default::default()
        });
    }

    let mut plot_progressions = Vec::new();
    match &previous {
        Some(c) => plot_progressions.push(PlotProgression {
            plot: "previous_cliffhanger".into(),
            progress: c.clone(),
        }),
        None => {
            if let Some(t) = ctx.open_threads.first() {
                plot_progressions.push(PlotProgression {
                    plot: t.id.clone(),
                    progress: "첫 장면에서 다시 떠오른다".into(),
                });
            }
        }
    }
    if let Some(t) = to_advance {
        plot_progressions.push(PlotProgression {
            plot: t.id.clone(),
            progress: format!("{}화에서 한 걸음 진전", n),
        });
    }

    let focus_names: Vec<String> = focus.iter().take(2).map(|id| w.name(id)).collect();
    let main_event = ctx
        .outline
        .as_ref()
        .map(|o| o.main_event.clone())
        .unwrap_or_else(|| format!("{}의 하루", focus_names.join("와 ")));
    let cliffhanger = ctx
        .outline
        .as_ref()
        .map(|o| o.cliffhanger.clone())
        .unwrap_or_default();
    let mut key_events = vec![main_event.clone()];
    if let Some(t) = to_resolve {
        key_events.push(format!("{} 문제가 마침내 해결된다", t.title));
    }
    if let Some((owner, _)) = &reveal {
        key_events.push(format!("{}의 비밀이 밝혀진다", owner.name));
    }
    if !cliffhanger.is_empty() {
        key_events.push(cliffhanger.clone());
    }
    let summary = format!(
        "{}. {}{}",
        gist(&main_event, 80),
        to_resolve
            .map(|t| format!("{}이(가) 마무리되고, ", t.title))
            .unwrap_or_default(),
        if cliffhanger.is_empty() {
            "이야기는 새로운 시작을 맞는다.".into()
        } else {
            format!("마지막에 {}.", gist(&cliffhanger, 60))
        }
    );

    let names: Vec<String> = call.characters.iter().map(|c| c.name.clone()).collect();
    let fx = |s: &str| super::josa::fix(s, &names);
    for sc in &mut scenes {
        for l in &mut sc.lines {
            l.text = fx(&l.text);
        }
    }
    for sh in &mut storyboard {
        sh.visual = fx(&sh.visual);
    }
    let summary = fx(&summary);
    let key_events: Vec<String> = key_events.iter().map(|k| fx(k)).collect();

    EpisodeScript {
        episode_number: n,
        title: ctx
            .outline
            .as_ref()
            .map(|o| o.title.clone())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| format!("{n}화")),
        summary,
        scenes,
        storyboard,
        key_events,
        character_developments: developments,
        relationship_changes,
        threads_opened: new_thread.into_iter().collect(),
        threads_resolved: to_resolve
            .map(|t| ThreadResolution {
                id: t.id.clone(),
                resolution: format!("{}화에서 해결", n),
            })
            .into_iter()
            .collect(),
        secrets_revealed: reveal
            .map(|(c, s)| SecretReveal {
                character: c.id.clone(),
                secret: s,
            })
            .into_iter()
            .collect(),
        plot_progressions,
        cliffhanger,
        written_by: format!("offline-template/1 (seed {})", call.seed),
    }
}

/// Who a character is in a shot prompt, from their look as written: its first clause (before a comma, "with",
/// "wearing" or "who"), at most eight words, so a two-person prompt stays within the 15–50 words the checks ask for
/// however long the description a person gave.
fn subject_of(look: &str) -> String {
    let first = look.split([',', ';', '.']).next().unwrap_or(look);
    let mut words: Vec<&str> = Vec::new();
    for w in first.split_whitespace() {
        if !words.is_empty()
            && matches!(
                w.to_lowercase().as_str(),
                "with" | "wearing" | "who" | "and"
            )
        {
            break;
        }
        words.push(w);
        if words.len() == 8 {
            break;
        }
    }
    if words.is_empty() {
        "a Korean adult in casual clothes".into()
    } else {
        words.join(" ")
    }
}

#[cfg(test)]
mod subject_tests {
    use super::subject_of;

    #[test]
    fn a_long_look_becomes_a_short_subject() {
        assert_eq!(
            subject_of("a woman in her late 20s with a short bob and a grey trench coat"),
            "a woman in her late 20s"
        );
        assert_eq!(
            subject_of("a Korean woman in her mid 20s, short bob"),
            "a Korean woman in her mid 20s"
        );
        assert_eq!(
            subject_of(
                "an extremely tall broad shouldered former boxer turned detective in a long coat"
            ),
            "an extremely tall broad shouldered former boxer turned"
        );
        assert_eq!(subject_of("  "), "a Korean adult in casual clothes");
    }
}
