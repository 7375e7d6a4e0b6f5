//! One sync pass: scan, list, plan, execute, record.
//!
//! Safety rails:
//! - a scan or listing error aborts the pass before anything is touched;
//! - the mass-delete guard stops a pass that would delete too much unless
//!   the member agreed;
//! - downloads go to a temporary file in the target folder, checked
//!   against the listed size (and SHA-1 when the server has one), and are
//!   renamed into place only if the local file did not change meanwhile;
//! - local files deleted because they were deleted on the server go to the
//!   OS trash (or, where there is none, to `.commonscloud-trash/`), never
//!   unlinked;
//! - an upload of a file that changed while it was sent is recorded as not
//!   done, so the next pass sends it again;
//! - the journal row of each action is written when that action finished.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use cc_dav::files::{Precondition, PutInfo, PutOptions};
use cc_dav::nextcloud::ChunkedUpload;
use cc_dav::{DavClient, DavError, ErrorKind, Throttle};
use rusqlite::Connection;
use sha1::{Digest, Sha1};
use tokio::io::AsyncWriteExt;
use url::Url;

use crate::ignore::IgnoreRules;
use crate::journal::{self, JournalError};
use crate::nextcloud::{Chunking, NextcloudUploads};
use crate::path::SyncPath;
use crate::plan::{self, Action, Kind, LocalMeta, Options, Plan, Problem, Synced};
use crate::remote::{self, RemoteEntry, RemoteListing};
use crate::scan::{self, LocalScan, ScanError, meta_of};
use crate::trash::Trash;

/// Why a pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error("listing the server folder failed, nothing was changed: {0}")]
    Listing(DavError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(
        "this pass would delete {deletes} of {tracked} files; nothing was deleted. \
         Check the folders, then allow it explicitly if it is what you want"
    )]
    MassDelete { deletes: usize, tracked: usize },
}

/// Settings of a pass.
#[derive(Debug, Clone)]
pub struct PassOptions {
    pub plan: Options,
    /// The member agreed to a pass that trips the mass-delete guard.
    pub allow_mass_delete: bool,
    /// Transfers in flight at once.
    pub parallel: usize,
    /// `YYYY-MM-DD HHMMSS`, for conflicted copies (time is passed in).
    pub conflict_stamp: String,
    /// Seconds since the epoch, for the journal.
    pub now: i64,
    /// Upload limit in bytes per second, shared by all the uploads of the
    /// pass (`None`: as fast as the network goes).
    pub upload_limit: Option<u64>,
    /// Download limit in bytes per second, shared by all the downloads of
    /// the pass.
    pub download_limit: Option<u64>,
    /// Nextcloud's chunked and bulk uploads, when the server offers them
    /// (see [`NextcloudUploads::new`]); `None`: plain PUTs.
    pub nextcloud: Option<NextcloudUploads>,
    /// Give the pass's free memory back to the system at its end (a
    /// process that stays, like the app); a process that exits after one
    /// pass (`commonscloud sync --once`) need not.
    pub give_back_memory: bool,
}

impl Default for PassOptions {
    fn default() -> Self {
        PassOptions {
            plan: Options::default(),
            allow_mass_delete: false,
            parallel: 8,
            conflict_stamp: "0000-00-00 000000".into(),
            now: 0,
            upload_limit: None,
            download_limit: None,
            nextcloud: None,
            give_back_memory: true,
        }
    }
}

/// What happened to one action that did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub path: SyncPath,
    pub action: String,
    pub error: String,
}

/// What a pass did.
#[derive(Debug, Clone, Default)]
pub struct PassReport {
    pub uploaded: usize,
    pub downloaded: usize,
    pub deleted_local: usize,
    pub deleted_remote: usize,
    pub folders: usize,
    /// Files and folders moved (renamed) on the server as they were here.
    pub moved: usize,
    /// Of the files downloaded, those that came in folder archives
    /// (Nextcloud), not one GET each.
    pub archived: usize,
    /// Folder archives asked for.
    pub archives: usize,
    /// Conflicted copies made (paths of the copies).
    pub conflicts: Vec<SyncPath>,
    /// Problems first seen in this pass (reported once).
    pub problems: Vec<(SyncPath, Problem)>,
    pub failures: Vec<Failure>,
    /// Actions planned, reports excluded.
    pub planned: usize,
    pub remote_requests: usize,
    /// What went through the upload limit (zero without one).
    pub limited_up: LimitStats,
    /// What went through the download limit (zero without one).
    pub limited_down: LimitStats,
}

/// The accounting of a bandwidth limit over one pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LimitStats {
    /// Bytes sent or received under the limit (a transfer sent again
    /// counts again).
    pub bytes: u64,
    /// Time the transfers slept to keep to the limit, added up over the
    /// transfers.
    pub waited: std::time::Duration,
}

impl LimitStats {
    fn of(t: Option<&Throttle>) -> Self {
        t.map(|t| LimitStats {
            bytes: t.bytes(),
            waited: t.waited(),
        })
        .unwrap_or_default()
    }
}

impl PassReport {
    /// Both sides agree and nothing failed.
    pub fn in_sync(&self) -> bool {
        self.failures.is_empty() && self.planned == 0
    }
}

/// The plan of a pass: [`plan::plan`] over the scan and the listing as
/// they are (the listed root folder included, what the scan skipped left
/// out on the server side too), without copying them. `journal` is
/// expected without the skipped paths already.
pub fn plan_pass(
    scan: &LocalScan,
    listing: &RemoteListing,
    journal: &BTreeMap<SyncPath, Synced>,
    opts: Options,
) -> Plan {
    plan::plan_entries(
        &LocalView(&scan.entries),
        &RemoteView {
            entries: &listing.entries,
            root: listing.root.as_ref(),
            root_path: SyncPath::root(),
            skipped: &scan.skipped,
        },
        journal,
        opts,
    )
}

/// The scan's entries as the planner reads them.
struct LocalView<'a>(&'a BTreeMap<SyncPath, scan::LocalEntry>);

impl plan::Entries<LocalMeta> for LocalView<'_> {
    fn get(&self, p: &SyncPath) -> Option<&LocalMeta> {
        self.0.get(p).map(|e| &e.meta)
    }

    fn paths(&self) -> impl Iterator<Item = &SyncPath> {
        self.0.keys()
    }

    fn below<'s>(&'s self, p: &SyncPath) -> impl Iterator<Item = (&'s SyncPath, &'s LocalMeta)>
    where
        LocalMeta: 's,
    {
        p.below(self.0).map(|(k, e)| (k, &e.meta))
    }

    fn entries<'s>(&'s self) -> impl Iterator<Item = (&'s SyncPath, &'s LocalMeta)>
    where
        LocalMeta: 's,
    {
        self.0.iter().map(|(k, e)| (k, &e.meta))
    }
}

/// The listing as the planner reads it: the root folder's own entry at
/// the root path, and nothing where the scan skipped a path here (a
/// symlink in the place of a server entry is not a deletion, nor a new
/// server entry to fetch).
struct RemoteView<'a> {
    entries: &'a BTreeMap<SyncPath, RemoteEntry>,
    root: Option<&'a RemoteEntry>,
    root_path: SyncPath,
    skipped: &'a [SyncPath],
}

impl RemoteView<'_> {
    fn hidden(&self, p: &SyncPath) -> bool {
        self.skipped.iter().any(|s| p.starts_with(s))
    }
}

