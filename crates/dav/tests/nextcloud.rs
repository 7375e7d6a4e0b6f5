//! Nextcloud-only behaviour against the replayed real recordings of a
//! Nextcloud 33 server: `oc:`/`nc:` properties, mtime and checksum
//! headers, error bodies, chunked upload v2 and bulk upload.

use bytes::Bytes;
use cc_dav::client::Depth;
use cc_dav::error::ErrorKind;
use cc_dav::files::{FileEntry, Precondition, PutOptions};
use cc_dav::resource::Checksum;
use cc_dav::transfers::{BulkFile, BulkOutcome, ChunkedUpload};
use cc_harness::replay::{ReplayServer, client};
use std::time::{Duration, SystemTime};
use url::Url;

async fn listing(s: &ReplayServer, url: &Url) -> Vec<FileEntry> {
    let mut out = Vec::new();
    client()
        .list(url, Depth::One, |e| {
            out.push(e);
            Ok(())
        })
        .await
        .unwrap();
    assert!(s.misses().is_empty(), "{:?}", s.misses());
    out
}

#[tokio::test]
async fn listing_reads_nextcloud_properties() {
    let s = ReplayServer::start(&["021-propfind-root-depth1"]);
    let entries = listing(&s, &s.files_root()).await;
    let root = entries.iter().find(|e| e.path.is_empty()).unwrap();
    assert!(root.is_dir);
    assert_eq!(root.file_id.as_deref(), Some("10428"));
    assert_eq!(root.recursive_size, Some(17));
    assert_eq!(root.quota_available, Some(-3), "unlimited quota");
    assert!(!root.permissions.unwrap().is_read_only());
    let hola = entries.iter().find(|e| e.path == ["hola.txt"]).unwrap();
    assert_eq!(hola.size, Some(12));
    assert_eq!(
        hola.etag.as_deref(),
        Some("\"8050f5c3e3892bc8d254e7b019e25485\"")
    );
    assert_eq!(
        hola.checksums,
        vec![Checksum {
            algorithm: "SHA1".into(),
            value: "2c573f9faf8ba8c6521d3f894ebcc9cfd1873e93".into()
        }]
    );
    assert!(hola.permissions.unwrap().write);
    assert_eq!(hola.mount_type, None);
    let seen = s.seen();
    assert_eq!(
        seen[0].header("content-type"),
        Some("application/xml; charset=utf-8")
    );
    let body = String::from_utf8_lossy(&seen[0].body);
    assert!(
        body.contains("fileid") && body.contains("is-mount-root"),
        "{body}"
    );
}

#[tokio::test]
async fn shares_show_as_mount_roots_and_read_only() {
    let s = ReplayServer::start(&["095-share-ana-propfind-root", "098-share-ana-put-ro"]);
    let entries = listing(&s, &s.files_root()).await;
    let equip = entries.iter().find(|e| e.path == ["Equip"]).unwrap();
    assert!(equip.is_mount_root);
    assert_eq!(equip.mount_type.as_deref(), Some("shared"));
    assert!(!equip.permissions.unwrap().is_read_only());
    let llegir = entries.iter().find(|e| e.path == ["Llegir"]).unwrap();
    assert!(llegir.is_mount_root);
    assert!(
        llegir.permissions.unwrap().is_read_only(),
        "SGDNV is read-only"
    );
    // Writing into the read-only share is refused with the server's reason.
    let url = s.files_root().join("Llegir/de-ana.txt").unwrap();
    let err = client()
        .put_bytes(&url, Bytes::from_static(b"x"), &PutOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Forbidden(Some(_))), "{err}");
}

