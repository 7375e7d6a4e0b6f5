//! Parsing and listing a 100,000-entry multistatus, side by side with rclone.
//!
//! ```sh
//! cargo bench -p cc-dav --bench multistatus
//! ```
//!
//! 1. Writes a Depth-1 PROPFIND answer shaped like Nextcloud 33's (entry
//!    format of `tests/fixtures/nextcloud-33/021-propfind-root-depth1.http`)
//!    with `CC_BENCH_ENTRIES` children (default 100,000) to a temporary file.
//! 2. Parses it from a `tokio::fs::File` through a `BufReader` with
//!    [`cc_dav::xml::MultistatusReader`] (on its own task, as the client runs it), turning every response into a [`FileEntry`] the
//!    way `DavClient::list` does.
//! 3. Lists a folder with as many files on a real Apache (cc-harness) with
//!    `DavClient::list` and with `rclone lsjson`.
//!
//! Every measured run is a child process (this binary re-executed with
//! `--child ...`) under `/usr/bin/time`, so that each run's peak RSS is its
//! own; the child also reports the time of the work alone (without process
//! start) and its `VmHWM`. Runs without `--bench` (as `cargo test --benches`
//! would) use 1,000 entries and one run: a smoke test.
//!
//! The figures and the machine they were taken on are in
//! `docs/benchmarks.md`.
#![allow(clippy::print_stdout, reason = "a bench binary reports on stdout")]

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, UNIX_EPOCH};

use cc_dav::files::FileEntry;
use cc_dav::href;
use cc_dav::resource::Resource;
use cc_dav::xml::{Limits, RawResponse};
use cc_dav::{ClientConfig, Credentials, DavClient, Depth};
use cc_harness::servers::{Kind, Server};
use url::Url;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The folder the generated document lists, as Nextcloud names it.
const NC_BASE: &str = "https://cloud.example.coop/remote.php/dav/files/ana/";
const NC_BASE_PATH: &str = "/remote.php/dav/files/ana/";
const RCLONE_REMOTE: &str = "CCBENCH";

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        return child(&args[1..]);
    }
    let full = args.iter().any(|a| a == "--bench");
    let n: usize = match std::env::var("CC_BENCH_ENTRIES") {
        Ok(v) => v.parse()?,
        Err(_) if full => 100_000,
        Err(_) => 1_000,
    };
    let runs = if full { 5 } else { 1 };
    bench(n, runs)
}

// ---------------------------------------------------------------------------
// The generated listing

/// SplitMix64: a fixed seed gives the same document on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Name stems: ASCII, accents, CJK, Cyrillic, and the characters that need
/// percent-encoding (space, `%`, `+`, `#`, `&`, `'`).
const STEMS: &[&str] = &[
    "informe",
    "Café résumé",
    "100% fet",
    "a+b",
    "hash#1",
    "日本語のファイル",
    "Ünïcödé ñandú",
    "IMG_2024",
    "notes (còpia)",
    "Здравствуйте мир",
    "Tom & Jerry's",
    "l'àvia",
];

const EXTS: &[(&str, &str)] = &[
    ("txt", "text/plain"),
    ("odt", "application/vnd.oasis.opendocument.text"),
    ("md", "text/markdown"),
    ("pdf", "application/pdf"),
    ("jpg", "image/jpeg"),
    ("tar.gz", "application/gzip"),
];

/// One child of the listed folder.
struct Spec {
    name: String,
    is_dir: bool,
    size: u64,
    content_type: &'static str,
}

fn specs(n: usize) -> Vec<Spec> {
    let mut rng = Rng(0x00c0_ffee);
    (0..n)
        .map(|i| {
            let stem = STEMS[rng.below(STEMS.len() as u64) as usize];
            // A folder every tenth entry, like a real home folder.
            let is_dir = i % 10 == 0;
            let (ext, content_type) = EXTS[rng.below(EXTS.len() as u64) as usize];
            // Sizes spread over 1 B .. 1 GB.
            let digits = rng.below(10) as u32;
            let size = rng.below(10u64.pow(digits)) + 1;
            Spec {
                name: if is_dir {
                    format!("{stem} {i}")
                } else {
                    format!("{stem} {i}.{ext}")
                },
                is_dir,
                size,
                content_type,
            }
        })
        .collect()
}

