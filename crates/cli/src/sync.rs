//! `commonscloud sync` and `commonscloud status`: the file sync engine from
//! the command line.
//!
//! Exit codes of `sync` (besides the shared ones): 0 when the last pass
//! completed with both sides in sync; 10 when it completed but left
//! conflicts, unsyncable names or failed actions (listed); 11 when the
//! mass-delete guard stopped it (nothing deleted); 12 when the folders could
//! not be scanned or listed (nothing changed).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use cc_dav::{ClientConfig, Credentials, DavClient};
use cc_files::engine::{PassOptions, PassReport, Progress, SyncError, SyncFolder};
use cc_files::features::NextcloudUploads;
use cc_files::ignore::IgnoreRules;
use cc_files::passes::{self, PassObserver};
use cc_files::push::{PushEvent, PushLogin, PushTimings};
use cc_files::{journal, status};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use url::Url;

use crate::Context;

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Sync a local folder with a folder on the server (two-way).
    Sync(Box<SyncArgs>),
    /// Show the last pass of each synced folder: pending work, conflicts
    /// and errors, from the state file (no network).
    Status,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The local folder.
    #[arg(long, value_name = "DIR")]
    local: PathBuf,
    /// The server folder (a WebDAV URL, e.g.
    /// https://oficina.commonscloud.coop/remote.php/dav/files/ana/);
    /// with --account, defaults to the account's files.
    #[arg(long, value_name = "URL")]
    remote: Option<Url>,
    /// The user name. The password comes from the environment variable
    /// COMMONSCLOUD_PASSWORD (never from the command line).
    #[arg(long, value_name = "NAME", conflicts_with = "account")]
    user: Option<String>,
    /// A signed-in account (see `commonscloud accounts`): its app password
    /// comes from the OS keyring.
    #[arg(long, value_name = "ACCOUNT")]
    account: Option<String>,
    /// One pass, then exit (otherwise keep watching and syncing).
    #[arg(long)]
    once: bool,
    /// Let a pass delete more than the mass-delete guard allows.
    #[arg(long)]
    allow_mass_delete: bool,
    /// Allow plain http to a server that is not this computer.
    #[arg(long)]
    allow_insecure: bool,
    /// Seconds between two looks at the server when nothing changes
    /// locally.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    poll: u64,
    /// Transfers in flight at once.
    #[arg(long, default_value_t = 8)]
    parallel: usize,
    /// A file of extra ignore patterns (sync-exclude.lst format).
    #[arg(long, value_name = "FILE")]
    exclude_from: Option<PathBuf>,
    /// Upload limit in bytes per second, shared by all uploads; a k or M
    /// suffix means KiB/s or MiB/s (e.g. 500k).
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    upload_limit: Option<u64>,
    /// Download limit in bytes per second, shared by all downloads (k, M
    /// as for --upload-limit).
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    download_limit: Option<u64>,
}

/// `1500`, `500k`, `2M` (KiB and MiB) → bytes per second.
fn parse_rate(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&t[..i], c.to_ascii_lowercase()),
        _ => (t, 'b'),
    };
    let factor = match unit {
        'b' => 1,
        'k' => 1024,
        'm' => 1024 * 1024,
        other => return Err(format!("unknown unit {other:?}: use a number, or k or M")),
    };
    let n: u64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a rate (e.g. 1500, 500k or 2M)"))?;
    match n.checked_mul(factor) {
        Some(0) => Err("a limit must be above 0 (leave the option out for no limit)".into()),
        Some(v) => Ok(v),
        None => Err(format!("{s:?} is too large")),
    }
}

pub const EXIT_LEFTOVERS: u8 = 10;
pub const EXIT_MASS_DELETE: u8 = 11;
pub const EXIT_UNREACHABLE: u8 = 12;
/// The server asked for the account's data to be removed here; done.
pub const EXIT_WIPED: u8 = 13;

/// The failure of a sync command: a message and an exit code.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

pub(crate) fn fail(code: u8, message: impl Into<String>) -> Failure {
    Failure {
        code,
        message: message.into(),
    }
}

pub async fn run(ctx: &Context, cmd: SyncCommand) -> Result<(), Failure> {
    match cmd {
        SyncCommand::Sync(args) => sync(ctx, *args).await,
        SyncCommand::Status => show_status(ctx),
    }
}

pub(crate) fn open_store(ctx: &Context) -> Result<cc_store::Store, Failure> {
    let path = match &ctx.state {
        Some(p) => p.clone(),
        None => cc_store::default_state_path().map_err(|e| fail(1, e.to_string()))?,
    };
    cc_store::Store::open(path).map_err(|e| fail(1, e.to_string()))
}