#[tokio::test]
async fn put_sends_mtime_and_checksum_and_reads_the_answer() {
    let s = ReplayServer::start(&["031-put-mtime-checksum", "032-propfind-mtime-checksum"]);
    let url = s.files_root().join("amb-mtime.txt").unwrap();
    let data = format!(
        "{}\n",
        "Aquest fitxer porta X-OC-Mtime i OC-Checksum. ".repeat(3)
    );
    let data = data.as_bytes();
    let sha1 = cc_dav::transfers::sha1_hex(data);
    let info = client()
        .put_bytes(
            &url,
            Bytes::copy_from_slice(data),
            &PutOptions {
                mtime: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
                checksum: Some(Checksum {
                    algorithm: "SHA1".into(),
                    value: sha1.clone(),
                }),
                ..PutOptions::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(info.status, 201);
    assert!(info.mtime_accepted);
    assert!(info.etag.is_some() && info.file_id.is_some(), "{info:?}");
    let put = &s.seen()[0];
    assert_eq!(put.header("x-oc-mtime"), Some("1700000000"));
    assert_eq!(
        put.header("oc-checksum"),
        Some(format!("SHA1:{sha1}").as_str())
    );
    assert_eq!(put.body, data);
    let r = client()
        .stat(&url, cc_dav::files::FILE_PROPS)
        .await
        .unwrap();
    assert_eq!(r.checksums()[0].value, sha1);
    assert!(s.misses().is_empty());
}

#[tokio::test]
async fn error_statuses_become_typed_errors_with_the_server_message() {
    let s = ReplayServer::start(&[
        "030-put-stale-if-match",
        "003-propfind-maintenance",
        "016-propfind-revoked-apppassword",
        "043-get-missing",
        "044-put-missing-parent",
        "078-quota-put-2mb",
    ]);
    let c = client();
    let root = s.files_root();
    let stale = c
        .put_bytes(
            &root.join("nou.txt").unwrap(),
            Bytes::from_static(b"x"),
            &PutOptions {
                precondition: Precondition::if_match("\"2d9298be9dc8ccb3a55d8eefe5602ce2\""),
                ..PutOptions::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(stale.kind, ErrorKind::PreconditionFailed);
    assert_eq!(
        s.seen()[0].header("if-match"),
        Some("\"2d9298be9dc8ccb3a55d8eefe5602ce2\"")
    );

    let maintenance = c.list(&root, Depth::Zero, |_| Ok(())).await.unwrap_err();
    assert_eq!(
        maintenance.kind,
        ErrorKind::Unavailable(None),
        "no Retry-After in maintenance"
    );
    let revoked = c.list(&root, Depth::Zero, |_| Ok(())).await.unwrap_err();
    assert_eq!(revoked.kind, ErrorKind::Unauthorized);

    let mut sink = Vec::new();
    let missing = c
        .get(&root.join("no-existeix.txt").unwrap(), &mut sink, 0, None)
        .await
        .unwrap_err();
    assert_eq!(missing.kind, ErrorKind::NotFound);
    // Quirk: Nextcloud answers 404, not 409, for a missing parent.
    let orphan = c
        .put_bytes(
            &root.join("no-existeix/fitxer.txt").unwrap(),
            Bytes::from_static(b"x"),
            &PutOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(orphan.kind, ErrorKind::NotFound);
    let full = c
        .put_bytes(
            &root.join("massa-gran.bin").unwrap(),
            Bytes::from(vec![0u8; 2 * 1024 * 1024]),
            &PutOptions::default(),
        )
        .await
        .unwrap_err();
    match &full.kind {
        ErrorKind::InsufficientStorage(Some(msg)) => assert!(!msg.is_empty()),
        other => panic!("{other:?}"),
    }
    assert!(full.to_string().contains("507"), "{full}");
    assert!(s.misses().is_empty(), "{:?}", s.misses());
}

#[tokio::test]
async fn ranged_download_from_nextcloud() {
    let s = ReplayServer::start(&["042-get-full"]);
    let mut out = Vec::new();
    let info = client()
        .get(
            &s.files_root().join("amb-mtime.txt").unwrap(),
            &mut out,
            0,
            None,
        )
        .await
        .unwrap();
    assert_eq!(out.len(), 139);
    assert_eq!(info.written, 139);
    assert!(info.etag.is_some());
}

fn twelve_mib_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gran.bin");
    let data: Vec<u8> = (0..12 * 1024 * 1024u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&path, data).unwrap();
    (dir, path)
}

fn uploads_root(s: &ReplayServer) -> Url {
    Url::parse(&format!("{}/remote.php/dav/uploads/ana/", s.base_url())).unwrap()
}

#[tokio::test]
async fn chunked_upload_v2_creates_puts_and_assembles() {
    let s = ReplayServer::start(&[
        "059-chunked-mkcol",
        "060-chunked-put-chunk1",
        "061-chunked-put-chunk2",
        "062-chunked-put-chunk3",
        "064-chunked-move-assemble",
    ]);
    let (_dir, path) = twelve_mib_file();
    let dest = s.files_root().join("gran.bin").unwrap();
    let mut up = ChunkedUpload::new(&uploads_root(&s), "fixture-upload-0001", dest.clone());
    up.chunk_size = 5 * 1024 * 1024;
    up.mtime = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000));
    up.checksum = Some(Checksum {
        algorithm: "SHA1".into(),
        value: cc_dav::transfers::sha1_hex(&std::fs::read(&path).unwrap()),
    });
    let mut progress = Vec::new();
    let info = client()
        .chunked_upload(&up, &path, false, |done| progress.push(done))
        .await
        .unwrap();
    assert!(s.misses().is_empty(), "{:?}", s.misses());
    assert!(s.unused().is_empty(), "{:?}", s.unused());
    assert_eq!(progress, vec![5 << 20, 10 << 20, 12 << 20]);
    assert_eq!(
        info.etag.as_deref(),
        Some("\"385d9380df30bbbeed9766e43b8b9778\"")
    );
    assert_eq!(info.file_id.as_deref(), Some("10461"));
    assert!(info.mtime_accepted);
    let seen = s.seen();
    for put in &seen[1..4] {
        assert_eq!(put.header("destination"), Some(dest.as_str()));
        assert_eq!(put.header("oc-total-length"), Some("12582912"));
    }
    assert_eq!(
        seen[1].body.len(),
        1024 * 1024,
        "body kept up to 1 MiB by the replay server"
    );
    let mv = &seen[4];
    assert_eq!(
        mv.target,
        "/remote.php/dav/uploads/ana/fixture-upload-0001/.file"
    );
    assert_eq!(mv.header("x-oc-mtime"), Some("1764000000"));
    assert!(mv.header("oc-checksum").unwrap().starts_with("SHA1:"));
}

#[tokio::test]
async fn chunked_upload_resumes_without_resending_chunks() {
    // The upload folder already holds the three chunks (recording 063).
    let s = ReplayServer::start(&["063-chunked-propfind-upload", "064-chunked-move-assemble"]);
    let (_dir, path) = twelve_mib_file();
    let dest = s.files_root().join("gran.bin").unwrap();
    let mut up = ChunkedUpload::new(&uploads_root(&s), "fixture-upload-0001", dest);
    up.chunk_size = 5 * 1024 * 1024;
    let info = client()
        .chunked_upload(&up, &path, true, |_| {})
        .await
        .unwrap();
    assert_eq!(info.status, 201);
    let methods: Vec<String> = s.seen().iter().map(|x| x.method.clone()).collect();
    assert_eq!(methods, ["PROPFIND", "MOVE"], "no chunk sent twice");
}

#[tokio::test]
async fn chunked_upload_abort_and_quota() {
    let s = ReplayServer::start(&[
        "066-chunked-abort-mkcol",
        "067-chunked-abort-put-chunk1",
        "068-chunked-abort-delete",
        "069-chunked-abort-propfind-gone",
        "079-quota-chunked-mkcol",
        "080-quota-chunked-put",
    ]);
    let (_dir, path) = twelve_mib_file();
    let c = client();
    let mut up = ChunkedUpload::new(
        &uploads_root(&s),
        "fixture-upload-0002",
        s.files_root().join("avortat.bin").unwrap(),
    );
    up.chunk_size = 5 * 1024 * 1024;
    // The second chunk has no recording: the upload fails there...
    let err = c
        .chunked_upload(&up, &path, false, |_| {})
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(501), "{err}");
    // ...and is abandoned; its folder is gone afterwards.
    c.abort_chunked_upload(&up).await.unwrap();
    let gone = c
        .stat(&cc_dav::href::as_collection(&up.upload_url), &[])
        .await
        .unwrap_err();
    assert_eq!(gone.kind, ErrorKind::NotFound);

    let mut quota = ChunkedUpload::new(
        &uploads_root(&s),
        "fixture-upload-quota",
        s.files_root().join("q.bin").unwrap(),
    );
    quota.chunk_size = 5 * 1024 * 1024;
    let err = c
        .chunked_upload(&quota, &path, false, |_| {})
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::InsufficientStorage(_)),
        "{err}"
    );
}