/// What a parse must find: checked against what the child reports.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Summary {
    entries: u64,
    dirs: u64,
    file_bytes: u64,
    /// Order-independent hash of every decoded name.
    names: u64,
    checksums: u64,
    file_ids: u64,
}

impl Summary {
    fn add(&mut self, e: &FileEntry) {
        self.entries += 1;
        if e.path.is_empty() {
            return;
        }
        self.dirs += u64::from(e.is_dir);
        self.file_bytes += e.size.unwrap_or(0);
        self.names = self.names.wrapping_add(fnv(&e.rel_path()));
        self.checksums += e.checksums.len() as u64;
        self.file_ids += u64::from(e.file_id.is_some());
    }

    fn expected(specs: &[Spec]) -> Self {
        Summary {
            entries: specs.len() as u64 + 1,
            dirs: specs.iter().filter(|s| s.is_dir).count() as u64,
            file_bytes: specs.iter().filter(|s| !s.is_dir).map(|s| s.size).sum(),
            names: specs.iter().fold(0u64, |h, s| h.wrapping_add(fnv(&s.name))),
            checksums: specs.iter().filter(|s| !s.is_dir).count() as u64,
            file_ids: specs.len() as u64,
        }
    }

    fn to_line(self) -> String {
        format!(
            "entries={} dirs={} file_bytes={} names={} checksums={} file_ids={}",
            self.entries, self.dirs, self.file_bytes, self.names, self.checksums, self.file_ids
        )
    }

    fn from_map(m: &HashMap<String, u64>) -> Self {
        let g = |k: &str| m.get(k).copied().unwrap_or(u64::MAX);
        Summary {
            entries: g("entries"),
            dirs: g("dirs"),
            file_bytes: g("file_bytes"),
            names: g("names"),
            checksums: g("checksums"),
            file_ids: g("file_ids"),
        }
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Percent-encodes a name as sabre/dav (Nextcloud) does: lower-case hex,
/// everything but `A-Za-z0-9_-.~():@` encoded.
fn sabre_encode(name: &str, out: &mut String) {
    for &b in name.as_bytes() {
        if b.is_ascii_alphanumeric() || b"_-.~():@".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02x}");
        }
    }
}

fn http_date(rng: &mut Rng) -> String {
    let secs = 1_600_000_000 + rng.below(200_000_000);
    httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(secs))
}

