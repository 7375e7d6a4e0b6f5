//! Calendars and contacts against vdirsyncer and khal, side by side in one
//! run, on a real Radicale started by the harness.
//!
//! ```sh
//! cargo build --release -p cc-cli
//! cargo bench -p cc-pim --bench pim
//! ```
//!
//! 1. *events*: 2,000 events (200 of them weekly series) in one calendar:
//!    the first sync into an empty state, then a no-change sync, by the
//!    real `commonscloud pim sync --once` and by `vdirsyncer sync` (PyPI, in
//!    `target/bench-venv`, made on first use), each its own process under
//!    `/usr/bin/time` (wall, peak RSS).
//! 2. *month*: 5,000 events (200 weekly series): the occurrences of a month
//!    computed in-process from the state file (`cc_pim::store::agenda`, the
//!    query the app's month view makes), and `commonscloud agenda --days 31`
//!    against `khal list` over vdirsyncer's copy of the same calendar (khal's
//!    second run, once its own cache is built).
//! 3. *contacts*: 10,000 contacts (names from 40 Catalan and Spanish first
//!    names and 40 surnames, e-mails at 12 cooperatives' domains, mobile
//!    numbers): the first sync by both tools, then 200 searches typed
//!    letter by letter (every prefix of two characters and more of a name,
//!    a surname, an e-mail or a phone number) in-process, 50th and 95th
//!    percentile.
//!
//! 4. *large*: 50,000 contacts, ours only: the first sync and a no-change
//!    sync, for the peak RSS.
//!
//! Knobs: `CC_BENCH_ONLY=events,month,contacts,large`, `CC_BENCH_ROUNDS` (3),
//! `CC_BENCH_CLI` (our binary). Without `--bench`: a smoke run with small
//! sizes and one round.
#![allow(clippy::print_stdout, reason = "a bench binary reports on stdout")]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cc_harness::servers::{Kind, Server};

type BoxError = Box<dyn std::error::Error>;

struct Run {
    wall: Duration,
    rss_kb: u64,
}

