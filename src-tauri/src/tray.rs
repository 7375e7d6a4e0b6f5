//! The tray icon and its menu (open the folder, open the app, pause or
//! resume, quit), labelled in the UI language from the same translation
//! files the UI uses. The icon carries a coloured dot for the state of all
//! folder pairs together: up to date, syncing, paused, offline, error.

use std::collections::HashMap;

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::{MouseButton, MouseButtonState, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Manager, Runtime};

const TRAY_ID: &str = "main-tray";

pub fn messages(language: &str) -> HashMap<String, String> {
    let raw = match language {
        "es" => include_str!("../../ui/src/lib/i18n/es.json"),
        "en" => include_str!("../../ui/src/lib/i18n/en.json"),
        _ => include_str!("../../ui/src/lib/i18n/ca.json"),
    };
    serde_json::from_str(raw).unwrap_or_default()
}

pub fn text(messages: &HashMap<String, String>, key: &str, name: &str) -> String {
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
    let app = handle.state::<cc_app::App>();
    let folders = app.folders().unwrap_or_default();
    let open_folder = MenuItem::with_id(
        handle,
        "open-folder",
        text(&m, "tray.openFolder", &name),
        !folders.is_empty(),
        None::<&str>,
    )?;
    let all_paused = !folders.is_empty() && folders.iter().all(|f| f.paused);
    let pause = MenuItem::with_id(
        handle,
        if all_paused { "resume" } else { "pause" },
        text(
            &m,
            if all_paused {
                "tray.resume"
            } else {
                "tray.pause"
            },
            &name,
        ),
        !folders.is_empty(),
        None::<&str>,
    )?;
    // The cooperative's services, one click each, and a meeting.
    let services = Submenu::with_id(handle, "services", text(&m, "tray.services", &name), true)?;
    for (i, s) in app.tray_services().iter().enumerate() {
        services.append(&MenuItem::with_id(
            handle,
            format!("service-{i}"),
            &s.name,
            true,
            None::<&str>,
        )?)?;
    }
    let signed_in = app.accounts().map(|a| !a.is_empty()).unwrap_or(false);
    services.append(&PredefinedMenuItem::separator(handle)?)?;
    services.append(&MenuItem::with_id(
        handle,
        "meeting",
        text(&m, "tray.meeting", &name),
        signed_in,
        None::<&str>,
    )?)?;
    Menu::with_items(handle, &[&open_folder, &open, &services, &pause, &quit])
}

fn on_menu<R: Runtime>(handle: &AppHandle<R>, id: &str) {
    let app = handle.state::<cc_app::App>();
    match id {
        "open" => show_main_window(handle),
        "open-folder" => {
            if let Some(f) = app.folders().ok().and_then(|f| f.into_iter().next()) {
                use tauri_plugin_opener::OpenerExt;
                let _ = handle.opener().open_path(f.local_path, None::<&str>);
            }
        }
        "pause" => {
            for f in app.folders().unwrap_or_default() {
                let _ = app.pause_folder(f.id);
            }
            relabel(handle, &app.ui_language());
        }
        "resume" => {
            let h = handle.clone();
            tauri::async_runtime::spawn(async move {
                let app = h.state::<cc_app::App>();
                for f in app.folders().unwrap_or_default() {
                    let _ = app.resume_folder(f.id).await;
                }
                relabel(&h, &app.ui_language());
            });
        }
        "meeting" => {
            let h = handle.clone();
            tauri::async_runtime::spawn(async move {
                let app = h.state::<cc_app::App>();
                let Some(account) = app.accounts().ok().and_then(|a| a.first().map(|a| a.id))
                else {
                    return;
                };
                match app.start_meeting(account).await {
                    Ok(m) => {
                        use tauri_plugin_clipboard_manager::ClipboardExt;
                        let _ = h.clipboard().write_text(m.url.clone());
                        crate::notify::meeting(&h, &m);
                    }
                    Err(e) => tracing::warn!("no meeting: {}", e.message),
                }
            });
        }
        other if other.starts_with("service-") => {
            let url = other
                .strip_prefix("service-")
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| app.tray_services().get(i).map(|s| s.url.clone()));
            if let Some(url) = url.and_then(|u| app.check_external_url(&u).ok()) {
                use tauri_plugin_opener::OpenerExt;
                let _ = handle.opener().open_url(url, None::<&str>);
            }
        }
        "quit" => handle.exit(0),
        _ => {}
    }
}

/// The colour of the state dot (`None`: no folder yet, plain icon).
fn dot_colour(o: cc_app::Overall) -> Option<[u8; 3]> {
    use cc_app::Overall;
    match o {
        Overall::Idle => None,
        Overall::UpToDate => Some([0x2e, 0x7d, 0x32]),
        Overall::Syncing => Some([0x15, 0x65, 0xc0]),
        Overall::Paused => Some([0x75, 0x75, 0x75]),
        Overall::Offline => Some([0x42, 0x42, 0x42]),
        Overall::Error => Some([0xc6, 0x28, 0x28]),
    }
}

