//! The real `commonscloud` binary: sign-in with an app password and through
//! the browser flow, `accounts`, `logout`, Ctrl-C, no keyring, usage
//! errors — against the replayed real Nextcloud 33 recordings and a real
//! gnome-keyring on a private D-Bus session.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use cc_harness::keyring::KeyringSession;
use cc_harness::replay::ReplayServer;

const SECRET: &str = "cc-cli-test-app-password-0b7f3e5c";

use cc_harness::replay::SIGN_IN_AFTER_FLOW as SIGN_IN;

/// The binary with a clean environment: its folders inside `dir`, no
/// display (so no browser opens), and the given D-Bus address.
fn cli(dir: &Path, bus: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_commonscloud"));
    c.arg("--state")
        .arg(dir.join("state.sqlite3"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("COMMONSCLOUD_PROVIDER")
        .env_remove("COMMONSCLOUD_STATE")
        .env_remove("COMMONSCLOUD_LOG")
        .env("HOME", dir.join("home"))
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("DBUS_SESSION_BUS_ADDRESS", bus)
        .stdin(Stdio::null());
    c
}

fn run(mut cmd: Command, stdin: Option<&str>) -> (Output, String, String) {
    let mut child = cmd
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

fn no_secret_under(dir: &Path, secret: &str) {
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("ana:{secret}"));
    let mut stack = vec![dir.to_path_buf()];
    let mut seen = 0;
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else if e.file_type().unwrap().is_file() {
                seen += 1;
                let bytes = std::fs::read(e.path()).unwrap();
                for needle in [secret.as_bytes(), basic.as_bytes()] {
                    assert!(
                        !bytes.windows(needle.len()).any(|w| w == needle),
                        "the app password leaked into {}",
                        e.path().display()
                    );
                }
            }
        }
    }
    assert!(seen > 0, "the state file was written");
}

#[test]
fn login_with_an_app_password_then_accounts_and_logout() {
    let session = KeyringSession::start();
    let bus = session.address().to_owned();
    let mut script = SIGN_IN.to_vec();
    script.push("015-apppassword-delete");
    let server = ReplayServer::start_with(&script, &["001-status"]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut outputs = String::new();

    let mut login = cli(d, &bus);
    login.args([
        "login",
        "--server",
        &server.base_url(),
        "--app-password-stdin",
        "--user",
        "ana",
    ]);
    let (out, stdout, stderr) = run(login, Some(&format!("{SECRET}\n")));
    assert!(out.status.success(), "{stdout}{stderr}");
    let label = format!("ana@{}", server.addr());
    assert!(
        stdout.contains(&format!("Signed in as Ana Puig ({label})")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "Files: {}/remote.php/dav/files/ana/",
            server.base_url()
        )),
        "{stdout}"
    );
    outputs += &(stdout + &stderr);

    let mut accounts = cli(d, &bus);
    accounts.arg("accounts");
    let (out, stdout, stderr) = run(accounts, None);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains(&label) && stdout.contains("signed in"),
        "{stdout}"
    );
    outputs += &(stdout + &stderr);

    let mut json = cli(d, &bus);
    json.args(["accounts", "--json"]);
    let (out, stdout, _) = run(json, None);
    assert!(out.status.success());
    let list: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["userId"], "ana");
    assert_eq!(list[0]["needsSignIn"], false);
    outputs += &stdout;

    let mut logout = cli(d, &bus);
    logout.arg("logout");
    let (out, stdout, stderr) = run(logout, None);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains(&format!("Signed out {label}.")), "{stdout}");
    assert!(stdout.contains("revoked on the server"), "{stdout}");
    outputs += &(stdout + &stderr);

    // The revocation was sent with the app password read back from the
    // keyring: it made the round trip through the keyring intact.
    let revoke = server
        .seen()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .expect("the app password was revoked");
    let auth = revoke.header("authorization").unwrap();
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(auth.strip_prefix("Basic ").unwrap())
        .unwrap();
    assert_eq!(decoded, format!("ana:{SECRET}").into_bytes());

    let mut accounts = cli(d, &bus);
    accounts.arg("accounts");
    let (out, stdout, _) = run(accounts, None);
    assert!(out.status.success());
    assert!(stdout.contains("No accounts"), "{stdout}");

    let mut again = cli(d, &bus);
    again.arg("logout");
    let (out, _, stderr) = run(again, None);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("there are no accounts"), "{stderr}");

    assert!(!outputs.contains(SECRET), "the app password was printed");
    no_secret_under(d, SECRET);
    assert!(server.misses().is_empty(), "{:?}", server.misses());
    assert!(server.unused().is_empty(), "{:?}", server.unused());
}

