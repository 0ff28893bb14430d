//! One episode's work: script, checks, casting and voices, storyboard, visuals, avatars, render, package.

use crate::*;

/// Runs one of this area's commands (Episode, Storyboard, Visuals, Render, Package, Avatars, Cast).
///
/// # Errors
/// What the engine returns for the command.
pub async fn run(engine: Engine, command: Command, json: bool) -> Result<(), CoreError> {
    match command {
        Command::Episode(EpisodeCmd::Script {
            series,
            episode,
            writer,
        }) => {
            let r = engine
                .write_episode(&series, episode, writer.as_deref())
                .await?;
            if json {
                print_json(&r)?;
            } else {
                let chars = engine.characters(&r.series_id).await?;
                print::script_result(&r, &chars);
            }
            if r.verdict == studio_core::reports::Verdict::NeedsReview {
                return Err(CoreError::invalid(format!(
                    "episode {episode} needs review: {}",
                    r.cause.unwrap_or_default()
                )));
            }
        }
        Command::Episode(EpisodeCmd::Check { series, episode }) => {
            let r = engine.check_episode(&series, episode).await?;
            if json {
                print_json(&r)?;
            } else {
                print::check_report(&r);
            }
        }
        Command::Episode(EpisodeCmd::Show { series, episode }) => {
            let Some(script) = engine.episode_script(&series, episode).await? else {
                return Err(CoreError::invalid(format!(
                    "episode {episode} of {series} has no script yet"
                )));
            };
            if json {
                print_json(&script)?;
            } else {
                let chars = engine.characters(&series).await?;
                print::script(&script, &chars);
            }
        }
        Command::Storyboard { series, episode } => {
            let view = engine.storyboard_view(&series, episode).await?;
            if json {
                print_json(&view)?;
            } else {
                print::storyboard(&view);
            }
        }
        Command::Estimate { series, episode } => {
            let r = engine.estimate_report(&series, episode).await?;
            if json {
                print_json(&r)?;
            } else {
                print::estimate(&r);
            }
        }
        Command::Visuals { series, episode } => {
            let r = engine.make_visuals(&series, episode).await?;
            if json {
                print_json(&r)?;
            } else {
                print::visuals(&r);
            }
            if !r.failed.is_empty() {
                return Err(CoreError::invalid(format!(
                    "{} shot(s) have no visual (see above)",
                    r.failed.len()
                )));
            }
        }
        Command::Render {
            series,
            episode,
            resolution,
            preset,
            force,
        } => {
            let cancel = studio_core::CancellationToken::new();
            let flag = cancel.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    flag.cancel();
                }
            });
            let show = !json && std::io::stderr().is_terminal();
            let progress: std::sync::Arc<dyn Fn(u64, u64) + Send + Sync> =
                std::sync::Arc::new(move |done, total| {
                    if show {
                        eprint!(
                            "\r  rendering: {done}/{total} frames ({:.0}%)   ",
                            100.0 * done as f64 / total.max(1) as f64
                        );
                        if done == total {
                            eprintln!();
                        }
                    }
                });
            let opts = studio_core::RenderOptions {
                resolution,
                preset,
                force,
            };
            let r = engine
                .render_episode(&series, episode, &opts, progress, cancel)
                .await?;
            if json {
                print_json(&r)?;
            } else {
                print::episode_render(&r, engine.data_dir());
            }
        }
        Command::Package { series, episode } => {
            let r = engine.package(&series, episode).await?;
            if json {
                print_json(&r)?;
            } else {
                print::package(&r);
            }
        }
        Command::Avatars { series, episode } => {
            let r = engine.make_avatars(&series, episode).await?;
            if json {
                print_json(&r)?;
            } else {
                println!(
                    "avatars of episode {episode} of {}: {} lines with an avatar in {} takes (one per character and scene; {} made now) — {} lines made now, {} already, {} failed, {} need attention, {} voice only by a cap; estimate ${:.2}",
                    r.series_id,
                    r.lines_with_avatar,
                    r.takes,
                    r.takes_made,
                    r.made_now,
                    r.already_done,
                    r.failed.len(),
                    r.needs_attention.len(),
                    r.voice_only.len(),
                    r.estimated_usd
                );
                for (c, s) in &r.strategies {
                    println!("  {c}: {s:?}");
                }
                for n in &r.notes {
                    println!("  note: {n}");
                }
                for f in r
                    .failed
                    .iter()
                    .chain(&r.needs_attention)
                    .chain(&r.voice_only)
                {
                    println!("  {}: {}", f.line_id, f.reason);
                }
            }
        }
        Command::Episode(EpisodeCmd::Voice { series, episode }) => {
            let r = engine.voice_episode(&series, episode).await?;
            if json {
                print_json(&r)?;
            } else {
                print::voicing(&r);
            }
            if !r.failed.is_empty() {
                return Err(CoreError::invalid(format!(
                    "{} line(s) could not be voiced (see above)",
                    r.failed.len()
                )));
            }
        }
        Command::Cast {
            action:
                Some(CastCmd::Audition {
                    series,
                    character,
                    text,
                }),
            ..
        } => {
            let a = engine
                .audition(&series, &character, text.as_deref())
                .await?;
            let path = engine.data_dir().join(&a.path);
            if json {
                print_json(&serde_json::json!({ "file": path, "audio": a }))?;
            } else {
                println!(
                    "{character}: {} {} ({:.2}s) → {}",
                    a.provider,
                    a.voice_id,
                    a.duration_sec,
                    path.display()
                );
            }
        }
        Command::Cast {
            action: Some(cmd), ..
        } => {
            // A change prints the character it changed; `references` prints everyone.
            let mut only: Option<String> = None;
            let view = match cmd {
                CastCmd::References { series } => engine.references(&series).await?,
                CastCmd::Upload {
                    series,
                    character,
                    outfit,
                    files,
                } => {
                    only = Some(character.clone());
                    let mut read = Vec::new();
                    for f in &files {
                        // A path the creator typed: a wrong one is their input, not the machine's fault.
                        let bytes = std::fs::read(f).map_err(|e| {
                            CoreError::invalid(if e.kind() == std::io::ErrorKind::NotFound {
                                format!(
                                    "{} is not there; check the path and try again",
                                    f.display()
                                )
                            } else {
                                format!(
                                    "{} cannot be read ({e}); check the file and try again",
                                    f.display()
                                )
                            })
                        })?;
                        let name = f
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_else(|| f.display().to_string());
                        read.push((name, bytes));
                    }
                    engine
                        .upload_reference(
                            &series,
                            &character,
                            outfit.as_deref().unwrap_or(""),
                            &read,
                        )
                        .await?
                }
                CastCmd::Candidates {
                    series,
                    character,
                    outfit,
                } => {
                    only = Some(character.clone());
                    engine
                        .reference_candidates(&series, &character, outfit.as_deref().unwrap_or(""))
                        .await?
                }
                CastCmd::Choose {
                    series,
                    character,
                    number,
                    outfit,
                } => {
                    if number == 0 {
                        return Err(CoreError::invalid(format!(
                            "candidates are numbered from 1: `aidas cast choose {series} {character} 1`"
                        )));
                    }
                    only = Some(character.clone());
                    engine
                        .choose_reference(
                            &series,
                            &character,
                            outfit.as_deref().unwrap_or(""),
                            number - 1,
                        )
                        .await?
                }
                CastCmd::UseReference {
                    series,
                    character,
                    version,
                    outfit,
                } => {
                    only = Some(character.clone());
                    engine
                        .use_reference(
                            &series,
                            &character,
                            outfit.as_deref().unwrap_or(""),
                            version,
                        )
                        .await?
                }
                CastCmd::Audition { .. } => {
                    return Err(CoreError::Internal(
                        "an audition reached the wrong arm of the CLI".into(),
                    ));
                }
            };
            if json {
                print_json(&view)?;
            } else {
                print::references(&view, engine.data_dir(), only.as_deref());
            }
        }
        Command::Cast {
            action: None,
            series,
            lock,
            unlock,
            recast,
        } => {
            let Some(series) = series else {
                return Err(CoreError::invalid("name a series: `aidas cast SERIES`"));
            };
            let view = if lock {
                engine.set_cast_locked(&series, true).await?
            } else if unlock {
                engine.set_cast_locked(&series, false).await?
            } else if recast {
                engine.recast(&series).await?
            } else {
                engine.cast(&series).await?
            };
            if json {
                print_json(&view)?;
            } else {
                print::cast(&view);
            }
        }
        _ => {
            return Err(CoreError::Internal(
                "a command reached the wrong area of the CLI".into(),
            ));
        }
    }
    Ok(())
}
