//! Tauri commands: each one is a single call into the façade (opening a
//! page, a folder or a file with the OS, and the folder picker, are the
//! shell's own: they are what a desktop shell is for).

use std::path::Path;

use cc_app::{
    Account, AccountOverview, ActivityItem, App, AppInfo, CalendarEntry, Conflict, ContactDetail,
    ContactGroup, ContactSummary, EditScope, Error, ErrorCode, EventDetail, FolderPair,
    ImportReport, Launcher, LocalFolderCheck, LoginStarted, Meeting, NewFolderPair, Opened,
    PimCollection, PimKind, RemoteFolder, Resolution, SaveContact, SaveEvent, ServerCheck,
    ServerNotice, Settings, SettingsPatch, SignOutReport,
};
use tauri::State;
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;

fn system(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::System, e.to_string())
}

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
pub fn update_settings(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    patch: SettingsPatch,
) -> Result<Settings, Error> {
    if patch.autostart.is_none() {
        return app.update_settings(&patch);
    }
    // The façade stores the settings, then has the system follow the
    // start-at-login choice, putting it back if the system refuses.
    let system = start_at_login(&app, &handle)?;
    app.update_settings_at_login(&patch, system.as_ref())
}

/// Linux and the BSDs: the XDG autostart entry the façade writes,
/// `commonscloud-desktop.desktop` as the installed entry is named.
#[cfg(not(any(target_os = "windows", target_os = "macos")))]
fn start_at_login(
    app: &App,
    _handle: &tauri::AppHandle,
) -> Result<Box<dyn cc_app::StartAtLogin>, Error> {
    let entry =
        cc_app::XdgAutostart::for_current_user("commonscloud-desktop", &app.provider().brand)?;
    Ok(Box::new(entry))
}

/// Windows (the Run key) and macOS (a launch agent): `tauri-plugin-autostart`.
#[cfg(any(target_os = "windows", target_os = "macos"))]
fn start_at_login<'a>(
    _app: &App,
    handle: &'a tauri::AppHandle,
) -> Result<Box<dyn cc_app::StartAtLogin + 'a>, Error> {
    Ok(Box::new(PluginAutostart(handle)))
}

#[cfg(any(target_os = "windows", target_os = "macos"))]
struct PluginAutostart<'a>(&'a tauri::AppHandle);

#[cfg(any(target_os = "windows", target_os = "macos"))]
impl cc_app::StartAtLogin for PluginAutostart<'_> {
    fn enable(&self) -> Result<(), String> {
        use tauri_plugin_autostart::ManagerExt;
        self.0.autolaunch().enable().map_err(|e| e.to_string())
    }
    fn disable(&self) -> Result<(), String> {
        use tauri_plugin_autostart::ManagerExt;
        self.0.autolaunch().disable().map_err(|e| e.to_string())
    }
}

#[tauri::command]
pub fn open_url(app: State<'_, App>, handle: tauri::AppHandle, url: String) -> Result<(), Error> {
    // What was checked is what opens: the address as parsed, not the text.
    let url = app.check_external_url(&url)?;
    handle.opener().open_url(url, None::<&str>).map_err(system)
}

#[tauri::command]
pub fn accounts(app: State<'_, App>) -> Result<Vec<Account>, Error> {
    app.accounts()
}

#[tauri::command]
pub async fn check_server(app: State<'_, App>, address: String) -> Result<ServerCheck, Error> {
    app.check_server(&address).await
}

/// Starts the sign-in and opens its page in the system browser; when no
/// browser opens, the UI shows the address to open by hand.
#[tauri::command]
pub async fn start_login(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    server: String,
) -> Result<LoginStarted, Error> {
    let started = app.start_login(&server).await?;
    if let Err(e) = handle
        .opener()
        .open_url(started.login_url.clone(), None::<&str>)
    {
        tracing::warn!("no browser opened for the sign-in page: {e}");
    }
    Ok(started)
}

#[tauri::command]
pub async fn finish_login(app: State<'_, App>, login_id: u64) -> Result<Account, Error> {
    app.finish_login(login_id).await
}

#[tauri::command]
pub fn cancel_login(app: State<'_, App>, login_id: u64) -> Result<(), Error> {
    app.cancel_login(login_id)
}

#[tauri::command]
pub async fn sign_out(app: State<'_, App>, account_id: i64) -> Result<SignOutReport, Error> {
    app.sign_out(account_id, false).await
}