async fn sync(ctx: &Context, args: SyncArgs) -> Result<(), Failure> {
    if !args.local.is_dir() {
        return Err(fail(2, format!("{} is not a folder", args.local.display())));
    }
    let local = args
        .local
        .canonicalize()
        .map_err(|e| fail(2, format!("{}: {e}", args.local.display())))?;
    // In account mode: the façade and the account, for the account's
    // check when the server refuses its password (a remote wipe).
    let mut owner: Option<(cc_app::App, i64)> = None;
    let (client, remote) = match (&args.user, &args.account) {
        (Some(user), None) => {
            let password = std::env::var("COMMONSCLOUD_PASSWORD").map_err(|_| {
                fail(
                    2,
                    "no password: set COMMONSCLOUD_PASSWORD, or sign in with `commonscloud login` and pass --account",
                )
            })?;
            let remote = args
                .remote
                .clone()
                .ok_or_else(|| fail(2, "--remote URL is needed with --user"))?;
            let client = DavClient::new(
                ClientConfig {
                    allow_insecure: args.allow_insecure,
                    ..ClientConfig::default()
                },
                Some(Credentials {
                    user: user.clone(),
                    password,
                }),
            )
            .map_err(|e| fail(1, e.to_string()))?;
            (client, remote)
        }
        (None, Some(account)) => {
            let app = ctx
                .open_app(None)
                .map_err(|e| fail(crate::exit_code(e.code), e.message))?;
            let acc = app
                .find_account(account)
                .map_err(|e| fail(crate::exit_code(e.code), e.message))?;
            let (client, files) = app
                .files_client(acc.id)
                .await
                .map_err(|e| fail(crate::exit_code(e.code), e.message))?;
            owner = Some((app, acc.id));
            (client, args.remote.clone().unwrap_or(files))
        }
        _ => {
            return Err(fail(
                2,
                "give either --user NAME (with COMMONSCLOUD_PASSWORD) or --account ACCOUNT",
            ));
        }
    };
    let remote = cc_dav::href::as_collection(&remote);
    client
        .check_url("PROPFIND", &remote)
        .map_err(|e| fail(2, e.to_string()))?;
    let extra = match &args.exclude_from {
        Some(f) => {
            std::fs::read_to_string(f).map_err(|e| fail(2, format!("{}: {e}", f.display())))?
        }
        None => String::new(),
    };
    let ignore = IgnoreRules::new(&extra).map_err(|e| fail(2, e.to_string()))?;
    let store = open_store(ctx)?;
    let pair = journal::folder_pair(
        store.connection(),
        &local.to_string_lossy(),
        remote.as_str(),
        passes::unix_now(),
    )
    .map_err(|e| fail(2, e.to_string()))?;
    if let Some((_, account_id)) = &owner {
        // The account's folder: listed with it, deleted with it on a remote
        // wipe (and by `logout --delete-files`).
        journal::set_pair_account(store.connection(), pair.id, *account_id)
            .map_err(|e| fail(1, e.to_string()))?;
    }
    let folder = SyncFolder {
        local_root: local.clone(),
        remote_root: remote,
        client,
        ignore,
        folder_id: pair.id,
        trash: cc_files::trash::Trash::System,
    };
    // Nextcloud's chunked and bulk uploads, when the server offers them.
    let nextcloud = NextcloudUploads::detect(&folder.client, &folder.remote_root).await;
    let mut watch = if args.once {
        None
    } else {
        Some(cc_files::watch::LocalWatch::new(&local).map_err(|e| fail(1, e.to_string()))?)
    };
    // Nextcloud's push channel, when the server has one: a change there
    // starts a pass at once, and polling becomes a slow safety net.
    let mut push = match (&watch, nextcloud.as_ref().and_then(|n| n.push.as_ref())) {
        (Some(_), Some(cap)) => PushLogin::new(cap, &folder.client).map(|login| {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            tokio::spawn(cc_files::push::run(login, PushTimings::default(), tx));
            PushWatch {
                events: rx,
                live: false,
                root: None,
            }
        }),
        _ => None,
    };
    loop {
        let mut outcome = run_passes(&store, &folder, &args, nextcloud.as_ref()).await;
        if let (Err(f), Some((app, account_id))) = (&outcome, &owner)
            && f.code == crate::exit_code(cc_app::ErrorCode::Unauthorized)
        {
            // Refused: the account is checked once; a remote wipe is
            // honoured there, and nothing retries with the password.
            drop(store);
            return Err(match app.after_refusal(*account_id).await {
                Ok(cc_app::Health::Wiped) => fail(
                    EXIT_WIPED,
                    "the server asked this computer to remove the account's data: \
                     its synced folders, its state and its password were deleted, \
                     and the server was told",
                ),
                Ok(_) => fail(
                    f.code,
                    format!("{}: sign in again with `commonscloud login`", f.message),
                ),
                Err(e) => fail(crate::exit_code(e.code), e.message),
            });
        }
        if let Err(f) = &mut outcome
            && owner.is_none()
            && f.code == crate::exit_code(cc_app::ErrorCode::Unauthorized)
        {
            f.message = format!("{}: check the user and COMMONSCLOUD_PASSWORD", f.message);
        }
        match &watch {
            None => return outcome,
            Some(_) => {
                if let Err(f) = &outcome {
                    eprintln!("commonscloud: {}", f.message);
                }
            }
        }
        let w = watch.as_mut().expect("watching");
        w.drain();
        let mut poll = Duration::from_secs(args.poll.max(1));
        if push.as_ref().is_some_and(|p| p.live) {
            poll = poll.max(cc_files::push::SAFETY_POLL);
        }
        tokio::select! {
            wake = w.wait(poll, Duration::from_millis(1500)) => {
                tracing::info!(?wake, "next pass");
            }
            why = push_wake(push.as_mut(), &store, &folder) => {
                tracing::info!(why, "next pass");
            }
        }
    }
}

