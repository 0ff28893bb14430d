use studio_core::Engine;
use tauri::State;

use super::{CmdResult, err};

#[tauri::command]
pub async fn memory_context(
    engine: State<'_, Engine>,
    series: String,
    episode: u32,
) -> CmdResult<serde_json::Value> {
    let c = engine.memory_context(&series, episode).await.map_err(err)?;
    serde_json::to_value(c).map_err(|e| studio_core::CoreError::Internal(e.to_string()).payload())
}
