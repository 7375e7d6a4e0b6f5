//! Accounts through the façade, end to end: sign-in (Login Flow v2 and the
//! app-password fallback) against the replayed real Nextcloud 33
//! recordings, the app password in a real gnome-keyring on a private D-Bus
//! session and nowhere else, health, sign-out, several accounts side by
//! side, and a clear error when there is no keyring.
//!
//! Tests that need the keyring (or its absence) run their body in a child
//! process (this test binary again, filtered to an ignored test) so the
//! D-Bus address reaches it through its environment; the child starts its
//! own replay servers.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine;
use cc_app::{App, ErrorCode, Health, PollPolicy, Provider};
use cc_harness::keyring::{KeyringSession, run_child_test};
use cc_harness::replay::ReplayServer;

const SECRET_A: &str = "cc-test-app-password-A-6f0d2b9e";
const SECRET_A2: &str = "cc-test-app-password-A2-18c4e7aa";
const SECRET_B: &str = "cc-test-app-password-B-d93a51f7";
/// The app password of the Login Flow recording (x-ed out there).
fn flow_secret() -> String {
    "x".repeat(72)
}

/// What a sign-in requests after `status.php`: cloud/user, capabilities,
/// CalDAV and CardDAV discovery.
use cc_harness::replay::SIGN_IN_AFTER_FLOW as SIGN_IN;

fn fast_polls() -> PollPolicy {
    PollPolicy {
        first_interval: Duration::from_millis(100),
        max_interval: Duration::from_millis(200),
        timeout: Duration::from_secs(30),
        max_consecutive_errors: 0,
    }
}

/// The environment of a child: its folder, and home, config, data and
/// cache folders inside it, so anything it writes is found there.
fn child_env(dir: &Path) -> Vec<(&'static str, String)> {
    let sub = |s: &str| dir.join(s).display().to_string();
    vec![
        ("CC_TEST_DIR", dir.display().to_string()),
        ("HOME", sub("home")),
        ("XDG_CONFIG_HOME", sub("config")),
        ("XDG_DATA_HOME", sub("data")),
        ("XDG_CACHE_HOME", sub("cache")),
        ("XDG_STATE_HOME", sub("state")),
        ("COMMONSCLOUD_STATE", sub("never-used.sqlite3")),
    ]
}

fn test_dir() -> PathBuf {
    PathBuf::from(std::env::var("CC_TEST_DIR").expect("run by its parent test"))
}

/// Logs everything, from every crate, at the most verbose level, to a file.
fn log_to_file(dir: &Path) {
    let file = std::fs::File::create(dir.join("app.log")).unwrap();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .init();
}

/// Copies the state file and its WAL and shared-memory files while the app
/// still has them open (SQLite folds the WAL back on close).
fn snapshot_state(state: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", state.display()));
        if from.exists() {
            let name = from.file_name().unwrap();
            std::fs::copy(&from, to.join(name)).unwrap();
        }
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let ft = entry.file_type().unwrap();
            if ft.is_dir() {
                stack.push(entry.path());
            } else if ft.is_file() {
                out.push(entry.path());
            }
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The forms a secret could leak in: as is, and inside a Basic
/// `Authorization` header.
fn leak_forms(user: &str, secret: &str) -> Vec<Vec<u8>> {
    let b64 = base64::engine::general_purpose::STANDARD;
    vec![
        secret.as_bytes().to_vec(),
        b64.encode(format!("{user}:{secret}")).into_bytes(),
    ]
}

fn assert_no_leak(dir: &Path, secrets: &[(&str, String)]) -> Vec<PathBuf> {
    let files = files_under(dir);
    assert!(!files.is_empty());
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        for (user, secret) in secrets {
            for form in leak_forms(user, secret) {
                assert!(
                    !contains(&bytes, &form),
                    "the app password leaked into {}",
                    f.display()
                );
            }
        }
    }
    files
}

fn raw_keyring(key: &str) -> keyring::Result<String> {
    keyring::Entry::new(cc_account_service(), key)
        .unwrap()
        .get_password()
}

fn cc_account_service() -> &'static str {
    "coop.commonscloud.desktop"
}

// --- The app password goes to the keyring and nowhere else ---------------