/// The app icon with a dot in the lower right corner (white ring, state
/// colour inside).
fn with_dot(icon: &Image<'_>, rgb: [u8; 3]) -> Image<'static> {
    let (w, h) = (icon.width() as i64, icon.height() as i64);
    let mut rgba = icon.rgba().to_vec();
    let r = (w.min(h) as f64) * 0.22;
    let (cx, cy) = (w as f64 - r - 0.5, h as f64 - r - 0.5);
    for y in 0..h {
        for x in 0..w {
            let d = ((x as f64 + 0.5 - cx).powi(2) + (y as f64 + 0.5 - cy).powi(2)).sqrt();
            let i = ((y * w + x) * 4) as usize;
            if d <= r - r * 0.25 {
                rgba[i..i + 4].copy_from_slice(&[rgb[0], rgb[1], rgb[2], 255]);
            } else if d <= r {
                rgba[i..i + 4].copy_from_slice(&[255, 255, 255, 255]);
            }
        }
    }
    Image::new_owned(rgba, w as u32, h as u32)
}

/// Shows the state of all pairs on the tray icon and in its tooltip.
pub fn refresh<R: Runtime>(handle: &AppHandle<R>) {
    let Some(tray) = handle.tray_by_id(TRAY_ID) else {
        return;
    };
    let app = handle.state::<cc_app::App>();
    let overall = app.overall();
    let state = handle.state::<TrayState>();
    {
        let mut last = state.0.lock().unwrap_or_else(|p| p.into_inner());
        if *last == Some(overall) {
            return;
        }
        *last = Some(overall);
    }
    let Some(base) = handle.default_window_icon().cloned() else {
        return;
    };
    let icon = match dot_colour(overall) {
        Some(c) => with_dot(&base, c),
        None => base.to_owned(),
    };
    let _ = tray.set_icon(Some(icon));
    let m = messages(&app.ui_language());
    let name = app.info().name;
    let key = match overall {
        cc_app::Overall::Idle => "tray.state.idle",
        cc_app::Overall::UpToDate => "tray.state.upToDate",
        cc_app::Overall::Syncing => "tray.state.syncing",
        cc_app::Overall::Paused => "tray.state.paused",
        cc_app::Overall::Offline => "tray.state.offline",
        cc_app::Overall::Error => "tray.state.error",
    };
    let _ = tray.set_tooltip(Some(format!("{name}: {}", text(&m, key, &name))));
    relabel(handle, &app.ui_language());
}

/// The last state shown, so the icon is redrawn only when it changes.
#[derive(Debug, Default)]
pub struct TrayState(std::sync::Mutex<Option<cc_app::Overall>>);

/// Shows, unminimises and focuses the main window; opens a new one when
/// the member had closed it (the app went on in the tray).
pub fn show_main_window<R: Runtime>(handle: &AppHandle<R>) {
    let window = match handle.get_webview_window("main") {
        Some(w) => w,
        None => {
            let Some(config) = handle
                .config()
                .app
                .windows
                .iter()
                .find(|w| w.label == "main")
            else {
                return;
            };
            match tauri::WebviewWindowBuilder::from_config(handle, config).and_then(|b| b.build()) {
                Ok(w) => w,
                Err(e) => {
                    tracing::error!("cannot open the window again: {e}");
                    return;
                }
            }
        }
    };
    let _ = window.show();
    let _ = window.unminimize();
    let _ = window.set_focus();
}

/// Whether a tray icon exists (closing the window then only hides it).
pub fn has_tray<R: Runtime>(handle: &AppHandle<R>) -> bool {
    handle.tray_by_id(TRAY_ID).is_some()
}

/// Creates the tray icon. A desktop without a tray is not an error: the
/// app then quits when its window closes.
pub fn create<R: Runtime>(handle: &AppHandle<R>) -> tauri::Result<()> {
    handle.manage(TrayState::default());
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
        .on_menu_event(|handle, event| on_menu(handle, event.id().as_ref()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use cc_app::Overall;

    #[test]
    fn each_state_has_its_own_dot() {
        let states = [
            Overall::UpToDate,
            Overall::Syncing,
            Overall::Paused,
            Overall::Offline,
            Overall::Error,
        ];
        let colours: Vec<_> = states.iter().map(|s| dot_colour(*s).unwrap()).collect();
        for (i, a) in colours.iter().enumerate() {
            for b in &colours[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(dot_colour(Overall::Idle), None, "no folder: the plain icon");
    }

    #[test]
    fn the_dot_is_drawn_in_the_lower_right_corner_only() {
        let base = Image::new_owned(vec![10; 32 * 32 * 4], 32, 32);
        let dotted = with_dot(&base, [0xc6, 0x28, 0x28]);
        assert_eq!((dotted.width(), dotted.height()), (32, 32));
        let px = |x: usize, y: usize| {
            let i = (y * 32 + x) * 4;
            dotted.rgba()[i..i + 4].to_vec()
        };
        assert_eq!(px(0, 0), vec![10, 10, 10, 10], "the icon is kept");
        assert_eq!(px(32 - 7, 32 - 7), vec![0xc6, 0x28, 0x28, 255]);
        assert_eq!(px(16, 2), vec![10, 10, 10, 10]);
    }
}
