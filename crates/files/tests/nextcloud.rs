//! The engine on Nextcloud-only paths, against the replayed real recordings
//! of a Nextcloud 33 server (`tests/fixtures/nextcloud-33/`): folder-ETag
//! skipping, permissions of shares, chunked upload v2 with resume across a
//! restart, bulk upload.
//!
//! The replay server answers only with recordings, so each test starts
//! from the state a recording shows: the journal (our own state file) is
//! seeded with what an earlier pass would have recorded, and the local
//! folder is made to match. A request the recordings do not cover gets
//! the replay's `501` (a "miss"); the tests say where that is expected.

use cc_dav::{DavClient, Depth};
use cc_files::engine::{PassOptions, SyncError, SyncFolder};
use cc_files::ignore::IgnoreRules;
use cc_files::scan::meta_of;
use cc_files::trash::Trash;
use cc_files::{Kind, Problem, SyncPath, Synced, journal};
use cc_harness::replay::{ReplayServer, client};
use url::Url;

struct World {
    _dir: tempfile::TempDir,
    local: std::path::PathBuf,
    store: cc_store::Store,
    folder: SyncFolder,
}

impl World {
    fn new(remote_root: Url, ignore: IgnoreRules) -> World {
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("Nextcloud");
        std::fs::create_dir(&local).unwrap();
        let store = cc_store::Store::open(dir.path().join("state.sqlite3")).unwrap();
        let pair = journal::folder_pair(
            store.connection(),
            local.to_str().unwrap(),
            remote_root.as_str(),
            0,
        )
        .unwrap();
        // An earlier pass ran under these rules.
        journal::set_ignore_fingerprint(store.connection(), pair.id, &ignore.fingerprint())
            .unwrap();
        let folder = SyncFolder {
            local_root: local.clone(),
            remote_root,
            client: client(),
            ignore,
            folder_id: pair.id,
            // Deleted files stay in the test's folder, not in the trash of
            // whoever runs the tests.
            trash: Trash::Folder(local.parent().unwrap().join("trash")),
        };
        World {
            _dir: dir,
            local,
            store,
            folder,
        }
    }