#[tauri::command]
pub async fn list_remote_folders(
    app: State<'_, App>,
    account_id: i64,
    path: String,
) -> Result<Vec<RemoteFolder>, Error> {
    app.list_remote_folders(account_id, &path).await
}

#[tauri::command]
pub fn default_local_folder(app: State<'_, App>) -> Result<String, Error> {
    app.default_local_folder()
}

#[tauri::command]
pub fn check_local_folder(app: State<'_, App>, path: String) -> Result<LocalFolderCheck, Error> {
    app.check_local_folder(&path)
}

/// The OS folder picker; `None` when the member closed it.
#[tauri::command]
pub async fn pick_local_folder(handle: tauri::AppHandle) -> Result<Option<String>, Error> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    handle.dialog().file().pick_folder(move |picked| {
        let _ = tx.send(picked);
    });
    let picked = rx.await.map_err(system)?;
    Ok(picked
        .and_then(|p| p.into_path().ok())
        .map(|p| p.to_string_lossy().into_owned()))
}

#[tauri::command]
pub fn folders(app: State<'_, App>) -> Result<Vec<FolderPair>, Error> {
    app.folders()
}

#[tauri::command]
pub async fn add_folder(app: State<'_, App>, pair: NewFolderPair) -> Result<FolderPair, Error> {
    app.add_folder(pair).await
}

#[tauri::command]
pub fn remove_folder(app: State<'_, App>, folder_id: i64) -> Result<(), Error> {
    app.remove_folder(folder_id)
}

#[tauri::command]
pub fn pause_folder(app: State<'_, App>, folder_id: i64) -> Result<FolderPair, Error> {
    app.pause_folder(folder_id)
}

#[tauri::command]
pub async fn resume_folder(app: State<'_, App>, folder_id: i64) -> Result<FolderPair, Error> {
    app.resume_folder(folder_id).await
}

#[tauri::command]
pub async fn sync_now(app: State<'_, App>, folder_id: i64) -> Result<(), Error> {
    app.sync_now(folder_id).await
}

#[tauri::command]
pub fn set_excluded(
    app: State<'_, App>,
    folder_id: i64,
    excluded: Vec<String>,
) -> Result<FolderPair, Error> {
    app.set_excluded(folder_id, &excluded)
}

#[tauri::command]
pub fn allow_mass_delete(app: State<'_, App>, folder_id: i64) -> Result<(), Error> {
    app.allow_mass_delete(folder_id)
}

fn open_path(handle: &tauri::AppHandle, path: &Path) -> Result<(), Error> {
    handle
        .opener()
        .open_path(path.to_string_lossy(), None::<&str>)
        .map_err(system)
}

#[tauri::command]
pub fn open_local_folder(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    folder_id: i64,
) -> Result<(), Error> {
    let f = app.folder(folder_id)?;
    open_path(&handle, Path::new(&f.local_path))
}

#[tauri::command]
pub fn conflicts(app: State<'_, App>) -> Result<Vec<Conflict>, Error> {
    app.conflicts()
}

#[tauri::command]
pub fn resolve_conflict(
    app: State<'_, App>,
    folder_id: i64,
    copy_path: String,
    resolution: Resolution,
) -> Result<(), Error> {
    app.resolve_conflict(folder_id, &copy_path, resolution)
}

/// Opens both versions of a conflict with the programs the OS picks.
#[tauri::command]
pub fn open_conflict(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    folder_id: i64,
    copy_path: String,
) -> Result<(), Error> {
    let (theirs, mine) = app.conflict_files(folder_id, &copy_path)?;
    open_path(&handle, &theirs)?;
    open_path(&handle, &mine)
}

#[tauri::command]
pub fn activity(app: State<'_, App>) -> Result<Vec<ActivityItem>, Error> {
    app.activity()
}

// Calendars and contacts.

#[tauri::command]
pub fn pim_collections(app: State<'_, App>) -> Result<Vec<PimCollection>, Error> {
    app.pim_collections()
}

#[tauri::command]
pub fn set_collection_hidden(app: State<'_, App>, id: i64, hidden: bool) -> Result<(), Error> {
    app.set_collection_hidden(id, hidden)
}

#[tauri::command]
pub async fn create_collection(
    app: State<'_, App>,
    account_id: i64,
    kind: PimKind,
    name: String,
    color: Option<String>,
) -> Result<(), Error> {
    app.create_collection(account_id, kind, &name, color.as_deref())
        .await
}

