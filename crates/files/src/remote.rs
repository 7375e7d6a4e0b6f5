//! The remote listing: the whole folder tree on the server, folder by
//! folder (PROPFIND depth 1), as the planner's input. Any listing error
//! aborts: a folder that could not be listed would look emptied.

use std::collections::{BTreeMap, VecDeque};

use cc_dav::files::FileEntry;
use cc_dav::{DavClient, DavError, Depth};
use url::Url;

use crate::ignore::IgnoreRules;
use crate::path::SyncPath;
use crate::plan::{Kind, RemoteMeta, RemotePerms};

/// A remote entry with what the executor needs beyond the planner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEntry {
    pub meta: RemoteMeta,
    pub url: Url,
    /// SHA-1 of the content when the server stores one (Nextcloud).
    pub sha1: Option<String>,
}

/// The remote tree.
#[derive(Debug, Clone, Default)]
pub struct RemoteListing {
    pub entries: BTreeMap<SyncPath, RemoteEntry>,
    /// The root folder's own entry (permissions, ETag).
    pub root: Option<RemoteEntry>,
    pub requests: usize,
}

/// What the planner needs of Nextcloud's permission letters.
pub fn perms_of(p: &cc_dav::Permissions) -> RemotePerms {
    RemotePerms {
        writable: p.write || p.create_file || p.create_folder,
        deletable: p.delete,
    }
}

fn to_entry(e: &FileEntry) -> RemoteEntry {
    let perms = e.permissions.as_ref().map(perms_of);
    RemoteEntry {
        meta: RemoteMeta {
            kind: if e.is_dir { Kind::Dir } else { Kind::File },
            etag: e.etag.clone(),
            size: e.size.unwrap_or(0),
            mtime: e
                .modified
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs() as i64),
            file_id: e.file_id.clone(),
            perms,
            mount_root: e.is_mount_root,
        },
        url: e.url.clone(),
        sha1: e
            .checksums
            .iter()
            .find(|c| c.algorithm == "SHA1")
            .map(|c| c.value.clone()),
    }
}

/// Lists everything below `root` (a collection URL ending in `/`).
pub async fn list_tree(
    client: &DavClient,
    root: &Url,
    ignore: &IgnoreRules,
) -> Result<RemoteListing, DavError> {
    let mut out = RemoteListing::default();
    let mut queue: VecDeque<(Url, SyncPath)> = VecDeque::new();
    queue.push_back((root.clone(), SyncPath::root()));
    while let Some((url, base)) = queue.pop_front() {
        out.requests += 1;
        let mut found = Vec::new();
        client
            .list(&url, Depth::One, |e| {
                found.push(e);
                Ok(())
            })
            .await?;
        for e in found {
            if e.path.is_empty() {
                if base.is_root() {
                    out.root = Some(to_entry(&e));
                }
                continue;
            }
            let path = SyncPath::from_names(base.names().chain(e.path.iter().map(String::as_str)));
            if ignore.is_ignored(&path) {
                continue;
            }
            let entry = to_entry(&e);
            if entry.meta.kind == Kind::Dir {
                queue.push_back((cc_dav::href::as_collection(&e.url), path.clone()));
            }
            out.entries.insert(path, entry);
        }
    }
    Ok(out)
}
