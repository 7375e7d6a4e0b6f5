//! The local scan: every file and folder below the sync root with size,
//! modification time and inode (content is read only when a hash is
//! needed, elsewhere).
//!
//! Symbolic links are not followed (reported); names that are not UTF-8
//! and two spellings of one name (NFC and NFD side by side) are reported;
//! ignored names are left out. A folder that cannot be read aborts the
//! scan: its content would otherwise look deleted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::ignore::IgnoreRules;
use crate::path::SyncPath;
use crate::plan::{Kind, LocalMeta};

/// A local entry and its name as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalEntry {
    pub meta: LocalMeta,
    /// The path below the root, spelled as on disk.
    pub disk_path: PathBuf,
}

/// Something the scan left out, for the member to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScanProblem {
    /// A symbolic link: not followed, not synced.
    Symlink,
    /// A name that is not valid UTF-8.
    NotUtf8,
    /// Another entry has the same name in another Unicode spelling.
    DuplicateSpelling,
    /// A device, socket or pipe.
    Special,
    /// A name the server refuses to store: not found by the scan itself,
    /// set aside by the engine when the server tells its forbidden names
    /// (see [`LocalScan::set_aside`]).
    ServerRefuses,
}

/// How the engine's partial downloads are named (then a hash of the
/// path): the engine's prefix, so they are never synced.
pub const DOWNLOAD_PREFIX: &str = ".commonscloud-download-";

/// The result of a scan.
#[derive(Debug, Clone, Default)]
pub struct LocalScan {
    pub entries: BTreeMap<SyncPath, LocalEntry>,
    /// Reported paths (spelled as on disk, lossily).
    pub problems: Vec<(String, ScanProblem)>,
    /// Paths that exist but are not synced (problems): the planner must not
    /// read their absence as a deletion.
    pub skipped: Vec<SyncPath>,
    /// The engine's own partial downloads found (relative to the root):
    /// resumed when their file is fetched again, removed when no longer
    /// needed.
    pub partial_downloads: Vec<PathBuf>,
    /// Set by the engine after planning, for the entries it moves here as
    /// another client moved them on the server: the new path → where the
    /// entry is on disk until moved. Their entries are already at the new
    /// path (with the new place as their disk path), so what the plan does
    /// below a moved folder finds them.
    pub moving: BTreeMap<SyncPath, PathBuf>,
}

impl LocalScan {
    /// Leaves out the entries whose name `refused` says no to, with
    /// everything below them, as reported problems: they are not synced,
    /// and their absence from the tree is not a deletion.
    pub fn set_aside(&mut self, refused: impl Fn(&str) -> bool, problem: ScanProblem) {
        let outermost: Vec<SyncPath> = {
            let mut found: Vec<SyncPath> = Vec::new();
            for p in self.entries.keys() {
                if refused(p.name()) && !found.iter().any(|f| p.starts_with(f)) {
                    found.push(p.clone());
                }
            }
            found
        };
        for p in outermost {
            let below: Vec<SyncPath> = p.below(&self.entries).map(|(k, _)| k.clone()).collect();
            for k in below {
                self.entries.remove(&k);
            }
            let disk = self.entries.remove(&p).map_or_else(
                || p.as_str().to_owned(),
                |e| e.disk_path.to_string_lossy().into_owned(),
            );
            self.problems.push((disk, problem.clone()));
            self.skipped.push(p);
        }
    }
}

