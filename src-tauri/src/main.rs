//! The AIDAS Studio desktop app: a Tauri 2 window over the same Engine the `aidas` CLI uses. Commands are thin
//! adapters (`commands.rs`); engine events are forwarded to the window as `engine-event`; alerts and finished
//! episodes become desktop notifications; closing the window keeps production running in the background (the tray
//! icon's Quit stops it gracefully).

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use std::sync::Arc;

use studio_core::domain::Stage;
use studio_core::{Engine, EngineEvent, EngineOptions, JobEnd};
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{Emitter, Manager};

fn main() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("AIDAS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .try_init();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("AIDAS Studio cannot start its runtime: {e}");
            std::process::exit(1);
        }
    };
    let engine = match rt.block_on(Engine::open(EngineOptions::default())) {
        Ok(e) => Arc::new(e),
        Err(e) => {
            eprintln!("AIDAS Studio cannot open its data: {}", e.payload().message);
            std::process::exit(1);
        }
    };
    // Media (and the same API) over http://127.0.0.1 on a free port.
    let listener = match rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("AIDAS Studio cannot open its media server: {e}");
            std::process::exit(1);
        }
    };
    let origin = listener
        .local_addr()
        .map(|a| format!("http://{a}"))
        .unwrap_or_default();
    let stop = studio_core::CancellationToken::new();
    {
        let (engine, stop) = (engine.clone(), stop.clone());
        rt.spawn(async move {
            let shutdown = stop.cancelled_owned();
            let opts = studio_server::ServeOptions {
                token: None,
                ui_dir: None,
            };
            if let Err(e) = studio_server::serve(engine, listener, opts, shutdown).await {
                tracing::error!(%e, "media server stopped");
            }
        });
    }
    // Background production runs while the app is open, window or not.
    let workers = {
        let (engine, stop) = (engine.clone(), stop.clone());
        // The same service as `aidas daemon` and `aidas serve`: workers, the daily plan, the alert rules.
        rt.spawn(async move {
            engine
                .run_background(studio_core::BackgroundOptions::default(), stop)
                .await
        })
    };
    tauri::async_runtime::set(rt.handle().clone());
    let events_engine = engine.clone();
    let quit_stop = stop.clone();
    let result = tauri::Builder::default()
        .manage(engine)
        .manage(commands::MediaOrigin(origin))
        .invoke_handler(tauri::generate_handler![
            commands::call,
            commands::media_origin
        ])
        .setup(move |app| {
            // Engine events → the window; alerts and finished episodes → desktop notifications.
            let handle = app.handle().clone();
            let mut rx = events_engine.events().subscribe();
            tauri::async_runtime::spawn(async move {
                loop {
                    // A lagging receiver skips what it missed and carries on (as the CLI and the server do);
                    // only a closed bus ends the forwarder.
                    let ev = match rx.recv().await {
                        Ok(ev) => ev,
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            // Tell the window, as the server tells its pages, so it can reload what it shows.
                            tracing::warn!(skipped = n, "the window missed engine events");
                            let _ = handle.emit(
                                "engine-event",
                                serde_json::json!({"type": "lagged", "missed": n}),
                            );
                            continue;
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                    };
                    let _ = handle.emit("engine-event", &ev);
                    let note = match &ev {
                        EngineEvent::Alert { message, .. } => Some(message.clone()),
                        EngineEvent::JobFinished {
                            series_id,
                            episode,
                            stage,
                            status,
                        } if *stage == Stage::Finalize && *status == JobEnd::Succeeded => {
                            Some(format!("{series_id} episode {episode} is finished"))
                        }
                        _ => None,
                    };
                    if let Some(body) = note {
                        notify(&body);
                    }
                }
            });
            let quit =
                MenuItem::with_id(app, "quit", "Quit (stop production)", true, None::<&str>)?;
            let show = MenuItem::with_id(app, "show", "Open AIDAS Studio", true, None::<&str>)?;
            let menu = Menu::with_items(app, &[&show, &quit])?;
            let stop = quit_stop.clone();
            let mut tray = TrayIconBuilder::new()
                .menu(&menu)
                .on_menu_event(move |app, e| match e.id().as_ref() {
                    "quit" => {
                        stop.cancel();
                        app.exit(0);
                    }
                    "show" => {
                        if let Some(w) = app.get_webview_window("main") {
                            let _ = w.show();
                            let _ = w.set_focus();
                        }
                    }
                    _ => {}
                });
            if let Some(icon) = app.default_window_icon() {
                tray = tray.icon(icon.clone());
            }
            tray.build(app)?;
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window hides it: production keeps running from the tray.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let _ = window.hide();
                api.prevent_close();
            }
        })
        .run(tauri::generate_context!());
    stop.cancel();
    // Jobs in hand finish (the workers see the stop token) before the process ends.
    let _ = rt.block_on(workers);
    if let Err(e) = result {
        eprintln!("AIDAS Studio stopped: {e}");
        std::process::exit(1);
    }
}

/// A desktop notification through the freedesktop notification service (`notify-send`), when present.
fn notify(body: &str) {
    let _ = std::process::Command::new("notify-send")
        .args(["AIDAS Studio", body])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}