#[test]
fn sign_in_keeps_the_app_password_only_in_the_keyring() {
    let mut session = KeyringSession::start();
    let dir = tempfile::tempdir().unwrap();
    let mut envs = session.envs();
    envs.retain(|(k, _)| *k == "DBUS_SESSION_BUS_ADDRESS");
    envs.extend(child_env(dir.path()));
    run_child_test("child_sign_in_two_accounts", &envs);
    assert!(session.is_running());

    let files = assert_no_leak(
        dir.path(),
        &[("ana", flow_secret()), ("Ana", SECRET_B.to_owned())],
    );
    // The grep looked at the right files, and they hold what they should.
    let state: Vec<_> = files
        .iter()
        .filter(|f| f.to_string_lossy().contains("state.sqlite3"))
        .collect();
    assert!(state.len() >= 2, "state file and its WAL: {files:?}");
    assert!(
        state
            .iter()
            .any(|f| contains(&std::fs::read(f).unwrap(), b"/remote.php/dav/files/ana/")),
        "the accounts are in the state file"
    );
    let log = std::fs::read_to_string(dir.path().join("app.log")).unwrap();
    for expected in [
        "login flow granted",
        "account verified",
        "signed in",
        "stored in the keyring",
    ] {
        assert!(log.contains(expected), "log lacks {expected:?}:\n{log}");
    }
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "the log was written at a verbose level"
    );
}

#[tokio::test]
#[ignore = "run by sign_in_keeps_the_app_password_only_in_the_keyring"]
async fn child_sign_in_two_accounts() {
    let dir = test_dir();
    log_to_file(&dir);
    let flow_recordings = cc_harness::replay::LOGIN_FLOW_SIGN_IN;
    let a = ReplayServer::start_with(flow_recordings, &["001-status"]);
    let b = ReplayServer::start_with(SIGN_IN, &["001-status"]);
    let state = dir.join("state.sqlite3");
    let mut app = App::open(&state, Provider::builtin()).unwrap();
    app.set_poll_policy(fast_polls());

    // Login Flow v2 on A.
    let started = app.start_login(&a.base_url()).await.unwrap();
    assert!(started.login_url.starts_with(&a.base_url()));
    let acc_a = app.finish_login(started.login_id).await.unwrap();
    assert_eq!(acc_a.user_id, "ana");
    assert_eq!(acc_a.login_name, "ana");
    assert_eq!(acc_a.display_name.as_deref(), Some("Ana Puig"));
    assert_eq!(acc_a.server, a.base_url());
    assert_eq!(acc_a.label, format!("ana@{}", a.addr()));
    assert_eq!(acc_a.server_version.as_deref(), Some("33.0.1"));
    assert_eq!(
        acc_a.files_url.as_deref(),
        Some(format!("{}/remote.php/dav/files/ana/", a.base_url()).as_str())
    );
    assert!(acc_a.calendar_home.is_some() && acc_a.contacts_home.is_some());

    // The app-password fallback on B, typed as "Ana": the id is "ana".
    let acc_b = app
        .add_account_with_app_password(&b.base_url(), "Ana", SECRET_B)
        .await
        .unwrap();
    assert_eq!(
        (acc_b.user_id.as_str(), acc_b.login_name.as_str()),
        ("ana", "Ana")
    );

    // Side by side.
    let all = app.accounts().unwrap();
    assert_eq!(all.len(), 2);
    assert_ne!(all[0].server, all[1].server);
    assert_eq!(app.find_account(&acc_b.label).unwrap().id, acc_b.id);
    assert_eq!(
        app.find_account("ana").unwrap_err().code,
        ErrorCode::InvalidInput,
        "two accounts are called ana"
    );

    // Each secret is in the keyring, under the documented service.
    assert_eq!(
        raw_keyring(&format!("ana@{}", a.base_url())).unwrap(),
        flow_secret()
    );
    assert_eq!(
        raw_keyring(&format!("ana@{}", b.base_url())).unwrap(),
        SECRET_B
    );

    assert!(a.misses().is_empty(), "{:?}", a.misses());
    assert!(b.misses().is_empty(), "{:?}", b.misses());
    snapshot_state(&state, &dir.join("snapshot"));
}

#[test]
fn with_no_session_bus_sign_in_fails_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut envs = child_env(dir.path());
    envs.push((
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent".to_owned(),
    ));
    run_child_test("child_no_keyring", &envs);
    assert_no_leak(dir.path(), &[("ana", SECRET_A.to_owned())]);
    let store = cc_store::Store::open(dir.path().join("state.sqlite3")).unwrap();
    let n: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0, "no account without its secret");
}

#[tokio::test]
#[ignore = "run by with_no_session_bus_sign_in_fails_and_nothing_is_written"]
async fn child_no_keyring() {
    let dir = test_dir();
    log_to_file(&dir);
    let s = ReplayServer::start_with(SIGN_IN, &["001-status"]);
    let state = dir.join("state.sqlite3");
    let app = App::open(&state, Provider::builtin()).unwrap();
    let err = app
        .add_account_with_app_password(&s.base_url(), "ana", SECRET_A)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::KeyringUnavailable, "{err:?}");
    assert!(
        err.message
            .contains("install and unlock gnome-keyring or KeePassXC"),
        "{}",
        err.message
    );
    assert!(app.accounts().unwrap().is_empty());
    // The password was checked with the server before the keyring was tried.
    assert!(s.misses().is_empty(), "{:?}", s.misses());
    snapshot_state(&state, &dir.join("snapshot"));
}

