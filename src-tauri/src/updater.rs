//! The app's own updates where it updates itself (Windows, macOS): Tauri's
//! updater asks the provider profile's address, and nothing else, for a
//! signed manifest, and installs only what the key in `tauri.conf.json`
//! (`plugins.updater.pubkey`) signed. The Linux packages never come here:
//! the façade says their channel is the system's package manager.

use std::sync::Mutex;

use cc_app::{App, Error, ErrorCode, UpdateChannel, UpdateCheck};
use tauri::{AppHandle, Manager};
use tauri_plugin_updater::UpdaterExt;

/// The update found by the last look, until it is installed.
#[derive(Default)]
pub struct Pending(Mutex<Option<tauri_plugin_updater::Update>>);

fn updater_error(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::Server, format!("looking for a new version: {e}"))
}

fn poisoned() -> Error {
    Error::new(ErrorCode::Server, "the pending update's lock is poisoned")
}

/// Looks for a new version on the channel the façade says.
pub async fn check(handle: &AppHandle) -> Result<UpdateCheck, Error> {
    let app = handle.state::<App>();
    let endpoint = match app.update_channel()? {
        UpdateChannel::System => return Ok(UpdateCheck::System),
        UpdateChannel::Off { reason } => return Ok(UpdateCheck::Off { reason }),
        UpdateChannel::Updater { endpoint, .. } => endpoint,
    };
    let url = tauri::Url::parse(&endpoint).map_err(updater_error)?;
    let updater = handle
        .updater_builder()
        .endpoints(vec![url])
        .map_err(updater_error)?
        .build()
        .map_err(updater_error)?;
    let current = handle.package_info().version.to_string();
    let found = updater.check().await.map_err(updater_error)?;
    let pending = handle.state::<Pending>();
    let mut slot = pending.0.lock().map_err(|_| poisoned())?;
    Ok(match found {
        Some(update) => {
            let answer = UpdateCheck::Available {
                current,
                version: update.version.clone(),
                notes: update.body.clone(),
            };
            *slot = Some(update);
            answer
        }
        None => {
            *slot = None;
            UpdateCheck::UpToDate { current }
        }
    })
}

/// Downloads and installs the update the last look found (its signature
/// checked by the updater), then starts the new version.
pub async fn install(handle: &AppHandle) -> Result<(), Error> {
    let update = handle
        .state::<Pending>()
        .0
        .lock()
        .map_err(|_| poisoned())?
        .take()
        .ok_or_else(|| Error::new(ErrorCode::NotFound, "no new version found yet: look first"))?;
    update
        .download_and_install(|_, _| {}, || {})
        .await
        .map_err(updater_error)?;
    handle.restart()
}

/// At start, where the app updates itself: one look a minute after the
/// window opens, a desktop notification when a new version is ready.
pub fn look_at_start(handle: AppHandle) {
    let updates_itself = matches!(
        handle.state::<App>().update_channel(),
        Ok(UpdateChannel::Updater { .. })
    );
    if !updates_itself {
        return;
    }
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
        match check(&handle).await {
            Ok(UpdateCheck::Available { version, .. }) => {
                crate::notify::update_ready(&handle, &version)
            }
            Ok(_) => {}
            Err(e) => tracing::info!("no look for a new version: {}", e.message),
        }
    });
}
