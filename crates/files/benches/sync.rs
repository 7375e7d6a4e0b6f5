//! Syncing with the real `commonscloud sync --once`, side by side with
//! `rclone copy` and `rclone bisync` (webdav, `vendor = owncloud`) against
//! the same Apache (cc-harness), in one run.
//!
//! ```sh
//! cargo bench -p cc-files --bench sync
//! ```
//!
//! 1. *small*: 2,000 files of 1–4 KB in 20 folders: upload (first sync of a
//!    full local folder to an empty server folder), a no-change pass, and
//!    download (first sync of an empty local folder from a full server
//!    folder); curl with 8 transfers in flight is the server's floor.
//! 2. *sweep*: ours on the same files with 1 to 32 transfers in flight
//!    (`--parallel`, default 8), up and down.
//! 3. *big*: one 1 GiB file of random bytes, up, no-change, down; curl
//!    PUT/GET of the same file is the server's floor.
//! 4. *many*: 100,000 files of 1–4 KB in 1,000 folders: our first sync
//!    (upload, once), then no-change passes; rclone's no-change passes over
//!    the same tree (its server copy made by hard links, same times);
//!    floors: the same 1,001 PROPFINDs by curl (the four WebDAV
//!    properties the engine asks a plain server for), and `find` over the
//!    tree;
//!    the stages of one pass timed in-process.
//!
//! Ours is the release `commonscloud` binary of this workspace (built first
//! with `cargo build --release -p cc-cli`, or `CC_BENCH_CLI=path`); every
//! measured run is its own process under `/usr/bin/time`, whose `ru_maxrss`
//! is the peak RSS; the wall time is measured by this parent. Every run is
//! checked before its time counts: the trees on both sides hold exactly the
//! expected files (sizes and SHA-1), and Apache's access log shows what
//! each run asked for (a no-change pass must not PUT or GET).
//!
//! Without `--bench` (as `cargo test --benches` runs it) it is a smoke test
//! with small sizes and one round. Knobs: `CC_BENCH_ONLY=small,sweep,big,many`,
//! `CC_BENCH_ROUNDS`, `CC_BENCH_SMALL`, `CC_BENCH_BIG_MB`, `CC_BENCH_MANY`.
//! `CC_BENCH_ONLY=nochange` is the part of `many` that is ours alone: the
//! first sync of the tree, then the no-change passes and their stages (no
//! floors, no rclone; about 2 minutes at 100,000 files).
//!
//! Figures, the machine and the leads are in `docs/benchmarks.md`.
#![allow(clippy::print_stdout, reason = "a bench binary reports on stdout")]

use std::collections::BTreeMap;
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cc_harness::servers::{Kind, Server};
use common::{
    BoxError, Manifest, Rng, check_tree, copy_tree, first_line, link_tree, machine_busy_ticks,
    process_ticks, sha1_of, tail,
};
use sha1::{Digest, Sha1};

mod common;

const RCLONE_REMOTE: &str = "CCBENCH";
/// Files per folder in the generated trees.
const PER_DIR: usize = 100;

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let full = args.iter().any(|a| a == "--bench");
    let config = Config::from_env(full)?;
    bench(&config)
}

// ---------------------------------------------------------------------------
// Settings

struct Config {
    rounds: usize,
    small: usize,
    big: u64,
    many: usize,
    only: Vec<String>,
}

impl Config {
    fn from_env(full: bool) -> Result<Self, BoxError> {
        fn var<T: std::str::FromStr>(name: &str, default: T) -> Result<T, BoxError>
        where
            T::Err: std::fmt::Display,
        {
            match std::env::var(name) {
                Ok(v) => v.parse().map_err(|e| format!("{name}={v}: {e}").into()),
                Err(_) => Ok(default),
            }
        }
        Ok(Config {
            rounds: var("CC_BENCH_ROUNDS", if full { 3 } else { 1 })?,
            small: var("CC_BENCH_SMALL", if full { 2_000 } else { 100 })?,
            big: var::<u64>("CC_BENCH_BIG_MB", if full { 1024 } else { 16 })? << 20,
            many: var("CC_BENCH_MANY", if full { 100_000 } else { 2_000 })?,
            only: std::env::var("CC_BENCH_ONLY")
                .map(|v| v.split(',').map(str::to_owned).collect())
                .unwrap_or_else(|_| {
                    ["small", "sweep", "big", "many"]
                        .map(str::to_owned)
                        .to_vec()
                }),
        })
    }

    fn runs(&self, section: &str) -> bool {
        self.only.iter().any(|s| s == section)
    }
}

// ---------------------------------------------------------------------------
// Generated trees

/// `n` files of 1,024–4,096 random bytes, `PER_DIR` to a folder.
fn write_small_tree(root: &Path, n: usize, seed: u64) -> Result<Manifest, BoxError> {
    let mut rng = Rng(seed);
    let mut manifest = Manifest::new();
    let mut buf = vec![0u8; 4096];
    for i in 0..n {
        let dir = format!("dir{:04}", i / PER_DIR);
        if i % PER_DIR == 0 {
            std::fs::create_dir_all(root.join(&dir))?;
        }
        let rel = format!("{dir}/file{i:06}.txt");
        let size = 1024 + rng.below(3073) as usize;
        rng.fill(&mut buf[..size]);
        std::fs::write(root.join(&rel), &buf[..size])?;
        manifest.insert(rel, (size as u64, sha1_of(&buf[..size])));
    }
    Ok(manifest)
}

/// The folders of a tree from `write_small_tree`, relative, root first.
fn folders_of(n: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    out.extend((0..n.div_ceil(PER_DIR)).map(|d| format!("dir{d:04}/")));
    out
}

