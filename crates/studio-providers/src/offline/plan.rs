//! The offline series planner: a genre's standard cast with generated names and profiles, relationships, the
//! four-part arc from the genre template, milestones at the template's pacing points, and one outline per episode
//! with a hook and a cliffhanger.

use std::collections::BTreeMap;

use studio_domain::{
    AppearanceProfile, Character, EpisodeOutline, Genre, Importance, Relationship, Series,
    SeriesPlan, SeriesPlot, SeriesStatus, StoryArc, SubPlot, ThreadSeed, VoiceProfile,
};
use studio_pipeline::genre;
use studio_pipeline::writer::PlanRequest;

use super::lexicon as lx;
use super::rng::Rng;

fn age_group(age: u32) -> &'static str {
    match age {
        0..=22 => "young",
        23..=32 => "young_adult",
        33..=45 => "adult",
        46..=62 => "middle_age",
        _ => "senior",
    }
}

fn age_words(age: u32) -> &'static str {
    match age {
        0..=19 => "late teens",
        20..=23 => "early 20s",
        24..=26 => "mid 20s",
        27..=29 => "late 20s",
        30..=34 => "early 30s",
        35..=39 => "late 30s",
        40..=49 => "40s",
        50..=59 => "50s",
        _ => "60s",
    }
}

/// Fills {A}, {B}, {C} and {place} in a template sentence.
pub(crate) fn fill(t: &str, a: &str, b: &str, c: &str, place: &str) -> String {
    let s = t
        .replace("{A}", a)
        .replace("{B}", b)
        .replace("{C}", c)
        .replace("{place}", place);
    super::josa::fix(&s, &[a.to_string(), b.to_string(), c.to_string()])
}

fn importance(s: &str) -> Importance {
    match s {
        "main" => Importance::Main,
        "major_supporting" => Importance::MajorSupporting,
        "supporting" => Importance::Supporting,
        _ => Importance::Minor,
    }
}

