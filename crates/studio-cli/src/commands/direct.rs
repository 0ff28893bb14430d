//! Directing one shot, line or character: the same engine calls the studio's screens make. Shots are numbered from
//! 1, as `aidas storyboard` prints them.

use crate::*;
use studio_core::directing::{CharacterEdit, LineEdit, ShotChange, ShotEdit};

/// Runs one of this area's commands (Direct).
///
/// # Errors
/// What the engine returns for the command; `invalid_input` for shot 0 or a file that cannot be read.
pub async fn run(engine: Engine, command: Command, json: bool) -> Result<(), CoreError> {
    let Command::Direct(cmd) = command else {
        return Err(CoreError::Internal("not a direct command".into()));
    };
    let index = |shot: u32| {
        shot.checked_sub(1)
            .map(|i| i as usize)
            .ok_or_else(|| CoreError::invalid("shots are numbered from 1"))
    };
    match cmd {
        DirectCmd::Shot {
            series,
            episode,
            shot,
            visual,
            prompt,
            priority,
        } => {
            let priority = priority
                .map(|p| p.parse::<studio_core::domain::ClipPriority>())
                .transpose()
                .map_err(|e| CoreError::invalid(format!("--priority: {e}")))?;
            let edit = ShotEdit {
                visual,
                video_prompt: prompt,
                priority,
            };
            let c = engine
                .edit_shot(&series, episode, index(shot)?, edit)
                .await?;
            print_change(&c, json)?;
        }
        DirectCmd::Redo {
            series,
            episode,
            shot,
            reason,
        } => {
            let c = engine
                .redo_shot(
                    &series,
                    episode,
                    index(shot)?,
                    reason.as_deref().unwrap_or(""),
                )
                .await?;
            print_change(&c, json)?;
        }
        DirectCmd::Replace {
            series,
            episode,
            shot,
            file,
        } => {
            let size = std::fs::metadata(&file)
                .map_err(|e| CoreError::io(file.display().to_string(), e))?
                .len();
            if size > studio_core::directing::MAX_SHOT_FILE as u64 {
                return Err(CoreError::invalid(format!(
                    "{} is {} MB; a shot's file can be at most {} MB",
                    file.display(),
                    size / (1024 * 1024),
                    studio_core::directing::MAX_SHOT_FILE / (1024 * 1024)
                )));
            }
            let bytes =
                std::fs::read(&file).map_err(|e| CoreError::io(file.display().to_string(), e))?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let c = engine
                .replace_shot(&series, episode, index(shot)?, &name, &bytes)
                .await?;
            print_change(&c, json)?;
        }
        DirectCmd::Line {
            series,
            episode,
            line,
            speaker,
            text,
            emotion,
        } => {
            let edit = LineEdit {
                character: speaker,
                text,
                emotion,
            };
            let r = engine.edit_line(&series, episode, &line, edit).await?;
            if json {
                print_json(&r)?;
            } else {
                println!(
                    "line {line} saved; checks {} ({} findings); {}",
                    if r.check.passed { "pass" } else { "fail" },
                    r.check.findings.len(),
                    again(&r.stages_reopened)
                );
            }
        }
        DirectCmd::Character {
            series,
            character,
            name,
            role,
            occupation,
            personality,
            appearance,
            gender,
            age_group,
            tone,
        } => {
            let edit = CharacterEdit {
                name,
                role,
                occupation,
                personality: personality
                    .map(|p| p.split(',').map(|t| t.trim().to_string()).collect()),
                appearance,
                gender,
                age_group,
                tone,
            };
            let c = engine.edit_character(&series, &character, edit).await?;
            if json {
                print_json(&c)?;
            } else {
                println!(
                    "{} ({}): {} · {} · {}",
                    c.name, c.id, c.role, c.voice_profile.gender, c.voice_profile.age_group
                );
            }
        }
        DirectCmd::Voices { series, character } => {
            let v = engine.voice_choices(&series, &character).await?;
            if json {
                print_json(&v)?;
            } else {
                for c in v {
                    println!(
                        "{} {:<10} {:<28} {:.2} {}",
                        if c.current { "*" } else { " " },
                        c.voice.provider,
                        c.voice.voice_id,
                        c.match_score,
                        c.voice.name
                    );
                }
            }
        }
        DirectCmd::Voice {
            series,
            character,
            provider,
            voice,
        } => {
            let provider = provider
                .parse::<studio_core::domain::TtsProvider>()
                .map_err(|e| CoreError::invalid(format!("provider: {e}")))?;
            let cast = engine
                .set_voice(&series, &character, provider, &voice)
                .await?;
            if json {
                print_json(&cast)?;
            } else {
                println!("{character} now speaks with {provider} {voice}");
            }
        }
    }
    Ok(())
}

fn again(stages: &[studio_core::domain::Stage]) -> String {
    if stages.is_empty() {
        "nothing made yet needs making again".into()
    } else {
        let names: Vec<String> = stages.iter().map(|s| s.to_string()).collect();
        format!("made again when production runs: {}", names.join(", "))
    }
}

fn print_change(c: &ShotChange, json: bool) -> Result<(), CoreError> {
    if json {
        return print_json(c);
    }
    println!(
        "shot {}: {} earlier take(s) kept; new take ${:.3}; {}",
        c.shot + 1,
        c.takes.len(),
        c.estimate_usd,
        again(&c.stages_reopened)
    );
    Ok(())
}
