//! Syncing in the background: one worker per folder pair, each on its own
//! thread with its own tokio runtime and its own connection to the state
//! file (the engine keeps a SQLite connection across awaits, which cannot
//! be shared between threads), streaming what it does as [`SyncEvent`]s.
//!
//! A worker runs passes until both sides agree, then sleeps until the local
//! folder changes (watcher, debounced), the polling interval ends, or the
//! app asks (sync now, resume, settings changed). Pausing drops the pass in
//! flight: the engine is built so that stopping at any instant is safe (the
//! crash test kills it at random moments).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use ts_rs::TS;

use cc_dav::DavClient;
use cc_files::engine::{Done, PassOptions, PassReport, Progress, SyncError, SyncFolder};
use cc_files::passes::{self, PassObserver};
use cc_files::{journal, status};
use rusqlite::Connection;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::folders::{self, PairRow};
use crate::view::{ActivityItem, FolderPair, FolderStatus, Live, MassDelete, SyncProgress};
use crate::{App, Error, ErrorCode};

/// Runs in a row with failed actions before the pair shows "attention".
const FAILED_RUNS_SHOWN: u32 = 3;

/// Something worth a desktop notification (never one per file).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// Conflicted copies were made in a pass (`count`).
    Conflicts,
    /// The pair stopped and needs the member (see the pair's error or
    /// mass-delete question).
    NeedsYou,
    /// The first sync of a pair finished.
    FirstSync,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub kind: NoticeKind,
    pub folder_id: i64,
    pub count: usize,
    pub code: Option<ErrorCode>,
}

/// What the app pushes to the UI while it runs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SyncEvent {
    Folder {
        folder: Box<FolderPair>,
    },
    Activity {
        item: ActivityItem,
    },
    Removed {
        #[serde(rename = "folderId")]
        folder_id: i64,
    },
    Notice {
        notice: Notice,
    },
    /// The server refused an account's password (401): the shell checks
    /// the account ([`App::account_health`]), which honours a remote wipe.
    AccountRefused {
        #[serde(rename = "accountId")]
        account_id: i64,
    },
    /// An account is gone from this computer (signed out, or wiped at the
    /// server's request).
    AccountRemoved {
        #[serde(rename = "accountId")]
        account_id: i64,
    },
    /// The server announced a notification for the account (on its push
    /// channel): whoever shows server notifications fetches them.
    ServerNotification {
        #[serde(rename = "accountId")]
        account_id: i64,
    },
    /// An event's reminder is due: the desktop shows it.
    Reminder {
        reminder: crate::pim::Reminder,
    },
    /// A new notification from the server: the desktop shows it (once;
    /// not again after a restart).
    ServerNotice {
        #[serde(rename = "accountId")]
        account_id: i64,
        notice: crate::notices::ServerNotice,
    },
    /// An account's list of server notifications changed
    /// ([`App::server_notices`]).
    ServerNotices {
        #[serde(rename = "accountId")]
        account_id: i64,
    },
    /// An account's calendars or contacts changed or synced: the pages
    /// read them again ([`App::pim_collections`]).
    Pim {
        #[serde(rename = "accountId")]
        account_id: i64,
    },
}

/// The app's state across all pairs, for the tray icon.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Overall {
    /// No folder pair yet.
    Idle,
    UpToDate,
    Syncing,
    Paused,
    Offline,
    Error,
}

/// Where events go (the desktop shell emits them to the webview).
pub type EventSink = Arc<dyn Fn(SyncEvent) + Send + Sync>;

#[derive(Debug)]
enum Command {
    SyncNow,
    Pause,
    Resume,
    AllowMassDelete,
    Stop,
}

#[derive(Debug)]
struct Worker {
    tx: mpsc::UnboundedSender<Command>,
}

