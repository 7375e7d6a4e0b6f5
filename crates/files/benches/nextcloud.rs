//! The race against Nextcloud's own client on a real Nextcloud: the real
//! `commonscloud sync --once` side by side with Debian's `nextcloudcmd`
//! (package `nextcloud-desktop-cmd`) against the real Nextcloud 33 of the
//! harness, in one run, with the server's own CPU seconds for each run.
//!
//! ```sh
//! cargo build --release -p cc-cli
//! cargo bench -p cc-files --bench nextcloud
//! ```
//!
//! 1. *small*: 1,000 files of 1–4 KB in 10 folders: upload (a full local
//!    folder to an empty account), a no-change pass, and download (an empty
//!    local folder from a full account).
//! 2. *medium*: 10,000 files in 700 folders, put in the account's data
//!    folder and indexed with `occ files:scan` (not uploaded): the first
//!    download and a no-change pass.
//! 3. *large*: 100,000 files in 1,000 folders, put in place the same way:
//!    ours only (nextcloudcmd's first download of it would take over an
//!    hour here): the first download and no-change passes.
//!
//! Every tool gets a fresh user for every scenario. Each measured run is
//! its own process under `/usr/bin/time` (peak RSS, CPU); the wall time is
//! measured here; the server's CPU seconds are the utime + stime of the
//! PHP server's processes over the run (on 2 cores the server's PHP is
//! often the floor: its CPU seconds divided by 2 is the least wall time any
//! client could take). The server's request log gives what each run asked
//! for. Every run is checked before its figures count: the tree on the
//! other side holds exactly the expected files (sizes and SHA-1).
//!
//! 4. *notice*: how long a change made on the server takes to be on disk
//!    under a running `commonscloud sync` (continuous): with the push
//!    server (`notify_push`, started for it) and with ETag polling alone
//!    every `CC_BENCH_POLL` seconds (30, the Nextcloud desktop client's
//!    default interval), each change at a random moment of the interval.
//!    `nextcloudcmd` has no continuous mode, so it has no row here.
//!
//! Knobs: `CC_BENCH_ONLY=small,medium,large,notice`, `CC_BENCH_ROUNDS` (3),
//! `CC_BENCH_NC_SMALL` (1000), `CC_BENCH_NC_MEDIUM` (10000),
//! `CC_BENCH_NC_LARGE` (100000), `CC_BENCH_CLI` (our binary). Without
//! `--bench` it is a smoke run with small sizes and one round.
#![allow(clippy::print_stdout, reason = "a bench binary reports on stdout")]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cc_harness::nextcloud::{NcUser, Turn};
use common::{BoxError, Manifest, Rng, check_tree_except, process_ticks, sha1_of, tail};

struct Config {
    rounds: usize,
    small: usize,
    medium: usize,
    large: usize,
    poll: u64,
    only: Vec<String>,
}

impl Config {
    fn from_env(full: bool) -> Result<Self, BoxError> {
        let var = |name: &str, default: usize| -> Result<usize, BoxError> {
            match std::env::var(name) {
                Ok(v) => Ok(v.parse()?),
                Err(_) => Ok(default),
            }
        };
        Ok(Config {
            rounds: var("CC_BENCH_ROUNDS", if full { 3 } else { 1 })?,
            small: var("CC_BENCH_NC_SMALL", if full { 1_000 } else { 50 })?,
            medium: var("CC_BENCH_NC_MEDIUM", if full { 10_000 } else { 200 })?,
            large: var("CC_BENCH_NC_LARGE", if full { 100_000 } else { 500 })?,
            poll: var("CC_BENCH_POLL", if full { 30 } else { 5 })? as u64,
            only: std::env::var("CC_BENCH_ONLY")
                .unwrap_or_else(|_| "small,medium,large,notice".into())
                .split(',')
                .map(str::to_owned)
                .collect(),
        })
    }
}

/// `n` files of 1,024–4,096 random bytes in `folders` folders (two levels
/// below the root: `g{k}/d{j}/`), written below `root`.
fn write_tree(root: &Path, n: usize, folders: usize, seed: u64) -> Result<Manifest, BoxError> {
    let mut rng = Rng(seed);
    let mut manifest = Manifest::new();
    let mut buf = vec![0u8; 4096];
    let folders = folders.max(1);
    for i in 0..n {
        let f = i % folders;
        let dir = format!("g{:02}/d{f:04}", f % 10);
        std::fs::create_dir_all(root.join(&dir))?;
        let rel = format!("{dir}/f{i:06}.txt");
        let size = 1024 + rng.below(3073) as usize;
        rng.fill(&mut buf[..size]);
        std::fs::write(root.join(&rel), &buf[..size])?;
        manifest.insert(rel, (size as u64, sha1_of(&buf[..size])));
    }
    Ok(manifest)
}

