//! The engine against the real Nextcloud 33 of the harness (a fresh user
//! per test): bulk upload into new folders, folder archives, folder-ETag
//! skipping, the names the server refuses, a move made on the server, the
//! server's trash and versions, and shares made by another user through
//! the OCS share API. What each test asserts about the requests comes from
//! the server's own request log.

use bytes::Bytes;
use cc_dav::files::PutOptions;
use cc_dav::{DavClient, Depth};
use cc_files::engine::{PassOptions, PassReport, SyncFolder};
use cc_files::features::NextcloudUploads;
use cc_files::ignore::IgnoreRules;
use cc_files::trash::Trash;
use cc_files::{Problem, SyncPath, journal};
use cc_harness::nextcloud::{NcUser, Turn};
use url::Url;

struct World {
    nc: Turn,
    user: NcUser,
    _dir: tempfile::TempDir,
    local: std::path::PathBuf,
    store: cc_store::Store,
    folder: SyncFolder,
    features: Option<NextcloudUploads>,
    client: DavClient,
}

impl World {
    /// `None` where no real Nextcloud is available (the test ends there).
    async fn new() -> Option<World> {
        let nc = cc_harness::nextcloud::turn()?;
        let user = nc.new_user("engine");
        Some(Self::for_user(nc, user, "").await)
    }

    /// A sync folder of `user` at `sub` below the files root (`""`: all).
    async fn for_user(nc: Turn, user: NcUser, sub: &str) -> World {
        let client = user.dav_client();
        let remote = if sub.is_empty() {
            user.files_root()
        } else {
            cc_dav::href::as_collection(&user.files_root().join(sub).unwrap())
        };
        let features = NextcloudUploads::detect(&client, &remote).await;
        assert!(
            features.is_some(),
            "the real Nextcloud offers its extensions"
        );
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("Nextcloud");
        std::fs::create_dir(&local).unwrap();
        let store = cc_store::Store::open(dir.path().join("state.sqlite3")).unwrap();
        let pair = journal::folder_pair(
            store.connection(),
            local.to_str().unwrap(),
            remote.as_str(),
            0,
        )
        .unwrap();
        let folder = SyncFolder {
            local_root: local.clone(),
            remote_root: remote,
            client: client.clone(),
            ignore: IgnoreRules::defaults(),
            folder_id: pair.id,
            trash: Trash::Folder(dir.path().join("trash")),
        };
        World {
            nc,
            user,
            _dir: dir,
            local,
            store,
            folder,
            features,
            client,
        }
    }