impl plan::Entries<plan::RemoteMeta> for RemoteView<'_> {
    fn get(&self, p: &SyncPath) -> Option<&plan::RemoteMeta> {
        if p.is_root() {
            return self.root.map(|r| &r.meta);
        }
        if self.hidden(p) {
            return None;
        }
        self.entries.get(p).map(|e| &e.meta)
    }

    fn paths(&self) -> impl Iterator<Item = &SyncPath> {
        self.root
            .map(|_| &self.root_path)
            .into_iter()
            .chain(self.entries.keys().filter(|p| !self.hidden(p)))
    }

    fn below<'s>(
        &'s self,
        p: &SyncPath,
    ) -> impl Iterator<Item = (&'s SyncPath, &'s plan::RemoteMeta)>
    where
        plan::RemoteMeta: 's,
    {
        p.below(self.entries)
            .filter(|(k, _)| !self.hidden(k))
            .map(|(k, e)| (k, &e.meta))
    }

    fn entries<'s>(&'s self) -> impl Iterator<Item = (&'s SyncPath, &'s plan::RemoteMeta)>
    where
        plan::RemoteMeta: 's,
    {
        self.root
            .map(|r| (&self.root_path, &r.meta))
            .into_iter()
            .chain(
                self.entries
                    .iter()
                    .filter(|(k, _)| !self.hidden(k))
                    .map(|(k, e)| (k, &e.meta)),
            )
    }
}

/// A folder pair being synced.
#[derive(Debug)]
pub struct SyncFolder {
    pub local_root: PathBuf,
    pub remote_root: Url,
    pub client: DavClient,
    pub ignore: IgnoreRules,
    pub folder_id: i64,
    /// Where deleted local files go.
    pub trash: Trash,
}

/// Progress of a pass, for a bar or a view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    Scanning,
    Listing,
    /// The work of the pass: actions (reports excluded) and the bytes the
    /// transfers among them move.
    Planned {
        actions: usize,
        bytes: u64,
    },
    /// One action finished; `bytes` it moved over the network.
    Done {
        path: SyncPath,
        done: Done,
        bytes: u64,
    },
    /// One action failed (kept for the next pass); `error` in English.
    Failed {
        path: SyncPath,
        error: String,
    },
}

/// What a finished action did, for an activity list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    Uploaded,
    Downloaded,
    DeletedLocal,
    DeletedRemote,
    /// A folder made on either side.
    Folder,
    /// Both sides changed: the local version was kept as a conflicted
    /// copy (recorded in the journal's open conflicts).
    Conflict,
    /// A name that cannot sync, reported.
    NotSynced,
    /// Renamed or moved here, and so on the server (no bytes sent).
    Moved,
    /// Only the journal changed (both sides already agreed).
    Recorded,
}

