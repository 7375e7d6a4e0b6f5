//! The Services page and the server's notifications against a real
//! Nextcloud 33 (the harness's), side by side with `curl` making the same
//! HTTP requests in the same run.
//!
//! ```sh
//! cargo build --release -p cc-cli
//! cargo bench -p cc-services --bench services
//! ```
//!
//! 1. *page*: `commonscloud services --json` (a new process: state file,
//!    keyring, the server's navigation, direct editing's editors, every app
//!    icon fetched and rasterised) against one `curl` process fetching the
//!    same navigation, editors and icons (no parsing, no drawing): wall time
//!    and peak RSS under `/usr/bin/time`, median of the rounds.
//! 2. *poll*: the notifications poll with 50 notifications on the server
//!    (Nextcloud answers with the newest 25),
//!    in-process: the first poll (the whole list) and the next ones (an
//!    unchanged list: `If-None-Match`, a 304), and the bytes each answer
//!    carries (measured by `curl` on the same requests). What the app costs
//!    at rest is one 304 per sync interval (60 s by default).
//! 3. *icon*: rasterising the server's Files icon (SVG → 64×64 PNG), per icon.
//!
//! Knobs: `CC_BENCH_ROUNDS` (5), `CC_BENCH_CLI` (our binary).
#![allow(clippy::print_stdout, reason = "a bench binary reports on stdout")]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

type BoxError = Box<dyn std::error::Error>;

/// Wall time and peak RSS of a command under `/usr/bin/time`.
fn measure(cmd: &mut Command) -> Result<(Duration, u64), BoxError> {
    let out = tempfile::NamedTempFile::new()?;
    let mut timed = Command::new("/usr/bin/time");
    timed
        .args(["-f", "%M", "-o"])
        .arg(out.path())
        .arg(cmd.get_program());
    timed.args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => timed.env(k, v),
            None => timed.env_remove(k),
        };
    }
    let start = Instant::now();
    let status = timed
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()?;
    let wall = start.elapsed();
    if !status.status.success() {
        return Err(format!(
            "{:?} failed: {}",
            cmd.get_program(),
            String::from_utf8_lossy(&status.stderr)
        )
        .into());
    }
    let kib: u64 = std::fs::read_to_string(out.path())?
        .trim()
        .lines()
        .last()
        .unwrap_or("0")
        .parse()?;
    Ok((wall, kib))
}

fn median<T: Copy + Ord>(mut v: Vec<T>) -> T {
    v.sort();
    v[v.len() / 2]
}

