//! Many small new files in one archive download (Nextcloud): a whole
//! subtree of new files as one zip; the new small files of one folder as
//! one tar of named files.

use std::collections::{HashMap, HashSet};

use super::*;
use crate::features::FolderDownload;

/// A tree of more new files than this comes as the zips of its
/// subfolders, where they hold at least [`SPLIT_AT_LEAST`] each on average
/// (see `tree_jobs`).
const SPLIT_ABOVE: usize = 2_000;
const SPLIT_AT_LEAST: usize = 500;

/// What an archive job did: each action with its outcome.
type Placed<'b> = Vec<(&'b Action, Result<Outcome, ActionError>)>;

/// A subtree's files as `tree_jobs` counts them.
#[derive(Default)]
struct Tally {
    /// Files listed below.
    files: usize,
    /// Of those, new small files to download here.
    fit: usize,
    bytes: u64,
    /// Something below was not listed (its ETag unchanged, or ignored
    /// here: a folder left out of selective sync): the subtree's zip would
    /// hold files the listing does not show.
    partial: bool,
}

impl Ctx<'_> {
    /// Where the server offers folder archives: the topmost folders every
    /// listed file of which is a new small file to download here, enough
    /// of them and not too many bytes (a first sync of a whole account is
    /// one folder, the root), come down as one zip each. Their downloads
    /// become tree jobs; the rest is handed back.
    pub(super) fn tree_jobs<'b>(
        &self,
        actions: Vec<&'b Action>,
    ) -> (Vec<Job<'b>>, Vec<&'b Action>) {
        let Some(fd) = self
            .nextcloud
            .as_ref()
            .and_then(|n| n.folder_download.as_ref())
            .filter(|_| self.trees_work.load(Ordering::Relaxed))
        else {
            return (Vec::new(), actions);
        };
        let fits: HashSet<&SyncPath> = actions
            .iter()
            .filter(|a| self.fits_archive(a, fd))
            .map(|a| a.path())
            .collect();
        if fits.len() < fd.min_tree_files {
            return (Vec::new(), actions);
        }
        // Every folder's tally, from the files up through their ancestors.
        let mut tally: HashMap<SyncPath, Tally> = HashMap::new();
        for (p, e) in &self.listing.entries {
            if e.meta.kind != Kind::File {
                continue;
            }
            let fit = fits.contains(p);
            for a in p.ancestors().chain(std::iter::once(SyncPath::root())) {
                let t = tally.entry(a).or_default();
                t.files += 1;
                if fit {
                    t.fit += 1;
                    t.bytes += e.meta.size;
                }
            }
        }
        // A zip holds the whole subtree: not where the listing left
        // something out (unchanged folders, ignored entries).
        for u in self
            .listing
            .unchanged
            .iter()
            .chain(&self.listing.ignored_in)
        {
            for a in std::iter::once(u.clone())
                .chain(u.ancestors())
                .chain(std::iter::once(SyncPath::root()))
            {
                tally.entry(a).or_default().partial = true;
            }
        }
        let fits_one_zip = |t: &Tally| {
            !t.partial
                && t.files == t.fit
                && t.fit >= fd.min_tree_files
                && t.fit <= fd.max_tree_files
                && t.bytes <= fd.max_tree_bytes
        };
        let mut eligible: Vec<&SyncPath> = tally
            .iter()
            .filter(|(_, t)| fits_one_zip(t))
            .map(|(p, _)| p)
            .collect();
        // Topmost first: a folder inside a chosen one is in its zip.
        eligible.sort_by_key(|p| (p.names().count(), p.as_str().to_owned()));
        let mut chosen: Vec<SyncPath> = Vec::new();
        for p in eligible {
            if !chosen.iter().any(|c| p.starts_with(c)) {
                chosen.push(p.clone());
            }
        }
        // A large tree comes as the zips of its subfolders, one after
        // another: the server makes one zip at a time anyway (two asked at
        // once took twice as long each on Nextcloud 33), and the files of
        // one are written here while the next comes. Split where each
        // subfolder holding files fits a zip of its own and they are not
        // small (the folder's own files then go by a folder archive).
        loop {
            let split = chosen.iter().enumerate().find_map(|(i, c)| {
                if tally.get(c).is_none_or(|t| t.fit <= SPLIT_ABOVE) {
                    return None;
                }
                let children: Vec<(&SyncPath, &Tally)> = tally
                    .iter()
                    .filter(|(p, _)| p.parent().as_ref() == Some(c))
                    .collect();
                let files: usize = children.iter().map(|(_, t)| t.fit).sum();
                (children.len() >= 2
                    && files / children.len() >= SPLIT_AT_LEAST
                    && children.iter().all(|(_, t)| fits_one_zip(t)))
                .then(|| {
                    (
                        i,
                        children
                            .into_iter()
                            .map(|(p, _)| p.clone())
                            .collect::<Vec<_>>(),
                    )
                })
            });
            let Some((i, children)) = split else { break };
            let _: Vec<SyncPath> = chosen.splice(i..=i, children).collect();
        }
        if chosen.is_empty() {
            return (Vec::new(), actions);
        }
        let mut groups: BTreeMap<SyncPath, Vec<&'b Action>> = BTreeMap::new();
        let mut rest = Vec::new();
        for a in actions {
            let home = fits
                .contains(a.path())
                .then(|| chosen.iter().find(|c| a.path().starts_with(c)))
                .flatten();
            match home {
                Some(c) => groups.entry(c.clone()).or_default().push(a),
                None => rest.push(a),
            }
        }
        let jobs = groups.into_iter().map(|(c, g)| Job::Tree(c, g)).collect();
        (jobs, rest)
    }

    /// A download of a new small file (nothing here at its path when
    /// scanned) that an archive may bring.
    fn fits_archive(&self, a: &Action, fd: &FolderDownload) -> bool {
        match a {
            Action::Download { path } => {
                !self.scan.entries.contains_key(path)
                    && self.remote(path).is_some_and(|r| {
                        r.meta.kind == Kind::File && r.meta.size <= fd.max_file_size
                    })
            }
            _ => false,
        }
    }

    /// Downloads the new files `actions` below `dir` in one zip of the
    /// subtree, each checked against the listing and put in place like a
    /// normal download; what the zip did not bring as listed goes by
    /// folder archives or GETs.
    pub(super) async fn tree<'b>(&self, dir: &SyncPath, actions: Vec<&'b Action>) -> Placed<'b> {
        let fetched = self.fetch_tree(dir, &actions).await;
        let (mut placed, rest) =
            self.place_fetched(dir, actions, fetched, "no zip of the folder; by folders");
        let mut by_folder: BTreeMap<SyncPath, Vec<&'b Action>> = BTreeMap::new();
        for a in rest {
            by_folder
                .entry(a.path().parent().unwrap_or_else(SyncPath::root))
                .or_default()
                .push(a);
        }
        for (folder, group) in by_folder {
            placed.extend(self.archive(&folder, group).await);
        }
        placed
    }

    /// Asks for the zip of `dir` and writes each member that is one of
    /// `actions` (downloads below `dir`), as listed, to its temporary file;
    /// the temporary file per action, `None` where the zip did not bring it
    /// as listed. An error when no zip came at all.
    async fn fetch_tree(
        &self,
        dir: &SyncPath,
        actions: &[&Action],
    ) -> Result<Vec<Option<PathBuf>>, ActionError> {
        let folder_url = self.archive_folder_url(dir);
        let mut wanted = Vec::with_capacity(actions.len());
        let mut limit: u64 = 1024 * 1024;
        for a in actions {
            let p = a.path();
            let r = self.remote(p).ok_or(ActionError::NotListed)?;
            // The member's path below `dir`, as the server spells the
            // names (the last segments of its href).
            let url = r.url(&self.folder.remote_root, p);
            let segments: Vec<String> = url
                .path_segments()
                .map(|s| {
                    s.map(|x| {
                        percent_encoding::percent_decode_str(x)
                            .decode_utf8_lossy()
                            .into_owned()
                    })
                    .collect()
                })
                .unwrap_or_default();
            let depth = p.names().count() - dir.names().count();
            let name = segments[segments.len().saturating_sub(depth)..].join("/");
            // Each member: its headers, its name twice, zip64 fields.
            limit += r.meta.size + 2 * name.len() as u64 + 256;
            wanted.push(self.wanted(p, r, name)?);
        }
        let zip = self.folder.local_root.join(format!(
            "{}tree-{}.zip",
            scan::DOWNLOAD_PREFIX,
            &hex::encode(Sha1::digest(dir.as_str().as_bytes()))[..12]
        ));
        self.archive_requests.fetch_add(1, Ordering::Relaxed);
        // One zip at a time (the server makes them one at a time): its
        // files are written as it comes.
        let turn = self.trees_at_once.acquire().await;
        let started = std::time::Instant::now();
        let stream = answered(
            self.folder
                .client
                .folder_zip(&folder_url, limit, self.down.as_ref())
                .await,
            &self.trees_work,
        )?;
        let for_thread = wanted.clone();
        let got = read_on_a_thread(stream, move |reader| {
            let got = crate::archive::stream_zip(reader, &zip, &for_thread);
            let _ = std::fs::remove_file(&zip);
            got
        })
        .await?;
        drop(turn);
        tracing::debug!(folder = %dir, files = wanted.len(), took = ?started.elapsed(), "folder zip");
        if let Some(e) = &got.stream_error {
            tracing::info!(folder = %dir, error = %e, "folder zip unreadable");
        }
        for s in got.skipped.iter().take(20) {
            tracing::debug!(folder = %dir, member = %s, "zip member not asked for; skipped");
        }
        Ok(taken(&got, &wanted, actions))
    }

    /// The URL of `dir` an archive of it is asked of (as the server spells
    /// it where the listing has it).
    fn archive_folder_url(&self, dir: &SyncPath) -> url::Url {
        match self.remote(dir) {
            Some(r) if !dir.is_root() => {
                cc_dav::href::as_collection(&r.url(&self.folder.remote_root, dir))
            }
            _ => self.folder.dir_url_of(dir),
        }
    }

    /// The file `p` (listed as `r`) asked of an archive under `name`,
    /// written to its temporary file and checked against the listing.
    fn wanted(
        &self,
        p: &SyncPath,
        r: &RemoteEntry,
        name: String,
    ) -> Result<crate::archive::Wanted, ActionError> {
        Ok(crate::archive::Wanted {
            name,
            tmp: self.tmp_path(p)?,
            size: r.meta.size,
            sha1: r.sha1.as_ref().map(|s| s.to_ascii_lowercase()),
        })
    }

    /// Puts in place the files an archive brought (`fetched`: a temporary
    /// file per action, or `None`); what it did not bring, or all of
    /// `actions` when no archive came (`why` in the log), is handed back.
    fn place_fetched<'b>(
        &self,
        dir: &SyncPath,
        actions: Vec<&'b Action>,
        fetched: Result<Vec<Option<PathBuf>>, ActionError>,
        why: &str,
    ) -> (Placed<'b>, Vec<&'b Action>) {
        let mut placed = Vec::new();
        let mut rest = Vec::new();
        match fetched {
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
                tracing::info!(folder = %dir, error = %e, "{why}");
                rest = actions;
            }
        }
        (placed, rest)
    }

    /// Where the server offers folder archives: the downloads of new small
    /// files (nothing here at their path when scanned), grouped by folder;
    /// a folder with enough of them gets archive jobs, the rest is handed
    /// back.
    pub(super) fn archive_jobs<'b>(
        &self,
        actions: Vec<&'b Action>,
    ) -> (Vec<Job<'b>>, Vec<&'b Action>) {
        let Some(fd) = self
            .nextcloud
            .as_ref()
            .and_then(|n| n.folder_download.as_ref())
        else {
            return (Vec::new(), actions);
        };
        let fits = |a: &Action| self.fits_archive(a, fd);
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

    /// Downloads the new small files `actions` of the folder `dir` in one
    /// archive (Nextcloud), each checked against the listing and put in
    /// place like a normal download; whatever the archive did not bring
    /// as listed is fetched by a normal GET.
    pub(super) async fn archive<'b>(&self, dir: &SyncPath, actions: Vec<&'b Action>) -> Placed<'b> {
        let (mut placed, rest) = if self.archives_work.load(Ordering::Relaxed) {
            let fetched = self.fetch_archive(dir, &actions).await;
            self.place_fetched(dir, actions, fetched, "no folder archive; one GET per file")
        } else {
            (Vec::new(), actions)
        };
        for a in rest {
            placed.push((a, self.run(a).await));
        }
        placed
    }

    /// Asks for the archive of `actions` (downloads of files of `dir`)
    /// and writes each member that is as listed to its temporary file;
    /// the temporary file per action, `None` where the archive did not
    /// bring it as listed. An error when no archive came at all.
    pub(super) async fn fetch_archive(
        &self,
        dir: &SyncPath,
        actions: &[&Action],
    ) -> Result<Vec<Option<PathBuf>>, ActionError> {
        let folder_url = self.archive_folder_url(dir);
        let mut wanted = Vec::with_capacity(actions.len());
        let mut names = Vec::with_capacity(actions.len());
        for a in actions {
            let p = a.path();
            let r = self.remote(p).ok_or(ActionError::NotListed)?;
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
            wanted.push(self.wanted(p, r, name)?);
        }
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        self.archive_requests.fetch_add(1, Ordering::Relaxed);
        // Not offered here after all (or not for this folder): plain GETs
        // for the rest of the pass.
        let stream = answered(
            self.folder
                .client
                .folder_archive(&folder_url, &refs, self.down.as_ref())
                .await,
            &self.archives_work,
        )?;
        let for_thread = wanted.clone();
        let got = read_on_a_thread(stream, move |reader| {
            crate::archive::extract(reader, &for_thread)
        })
        .await?;
        if let Some(e) = &got.stream_error {
            tracing::info!(folder = %dir, error = %e, "folder archive ended early");
        }
        for s in &got.skipped {
            tracing::info!(folder = %dir, member = %s, "archive member not asked for; skipped");
        }
        Ok(taken(&got, &wanted, actions))
    }
}