/// Gives the memory the allocator holds free back to the system.
///
/// glibc keeps what a thread freed in that thread's arena, for that arena
/// only (the likely reason): a pass whose maps are built on other threads
/// than the last one's (the runtime's workers, the parsers' blocking
/// threads) takes new memory beside the old. Measured on the 100,000-file
/// first sync (an upload pass, then a no-change pass in the same process):
/// its peak was 27 MB above the no-change pass alone (111.2 against
/// 84.0 MB), 95.8 MB with this. Between passes the engine holds little,
/// so this is also what an idle app keeps.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn release_free_memory() {
    unsafe extern "C" {
        /// glibc: releases free memory at the top of the heap and whole
        /// free pages inside every arena; `pad` bytes are kept at the top.
        fn malloc_trim(pad: usize) -> std::os::raw::c_int;
    }
    // SAFETY: malloc_trim takes no pointer and only returns free pages
    // of glibc's own arenas; it is safe to call at any time from any
    // thread.
    unsafe {
        malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() {}

fn local_path(root: &Path, p: &SyncPath) -> PathBuf {
    let mut out = root.to_path_buf();
    for n in p.names() {
        out.push(n);
    }
    out
}

fn problem_of(p: &scan::ScanProblem) -> Problem {
    match p {
        scan::ScanProblem::Symlink => Problem::Symlink,
        scan::ScanProblem::NotUtf8 => Problem::NotUtf8,
        scan::ScanProblem::DuplicateSpelling => Problem::DuplicateSpelling,
        scan::ScanProblem::Special => Problem::Special,
        scan::ScanProblem::ServerRefuses => Problem::ServerRefuses,
    }
}

/// `name (conflicted copy 2026-11-25 093612).ext`.
pub fn conflict_name(name: &str, stamp: &str) -> String {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    format!("{stem} (conflicted copy {stamp}){ext}")
}

fn sha1_file(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha1::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

impl SyncFolder {
    fn url_of(&self, p: &SyncPath) -> Url {
        cc_dav::href::join_names(&self.remote_root, p.names())
    }

    fn dir_url_of(&self, p: &SyncPath) -> Url {
        cc_dav::href::as_collection(&self.url_of(p))
    }

    /// Runs one pass.
    pub async fn sync_once(
        &self,
        conn: &Connection,
        opts: &PassOptions,
        progress: impl FnMut(Progress),
    ) -> Result<PassReport, SyncError> {
        let result = self.pass(conn, opts, progress).await;
        // The pass's scan, listing, journal and plan are gone: their
        // memory goes back to the system instead of waiting in the
        // allocator for the next pass.
        if opts.give_back_memory {
            release_free_memory();
        }
        result
    }

    async fn pass(
        &self,
        conn: &Connection,
        opts: &PassOptions,
        mut progress: impl FnMut(Progress),
    ) -> Result<PassReport, SyncError> {
        progress(Progress::Scanning);
        let root = self.local_root.clone();
        let ignore = self.ignore.clone();
        // The local scan runs on its own thread while the server is
        // listed: neither waits for the other.
        let scanning = tokio::task::spawn_blocking(move || scan::scan(&root, &ignore));
        let mut jr = journal::load(conn, self.folder_id)?;
        progress(Progress::Listing);
        // What the journal holds below a folder was synced under the ignore
        // rules of then: when they changed (a folder taken back into
        // selective sync, say), every folder is listed once.
        let rules = self.ignore.fingerprint();
        let same_rules =
            journal::ignore_fingerprint(conn, self.folder_id)?.as_deref() == Some(rules.as_str());
        let mut listing =
            remote::list_tree_skipping(&self.client, &self.remote_root, &self.ignore, |p| {
                jr.get(p)
                    .filter(|s| same_rules && s.kind == Kind::Dir)
                    .and_then(|s| s.etag.clone())
            })
            .await
            .map_err(SyncError::Listing)?;
        let mut scan = scanning.await.expect("scan task")?;
        // Names the server would refuse stay here, reported once, instead
        // of failing again at every pass.
        if let Some(nc) = opts
            .nextcloud
            .as_ref()
            .filter(|n| !n.refused_names.is_empty())
        {
            scan.set_aside(
                |name| nc.refused_names.refuses(name),
                scan::ScanProblem::ServerRefuses,
            );
        }
        // Below a folder whose ETag did not change, the server holds what
        // the journal says.
        let mut packer = crate::path::Packer::default();
        for dir in listing.unchanged.clone() {
            for (p, s) in dir.below(&jr) {
                if self.ignore.is_ignored(p) {
                    continue;
                }
                packer.insert(&mut listing.entries, p.clone(), self.recorded_entry(s));
            }
        }
        if !listing.unchanged.is_empty() {
            packer.finish(&mut listing.entries);
        }
        // Paths the scan skipped (symlinks…) are not deletions.
        for s in &scan.skipped {
            jr.retain(|p, _| !p.starts_with(s));
        }
        let plan = plan_pass(&scan, &listing, &jr, opts.plan);
        // What the plan moves on the server is found at its new place by
        // the actions that follow.
        for a in &plan.actions {
            if let Action::MoveRemote { from, to } = a {
                plan::rekey(&mut listing.entries, from, to);
                let mut moved: Vec<SyncPath> =
                    to.below(&listing.entries).map(|(p, _)| p.clone()).collect();
                moved.push(to.clone());
                for p in moved {
                    if let Some(entry) = listing.entries.get_mut(&p) {
                        // At the new place, as this side spells it.
                        entry.respelled = None;
                    }
                }
            }
        }
        if plan.mass_delete && !opts.allow_mass_delete {
            return Err(SyncError::MassDelete {
                deletes: plan.deletes,
                tracked: plan.tracked,
            });
        }
        let mut report = PassReport {
            planned: plan.work().count(),
            remote_requests: listing.requests,
            ..PassReport::default()
        };
        for (path, problem) in &scan.problems {
            let problem = problem_of(problem);
            self.note_once(conn, &SyncPath::parse(path), problem, opts, &mut report)?;
        }
        let bytes = plan
            .work()
            .map(|a| match a {
                Action::Upload { path, .. } => scan.entries.get(path).map_or(0, |e| e.meta.size),
                Action::Download { path }
                | Action::Compare { path }
                | Action::Conflict { path } => listing.entries.get(path).map_or(0, |e| e.meta.size),
                _ => 0,
            })
            .sum();
        progress(Progress::Planned {
            actions: report.planned,
            bytes,
        });
        let refused = self
            .execute(
                conn,
                &plan,
                &scan,
                &listing,
                opts,
                &mut report,
                &mut progress,
            )
            .await?;
        // Problems that are gone are forgotten (and reported again if they
        // come back).
        let mut current: Vec<(SyncPath, Problem)> = scan
            .problems
            .iter()
            .map(|(p, k)| (SyncPath::parse(p), problem_of(k)))
            .collect();
        for a in &plan.actions {
            if let Action::Report { path, problem } = a {
                current.push((path.clone(), *problem));
            }
        }
        current.extend(refused.iter().cloned());
        journal::retain_problems(conn, self.folder_id, &current)?;
        self.record_folder_etags(conn, &plan, &listing, &report, &refused, &scan.skipped)?;
        if !same_rules {
            journal::set_ignore_fingerprint(conn, self.folder_id, &rules)?;
        }
        // Chunked uploads of files that are gone are not resumed.
        for (p, _) in journal::pending_uploads(conn, self.folder_id)? {
            if !scan.entries.contains_key(&p) {
                journal::upload_finished(conn, self.folder_id, &p)?;
            }
        }
        // Partial downloads found by the scan are kept only for files
        // whose download failed in this pass (to be resumed); the others
        // are done with (put in place) or no longer wanted.
        let keep: std::collections::HashSet<PathBuf> = report
            .failures
            .iter()
            .filter_map(|f| download_tmp(&self.local_root, &f.path))
            .flat_map(|t| [version_of(&t), t])
            .collect();
        for rel in &scan.partial_downloads {
            let abs = self.local_root.join(rel);
            if !keep.contains(&abs) {
                let _ = std::fs::remove_file(&abs);
            }
        }
        // Conflicts whose copy the member moved or deleted are closed.
        journal::retain_conflicts(conn, self.folder_id, |copy| {
            local_path(&self.local_root, copy).exists()
        })?;
        Ok(report)
    }

    /// A journal row standing for the server entry it recorded, below a
    /// folder whose ETag says nothing changed.
    fn recorded_entry(&self, s: &Synced) -> RemoteEntry {
        RemoteEntry {
            meta: plan::RemoteMeta {
                kind: s.kind,
                etag: s.etag.clone(),
                size: s.remote_size,
                mtime: s.remote_mtime,
                file_id: s.file_id.clone(),
                perms: s.perms,
                mount_root: s.mount_root,
            },
            respelled: None,
            sha1: None,
            mount_type: None,
        }
    }

    /// After a pass, each folder that was listed keeps the ETag it had in
    /// the listing, so the next pass can skip it if it stays the same; but
    /// only when what the journal holds below it is what the server held:
    /// not above an action that failed or was refused, nor above something
    /// on the server that is reported or not scanned here instead of
    /// synced. Those folders are listed again next time.
    #[allow(clippy::too_many_arguments)]
    fn record_folder_etags(
        &self,
        conn: &Connection,
        plan: &Plan,
        listing: &RemoteListing,
        report: &PassReport,
        refused: &[(SyncPath, Problem)],
        not_scanned: &[SyncPath],
    ) -> Result<(), SyncError> {
        if !listing.propagates_etags {
            return Ok(());
        }
        let mut unsettled: Vec<&SyncPath> = report.failures.iter().map(|f| &f.path).collect();
        unsettled.extend(refused.iter().map(|(p, _)| p));
        // A symlink (or the like) here where the server has an entry: that
        // entry is not in the journal.
        unsettled.extend(
            not_scanned
                .iter()
                .filter(|p| listing.entries.contains_key(*p)),
        );
        for a in &plan.actions {
            if let Action::Report { path, .. } = a
                && listing.entries.contains_key(path)
            {
                unsettled.push(path);
            }
        }
        for (dir, etag) in &listing.listed {
            if dir.is_root() {
                continue;
            }
            let settled = !unsettled.iter().any(|p| p.starts_with(dir) && *p != dir);
            let etag = if settled { etag.as_deref() } else { None };
            journal::set_folder_etag(conn, self.folder_id, dir, etag)?;
        }
        // A refusal below a folder that was not listed: the journal no
        // longer holds what the server does there; list it next time.
        for (p, _) in refused {
            for anc in p.ancestors() {
                journal::set_folder_etag(conn, self.folder_id, &anc, None)?;
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn execute(
        &self,
        conn: &Connection,
        plan: &Plan,
        scan: &LocalScan,
        listing: &RemoteListing,
        opts: &PassOptions,
        report: &mut PassReport,
        progress: &mut impl FnMut(Progress),
    ) -> Result<Vec<(SyncPath, Problem)>, SyncError> {
        let mut refused = Vec::new();
        let ctx = Ctx {
            folder: self,
            conn,
            listing,
            scan,
            stamp: opts.conflict_stamp.clone(),
            now: opts.now,
            nextcloud: opts.nextcloud.clone(),
            pending_chunked: journal::pending_uploads(conn, self.folder_id)?
                .into_iter()
                .map(|(p, _)| p)
                .collect(),
            up: opts.upload_limit.map(Throttle::new),
            down: opts.download_limit.map(Throttle::new),
            archives_work: AtomicBool::new(true),
            archived: AtomicUsize::new(0),
            archive_requests: AtomicUsize::new(0),
        };
        // A run of transfers goes in one stream with `parallel` of them in
        // flight (small new files grouped into bulk uploads where the
        // server offers them); the rest in order.
        let mut batch: Vec<&Action> = Vec::new();
        for action in &plan.actions {
            let transfer = matches!(
                action,
                Action::Upload { .. }
                    | Action::Download { .. }
                    | Action::Compare { .. }
                    | Action::Conflict { .. }
            );
            if transfer {
                batch.push(action);
                continue;
            }
            self.run_batch(conn, &ctx, &mut batch, opts, report, progress, &mut refused)
                .await?;
            let outcome = ctx.run(action).await;
            self.finish(conn, action, outcome, opts, report, progress, &mut refused)?;
        }
        self.run_batch(conn, &ctx, &mut batch, opts, report, progress, &mut refused)
            .await?;
        report.limited_up = LimitStats::of(ctx.up.as_ref());
        report.limited_down = LimitStats::of(ctx.down.as_ref());
        report.archived = ctx.archived.load(Ordering::Relaxed);
        report.archives = ctx.archive_requests.load(Ordering::Relaxed);
        Ok(refused)
    }

    #[allow(clippy::too_many_arguments)]
    async fn run_batch(
        &self,
        conn: &Connection,
        ctx: &Ctx<'_>,
        batch: &mut Vec<&Action>,
        opts: &PassOptions,
        report: &mut PassReport,
        progress: &mut impl FnMut(Progress),
        refused: &mut Vec<(SyncPath, Problem)>,
    ) -> Result<(), SyncError> {
        use futures_util::StreamExt;
        let jobs = ctx.jobs(std::mem::take(batch));
        let mut results = futures_util::stream::iter(jobs.into_iter().map(|job| async move {
            match job {
                Job::One(a) => vec![(a, ctx.run(a).await)],
                Job::Bulk(actions) => ctx.bulk(actions).await,
                Job::Archive(dir, actions) => ctx.archive(&dir, actions).await,
            }
        }))
        .buffer_unordered(opts.parallel.max(1));
        while let Some(done) = results.next().await {
            for (action, outcome) in done {
                self.finish(conn, action, outcome, opts, report, progress, refused)?;
            }
        }
        Ok(())
    }

    /// Remembers a problem of `path`; reported in this pass only the first
    /// time it is seen.
    fn note_once(
        &self,
        conn: &Connection,
        path: &SyncPath,
        problem: Problem,
        opts: &PassOptions,
        report: &mut PassReport,
    ) -> Result<(), SyncError> {
        if journal::note_problem(conn, self.folder_id, path, problem, opts.now)? {
            report.problems.push((path.clone(), problem));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        conn: &Connection,
        action: &Action,
        outcome: Result<Outcome, String>,
        opts: &PassOptions,
        report: &mut PassReport,
        progress: &mut impl FnMut(Progress),
        refused: &mut Vec<(SyncPath, Problem)>,
    ) -> Result<(), SyncError> {
        let path = action.path().clone();
        let mut bytes = 0;
        let mut conflict = false;
        let server_keeps = matches!(outcome, Ok(Outcome::Refused(_)));
        match outcome {
            Ok(Outcome::Record(s)) => {
                bytes = transferred(action, &s);
                journal::record(conn, self.folder_id, &path, &s)?
            }
            Ok(Outcome::RecordWithConflict(s, copy)) => {
                bytes = transferred(action, &s);
                conflict = true;
                journal::record(conn, self.folder_id, &path, &s)?;
                journal::note_conflict(conn, self.folder_id, &path, &copy, opts.now)?;
                report.conflicts.push(copy);
            }
            Ok(Outcome::Forget) => journal::forget(conn, self.folder_id, &path)?,
            Ok(Outcome::Moved { from }) => journal::rename(conn, self.folder_id, &from, &path)?,
            // Problems the plan reported.
            Ok(Outcome::Reported(problem)) if matches!(action, Action::Report { .. }) => {
                self.note_once(conn, &path, problem, opts, report)?
            }
            Ok(Outcome::Refused(problem) | Outcome::Reported(problem)) => {
                // The server refused the action. A refused deletion: it
                // keeps the entry, so the row is forgotten and the next
                // pass puts the entry back here instead of asking again
                // and again. A refused upload (a place it does not let the
                // member write): nothing changed, the row stays. Either
                // way reported once, not counted, and its folder not
                // settled.
                if server_keeps {
                    journal::forget(conn, self.folder_id, &path)?;
                }
                self.note_once(conn, &path, problem, opts, report)?;
                refused.push((path.clone(), problem));
                progress(Progress::Done {
                    path,
                    done: Done::NotSynced,
                    bytes: 0,
                });
                return Ok(());
            }
            Err(error) => {
                progress(Progress::Failed {
                    path: path.clone(),
                    error: error.clone(),
                });
                report.failures.push(Failure {
                    path: path.clone(),
                    action: format!("{action:?}"),
                    error,
                });
                return Ok(());
            }
        }
        match action {
            Action::Upload { .. } => report.uploaded += 1,
            Action::Download { .. } | Action::Conflict { .. } | Action::Compare { .. } => {
                report.downloaded += 1
            }
            Action::DeleteLocal(_) | Action::RemoveDirLocal(_) => report.deleted_local += 1,
            Action::DeleteRemote { .. } | Action::RemoveDirRemote(_) => report.deleted_remote += 1,
            Action::MkdirLocal(_) | Action::MkdirRemote(_) => report.folders += 1,
            Action::MoveRemote { .. } => report.moved += 1,
            _ => {}
        }
        let done = match action {
            _ if conflict => Done::Conflict,
            Action::Upload { .. } => Done::Uploaded,
            Action::Download { .. } | Action::Compare { .. } | Action::Conflict { .. } => {
                Done::Downloaded
            }
            Action::DeleteLocal(_) | Action::RemoveDirLocal(_) => Done::DeletedLocal,
            Action::DeleteRemote { .. } | Action::RemoveDirRemote(_) => Done::DeletedRemote,
            Action::MkdirLocal(_) | Action::MkdirRemote(_) => Done::Folder,
            Action::Report { .. } => Done::NotSynced,
            Action::Record(_) | Action::Forget(_) => Done::Recorded,
            // Moved on the server too (no bytes sent).
            Action::MoveRemote { .. } => Done::Moved,
        };
        progress(Progress::Done { path, done, bytes });
        Ok(())
    }
}

/// Bytes gathered before a download writes to its file.
const DOWNLOAD_BUFFER: usize = 256 * 1024;

/// Where a download of `p` is written before it is put in place: next to
/// it, named by a hash of its path.
fn download_tmp(root: &Path, p: &SyncPath) -> Option<PathBuf> {
    let target = local_path(root, p);
    let dir = target.parent()?;
    Some(dir.join(format!(
        "{}{}",
        scan::DOWNLOAD_PREFIX,
        &hex::encode(Sha1::digest(p.as_str().as_bytes()))[..12]
    )))
}

/// The file beside a partial download naming the version (ETag) it holds
/// bytes of.
fn version_of(tmp: &Path) -> PathBuf {
    let mut name = tmp.file_name().unwrap_or_default().to_os_string();
    name.push(".etag");
    tmp.with_file_name(name)
}

/// Bytes an action moved over the network, from what it recorded.
fn transferred(action: &Action, s: &Synced) -> u64 {
    match action {
        Action::Upload { .. } => s.local.size,
        Action::Download { .. } | Action::Compare { .. } | Action::Conflict { .. } => s.remote_size,
        _ => 0,
    }
}

/// Transfers as they are sent: one by one, several small new files in
/// one bulk upload, or several small new files of one folder in one
/// archive download.
enum Job<'a> {
    One(&'a Action),
    Bulk(Vec<&'a Action>),
    Archive(SyncPath, Vec<&'a Action>),
}

/// What a finished action asks the journal to do.
enum Outcome {
    Record(Synced),
    RecordWithConflict(Synced, SyncPath),
    Forget,
    /// Moved on the server: the journal's rows of `from` follow.
    Moved {
        from: SyncPath,
    },
    /// The server refused a deletion (403: a read-only place): reported,
    /// and the entry is put back here by the next pass.
    Refused(Problem),
    Reported(Problem),
}

struct Ctx<'a> {
    folder: &'a SyncFolder,
    /// The state file: chunked uploads are remembered before they start.
    conn: &'a Connection,
    listing: &'a RemoteListing,
    scan: &'a LocalScan,
    stamp: String,
    now: i64,
    /// The pass's bandwidth limits, shared by its transfers.
    up: Option<Throttle>,
    down: Option<Throttle>,
    nextcloud: Option<NextcloudUploads>,
    /// Paths with a chunked upload under way (from earlier passes).
    pending_chunked: std::collections::BTreeSet<SyncPath>,
    /// Folder archives still worth asking for in this pass (a server that
    /// answered one with something else is not asked again).
    archives_work: AtomicBool,
    /// Files placed from archives, and archives asked for.
    archived: AtomicUsize,
    archive_requests: AtomicUsize,
}

fn e2s(e: impl std::fmt::Display) -> String {
    e.to_string()
}

impl Ctx<'_> {
    fn remote(&self, p: &SyncPath) -> Option<&RemoteEntry> {
        self.listing.entries.get(p)
    }

    /// The URL of `p` on the server, without a trailing slash (callers
    /// addressing a folder add it): as the server spells it where the
    /// listing has it otherwise than the path (a name in NFD, say, whose
    /// NFC key would name nothing there), else made from the path. Not
    /// from the listing's kind: a file may be sent where the plan removed
    /// a folder first.
    fn server_url(&self, p: &SyncPath) -> Url {
        match self.remote(p).and_then(|r| r.respelled.as_deref()) {
            Some(u) if u.path().len() > 1 && u.path().ends_with('/') => {
                let mut u = u.clone();
                let path = u.path().trim_end_matches('/').to_owned();
                u.set_path(&path);
                u
            }
            Some(u) => u.clone(),
            None => self.folder.url_of(p),
        }
    }

    fn abs(&self, p: &SyncPath) -> PathBuf {
        match self.scan.entries.get(p) {
            Some(e) => self.folder.local_root.join(&e.disk_path),
            None => local_path(&self.folder.local_root, p),
        }
    }

    fn stat(&self, p: &SyncPath) -> Result<LocalMeta, String> {
        std::fs::symlink_metadata(self.abs(p))
            .map(|m| meta_of(&m))
            .map_err(e2s)
    }

    fn synced(&self, local: LocalMeta, r: &RemoteEntry, etag: Option<String>) -> Synced {
        Synced {
            kind: r.meta.kind,
            local,
            // A folder's ETag is recorded only once everything below it is
            // in sync (at the end of a pass, see `record_folder_etags`): a
            // pass stopped half-way must list it again, not skip it.
            etag: match r.meta.kind {
                Kind::Dir => None,
                Kind::File => etag.or_else(|| r.meta.etag.clone()),
            },
            remote_size: r.meta.size,
            remote_mtime: r.meta.mtime,
            file_id: r.meta.file_id.clone(),
            perms: r.meta.perms,
            mount_root: r.meta.mount_root,
        }
    }

    async fn run(&self, action: &Action) -> Result<Outcome, String> {
        match action {
            Action::Report { problem, .. } => Ok(Outcome::Reported(*problem)),
            Action::Forget(_) => Ok(Outcome::Forget),
            Action::Record(p) => {
                let r = self.remote(p).ok_or("no remote entry")?;
                Ok(Outcome::Record(self.synced(self.stat(p)?, r, None)))
            }
            Action::MkdirLocal(p) => {
                std::fs::create_dir_all(self.abs(p)).map_err(e2s)?;
                let r = self.remote(p).ok_or("no remote entry")?;
                Ok(Outcome::Record(self.synced(self.stat(p)?, r, None)))
            }
            Action::MkdirRemote(p) => {
                let url = self.folder.dir_url_of(p);
                match self.folder.client.mkcol(&url).await {
                    Ok(()) => {}
                    // Something is there already: fine if it is a folder
                    // (made meanwhile by someone else), not if a file.
                    Err(e) if e.kind == ErrorKind::NotAllowed => {
                        let there = self
                            .folder
                            .client
                            .stat(&url, &[cc_dav::xml::QName::dav("resourcetype")])
                            .await
                            .map_err(e2s)?;
                        if !there.is_collection() {
                            return Err("a file of that name is on the server".into());
                        }
                    }
                    Err(e) => return Err(e.to_string()),
                }
                let local = self.stat(p)?;
                Ok(Outcome::Record(Synced {
                    kind: Kind::Dir,
                    local,
                    etag: None,
                    remote_size: 0,
                    remote_mtime: None,
                    file_id: None,
                    perms: None,
                    mount_root: false,
                }))
            }
            Action::MoveRemote { from, to } => {
                let dir = self.remote(to).is_some_and(|r| r.meta.kind == Kind::Dir);
                let (src, dst) = if dir {
                    (self.folder.dir_url_of(from), self.folder.dir_url_of(to))
                } else {
                    (self.folder.url_of(from), self.folder.url_of(to))
                };
                self.folder
                    .client
                    .move_to(&src, &dst, false)
                    .await
                    .map_err(e2s)?;
                Ok(Outcome::Moved { from: from.clone() })
            }
            Action::Upload { path, if_match } => self.upload(path, if_match.as_deref()).await,
            Action::Download { path } => self.download(path, false).await,
            Action::Compare { path } => self.download(path, true).await,
            Action::Conflict { path } => self.conflict(path).await,
            Action::DeleteRemote { path, if_match } => {
                let url = self.server_url(path);
                match self.folder.client.delete(&url, if_match.as_deref()).await {
                    Ok(()) => Ok(Outcome::Forget),
                    Err(e) if e.kind == ErrorKind::NotFound => Ok(Outcome::Forget),
                    Err(e) if matches!(e.kind, ErrorKind::Forbidden(_)) => {
                        Ok(Outcome::Refused(Problem::ReadOnly))
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
            Action::RemoveDirRemote(p) => {
                let url = cc_dav::href::as_collection(&self.server_url(p));
                match self.folder.client.delete(&url, None).await {
                    Ok(()) => Ok(Outcome::Forget),
                    Err(e) if e.kind == ErrorKind::NotFound => Ok(Outcome::Forget),
                    Err(e) if matches!(e.kind, ErrorKind::Forbidden(_)) => {
                        Ok(Outcome::Refused(Problem::ReadOnly))
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
            Action::DeleteLocal(p) => {
                let path = self.abs(p);
                // Only if it is still what the scan saw.
                let now = std::fs::symlink_metadata(&path).map(|m| meta_of(&m));
                match (now, self.scan.entries.get(p)) {
                    (Ok(now), Some(seen)) if now == seen.meta => {
                        self.folder
                            .trash
                            .put(&self.folder.local_root, &path)
                            .map_err(e2s)?;
                        Ok(Outcome::Forget)
                    }
                    (Err(_), _) => Ok(Outcome::Forget),
                    _ => Err("changed since the scan; kept, will sync next time".into()),
                }
            }
            Action::RemoveDirLocal(p) => {
                let path = self.abs(p);
                let empty = std::fs::read_dir(&path)
                    .map(|mut d| d.next().is_none())
                    .unwrap_or(true);
                if !empty {
                    return Err("folder not empty; kept".into());
                }
                if path.exists() {
                    self.folder
                        .trash
                        .put(&self.folder.local_root, &path)
                        .map_err(e2s)?;
                }
                Ok(Outcome::Forget)
            }
        }
    }

    async fn upload(&self, p: &SyncPath, if_match: Option<&str>) -> Result<Outcome, String> {
        let before = self.stat(p)?;
        let chunking = self
            .nextcloud
            .as_ref()
            .and_then(|n| n.chunking.as_ref())
            .filter(|c| before.size > c.threshold);
        let info = match chunking {
            Some(c) => self.send_chunked(p, &before, c).await?,
            None => {
                let info = match self.put(p, if_match).await {
                    Ok(info) => info,
                    // The server does not let the member write here (a
                    // read-only place it did not tell as such, 403 as in
                    // recording 098): kept here, reported once, not a
                    // failure; sent again at the next pass in case that
                    // changed.
                    Err(e) if matches!(e.kind, ErrorKind::Forbidden(_)) => {
                        return Ok(Outcome::Reported(Problem::ReadOnly));
                    }
                    Err(e) => return Err(e.to_string()),
                };
                // A chunked upload left from before is not needed any
                // more (the server drops its folder after 24 h).
                if self.pending_chunked.contains(p) {
                    journal::upload_finished(self.conn, self.folder.folder_id, p).map_err(e2s)?;
                }
                info
            }
        };
        self.uploaded(p, before, info).await
    }

    /// Sends `p` in chunks (Nextcloud), resuming the upload a previous run
    /// left when it was started for the same local file. The upload is
    /// remembered in the state file before its first request and forgotten
    /// once the server has assembled the file.
    async fn send_chunked(
        &self,
        p: &SyncPath,
        before: &LocalMeta,
        c: &Chunking,
    ) -> Result<PutInfo, String> {
        let folder = self.folder.folder_id;
        let earlier = journal::pending_upload(self.conn, folder, p).map_err(e2s)?;
        let same_file = |u: &journal::PendingUpload| {
            u.size == before.size && u.mtime_ns == before.mtime_ns && u.inode == before.inode
        };
        let (pending, resume) = match earlier {
            Some(u) if same_file(&u) => (u, true),
            other => {
                if let Some(old) = other {
                    // Started for another version of the file: abandon it.
                    let old =
                        ChunkedUpload::new(&c.uploads_root, &old.transfer_id, self.server_url(p));
                    if let Err(e) = self.folder.client.abort_chunked_upload(&old).await {
                        tracing::debug!(error = %e, "abandoning an old chunked upload");
                    }
                }
                let seed = format!(
                    "{folder}\0{p}\0{:?}\0{}",
                    std::time::SystemTime::now(),
                    std::process::id()
                );
                let u = journal::PendingUpload {
                    transfer_id: format!(
                        "commonscloud-{}",
                        &hex::encode(Sha1::digest(seed.as_bytes()))[..24]
                    ),
                    size: before.size,
                    mtime_ns: before.mtime_ns,
                    inode: before.inode,
                    chunk_size: c.chunk_size,
                    started_at: self.now,
                };
                journal::upload_started(self.conn, folder, p, &u).map_err(e2s)?;
                (u, false)
            }
        };
        let mut up = ChunkedUpload::new(&c.uploads_root, &pending.transfer_id, self.server_url(p));
        up.chunk_size = pending.chunk_size;
        up.mtime = std::fs::metadata(self.abs(p))
            .ok()
            .and_then(|m| m.modified().ok());
        up.throttle = self.up.clone();
        let info = self
            .folder
            .client
            .chunked_upload(&up, &self.abs(p), resume, |_| {})
            .await
            .map_err(e2s)?;
        journal::upload_finished(self.conn, folder, p).map_err(e2s)?;
        Ok(info)
    }

    /// The transfers of a batch as jobs: where the server offers folder
    /// archives, the downloads of many new small files of one folder go in
    /// archives; where it offers bulk upload, the uploads of new small
    /// files (the server had nothing at their path when it was listed) go
    /// in groups; everything else alone.
    fn jobs<'b>(&self, actions: Vec<&'b Action>) -> Vec<Job<'b>> {
        let (mut jobs, actions) = self.archive_jobs(actions);
        jobs.extend(self.upload_jobs(actions));
        jobs
    }

    /// Where the server offers folder archives: the downloads of new small
    /// files (nothing here at their path when scanned), grouped by folder;
    /// a folder with enough of them gets archive jobs, the rest is handed
    /// back.
    fn archive_jobs<'b>(&self, actions: Vec<&'b Action>) -> (Vec<Job<'b>>, Vec<&'b Action>) {
        let Some(fd) = self
            .nextcloud
            .as_ref()
            .and_then(|n| n.folder_download.as_ref())
        else {
            return (Vec::new(), actions);
        };
        let fits = |a: &Action| match a {
            Action::Download { path } => {
                !self.scan.entries.contains_key(path)
                    && self.remote(path).is_some_and(|r| {
                        r.meta.kind == Kind::File && r.meta.size <= fd.max_file_size
                    })
            }
            _ => false,
        };
        let mut by_folder: BTreeMap<SyncPath, Vec<&'b Action>> = BTreeMap::new();
        let mut rest = Vec::new();
        for a in actions {
            if fits(a) {
                by_folder
                    .entry(a.path().parent().unwrap_or_else(SyncPath::root))
                    .or_default()
                    .push(a);
            } else {
                rest.push(a);
            }
        }
        let mut jobs = Vec::new();
        for (dir, files) in by_folder {
            if files.len() < fd.min_files.max(2) {
                rest.extend(files);
                continue;
            }
            let mut group: Vec<&'b Action> = Vec::new();
            let (mut bytes, mut query) = (0u64, 0usize);
            for a in files {
                let size = self.remote(a.path()).map_or(0, |r| r.meta.size);
                // The names go in the URL: keep it well under the 8 KiB
                // request line common servers and proxies accept.
                let name_len = 3 * a.path().name().len() + 9;
                if !group.is_empty()
                    && (group.len() >= fd.max_files
                        || bytes + size > fd.max_bytes
                        || query + name_len > 4096)
                {
                    jobs.push(Job::Archive(dir.clone(), std::mem::take(&mut group)));
                    (bytes, query) = (0, 0);
                }
                bytes += size;
                query += name_len;
                group.push(a);
            }
            if group.len() >= 2 {
                jobs.push(Job::Archive(dir, group));
            } else {
                rest.extend(group);
            }
        }
        (jobs, rest)
    }

    /// The uploads of a batch as jobs: where the server offers bulk
    /// upload, new small files in groups; everything else alone.
    fn upload_jobs<'b>(&self, actions: Vec<&'b Action>) -> Vec<Job<'b>> {
        let Some(bulk) = self
            .nextcloud
            .as_ref()
            .filter(|n| {
                // Bulk upload names files below the files root: only for a
                // sync folder there.
                n.bulk_path(&self.folder.remote_root, &SyncPath::root())
                    .is_some()
            })
            .and_then(|n| n.bulk.as_ref())
        else {
            return actions.into_iter().map(Job::One).collect();
        };
        let fits = |a: &Action| match a {
            Action::Upload {
                path,
                if_match: None,
            } => {
                self.remote(path).is_none()
                    && self
                        .scan
                        .entries
                        .get(path)
                        .is_some_and(|e| e.meta.size <= bulk.max_file_size)
            }
            _ => false,
        };
        let (small, rest): (Vec<&Action>, Vec<&Action>) =
            actions.into_iter().partition(|a| fits(a));
        let mut jobs: Vec<Job<'b>> = Vec::new();
        if small.len() < 2 {
            jobs.extend(small.into_iter().map(Job::One));
        } else {
            let mut group: Vec<&Action> = Vec::new();
            let mut bytes = 0u64;
            for a in small {
                let size = self.scan.entries.get(a.path()).map_or(0, |e| e.meta.size);
                if !group.is_empty()
                    && (group.len() >= bulk.max_files || bytes + size > bulk.max_bytes)
                {
                    jobs.push(Job::Bulk(std::mem::take(&mut group)));
                    bytes = 0;
                }
                bytes += size;
                group.push(a);
            }
            if !group.is_empty() {
                jobs.push(Job::Bulk(group));
            }
        }
        jobs.extend(rest.into_iter().map(Job::One));
        jobs
    }

    /// Sends new small files in one bulk upload (Nextcloud). Each file's
    /// outcome is the server's verdict on it: a file the answer does not
    /// name was not written (the server stops at the first bad part), and
    /// is sent again next pass.
    async fn bulk<'b>(
        &self,
        actions: Vec<&'b Action>,
    ) -> Vec<(&'b Action, Result<Outcome, String>)> {
        let nc = self
            .nextcloud
            .as_ref()
            .expect("bulk jobs only with Nextcloud");
        let bulk = nc.bulk.as_ref().expect("bulk jobs only with bulk upload");
        let mut files = Vec::new();
        // Each file as read: its state before and after reading it.
        type Read<'b> = (&'b Action, Result<(LocalMeta, LocalMeta), String>);
        let mut read: Vec<Read<'b>> = Vec::new();
        for a in actions {
            let p = a.path();
            let r = async {
                let before = self.stat(p)?;
                let data = tokio::fs::read(self.abs(p)).await.map_err(e2s)?;
                let after = self.stat(p)?;
                let path = nc
                    .bulk_path(&self.folder.remote_root, p)
                    .ok_or("the sync folder is not below the Nextcloud files root")?;
                files.push(cc_dav::nextcloud::BulkFile {
                    path,
                    data: bytes::Bytes::from(data),
                    mtime: std::fs::metadata(self.abs(p))
                        .ok()
                        .and_then(|m| m.modified().ok()),
                });
                Ok::<_, String>((before, after))
            }
            .await;
            read.push((a, r));
        }
        let answer = if files.is_empty() {
            Ok(Vec::new())
        } else {
            self.folder
                .client
                .bulk_upload_limited(&bulk.url, &files, self.up.as_ref())
                .await
                .map_err(e2s)
        };
        let mut verdicts = match answer {
            Ok(v) => v.into_iter().map(Some).collect::<Vec<_>>(),
            Err(e) => {
                return read
                    .into_iter()
                    .map(|(a, r)| (a, r.and(Err(e.clone()))))
                    .collect();
            }
        }
        .into_iter();
        read.into_iter()
            .map(|(a, r)| {
                let outcome = r.and_then(|(before, after)| {
                    let (_, verdict) = verdicts.next().flatten().ok_or("no verdict")?;
                    match verdict {
                        cc_dav::nextcloud::BulkOutcome::Stored { etag, file_id } => {
                            if self.pending_chunked.contains(a.path()) {
                                journal::upload_finished(self.conn, self.folder.folder_id, a.path())
                                    .map_err(e2s)?;
                            }
                            Ok(Outcome::Record(Synced {
                                kind: Kind::File,
                                // Changed while it was read: the state
                                // before, so the next pass sends it again.
                                local: if after == before { after } else { before.clone() },
                                etag: Some(etag),
                                remote_size: before.size,
                                remote_mtime: None,
                                file_id,
                                perms: None,
                                mount_root: false,
                            }))
                        }
                        cc_dav::nextcloud::BulkOutcome::Failed { message } => Err(format!(
                            "the server refused it in a bulk upload: {}",
                            if message.is_empty() { "no reason given" } else { &message }
                        )),
                        cc_dav::nextcloud::BulkOutcome::NotProcessed => Err(
                            "the server stopped the bulk upload before this file; it is sent again next time"
                                .into(),
                        ),
                    }
                });
                (a, outcome)
            })
            .collect()
    }

    /// Downloads the new small files `actions` of the folder `dir` in one
    /// archive (Nextcloud), each checked against the listing and put in
    /// place like a normal download; whatever the archive did not bring
    /// as listed is fetched by a normal GET.
    async fn archive<'b>(
        &self,
        dir: &SyncPath,
        actions: Vec<&'b Action>,
    ) -> Vec<(&'b Action, Result<Outcome, String>)> {
        let mut placed: Vec<(&'b Action, Result<Outcome, String>)> = Vec::new();
        let mut rest: Vec<&'b Action> = Vec::new();
        if self.archives_work.load(Ordering::Relaxed) {
            match self.fetch_archive(dir, &actions).await {
                Ok(got) => {
                    for (a, tmp) in actions.into_iter().zip(got) {
                        match tmp {
                            Some(tmp) => {
                                let outcome = self.place(a.path(), tmp, None, false);
                                if outcome.is_ok() {
                                    self.archived.fetch_add(1, Ordering::Relaxed);
                                }
                                placed.push((a, outcome));
                            }
                            None => rest.push(a),
                        }
                    }
                }
                Err(e) => {
                    tracing::info!(folder = %dir, error = %e, "no folder archive; one GET per file");
                    rest = actions;
                }
            }
        } else {
            rest = actions;
        }
        for a in rest {
            placed.push((a, self.run(a).await));
        }
        placed
    }

    /// Asks for the archive of `actions` (downloads of files of `dir`)
    /// and writes each member that is as listed to its temporary file;
    /// the temporary file per action, `None` where the archive did not
    /// bring it as listed. An error when no archive came at all.
    async fn fetch_archive(
        &self,
        dir: &SyncPath,
        actions: &[&Action],
    ) -> Result<Vec<Option<PathBuf>>, String> {
        let folder_url = match self.remote(dir) {
            Some(r) if !dir.is_root() => {
                cc_dav::href::as_collection(&r.url(&self.folder.remote_root, dir))
            }
            _ => self.folder.dir_url_of(dir),
        };
        let mut wanted = Vec::with_capacity(actions.len());
        let mut names = Vec::with_capacity(actions.len());
        for a in actions {
            let p = a.path();
            let r = self.remote(p).ok_or("no remote entry")?;
            // The name as the server spells it (the last segment of its
            // href), which is what the archive request must name.
            let name = r
                .url(&self.folder.remote_root, p)
                .path_segments()
                .and_then(|mut s| s.next_back())
                .and_then(|s| percent_encoding::percent_decode_str(s).decode_utf8().ok())
                .map(|s| s.into_owned())
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| p.name().to_owned());
            names.push(name.clone());
            wanted.push(crate::archive::Wanted {
                name,
                tmp: self.tmp_path(p)?,
                size: r.meta.size,
                sha1: r.sha1.as_ref().map(|s| s.to_ascii_lowercase()),
            });
        }
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        self.archive_requests.fetch_add(1, Ordering::Relaxed);
        let stream = match self
            .folder
            .client
            .folder_archive(&folder_url, &refs, self.down.as_ref())
            .await
        {
            Ok(s) => s,
            Err(e) => {
                // Not offered here after all (or not for this folder):
                // plain GETs for the rest of the pass, unless it was only
                // the connection.
                if !matches!(
                    e.kind,
                    ErrorKind::Timeout | ErrorKind::Transport(_) | ErrorKind::Connect(_)
                ) {
                    self.archives_work.store(false, Ordering::Relaxed);
                }
                return Err(e.to_string());
            }
        };
        // The tar reader is synchronous: it runs on a blocking thread and
        // reads the response through a bridge, so nothing is held whole.
        let reader = tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(stream));
        let for_thread = wanted.clone();
        let got = tokio::task::spawn_blocking(move || crate::archive::extract(reader, &for_thread))
            .await
            .map_err(e2s)?;
        if let Some(e) = &got.stream_error {
            tracing::info!(folder = %dir, error = %e, "folder archive ended early");
        }
        for s in &got.skipped {
            tracing::info!(folder = %dir, member = %s, "archive member not asked for; skipped");
        }
        Ok((0..wanted.len())
            .map(|i| match got.files.get(&i) {
                Some(Ok(())) => Some(wanted[i].tmp.clone()),
                Some(Err(e)) => {
                    tracing::info!(file = %actions[i].path(), error = %e, "not taken from the archive");
                    None
                }
                None => None,
            })
            .collect())
    }

    /// A plain PUT of `p`.
    async fn put(&self, p: &SyncPath, if_match: Option<&str>) -> Result<PutInfo, DavError> {
        let path = self.abs(p);
        let url = self.server_url(p);
        let pre = match if_match {
            Some(e) => Precondition::if_match(e),
            None if self.remote(p).is_some_and(|r| r.meta.kind == Kind::File) => {
                Precondition::none()
            }
            // New, or in the place of a folder the plan removed first.
            None => Precondition::create_only(),
        };
        let opts = PutOptions {
            precondition: pre,
            mtime: std::fs::metadata(&path)
                .ok()
                .and_then(|m| m.modified().ok()),
            throttle: self.up.clone(),
            ..PutOptions::default()
        };
        self.folder.client.put_file(&url, &path, &opts).await
    }

    /// Records an upload of `p` whose local file was `before` when it was
    /// read.
    async fn uploaded(
        &self,
        p: &SyncPath,
        before: LocalMeta,
        info: PutInfo,
    ) -> Result<Outcome, String> {
        let url = self.server_url(p);
        let after = self.stat(p)?;
        let local = if after == before {
            after
        } else {
            // Changed while it was sent: record the state before, so the
            // next pass sees a local change and sends it again.
            before.clone()
        };
        // The server's new state: from the answer when it tells the ETag
        // (Nextcloud's OC-ETag), else read back with one PROPFIND.
        if let Some(etag) = info.etag {
            return Ok(Outcome::Record(Synced {
                kind: Kind::File,
                local,
                etag: Some(etag),
                remote_size: before.size,
                remote_mtime: None,
                file_id: info.file_id,
                perms: None,
                mount_root: false,
            }));
        }
        let stat = self
            .folder
            .client
            .stat(&url, cc_dav::files::FILE_PROPS)
            .await
            .map_err(e2s)?;
        Ok(Outcome::Record(Synced {
            kind: Kind::File,
            local,
            etag: stat.etag().map(str::to_owned),
            remote_size: stat.content_length().unwrap_or(0),
            remote_mtime: stat
                .last_modified()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs() as i64),
            file_id: stat.file_id().map(str::to_owned),
            perms: stat.permissions().as_ref().map(remote::perms_of),
            mount_root: false,
        }))
    }

    /// Fetches the server file into a temporary file next to the target.
    async fn fetch(&self, p: &SyncPath) -> Result<(PathBuf, Option<String>), String> {
        let r = self.remote(p).ok_or("no remote entry")?;
        let tmp = self.tmp_path(p)?;
        let tag = version_of(&tmp);
        let url = r.url(&self.folder.remote_root, p);
        // What an earlier attempt (a dropped connection, a stop, a crash)
        // left of this very version goes on from where it ended, with
        // `Range` and `If-Range`: a server whose file changed meanwhile
        // answers with all of it, and the download starts over.
        let mut from = match (&r.meta.etag, std::fs::read_to_string(&tag).ok()) {
            (Some(etag), Some(saved)) if *etag == saved => std::fs::metadata(&tmp)
                .map(|m| m.len())
                .ok()
                .filter(|n| *n > 0 && *n < r.meta.size)
                .unwrap_or(0),
            _ => 0,
        };
        loop {
            let file = if from > 0 {
                tokio::fs::OpenOptions::new()
                    .append(true)
                    .open(&tmp)
                    .await
                    .map_err(e2s)?
            } else {
                // The version is written down before the first byte, so a
                // partial file is only ever resumed for the same version.
                match &r.meta.etag {
                    Some(etag) => std::fs::write(&tag, etag).map_err(e2s)?,
                    None => {
                        let _ = std::fs::remove_file(&tag);
                    }
                }
                tokio::fs::File::create(&tmp).await.map_err(e2s)?
            };
            // Each write to a tokio file is a trip to the blocking pool:
            // the network's small pieces are gathered first.
            let mut f = tokio::io::BufWriter::with_capacity(DOWNLOAD_BUFFER, file);
            let got = self
                .folder
                .client
                .get_limited(
                    &url,
                    &mut f,
                    from,
                    if from > 0 {
                        r.meta.etag.as_deref()
                    } else {
                        None
                    },
                    self.down.as_ref(),
                )
                .await;
            let got = match got {
                Ok(g) => g,
                Err(e) if from > 0 && matches!(e.kind, ErrorKind::Protocol(_)) => {
                    // Changed on the server, or no ranges: all of it again.
                    tracing::info!(path = %p, "cannot resume the download ({e}); starting over");
                    drop(f);
                    from = 0;
                    continue;
                }
                Err(e) => {
                    f.flush().await.ok();
                    drop(f);
                    // Kept, with its version, for the next attempt; an
                    // empty one is not worth keeping.
                    if std::fs::metadata(&tmp)
                        .map(|m| m.len() == 0)
                        .unwrap_or(true)
                    {
                        let _ = std::fs::remove_file(&tmp);
                        let _ = std::fs::remove_file(&tag);
                    }
                    return Err(e.to_string());
                }
            };
            f.flush().await.map_err(e2s)?;
            f.get_ref().sync_all().await.map_err(e2s)?;
            drop(f);
            let total = from + got.written;
            if r.meta.size != total && r.meta.etag == got.etag {
                let _ = tokio::fs::remove_file(&tmp).await;
                let _ = std::fs::remove_file(&tag);
                return Err(format!(
                    "size {total} differs from the listing's {}",
                    r.meta.size
                ));
            }
            if let Some(expected) = &r.sha1 {
                let actual = sha1_file(&tmp).map_err(e2s)?;
                if &actual != expected {
                    let _ = tokio::fs::remove_file(&tmp).await;
                    let _ = std::fs::remove_file(&tag);
                    return Err("checksum differs from the server's; not put in place".into());
                }
            }
            let _ = std::fs::remove_file(&tag);
            return Ok((tmp, got.etag.or_else(|| r.meta.etag.clone())));
        }
    }

    async fn download(&self, p: &SyncPath, compare: bool) -> Result<Outcome, String> {
        let (tmp, etag) = self.fetch(p).await?;
        self.place(p, tmp, etag, compare)
    }

    /// Where a download of `p` is written before it is put in place.
    fn tmp_path(&self, p: &SyncPath) -> Result<PathBuf, String> {
        download_tmp(&self.folder.local_root, p).ok_or_else(|| "no parent folder".into())
    }

    /// Puts the checked download `tmp` of `p` in place, if the local side
    /// is still what the scan saw (else it is kept and `tmp` removed).
    fn place(
        &self,
        p: &SyncPath,
        tmp: PathBuf,
        etag: Option<String>,
        compare: bool,
    ) -> Result<Outcome, String> {
        let r = self.remote(p).ok_or("no remote entry")?;
        let target = local_path(&self.folder.local_root, p);
        // A folder the scan saw here was replaced by the server's file:
        // the plan removed it first, so nothing is expected here now.
        let seen = self
            .scan
            .entries
            .get(p)
            .map(|e| e.meta.clone())
            .filter(|m| m.kind == Kind::File);
        let now = std::fs::symlink_metadata(&target).ok().map(|m| meta_of(&m));
        if now != seen {
            // The local file changed since the scan: keep it; next pass.
            let _ = std::fs::remove_file(&tmp);
            return Err("local file changed during the pass; kept".into());
        }
        if compare && now.is_some() {
            let same = sha1_file(&tmp).map_err(e2s)? == sha1_file(&target).map_err(e2s)?;
            if same {
                let _ = std::fs::remove_file(&tmp);
                return Ok(Outcome::Record(self.synced(self.stat(p)?, r, etag)));
            }
            return self.keep_both(p, tmp, etag);
        }
        std::fs::rename(&tmp, &target).map_err(e2s)?;
        let local = std::fs::symlink_metadata(&target)
            .map(|m| meta_of(&m))
            .map_err(e2s)?;
        Ok(Outcome::Record(self.synced(local, r, etag)))
    }

    async fn conflict(&self, p: &SyncPath) -> Result<Outcome, String> {
        let (tmp, etag) = self.fetch(p).await?;
        let target = local_path(&self.folder.local_root, p);
        if sha1_file(&tmp).map_err(e2s)? == sha1_file(&target).map_err(e2s)? {
            let _ = std::fs::remove_file(&tmp);
            let r = self.remote(p).ok_or("no remote entry")?;
            return Ok(Outcome::Record(self.synced(self.stat(p)?, r, etag)));
        }
        self.keep_both(p, tmp, etag)
    }

    /// The local file becomes a conflicted copy; the server's takes the
    /// name.
    fn keep_both(
        &self,
        p: &SyncPath,
        tmp: PathBuf,
        etag: Option<String>,
    ) -> Result<Outcome, String> {
        let r = self.remote(p).ok_or("no remote entry")?;
        let target = local_path(&self.folder.local_root, p);
        let copy_name = conflict_name(p.name(), &self.stamp);
        let copy = target.with_file_name(&copy_name);
        if copy.exists() {
            let _ = std::fs::remove_file(&tmp);
            return Err(format!("{copy_name} already exists"));
        }
        std::fs::rename(&target, &copy).map_err(e2s)?;
        std::fs::rename(&tmp, &target).map_err(e2s)?;
        let local = std::fs::symlink_metadata(&target)
            .map(|m| meta_of(&m))
            .map_err(e2s)?;
        let copy_path = p.parent().unwrap_or_else(SyncPath::root).join(&copy_name);
        Ok(Outcome::RecordWithConflict(
            self.synced(local, r, etag),
            copy_path,
        ))
    }
}
