//! Many small new files coming down through Nextcloud's folder archive
//! download (a tar of the named files of one folder), through the engine:
//!
//! - the real Nextcloud 33 answer (recording 145) behind a Nextcloud front
//!   (Apache's real WebDAV for the listing and plain GETs, the replay
//!   server for the archive request);
//! - a hostile server's crafted archive: members that escape, links,
//!   wrong sizes and contents, names nobody asked for: skipped, and every
//!   file still arrives by a plain GET, nothing written elsewhere;
//! - a server that answers the archive request with a page: plain GETs.

use std::sync::{Arc, Mutex};

use cc_dav::{ClientConfig, DavClient};
use cc_files::engine::{PassOptions, PassReport, SyncFolder};
use cc_files::features::NextcloudUploads;
use cc_files::ignore::IgnoreRules;
use cc_files::journal;
use cc_files::trash::Trash;
use cc_harness::hostile::{Action, Behaviour, HostileServer, Reply, Request};
use cc_harness::replay::{Recording, ReplayServer};
use cc_harness::servers::Server;
use sha1::{Digest, Sha1};
use url::Url;

/// A client as the front's account (no retries: a replayed exchange is
/// asked once).
fn front_client(front: &Server) -> DavClient {
    front.dav_client_with(ClientConfig {
        retries: 0,
        ..ClientConfig::default()
    })
}

/// What recording 005 (the recorded server's capabilities) offers for
/// files below `files_root`, archives from `min_files` new files on.
fn nextcloud_005(files_root: &Url, min_files: usize) -> NextcloudUploads {
    let rec = Recording::load("005-capabilities-json");
    let json: serde_json::Value = serde_json::from_slice(rec.response_body()).unwrap();
    let caps = cc_dav::transfers::UploadCapabilities::from_json(&json);
    let mut nc = NextcloudUploads::new(files_root, &caps).unwrap();
    let fd = nc.folder_download.as_mut().expect("Nextcloud 33 has them");
    fd.min_files = min_files;
    nc
}

struct Pair {
    dir: tempfile::TempDir,
    local: std::path::PathBuf,
    store: cc_store::Store,
    folder: SyncFolder,
}

impl Pair {
    fn new(remote_root: Url, client: DavClient) -> Pair {
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("sync");
        std::fs::create_dir(&local).unwrap();
        let store = cc_store::Store::open(dir.path().join("state.sqlite3")).unwrap();
        let pair = journal::folder_pair(
            store.connection(),
            local.to_str().unwrap(),
            remote_root.as_str(),
            0,
        )
        .unwrap();
        let folder = SyncFolder {
            local_root: local.clone(),
            remote_root,
            client,
            ignore: IgnoreRules::defaults(),
            folder_id: pair.id,
            // Deleted files stay in the test's folder, not in the trash of
            // whoever runs the tests.
            trash: Trash::Folder(local.parent().unwrap().join("trash")),
        };
        Pair {
            dir,
            local,
            store,
            folder,
        }
    }

    async fn pass(&self, opts: &PassOptions) -> PassReport {
        self.folder
            .sync_once(self.store.connection(), opts, |_| {})
            .await
            .unwrap()
    }