fn main() -> Result<(), BoxError> {
    let rounds: usize = std::env::var("CC_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let cli = std::env::var_os("CC_BENCH_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| cc_harness::workspace_root().join("target/release/commonscloud"));
    if !cli.exists() {
        return Err(format!("{} missing: cargo build --release -p cc-cli", cli.display()).into());
    }
    let Some(nc) = cc_harness::nextcloud::turn() else {
        println!("no real Nextcloud (CC_NEXTCLOUD_SERVER): nothing measured");
        return Ok(());
    };
    let user = nc.new_user("bench-svc");
    let keyring = cc_harness::keyring::KeyringSession::start();
    let dir = tempfile::tempdir()?;
    let home = dir.path().join("home");
    let our = |args: &[&str]| {
        let mut c = Command::new(&cli);
        c.arg("--state")
            .arg(dir.path().join("state.sqlite3"))
            .args(args)
            .env_remove("DISPLAY")
            .env_remove("COMMONSCLOUD_PROVIDER")
            .envs(cc_harness::home_env(&home))
            .env("DBUS_SESSION_BUS_ADDRESS", keyring.address());
        c
    };
    let mut login = our(&[
        "login",
        "--server",
        nc.url(),
        "--user",
        &user.login,
        "--app-password-stdin",
    ]);
    let mut child = login.stdin(Stdio::piped()).stdout(Stdio::null()).spawn()?;
    use std::io::Write;
    child
        .stdin
        .take()
        .ok_or("stdin")?
        .write_all(format!("{}\n", user.app_password).as_bytes())?;
    if !child.wait()?.success() {
        return Err("login failed".into());
    }

    // 1. The page. What curl fetches: the same requests as ours.
    let base = nc.url().trim_end_matches('/').to_owned();
    let nav_url = format!("{base}/ocs/v2.php/core/navigation/apps?absolute=true&format=json");
    let editors_url = format!("{base}/ocs/v2.php/apps/files/api/v1/directEditing?format=json");
    let (_, nav) = nc.curl(
        "GET",
        "/ocs/v2.php/core/navigation/apps?absolute=true&format=json",
        (&user.login, &user.app_password),
        &[],
    );
    let icons: Vec<String> = serde_json::from_str::<serde_json::Value>(&nav)?
        .pointer("/ocs/data")
        .and_then(|d| d.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|a| a.get("icon").and_then(|i| i.as_str()).map(str::to_owned))
        .collect();
    let curl = || {
        let mut c = Command::new("curl");
        c.args(["-sS", "-o", "/dev/null", "-u"])
            .arg(format!("{}:{}", user.login, user.app_password))
            .args([
                "-H",
                "OCS-APIRequest: true",
                "-H",
                "Accept: application/json",
            ])
            .arg(&nav_url)
            .args(["-o", "/dev/null"])
            .arg(&editors_url);
        for i in &icons {
            c.args(["-o", "/dev/null", "--next", "-sS"]).arg(i);
        }
        c
    };
    let (mut ours_t, mut ours_m, mut curl_t, mut curl_m) = (vec![], vec![], vec![], vec![]);
    for _ in 0..rounds {
        let (t, m) = measure(&mut our(&["services", "--json"]))?;
        ours_t.push(t);
        ours_m.push(m);
        let (t, m) = measure(&mut curl())?;
        curl_t.push(t);
        curl_m.push(m);
    }
    println!("page ({} icons, {rounds} rounds, medians):", icons.len());
    println!(
        "  commonscloud services --json  {:>6.0} ms  {:>6} KiB peak RSS",
        median(ours_t).as_secs_f64() * 1000.0,
        median(ours_m)
    );
    println!(
        "  curl, the same requests       {:>6.0} ms  {:>6} KiB peak RSS",
        median(curl_t).as_secs_f64() * 1000.0,
        median(curl_m)
    );

    // 2. Polling the notifications.
    for i in 0..50 {
        nc.occ(&[
            "notification:generate",
            &user.login,
            &format!("Avís {i}"),
            "-l",
            "Un text de prova d'un avís del servidor.",
        ]);
    }
    let rt = tokio::runtime::Runtime::new()?;
    let server = url::Url::parse(&format!("{base}/"))?;
    let client = cc_account::NextcloudClient::new(&server, &cc_account::HttpConfig::default())?;
    let creds = cc_dav::Credentials {
        user: user.login.clone(),
        password: user.app_password.clone(),
    };
    let (mut full, mut unchanged) = (vec![], vec![]);
    let mut etag = None;
    for _ in 0..rounds {
        let start = Instant::now();
        let first = rt.block_on(cc_services::notices::poll(&client, &creds, None))?;
        full.push(start.elapsed());
        if let cc_services::notices::Poll::Changed { etag: tag, notices } = first {
            // The notifications app answers with the newest 25 at most.
            assert_eq!(notices.len(), 25);
            etag = tag;
        }
        let start = Instant::now();
        let again = rt.block_on(cc_services::notices::poll(&client, &creds, etag.as_deref()))?;
        unchanged.push(start.elapsed());
        assert_eq!(again, cc_services::notices::Poll::NotModified);
    }
    let size = |extra: &[&str]| -> Result<String, BoxError> {
        let out = Command::new("curl")
            .args([
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{size_download}",
                "-u",
            ])
            .arg(format!("{}:{}", user.login, user.app_password))
            .args([
                "-H",
                "OCS-APIRequest: true",
                "-H",
                "Accept: application/json",
            ])
            .args(extra)
            .arg(format!(
                "{base}/ocs/v2.php/apps/notifications/api/v2/notifications?format=json"
            ))
            .output()?;
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let tag = etag.unwrap_or_default();
    println!("notifications poll (50 on the server, {rounds} rounds, medians):");
    println!(
        "  whole list   {:>5.0} ms   answer {} bytes",
        median(full).as_secs_f64() * 1000.0,
        size(&[])?.split(' ').nth(1).unwrap_or("?")
    );
    println!(
        "  unchanged    {:>5.0} ms   answer {} (status, body bytes)",
        median(unchanged).as_secs_f64() * 1000.0,
        size(&["-H", &format!("If-None-Match: {tag}")])?
    );

    // 3. One icon rasterised.
    let (_, svg) = rt.block_on(client.get_bytes(
        &url::Url::parse(&format!("{base}/apps/files/img/app.svg"))?,
        None,
        1 << 20,
    ))?;
    let n = 200;
    let start = Instant::now();
    for _ in 0..n {
        cc_services::icon::to_png(&svg, 64)?;
    }
    println!(
        "icon: {} bytes of SVG → 64×64 PNG in {:.2} ms each",
        svg.len(),
        start.elapsed().as_secs_f64() * 1000.0 / n as f64
    );
    Ok(())
}
