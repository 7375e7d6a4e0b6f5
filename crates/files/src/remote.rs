//! The remote listing: the whole folder tree on the server, folder by
//! folder (PROPFIND depth 1; on Nextcloud a folder never seen before with
//! everything below it at once), as the planner's input. Any listing error
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
    list_tree_watched(client, root, ignore, recorded, false, |_| {}).await
}

/// [`list_tree_skipping`], telling `listed` how many folders have been
/// listed so far after each answer (a first listing of a large tree takes
/// a while: the member sees it advance).
///
/// On a server that propagates folder ETags, a folder the journal has no
/// ETag for (new on the server, or a first sync) is listed with everything
/// below it in one `Depth: infinity` PROPFIND, which Nextcloud answers:
/// nothing below it could be skipped anyway, and one request costs the
/// server a fraction of one per folder (10,000 files in 700 folders: 0.7 s
/// of one PHP worker, against 712 requests of about 35 ms each). Where the
/// server refuses it, or fails at it (a tree too large for its memory),
/// that folder and the rest are listed folder by folder. With
/// `deep_root` (a first sync on a server known to be a Nextcloud) the root
/// itself is asked for that way.
pub async fn list_tree_watched(
    client: &DavClient,
    root: &Url,
    ignore: &IgnoreRules,
    recorded: impl Fn(&SyncPath) -> Option<String>,
    deep_root: bool,
    mut listed: impl FnMut(usize),
) -> Result<RemoteListing, DavError> {
    use futures_util::StreamExt;
    use futures_util::stream::FuturesUnordered;

    // Each entry is made the planner's entry as it is read: a deep answer
    // of 100,000 entries held as the parser gives them took 80 MB more.
    let list_one = |url: Url, base: SyncPath, respelled: bool, props: &'static [QName], depth| async move {
        let mut found = Vec::new();
        let done = client
            .list_props(&url, depth, props, |e| {
                found.push(Found::of(e, &base, respelled));
                Ok(())
            })
            .await;
        (
            Queued {
                url,
                base,
                respelled,
                depth,
            },
            done.map(|()| found),
        )
    };
    let mut out = RemoteListing::default();
    let mut packer = crate::path::Packer::default();
    let mut queue: VecDeque<Queued> = VecDeque::new();
    let mut in_flight = FuturesUnordered::new();
    // The root is asked for everything; below it a plain WebDAV server is
    // asked only for what it computes itself (see `plain_server`).
    let mut props = FILE_PROPS;
    let mut deep_listings = true;
    let root_depth = if deep_root {
        Depth::Infinity
    } else {
        Depth::One
    };
    in_flight.push(list_one(
        root.clone(),
        SyncPath::root(),
        false,
        props,
        root_depth,
    ));
    while let Some((asked, done)) = in_flight.next().await {
        out.requests += 1;
        let found = match done {
            Ok(found) => Some(found),
            Err(e) if asked.depth == Depth::Infinity && !not_for_the_depth(&e) => {
                // Refused (RFC 4918 allows it: 403 `propfind-finite-depth`,
                // ownCloud's 412): folder by folder from now on. Failed
                // (a tree too large for the server's memory, say): this
                // folder by folder, the smaller ones below still deep.
                let refused = matches!(
                    e.kind,
                    cc_dav::ErrorKind::Forbidden(_)
                        | cc_dav::ErrorKind::PreconditionFailed
                        | cc_dav::ErrorKind::NotAllowed
                        | cc_dav::ErrorKind::Status {
                            status: 400 | 501,
                            ..
                        }
                );
                tracing::info!(folder = %asked.base, error = %e, refused, "no Depth: infinity listing here; folder by folder");
                if refused {
                    deep_listings = false;
                }
                queue.push_front(Queued {
                    depth: Depth::One,
                    ..asked.clone()
                });
                None
            }
            Err(e) => return Err(e),
        };
        if let Some(found) = found {
            let base = asked.base;
            let mut own_etag = None;
            let mut children = Vec::with_capacity(found.len());
            // A sabre/dav server without infinity enabled answers as if
            // asked for depth 1, saying nothing of it: an answer is taken
            // as deep only if something in it is below a subfolder. One
            // that is not is read as depth 1 (its subfolders listed next),
            // and where a subfolder's size says it holds something, the
            // server does not go deep: folder by folder from now on.
            let deep = asked.depth == Depth::Infinity && found.iter().any(|f| f.depth >= 2);
            if asked.depth == Depth::Infinity
                && !deep
                && found.iter().any(|f| f.depth == 1 && f.holds_something)
            {
                tracing::info!(folder = %base, "Depth: infinity answered as depth 1; folder by folder");
                deep_listings = false;
            }
            for f in found {
                if f.depth == 0 {
                    // The folder's own entry: on the root it decides whether
                    // folders may be skipped (before any child is queued).
                    own_etag = f.entry.meta.etag.clone();
                    if base.is_root() {
                        out.propagates_etags = propagates(&f.entry);
                        if plain_server(&f.entry) {
                            props = PLAIN_FILE_PROPS;
                            out.plain_props = true;
                        }
                        out.root = Some(f.entry);
                    }
                } else {
                    children.push(f);
                }
            }
            out.listed.push((base.clone(), own_etag));
            // A deep answer holds what is below ignored folders too: left
            // out here, as a walk folder by folder would not enter them.
            let ignored_dirs: std::collections::HashSet<SyncPath> = if deep {
                children
                    .iter()
                    .filter(|f| f.dir_url.is_some() && ignore.is_ignored_in_kept_folder(&f.path))
                    .map(|f| f.path.clone())
                    .collect()
            } else {
                Default::default()
            };
            // And a folder a deep answer shows nothing below although its
            // size says it holds something (a share not mounted yet at that
            // moment, a server that stopped going deep) is listed again on
            // its own rather than recorded as listed.
            let with_entries: std::collections::HashSet<SyncPath> = if deep {
                children
                    .iter()
                    .filter(|f| f.depth >= 2)
                    .filter_map(|f| f.path.parent())
                    .collect()
            } else {
                Default::default()
            };
            for f in children {
                let Found {
                    path,
                    dir_url,
                    entry,
                    holds_something,
                    ..
                } = f;
                if !ignored_dirs.is_empty() && path.ancestors().any(|a| ignored_dirs.contains(&a)) {
                    continue;
                }
                if ignore.is_ignored_in_kept_folder(&path) {
                    let folder = path.parent().unwrap_or_else(SyncPath::root);
                    if out.ignored_in.last() != Some(&folder) {
                        out.ignored_in.push(folder);
                    }
                    continue;
                }
                if let Some(dir_url) = dir_url {
                    if deep && holds_something && !with_entries.contains(&path) {
                        tracing::info!(folder = %path, "nothing below it in the deep answer; listed on its own");
                        queue.push_back(Queued {
                            url: dir_url,
                            base: path.clone(),
                            respelled: entry.respelled.is_some(),
                            depth: Depth::One,
                        });
                    } else if deep {
                        // Listed in this answer, everything below it too.
                        out.listed.push((path.clone(), entry.meta.etag.clone()));
                    } else {
                        let before = recorded(&path);
                        let unchanged = out.propagates_etags
                            && entry.mount_type.as_deref() != Some("external")
                            && match (&entry.meta.etag, &before) {
                                (Some(now), Some(before)) => same_etag(now, before),
                                _ => false,
                            };
                        if unchanged {
                            out.unchanged.push(path.clone());
                        } else {
                            let depth = if deep_listings && out.propagates_etags && before.is_none()
                            {
                                Depth::Infinity
                            } else {
                                Depth::One
                            };
                            queue.push_back(Queued {
                                url: dir_url,
                                base: path.clone(),
                                respelled: entry.respelled.is_some(),
                                depth,
                            });
                        }
                    }
                }
                packer.insert(&mut out.entries, path, entry);
            }
            listed(out.listed.len());
        }
        while in_flight.len() < LISTINGS_IN_FLIGHT {
            let Some(mut next) = queue.pop_front() else {
                break;
            };
            if !deep_listings {
                next.depth = Depth::One;
            }
            in_flight.push(list_one(
                next.url,
                next.base,
                next.respelled,
                props,
                next.depth,
            ));
        }
    }
    packer.finish(&mut out.entries);
    Ok(out)
}