/// One file of `size` random bytes.
fn write_big(path: &Path, size: u64) -> Result<Manifest, BoxError> {
    let mut rng = Rng(0xb16_f11e);
    let mut w = std::fs::File::create(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut hash = Sha1::new();
    let mut left = size;
    while left > 0 {
        let n = left.min(buf.len() as u64) as usize;
        rng.fill(&mut buf[..n]);
        w.write_all(&buf[..n])?;
        hash.update(&buf[..n]);
        left -= n as u64;
    }
    w.sync_all()?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or("file name")?;
    Ok(Manifest::from([(
        name.to_owned(),
        (size, hash.finalize().into()),
    )]))
}

// ---------------------------------------------------------------------------
// The child: the stages of one pass, in-process

/// `--child stages <state> <local> <remote-url>` (password in
/// `CC_BENCH_PASS`, user in `CC_BENCH_USER`): the steps of
/// `SyncFolder::sync_once` up to the plan, each timed, on the state the CLI
/// left. Prints one `RESULT key=value ...` line.
fn child(args: &[String]) -> Result<(), BoxError> {
    use cc_files::ignore::IgnoreRules;
    use cc_files::{journal, remote, scan};

    if args.first().map(String::as_str) == Some("files") && args.len() == 3 {
        return child_files(Path::new(&args[1]), args[2].parse()?);
    }
    if args.first().map(String::as_str) != Some("stages") || args.len() != 4 {
        return Err(format!("unknown child {args:?}").into());
    }
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let state = Path::new(&args[1]);
    let local = Path::new(&args[2]).canonicalize()?;
    let url = cc_dav::href::as_collection(&url::Url::parse(&args[3])?);
    let client = cc_dav::DavClient::new(
        cc_dav::ClientConfig::default(),
        Some(cc_dav::Credentials {
            user: std::env::var("CC_BENCH_USER")?,
            password: std::env::var("CC_BENCH_PASS")?,
        }),
    )?;
    let ignore = IgnoreRules::new("")?;
    let mut fields: Vec<(String, u128)> = Vec::new();
    let mut lap = Instant::now();
    let mut stage = |name: &str, fields: &mut Vec<(String, u128)>| -> Result<(), BoxError> {
        fields.push((format!("{name}_us"), lap.elapsed().as_micros()));
        fields.push((
            format!("{name}_rss_kb"),
            u128::from(proc_status_kb("VmRSS")?),
        ));
        lap = Instant::now();
        Ok(())
    };
    stage("start", &mut fields)?;
    let store = cc_store::Store::open(state)?;
    let conn = store.connection();
    let pair = journal::folder_pair(conn, &local.to_string_lossy(), url.as_str(), 0)?;
    stage("open", &mut fields)?;
    let scanned = scan::scan(&local, &ignore)?;
    stage("scan", &mut fields)?;
    let listing = rt.block_on(remote::list_tree(&client, &url, &ignore))?;
    stage("list", &mut fields)?;
    let jr = journal::load(conn, pair.id)?;
    stage("journal", &mut fields)?;
    // As the engine plans: over the scan and the listing, no copies.
    let plan = cc_files::engine::plan_pass(&scanned, &listing, &jr, cc_files::Options::default());
    stage("plan", &mut fields)?;
    let work = plan.work().count();
    // The scan and the listing overlapped (they run one after the other
    // in the engine).
    let (s, l) = rt.block_on(async {
        let root = local.clone();
        let ig = ignore.clone();
        let s = tokio::task::spawn_blocking(move || scan::scan(&root, &ig));
        let l = remote::list_tree(&client, &url, &ignore).await;
        (s.await, l)
    });
    let (s, l) = (s??, l?);
    stage("overlap", &mut fields)?;
    let total = started.elapsed().as_micros();
    let mut line = format!(
        "RESULT local={} remote={} journal={} work={work} total_us={total} vmhwm_kb={}",
        scanned.entries.len(),
        listing.entries.len(),
        jr.len(),
        proc_status_kb("VmHWM")?
    );
    for (k, v) in fields {
        line.push_str(&format!(" {k}={v}"));
    }
    println!("{line}");
    drop((s, l, plan, jr, listing, scanned));
    Ok(())
}

/// `--child files <dir> <n>`: the local side of a download without the
/// network: the files of `write_small_tree`, each written to a temporary
/// name, flushed to disk (`fsync`) and renamed into place, as the engine
/// puts a download in place. The local floor of a download.
fn child_files(root: &Path, n: usize) -> Result<(), BoxError> {
    let mut rng = Rng(0x5a11);
    let mut buf = vec![0u8; 4096];
    for i in 0..n {
        let dir = root.join(format!("dir{:04}", i / PER_DIR));
        if i % PER_DIR == 0 {
            std::fs::create_dir_all(&dir)?;
        }
        let size = 1024 + rng.below(3073) as usize;
        rng.fill(&mut buf[..size]);
        let tmp = dir.join(format!(".download-{i}"));
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(&buf[..size])?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, dir.join(format!("file{i:06}.txt")))?;
    }
    println!("RESULT files={n}");
    Ok(())
}

fn proc_status_kb(key: &str) -> Result<u64, BoxError> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with(key))
        .ok_or_else(|| format!("no {key} in /proc/self/status"))?;
    Ok(line[key.len() + 1..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?)
}

// ---------------------------------------------------------------------------
// Measuring a process

/// One measured process run.
struct Run {
    /// Wall time of the whole process, measured by the parent.
    wall: Duration,
    /// Peak RSS of the process (`ru_maxrss`, from `/usr/bin/time`), KiB.
    maxrss_kb: u64,
    /// User + system CPU seconds of the process.
    cpu: f64,
    /// CPU seconds Apache used meanwhile.
    server_cpu: f64,
    /// CPU seconds everything else on the machine used meanwhile.
    other_cpu: f64,
    /// Requests Apache logged meanwhile, by method.
    methods: BTreeMap<String, usize>,
    stdout: String,
}

impl Run {
    fn count(&self, method: &str) -> usize {
        self.methods.get(method).copied().unwrap_or(0)
    }

