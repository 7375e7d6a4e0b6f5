//! The account endpoints against the replayed real recordings of a
//! Nextcloud 33 server: status and maintenance, Login Flow v2, cloud/user,
//! capabilities, app-password revocation and the 401 that follows, and
//! the health states. The replay server answers only with recordings; a
//! request it has none for gets 501 and is listed in `misses()`.

use std::time::{Duration, Instant};

use cc_account::endpoints::files_root;
use cc_account::health::{Health, check_health};
use cc_account::signin::{check_server, dav_client, verify_account};
use cc_account::{AccountError, CancellationToken, HttpConfig, NextcloudClient, PollPolicy};
use cc_dav::Credentials;
use cc_harness::replay::ReplayServer;
use url::Url;

/// The app password used with the recordings (the replay server checks
/// that credentials are sent, not which).
const APP_PASSWORD: &str = "replay-app-password-3c9d";

fn base(s: &ReplayServer) -> Url {
    Url::parse(&format!("{}/", s.base_url())).unwrap()
}

fn nc(s: &ReplayServer) -> NextcloudClient {
    NextcloudClient::new(&base(s), &HttpConfig::default()).unwrap()
}

fn creds(user: &str) -> Credentials {
    Credentials {
        user: user.into(),
        password: APP_PASSWORD.into(),
    }
}

fn fast(first_ms: u64, timeout_ms: u64) -> PollPolicy {
    PollPolicy {
        first_interval: Duration::from_millis(first_ms),
        max_interval: Duration::from_millis(first_ms * 4),
        timeout: Duration::from_millis(timeout_ms),
        max_consecutive_errors: 0,
    }
}

fn polls(s: &ReplayServer) -> usize {
    s.seen()
        .iter()
        .filter(|r| r.target == "/index.php/login/v2/poll")
        .count()
}

#[tokio::test]
async fn status_tells_the_version_and_maintenance() {
    let s = ReplayServer::start(&["001-status", "002-status-maintenance"]);
    let c = nc(&s);
    let ok = check_server(&c).await.unwrap();
    assert_eq!(ok.versionstring, "33.0.1");
    assert!(!ok.maintenance);
    match check_server(&c).await {
        Err(AccountError::Maintenance { server }) => {
            assert_eq!(server, s.addr().to_string());
        }
        other => panic!("expected maintenance, got {other:?}"),
    }
    assert!(s.misses().is_empty(), "{:?}", s.misses());
}

#[tokio::test]
async fn login_flow_starts_polls_404_then_200_once() {
    let s = ReplayServer::start(&[
        "010-loginflow-init",
        "011-loginflow-poll-pending",
        "012-loginflow-poll-granted",
        "013-loginflow-poll-again",
    ]);
    let c = nc(&s);
    let flow = c.start_login().await.unwrap();
    assert!(
        flow.login_url
            .as_str()
            .starts_with(&format!("{}/index.php/login/v2/flow/", s.base_url())),
        "{}",
        flow.login_url
    );
    let token = "x".repeat(128);
    assert!(
        !format!("{flow:?}").contains(&token),
        "the poll token is not printed"
    );
    assert!(c.poll_login(&flow).await.unwrap().is_none(), "404: pending");
    let grant = c.poll_login(&flow).await.unwrap().expect("200: granted");
    assert_eq!(grant.login_name, "ana");
    assert_eq!(grant.app_password, "x".repeat(72));
    assert_eq!(grant.server, base(&s));
    assert!(!format!("{grant:?}").contains(&grant.app_password));
    assert!(
        c.poll_login(&flow).await.unwrap().is_none(),
        "the grant is served once: the same token gives 404 again"
    );
    // Every poll sent the token as a form body, anonymously.
    let seen = s.seen();
    for poll in seen
        .iter()
        .filter(|r| r.target == "/index.php/login/v2/poll")
    {
        assert_eq!(poll.body, format!("token={token}").into_bytes());
        assert!(poll.header("authorization").is_none());
    }
    assert!(s.misses().is_empty(), "{:?}", s.misses());
    assert!(s.unused().is_empty());
}

#[tokio::test]
async fn waiting_polls_again_after_a_pause_until_granted() {
    let s = ReplayServer::start(&[
        "010-loginflow-init",
        "011-loginflow-poll-pending",
        "012-loginflow-poll-granted",
    ]);
    let c = nc(&s);
    let flow = c.start_login().await.unwrap();
    let started = Instant::now();
    let grant = c
        .wait_for_login(&flow, &fast(200, 10_000), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(grant.login_name, "ana");
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "waited between polls"
    );
    assert_eq!(polls(&s), 2);
    assert!(s.misses().is_empty(), "{:?}", s.misses());
}

