//! Nextcloud's upload extensions, used only when the server's capabilities
//! offer them: chunked upload v2 for large files and bulk upload for many
//! small ones.
//!
//! # Quirks (Nextcloud 33, recordings 059–074)
//!
//! - Chunked upload: `MKCOL uploads/<user>/<id>` with `Destination`, chunks
//!   `PUT …/<id>/<n>` (n = 1…10000, 5 MB–5 GB each except the last) with
//!   `Destination` and `OC-Total-Length`, then `MOVE …/<id>/.file` onto the
//!   destination. The MOVE answer carries `OC-ETag`, `ETag`, `OC-FileId` and
//!   `X-OC-MTime: accepted`. An upload folder idles out after 24 h, so an
//!   interrupted upload resumes by listing the chunks already there.
//! - Bulk upload: `POST /remote.php/dav/bulk`, `multipart/related`, one part
//!   per file with `X-File-Path`, `X-File-Mtime`, `OC-Checksum` and (before
//!   Nextcloud 32) `X-File-MD5`. The JSON answer is labelled `text/html` and
//!   has no `Content-Length`. HTTP 200 does not mean every file succeeded
//!   (`"error": true` per path); one bad checksum makes the whole request a
//!   400 whose JSON lists only the parts processed before it, so a file
//!   missing from the answer was not written.
//! - Folder archive download (Nextcloud 30+, recordings 144–146): a GET on
//!   a folder with `Accept: application/zip` answers the whole subtree as
//!   one zip; with `Accept: application/x-tar` and `?files=["a","b"]` (a
//!   URL-encoded JSON array of child names) a tar of those children only,
//!   each member named `//<name>` (ustar prefix `/`). On Nextcloud 33 the
//!   tar breaks after its first folder entry: the rest of the body is a
//!   Sabre XML error (`TypeError`) instead of tar blocks (145, 146). No
//!   `Content-Length`; the body ends when the connection closes.

use std::path::Path;
use std::time::SystemTime;

use futures_util::StreamExt;
use md5::Md5;
use reqwest::Method;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};
use sha1::{Digest, Sha1};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use url::Url;

use crate::client::{DavClient, Depth, check_status, header_value};
use crate::error::{DavError, ErrorKind, Result};
use crate::files::{PutInfo, limited_body};
use crate::href::join_names;
use crate::resource::Checksum;
use crate::throttle::Throttle;
use crate::xml::QName;

/// Smallest chunk Nextcloud accepts (except the last one).
pub const MIN_CHUNK: u64 = 5 * 1024 * 1024;
/// Chunk size used unless told otherwise.
pub const DEFAULT_CHUNK: u64 = 10 * 1024 * 1024;
/// Most chunks in one upload.
pub const MAX_CHUNKS: u64 = 10_000;

/// What the server's capabilities (`/ocs/v2.php/cloud/capabilities`) say
/// about uploads. Chunked and bulk uploads are used only when offered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UploadCapabilities {
    /// `dav.chunking` is `1.0` or later (the v2 upload endpoint).
    pub chunking: bool,
    /// `dav.bulkupload` is `1.0` or later.
    pub bulk_upload: bool,
    /// `files.chunked_upload.max_size`: largest chunk the server takes.
    pub max_chunk_size: Option<u64>,
    /// `files.chunked_upload.max_parallel_count`.
    pub max_parallel_chunks: Option<u32>,
    /// `files.forbidden_filenames`, `forbidden_filename_basenames`,
    /// `forbidden_filename_characters` and `forbidden_filename_extensions`
    /// (Nextcloud 30 and later): names the server refuses to store.
    pub forbidden_names: Vec<String>,
    pub forbidden_basenames: Vec<String>,
    pub forbidden_characters: Vec<String>,
    pub forbidden_extensions: Vec<String>,
    /// The server's major version (`ocs.data.version.major`), when told.
    pub version_major: Option<u32>,
    /// Nextcloud's push server (the `notify_push` app), when the server
    /// advertises one.
    pub push: Option<PushCapability>,
}

/// `notify_push`: where its websocket is and what it announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushCapability {
    /// `notify_push.endpoints.websocket` (`wss://…/push/ws`).
    pub websocket: Url,
    /// `notify_push.type`: `files`, `activities`, `notifications`.
    pub types: Vec<String>,
}

