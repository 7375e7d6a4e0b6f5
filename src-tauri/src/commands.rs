//! Tauri commands: each one is a single call into the façade.

use cc_app::{App, AppInfo, Error, Settings};
use tauri::State;
use tauri_plugin_opener::OpenerExt;

#[tauri::command]
pub fn app_info(app: State<'_, App>) -> AppInfo {
    app.info()
}

#[tauri::command]
pub fn get_settings(app: State<'_, App>) -> Result<Settings, Error> {
    app.settings()
}

#[tauri::command]
pub fn set_language(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    language: String,
) -> Result<(), Error> {
    app.set_language(&language)?;
    crate::tray::relabel(&handle, &language);
    Ok(())
}

#[tauri::command]
pub fn open_url(app: State<'_, App>, handle: tauri::AppHandle, url: String) -> Result<(), Error> {
    app.check_external_url(&url)?;
    handle
        .opener()
        .open_url(url, None::<&str>)
        .map_err(|e| Error::new(cc_app::ErrorCode::System, e.to_string()))
}