/// The workers and what they report.
pub(crate) struct Hub {
    pub(crate) state_path: PathBuf,
    /// Where deleted local files go (the system's trash but in tests).
    trash: RwLock<cc_files::trash::Trash>,
    sink: RwLock<Option<EventSink>>,
    live: Mutex<HashMap<i64, Live>>,
    workers: Mutex<HashMap<i64, Worker>>,
    /// The accounts' push channels, and the accounts whose channel is up.
    pub(crate) pushers: Mutex<HashMap<i64, crate::push::Pusher>>,
    pub(crate) push_live: Mutex<std::collections::HashSet<i64>>,
    /// The accounts' calendar and contacts workers, and what they do.
    pub(crate) pim_workers: Mutex<HashMap<i64, crate::pim::PimWorker>>,
    pub(crate) pim_live: Mutex<HashMap<i64, crate::pim::PimLive>>,
    /// Wakes the reminder thread (calendars changed).
    pub(crate) reminder_wake: Mutex<Option<mpsc::UnboundedSender<()>>>,
    /// The accounts' server-notification workers and their last lists.
    pub(crate) notice_workers: Mutex<HashMap<i64, crate::notices::NoticeWorker>>,
    pub(crate) notices: crate::notices::NoticeLists,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("state_path", &self.state_path)
            .finish_non_exhaustive()
    }
}

impl Hub {
    pub(crate) fn new(state_path: PathBuf) -> Arc<Self> {
        Arc::new(Hub {
            state_path,
            trash: RwLock::new(cc_files::trash::Trash::System),
            sink: RwLock::new(None),
            live: Mutex::new(HashMap::new()),
            workers: Mutex::new(HashMap::new()),
            pushers: Mutex::new(HashMap::new()),
            push_live: Mutex::new(std::collections::HashSet::new()),
            pim_workers: Mutex::new(HashMap::new()),
            pim_live: Mutex::new(HashMap::new()),
            reminder_wake: Mutex::new(None),
            notice_workers: Mutex::new(HashMap::new()),
            notices: Mutex::new(HashMap::new()),
        })
    }

    pub(crate) fn trash(&self) -> cc_files::trash::Trash {
        self.trash.read().map(|t| t.clone()).unwrap_or_default()
    }

    pub(crate) fn set_trash(&self, trash: cc_files::trash::Trash) {
        if let Ok(mut t) = self.trash.write() {
            *t = trash;
        }
    }

    pub(crate) fn live(&self, id: i64) -> Live {
        self.live
            .lock()
            .map(|l| l.get(&id).cloned().unwrap_or_default())
            .unwrap_or_default()
    }

    fn update(&self, id: i64, f: impl FnOnce(&mut Live)) -> Live {
        let mut map = match self.live.lock() {
            Ok(m) => m,
            Err(p) => p.into_inner(),
        };
        let l = map.entry(id).or_default();
        f(l);
        l.clone()
    }

    pub(crate) fn forget(&self, id: i64) {
        if let Ok(mut m) = self.live.lock() {
            m.remove(&id);
        }
        self.emit(SyncEvent::Removed { folder_id: id });
    }

    pub(crate) fn emit(&self, e: SyncEvent) {
        let sink = self.sink.read().ok().and_then(|s| s.clone());
        if let Some(sink) = sink {
            sink(e);
        }
    }

    /// Emits a pair's current state (read through `app`'s connection).
    pub(crate) fn emit_folder(&self, app: &App, id: i64) {
        if let Ok(f) = app.folder(id) {
            self.emit(SyncEvent::Folder {
                folder: Box::new(f),
            });
        }
    }

    fn send(&self, id: i64, c: Command) -> bool {
        self.workers
            .lock()
            .ok()
            .and_then(|w| w.get(&id).map(|w| w.tx.send(c).is_ok()))
            .unwrap_or(false)
    }

    pub(crate) fn wake(&self, id: i64) {
        self.send(id, Command::SyncNow);
    }

    pub(crate) fn stop_worker(&self, id: i64) {
        if let Ok(mut w) = self.workers.lock()
            && let Some(w) = w.remove(&id)
        {
            let _ = w.tx.send(Command::Stop);
        }
    }

    /// Starts (or restarts) the worker of a pair.
    /// The account's push channel is started with its first worker.
    pub(crate) fn start_worker(self: &Arc<Self>, row: PairRow, client: DavClient) {
        self.stop_worker(row.id);
        self.ensure_push(row.account_id, client.clone(), row.files_root.clone());
        let (tx, rx) = mpsc::unbounded_channel();
        let hub = self.clone();
        let id = row.id;
        let spawned = on_own_thread(format!("sync-{id}"), move || worker(hub, row, client, rx));
        match spawned {
            Ok(_) => {
                if let Ok(mut w) = self.workers.lock() {
                    w.insert(id, Worker { tx });
                }
            }
            Err(e) => {
                self.update(id, |l| {
                    l.status = FolderStatus::Error;
                    l.error = Some(Error::new(ErrorCode::System, e.to_string()));
                });
            }
        }
    }

