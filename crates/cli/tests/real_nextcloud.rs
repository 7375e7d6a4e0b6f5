//! The real `commonscloud` binary against the real Nextcloud 33 of the
//! harness: sign-in through Login Flow v2 (the server's `login-flow.sh`
//! is the browser), a sync of the account's files, sign-out revoking the
//! app password on the server, `open` and `services`, and a remote wipe
//! started from the
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

    // `open`: a synced text file opens in the server's editor through
    // direct editing (a one-time address on the server); a file outside
    // every synced folder is refused with a message.
    let mut c = cli(d, &bus);
    c.args(["open", "--no-browser"])
        .arg(local.join("des d'aquí.txt"));
    let (out, text) = output(c);
    assert!(out.status.success(), "{text}");
    let page = text.lines().next().unwrap();
    assert!(
        page.starts_with(nc.url()) && page.contains("/index.php/apps/files/directEditing/"),
        "{text}"
    );
    std::fs::write(d.join("fora.txt"), "x").unwrap();
    let mut c = cli(d, &bus);
    c.args(["open", "--no-browser"]).arg(d.join("fora.txt"));
    let (out, text) = output(c);
    assert!(!out.status.success());
    assert!(text.contains("is not inside a synced folder"), "{text}");
    // `services`: the profile's and the server's, as the Services page.
    let mut c = cli(d, &bus);
    c.args(["services", "--json"]);
    let (out, text) = output(c);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("\"oficina\"") && text.contains("\"server-files\""),
        "{text}"
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

#[test]
fn a_chunked_upload_killed_midway_resumes_without_sending_a_chunk_twice() {
    let nc = cc_harness::nextcloud_or_skip!();
    let user = nc.new_user("resume");
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    std::fs::create_dir(&local).unwrap();
    // 25 MiB: three chunks of 10, 10 and 5 MiB.
    let data: Vec<u8> = (0..25 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(local.join("video.webm"), &data).unwrap();
    let sync = |limit: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_commonscloud"));
        c.arg("--state")
            .arg(dir.path().join("state.sqlite3"))
            .args(["sync", "--once", "--local"])
            .arg(&local)
            .args([
                "--remote",
                user.files_root().as_str(),
                "--user",
                &user.login,
            ])
            .env("COMMONSCLOUD_PASSWORD", &user.app_password)
            .envs(cc_harness::home_env(&dir.path().join("home")))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(l) = limit {
            c.args(["--upload-limit", l]);
        }
        c
    };
    // Slowed down, and killed (SIGKILL) once the server holds the first
    // chunk whole.
    let uploads = user.data_dir().parent().unwrap().join("uploads");
    let first_chunk = || {
        std::fs::read_dir(&uploads).ok().and_then(|mut ds| {
            ds.find_map(|d| {
                // Chunks are named by their number (1, 2, …).
                let p = d.ok()?.path().join("1");
                p.exists().then_some(p)
            })
        })
    };
    let first_run = nc.log_mark();
    let mut child = sync(Some("4M")).spawn().unwrap();
    let started = std::time::Instant::now();
    while first_chunk().is_none() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the upload ended before it could be killed"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(60));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!user.data_dir().join("video.webm").exists());
    // The server logs a request once it has answered it: the first chunk's
    // line is awaited, so it is not counted as the second run's.
    let waited = std::time::Instant::now();
    while !nc
        .requests_since(first_run)
        .iter()
        .any(|(_, r)| r.starts_with("PUT ") && r.contains(&user.login) && r.ends_with("/1"))
    {
        assert!(waited.elapsed() < std::time::Duration::from_secs(30));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    // Run again: the chunks the server holds are not sent again.
    let mark = nc.log_mark();
    let out = sync(None).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        std::fs::read(user.data_dir().join("video.webm")).unwrap(),
        data
    );
    let reqs = nc.requests_since(mark);
    let chunk_puts: Vec<&String> = reqs
        .iter()
        .map(|(_, r)| r)
        .filter(|r| r.starts_with("PUT ") && r.contains("/remote.php/dav/uploads/"))
        .collect();
    assert!(
        !chunk_puts.iter().any(|r| r.ends_with("/1")),
        "the first chunk was sent again: {reqs:#?}"
    );
    assert!(
        chunk_puts.len() <= 2,
        "at most the two chunks the server did not hold whole: {reqs:#?}"
    );
    assert!(
        reqs.iter()
            .any(|(_, r)| r.starts_with("MOVE ") && r.ends_with("/.file")),
        "{reqs:#?}"
    );
    // The upload folder is gone once assembled.
    let left: Vec<_> = std::fs::read_dir(&uploads)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_continuous_sync_hears_of_a_server_change_on_the_push_channel() {
    let nc = cc_harness::nextcloud_or_skip!();
    let user = nc.new_user("push");
    let _push = nc.push_server();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    std::fs::create_dir(&local).unwrap();
    std::fs::write(local.join("here.txt"), "made here").unwrap();
    let log = dir.path().join("sync.log");
    // Polling once an hour: only the push channel can bring the change
    // in within the test's wait.
    let mut child = Command::new(env!("CARGO_BIN_EXE_commonscloud"))
        .arg("--state")
        .arg(dir.path().join("state.sqlite3"))
        .args(["sync", "--poll", "3600", "--local"])
        .arg(&local)
        .args([
            "--remote",
            user.files_root().as_str(),
            "--user",
            &user.login,
        ])
        .env("COMMONSCLOUD_PASSWORD", &user.app_password)
        .env("COMMONSCLOUD_LOG", "commonscloud=info")
        .envs(cc_harness::home_env(&dir.path().join("home")))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let wait_for = |what: &str, ok: &dyn Fn() -> bool| {
        let start = std::time::Instant::now();
        while !ok() {
            if start.elapsed() > std::time::Duration::from_secs(60) {
                let _ = Command::new("kill").arg(child.id().to_string()).status();
                panic!(
                    "timed out waiting for {what}; the sync said:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        start.elapsed()
    };
    wait_for("the first pass", &|| {
        user.data_dir().join("here.txt").exists()
    });
    // Made on the server by another client of the same user.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let put = |name: &str, body: &'static str| {
        rt.block_on(user.dav_client().put_bytes(
            &user.files_root().join(name).unwrap(),
            bytes::Bytes::from_static(body.as_bytes()),
            &cc_dav::PutOptions::default(),
        ))
        .unwrap();
    };
    wait_for("the push channel", &|| {
        std::fs::read_to_string(&log).is_ok_and(|l| l.contains("push channel up"))
    });
    for round in 0..3 {
        let name = format!("from-server-{round}.txt");
        let started = std::time::Instant::now();
        put(&name, "made on the server");
        wait_for(&name, &|| {
            std::fs::read_to_string(local.join(&name)).is_ok_and(|t| t == "made on the server")
        });
        eprintln!(
            "{name}: on disk {} ms after the upload started",
            started.elapsed().as_millis()
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(said.contains("pushed change"), "{said}");
}