    fn write(&self, p: &str, content: &[u8]) {
        let path = self.local.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    fn read(&self, p: &str) -> Vec<u8> {
        std::fs::read(self.local.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"))
    }

    fn url(&self, p: &str) -> Url {
        cc_dav::href::join_names(&self.user.files_root(), p.split('/'))
    }

    /// Written on the server by another client of the same user.
    async fn remote_write(&self, p: &str, content: &[u8]) {
        let names: Vec<&str> = p.split('/').collect();
        for i in 1..names.len() {
            let dir = cc_dav::href::as_collection(&self.url(&names[..i].join("/")));
            let _ = self.client.mkcol(&dir).await;
        }
        self.client
            .put_bytes(
                &self.url(p),
                Bytes::copy_from_slice(content),
                &PutOptions::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("PUT {p}: {e}"));
    }

    /// The server's own copy of `p` (its data folder).
    fn server_file(&self, p: &str) -> Option<Vec<u8>> {
        std::fs::read(self.user.data_dir().join(p)).ok()
    }

    async fn pass(&self) -> PassReport {
        let opts = PassOptions {
            nextcloud: self.features.clone(),
            conflict_stamp: "2026-12-04 101500".into(),
            ..PassOptions::default()
        };
        self.folder
            .sync_once(self.store.connection(), &opts, |_| {})
            .await
            .expect("a pass")
    }

    /// Passes until one plans nothing (at most 4); the requests each sent.
    async fn settle(&self) -> Vec<(PassReport, Vec<String>)> {
        let mut out = Vec::new();
        for _ in 0..4 {
            let mark = self.nc.log_mark();
            let r = self.pass().await;
            let done = r.planned == 0;
            out.push((r, self.requests_since(mark)));
            if done {
                return out;
            }
        }
        panic!("still planning after 4 passes: {out:#?}");
    }

    fn requests_since(&self, mark: u64) -> Vec<String> {
        self.nc
            .requests_since(mark)
            .into_iter()
            .map(|(_, r)| r)
            .collect()
    }
}

fn count(reqs: &[String], prefix: &str) -> usize {
    reqs.iter().filter(|r| r.starts_with(prefix)).count()
}

#[tokio::test]
async fn new_files_in_new_folders_go_up_in_bulk_after_their_folders() {
    let Some(w) = World::new().await else { return };
    // Bulk upload cannot make folders: a file whose folder is missing
    // fails inside a 200 (seen on the real server). The folders go first.
    for i in 0..30 {
        w.write(
            &format!("fresh/deep/{:02}/f{i}.txt", i % 3),
            format!("small {i}").as_bytes(),
        );
    }
    let mark = w.nc.log_mark();
    let r = w.pass().await;
    let reqs = w.requests_since(mark);
    assert!(r.failures.is_empty(), "{:#?}", r.failures);
    assert_eq!(r.uploaded, 30);
    assert_eq!(
        count(&reqs, "PUT "),
        0,
        "no file by a PUT of its own: {reqs:#?}"
    );
    assert!(count(&reqs, "POST /remote.php/dav/bulk") >= 1, "{reqs:#?}");
    assert_eq!(
        count(&reqs, "MKCOL "),
        5,
        "fresh, deep and 3 below: {reqs:#?}"
    );
    for i in 0..30 {
        let p = format!("fresh/deep/{:02}/f{i}.txt", i % 3);
        assert_eq!(
            w.server_file(&p).as_deref(),
            Some(format!("small {i}").as_bytes())
        );
    }
    // Recorded as agreed: the next pass has nothing to do.
    let next = w.pass().await;
    assert_eq!(next.planned, 0);
}

#[tokio::test]
async fn new_small_files_come_down_in_archives_and_an_empty_folder_too() {
    let Some(w) = World::new().await else { return };
    for i in 0..40 {
        w.remote_write(&format!("docs/n{i:02}.txt"), format!("note {i}").as_bytes())
            .await;
    }
    w.client
        .mkcol(&cc_dav::href::as_collection(&w.url("docs/buida")))
        .await
        .unwrap();
    let passes = w.settle().await;
    let (first, reqs) = &passes[0];
    assert!(first.failures.is_empty(), "{:#?}", first.failures);
    assert_eq!(first.archived, 40, "{first:?}");
    // One tar of the 40 files (the names are listed in its URL: on 33.0.1
    // a tar of a whole folder breaks at its first folder entry).
    assert_eq!(first.archives, 1, "{first:?}");
    assert_eq!(count(reqs, "GET /remote.php/dav/files/"), 1, "{reqs:#?}");
    for i in 0..40 {
        assert_eq!(
            w.read(&format!("docs/n{i:02}.txt")),
            format!("note {i}").as_bytes()
        );
    }
    assert!(w.local.join("docs/buida").is_dir());
}

#[tokio::test]
async fn an_unchanged_folder_is_not_listed_again() {
    let Some(w) = World::new().await else { return };
    for d in 0..5 {
        for f in 0..3 {
            w.write(&format!("d{d}/sub/f{f}.txt"), format!("{d}/{f}").as_bytes());
        }
    }
    w.settle().await;
    // Nothing changed: one request (the root, Depth 1) besides the
    // capabilities the app asks for once per account.
    let mark = w.nc.log_mark();
    let r = w.pass().await;
    let reqs = w.requests_since(mark);
    assert_eq!(r.planned, 0);
    assert_eq!(count(&reqs, "PROPFIND "), 1, "{reqs:#?}");

    // A change deep in d3: the root, d3 and d3/sub are listed, no other.
    w.remote_write("d3/sub/f1.txt", b"changed on the server, longer")
        .await;
    let mark = w.nc.log_mark();
    let r = w.pass().await;
    let reqs = w.requests_since(mark);
    assert_eq!(r.downloaded, 1, "{r:?}");
    assert_eq!(w.read("d3/sub/f1.txt"), b"changed on the server, longer");
    let listed: Vec<&String> = reqs.iter().filter(|r| r.starts_with("PROPFIND ")).collect();
    assert_eq!(listed.len(), 3, "{listed:#?}");
    assert!(
        listed
            .iter()
            .all(|r| !r.contains("/d0/") && !r.contains("/d4/"))
    );
}

#[tokio::test]
async fn names_the_real_server_refuses_stay_here_and_are_not_sent_again() {
    let Some(w) = World::new().await else { return };
    // From the real capabilities: `.htaccess` (forbidden_filenames).
    w.write(".htaccess", b"deny from all");
    w.write("ok.txt", b"fine");
    let passes = w.settle().await;
    let (first, _) = &passes[0];
    assert!(first.failures.is_empty(), "{:#?}", first.failures);
    assert!(
        first
            .problems
            .iter()
            .any(|(p, k)| p.as_str() == ".htaccess" && *k == Problem::ServerRefuses),
        "{:?}",
        first.problems
    );
    assert_eq!(w.server_file("ok.txt").as_deref(), Some(&b"fine"[..]));
    assert_eq!(w.read(".htaccess"), b"deny from all");
    // Settled in one pass (the second plans nothing), never sent.
    assert_eq!(passes.len(), 2, "{passes:#?}");
    let all: Vec<&String> = passes.iter().flat_map(|(_, r)| r).collect();
    assert!(all.iter().all(|r| !r.contains(".htaccess")), "{all:#?}");
}

#[tokio::test]
async fn a_move_made_on_the_server_arrives_as_a_local_rename() {
    let Some(w) = World::new().await else { return };
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    w.write("inbox/report.pdf", &big);
    w.settle().await;
    let inode = std::os::unix::fs::MetadataExt::ino(
        &std::fs::metadata(w.local.join("inbox/report.pdf")).unwrap(),
    );
    // Another client moves it (same file id on the server).
    w.client
        .mkcol(&cc_dav::href::as_collection(&w.url("done")))
        .await
        .unwrap();
    w.client
        .move_to(
            &w.url("inbox/report.pdf"),
            &w.url("done/report-final.pdf"),
            false,
        )
        .await
        .unwrap();
    let passes = w.settle().await;
    let (first, reqs) = &passes[0];
    assert!(first.failures.is_empty(), "{:#?}", first.failures);
    assert_eq!((first.downloaded, first.moved_here), (0, 1), "{first:?}");
    assert_eq!(
        count(reqs, "GET "),
        0,
        "renamed here, not fetched: {reqs:#?}"
    );
    assert!(!w.local.join("inbox/report.pdf").exists());
    let moved = w.local.join("done/report-final.pdf");
    assert_eq!(std::fs::read(&moved).unwrap(), big);
    assert_eq!(
        std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(&moved).unwrap()),
        inode,
        "the same local file, renamed"
    );
}

/// The names in a DAV folder of the user (trash bin, versions), or an
/// empty list when it does not exist.
async fn dav_names(w: &World, url: &Url) -> Vec<String> {
    let mut out = Vec::new();
    let _ = w
        .client
        .list(url, Depth::One, |e| {
            if let Some(n) = e.path.last() {
                out.push(n.clone());
            }
            Ok(())
        })
        .await;
    out
}

#[tokio::test]
async fn our_edits_keep_server_versions_and_our_deletions_go_to_its_trash() {
    let Some(w) = World::new().await else { return };
    // (Not the only file: deleting every file of a folder is asked first.)
    w.write("keep.txt", b"stays");
    w.write("plan.odt", b"first draft");
    w.settle().await;
    let mut file_id = None;
    w.client
        .list(&w.url("plan.odt"), Depth::Zero, |e| {
            file_id = e.file_id.clone();
            Ok(())
        })
        .await
        .unwrap();
    let file_id = file_id.expect("a file id");
    // Nextcloud keeps a version per write that comes a while after the
    // last one; an edit made here is one.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    w.write("plan.odt", b"second draft, longer");
    w.settle().await;
    let base = w.user.base_url();
    let versions = Url::parse(&format!(
        "{base}/remote.php/dav/versions/{}/versions/{}/",
        w.user.login,
        file_id.trim_start_matches('0')
    ))
    .unwrap();
    let before = dav_names(&w, &versions).await;
    assert!(
        !before.is_empty(),
        "a version of the first draft: {before:?}"
    );

    std::fs::remove_file(w.local.join("plan.odt")).unwrap();
    let passes = w.settle().await;
    assert_eq!(passes[0].0.deleted_remote, 1, "{passes:#?}");
    assert!(w.server_file("plan.odt").is_none());
    // In the server's trash bin, not purged; its versions went with it.
    let trash = Url::parse(&format!(
        "{base}/remote.php/dav/trashbin/{}/trash/",
        w.user.login
    ))
    .unwrap();
    let trashed = dav_names(&w, &trash).await;
    assert!(
        trashed.iter().any(|n| n.starts_with("plan.odt")),
        "{trashed:?}"
    );
    let reqs_purge =
        w.nc.requests_since(0)
            .into_iter()
            .filter(|(_, r)| {
                r.contains(&format!("/trashbin/{}/", w.user.login)) && r.starts_with("DELETE")
            })
            .count();
    assert_eq!(reqs_purge, 0, "the trash bin is the member's");
}

/// A user who owns `Team/` with files, shared with the test's user.
async fn shared_team(permissions: u8) -> Option<(World, NcUser)> {
    let nc = cc_harness::nextcloud::turn()?;
    let owner = nc.new_user("owner");
    let member = nc.new_user("member");
    let oc = owner.dav_client();
    let team = owner.files_root().join("Team/").unwrap();
    oc.mkcol(&team).await.unwrap();
    for (n, c) in [("a.txt", "owner's a"), ("b.txt", "owner's b")] {
        oc.put_bytes(
            &team.join(n).unwrap(),
            Bytes::from(c),
            &PutOptions::default(),
        )
        .await
        .unwrap();
    }
    nc.share(&owner, "/Team", &member, permissions);
    let w = World::for_user(nc, member, "").await;
    Some((w, owner))
}

#[tokio::test]
async fn a_read_only_share_puts_back_what_was_changed_here_without_a_loop() {
    let Some((w, owner)) = shared_team(1).await else {
        return;
    };
    w.settle().await;
    assert_eq!(w.read("Team/a.txt"), b"owner's a");
    // Here: a.txt deleted, b.txt edited, both in a folder the member may
    // only read.
    std::fs::remove_file(w.local.join("Team/a.txt")).unwrap();
    w.write("Team/b.txt", b"member's edit");
    let passes = w.settle().await;
    let all: Vec<&String> = passes.iter().flat_map(|(_, r)| r).collect();
    assert!(
        all.iter()
            .all(|r| !r.starts_with("DELETE") && !r.starts_with("PUT")),
        "nothing sent into the read-only share: {all:#?}"
    );
    assert_eq!(w.read("Team/a.txt"), b"owner's a", "the deletion is undone");
    assert_eq!(
        w.read("Team/b.txt"),
        b"owner's b",
        "the server's version is back"
    );
    // The edit is kept beside it as a conflicted copy.
    let kept: Vec<_> = std::fs::read_dir(w.local.join("Team"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("conflicted copy"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(w.read(&format!("Team/{}", kept[0])), b"member's edit");
    // The owner's files are untouched, and a later pass sends nothing.
    let oc = owner.dav_client();
    let mut got = Vec::new();
    oc.get(
        &owner.files_root().join("Team/a.txt").unwrap(),
        &mut got,
        0,
        None,
    )
    .await
    .unwrap();
    assert_eq!(got, b"owner's a");
    let mark = w.nc.log_mark();
    let r = w.pass().await;
    assert_eq!(r.planned, 0, "{r:?}");
    let reqs = w.requests_since(mark);
    assert!(
        reqs.iter().all(|r| r.starts_with("PROPFIND")),
        "no request loop: {reqs:#?}"
    );
}

#[tokio::test]
async fn the_root_of_a_share_deleted_here_is_not_deleted_for_its_owner() {
    let Some((w, owner)) = shared_team(31).await else {
        return;
    };
    w.settle().await;
    w.write("Team/mine.txt", b"the member's own file in the share");
    w.settle().await;
    assert!(
        std::fs::read(owner.data_dir().join("Team/mine.txt")).is_ok(),
        "a writable share takes new files"
    );
    std::fs::remove_dir_all(w.local.join("Team")).unwrap();
    let passes = w.settle().await;
    let all: Vec<&String> = passes.iter().flat_map(|(_, r)| r).collect();
    assert!(all.iter().all(|r| !r.starts_with("DELETE")), "{all:#?}");
    // The owner keeps every file; the share comes back here.
    for f in ["a.txt", "b.txt", "mine.txt"] {
        assert!(owner.data_dir().join("Team").join(f).exists(), "{f}");
        assert!(w.local.join("Team").join(f).exists(), "{f} back here");
    }
    let _ = SyncPath::root();
}

#[tokio::test]
async fn a_first_pass_tells_how_many_folders_it_has_looked_through() {
    let Some(w) = World::new().await else { return };
    for d in 0..12 {
        w.remote_write(&format!("carpeta{d:02}/nota.txt"), b"x")
            .await;
    }
    let opts = PassOptions {
        nextcloud: w.features.clone(),
        ..PassOptions::default()
    };
    let mut seen = Vec::new();
    w.folder
        .sync_once(w.store.connection(), &opts, |p| seen.push(p))
        .await
        .unwrap();
    let listed: Vec<usize> = seen
        .iter()
        .filter_map(|p| match p {
            cc_files::engine::Progress::Listing { folders } => Some(*folders),
            _ => None,
        })
        .collect();
    // 0 as it starts, then the folders listed so far, up to the root and
    // its 12 (a first sync asks for the whole tree at once: 13 at once).
    assert_eq!(listed.first(), Some(&0));
    assert_eq!(listed.last(), Some(&13));
    assert!(listed.windows(2).all(|w| w[0] < w[1]), "{listed:?}");
    let planned_at = seen
        .iter()
        .position(|p| matches!(p, cc_files::engine::Progress::Planned { .. }))
        .unwrap();
    let last_listing = seen
        .iter()
        .rposition(|p| matches!(p, cc_files::engine::Progress::Listing { .. }))
        .unwrap();
    assert!(last_listing < planned_at);
}

/// The listing as (path, kind, size, ETag, file id), for comparing two.
fn listing_view(l: &cc_files::remote::RemoteListing) -> Vec<(String, String)> {
    l.entries
        .iter()
        .map(|(p, e)| (p.as_str().to_owned(), format!("{:?}", e.meta)))
        .collect()
}

#[tokio::test]
async fn a_new_tree_is_listed_in_one_request_without_what_selective_sync_leaves_out() {
    let Some(w) = World::new().await else { return };
    for p in [
        "a/u.txt",
        "a/b/dos.txt",
        "a/b/c/tres.txt",
        "docs/nota.txt",
        "docs/gran/video.bin",
        "docs/gran/sub/x.txt",
    ] {
        w.remote_write(p, p.as_bytes()).await;
    }
    w.client
        .mkcol(&cc_dav::href::as_collection(&w.url("buida")))
        .await
        .unwrap();
    let ignore = IgnoreRules::new("gran").unwrap();
    let root = w.user.files_root();
    let mark = w.nc.log_mark();
    let deep =
        cc_files::remote::list_tree_watched(&w.client, &root, &ignore, |_| None, true, |_| {})
            .await
            .unwrap();
    let reqs = w.requests_since(mark);
    assert_eq!(count(&reqs, "PROPFIND "), 1, "{reqs:#?}");
    assert_eq!(deep.requests, 1);
    assert!(deep.propagates_etags);
    // Folder by folder (every folder "recorded" with an ETag it does not
    // have): the same entries, folders and ETags.
    let shallow = cc_files::remote::list_tree_watched(
        &w.client,
        &root,
        &ignore,
        |_| Some("\"not-its-etag\"".into()),
        false,
        |_| {},
    )
    .await
    .unwrap();
    assert_eq!(shallow.requests, 6, "the root, a, a/b, a/b/c, docs, buida");
    assert_eq!(listing_view(&deep), listing_view(&shallow));
    let folders = |l: &cc_files::remote::RemoteListing| {
        let mut f = l.listed.clone();
        f.sort();
        f
    };
    assert_eq!(folders(&deep), folders(&shallow));
    // What is below the folder left out is not in the deep answer's
    // listing, and its parent is marked as holding more.
    assert!(
        deep.entries.keys().all(|p| !p.as_str().contains("gran")),
        "{:#?}",
        deep.entries.keys().collect::<Vec<_>>()
    );
    assert_eq!(deep.ignored_in, vec![SyncPath::from_names(["docs"])]);
    assert_eq!(
        deep.entries.len(),
        9,
        "{:#?}",
        deep.entries.keys().collect::<Vec<_>>()
    );

    // Later a new tree on the server: the root, then the new folder with
    // everything below it in one request; the rest is unchanged.
    let recorded: std::collections::HashMap<SyncPath, Option<String>> =
        deep.listed.iter().cloned().collect();
    w.remote_write("nou/x/y/z.txt", b"new on the server").await;
    let mark = w.nc.log_mark();
    let next = cc_files::remote::list_tree_watched(
        &w.client,
        &root,
        &ignore,
        |p| recorded.get(p).cloned().flatten(),
        false,
        |_| {},
    )
    .await
    .unwrap();
    let reqs = w.requests_since(mark);
    let listed: Vec<&String> = reqs.iter().filter(|r| r.starts_with("PROPFIND ")).collect();
    assert_eq!(listed.len(), 2, "{listed:#?}");
    assert!(listed.iter().any(|r| r.ends_with("/nou/")), "{listed:#?}");
    assert!(
        next.entries
            .contains_key(&SyncPath::from_names(["nou", "x", "y", "z.txt"]))
    );
    let mut unchanged = next.unchanged.clone();
    unchanged.sort();
    assert_eq!(
        unchanged,
        ["a", "buida", "docs"]
            .map(|n| SyncPath::from_names([n]))
            .to_vec()
    );
}

#[tokio::test]
async fn a_first_download_of_a_whole_tree_is_one_zip() {
    let Some(w) = World::new().await else { return };
    // 150 files in 15 folders over three levels, one folder empty, and
    // one folder (kept/) whose file is already here.
    let mut expected = Vec::new();
    for i in 0..150 {
        let p = format!("arxiu/{:02}/sub{}/doc{i:03}.txt", i % 5, i % 3);
        w.remote_write(&p, format!("document {i}").as_bytes()).await;
        expected.push((p, format!("document {i}")));
    }
    w.client
        .mkcol(&cc_dav::href::as_collection(&w.url("arxiu/buida")))
        .await
        .unwrap();
    w.remote_write("kept/here.txt", b"same on both sides").await;
    w.write("kept/here.txt", b"same on both sides");
    let passes = w.settle().await;
    let (first, reqs) = &passes[0];
    assert!(first.failures.is_empty(), "{:#?}", first.failures);
    // arxiu/ is all new here: one zip; kept/ is not (a file is here).
    assert_eq!(first.archived, 150, "{first:?}");
    assert_eq!(first.archives, 1, "{first:?}");
    let gets: Vec<&String> = reqs
        .iter()
        .filter(|r| r.starts_with("GET /remote.php/dav/files/"))
        .collect();
    assert_eq!(
        gets.len(),
        2,
        "the zip, and kept/here.txt compared: {gets:#?}"
    );
    assert!(gets.iter().any(|g| g.ends_with("/arxiu/")), "{gets:#?}");
    for (p, content) in &expected {
        assert_eq!(w.read(p), content.as_bytes(), "{p}");
    }
    assert!(w.local.join("arxiu/buida").is_dir());
    // No zip left behind, and the next pass has nothing to do.
    let leftovers: Vec<_> = std::fs::read_dir(&w.local)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".zip"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(passes.last().unwrap().0.planned, 0);
}

#[tokio::test]
async fn a_folder_moved_on_the_server_with_a_new_file_inside_settles_in_one_pass() {
    let Some(w) = World::new().await else { return };
    w.write("projectes/a.txt", b"first file of the folder");
    w.write("projectes/sub/b.txt", b"second file, one level down");
    w.write("other.txt", b"keeps the folder from being all files");
    w.settle().await;
    let ino =
        |p: &str| std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(w.local.join(p)).unwrap());
    let (a, b) = (ino("projectes/a.txt"), ino("projectes/sub/b.txt"));
    w.client
        .mkcol(&cc_dav::href::as_collection(&w.url("arxiu")))
        .await
        .unwrap();
    w.client
        .move_to(
            &cc_dav::href::as_collection(&w.url("projectes")),
            &cc_dav::href::as_collection(&w.url("arxiu/projectes-2025")),
            false,
        )
        .await
        .unwrap();
    w.remote_write("arxiu/projectes-2025/sub/nou.txt", b"added after the move")
        .await;
    let passes = w.settle().await;
    let (first, reqs) = &passes[0];
    assert!(first.failures.is_empty(), "{:#?}", first.failures);
    // The folder as one move where its id was recorded, else its files one
    // by one (a folder made by this client has no id recorded yet): either
    // way renamed here, not fetched again.
    assert!(first.moved_here >= 1, "{first:?}");
    assert_eq!(passes.len(), 2, "one pass did it all: {passes:#?}");
    assert_eq!(
        w.read("arxiu/projectes-2025/sub/nou.txt"),
        b"added after the move"
    );
    assert_eq!(ino("arxiu/projectes-2025/a.txt"), a);
    assert_eq!(ino("arxiu/projectes-2025/sub/b.txt"), b);
    assert!(!w.local.join("projectes").exists());
    assert_eq!(
        reqs.iter()
            .filter(|r| r.starts_with("GET /remote.php/dav/files/"))
            .count(),
        1,
        "only the new file is fetched: {reqs:#?}"
    );
}

#[tokio::test]
async fn a_folder_left_out_of_selective_sync_keeps_its_parent_out_of_a_zip() {
    let Some(mut w) = World::new().await else {
        return;
    };
    // The member left `gran/` out; the root's zip would hold it.
    w.folder.ignore = IgnoreRules::new("gran").unwrap();
    for i in 0..60 {
        w.remote_write(&format!("docs/n{i:02}.txt"), format!("note {i}").as_bytes())
            .await;
    }
    let big = vec![7u8; 2 * 1024 * 1024];
    w.remote_write("gran/video.bin", &big).await;
    let passes = w.settle().await;
    let (first, reqs) = &passes[0];
    assert!(first.failures.is_empty(), "{:#?}", first.failures);
    assert_eq!((first.archives, first.archived), (1, 60), "{first:?}");
    let gets: Vec<&String> = reqs
        .iter()
        .filter(|r| r.starts_with("GET /remote.php/dav/files/"))
        .collect();
    assert_eq!(gets.len(), 1, "{gets:#?}");
    assert!(
        gets[0].ends_with("/docs/"),
        "the zip of docs/, not of the root: {gets:#?}"
    );
    assert!(!w.local.join("gran").exists());
    assert_eq!(w.read("docs/n59.txt"), b"note 59");
}

/// The next push event within `secs` seconds.
async fn push_event(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<cc_files::push::PushEvent>,
    secs: u64,
    what: &str,
) -> cc_files::push::PushEvent {
    tokio::time::timeout(std::time::Duration::from_secs(secs), rx.recv())
        .await
        .unwrap_or_else(|_| panic!("no push event within {secs} s: waiting for {what}"))
        .expect("the push task runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_push_channel_names_what_changed_and_comes_back_after_a_restart() {
    use cc_files::push::{self, PushEvent, PushLogin, PushMessage, PushTimings};
    let Some(w) = World::new().await else { return };
    w.remote_write("Docs/a.txt", b"one").await;
    w.remote_write("Other/o.txt", b"o").await;
    w.settle().await;
    assert!(
        w.features.as_ref().unwrap().push.is_none(),
        "no push server advertised before it runs"
    );
    let mut server = w.nc.push_server();
    let features = NextcloudUploads::detect(&w.client, &w.folder.remote_root)
        .await
        .unwrap();
    let cap = features.push.expect("the push server is advertised");
    assert_eq!(cap.websocket.as_str(), server.websocket());
    let login = PushLogin::new(&cap, &w.client).expect("a loopback websocket is used");

    // A wrong password is refused, and said so.
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let bad = PushLogin {
        password: "not-the-password".into(),
        ..login.clone()
    };
    assert_eq!(
        push::connect_once(&bad, &PushTimings::default(), &tx).await,
        push::Ended::Refused
    );

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let timings = PushTimings {
        first_retry: std::time::Duration::from_millis(500),
        max_retry: std::time::Duration::from_secs(4),
        ..PushTimings::default()
    };
    let task = tokio::spawn(push::run(login, timings, tx));
    assert_eq!(
        push_event(&mut rx, 30, "connected").await,
        PushEvent::Connected
    );

    // Two pairs of the same account: the whole files root (the test's),
    // and one of `Other/` that knows nothing yet.
    let root = push::folder_file_id(&w.client, &w.folder.remote_root).await;
    assert!(root.is_some(), "the files root has a file id");
    let other_url = cc_dav::href::as_collection(&w.url("Other"));
    let other_root = push::folder_file_id(&w.client, &other_url).await;
    let other = journal::folder_pair(
        w.store.connection(),
        w.local.with_file_name("other").to_str().unwrap(),
        other_url.as_str(),
        0,
    )
    .unwrap()
    .id;
    let pairs = [(w.folder.folder_id, root), (other, other_root)];
    let conn = w.store.connection();

    // An edit by another client of the same user: the server names the
    // file and its folder, which the first pair's journal knows.
    let sent = std::time::Instant::now();
    w.remote_write("Docs/a.txt", b"two").await;
    let msg = loop {
        match push_event(&mut rx, 20, "the edit").await {
            PushEvent::Message(m @ PushMessage::Files(_)) => break m,
            _ => continue,
        }
    };
    eprintln!("edit -> push message: {} ms", sent.elapsed().as_millis());
    let PushMessage::Files(Some(ids)) = &msg else {
        panic!("the server names the ids: {msg:?}")
    };
    assert!(
        !ids.contains(&root.unwrap()),
        "an overwrite names only the file and its folder: {ids:?}"
    );
    assert_eq!(push::concerned(conn, &msg, &pairs), [w.folder.folder_id]);

    // A new file in a new folder of `Other/`: its parents up to the root
    // are named, so both pairs look.
    w.remote_write("Other/new/n.txt", b"n").await;
    let msg = loop {
        match push_event(&mut rx, 20, "the new file").await {
            PushEvent::Message(m @ PushMessage::Files(_)) => break m,
            _ => continue,
        }
    };
    assert_eq!(
        push::concerned(conn, &msg, &pairs),
        [w.folder.folder_id, other],
        "{msg:?}"
    );
    // Without ids, every pair looks.
    assert_eq!(
        push::concerned(conn, &PushMessage::Files(None), &pairs).len(),
        2
    );

    // The push server goes away and comes back: the channel says it was
    // lost, then signs in again by itself.
    server.restart_after(|| {});
    let mut lost = false;
    loop {
        match push_event(&mut rx, 60, "reconnection").await {
            PushEvent::Lost { .. } => lost = true,
            PushEvent::Connected => break,
            _ => {}
        }
    }
    assert!(lost, "the loss was reported before the new connection");
    // And it works again.
    w.remote_write("Docs/a.txt", b"three").await;
    loop {
        if let PushEvent::Message(PushMessage::Files(_)) =
            push_event(&mut rx, 20, "a change after the restart").await
        {
            break;
        }
    }
    // Nobody listening ends the task.
    drop(rx);
    tokio::time::timeout(std::time::Duration::from_secs(150), task)
        .await
        .expect("the push task ends when its events are not wanted")
        .unwrap();
}