    /// A pair that cannot start (no password, signed out...).
    pub(crate) fn set_failed(&self, id: i64, error: Error) {
        self.update(id, |l| {
            l.status = status_of_error(&error);
            l.error = Some(error);
            l.progress = None;
        });
    }
}

fn status_of_error(e: &Error) -> FolderStatus {
    match e.code {
        ErrorCode::Offline | ErrorCode::Maintenance => FolderStatus::Offline,
        _ => FolderStatus::Error,
    }
}

/// Settings a worker reads before each pass (the member may change them
/// while it runs).
struct PassSettings {
    poll: Duration,
    ignore: Result<cc_files::ignore::IgnoreRules, Error>,
    upload_limit: Option<u64>,
    download_limit: Option<u64>,
}

fn pass_settings(conn: &Connection, row: &PairRow) -> PassSettings {
    let s = crate::settings::read(conn);
    PassSettings {
        poll: Duration::from_secs(s.poll_seconds),
        ignore: folders::ignore_rules(&s.ignore_list, &row.excluded),
        upload_limit: s.upload_limit_kib.map(|k| k * 1024),
        download_limit: s.download_limit_kib.map(|k| k * 1024),
    }
}

/// How a pass ended, for the status and the next wait.
enum Ended {
    Done,
    /// Some actions failed (kept for the next pass): try again soon, with
    /// a growing delay while they keep failing.
    Failed,
    /// Offline or in maintenance: try again sooner than the poll interval.
    Retry,
    /// Needs the member (sign in again, local folder gone, mass delete):
    /// no retry until asked.
    Stuck,
}

async fn worker(
    hub: Arc<Hub>,
    mut row: PairRow,
    client: DavClient,
    mut rx: mpsc::UnboundedReceiver<Command>,
) {
    let id = row.id;
    let store = match cc_store::Store::open(&hub.state_path) {
        Ok(s) => s,
        Err(e) => {
            hub.set_failed(id, e.into());
            return;
        }
    };
    let conn = store.connection();
    // Nextcloud's chunked and bulk uploads, when the server offers them.
    let nextcloud = cc_files::features::NextcloudUploads::detect(&client, &row.remote_url).await;
    let mut watch = cc_files::watch::LocalWatch::new(&row.local_root).ok();
    let mut allow_mass_delete = false;
    let mut retry_delay = FIRST_RETRY;
    let mut paused = row.paused;
    let mut run_now = !paused;
    loop {
        let mut ended = Ended::Done;
        if run_now && !paused {
            if let Ok(r) = folders::read_pair(conn, id) {
                row = r;
            }
            if watch.is_none() {
                watch = cc_files::watch::LocalWatch::new(&row.local_root).ok();
            }
            if let Some(w) = watch.as_mut() {
                w.drain();
            }
            let pass = run_passes(
                &hub,
                conn,
                &row,
                &client,
                nextcloud.as_ref(),
                allow_mass_delete,
            );
            tokio::pin!(pass);
            let mut again = false;
            let outcome = loop {
                tokio::select! {
                    o = &mut pass => break Some(o),
                    c = rx.recv() => match c {
                        None | Some(Command::Stop) => return,
                        Some(Command::Pause) => {
                            paused = true;
                            break None;
                        }
                        Some(Command::AllowMassDelete) => allow_mass_delete = true,
                        Some(Command::SyncNow | Command::Resume) => again = true,
                    },
                }
            };
            match outcome {
                Some(e) => {
                    ended = e;
                    allow_mass_delete = false;
                }
                None => {
                    set_paused(conn, id, true);
                    hub.update(id, |l| {
                        l.status = FolderStatus::Paused;
                        l.progress = None;
                    });
                    emit_pair(&hub, conn, id);
                }
            }
            if again && !paused {
                continue;
            }
        }
        run_now = false;
        let settings = pass_settings(conn, &row);
        let wait = match ended {
            Ended::Retry => settings.poll.min(Duration::from_secs(30)),
            Ended::Failed => {
                let d = retry_delay.min(settings.poll);
                retry_delay = (retry_delay * 2).min(settings.poll);
                d
            }
            Ended::Done | Ended::Stuck => {
                retry_delay = FIRST_RETRY;
                if hub.push_live(row.account_id) {
                    settings.poll.max(cc_files::push::SAFETY_POLL)
                } else {
                    settings.poll
                }
            }
        };
        let watching = !paused && !matches!(ended, Ended::Stuck);
        tokio::select! {
            c = rx.recv() => match c {
                None | Some(Command::Stop) => return,
                Some(Command::Pause) => {
                    paused = true;
                    set_paused(conn, id, true);
                    hub.update(id, |l| { l.status = FolderStatus::Paused; l.progress = None; });
                    emit_pair(&hub, conn, id);
                }
                Some(Command::Resume) => {
                    paused = false;
                    set_paused(conn, id, false);
                    run_now = true;
                }
                Some(Command::SyncNow) => run_now = true,
                Some(Command::AllowMassDelete) => {
                    allow_mass_delete = true;
                    run_now = true;
                }
            },
            _ = wait_for_change(watch.as_mut(), wait), if watching => run_now = true,
        }
    }
}

