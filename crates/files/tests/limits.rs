//! Bandwidth limits against a real Apache: the pass's uploads (and its
//! downloads) share one limit. Checked with the limit's own accounting
//! (every byte went through it) and a lower bound on the time: N bytes at
//! L bytes per second cannot take less than (N − burst) / L. There is no
//! upper bound: how fast this machine is does not matter here.

use std::time::{Duration, Instant};

use cc_files::engine::{PassOptions, SyncFolder};
use cc_files::ignore::IgnoreRules;
use cc_files::journal;
use cc_files::trash::Trash;
use cc_harness::servers::{Kind, Server};

const FILES: usize = 6;
const SIZE: usize = 160 * 1024;
const LIMIT: u64 = 384 * 1024;

fn content(i: usize) -> Vec<u8> {
    (0..SIZE).map(|j| ((i * 31 + j * 7) % 251) as u8).collect()
}

fn folder(server: &Server, local: &std::path::Path, store: &cc_store::Store) -> SyncFolder {
    let remote = server.files_root();
    let client = server.dav_client();
    let pair = journal::folder_pair(
        store.connection(),
        local.to_str().unwrap(),
        remote.as_str(),
        0,
    )
    .unwrap();
    SyncFolder {
        local_root: local.to_path_buf(),
        remote_root: remote,
        client,
        ignore: IgnoreRules::defaults(),
        folder_id: pair.id,
        // Deleted files stay in the test's folder, not in the trash of
        // whoever runs the tests.
        trash: Trash::Folder(local.parent().unwrap().join("trash")),
    }
}

/// The least time `bytes` can take under `limit` (the bucket's burst may
/// go at once).
fn floor(bytes: u64, limit: u64) -> Duration {
    let burst = cc_dav::Throttle::new(limit).burst();
    Duration::from_secs_f64(bytes.saturating_sub(burst) as f64 / limit as f64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_and_downloads_of_a_pass_share_their_limits() {
    let server = Server::start(Kind::Apache);
    let dir = tempfile::tempdir().unwrap();
    let total = (FILES * SIZE) as u64;

    // Up: six files in flight at once, one limit between them.
    let up = dir.path().join("up");
    std::fs::create_dir(&up).unwrap();
    for i in 0..FILES {
        std::fs::write(up.join(format!("f{i}.bin")), content(i)).unwrap();
    }
    let store = cc_store::Store::open(dir.path().join("up.sqlite3")).unwrap();
    let f = folder(&server, &up, &store);
    let opts = PassOptions {
        parallel: FILES,
        upload_limit: Some(LIMIT),
        ..PassOptions::default()
    };
    let start = Instant::now();
    let r = f
        .sync_once(store.connection(), &opts, |_| {})
        .await
        .unwrap();
    let took = start.elapsed();
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert_eq!(r.uploaded, FILES);
    // Every byte of every file went through the limit (a PUT sent again
    // after a broken connection would count twice, hence >=).
    assert!(
        r.limited_up.bytes >= total,
        "{} of {total} bytes went through the limit",
        r.limited_up.bytes
    );
    assert_eq!(r.limited_down.bytes, 0);
    assert!(
        took >= floor(total, LIMIT),
        "{total} bytes at {LIMIT} B/s took {took:?}, less than the limit allows"
    );
    assert!(r.limited_up.waited > Duration::ZERO);
    for i in 0..FILES {
        assert_eq!(
            std::fs::read(server.root().join(format!("data/f{i}.bin"))).unwrap(),
            content(i)
        );
    }

    // Down: the same files into an empty folder, under a download limit.
    let down = dir.path().join("down");
    std::fs::create_dir(&down).unwrap();
    let store = cc_store::Store::open(dir.path().join("down.sqlite3")).unwrap();
    let f = folder(&server, &down, &store);
    let opts = PassOptions {
        parallel: FILES,
        download_limit: Some(LIMIT),
        ..PassOptions::default()
    };
    let start = Instant::now();
    let r = f
        .sync_once(store.connection(), &opts, |_| {})
        .await
        .unwrap();
    let took = start.elapsed();
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert_eq!(r.downloaded, FILES);
    assert!(r.limited_down.bytes >= total, "{}", r.limited_down.bytes);
    assert_eq!(r.limited_up.bytes, 0);
    assert!(
        took >= floor(total, LIMIT),
        "{total} bytes at {LIMIT} B/s took {took:?}, less than the limit allows"
    );
    for i in 0..FILES {
        assert_eq!(
            std::fs::read(down.join(format!("f{i}.bin"))).unwrap(),
            content(i)
        );
    }

    // Without limits nothing is counted (and nothing waits).
    std::fs::write(down.join("late.bin"), content(99)).unwrap();
    let r = f
        .sync_once(store.connection(), &PassOptions::default(), |_| {})
        .await
        .unwrap();
    assert_eq!(r.uploaded, 1);
    assert_eq!(r.limited_up, Default::default());
}
