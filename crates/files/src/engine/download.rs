//! Downloads: to a temporary file next to the target, resumed with
//! `Range` after a dropped connection, checked, then put in place only if
//! the local file did not change meanwhile.

use super::*;

pub(super) fn sha1_file(path: &Path) -> std::io::Result<String> {
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

/// Bytes gathered before a download writes to its file.
pub(super) const DOWNLOAD_BUFFER: usize = 256 * 1024;

/// Where a download of `p` is written before it is put in place: next to
/// it, named by a hash of its path.
pub(super) fn download_tmp(root: &Path, p: &SyncPath) -> Option<PathBuf> {
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
pub(super) fn version_of(tmp: &Path) -> PathBuf {
    let mut name = tmp.file_name().unwrap_or_default().to_os_string();
    name.push(".etag");
    tmp.with_file_name(name)
}

impl Ctx<'_> {
    /// Fetches the server file into a temporary file next to the target.
    pub(super) async fn fetch(
        &self,
        p: &SyncPath,
    ) -> Result<(PathBuf, Option<String>), ActionError> {
        let r = self.remote(p).ok_or(ActionError::NotListed)?;
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
                    .await?
            } else {
                // The version is written down before the first byte, so a
                // partial file is only ever resumed for the same version.
                match &r.meta.etag {
                    Some(etag) => std::fs::write(&tag, etag)?,
                    None => {
                        let _ = std::fs::remove_file(&tag);
                    }
                }
                tokio::fs::File::create(&tmp).await?
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
                    return Err(e.into());
                }
            };
            f.flush().await?;
            f.get_ref().sync_all().await?;
            drop(f);
            let total = from + got.written;
            if r.meta.size != total && r.meta.etag == got.etag {
                let _ = tokio::fs::remove_file(&tmp).await;
                let _ = std::fs::remove_file(&tag);
                return Err(ActionError::Incomplete(format!(
                    "size {total} differs from the listing's {}",
                    r.meta.size
                )));
            }
            if let Some(expected) = &r.sha1 {
                let actual = sha1_file(&tmp)?;
                if &actual != expected {
                    let _ = tokio::fs::remove_file(&tmp).await;
                    let _ = std::fs::remove_file(&tag);
                    return Err(ActionError::ChecksumMismatch);
                }
            }
            let _ = std::fs::remove_file(&tag);
            return Ok((tmp, got.etag.or_else(|| r.meta.etag.clone())));
        }
    }

    pub(super) async fn download(
        &self,
        p: &SyncPath,
        compare: bool,
    ) -> Result<Outcome, ActionError> {
        let (tmp, etag) = self.fetch(p).await?;
        self.place(p, tmp, etag, compare)
    }

    /// Where a download of `p` is written before it is put in place.
    pub(super) fn tmp_path(&self, p: &SyncPath) -> Result<PathBuf, ActionError> {
        download_tmp(&self.folder.local_root, p).ok_or(ActionError::NoParent)
    }

    /// Puts the checked download `tmp` of `p` in place, if the local side
    /// is still what the scan saw (else it is kept and `tmp` removed).
    pub(super) fn place(
        &self,
        p: &SyncPath,
        tmp: PathBuf,
        etag: Option<String>,
        compare: bool,
    ) -> Result<Outcome, ActionError> {
        let r = self.remote(p).ok_or(ActionError::NotListed)?;
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
            return Err(ActionError::ChangedDuringPass);
        }
        if compare && now.is_some() {
            let same = sha1_file(&tmp)? == sha1_file(&target)?;
            if same {
                let _ = std::fs::remove_file(&tmp);
                return Ok(Outcome::Record(self.synced(self.stat(p)?, r, etag)));
            }
            return self.keep_both(p, tmp, etag);
        }
        std::fs::rename(&tmp, &target)?;
        let local = std::fs::symlink_metadata(&target).map(|m| meta_of(&m))?;
        Ok(Outcome::Record(self.synced(local, r, etag)))
    }
}
