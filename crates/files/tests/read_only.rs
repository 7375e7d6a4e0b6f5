//! A deletion the server refuses (403, as Nextcloud answers inside a
//! read-only share, recording 099) is reported once and the file comes
//! back; the engine does not send the DELETE again on every pass.
//!
//! Apache and lighttpd answer 403 to a DELETE in a folder their process may
//! not write, which makes a real read-only place without Nextcloud.

use cc_files::engine::{PassOptions, PassReport, SyncFolder};
use cc_files::ignore::IgnoreRules;
use cc_files::trash::Trash;
use cc_files::{Problem, SyncPath, journal};
use cc_harness::servers::{Kind, Server};
use url::Url;

async fn refused_deletion_comes_back(kind: Kind) {
    let server = Server::start(kind);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    std::fs::create_dir_all(local.join("ro")).unwrap();
    std::fs::write(local.join("ro/normes.txt"), b"the rules").unwrap();
    // Another file, so that deleting the rules does not empty the folder
    // (the guard would ask first: a side emptied is a question).
    std::fs::write(local.join("llegeix-me.txt"), b"keep").unwrap();
    let remote = Url::parse(&server.files_url()).unwrap();
    let store = cc_store::Store::open(dir.path().join("state.sqlite3")).unwrap();
    let pair = journal::folder_pair(
        store.connection(),
        local.to_str().unwrap(),
        remote.as_str(),
        0,
    )
    .unwrap();
    let folder = SyncFolder {
        local_root: local.clone(),
        remote_root: remote,
        client: server.dav_client(),
        ignore: IgnoreRules::defaults(),
        folder_id: pair.id,
        // Deleted files stay in the test's folder, not in the trash of
        // whoever runs the tests.
        trash: Trash::Folder(local.parent().unwrap().join("trash")),
    };
    let pass = || async {
        folder
            .sync_once(store.connection(), &PassOptions::default(), |_| {})
            .await
            .unwrap()
    };
    let r: PassReport = pass().await;
    assert_eq!(r.uploaded, 2, "{kind:?}: {r:#?}");

    // The server's folder becomes read-only for the server process.
    let data = server.root().join("data/ro");
    let st = std::process::Command::new("chmod")
        .arg("555")
        .arg(&data)
        .status()
        .unwrap();
    assert!(st.success());

    // Quirk (Apache): a file under a second old has a weak ETag that
    // If-Match never matches.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    std::fs::remove_file(local.join("ro/normes.txt")).unwrap();
    let r = pass().await;
    assert_eq!(r.deleted_remote, 0, "{kind:?}");
    assert!(r.failures.is_empty(), "{kind:?}: {:?}", r.failures);
    assert_eq!(
        r.problems,
        vec![(SyncPath::parse("ro/normes.txt"), Problem::ReadOnly)],
        "{kind:?}"
    );
    assert!(server.root().join("data/ro/normes.txt").exists());

    // The next pass puts the file back instead of asking again.
    let r = pass().await;
    assert_eq!(r.downloaded, 1, "{kind:?}: {r:#?}");
    assert_eq!(r.deleted_remote, 0, "{kind:?}");
    assert_eq!(
        std::fs::read(local.join("ro/normes.txt")).unwrap(),
        b"the rules"
    );
    let r = pass().await;
    assert!(r.in_sync(), "{kind:?}: {r:#?}");
    assert!(r.problems.is_empty(), "{kind:?}: reported once");

    let _ = std::process::Command::new("chmod")
        .arg("755")
        .arg(&data)
        .status();
}

#[tokio::test]
async fn a_refused_deletion_comes_back_on_apache() {
    refused_deletion_comes_back(Kind::Apache).await;
}

#[tokio::test]
async fn a_refused_deletion_comes_back_on_lighttpd() {
    refused_deletion_comes_back(Kind::Lighttpd).await;
}
