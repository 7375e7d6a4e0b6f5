//! Background sync through the façade, as the desktop app runs it: sign in
//! with Login Flow v2 (the replayed real Nextcloud recordings) on an Apache
//! front whose files are real WebDAV (mod_dav_fs), choose folders, then
//! the worker syncs both ways, reports progress and activity, makes and
//! resolves conflicts, pauses and resumes, and leaves files in place when
//! a pair is removed. The app password lives in a real gnome-keyring (the
//! body runs in a child process that has the keyring's D-Bus address).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cc_app::{
    App, ErrorCode, FolderStatus, NewFolderPair, NoticeKind, PollPolicy, Provider, Resolution,
    SettingsPatch, SyncEvent,
};
use cc_dav::{ClientConfig, Credentials, DavClient, Precondition, PutOptions};
use cc_harness::keyring::run_child_in_keyring;
use cc_harness::replay::{
    LOGIN_FLOW_SIGN_IN, ReplayServer, flow_app_password, start_sign_in_front,
};
use cc_harness::servers::Server;
use url::Url;

#[test]
fn background_sync_through_the_facade() {
    let out = run_child_in_keyring("child_background_sync");
    eprintln!("{out}");
}

async fn wait_async(what: &str, mut ok: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ok() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("{what}: {} ms", start.elapsed().as_millis());
}

fn status_of(app: &App, id: i64) -> FolderStatus {
    app.folder(id).unwrap().status
}

async fn put(client: &DavClient, files: &Url, name: &str, body: &str) {
    client
        .put_bytes(
            &files.join(name).unwrap(),
            body.as_bytes().to_vec().into(),
            &PutOptions {
                precondition: Precondition::none(),
                ..PutOptions::default()
            },
        )
        .await
        .unwrap();
}