#[tokio::test]
async fn waiting_can_be_cancelled() {
    // 011 answers every poll: the member never finishes in the browser.
    let s = ReplayServer::start_with(&["010-loginflow-init"], &["011-loginflow-poll-pending"]);
    let c = nc(&s);
    let flow = c.start_login().await.unwrap();
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });
    let started = Instant::now();
    let policy = fast(10_000, 600_000);
    let err = c.wait_for_login(&flow, &policy, &cancel).await.unwrap_err();
    assert!(matches!(err, AccountError::Cancelled), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "cancelled during the pause, not after it: {:?}",
        started.elapsed()
    );
    assert_eq!(polls(&s), 1);
    assert!(s.misses().is_empty(), "{:?}", s.misses());
}

#[tokio::test]
async fn waiting_times_out_cleanly() {
    let s = ReplayServer::start_with(&["010-loginflow-init"], &["011-loginflow-poll-pending"]);
    let c = nc(&s);
    let flow = c.start_login().await.unwrap();
    let started = Instant::now();
    let err = c
        .wait_for_login(&flow, &fast(100, 700), &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, AccountError::LoginTimeout(d) if d == Duration::from_millis(700)),
        "{err:?}"
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_secs(5),
        "{took:?}"
    );
    // Backoff: 100, 150, 225 ms... so a handful of polls, not hundreds.
    let n = polls(&s);
    assert!((3..=8).contains(&n), "{n} polls in 700 ms");
    assert!(s.misses().is_empty(), "{:?}", s.misses());
}

#[tokio::test]
async fn cloud_user_gives_the_user_id_not_the_login_name() {
    let s = ReplayServer::start(&["008-ocs-v1-cloud-user"]);
    // The member typed "Ana"; Nextcloud logs in case-insensitively, and
    // the id in DAV paths is the one cloud/user names.
    let user = nc(&s).user(&creds("Ana")).await.unwrap();
    assert_eq!(user.id, "ana");
    assert_eq!(user.display_name.as_deref(), Some("Ana Puig"));
    let seen = &s.seen()[0];
    assert_eq!(seen.target, "/ocs/v1.php/cloud/user?format=json");
    assert_eq!(seen.header("ocs-apirequest"), Some("true"));
    assert!(seen.header("authorization").unwrap().starts_with("Basic "));
    assert_eq!(
        files_root(&base(&s), &user.id).path(),
        "/remote.php/dav/files/ana/"
    );
    assert!(s.misses().is_empty(), "{:?}", s.misses());
}

#[tokio::test]
async fn capabilities_tell_uploads_and_apps() {
    let s = ReplayServer::start(&["005-capabilities-json"]);
    let caps = nc(&s).capabilities(&creds("ana")).await.unwrap();
    assert_eq!(caps.version.as_deref(), Some("33.0.1"));
    assert!(caps.upload.chunking && caps.upload.bulk_upload);
    assert_eq!(caps.upload.max_chunk_size, Some(104_857_600));
    assert_eq!(caps.upload.max_parallel_chunks, Some(5));
    assert!(
        caps.upload
            .forbidden_names
            .contains(&".htaccess".to_owned())
    );
    assert!(caps.files_sharing);
    assert!(!caps.talk, "Talk is not part of the 33.0.1 release");
    assert_eq!(caps.notify_push, None);
    assert_eq!(caps.theming_name.as_deref(), Some("Nextcloud"));
    assert_eq!(caps.theming_color.as_deref(), Some("#00679e"));
    assert!(caps.raw.pointer("/capabilities/dav/chunking").is_some());
    assert!(s.misses().is_empty(), "{:?}", s.misses());
}