/// An archive request's answer. One the server would not give turns
/// `works` off for the rest of the pass, unless it failed only for the
/// connection.
fn answered<T>(asked: Result<T, DavError>, works: &AtomicBool) -> Result<T, ActionError> {
    asked.map_err(|e| {
        if !only_the_connection(&e) {
            works.store(false, Ordering::Relaxed);
        }
        e.into()
    })
}

/// An archive's bytes as a synchronous reader (a bridge to the response:
/// nothing is held whole).
type ArchiveReader = tokio_util::io::SyncIoBridge<
    tokio_util::io::StreamReader<cc_dav::transfers::ArchiveStream, bytes::Bytes>,
>;

/// Reads an archive as it comes with `read` on a blocking thread (the tar
/// and zip readers are synchronous).
async fn read_on_a_thread(
    stream: cc_dav::transfers::ArchiveStream,
    read: impl FnOnce(ArchiveReader) -> crate::archive::Extracted + Send + 'static,
) -> Result<crate::archive::Extracted, ActionError> {
    let reader = tokio_util::io::SyncIoBridge::new(tokio_util::io::StreamReader::new(stream));
    Ok(tokio::task::spawn_blocking(move || read(reader))
        .await
        .map_err(std::io::Error::other)?)
}

/// Whether an archive request failed only for the connection (asked again
/// next time), not because the server gives no archives here.
fn only_the_connection(e: &DavError) -> bool {
    matches!(
        e.kind,
        ErrorKind::Timeout | ErrorKind::Transport(_) | ErrorKind::Connect(_)
    )
}

/// The temporary file per wanted file that the archive brought as listed.
fn taken(
    got: &crate::archive::Extracted,
    wanted: &[crate::archive::Wanted],
    actions: &[&Action],
) -> Vec<Option<PathBuf>> {
    (0..wanted.len())
        .map(|i| match got.files.get(&i) {
            Some(Ok(())) => Some(wanted[i].tmp.clone()),
            Some(Err(e)) => {
                tracing::info!(file = %actions[i].path(), error = %e, "not taken from the archive");
                None
            }
            None => None,
        })
        .collect()
}