#[test]
fn login_through_the_browser_prints_the_page_and_waits() {
    let session = KeyringSession::start();
    let script = cc_harness::replay::LOGIN_FLOW_SIGN_IN;
    let server = ReplayServer::start_with(script, &["001-status"]);
    let dir = tempfile::tempdir().unwrap();
    let mut login = cli(dir.path(), session.address());
    login.args(["login", "--server", &server.base_url()]);
    let (out, stdout, stderr) = run(login, None);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains(&format!("{}/index.php/login/v2/flow/", server.base_url())),
        "the sign-in page is printed: {stdout}"
    );
    assert!(stdout.contains("Signed in as Ana Puig"), "{stdout}");
    // The recording's app password is 72 `x`; the printed page holds the
    // (also x-ed out, 128 long) login token, so leave that line out.
    let rest: String = stdout
        .lines()
        .filter(|l| !l.contains("/login/v2/flow/"))
        .collect();
    assert!(!rest.contains(&"x".repeat(72)) && !stderr.contains(&"x".repeat(72)));
    assert!(server.misses().is_empty(), "{:?}", server.misses());
    assert!(server.unused().is_empty(), "{:?}", server.unused());
}

#[test]
fn ctrl_c_cancels_a_waiting_login() {
    // The member never finishes in the browser: every poll answers 404.
    let server = ReplayServer::start_with(
        &["010-loginflow-init"],
        &["001-status", "011-loginflow-poll-pending"],
    );
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = cli(dir.path(), "unix:path=/nonexistent");
    cmd.args(["login", "--server", &server.base_url(), "--no-browser"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let started = Instant::now();
    loop {
        let line = lines.next().expect("the sign-in page is printed").unwrap();
        if line.contains("/index.php/login/v2/flow/") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(30));
    }
    // Let it poll at least once, then Ctrl-C.
    std::thread::sleep(Duration::from_millis(300));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("the sign-in was cancelled"), "{stderr}");
    assert!(server.misses().is_empty(), "{:?}", server.misses());
}

#[test]
fn without_a_keyring_login_fails_clearly_and_stores_nothing() {
    let server = ReplayServer::start_with(SIGN_IN, &["001-status"]);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut login = cli(d, "unix:path=/nonexistent");
    login.args([
        "login",
        "--server",
        &server.base_url(),
        "--app-password-stdin",
        "--user",
        "ana",
    ]);
    let (out, stdout, stderr) = run(login, Some(SECRET));
    assert_eq!(out.status.code(), Some(6), "{stdout}{stderr}");
    assert!(
        stderr.contains("no Secret Service on the session bus: install and unlock gnome-keyring"),
        "{stderr}"
    );
    let mut accounts = cli(d, "unix:path=/nonexistent");
    accounts.arg("accounts");
    let (_, stdout, _) = run(accounts, None);
    assert!(stdout.contains("No accounts"), "{stdout}");
    no_secret_under(d, SECRET);
}

#[test]
fn wrong_usage_is_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bus = "unix:path=/nonexistent";
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &[
                "login",
                "--server",
                "https://a.example",
                "--provider",
                "framaspace",
            ],
            2,
            "cannot be used with",
        ),
        (
            &["login", "--provider", "framaspace"],
            2,
            "--organisation NAME",
        ),
        (
            &[
                "login",
                "--provider",
                "framaspace",
                "--organisation",
                "evil.com/x",
            ],
            2,
            "not an organisation name",
        ),
        (
            &["login", "--provider", "nope"],
            1,
            "no built-in provider profile",
        ),
        (
            &[
                "login",
                "--server",
                "http://oficina.example.coop",
                "--no-browser",
            ],
            2,
            "refusing plain http",
        ),
        (&["login", "--app-password-stdin"], 2, "--user"),
        (&["logout", "nobody"], 1, "no account \"nobody\""),
    ];
    for (args, code, message) in cases {
        let mut cmd = cli(d, bus);
        cmd.args(*args);
        let (out, stdout, stderr) = run(cmd, None);
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {stdout}{stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

/// The desktop entries the packages install pass `desktop-file-validate`,
/// and the file manager's "Open in the Oficina" entry runs a command this
/// binary has, for the office types.
#[test]
fn the_desktop_entries_are_valid_and_open_in_office_runs_a_real_command() {
    let dir = cc_harness::workspace_root().join("installers/linux");
    for entry in [
        "commonscloud.desktop",
        "commonscloud-open-in-office.desktop",
    ] {
        let out = Command::new("desktop-file-validate")
            .arg(dir.join(entry))
            .output()
            .expect("desktop-file-validate (the test command installs desktop-file-utils)");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && !text.contains("error"),
            "{entry}: {text}"
        );
    }
    let office = std::fs::read_to_string(dir.join("commonscloud-open-in-office.desktop")).unwrap();
    let exec = office
        .lines()
        .find_map(|l| l.strip_prefix("Exec="))
        .unwrap();
    let args: Vec<&str> = exec.split_whitespace().collect();
    assert_eq!(args, ["commonscloud", "open", "%f"]);
    let out = Command::new(env!("CARGO_BIN_EXE_commonscloud"))
        .args(["open", "--help"])
        .output()
        .unwrap();
    assert!(out.status.success());
    for mime in [
        "application/vnd.oasis.opendocument.text;",
        "application/vnd.oasis.opendocument.spreadsheet;",
        "application/vnd.oasis.opendocument.presentation;",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document;",
        "text/markdown;",
    ] {
        assert!(office.contains(mime), "{mime}");
    }
}
