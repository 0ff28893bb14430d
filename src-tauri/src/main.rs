//! The AIDAS Studio desktop app: a Tauri 2 window over the same Engine the `aidas` CLI uses. Commands are thin
//! adapters in `commands/<area>.rs`; this file only wires state and the window.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;

use studio_core::{Engine, EngineOptions};

fn main() {
    let _ = tracing_subscriber::fmt()
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
        Ok(e) => e,
        Err(e) => {
            eprintln!("AIDAS Studio cannot open its data: {}", e.payload().message);
            std::process::exit(1);
        }
    };
    tauri::async_runtime::set(rt.handle().clone());
    let result = tauri::Builder::default()
        .manage(engine)
        .invoke_handler(tauri::generate_handler![
            commands::series::series_list,
            commands::memory::memory_context,
            commands::system::system_doctor,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("AIDAS Studio stopped: {e}");
        std::process::exit(1);
    }
}