fn bulk_file(path: &str, data: &'static [u8], mtime: u64) -> BulkFile {
    BulkFile {
        path: path.into(),
        data: Bytes::from_static(data),
        mtime: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(mtime)),
    }
}

#[tokio::test]
async fn bulk_upload_reports_each_file() {
    let s = ReplayServer::start(&[
        "070-bulk-upload",
        "072-bulk-upload-bad-checksum",
        "073-bulk-upload-per-file-error",
    ]);
    let bulk = Url::parse(&format!("{}/remote.php/dav/bulk", s.base_url())).unwrap();
    let c = client();
    let files = vec![
        bulk_file("/bulk/u.txt", b"primer fitxer\n", 1_763_900_000),
        bulk_file(
            "/bulk/dos.txt",
            b"segon fitxer, una mica mes llarg\n",
            1_763_900_100,
        ),
        bulk_file(
            "/bulk/tres.md",
            "# Tercer\n\nAmb accent: \u{e0}.\n".as_bytes(),
            1_763_900_200,
        ),
    ];
    let out = c.bulk_upload(&bulk, &files).await.unwrap();
    assert_eq!(out.len(), 3);
    for (path, outcome) in &out {
        assert!(
            matches!(outcome, BulkOutcome::Stored { .. }),
            "{path}: {outcome:?}"
        );
    }
    // The parts are the recorded ones, byte for byte apart from the boundary.
    let sent = String::from_utf8(s.seen()[0].body.clone()).unwrap();
    assert!(sent.contains("X-File-Path: /bulk/u.txt\r\nX-File-MD5: a0db2ce4d776c39d50e7abd96c9857f4\r\nX-File-Mtime: 1763900000\r\nOC-Checksum: SHA1:47b73d75791658be0254cf0b0b234f44891b9d27\r\nContent-Length: 14\r\n\r\nprimer fitxer\n\r\n"), "{sent}");

    // A 400 still lists what was stored before the bad part; the rest was
    // not processed.
    let out = c
        .bulk_upload(
            &bulk,
            &[
                bulk_file("/bulk/quatre.txt", b"quart\n", 1_763_900_300),
                bulk_file(
                    "/bulk/cinc.txt",
                    b"cinque, amb checksum dolent\n",
                    1_763_900_400,
                ),
                bulk_file("/bulk/sis.txt", b"sis\n", 1_763_900_500),
            ],
        )
        .await
        .unwrap();
    assert!(matches!(out[0].1, BulkOutcome::Stored { .. }));
    assert_eq!(out[1].1, BulkOutcome::NotProcessed);
    assert_eq!(out[2].1, BulkOutcome::NotProcessed);

    // HTTP 200 with per-file errors.
    let out = c
        .bulk_upload(
            &bulk,
            &[
                bulk_file("/bulk/set.txt", b"sete\n", 1_763_900_600),
                bulk_file("/bulk/.htaccess", b"Deny from all\n", 1_763_900_700),
                bulk_file("/bulk/no-existeix/vuit.txt", b"vuit\n", 1_763_900_800),
            ],
        )
        .await
        .unwrap();
    assert!(matches!(out[0].1, BulkOutcome::Stored { .. }));
    assert!(matches!(out[1].1, BulkOutcome::Failed { .. }));
    match &out[2].1 {
        BulkOutcome::Failed { message } => {
            assert!(message.contains("Could not create path"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert!(s.misses().is_empty());
}

#[test]
fn upload_capabilities_come_from_the_real_capabilities_document() {
    let rec = cc_harness::replay::Recording::load("005-capabilities-json");
    let json: serde_json::Value = serde_json::from_slice(rec.response_body()).unwrap();
    let caps = cc_dav::transfers::UploadCapabilities::from_json(&json);
    assert!(caps.chunking && caps.bulk_upload);
    assert_eq!(caps.max_chunk_size, Some(104_857_600));
    assert_eq!(caps.max_parallel_chunks, Some(5));
    assert_eq!(caps.forbidden_names, [".htaccess"]);
    assert_eq!(caps.forbidden_extensions, [".filepart", ".part"]);
    assert!(caps.forbidden_basenames.is_empty());
    assert_eq!(caps.forbidden_characters, ["\\", "/"]);
    // A server without the capabilities offers neither.
    let none = cc_dav::transfers::UploadCapabilities::from_json(&serde_json::json!({}));
    assert!(!none.chunking && !none.bulk_upload);
}

#[test]
fn the_server_version_comes_from_the_capabilities_document() {
    let rec = cc_harness::replay::Recording::load("005-capabilities-json");
    let json: serde_json::Value = serde_json::from_slice(rec.response_body()).unwrap();
    let caps = cc_dav::transfers::UploadCapabilities::from_json(&json);
    assert_eq!(caps.version_major, Some(33));
    // The bare capabilities object has no version.
    let bare =
        cc_dav::transfers::UploadCapabilities::from_json(&json["ocs"]["data"]["capabilities"]);
    assert_eq!(bare.version_major, None);
}

#[test]
fn the_archive_url_is_the_one_nextclouds_web_interface_sends() {
    let rec = cc_harness::replay::Recording::load("145-folder-download-tar-files");
    let folder = Url::parse("http://127.0.0.1:8080/remote.php/dav/files/ana/arxiu/").unwrap();
    let url = cc_dav::transfers::folder_archive_url(&folder, &["a.txt", "sub"]);
    assert_eq!(
        &url[url::Position::BeforePath..],
        rec.target,
        "same path and query as recorded"
    );
    // Names with quotes, slashes, spaces and accents stay one JSON string each.
    let url = cc_dav::transfers::folder_archive_url(&folder, &["dir \"x\".txt", "café/&.md"]);
    let query = url.query().unwrap().strip_prefix("files=").unwrap();
    let json = percent_encoding::percent_decode_str(query)
        .decode_utf8()
        .unwrap();
    let names: Vec<String> = serde_json::from_str(&json).unwrap();
    assert_eq!(names, ["dir \"x\".txt", "café/&.md"]);
}

async fn archive_bytes(stream: cc_dav::transfers::ArchiveStream) -> std::io::Result<Vec<u8>> {
    use futures_util::StreamExt;
    let mut out = Vec::new();
    let mut stream = stream;
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk?);
    }
    Ok(out)
}

#[tokio::test]
async fn a_folder_archive_streams_the_recorded_tar() {
    let s = ReplayServer::start(&["145-folder-download-tar-files"]);
    let folder = s.files_root().join("arxiu/").unwrap();
    let stream = client()
        .folder_archive(&folder, &["a.txt", "sub"], None)
        .await
        .unwrap();
    let got = archive_bytes(stream).await.unwrap();
    let rec = cc_harness::replay::Recording::load("145-folder-download-tar-files");
    assert_eq!(got, rec.response_body());
    assert!(s.misses().is_empty(), "{:?}", s.misses());
    let seen = s.seen();
    assert_eq!(seen[0].header("accept"), Some("application/x-tar"));
}

#[tokio::test]
async fn an_answer_that_is_not_a_tar_is_an_error() {
    // A server without archive downloads: no recording answers, so the
    // replay's 501.
    let s = ReplayServer::start(&[]);
    let folder = s.files_root().join("arxiu/").unwrap();
    let err = client()
        .folder_archive(&folder, &["a.txt"], None)
        .await
        .err()
        .expect("a 501 is no archive");
    assert!(
        matches!(err.kind, ErrorKind::Status { status: 501, .. }),
        "{err}"
    );
    // A 200 that is not labelled as a tar (what Nextcloud before 30
    // answers a folder GET: a page) is refused too.
    let h = cc_harness::hostile::HostileServer::start(cc_harness::hostile::Behaviour::always(
        cc_harness::hostile::Action::Reply(
            cc_harness::hostile::Reply::new(200, "This is the WebDAV interface.")
                .header("Content-Type", "text/html; charset=utf-8"),
        ),
    ));
    let folder = Url::parse(&h.url("/remote.php/dav/files/ana/arxiu/")).unwrap();
    let err = client()
        .folder_archive(&folder, &["a.txt"], None)
        .await
        .err()
        .expect("a page is no archive");
    assert!(
        matches!(&err.kind, ErrorKind::Protocol(m) if m.contains("text/html")),
        "{err}"
    );
}