    fn requests(&self) -> String {
        if self.methods.is_empty() {
            return "–".into();
        }
        self.methods
            .iter()
            .map(|(m, n)| format!("{n} {m}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The Apache under test, its data folder and its access log.
struct Apache {
    server: Server,
    data: PathBuf,
    /// Owner of the data folder: what Apache runs as.
    owner: Option<(u32, u32)>,
    log: PathBuf,
    log_end: u64,
    scratch: PathBuf,
}

impl Apache {
    fn start(scratch: &Path) -> Result<Self, BoxError> {
        let server = Server::start(Kind::Apache);
        let data = server.root().join("data");
        let log = server.root().join("logs/access.log");
        let owner = owner_to_give(&data, scratch)?;
        let mut a = Apache {
            server,
            data,
            owner,
            log,
            log_end: 0,
            scratch: scratch.to_path_buf(),
        };
        a.log_delta()?;
        Ok(a)
    }

    fn url(&self, folder: &str) -> String {
        format!("{}{folder}/", self.server.files_url())
    }

    /// Makes what was created below the data folder Apache's.
    fn give(&self, path: &Path) -> Result<(), BoxError> {
        if let Some((uid, gid)) = self.owner {
            chown_tree(path, uid, gid)?;
        }
        Ok(())
    }

    fn new_folder(&self, name: &str) -> Result<PathBuf, BoxError> {
        let p = self.data.join(name);
        std::fs::create_dir_all(&p)?;
        self.give(&p)?;
        Ok(p)
    }

    /// Requests logged since the last call, by method.
    fn log_delta(&mut self) -> Result<BTreeMap<String, usize>, BoxError> {
        let mut f = std::fs::File::open(&self.log)?;
        f.seek(std::io::SeekFrom::Start(self.log_end))?;
        let mut text = String::new();
        f.read_to_string(&mut text)?;
        // Only whole lines.
        let whole = text.rfind('\n').map_or(0, |i| i + 1);
        self.log_end += whole as u64;
        let mut out = BTreeMap::new();
        for line in text[..whole].lines() {
            let method = line
                .split('"')
                .nth(1)
                .and_then(|r| r.split(' ').next())
                .unwrap_or("?");
            *out.entry(method.to_owned()).or_insert(0) += 1;
        }
        Ok(out)
    }

    /// Pids of this Apache's processes.
    fn pids(&self) -> Vec<u32> {
        let needle = self.server.root().to_string_lossy().into_owned();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return Vec::new();
        };
        dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .map(|c| String::from_utf8_lossy(&c).contains(&needle))
                    .unwrap_or(false)
            })
            .collect()
    }

    fn server_ticks(&self) -> BTreeMap<u32, u64> {
        self.pids()
            .into_iter()
            .filter_map(|p| Some((p, process_ticks(p)?)))
            .collect()
    }

    /// Runs `program args` under `/usr/bin/time`; fails unless it exits 0.
    fn measure(
        &mut self,
        program: &Path,
        args: &[String],
        envs: &[(String, String)],
    ) -> Result<Run, BoxError> {
        let time_out = self.scratch.join("time.out");
        let mut cmd = Command::new("/usr/bin/time");
        cmd.arg("-f")
            .arg("%M %U %S")
            .arg("-o")
            .arg(&time_out)
            .arg(program)
            .args(args)
            .stdin(Stdio::null());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        // Dirty pages of the previous run are written out first, not
        // during this one.
        Command::new("sync").status()?;
        self.log_delta()?;
        let server_before = self.server_ticks();
        let busy_before = machine_busy_ticks()?;
        let started = Instant::now();
        let out = cmd.output()?;
        let wall = started.elapsed();
        let busy = machine_busy_ticks()? - busy_before;
        let server_after = self.server_ticks();
        let methods = self.log_delta()?;
        if !out.status.success() {
            return Err(format!(
                "{} {args:?} failed ({}):\n{}\n{}",
                program.display(),
                out.status,
                tail(&String::from_utf8_lossy(&out.stdout)),
                tail(&String::from_utf8_lossy(&out.stderr))
            )
            .into());
        }
        let time = std::fs::read_to_string(&time_out)?;
        let last = time.lines().last().ok_or("empty /usr/bin/time output")?;
        let f: Vec<&str> = last.split_whitespace().collect();
        if f.len() != 3 {
            return Err(format!("/usr/bin/time said {time:?}").into());
        }
        let cpu = f[1].parse::<f64>()? + f[2].parse::<f64>()?;
        let server_ticks: u64 = server_after
            .iter()
            .map(|(pid, t)| t - server_before.get(pid).copied().unwrap_or(0).min(*t))
            .sum();
        let server_cpu = server_ticks as f64 / 100.0;
        Ok(Run {
            wall,
            maxrss_kb: f[0].parse()?,
            cpu,
            server_cpu,
            other_cpu: (busy as f64 / 100.0 - cpu - server_cpu).max(0.0),
            methods,
            stdout: String::from_utf8(out.stdout)?,
        })
    }
}

#[cfg(unix)]
fn owner_to_give(data: &Path, scratch: &Path) -> Result<Option<(u32, u32)>, BoxError> {
    use std::os::unix::fs::MetadataExt;
    let d = std::fs::metadata(data)?;
    let me = std::fs::metadata(scratch)?;
    Ok((d.uid() != me.uid()).then_some((d.uid(), d.gid())))
}

#[cfg(not(unix))]
fn owner_to_give(_data: &Path, _scratch: &Path) -> Result<Option<(u32, u32)>, BoxError> {
    Ok(None)
}

#[cfg(unix)]
fn chown_tree(path: &Path, uid: u32, gid: u32) -> Result<(), BoxError> {
    std::os::unix::fs::chown(path, Some(uid), Some(gid))?;
    if std::fs::symlink_metadata(path)?.is_dir() {
        for e in std::fs::read_dir(path)? {
            chown_tree(&e?.path(), uid, gid)?;
        }
    }
    Ok(())
}

#[cfg(not(unix))]
fn chown_tree(_path: &Path, _uid: u32, _gid: u32) -> Result<(), BoxError> {
    Ok(())
}

// ---------------------------------------------------------------------------
// The tools

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Ours,
    Copy,
    Bisync,
    Curl,
    Find,
    Local,
}

impl Tool {
    fn label(self) -> &'static str {
        match self {
            Tool::Ours => "commonscloud sync --once",
            Tool::Copy => "rclone copy",
            Tool::Bisync => "rclone bisync",
            Tool::Curl => "curl (server floor)",
            Tool::Find => "find (local floor)",
            Tool::Local => "write+fsync+rename (floor)",
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Tool::Ours => "cc",
            Tool::Copy => "copy",
            Tool::Bisync => "bisync",
            Tool::Curl => "curl",
            Tool::Find => "find",
            Tool::Local => "local",
        }
    }
}

/// A local folder and a server folder, synced by one tool.
struct Pair {
    tool: Tool,
    local: PathBuf,
    /// Below Apache's data folder (and `/dav/`).
    folder: String,
    /// Upload (local → server) or download, for `rclone copy` and curl.
    up: bool,
    state: PathBuf,
    workdir: PathBuf,
    /// The file names, for curl.
    files: Vec<String>,
    /// More arguments for ours (`--parallel N`).
    extra: Vec<String>,
}

