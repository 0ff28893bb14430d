use studio_core::Engine;
use studio_core::doctor::DoctorReport;
use tauri::State;

#[tauri::command]
pub async fn system_doctor(engine: State<'_, Engine>) -> Result<DoctorReport, ()> {
    Ok(engine.doctor().await)
}
