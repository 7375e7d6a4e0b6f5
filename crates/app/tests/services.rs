//! The Services page through the façade against the real Nextcloud the
//! harness starts: the profile's services merged with the server's apps
//! (the three built-in profiles and one made here), icons rasterised, the account's
//! quota and avatar, "New document" (an ODF file uploaded, or Text's
//! creator through direct editing), "Open in the Oficina" for synced,
//! not-yet-synced and outside files, meetings, mail, and the server's
//! notifications (shown once, not again after a restart, dismissed on
//! the server, their actions done). The app password lives in a real
//! gnome-keyring (the body runs in a child process that has the
//! keyring's D-Bus address).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cc_app::{App, ErrorCode, NewFolderPair, Provider, SyncEvent};
use cc_harness::keyring::run_child_in_keyring;

#[test]
fn services_through_the_facade_on_the_real_nextcloud() {
    let out = run_child_in_keyring("child_services");
    eprintln!("{out}");
}

async fn wait_for(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("{what}: {} ms", start.elapsed().as_millis());
}

/// A fourth profile, with other services than the built-in ones.
fn test_profile(dir: &Path) -> Provider {
    std::fs::write(
        dir.join("forum.svg"),
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><circle cx="8" cy="8" r="8" fill="#a30"/></svg>"##,
    )
    .unwrap();
    let file = dir.join("coop.toml");
    std::fs::write(
        &file,
        r##"schema = 1
id = "coop-test"
brand = "Coop"
default_language = "ca"
languages = ["ca"]
sign_up_url = "https://coop.example/alta"
password_reset_url = "index.php/login"
[name]
ca = "Coop"
[colors]
primary = "#aa3300"
primary_dark = "#772200"
on_primary = "#ffffff"
tint = "#fff0e8"
[custom_server]
allowed = true
[[service]]
id = "fitxers"
kind = "office"
path = "index.php/apps/files/"
server_app = "files"
[service.name]
ca = "Fitxers"
[[service]]
id = "talk"
kind = "video"
path = "index.php/apps/spreed/"
server_app = "spreed"
meeting = "talk"
[service.name]
ca = "Talk"
[[service]]
id = "jitsi"
kind = "video"
url = "https://meet.coop.example/"
meeting = "jitsi"
[service.name]
ca = "Jitsi"
[[service]]
id = "forum"
kind = "forum"
url = "https://forum.coop.example/"
icon = "forum.svg"
[service.name]
ca = "Fòrum"
[[service]]
id = "sense-nom"
kind = "help"
url = "https://ajuda.coop.example/"
[service.name]
en = "Help"
"##,
    )
    .unwrap();
    Provider::load(&file).unwrap()
}