async fn wait_for_change(watch: Option<&mut cc_files::watch::LocalWatch>, poll: Duration) {
    match watch {
        Some(w) => {
            let wake = w.wait(poll, Duration::from_millis(1500)).await;
            tracing::debug!(?wake, "sync worker woke");
        }
        None => tokio::time::sleep(poll).await,
    }
}

/// Runs the future `make` builds on a thread of its own with its own
/// single-threaded runtime (the future holds a SQLite connection across
/// awaits: it is made and run there, never sent).
pub(crate) fn on_own_thread<F>(
    name: String,
    make: impl FnOnce() -> F + Send + 'static,
) -> std::io::Result<std::thread::JoinHandle<()>>
where
    F: std::future::Future<Output = ()>,
{
    std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(make()),
                Err(e) => tracing::error!(thread = name, "no runtime: {e}"),
            }
        })
}

/// The first wait before passing again after failed actions (Apache, for
/// one, refuses `If-Match` for a second after a change: its ETag is weak).
const FIRST_RETRY: Duration = Duration::from_secs(2);

fn set_paused(conn: &Connection, id: i64, paused: bool) {
    if let Err(e) = journal::set_paused(conn, id, paused) {
        tracing::warn!(folder = id, "pause not stored: {e}");
    }
}

fn emit_pair(hub: &Hub, conn: &Connection, id: i64) {
    if let Ok(row) = folders::read_pair(conn, id) {
        hub.emit(SyncEvent::Folder {
            folder: Box::new(folders::folder_pair(conn, &row, &hub.live(id))),
        });
    }
}

fn activity_kind(d: Done) -> Option<&'static str> {
    Some(match d {
        Done::Uploaded => "uploaded",
        Done::Downloaded => "downloaded",
        Done::DeletedLocal => "deleted_local",
        Done::DeletedRemote => "deleted_remote",
        Done::Folder => "folder",
        Done::Conflict => "conflict",
        Done::NotSynced => "not_synced",
        Done::Moved => "moved",
        Done::Recorded => return None,
    })
}