fn files_below(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        if e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            out.extend(files_below(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn server_file(front: &Server, name: &str) -> Option<String> {
    std::fs::read_to_string(front.root().join("data").join(name)).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by background_sync_through_the_facade in a keyring session"]
async fn child_background_sync() {
    let dir = PathBuf::from(std::env::var("CC_TEST_DIR").unwrap());
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let (replay, front) = start_sign_in_front();

    let mut app = App::open(&dir.join("state.sqlite3"), Provider::builtin()).unwrap();
    app.set_poll_policy(PollPolicy {
        first_interval: Duration::from_millis(100),
        max_interval: Duration::from_millis(200),
        timeout: Duration::from_secs(30),
        max_consecutive_errors: 0,
    });
    let checked = app.check_server(&front.base_url()).await.unwrap();
    assert_eq!(checked.product, "Nextcloud 33.0.1");
    let started = app.start_login(&front.base_url()).await.unwrap();
    let account = app.finish_login(started.login_id).await.unwrap();
    let files = Url::parse(account.files_url.as_deref().unwrap()).unwrap();
    assert_eq!(
        files.as_str(),
        format!("{}/remote.php/dav/files/ana/", front.base_url())
    );

    // The member's files on the server, made over WebDAV.
    let dav = DavClient::new(
        ClientConfig::default(),
        Some(Credentials {
            user: "ana".into(),
            password: flow_app_password(),
        }),
    )
    .unwrap();
    for folder in ["Projectes/", "Projectes/2025/", "Fotos/"] {
        dav.mkcol(&files.join(folder).unwrap()).await.unwrap();
    }
    put(&dav, &files, "Projectes/pla.txt", "pla de treball").await;
    put(&dav, &files, "Fotos/platja.jpg", "not really a photo").await;

    // Choosing what to sync: the remote tree, one level at a time.
    let top = app.list_remote_folders(account.id, "").await.unwrap();
    let names: Vec<_> = top.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(names, ["Fotos", "Projectes"]);
    let below = app
        .list_remote_folders(account.id, "Projectes")
        .await
        .unwrap();
    assert_eq!(below.len(), 1);
    assert_eq!(below[0].path, "Projectes/2025");
    assert_eq!(
        app.list_remote_folders(account.id, "../x")
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );
    let default = app.default_local_folder().unwrap();
    assert_eq!(default, home.join("CommonsCloud").display().to_string());
    let check = app.check_local_folder("~/CommonsCloud").unwrap();
    assert!(!check.exists && !check.non_empty && check.problem.is_none());
    std::fs::write(home.join("a-file"), "x").unwrap();
    let check = app.check_local_folder("~/a-file").unwrap();
    assert_eq!(check.problem, Some(ErrorCode::LocalFolder));
    assert_eq!(
        app.check_local_folder("relative/path").unwrap_err().code,
        ErrorCode::InvalidInput
    );

    // Syncing in the background, events collected.
    let events: Arc<Mutex<Vec<SyncEvent>>> = Arc::default();
    let sink = events.clone();
    app.start_sync(Arc::new(move |e| sink.lock().unwrap().push(e)))
        .await
        .unwrap();
    let pair = app
        .add_folder(NewFolderPair {
            account_id: account.id,
            local_path: "~/CommonsCloud".into(),
            remote_path: String::new(),
            excluded: vec!["Fotos".into()],
        })
        .await
        .unwrap();
    let local = PathBuf::from(&pair.local_path);
    assert_eq!(local, home.join("CommonsCloud").canonicalize().unwrap());
    assert!(pair.web_url.ends_with("/index.php/apps/files/?dir=/"));
    let id = pair.id;
    wait_async("the first sync", || {
        status_of(&app, id) == FolderStatus::UpToDate
    })
    .await;
    assert_eq!(
        std::fs::read_to_string(local.join("Projectes/pla.txt")).unwrap(),
        "pla de treball"
    );
    assert!(local.join("Projectes/2025").is_dir());
    assert!(!local.join("Fotos").exists(), "left out by selective sync");
    // The same folder cannot be paired twice.
    let again = app
        .add_folder(NewFolderPair {
            account_id: account.id,
            local_path: local.display().to_string(),
            remote_path: String::new(),
            excluded: vec![],
        })
        .await
        .unwrap_err();
    assert_eq!(again.code, ErrorCode::InvalidInput);
    // Nor can the same server folders go to a second local folder.
    let twice = app
        .add_folder(NewFolderPair {
            account_id: account.id,
            local_path: "~/Projectes".into(),
            remote_path: "Projectes".into(),
            excluded: vec![],
        })
        .await
        .unwrap_err();
    assert_eq!(twice.code, ErrorCode::InvalidInput, "{twice:?}");
    assert!(
        !home.join("Projectes").exists(),
        "nothing made for a refused pair"
    );

    // Local → server (the watcher wakes the worker).
    std::fs::write(local.join("nou.txt"), "fet aquí").unwrap();
    wait_async("nou.txt on the server", || {
        server_file(&front, "nou.txt").as_deref() == Some("fet aquí")
    })
    .await;
    // Server → local (the member asks for a sync now).
    put(&dav, &files, "remot.txt", "fet al servidor").await;
    app.sync_now(id).await.unwrap();
    wait_async("remot.txt here", || {
        std::fs::read_to_string(local.join("remot.txt"))
            .ok()
            .as_deref()
            == Some("fet al servidor")
    })
    .await;

    // A conflict: both sides changed nou.txt while paused.
    app.pause_folder(id).unwrap();
    assert_eq!(status_of(&app, id), FolderStatus::Paused);
    put(&dav, &files, "nou.txt", "versió del servidor").await;
    std::fs::write(local.join("nou.txt"), "versió meva, més llarga").unwrap();
    std::fs::write(local.join("mentre-pausa.txt"), "espera").unwrap();
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        server_file(&front, "mentre-pausa.txt").is_none(),
        "nothing is sent while paused"
    );
    app.resume_folder(id).await.unwrap();
    wait_async("the conflict", || app.conflicts().unwrap().len() == 1).await;
    let conflict = app.conflicts().unwrap().remove(0);
    assert_eq!(conflict.path, "nou.txt");
    assert!(conflict.copy_path.starts_with("nou (conflicted copy "));
    let (theirs, mine) = app.conflict_files(id, &conflict.copy_path).unwrap();
    assert_eq!(
        std::fs::read_to_string(&theirs).unwrap(),
        "versió del servidor"
    );
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap(),
        "versió meva, més llarga"
    );
    wait_async("the pair to need attention", || {
        status_of(&app, id) == FolderStatus::Attention
    })
    .await;
    assert_eq!(
        server_file(&front, "mentre-pausa.txt").as_deref(),
        Some("espera")
    );
    // "Keep mine": the member's version goes up under the name.
    app.resolve_conflict(id, &conflict.copy_path, Resolution::Mine)
        .unwrap();
    assert!(app.conflicts().unwrap().is_empty());
    wait_async("my version on the server", || {
        server_file(&front, "nou.txt").as_deref() == Some("versió meva, més llarga")
    })
    .await;
    wait_async("up to date again", || {
        status_of(&app, id) == FolderStatus::UpToDate
    })
    .await;
    assert!(
        !local.join(&conflict.copy_path).exists(),
        "the copy became the file"
    );
    assert_eq!(
        app.resolve_conflict(id, &conflict.copy_path, Resolution::Both)
            .unwrap_err()
            .code,
        ErrorCode::NotFound
    );

    // Two more conflicts: "keep theirs" puts my copy in the trash (and
    // takes it off the server), "keep both" leaves both as files.
    put(&dav, &files, "a.txt", "a").await;
    put(&dav, &files, "b.txt", "b").await;
    app.sync_now(id).await.unwrap();
    wait_async("a.txt and b.txt here", || {
        local.join("a.txt").exists() && local.join("b.txt").exists()
    })
    .await;
    wait_async("up to date before the conflicts", || {
        status_of(&app, id) == FolderStatus::UpToDate
    })
    .await;
    app.pause_folder(id).unwrap();
    put(&dav, &files, "a.txt", "a del servidor").await;
    put(&dav, &files, "b.txt", "b del servidor").await;
    std::fs::write(local.join("a.txt"), "a meva").unwrap();
    std::fs::write(local.join("b.txt"), "b meva").unwrap();
    app.resume_folder(id).await.unwrap();
    wait_async("two conflicts", || app.conflicts().unwrap().len() == 2).await;
    let open = app.conflicts().unwrap();
    let copy_of = |name: &str| {
        open.iter()
            .find(|c| c.path == name)
            .map(|c| c.copy_path.clone())
            .unwrap()
    };
    let (copy_a, copy_b) = (copy_of("a.txt"), copy_of("b.txt"));
    wait_async("the copies on the server", || {
        server_file(&front, &copy_a).is_some() && server_file(&front, &copy_b).is_some()
    })
    .await;
    app.resolve_conflict(id, &copy_a, Resolution::Theirs)
        .unwrap();
    app.resolve_conflict(id, &copy_b, Resolution::Both).unwrap();
    assert!(app.conflicts().unwrap().is_empty());
    assert!(
        !local.join(&copy_a).exists(),
        "my copy of a.txt went to the trash"
    );
    let trashed = files_below(&home.join(".local/share/Trash/files"))
        .into_iter()
        .chain(files_below(&local.join(".commonscloud-trash")))
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .any(|t| t == "a meva");
    assert!(trashed, "my version of a.txt is in the trash, not lost");
    wait_async("the copy of a.txt gone from the server", || {
        server_file(&front, &copy_a).is_none()
    })
    .await;
    assert_eq!(
        std::fs::read_to_string(local.join("a.txt")).unwrap(),
        "a del servidor"
    );
    assert_eq!(
        std::fs::read_to_string(local.join(&copy_b)).unwrap(),
        "b meva"
    );
    assert_eq!(server_file(&front, &copy_b).as_deref(), Some("b meva"));
    wait_async("up to date after the conflicts", || {
        status_of(&app, id) == FolderStatus::UpToDate
    })
    .await;

    // Selective sync: taking Projectes out keeps its local copy.
    app.set_excluded(id, &["Fotos".into(), "Projectes".into()])
        .unwrap();
    put(&dav, &files, "Projectes/nou-al-servidor.txt", "no baixa").await;
    app.sync_now(id).await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    wait_async("up to date after excluding", || {
        status_of(&app, id) == FolderStatus::UpToDate
    })
    .await;
    assert!(local.join("Projectes/pla.txt").exists(), "kept on disk");
    assert!(!local.join("Projectes/nou-al-servidor.txt").exists());
    assert!(server_file(&front, "Projectes/pla.txt").is_some());

    // The mass-delete guard asks; nothing is deleted until the member
    // agrees.
    dav.mkcol(&files.join("Massa/").unwrap()).await.unwrap();
    for i in 0..60 {
        put(&dav, &files, &format!("Massa/f{i:02}.txt"), "x").await;
    }
    app.sync_now(id).await.unwrap();
    wait_async("60 files here", || {
        std::fs::read_dir(local.join("Massa"))
            .map(|d| d.count())
            .unwrap_or(0)
            == 60
            && status_of(&app, id) == FolderStatus::UpToDate
    })
    .await;
    dav.delete(&files.join("Massa/").unwrap(), None)
        .await
        .unwrap();
    app.sync_now(id).await.unwrap();
    wait_async("the mass-delete question", || {
        app.folder(id).unwrap().mass_delete.is_some()
    })
    .await;
    let asked = app.folder(id).unwrap();
    assert_eq!(asked.status, FolderStatus::Attention);
    assert_eq!(asked.mass_delete.as_ref().unwrap().deletes, 60);
    assert_eq!(std::fs::read_dir(local.join("Massa")).unwrap().count(), 60);
    app.allow_mass_delete(id).unwrap();
    wait_async("the agreed deletions", || {
        !local.join("Massa").exists() && status_of(&app, id) == FolderStatus::UpToDate
    })
    .await;
    assert!(app.folder(id).unwrap().mass_delete.is_none());

    // Settings: bad input refused, nothing stored.
    let bad = app
        .update_settings(&SettingsPatch {
            poll_seconds: Some(1),
            ..SettingsPatch::default()
        })
        .unwrap_err();
    assert_eq!(bad.code, ErrorCode::InvalidInput);
    let s = app
        .update_settings(&SettingsPatch {
            upload_limit_kib: Some(Some(512)),
            ignore_list: Some("*.bak\n".into()),
            ..SettingsPatch::default()
        })
        .unwrap();
    assert_eq!((s.upload_limit_kib, s.poll_seconds), (Some(512), 60));
    std::fs::write(local.join("vell.bak"), "ignored").unwrap();
    std::fs::write(local.join("despres.txt"), "synced").unwrap();
    wait_async("despres.txt on the server", || {
        server_file(&front, "despres.txt").is_some()
    })
    .await;
    assert!(
        server_file(&front, "vell.bak").is_none(),
        "ignored by the member's list"
    );

    // A rename here is a rename on the server (no bytes sent again).
    std::fs::rename(local.join("despres.txt"), local.join("reanomenat.txt")).unwrap();
    wait_async("the rename on the server", || {
        server_file(&front, "reanomenat.txt").as_deref() == Some("synced")
            && server_file(&front, "despres.txt").is_none()
    })
    .await;
    wait_async("the move in the activity", || {
        app.activity()
            .unwrap()
            .iter()
            .any(|a| a.kind == "moved" && a.path == "reanomenat.txt")
    })
    .await;

    // What the UI was told.
    let seen = events.lock().unwrap().clone();
    assert!(seen.iter().any(|e| matches!(e, SyncEvent::Folder { folder } if folder.status == FolderStatus::Syncing && folder.progress.is_some())));
    assert!(seen.iter().any(
        |e| matches!(e, SyncEvent::Notice { notice } if notice.kind == NoticeKind::FirstSync)
    ));
    assert!(seen.iter().any(|e| matches!(e, SyncEvent::Notice { notice } if notice.kind == NoticeKind::Conflicts && notice.count == 1)));
    let first_syncs = seen
        .iter()
        .filter(
            |e| matches!(e, SyncEvent::Notice { notice } if notice.kind == NoticeKind::FirstSync),
        )
        .count();
    assert_eq!(
        first_syncs, 1,
        "one notice for the first sync, not one per pass"
    );
    let activity = app.activity().unwrap();
    let kinds: Vec<_> = activity
        .iter()
        .map(|a| (a.kind.as_str(), a.path.as_str()))
        .collect();
    assert!(kinds.contains(&("uploaded", "nou.txt")), "{kinds:?}");
    assert!(kinds.contains(&("downloaded", "remot.txt")), "{kinds:?}");
    assert!(kinds.contains(&("conflict", "nou.txt")), "{kinds:?}");
    assert!(seen.iter().any(|e| matches!(e, SyncEvent::Activity { item } if item.kind == "downloaded" && item.path == "Projectes/pla.txt")));

    // The server refuses the app password (revoked on the web): the pair
    // stops and asks to sign in again, without retrying in a loop; signing
    // in again starts it again.
    let htpasswd = front.root().join("auth/htpasswd");
    let set_password = |password: &str| {
        let ok = std::process::Command::new("htpasswd")
            .arg("-b")
            .arg(&htpasswd)
            .args(["ana", password])
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok, "htpasswd");
    };
    set_password("revoked-on-the-web");
    std::fs::write(local.join("abans-de-tornar.txt"), "espera").unwrap();
    wait_async("sign in again", || {
        let f = app.folder(id).unwrap();
        f.status == FolderStatus::Error
            && f.error.as_ref().map(|e| e.code) == Some(ErrorCode::Unauthorized)
    })
    .await;
    assert!(app.accounts().unwrap()[0].needs_sign_in);
    let refused = std::fs::read_to_string(front.root().join("logs/access.log"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("\" 401 "))
        .count();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let refused_later = std::fs::read_to_string(front.root().join("logs/access.log"))
        .unwrap()
        .lines()
        .filter(|l| l.contains("\" 401 "))
        .count();
    assert_eq!(refused, refused_later, "no retries with a refused password");
    set_password(&flow_app_password());
    replay.add_once(LOGIN_FLOW_SIGN_IN);
    let again = app.start_login(&front.base_url()).await.unwrap();
    let back = app.finish_login(again.login_id).await.unwrap();
    assert_eq!(back.id, account.id);
    assert!(!back.needs_sign_in);
    wait_async("abans-de-tornar.txt on the server", || {
        server_file(&front, "abans-de-tornar.txt").is_some()
    })
    .await;
    wait_async("up to date after signing in again", || {
        status_of(&app, id) == FolderStatus::UpToDate
    })
    .await;

    // The server goes away: the pair says offline (and retries on its own).
    let server_data = front.root().join("data");
    let kept = tempfile::tempdir().unwrap();
    copy_tree(&server_data, kept.path());
    drop(front);
    app.sync_now(id).await.unwrap();
    wait_async("offline", || status_of(&app, id) == FolderStatus::Offline).await;
    assert_eq!(
        app.folder(id).unwrap().error.map(|e| e.code),
        Some(ErrorCode::Offline)
    );
    let on_server = |name: &str| std::fs::read_to_string(kept.path().join(name)).ok();

    // Removing the pair stops it; the files stay on both sides.
    app.remove_folder(id).unwrap();
    assert!(app.folders().unwrap().is_empty());
    assert_eq!(
        app.sync_now(id).await.unwrap_err().code,
        ErrorCode::NotFound
    );
    assert!(local.join("nou.txt").exists() && on_server("nou.txt").is_some());
    assert!(local.join("reanomenat.txt").exists());
    assert!(
        events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, SyncEvent::Removed { folder_id } if *folder_id == id))
    );
}