    /// Every entry below the pair's temporary folder (the sync folder, the
    /// state file), relative, sorted: nothing may appear outside.
    fn everything(&self) -> Vec<String> {
        fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let e = e.unwrap();
                let p = e.path();
                out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
                if e.file_type().unwrap().is_dir() {
                    walk(root, &p, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.dir.path(), self.dir.path(), &mut out);
        out.retain(|p| !p.starts_with("state.sqlite3"));
        out.sort();
        out
    }
}

#[tokio::test]
async fn the_recorded_tar_brings_a_file_down_through_the_engine() {
    // Recording 145 is Nextcloud 33's tar of `a.txt` and `sub` in `arxiu`:
    // `//a.txt` (14 bytes), a folder entry `sub/`, then an XML error where
    // the next tar block should be. Behind the front, Apache holds the
    // same `a.txt` and, for this test, a *file* `sub`: the engine asks for
    // both new files in one archive (the request recording 145 answers),
    // takes `a.txt` from it, and fetches `sub`, which the archive brought
    // as a folder, with a plain GET from Apache.
    let replay = ReplayServer::start(&["145-folder-download-tar-files"]);
    let front = Server::start_nextcloud_front(&replay.base_url(), "ana", "ana", "secret");
    let files_root =
        Url::parse(&format!("{}/remote.php/dav/files/ana/", front.base_url())).unwrap();
    let dav = front_client(&front);
    let arxiu = files_root.join("arxiu/").unwrap();
    dav.mkcol(&arxiu).await.unwrap();
    let opts = cc_dav::PutOptions::default();
    dav.put_bytes(
        &arxiu.join("a.txt").unwrap(),
        bytes::Bytes::from_static(b"primer fitxer\n"),
        &opts,
    )
    .await
    .unwrap();
    dav.put_bytes(
        &arxiu.join("sub").unwrap(),
        bytes::Bytes::from_static(b"un fitxer, no una carpeta\n"),
        &opts,
    )
    .await
    .unwrap();

    let pair = Pair::new(arxiu.clone(), front_client(&front));
    let opts = PassOptions {
        nextcloud: Some(nextcloud_005(&files_root, 2)),
        ..PassOptions::default()
    };
    let r = pair.pass(&opts).await;
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert_eq!((r.downloaded, r.archives, r.archived), (2, 1, 1));
    assert_eq!(
        std::fs::read(pair.local.join("a.txt")).unwrap(),
        b"primer fitxer\n"
    );
    assert_eq!(
        std::fs::read(pair.local.join("sub")).unwrap(),
        b"un fitxer, no una carpeta\n"
    );
    assert_eq!(pair.everything(), ["sync", "sync/a.txt", "sync/sub"]);
    // The archive request was the recorded one, answered by the recording.
    assert!(replay.misses().is_empty(), "{:?}", replay.misses());
    assert!(replay.unused().is_empty());
    assert_eq!(replay.seen()[0].header("accept"), Some("application/x-tar"));
    // Apache served the plain GET of `sub` only. (It writes a request's
    // log line after the answer has gone: waited for, up to 5 s.)
    let read_gets = || -> Vec<String> {
        std::fs::read_to_string(front.root().join("logs/access.log"))
            .unwrap()
            .lines()
            .filter(|l| l.contains("\"GET "))
            .map(|l| l.split('"').nth(1).unwrap().to_owned())
            .collect()
    };
    let mut gets = read_gets();
    for _ in 0..50 {
        if gets.len() >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        gets = read_gets();
    }
    assert_eq!(
        gets,
        [
            "GET /remote.php/dav/files/ana/arxiu/?files=%5B%22a.txt%22%2C%22sub%22%5D HTTP/1.1",
            "GET /remote.php/dav/files/ana/arxiu/sub HTTP/1.1"
        ]
    );
    // The next pass has nothing to do.
    let again = pair.pass(&opts).await;
    assert!(again.in_sync(), "{again:?}");
}

#[test]
fn the_recorded_zip_cannot_be_read_as_a_stream() {
    // Why a zip reader cannot follow Nextcloud's zip alone (see
    // `cc_files::archive`): in the zip it sends (144) each file is stored
    // with a data descriptor, so its local header gives no size and nothing
    // marks where it ends; the engine follows it with the listing's sizes.
    let rec = Recording::load("144-folder-download-zip");
    let body = rec.response_body();
    let header = body
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x03\x04")
        .map(|(i, _)| i)
        .find(|&i| body[i + 30..].starts_with(b"arxiu/a.txt"))
        .unwrap();
    let u16_at = |o: usize| u16::from_le_bytes([body[o], body[o + 1]]);
    assert_eq!(u16_at(header + 6) & 0x0008, 0x0008, "data descriptor");
    assert_eq!(u16_at(header + 8), 0, "stored");
    // zip64: sizes 0xFFFFFFFF here, zero in the zip64 extra field.
    assert_eq!(&body[header + 18..header + 26], &[0xff; 8]);
}

/// A Nextcloud-shaped listing entry.
fn response(href: &str, size: Option<u64>, sha1: Option<&str>) -> String {
    let (kind, len) = match size {
        None => ("<d:collection/>".to_owned(), String::new()),
        Some(n) => (
            String::new(),
            format!("<d:getcontentlength>{n}</d:getcontentlength>"),
        ),
    };
    let sum = sha1
        .map(|s| format!("<oc:checksums><oc:checksum>SHA1:{s}</oc:checksum></oc:checksums>"))
        .unwrap_or_default();
    format!(
        "<d:response><d:href>{href}</d:href><d:propstat><d:prop>\
         <d:getetag>\"{:x}\"</d:getetag>{len}<d:resourcetype>{kind}</d:resourcetype>\
         <d:getlastmodified>Wed, 25 Nov 2026 21:07:16 GMT</d:getlastmodified>\
         <oc:fileid>{}</oc:fileid><oc:permissions>RGDNVW</oc:permissions>{sum}\
         </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>",
        Sha1::digest(href.as_bytes())[0],
        href.len()
    )
}

fn multistatus(responses: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:multistatus xmlns:d=\"DAV:\" \
         xmlns:oc=\"http://owncloud.org/ns\">{responses}</d:multistatus>"
    )
}