impl PushCapability {
    /// Reads the `notify_push` object of the capabilities; `None` when it
    /// is absent or its websocket address is not a `ws`/`wss` URL.
    pub fn from_capabilities(caps: &serde_json::Value) -> Option<Self> {
        let push = caps.get("notify_push")?;
        let websocket = push
            .pointer("/endpoints/websocket")
            .and_then(|w| w.as_str())
            .and_then(|w| Url::parse(w).ok())
            .filter(|u| matches!(u.scheme(), "ws" | "wss") && u.host().is_some())?;
        let types = push
            .get("type")
            .and_then(|t| t.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Some(PushCapability { websocket, types })
    }

    /// Whether the push server announces changes of files.
    pub fn files(&self) -> bool {
        self.types.iter().any(|t| t == "files")
    }
}

impl UploadCapabilities {
    /// Reads the OCS capabilities document (`ocs.data.capabilities`, or
    /// the `capabilities` object itself).
    pub fn from_json(v: &serde_json::Value) -> Self {
        let caps = v.pointer("/ocs/data/capabilities").unwrap_or(v);
        let version = |p: &str| {
            caps.pointer(p)
                .and_then(|x| x.as_str())
                .and_then(|s| s.split('.').next()?.parse::<u32>().ok())
                .is_some_and(|major| major >= 1)
        };
        let strings = |p: &str| -> Vec<String> {
            caps.pointer(p)
                .and_then(|x| x.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        UploadCapabilities {
            chunking: version("/dav/chunking"),
            bulk_upload: version("/dav/bulkupload"),
            max_chunk_size: caps
                .pointer("/files/chunked_upload/max_size")
                .and_then(|x| x.as_u64()),
            max_parallel_chunks: caps
                .pointer("/files/chunked_upload/max_parallel_count")
                .and_then(|x| x.as_u64())
                .and_then(|n| u32::try_from(n).ok()),
            forbidden_names: strings("/files/forbidden_filenames"),
            forbidden_basenames: strings("/files/forbidden_filename_basenames"),
            forbidden_characters: strings("/files/forbidden_filename_characters"),
            forbidden_extensions: strings("/files/forbidden_filename_extensions"),
            version_major: v
                .pointer("/ocs/data/version/major")
                .and_then(|x| x.as_u64())
                .and_then(|n| u32::try_from(n).ok()),
            push: PushCapability::from_capabilities(caps),
        }
    }
}

/// A folder archive as its bytes come in (see
/// [`DavClient::folder_archive`]).
pub type ArchiveStream = std::pin::Pin<
    Box<dyn futures_util::Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static>,
>;

/// Characters of the `files` JSON that stay as they are in the query;
/// everything else is percent-encoded, as Nextcloud's web interface sends
/// it (recording 145: `?files=%5B%22a.txt%22%2C%22sub%22%5D`).
const QUERY_KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The URL of a tar of the children `names` (as the server spells them)
/// of the folder at `folder`: `folder/?files=<URL-encoded JSON array>`.
pub fn folder_archive_url(folder: &Url, names: &[&str]) -> Url {
    let json = serde_json::to_string(names).expect("a list of strings is JSON");
    let mut url = crate::href::as_collection(folder);
    let query = format!(
        "files={}",
        percent_encoding::utf8_percent_encode(&json, QUERY_KEEP)
    );
    url.set_query(Some(&query));
    url
}

/// A chunked upload of one local file.
#[derive(Debug, Clone)]
pub struct ChunkedUpload {
    /// `…/remote.php/dav/uploads/<user>/<transfer id>` (no trailing slash,
    /// as Nextcloud's own client writes it).
    pub upload_url: Url,
    /// The final URL, under `…/remote.php/dav/files/<user>/`.
    pub destination: Url,
    pub chunk_size: u64,
    pub mtime: Option<SystemTime>,
    /// Checksum of the whole file, stored by the server with the file.
    pub checksum: Option<Checksum>,
    /// A bandwidth limit the chunks are sent under.
    pub throttle: Option<Throttle>,
    /// What the destination must be for the final MOVE to replace it:
    /// `if_match` goes as `If: <destination> (["etag"])` (what Nextcloud's
    /// own client sends: a plain `If-Match` would be compared with the
    /// upload's `.file`, never the destination), `if_none_match_any` as
    /// `Overwrite: F`. Both answer 412 on the real Nextcloud 33 when not
    /// met, after the chunks are sent; the upload folder stays.
    pub precondition: crate::files::Precondition,
}

impl ChunkedUpload {
    /// An upload under `uploads_root` (`…/remote.php/dav/uploads/<user>/`)
    /// with a transfer id the caller keeps to resume later.
    pub fn new(uploads_root: &Url, transfer_id: &str, destination: Url) -> Self {
        ChunkedUpload {
            upload_url: join_names(uploads_root, [transfer_id]),
            destination,
            chunk_size: DEFAULT_CHUNK,
            mtime: None,
            checksum: None,
            throttle: None,
            precondition: crate::files::Precondition::none(),
        }
    }
}

/// One file of a bulk upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkFile {
    /// Path below the user's files root, starting with `/`.
    pub path: String,
    pub data: bytes::Bytes,
    pub mtime: Option<SystemTime>,
}

/// The server's verdict on one file of a bulk upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkOutcome {
    Stored {
        etag: String,
        file_id: Option<String>,
    },
    Failed {
        message: String,
    },
    /// Not in the answer: the server stopped before this part.
    NotProcessed,
}

/// Hex SHA-1 of some bytes.
pub fn sha1_hex(data: &[u8]) -> String {
    hex::encode(Sha1::digest(data))
}

fn mtime_secs(t: Option<SystemTime>) -> Option<String> {
    t.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| d.as_secs().to_string())
}