#[test]
fn the_folder_chooser_shows_nextcloud_folder_sizes() {
    run_child_in_keyring("child_folder_sizes");
}

#[tokio::test]
#[ignore = "run by the_folder_chooser_shows_nextcloud_folder_sizes in a keyring session"]
async fn child_folder_sizes() {
    let dir = PathBuf::from(std::env::var("CC_TEST_DIR").unwrap());
    let mut script = LOGIN_FLOW_SIGN_IN.to_vec();
    script.push("021-propfind-root-depth1");
    let replay = ReplayServer::start_with(&script, &["001-status"]);
    let mut app = App::open(&dir.join("state.sqlite3"), Provider::builtin()).unwrap();
    app.set_poll_policy(PollPolicy {
        first_interval: Duration::from_millis(100),
        max_interval: Duration::from_millis(200),
        timeout: Duration::from_secs(30),
        max_consecutive_errors: 0,
    });
    let started = app.start_login(&replay.base_url()).await.unwrap();
    let account = app.finish_login(started.login_id).await.unwrap();
    // The real Nextcloud listing of the files root: one folder, `a`, with
    // its recursive size; files are not offered.
    let top = app.list_remote_folders(account.id, "").await.unwrap();
    assert_eq!(top.len(), 1, "{top:?}");
    assert_eq!((top[0].path.as_str(), top[0].name.as_str()), ("a", "a"));
    assert_eq!(top[0].size, Some(5));
    assert!(replay.misses().is_empty(), "{:?}", replay.misses());
}