/// A folder to list: where, as which path, whether the server spells its
/// path otherwise than the path's names, and how deep.
#[derive(Clone)]
struct Queued {
    url: Url,
    base: SyncPath,
    respelled: bool,
    depth: Depth,
}

/// A listing entry as the planner keeps it, with what the walk needs of
/// it besides.
struct Found {
    /// How many names below the listed folder (0: the folder itself).
    depth: usize,
    path: SyncPath,
    /// A folder's URL (as a collection).
    dir_url: Option<Url>,
    /// A folder whose size (`oc:size`) says something is below it.
    holds_something: bool,
    entry: RemoteEntry,
}

impl Found {
    /// `e`, listed below `base` (whose URL the server spells otherwise
    /// than its path where `base_respelled`).
    fn of(e: FileEntry, base: &SyncPath, base_respelled: bool) -> Self {
        let depth = e.path.len();
        let path = SyncPath::from_names(base.names().chain(e.path.iter().map(String::as_str)));
        let respelled = base_respelled || !spelled_as_key(&e.path);
        let dir_url = e.is_dir.then(|| cc_dav::href::as_collection(&e.url));
        let holds_something = e.is_dir && e.recursive_size.unwrap_or(0) > 0;
        Found {
            depth,
            path,
            dir_url,
            holds_something,
            entry: to_entry(e, respelled),
        }
    }
}

/// Whether a listing failed for something a shallower listing would fail
/// for too: the connection, the password, the folder gone.
fn not_for_the_depth(e: &DavError) -> bool {
    matches!(
        e.kind,
        cc_dav::ErrorKind::Timeout
            | cc_dav::ErrorKind::Transport(_)
            | cc_dav::ErrorKind::Connect(_)
            | cc_dav::ErrorKind::Unauthorized
            | cc_dav::ErrorKind::NotFound
            | cc_dav::ErrorKind::Insecure
            | cc_dav::ErrorKind::BadUrl(_)
    )
}