/// The push channel of a continuous sync.
struct PushWatch {
    events: tokio::sync::mpsc::UnboundedReceiver<PushEvent>,
    /// Whether it is up.
    live: bool,
    /// The file id of the sync folder on the server, once known.
    root: Option<u64>,
}

/// Waits until the push channel calls for a pass: a change that concerns
/// the folder, or the loss of a channel that was up (changes may have gone
/// unannounced). Never ends without a channel.
async fn push_wake(
    push: Option<&mut PushWatch>,
    store: &cc_store::Store,
    folder: &SyncFolder,
) -> &'static str {
    let Some(p) = push else {
        return std::future::pending().await;
    };
    loop {
        let Some(event) = p.events.recv().await else {
            return std::future::pending().await;
        };
        match event {
            PushEvent::Connected => {
                tracing::info!("push channel up");
                p.live = true;
                if p.root.is_none() {
                    p.root =
                        cc_files::push::folder_file_id(&folder.client, &folder.remote_root).await;
                }
            }
            PushEvent::Lost { .. } | PushEvent::Refused { .. } => {
                if std::mem::replace(&mut p.live, false) {
                    return "push channel lost";
                }
            }
            PushEvent::Message(m) => {
                let pairs = [(folder.folder_id, p.root)];
                if !cc_files::push::concerned(store.connection(), &m, &pairs).is_empty() {
                    return "pushed change";
                }
            }
        }
    }
}