struct Tools {
    cli: PathBuf,
    rclone_conf: PathBuf,
    envs: Vec<(String, String)>,
    user: String,
    password: String,
    scratch: PathBuf,
}

impl Tools {
    fn pair(&self, tool: Tool, local: PathBuf, folder: &str, up: bool) -> Pair {
        let tag = format!("{}-{}", tool.slug(), folder);
        Pair {
            tool,
            local,
            folder: folder.to_owned(),
            up,
            state: self.scratch.join(format!("state-{tag}.sqlite3")),
            workdir: self.scratch.join(format!("bisync-{tag}")),
            files: Vec::new(),
            extra: Vec::new(),
        }
    }

    /// The command of the first sync of a pair (`again`: the next ones).
    fn command(&self, apache: &Apache, p: &Pair, again: bool) -> (PathBuf, Vec<String>) {
        let local = p.local.to_string_lossy().into_owned();
        let remote = format!("{}:{}", RCLONE_REMOTE.to_ascii_lowercase(), p.folder);
        let conf = self.rclone_conf.to_string_lossy().into_owned();
        let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        match p.tool {
            Tool::Ours => {
                let mut a = s(&[
                    "--state",
                    &p.state.to_string_lossy(),
                    "sync",
                    "--once",
                    "--local",
                    &local,
                    "--remote",
                    &apache.url(&p.folder),
                    "--user",
                    &self.user,
                ]);
                a.extend(p.extra.iter().cloned());
                (self.cli.clone(), a)
            }
            Tool::Copy => {
                let (from, to) = if p.up {
                    (&local, &remote)
                } else {
                    (&remote, &local)
                };
                ("rclone".into(), s(&["copy", from, to, "--config", &conf]))
            }
            Tool::Bisync => {
                let mut a = s(&[
                    "bisync",
                    &local,
                    &remote,
                    "--workdir",
                    &p.workdir.to_string_lossy(),
                    "--config",
                    &conf,
                ]);
                if !again {
                    a.push("--resync".into());
                }
                ("rclone".into(), a)
            }
            Tool::Find | Tool::Local => unreachable!("run directly"),
            Tool::Curl => {
                // One process, keep-alive, 8 transfers in flight.
                let list = self.scratch.join(format!("curl-{}.conf", p.folder));
                let mut text = String::new();
                for f in &p.files {
                    let url = format!("{}{f}", apache.url(&p.folder));
                    let file = p.local.join(f).to_string_lossy().into_owned();
                    if p.up {
                        text.push_str(&format!(
                            "url = \"{url}\"\nupload-file = \"{file}\"\noutput = \"/dev/null\"\n"
                        ));
                    } else {
                        text.push_str(&format!("url = \"{url}\"\noutput = \"{file}\"\n"));
                    }
                }
                if let Err(e) = std::fs::write(&list, text) {
                    panic!("write {}: {e}", list.display());
                }
                let mut a = s(&[
                    "-sS",
                    "-f",
                    "-u",
                    &format!("{}:{}", self.user, self.password),
                ]);
                if p.files.len() > 1 {
                    a.extend(s(&["-Z", "--parallel-max", "8"]));
                }
                if !p.up {
                    a.push("--create-dirs".into());
                }
                a.extend(s(&["-K", &list.to_string_lossy()]));
                ("curl".into(), a)
            }
        }
    }

    fn run(&self, apache: &mut Apache, p: &Pair, again: bool, what: &str) -> Result<Run, BoxError> {
        let (program, args) = self.command(apache, p, again);
        let r = apache.measure(&program, &args, &self.envs)?;
        println!(
            "  {what:<10} {:<26} {:>9.3} s  {:>7.1} MB  cpu {:.2} s, apache {:.2} s, other {:.2} s  [{}]",
            p.tool.label(),
            r.wall.as_secs_f64(),
            r.maxrss_kb as f64 / 1024.0,
            r.cpu,
            r.server_cpu,
            r.other_cpu,
            r.requests()
        );
        if p.tool == Tool::Ours && !r.stdout.contains("in sync") {
            return Err(format!("{what}: ours did not end in sync:\n{}", tail(&r.stdout)).into());
        }
        Ok(r)
    }
}

// ---------------------------------------------------------------------------
// Results

struct Row {
    section: &'static str,
    scenario: String,
    tool: Tool,
    files: usize,
    runs: Vec<Run>,
}

#[derive(Default)]
struct Results {
    rows: Vec<Row>,
}

impl Results {
    fn push(&mut self, section: &'static str, scenario: &str, tool: Tool, files: usize, run: Run) {
        match self
            .rows
            .iter_mut()
            .find(|r| r.section == section && r.scenario == scenario && r.tool == tool)
        {
            Some(row) => row.runs.push(run),
            None => self.rows.push(Row {
                section,
                scenario: scenario.to_owned(),
                tool,
                files,
                runs: vec![run],
            }),
        }
    }

    fn get(&self, section: &str, scenario: &str, tool: Tool) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.section == section && r.scenario == scenario && r.tool == tool)
    }
}

/// Best and median.
fn stats(runs: &[Run]) -> (Duration, Duration) {
    let mut v: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
    v.sort();
    (v[0], v[(v.len() - 1) / 2])
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 10.0 {
        format!("{s:.2}")
    } else {
        format!("{s:.1}")
    }
}

fn print_table(results: &Results) {
    println!();
    println!(
        "| {:<30} | {:<26} | {:>7} | {:>18} | {:>9} | {:>8} | requests (one run)",
        "scenario", "tool", "files", "wall s best / med", "peak RSS", "vs ours"
    );
    println!(
        "|{}|{}|{}:|{}:|{}:|{}:|---|",
        "-".repeat(32),
        "-".repeat(28),
        "-".repeat(8),
        "-".repeat(19),
        "-".repeat(10),
        "-".repeat(9)
    );
    for r in &results.rows {
        let (best, med) = stats(&r.runs);
        let ours = results
            .get(r.section, &r.scenario, Tool::Ours)
            .map(|o| stats(&o.runs).1);
        let vs = match ours {
            Some(o) if r.tool != Tool::Ours => {
                format!("{:.1}×", med.as_secs_f64() / o.as_secs_f64())
            }
            _ => "–".into(),
        };
        let rss = r.runs.iter().map(|x| x.maxrss_kb).max().unwrap_or(0);
        let last = r.runs.last().map(Run::requests).unwrap_or_default();
        let shown = if r.runs.len() > 1 {
            format!("{} / {}", secs(best), secs(med))
        } else {
            format!("{} (1 run)", secs(best))
        };
        println!(
            "| {:<30} | {:<26} | {:>7} | {:>18} | {:>6.1} MB | {:>8} | {last}",
            format!("{}: {}", r.section, r.scenario),
            r.tool.label(),
            r.files,
            shown,
            rss as f64 / 1024.0,
            vs,
        );
    }
    println!();
}

