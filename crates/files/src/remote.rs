//! The remote listing: the whole folder tree on the server, folder by
//! folder (PROPFIND depth 1), as the planner's input. Any listing error
//! aborts: a folder that could not be listed would look emptied.
//!
//! Skipping what did not change: Nextcloud gives a folder a new ETag
//! whenever anything below it changes, so a folder whose ETag is the one
//! the journal recorded holds what the journal says, and is not listed.
//! Generic WebDAV servers do not promise this (Apache and lighttpd change a
//! folder's ETag only with its direct children, sabre/dav's FSExt and
//! rclone give folders none), so it is used only when the server is
//! detected to be a Nextcloud (or ownCloud): its root answers with
//! `oc:fileid` and `oc:permissions`, which only those servers have. Never
//! for external storages (`nc:mount-type` `external`), whose changes made
//! outside the server may not reach the folder's ETag.
//!
//! The root is asked for Nextcloud's properties too; when it has none, the
//! server is a plain WebDAV server and the folders below are asked only for
//! the four WebDAV properties the planner needs, which costs such a server
//! a third of the work (see [`cc_dav::files::PLAIN_FILE_PROPS`]).

use std::collections::{BTreeMap, VecDeque};

use cc_dav::files::{FILE_PROPS, FileEntry, PLAIN_FILE_PROPS};
use cc_dav::xml::QName;
use cc_dav::{DavClient, DavError, Depth};
use url::Url;

use crate::ignore::IgnoreRules;
use crate::path::SyncPath;
use crate::plan::{Kind, RemoteMeta, RemotePerms};

/// A remote entry with what the executor needs beyond the planner.
///
/// Its URL is not kept (at 100,000 entries a `Url` each was 15–20 MB):
/// [`RemoteEntry::url`] derives it from the folder's root and the path,
/// except where the server spells a name of the path otherwise than its
/// NFC key (an NFD name, say): then the server's own URL is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEntry {
    pub meta: RemoteMeta,
    /// The server's URL of the entry, only when it is not the one derived
    /// from the path (see [`RemoteEntry::url`]).
    pub respelled: Option<Box<Url>>,
    /// SHA-1 of the content when the server stores one (Nextcloud).
    pub sha1: Option<String>,
    /// `nc:mount-type` (`shared`, `external`, `group`…), when told.
    pub mount_type: Option<String>,
}

/// The remote tree.
#[derive(Debug, Clone, Default)]
pub struct RemoteListing {
    pub entries: BTreeMap<SyncPath, RemoteEntry>,
    /// The root folder's own entry (permissions, ETag).
    pub root: Option<RemoteEntry>,
    pub requests: usize,
    /// The server propagates folder ETags (detected, see above).
    pub propagates_etags: bool,
    /// The folders below the root were asked only for the WebDAV
    /// properties: the root said the server is a plain WebDAV server.
    pub plain_props: bool,
    /// Folders that were listed, with the ETag they had then.
    pub listed: Vec<(SyncPath, Option<String>)>,
    /// Folders not listed because their ETag is the recorded one: what is
    /// below them is to be taken from the journal.
    pub unchanged: Vec<SyncPath>,
    /// Folders the server holds more in than the listing shows: something
    /// in them is ignored (a folder left out of selective sync, say).
    pub ignored_in: Vec<SyncPath>,
}

/// What the planner needs of Nextcloud's permission letters.
pub fn perms_of(p: &cc_dav::Permissions) -> RemotePerms {
    RemotePerms {
        writable: p.write || p.create_file || p.create_folder,
        deletable: p.delete,
    }
}

impl RemoteEntry {
    /// The entry's URL: the server's own where it spells the path
    /// otherwise, else `root` (the folder pair's collection URL) joined
    /// with the path's names, ending in `/` for a folder.
    pub fn url(&self, root: &Url, path: &SyncPath) -> Url {
        if let Some(u) = &self.respelled {
            return (**u).clone();
        }
        let u = cc_dav::href::join_names(root, path.names());
        match self.meta.kind {
            Kind::Dir => cc_dav::href::as_collection(&u),
            Kind::File => u,
        }
    }
}

/// Whether the server's names are their NFC keys as they are (so the URL
/// derived from the key is the server's).
fn spelled_as_key(names: &[String]) -> bool {
    names.iter().all(|n| {
        !n.is_empty() && !n.contains('/') && (n.is_ascii() || unicode_normalization::is_nfc(n))
    })
}

fn to_entry(e: FileEntry, keep_url: bool) -> RemoteEntry {
    let perms = e.permissions.as_ref().map(perms_of);
    RemoteEntry {
        meta: RemoteMeta {
            kind: if e.is_dir { Kind::Dir } else { Kind::File },
            etag: e.etag,
            size: e.size.unwrap_or(0),
            mtime: e
                .modified
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_secs() as i64),
            file_id: e.file_id,
            perms,
            mount_root: e.is_mount_root,
        },
        respelled: keep_url.then(|| Box::new(e.url)),
        sha1: e
            .checksums
            .into_iter()
            .find(|c| c.algorithm == "SHA1")
            .map(|c| c.value),
        mount_type: e.mount_type.filter(|t| !t.is_empty()),
    }
}

/// Whether the root's own entry says the server is a Nextcloud (or
/// ownCloud), which propagates folder ETags.
fn propagates(root: &RemoteEntry) -> bool {
    root.meta.file_id.is_some() && root.meta.perms.is_some() && root.meta.etag.is_some()
}

