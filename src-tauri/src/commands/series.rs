use studio_core::Engine;
use studio_store::SeriesSummary;
use tauri::State;

use super::{CmdResult, err};

#[tauri::command]
pub async fn series_list(engine: State<'_, Engine>) -> CmdResult<Vec<SeriesSummary>> {
    engine.list_series().await.map_err(err)
}