// ---------------------------------------------------------------------------
// The bench

/// The programs the bench runs, and the Debian package of each.
const TOOLS: &[(&str, &str)] = &[
    ("/usr/bin/time", "time"),
    ("/usr/sbin/apache2", "apache2 apache2-utils"),
    ("rclone", "rclone"),
    ("curl", "curl"),
    ("find", "findutils"),
];

/// Share of the machine busy over one second, and the load average.
fn quiet() -> Result<String, BoxError> {
    let before = machine_busy_ticks()?;
    std::thread::sleep(Duration::from_secs(1));
    let busy = machine_busy_ticks()? - before;
    let cpus = std::thread::available_parallelism()?.get() as f64;
    let load = std::fs::read_to_string("/proc/loadavg")?;
    Ok(format!(
        "machine busy {:.0}% over 1 s, load average {}",
        busy as f64 / cpus,
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    ))
}

/// Builds (or finds) the `commonscloud` binary.
fn cli_binary() -> Result<PathBuf, BoxError> {
    if let Ok(p) = std::env::var("CC_BENCH_CLI") {
        return Ok(PathBuf::from(p));
    }
    let release = !cfg!(debug_assertions);
    let root = cc_harness::workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-p", "cc-cli", "--bin", "commonscloud"])
        .current_dir(&root);
    if release {
        cmd.arg("--release");
    }
    println!("building the CLI: {cmd:?}");
    if !cmd.status()?.success() {
        return Err("cargo build -p cc-cli failed".into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let bin = target
        .join(if release { "release" } else { "debug" })
        .join(format!("commonscloud{}", std::env::consts::EXE_SUFFIX));
    if !bin.exists() {
        return Err(format!("{} not found after the build", bin.display()).into());
    }
    Ok(bin)
}

fn bench(config: &Config) -> Result<(), BoxError> {
    for (tool, package) in TOOLS {
        if Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map(|o| !o.status.success())
            .unwrap_or(true)
        {
            return Err(format!("{tool} not found: apt-get install {package}").into());
        }
    }
    let cli = cli_binary()?;
    let cpu = std::fs::read_to_string("/proc/cpuinfo")?
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|s| s.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_default();
    println!(
        "machine: {} CPUs ({cpu}); {}; {}; {}",
        std::thread::available_parallelism()?,
        first_line("rclone", &["version"]),
        first_line("/usr/sbin/apache2", &["-v"]),
        first_line("curl", &["--version"]),
    );
    let root = cc_harness::workspace_root();
    println!(
        "source: commit {}; changed files below crates/*/src: {}",
        first_line(
            "git",
            &[
                "-C",
                &root.to_string_lossy(),
                "rev-parse",
                "--short",
                "HEAD"
            ]
        ),
        Command::new("git")
            .args(["-C", &root.to_string_lossy(), "status", "--short", "--"])
            .args([
                "crates/dav/src",
                "crates/files/src",
                "crates/cli/src",
                "crates/store/src"
            ])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).lines().count())
            .unwrap_or(0)
    );
    println!("ours: {}", cli.display());
    println!(
        "sizes: {} small files, a {} MiB file, {} tracked files; {} round(s)",
        config.small,
        config.big >> 20,
        config.many,
        config.rounds
    );
    println!("before: {}", quiet()?);

    let scratch_dir = tempfile::Builder::new()
        .prefix("cc-bench-sync-")
        .tempdir()?;
    let scratch = scratch_dir.path().to_path_buf();
    let mut apache = Apache::start(&scratch)?;
    let obscured = Command::new("rclone")
        .args(["obscure", apache.server.password()])
        .output()?;
    let obscured = String::from_utf8(obscured.stdout)?.trim().to_owned();
    let rclone_conf = scratch.join("rclone.conf");
    std::fs::write(&rclone_conf, "")?;
    let r = RCLONE_REMOTE;
    let tools = Tools {
        cli,
        rclone_conf,
        envs: vec![
            (
                "COMMONSCLOUD_PASSWORD".into(),
                apache.server.password().into(),
            ),
            ("CC_BENCH_USER".into(), apache.server.user().into()),
            ("CC_BENCH_PASS".into(), apache.server.password().into()),
            (format!("RCLONE_CONFIG_{r}_TYPE"), "webdav".into()),
            (format!("RCLONE_CONFIG_{r}_URL"), apache.server.files_url()),
            (format!("RCLONE_CONFIG_{r}_VENDOR"), "owncloud".into()),
            (
                format!("RCLONE_CONFIG_{r}_USER"),
                apache.server.user().into(),
            ),
            (format!("RCLONE_CONFIG_{r}_PASS"), obscured),
        ],
        user: apache.server.user().into(),
        password: apache.server.password().into(),
        scratch: scratch.clone(),
    };
    let mut results = Results::default();
    if config.runs("small") {
        small(config, &mut apache, &tools, &mut results)?;
        println!("after small: {}", quiet()?);
    }
    if config.runs("sweep") {
        sweep(config, &mut apache, &tools, &mut results)?;
        println!("after sweep: {}", quiet()?);
    }
    if config.runs("big") {
        big(config, &mut apache, &tools, &mut results)?;
        println!("after big: {}", quiet()?);
    }
    if config.runs("many") {
        many(config, &mut apache, &tools, &mut results, true)?;
        println!("after many: {}", quiet()?);
    } else if config.runs("nochange") {
        many(config, &mut apache, &tools, &mut results, false)?;
        println!("after nochange: {}", quiet()?);
    }
    print_table(&results);
    targets(&results, config);
    let all: Vec<&Run> = results.rows.iter().flat_map(|r| &r.runs).collect();
    let worst = all
        .iter()
        .filter(|r| r.wall >= Duration::from_millis(500))
        .map(|r| r.other_cpu / r.wall.as_secs_f64().max(1e-3))
        .fold(0.0, f64::max);
    let other: f64 = all.iter().map(|r| r.other_cpu).sum();
    let wall: f64 = all.iter().map(|r| r.wall.as_secs_f64()).sum();
    println!(
        "quiet: other processes used {:.2} CPU-s over {:.0} s of measured runs ({:.1}% of one core on average, at most {:.0}% during one run of 0.5 s or more)",
        other,
        wall,
        100.0 * other / wall.max(1e-3),
        100.0 * worst
    );
    Ok(())
}

