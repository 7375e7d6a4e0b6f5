//! What is never synced: temporary and lock files of common programs, the
//! engine's own files, and the member's own list, in the format of
//! Nextcloud's `sync-exclude.lst` (one glob per line, `#` comments; a
//! pattern without `/` matches a name at any depth, one with `/` matches
//! the path from the sync root).

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::path::SyncPath;

/// Prefix of every file the engine itself writes inside a synced folder
/// (temporary downloads).
pub const ENGINE_PREFIX: &str = ".commonscloud-";

/// The defaults, as in Nextcloud's and Dropbox's clients.
pub const DEFAULT_PATTERNS: &[&str] = &[
    "~$*",        // Microsoft Office lock files
    ".~lock.*#",  // LibreOffice lock files
    "*.part",     // partial downloads (browsers, Nextcloud)
    "*.filepart", // Nextcloud's own partial files
    "*.tmp",
    "*.swp", // vim
    "*~",    // editor backups
    ".DS_Store",
    "._*", // macOS resource forks
    "Thumbs.db",
    "desktop.ini",
    ".directory", // KDE Dolphin
    ".Trash-*",
    ".commonscloud-*",
    ".sync_*.db*", // Nextcloud client journals, if a folder moves over
];

/// A compiled ignore list.
#[derive(Debug, Clone)]
pub struct IgnoreRules {
    names: GlobSet,
    paths: GlobSet,
    patterns: Vec<String>,
}

/// A pattern that does not compile.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid ignore pattern {pattern:?} on line {line}: {reason}")]
pub struct PatternError {
    pub pattern: String,
    pub line: usize,
    pub reason: String,
}

impl IgnoreRules {
    /// The defaults plus the member's list (the text of an exclude file).
    pub fn new(user_list: &str) -> Result<Self, PatternError> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        let mut patterns = Vec::new();
        let defaults = DEFAULT_PATTERNS.iter().map(|p| (0, (*p).to_owned()));
        let user = user_list
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim().to_owned()))
            .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
        for (line, raw) in defaults.chain(user) {
            // Nextcloud's "]" prefix (deletable) and a trailing "/" (folders
            // only) are accepted and treated as the plain pattern.
            let pat = raw
                .trim_start_matches(']')
                .trim_start_matches('/')
                .trim_end_matches('/')
                .to_owned();
            if pat.is_empty() {
                continue;
            }
            let glob = Glob::new(&pat).map_err(|e| PatternError {
                pattern: raw.clone(),
                line,
                reason: e.kind().to_string(),
            })?;
            if pat.contains('/') {
                paths.add(glob);
            } else {
                names.add(glob);
            }
            patterns.push(raw);
        }
        let build = |b: GlobSetBuilder| {
            b.build().map_err(|e| PatternError {
                pattern: String::new(),
                line: 0,
                reason: e.to_string(),
            })
        };
        Ok(IgnoreRules {
            names: build(names)?,
            paths: build(paths)?,
            patterns,
        })
    }

    /// Only the defaults.
    pub fn defaults() -> Self {
        Self::new("").expect("the default patterns compile")
    }

    /// Whether `path` (or one of its folders) is ignored.
    pub fn is_ignored(&self, path: &SyncPath) -> bool {
        path.names().any(|n| self.names.is_match(n))
            || self.paths.is_match(path.as_str())
            || path.ancestors().any(|a| self.paths.is_match(a.as_str()))
    }

    /// [`is_ignored`](Self::is_ignored) for an entry whose folder is known
    /// not to be ignored (as in a walk of the tree, which does not enter
    /// ignored folders): only its own name and its own path are matched.
    pub fn is_ignored_in_kept_folder(&self, path: &SyncPath) -> bool {
        self.names.is_match(path.name())
            || (!self.paths.is_empty() && self.paths.is_match(path.as_str()))
    }

    /// A short fingerprint of the rules (defaults and the member's), to
    /// tell when they changed.
    pub fn fingerprint(&self) -> String {
        use sha1::{Digest, Sha1};
        let mut h = Sha1::new();
        for p in &self.patterns {
            h.update(p.as_bytes());
            h.update(b"\n");
        }
        hex::encode(h.finalize())[..16].to_owned()
    }

    /// The patterns in force, defaults first.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_of_a_kept_folder_is_judged_as_by_the_whole_path() {
        let r = IgnoreRules::new("build/cache\n*.log\nprivat").unwrap();
        for p in [
            "a.txt",
            "a/b.log",
            "build",
            "build/cache",
            "build/cache2",
            "x/build/cache",
            "docs/privat",
            "~$x.docx",
            "a/.DS_Store",
        ] {
            let path = SyncPath::parse(p);
            let parent_kept = !path.ancestors().any(|a| r.is_ignored(&a));
            assert!(parent_kept, "{p}");
            assert_eq!(
                r.is_ignored_in_kept_folder(&path),
                r.is_ignored(&path),
                "{p}"
            );
        }
    }

    #[test]
    fn defaults_cover_lock_and_temporary_files() {
        let r = IgnoreRules::defaults();
        for p in [
            "~$Informe.docx",
            "docs/.~lock.Pressupost.ods#",
            "baixada.part",
            "a/b/.DS_Store",
            "Thumbs.db",
            "fotos/desktop.ini",
            "x.tmp",
            ".commonscloud-download-1234",
        ] {
            assert!(r.is_ignored(&SyncPath::parse(p)), "{p}");
        }
        for p in [
            "Informe.docx",
            "lock.txt",
            "partial.txt",
            "a/b/c.odt",
            "tmp/notes.md",
        ] {
            assert!(!r.is_ignored(&SyncPath::parse(p)), "{p}");
        }
    }

    #[test]
    fn user_patterns_by_name_and_by_path() {
        let r = IgnoreRules::new("# build outputs\nnode_modules\n/private/*\nbuild/\n]*.bak\n")
            .unwrap();
        assert!(r.is_ignored(&SyncPath::parse("web/node_modules/x/y.js")));
        assert!(r.is_ignored(&SyncPath::parse("app/build")));
        assert!(r.is_ignored(&SyncPath::parse("old.bak")));
        assert!(!r.is_ignored(&SyncPath::parse("web/src/y.js")));
        let r = IgnoreRules::new("private/*").unwrap();
        assert!(r.is_ignored(&SyncPath::parse("private/diari.txt")));
        assert!(r.is_ignored(&SyncPath::parse("private/sub/diari.txt")));
        assert!(!r.is_ignored(&SyncPath::parse("public/private.txt")));
    }

    #[test]
    fn a_bad_pattern_names_its_line() {
        let err = IgnoreRules::new("ok\n\n[unclosed\n").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.to_string().contains("[unclosed"));
    }
}