#[tauri::command]
pub async fn pim_sync_now(app: State<'_, App>) -> Result<(), Error> {
    app.pim_sync_now().await
}

#[tauri::command]
pub fn calendar_entries(
    app: State<'_, App>,
    from: i64,
    to: i64,
) -> Result<Vec<CalendarEntry>, Error> {
    app.calendar_entries(from, to)
}

#[tauri::command]
pub fn event(
    app: State<'_, App>,
    item_id: i64,
    recurrence_id: Option<i64>,
) -> Result<EventDetail, Error> {
    app.event(item_id, recurrence_id)
}

#[tauri::command]
pub fn save_event(app: State<'_, App>, event: SaveEvent) -> Result<i64, Error> {
    app.save_event(event)
}

#[tauri::command]
pub fn delete_event(
    app: State<'_, App>,
    item_id: i64,
    recurrence_id: Option<i64>,
    scope: EditScope,
) -> Result<(), Error> {
    app.delete_event(item_id, recurrence_id, scope)
}

#[tauri::command]
pub fn search_contacts(
    app: State<'_, App>,
    text: String,
    limit: usize,
    group: Option<String>,
) -> Result<Vec<ContactSummary>, Error> {
    app.search_contacts(&text, limit, group.as_deref())
}

#[tauri::command]
pub fn contact_groups(app: State<'_, App>) -> Result<Vec<ContactGroup>, Error> {
    app.contact_groups()
}

#[tauri::command]
pub fn contact(app: State<'_, App>, item_id: i64) -> Result<ContactDetail, Error> {
    app.contact(item_id)
}

#[tauri::command]
pub fn save_contact(app: State<'_, App>, contact: SaveContact) -> Result<i64, Error> {
    app.save_contact(contact)
}

#[tauri::command]
pub fn delete_contact(app: State<'_, App>, item_id: i64) -> Result<(), Error> {
    app.delete_contact(item_id)
}

/// Asks for a `.ics` / `.vcf` file with the OS dialog and imports it;
/// `None` when the member closed the dialog.
#[tauri::command]
pub async fn import_pim_file(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    collection_id: i64,
) -> Result<Option<ImportReport>, Error> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    handle
        .dialog()
        .file()
        .add_filter("iCalendar / vCard", &["ics", "vcf", "ical", "vcard"])
        .pick_file(move |picked| {
            let _ = tx.send(picked);
        });
    let Some(path) = rx.await.map_err(system)?.and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    app.import_file(collection_id, &path).map(Some)
}

/// Asks where to save a calendar or address book and writes it there;
/// `false` when the member closed the dialog.
#[tauri::command]
pub async fn export_pim_file(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    collection_id: i64,
    file_name: String,
) -> Result<bool, Error> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    handle
        .dialog()
        .file()
        .set_file_name(file_name)
        .save_file(move |picked| {
            let _ = tx.send(picked);
        });
    let Some(path) = rx.await.map_err(system)?.and_then(|p| p.into_path().ok()) else {
        return Ok(false);
    };
    app.export_file(collection_id, &path).map(|()| true)
}

/// Opens an e-mail address or phone number with the system's handler.
#[tauri::command]
pub async fn open_contact_link(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    kind: String,
    value: String,
) -> Result<(), Error> {
    let value = value.trim();
    let ok = !value.is_empty()
        && !value
            .chars()
            .any(|c| c.is_control() || c == '?' || c == '&' || c == '/')
        && value.len() < 320;
    let url = match kind.as_str() {
        // The same path as "Write an e-mail": the profile's webmail, the
        // server's Mail app, else the system's mail program.
        "mailto" if ok && value.contains('@') => {
            let account = app.accounts()?.first().map(|a| a.id);
            app.compose_mail(account, value).await?
        }
        "tel" if ok => format!(
            "tel:{}",
            value
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '+')
                .collect::<String>()
        ),
        _ => {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("not an e-mail address or phone number: {value:?}"),
            ));
        }
    };
    open_checked(&app, &handle, &url)
}

/// Opens a page (checked: https, or http on this computer) or a `mailto:`
/// address with the system.
fn open_checked(app: &App, handle: &tauri::AppHandle, url: &str) -> Result<(), Error> {
    let url = if url.starts_with("mailto:") || url.starts_with("tel:") {
        url.to_owned()
    } else {
        app.check_external_url(url)?
    };
    handle.opener().open_url(url, None::<&str>).map_err(system)
}

// ---------------------------------------------------------------------
// The Services page

