//! Each fixture plants one kind of contradiction in an otherwise clean script; the rule checks must catch every
//! one (as an error of that kind), and the clean script must yield no finding at all.

use studio_domain::{
    CharacterDevelopment, EpisodeScript, RelationshipChange, SecretReveal, ThreadResolution,
    ThreadSeed,
};
use studio_pipeline::checks::{self, CheckConfig, FindingKind, Severity};

use crate::world;

fn report(script: &EpisodeScript) -> checks::CheckReport {
    let (ctx, chars, _) = world();
    checks::check_script(
        script,
        &ctx,
        &chars,
        &CheckConfig::default(),
        vec![],
        vec![],
    )
}

fn speak(s: &mut EpisodeScript, scene: usize, line: usize, who: &str) {
    s.scenes[scene].lines[line].character = who.into();
    if !s.scenes[scene].characters.contains(&who.to_string()) {
        s.scenes[scene].characters.push(who.into());
    }
}

#[test]
fn lines_with_nothing_to_say_are_structure_errors() {
    let (_, _, mut s) = world();
    s.scenes[0].lines[0].text = "……".into();
    s.scenes[0].lines[1].text = "(한숨)".into();
    s.scenes[0].lines[2].text = "😊😊".into();
    s.scenes[0].lines[3].text = "(한숨) 그래, 알았어.".into();
    let r = report(&s);
    let nothing: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::NothingToSpeak)
        .collect();
    assert_eq!(nothing.len(), 3, "{nothing:#?}");
    assert!(nothing.iter().all(|f| f.severity == Severity::Error));
    assert!(
        nothing
            .iter()
            .any(|f| f.message.contains("only a stage direction (한숨)"))
    );
    assert!(!r.passed);
    // A direction inside words is not a finding: the words are spoken, the direction is not.
    assert!(!nothing.iter().any(|f| f.path == "scenes[0].lines[3].text"));
}

#[test]
fn the_clean_script_yields_no_finding() {
    let (_, _, clean) = world();
    let r = report(&clean);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert!(r.passed);
    assert!(r.quality.overall >= 0.99, "{:?}", r.quality);
}

