//! Running a plan: the actions in order, transfers several at a time, each
//! finished action recorded in the journal at once.

use super::*;

/// Why one action failed. The action is kept and tried again at the next
/// pass; [`code`](ActionError::code) is stable for programs (the UI's
/// translations), the message is English for logs.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The local disk refused: full, no permission, gone.
    #[error("{0}")]
    Local(#[from] std::io::Error),
    /// The server refused or could not be reached.
    #[error("{0}")]
    Server(#[from] DavError),
    /// The state file could not be written.
    #[error("{0}")]
    Journal(#[from] JournalError),
    /// The local entry changed since the scan: kept for the next pass.
    #[error("changed since the scan; kept, will sync next time")]
    ChangedSinceScan,
    /// The local file changed while its download ran: kept.
    #[error("local file changed during the pass; kept")]
    ChangedDuringPass,
    /// A folder to remove still holds something: kept.
    #[error("folder not empty; kept")]
    FolderNotEmpty,
    /// A folder was to be made where the server has a file.
    #[error("a file of that name is on the server")]
    FileOnServer,
    /// The server sent fewer or more bytes than it listed.
    #[error("{0}")]
    Incomplete(String),
    /// The bytes do not match the server's checksum: not put in place.
    #[error("checksum differs from the server's; not put in place")]
    ChecksumMismatch,
    /// The conflicted copy's name is taken.
    #[error("{0} already exists")]
    CopyExists(String),
    /// The listing has no entry for the path (it went meanwhile).
    #[error("no remote entry")]
    NotListed,
    /// A path with no folder to hold it (never from a valid plan).
    #[error("no parent folder")]
    NoParent,
    /// The pair's server folder is not below the account's files root, so
    /// Nextcloud's bulk upload cannot name the file.
    #[error("the sync folder is not below the Nextcloud files root")]
    OutsideFilesRoot,
    /// Nextcloud's bulk upload refused this file or gave no verdict.
    #[error("bulk upload: {0}")]
    BulkRefused(String),
}

impl ActionError {
    /// Every code [`code`](Self::code) gives.
    pub const CODES: &'static [&'static str] = &[
        "local",
        "server_unauthorized",
        "server_forbidden",
        "server_not_found",
        "server_locked",
        "server_full",
        "server_changed",
        "offline",
        "server",
        "state_file",
        "changed_meanwhile",
        "folder_not_empty",
        "file_on_server",
        "incomplete",
        "checksum",
        "copy_exists",
        "not_listed",
        "no_parent",
        "outside_files_root",
        "bulk_refused",
    ];

    /// A stable code per kind of failure.
    pub fn code(&self) -> &'static str {
        match self {
            ActionError::Local(_) => "local",
            ActionError::Server(e) => match e.kind {
                ErrorKind::Unauthorized => "server_unauthorized",
                ErrorKind::Forbidden(_) => "server_forbidden",
                ErrorKind::NotFound => "server_not_found",
                ErrorKind::Locked(_) => "server_locked",
                ErrorKind::InsufficientStorage(_) => "server_full",
                ErrorKind::PreconditionFailed => "server_changed",
                ErrorKind::Connect(_) | ErrorKind::Timeout | ErrorKind::Transport(_) => "offline",
                _ => "server",
            },
            ActionError::Journal(_) => "state_file",
            ActionError::ChangedSinceScan | ActionError::ChangedDuringPass => "changed_meanwhile",
            ActionError::FolderNotEmpty => "folder_not_empty",
            ActionError::FileOnServer => "file_on_server",
            ActionError::Incomplete(_) => "incomplete",
            ActionError::ChecksumMismatch => "checksum",
            ActionError::CopyExists(_) => "copy_exists",
            ActionError::NotListed => "not_listed",
            ActionError::NoParent => "no_parent",
            ActionError::OutsideFilesRoot => "outside_files_root",
            ActionError::BulkRefused(_) => "bulk_refused",
        }
    }
}

