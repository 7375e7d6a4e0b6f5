//! Nextcloud's upload extensions as the engine uses them: chunked upload
//! v2 for large files (resumed after a restart) and bulk upload for many
//! small new files, each only when the server's capabilities offer it;
//! and, the other way, folder archive downloads for many small new files
//! (Nextcloud 30+, see [`crate::archive`]).
//!
//! The caller (the desktop app, the CLI) reads the capabilities once per
//! account and puts a [`NextcloudUploads`] in the pass options; on other
//! servers it stays `None` and every file goes up with a plain PUT.
//!
//! # Limits (Nextcloud 33, the real server and recordings 059–074)
//!
//! - The MOVE that ends a chunked upload carries the upload's precondition
//!   as Nextcloud's own client does: `If: <destination> (["etag"])` for an
//!   update, `Overwrite: F` for a new file; the real server answers 412 when
//!   the file changed meanwhile (`crates/dav/tests/real_nextcloud.rs`).
//! - Bulk upload carries none: an entry made on the web at the same path
//!   between the pass's listing and the upload is replaced (Nextcloud keeps
//!   it as a version). It is therefore used only for files the server did
//!   not have at listing time, where a plain PUT would carry
//!   `If-None-Match: *`.

use cc_dav::transfers::{DEFAULT_CHUNK, MIN_CHUNK, UploadCapabilities};
use url::Url;

use crate::path::SyncPath;

/// Chunked upload v2 settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunking {
    /// `…/remote.php/dav/uploads/<user>/`.
    pub uploads_root: Url,
    /// Files larger than this go up in chunks.
    pub threshold: u64,
    /// Size of each chunk (the last one may be smaller).
    pub chunk_size: u64,
}

/// Bulk upload settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bulk {
    /// `…/remote.php/dav/bulk`.
    pub url: Url,
    /// Files up to this size go in bulk requests.
    pub max_file_size: u64,
    /// Files in one request, at most.
    pub max_files: usize,
    /// Bytes of content in one request, at most (held in memory while it
    /// is sent).
    pub max_bytes: u64,
}

/// Folder archive download settings: the new small files of one folder
/// come down as one tar (see [`crate::archive`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderDownload {
    /// A folder needs at least this many new small files to come down
    /// that way; fewer go by plain GETs.
    pub min_files: usize,
    /// Files up to this size are fetched in archives.
    pub max_file_size: u64,
    /// Files in one archive, at most (several archives of one folder go
    /// side by side, like other transfers).
    pub max_files: usize,
    /// Bytes of files in one archive, at most.
    pub max_bytes: u64,
    /// A whole subtree comes down as one zip when every file below it is
    /// a new small file here, and there are at least this many...
    pub min_tree_files: usize,
    /// ...and no more bytes than this (the zip is kept on disk until it is
    /// read: it is written whole before its central directory can be)...
    pub max_tree_bytes: u64,
    /// ...and no more files than this (the reader holds the zip's
    /// directory in memory: 100,000 entries took 60 MB more at once).
    pub max_tree_files: usize,
}

impl Default for FolderDownload {
    fn default() -> Self {
        FolderDownload {
            min_files: 10,
            max_file_size: 1024 * 1024,
            max_files: 100,
            max_bytes: 16 * 1024 * 1024,
            min_tree_files: 50,
            max_tree_bytes: 256 * 1024 * 1024,
            max_tree_files: 10_000,
        }
    }
}

/// The names the server refuses to store (its capabilities, Nextcloud 30
/// and later), compared as Nextcloud's own clients do: whole names,
/// basenames (before the first dot) and extensions without regard to case,
/// characters anywhere in the name. A local file so named is reported and
/// kept here, not sent again and again to be refused.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServerNames {
    names: Vec<String>,
    basenames: Vec<String>,
    characters: Vec<String>,
    extensions: Vec<String>,
}

