//! Series and story memory: plan, import, list, show, pause; record, context, roll back.

use crate::*;

/// Runs one of this area's commands (Series, Memory).
///
/// # Errors
/// What the engine returns for the command.
pub async fn run(engine: Engine, command: Command, json: bool) -> Result<(), CoreError> {
    match command {
        Command::Series(SeriesCmd::New {
            title,
            genre,
            episodes,
            duration,
            premise,
            theme,
            audience,
            writer,
            id,
            seed,
        }) => {
            let genre: studio_core::domain::Genre =
                genre
                    .parse()
                    .map_err(|e: studio_core::domain::UnknownName| {
                        CoreError::invalid(format!("{e} (romance, thriller, comedy)"))
                    })?;
            let r = engine
                .new_series(studio_core::NewSeries {
                    title,
                    genre: Some(genre),
                    episodes,
                    episode_duration_min: duration,
                    premise,
                    main_theme: theme,
                    target_audience: audience,
                    writer,
                    id,
                    seed,
                })
                .await?;
            if json {
                print_json(&r)?;
            } else {
                print::new_series(&r);
            }
        }
        Command::Series(SeriesCmd::Import { file }) => {
            let r = engine.import_file(&file).await?;
            if json {
                print_json(&r)?;
            } else {
                print::import(&r);
            }
        }
        Command::Series(SeriesCmd::Pause { series }) => {
            let p = engine.set_series_paused(&series, true).await?;
            println!(
                "{} is paused: no new jobs start (running ones finish)",
                p.series_id
            );
        }
        Command::Series(SeriesCmd::Resume { series }) => {
            let p = engine.set_series_paused(&series, false).await?;
            println!("{} is running again", p.series_id);
        }
        Command::Series(SeriesCmd::List) => {
            let list = engine.list_series().await?;
            if json {
                print_json(&list)?;
            } else {
                print::series_list(&list);
            }
        }
        Command::Series(SeriesCmd::Show { series }) => {
            let d = engine.show_series(&series).await?;
            if json {
                print_json(&d)?;
            } else {
                print::series_detail(&d);
            }
        }
        Command::Memory(MemoryCmd::Context { series, episode }) => {
            let c = engine.memory_context(&series, episode).await?;
            if json {
                print_json(&c)?;
            } else {
                print::context(&c);
            }
        }
        Command::Memory(MemoryCmd::Record { series, file }) => {
            let text = studio_core::textfile::read_text(&file)?;
            let outcome: studio_core::domain::EpisodeOutcome = serde_json::from_str(&text)
                .map_err(|e| {
                    CoreError::bad_file(
                        &file,
                        format!("line {}, column {}: {e}", e.line(), e.column()),
                    )
                })?;
            engine.record_outcome(&series, &outcome).await?;
            let out = serde_json::json!({ "series": series, "recorded": outcome.episode_number });
            if json {
                print_json(&out)?;
            } else {
                println!("recorded episode {} of {series}", outcome.episode_number);
            }
        }
        Command::Memory(MemoryCmd::Rollback { series, episode }) => {
            let r = engine.roll_back(&series, episode).await?;
            if json {
                print_json(&r)?;
            } else {
                println!(
                    "rolled back episode(s) {:?} of {}: {} state, {} relationship, {} memory rows removed",
                    r.episodes, r.series_id, r.state_rows, r.relationship_rows, r.memory_rows
                );
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