// --- Health, signing in again, signing out --------------------------------

#[test]
fn health_revoked_password_sign_in_again_and_sign_out() {
    let mut session = KeyringSession::start();
    let dir = tempfile::tempdir().unwrap();
    let mut envs = session.envs();
    envs.retain(|(k, _)| *k == "DBUS_SESSION_BUS_ADDRESS");
    envs.extend(child_env(dir.path()));
    run_child_test("child_health_and_sign_out", &envs);
    assert!(session.is_running());
    assert_no_leak(
        dir.path(),
        &[
            ("ana", SECRET_A.to_owned()),
            ("ana", SECRET_A2.to_owned()),
            ("ana", SECRET_B.to_owned()),
        ],
    );
    // Kept at sign-out: the member's files are theirs.
    assert!(dir.path().join("files-a/notes.txt").exists());
    assert!(!dir.path().join("files-b").exists(), "deleted as asked");
}

#[tokio::test]
#[ignore = "run by health_revoked_password_sign_in_again_and_sign_out"]
async fn child_health_and_sign_out() {
    let dir = test_dir();
    log_to_file(&dir);
    let mut script: Vec<&str> = SIGN_IN.to_vec();
    script.push("014-propfind-new-apppassword");
    script.push("016-propfind-revoked-apppassword");
    script.extend_from_slice(SIGN_IN);
    script.push("015-apppassword-delete");
    let a = ReplayServer::start_with(&script, &["001-status"]);
    let b = ReplayServer::start_with(SIGN_IN, &["001-status"]);
    let state = dir.join("state.sqlite3");
    let app = App::open(&state, Provider::builtin()).unwrap();

    let acc_a = app
        .add_account_with_app_password(&a.base_url(), "ana", SECRET_A)
        .await
        .unwrap();
    let acc_b = app
        .add_account_with_app_password(&b.base_url(), "ana", SECRET_B)
        .await
        .unwrap();

    assert_eq!(
        app.account_health(acc_a.id).await.unwrap(),
        Health::Ok {
            version: "33.0.1".into()
        }
    );
    // The password was revoked (from the web, say): 401.
    assert_eq!(
        app.account_health(acc_a.id).await.unwrap(),
        Health::SignInAgain
    );
    assert!(app.find_account(&acc_a.label).unwrap().needs_sign_in);
    // Never loop: the next check asks the member, not the server.
    let requests = a.seen().len();
    assert_eq!(
        app.account_health(acc_a.id).await.unwrap(),
        Health::SignInAgain
    );
    assert_eq!(
        a.seen().len(),
        requests,
        "no request with a refused password"
    );

    // Signing in again updates the same account and clears the mark.
    let again = app
        .add_account_with_app_password(&a.base_url(), "ana", SECRET_A2)
        .await
        .unwrap();
    assert_eq!(again.id, acc_a.id);
    assert!(!again.needs_sign_in);
    assert_eq!(app.accounts().unwrap().len(), 2);
    assert_eq!(
        raw_keyring(&format!("ana@{}", a.base_url())).unwrap(),
        SECRET_A2
    );

    let files_a = dir.join("files-a");
    let files_b = dir.join("files-b");
    for f in [&files_a, &files_b] {
        std::fs::create_dir_all(f).unwrap();
        std::fs::write(f.join("notes.txt"), "les meves notes").unwrap();
    }
    app.set_local_folder(acc_a.id, Some(&files_a)).unwrap();
    app.set_local_folder(acc_b.id, Some(&files_b)).unwrap();
    // B also has a folder pair of the sync engine (cc-files' table).
    let pair_b = dir.join("files-b-pair");
    std::fs::create_dir_all(&pair_b).unwrap();
    std::fs::write(pair_b.join("informe.odt"), "odt").unwrap();
    let other = cc_store::Store::open(&state).unwrap();
    let pair = cc_files::journal::folder_pair(
        other.connection(),
        pair_b.to_str().unwrap(),
        acc_b.files_url.as_deref().unwrap(),
        0,
    )
    .unwrap();
    cc_files::journal::attach_pair(other.connection(), pair.id, acc_b.id, &[]).unwrap();

    // B's server is gone: sign-out still removes the account, the secret
    // and (as asked) the files, and says the revocation failed.
    drop(b);
    let report_b = app.sign_out(acc_b.id, true).await.unwrap();
    assert!(!report_b.revoked_on_server);
    assert!(report_b.secret_removed && report_b.files_deleted);
    assert!(
        report_b.warnings.iter().any(|w| w.contains("revoke it")),
        "{:?}",
        report_b.warnings
    );
    assert!(!files_b.exists() && !pair_b.exists());
    let pairs = cc_files::journal::pair_records(other.connection(), None).unwrap();
    assert_eq!(pairs, [], "the folder pair went with the account");
    assert!(matches!(
        raw_keyring(&format!("ana@{}", acc_b.server)),
        Err(keyring::Error::NoEntry)
    ));
    assert_eq!(app.accounts().unwrap().len(), 1);

    // A: revoked on the server, the files kept (the default).
    let report_a = app.sign_out(acc_a.id, false).await.unwrap();
    assert!(report_a.revoked_on_server && report_a.secret_removed);
    assert!(!report_a.files_deleted);
    assert!(report_a.warnings.is_empty(), "{:?}", report_a.warnings);
    assert!(files_a.join("notes.txt").exists());
    assert!(app.accounts().unwrap().is_empty());
    assert!(matches!(
        raw_keyring(&format!("ana@{}", acc_a.server)),
        Err(keyring::Error::NoEntry)
    ));
    assert_eq!(
        app.account_health(acc_a.id).await.unwrap_err().code,
        ErrorCode::NotFound
    );

    // The only request without a recording: the remote-wipe check after
    // the 401 (nothing recorded it; a miss must not wipe anything).
    let misses: Vec<_> = a.misses().into_iter().map(|m| m.target).collect();
    assert_eq!(misses, ["/index.php/core/wipe/check"]);
    assert!(a.unused().is_empty(), "{:?}", a.unused());
    snapshot_state(&state, &dir.join("snapshot"));
}

