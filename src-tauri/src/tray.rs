//! The tray icon and its menu (open, quit), labelled in the UI language
//! from the same translation files the UI uses.

use std::collections::HashMap;

use tauri::menu::{Menu, MenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

const TRAY_ID: &str = "main-tray";

fn messages(language: &str) -> HashMap<String, String> {
    let raw = match language {
        "es" => include_str!("../../ui/src/lib/i18n/es.json"),
        "en" => include_str!("../../ui/src/lib/i18n/en.json"),
        _ => include_str!("../../ui/src/lib/i18n/ca.json"),
    };
    serde_json::from_str(raw).unwrap_or_default()
}

fn text(messages: &HashMap<String, String>, key: &str, name: &str) -> String {
    messages
        .get(key)
        .map(|t| t.replace("{name}", name))
        .unwrap_or_else(|| key.to_owned())
}

fn build_menu<R: Runtime>(handle: &AppHandle<R>, language: &str) -> tauri::Result<Menu<R>> {
    let m = messages(language);
    let name = handle.state::<cc_app::App>().info().name;
    let open = MenuItem::with_id(
        handle,
        "open",
        text(&m, "tray.open", &name),
        true,
        None::<&str>,
    )?;
    let quit = MenuItem::with_id(
        handle,
        "quit",
        text(&m, "tray.quit", &name),
        true,
        None::<&str>,
    )?;
    Menu::with_items(handle, &[&open, &quit])
}

/// Shows, unminimises and focuses the main window.
pub fn show_main_window<R: Runtime>(handle: &AppHandle<R>) {
    if let Some(w) = handle.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// Whether a tray icon exists (closing the window then only hides it).
pub fn has_tray<R: Runtime>(handle: &AppHandle<R>) -> bool {
    handle.tray_by_id(TRAY_ID).is_some()
}

/// Creates the tray icon. A desktop without a tray is not an error: the
/// app then quits when its window closes.
pub fn create<R: Runtime>(handle: &AppHandle<R>) -> tauri::Result<()> {
    let app = handle.state::<cc_app::App>();
    let language = app.ui_language();
    let menu = build_menu(handle, &language)?;
    let icon = handle
        .default_window_icon()
        .cloned()
        .ok_or_else(|| tauri::Error::AssetNotFound("default window icon".into()))?;
    let built = TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon)
        .tooltip(app.info().name)
        .menu(&menu)
        .show_menu_on_left_click(false)
        .on_menu_event(|handle, event| match event.id().as_ref() {
            "open" => show_main_window(handle),
            "quit" => handle.exit(0),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                show_main_window(tray.app_handle());
            }
        })
        .build(handle);
    if let Err(e) = built {
        tracing::warn!("no tray icon on this desktop: {e}");
    }
    Ok(())
}

/// Relabels the tray menu after the member switched language.
pub fn relabel<R: Runtime>(handle: &AppHandle<R>, language: &str) {
    if let (Some(tray), Ok(menu)) = (handle.tray_by_id(TRAY_ID), build_menu(handle, language)) {
        let _ = tray.set_menu(Some(menu));
    }
}