/// The tools in a different order every round.
fn rotation(round: usize, tools: &[Tool]) -> Vec<Tool> {
    let mut v = tools.to_vec();
    v.rotate_left(round % tools.len());
    v
}

fn small(
    config: &Config,
    apache: &mut Apache,
    tools: &Tools,
    results: &mut Results,
) -> Result<(), BoxError> {
    let n = config.small;
    println!(
        "\n== small: {n} files of 1–4 KB in {} folders",
        n.div_ceil(PER_DIR)
    );
    let dir = tools.scratch.join("small");
    let src = dir.join("src");
    let manifest = write_small_tree(&src, n, 0x5a11)?;
    let names: Vec<String> = manifest.keys().cloned().collect();
    let peers = [Tool::Ours, Tool::Copy, Tool::Bisync, Tool::Curl];
    // The full server folders the downloads start from, all made now: a
    // file younger than a second has a weak ETag on Apache.
    for round in 0..config.rounds {
        for tool in peers {
            let d = apache
                .data
                .join(format!("small-down-{}-{round}", tool.slug()));
            copy_tree(&src, &d)?;
            apache.give(&d)?;
        }
    }
    std::thread::sleep(Duration::from_millis(1100));
    for round in 0..config.rounds {
        println!("round {}:", round + 1);
        for tool in rotation(round, &peers) {
            let tag = format!("{}-{round}", tool.slug());
            // Upload.
            let local = dir.join(format!("up-{tag}"));
            copy_tree(&src, &local)?;
            let folder = format!("small-up-{tag}");
            let remote = apache.new_folder(&folder)?;
            let mut p = tools.pair(tool, local.clone(), &folder, true);
            if tool == Tool::Curl {
                for f in folders_of(n).iter().skip(1) {
                    apache.new_folder(&format!("{folder}/{}", f.trim_end_matches('/')))?;
                }
                p.files = names.clone();
            }
            let r = tools.run(apache, &p, false, "upload")?;
            check_tree("upload (server)", &remote, &manifest)?;
            if r.count("PUT") < n {
                return Err(format!("upload: only {} PUTs", r.count("PUT")).into());
            }
            results.push("small", "upload", tool, n, r);
            // No change.
            if tool != Tool::Curl {
                let r = tools.run(apache, &p, true, "no change")?;
                check_tree("no change (server)", &remote, &manifest)?;
                check_tree("no change (local)", &local, &manifest)?;
                if tool != Tool::Copy && (r.count("PUT") > 0 || r.count("GET") > 0) {
                    return Err(format!("no change: {}", r.requests()).into());
                }
                results.push("small", "no change", tool, n, r);
            }
            // Download.
            let local = dir.join(format!("down-{tag}"));
            std::fs::create_dir_all(&local)?;
            let mut p = tools.pair(tool, local.clone(), &format!("small-down-{tag}"), false);
            p.files = names.clone();
            let r = tools.run(apache, &p, false, "download")?;
            check_tree("download (local)", &local, &manifest)?;
            if r.count("GET") < n {
                return Err(format!("download: only {} GETs", r.count("GET")).into());
            }
            results.push("small", "download", tool, n, r);
        }
        // The local floor of a download: the same files written, flushed
        // and renamed, no network.
        let local = dir.join(format!("local-{round}"));
        let exe = std::env::current_exe()?;
        let args = [
            "--child".to_owned(),
            "files".into(),
            local.to_string_lossy().into_owned(),
            n.to_string(),
        ];
        let r = apache.measure(&exe, &args, &[])?;
        check_tree("local floor", &local, &manifest)?;
        println!(
            "  download   {:<26} {:>9.3} s",
            Tool::Local.label(),
            r.wall.as_secs_f64()
        );
        results.push("small", "download", Tool::Local, n, r);
    }
    Ok(())
}

/// Ours with 1 to 32 transfers in flight (`--parallel`, default 8), on
/// the same small files.
fn sweep(
    config: &Config,
    apache: &mut Apache,
    tools: &Tools,
    results: &mut Results,
) -> Result<(), BoxError> {
    let n = config.small;
    println!("\n== sweep: ours with --parallel N, {n} small files");
    let dir = tools.scratch.join("sweep");
    let src = dir.join("src");
    let manifest = write_small_tree(&src, n, 0x5a11)?;
    let sweep = [1, 2, 4, 8, 16, 32];
    for round in 0..config.rounds {
        println!("ours, --parallel N, round {}:", round + 1);
        for par in sweep {
            let tag = format!("par{par}-{round}");
            let local = dir.join(format!("up-{tag}"));
            copy_tree(&src, &local)?;
            let folder = format!("small-up-{tag}");
            let remote = apache.new_folder(&folder)?;
            let mut p = tools.pair(Tool::Ours, local, &folder, true);
            p.extra = vec!["--parallel".into(), par.to_string()];
            let r = tools.run(apache, &p, false, &format!("up -j{par}"))?;
            check_tree("upload (server)", &remote, &manifest)?;
            results.push(
                "sweep",
                &format!("upload, --parallel {par}"),
                Tool::Ours,
                n,
                r,
            );
            let folder = format!("small-down-{tag}");
            let d = apache.data.join(&folder);
            copy_tree(&src, &d)?;
            apache.give(&d)?;
            std::thread::sleep(Duration::from_millis(1100));
            let local = dir.join(format!("down-{tag}"));
            std::fs::create_dir_all(&local)?;
            let mut p = tools.pair(Tool::Ours, local.clone(), &folder, false);
            p.extra = vec!["--parallel".into(), par.to_string()];
            let r = tools.run(apache, &p, false, &format!("down -j{par}"))?;
            check_tree("download (local)", &local, &manifest)?;
            results.push(
                "sweep",
                &format!("download, --parallel {par}"),
                Tool::Ours,
                n,
                r,
            );
        }
    }
    Ok(())
}

