//! Where the engine puts what it deletes here: never unlinked.

use std::io;
use std::path::{Path, PathBuf};

use crate::ignore::ENGINE_PREFIX;

/// Where deleted local files and folders go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Trash {
    /// The desktop's trash (the freedesktop.org trash of the file's home
    /// or volume on Linux, the Recycle Bin, the macOS Trash); where the
    /// system has none for the file, `.commonscloud-trash/` at the sync
    /// root.
    #[default]
    System,
    /// A folder of the caller's choice: tests, so that nothing lands in
    /// the trash of whoever runs them. Where a file cannot be moved there
    /// (another file system), `.commonscloud-trash/` at the sync root.
    Folder(PathBuf),
}

impl Trash {
    /// Moves `path` (a file or a folder under the sync root `root`) to
    /// the trash.
    pub fn put(&self, root: &Path, path: &Path) -> io::Result<()> {
        let fallback = root.join(format!("{ENGINE_PREFIX}trash"));
        match self {
            Trash::System => {
                if trash::delete(path).is_ok() {
                    return Ok(());
                }
                move_into(&fallback, path)
            }
            Trash::Folder(dir) => match move_into(dir, path) {
                Err(e) if e.kind() == io::ErrorKind::CrossesDevices => move_into(&fallback, path),
                other => other,
            },
        }
    }
}

/// Renames `path` into `bin`, as `name`, `name (1)`, `name (2)`, ... so
/// nothing there is replaced.
fn move_into(bin: &Path, path: &Path) -> io::Result<()> {
    std::fs::create_dir_all(bin)?;
    let name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    let mut target = bin.join(&name);
    let mut i = 1;
    while target.symlink_metadata().is_ok() {
        target = bin.join(format!("{} ({i})", name.to_string_lossy()));
        i += 1;
    }
    std::fs::rename(path, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_trash_keeps_every_version_under_its_own_name() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("sync");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        let bin = dir.path().join("trash");
        let trash = Trash::Folder(bin.clone());
        for body in ["first", "second"] {
            let f = root.join("sub/a.txt");
            std::fs::write(&f, body).unwrap();
            trash.put(&root, &f).unwrap();
            assert!(!f.exists());
        }
        trash.put(&root, &root.join("sub")).unwrap();
        assert_eq!(std::fs::read_to_string(bin.join("a.txt")).unwrap(), "first");
        assert_eq!(
            std::fs::read_to_string(bin.join("a.txt (1)")).unwrap(),
            "second"
        );
        assert!(bin.join("sub").is_dir());
        assert!(!root.join(format!("{ENGINE_PREFIX}trash")).exists());
    }
}