impl ServerNames {
    pub fn new(caps: &UploadCapabilities) -> Self {
        let lower = |v: &[String]| -> Vec<String> {
            v.iter()
                .filter(|s| !s.is_empty())
                .map(|s| s.to_lowercase())
                .collect()
        };
        ServerNames {
            names: lower(&caps.forbidden_names),
            basenames: lower(&caps.forbidden_basenames),
            characters: caps
                .forbidden_characters
                .iter()
                .filter(|s| !s.is_empty())
                .cloned()
                .collect(),
            extensions: lower(&caps.forbidden_extensions),
        }
    }

    /// Whether the server would refuse a file or folder named `name`.
    pub fn refuses(&self, name: &str) -> bool {
        if self.characters.iter().any(|c| name.contains(c.as_str())) {
            return true;
        }
        if self.names.is_empty() && self.basenames.is_empty() && self.extensions.is_empty() {
            return false;
        }
        let lower: std::borrow::Cow<'_, str> = if name.chars().any(char::is_uppercase) {
            name.to_lowercase().into()
        } else {
            name.into()
        };
        // Up to the first dot, a leading dot (a hidden file) not counted.
        let basename = match lower.char_indices().skip(1).find(|(_, c)| *c == '.') {
            Some((i, _)) => &lower[..i],
            None => &lower,
        };
        self.names.iter().any(|n| *n == lower)
            || self.basenames.iter().any(|b| b == basename)
            || self.extensions.iter().any(|e| lower.ends_with(e.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
            && self.basenames.is_empty()
            && self.characters.is_empty()
            && self.extensions.is_empty()
    }
}

/// What a pass may use of Nextcloud's upload (and download) extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextcloudUploads {
    /// The user's files root, `…/remote.php/dav/files/<user>/`: bulk
    /// upload names files by their path below it.
    pub files_root: Url,
    pub chunking: Option<Chunking>,
    pub bulk: Option<Bulk>,
    /// Folder archive downloads (Nextcloud 30 and later).
    pub folder_download: Option<FolderDownload>,
    /// Names the server refuses.
    pub refused_names: ServerNames,
    /// The push server that announces remote changes (`notify_push`),
    /// when the server has one that announces files (see [`crate::push`]).
    pub push: Option<cc_dav::transfers::PushCapability>,
}

impl NextcloudUploads {
    /// From the user's files root (`…/remote.php/dav/files/<user>/`) and
    /// the server's capabilities: chunking when `dav.chunking` is offered
    /// (chunks of 10 MiB, or the server's `max_size` when smaller, never
    /// under Nextcloud's 5 MiB minimum), bulk upload when `dav.bulkupload`
    /// is, folder archive downloads from Nextcloud 30 on (the version the
    /// capabilities tell). `None` when the URL is not a Nextcloud files
    /// root or the server offers none of them.
    pub fn new(files_root: &Url, caps: &UploadCapabilities) -> Option<Self> {
        let path = files_root.path();
        let at = path.find("/remote.php/dav/files/")?;
        let rest = &path[at + "/remote.php/dav/files/".len()..];
        let user = rest.strip_suffix('/').unwrap_or(rest);
        if user.is_empty() || user.contains('/') {
            return None;
        }
        let dav_root = files_root
            .join(&format!("{}/remote.php/dav/", &path[..at]))
            .ok()?;
        let chunking = if caps.chunking {
            let chunk_size = caps
                .max_chunk_size
                .filter(|m| *m > 0)
                .map_or(DEFAULT_CHUNK, |m| m.min(DEFAULT_CHUNK))
                .max(MIN_CHUNK);
            dav_root
                .join(&format!("uploads/{user}/"))
                .ok()
                .map(|uploads_root| Chunking {
                    uploads_root,
                    threshold: chunk_size,
                    chunk_size,
                })
        } else {
            None
        };
        let bulk = if caps.bulk_upload {
            dav_root.join("bulk").ok().map(|url| Bulk {
                url,
                max_file_size: 1024 * 1024,
                max_files: 100,
                max_bytes: 10 * 1024 * 1024,
            })
        } else {
            None
        };
        let folder_download = caps
            .version_major
            .filter(|v| *v >= 30)
            .map(|_| FolderDownload::default());
        let refused_names = ServerNames::new(caps);
        let push = caps.push.clone().filter(|p| p.files());
        if chunking.is_none()
            && bulk.is_none()
            && folder_download.is_none()
            && refused_names.is_empty()
            && push.is_none()
        {
            return None;
        }
        Some(NextcloudUploads {
            files_root: cc_dav::href::as_collection(files_root),
            chunking,
            bulk,
            folder_download,
            refused_names,
            push,
        })
    }