/// Why a scan failed.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("the sync folder {0} does not exist or is not a folder")]
    NoRoot(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

#[cfg(unix)]
fn inode_of(m: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    m.ino()
}

#[cfg(not(unix))]
fn inode_of(_m: &std::fs::Metadata) -> u64 {
    0
}

/// Nanoseconds since the epoch of a modification time.
pub fn mtime_ns(m: &std::fs::Metadata) -> i64 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The metadata the planner compares.
pub fn meta_of(m: &std::fs::Metadata) -> LocalMeta {
    LocalMeta {
        kind: if m.is_dir() { Kind::Dir } else { Kind::File },
        size: if m.is_dir() { 0 } else { m.len() },
        mtime_ns: mtime_ns(m),
        inode: inode_of(m),
    }
}

/// Scans the folder at `root`.
pub fn scan(root: &Path, ignore: &IgnoreRules) -> Result<LocalScan, ScanError> {
    let meta = std::fs::metadata(root).map_err(|_| ScanError::NoRoot(root.to_path_buf()))?;
    if !meta.is_dir() {
        return Err(ScanError::NoRoot(root.to_path_buf()));
    }
    let mut out = LocalScan::default();
    let mut packer = crate::path::Packer::default();
    let mut stack = vec![(PathBuf::new(), SyncPath::root())];
    while let Some((rel, key)) = stack.pop() {
        let dir = root.join(&rel);
        let read = std::fs::read_dir(&dir).map_err(|source| ScanError::Io {
            path: dir.clone(),
            source,
        })?;
        for entry in read {
            let entry = entry.map_err(|source| ScanError::Io {
                path: dir.clone(),
                source,
            })?;
            let os_name = entry.file_name();
            let disk_path = rel.join(&os_name);
            let Some(name) = os_name.to_str() else {
                out.problems.push((
                    disk_path.to_string_lossy().into_owned(),
                    ScanProblem::NotUtf8,
                ));
                continue;
            };
            let child = key.join(name);
            if ignore.is_ignored_in_kept_folder(&child) {
                if name.starts_with(DOWNLOAD_PREFIX) {
                    out.partial_downloads.push(disk_path);
                }
                continue;
            }
            // Not following links; relative to the open folder (statx on
            // the folder's descriptor, no walk of the whole path).
            let m = entry.metadata().map_err(|source| ScanError::Io {
                path: root.join(&disk_path),
                source,
            })?;
            let ft = m.file_type();
            let problem = if ft.is_symlink() {
                Some(ScanProblem::Symlink)
            } else if !ft.is_file() && !ft.is_dir() {
                Some(ScanProblem::Special)
            } else if out.entries.contains_key(&child) {
                Some(ScanProblem::DuplicateSpelling)
            } else {
                None
            };
            if let Some(p) = problem {
                out.problems
                    .push((disk_path.to_string_lossy().into_owned(), p));
                out.skipped.push(child);
                continue;
            }
            if ft.is_dir() {
                stack.push((disk_path.clone(), child.clone()));
            }
            packer.insert(
                &mut out.entries,
                child,
                LocalEntry {
                    meta: meta_of(&m),
                    disk_path,
                },
            );
        }
    }
    packer.finish(&mut out.entries);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_files_and_folders_and_reports_what_it_skips() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("Documents/Factures")).unwrap();
        std::fs::write(root.join("Documents/Factures/gener.pdf"), b"12345").unwrap();
        std::fs::write(root.join("notes.md"), b"hola").unwrap();
        std::fs::write(root.join("~$Informe.docx"), b"lock").unwrap();
        std::fs::create_dir(root.join("buida")).unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("/etc", root.join("enllac")).unwrap();
        let s = scan(root, &IgnoreRules::defaults()).unwrap();
        let keys: Vec<&str> = s.entries.keys().map(SyncPath::as_str).collect();
        assert_eq!(
            keys,
            [
                "Documents",
                "Documents/Factures",
                "Documents/Factures/gener.pdf",
                "buida",
                "notes.md"
            ]
        );
        let pdf = &s.entries[&SyncPath::parse("Documents/Factures/gener.pdf")];
        assert_eq!(pdf.meta.size, 5);
        assert_eq!(pdf.meta.kind, Kind::File);
        assert!(pdf.meta.inode != 0 && pdf.meta.mtime_ns > 0);
        #[cfg(unix)]
        {
            assert_eq!(
                s.problems,
                vec![("enllac".to_owned(), ScanProblem::Symlink)]
            );
            assert_eq!(s.skipped, vec![SyncPath::parse("enllac")]);
        }
    }

    #[test]
    fn nfc_and_nfd_spellings_side_by_side_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Caf\u{e9}.txt"), b"nfc").unwrap();
        std::fs::write(dir.path().join("Cafe\u{301}.txt"), b"nfd").unwrap();
        let s = scan(dir.path(), &IgnoreRules::defaults()).unwrap();
        assert_eq!(s.entries.len(), 1);
        assert_eq!(s.problems.len(), 1);
        assert_eq!(s.problems[0].1, ScanProblem::DuplicateSpelling);
    }

    #[test]
    fn a_missing_root_is_an_error_not_an_empty_folder() {
        let dir = tempfile::tempdir().unwrap();
        let err = scan(&dir.path().join("nope"), &IgnoreRules::defaults()).unwrap_err();
        assert!(matches!(err, ScanError::NoRoot(_)));
    }

    #[cfg(unix)]
    #[test]
    fn an_unreadable_folder_aborts_the_scan() {
        use std::os::unix::fs::PermissionsExt;
        if nix_is_root() {
            // root reads everything; the check cannot be made.
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::create_dir(&secret).unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
        let err = scan(dir.path(), &IgnoreRules::defaults());
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(matches!(err, Err(ScanError::Io { .. })));
    }

    #[cfg(unix)]
    fn nix_is_root() -> bool {
        std::fs::metadata("/proc/self")
            .map(|m| {
                use std::os::unix::fs::MetadataExt;
                m.uid() == 0
            })
            .unwrap_or(false)
    }
}