#[test]
fn the_push_channel_wakes_the_worker_on_the_real_nextcloud() {
    let out = run_child_in_keyring("child_push_wakes_the_worker");
    eprintln!("{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by the_push_channel_wakes_the_worker_on_the_real_nextcloud in a keyring session"]
async fn child_push_wakes_the_worker() {
    let Some(nc) = cc_harness::nextcloud::turn() else {
        return;
    };
    let user = nc.new_user("app-push");
    let _push = nc.push_server();
    let dir = PathBuf::from(std::env::var("CC_TEST_DIR").unwrap());
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let app = App::open(&dir.join("state.sqlite3"), Provider::builtin()).unwrap();
    app.set_trash(cc_files::trash::Trash::Folder(dir.join("trash")));
    // Polling once an hour: only the push channel brings a change in
    // within the test's waits.
    app.update_settings(&SettingsPatch {
        poll_seconds: Some(3600),
        ..SettingsPatch::default()
    })
    .unwrap();
    let account = app
        .add_account_with_app_password(nc.url(), &user.login, &user.app_password)
        .await
        .unwrap();
    let events: Arc<Mutex<Vec<SyncEvent>>> = Arc::default();
    let sink = events.clone();
    app.start_sync(Arc::new(move |e| sink.lock().unwrap().push(e)))
        .await
        .unwrap();
    let mark = nc.log_mark();
    let pair = app
        .add_folder(NewFolderPair {
            account_id: account.id,
            local_path: "~/CommonsCloud".into(),
            remote_path: String::new(),
            excluded: vec![],
        })
        .await
        .unwrap();
    let local = PathBuf::from(&pair.local_path);
    wait_async("the first sync", || {
        status_of(&app, pair.id) == FolderStatus::UpToDate
    })
    .await;
    // The push server asks Nextcloud who signs in on its websocket.
    wait_async("the push channel signed in", || {
        nc.requests_since(mark)
            .iter()
            .any(|(code, r)| *code == 200 && r.contains("/apps/notify_push/uid"))
    })
    .await;
    let dav = user.dav_client();
    for round in 0..2 {
        let name = format!("from-the-server-{round}.txt");
        let started = Instant::now();
        put(&dav, &user.files_root(), &name, "made on the server").await;
        wait_async(&name, || {
            std::fs::read_to_string(local.join(&name)).is_ok_and(|t| t == "made on the server")
        })
        .await;
        eprintln!(
            "{name}: {} ms from the upload to the disk",
            started.elapsed().as_millis()
        );
    }
    // A notification from the server is handed on.
    nc.occ(&["notification:generate", &user.login, "Hola"]);
    wait_async("the server notification event", || {
        events.lock().unwrap().iter().any(|e| {
            matches!(e, SyncEvent::ServerNotification { account_id } if *account_id == account.id)
        })
    })
    .await;
}