    /// Asks the server behind `remote` (a folder at or below a Nextcloud
    /// files root, `…/remote.php/dav/files/<user>/…`) for its capabilities
    /// and returns what it offers; `None` when `remote` is not below such a
    /// root, or the server does not answer like a Nextcloud (the pass then
    /// uses plain PUTs, which every server takes).
    pub async fn detect(client: &cc_dav::DavClient, remote: &Url) -> Option<Self> {
        let files_root = files_root_of(remote)?;
        let path = files_root.path();
        let at = path.find("/remote.php/dav/files/")?;
        let server = files_root.join(&format!("{}/", &path[..at])).ok()?;
        match client.upload_capabilities(&server).await {
            Ok(caps) => Self::new(&files_root, &caps),
            Err(e) => {
                tracing::info!(error = %e, "no Nextcloud upload extensions");
                None
            }
        }
    }

    /// The path bulk upload names a file by (`/Documents/a.txt`, decoded),
    /// for `p` below the sync folder `remote_root`; `None` when the sync
    /// folder is not below the files root.
    pub fn bulk_path(&self, remote_root: &Url, p: &SyncPath) -> Option<String> {
        let root = self.files_root.path();
        let sub = remote_root.path().strip_prefix(root)?;
        let mut names: Vec<String> = Vec::new();
        for seg in sub.split('/').filter(|s| !s.is_empty()) {
            names.push(
                percent_encoding::percent_decode_str(seg)
                    .decode_utf8()
                    .ok()?
                    .into_owned(),
            );
        }
        names.extend(p.names().map(str::to_owned));
        Some(format!("/{}", names.join("/")))
    }
}