pub fn plan(req: &PlanRequest) -> SeriesPlan {
    let mut rng = Rng::new(req.seed);
    let g = req.genre;
    let t = genre::template(g);
    let roster = lx::cast_for(g);
    let total = req.episodes.max(1);

    // Names: a surname and a given name each, no two alike.
    let mut used_given: Vec<&str> = Vec::new();
    let tones = rng.sample(lx::TONES, lx::TONES.len());
    let styles = rng.sample(lx::STYLES, lx::STYLES.len());
    let mut characters = Vec::new();
    for (i, spec) in roster.iter().enumerate() {
        let pool = if spec.male {
            lx::MALE_GIVEN
        } else {
            lx::FEMALE_GIVEN
        };
        let given = loop {
            let g = rng.pick(pool);
            if !used_given.contains(&g) {
                used_given.push(g);
                break g;
            }
        };
        let name = format!("{}{}", rng.pick(lx::SURNAMES), given);
        let age = rng.range(spec.age.0, spec.age.1);
        let occupation = rng.pick(spec.occupations).to_string();
        let gender = if spec.male { "male" } else { "female" };
        let who = if spec.male { "man" } else { "woman" };
        let hair = if spec.male {
            rng.pick(&[
                "short black hair",
                "neatly parted hair",
                "messy wavy hair",
                "a buzz cut",
            ])
        } else {
            rng.pick(&[
                "long straight hair",
                "a short bob",
                "wavy shoulder-length hair",
                "a low ponytail",
            ])
        };
        let outfit = rng.pick(&[
            "a smart casual jacket",
            "a knit sweater",
            "a crisp white shirt",
            "a denim jacket",
            "a long trench coat",
        ]);
        characters.push(Character {
            id: format!("CHAR{:03}", i + 1),
            name,
            role: spec.role.to_string(),
            importance: importance(spec.importance),
            age: Some(age),
            occupation,
            personality: spec.personality.iter().map(|s| s.to_string()).collect(),
            background: format!("{}로 일하며 {}", spec.occupations[0], spec.goal),
            goals: vec![spec.goal.to_string()],
            secrets: if spec.secret.is_empty() {
                vec![]
            } else {
                vec![spec.secret.to_string()]
            },
            voice_profile: VoiceProfile {
                gender: gender.into(),
                age_group: age_group(age).into(),
                tone: tones[i % tones.len()].to_string(),
                speaking_style: styles[i % styles.len()].to_string(),
            },
            appearance_profile: AppearanceProfile {
                avatar_type: Some(format!("{}_{}", spec.importance, gender)),
                age_appearance: Some(age_words(age).replace(' ', "_")),
                style: Some(outfit.replace(' ', "_")),
                description: Some(format!(
                    "a Korean {who} in {} {}, {hair}, wearing {outfit}",
                    if spec.male { "his" } else { "her" },
                    age_words(age)
                )),
                extra: BTreeMap::new(),
            },
        });
    }
    let name = |i: usize| characters[i].name.clone();
    let (a, b) = (name(0), name(1));

    let relationships = lx::relationships_for(g)
        .iter()
        .map(|(x, y, kind, intimacy, status)| Relationship {
            a: characters[*x].id.clone(),
            b: characters[*y].id.clone(),
            kind: kind.to_string(),
            intimacy: *intimacy,
            status: status.to_string(),
            recent_events: vec![],
        })
        .collect();

    // Milestones at the template's pacing points; the elements claim their episodes first.
    let mut milestones = BTreeMap::new();
    let mut beat_at: BTreeMap<u32, &str> = BTreeMap::new();
    for (el, share) in t.pacing {
        let mut ep = t.milestone_episode(*share, total);
        while beat_at.contains_key(&ep) && ep < total {
            ep += 1;
        }
        milestones.insert(el.to_string(), ep);
        beat_at.entry(ep).or_insert(el);
    }

    let places = lx::places_for(g);
    let supporting: Vec<usize> = (2..characters.len()).collect();
    let mut outlines = Vec::new();
    for n in 1..=total {
        let c_idx = supporting[(n as usize * 3 + rng.below(3)) % supporting.len()];
        let c = name(c_idx);
        let place = rng.pick(places).0;
        let main_event = match beat_at.get(&n) {
            Some(el) => fill(lx::milestone_text(el), &a, &b, &c, place),
            None => fill(rng.pick(lx::beats_for(g)), &a, &b, &c, place),
        };
        let phase = t.phase(n, total);
        let emotions = rng
            .sample(lx::EMOTIONS, 2)
            .iter()
            .map(|e| e.0.to_string())
            .collect();
        outlines.push(EpisodeOutline {
            episode_number: n,
            title: beat_at
                .get(&n)
                .and_then(|el| lx::milestone_title(el))
                .map(|t| t.to_string())
                .unwrap_or_else(|| {
                    lx::TITLES[(n as usize * 7 + req.seed as usize % 5) % lx::TITLES.len()]
                        .to_string()
                }),
            arc_phase: phase,
            main_event: main_event.clone(),
            sub_events: vec![fill(rng.pick(lx::beats_for(g)), &a, &b, &c, place)],
            character_focus: vec![
                characters[0].id.clone(),
                characters[1].id.clone(),
                characters[c_idx].id.clone(),
            ],
            target_emotions: emotions,
            hook: fill(rng.pick(lx::HOOKS), &a, &b, &c, place),
            cliffhanger: if n == total {
                String::new()
            } else {
                fill(rng.pick(lx::CLIFFHANGERS), &a, &b, &c, place)
            },
        });
    }

    let ranges = t.act_ranges(total);
    let arc_text = |i: usize, extra: &str| {
        ranges
            .get(i)
            .map(|(_, f, l, d)| format!("{f}-{l}화: {d} — {extra}"))
            .unwrap_or_else(|| extra.to_string())
    };
    let premise = if req.premise.trim().is_empty() {
        format!("{a}와(과) {b}의 이야기")
    } else {
        req.premise.clone()
    };
    let overall_arc = StoryArc {
        exposition: arc_text(0, &format!("{a}와 {b}가 얽히기 시작한다")),
        rising_action: arc_text(
            1,
            &format!("{}와(과) {}이(가) 판을 흔든다", name(4), name(5)),
        ),
        climax: arc_text(2, "쌓인 비밀과 갈등이 한꺼번에 터진다"),
        resolution: arc_text(3, "선택의 대가를 치르고 새 출발을 한다"),
    };
    let sub_plots = vec![
        SubPlot {
            title: format!("{}의 목표", name(2)),
            episodes: spread(total, 4, 2),
        },
        SubPlot {
            title: format!("{}의 가족 이야기", name(6)),
            episodes: spread(total, 4, 3),
        },
    ];
    let threads: Vec<ThreadSeed> = characters
        .iter()
        .take(2)
        .filter(|c| !c.secrets.is_empty())
        .map(|c| ThreadSeed {
            id: format!("T-secret-{}", c.id.to_lowercase()),
            title: format!("{}의 비밀", c.name),
            description: format!("{}은(는) 누구에게도 말하지 못한 사실을 안고 있다", c.name),
            reopen_reason: None,
        })
        .chain(std::iter::once(ThreadSeed {
            id: "T-main-conflict".into(),
            title: "중심 갈등".into(),
            description: format!("{}와(과) {} 사이를 가르는 문제", a, b),
            reopen_reason: None,
        }))
        .collect();

    // Particles after names, and "이(가)"-style markers, everywhere text was composed.
    let names: Vec<String> = characters.iter().map(|c| c.name.clone()).collect();
    let fx = |s: &str| super::josa::fix(s, &names);
    let overall_arc = StoryArc {
        exposition: fx(&overall_arc.exposition),
        rising_action: fx(&overall_arc.rising_action),
        climax: fx(&overall_arc.climax),
        resolution: fx(&overall_arc.resolution),
    };
    let main_conflict = fx(&format!(
        "{a}와(과) {b}이(가) 각자의 비밀과 {}의 야망 사이에서 흔들린다",
        name(4)
    ));
    let premise = fx(&premise);
    let threads: Vec<ThreadSeed> = threads
        .into_iter()
        .map(|t: ThreadSeed| ThreadSeed {
            title: fx(&t.title),
            description: fx(&t.description),
            ..t
        })
        .collect();
    let sub_plots: Vec<SubPlot> = sub_plots
        .into_iter()
        .map(|p| SubPlot {
            title: fx(&p.title),
            ..p
        })
        .collect();
    let characters: Vec<Character> = characters
        .into_iter()
        .map(|c| Character {
            background: fx(&c.background),
            ..c
        })
        .collect();

    SeriesPlan {
        format: studio_domain::plan::SERIES_FORMAT.into(),
        series: Series {
            id: req.series_id.clone(),
            title: req.title.clone(),
            genre: g,
            genre_label: match g {
                Genre::Romance => "로맨스",
                Genre::Thriller => "스릴러",
                Genre::Comedy => "코미디",
                Genre::Other => "드라마",
            }
            .into(),
            total_episodes: total,
            episode_duration_min: req.episode_duration_min.max(1),
            main_theme: if req.main_theme.is_empty() {
                t.acts[1].description.to_string()
            } else {
                req.main_theme.clone()
            },
            target_audience: req.target_audience.clone(),
            premise,
            status: SeriesStatus::Draft,
            plot: SeriesPlot {
                overall_arc,
                main_conflict,
                sub_plots,
                milestones,
            },
        },
        characters,
        relationships,
        outlines,
        threads,
    }
}

fn spread(total: u32, k: u32, offset: u32) -> Vec<u32> {
    (0..k)
        .map(|i| (offset + i * total / k).clamp(1, total))
        .collect()
}
