//! The real `commonscloud` binary against the real Nextcloud 33 of the
//! harness: sign-in through Login Flow v2 (the server's `login-flow.sh`
//! is the browser), a sync of the account's files, sign-out revoking the
//! app password on the server, and a remote wipe started from the
//! server's security settings, honoured by the next sync. The app
//! password lives in a real gnome-keyring on a private D-Bus session.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use cc_harness::keyring::KeyringSession;
use cc_harness::nextcloud::{NcUser, Nextcloud};

/// The user agent our sign-in sends; Nextcloud names the app password
/// after it.
const DEVICE: &str = "CommonsCloud Desktop/";

fn cli(dir: &Path, bus: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_commonscloud"));
    c.arg("--state")
        .arg(dir.join("state.sqlite3"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("COMMONSCLOUD_PROVIDER")
        .env_remove("COMMONSCLOUD_STATE")
        .envs(cc_harness::home_env(&dir.join("home")))
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .stdin(Stdio::null());
    c
}

fn output(mut c: Command) -> (Output, String) {
    let out = c.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

/// `commonscloud login` with the browser's part done by `login-flow.sh`
/// once the sign-in page is printed.
fn login(nc: &Nextcloud, user: &NcUser, dir: &Path, bus: &str) -> String {
    let mut c = cli(dir, bus);
    c.args([
        "login",
        "--server",
        nc.url(),
        "--no-browser",
        "--timeout",
        "120",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let page = loop {
        let line = lines.next().expect("the sign-in page is printed").unwrap();
        if let Some(at) = line.find("http")
            && line.contains("/login/v2/flow")
        {
            break line[at..].split_whitespace().next().unwrap().to_owned();
        }
    };
    nc.login_flow(&page, user);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        rest.join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("Signed in as {}", user.login)),
        "{text}"
    );
    text
}

#[test]
fn login_flow_sync_sign_out_and_a_remote_wipe() {
    let nc = cc_harness::nextcloud_or_skip!();
    let user = nc.new_user("cli");
    let session = KeyringSession::start();
    let bus = session.address().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // Sign in through the browser flow, as a member does.
    let text = login(&nc, &user, d, &bus);
    assert!(
        text.contains("Calendars: http"),
        "the calendar home was found: {text}"
    );
    assert!(
        nc.app_password_names(&user)
            .iter()
            .any(|n| n.starts_with(DEVICE)),
        "the server made an app password named after this client"
    );
    let mut c = cli(d, &bus);
    c.args(["accounts", "--json"]);
    let (out, text) = output(c);
    assert!(out.status.success() && text.contains(&user.login), "{text}");

    // A sync of the account's files, both ways.
    let local = d.join("Nextcloud");
    std::fs::create_dir(&local).unwrap();
    std::fs::write(local.join("des d'aquí.txt"), "local").unwrap();
    std::fs::create_dir_all(user.data_dir()).ok();
    let dav = user.dav_client();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        dav.put_bytes(
            &user.files_root().join("del-servidor.txt").unwrap(),
            bytes::Bytes::from_static(b"server"),
            &Default::default(),
        )
        .await
        .unwrap();
    });
    let sync = |d: &Path| {
        let mut c = cli(d, &bus);
        c.args(["sync", "--once", "--account", &user.login, "--local"])
            .arg(&local);
        c
    };
    let (out, text) = output(sync(d));
    assert!(out.status.success(), "{text}");
    assert_eq!(
        std::fs::read(local.join("del-servidor.txt")).unwrap(),
        b"server"
    );
    assert_eq!(
        std::fs::read(user.data_dir().join("des d'aquí.txt")).unwrap(),
        b"local"
    );

    // Sign out: the app password is revoked on the server, the files stay.
    let mut c = cli(d, &bus);
    c.args(["logout", &user.login]);
    let (out, text) = output(c);
    assert!(out.status.success(), "{text}");
    assert!(
        nc.app_password_names(&user)
            .iter()
            .all(|n| !n.starts_with(DEVICE)),
        "revoked on the server"
    );
    assert!(local.join("del-servidor.txt").exists(), "files kept");

    // Signed in again; then the member wipes this device from the web.
    login(&nc, &user, d, &bus);
    let (out, text) = output(sync(d));
    assert!(out.status.success(), "{text}");
    nc.remote_wipe(&user, DEVICE);
    let (out, text) = output(sync(d));
    assert_eq!(out.status.code(), Some(13), "{text}");
    assert!(text.contains("asked this computer to remove"), "{text}");
    assert!(!local.exists(), "the account's synced folder is deleted");
    let mut c = cli(d, &bus);
    c.args(["accounts", "--json"]);
    let (_, text) = output(c);
    assert!(
        !text.contains(&user.login),
        "the account is forgotten: {text}"
    );
    // The wipe was confirmed: the server dropped the device's password.
    assert!(
        nc.app_password_names(&user)
            .iter()
            .all(|n| !n.starts_with(DEVICE)),
        "the server was told the wipe is done"
    );
    // The server's copies are untouched.
    assert!(user.data_dir().join("del-servidor.txt").exists());
}