#[tokio::test]
async fn maintenance_mode_is_reported_by_status_dav_and_ocs() {
    let s = ReplayServer::start(&[
        "002-status-maintenance",
        "001-status",
        "003-propfind-maintenance",
        "004-ocs-user-maintenance",
    ]);
    let c = nc(&s);
    let dav = dav_client(creds("ana"), 0).unwrap();
    let files = files_root(&base(&s), "ana");
    // status.php says so: no authenticated request follows.
    assert_eq!(
        check_health(&c, &dav, &files, APP_PASSWORD).await,
        Health::Maintenance
    );
    assert_eq!(s.seen().len(), 1);
    // status.php said no, and the DAV request got 503 (maintenance began
    // in between).
    assert_eq!(
        check_health(&c, &dav, &files, APP_PASSWORD).await,
        Health::Maintenance
    );
    // OCS in maintenance: 503 with statuscode 503.
    let err = c
        .ocs(
            reqwest::Method::GET,
            "ocs/v2.php/cloud/user?format=json",
            &creds("ana"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AccountError::Maintenance { .. }), "{err:?}");
    assert!(err.is_transient());
    assert!(s.misses().is_empty(), "{:?}", s.misses());
    assert!(s.unused().is_empty());
}

#[tokio::test]
async fn revocation_then_the_revoked_password_gets_401() {
    let s = ReplayServer::start_with(
        &[
            "014-propfind-new-apppassword",
            "015-apppassword-delete",
            "016-propfind-revoked-apppassword",
        ],
        &["001-status"],
    );
    let c = nc(&s);
    let dav = dav_client(creds("ana"), 0).unwrap();
    let files = files_root(&base(&s), "ana");
    assert_eq!(
        check_health(&c, &dav, &files, APP_PASSWORD).await,
        Health::Ok {
            version: "33.0.1".into()
        }
    );
    c.revoke_app_password(&creds("ana")).await.unwrap();
    let revoke = s.seen().into_iter().find(|r| r.method == "DELETE").unwrap();
    assert_eq!(revoke.target, "/ocs/v2.php/core/apppassword?format=json");
    assert_eq!(revoke.header("ocs-apirequest"), Some("true"));

    assert_eq!(
        check_health(&c, &dav, &files, APP_PASSWORD).await,
        Health::SignInAgain
    );
    // After the 401 the remote-wipe check was sent with the app password
    // as its token. There is no recording of that endpoint, so the replay
    // server answered 501 (a miss); the client must not take that for a
    // wipe request.
    let misses = s.misses();
    assert_eq!(misses.len(), 1, "{misses:?}");
    assert_eq!(misses[0].method, "POST");
    assert_eq!(misses[0].target, "/index.php/core/wipe/check");
    assert_eq!(misses[0].body, format!("token={APP_PASSWORD}").into_bytes());
    assert!(s.unused().is_empty());
}

#[tokio::test]
async fn verify_account_reads_the_user_capabilities_and_homes() {
    let s = ReplayServer::start_with(cc_harness::replay::SIGN_IN_AFTER_FLOW, &["001-status"]);
    let v = verify_account(&base(&s), "ana", APP_PASSWORD, &HttpConfig::default())
        .await
        .unwrap();
    assert_eq!(v.user.id, "ana");
    assert_eq!(v.status.versionstring, "33.0.1");
    assert_eq!(v.endpoints.files.path(), "/remote.php/dav/files/ana/");
    assert_eq!(
        v.endpoints.calendar_home.unwrap().path(),
        "/remote.php/dav/calendars/ana/"
    );
    assert_eq!(
        v.endpoints.contacts_home.unwrap().path(),
        "/remote.php/dav/addressbooks/users/ana/"
    );
    assert!(s.misses().is_empty(), "{:?}", s.misses());
    assert!(s.unused().is_empty());
}

#[tokio::test]
async fn an_unreachable_server_is_offline() {
    // A port nothing listens on: a real refused connection.
    let port = cc_harness::process::free_port();
    let url = Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
    let c = NextcloudClient::new(&url, &HttpConfig::default()).unwrap();
    let err = c.status().await.unwrap_err();
    assert!(matches!(err, AccountError::Offline { .. }), "{err:?}");
    assert!(err.is_transient());
    let dav = dav_client(creds("ana"), 0).unwrap();
    let health = check_health(&c, &dav, &files_root(&url, "ana"), APP_PASSWORD).await;
    assert!(matches!(health, Health::Offline { .. }), "{health:?}");
    assert!(matches!(
        c.start_login().await.unwrap_err(),
        AccountError::Offline { .. }
    ));
}

#[test]
fn plain_http_is_refused_before_any_request() {
    let url = Url::parse("http://oficina.example.coop/").unwrap();
    let err = NextcloudClient::new(&url, &HttpConfig::default()).unwrap_err();
    assert!(
        matches!(&err, AccountError::Insecure(h) if h == "oficina.example.coop"),
        "{err:?}"
    );
}