/// Passes until both sides agree (at most three: a conflicted copy or a
/// file that changed while it was sent needs another one).
async fn run_passes(
    hub: &Hub,
    conn: &Connection,
    row: &PairRow,
    client: &DavClient,
    nextcloud: Option<&cc_files::features::NextcloudUploads>,
    allow_mass_delete: bool,
) -> Ended {
    let id = row.id;
    let settings = pass_settings(conn, row);
    let ignore = match settings.ignore {
        Ok(i) => i,
        Err(e) => {
            hub.set_failed(id, e);
            emit_pair(hub, conn, id);
            return Ended::Stuck;
        }
    };
    let before = hub.live(id);
    // The first sync of a pair: nothing agreed on yet and no pass ever
    // completed (a pair synced long ago whose last pass was cut short is
    // not new; an empty pair is new once).
    let nothing_agreed = !journal::has_agreed(conn, id).unwrap_or(true);
    let never_completed = status::last_pass(conn, id)
        .ok()
        .flatten()
        .is_none_or(|p| p.aborted.is_some());
    let first_sync = nothing_agreed && never_completed && before.last_sync.is_none();
    let folder = SyncFolder {
        local_root: row.local_root.clone(),
        remote_root: row.remote_url.clone(),
        client: client.clone(),
        ignore,
        folder_id: id,
        trash: hub.trash(),
    };
    /// A worker's side of the passes: the pair's live status and
    /// progress, its activity rows, events to the shell.
    struct Worker<'a> {
        hub: &'a Hub,
        conn: &'a Connection,
        id: i64,
        options: PassOptions,
        started: Instant,
        last_emit: Instant,
    }
    impl PassObserver for Worker<'_> {
        fn options(&mut self) -> PassOptions {
            let (hub, id) = (self.hub, self.id);
            hub.update(id, |l| {
                l.status = FolderStatus::Syncing;
                l.progress = Some(SyncProgress::default());
                l.mass_delete = None;
            });
            emit_pair(hub, self.conn, id);
            self.started = Instant::now();
            self.last_emit = Instant::now();
            PassOptions {
                conflict_stamp: passes::conflict_stamp(),
                now: passes::unix_now(),
                ..self.options.clone()
            }
        }
        fn progress(&mut self, p: Progress) {
            let (hub, conn, id) = (self.hub, self.conn, self.id);
            let mut force = false;
            let started = self.started;
            hub.update(id, |l| {
                let prog = l.progress.get_or_insert_with(SyncProgress::default);
                match &p {
                    Progress::Scanning => {}
                    Progress::Listing { folders } => {
                        prog.listed_folders = Some(*folders);
                        // The first one at once: the card says what it is
                        // doing from the start.
                        force = *folders == 0;
                    }
                    Progress::Planned { actions, .. } => {
                        prog.listed_folders = None;
                        prog.total = *actions;
                        force = true;
                    }
                    Progress::Done { path, bytes, .. } => {
                        prog.done += 1;
                        prog.bytes += bytes;
                        prog.current = Some(path.to_string());
                    }
                    Progress::Failed { path, .. } => {
                        prog.done += 1;
                        prog.current = Some(path.to_string());
                    }
                }
                let secs = started.elapsed().as_secs_f64();
                if secs > 0.0 {
                    prog.bytes_per_second = (prog.bytes as f64 / secs) as u64;
                }
            });
            let item = match &p {
                Progress::Done { path, done, .. } => activity_kind(*done).and_then(|k| {
                    folders::add_activity(conn, id, passes::unix_now(), k, path.as_str(), None)
                }),
                Progress::Failed { path, code, .. } => folders::add_activity(
                    conn,
                    id,
                    passes::unix_now(),
                    "error",
                    path.as_str(),
                    Some(code),
                ),
                _ => None,
            };
            if let Some(item) = item {
                hub.emit(SyncEvent::Activity { item });
            }
            if force || self.last_emit.elapsed() >= Duration::from_millis(250) {
                self.last_emit = Instant::now();
                emit_pair(hub, conn, id);
            }
        }
        fn pass_ended(&mut self, _report: &PassReport) {
            folders::trim_activity(self.conn);
        }
    }
    let mut worker = Worker {
        hub,
        conn,
        id,
        options: PassOptions {
            plan: cc_files::Options {
                // Whether the local folder tells `A` from `a` (by trying).
                case_insensitive: cc_files::probe::is_case_insensitive(&row.local_root)
                    .unwrap_or(false),
                ..cc_files::Options::default()
            },
            allow_mass_delete,
            upload_limit: settings.upload_limit,
            download_limit: settings.download_limit,
            nextcloud: nextcloud.cloned(),
            ..PassOptions::default()
        },
        started: Instant::now(),
        last_emit: Instant::now(),
    };
    let conflicts = match passes::settle(&folder, conn, &mut worker).await {
        Ok(settled) => settled.merged.conflicts.len(),
        Err(e) => {
            folders::trim_activity(conn);
            let (error, mass, ended) = classify(e);
            let live = hub.update(id, |l| {
                l.progress = None;
                l.mass_delete = mass.clone();
                l.status = if mass.is_some() {
                    FolderStatus::Attention
                } else {
                    status_of_error(&error)
                };
                l.error = if mass.is_some() {
                    None
                } else {
                    Some(error.clone())
                };
            });
            if error.code == ErrorCode::Unauthorized {
                let _ = cc_account::records::set_needs_sign_in(conn, row.account_id, true);
                hub.emit(SyncEvent::AccountRefused {
                    account_id: row.account_id,
                });
            }
            if matches!(ended, Ended::Stuck) && before.status != live.status
                || before.mass_delete.is_none() && mass.is_some()
            {
                hub.emit(SyncEvent::Notice {
                    notice: Notice {
                        kind: NoticeKind::NeedsYou,
                        folder_id: id,
                        count: mass.as_ref().map_or(0, |m| m.deletes),
                        code: Some(error.code),
                    },
                });
            }
            emit_pair(hub, conn, id);
            return ended;
        }
    };
    let open_conflicts = journal::conflicts(conn)
        .map(|c| c.iter().filter(|c| c.folder == id).count())
        .unwrap_or(0);
    let problems = journal::problems(conn, id).map(|p| p.len()).unwrap_or(0);
    let failures = status::last_pass(conn, id)
        .ok()
        .flatten()
        .map_or(0, |p| p.failures.len());
    // Failed actions are retried soon; only when they keep failing does
    // the member hear of it (Apache, for one, refuses a change to a file
    // for a second after it was written).
    hub.update(id, |l| {
        l.failed_runs = if failures > 0 { l.failed_runs + 1 } else { 0 };
        l.progress = None;
        l.error = None;
        l.mass_delete = None;
        l.last_sync = Some(passes::unix_now());
        l.status = if open_conflicts > 0 || problems > 0 || l.failed_runs >= FAILED_RUNS_SHOWN {
            FolderStatus::Attention
        } else if failures > 0 {
            FolderStatus::Syncing
        } else {
            FolderStatus::UpToDate
        };
    });
    if conflicts > 0 {
        hub.emit(SyncEvent::Notice {
            notice: Notice {
                kind: NoticeKind::Conflicts,
                folder_id: id,
                count: conflicts,
                code: None,
            },
        });
    }
    if first_sync {
        hub.emit(SyncEvent::Notice {
            notice: Notice {
                kind: NoticeKind::FirstSync,
                folder_id: id,
                count: 0,
                code: None,
            },
        });
    }
    emit_pair(hub, conn, id);
    if failures > 0 {
        Ended::Failed
    } else {
        Ended::Done
    }
}