/// Bytes an action moved over the network, from what it recorded.
pub(super) fn transferred(action: &Action, s: &Synced) -> u64 {
    match action {
        Action::Upload { .. } => s.local.size,
        Action::Download { .. } | Action::Compare { .. } | Action::Conflict { .. } => s.remote_size,
        _ => 0,
    }
}

/// One pass running its plan: what its actions share, and what it
/// reports as they finish.
pub(super) struct Executor<'r, P> {
    pub(super) folder: &'r SyncFolder,
    pub(super) conn: &'r Connection,
    pub(super) opts: &'r PassOptions,
    pub(super) report: &'r mut PassReport,
    pub(super) progress: &'r mut P,
    /// Actions the server refused, with the problem reported.
    pub(super) refused: Vec<(SyncPath, Problem)>,
}

impl<P: FnMut(Progress)> Executor<'_, P> {
    /// Runs the plan's actions in order, each recorded as it finishes;
    /// returns what the server refused.
    pub(super) async fn run(
        mut self,
        plan: &Plan,
        scan: &LocalScan,
        listing: &RemoteListing,
    ) -> Result<Vec<(SyncPath, Problem)>, SyncError> {
        let (folder, conn, opts) = (self.folder, self.conn, self.opts);
        let ctx = Ctx {
            folder,
            conn,
            listing,
            scan,
            stamp: opts.conflict_stamp.clone(),
            now: opts.now,
            nextcloud: opts.nextcloud.clone(),
            pending_chunked: journal::pending_uploads(conn, folder.folder_id)?
                .into_iter()
                .map(|(p, _)| p)
                .collect(),
            up: opts.upload_limit.map(Throttle::new),
            down: opts.download_limit.map(Throttle::new),
            archives_work: AtomicBool::new(true),
            trees_work: AtomicBool::new(true),
            trees_at_once: tokio::sync::Semaphore::new(1),
            archived: AtomicUsize::new(0),
            archive_requests: AtomicUsize::new(0),
        };
        // A run of transfers goes in one stream with `parallel` of them in
        // flight (small new files grouped into bulk uploads where the
        // server offers them); the rest in order.
        let mut batch: Vec<&Action> = Vec::new();
        // Server folders to make, gathered while they come one after
        // another: made level by level, each level's side by side (one
        // MKCOL after another was most of a first upload's sequential time
        // on Nextcloud).
        let mut folders: Vec<&Action> = Vec::new();
        for action in &plan.actions {
            let transfer = matches!(
                action,
                Action::Upload { .. }
                    | Action::Download { .. }
                    | Action::Compare { .. }
                    | Action::Conflict { .. }
            );
            if transfer {
                self.run_folders(&ctx, &mut folders).await?;
                batch.push(action);
                continue;
            }
            self.run_batch(&ctx, &mut batch).await?;
            if matches!(action, Action::MkdirRemote(_)) {
                folders.push(action);
                continue;
            }
            self.run_folders(&ctx, &mut folders).await?;
            let outcome = ctx.run(action).await;
            self.finish(action, outcome)?;
        }
        self.run_folders(&ctx, &mut folders).await?;
        self.run_batch(&ctx, &mut batch).await?;
        self.report.limited_up = LimitStats::of(ctx.up.as_ref());
        self.report.limited_down = LimitStats::of(ctx.down.as_ref());
        self.report.archived = ctx.archived.load(Ordering::Relaxed);
        self.report.archives = ctx.archive_requests.load(Ordering::Relaxed);
        Ok(self.refused)
    }

    /// Makes the server folders gathered so far: parents before their
    /// children (by depth), the folders of one depth `parallel` at a time.
    async fn run_folders(
        &mut self,
        ctx: &Ctx<'_>,
        folders: &mut Vec<&Action>,
    ) -> Result<(), SyncError> {
        use futures_util::StreamExt;
        let mut all = std::mem::take(folders);
        // Stable: the plan's order within a depth.
        all.sort_by_key(|a| a.path().names().count());
        let mut rest = all.as_slice();
        while let Some(first) = rest.first() {
            let depth = first.path().names().count();
            let n = rest
                .iter()
                .take_while(|a| a.path().names().count() == depth)
                .count();
            let (level, after) = rest.split_at(n);
            rest = after;
            let mut done = futures_util::stream::iter(
                level.iter().map(|a| async move { (*a, ctx.run(a).await) }),
            )
            .buffer_unordered(self.opts.parallel.max(1));
            while let Some((action, outcome)) = done.next().await {
                self.finish(action, outcome)?;
            }
        }
        Ok(())
    }

    /// Runs the transfers gathered so far, `parallel` at a time.
    async fn run_batch(
        &mut self,
        ctx: &Ctx<'_>,
        batch: &mut Vec<&Action>,
    ) -> Result<(), SyncError> {
        use futures_util::StreamExt;
        let jobs = ctx.jobs(std::mem::take(batch));
        let mut results = futures_util::stream::iter(jobs.into_iter().map(|job| async move {
            match job {
                Job::One(a) => vec![(a, ctx.run(a).await)],
                Job::Bulk(actions) => ctx.bulk(actions).await,
                Job::Archive(dir, actions) => ctx.archive(&dir, actions).await,
                Job::Tree(dir, actions) => ctx.tree(&dir, actions).await,
            }
        }))
        .buffer_unordered(self.opts.parallel.max(1));
        while let Some(done) = results.next().await {
            for (action, outcome) in done {
                self.finish(action, outcome)?;
            }
        }
        Ok(())
    }

    /// Records what one action did in the journal, counts it, and tells
    /// the progress.
    fn finish(
        &mut self,
        action: &Action,
        outcome: Result<Outcome, ActionError>,
    ) -> Result<(), SyncError> {
        let (folder, conn, opts) = (self.folder, self.conn, self.opts);
        let (report, progress) = (&mut *self.report, &mut *self.progress);
        let path = action.path().clone();
        let mut bytes = 0;
        let mut conflict = false;
        let server_keeps = matches!(outcome, Ok(Outcome::Refused(_)));
        match outcome {
            Ok(Outcome::Record(s)) => {
                bytes = transferred(action, &s);
                journal::record(conn, folder.folder_id, &path, &s)?
            }
            Ok(Outcome::RecordWithConflict(s, copy)) => {
                bytes = transferred(action, &s);
                conflict = true;
                journal::record(conn, folder.folder_id, &path, &s)?;
                journal::note_conflict(conn, folder.folder_id, &path, &copy, opts.now)?;
                report.conflicts.push(copy);
            }
            Ok(Outcome::Forget) => journal::forget(conn, folder.folder_id, &path)?,
            Ok(Outcome::Moved { from }) => journal::rename(conn, folder.folder_id, &from, &path)?,
            // Problems the plan reported.
            Ok(Outcome::Reported(problem)) if matches!(action, Action::Report { .. }) => {
                folder.note_once(conn, &path, problem, opts, report)?
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
                    journal::forget(conn, folder.folder_id, &path)?;
                }
                folder.note_once(conn, &path, problem, opts, report)?;
                self.refused.push((path.clone(), problem));
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
                    code: error.code(),
                    error: error.to_string(),
                });
                report.failures.push(Failure {
                    path: path.clone(),
                    action: format!("{action:?}"),
                    code: error.code(),
                    error: error.to_string(),
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
            Action::MoveLocal { .. } => report.moved_here += 1,
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
            // Moved on the other side too (no bytes sent or fetched).
            Action::MoveRemote { .. } | Action::MoveLocal { .. } => Done::Moved,
        };
        progress(Progress::Done { path, done, bytes });
        Ok(())
    }
}

