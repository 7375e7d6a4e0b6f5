//! The engine behind the fault-injecting proxy, in front of a real Apache:
//! connections dropped, reset and stalled during uploads and downloads.
//! Whatever happens, once the faults stop a pass brings both trees to the
//! same content, nothing is lost and no temporary file is left visible.

use std::time::Duration;

use bytes::Bytes;
use cc_dav::files::PutOptions;
use cc_dav::{ClientConfig, Credentials, DavClient};
use cc_files::engine::{PassOptions, SyncFolder};
use cc_files::ignore::IgnoreRules;
use cc_files::journal;
use cc_harness::proxy::{Dir, Fault, FaultProxy};
use cc_harness::servers::{Kind, Server};
use url::Url;

fn client(server: &Server, base: &str) -> (DavClient, Url) {
    let c = DavClient::new(
        ClientConfig {
            read_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            retries: 1,
            backoff: Duration::from_millis(10),
            ..ClientConfig::default()
        },
        Some(Credentials {
            user: server.user().into(),
            password: server.password().into(),
        }),
    )
    .unwrap();
    (c, Url::parse(&format!("{base}/dav/")).unwrap())
}

fn content(i: usize) -> Vec<u8> {
    format!("file {i} ").repeat(300 + i % 7 * 50).into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_reset_and_stalled_connections_lose_nothing() {
    let server = Server::start(Kind::Apache);
    let proxy = FaultProxy::start(server.addr());
    let (direct, direct_root) = client(&server, &server.base_url());
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    std::fs::create_dir_all(local.join("up")).unwrap();
    // 60 files to upload, 60 to download.
    for i in 0..60 {
        std::fs::write(local.join(format!("up/l{i:03}.txt")), content(i)).unwrap();
    }
    direct
        .mkcol(&direct_root.join("down/").unwrap())
        .await
        .unwrap();
    for i in 0..60 {
        let url = direct_root.join(&format!("down/r{i:03}.txt")).unwrap();
        direct
            .put_bytes(&url, Bytes::from(content(1000 + i)), &PutOptions::default())
            .await
            .unwrap();
    }
    let (through_proxy, root) = client(&server, &proxy.base_url());
    let store = cc_store::Store::open(dir.path().join("state.sqlite3")).unwrap();
    let pair = journal::folder_pair(
        store.connection(),
        local.to_str().unwrap(),
        root.as_str(),
        0,
    )
    .unwrap();
    let folder = SyncFolder {
        local_root: local.clone(),
        remote_root: root,
        client: through_proxy,
        ignore: IgnoreRules::defaults(),
        folder_id: pair.id,
    };
    let opts = PassOptions {
        parallel: 4,
        ..PassOptions::default()
    };
    let faults = [
        Fault::DropAfter(Dir::Up, 1500),
        Fault::ResetAfter(Dir::Down, 2500),
        Fault::StallAfter(Dir::Down, 800),
        Fault::ResetAfter(Dir::Up, 200),
        Fault::DropAfter(Dir::Down, 5000),
    ];
    let mut failures_seen = 0;
    for (round, fault) in faults.iter().enumerate() {
        // The next 40 connections of this round are hurt.
        proxy.set_fault_for(*fault, 40);
        let r = folder.sync_once(store.connection(), &opts, |_| {}).await;
        match r {
            Ok(report) => failures_seen += report.failures.len(),
            // A listing cut short aborts the pass: allowed, nothing done.
            Err(e) => {
                failures_seen += 1;
                eprintln!("round {round}: pass aborted: {e}");
            }
        }
    }
    assert!(failures_seen > 0, "the faults never hurt a transfer");
    proxy.set_fault(Fault::Pass);
    // Apache's weak ETags on fresh files need a second to turn strong.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    for _ in 0..4 {
        let r = folder
            .sync_once(store.connection(), &opts, |_| {})
            .await
            .unwrap();
        if r.planned == 0 && r.failures.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1100)).await;
    }
    let last = folder
        .sync_once(store.connection(), &opts, |_| {})
        .await
        .unwrap();
    assert!(last.in_sync(), "{last:#?}");

    let local_tree = cc_harness::files_below(&local);
    let remote_tree = cc_harness::files_below(&server.root().join("data"));
    assert_eq!(
        local_tree.len(),
        120,
        "{:?}",
        local_tree.keys().collect::<Vec<_>>()
    );
    assert_eq!(local_tree, remote_tree, "trees differ");
    for i in 0..60 {
        assert_eq!(local_tree[&format!("up/l{i:03}.txt")], content(i));
        assert_eq!(local_tree[&format!("down/r{i:03}.txt")], content(1000 + i));
    }
}