fn classify(e: SyncError) -> (Error, Option<MassDelete>, Ended) {
    match e {
        SyncError::MassDelete { deletes, tracked } => (
            Error::new(ErrorCode::MassDelete, e.to_string()),
            Some(MassDelete { deletes, tracked }),
            Ended::Stuck,
        ),
        SyncError::Listing(d) => {
            let err = folders::dav_error(d);
            let ended = match err.code {
                ErrorCode::Offline | ErrorCode::Maintenance => Ended::Retry,
                ErrorCode::Unauthorized => Ended::Stuck,
                _ => Ended::Retry,
            };
            (err, None, ended)
        }
        SyncError::Scan(s) => (
            Error::new(ErrorCode::LocalFolder, s.to_string()),
            None,
            Ended::Stuck,
        ),
        SyncError::Journal(j) => (
            Error::new(ErrorCode::Storage, j.to_string()),
            None,
            Ended::Stuck,
        ),
    }
}

impl App {
    /// Starts syncing every folder pair in the background; events go to
    /// `sink`. Pairs whose account cannot be used (signed out, no keyring)
    /// show the error instead.
    pub async fn start_sync(&self, sink: EventSink) -> Result<(), Error> {
        if let Ok(mut s) = self.hub.sink.write() {
            *s = Some(sink);
        }
        let rows = {
            let store = self.store.lock().map_err(|_| Error::poisoned())?;
            folders::read_pairs(store.connection(), None)?
        };
        for row in rows {
            self.start_pair(row).await;
        }
        self.start_pim_all().await;
        self.hub.start_reminders();
        Ok(())
    }

    async fn start_pair(&self, row: PairRow) {
        let id = row.id;
        match self.files_client(row.account_id).await {
            Ok((client, _)) => self.hub.start_worker(row, client),
            Err(e) => {
                tracing::warn!(folder = id, code = ?e.code, "cannot start syncing: {}", e.message);
                self.hub.set_failed(id, e);
                self.hub.emit_folder(self, id);
            }
        }
    }

    /// Stops the workers of an account's pairs; returns their ids.
    pub(crate) fn stop_account_pairs(&self, account_id: i64) -> Result<Vec<i64>, Error> {
        let rows = {
            let store = self.store.lock().map_err(|_| Error::poisoned())?;
            folders::read_pairs(store.connection(), None)?
        };
        let ids: Vec<i64> = rows
            .iter()
            .filter(|r| r.account_id == account_id)
            .map(|r| r.id)
            .collect();
        for id in &ids {
            self.hub.stop_worker(*id);
        }
        self.hub.stop_push(account_id);
        self.hub.stop_pim(account_id);
        self.hub.stop_notices(account_id);
        Ok(ids)
    }