/// Writes the whole document; returns its size in bytes.
fn write_document(path: &Path, specs: &[Spec]) -> Result<u64, BoxError> {
    let mut rng = Rng(0x5eed);
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let mut s = String::with_capacity(4096);
    s.push_str(concat!(
        "<?xml version=\"1.0\"?>\n<d:multistatus xmlns:d=\"DAV:\" ",
        "xmlns:s=\"http://sabredav.org/ns\" xmlns:oc=\"http://owncloud.org/ns\" ",
        "xmlns:nc=\"http://nextcloud.org/ns\">",
    ));
    // The folder itself first, as Nextcloud sends it.
    let total: u64 = specs.iter().map(|s| s.size).sum();
    let _ = write!(
        s,
        concat!(
            "<d:response><d:href>{NC_BASE_PATH}</d:href><d:propstat><d:prop>",
            "<d:getetag>&quot;{:013x}&quot;</d:getetag>",
            "<d:getlastmodified>{}</d:getlastmodified>",
            "<d:resourcetype><d:collection/></d:resourcetype><oc:fileid>10428</oc:fileid>",
            "<oc:id>00010428oc9o416dqkif</oc:id><oc:permissions>RGDNVCK</oc:permissions>",
            "<oc:size>{total}</oc:size><nc:mount-type></nc:mount-type>",
            "<nc:is-mount-root>false</nc:is-mount-root>",
            "<d:quota-available-bytes>-3</d:quota-available-bytes>",
            "<d:quota-used-bytes>{total}</d:quota-used-bytes>",
            "<nc:has-preview>false</nc:has-preview></d:prop>",
            "<d:status>HTTP/1.1 200 OK</d:status></d:propstat><d:propstat><d:prop>",
            "<d:getcontentlength/><d:getcontenttype/><oc:checksums/></d:prop>",
            "<d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>",
        ),
        rng.next() >> 12,
        http_date(&mut rng),
        NC_BASE_PATH = NC_BASE_PATH,
        total = total,
    );
    w.write_all(s.as_bytes())?;
    for (i, spec) in specs.iter().enumerate() {
        s.clear();
        let file_id = 10_429 + i as u64;
        s.push_str("<d:response><d:href>");
        s.push_str(NC_BASE_PATH);
        sabre_encode(&spec.name, &mut s);
        if spec.is_dir {
            // Some folders are shares mounted from another member.
            let (mount, root, perms) = if i % 500 == 0 {
                ("shared", "true", "SRGDNVCK")
            } else {
                ("", "false", "RGDNVCK")
            };
            let _ = write!(
                s,
                concat!(
                    "/</d:href><d:propstat><d:prop><d:getetag>&quot;{:013x}&quot;</d:getetag>",
                    "<d:getlastmodified>{}</d:getlastmodified>",
                    "<d:resourcetype><d:collection/></d:resourcetype>",
                    "<oc:fileid>{file_id}</oc:fileid><oc:id>{file_id:08}oc9o416dqkif</oc:id>",
                    "<oc:permissions>{perms}</oc:permissions><oc:size>{}</oc:size>",
                    "<nc:mount-type>{mount}</nc:mount-type>",
                    "<nc:is-mount-root>{root}</nc:is-mount-root>",
                    "<d:quota-available-bytes>-3</d:quota-available-bytes>",
                    "<d:quota-used-bytes>{}</d:quota-used-bytes>",
                    "<nc:has-preview>false</nc:has-preview></d:prop>",
                    "<d:status>HTTP/1.1 200 OK</d:status></d:propstat><d:propstat><d:prop>",
                    "<d:getcontentlength/><d:getcontenttype/><oc:checksums/></d:prop>",
                    "<d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>",
                ),
                rng.next() >> 12,
                http_date(&mut rng),
                spec.size,
                spec.size,
                file_id = file_id,
                perms = perms,
                mount = mount,
                root = root,
            );
        } else {
            let _ = write!(
                s,
                concat!(
                    "</d:href><d:propstat><d:prop><d:getetag>&quot;{:016x}{:016x}&quot;</d:getetag>",
                    "<d:getlastmodified>{}</d:getlastmodified>",
                    "<d:getcontentlength>{}</d:getcontentlength><d:resourcetype/>",
                    "<d:getcontenttype>{}</d:getcontenttype><oc:fileid>{file_id}</oc:fileid>",
                    "<oc:id>{file_id:08}oc9o416dqkif</oc:id><oc:permissions>RGDNVW</oc:permissions>",
                    "<oc:checksums>",
                    "<oc:checksum>SHA1:{:016x}{:016x}{:08x}</oc:checksum></oc:checksums>",
                    "<oc:size>{}</oc:size><nc:mount-type></nc:mount-type>",
                    "<nc:is-mount-root>false</nc:is-mount-root><nc:has-preview>{}</nc:has-preview>",
                    "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat><d:propstat><d:prop>",
                    "<d:quota-available-bytes/><d:quota-used-bytes/></d:prop>",
                    "<d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>",
                ),
                rng.next(),
                rng.next(),
                http_date(&mut rng),
                spec.size,
                spec.content_type,
                rng.next(),
                rng.next(),
                rng.next() >> 32,
                spec.size,
                spec.content_type.starts_with("image/") || spec.content_type == "text/plain",
                file_id = file_id,
            );
        }
        w.write_all(s.as_bytes())?;
    }
    w.write_all(b"</d:multistatus>\n")?;
    w.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Creates the children as files (sparse, with their sizes) and folders
/// below `dir`.
fn create_tree(dir: &Path, specs: &[Spec]) -> Result<(), BoxError> {
    std::fs::create_dir_all(dir)?;
    for s in specs {
        let p = dir.join(&s.name);
        if s.is_dir {
            std::fs::create_dir(&p)?;
        } else {
            std::fs::File::create(&p)?.set_len(s.size)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The child: one measured run

/// `--child idle`, `--child parse <file> count|collect`,
/// `--child list <url> count|collect` (credentials in `CC_BENCH_USER`,
/// `CC_BENCH_PASS`). Prints one `RESULT key=value ...` line.
/// `--child write <file> <entries>` only writes the document (to profile
/// the parse by hand).
fn child(args: &[String]) -> Result<(), BoxError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let mode = args.first().map(String::as_str).unwrap_or("idle");
    let collect = args.get(2).map(String::as_str) == Some("collect");
    let started = Instant::now();
    let (summary, kept) = match mode {
        "idle" => rt.block_on(async { (Summary::default(), 0) }),
        "parse" => rt.block_on(parse_file(Path::new(&args[1]), collect))?,
        "list" => rt.block_on(list_url(&Url::parse(&args[1])?, collect))?,
        "write" => {
            // For profiling: `--child write <file> <entries>` keeps the document.
            let n = args.get(2).ok_or("entries?")?.parse()?;
            let bytes = write_document(Path::new(&args[1]), &specs(n))?;
            println!("wrote {bytes} bytes");
            return Ok(());
        }
        other => return Err(format!("unknown child mode {other:?}").into()),
    };
    let nanos = started.elapsed().as_nanos();
    // A high-water mark: it counts the kept entries, dropped by now.
    let hwm = vm_hwm_kb()?;
    println!(
        "RESULT {} nanos={nanos} vmhwm_kb={hwm} kept={kept}",
        summary.to_line()
    );
    Ok(())
}

fn vm_hwm_kb() -> Result<u64, BoxError> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .ok_or("no VmHWM in /proc/self/status")?;
    Ok(line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()?)
}

/// What `DavClient::read_multistatus` and `DavClient::list` do with one
/// `<response>`: resolve and check each href, build the `Resource`, refuse
/// a non-2xx entry, make the `FileEntry`.
fn entries_of(
    resolver: &href::Resolver,
    raw: RawResponse,
    mut on_entry: impl FnMut(FileEntry),
) -> Result<(), BoxError> {
    let mut hrefs = Vec::with_capacity(raw.hrefs.len());
    for h in &raw.hrefs {
        hrefs.push(resolver.resolve(h)?);
    }
    let last = hrefs.len() - 1;
    let (mut propstats, mut error) = (Some(raw.propstats), raw.error);
    for (i, h) in hrefs.into_iter().enumerate() {
        let r = if i == last {
            Resource::new(
                h,
                raw.status,
                propstats.take().unwrap_or_default(),
                error.take(),
            )
        } else {
            Resource::new(h, raw.status, Vec::new(), None)
        };
        if let Some(status) = r.status.filter(|s| !(200..300).contains(s)) {
            return Err(format!("listing entry with status {status}").into());
        }
        on_entry(FileEntry::from_resource(&r));
    }
    Ok(())
}

async fn parse_file(path: &Path, collect: bool) -> Result<(Summary, usize), BoxError> {
    let base = Url::parse(NC_BASE)?;
    let resolver = href::Resolver::new(&base)?;
    let file = tokio::fs::File::open(path).await?;
    let body = tokio::io::BufReader::with_capacity(64 * 1024, file);
    // As `DavClient::read_multistatus` does: the parser on its own task.
    let (mut responses, parser) = cc_dav::client::spawn_parser(body, Limits::default());
    let mut summary = Summary::default();
    let mut kept = Vec::new();
    while let Some(raw) = responses.recv().await {
        let raw = raw?;
        entries_of(&resolver, raw, |e| {
            summary.add(&e);
            if collect {
                kept.push(e);
            }
        })?;
    }
    parser.await?;
    Ok((summary, std::hint::black_box(kept).len()))
}

async fn list_url(url: &Url, collect: bool) -> Result<(Summary, usize), BoxError> {
    let credentials = Credentials {
        user: std::env::var("CC_BENCH_USER")?,
        password: std::env::var("CC_BENCH_PASS")?,
    };
    let client = DavClient::new(ClientConfig::default(), Some(credentials))?;
    let mut summary = Summary::default();
    let mut kept = Vec::new();
    client
        .list(url, Depth::One, |e| {
            summary.add(&e);
            if collect {
                kept.push(e);
            }
            Ok(())
        })
        .await?;
    Ok((summary, std::hint::black_box(kept).len()))
}

// ---------------------------------------------------------------------------
// The parent: runs, measures, prints

/// One measured process run.
struct Run {
    /// Wall time of the whole process, start to exit.
    process: Duration,
    /// Peak RSS of the process (`ru_maxrss`, from `/usr/bin/time`), KiB.
    maxrss_kb: u64,
    /// The child's `RESULT` fields (our runs only).
    result: HashMap<String, u64>,
    stdout: String,
}

impl Run {
    /// Time of the work alone, as the child measured it.
    fn work(&self) -> Duration {
        Duration::from_nanos(self.result.get("nanos").copied().unwrap_or(0))
    }
}

/// Runs `program args` under `/usr/bin/time`, checking its exit status.
fn measure(
    scratch: &Path,
    program: &Path,
    args: &[&str],
    envs: &[(String, String)],
) -> Result<Run, BoxError> {
    let time_out = scratch.join("time.out");
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&time_out)
        .arg(program)
        .args(args)
        .stdin(Stdio::null());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let out = cmd.output()?;
    let process = started.elapsed();
    if !out.status.success() {
        return Err(format!(
            "{} {args:?} failed ({}): {}",
            program.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let maxrss_kb = std::fs::read_to_string(&time_out)?
        .lines()
        .last()
        .ok_or("empty /usr/bin/time output")?
        .trim()
        .parse()?;
    let stdout = String::from_utf8(out.stdout)?;
    let mut result = HashMap::new();
    if let Some(line) = stdout.lines().find_map(|l| l.strip_prefix("RESULT ")) {
        for kv in line.split_whitespace() {
            if let Some((k, v)) = kv.split_once('=') {
                result.insert(k.to_owned(), v.parse()?);
            }
        }
    }
    Ok(Run {
        process,
        maxrss_kb,
        result,
        stdout,
    })
}

fn ours(scratch: &Path, args: &[&str], envs: &[(String, String)]) -> Result<Run, BoxError> {
    let exe = std::env::current_exe()?;
    let mut all = vec!["--child"];
    all.extend_from_slice(args);
    measure(scratch, &exe, &all, envs)
}

fn check(what: &str, run: &Run, expected: Summary, full_props: bool) -> Result<(), BoxError> {
    let mut got = Summary::from_map(&run.result);
    let mut expected = expected;
    if !full_props {
        // Apache has no oc:checksums nor oc:fileid.
        got.checksums = 0;
        got.file_ids = 0;
        expected.checksums = 0;
        expected.file_ids = 0;
    }
    if got != expected {
        return Err(format!("{what}: expected {expected:?}, got {got:?}").into());
    }
    Ok(())
}

/// Best and median.
fn stats(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[0], v[v.len() / 2])
}

fn ms(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1000.0)
}

fn mb(kb: u64) -> String {
    format!("{:.1}", kb as f64 / 1024.0)
}

struct Row {
    what: String,
    n: usize,
    work: Option<(Duration, Duration)>,
    process: (Duration, Duration),
    rss_kb: u64,
}

fn row(what: impl Into<String>, n: usize, runs: &[Run], with_work: bool) -> Row {
    Row {
        what: what.into(),
        n,
        work: with_work.then(|| stats(runs.iter().map(Run::work).collect())),
        process: stats(runs.iter().map(|r| r.process).collect()),
        rss_kb: runs.iter().map(|r| r.maxrss_kb).max().unwrap_or(0),
    }
}

fn print_table(rows: &[Row]) {
    println!();
    println!(
        "| {:<44} | {:>7} | {:>16} | {:>19} | {:>13} |",
        "run", "entries", "work ms best/med", "process ms best/med", "peak RSS (MB)"
    );
    println!(
        "|{}|{}:|{}:|{}:|{}:|",
        "-".repeat(46),
        "-".repeat(8),
        "-".repeat(17),
        "-".repeat(20),
        "-".repeat(14)
    );
    for r in rows {
        let work = r
            .work
            .map(|(b, m)| format!("{} / {}", ms(b), ms(m)))
            .unwrap_or_else(|| "–".into());
        println!(
            "| {:<44} | {:>7} | {:>16} | {:>19} | {:>13} |",
            r.what,
            r.n,
            work,
            format!("{} / {}", ms(r.process.0), ms(r.process.1)),
            mb(r.rss_kb)
        );
    }
    println!();
}

fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| {
            let s = String::from_utf8_lossy(&o.stdout).into_owned();
            s.lines().next().map(str::to_owned)
        })
        .unwrap_or_else(|| format!("{program}: not found"))
}