/// The files root (`…/remote.php/dav/files/<user>/`) that `url` is at or
/// below, if it is below one.
pub fn files_root_of(url: &Url) -> Option<Url> {
    let path = url.path();
    let at = path.find("/remote.php/dav/files/")?;
    let after = at + "/remote.php/dav/files/".len();
    let user = path[after..].split('/').next().filter(|u| !u.is_empty())?;
    url.join(&format!("{}{user}/", &path[..after])).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_names_are_matched_as_nextcloud_matches_them() {
        let rules = ServerNames::new(&UploadCapabilities {
            forbidden_names: vec![".htaccess".into()],
            forbidden_basenames: vec!["con".into(), "prn".into()],
            forbidden_characters: vec!["\\".into(), "/".into()],
            forbidden_extensions: vec![".filepart".into(), ".part".into()],
            ..UploadCapabilities::default()
        });
        for refused in [
            ".htaccess",
            ".HTACCESS",
            "con",
            "CON.txt",
            "con.tar.gz",
            "a\\b",
            "baixada.part",
            "x.FilePart",
        ] {
            assert!(rules.refuses(refused), "{refused}");
        }
        for kept in [
            "htaccess",
            ".htaccess2",
            "a.htaccess",
            "console.txt",
            ".con",
            "part",
            "partida.txt",
            "àcon.txt",
            "é",
        ] {
            assert!(!rules.refuses(kept), "{kept}");
        }
        assert!(ServerNames::default().is_empty());
        assert!(!ServerNames::default().refuses(".htaccess"));
    }

    fn caps(chunking: bool, bulk: bool, max: Option<u64>) -> UploadCapabilities {
        UploadCapabilities {
            chunking,
            bulk_upload: bulk,
            max_chunk_size: max,
            ..UploadCapabilities::default()
        }
    }

    #[test]
    fn endpoints_come_from_the_files_root() {
        let root =
            Url::parse("https://oficina.example/cloud/remote.php/dav/files/ana%20p/").unwrap();
        let nc = NextcloudUploads::new(&root, &caps(true, true, Some(104_857_600))).unwrap();
        let ch = nc.chunking.unwrap();
        assert_eq!(
            ch.uploads_root.as_str(),
            "https://oficina.example/cloud/remote.php/dav/uploads/ana%20p/"
        );
        assert_eq!(ch.chunk_size, DEFAULT_CHUNK);
        assert_eq!(
            nc.bulk.unwrap().url.as_str(),
            "https://oficina.example/cloud/remote.php/dav/bulk"
        );
        // A small server limit is kept, but never under 5 MiB.
        let nc = NextcloudUploads::new(&root, &caps(true, false, Some(6 * 1024 * 1024))).unwrap();
        assert_eq!(nc.chunking.unwrap().chunk_size, 6 * 1024 * 1024);
        assert!(nc.bulk.is_none());
        let nc = NextcloudUploads::new(&root, &caps(true, false, Some(1024))).unwrap();
        assert_eq!(nc.chunking.unwrap().chunk_size, MIN_CHUNK);
    }

    #[test]
    fn folder_downloads_from_nextcloud_30_on() {
        let root = Url::parse("https://x.example/remote.php/dav/files/ana/").unwrap();
        let with = |v: Option<u32>| UploadCapabilities {
            version_major: v,
            ..caps(true, true, None)
        };
        assert_eq!(
            NextcloudUploads::new(&root, &with(Some(33)))
                .unwrap()
                .folder_download,
            Some(FolderDownload::default())
        );
        assert_eq!(
            NextcloudUploads::new(&root, &with(Some(29)))
                .unwrap()
                .folder_download,
            None
        );
        assert_eq!(
            NextcloudUploads::new(&root, &with(None))
                .unwrap()
                .folder_download,
            None
        );
        // Only archives: still worth having.
        let only = UploadCapabilities {
            version_major: Some(31),
            ..caps(false, false, None)
        };
        assert!(NextcloudUploads::new(&root, &only).is_some());
    }

    #[test]
    fn nothing_offered_or_not_a_files_root_means_none() {
        let root = Url::parse("https://x.example/remote.php/dav/files/ana/").unwrap();
        assert!(NextcloudUploads::new(&root, &caps(false, false, None)).is_none());
        let dav = Url::parse("https://x.example/dav/").unwrap();
        assert!(NextcloudUploads::new(&dav, &caps(true, true, None)).is_none());
        let deeper = Url::parse("https://x.example/remote.php/dav/files/ana/Docs/").unwrap();
        assert!(NextcloudUploads::new(&deeper, &caps(true, true, None)).is_none());
    }

    #[test]
    fn the_files_root_of_a_folder_below_it() {
        let u = Url::parse("https://x.example/nc/remote.php/dav/files/ana/Docs/2026/").unwrap();
        assert_eq!(
            files_root_of(&u).unwrap().as_str(),
            "https://x.example/nc/remote.php/dav/files/ana/"
        );
        let root = Url::parse("https://x.example/remote.php/dav/files/ana").unwrap();
        assert_eq!(
            files_root_of(&root).unwrap().as_str(),
            "https://x.example/remote.php/dav/files/ana/"
        );
        assert!(files_root_of(&Url::parse("https://x.example/dav/").unwrap()).is_none());
        assert!(
            files_root_of(&Url::parse("https://x.example/remote.php/dav/files/").unwrap())
                .is_none()
        );
    }

    #[test]
    fn bulk_paths_are_below_the_files_root_decoded() {
        let root = Url::parse("https://x.example/remote.php/dav/files/ana/").unwrap();
        let nc = NextcloudUploads::new(&root, &caps(false, true, None)).unwrap();
        let sync =
            Url::parse("https://x.example/remote.php/dav/files/ana/Caf%C3%A9%20nou/").unwrap();
        assert_eq!(
            nc.bulk_path(&sync, &SyncPath::parse("a/100%.txt"))
                .as_deref(),
            Some("/Café nou/a/100%.txt")
        );
        assert_eq!(
            nc.bulk_path(&root, &SyncPath::parse("u.txt")).as_deref(),
            Some("/u.txt")
        );
        let elsewhere = Url::parse("https://x.example/remote.php/dav/files/joan/").unwrap();
        assert_eq!(nc.bulk_path(&elsewhere, &SyncPath::parse("u.txt")), None);
    }
}
