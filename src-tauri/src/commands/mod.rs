//! Tauri commands. `call` is the one adapter: it routes a command name and JSON arguments to the same table the
//! HTTP API uses (`studio_core::api`), so the desktop UI and the browser UI speak one API. `media_origin` tells
//! the UI where the in-app media server listens (the Linux webview cannot play video from `tauri://` URLs).

use std::sync::Arc;

use studio_core::{Engine, ErrorPayload};
use tauri::State;

pub type CmdResult<T> = Result<T, ErrorPayload>;

/// Where the local HTTP server (media with Range support) listens.
pub struct MediaOrigin(pub String);

#[tauri::command]
pub async fn call(
    engine: State<'_, Arc<Engine>>,
    command: String,
    args: serde_json::Value,
) -> CmdResult<serde_json::Value> {
    // The desktop smoke test looks for this line: the window loaded the UI and its first call arrived.
    tracing::info!(command = %command, "ui call");
    studio_core::api::call(engine.inner(), &command, args).await
}

#[tauri::command]
pub fn media_origin(origin: State<'_, MediaOrigin>) -> String {
    origin.0.clone()
}
