//! A generated long series for the end-to-end test and the `context_for` benchmark: the sample's 12 characters,
//! N outlined episodes, and an outcome per episode that moves states, relationships and threads the way a real
//! series does (several characters per episode, a thread opened every third episode and closed four later).

use studio_domain::{
    CharacterDevelopment, EpisodeOutcome, EpisodeOutline, RelationshipChange, SeriesPlan,
    ThreadResolution, ThreadSeed,
};

pub const SAMPLE: &str = include_str!("../../assets/samples/first-love.series.json");

pub fn long_plan(id: &str, episodes: u32) -> SeriesPlan {
    let mut plan: SeriesPlan = serde_json::from_str(SAMPLE).expect("sample parses");
    plan.series.id = id.to_string();
    plan.series.title = format!("{} ({id})", plan.series.title);
    plan.series.total_episodes = episodes;
    plan.outlines = (1..=episodes)
        .map(|n| EpisodeOutline {
            episode_number: n,
            title: format!("{n}화"),
            arc_phase: plan.series.default_phase(n),
            main_event: format!("{n}화의 사건"),
            sub_events: vec![format!("{n}화 서브 사건")],
            character_focus: vec![format!("CHAR{:03}", 1 + (n % 12))],
            target_emotions: vec!["긴장".into()],
            hook: format!("{n}화 오프닝"),
            cliffhanger: format!("{n}화 클리프행어"),
        })
        .collect();
    plan
}

pub fn outcome(n: u32) -> EpisodeOutcome {
    let ch = |k: u32| format!("CHAR{:03}", 1 + (k % 12));
    let character_developments = (0..4)
        .map(|i| CharacterDevelopment {
            character: ch(n * 3 + i),
            note: format!("{n}화에서 변화 {i}"),
            emotional_state: Some(
                ["설렘", "불안", "분노", "안도", "의심"][((n + i) % 5) as usize].into(),
            ),
            location: Some(format!("장소{}", (n + i) % 7)),
            goals_added: if n.is_multiple_of(5) {
                vec![format!("목표{n}")]
            } else {
                vec![]
            },
            goals_resolved: if n.is_multiple_of(5) && n > 5 {
                vec![format!("목표{}", n - 5)]
            } else {
                vec![]
            },
            ..Default::default()
        })
        .collect();
    let relationship_changes = (0..3)
        .map(|i| RelationshipChange {
            a: ch(n + i),
            b: ch(n + i + 1 + (i % 2)),
            intimacy_delta: Some(if (n + i).is_multiple_of(3) { -1 } else { 1 }),
            event: Some(format!("{n}화 관계 사건 {i}")),
            ..Default::default()
        })
        .collect();
    let threads_opened = if n % 3 == 1 {
        vec![ThreadSeed {
            id: format!("T{n}"),
            title: format!("{n}화의 의문"),
            description: String::new(),
            reopen_reason: None,
        }]
    } else {
        vec![]
    };
    let threads_resolved = if n > 4 && (n - 4) % 3 == 1 {
        vec![ThreadResolution {
            id: format!("T{}", n - 4),
            resolution: format!("{n}화에서 해결"),
        }]
    } else {
        vec![]
    };
    EpisodeOutcome {
        episode_number: n,
        title: format!("{n}화"),
        summary: format!("{n}화 요약: 인물들이 얽히고 새로운 비밀이 드러난다."),
        key_events: (0..3).map(|i| format!("{n}화 주요 사건 {i}")).collect(),
        character_developments,
        relationship_changes,
        threads_opened,
        threads_resolved,
        secrets_revealed: vec![],
        appearances: (0..4).map(|i| ch(n * 3 + i)).collect(),
        cliffhanger: format!("{n}화 클리프행어"),
    }
}