/// A tar with raw member names (the builder's checks would refuse the
/// hostile ones).
fn tar_of(members: &[(&str, &[u8], tar::EntryType)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data, kind) in members {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(*kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        let bytes = name.as_bytes();
        h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
        if *kind == tar::EntryType::Symlink || *kind == tar::EntryType::Link {
            h.set_link_name("../../../../etc/passwd").unwrap();
        }
        h.set_cksum();
        b.append(&h, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fn content(i: usize) -> Vec<u8> {
    format!("contingut del fitxer {i:02}\n").into_bytes()
}

fn sha1_hex(data: &[u8]) -> String {
    hex::encode(Sha1::digest(data))
}

const ROOT: &str = "/remote.php/dav/files/ana/h/";

/// A server whose folder `h/` holds the files `f00`…`f{n-1}` (SHA-1 listed
/// for the even ones) in `folders` (`""` for `h/` itself), answers plain
/// GETs truthfully and archive requests with `archive`.
fn server(folders: &[(&str, usize)], archive: Reply) -> (HostileServer, Arc<Mutex<Vec<String>>>) {
    let folders: Vec<(String, usize)> = folders.iter().map(|(f, n)| (f.to_string(), *n)).collect();
    let archive_requests = Arc::new(Mutex::new(Vec::new()));
    let seen = archive_requests.clone();
    let server = HostileServer::start(Behaviour::script(move |req: &Request, _| {
        if req.method == "PROPFIND" {
            let path = req.path.clone();
            let mut body = response(&path, None, None);
            for (f, n) in &folders {
                let dir = format!(
                    "{ROOT}{}",
                    if f.is_empty() {
                        String::new()
                    } else {
                        format!("{f}/")
                    }
                );
                if *dir == path {
                    for i in 0..*n {
                        let c = content(i);
                        let sum = (i % 2 == 0).then(|| sha1_hex(&c));
                        body.push_str(&response(
                            &format!("{dir}f{i:02}"),
                            Some(c.len() as u64),
                            sum.as_deref(),
                        ));
                    }
                } else if path == ROOT && !f.is_empty() {
                    body.push_str(&response(&dir, None, None));
                }
            }
            return Action::Reply(Reply::multistatus(multistatus(&body)));
        }
        if req.method == "GET" && req.header("accept") == Some("application/x-tar") {
            seen.lock().unwrap().push(req.path.clone());
            return Action::Reply(archive.clone());
        }
        if req.method == "GET" {
            let name = req.path.rsplit('/').next().unwrap_or("");
            if let Some(i) = name.strip_prefix('f').and_then(|n| n.parse::<usize>().ok()) {
                return Action::Reply(
                    Reply::new(200, content(i)).header("ETag", &format!("\"g{i}\"")),
                );
            }
        }
        Action::Reply(Reply::new(404, ""))
    }));
    (server, archive_requests)
}

fn hostile_pair(server: &HostileServer) -> (Pair, Url) {
    let files_root = Url::parse(&server.url("/remote.php/dav/files/ana/")).unwrap();
    let root = Url::parse(&server.url(ROOT)).unwrap();
    (Pair::new(root, cc_harness::replay::client()), files_root)
}

#[tokio::test]
async fn hostile_archive_members_are_skipped_and_fetched_by_get() {
    let c = content;
    let wrong_size = b"contingut del fitxer 06, i mes\n".to_vec();
    let mut wrong_content = c(7);
    wrong_content[0] = b'C';
    let mut wrong_content_listed = c(8);
    wrong_content_listed[0] = b'C';
    let members: Vec<(&str, Vec<u8>, tar::EntryType)> = vec![
        ("//f00", c(0), tar::EntryType::Regular),
        ("f01", c(1), tar::EntryType::Regular),
        ("../f02", c(2), tar::EntryType::Regular),
        ("/etc/f03", c(3), tar::EntryType::Regular),
        // Links and a folder, with the listed size: only their type gives
        // them away.
        ("f04", c(4), tar::EntryType::Symlink),
        ("f05", c(5), tar::EntryType::Link),
        ("f06", wrong_size, tar::EntryType::Regular),
        // Same size, other content: caught only where a SHA-1 is listed
        // (f08); f07's is not, so its ETag-less copy is taken (what the
        // server sent as that file, the same size as listed).
        ("f07", wrong_content, tar::EntryType::Regular),
        ("f08", wrong_content_listed, tar::EntryType::Regular),
        ("f09", c(9), tar::EntryType::Directory),
        (
            "../../outside.txt",
            b"fora".to_vec(),
            tar::EntryType::Regular,
        ),
        (
            "/tmp/cc-archive-evil",
            b"fora".to_vec(),
            tar::EntryType::Regular,
        ),
        ("unknown.txt", b"qui?".to_vec(), tar::EntryType::Regular),
        ("f10", c(10), tar::EntryType::Regular),
        (
            "f10",
            b"contingut del fitxer XX\n".to_vec(),
            tar::EntryType::Regular,
        ),
        ("sub/f12", c(12), tar::EntryType::Regular),
        // f11 never comes.
    ];
    let members: Vec<(&str, &[u8], tar::EntryType)> = members
        .iter()
        .map(|(n, d, k)| (*n, d.as_slice(), *k))
        .collect();
    let archive = Reply::new(200, tar_of(&members)).header("Content-Type", "application/x-tar");
    let (server, archives) = server(&[("", 12)], archive);
    let (pair, files_root) = hostile_pair(&server);
    let opts = PassOptions {
        nextcloud: Some(nextcloud_005(&files_root, 10)),
        ..PassOptions::default()
    };
    let r = pair.pass(&opts).await;
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert_eq!(r.downloaded, 12);
    assert_eq!(r.archives, 1);
    // f00, f01, f07 (no SHA-1 listed: same size, taken), f10 (the first
    // copy).
    assert_eq!(r.archived, 4);
    assert_eq!(archives.lock().unwrap().len(), 1);
    for i in 0..12 {
        let got = std::fs::read(pair.local.join(format!("f{i:02}"))).unwrap();
        if i == 7 {
            assert_eq!(got[0], b'C', "f07 as the archive had it");
            assert_eq!(got.len(), c(7).len());
        } else {
            assert_eq!(got, c(i), "f{i:02}");
        }
    }
    // Every other file came by a plain GET; nothing else was written, no
    // link, nothing outside the sync folder, no temporary file left.
    let gets: Vec<String> = server
        .requests()
        .iter()
        .filter(|q| q.method == "GET" && q.header("accept") != Some("application/x-tar"))
        .map(|q| q.path.rsplit('/').next().unwrap().to_owned())
        .collect();
    let mut gets = gets;
    gets.sort();
    assert_eq!(
        gets,
        ["f02", "f03", "f04", "f05", "f06", "f08", "f09", "f11"]
    );
    let mut expected: Vec<String> = (0..12).map(|i| format!("sync/f{i:02}")).collect();
    expected.insert(0, "sync".into());
    assert_eq!(pair.everything(), expected);
    assert!(!std::path::Path::new("/tmp/cc-archive-evil").exists());
    for i in 0..12 {
        let m = std::fs::symlink_metadata(pair.local.join(format!("f{i:02}"))).unwrap();
        assert!(m.file_type().is_file());
    }
}

#[tokio::test]
async fn a_server_without_archives_gets_plain_gets() {
    // Nextcloud before 30 answers a folder GET with a page.
    let page = Reply::new(200, "This is the WebDAV interface.")
        .header("Content-Type", "text/html; charset=UTF-8");
    let (server, archives) = server(&[("d1", 10), ("d2", 10), ("d3", 3)], page);
    let (pair, files_root) = hostile_pair(&server);
    let opts = PassOptions {
        nextcloud: Some(nextcloud_005(&files_root, 10)),
        // One transfer at a time: the second folder's archive job starts
        // after the first one found there are none.
        parallel: 1,
        ..PassOptions::default()
    };
    let r = pair.pass(&opts).await;
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert_eq!((r.downloaded, r.archives, r.archived), (23, 1, 0));
    // d3 has too few new files to be asked for as an archive.
    let asked = archives.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert!(
        asked[0].starts_with(&format!("{ROOT}d1/?files=")),
        "{asked:?}"
    );
    for (d, n) in [("d1", 10), ("d2", 10), ("d3", 3)] {
        for i in 0..n {
            assert_eq!(
                std::fs::read(pair.local.join(d).join(format!("f{i:02}"))).unwrap(),
                content(i)
            );
        }
    }
    // Without the Nextcloud options, no archive is ever asked for.
    let (server, archives) = server_again();
    let (pair, _) = hostile_pair(&server);
    let r = pair.pass(&PassOptions::default()).await;
    assert_eq!((r.downloaded, r.archives), (12, 0));
    assert!(archives.lock().unwrap().is_empty());
}

fn server_again() -> (HostileServer, Arc<Mutex<Vec<String>>>) {
    server(
        &[("", 12)],
        Reply::new(200, tar_of(&[])).header("Content-Type", "application/x-tar"),
    )
}