impl SyncFolder {
    /// Remembers a problem of `path`; reported in this pass only the first
    /// time it is seen.
    pub(super) fn note_once(
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
}

impl Ctx<'_> {
    pub(super) async fn run(&self, action: &Action) -> Result<Outcome, ActionError> {
        match action {
            Action::Report { problem, .. } => Ok(Outcome::Reported(*problem)),
            Action::Forget(_) => Ok(Outcome::Forget),
            Action::Record(p) => {
                let r = self.remote(p).ok_or(ActionError::NotListed)?;
                Ok(Outcome::Record(self.synced(self.stat(p)?, r, None)))
            }
            Action::MkdirLocal(p) => {
                std::fs::create_dir_all(self.abs(p))?;
                let r = self.remote(p).ok_or(ActionError::NotListed)?;
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
                            .await?;
                        if !there.is_collection() {
                            return Err(ActionError::FileOnServer);
                        }
                    }
                    Err(e) => return Err(e.into()),
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
                self.folder.client.move_to(&src, &dst, false).await?;
                Ok(Outcome::Moved { from: from.clone() })
            }
            Action::MoveLocal { from, to } => {
                // Where it is now (the engine moved its scan entry to the
                // new path already), and where it goes.
                let src = match self.scan.moving.get(to) {
                    Some(disk) => self.folder.local_root.join(disk),
                    None => self.abs(from),
                };
                let dst = local_path(&self.folder.local_root, to);
                // Only what the scan saw (a folder's own times change with
                // its content), and never over something else at the new
                // place (the same entry there is a rename in case only, on
                // a disk that does not tell case).
                let now = std::fs::symlink_metadata(&src).map(|m| meta_of(&m));
                let as_seen = match (&now, self.scan.entries.get(to)) {
                    (Ok(now), Some(seen)) => {
                        now.kind == seen.meta.kind && (now.kind == Kind::Dir || *now == seen.meta)
                    }
                    _ => false,
                };
                let taken = std::fs::symlink_metadata(&dst)
                    .is_ok_and(|m| now.as_ref().map_or(true, |n| meta_of(&m).inode != n.inode));
                if !as_seen || taken {
                    return Err(ActionError::ChangedSinceScan);
                }
                if let Some(parent) = dst.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::rename(&src, &dst)?;
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
                    Err(e) => Err(e.into()),
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
                    Err(e) => Err(e.into()),
                }
            }
            Action::DeleteLocal(p) => {
                let path = self.abs(p);
                // Only if it is still what the scan saw.
                let now = std::fs::symlink_metadata(&path).map(|m| meta_of(&m));
                match (now, self.scan.entries.get(p)) {
                    (Ok(now), Some(seen)) if now == seen.meta => {
                        self.folder.trash.put(&self.folder.local_root, &path)?;
                        Ok(Outcome::Forget)
                    }
                    (Err(_), _) => Ok(Outcome::Forget),
                    _ => Err(ActionError::ChangedSinceScan),
                }
            }
            Action::RemoveDirLocal(p) => {
                let path = self.abs(p);
                let empty = std::fs::read_dir(&path)
                    .map(|mut d| d.next().is_none())
                    .unwrap_or(true);
                if !empty {
                    return Err(ActionError::FolderNotEmpty);
                }
                if path.exists() {
                    self.folder.trash.put(&self.folder.local_root, &path)?;
                }
                Ok(Outcome::Forget)
            }
        }
    }

    /// The transfers of a batch as jobs: where the server offers folder
    /// archives, the downloads of many new small files of one folder go in
    /// archives; where it offers bulk upload, the uploads of new small
    /// files (the server had nothing at their path when it was listed) go
    /// in groups; everything else alone.
    pub(super) fn jobs<'b>(&self, actions: Vec<&'b Action>) -> Vec<Job<'b>> {
        let (mut jobs, actions) = self.tree_jobs(actions);
        let (more, actions) = self.archive_jobs(actions);
        jobs.extend(more);
        jobs.extend(self.upload_jobs(actions));
        jobs
    }
}
