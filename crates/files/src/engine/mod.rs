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
use cc_dav::transfers::ChunkedUpload;
use cc_dav::{DavClient, DavError, ErrorKind, Throttle};
use rusqlite::Connection;
use sha1::{Digest, Sha1};
use tokio::io::AsyncWriteExt;
use url::Url;

use crate::features::{Chunking, NextcloudUploads};
use crate::ignore::IgnoreRules;
use crate::journal::{self, JournalError};
use crate::path::SyncPath;
use crate::plan::{self, Action, Kind, LocalMeta, Options, Plan, Problem, Synced};
use crate::remote::{self, RemoteEntry, RemoteListing};
use crate::scan::{self, LocalScan, ScanError, meta_of};
use crate::trash::Trash;

mod archive;
mod conflicts;
mod download;
mod execute;
pub use execute::ActionError;
use execute::Executor;
mod memory;
mod upload;
mod views;

pub use conflicts::{
    Settle, SettleError, conflict_name, conflict_paths, find_conflict, settle_conflict,
    settle_files,
};
use download::{download_tmp, version_of};
pub use memory::frugal_allocator;
use memory::release_free_memory;
use views::{LocalView, RemoteView};

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
    /// [`ActionError::code`]: stable, for programs.
    pub code: &'static str,
    /// In English, for logs.
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
    /// Entries moved here as another client moved them on the server.
    pub moved_here: usize,
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
    /// Looking for changes on the server: `folders` listed so far (0 when
    /// it starts; folders whose ETag shows them unchanged are not listed).
    Listing {
        folders: usize,
    },
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
    /// One action failed (kept for the next pass): `code` is
    /// [`ActionError::code`] (stable, translated by the UI), `error` in
    /// English.
    Failed {
        path: SyncPath,
        code: &'static str,
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
        progress(Progress::Listing { folders: 0 });
        // What the journal holds below a folder was synced under the ignore
        // rules of then: when they changed (a folder taken back into
        // selective sync, say), every folder is listed once.
        let rules = self.ignore.fingerprint();
        let same_rules =
            journal::ignore_fingerprint(conn, self.folder_id)?.as_deref() == Some(rules.as_str());
        // A first sync of a Nextcloud folder: the whole tree in one
        // listing (see `remote::list_tree_watched`).
        let deep_root = opts.nextcloud.is_some() && jr.is_empty();
        let mut listing = remote::list_tree_watched(
            &self.client,
            &self.remote_root,
            &self.ignore,
            |p| {
                jr.get(p)
                    .filter(|s| same_rules && s.kind == Kind::Dir)
                    .and_then(|s| s.etag.clone())
            },
            deep_root,
            |folders| progress(Progress::Listing { folders }),
        )
        .await
        .map_err(SyncError::Listing)?;
        let mut scan = scanning.await.expect("scan task")?;
        // The listing's parsing left its buffers free; the plan and the
        // transfers take new memory from there rather than beside it.
        if opts.give_back_memory {
            release_free_memory();
        }
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
            if let Action::MoveLocal { from, to } = a {
                // Found at the new place by the actions below it; the move
                // itself finds the entry where it is now.
                let Some(old) = scan.entries.get(from).map(|e| e.disk_path.clone()) else {
                    continue;
                };
                let new = local_path(Path::new(""), to);
                plan::rekey(&mut scan.entries, from, to);
                let mut moved: Vec<SyncPath> =
                    to.below(&scan.entries).map(|(p, _)| p.clone()).collect();
                moved.push(to.clone());
                for p in moved {
                    if let Some(entry) = scan.entries.get_mut(&p) {
                        let rest = entry.disk_path.strip_prefix(&old).map(Path::to_path_buf);
                        entry.disk_path = match rest {
                            Ok(r) if !r.as_os_str().is_empty() => new.join(r),
                            _ => new.clone(),
                        };
                    }
                }
                scan.moving.insert(to.clone(), old);
            }
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
        let refused = Executor {
            folder: self,
            conn,
            opts,
            report: &mut report,
            progress: &mut progress,
            refused: Vec::new(),
        }
        .run(&plan, &scan, &listing)
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
}

/// Transfers as they are sent: one by one, several small new files in
/// one bulk upload, or several small new files of one folder in one
/// archive download.
enum Job<'a> {
    One(&'a Action),
    Bulk(Vec<&'a Action>),
    Archive(SyncPath, Vec<&'a Action>),
    /// A whole subtree's new files in one zip.
    Tree(SyncPath, Vec<&'a Action>),
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
    /// The same for whole-subtree zips.
    trees_work: AtomicBool,
    /// Zips asked for at once: one (the server makes them one at a time;
    /// two at once took twice as long each).
    trees_at_once: tokio::sync::Semaphore,
    /// Files placed from archives, and archives asked for.
    archived: AtomicUsize,
    archive_requests: AtomicUsize,
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

    fn stat(&self, p: &SyncPath) -> Result<LocalMeta, ActionError> {
        Ok(std::fs::symlink_metadata(self.abs(p)).map(|m| meta_of(&m))?)
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
}