/// Bytes Apache sent for the requests logged since `from` (access log
/// `%b`), and the new end of the log.
fn logged_bytes(log: &Path, from: usize) -> Result<(u64, usize), BoxError> {
    let text = std::fs::read_to_string(log)?;
    let bytes = text[from..]
        .lines()
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    Ok((bytes, text.len()))
}

/// The programs the bench runs, and the Debian package of each.
const TOOLS: &[(&str, &str)] = &[
    ("/usr/bin/time", "time"),
    ("/usr/sbin/apache2", "apache2 apache2-utils"),
    ("rclone", "rclone"),
    ("curl", "curl"),
];

fn bench(n: usize, runs: usize) -> Result<(), BoxError> {
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
    let cpu = std::fs::read_to_string("/proc/cpuinfo")?
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|s| s.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_default();
    println!(
        "machine: {} CPUs ({cpu}); {}; {}",
        std::thread::available_parallelism()?,
        first_line("rclone", &["version"]),
        first_line("/usr/sbin/apache2", &["-v"]),
    );
    println!("entries: {n} children + the folder itself; {runs} runs of each");
    let scratch = tempfile::Builder::new().prefix("cc-bench-").tempdir()?;
    let specs = specs(n);
    let expected = Summary::expected(&specs);
    let mut rows = Vec::new();

    // 1. Parsing a Nextcloud-shaped document from disk.
    let doc = scratch.path().join("multistatus.xml");
    let t = Instant::now();
    let doc_bytes = write_document(&doc, &specs)?;
    println!(
        "document: {} ({:.1} MB) written in {} ms",
        doc.display(),
        doc_bytes as f64 / 1e6,
        ms(t.elapsed())
    );
    let doc_arg = doc.to_str().ok_or("non-UTF-8 temp path")?;
    let idle: Vec<Run> = (0..runs)
        .map(|_| ours(scratch.path(), &["idle"], &[]))
        .collect::<Result<_, _>>()?;
    let mut parse = Vec::new();
    let mut parse_kept = Vec::new();
    for _ in 0..runs {
        let r = ours(scratch.path(), &["parse", doc_arg, "count"], &[])?;
        check("parse", &r, expected, true)?;
        parse.push(r);
        let r = ours(scratch.path(), &["parse", doc_arg, "collect"], &[])?;
        check("parse (collect)", &r, expected, true)?;
        parse_kept.push(r);
    }
    rows.push(row("cc-dav: idle child (runtime only)", 0, &idle, false));
    rows.push(row(
        "cc-dav: parse file, count entries",
        n + 1,
        &parse,
        true,
    ));
    rows.push(row(
        "cc-dav: parse file, keep Vec<FileEntry>",
        n + 1,
        &parse_kept,
        true,
    ));
    println!(
        "parse: VmHWM of the children {} KiB (count), {} KiB (keep)",
        parse
            .iter()
            .map(|r| r.result["vmhwm_kb"])
            .max()
            .unwrap_or(0),
        parse_kept
            .iter()
            .map(|r| r.result["vmhwm_kb"])
            .max()
            .unwrap_or(0),
    );
    drop(std::fs::remove_file(&doc));

    // 2. The same listing from a real Apache, ours against rclone.
    let server = Server::start(Kind::Apache);
    let data = server.root().join("data");
    let t = Instant::now();
    create_tree(&data.join("big"), &specs)?;
    std::fs::create_dir_all(data.join("empty"))?;
    println!(
        "apache: {} entries created in {} ms below {}",
        n,
        ms(t.elapsed()),
        data.display()
    );
    // Files younger than a second get weak ETags on Apache.
    std::thread::sleep(Duration::from_millis(1100));
    let big = format!("{}big/", server.files_url());
    let empty = format!("{}empty/", server.files_url());
    let envs = vec![
        ("CC_BENCH_USER".to_owned(), server.user().to_owned()),
        ("CC_BENCH_PASS".to_owned(), server.password().to_owned()),
    ];
    let obscured = Command::new("rclone")
        .args(["obscure", server.password()])
        .output()?;
    let obscured = String::from_utf8(obscured.stdout)?.trim().to_owned();
    let rclone_conf = scratch.path().join("rclone.conf");
    std::fs::write(&rclone_conf, "")?;
    let rclone_env = |url: &str| {
        vec![
            (
                format!("RCLONE_CONFIG_{RCLONE_REMOTE}_TYPE"),
                "webdav".to_owned(),
            ),
            (format!("RCLONE_CONFIG_{RCLONE_REMOTE}_URL"), url.to_owned()),
            (
                format!("RCLONE_CONFIG_{RCLONE_REMOTE}_VENDOR"),
                "other".to_owned(),
            ),
            (
                format!("RCLONE_CONFIG_{RCLONE_REMOTE}_USER"),
                server.user().to_owned(),
            ),
            (
                format!("RCLONE_CONFIG_{RCLONE_REMOTE}_PASS"),
                obscured.clone(),
            ),
        ]
    };
    let remote = format!("{}:", RCLONE_REMOTE.to_ascii_lowercase());
    let conf_arg = rclone_conf.to_str().ok_or("non-UTF-8 temp path")?;
    let rclone_args = ["lsjson", remote.as_str(), "--config", conf_arg];
    let rclone = PathBuf::from("rclone");
    let count_rclone = |r: &Run| r.stdout.lines().filter(|l| l.contains("\"Path\":")).count();

    // Warm-up (directory cache, Apache threads), checked.
    let warm = ours(scratch.path(), &["list", &big, "count"], &envs)?;
    check("list over HTTP", &warm, expected, false)?;
    let warm = measure(scratch.path(), &rclone, &rclone_args, &rclone_env(&big))?;
    if count_rclone(&warm) != n {
        return Err(format!(
            "rclone lsjson listed {} entries, not {n}",
            count_rclone(&warm)
        )
        .into());
    }

    let log = server.root().join("logs/access.log");
    let (_, mut log_end) = logged_bytes(&log, 0)?;
    let (mut our_bytes, mut rclone_bytes) = (0, 0);
    let (mut list, mut list_kept, mut rc) = (Vec::new(), Vec::new(), Vec::new());
    // The floor of any client: the same request as ours, body to /dev/null.
    let propfind = cc_dav::xml::propfind_body(cc_dav::files::FILE_PROPS);
    let user_pass = format!("{}:{}", server.user(), server.password());
    let curl_args = [
        "-sS",
        "-f",
        "-o",
        "/dev/null",
        "-u",
        user_pass.as_str(),
        "-X",
        "PROPFIND",
        "-H",
        "Depth: 1",
        "-H",
        "Content-Type: application/xml; charset=utf-8",
        "--data-binary",
        propfind.as_str(),
        big.as_str(),
    ];
    let curl = PathBuf::from("curl");
    let mut floor = Vec::new();
    for _ in 0..runs {
        floor.push(measure(scratch.path(), &curl, &curl_args, &[])?);
        (_, log_end) = logged_bytes(&log, log_end)?;
        let r = ours(scratch.path(), &["list", &big, "count"], &envs)?;
        check("list over HTTP", &r, expected, false)?;
        (our_bytes, log_end) = logged_bytes(&log, log_end)?;
        list.push(r);
        let r = ours(scratch.path(), &["list", &big, "collect"], &envs)?;
        check("list over HTTP (collect)", &r, expected, false)?;
        (_, log_end) = logged_bytes(&log, log_end)?;
        list_kept.push(r);
        let r = measure(scratch.path(), &rclone, &rclone_args, &rclone_env(&big))?;
        if count_rclone(&r) != n {
            return Err(
                format!("rclone lsjson listed {} entries, not {n}", count_rclone(&r)).into(),
            );
        }
        (rclone_bytes, log_end) = logged_bytes(&log, log_end)?;
        rc.push(r);
    }
    let empty_ours: Vec<Run> = (0..runs)
        .map(|_| ours(scratch.path(), &["list", &empty, "count"], &envs))
        .collect::<Result<_, _>>()?;
    let empty_rclone: Vec<Run> = (0..runs)
        .map(|_| measure(scratch.path(), &rclone, &rclone_args, &rclone_env(&empty)))
        .collect::<Result<_, _>>()?;
    rows.push(row(
        "cc-dav: list empty folder (Apache)",
        1,
        &empty_ours,
        true,
    ));
    rows.push(row(
        "rclone lsjson: empty folder (Apache)",
        0,
        &empty_rclone,
        false,
    ));
    rows.push(row(
        "cc-dav: DavClient::list, count (Apache)",
        n + 1,
        &list,
        true,
    ));
    rows.push(row(
        "cc-dav: DavClient::list, keep Vec (Apache)",
        n + 1,
        &list_kept,
        true,
    ));
    rows.push(row("rclone lsjson (Apache)", n, &rc, false));
    rows.push(row(
        "curl PROPFIND > /dev/null (server floor)",
        n + 1,
        &floor,
        false,
    ));
    println!(
        "apache: response bytes per listing (access log): cc-dav {:.2} MB, rclone {:.2} MB",
        our_bytes as f64 / 1e6,
        rclone_bytes as f64 / 1e6
    );
    print_table(&rows);
    Ok(())
}
