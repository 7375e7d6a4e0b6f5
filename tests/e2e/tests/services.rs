//! The Services page in the built app under Xvfb, in Catalan, against the
//! real Nextcloud 33 of the harness: the cooperative's services with the
//! server's apps; "Open in the Oficina" for a synced note (Nextcloud Text
//! through direct editing: the one-time address goes to the browser);
//! "New document" makes an `.odt` on the server and opens its page;
//! "Start a meeting" puts the link on the clipboard; a notification made
//! on the server arrives as a desktop notification and in the list, and
//! dismissed there it is gone from the server. The browser is a stand-in
//! `xdg-open` first in the app's `PATH` that records every address the
//! system opener is given; desktop notifications are read off D-Bus.

use std::path::Path;
use std::time::{Duration, Instant};

use cc_dav::PutOptions;
use cc_e2e::Session;
use cc_harness::keyring::KeyringSession;

/// A stand-in for the system's browser: an `xdg-open` that appends its
/// argument to `log`. Returns the folder to put first in `PATH`.
fn browser_stand_in(dir: &Path, log: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("xdg-open");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", log.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

async fn wait_until(what: &str, within: u64, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(within);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn opened(log: &Path) -> Vec<String> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The text of the X clipboard (what a paste would give).
fn clipboard() -> String {
    let out = std::process::Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .output()
        .expect("xclip (the test command installs it)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Clicks the `button` inside the element `item` whose text holds `text`.
async fn click_in(s: &Session, item: &str, text: &str, button: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let clicked = s
            .client
            .execute(
                &format!(
                    "const item = [...document.querySelectorAll('[data-testid={item}]')]\
                       .find((e) => e.textContent.includes(arguments[0]));\
                     const b = item && item.querySelector('[data-testid={button}]');\
                     if (b) b.click();\
                     return !!b;"
                ),
                vec![serde_json::json!(text)],
            )
            .await
            .unwrap();
        if clicked.as_bool() == Some(true) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no {button} in a {item} with {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn services_in_the_window() {
    let nc = cc_harness::nextcloud_or_skip!();
    let user = nc.new_user("gui-svc");
    let keyring = KeyringSession::start();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();

    // A note another client wrote.
    let dav = user.dav_client();
    dav.put_bytes(
        &user.files_root().join("Notes.md").unwrap(),
        bytes::Bytes::from_static(b"# Ordre del dia\n"),
        &PutOptions::default(),
    )
    .await
    .unwrap();

    let browser_log = dir.path().join("browser.log");
    let bin = browser_stand_in(dir.path(), &browser_log);
    let mut env: Vec<(&str, String)> = keyring
        .envs()
        .into_iter()
        .filter(|(k, _)| *k == "DBUS_SESSION_BUS_ADDRESS")
        .collect();
    env.push(("HOME", home.display().to_string()));
    env.push((
        "PATH",
        format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
    ));
    let notices = dir.path().join("notifications.log");
    let _monitor = cc_e2e::notification_monitor(keyring.address(), &notices);
    let s = Session::start_with(&dir.path().join("state.sqlite3"), dir.path(), &env).await;

    s.sign_in_and_start_sync(nc.url(), |page| nc.login_flow(page, &user))
        .await;
    let local = home.join("CommonsCloud");
    assert!(local.join("Notes.md").exists());

    // 1. The Services page: the profile's services, then the server's apps.
    s.click("nav-services").await;
    s.el("service-oficina").await;
    s.el("service-server-files").await;
    s.el("services-quota").await;
    assert!(
        !s.has("service-video-oficina").await,
        "no BigBlueButton app on this server"
    );
    let icon = s
        .client
        .execute(
            "return document.querySelector('[data-testid=service-server-files] img').src",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        icon.as_str()
            .unwrap_or("")
            .starts_with("data:image/png;base64,"),
        "{icon:?}"
    );
    s.screenshot("services-ca").await;
    s.click("service-agora").await;
    wait_until("the forum in the browser", 20, || {
        opened(&browser_log).contains(&"https://agora.commonscloud.coop/".to_owned())
    })
    .await;

    // 2. Open in the Oficina, from the activity list: the note opens in
    // Text through a one-time address on the server.
    s.click("nav-activity").await;
    click_in(&s, "activity-item", "Notes.md", "activity-office").await;
    let editing = format!("{}/index.php/apps/files/directEditing/", nc.url());
    wait_until("the note's editor in the browser", 30, || {
        opened(&browser_log).iter().any(|u| u.starts_with(&editing))
    })
    .await;

    // 3. New document: an .odt on the server, opened by its page.
    s.click("nav-services").await;
    s.click("services-new-document").await;
    s.el("new-document-name")
        .await
        .send_keys("Acta de l'assemblea")
        .await
        .unwrap();
    s.click("new-document-create").await;
    s.el("services-status").await;
    let odt = user.data_dir().join("Acta de l'assemblea.odt");
    wait_until("the new document on the server", 30, || odt.exists()).await;
    assert_eq!(
        std::fs::read(&odt).unwrap(),
        cc_services::odf::empty(cc_services::odf::DocKind::Document)
    );
    let page_prefix = format!("{}/index.php/f/", nc.url());
    wait_until("the new document in the browser", 30, || {
        opened(&browser_log)
            .iter()
            .any(|u| u.starts_with(&page_prefix))
    })
    .await;
    wait_until("the new document synced here", 60, || {
        local.join("Acta de l'assemblea.odt").exists()
    })
    .await;

    // 4. Start a meeting: CommonsCloud's BigBlueButton rooms page, its
    // address on the clipboard.
    s.click("services-meeting").await;
    s.el("services-meeting-open").await;
    let pasted = tokio::task::block_in_place(clipboard);
    assert_eq!(pasted, "https://bbbsalas.somosnube.coop/");

    // 5. A notification made on the server: a desktop notification and an
    // entry in the list; dismissed here, gone from the server.
    nc.occ(&["notification:generate", &user.login, "Assemblea dijous"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        // Opening the page asks the server at once.
        s.click("nav-files").await;
        s.click("nav-services").await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let text = s
            .client
            .execute(
                "const l = document.querySelector('[data-testid=notices-list]'); return l ? l.textContent : ''",
                vec![],
            )
            .await
            .unwrap();
        if text.as_str().unwrap_or("").contains("Assemblea dijous") {
            break;
        }
        assert!(Instant::now() < deadline, "the notification never showed");
    }
    wait_until("the desktop notification", 30, || {
        std::fs::read_to_string(&notices)
            .unwrap_or_default()
            .contains("Assemblea dijous")
    })
    .await;
    s.client
        .execute(
            "document.querySelector('[data-testid=notices-list]').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    s.screenshot("services-notification-ca").await;
    click_in(&s, "notice", "Assemblea dijous", "notice-dismiss").await;
    let (login, password) = (user.login.clone(), user.app_password.clone());
    wait_until("the notification dismissed on the server", 30, || {
        let (code, body) = nc.curl(
            "GET",
            "/ocs/v2.php/apps/notifications/api/v2/notifications?format=json",
            (&login, &password),
            &[],
        );
        code == 200 && !body.contains("Assemblea dijous")
    })
    .await;
    s.close().await;
}
