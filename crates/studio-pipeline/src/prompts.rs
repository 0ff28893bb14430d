//! Renders the prompt files in `assets/prompts/` (embedded at build time) with the story memory. Placeholders are
//! `{{name}}`; an unknown or unfilled placeholder is a bug, caught by the snapshot tests.

use std::collections::BTreeMap;

use studio_domain::{Character, EpisodeContext, EpisodeScript, Importance};

use crate::checks::CheckConfig;
use crate::genre;
use crate::schema;
use crate::writer::{PlanRequest, Prompt};

const PLAN_SYSTEM: &str = include_str!("../../../assets/prompts/series_plan.system.md");
const PLAN_USER: &str = include_str!("../../../assets/prompts/series_plan.user.md");
const SCRIPT_SYSTEM: &str = include_str!("../../../assets/prompts/episode_script.system.md");
const SCRIPT_USER: &str = include_str!("../../../assets/prompts/episode_script.user.md");
const VIDEO_RULES: &str = include_str!("../../../assets/prompts/video_prompt_rules.md");
const CHECK_SYSTEM: &str = include_str!("../../../assets/prompts/continuity_check.system.md");
const CHECK_USER: &str = include_str!("../../../assets/prompts/continuity_check.user.md");

/// Replaces `{{name}}` placeholders. Unknown names are left visible as `{{name}}` and reported.
pub fn render(template: &str, vars: &BTreeMap<&str, String>) -> (String, Vec<String>) {
    let mut out = String::with_capacity(template.len() * 2);
    let mut missing = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = &after[..end];
                match vars.get(name) {
                    Some(v) => out.push_str(v),
                    None => {
                        missing.push(name.to_string());
                        out.push_str(&rest[start..start + 4 + end]);
                    }
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    (out, missing)
}

fn or_none(s: String) -> String {
    if s.trim().is_empty() {
        "(없음)".into()
    } else {
        s
    }
}

pub fn plan_prompt(req: &PlanRequest) -> Prompt {
    let t = genre::template(req.genre);
    let structure = t
        .act_ranges(req.episodes)
        .iter()
        .map(|(p, f, l, d)| format!("- {p}: {f}-{l}화 — {d}"))
        .collect::<Vec<_>>()
        .join("\n");
    let elements = t
        .pacing
        .iter()
        .map(|(e, share)| {
            format!(
                "- {e}: {}화 무렵",
                t.milestone_episode(*share, req.episodes)
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let vars: BTreeMap<&str, String> = [
        ("series_id", req.series_id.clone()),
        ("title", req.title.clone()),
        ("genre", req.genre.to_string()),
        ("total_episodes", req.episodes.to_string()),
        ("episode_duration_min", req.episode_duration_min.to_string()),
        ("main_theme", or_none(req.main_theme.clone())),
        ("target_audience", or_none(req.target_audience.clone())),
        ("premise", or_none(req.premise.clone())),
        ("genre_structure", structure),
        ("required_elements", or_none(elements)),
        (
            "min_characters",
            studio_domain::plan::MIN_CHARACTERS
                .max(t.min_characters)
                .to_string(),
        ),
    ]
    .into_iter()
    .collect();
    Prompt {
        system: PLAN_SYSTEM.trim().to_string(),
        user: render(PLAN_USER, &vars).0,
        schema_name: schema::PLAN_SCHEMA_NAME.into(),
        schema: schema::series_plan(),
    }
}

fn character_lines(ctx: &EpisodeContext) -> String {
    ctx.character_states
        .iter()
        .map(|s| {
            let st = &s.state;
            let mut flags = Vec::new();
            if !st.alive {
                flags.push("사망".to_string());
            } else if !st.present {
                flags.push("부재중".to_string());
            }
            format!(
                "- {} ({}, {}){}: 감정 {}, 위치 {}, 옷차림 {}, 목표 [{}], 상황: {}",
                s.name,
                s.state.character_id,
                importance_ko(s.importance),
                if flags.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", flags.join(", "))
                },
                or_none(st.emotional_state.clone()),
                or_none(st.location.clone()),
                if st.outfit.is_empty() {
                    "평소대로".to_string()
                } else {
                    st.outfit.clone()
                },
                st.active_goals.join(", "),
                or_none(st.situation.clone()),
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn importance_ko(i: Importance) -> &'static str {
    match i {
        Importance::Main => "주연",
        Importance::MajorSupporting => "주요 조연",
        Importance::Supporting => "조연",
        Importance::Minor => "단역",
    }
}

fn previous_lines(ctx: &EpisodeContext) -> String {
    or_none(
        ctx.previous_episodes
            .iter()
            .map(|e| {
                let events = e
                    .key_events
                    .iter()
                    .map(|k| format!("  · {k}"))
                    .collect::<Vec<_>>()
                    .join("\n");
                format!(
                    "- {}화 「{}」: {}\n{}",
                    e.episode_number, e.title, e.summary, events
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

pub fn script_prompt(
    ctx: &EpisodeContext,
    characters: &[Character],
    cfg: &CheckConfig,
    feedback: &[String],
) -> Prompt {
    let s = &ctx.series;
    let minutes = s.episode_duration_min.max(1);
    let (lo, hi) = cfg.lines_per_10_min;
    let cast = characters
        .iter()
        .map(|c| {
            format!(
                "  - {} {} ({}, {}, {}세, {}): 성격 {}; 말투 {}",
                c.id,
                c.name,
                c.role,
                importance_ko(c.importance),
                c.age.map(|a| a.to_string()).unwrap_or_else(|| "?".into()),
                or_none(c.occupation.clone()),
                c.personality.join(", "),
                c.voice_profile.speaking_style
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let series_info = format!(
        "- 제목: {}\n- 장르: {} ({})\n- 테마: {}\n- 타겟: {}\n- 줄거리: {}\n- 주요 갈등: {}\n- 등장인물:\n{cast}",
        s.title,
        s.genre,
        or_none(s.genre_label.clone()),
        or_none(s.main_theme.clone()),
        or_none(s.target_audience.clone()),
        or_none(s.premise.clone()),
        or_none(s.plot.main_conflict.clone()),
    );
    let outline = match &ctx.outline {
        Some(o) => format!(
            "「{}」 [{}] {}\n  - 세부 사건: {}\n  - 중심 인물: {}\n  - 목표 감정: {}\n  - 훅: {}\n  - 클리프행어: {}",
            o.title,
            o.arc_phase,
            o.main_event,
            or_none(o.sub_events.join(", ")),
            or_none(o.character_focus.join(", ")),
            or_none(o.target_emotions.join(", ")),
            or_none(o.hook.clone()),
            or_none(o.cliffhanger.clone())
        ),
        None => "(아웃라인 없음)".into(),
    };
    let threads = or_none(
        ctx.open_threads
            .iter()
            .map(|t| {
                format!(
                    "- [{}] {}: {} ({}화부터)",
                    t.id, t.title, t.description, t.opened_in
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let rels = or_none(
        ctx.relationships
            .iter()
            .map(|r| {
                format!(
                    "- {}–{}: {} (친밀도 {}/10, {}){}",
                    r.a_name,
                    r.b_name,
                    r.relationship.kind,
                    r.relationship.intimacy,
                    or_none(r.relationship.status.clone()),
                    if r.relationship.recent_events.is_empty() {
                        String::new()
                    } else {
                        format!(" 최근: {}", r.relationship.recent_events.join(" / "))
                    }
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let revealed = or_none(
        ctx.revealed_secrets
            .iter()
            .map(|r| {
                format!(
                    "- {}의 비밀 \"{}\" ({}화에 공개)",
                    r.character_id, r.secret, r.episode
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let feedback_text = if feedback.is_empty() {
        String::new()
    } else {
        format!(
            "\n이전 시도의 문제점 (반드시 고칠 것):\n{}\n",
            feedback
                .iter()
                .map(|f| format!("- {f}"))
                .collect::<Vec<_>>()
                .join("\n")
        )
    };
    let vars: BTreeMap<&str, String> = [
        ("series_info", series_info),
        ("episode_number", ctx.episode_number.to_string()),
        ("total_episodes", ctx.total_episodes.to_string()),
        ("episode_outline", outline),
        ("previous_events", previous_lines(ctx)),
        (
            "previous_cliffhanger",
            or_none(ctx.previous_cliffhanger().unwrap_or("").to_string()),
        ),
        ("unresolved_plots", threads),
        ("as_of_episode", ctx.as_of_episode.to_string()),
        ("character_states", character_lines(ctx)),
        ("relationships", rels),
        ("revealed_secrets", revealed),
        ("story_progress", ctx.story_progress_percent.to_string()),
        ("episode_duration_min", minutes.to_string()),
        ("min_lines", (lo * minutes / 10).to_string()),
        ("max_lines", (hi * minutes).div_ceil(10).to_string()),
        (
            "scenes_hint",
            ((minutes * 6).div_ceil(10)).max(3).to_string(),
        ),
        ("max_intimacy_step", cfg.max_intimacy_step.to_string()),
        ("max_main_absence", cfg.max_main_absence.to_string()),
        ("video_prompt_rules", VIDEO_RULES.trim().to_string()),
        ("feedback", feedback_text),
    ]
    .into_iter()
    .collect();
    Prompt {
        system: SCRIPT_SYSTEM.trim().to_string(),
        user: render(SCRIPT_USER, &vars).0,
        schema_name: schema::SCRIPT_SCHEMA_NAME.into(),
        schema: schema::episode_script(),
    }
}

pub fn continuity_prompt(ctx: &EpisodeContext, script: &EpisodeScript) -> Prompt {
    let body = script
        .scenes
        .iter()
        .map(|s| {
            let lines = s
                .lines
                .iter()
                .map(|l| format!("  {}: {}", l.character, l.text))
                .collect::<Vec<_>>()
                .join("\n");
            format!(
                "[장면 {}] {} / {} / {}\n{lines}",
                s.number, s.location, s.time, s.atmosphere
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let vars: BTreeMap<&str, String> = [
        ("previous_episodes", previous_lines(ctx)),
        ("character_states", character_lines(ctx)),
        (
            "current_script",
            format!(
                "{}화 「{}」: {}\n{body}",
                script.episode_number, script.title, script.summary
            ),
        ),
    ]
    .into_iter()
    .collect();
    Prompt {
        system: CHECK_SYSTEM.trim().to_string(),
        user: render(CHECK_USER, &vars).0,
        schema_name: schema::CONTINUITY_SCHEMA_NAME.into(),
        schema: schema::continuity_check(),
    }
}

/// Every placeholder each template uses, for the tests that prove none is left unfilled.
pub fn templates() -> [(&'static str, &'static str); 3] {
    [
        ("series_plan.user", PLAN_USER),
        ("episode_script.user", SCRIPT_USER),
        ("continuity_check.user", CHECK_USER),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_fills_and_reports() {
        let vars: BTreeMap<&str, String> = [("a", "1".to_string())].into_iter().collect();
        let (s, missing) = render("x {{a}} y {{b}} z {{", &vars);
        assert_eq!(s, "x 1 y {{b}} z {{");
        assert_eq!(missing, vec!["b"]);
    }
}