    fn write(&self, p: &str, content: &[u8]) {
        let path = self.local.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    /// Records `p` (which must exist locally) as agreed with a server
    /// entry of that `etag` and `size`, as an earlier pass would have.
    fn agreed(&self, p: &str, etag: &str, size: u64) {
        let m = meta_of(&std::fs::symlink_metadata(self.local.join(p)).unwrap());
        journal::record(
            self.store.connection(),
            self.folder.folder_id,
            &SyncPath::parse(p),
            &Synced {
                kind: m.kind,
                local: m.clone(),
                etag: Some(etag.into()),
                remote_size: if m.kind == Kind::Dir { 0 } else { size },
                remote_mtime: None,
                file_id: None,
                perms: None,
                mount_root: false,
            },
        )
        .unwrap();
    }

    fn journal(&self) -> std::collections::BTreeMap<SyncPath, Synced> {
        journal::load(self.store.connection(), self.folder.folder_id).unwrap()
    }

    async fn pass(&self) -> Result<cc_files::engine::PassReport, SyncError> {
        self.pass_with(&PassOptions::default()).await
    }

    async fn pass_with(
        &self,
        opts: &PassOptions,
    ) -> Result<cc_files::engine::PassReport, SyncError> {
        self.folder
            .sync_once(self.store.connection(), opts, |_| {})
            .await
    }
}

/// Requests the replay server saw, as `METHOD path`.
fn requests(s: &ReplayServer) -> Vec<String> {
    s.seen()
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect()
}

/// ana's root as recording 021 shows it (`a/` with `a/b/c.txt` below, and
/// `hola.txt`), synced by an earlier pass: the journal holds the ETags of
/// 021 for `a/` and `hola.txt`, and what was below `a/` then.
fn world_021(s: &ReplayServer) -> World {
    let w = World::new(s.files_root(), IgnoreRules::defaults());
    w.write("hola.txt", b"hola, mon!\r\n");
    w.write("a/b/c.txt", b"c");
    w.write("a/esborra-me.txt", b"x");
    w.agreed("hola.txt", "\"8050f5c3e3892bc8d254e7b019e25485\"", 12);
    w.agreed("a", "\"6b074cde1d58b\"", 0);
    w.agreed("a/b", "\"6b074cde1d58a\"", 0);
    w.agreed("a/b/c.txt", "\"c0\"", 1);
    w.agreed("a/esborra-me.txt", "\"e0\"", 1);
    w
}

#[tokio::test]
async fn an_unchanged_folder_etag_is_not_listed_on_nextcloud() {
    let s = ReplayServer::start_with(&[], &["021-propfind-root-depth1"]);
    let w = world_021(&s);
    let r = w.pass().await.unwrap();
    // One PROPFIND of the root: `a/` kept its ETag, so nothing below it
    // was asked for (the replay would have answered 501 and the pass
    // would have stopped).
    assert_eq!(
        requests(&s),
        ["PROPFIND /remote.php/dav/files/ana/"],
        "{:?}",
        s.misses()
    );
    assert!(r.in_sync(), "{r:#?}");
    assert_eq!(r.remote_requests, 1);
    // What is below `a/` is still tracked.
    let j = w.journal();
    assert!(j.contains_key(&SyncPath::parse("a/b/c.txt")));
    assert_eq!(
        j[&SyncPath::parse("a")].etag.as_deref(),
        Some("\"6b074cde1d58b\"")
    );
}

#[tokio::test]
async fn a_local_deletion_below_an_unchanged_folder_reaches_the_server() {
    // The folder is not listed; its entries come from the journal, with
    // the ETag the DELETE is guarded by.
    let s = ReplayServer::start_with(&["083-trash-delete-file"], &["021-propfind-root-depth1"]);
    let w = world_021(&s);
    std::fs::remove_file(w.local.join("a/esborra-me.txt")).unwrap();
    let r = w.pass().await.unwrap();
    assert_eq!(
        requests(&s),
        [
            "PROPFIND /remote.php/dav/files/ana/",
            "DELETE /remote.php/dav/files/ana/a/esborra-me.txt"
        ]
    );
    let delete = &s.seen()[1];
    assert_eq!(delete.header("if-match"), Some("\"e0\""));
    assert_eq!(r.deleted_remote, 1);
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert!(
        !w.journal()
            .contains_key(&SyncPath::parse("a/esborra-me.txt"))
    );
}

#[tokio::test]
async fn a_changed_folder_etag_is_listed() {
    // The journal has another ETag for `a/`: it must be listed. There is
    // no recording of that listing with the properties the engine asks
    // for (026 asked for four, without `resourcetype`), so the replay
    // answers 501, and the pass stops before touching anything.
    let s = ReplayServer::start_with(&[], &["021-propfind-root-depth1"]);
    let w = world_021(&s);
    w.agreed("a", "\"older\"", 0);
    std::fs::remove_file(w.local.join("a/esborra-me.txt")).unwrap();
    let err = w.pass().await.unwrap_err();
    assert!(matches!(err, SyncError::Listing(_)), "{err}");
    assert_eq!(
        requests(&s),
        [
            "PROPFIND /remote.php/dav/files/ana/",
            "PROPFIND /remote.php/dav/files/ana/a/"
        ]
    );
    assert!(
        w.journal()
            .contains_key(&SyncPath::parse("a/esborra-me.txt"))
    );
}

#[tokio::test]
async fn changed_ignore_rules_list_every_folder_once() {
    // The journal below `a/` was synced under other rules (a folder was
    // taken back into selective sync, say): `a/` is listed although its
    // ETag did not change, with everything below it at once (nothing below
    // it has a usable ETag). No recording of that listing with the
    // properties the engine asks for: the replay answers 501, taken as a
    // server that will not go deep, so `a/` is asked again at depth 1, is
    // answered 501 again, and the pass stops before touching anything.
    let s = ReplayServer::start_with(&[], &["021-propfind-root-depth1"]);
    let w = world_021(&s);
    journal::set_ignore_fingerprint(w.store.connection(), w.folder.folder_id, "other rules")
        .unwrap();
    assert!(matches!(w.pass().await, Err(SyncError::Listing(_))));
    assert_eq!(
        requests(&s),
        [
            "PROPFIND /remote.php/dav/files/ana/",
            "PROPFIND /remote.php/dav/files/ana/a/",
            "PROPFIND /remote.php/dav/files/ana/a/"
        ]
    );
    let seen = s.seen();
    let depths: Vec<Option<&str>> = seen.iter().map(|r| r.header("depth")).collect();
    assert_eq!(depths, [Some("1"), Some("infinity"), Some("1")]);
}

#[tokio::test]
async fn share_permissions_from_a_real_listing_drive_the_planner() {
    // Recording 095 is ana's root after admin shared `Equip` (read-write)
    // and `Llegir` (read-only) with her. It was made with a PROPFIND that
    // did not ask for `resourcetype`, so it cannot serve as the engine's
    // listing (every entry would look like a file); here the entries are
    // read through the real client and listing code, and only their kind
    // is taken from the href (folders end in `/`, listed below).
    let s = ReplayServer::start(&["095-share-ana-propfind-root"]);
    let listing = cc_files::remote::list_tree(&client(), &s.files_root(), &IgnoreRules::defaults())
        .await
        .unwrap();
    assert!(s.misses().is_empty());
    assert!(listing.propagates_etags);
    assert!(
        !listing.plain_props,
        "a Nextcloud is asked for its properties"
    );
    let mut remote: std::collections::BTreeMap<SyncPath, cc_files::RemoteMeta> = listing
        .entries
        .iter()
        .map(|(p, e)| {
            let mut m = e.meta.clone();
            // The hrefs of the recording that end in `/` (the listing
            // keeps no URL per entry to read it from).
            if ["a", "bulk", "carpeta-moguda", "noms", "Equip", "Llegir"].contains(&p.as_str()) {
                m.kind = Kind::Dir;
            }
            (p.clone(), m)
        })
        .collect();
    let equip = &remote[&SyncPath::parse("Equip")];
    let llegir = &remote[&SyncPath::parse("Llegir")];
    assert!(equip.mount_root && llegir.mount_root);
    assert_eq!(
        listing.entries[&SyncPath::parse("Llegir")]
            .mount_type
            .as_deref(),
        Some("shared")
    );
    assert!(equip.perms.unwrap().writable);
    assert!(!llegir.perms.unwrap().writable, "SGDNV is read-only");

    // What the engine's planner makes of them. Journal: both shares and
    // a file in each were synced before.
    let dir = |inode| cc_files::LocalMeta {
        kind: Kind::Dir,
        size: 0,
        mtime_ns: 1,
        inode,
    };
    let file = |size, inode| cc_files::LocalMeta {
        kind: Kind::File,
        size,
        mtime_ns: 1,
        inode,
    };
    let synced = |l: &cc_files::LocalMeta, r: &cc_files::RemoteMeta| Synced {
        kind: l.kind,
        local: l.clone(),
        etag: r.etag.clone(),
        remote_size: r.size,
        remote_mtime: r.mtime,
        file_id: r.file_id.clone(),
        perms: r.perms,
        mount_root: r.mount_root,
    };
    let normes = cc_files::RemoteMeta {
        kind: Kind::File,
        etag: Some("\"n\"".into()),
        size: 5,
        mtime: None,
        file_id: None,
        perms: None,
        mount_root: false,
    };
    let benvinguda = cc_files::RemoteMeta {
        size: 4,
        etag: Some("\"b\"".into()),
        ..normes.clone()
    };
    remote.insert(SyncPath::parse("Llegir/normes.txt"), normes.clone());
    remote.insert(SyncPath::parse("Equip/benvinguda.txt"), benvinguda.clone());
    let mut journal = std::collections::BTreeMap::new();
    let mut local = std::collections::BTreeMap::new();
    for (p, l) in [
        ("Equip", dir(1)),
        ("Llegir", dir(2)),
        ("Llegir/normes.txt", file(5, 3)),
        ("Equip/benvinguda.txt", file(4, 4)),
    ] {
        journal.insert(SyncPath::parse(p), synced(&l, &remote[&SyncPath::parse(p)]));
        local.insert(SyncPath::parse(p), l);
    }
    for (p, r) in &remote {
        if !journal.contains_key(p) {
            // Everything else at the root is outside this story.
            local.insert(
                p.clone(),
                if r.kind == Kind::Dir {
                    dir(9)
                } else {
                    file(r.size, 9)
                },
            );
            journal.insert(p.clone(), synced(&local[p], r));
        }
    }
    // The member: removes `Equip` entirely, deletes `Llegir/normes.txt`,
    // adds `Llegir/de-ana.txt`.
    local.retain(|p, _| !p.starts_with(&SyncPath::parse("Equip")));
    local.remove(&SyncPath::parse("Llegir/normes.txt"));
    local.insert(SyncPath::parse("Llegir/de-ana.txt"), file(7, 5));
    let plan = cc_files::plan(&local, &remote, &journal, cc_files::Options::default());
    use cc_files::{Action, Problem};
    let p = SyncPath::parse;
    assert!(
        plan.actions.iter().all(|a| !a.is_delete()),
        "{:?}",
        plan.actions
    );
    assert_eq!(
        plan.actions,
        vec![
            Action::MkdirLocal(p("Equip")),
            Action::Download {
                path: p("Equip/benvinguda.txt")
            },
            Action::Download {
                path: p("Llegir/normes.txt")
            },
            Action::Report {
                path: p("Llegir/de-ana.txt"),
                problem: Problem::ReadOnly
            },
            Action::Report {
                path: p("Equip"),
                problem: Problem::ShareRoot
            },
        ]
    );
}

#[tokio::test]
async fn generic_webdav_servers_are_not_taken_for_nextcloud() {
    use cc_harness::servers::{Kind as ServerKind, Server};
    for kind in [
        ServerKind::Apache,
        ServerKind::Lighttpd,
        ServerKind::SabreFiles,
    ] {
        let server = Server::start(kind);
        let c = server.dav_client();
        let root = server.files_root();
        make_tree(&c, &root, &["a/", "a/b/"], &["a/x.txt", "a/b/y.txt"]).await;
        let first = cc_files::remote::list_tree(&c, &root, &IgnoreRules::defaults())
            .await
            .unwrap();
        // Below the root only the WebDAV properties were asked for, and
        // the planner's view of each entry is what a listing asking for
        // everything gives.
        assert!(first.plain_props, "{kind:?}");
        assert_eq!(first.entries.len(), 4, "{kind:?}");
        for folder in ["a/", "a/b/"] {
            let mut full = Vec::new();
            c.list(&root.join(folder).unwrap(), Depth::One, |e| {
                full.push(e);
                Ok(())
            })
            .await
            .unwrap();
            for e in full.into_iter().filter(|e| !e.path.is_empty()) {
                let path = SyncPath::from_names(
                    folder
                        .trim_end_matches('/')
                        .split('/')
                        .chain(e.path.iter().map(String::as_str)),
                );
                let got = &first.entries[&path].meta;
                assert_eq!(got.kind == Kind::Dir, e.is_dir, "{kind:?} {path:?}");
                assert_eq!(got.etag, e.etag, "{kind:?} {path:?}");
                if !e.is_dir {
                    assert_eq!(Some(got.size), e.size, "{kind:?} {path:?}");
                }
                let mtime = e
                    .modified
                    .map(|t| t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64);
                assert_eq!(got.mtime, mtime, "{kind:?} {path:?}");
            }
        }
        // Even with every folder's current ETag recorded, nothing is
        // skipped.
        let listing =
            cc_files::remote::list_tree_skipping(&c, &root, &IgnoreRules::defaults(), |p| {
                first.entries.get(p).and_then(|e| e.meta.etag.clone())
            })
            .await
            .unwrap();
        assert!(!listing.propagates_etags, "{kind:?}");
        assert!(listing.unchanged.is_empty(), "{kind:?}");
        assert_eq!(
            listing.requests, 3,
            "{kind:?}: the root, a/ and a/b/ are listed"
        );
    }
}

/// Folders `dirs` (in order, each ending in `/`) and files `files` below
/// `root`, each file holding its own name.
async fn make_tree(c: &DavClient, root: &Url, dirs: &[&str], files: &[&str]) {
    for dir in dirs {
        c.mkcol(&root.join(dir).unwrap()).await.unwrap();
    }
    for name in files {
        c.put_bytes(
            &root.join(name).unwrap(),
            name.as_bytes().to_vec().into(),
            &Default::default(),
        )
        .await
        .unwrap();
    }
}

/// A first listing asked `Depth: infinity` (as it is of a Nextcloud) of
/// servers that refuse it (Apache: 403), that answer it as depth 1 without
/// saying so (sabre/dav without the option), or that answer it: the same
/// tree as folder by folder, every time.
#[tokio::test]
async fn a_deep_first_listing_gives_the_same_tree_on_every_server() {
    use cc_harness::servers::{Kind as ServerKind, Server};
    for kind in [
        ServerKind::Apache,
        ServerKind::Lighttpd,
        ServerKind::SabreFiles,
        ServerKind::Rclone,
    ] {
        let server = Server::start(kind);
        let c = server.dav_client();
        let root = server.files_root();
        make_tree(
            &c,
            &root,
            &["a/", "a/b/", "a/b/c/", "buida/", "f/", "f/g/"],
            &["a/x.txt", "a/b/y.txt", "a/b/c/z.txt", "top.txt"],
        )
        .await;
        let shallow = cc_files::remote::list_tree(&c, &root, &IgnoreRules::defaults())
            .await
            .unwrap();
        let deep = cc_files::remote::list_tree_watched(
            &c,
            &root,
            &IgnoreRules::defaults(),
            |_| None,
            true,
            |_| {},
        )
        .await
        .unwrap();
        let view = |l: &cc_files::remote::RemoteListing| {
            l.entries
                .iter()
                .map(|(p, e)| (p.as_str().to_owned(), e.meta.kind, e.meta.size))
                .collect::<Vec<_>>()
        };
        assert_eq!(view(&deep), view(&shallow), "{kind:?}");
        assert_eq!(deep.entries.len(), 10, "{kind:?}");
        let folders = |l: &cc_files::remote::RemoteListing| {
            let mut f: Vec<String> = l
                .listed
                .iter()
                .map(|(p, _)| p.as_str().to_owned())
                .collect();
            f.sort();
            f
        };
        assert_eq!(folders(&deep), folders(&shallow), "{kind:?}");
        assert_eq!(deep.plain_props, shallow.plain_props, "{kind:?}");
        assert!(!deep.propagates_etags, "{kind:?}");
    }
}

/// The upload extensions recording 005 (the capabilities of the recorded
/// server) offers, for files below `root`.
fn uploads_of_005(s: &ReplayServer) -> cc_files::features::NextcloudUploads {
    let rec = cc_harness::replay::Recording::load("005-capabilities-json");
    let json: serde_json::Value = serde_json::from_slice(rec.response_body()).unwrap();
    let caps = cc_dav::transfers::UploadCapabilities::from_json(&json);
    assert!(caps.chunking && caps.bulk_upload);
    cc_files::features::NextcloudUploads::new(&s.files_root(), &caps).unwrap()
}

/// 12,582,912 bytes, the size of `gran.bin` in recordings 059–065.
const GRAN: usize = 12_582_912;

fn pending(w: &World, p: &str) -> Option<journal::PendingUpload> {
    journal::pending_upload(
        w.store.connection(),
        w.folder.folder_id,
        &SyncPath::parse(p),
    )
    .unwrap()
}

#[tokio::test]
async fn a_chunked_upload_resumes_after_a_restart() {
    // An earlier run sent the three chunks of gran.bin (recordings 059–062)
    // and stopped before assembling them; the state file remembers the
    // upload. This run lists the chunks already on the server (063), sends
    // none again and assembles the file (064).
    let s = ReplayServer::start_with(
        &["063-chunked-propfind-upload", "064-chunked-move-assemble"],
        &["021-propfind-root-depth1"],
    );
    let w = world_021(&s);
    w.write("gran.bin", &vec![0x5a; GRAN]);
    let m = meta_of(&std::fs::metadata(w.local.join("gran.bin")).unwrap());
    journal::upload_started(
        w.store.connection(),
        w.folder.folder_id,
        &SyncPath::parse("gran.bin"),
        &journal::PendingUpload {
            transfer_id: "fixture-upload-0001".into(),
            size: m.size,
            mtime_ns: m.mtime_ns,
            inode: m.inode,
            chunk_size: 5 * 1024 * 1024,
            started_at: 1_764_000_000,
        },
    )
    .unwrap();
    let opts = PassOptions {
        nextcloud: Some(uploads_of_005(&s)),
        ..PassOptions::default()
    };
    let r = w.pass_with(&opts).await.unwrap();
    assert!(r.failures.is_empty(), "{:?} {:?}", r.failures, s.misses());
    assert_eq!(r.uploaded, 1);
    assert_eq!(
        requests(&s),
        [
            "PROPFIND /remote.php/dav/files/ana/",
            "PROPFIND /remote.php/dav/uploads/ana/fixture-upload-0001/",
            "MOVE /remote.php/dav/uploads/ana/fixture-upload-0001/.file",
        ],
        "no chunk is sent again"
    );
    let mv = &s.seen()[2];
    assert_eq!(
        mv.header("destination"),
        Some(format!("{}gran.bin", s.files_root()).as_str())
    );
    assert_eq!(mv.header("oc-total-length"), Some("12582912"));
    assert!(mv.header("x-oc-mtime").is_some());
    // Recorded with the ETag and file id of the MOVE's answer (no read-back),
    // and the upload is forgotten.
    let j = w.journal();
    let g = &j[&SyncPath::parse("gran.bin")];
    assert_eq!(
        g.etag.as_deref(),
        Some("\"385d9380df30bbbeed9766e43b8b9778\"")
    );
    assert_eq!(g.file_id.as_deref(), Some("10461"));
    assert_eq!(g.local, m);
    assert_eq!(pending(&w, "gran.bin"), None);
}

#[tokio::test]
async fn a_changed_file_starts_its_chunked_upload_over() {
    // The state file remembers an upload started for an older gran.bin
    // (another size). It is abandoned (DELETE of its upload folder, 068)
    // and a new one is remembered before its first request, so a restart
    // would resume the new one. The recordings hold no MKCOL for a new
    // transfer id: the replay answers it 501, the pass reports the
    // failure, and the file is left as it was.
    let s = ReplayServer::start_with(&["068-chunked-abort-delete"], &["021-propfind-root-depth1"]);
    let w = world_021(&s);
    w.write("gran.bin", &vec![0x33; GRAN]);
    journal::upload_started(
        w.store.connection(),
        w.folder.folder_id,
        &SyncPath::parse("gran.bin"),
        &journal::PendingUpload {
            transfer_id: "fixture-upload-0002".into(),
            size: 5 * 1024 * 1024,
            mtime_ns: 1,
            inode: 1,
            chunk_size: 5 * 1024 * 1024,
            started_at: 1_764_000_000,
        },
    )
    .unwrap();
    let opts = PassOptions {
        nextcloud: Some(uploads_of_005(&s)),
        now: 1_764_000_100,
        ..PassOptions::default()
    };
    let r = w.pass_with(&opts).await.unwrap();
    let seen = requests(&s);
    assert_eq!(
        seen[1],
        "DELETE /remote.php/dav/uploads/ana/fixture-upload-0002"
    );
    assert!(
        seen[2].starts_with("MKCOL /remote.php/dav/uploads/ana/commonscloud-"),
        "{seen:?}"
    );
    assert_eq!(
        s.seen()[2].header("destination"),
        Some(format!("{}gran.bin", s.files_root()).as_str())
    );
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(r.failures.len(), 1);
    let now = pending(&w, "gran.bin").unwrap();
    let m = meta_of(&std::fs::metadata(w.local.join("gran.bin")).unwrap());
    assert_eq!(
        format!("MKCOL /remote.php/dav/uploads/ana/{}", now.transfer_id),
        seen[2]
    );
    assert_eq!(
        (now.size, now.mtime_ns, now.inode),
        (m.size, m.mtime_ns, m.inode)
    );
    assert_eq!(now.chunk_size, 10 * 1024 * 1024);
    assert_eq!(now.started_at, 1_764_000_100);
    assert!(!w.journal().contains_key(&SyncPath::parse("gran.bin")));
    assert_eq!(std::fs::read(w.local.join("gran.bin")).unwrap().len(), GRAN);
}

/// `bulk/` as recording 071 lists it (after the bulk upload 070 of u.txt,
/// dos.txt and tres.md), synced by an earlier pass.
fn world_071(s: &ReplayServer) -> World {
    let w = World::new(
        s.files_root().join("bulk/").unwrap(),
        IgnoreRules::defaults(),
    );
    for (name, etag, size) in [
        ("u.txt", "\"9fe8f5b405b791a72b0fd585cee65770\"", 14),
        ("dos.txt", "\"3d9b4b57c4477e451eb51e9e9450abee\"", 33),
        ("tres.md", "\"95022f20c372ed200e10b73ae42b1034\"", 26),
    ] {
        w.write(name, &vec![b'x'; size]);
        w.agreed(name, etag, size as u64);
    }
    w
}

fn sha1_hex(data: &[u8]) -> String {
    cc_dav::transfers::sha1_hex(data)
}

#[tokio::test]
async fn new_small_files_go_up_in_one_bulk_upload() {
    // Recording 073 answers a bulk upload of set.txt (stored) and .htaccess
    // (refused with an empty message; its third part, for a missing folder,
    // is not among ours and is ignored). An edit of a file the server
    // already has is not sent by bulk upload (it has no If-Match): it goes
    // as a PUT, which has no recording here (the replay answers 501).
    let s = ReplayServer::start_with(
        &["071-bulk-propfind", "073-bulk-upload-per-file-error"],
        &[],
    );
    let w = world_071(&s);
    w.write("set.txt", b"set\n");
    w.write(".htaccess", b"Deny from all\n");
    w.write("dos.txt", b"edited here");
    // As from a server whose capabilities do not list its forbidden names
    // (before Nextcloud 30): `.htaccess` is sent, and refused file by file.
    let opts = PassOptions {
        nextcloud: Some(cc_files::features::NextcloudUploads {
            refused_names: Default::default(),
            ..uploads_of_005(&s)
        }),
        ..PassOptions::default()
    };
    let r = w.pass_with(&opts).await.unwrap();
    let mut seen = requests(&s);
    seen.sort();
    assert_eq!(
        seen,
        [
            "POST /remote.php/dav/bulk",
            "PROPFIND /remote.php/dav/files/ana/bulk/",
            "PUT /remote.php/dav/files/ana/bulk/dos.txt",
        ]
    );
    let post = s.seen().into_iter().find(|r| r.method == "POST").unwrap();
    assert!(
        post.header("content-type")
            .unwrap()
            .starts_with("multipart/related; boundary=")
    );
    let body = String::from_utf8_lossy(&post.body);
    assert!(body.contains("X-File-Path: /bulk/set.txt\r\n"), "{body}");
    assert!(body.contains("X-File-Path: /bulk/.htaccess\r\n"), "{body}");
    assert!(
        !body.contains("dos.txt"),
        "an update never goes by bulk upload"
    );
    assert!(body.contains(&format!("OC-Checksum: SHA1:{}\r\n", sha1_hex(b"set\n"))));
    assert!(body.contains("X-File-Mtime: "));

    assert_eq!(r.uploaded, 1);
    let j = w.journal();
    let set = &j[&SyncPath::parse("set.txt")];
    assert_eq!(
        set.etag.as_deref(),
        Some("\"f5cc6883ebc9609cb06886d4e90b0a49\"")
    );
    assert_eq!(set.file_id.as_deref(), Some("10469"));
    assert_eq!(set.remote_size, 4);
    let mut failed: Vec<(String, String)> = r
        .failures
        .iter()
        .map(|f| (f.path.to_string(), f.error.clone()))
        .collect();
    failed.sort();
    assert_eq!(failed.len(), 2, "{failed:?}");
    assert_eq!(failed[0].0, ".htaccess");
    assert!(failed[0].1.contains("no reason given"), "{failed:?}");
    assert_eq!(failed[1].0, "dos.txt");
    // Nothing is lost or recorded for what did not go up.
    assert!(!j.contains_key(&SyncPath::parse(".htaccess")));
    assert_eq!(
        std::fs::read(w.local.join(".htaccess")).unwrap(),
        b"Deny from all\n"
    );
    assert_eq!(
        std::fs::read(w.local.join("dos.txt")).unwrap(),
        b"edited here"
    );
}

#[tokio::test]
async fn files_a_bulk_upload_did_not_reach_are_sent_again() {
    // Recording 072: the server stopped at a bad part and answered 400
    // naming only quatre.txt, written before it. (The recorded request
    // had a wrong checksum in its second part; ours are right, but the
    // answer is what a server that stops part-way sends.) HTTP 400 does
    // not mean nothing was written, and a file the answer leaves out was
    // not: quatre.txt is recorded, cinc.txt and sis.txt are not.
    let s = ReplayServer::start_with(&["071-bulk-propfind", "072-bulk-upload-bad-checksum"], &[]);
    let w = world_071(&s);
    for name in ["quatre.txt", "cinc.txt", "sis.txt"] {
        w.write(name, name.as_bytes());
    }
    let opts = PassOptions {
        nextcloud: Some(uploads_of_005(&s)),
        ..PassOptions::default()
    };
    let r = w.pass_with(&opts).await.unwrap();
    assert!(s.misses().is_empty(), "{:?}", s.misses());
    assert_eq!(r.uploaded, 1);
    let j = w.journal();
    assert!(j.contains_key(&SyncPath::parse("quatre.txt")));
    let mut failed: Vec<String> = r.failures.iter().map(|f| f.path.to_string()).collect();
    failed.sort();
    assert_eq!(failed, ["cinc.txt", "sis.txt"]);
    assert!(r.failures.iter().all(|f| f.error.contains("sent again")));
    assert!(!j.contains_key(&SyncPath::parse("cinc.txt")));
    assert!(!j.contains_key(&SyncPath::parse("sis.txt")));
}

#[tokio::test]
async fn upload_extensions_are_detected_from_the_capabilities() {
    let s = ReplayServer::start(&["005-capabilities-json"]);
    let docs = s.files_root().join("Docs/").unwrap();
    let nc = cc_files::features::NextcloudUploads::detect(&client(), &docs)
        .await
        .unwrap();
    assert_eq!(
        requests(&s),
        ["GET /ocs/v2.php/cloud/capabilities?format=json"]
    );
    assert_eq!(s.seen()[0].header("ocs-apirequest"), Some("true"));
    assert_eq!(nc, uploads_of_005(&s));
    let ch = nc.chunking.unwrap();
    assert_eq!(
        ch.uploads_root.as_str(),
        format!("{}/remote.php/dav/uploads/ana/", s.base_url())
    );
    assert_eq!(
        nc.bulk.unwrap().url.as_str(),
        format!("{}/remote.php/dav/bulk", s.base_url())
    );

    // Apache is no Nextcloud, even at a path that looks like one.
    use cc_harness::servers::{Kind as ServerKind, Server};
    let server = Server::start(ServerKind::Apache);
    let c = server.dav_client();
    let fake = Url::parse(&format!("{}/remote.php/dav/files/ana/", server.base_url())).unwrap();
    assert_eq!(
        cc_files::features::NextcloudUploads::detect(&c, &fake).await,
        None
    );
    let plain = Url::parse(&server.files_url()).unwrap();
    assert_eq!(
        cc_files::features::NextcloudUploads::detect(&c, &plain).await,
        None
    );
}

#[tokio::test]
async fn bulk_upload_is_not_used_outside_its_files_root() {
    // Extensions read for another user's files root: bulk upload could not
    // name these files, so they go as plain PUTs (not recorded here: the
    // replay answers 501, the files stay and are sent again next time).
    let s = ReplayServer::start_with(&["071-bulk-propfind"], &[]);
    let w = world_071(&s);
    w.write("set.txt", b"set\n");
    w.write("vuit.txt", b"vuit\n");
    let other = Url::parse(&format!("{}/remote.php/dav/files/joan/", s.base_url())).unwrap();
    let rec = cc_harness::replay::Recording::load("005-capabilities-json");
    let json: serde_json::Value = serde_json::from_slice(rec.response_body()).unwrap();
    let caps = cc_dav::transfers::UploadCapabilities::from_json(&json);
    let opts = PassOptions {
        nextcloud: cc_files::features::NextcloudUploads::new(&other, &caps),
        ..PassOptions::default()
    };
    let r = w.pass_with(&opts).await.unwrap();
    let mut seen = requests(&s);
    seen.sort();
    assert_eq!(
        seen,
        [
            "PROPFIND /remote.php/dav/files/ana/bulk/",
            "PUT /remote.php/dav/files/ana/bulk/set.txt",
            "PUT /remote.php/dav/files/ana/bulk/vuit.txt",
        ]
    );
    assert_eq!(r.failures.len(), 2);
    assert!(w.local.join("set.txt").exists() && w.local.join("vuit.txt").exists());
}

#[tokio::test]
async fn names_the_server_refuses_stay_here_reported_not_sent() {
    // The forbidden names of the recorded server (recording 005:
    // `.htaccess`; `.part` files are ignored anyway), and a Nextcloud
    // front whose files are Apache's (which would take any name): the
    // refused names never reach the server and are reported once,
    // without a failure at any pass; everything else syncs. A PUT of such a name
    // to the real server is answered 500 (recording 055).
    let replay = ReplayServer::start(&[]);
    let front = cc_harness::servers::Server::start_nextcloud_front(
        &replay.base_url(),
        "ana",
        "ana",
        "app-password",
    );
    let files_root =
        Url::parse(&format!("{}/remote.php/dav/files/ana/", front.base_url())).unwrap();
    let rec = cc_harness::replay::Recording::load("005-capabilities-json");
    let json: serde_json::Value = serde_json::from_slice(rec.response_body()).unwrap();
    let caps = cc_dav::transfers::UploadCapabilities::from_json(&json);
    let mut nc = cc_files::features::NextcloudUploads::new(&files_root, &caps).unwrap();
    // Plain PUTs to Apache (the bulk and archive endpoints are not there).
    nc.bulk = None;
    nc.chunking = None;
    nc.folder_download = None;
    let opts = PassOptions {
        nextcloud: Some(nc),
        ..PassOptions::default()
    };
    let w = World::new(files_root.clone(), IgnoreRules::defaults());
    w.write("web/.htaccess", b"Deny from all\n");
    w.write("web/index.html", b"<p>hola</p>\n");
    w.write(".HTACCESS/dins.txt", b"a folder so named, with content\n");
    for round in 0..2 {
        let r = w.pass_with(&opts).await.unwrap();
        assert!(r.failures.is_empty(), "round {round}: {:?}", r.failures);
        let mut problems: Vec<(String, Problem)> = r
            .problems
            .iter()
            .map(|(p, k)| (p.as_str().to_owned(), *k))
            .collect();
        problems.sort_by(|a, b| a.0.cmp(&b.0));
        // Reported once (the journal keeps them for the status).
        let expected = if round == 0 {
            vec![
                (".HTACCESS".to_owned(), Problem::ServerRefuses),
                ("web/.htaccess".to_owned(), Problem::ServerRefuses),
            ]
        } else {
            vec![]
        };
        assert_eq!(problems, expected, "round {round}");
        assert_eq!(r.uploaded, if round == 0 { 1 } else { 0 }, "round {round}");
        let mut noted: Vec<String> = journal::problems(w.store.connection(), w.folder.folder_id)
            .unwrap()
            .into_iter()
            .map(|(p, problem)| format!("{p} {}", problem.code()))
            .collect();
        noted.sort();
        assert_eq!(
            noted,
            [".HTACCESS server_refuses", "web/.htaccess server_refuses"],
            "round {round}"
        );
    }
    // Kept here, never sent; the rest is on the server.
    assert!(w.local.join("web/.htaccess").is_file());
    assert!(w.local.join(".HTACCESS/dins.txt").is_file());
    let log = std::fs::read_to_string(front.root().join("logs/access.log")).unwrap();
    assert!(!log.to_lowercase().contains("htaccess"), "{log}");
    assert!(log.contains("PUT /remote.php/dav/files/ana/web/index.html"));
    assert!(front.root().join("data/web/index.html").is_file());
    assert!(replay.misses().is_empty(), "{:?}", replay.misses());
}

#[tokio::test]
async fn a_file_the_server_refuses_to_take_is_kept_and_reported_once() {
    // Recording 098: Nextcloud answers 403 to ana's PUT of
    // `Llegir/de-ana.txt`, in a folder shared with her read-only. Apache
    // serves the files as a Nextcloud front whose listing does not tell
    // the permissions (as an older or plainer server would not), and that
    // one PUT goes to the replay server, which answers it from 098 every
    // time it is asked.
    let replay = ReplayServer::start_with(&[], &["098-share-ana-put-ro"]);
    let front = cc_harness::servers::Server::start_with(
        cc_harness::servers::Kind::Apache,
        "ana",
        "app-password",
        &[
            ("PROXY_TO", replay.base_url()),
            ("DAV_ALIAS", "/remote.php/dav/files/ana".to_owned()),
            ("PROXY_PUT", "Llegir/de-ana\\.txt".to_owned()),
        ],
    );
    let files_root =
        Url::parse(&format!("{}/remote.php/dav/files/ana/", front.base_url())).unwrap();
    client()
        .mkcol(&files_root.join("Llegir/").unwrap())
        .await
        .unwrap();
    let w = World::new(files_root, IgnoreRules::defaults());
    w.write("Llegir/de-ana.txt", b"escrit per ana\n");
    w.write("meu.txt", b"mine\n");
    for round in 0..2 {
        let r = w.pass().await.unwrap();
        assert!(r.failures.is_empty(), "round {round}: {:?}", r.failures);
        let expected = if round == 0 {
            vec![(SyncPath::parse("Llegir/de-ana.txt"), Problem::ReadOnly)]
        } else {
            vec![]
        };
        assert_eq!(r.problems, expected, "round {round}: reported once");
        assert_eq!(r.uploaded, if round == 0 { 1 } else { 0 }, "round {round}");
        assert_eq!(
            std::fs::read(w.local.join("Llegir/de-ana.txt")).unwrap(),
            b"escrit per ana\n"
        );
    }
    // The refused PUT reached the replay at each pass (the server may
    // let the member write there later); nothing else did.
    let seen: Vec<String> = replay
        .seen()
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    assert_eq!(
        seen,
        [
            "PUT /remote.php/dav/files/ana/Llegir/de-ana.txt",
            "PUT /remote.php/dav/files/ana/Llegir/de-ana.txt"
        ]
    );
    assert!(replay.misses().is_empty());
    assert!(front.root().join("data/meu.txt").is_file());
    assert!(!front.root().join("data/Llegir/de-ana.txt").exists());
}