/// Whether the root's own entry says the server is a plain WebDAV server:
/// none of Nextcloud's properties (file id, permissions, mount type) on
/// it. Such a server stores those only as dead properties nobody sets, and
/// looking them up is most of what a listing costs it (Apache: see
/// [`PLAIN_FILE_PROPS`]), so the folders below the root are listed with
/// the WebDAV properties alone.
fn plain_server(root: &RemoteEntry) -> bool {
    root.meta.file_id.is_none() && root.meta.perms.is_none() && root.mount_type.is_none()
}

fn same_etag(a: &str, b: &str) -> bool {
    cc_dav::resource::etag_eq(a, b)
}

/// Lists everything below `root` (a collection URL ending in `/`).
pub async fn list_tree(
    client: &DavClient,
    root: &Url,
    ignore: &IgnoreRules,
) -> Result<RemoteListing, DavError> {
    list_tree_skipping(client, root, ignore, |_| None).await
}

/// Folders listed at once: the server answers several PROPFINDs side by
/// side (Apache: 1,001 of them take 1.89 s one after another, 0.98 s with
/// 8 in flight), and the parser of each runs on its own blocking thread.
pub const LISTINGS_IN_FLIGHT: usize = 8;

/// Lists everything below `root`, except, on a server that propagates
/// folder ETags, the folders whose ETag is `recorded(path)` (listed in
/// [`RemoteListing::unchanged`] instead). The root is listed first (its
/// answer tells whether folders may be skipped), then up to
/// [`LISTINGS_IN_FLIGHT`] folders at once.
pub async fn list_tree_skipping(
    client: &DavClient,
    root: &Url,
    ignore: &IgnoreRules,
    recorded: impl Fn(&SyncPath) -> Option<String>,
) -> Result<RemoteListing, DavError> {
    list_tree_watched(client, root, ignore, recorded, |_| {}).await
}

/// [`list_tree_skipping`], telling `listed` how many folders have been
/// listed so far after each one (a first listing of a large tree takes a
/// while: the member sees it advance).
pub async fn list_tree_watched(
    client: &DavClient,
    root: &Url,
    ignore: &IgnoreRules,
    recorded: impl Fn(&SyncPath) -> Option<String>,
    mut listed: impl FnMut(usize),
) -> Result<RemoteListing, DavError> {
    use futures_util::StreamExt;
    use futures_util::stream::FuturesUnordered;

    let list_one = |url: Url, base: SyncPath, respelled: bool, props: &'static [QName]| async move {
        let mut found = Vec::new();
        client
            .list_props(&url, Depth::One, props, |e| {
                found.push(e);
                Ok(())
            })
            .await?;
        Ok::<_, DavError>((base, found, respelled))
    };
    let mut out = RemoteListing::default();
    let mut packer = crate::path::Packer::default();
    let mut queue: VecDeque<(Url, SyncPath, bool)> = VecDeque::new();
    let mut in_flight = FuturesUnordered::new();
    // The root is asked for everything; below it a plain WebDAV server is
    // asked only for what it computes itself (see `plain_server`).
    let mut props = FILE_PROPS;
    in_flight.push(list_one(root.clone(), SyncPath::root(), false, props));
    while let Some(done) = in_flight.next().await {
        let (base, found, base_respelled) = done?;
        out.requests += 1;
        listed(out.requests);
        let mut own_etag = None;
        let mut children = Vec::with_capacity(found.len());
        for e in found {
            if e.path.is_empty() {
                // The folder's own entry: on the root it decides whether
                // folders may be skipped (before any child is queued).
                let entry = to_entry(e, base_respelled);
                own_etag = entry.meta.etag.clone();
                if base.is_root() {
                    out.propagates_etags = propagates(&entry);
                    if plain_server(&entry) {
                        props = PLAIN_FILE_PROPS;
                        out.plain_props = true;
                    }
                    out.root = Some(entry);
                }
            } else {
                children.push(e);
            }
        }
        out.listed.push((base.clone(), own_etag));
        for e in children {
            let path = SyncPath::from_names(base.names().chain(e.path.iter().map(String::as_str)));
            if ignore.is_ignored_in_kept_folder(&path) {
                if out.ignored_in.last() != Some(&base) {
                    out.ignored_in.push(base.clone());
                }
                continue;
            }
            let respelled = base_respelled || !spelled_as_key(&e.path);
            let dir_url = e.is_dir.then(|| cc_dav::href::as_collection(&e.url));
            let entry = to_entry(e, respelled);
            if let Some(dir_url) = dir_url {
                let unchanged = out.propagates_etags
                    && entry.mount_type.as_deref() != Some("external")
                    && match (&entry.meta.etag, recorded(&path)) {
                        (Some(now), Some(before)) => same_etag(now, &before),
                        _ => false,
                    };
                if unchanged {
                    out.unchanged.push(path.clone());
                } else {
                    queue.push_back((dir_url, path.clone(), respelled));
                }
            }
            packer.insert(&mut out.entries, path, entry);
        }
        while in_flight.len() < LISTINGS_IN_FLIGHT {
            let Some((url, base, respelled)) = queue.pop_front() else {
                break;
            };
            in_flight.push(list_one(url, base, respelled, props));
        }
    }
    packer.finish(&mut out.entries);
    Ok(out)
}
