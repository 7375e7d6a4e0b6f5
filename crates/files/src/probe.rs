//! What the local file system does with names, found by trying in the
//! synced folder itself (never assumed from the OS: a macOS or Windows
//! volume can be either, and a Linux folder can be on a case-folding ext4
//! or a USB stick formatted FAT).

use std::path::Path;

use crate::ignore::ENGINE_PREFIX;

/// Whether two names that differ only in case are one file in `dir`
/// (Windows, macOS by default, FAT, ext4 with case folding). The planner
/// then keeps one of two server names that differ only in case on the
/// server only, and reports it. The probe file carries the engine's prefix,
/// so no sync pass ever picks it up.
pub fn is_case_insensitive(dir: &Path) -> std::io::Result<bool> {
    let name = format!("{ENGINE_PREFIX}case-probe-{}", std::process::id());
    let lower = dir.join(&name);
    let upper = dir.join(name.to_uppercase());
    std::fs::write(&lower, b"")?;
    let insensitive = std::fs::symlink_metadata(&upper).is_ok();
    let removed = std::fs::remove_file(&lower);
    removed?;
    Ok(insensitive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linux_folder_tells_case_apart_and_the_probe_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kept.txt"), "x").unwrap();
        // ext4/tmpfs without case folding, as on this machine and CI.
        assert!(!is_case_insensitive(dir.path()).unwrap());
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["kept.txt"]);
    }

    #[test]
    fn a_folder_that_cannot_be_written_is_an_error_not_a_guess() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("not-there");
        assert!(is_case_insensitive(&missing).is_err());
    }
}
