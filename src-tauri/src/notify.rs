//! Desktop notifications for what needs the member or is worth knowing
//! (conflicts, a pair that stopped, the first sync done), in the UI
//! language, from the same translation files as the UI.

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use cc_app::{Notice, NoticeKind};

/// Shows one desktop notification; a desktop without a notification
/// service only loses it (logged).
fn send<R: Runtime>(handle: &AppHandle<R>, title: impl Into<String>, body: impl Into<String>) {
    if let Err(e) = handle
        .notification()
        .builder()
        .title(title)
        .body(body)
        .show()
    {
        tracing::debug!("no desktop notification: {e}");
    }
}

pub fn show<R: Runtime>(handle: &AppHandle<R>, notice: &Notice) {
    let app = handle.state::<cc_app::App>();
    let m = crate::tray::messages(&app.ui_language());
    let name = app.info().name;
    let key = match notice.kind {
        NoticeKind::Conflicts if notice.count == 1 => "notify.conflicts.one",
        NoticeKind::Conflicts => "notify.conflicts",
        NoticeKind::NeedsYou => "notify.needsYou",
        NoticeKind::FirstSync => "notify.firstSync",
    };
    let body = crate::tray::text(&m, key, &name).replace("{count}", &notice.count.to_string());
    send(handle, &name, body);
}

/// An event's reminder: its title, and when (and where) it starts.
pub fn reminder<R: Runtime>(handle: &AppHandle<R>, r: &cc_app::Reminder) {
    let app = handle.state::<cc_app::App>();
    let m = crate::tray::messages(&app.ui_language());
    let name = app.info().name;
    let title = if r.summary.trim().is_empty() {
        crate::tray::text(&m, "notify.reminder.title", &name)
    } else {
        r.summary.clone()
    };
    let mut body = crate::tray::text(&m, "notify.reminder", &name).replace("{time}", &r.local_time);
    if !r.location.trim().is_empty() {
        body.push_str(" · ");
        body.push_str(r.location.trim());
    }
    send(handle, title, body);
}

/// A notification of the member's server (a share, a mention, a message
/// of the cooperative): its subject and text as the server wrote them.
pub fn server_notice<R: Runtime>(handle: &AppHandle<R>, n: &cc_app::ServerNotice) {
    let title = if n.subject.trim().is_empty() {
        handle.state::<cc_app::App>().info().name
    } else {
        n.subject.clone()
    };
    send(
        handle,
        title,
        n.message.chars().take(300).collect::<String>(),
    );
}

/// A meeting started from the tray: its link is on the clipboard.
pub fn meeting<R: Runtime>(handle: &AppHandle<R>, m: &cc_app::Meeting) {
    let app = handle.state::<cc_app::App>();
    let msgs = crate::tray::messages(&app.ui_language());
    let name = app.info().name;
    let body = crate::tray::text(&msgs, "notify.meeting", &name).replace("{service}", &m.service);
    send(handle, &m.service, format!("{body}\n{}", m.url));
}

/// A new version of the app is ready to be installed (Windows, macOS).
pub fn update_ready<R: Runtime>(handle: &AppHandle<R>, version: &str) {
    let app = handle.state::<cc_app::App>();
    let msgs = crate::tray::messages(&app.ui_language());
    let name = app.info().name;
    let body = crate::tray::text(&msgs, "notify.update", &name).replace("{version}", version);
    send(handle, &name, body);
}
