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

/// How the member settles a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// The member's version replaces the server's at the next pass (the
    /// server's goes to the trash here; the server keeps its own version
    /// history).
    Mine,
    /// The member's version goes to the trash.
    Theirs,
    /// Both stay; the copy becomes an ordinary file.
    Both,
}

/// Why a conflict could not be settled.
#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    /// No such open conflict, or its copy is gone.
    #[error("{0}")]
    NotFound(String),
    /// The local folder refused.
    #[error("{0}")]
    Local(#[from] std::io::Error),
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// Settles the open conflict whose copy is `copy` in the pair `folder`
/// rooted at `root`: files are moved here (never unlinked: what goes,
/// goes to `trash`) and the conflict is closed; the next pass carries the
/// result over to the server.
pub fn settle_conflict(
    conn: &Connection,
    folder: i64,
    root: &Path,
    trash: &Trash,
    copy: &str,
    choice: Settle,
) -> Result<(), SettleError> {
    let open = find_conflict(conn, folder, copy)?;
    settle_files(root, trash, &open, choice)?;
    journal::close_conflict(conn, folder, copy)?;
    Ok(())
}

/// The open conflict whose copy is `copy` in the pair `folder`.
pub fn find_conflict(
    conn: &Connection,
    folder: i64,
    copy: &str,
) -> Result<journal::OpenConflict, SettleError> {
    journal::conflicts(conn)?
        .into_iter()
        .find(|c| c.folder == folder && c.copy == copy)
        .ok_or_else(|| SettleError::NotFound(format!("no open conflict {copy:?}")))
}

/// The file part of [`settle_conflict`], without the state file (the
/// caller closes the conflict afterwards): for callers that must not hold
/// the state file while files move to the system's trash.
pub fn settle_files(
    root: &Path,
    trash: &Trash,
    open: &journal::OpenConflict,
    choice: Settle,
) -> Result<(), SettleError> {
    let (original, copy_file) = conflict_paths(root, open);
    match choice {
        Settle::Mine => {
            if !copy_file.exists() {
                return Err(SettleError::NotFound(format!(
                    "{} is gone",
                    copy_file.display()
                )));
            }
            if original.exists() {
                trash.put(root, &original)?;
            }
            std::fs::rename(&copy_file, &original)?;
        }
        Settle::Theirs => {
            if copy_file.exists() {
                trash.put(root, &copy_file)?;
            }
        }
        Settle::Both => {}
    }
    Ok(())
}

/// The two files of an open conflict below `root`: the server's version
/// and the member's copy.
pub fn conflict_paths(root: &Path, open: &journal::OpenConflict) -> (PathBuf, PathBuf) {
    (stored_path(root, &open.path), stored_path(root, &open.copy))
}

/// A path the journal stored, below `root`, spelled as stored (no
/// normalisation: the name on disk is that one); `.` and `..` are dropped,
/// so nothing outside `root` is ever reached.
fn stored_path(root: &Path, rel: &str) -> PathBuf {
    let mut p = root.to_path_buf();
    for n in rel
        .split('/')
        .filter(|n| !n.is_empty() && *n != ".." && *n != ".")
    {
        p.push(n);
    }
    p
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A pair with one open conflict on a real state file: `a.txt` (the
    /// server's version) and its copy (the member's).
    fn pair() -> (tempfile::TempDir, cc_store::Store, i64, PathBuf, Trash) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sync");
        std::fs::create_dir(&root).unwrap();
        let store = cc_store::Store::open(dir.path().join("state.sqlite3")).unwrap();
        let id = journal::folder_pair(store.connection(), root.to_str().unwrap(), "http://x/", 0)
            .unwrap()
            .id;
        std::fs::write(root.join("a.txt"), "theirs").unwrap();
        let copy = conflict_name("a.txt", "2026-12-04 120000");
        std::fs::write(root.join(&copy), "mine").unwrap();
        journal::note_conflict(
            store.connection(),
            id,
            &SyncPath::parse("a.txt"),
            &SyncPath::parse(&copy),
            1,
        )
        .unwrap();
        let trash = Trash::Folder(dir.path().join("trash"));
        (dir, store, id, root, trash)
    }

    const COPY: &str = "a (conflicted copy 2026-12-04 120000).txt";

    #[test]
    fn mine_takes_the_name_and_theirs_goes_to_the_trash() {
        let (dir, store, id, root, trash) = pair();
        settle_conflict(store.connection(), id, &root, &trash, COPY, Settle::Mine).unwrap();
        assert_eq!(std::fs::read_to_string(root.join("a.txt")).unwrap(), "mine");
        assert!(!root.join(COPY).exists());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("trash/a.txt")).unwrap(),
            "theirs"
        );
        assert!(journal::conflicts(store.connection()).unwrap().is_empty());
        // Closed: a second answer finds nothing.
        let again = settle_conflict(store.connection(), id, &root, &trash, COPY, Settle::Mine);
        assert!(matches!(again, Err(SettleError::NotFound(_))), "{again:?}");
    }

    #[test]
    fn theirs_trashes_the_copy_and_both_keeps_both() {
        let (dir, store, id, root, trash) = pair();
        settle_conflict(store.connection(), id, &root, &trash, COPY, Settle::Theirs).unwrap();
        assert_eq!(
            std::fs::read_to_string(root.join("a.txt")).unwrap(),
            "theirs"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("trash").join(COPY)).unwrap(),
            "mine"
        );
        let (_dir, store, id, root, trash) = pair();
        settle_conflict(store.connection(), id, &root, &trash, COPY, Settle::Both).unwrap();
        assert!(root.join("a.txt").exists() && root.join(COPY).exists());
        assert!(journal::conflicts(store.connection()).unwrap().is_empty());
    }

    #[test]
    fn mine_without_the_copy_changes_nothing() {
        let (_dir, store, id, root, trash) = pair();
        std::fs::remove_file(root.join(COPY)).unwrap();
        let r = settle_conflict(store.connection(), id, &root, &trash, COPY, Settle::Mine);
        assert!(matches!(r, Err(SettleError::NotFound(_))), "{r:?}");
        assert_eq!(
            std::fs::read_to_string(root.join("a.txt")).unwrap(),
            "theirs"
        );
        assert_eq!(journal::conflicts(store.connection()).unwrap().len(), 1);
    }

    #[test]
    fn a_stored_path_never_leaves_the_root() {
        let root = Path::new("/sync");
        assert_eq!(
            stored_path(root, "../../etc/passwd"),
            Path::new("/sync/etc/passwd")
        );
        assert_eq!(stored_path(root, "a/./b"), Path::new("/sync/a/b"));
    }
}
