//! Uploads: one PUT, Nextcloud's chunked upload v2 for large files, and
//! bulk upload for many small new files.

use super::*;

impl Ctx<'_> {
    pub(super) async fn upload(
        &self,
        p: &SyncPath,
        if_match: Option<&str>,
    ) -> Result<Outcome, ActionError> {
        let before = self.stat(p)?;
        let chunking = self
            .nextcloud
            .as_ref()
            .and_then(|n| n.chunking.as_ref())
            .filter(|c| before.size > c.threshold);
        let info = match chunking {
            Some(c) => self.send_chunked(p, &before, c, if_match).await?,
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
                    Err(e) => return Err(e.into()),
                };
                // A chunked upload left from before is not needed any
                // more (the server drops its folder after 24 h).
                if self.pending_chunked.contains(p) {
                    journal::upload_finished(self.conn, self.folder.folder_id, p)?;
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
    pub(super) async fn send_chunked(
        &self,
        p: &SyncPath,
        before: &LocalMeta,
        c: &Chunking,
        if_match: Option<&str>,
    ) -> Result<PutInfo, ActionError> {
        let folder = self.folder.folder_id;
        let earlier = journal::pending_upload(self.conn, folder, p)?;
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
                journal::upload_started(self.conn, folder, p, &u)?;
                (u, false)
            }
        };
        let mut up = ChunkedUpload::new(&c.uploads_root, &pending.transfer_id, self.server_url(p));
        up.chunk_size = pending.chunk_size;
        up.mtime = std::fs::metadata(self.abs(p))
            .ok()
            .and_then(|m| m.modified().ok());
        up.throttle = self.up.clone();
        up.precondition = self.precondition(p, if_match);
        let info = self
            .folder
            .client
            .chunked_upload(&up, &self.abs(p), resume, |_| {})
            .await?;
        journal::upload_finished(self.conn, folder, p)?;
        Ok(info)
    }

    /// The uploads of a batch as jobs: where the server offers bulk
    /// upload, new small files in groups; everything else alone.
    pub(super) fn upload_jobs<'b>(&self, actions: Vec<&'b Action>) -> Vec<Job<'b>> {
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
    pub(super) async fn bulk<'b>(
        &self,
        actions: Vec<&'b Action>,
    ) -> Vec<(&'b Action, Result<Outcome, ActionError>)> {
        let nc = self
            .nextcloud
            .as_ref()
            .expect("bulk jobs only with Nextcloud");
        let bulk = nc.bulk.as_ref().expect("bulk jobs only with bulk upload");
        let mut files = Vec::new();
        // Each file as read: its state before and after reading it.
        type Read<'b> = (&'b Action, Result<(LocalMeta, LocalMeta), ActionError>);
        let mut read: Vec<Read<'b>> = Vec::new();
        for a in actions {
            let p = a.path();
            let r = async {
                let before = self.stat(p)?;
                let data = tokio::fs::read(self.abs(p)).await?;
                let after = self.stat(p)?;
                let path = nc
                    .bulk_path(&self.folder.remote_root, p)
                    .ok_or(ActionError::OutsideFilesRoot)?;
                files.push(cc_dav::transfers::BulkFile {
                    path,
                    data: bytes::Bytes::from(data),
                    mtime: std::fs::metadata(self.abs(p))
                        .ok()
                        .and_then(|m| m.modified().ok()),
                });
                Ok::<_, ActionError>((before, after))
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
        };
        let mut verdicts = match answer {
            Ok(v) => v.into_iter().map(Some).collect::<Vec<_>>(),
            Err(e) => {
                return read
                    .into_iter()
                    .map(|(a, r)| (a, r.and(Err(ActionError::Server(e.clone())))))
                    .collect();
            }
        }
        .into_iter();
        read.into_iter()
            .map(|(a, r)| {
                let outcome =
                    r.and_then(|(before, after)| {
                        let (_, verdict) = verdicts
                            .next()
                            .flatten()
                            .ok_or_else(|| ActionError::BulkRefused("no verdict".into()))?;
                        match verdict {
                        cc_dav::transfers::BulkOutcome::Stored { etag, file_id } => {
                            if self.pending_chunked.contains(a.path()) {
                                journal::upload_finished(self.conn, self.folder.folder_id, a.path())
                                    ?;
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
                        cc_dav::transfers::BulkOutcome::Failed { message } => {
                            Err(ActionError::BulkRefused(format!(
                                "the server refused it: {}",
                                if message.is_empty() { "no reason given" } else { &message }
                            )))
                        }
                        cc_dav::transfers::BulkOutcome::NotProcessed => {
                            Err(ActionError::BulkRefused(
                                "the server stopped before this file; it is sent again next time"
                                    .into(),
                            ))
                        }
                    }
                    });
                (a, outcome)
            })
            .collect()
    }

    /// What the server's copy of `p` must be for an upload to replace
    /// it: the ETag the plan saw, or nothing there yet for a new file.
    fn precondition(&self, p: &SyncPath, if_match: Option<&str>) -> Precondition {
        match if_match {
            Some(e) => Precondition::if_match(e),
            None if self.remote(p).is_some_and(|r| r.meta.kind == Kind::File) => {
                Precondition::none()
            }
            // New, or in the place of a folder the plan removed first.
            None => Precondition::create_only(),
        }
    }

    /// A plain PUT of `p`.
    pub(super) async fn put(
        &self,
        p: &SyncPath,
        if_match: Option<&str>,
    ) -> Result<PutInfo, DavError> {
        let path = self.abs(p);
        let url = self.server_url(p);
        let opts = PutOptions {
            precondition: self.precondition(p, if_match),
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
    pub(super) async fn uploaded(
        &self,
        p: &SyncPath,
        before: LocalMeta,
        info: PutInfo,
    ) -> Result<Outcome, ActionError> {
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
            .await?;
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
}