/// `program args` under `/usr/bin/time`; fails unless it exits 0.
fn measure(cmd: Command) -> Result<Run, BoxError> {
    let out_file = tempfile::NamedTempFile::new()?;
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(out_file.path())
        .arg(cmd.get_program());
    timed.args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => timed.env(k, v),
            None => timed.env_remove(k),
        };
    }
    if let Some(d) = cmd.get_current_dir() {
        timed.current_dir(d);
    }
    let start = Instant::now();
    let out = timed.stdin(Stdio::null()).output()?;
    let wall = start.elapsed();
    if !out.status.success() {
        return Err(format!(
            "{:?} failed: {}{}",
            cmd.get_program(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let rss_kb = std::fs::read_to_string(out_file.path())?
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    Ok(Run { wall, rss_kb })
}

/// The Python venv with vdirsyncer and khal.
fn venv() -> Result<PathBuf, BoxError> {
    let v = cc_harness::workspace_root().join("target/bench-venv");
    if !v.join("bin/vdirsyncer").exists() || !v.join("bin/khal").exists() {
        println!("making {} (vdirsyncer, khal from PyPI)", v.display());
        let ok = Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg(&v)
            .status()?
            .success()
            && Command::new(v.join("bin/pip"))
                .args(["install", "-q", "vdirsyncer", "khal"])
                .status()?
                .success();
        if !ok {
            return Err("cannot make the vdirsyncer/khal venv".into());
        }
    }
    Ok(v)
}

fn event(i: usize, recurring: bool) -> String {
    let day = 1 + (i % 28);
    let hour = 8 + (i % 10);
    let rrule = if recurring {
        "RRULE:FREQ=WEEKLY;COUNT=52\r\n"
    } else {
        ""
    };
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\nUID:ev-{i}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Europe/Madrid:202612{day:02}T{hour:02}0000\r\nDTEND;TZID=Europe/Madrid:202612{day:02}T{hour:02}3000\r\n{rrule}SUMMARY:Event {i}\r\nLOCATION:Room {}\r\nDESCRIPTION:Something to talk about, number {i}, with a line long enough to be folded by a client that folds\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        i % 7
    )
}

const FIRST: &[&str] = &[
    "Núria",
    "Jordi",
    "Montserrat",
    "Joan",
    "Maria",
    "Josep",
    "Laia",
    "Marc",
    "Anna",
    "Pau",
    "Marta",
    "Oriol",
    "Carme",
    "Xavier",
    "Júlia",
    "Albert",
    "Mercè",
    "Arnau",
    "Rosa",
    "Sergi",
    "Elena",
    "David",
    "Cristina",
    "Àlex",
    "Paula",
    "Javier",
    "Lucía",
    "Manuel",
    "Carmen",
    "Pablo",
    "Isabel",
    "Miguel",
    "Sofía",
    "Antonio",
    "Raquel",
    "Héctor",
    "Aina",
    "Pol",
    "Clara",
    "Gerard",
];
const LAST: &[&str] = &[
    "Puig",
    "Vila",
    "Serra",
    "Soler",
    "Ferrer",
    "Font",
    "Roca",
    "Pujol",
    "Sala",
    "Costa",
    "Martí",
    "Vidal",
    "Torres",
    "Mas",
    "Casals",
    "Riera",
    "Bosch",
    "Camps",
    "Coll",
    "Prat",
    "García",
    "Martínez",
    "López",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Ruiz",
    "Díaz",
    "Moreno",
    "Muñoz",
    "Giménez",
    "Navarro",
    "Ramos",
    "Blanco",
    "Castro",
    "Ortega",
    "Rubio",
    "Molina",
    "Delgado",
    "Marín",
];
const ORGS: &[&str] = &[
    "Som Energia",
    "Coop57",
    "La Ciutat Invisible",
    "Opcions",
    "Ecotxe",
    "Som Mobilitat",
    "Abacus",
    "Suara",
    "La Fageda",
    "Fiare",
    "Teixidores",
    "Sinergia",
];

/// A contact with a plausible name, e-mail, phone and organisation.
fn contact(i: usize) -> String {
    let h = |k: usize| (i.wrapping_mul(2_654_435_761).wrapping_add(k * 40_503)) >> 7;
    let first = FIRST[h(1) % FIRST.len()];
    let last1 = LAST[h(2) % LAST.len()];
    let last2 = LAST[h(3) % LAST.len()];
    let org = ORGS[h(4) % ORGS.len()];
    let ascii = |s: &str| -> String {
        s.to_lowercase()
            .chars()
            .map(|c| match c {
                'à' | 'á' => 'a',
                'è' | 'é' => 'e',
                'í' | 'ï' => 'i',
                'ò' | 'ó' => 'o',
                'ú' | 'ü' => 'u',
                'ñ' => 'n',
                'ç' => 'c',
                c => c,
            })
            .collect()
    };
    let domain = ascii(&org.replace(' ', ""));
    format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ct-{i}\r\nFN:{first} {last1} {last2}\r\nN:{last1} {last2};{first};;;\r\nEMAIL;TYPE=work:{}.{}{}@{domain}.coop\r\nTEL;TYPE=cell:+34 6{:02} {:03} {:03}\r\nORG:{org}\r\nEND:VCARD\r\n",
        ascii(first),
        ascii(last1),
        i % 100,
        h(5) % 100,
        h(6) % 1000,
        h(7) % 1000,
    )
}

/// Puts `items` straight into Radicale's storage folder of the collection
/// made at `url` (as a restored backup would; Radicale reads its folder on
/// each request): PUTs of thousands of items take minutes on Radicale.
fn fill(server: &Server, url: &url::Url, items: Vec<(String, String)>) -> Result<(), BoxError> {
    let dir = server
        .root()
        .join("collections/collection-root")
        .join(url.path().trim_matches('/'));
    if !dir.join(".Radicale.props").exists() {
        return Err(format!("no Radicale collection at {}", dir.display()).into());
    }
    for (name, data) in items {
        std::fs::write(dir.join(name), data)?;
    }
    Ok(())
}

struct Bench {
    cli: PathBuf,
    venv: PathBuf,
    scratch: tempfile::TempDir,
    rounds: usize,
    rows: Vec<(String, String, Vec<Run>)>,
}

impl Bench {
    fn ours(&self, server: &Server, state: &Path) -> Command {
        let mut c = Command::new(&self.cli);
        c.arg("--state")
            .arg(state)
            .args([
                "pim",
                "sync",
                "--once",
                "--server",
                &server.base_url(),
                "--user",
                server.user(),
            ])
            .env("COMMONSCLOUD_PASSWORD", server.password())
            .envs(cc_harness::home_env(&self.scratch.path().join("home")));
        c
    }

    /// A vdirsyncer configuration for the server's calendars or address
    /// books into `dir`; discovered (not timed).
    fn vdirsyncer_config(
        &self,
        server: &Server,
        dir: &Path,
        kind: &str,
    ) -> Result<PathBuf, BoxError> {
        std::fs::create_dir_all(dir)?;
        let (ty, ext) = if kind == "calendar" {
            ("caldav", ".ics")
        } else {
            ("carddav", ".vcf")
        };
        let home = if kind == "calendar" {
            server.calendar_home_url()
        } else {
            server.addressbook_home_url()
        };
        let config = dir.join("config");
        std::fs::write(
            &config,
            format!(
                "[general]\nstatus_path = \"{d}/status/\"\n\n[pair bench]\na = \"remote\"\nb = \"local\"\ncollections = [\"from a\"]\n\n[storage remote]\ntype = \"{ty}\"\nurl = \"{home}\"\nusername = \"{u}\"\npassword = \"{p}\"\n\n[storage local]\ntype = \"filesystem\"\npath = \"{d}/items/\"\nfileext = \"{ext}\"\n",
                d = dir.display(),
                u = server.user(),
                p = server.password(),
            ),
        )?;
        // It asks before making the local folders: yes.
        let mut child = Command::new(self.venv.join("bin/vdirsyncer"))
            .arg("-c")
            .arg(&config)
            .args(["discover", "bench"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            let _ = stdin.write_all("y\n".repeat(20).as_bytes());
        }
        let out = child.wait_with_output()?;
        if !out.status.success() {
            return Err(format!(
                "vdirsyncer discover: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(config)
    }

    fn vdirsyncer(&self, config: &Path) -> Command {
        let mut c = Command::new(self.venv.join("bin/vdirsyncer"));
        c.arg("-c").arg(config).args(["sync", "bench"]);
        c
    }

    fn row(&mut self, what: &str, tool: &str, runs: Vec<Run>) {
        self.rows.push((what.to_owned(), tool.to_owned(), runs));
    }

    fn sync_race(&mut self, what: &str, server: &Server, kind: &str) -> Result<(), BoxError> {
        let (mut first, mut again) = (Vec::new(), Vec::new());
        for round in 0..self.rounds {
            let state = self.scratch.path().join(format!("{what}-{round}.sqlite3"));
            first.push(measure(self.ours(server, &state))?);
            again.push(measure(self.ours(server, &state))?);
        }
        self.row(&format!("{what}: first sync"), "commonscloud", first);
        self.row(&format!("{what}: no-change sync"), "commonscloud", again);
        let (mut first, mut again) = (Vec::new(), Vec::new());
        for round in 0..self.rounds {
            let dir = self.scratch.path().join(format!("vdir-{what}-{round}"));
            let config = self.vdirsyncer_config(server, &dir, kind)?;
            first.push(measure(self.vdirsyncer(&config))?);
            again.push(measure(self.vdirsyncer(&config))?);
        }
        self.row(&format!("{what}: first sync"), "vdirsyncer", first);
        self.row(&format!("{what}: no-change sync"), "vdirsyncer", again);
        Ok(())
    }

    fn table(&self) {
        println!();
        println!("| what | tool | wall (median) | best | peak RSS |");
        println!("|---|---|---:|---:|---:|");
        for (what, tool, runs) in &self.rows {
            let mut w: Vec<Duration> = runs.iter().map(|r| r.wall).collect();
            w.sort();
            let rss = runs.iter().map(|r| r.rss_kb).max().unwrap_or(0);
            println!(
                "| {what} | {tool} | {:.3} s | {:.3} s | {:.0} MB |",
                w[w.len() / 2].as_secs_f64(),
                w[0].as_secs_f64(),
                rss as f64 / 1024.0
            );
        }
    }
}

fn percentile(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn main() -> Result<(), BoxError> {
    let full = std::env::args().any(|a| a == "--bench");
    let only =
        std::env::var("CC_BENCH_ONLY").unwrap_or_else(|_| "events,month,contacts,large".into());
    let runs = |s: &str| only.split(',').any(|o| o == s);
    let rounds = std::env::var("CC_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(if full { 3 } else { 1 });
    let (n_events, n_month, n_contacts) = if full {
        (2_000, 5_000, 10_000)
    } else {
        (100, 200, 300)
    };
    let n_large = if full { 50_000 } else { 500 };
    let cli = std::env::var_os("CC_BENCH_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| cc_harness::workspace_root().join("target/release/commonscloud"));
    if !cli.exists() {
        return Err(format!("{} missing: cargo build --release -p cc-cli", cli.display()).into());
    }
    let mut b = Bench {
        cli,
        venv: venv()?,
        scratch: tempfile::tempdir()?,
        rounds,
        rows: Vec::new(),
    };
    println!(
        "vdirsyncer {}, khal {}",
        first_line(&b.venv.join("bin/vdirsyncer"), &["--version"]),
        first_line(&b.venv.join("bin/khal"), &["--version"])
    );
    let rt = tokio::runtime::Runtime::new()?;

    if runs("events") {
        let server = Server::start(Kind::Radicale);
        let cal = url::Url::parse(&server.calendar_home_url())?.join("bench/")?;
        let client = server.dav_client();
        rt.block_on(client.mkcalendar(&cal, "Bench", &["VEVENT"], None))?;
        fill(
            &server,
            &cal,
            (0..n_events)
                .map(|i| (format!("ev-{i}.ics"), event(i, i % 10 == 0)))
                .collect(),
        )?;
        b.sync_race(&format!("{n_events} events"), &server, "calendar")?;
    }

    if runs("month") {
        let server = Server::start(Kind::Radicale);
        let cal = url::Url::parse(&server.calendar_home_url())?.join("month/")?;
        let client = server.dav_client();
        rt.block_on(client.mkcalendar(&cal, "Month", &["VEVENT"], None))?;
        fill(
            &server,
            &cal,
            (0..n_month)
                .map(|i| (format!("ev-{i}.ics"), event(i, i % 25 == 0)))
                .collect(),
        )?;
        let state = b.scratch.path().join("month.sqlite3");
        measure(b.ours(&server, &state))?;
        // In-process: the month view's query.
        let st = cc_store::Store::open(&state)?;
        let tz = cc_pim::index::local_time_zone();
        use chrono::TimeZone;
        let from = tz
            .with_ymd_and_hms(2026, 12, 1, 0, 0, 0)
            .earliest()
            .unwrap()
            .timestamp();
        let to = tz
            .with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
            .earliest()
            .unwrap()
            .timestamp();
        let mut times = Vec::new();
        let mut count = 0;
        for _ in 0..50 {
            let t = Instant::now();
            count = cc_pim::store::agenda(st.connection(), from, to)?.len();
            times.push(t.elapsed());
        }
        let p50 = percentile(&mut times, 0.5);
        let p95 = percentile(&mut times, 0.95);
        println!(
            "month view (December 2026, {count} occurrences of {n_month} events): median {:.2} ms, p95 {:.2} ms",
            p50.as_secs_f64() * 1e3,
            p95.as_secs_f64() * 1e3
        );
        // The same agenda from the command line, and through khal.
        let mut ours = Vec::new();
        for _ in 0..b.rounds {
            let mut c = Command::new(&b.cli);
            c.arg("--state")
                .arg(&state)
                .args(["agenda", "--from", "2026-12-01", "--days", "31"]);
            ours.push(measure(c)?);
        }
        b.row(
            &format!("month of {n_month} events: agenda"),
            "commonscloud agenda",
            ours,
        );
        let dir = b.scratch.path().join("vdir-month");
        let config = b.vdirsyncer_config(&server, &dir, "calendar")?;
        measure(b.vdirsyncer(&config))?;
        let khal_conf = dir.join("khal.conf");
        std::fs::write(
            &khal_conf,
            format!(
                "[calendars]\n[[month]]\npath = {}/items/month/\n\n[locale]\ntimeformat = %H:%M\ndateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\ndatetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\nlocal_timezone = Europe/Madrid\ndefault_timezone = Europe/Madrid\n\n[sqlite]\npath = {}/khal.db\n",
                dir.display(),
                dir.display()
            ),
        )?;
        let khal = |_: usize| {
            let mut c = Command::new(b.venv.join("bin/khal"));
            c.arg("-c")
                .arg(&khal_conf)
                .args(["list", "2026-12-01", "31d"]);
            c
        };
        measure(khal(0))?; // builds its cache
        let mut theirs = Vec::new();
        for r in 0..b.rounds {
            theirs.push(measure(khal(r))?);
        }
        b.row(
            &format!("month of {n_month} events: agenda"),
            "khal list",
            theirs,
        );
    }

    if runs("contacts") {
        let server = Server::start(Kind::Radicale);
        let book = url::Url::parse(&server.addressbook_home_url())?.join("people/")?;
        let client = server.dav_client();
        rt.block_on(client.mkaddressbook(&book, "People"))?;
        fill(
            &server,
            &book,
            (0..n_contacts)
                .map(|i| (format!("ct-{i}.vcf"), contact(i)))
                .collect(),
        )?;
        b.sync_race(&format!("{n_contacts} contacts"), &server, "addressbook")?;
        let st = cc_store::Store::open(
            b.scratch
                .path()
                .join(format!("{n_contacts} contacts-0.sqlite3")),
        )?;
        let mut times = Vec::new();
        let mut rng = 0x5eedu64;
        for q in 0..200 {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = (rng >> 33) as usize % n_contacts;
            // What a member types: part of a name, of a surname, of an
            // e-mail, or of a phone number, of a contact that exists.
            let card = contact(i);
            let field = |p: &str| {
                card.lines()
                    .find_map(|l| {
                        l.split_once(':')
                            .filter(|(k, _)| k.starts_with(p))
                            .map(|(_, v)| v.trim().to_owned())
                    })
                    .unwrap_or_default()
            };
            let fname = field("FN");
            let full = match q % 4 {
                0 => fname.clone(),
                1 => fname.split(' ').nth(1).unwrap_or("").to_owned(),
                2 => field("EMAIL"),
                _ => field("TEL")
                    .replace(' ', "")
                    .trim_start_matches("+34")
                    .to_owned(),
            };
            // As typed: every prefix of two characters or more.
            let chars: Vec<char> = full.chars().collect();
            for len in 2..=chars.len().min(10) {
                let typed: String = chars[..len].iter().collect();
                let t = Instant::now();
                cc_pim::store::search_contacts(st.connection(), &typed, 50)?;
                let took = t.elapsed();
                if std::env::var_os("CC_BENCH_SLOW").is_some() && took > Duration::from_millis(5) {
                    println!("  slow: {typed:?} {:.2} ms", took.as_secs_f64() * 1e3);
                }
                times.push(took);
            }
        }
        let p50 = percentile(&mut times, 0.5);
        let p95 = percentile(&mut times, 0.95);
        println!(
            "contact search as you type ({} queries over {n_contacts} contacts): median {:.2} ms, p95 {:.2} ms",
            times.len(),
            p50.as_secs_f64() * 1e3,
            p95.as_secs_f64() * 1e3
        );
    }
    if runs("large") {
        // Ours only (vdirsyncer took 27 s for 10,000): peak RSS with 50,000
        // items.
        let server = Server::start(Kind::Radicale);
        let book = url::Url::parse(&server.addressbook_home_url())?.join("many/")?;
        rt.block_on(server.dav_client().mkaddressbook(&book, "Many"))?;
        fill(
            &server,
            &book,
            (0..n_large)
                .map(|i| (format!("ct-{i}.vcf"), contact(i)))
                .collect(),
        )?;
        let state = b.scratch.path().join("large.sqlite3");
        let first = measure(b.ours(&server, &state))?;
        let again = measure(b.ours(&server, &state))?;
        b.row(
            &format!("{n_large} contacts: first sync"),
            "commonscloud",
            vec![first],
        );
        b.row(
            &format!("{n_large} contacts: no-change sync"),
            "commonscloud",
            vec![again],
        );
    }
    b.table();
    Ok(())
}

fn first_line(program: &Path, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "?".into())
}