#[test]
fn every_planted_contradiction_is_caught() {
    let (ctx, _, clean) = world();
    let mut planted: Vec<(FindingKind, EpisodeScript)> = Vec::new();

    // 1. A dead character speaks (CHAR012 died in episode 1).
    let mut s = clean.clone();
    speak(&mut s, 1, 3, "CHAR012");
    planted.push((FindingKind::DeadSpeaker, s));
    // 2. An absent character speaks (CHAR011 went abroad in episode 1) — by name, not id.
    let mut s = clean.clone();
    speak(&mut s, 2, 4, "박하늘");
    planted.push((FindingKind::AbsentSpeaker, s));
    // 3. Someone who is not in the series speaks.
    let mut s = clean.clone();
    s.scenes[0].lines[2].character = "홍길동".into();
    planted.push((FindingKind::UnknownSpeaker, s));
    // 4. Intimacy jumps further than one episode allows.
    let mut s = clean.clone();
    s.relationship_changes[0].intimacy_delta = Some(6);
    planted.push((FindingKind::IntimacyJump, s));
    // 5. A resolved thread is reopened without a cause (T-e1 was resolved in episode 2).
    let mut s = clean.clone();
    s.threads_opened.push(ThreadSeed {
        id: "T-e1".into(),
        title: "잃어버린 반지".into(),
        description: "또".into(),
        reopen_reason: None,
    });
    planted.push((FindingKind::ThreadReopened, s));
    // 6. A thread that is not open is resolved.
    let mut s = clean.clone();
    s.threads_resolved.push(ThreadResolution {
        id: "T-e1".into(),
        resolution: "다시 해결".into(),
    });
    planted.push((FindingKind::UnknownThread, s));
    // 7. A secret is used before its reveal: someone else talks about CHAR002's hidden identity.
    let mut s = clean.clone();
    let speaker = s.scenes[2].lines[0].character.clone();
    assert_ne!(speaker, "CHAR002");
    s.scenes[2].lines[0].text = "너 사실 유명 작가라는 정체를 숨기고 있다며?".into();
    planted.push((FindingKind::SecretBeforeReveal, s));
    // 8. A main character is missing for too long (CHAR002 last appeared in episode 1).
    let mut s = clean.clone();
    for sc in &mut s.scenes {
        sc.characters.retain(|c| c != "CHAR002");
        for l in &mut sc.lines {
            if l.character == "CHAR002" {
                l.character = sc.characters[0].clone();
            }
        }
    }
    planted.push((FindingKind::MainCharacterMissing, s));
    // 9. A dead character develops without an explicit revival.
    let mut s = clean.clone();
    s.character_developments.push(CharacterDevelopment {
        character: "김상철".into(),
        emotional_state: Some("분노".into()),
        ..Default::default()
    });
    planted.push((FindingKind::DeadCharacterDevelopment, s));
    // 10. A relationship with someone outside the cast.
    let mut s = clean.clone();
    s.relationship_changes.push(RelationshipChange {
        a: "CHAR001".into(),
        b: "유령".into(),
        intimacy_delta: Some(1),
        ..Default::default()
    });
    planted.push((FindingKind::UnknownCharacter, s));

    let kinds: std::collections::HashSet<FindingKind> = planted.iter().map(|(k, _)| *k).collect();
    assert!(kinds.len() >= 8, "at least 8 different kinds");
    let mut caught = 0;
    for (kind, script) in &planted {
        let r = report(script);
        let hit = r
            .findings
            .iter()
            .find(|f| f.kind == *kind && f.severity == Severity::Error);
        assert!(
            hit.is_some(),
            "{kind:?} not caught; findings: {:#?}",
            r.findings
        );
        assert!(
            !r.passed,
            "{kind:?}: a planted contradiction must fail the script"
        );
        caught += 1;
    }
    assert_eq!(caught, planted.len(), "100% caught");

    // Causes make the same moves legitimate: a revival, a return, a reason to reopen, a reveal.
    let mut s = clean.clone();
    speak(&mut s, 1, 3, "CHAR012");
    s.character_developments.push(CharacterDevelopment {
        character: "CHAR012".into(),
        alive: Some(true),
        present: Some(true),
        ..Default::default()
    });
    speak(&mut s, 2, 4, "CHAR011");
    s.character_developments.push(CharacterDevelopment {
        character: "CHAR011".into(),
        present: Some(true),
        ..Default::default()
    });
    s.threads_opened.push(ThreadSeed {
        id: "T-e1".into(),
        title: "잃어버린 반지".into(),
        description: "".into(),
        reopen_reason: Some("반지가 가짜였다".into()),
    });
    s.scenes[2].lines[0].text = "너 사실 유명 작가라는 정체를 숨기고 있다며?".into();
    s.secrets_revealed.push(SecretReveal {
        character: "CHAR002".into(),
        secret: "유명 작가라는 정체를 숨기고 있음".into(),
    });
    let r = report(&s);
    let errors: Vec<_> = r.errors().collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let _ = ctx;
}