    /// Restarts the pairs of an account (after it signed in again), when
    /// the app syncs in the background (not in the command line).
    pub async fn restart_account(&self, account_id: i64) -> Result<(), Error> {
        if self.hub.sink.read().map(|s| s.is_none()).unwrap_or(true) {
            return Ok(());
        }
        let rows = {
            let store = self.store.lock().map_err(|_| Error::poisoned())?;
            folders::read_pairs(store.connection(), None)?
        };
        self.hub.stop_push(account_id);
        for row in rows.into_iter().filter(|r| r.account_id == account_id) {
            self.hub.update(row.id, |l| *l = Live::default());
            self.start_pair(row).await;
        }
        self.start_pim(account_id).await;
        Ok(())
    }

    pub fn pause_folder(&self, id: i64) -> Result<FolderPair, Error> {
        self.pair_row(id)?;
        {
            let store = self.store.lock().map_err(|_| Error::poisoned())?;
            set_paused(store.connection(), id, true);
        }
        self.hub.update(id, |l| {
            l.status = FolderStatus::Paused;
            l.progress = None;
        });
        self.hub.send(id, Command::Pause);
        let f = self.folder(id)?;
        self.hub.emit(SyncEvent::Folder {
            folder: Box::new(f.clone()),
        });
        Ok(f)
    }

    pub async fn resume_folder(&self, id: i64) -> Result<FolderPair, Error> {
        let row = self.pair_row(id)?;
        {
            let store = self.store.lock().map_err(|_| Error::poisoned())?;
            set_paused(store.connection(), id, false);
        }
        self.hub.update(id, |l| l.status = FolderStatus::Waiting);
        if !self.hub.send(id, Command::Resume) {
            // No worker (it could not start): try again now.
            let mut row = row;
            row.paused = false;
            self.start_pair(row).await;
        }
        let f = self.folder(id)?;
        self.hub.emit(SyncEvent::Folder {
            folder: Box::new(f.clone()),
        });
        Ok(f)
    }

    pub async fn sync_now(&self, id: i64) -> Result<(), Error> {
        let row = self.pair_row(id)?;
        if !self.hub.send(id, Command::SyncNow) {
            self.start_pair(row).await;
        }
        Ok(())
    }

    /// The member agreed to the deletions the guard stopped.
    pub fn allow_mass_delete(&self, id: i64) -> Result<(), Error> {
        self.pair_row(id)?;
        if !self.hub.send(id, Command::AllowMassDelete) {
            return Err(Error::new(
                ErrorCode::NotFound,
                format!("folder pair {id} is not syncing"),
            ));
        }
        Ok(())
    }

    /// Wakes every worker (settings changed).
    pub(crate) fn wake_all(&self) {
        let ids: Vec<i64> = self
            .hub
            .workers
            .lock()
            .map(|w| w.keys().copied().collect())
            .unwrap_or_default();
        for id in ids {
            self.hub.wake(id);
        }
    }

    /// The state of all pairs together, for the tray.
    pub fn overall(&self) -> Overall {
        let folders = self.folders().unwrap_or_default();
        // Calendars and contacts count too.
        let (pim_syncing, pim_offline) = self.hub.pim_overall();
        let pim_error = self
            .pim_collections()
            .is_ok_and(|c| c.iter().any(|c| c.status == crate::PimStatus::Error));
        let pim_any = pim_syncing || pim_offline || pim_error;
        if folders.is_empty() && !pim_any {
            return Overall::Idle;
        }
        let any = |s: FolderStatus| folders.iter().any(|f| f.status == s);
        if any(FolderStatus::Error) || any(FolderStatus::Attention) || pim_error {
            Overall::Error
        } else if any(FolderStatus::Syncing) || pim_syncing {
            Overall::Syncing
        } else if any(FolderStatus::Offline) || pim_offline {
            Overall::Offline
        } else if !folders.is_empty() && folders.iter().all(|f| f.status == FolderStatus::Paused) {
            Overall::Paused
        } else {
            Overall::UpToDate
        }
    }
}
