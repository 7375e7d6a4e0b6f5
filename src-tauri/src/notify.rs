//! Desktop notifications for what needs the member or is worth knowing
//! (conflicts, a pair that stopped, the first sync done), in the UI
//! language, from the same translation files as the UI.

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use cc_app::{Notice, NoticeKind};

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
    if let Err(e) = handle
        .notification()
        .builder()
        .title(&name)
        .body(body)
        .show()
    {
        tracing::debug!("no desktop notification: {e}");
    }
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