fn big(
    config: &Config,
    apache: &mut Apache,
    tools: &Tools,
    results: &mut Results,
) -> Result<(), BoxError> {
    let size = config.big;
    println!("\n== big: one file of {} MiB", size >> 20);
    let dir = tools.scratch.join("big");
    std::fs::create_dir_all(dir.join("src"))?;
    let t = Instant::now();
    let manifest = write_big(&dir.join("src/big.bin"), size)?;
    println!("written in {} s", secs(t.elapsed()));
    let peers = [Tool::Ours, Tool::Copy, Tool::Bisync, Tool::Curl];
    for round in 0..config.rounds {
        for tool in peers {
            let d = apache
                .data
                .join(format!("big-down-{}-{round}", tool.slug()));
            link_tree(&dir.join("src"), &d)?;
            apache.give(&d)?;
        }
    }
    std::thread::sleep(Duration::from_millis(1100));
    let names = vec!["big.bin".to_owned()];
    let mb = size as f64 / 1e6;
    for round in 0..config.rounds {
        println!("round {}:", round + 1);
        for tool in rotation(round, &peers) {
            let tag = format!("{}-{round}", tool.slug());
            let local = dir.join(format!("up-{tag}"));
            link_tree(&dir.join("src"), &local)?;
            let folder = format!("big-up-{tag}");
            let remote = apache.new_folder(&folder)?;
            let mut p = tools.pair(tool, local.clone(), &folder, true);
            p.files = names.clone();
            let r = tools.run(apache, &p, false, "upload")?;
            check_tree("upload (server)", &remote, &manifest)?;
            println!("             {:.0} MB/s", mb / r.wall.as_secs_f64());
            results.push("big", "upload", tool, 1, r);
            if tool != Tool::Curl {
                let r = tools.run(apache, &p, true, "no change")?;
                check_tree("no change (server)", &remote, &manifest)?;
                if tool != Tool::Copy && (r.count("PUT") > 0 || r.count("GET") > 0) {
                    return Err(format!("no change: {}", r.requests()).into());
                }
                results.push("big", "no change", tool, 1, r);
            }
            std::fs::remove_dir_all(&remote)?;
            std::fs::remove_dir_all(&local)?;
            let local = dir.join(format!("down-{tag}"));
            std::fs::create_dir_all(&local)?;
            let mut p = tools.pair(tool, local.clone(), &format!("big-down-{tag}"), false);
            p.files = names.clone();
            let r = tools.run(apache, &p, false, "download")?;
            check_tree("download (local)", &local, &manifest)?;
            println!("             {:.0} MB/s", mb / r.wall.as_secs_f64());
            results.push("big", "download", tool, 1, r);
            std::fs::remove_dir_all(&local)?;
        }
    }
    Ok(())
}