/// What nextcloudcmd keeps in the synced folder (its journal and log).
fn tool_file(name: &str) -> bool {
    name.starts_with(".sync_") || name.starts_with("._sync_") || name.contains("sync.log")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Ours,
    Nextcloudcmd,
}

impl Tool {
    fn label(self) -> &'static str {
        match self {
            Tool::Ours => "commonscloud",
            Tool::Nextcloudcmd => "nextcloudcmd",
        }
    }
}

#[derive(Debug, Clone)]
struct Run {
    wall: Duration,
    rss_kb: u64,
    cpu: f64,
    server_cpu: f64,
    requests: BTreeMap<String, usize>,
}

struct Bench {
    nc: Turn,
    cli: PathBuf,
    scratch: tempfile::TempDir,
    rows: Vec<(String, Tool, usize, Vec<Run>)>,
    /// How changes were noticed: (how, poll seconds, latencies).
    notices: Vec<(&'static str, u64, Vec<Duration>)>,
}

impl Bench {
    /// The PHP server's processes (its workers included).
    fn server_pids(&self) -> Vec<u32> {
        let needle = format!("-t {}/nextcloud", self.nc.dir().display());
        std::fs::read_dir("/proc")
            .map(|d| {
                d.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
                    .filter(|pid| {
                        std::fs::read(format!("/proc/{pid}/cmdline"))
                            .map(|c| {
                                String::from_utf8_lossy(&c)
                                    .replace('\0', " ")
                                    .contains(&needle)
                            })
                            .unwrap_or(false)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn server_ticks(&self) -> BTreeMap<u32, u64> {
        self.server_pids()
            .into_iter()
            .filter_map(|p| Some((p, process_ticks(p)?)))
            .collect()
    }

    fn command(&self, tool: Tool, user: &NcUser, local: &Path, state: &Path) -> Command {
        match tool {
            Tool::Ours => {
                let mut c = Command::new(&self.cli);
                c.arg("--state")
                    .arg(state)
                    .args(["sync", "--once", "--local"])
                    .arg(local)
                    .args([
                        "--remote",
                        user.files_root().as_str(),
                        "--user",
                        &user.login,
                    ])
                    .env("COMMONSCLOUD_PASSWORD", &user.app_password);
                c
            }
            Tool::Nextcloudcmd => {
                let mut c = Command::new("nextcloudcmd");
                c.args([
                    "--non-interactive",
                    "-s",
                    "-u",
                    &user.login,
                    "-p",
                    &user.app_password,
                ])
                .arg(local)
                .arg(self.nc.url());
                c
            }
        }
    }

    /// One run of `tool` under `/usr/bin/time`; fails unless it exits 0.
    fn measure(
        &self,
        tool: Tool,
        user: &NcUser,
        local: &Path,
        state: &Path,
    ) -> Result<Run, BoxError> {
        let time_out = self.scratch.path().join("time.out");
        let inner = self.command(tool, user, local, state);
        let mut cmd = Command::new("/usr/bin/time");
        cmd.arg("-f")
            .arg("%M %U %S")
            .arg("-o")
            .arg(&time_out)
            .arg(inner.get_program())
            .args(inner.get_args())
            .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))))
            .envs(cc_harness::home_env(&self.scratch.path().join("home")))
            .stdin(Stdio::null());
        Command::new("sync").status()?;
        let mark = self.nc.log_mark();
        let before = self.server_ticks();
        let started = Instant::now();
        let out = cmd.output()?;
        let wall = started.elapsed();
        let after = self.server_ticks();
        if !out.status.success() {
            return Err(format!(
                "{} failed ({}):\n{}\n{}",
                tool.label(),
                out.status,
                tail(&String::from_utf8_lossy(&out.stdout)),
                tail(&String::from_utf8_lossy(&out.stderr))
            )
            .into());
        }
        let time = std::fs::read_to_string(&time_out)?;
        let f: Vec<&str> = time
            .lines()
            .last()
            .unwrap_or_default()
            .split_whitespace()
            .collect();
        if f.len() != 3 {
            return Err(format!("/usr/bin/time said {time:?}").into());
        }
        let ticks: u64 = after
            .iter()
            .map(|(pid, t)| t - before.get(pid).copied().unwrap_or(0).min(*t))
            .sum();
        let mut requests = BTreeMap::new();
        for (_, r) in self.nc.requests_since(mark) {
            let mut words = r.split_whitespace();
            let method = words.next().unwrap_or_default();
            // WebDAV requests by method; the OCS API and the rest apart.
            let key = match words.next() {
                Some(p) if p.starts_with("/remote.php/") => method.to_owned(),
                _ => format!("{method} (other)"),
            };
            *requests.entry(key).or_default() += 1;
        }
        Ok(Run {
            wall,
            rss_kb: f[0].parse()?,
            cpu: f[1].parse::<f64>()? + f[2].parse::<f64>()?,
            server_cpu: ticks as f64 / 100.0,
            requests,
        })
    }

    fn push(&mut self, scenario: &str, tool: Tool, files: usize, run: Run) {
        println!(
            "  {scenario:<24} {:<13} {:>8.2} s  client {:>6.2} CPU-s  server {:>6.2} CPU-s  {:>6} KB  {:?}",
            tool.label(),
            run.wall.as_secs_f64(),
            run.cpu,
            run.server_cpu,
            run.rss_kb,
            run.requests
        );
        match self
            .rows
            .iter_mut()
            .find(|r| r.0 == scenario && r.1 == tool)
        {
            Some(row) => row.3.push(run),
            None => self
                .rows
                .push((scenario.to_owned(), tool, files, vec![run])),
        }
    }

    /// A fresh user whose files are `manifest`, written into the server's
    /// data folder from `tree` and indexed with `occ files:scan` (as a
    /// restored backup or a migration puts files in place).
    fn user_with_files(&self, prefix: &str, tree: &Path) -> Result<NcUser, BoxError> {
        let user = self.nc.new_user(prefix);
        std::fs::create_dir_all(user.data_dir())?;
        let status = Command::new("cp")
            .arg("-a")
            .arg(format!("{}/.", tree.display()))
            .arg(user.data_dir())
            .status()?;
        if !status.success() {
            return Err("cp into the data folder failed".into());
        }
        self.nc.occ(&[
            "files:scan",
            "--quiet",
            &format!("--path=/{}/files", user.login),
        ]);
        Ok(user)
    }

    /// Upload, no-change, download of `n` small files.
    fn small(&mut self, n: usize, rounds: usize) -> Result<(), BoxError> {
        println!("small: {n} files of 1-4 KB in 10 folders");
        let tree = self.scratch.path().join("small-tree");
        let manifest = write_tree(&tree, n, 10, 0x5eed_0001)?;
        for round in 0..rounds {
            for tool in [Tool::Ours, Tool::Nextcloudcmd] {
                let tag = format!("{}-{round}", tool.label());
                // Upload, then a pass with nothing to do.
                let user = self.nc.new_user("up");
                let local = self.scratch.path().join(format!("up-{tag}"));
                common::copy_tree(&tree, &local)?;
                let state = self.scratch.path().join(format!("up-{tag}.sqlite3"));
                let run = self.measure(tool, &user, &local, &state)?;
                check_tree_except("upload", user.data_dir(), &manifest, tool_file)?;
                self.push("upload", tool, n, run);
                let run = self.measure(tool, &user, &local, &state)?;
                if run.requests.contains_key("PUT") || run.requests.contains_key("GET") {
                    return Err(format!("{}: a no-change pass moved files", tool.label()).into());
                }
                self.push("no change", tool, n, run);
                // Download into an empty folder.
                let user = self.user_with_files("down", &tree)?;
                let local = self.scratch.path().join(format!("down-{tag}"));
                std::fs::create_dir_all(&local)?;
                let state = self.scratch.path().join(format!("down-{tag}.sqlite3"));
                let run = self.measure(tool, &user, &local, &state)?;
                check_tree_except("download", &local, &manifest, tool_file)?;
                self.push("download", tool, n, run);
            }
        }
        Ok(())
    }

    /// Server change → file on disk under a continuous sync, with push
    /// (polling once an hour) and with polling alone every `poll` s.
    fn notice(&mut self, rounds: usize, poll: u64) -> Result<(), BoxError> {
        println!("notice: a change on the server until it is on disk");
        let rounds = rounds.max(3);
        let push = self.nc.push_server();
        let with_push = notice_runs(self, "push", 3600, rounds, 2)?;
        drop(push);
        let polling = notice_runs(self, "polling", poll, rounds, poll)?;
        self.notices.push(("push (notify_push)", 3600, with_push));
        self.notices.push(("ETag polling", poll, polling));
        Ok(())
    }

    /// The first download of a tree put in place on the server, then
    /// no-change passes.
    fn placed(
        &mut self,
        name: &str,
        n: usize,
        folders: usize,
        tools: &[Tool],
        rounds: usize,
    ) -> Result<(), BoxError> {
        println!(
            "{name}: {n} files of 1-4 KB in {folders} folders, put in place with occ files:scan"
        );
        let tree = self.scratch.path().join(format!("{name}-tree"));
        let manifest = write_tree(&tree, n, folders, 0x5eed_0002)?;
        for &tool in tools {
            let user = self.user_with_files(name, &tree)?;
            let local = self.scratch.path().join(format!("{name}-{}", tool.label()));
            std::fs::create_dir_all(&local)?;
            let state = self
                .scratch
                .path()
                .join(format!("{name}-{}.sqlite3", tool.label()));
            let run = self.measure(tool, &user, &local, &state)?;
            check_tree_except(name, &local, &manifest, tool_file)?;
            self.push(&format!("{name} download"), tool, n, run);
            for _ in 0..rounds {
                let run = self.measure(tool, &user, &local, &state)?;
                self.push(&format!("{name} no change"), tool, n, run);
            }
            std::fs::remove_dir_all(&local)?;
        }
        std::fs::remove_dir_all(&tree)?;
        Ok(())
    }

    fn table(&self) {
        println!();
        println!(
            "| scenario | files | tool | wall (median) | server CPU-s | server floor (CPU-s / 2) | peak RSS | requests |"
        );
        println!("|---|---:|---|---:|---:|---:|---:|---|");
        for (scenario, tool, files, runs) in &self.rows {
            let mut walls: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
            walls.sort();
            let mid = runs.len() / 2;
            let mut cpu: Vec<f64> = runs.iter().map(|r| r.server_cpu).collect();
            cpu.sort_by(f64::total_cmp);
            let rss = runs.iter().map(|r| r.rss_kb).max().unwrap_or(0);
            println!(
                "| {scenario} | {files} | {} | {:.2} s | {:.1} | {:.2} s | {:.0} MB | {:?} |",
                tool.label(),
                walls[mid].as_secs_f64(),
                cpu[mid],
                cpu[mid] / 2.0,
                rss as f64 / 1024.0,
                runs[mid].requests
            );
        }
    }
}

/// `rounds` changes made on the server (a new file each, by `curl`),
/// `spread` seconds apart at most (a random moment), each timed until the
/// running sync has put it on disk.
fn notice_runs(
    b: &Bench,
    tag: &str,
    poll: u64,
    rounds: usize,
    spread: u64,
) -> Result<Vec<Duration>, BoxError> {
    let user = b.nc.new_user("notice");
    let local = b.scratch.path().join(format!("notice-{tag}"));
    std::fs::create_dir_all(&local)?;
    std::fs::write(local.join("first.txt"), "first")?;
    let mut child = Command::new(&b.cli)
        .arg("--state")
        .arg(b.scratch.path().join(format!("notice-{tag}.sqlite3")))
        .args(["sync", "--poll", &poll.to_string(), "--local"])
        .arg(&local)
        .args([
            "--remote",
            user.files_root().as_str(),
            "--user",
            &user.login,
        ])
        .env("COMMONSCLOUD_PASSWORD", &user.app_password)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(match std::env::var_os("CC_BENCH_NOTICE_LOG") {
            Some(p) => Stdio::from(std::fs::File::create(format!(
                "{}-{tag}.log",
                p.to_string_lossy()
            ))?),
            None => Stdio::null(),
        })
        .env("COMMONSCLOUD_LOG", "commonscloud=info,cc_files=debug")
        .spawn()?;
    let result = (|| -> Result<Vec<Duration>, BoxError> {
        let until = |what: &str, ok: &dyn Fn() -> bool, limit: Duration| {
            let start = Instant::now();
            while !ok() {
                if start.elapsed() > limit {
                    return Err(format!("{tag}: {what} not seen in {limit:?}"));
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok(start.elapsed())
        };
        until(
            "the first pass",
            &|| user.data_dir().join("first.txt").exists(),
            Duration::from_secs(60),
        )?;
        // Settled (the push channel, when there is one, signed in).
        std::thread::sleep(Duration::from_secs(3));
        let mut rng = Rng(0x0071_ce00 + poll);
        let mut out = Vec::new();
        for round in 0..rounds {
            std::thread::sleep(Duration::from_millis(rng.below(spread * 1000)));
            let name = format!("change-{round}.txt");
            let url = user.files_root().join(&name)?;
            let start = Instant::now();
            let status = Command::new("curl")
                .args([
                    "-fsS",
                    "-o",
                    "/dev/null",
                    "-H",
                    "Expect:",
                    "-T",
                    "/etc/hostname",
                    "-u",
                ])
                .arg(format!("{}:{}", user.login, user.app_password))
                .arg(url.as_str())
                .status()?;
            if !status.success() {
                return Err(format!("{tag}: PUT {name} failed").into());
            }
            let put = start.elapsed();
            until(
                &name,
                &|| local.join(&name).exists(),
                Duration::from_secs(poll + 60),
            )?;
            let took = start.elapsed();
            println!(
                "  {tag}: {name} on disk after {:.2} s (its PUT took {:.2} s)",
                took.as_secs_f64(),
                put.as_secs_f64()
            );
            out.push(took);
        }
        Ok(out)
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn main() -> Result<(), BoxError> {
    let full = std::env::args().any(|a| a == "--bench");
    let config = Config::from_env(full)?;
    let Some(nc) = cc_harness::nextcloud::turn() else {
        println!("no real Nextcloud: nothing to measure");
        return Ok(());
    };
    let cli = match std::env::var_os("CC_BENCH_CLI") {
        Some(p) => PathBuf::from(p),
        None => cc_harness::workspace_root().join("target/release/commonscloud"),
    };
    if !cli.exists() {
        return Err(format!("{} missing: cargo build --release -p cc-cli", cli.display()).into());
    }
    let has_ncc = Command::new("nextcloudcmd")
        .arg("--version")
        .output()
        .is_ok();
    println!(
        "ours: {} ({}); nextcloudcmd: {}",
        cli.display(),
        common::first_line(&cli, &["--version"]),
        if has_ncc {
            common::first_line(Path::new("nextcloudcmd"), &["--version"])
        } else {
            "not installed (apt install nextcloud-desktop-cmd)".into()
        }
    );
    let mut b = Bench {
        nc,
        cli,
        scratch: tempfile::tempdir()?,
        rows: Vec::new(),
        notices: Vec::new(),
    };
    let both: &[Tool] = if has_ncc {
        &[Tool::Ours, Tool::Nextcloudcmd]
    } else {
        &[Tool::Ours]
    };
    let runs = |s: &str| config.only.iter().any(|o| o == s);
    if runs("small") && has_ncc {
        b.small(config.small, config.rounds)?;
    }
    if runs("medium") {
        b.placed(
            "medium",
            config.medium,
            700.min(config.medium),
            both,
            config.rounds,
        )?;
    }
    if runs("large") {
        b.placed(
            "large",
            config.large,
            1_000.min(config.large),
            &[Tool::Ours],
            config.rounds,
        )?;
    }
    if runs("notice") {
        b.notice(config.rounds.max(5), config.poll)?;
    }
    b.table();
    if !b.notices.is_empty() {
        println!();
        println!(
            "| change on the server noticed by | poll interval | changes | median | mean | worst |"
        );
        println!("|---|---:|---:|---:|---:|---:|");
        for (how, poll, runs) in &b.notices {
            let mut v = runs.clone();
            v.sort();
            let mean = v.iter().map(Duration::as_secs_f64).sum::<f64>() / v.len().max(1) as f64;
            println!(
                "| {how} | {poll} s | {} | {:.2} s | {:.2} s | {:.2} s |",
                v.len(),
                v[v.len() / 2].as_secs_f64(),
                mean,
                v.last().map_or(0.0, Duration::as_secs_f64)
            );
        }
    }
    Ok(())
}