// --- Login Flow: maintenance, cancel, time-out (no keyring involved) ------

#[tokio::test]
async fn login_refuses_a_server_in_maintenance() {
    let s = ReplayServer::start(&["002-status-maintenance"]);
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(&dir.path().join("s.sqlite3"), Provider::builtin()).unwrap();
    let err = app.start_login(&s.base_url()).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Maintenance, "{err:?}");
    assert_eq!(s.seen().len(), 1, "no login flow started");
}

#[tokio::test]
async fn login_can_be_cancelled_and_times_out() {
    let s = ReplayServer::start_with(
        &["010-loginflow-init", "010-loginflow-init"],
        &["001-status", "011-loginflow-poll-pending"],
    );
    let dir = tempfile::tempdir().unwrap();
    let mut app = App::open(&dir.path().join("s.sqlite3"), Provider::builtin()).unwrap();
    app.set_poll_policy(PollPolicy {
        timeout: Duration::from_millis(800),
        ..fast_polls()
    });

    let started = app.start_login(&s.base_url()).await.unwrap();
    let (result, ()) = tokio::join!(app.finish_login(started.login_id), async {
        tokio::time::sleep(Duration::from_millis(250)).await;
        app.cancel_login(started.login_id).unwrap();
    });
    assert_eq!(result.unwrap_err().code, ErrorCode::Cancelled);
    assert_eq!(
        app.cancel_login(started.login_id).unwrap_err().code,
        ErrorCode::NotFound
    );

    let started = app.start_login(&s.base_url()).await.unwrap();
    let err = app.finish_login(started.login_id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::Timeout, "{err:?}");
    assert_eq!(
        app.finish_login(started.login_id).await.unwrap_err().code,
        ErrorCode::NotFound,
        "a finished sign-in is forgotten"
    );
    assert!(app.accounts().unwrap().is_empty());
    assert!(s.misses().is_empty(), "{:?}", s.misses());
}

#[tokio::test]
async fn typed_servers_follow_the_transport_rule() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(&dir.path().join("s.sqlite3"), Provider::builtin()).unwrap();
    for (server, code) in [
        ("http://oficina.example.coop", ErrorCode::InvalidInput),
        ("ftp://oficina.example.coop", ErrorCode::InvalidInput),
        ("", ErrorCode::InvalidInput),
    ] {
        assert_eq!(
            app.start_login(server).await.unwrap_err().code,
            code,
            "{server:?}"
        );
    }
    // A real refused connection on loopback.
    let port = cc_harness::process::free_port();
    let err = app
        .add_account_with_app_password(&format!("http://127.0.0.1:{port}"), "ana", SECRET_A)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Offline, "{err:?}");
    assert_eq!(
        app.add_account_with_app_password("https://oficina.example.coop", "", SECRET_A)
            .await
            .unwrap_err()
            .code,
        ErrorCode::InvalidInput
    );
}