/// The 100,000-file part; without `peers`, ours alone (no floors, no
/// rclone).
fn many(
    config: &Config,
    apache: &mut Apache,
    tools: &Tools,
    results: &mut Results,
    peers: bool,
) -> Result<(), BoxError> {
    let n = config.many;
    let folders = folders_of(n);
    println!(
        "\n== many: {n} files of 1–4 KB in {} folders",
        folders.len() - 1
    );
    let dir = tools.scratch.join("many");
    let src = dir.join("src");
    let t = Instant::now();
    let manifest = write_small_tree(&src, n, 0x3a4e)?;
    println!("written in {} s", secs(t.elapsed()));

    // Ours: a real first sync (upload), then no-change passes.
    let local = dir.join("cc");
    link_tree(&src, &local)?;
    let remote = apache.new_folder("many-cc")?;
    let p = tools.pair(Tool::Ours, local.clone(), "many-cc", true);
    let r = tools.run(apache, &p, false, "first sync")?;
    check_tree("first sync (server)", &remote, &manifest)?;
    if r.count("PUT") != n {
        return Err(format!("first sync: {} PUTs, not {n}", r.count("PUT")).into());
    }
    results.push("many", "first sync (upload)", Tool::Ours, n, r);
    std::thread::sleep(Duration::from_millis(1100));
    for _ in 0..config.rounds {
        let r = tools.run(apache, &p, true, "no change")?;
        if r.count("PUT") + r.count("GET") > 0 || r.count("PROPFIND") != folders.len() {
            return Err(format!("no change: {}", r.requests()).into());
        }
        results.push("many", "no change", Tool::Ours, n, r);
    }
    check_tree("no change (local)", &local, &manifest)?;

    // Where the time of a pass goes: the stages, in-process.
    let exe = std::env::current_exe()?;
    let mut stage_runs = Vec::new();
    for _ in 0..config.rounds {
        let args = vec![
            "--child".to_owned(),
            "stages".into(),
            p.state.to_string_lossy().into_owned(),
            local.to_string_lossy().into_owned(),
            apache.url("many-cc"),
        ];
        let r = apache.measure(&exe, &args, &tools.envs)?;
        let line = r
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix("RESULT "))
            .ok_or("no RESULT from the stages child")?
            .to_owned();
        let kv: BTreeMap<String, u64> = line
            .split_whitespace()
            .filter_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                Some((k.to_owned(), v.parse().ok()?))
            })
            .collect();
        if kv.get("work") != Some(&0)
            || kv.get("local").copied() != Some((n + folders.len() - 1) as u64)
        {
            return Err(format!("stages: {line}").into());
        }
        println!("  stages     {line}");
        stage_runs.push(kv);
    }
    print_stages(&stage_runs);
    if !peers {
        return Ok(());
    }

    // Floors: the same listing by curl (asking what the engine asks a
    // plain WebDAV server below its root), the local tree by find.
    let body = scratch_file(
        &tools.scratch,
        "propfind.xml",
        &cc_dav::xml::propfind_body(cc_dav::files::PLAIN_FILE_PROPS),
    )?;
    let mut list = String::new();
    for f in &folders {
        list.push_str(&format!(
            "url = \"{}{f}\"\noutput = \"/dev/null\"\n",
            apache.url("many-cc")
        ));
    }
    let list = scratch_file(&tools.scratch, "many-propfind.conf", &list)?;
    let user_pass = format!("{}:{}", tools.user, tools.password);
    for parallel in [false, true] {
        for _ in 0..config.rounds {
            let mut args: Vec<String> = [
                "-sS",
                "-f",
                "-u",
                &user_pass,
                "-X",
                "PROPFIND",
                "-H",
                "Depth: 1",
                "-H",
                "Content-Type: application/xml; charset=utf-8",
                "--data-binary",
                &format!("@{}", body.display()),
                "-K",
                &list.to_string_lossy(),
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
            if parallel {
                args.extend(["-Z".into(), "--parallel-max".into(), "8".into()]);
            }
            let r = apache.measure(Path::new("curl"), &args, &[])?;
            if r.count("PROPFIND") != folders.len() {
                return Err(format!("curl listing: {}", r.requests()).into());
            }
            println!(
                "  floor      curl PROPFIND ×{} {}: {} s",
                folders.len(),
                if parallel {
                    "(8 in flight)"
                } else {
                    "(one after another)"
                },
                secs(r.wall)
            );
            let scenario = if parallel {
                "listing, 8 in flight"
            } else {
                "listing, one by one"
            };
            results.push("many", scenario, Tool::Curl, n, r);
        }
    }
    for _ in 0..config.rounds {
        let args: Vec<String> = [&local.to_string_lossy() as &str, "-printf", "%s %T@ %i\\n"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        let r = apache.measure(Path::new("find"), &args, &[])?;
        if r.stdout.lines().count() != n + folders.len() {
            return Err("find listed a different tree".into());
        }
        println!(
            "  floor      find -printf (lstat of every entry): {} s",
            secs(r.wall)
        );
        let mut r = r;
        r.stdout.clear();
        results.push("many", "local scan", Tool::Find, n, r);
    }

    // rclone: the same tree on both sides, same times (hard links).
    let rc_local = dir.join("rc");
    link_tree(&src, &rc_local)?;
    let rc_remote = apache.data.join("many-rc");
    link_tree(&src, &rc_remote)?;
    apache.give(&rc_remote)?;
    std::thread::sleep(Duration::from_millis(1100));
    let copy = tools.pair(Tool::Copy, rc_local.clone(), "many-rc", true);
    let bisync = tools.pair(Tool::Bisync, rc_local.clone(), "many-rc", true);
    let r = tools.run(apache, &bisync, false, "resync")?;
    if r.count("PUT") + r.count("GET") > 0 {
        return Err(format!("bisync --resync transferred: {}", r.requests()).into());
    }
    results.push("many", "bisync --resync (setup)", Tool::Bisync, n, r);
    for round in 0..config.rounds {
        for tool in rotation(round, &[Tool::Copy, Tool::Bisync]) {
            let p = if tool == Tool::Copy { &copy } else { &bisync };
            let r = tools.run(apache, p, true, "no change")?;
            if r.count("PUT") + r.count("GET") > 0 {
                return Err(format!("{}: no change: {}", tool.label(), r.requests()).into());
            }
            results.push("many", "no change", tool, n, r);
        }
    }
    check_tree("rclone no change (server)", &rc_remote, &manifest)?;
    check_tree("rclone no change (local)", &rc_local, &manifest)?;
    Ok(())
}

fn scratch_file(scratch: &Path, name: &str, text: &str) -> Result<PathBuf, BoxError> {
    let p = scratch.join(name);
    std::fs::write(&p, text)?;
    Ok(p)
}

fn print_stages(runs: &[BTreeMap<String, u64>]) {
    if runs.is_empty() {
        return;
    }
    println!();
    println!("stages of a no-change pass, in-process (ms best / median, RSS after the stage):");
    for stage in [
        "start", "open", "scan", "list", "journal", "plan", "overlap",
    ] {
        let mut v: Vec<u64> = runs
            .iter()
            .filter_map(|r| r.get(&format!("{stage}_us")).copied())
            .collect();
        v.sort_unstable();
        let rss = runs
            .iter()
            .filter_map(|r| r.get(&format!("{stage}_rss_kb")).copied())
            .max()
            .unwrap_or(0);
        if v.is_empty() {
            continue;
        }
        println!(
            "  {stage:<8} {:>8.1} / {:>8.1} ms   {:>6.1} MB",
            v[0] as f64 / 1000.0,
            v[(v.len() - 1) / 2] as f64 / 1000.0,
            rss as f64 / 1024.0
        );
    }
    let hwm = runs
        .iter()
        .filter_map(|r| r.get("vmhwm_kb").copied())
        .max()
        .unwrap_or(0);
    println!(
        "  (overlap: scan and listing run side by side; VmHWM {:.1} MB)",
        hwm as f64 / 1024.0
    );
}

fn targets(results: &Results, config: &Config) {
    println!("targets:");
    let med = |section: &str, scenario: &str, tool: Tool| {
        results
            .get(section, scenario, tool)
            .map(|r| stats(&r.runs).1.as_secs_f64())
    };
    for scenario in ["upload", "download", "no change"] {
        for peer in [Tool::Copy, Tool::Bisync] {
            if let (Some(o), Some(p)) = (
                med("small", scenario, Tool::Ours),
                med("small", scenario, peer),
            ) {
                let x = p / o;
                println!(
                    "  {} small files, {scenario}: {x:.1}× faster than {} (median) — target 10×: {}",
                    config.small,
                    peer.label(),
                    if x >= 10.0 { "met" } else { "NOT met" }
                );
            }
        }
    }
    for scenario in ["upload", "download"] {
        if let (Some(o), Some(c)) = (
            med("big", scenario, Tool::Ours),
            med("big", scenario, Tool::Curl),
        ) {
            println!(
                "  {} MiB file, {scenario}: {:.2}× curl's time (median) — target: the server's speed (≤ 1.1×): {}",
                config.big >> 20,
                o / c,
                if o / c <= 1.1 { "met" } else { "NOT met" }
            );
        }
    }
    if let Some(r) = results.get("many", "no change", Tool::Ours) {
        let (best, med) = stats(&r.runs);
        println!(
            "  no change over {} files: {} s best, {} s median — target under 1 s: {}",
            config.many,
            secs(best),
            secs(med),
            if med.as_secs_f64() < 1.0 {
                "met"
            } else {
                "NOT met"
            }
        );
    }
    let rss = ["first sync (upload)", "no change"]
        .iter()
        .filter_map(|s| results.get("many", s, Tool::Ours))
        .flat_map(|r| r.runs.iter().map(|x| x.maxrss_kb))
        .max();
    if let Some(rss) = rss {
        let mb = rss as f64 / 1024.0;
        println!(
            "  peak RSS at {} files: {mb:.1} MB — target under 100 MB: {}",
            config.many,
            if mb < 100.0 { "met" } else { "NOT met" }
        );
    }
}
