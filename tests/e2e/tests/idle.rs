//! What the desktop app costs a member's laptop, measured on the built app
//! under Xvfb (not a test of speed: nothing here asserts a time). Run by
//! hand, figures in `docs/benchmarks.md`:
//!
//! ```sh
//! npm --prefix ui run build && cargo build --release -p commonscloud-desktop --features custom-protocol
//! CC_APP_BINARY=target/release/commonscloud-desktop xvfb-run -a -s "-screen 0 1280x800x24" \
//!   dbus-run-session -- cargo test --release -p cc-e2e --test idle -- --ignored --nocapture
//! ```
//!
//! It signs in through the window (Login Flow v2 on the replayed
//! recordings, files on Apache), syncs `CC_IDLE_FILES` (default 2,000)
//! small files down, then samples the app's CPU time and memory while it
//! sits idle with the folder in sync for `CC_IDLE_SECONDS` (default 60).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cc_e2e::{Session, app_pid};
use cc_harness::keyring::KeyringSession;
use cc_harness::replay::start_sign_in_front;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The process and its children (WebKit's web and network processes).
fn tree(pid: u32) -> Vec<u32> {
    let mut out = vec![pid];
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
        let ppid = stat
            .rfind(')')
            .and_then(|i| stat[i + 2..].split(' ').nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) {
            out.extend(tree(child));
        }
    }
    out
}

/// (user + system CPU seconds, proportional resident MiB, sum of each
/// process's peak resident MiB) of the app with its WebKit processes.
fn usage(pid: u32) -> (f64, f64, f64) {
    tree(pid)
        .into_iter()
        .map(usage_of)
        .fold((0.0, 0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2))
}

fn usage_of(pid: u32) -> (f64, f64, f64) {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return (0.0, 0.0, 0.0);
    };
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split(' ').collect();
    let ticks = 100.0; // USER_HZ on Linux
    let cpu = (f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap()) / ticks;
    // Proportional set size: pages shared between the app's processes
    // (and with the rest of the desktop) are counted once, split between
    // those that map them.
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let pss = rollup
        .lines()
        .find(|l| l.starts_with("Pss:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0);
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (cpu, pss / 1024.0, kib("VmHWM:") / 1024.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, run by hand (see the module docs)"]
async fn idle_cost_of_the_desktop_app() {
    let files = env_num("CC_IDLE_FILES", 2000);
    let seconds = env_num("CC_IDLE_SECONDS", 60);
    let keyring = KeyringSession::start();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let (_replay, front) = start_sign_in_front();
    // The member's files, written straight into Apache's folder (as the
    // server's own user, so Apache can change them).
    let data = front.root().join("data/Documents");
    std::fs::create_dir_all(&data).unwrap();
    for i in 0..files {
        std::fs::write(
            data.join(format!("nota-{i:05}.txt")),
            format!("nota {i}\n").repeat(40),
        )
        .unwrap();
    }
    let _ = std::process::Command::new("chown")
        .args(["-R", "www-data:www-data"])
        .arg(front.root().join("data"))
        .status();

    let mut env: Vec<(&str, String)> = keyring
        .envs()
        .into_iter()
        .filter(|(k, _)| *k == "DBUS_SESSION_BUS_ADDRESS")
        .collect();
    env.push(("HOME", home.display().to_string()));
    let state: PathBuf = dir.path().join("state.sqlite3");
    let s = Session::start_with(&state, dir.path(), &env).await;
    s.choose_server_and_sign_in(&front.base_url()).await;
    s.el("folder-Documents").await;
    let pid = app_pid(&state).expect("the app's process");
    let (cpu_before, _, _) = usage(pid);
    let started = Instant::now();
    s.click("start-sync").await;
    s.wait_attr("pair-status", "data-status", "up_to_date", 600)
        .await;
    let first_sync = started.elapsed();
    let (cpu_synced, rss_synced, _) = usage(pid);
    let local = home.join("CommonsCloud/Documents");
    assert_eq!(std::fs::read_dir(&local).unwrap().count() as u64, files);

    // Idle: the folder in sync, the window open, nothing changing.
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (cpu_idle, rss_idle, peak) = usage(pid);
    for p in tree(pid) {
        let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
        let (c, m, h) = usage_of(p);
        eprintln!(
            "  {}: {c:.2} CPU-s in all, {m:.0} MiB (PSS), peak {h:.0} MiB",
            name.trim()
        );
    }
    s.wait_attr("pair-status", "data-status", "up_to_date", 30)
        .await;
    eprintln!(
        "first sync of {files} files through the app: {:.2} s, {:.2} CPU-s; memory after it {:.0} MiB (PSS)",
        first_sync.as_secs_f64(),
        cpu_synced - cpu_before,
        rss_synced
    );
    eprintln!(
        "idle for {seconds} s with {files} files in sync: {:.3} CPU-s ({:.3} % of one core); memory {:.0} MiB (PSS), peaks summed {:.0} MiB",
        cpu_idle - cpu_synced,
        (cpu_idle - cpu_synced) * 100.0 / seconds as f64,
        rss_idle,
        peak
    );

    // The window closed: the app in the tray, the webview gone.
    assert!(cc_e2e::close_app_windows(pid) > 0, "no window to close");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
    let (cpu_closed, _, _) = usage(pid);
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let (cpu_closed_after, mem_closed, _) = usage(pid);
    for p in tree(pid) {
        let name = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
        let (c, m, h) = usage_of(p);
        eprintln!(
            "  {}: {c:.2} CPU-s in all, {m:.0} MiB (PSS), peak {h:.0} MiB",
            name.trim()
        );
    }
    eprintln!(
        "window closed, idle for {seconds} s: {:.3} CPU-s ({:.3} % of one core); memory {:.0} MiB (PSS)",
        cpu_closed_after - cpu_closed,
        (cpu_closed_after - cpu_closed) * 100.0 / seconds as f64,
        mem_closed
    );
    let _ = s.close().await;
}