impl DavClient {
    /// Reads what the server offers for uploads from its OCS capabilities
    /// (`GET <server>/ocs/v2.php/cloud/capabilities?format=json`, with
    /// `OCS-APIRequest: true`). `server` is the Nextcloud's base URL
    /// (`https://cloud.example/` or with its sub-path). A server that is
    /// not a Nextcloud answers with an error or something that is not a
    /// capabilities document: [`ErrorKind::Protocol`].
    pub async fn upload_capabilities(&self, server: &Url) -> Result<UploadCapabilities> {
        let url = crate::href::as_collection(server)
            .join("ocs/v2.php/cloud/capabilities?format=json")
            .map_err(|e| DavError::new("GET", server, ErrorKind::BadUrl(e.to_string())))?;
        let resp = self
            .send_ok(&Method::GET, &url, |r| {
                r.header("OCS-APIRequest", "true")
                    .header(reqwest::header::ACCEPT, "application/json")
            })
            .await?;
        let mut raw = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|e| DavError::new("GET", &url, crate::client::map_reqwest(&e)))?;
            raw.extend_from_slice(&chunk);
            if raw.len() > 4 * 1024 * 1024 {
                return Err(DavError::new(
                    "GET",
                    &url,
                    ErrorKind::Protocol("capabilities answer too large".into()),
                ));
            }
        }
        let json: serde_json::Value = serde_json::from_slice(&raw).map_err(|e| {
            DavError::new(
                "GET",
                &url,
                ErrorKind::Protocol(format!("capabilities answer is not JSON: {e}")),
            )
        })?;
        if json.pointer("/ocs/data/capabilities").is_none() {
            return Err(DavError::new(
                "GET",
                &url,
                ErrorKind::Protocol("no capabilities in the answer".into()),
            ));
        }
        Ok(UploadCapabilities::from_json(&json))
    }

    /// Uploads `path` in chunks; `progress` gets the bytes the server holds
    /// so far after each chunk. With `resume`, the chunks already in the
    /// upload folder (same number, same size) are not sent again; a folder
    /// that expired is started over.
    pub async fn chunked_upload(
        &self,
        up: &ChunkedUpload,
        path: &Path,
        resume: bool,
        mut progress: impl FnMut(u64),
    ) -> Result<PutInfo> {
        let io = |e: std::io::Error| {
            DavError::new(
                "PUT",
                &up.upload_url,
                ErrorKind::Io(format!("{}: {e}", path.display())),
            )
        };
        let total = tokio::fs::metadata(path).await.map_err(io)?.len();
        let chunk = up.chunk_size.max(MIN_CHUNK).max(total.div_ceil(MAX_CHUNKS));
        let count = total.div_ceil(chunk).max(1);
        let dest = header_value("MKCOL", &up.upload_url, up.destination.as_str())?;

        let mkcol = Method::from_bytes(b"MKCOL").expect("method");
        let mut present: Vec<(u64, u64)> = Vec::new();
        let mut fresh = !resume;
        if fresh {
            match self
                .send_ok(&mkcol, &up.upload_url, |r| {
                    r.header("Destination", dest.clone())
                })
                .await
            {
                Ok(_) => {}
                // The folder exists: an earlier attempt, resume it.
                Err(e) if e.kind == ErrorKind::NotAllowed => fresh = false,
                Err(e) => return Err(e),
            }
        }
        if !fresh {
            // Chunks already on the server, by number and size.
            let listed = self
                .propfind(
                    &crate::href::as_collection(&up.upload_url),
                    Depth::One,
                    &[QName::dav("getcontentlength"), QName::dav("resourcetype")],
                    |r| {
                        if let (Some(name), Some(len)) = (r.href.rel.first(), r.content_length())
                            && let Ok(n) = name.parse::<u64>()
                        {
                            present.push((n, len));
                        }
                        Ok(())
                    },
                )
                .await;
            match listed {
                Ok(()) => {}
                // Expired (24 h idle) or never created: start over.
                Err(e) if e.kind == ErrorKind::NotFound => {
                    present.clear();
                    self.send_ok(&mkcol, &up.upload_url, |r| {
                        r.header("Destination", dest.clone())
                    })
                    .await?;
                }
                Err(e) => return Err(e),
            }
        }

        let mut file = tokio::fs::File::open(path).await.map_err(io)?;
        let mut done = 0u64;
        for n in 1..=count {
            let start = (n - 1) * chunk;
            let len = chunk.min(total - start);
            if present.contains(&(n, len)) {
                done += len;
                progress(done);
                continue;
            }
            file.seek(std::io::SeekFrom::Start(start))
                .await
                .map_err(io)?;
            let mut buf = vec![0u8; len as usize];
            file.read_exact(&mut buf).await.map_err(io)?;
            let url = join_names(&up.upload_url, [n.to_string().as_str()]);
            let data = bytes::Bytes::from(buf);
            self.send_ok(&Method::PUT, &url, |r| {
                r.header("Destination", dest.clone())
                    .header("OC-Total-Length", total)
                    .header(CONTENT_TYPE, "application/octet-stream")
                    .header(CONTENT_LENGTH, len)
                    .body(limited_body(data.clone(), up.throttle.as_ref()))
            })
            .await?;
            done += len;
            progress(done);
        }

        let assemble = join_names(&up.upload_url, [".file"]);
        let checksum = up
            .checksum
            .as_ref()
            .map(|c| header_value("MOVE", &assemble, &format!("{}:{}", c.algorithm, c.value)))
            .transpose()?;
        let mtime = mtime_secs(up.mtime);
        let tagged = up
            .precondition
            .if_match
            .as_deref()
            .map(|e| {
                let tag = crate::files::if_match_value(e);
                let tag = if tag.starts_with('"') {
                    tag
                } else {
                    format!("\"{tag}\"")
                };
                header_value(
                    "MOVE",
                    &assemble,
                    &format!("<{}> ([{tag}])", up.destination.as_str()),
                )
            })
            .transpose()?;
        let resp = self
            .send(
                &Method::from_bytes(b"MOVE").expect("method"),
                &assemble,
                |r| {
                    let mut r = r
                        .header("Destination", dest.clone())
                        .header("OC-Total-Length", total);
                    if let Some(m) = &mtime {
                        r = r.header("X-OC-Mtime", m.clone());
                    }
                    if let Some(c) = &checksum {
                        r = r.header("OC-Checksum", c.clone());
                    }
                    if let Some(t) = &tagged {
                        r = r.header("If", t.clone());
                    }
                    if up.precondition.if_none_match_any {
                        r = r.header("Overwrite", "F");
                    }
                    r
                },
            )
            .await?;
        let resp = check_status("MOVE", &assemble, resp).await?;
        Ok(PutInfo::from_response(&resp))
    }

    /// Abandons a chunked upload (deletes its upload folder).
    pub async fn abort_chunked_upload(&self, up: &ChunkedUpload) -> Result<()> {
        match self.delete(&up.upload_url, None).await {
            Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// Sends several small files in one `POST /remote.php/dav/bulk`;
    /// returns each file's outcome, in the order given.
    pub async fn bulk_upload(
        &self,
        bulk_url: &Url,
        files: &[BulkFile],
    ) -> Result<Vec<(String, BulkOutcome)>> {
        self.bulk_upload_limited(bulk_url, files, None).await
    }

    /// [`bulk_upload`](Self::bulk_upload) with the body sent under a
    /// bandwidth limit.
    pub async fn bulk_upload_limited(
        &self,
        bulk_url: &Url,
        files: &[BulkFile],
        throttle: Option<&Throttle>,
    ) -> Result<Vec<(String, BulkOutcome)>> {
        // A boundary that cannot occur in the parts: derived from their
        // checksums and the time.
        let mut seed = format!("{:?}", SystemTime::now());
        for f in files {
            seed.push_str(&sha1_hex(&f.data));
        }
        let boundary = format!("cc_bulk_{}", sha1_hex(seed.as_bytes()));
        let mut body = Vec::new();
        for f in files {
            if f.path.contains(['\r', '\n']) || !f.path.starts_with('/') {
                return Err(DavError::new(
                    "POST",
                    bulk_url,
                    ErrorKind::BadUrl(format!("invalid bulk path {:?}", f.path)),
                ));
            }
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            body.extend_from_slice(format!("X-File-Path: {}\r\n", f.path).as_bytes());
            body.extend_from_slice(
                format!("X-File-MD5: {}\r\n", hex::encode(Md5::digest(&f.data))).as_bytes(),
            );
            if let Some(m) = mtime_secs(f.mtime) {
                body.extend_from_slice(format!("X-File-Mtime: {m}\r\n").as_bytes());
            }
            body.extend_from_slice(
                format!("OC-Checksum: SHA1:{}\r\n", sha1_hex(&f.data)).as_bytes(),
            );
            body.extend_from_slice(format!("Content-Length: {}\r\n\r\n", f.data.len()).as_bytes());
            body.extend_from_slice(&f.data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let body = bytes::Bytes::from(body);
        let content_type = format!("multipart/related; boundary={boundary}");
        let resp = self
            .send(&Method::POST, bulk_url, |r| {
                r.header(CONTENT_TYPE, content_type.clone())
                    .header(CONTENT_LENGTH, body.len())
                    .body(limited_body(body.clone(), throttle))
            })
            .await?;
        let status = resp.status().as_u16();
        if !(status == 200 || status == 400) {
            check_status("POST", bulk_url, resp).await?;
            return Err(DavError::new(
                "POST",
                bulk_url,
                ErrorKind::Protocol(format!("unexpected status {status}")),
            ));
        }
        let mut raw = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk
                .map_err(|e| DavError::new("POST", bulk_url, crate::client::map_reqwest(&e)))?;
            raw.extend_from_slice(&chunk);
            if raw.len() > 16 * 1024 * 1024 {
                return Err(DavError::new(
                    "POST",
                    bulk_url,
                    ErrorKind::Protocol("bulk answer too large".into()),
                ));
            }
        }
        let json: serde_json::Value = serde_json::from_slice(&raw).map_err(|e| {
            DavError::new(
                "POST",
                bulk_url,
                ErrorKind::Protocol(format!("bulk answer is not JSON (status {status}): {e}")),
            )
        })?;
        let map = json.as_object().ok_or_else(|| {
            DavError::new(
                "POST",
                bulk_url,
                ErrorKind::Protocol("bulk answer is not a JSON object".into()),
            )
        })?;
        Ok(files
            .iter()
            .map(|f| {
                let outcome = match map.get(&f.path) {
                    None => BulkOutcome::NotProcessed,
                    Some(v) if v["error"] == false => match v["etag"].as_str() {
                        Some(etag) => BulkOutcome::Stored {
                            etag: format!("\"{etag}\""),
                            file_id: v["fileid"].as_str().map(crate::resource::plain_file_id),
                        },
                        None => BulkOutcome::Failed {
                            message: "no ETag in the answer".into(),
                        },
                    },
                    Some(v) => BulkOutcome::Failed {
                        message: v["message"].as_str().unwrap_or("").to_owned(),
                    },
                };
                (f.path.clone(), outcome)
            })
            .collect())
    }
}

impl DavClient {
    /// Nextcloud 30+: the children `names` (files of `folder`, spelled as
    /// the server spells them) as one tar archive, its bytes as they come
    /// in, each piece under `throttle` when given. The answer must be a
    /// `200` labelled `application/x-tar`: a server without archive
    /// downloads answers a folder GET otherwise (an HTML page, 404, 501),
    /// which is an error here, not an archive.
    ///
    /// The archive is not checked here: its members carry no ETags, and a
    /// Nextcloud 33 tar can end in an XML error instead of tar blocks (see
    /// the module's quirks). The caller checks every member against its
    /// listing.
    pub async fn folder_archive(
        &self,
        folder: &Url,
        names: &[&str],
        throttle: Option<&Throttle>,
    ) -> Result<ArchiveStream> {
        let url = folder_archive_url(folder, names);
        let resp = self.archive_response(&url, "application/x-tar").await?;
        let err_url = url.clone();
        let stream = resp.bytes_stream().map(move |chunk| {
            chunk.map_err(|e| {
                std::io::Error::other(DavError::new(
                    "GET",
                    &err_url,
                    crate::client::map_reqwest(&e),
                ))
            })
        });
        Ok(match throttle {
            Some(t) => Box::pin(crate::throttle::limit_stream(stream, t.clone())),
            None => Box::pin(stream),
        })
    }

    /// The whole subtree of `folder` as one zip (Nextcloud 30+: a GET of
    /// the folder with `Accept: application/zip`; every member is named
    /// after the folder, `Docs/a/b.txt`), its bytes as they come in, each
    /// piece under `throttle` when given. More than `limit` bytes is an
    /// error in the stream (the caller bounds it by what it asked for); an
    /// answer that is not a zip is an error here. Nextcloud writes its
    /// members with data descriptors (sizes after the data): the caller
    /// follows it with the sizes its listing gives (`cc_files::archive`).
    pub async fn folder_zip(
        &self,
        folder: &Url,
        limit: u64,
        throttle: Option<&Throttle>,
    ) -> Result<ArchiveStream> {
        let url = crate::href::as_collection(folder);
        let resp = self.archive_response(&url, "application/zip").await?;
        let err_url = url.clone();
        let mut received = 0u64;
        let stream = resp.bytes_stream().map(move |chunk| {
            let chunk = chunk.map_err(|e| {
                std::io::Error::other(DavError::new(
                    "GET",
                    &err_url,
                    crate::client::map_reqwest(&e),
                ))
            })?;
            received += chunk.len() as u64;
            if received > limit {
                return Err(std::io::Error::other(DavError::new(
                    "GET",
                    &err_url,
                    ErrorKind::Protocol(format!(
                        "the folder's zip is larger than the {limit} bytes its files take"
                    )),
                )));
            }
            Ok(chunk)
        });
        Ok(match throttle {
            Some(t) => Box::pin(crate::throttle::limit_stream(stream, t.clone())),
            None => Box::pin(stream),
        })
    }

    /// A GET of a folder archive of `kind` (`application/x-tar`,
    /// `application/zip`): the answer when it is a 200 of that type.
    async fn archive_response(&self, url: &Url, kind: &str) -> Result<reqwest::Response> {
        let resp = self
            .send_ok(&Method::GET, url, |r| {
                r.header(reqwest::header::ACCEPT, kind)
            })
            .await?;
        let content_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let right = content_type
            .split(';')
            .next()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case(kind));
        if resp.status() != reqwest::StatusCode::OK || !right {
            return Err(DavError::new(
                "GET",
                url,
                ErrorKind::Protocol(format!(
                    "asked for the folder as {kind}, got {} {}",
                    resp.status().as_u16(),
                    if content_type.is_empty() {
                        "without a Content-Type"
                    } else {
                        &content_type
                    }
                )),
            ));
        }
        Ok(resp)
    }
}
