//! Review, channels and publishing.

use crate::*;

/// Runs one of this area's commands (Review, Channel, Publish).
///
/// # Errors
/// What the engine returns for the command.
pub async fn run(engine: Engine, command: Command, json: bool) -> Result<(), CoreError> {
    match command {
        Command::Review(ReviewCmd::List) => {
            let items = engine.review_list().await?;
            if json {
                print_json(&items)?;
            } else if items.is_empty() {
                println!("nothing waits for review");
            } else {
                for i in items {
                    println!(
                        "{} episode {} \"{}\" — {}{}",
                        i.series_id,
                        i.episode,
                        i.title,
                        i.status,
                        i.video.map(|v| format!(" — {v}")).unwrap_or_default()
                    );
                    for f in i.flags {
                        println!("    flag: {f}");
                    }
                    for d in i.decisions {
                        println!(
                            "    {} {}{}",
                            d.decision,
                            d.reason,
                            d.publish_at
                                .map(|p| format!(" (publish {p})"))
                                .unwrap_or_default()
                        );
                    }
                }
            }
        }
        Command::Review(ReviewCmd::Approve {
            series,
            episode,
            reason,
            at,
        }) => {
            let r = engine
                .approve_episode(&series, episode, &reason, at.as_deref())
                .await?;
            if json {
                print_json(&r)?;
            } else {
                println!(
                    "{} episode {episode} is {}; its review gate is open{}",
                    r.series_id,
                    r.status,
                    r.publish_at
                        .map(|p| format!("; it goes public at {p}"))
                        .unwrap_or_default()
                );
            }
        }
        Command::Review(ReviewCmd::Reject {
            series,
            episode,
            reason,
        }) => {
            let st = engine.reject_episode(&series, episode, &reason).await?;
            println!(
                "{series} episode {episode} is {st}: \"{reason}\" (regenerate scenes with `aidas review regenerate {series} {episode} --scenes N,M`)"
            );
        }
        Command::Review(ReviewCmd::Regenerate {
            series,
            episode,
            scenes,
            reason,
        }) => {
            let r = engine
                .regenerate_scenes(&series, episode, &scenes, &reason)
                .await?;
            if json {
                print_json(&r)?;
            } else {
                println!(
                    "{} episode {episode}: scenes {:?} ({} lines, {} shots) will be made again; then it renders and \
                 returns to review (`aidas produce {} {episode} --run` or the daemon)",
                    r.series_id,
                    r.scenes,
                    r.lines,
                    r.shots.len(),
                    r.series_id
                );
            }
        }
        Command::Channel(ChannelCmd::Connect {
            timeout,
            no_browser,
        }) => {
            let flow = engine.begin_channel_connect().await?;
            eprintln!(
                "Open this address in a browser and sign in to the channel's Google account:\n\n  {}\n",
                flow.url
            );
            if !no_browser {
                let _ = std::process::Command::new("xdg-open")
                    .arg(&flow.url)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn();
            }
            eprintln!("waiting for the sign-in on {} …", flow.redirect_uri);
            let c = engine
                .finish_channel_connect(flow, std::time::Duration::from_secs(timeout))
                .await?;
            if json {
                print_json(&c)?;
            } else {
                println!("connected: {} ({})", c.name, c.id);
            }
        }
        Command::Channel(ChannelCmd::List) => {
            let list = engine.channels().await?;
            if json {
                print_json(&list)?;
            } else if list.is_empty() {
                println!("no channels connected (`aidas channel connect`)");
            } else {
                for c in list {
                    println!(
                        "{}  {}  {}{}",
                        c.id,
                        c.name,
                        c.state,
                        c.state_detail
                            .map(|d| format!(" — {d}"))
                            .unwrap_or_default()
                    );
                }
            }
        }
        Command::Channel(ChannelCmd::Use {
            series,
            channel,
            folder_only: _,
        }) => {
            engine
                .set_publish_channel(&series, channel.as_deref())
                .await?;
            match channel {
                Some(c) => println!("{series} publishes to {c}"),
                None => println!("{series} goes to the export folder only"),
            }
        }
        Command::Publish {
            series,
            episode,
            channel,
        } => {
            show_progress(&engine, json);
            let r = engine
                .publish_episode(&series, episode, channel.as_deref(), Default::default())
                .await?;
            let (export, yt) = (r.export, r.youtube);
            if json {
                print_json(&serde_json::json!({ "export": export, "youtube": yt }))?;
            } else {
                println!("exported to {}", export.dir);
                match yt {
                    Some(r) => {
                        println!(
                            "YouTube video {} on {}{}{}",
                            r.video_id,
                            r.channel_id,
                            r.publish_at
                                .map(|p| format!(", public at {p}"))
                                .unwrap_or_default(),
                            if r.already_done {
                                " (uploaded before)"
                            } else {
                                ""
                            }
                        );
                        for n in r.notes {
                            println!("  {n}");
                        }
                    }
                    None => println!(
                        "no YouTube channel for this series (`aidas channel use {} CHANNEL`)",
                        export.series_id
                    ),
                }
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
