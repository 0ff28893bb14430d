//! Production: queue episodes, the background service (daemon and serve), status, the job queue.

use crate::*;

/// Runs one of this area's commands (Produce, Daemon, Serve, Status, Jobs).
///
/// # Errors
/// What the engine returns for the command.
pub async fn run(engine: Engine, command: Command, json: bool) -> Result<(), CoreError> {
    match command {
        Command::Produce {
            series,
            episodes,
            run,
        } => {
            let mut reports = Vec::new();
            for n in if episodes.is_empty() {
                vec![1]
            } else {
                episodes
            } {
                reports.push(engine.produce(&series, n).await?);
            }
            let mut outcomes = Vec::new();
            if run {
                show_progress(&engine, json);
                let engine = std::sync::Arc::new(engine);
                let stop = stop_on_signals();
                let workers = engine.config().production.workers;
                outcomes = engine.run_workers(workers, stop, true).await?;
                if !json {
                    for o in &outcomes {
                        print::job_outcome(o);
                    }
                }
                if json {
                    print_json(&serde_json::json!({ "queued": reports, "outcomes": outcomes }))?;
                } else {
                    print::status(&engine.status().await?);
                }
                return Ok(());
            }
            if json {
                print_json(&serde_json::json!({ "queued": reports, "outcomes": outcomes }))?;
            } else {
                for r in &reports {
                    println!(
                        "queued {} episode {}: {} new job(s) — run `aidas daemon` to work them off",
                        r.series_id, r.episode, r.jobs_added
                    );
                }
            }
        }
        Command::Daemon {
            workers,
            until_idle,
            plan,
        } => {
            let engine = std::sync::Arc::new(engine);
            let stop = stop_on_signals();
            let workers = workers.unwrap_or(engine.config().production.workers);
            if !json {
                eprintln!(
                    "aidas daemon: {workers} worker(s) on {} (SIGTERM or Ctrl-C finishes the jobs in hand and exits)",
                    engine.data_dir().display()
                );
            }
            let outcomes = engine
                .run_background(
                    studio_core::BackgroundOptions {
                        workers: Some(workers),
                        until_idle,
                        plan,
                    },
                    stop,
                )
                .await?;
            if json {
                print_json(&outcomes)?;
            } else {
                for o in &outcomes {
                    print::job_outcome(o);
                }
            }
        }
        Command::Serve {
            addr,
            token,
            workers,
            ui,
        } => {
            if !studio_server::is_loopback(&addr) && token.as_deref().is_none_or(str::is_empty) {
                return Err(CoreError::invalid(format!(
                    "{addr} is reachable from other machines: give an access token (--token or AIDAS_SERVE_TOKEN)"
                )));
            }
            let ui = ui.or_else(|| {
                let d = engine.assets_dir().join("../ui/dist");
                d.join("index.html").is_file().then_some(d)
            });
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| CoreError::io(format!("listening on {addr}"), e))?;
            let bound = listener
                .local_addr()
                .map_err(|e| CoreError::io("reading the bound address", e))?;
            let engine = std::sync::Arc::new(engine);
            let stop = stop_on_signals();
            let workers = workers.unwrap_or(engine.config().production.workers);
            let worker_task = (workers > 0).then(|| {
                let (e, stop) = (engine.clone(), stop.clone());
                tokio::spawn(async move {
                    e.run_background(
                        studio_core::BackgroundOptions {
                            workers: Some(workers),
                            ..Default::default()
                        },
                        stop,
                    )
                    .await
                })
            });
            // The address goes to stdout first, so scripts (and the browser tests) can read where it listens.
            println!("http://{bound}/");
            {
                use std::io::Write;
                let _ = std::io::stdout().flush();
            }
            eprintln!(
                "aidas serve: the studio at http://{bound}/ ({} worker(s); UI {}); Ctrl-C stops",
                workers,
                ui.as_ref()
                    .map(|u| u.display().to_string())
                    .unwrap_or_else(|| "not built: API only".into())
            );
            let shutdown = stop.clone().cancelled_owned();
            studio_server::serve(
                engine.clone(),
                listener,
                studio_server::ServeOptions { token, ui_dir: ui },
                shutdown,
            )
            .await
            .map_err(|e| CoreError::io("serving", e))?;
            if let Some(t) = worker_task {
                match t.await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::error!(%e, "background production stopped"),
                    Err(e) => tracing::error!(%e, "background production failed"),
                }
            }
        }
        Command::Status => {
            let st = engine.status().await?;
            if json {
                print_json(&st)?;
            } else {
                print::status(&st);
            }
        }
        Command::Jobs(JobsCmd::List { series }) => {
            let jobs = engine.jobs(series.as_deref()).await?;
            if json {
                print_json(&jobs)?;
            } else {
                print::jobs(&jobs);
            }
        }
        Command::Jobs(JobsCmd::Retry { id }) => {
            let job = engine.retry_job(id).await?;
            if json {
                print_json(&job)?;
            } else {
                println!("job {id} is queued again");
            }
        }
        Command::Jobs(JobsCmd::Cancel { series, episode }) => {
            let r = engine.cancel_episode(&series, episode).await?;
            if json {
                print_json(&r)?;
            } else {
                println!(
                    "{} episode {episode}: {} job(s) cancelled, {} running job(s) asked to stop",
                    r.series_id, r.cancelled, r.asked_to_stop
                );
            }
        }
        Command::Jobs(JobsCmd::Log { id }) => {
            let logs = engine.job_log(id).await?;
            if json {
                print_json(&logs)?;
            } else {
                for l in logs {
                    println!("{} {:5} {}", l.at, l.level, l.message);
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
