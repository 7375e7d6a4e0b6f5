//! The desktop shell: wires the window, the tray and the commands to the
//! `cc-app` façade. No logic of its own lives here.

mod commands;
mod tray;

use tauri::Manager;

/// Builds and runs the desktop app until the member quits.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COMMONSCLOUD_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let app = match cc_app::App::open_default() {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(code = ?e.code, "cannot start: {}", e.message);
            eprintln!("CommonsCloud cannot start: {}", e.message);
            std::process::exit(1);
        }
    };

    tauri::Builder::default()
        // First, so a second launch hands over to the running instance
        // before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|handle, _argv, _cwd| {
            tray::show_main_window(handle);
        }))
        .plugin(tauri_plugin_opener::init())
        .manage(app)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::get_settings,
            commands::set_language,
            commands::open_url,
        ])
        .setup(|app| {
            tray::create(app.handle())?;
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window keeps the app in the tray; Quit is in the
            // tray menu.
            if let tauri::WindowEvent::CloseRequested { api, .. } = event
                && window.label() == "main"
                && tray::has_tray(window.app_handle())
            {
                api.prevent_close();
                let _ = window.hide();
            }
        })
        .run(tauri::generate_context!())
        .expect("error while running the CommonsCloud desktop app");
}