/// Passes until nothing is left to do (at most three: a conflict copy or
/// a retried upload needs a second one).
async fn run_passes(
    store: &cc_store::Store,
    folder: &SyncFolder,
    args: &SyncArgs,
    nextcloud: Option<&NextcloudUploads>,
) -> Result<(), Failure> {
    /// A progress bar per pass, and what each pass did on standard output.
    struct Cli<'a> {
        args: &'a SyncArgs,
        nextcloud: Option<&'a NextcloudUploads>,
        case_insensitive: bool,
        bar: ProgressBar,
    }
    impl PassObserver for Cli<'_> {
        fn options(&mut self) -> PassOptions {
            self.bar.finish_and_clear();
            self.bar = progress_bar();
            PassOptions {
                plan: cc_files::Options {
                    case_insensitive: self.case_insensitive,
                    ..cc_files::Options::default()
                },
                allow_mass_delete: self.args.allow_mass_delete,
                parallel: self.args.parallel.max(1),
                conflict_stamp: passes::conflict_stamp(),
                now: passes::unix_now(),
                upload_limit: self.args.upload_limit,
                download_limit: self.args.download_limit,
                nextcloud: self.nextcloud.cloned(),
                // One pass, then the process ends and its memory with it.
                give_back_memory: !self.args.once,
            }
        }
        fn progress(&mut self, p: Progress) {
            let bar = &self.bar;
            match p {
                Progress::Scanning => bar.set_message("scanning the local folder"),
                Progress::Listing { folders: 0 } => {
                    bar.set_message("looking for changes on the server")
                }
                Progress::Listing { folders } => bar.set_message(format!(
                    "looking for changes on the server: {folders} folders"
                )),
                Progress::Planned { actions, .. } => {
                    bar.set_length(actions as u64);
                    bar.set_message("syncing");
                }
                Progress::Done { path, .. } => {
                    bar.inc(1);
                    if bar.is_hidden() {
                        println!("synced {path}");
                    }
                }
                Progress::Failed { path, error, .. } => {
                    bar.println(format!("failed: {path}: {error}"));
                }
            }
        }
        fn pass_ended(&mut self, report: &PassReport) {
            self.bar.finish_and_clear();
            summarise(report);
        }
    }
    let mut cli = Cli {
        args,
        nextcloud,
        // Whether the local folder tells `A` from `a` (by trying).
        case_insensitive: cc_files::probe::is_case_insensitive(&folder.local_root).unwrap_or(false),
        bar: ProgressBar::hidden(),
    };
    let result = passes::settle(folder, store.connection(), &mut cli).await;
    cli.bar.finish_and_clear();
    let settled = result.map_err(|e| match e {
        SyncError::MassDelete { .. } => fail(
            EXIT_MASS_DELETE,
            format!("{e}: run again with --allow-mass-delete"),
        ),
        SyncError::Listing(ref d) if d.kind == cc_dav::ErrorKind::Unauthorized => fail(
            crate::exit_code(cc_app::ErrorCode::Unauthorized),
            e.to_string(),
        ),
        SyncError::Scan(_) | SyncError::Listing(_) => fail(EXIT_UNREACHABLE, e.to_string()),
        SyncError::Journal(_) => fail(1, e.to_string()),
    })?;
    let (merged, last) = (&settled.merged, &settled.last);
    let mut lines = Vec::new();
    for c in &merged.conflicts {
        lines.push(format!("conflict: your version was kept as {c}"));
    }
    for (p, problem) in &merged.problems {
        lines.push(format!("not synced: {p} ({})", problem.code()));
    }
    for f in &last.failures {
        lines.push(format!("failed: {}: {}", f.path, f.error));
    }
    if last.planned > 0 && last.failures.is_empty() {
        lines.push(format!("{} actions still pending", last.planned));
    }
    if lines.is_empty() {
        println!("in sync");
        Ok(())
    } else {
        Err(fail(EXIT_LEFTOVERS, lines.join("\n")))
    }
}

fn summarise(r: &PassReport) {
    if r.planned > 0 {
        println!(
            "{} up, {} down, {} folders, {} deleted here, {} deleted on the server",
            r.uploaded, r.downloaded, r.folders, r.deleted_local, r.deleted_remote
        );
    }
}

fn progress_bar() -> ProgressBar {
    if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    } else {
        ProgressBar::hidden()
    }
}

fn show_status(ctx: &Context) -> Result<(), Failure> {
    let store = open_store(ctx)?;
    let folders = status::folders(store.connection()).map_err(|e| fail(1, e.to_string()))?;
    if folders.is_empty() {
        println!("no synced folders");
        return Ok(());
    }
    let mut attention = false;
    for (id, local, remote) in folders {
        println!("{local} <-> {remote}");
        match status::last_pass(store.connection(), id).map_err(|e| fail(1, e.to_string()))? {
            None => println!("  never synced"),
            Some(p) => {
                if let Some(a) = &p.aborted {
                    attention = true;
                    println!("  last pass stopped: {a}");
                } else if p.failures.is_empty() && p.conflicts.is_empty() && p.planned == 0 {
                    println!("  up to date");
                } else {
                    println!("  last pass: {} actions", p.planned);
                }
                for c in &p.conflicts {
                    attention = true;
                    println!("  conflict: {c}");
                }
                for f in &p.failures {
                    attention = true;
                    println!("  error: {f}");
                }
            }
        }
        let problems =
            journal::problems(store.connection(), id).map_err(|e| fail(1, e.to_string()))?;
        for (path, problem) in problems {
            attention = true;
            println!("  not synced: {path} ({})", problem.code());
        }
    }
    if attention {
        Err(fail(EXIT_LEFTOVERS, "some folders need attention"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_rate;

    #[test]
    fn rates_with_and_without_units() {
        assert_eq!(parse_rate("1500"), Ok(1500));
        assert_eq!(parse_rate("500k"), Ok(500 * 1024));
        assert_eq!(parse_rate("2M"), Ok(2 * 1024 * 1024));
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("fast").is_err());
        assert!(parse_rate("3g").unwrap_err().contains("unit"));
        assert!(parse_rate("99999999999999999999").is_err());
    }
}
