//! Conflicts: both sides changed; the server's version keeps the name and
//! the local one becomes a conflicted copy (identical content is no
//! conflict).

use super::download::sha1_file;
use super::*;

/// `name (conflicted copy 2026-11-25 093612).ext`.
pub fn conflict_name(name: &str, stamp: &str) -> String {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    format!("{stem} (conflicted copy {stamp}){ext}")
}

impl Ctx<'_> {
    pub(super) async fn conflict(&self, p: &SyncPath) -> Result<Outcome, ActionError> {
        let (tmp, etag) = self.fetch(p).await?;
        let target = local_path(&self.folder.local_root, p);
        if sha1_file(&tmp)? == sha1_file(&target)? {
            let _ = std::fs::remove_file(&tmp);
            let r = self.remote(p).ok_or(ActionError::NotListed)?;
            return Ok(Outcome::Record(self.synced(self.stat(p)?, r, etag)));
        }
        self.keep_both(p, tmp, etag)
    }

    /// The local file becomes a conflicted copy; the server's takes the
    /// name.
    pub(super) fn keep_both(
        &self,
        p: &SyncPath,
        tmp: PathBuf,
        etag: Option<String>,
    ) -> Result<Outcome, ActionError> {
        let r = self.remote(p).ok_or(ActionError::NotListed)?;
        let target = local_path(&self.folder.local_root, p);
        let copy_name = conflict_name(p.name(), &self.stamp);
        let copy = target.with_file_name(&copy_name);
        if copy.exists() {
            let _ = std::fs::remove_file(&tmp);
            return Err(ActionError::CopyExists(copy_name));
        }
        std::fs::rename(&target, &copy)?;
        std::fs::rename(&tmp, &target)?;
        let local = std::fs::symlink_metadata(&target).map(|m| meta_of(&m))?;
        let copy_path = p.parent().unwrap_or_else(SyncPath::root).join(&copy_name);
        Ok(Outcome::RecordWithConflict(
            self.synced(local, r, etag),
            copy_path,
        ))
    }
}
