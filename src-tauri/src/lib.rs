//! The desktop shell: wires the window, the tray and the commands to the
//! `cc-app` façade. No logic of its own lives here.

mod commands;
mod notify;
mod tray;
mod updater;

use tauri::{Emitter, Manager};

/// Starts the background sync of every folder pair; what it does goes to
/// the webview as `sync-event`s, to the tray icon, and (once per event
/// worth it, never per file) to desktop notifications.
fn start_sync(handle: tauri::AppHandle) {
    let sink_handle = handle.clone();
    let sink: cc_app::EventSink = std::sync::Arc::new(move |event: cc_app::SyncEvent| {
        if let Err(e) = sink_handle.emit("sync-event", &event) {
            tracing::debug!("sync event not delivered: {e}");
        }
        match &event {
            cc_app::SyncEvent::Notice { notice } => notify::show(&sink_handle, notice),
            cc_app::SyncEvent::Reminder { reminder } => notify::reminder(&sink_handle, reminder),
            cc_app::SyncEvent::ServerNotice { notice, .. } => {
                notify::server_notice(&sink_handle, notice)
            }
            cc_app::SyncEvent::ServerNotices { .. } => {}
            // The server refused the password: the account is checked once
            // (a remote wipe is honoured there; otherwise it waits for the
            // member to sign in again, without retrying).
            cc_app::SyncEvent::AccountRefused { account_id } => {
                let handle = sink_handle.clone();
                let id = *account_id;
                tauri::async_runtime::spawn(async move {
                    let app = handle.state::<cc_app::App>();
                    match app.after_refusal(id).await {
                        Ok(health) => tracing::info!(account = id, ?health, "account checked"),
                        Err(e) => {
                            tracing::warn!(account = id, "account check failed: {}", e.message)
                        }
                    }
                    tray::refresh(&handle);
                });
            }
            _ => tray::refresh(&sink_handle),
        }
    });
    tauri::async_runtime::spawn(async move {
        let app = handle.state::<cc_app::App>();
        if let Err(e) = app.start_sync(sink).await {
            tracing::error!(code = ?e.code, "background sync did not start: {}", e.message);
        }
        tray::refresh(&handle);
    });
}

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

    let builder = tauri::Builder::default()
        // First, so a second launch hands over to the running instance
        // before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|handle, _argv, _cwd| {
            tray::show_main_window(handle);
        }))
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        // Asked only where the façade says the app updates itself, and
        // only of the provider profile's address (see updater.rs).
        .plugin(tauri_plugin_updater::Builder::new().build());
    // Start at login: Linux has the XDG entry the façade writes; Windows
    // and macOS go through the plugin (see commands::start_at_login).
    #[cfg(any(target_os = "windows", target_os = "macos"))]
    let builder = builder.plugin(tauri_plugin_autostart::init(
        tauri_plugin_autostart::MacosLauncher::LaunchAgent,
        None,
    ));
    builder
        .manage(app)
        .manage(updater::Pending::default())
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::get_settings,
            commands::set_language,
            commands::update_settings,
            commands::open_url,
            commands::accounts,
            commands::check_server,
            commands::start_login,
            commands::finish_login,
            commands::cancel_login,
            commands::sign_out,
            commands::list_remote_folders,
            commands::default_local_folder,
            commands::check_local_folder,
            commands::pick_local_folder,
            commands::folders,
            commands::add_folder,
            commands::remove_folder,
            commands::pause_folder,
            commands::resume_folder,
            commands::sync_now,
            commands::set_excluded,
            commands::allow_mass_delete,
            commands::open_local_folder,
            commands::conflicts,
            commands::resolve_conflict,
            commands::open_conflict,
            commands::activity,
            commands::pim_collections,
            commands::set_collection_hidden,
            commands::create_collection,
            commands::pim_sync_now,
            commands::calendar_entries,
            commands::event,
            commands::save_event,
            commands::delete_event,
            commands::search_contacts,
            commands::contact,
            commands::save_contact,
            commands::delete_contact,
            commands::import_pim_file,
            commands::export_pim_file,
            commands::open_contact_link,
            commands::update_collection,
            commands::delete_collection,
            commands::search_events,
            commands::contact_groups,
            commands::launcher,
            commands::account_overview,
            commands::open_service,
            commands::new_document,
            commands::open_in_office,
            commands::open_file_in_office,
            commands::start_meeting,
            commands::compose_mail,
            commands::server_notices,
            commands::dismiss_notice,
            commands::notice_action,
            commands::update_channel,
            commands::check_for_updates,
            commands::install_update,
        ])
        .setup(|app| {
            tray::create(app.handle())?;
            start_sync(app.handle().clone());
            updater::look_at_start(app.handle().clone());
            Ok(())
        })
        .build(tauri::generate_context!())
        .expect("error while building the CommonsCloud desktop app")
        .run(|handle, event| {
            // Closing the window closes the webview, which holds most of
            // the app's memory; syncing goes on in the tray, and the tray
            // (or a second launch) opens a new window. Quit is in the tray
            // menu. Without a tray, closing the window quits.
            if let tauri::RunEvent::ExitRequested {
                code: None, api, ..
            } = event
                && tray::has_tray(handle)
            {
                api.prevent_exit();
            }
        });
}

#[cfg(test)]
mod tests {
    /// A command the window may not call fails at run time only: each
    /// command handed to Tauri has its permission and the window's
    /// capability grants it.
    #[test]
    fn every_command_is_permitted_to_the_window() {
        let lib = include_str!("lib.rs");
        let handlers = lib
            .split("generate_handler![")
            .nth(1)
            .and_then(|s| s.split(']').next())
            .unwrap();
        let commands: Vec<&str> = handlers
            .split(',')
            .filter_map(|c| c.trim().strip_prefix("commands::"))
            .collect();
        assert!(commands.len() > 40, "{commands:?}");
        let permissions = include_str!("../permissions/app.toml");
        let capability = include_str!("../capabilities/main.json");
        for c in commands {
            let id = format!("allow-{}", c.replace('_', "-"));
            assert!(
                permissions.contains(&format!("identifier = \"{id}\"")),
                "no permission {id} in permissions/app.toml"
            );
            assert!(
                permissions.contains(&format!("commands.allow = [\"{c}\"]")),
                "permissions/app.toml does not allow {c}"
            );
            assert!(
                capability.contains(&format!("\"{id}\"")),
                "capabilities/main.json does not grant {id}"
            );
        }
    }
}