#[tauri::command]
pub async fn launcher(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    account_id: Option<i64>,
) -> Result<Launcher, Error> {
    let page = app.launcher(account_id).await?;
    crate::tray::relabel(&handle, &app.ui_language());
    Ok(page)
}

#[tauri::command]
pub async fn account_overview(
    app: State<'_, App>,
    account_id: i64,
) -> Result<AccountOverview, Error> {
    app.account_overview(account_id).await
}

#[tauri::command]
pub fn open_service(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    url: String,
) -> Result<(), Error> {
    open_checked(&app, &handle, &url)
}

/// Makes the document on the server and opens it in the browser.
#[tauri::command]
pub async fn new_document(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    folder_id: i64,
    kind: String,
    name: String,
) -> Result<Opened, Error> {
    let opened = app.new_document(folder_id, &kind, &name).await?;
    open_checked(&app, &handle, &opened.url)?;
    Ok(opened)
}

/// "Open in the Oficina" for a local file of a synced folder.
#[tauri::command]
pub async fn open_in_office(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    path: String,
) -> Result<Opened, Error> {
    let opened = app.open_in_office(Path::new(&path)).await?;
    open_checked(&app, &handle, &opened.url)?;
    Ok(opened)
}

/// Asks for a file inside a synced folder (the picker opens there) and
/// opens it in the web office; `None` when the member closed the picker.
#[tauri::command]
pub async fn open_file_in_office(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    folder_id: i64,
) -> Result<Option<Opened>, Error> {
    let folder = app.folder(folder_id)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    handle
        .dialog()
        .file()
        .set_directory(&folder.local_path)
        .pick_file(move |picked| {
            let _ = tx.send(picked);
        });
    let Some(path) = rx.await.map_err(system)?.and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    let opened = app.open_in_office(&path).await?;
    open_checked(&app, &handle, &opened.url)?;
    Ok(Some(opened))
}

/// Makes a room and puts its link on the clipboard (to paste into an
/// invitation); the UI offers to open it.
#[tauri::command]
pub async fn start_meeting(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    account_id: i64,
) -> Result<Meeting, Error> {
    use tauri_plugin_clipboard_manager::ClipboardExt;
    let meeting = app.start_meeting(account_id).await?;
    handle
        .clipboard()
        .write_text(meeting.url.clone())
        .map_err(system)?;
    Ok(meeting)
}

#[tauri::command]
pub async fn compose_mail(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    account_id: Option<i64>,
    to: String,
) -> Result<(), Error> {
    let url = app.compose_mail(account_id, &to).await?;
    open_checked(&app, &handle, &url)
}

#[tauri::command]
pub fn server_notices(app: State<'_, App>, account_id: i64) -> Vec<ServerNotice> {
    app.check_notices_now(account_id);
    app.server_notices(account_id)
}

#[tauri::command]
pub async fn dismiss_notice(app: State<'_, App>, account_id: i64, id: i64) -> Result<(), Error> {
    app.dismiss_notice(account_id, id).await
}

/// Does a notification's action; a web action opens its page.
#[tauri::command]
pub async fn notice_action(
    app: State<'_, App>,
    handle: tauri::AppHandle,
    account_id: i64,
    id: i64,
    index: usize,
) -> Result<(), Error> {
    if let Some(url) = app.notice_action(account_id, id, index).await? {
        open_checked(&app, &handle, &url)?;
    }
    Ok(())
}

#[tauri::command]
pub async fn update_collection(
    app: State<'_, App>,
    id: i64,
    name: String,
    color: Option<String>,
) -> Result<PimCollection, Error> {
    app.update_collection(id, &name, color.as_deref()).await
}

#[tauri::command]
pub async fn delete_collection(app: State<'_, App>, id: i64) -> Result<(), Error> {
    app.delete_collection(id).await
}

#[tauri::command]
pub fn search_events(
    app: State<'_, App>,
    text: String,
    limit: usize,
) -> Result<Vec<CalendarEntry>, Error> {
    app.search_events(&text, limit)
}

#[tauri::command]
pub fn update_channel(app: State<'_, App>) -> Result<cc_app::UpdateChannel, Error> {
    app.update_channel()
}

#[tauri::command]
pub async fn check_for_updates(handle: tauri::AppHandle) -> Result<cc_app::UpdateCheck, Error> {
    crate::updater::check(&handle).await
}

#[tauri::command]
pub async fn install_update(handle: tauri::AppHandle) -> Result<(), Error> {
    crate::updater::install(&handle).await
}