/// GET `url` as a browser would (`Accept: text/html`), signed in as
/// `auth` when given: the status and where it redirects to.
fn get(url: &str, auth: Option<(&str, &str)>) -> (u16, String) {
    let mut cmd = std::process::Command::new("curl");
    cmd.args([
        "-sS",
        "-m",
        "60",
        "-o",
        "/dev/null",
        "-H",
        "Accept: text/html",
    ])
    .args(["-w", "%{http_code} %{redirect_url}"]);
    if let Some((u, p)) = auth {
        cmd.arg("-u").arg(format!("{u}:{p}"));
    }
    let out = cmd.arg(url).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (code, to) = text.split_once(' ').unwrap_or((&text, ""));
    (code.parse().unwrap(), to.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by services_through_the_facade_on_the_real_nextcloud in a keyring session"]
async fn child_services() {
    let Some(nc) = cc_harness::nextcloud::turn() else {
        return;
    };
    let user = nc.new_user("svc");
    let dir = PathBuf::from(std::env::var("CC_TEST_DIR").unwrap());
    std::fs::create_dir_all(dir.join("home")).unwrap();
    let app = App::open(&dir.join("state.sqlite3"), Provider::builtin()).unwrap();
    app.set_trash(cc_files::trash::Trash::Folder(dir.join("trash")));
    let account = app
        .add_account_with_app_password(nc.url(), &user.login, &user.app_password)
        .await
        .unwrap();
    let server = format!("{}/", nc.url().trim_end_matches('/'));

    // 1. The Services page: CommonsCloud's services in its order (the
    // BigBlueButton app's entry is left out: this server has no `bbb`),
    // then the server's apps no service already is (its start page, the
    // dashboard, is the Oficina itself), with their icons as PNGs.
    let page = app.launcher(Some(account.id)).await.unwrap();
    let ids: Vec<&str> = page.services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "oficina",
            "video",
            "webmail",
            "agora",
            "gestor",
            "help",
            "server-files",
            "server-photos",
            "server-activity"
        ],
        "{page:#?}"
    );
    assert!(page.refused.is_empty(), "{:?}", page.refused);
    assert!(!page.offline);
    let files = &page.services[6];
    assert_eq!(files.url, format!("{server}index.php/apps/files/"));
    assert!(files.from_server);
    let icon = files.icon.as_deref().expect("the Files icon");
    assert!(icon.starts_with("data:image/png;base64,"), "{icon:.40}");
    assert!(
        page.services[..6]
            .iter()
            .all(|s| !s.from_server && s.icon.is_none())
    );
    assert_eq!(page.meeting.as_deref(), Some("Videotrucades"));
    // New: the three office kinds, and Text's Markdown note from the server.
    let creators: Vec<&str> = page.creators.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        creators,
        ["document", "spreadsheet", "presentation", "textdocument"]
    );

    // The fourth profile: a service tied to a server app shows only where
    // the server has it, a service without a name in the default language
    // is refused with a message and the rest shown, the profile's icon is
    // rasterised, Jitsi starts the meeting (no Talk on this server).
    let other = App::open(&dir.join("other.sqlite3"), test_profile(&dir)).unwrap();
    let other_account = other
        .add_account_with_app_password(nc.url(), &user.login, &user.app_password)
        .await
        .unwrap();
    let page2 = other.launcher(Some(other_account.id)).await.unwrap();
    let ids: Vec<&str> = page2.services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "fitxers",
            "jitsi",
            "forum",
            "server-dashboard",
            "server-photos",
            "server-activity"
        ],
        "{page2:#?}"
    );
    assert_eq!(page2.refused.len(), 1, "{:?}", page2.refused);
    assert!(
        page2.refused[0].contains("sense-nom"),
        "{:?}",
        page2.refused
    );
    let forum = page2.services.iter().find(|s| s.id == "forum").unwrap();
    assert!(
        forum
            .icon
            .as_deref()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    let meeting = other.start_meeting(other_account.id).await.unwrap();
    assert_eq!(meeting.kind, "jitsi");
    assert!(
        meeting.url.starts_with("https://meet.coop.example/Coop-"),
        "{}",
        meeting.url
    );
    assert_ne!(
        other.start_meeting(other_account.id).await.unwrap().url,
        meeting.url
    );

    // The other two built-in profiles on the same server: Talk and Mail
    // are theirs only where the server has them (not this one).
    for (id, expected) in [
        (
            "framaspace",
            &[
                "space",
                "help",
                "server-files",
                "server-photos",
                "server-activity",
            ][..],
        ),
        (
            "nextcloud",
            &["web", "server-files", "server-photos", "server-activity"][..],
        ),
    ] {
        let app = App::open(
            &dir.join(format!("{id}.sqlite3")),
            Provider::by_id(id).unwrap(),
        )
        .unwrap();
        let a = app
            .add_account_with_app_password(nc.url(), &user.login, &user.app_password)
            .await
            .unwrap();
        let page = app.launcher(Some(a.id)).await.unwrap();
        let ids: Vec<&str> = page.services.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, expected, "{id}");
        assert!(page.refused.is_empty(), "{id}: {:?}", page.refused);
        assert_eq!(page.meeting, None, "{id}: no Talk here");
        assert_eq!(
            app.compose_mail(Some(a.id), "a@b.example").await.unwrap(),
            "mailto:a%40b%2Eexample",
            "{id}: no Mail app here"
        );
    }

    // 2. The account: name, avatar, quota.
    nc.occ(&["user:setting", &user.login, "files", "quota", "10 MB"]);
    let me = app.account_overview(account.id).await.unwrap();
    assert_eq!(me.user_id, user.login);
    assert_eq!(me.quota_total, Some(10 * 1024 * 1024));
    assert!(me.quota_used.is_some());
    assert!(
        me.avatar
            .as_deref()
            .unwrap()
            .starts_with("data:image/png;base64,")
    );
    assert_eq!(me.settings_url, format!("{server}index.php/settings/user"));

    // 3. New documents in a synced folder.
    let pair = app
        .add_folder(NewFolderPair {
            account_id: account.id,
            local_path: dir.join("home/CommonsCloud").display().to_string(),
            remote_path: String::new(),
            excluded: vec![],
        })
        .await
        .unwrap();
    let events: Arc<Mutex<Vec<SyncEvent>>> = Arc::default();
    let sink = events.clone();
    app.start_sync(Arc::new(move |e| sink.lock().unwrap().push(e)))
        .await
        .unwrap();
    let local = PathBuf::from(&pair.local_path);
    // No editor for ODF on this server (no Collabora): the file is
    // uploaded as made here and opened by its page.
    let doc = app.new_document(pair.id, "document", "Acta").await.unwrap();
    assert_eq!(doc.how, "file_page");
    assert_eq!(doc.remote_path, "/Acta.odt");
    let id = doc.file_id.clone().unwrap();
    assert_eq!(doc.url, format!("{server}index.php/f/{id}"));
    let on_server = std::fs::read(user.data_dir().join("Acta.odt")).unwrap();
    assert_eq!(
        on_server,
        cc_services::odf::empty(cc_services::odf::DocKind::Document)
    );
    // The page opens the file in the web interface.
    let (code, to) = get(&doc.url, Some((&user.login, &user.app_password)));
    assert_eq!(code, 303);
    assert!(
        to.contains(&format!("/index.php/apps/files/files/{id}?")) && to.contains("openfile=true"),
        "{to}"
    );
    let again = app.new_document(pair.id, "document", "Acta").await.unwrap();
    assert_eq!(again.remote_path, "/Acta (2).odt");
    // Text's creator: made on the server through direct editing.
    let note = app
        .new_document(pair.id, "textdocument", "Notes")
        .await
        .unwrap();
    assert_eq!(note.how, "direct_editing");
    assert_eq!(note.remote_path, "/Notes.md");
    assert!(note.url.starts_with(&server), "{}", note.url);
    assert_eq!(
        get(&note.url, None).0,
        200,
        "the one-time URL opens the editor, signed in"
    );
    assert!(user.data_dir().join("Notes.md").exists());
    // Bad names and kinds are refused.
    for (kind, name) in [
        ("document", "../x"),
        ("document", ""),
        ("document", ".hidden"),
        ("video", "x"),
    ] {
        let e = app.new_document(pair.id, kind, name).await.unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidInput, "{kind} {name}: {e:?}");
    }
    wait_for("the new files synced down", || {
        local.join("Acta.odt").exists() && local.join("Notes.md").exists()
    })
    .await;

    // 4. "Open in the Oficina": a synced ODF file by its page, a note in
    // Text signed in, a file not synced yet synced first, a file outside
    // every synced folder refused.
    let opened = app.open_in_office(&local.join("Acta.odt")).await.unwrap();
    assert_eq!(
        (opened.how.as_str(), opened.url.as_str()),
        ("file_page", doc.url.as_str())
    );
    let opened = app.open_in_office(&local.join("Notes.md")).await.unwrap();
    assert_eq!(opened.how, "direct_editing");
    assert_eq!(get(&opened.url, None).0, 200);
    std::fs::write(local.join("Nou.txt"), "hola\n").unwrap();
    let opened = app.open_in_office(&local.join("Nou.txt")).await.unwrap();
    assert_eq!(
        (opened.how.as_str(), opened.remote_path.as_str()),
        ("direct_editing", "/Nou.txt")
    );
    assert!(user.data_dir().join("Nou.txt").exists());
    let outside = dir.join("outside.odt");
    std::fs::write(&outside, b"x").unwrap();
    let e = app.open_in_office(&outside).await.unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    assert!(
        e.message.contains("not inside a synced folder"),
        "{}",
        e.message
    );

    // 5. Meetings and mail with CommonsCloud's profile.
    let m = app.start_meeting(account.id).await.unwrap();
    assert_eq!(
        (m.kind.as_str(), m.url.as_str()),
        ("page", "https://bbbsalas.somosnube.coop/")
    );
    assert_eq!(
        app.compose_mail(Some(account.id), "núria@coop.example")
            .await
            .unwrap(),
        "https://webmail.commonscloud.coop/?_task=mail&_action=compose&_to=n%C3%BAria%40coop%2Eexample"
    );
    assert_eq!(
        other
            .compose_mail(Some(other_account.id), "a@b.example")
            .await
            .unwrap(),
        "mailto:a%40b%2Eexample"
    );
    assert_eq!(
        app.compose_mail(None, "a@b.example\r\nBcc: x@y")
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );

    // 6. The server's notifications: none of before the account is shown;
    // a new one is, once; not again after a restart; dismissed on the
    // server; actions done.
    let polled = |events: &Arc<Mutex<Vec<SyncEvent>>>| {
        events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, SyncEvent::ServerNotices { account_id } if *account_id == account.id))
            .count()
    };
    wait_for("the first notifications poll", || polled(&events) > 0).await;
    nc.occ(&[
        "notification:generate",
        &user.login,
        "Assemblea dijous",
        "-l",
        "A les 19 h",
    ]);
    app.check_notices_now(account.id);
    wait_for("the notification", || {
        events.lock().unwrap().iter().any(|e| {
            matches!(e, SyncEvent::ServerNotice { notice, .. } if notice.subject == "Assemblea dijous")
        })
    })
    .await;
    let list = app.server_notices(account.id);
    let notice = list
        .iter()
        .find(|n| n.subject == "Assemblea dijous")
        .unwrap()
        .clone();
    assert_eq!(notice.message, "A les 19 h");
    // Polled again (the list is unchanged: a 304), nothing is shown again.
    app.check_notices_now(account.id);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let shown = |events: &Arc<Mutex<Vec<SyncEvent>>>| {
        events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, SyncEvent::ServerNotice { .. }))
            .count()
    };
    assert_eq!(shown(&events), 1, "shown once");
    // A restart: the same state file, a new app (the first one's threads
    // run on, as in the calendar test's restart).
    let _first = app;
    let app = App::open(&dir.join("state.sqlite3"), Provider::builtin()).unwrap();
    app.set_trash(cc_files::trash::Trash::Folder(dir.join("trash")));
    let events2: Arc<Mutex<Vec<SyncEvent>>> = Arc::default();
    let sink = events2.clone();
    app.start_sync(Arc::new(move |e| sink.lock().unwrap().push(e)))
        .await
        .unwrap();
    wait_for("the poll after the restart", || polled(&events2) > 0).await;
    assert_eq!(shown(&events2), 0, "not shown again after a restart");
    assert!(
        app.server_notices(account.id)
            .iter()
            .any(|n| n.id == notice.id)
    );
    app.dismiss_notice(account.id, notice.id).await.unwrap();
    let (code, body) = nc.curl(
        "GET",
        "/ocs/v2.php/apps/notifications/api/v2/notifications?format=json",
        (&user.login, &user.app_password),
        &[],
    );
    assert_eq!(code, 200);
    assert!(
        !body.contains("Assemblea dijous"),
        "dismissed on the server: {body}"
    );
    assert!(
        !app.server_notices(account.id)
            .iter()
            .any(|n| n.id == notice.id)
    );
    // A notification with actions (the server's dummy: a web page and a
    // GET on the server).
    nc.occ(&["notification:generate", "-d", &user.login, "2"]);
    app.check_notices_now(account.id);
    wait_for("the notification with actions", || {
        app.server_notices(account.id)
            .iter()
            .any(|n| n.actions.len() == 2)
    })
    .await;
    let dummy = app
        .server_notices(account.id)
        .into_iter()
        .find(|n| n.actions.len() == 2)
        .unwrap();
    assert!(dummy.actions[0].web && !dummy.actions[1].web);
    let page = app.notice_action(account.id, dummy.id, 0).await.unwrap();
    assert_eq!(
        page.as_deref(),
        Some("https://en.wikipedia.org/wiki/3#Mathematics")
    );
    assert_eq!(
        app.notice_action(account.id, dummy.id, 1).await.unwrap(),
        None
    );
    assert_eq!(
        app.notice_action(account.id, dummy.id, 7)
            .await
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );

    // 7. The app password revoked on the server: the account waits for a
    // new sign-in, and the page still shows the profile's own services
    // (those needing a server app wait), marked as without the server.
    let (code, _) = nc.curl(
        "DELETE",
        "/ocs/v2.php/core/apppassword?format=json",
        (&user.login, &user.app_password),
        &[],
    );
    assert_eq!(code, 200);
    assert_eq!(
        other.account_health(other_account.id).await.unwrap(),
        cc_app::Health::SignInAgain
    );
    let page3 = other.launcher(Some(other_account.id)).await.unwrap();
    assert!(page3.offline);
    let ids: Vec<&str> = page3.services.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["jitsi", "forum"]);
    assert!(page3.creators.is_empty() && page3.meeting.is_none());
}