#[test]
fn structure_problems_are_caught_with_their_place() {
    let (_, _, clean) = world();
    let mut s = clean.clone();
    s.storyboard[0].video_prompt = "서울 카페에서 두 사람이 이야기한다".into();
    s.storyboard[1].video_prompt = "Close-up of a woman reading a letter with visible text and subtitles in a quiet cafe, soft light, cinematic drama style, warm tones".into();
    s.storyboard.retain(|sh| sh.scene != 3);
    s.scenes[5].lines.truncate(2);
    // Changes of clothes: in a scene the episode does not have; a scene without an outfit; a paragraph for an
    // outfit; and one in a scene it has, which is fine.
    for (who, outfit, scene) in [
        ("CHAR001", Some("하얀 웨딩드레스"), Some(99)),
        ("CHAR003", None, Some(2)),
        ("CHAR004", Some("검은 정장\n그리고 아주 긴 설명"), None),
        ("CHAR002", Some("하얀 웨딩드레스"), Some(2)),
    ] {
        s.character_developments.push(CharacterDevelopment {
            character: who.into(),
            outfit: outfit.map(Into::into),
            outfit_scene: scene,
            ..Default::default()
        });
    }
    let r = report(&s);
    let has = |k: FindingKind, p: &str| {
        r.findings
            .iter()
            .any(|f| f.kind == k && f.path.starts_with(p))
    };
    assert!(has(FindingKind::VideoPrompt, "storyboard[0].video_prompt"));
    assert!(
        r.findings
            .iter()
            .any(|f| f.kind == FindingKind::VideoPrompt && f.message.contains("\"text\""))
    );
    assert!(has(FindingKind::SceneWithoutShots, "scenes[2]"));
    assert!(has(FindingKind::DialogueCount, "scenes"));
    let n = clean.character_developments.len();
    let outfits: Vec<(String, String)> = r
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::OutfitChange && f.severity == Severity::Error)
        .map(|f| (f.path.clone(), f.message.clone()))
        .collect();
    assert_eq!(
        outfits,
        vec![
            (
                format!("character_developments[{n}].outfit_scene"),
                "there is no scene 99 to change clothes in".to_string()
            ),
            (
                format!("character_developments[{}].outfit_scene", n + 1),
                "scene 2 is given but no outfit to change into".to_string()
            ),
            (
                format!("character_developments[{}].outfit", n + 2),
                "must be one line of at most 60 characters".to_string()
            ),
        ]
    );
}

#[test]
fn clip_priorities_missing_or_implausible_are_decided_by_the_autoworker_rules() {
    let (_, _, clean) = world();
    let mut all_high = clean.clone();
    for s in &mut all_high.storyboard {
        s.clip_priority = studio_domain::ClipPriority::High;
    }
    let notes = checks::settle_clip_priorities(&mut all_high, &Default::default());
    assert!(notes[0].contains("re-decided"), "{notes:?}");
    let highs = all_high
        .storyboard
        .iter()
        .filter(|s| s.clip_priority == studio_domain::ClipPriority::High)
        .count();
    assert!(highs > 0 && highs < all_high.storyboard.len());
    // The rules: first two shots are hooks, the last ones the outro.
    assert_eq!(
        checks::auto_clip_priority(1, 12, "neutral", ""),
        studio_domain::ClipPriority::High
    );
    assert_eq!(
        checks::auto_clip_priority(12, 12, "dramatic", "반전"),
        studio_domain::ClipPriority::Low
    );
    assert_eq!(
        checks::auto_clip_priority(6, 12, "neutral", ""),
        studio_domain::ClipPriority::High
    );
    assert_eq!(
        checks::auto_clip_priority(4, 12, "intense", ""),
        studio_domain::ClipPriority::High
    );
    assert_eq!(
        checks::auto_clip_priority(4, 12, "calm", "반전"),
        studio_domain::ClipPriority::Low
    );
    assert_eq!(
        checks::auto_clip_priority(4, 12, "curious", "충격적인 반전"),
        studio_domain::ClipPriority::High
    );
    assert_eq!(
        checks::auto_clip_priority(4, 12, "curious", "도시 풍경"),
        studio_domain::ClipPriority::Low
    );
}

#[test]
fn quality_scores_fall_for_stiff_dialogue() {
    let (_, _, clean) = world();
    let mut s = clean.clone();
    for sc in &mut s.scenes {
        for (i, l) in sc.lines.iter_mut().enumerate() {
            if i % 2 == 0 {
                l.text = "나는 당신의 친구입니다".into();
            }
        }
    }
    let r = report(&s);
    assert!(r.quality.naturalness < 0.6, "{:?}", r.quality);
    assert!(
        !r.passed,
        "one category under the floor fails the script even when the mean is fine"
    );
    assert!(
        r.feedback(&CheckConfig::default())
            .iter()
            .any(|f| f.contains("quality"))
    );
}
