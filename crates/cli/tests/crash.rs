//! Crash test: the real `commonscloud sync` is killed with SIGKILL at
//! random moments while it syncs 2,000 files (1,000 each way) with a real
//! Apache, again and again; then it is let finish. Both trees must hold
//! the same content, nothing lost, and no temporary file left visible.
//!
//! `CC_CRASH_ROUNDS` sets the number of kills (default 20).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cc_dav::files::PutOptions;
use cc_dav::{ClientConfig, Credentials, DavClient};
use cc_harness::servers::{Kind, Server};
use url::Url;

const FILES_EACH_WAY: usize = 1000;

fn content(i: usize) -> Vec<u8> {
    // 1–4 KB, different for every file.
    let mut v = format!("file {i}\n").into_bytes();
    let len = 1024 + (i * 37) % 3072;
    while v.len() < len {
        v.extend_from_slice(format!("{i:05} ").as_bytes());
    }
    v.truncate(len);
    v
}

/// A small deterministic generator (xorshift), so a failing run can be
/// replayed with the same `CC_CRASH_SEED`.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_moments_then_finished_loses_nothing() {
    let rounds: usize = std::env::var("CC_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("CC_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed_cafe);
    let mut rng = Rng(seed | 1);

    let server = Server::start(Kind::Apache);
    let remote = Url::parse(&server.files_url()).unwrap();
    let dav = DavClient::new(
        ClientConfig::default(),
        Some(Credentials {
            user: server.user().into(),
            password: server.password().into(),
        }),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("local");
    for i in 0..FILES_EACH_WAY {
        let p = local.join(format!("up/{:02}/l{i:04}.txt", i % 20));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content(i)).unwrap();
    }
    dav.mkcol(&remote.join("down/").unwrap()).await.unwrap();
    for d in 0..20 {
        dav.mkcol(&remote.join(&format!("down/{d:02}/")).unwrap())
            .await
            .unwrap();
    }
    // Server-side files, sent 16 at a time.
    use futures_util::StreamExt;
    futures_util::stream::iter(0..FILES_EACH_WAY)
        .map(|i| {
            let dav = dav.clone();
            let url = remote
                .join(&format!("down/{:02}/r{i:04}.txt", i % 20))
                .unwrap();
            async move {
                dav.put_bytes(
                    &url,
                    Bytes::from(content(50_000 + i)),
                    &PutOptions::default(),
                )
                .await
                .unwrap()
            }
        })
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;

    let state = dir.path().join("state.sqlite3");
    let sync = |once: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_commonscloud"));
        c.args([
            "--state",
            state.to_str().unwrap(),
            "sync",
            "--local",
            local.to_str().unwrap(),
        ])
        .args(["--remote", remote.as_str(), "--user", server.user()])
        .env("COMMONSCLOUD_PASSWORD", server.password())
        .envs(cc_harness::home_env(&dir.path().join("home")))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        if once {
            c.arg("--once");
        }
        c
    };

    // Kill anywhere from 20 ms to 3 s in.
    let mut completed_early = 0;
    for round in 0..rounds {
        let mut child = sync(true).spawn().unwrap();
        let wait = Duration::from_millis(20 + rng.next() % 3000);
        let started = Instant::now();
        let mut finished = false;
        while started.elapsed() < wait {
            if child.try_wait().unwrap().is_some() {
                finished = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if finished {
            completed_early += 1;
        } else {
            child.kill().unwrap(); // SIGKILL
        }
        let _ = child.wait();
        // Between crashes the member keeps working: a few edits.
        if round % 5 == 4 {
            let i = (rng.next() as usize) % FILES_EACH_WAY;
            std::fs::write(
                local.join(format!("up/{:02}/l{i:04}.txt", i % 20)),
                content(90_000 + round),
            )
            .unwrap();
        }
    }
    assert!(
        completed_early < rounds,
        "the sync always finished before the kill: the test proves nothing"
    );

    // Let it finish (a second run if Apache's fresh weak ETags refused an
    // update; the exit status says).
    let mut ok = false;
    for _ in 0..3 {
        let out = sync(true).output().unwrap();
        if out.status.success() {
            ok = true;
            break;
        }
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        std::thread::sleep(Duration::from_millis(1100));
    }
    assert!(ok, "the sync did not finish cleanly after the crashes");

    let local_tree = cc_harness::files_below(&local);
    let remote_tree = cc_harness::files_below(&server.root().join("data"));
    let temp: Vec<&String> = local_tree
        .keys()
        .chain(remote_tree.keys())
        .filter(|k| k.contains(".commonscloud-") || k.contains(".davfs"))
        .collect();
    assert!(temp.is_empty(), "temporary files left: {temp:?}");
    assert_eq!(local_tree.len(), 2 * FILES_EACH_WAY);
    assert_eq!(
        local_tree.keys().collect::<Vec<_>>(),
        remote_tree.keys().collect::<Vec<_>>(),
        "the trees hold different files"
    );
    for (k, v) in &local_tree {
        assert_eq!(v, &remote_tree[k], "{k} differs");
    }
    // Every server file arrived intact.
    for i in 0..FILES_EACH_WAY {
        assert_eq!(
            local_tree[&format!("down/{:02}/r{i:04}.txt", i % 20)],
            content(50_000 + i)
        );
    }
}
