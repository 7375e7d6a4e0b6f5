//! WebDAV for files: listings, streamed transfers, folders, moves and
//! deletes, with the preconditions a sync engine needs.
//!
//! # Quirks
//!
//! - Apache mod_dav_fs gives a file changed less than a second ago a weak
//!   ETag (`W/"…"`), in GET and PROPFIND, and usually no ETag in the PUT
//!   answer. A weak ETag never matches `If-Match` (strong comparison), so
//!   [`if_match_value`] sends the opaque tag without `W/`, which Apache
//!   matches once the file is a second old; compare tags with
//!   [`crate::resource::etag_eq`].
//! - sabre/dav's `FSExt` tree and rclone give folders no ETag; Apache and
//!   lighttpd do, but it only changes with direct children. Only Nextcloud
//!   propagates folder ETags up the tree.
//! - rclone ignores `If-Match` and `If-None-Match` (negative tests only).
//! - lighttpd answers 200 (not 201) to a folder MOVE.
//! - Nextcloud answers 404, not 409, to a PUT into a missing folder.

use std::path::Path;
use std::time::SystemTime;

use futures_util::StreamExt;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, ETAG, RANGE};
use reqwest::{Method, StatusCode};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use url::Url;

use crate::client::{DavClient, Depth, check_status, header_value, map_reqwest};
use crate::error::{DavError, ErrorKind, Result};
use crate::resource::{Checksum, Permissions, Resource, strip_weak};
use crate::throttle::{PIECE, Throttle, limit_stream};
use crate::xml::{NC, OC, QName};

/// Properties asked for in file listings: the WebDAV ones every server
/// has, plus Nextcloud's (other servers answer 404 for those).
pub const FILE_PROPS: &[QName] = &[
    QName::dav("resourcetype"),
    QName::dav("getetag"),
    QName::dav("getcontentlength"),
    QName::dav("getlastmodified"),
    QName::dav("getcontenttype"),
    QName::new(OC, "fileid"),
    QName::new(OC, "permissions"),
    QName::new(OC, "checksums"),
    QName::new(OC, "size"),
    QName::new(NC, "mount-type"),
    QName::new(NC, "is-mount-root"),
    QName::dav("quota-available-bytes"),
];

/// The properties a plain WebDAV server computes itself (RFC 4918 live
/// properties), for listing a tree once the server is known not to be a
/// Nextcloud. Asking Apache mod_dav_fs for [`FILE_PROPS`] costs it 3–4
/// times the CPU: every `oc:`/`nc:` name is looked up in its dead-property
/// database, and `getcontenttype` is a sub-request per entry (100 folders
/// of 100 files: 0.18 s against 0.055 s, one request after another).
pub const PLAIN_FILE_PROPS: &[QName] = &[
    QName::dav("resourcetype"),
    QName::dav("getetag"),
    QName::dav("getcontentlength"),
    QName::dav("getlastmodified"),
];

/// A file or folder in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Decoded names below the listed folder; empty for the folder itself.
    pub path: Vec<String>,
    pub url: Url,
    pub is_dir: bool,
    pub etag: Option<String>,
    pub size: Option<u64>,
    pub modified: Option<SystemTime>,
    pub content_type: Option<String>,
    pub file_id: Option<String>,
    pub permissions: Option<Permissions>,
    pub checksums: Vec<Checksum>,
    pub recursive_size: Option<u64>,
    pub mount_type: Option<String>,
    pub is_mount_root: bool,
    pub quota_available: Option<i64>,
}

impl FileEntry {
    pub fn from_resource(r: &Resource) -> Self {
        let is_dir = r.is_collection();
        FileEntry {
            path: r.href.rel.clone(),
            url: r.href.url.clone(),
            is_dir,
            etag: r.etag().map(str::to_owned),
            size: if is_dir { None } else { r.content_length() },
            modified: r.last_modified(),
            content_type: r.content_type().map(str::to_owned),
            file_id: r.file_id().map(str::to_owned),
            permissions: r.permissions(),
            checksums: r.checksums(),
            recursive_size: r.recursive_size(),
            mount_type: r.mount_type().map(str::to_owned),
            is_mount_root: r.is_mount_root(),
            quota_available: r.quota_available(),
        }
    }

    /// The names joined by `/`.
    pub fn rel_path(&self) -> String {
        self.path.join("/")
    }
}

/// Conditions for a write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Precondition {
    /// Only if the resource still has this ETag (`If-Match`).
    pub if_match: Option<String>,
    /// Only if nothing exists there yet (`If-None-Match: *`).
    pub if_none_match_any: bool,
}

impl Precondition {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn create_only() -> Self {
        Precondition {
            if_match: None,
            if_none_match_any: true,
        }
    }

    pub fn if_match(etag: impl Into<String>) -> Self {
        Precondition {
            if_match: Some(etag.into()),
            if_none_match_any: false,
        }
    }
}

/// Options of an upload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutOptions {
    pub precondition: Precondition,
    /// Modification time to keep (`X-OC-Mtime`, honoured by Nextcloud).
    pub mtime: Option<SystemTime>,
    /// Checksum to store (`OC-Checksum: SHA1:…`, stored by Nextcloud).
    pub checksum: Option<Checksum>,
    pub content_type: Option<String>,
    /// A bandwidth limit the body is sent under (shared with other
    /// transfers).
    pub throttle: Option<Throttle>,
}

/// What the server said after an upload.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PutInfo {
    pub status: u16,
    /// The new ETag when the server sent one (`OC-ETag` preferred).
    pub etag: Option<String>,
    pub file_id: Option<String>,
    /// Nextcloud accepted the `X-OC-Mtime`.
    pub mtime_accepted: bool,
}

impl PutInfo {
    /// Reads the answer to a PUT (or to the MOVE that ends a chunked
    /// upload): Nextcloud's `OC-ETag`, `OC-FileId`, `X-OC-MTime`.
    pub fn from_response(resp: &reqwest::Response) -> Self {
        let h = resp.headers();
        let get = |n: &str| h.get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
        PutInfo {
            status: resp.status().as_u16(),
            etag: get("OC-ETag").or_else(|| get("ETag")),
            file_id: get("OC-FileId").map(|id| crate::resource::plain_file_id(&id)),
            mtime_accepted: get("X-OC-MTime").as_deref() == Some("accepted"),
        }
    }
}

/// What a download delivered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GetInfo {
    pub etag: Option<String>,
    /// Bytes written to the writer by this call.
    pub written: u64,
    /// The full size of the resource, when the server told it.
    pub total: Option<u64>,
}

/// A request body of bytes held in memory, sent under `throttle` when
/// there is one.
pub fn limited_body(data: bytes::Bytes, throttle: Option<&Throttle>) -> reqwest::Body {
    match throttle {
        Some(t) => reqwest::Body::wrap_stream(limit_stream(
            futures_util::stream::iter([Ok::<_, std::io::Error>(data)]),
            t.clone(),
        )),
        None => reqwest::Body::from(data),
    }
}

/// The `If-Match` value for a remembered ETag (see the Apache quirk above).
pub fn if_match_value(etag: &str) -> String {
    strip_weak(etag).to_owned()
}

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("valid method")
}

impl DavClient {
    /// Lists a folder (depth 1) or stats one resource (depth 0), handing
    /// each entry over as it streams in. The folder itself comes first on
    /// every server tested, but callers must not rely on it.
    pub async fn list(
        &self,
        url: &Url,
        depth: Depth,
        on_entry: impl FnMut(FileEntry) -> Result<()>,
    ) -> Result<()> {
        self.list_props(url, depth, FILE_PROPS, on_entry).await
    }

    /// [`list`](Self::list) asking only for `props` (such as
    /// [`PLAIN_FILE_PROPS`]); what is not asked for is `None` in the
    /// entries.
    pub async fn list_props(
        &self,
        url: &Url,
        depth: Depth,
        props: &[QName],
        mut on_entry: impl FnMut(FileEntry) -> Result<()>,
    ) -> Result<()> {
        self.propfind(url, depth, props, |r| {
            if let Some(status) = r.status.filter(|s| !(200..300).contains(s)) {
                return Err(DavError::new(
                    "PROPFIND",
                    &r.href.url,
                    ErrorKind::Protocol(format!("listing entry with status {status}")),
                ));
            }
            on_entry(FileEntry::from_resource(&r))
        })
        .await
    }

    /// Downloads `url` into `writer`. With `offset > 0` only the bytes from
    /// `offset` on are asked for (`Range`), and only while the resource
    /// still has `if_range` as its ETag: a server that answers with the
    /// whole resource instead gets [`ErrorKind::Protocol`] and nothing is
    /// written, so the caller can start over.
    pub async fn get<W: AsyncWrite + Unpin>(
        &self,
        url: &Url,
        writer: &mut W,
        offset: u64,
        if_range: Option<&str>,
    ) -> Result<GetInfo> {
        self.get_limited(url, writer, offset, if_range, None).await
    }

    /// [`get`](Self::get) under a bandwidth limit: each piece received
    /// takes its tokens from `throttle` before it is written.
    pub async fn get_limited<W: AsyncWrite + Unpin>(
        &self,
        url: &Url,
        writer: &mut W,
        offset: u64,
        if_range: Option<&str>,
        throttle: Option<&Throttle>,
    ) -> Result<GetInfo> {
        let if_range = if_range
            .map(|e| header_value("GET", url, strip_weak(e)))
            .transpose()?;
        let resp = self
            .send_ok(&Method::GET, url, |r| {
                let mut r = r;
                if offset > 0 {
                    r = r.header(RANGE, format!("bytes={offset}-"));
                    if let Some(v) = &if_range {
                        r = r.header("If-Range", v.clone());
                    }
                }
                r
            })
            .await?;
        let status = resp.status();
        if offset > 0 && status != StatusCode::PARTIAL_CONTENT {
            return Err(DavError::new(
                "GET",
                url,
                ErrorKind::Protocol(format!(
                    "asked for bytes from {offset} on, got {status}: the file changed or the server ignores Range"
                )),
            ));
        }
        let etag = resp
            .headers()
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let total = if status == StatusCode::PARTIAL_CONTENT {
            resp.headers()
                .get(CONTENT_RANGE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.rsplit('/').next())
                .and_then(|v| v.parse().ok())
        } else {
            resp.content_length()
        };
        let expected = resp.content_length();
        let mut stream = resp.bytes_stream();
        let mut written = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| DavError::new("GET", url, map_reqwest(&e)))?;
            if let Some(t) = throttle {
                t.acquire(chunk.len() as u64).await;
            }
            writer
                .write_all(&chunk)
                .await
                .map_err(|e| DavError::new("GET", url, ErrorKind::Io(e.to_string())))?;
            written += chunk.len() as u64;
        }
        writer
            .flush()
            .await
            .map_err(|e| DavError::new("GET", url, ErrorKind::Io(e.to_string())))?;
        if let Some(expected) = expected
            && expected != written
        {
            return Err(DavError::new(
                "GET",
                url,
                ErrorKind::Transport(format!("expected {expected} bytes, got {written}")),
            ));
        }
        Ok(GetInfo {
            etag,
            written,
            total,
        })
    }

    /// Uploads a local file, streamed from disk.
    pub async fn put_file(&self, url: &Url, path: &Path, opts: &PutOptions) -> Result<PutInfo> {
        let io = |e: std::io::Error| {
            DavError::new(
                "PUT",
                url,
                ErrorKind::Io(format!("{}: {e}", path.display())),
            )
        };
        let len = tokio::fs::metadata(path).await.map_err(io)?.len();
        // Each attempt streams the file again from its start.
        std::fs::File::open(path).map_err(io)?;
        let path = path.to_path_buf();
        let throttle = opts.throttle.clone();
        self.put_inner(url, opts, len, move || {
            let file = tokio::fs::File::from_std(std::fs::File::open(&path).ok()?);
            Some(match &throttle {
                Some(t) => reqwest::Body::wrap_stream(limit_stream(
                    tokio_util::io::ReaderStream::with_capacity(file, PIECE),
                    t.clone(),
                )),
                None => reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(
                    file,
                    256 * 1024,
                )),
            })
        })
        .await
    }

    /// Uploads bytes held in memory.
    pub async fn put_bytes(
        &self,
        url: &Url,
        data: bytes::Bytes,
        opts: &PutOptions,
    ) -> Result<PutInfo> {
        let len = data.len() as u64;
        let throttle = opts.throttle.clone();
        self.put_inner(url, opts, len, move || {
            Some(limited_body(data.clone(), throttle.as_ref()))
        })
        .await
    }

    async fn put_inner(
        &self,
        url: &Url,
        opts: &PutOptions,
        len: u64,
        body: impl Fn() -> Option<reqwest::Body>,
    ) -> Result<PutInfo> {
        let if_match = opts
            .precondition
            .if_match
            .as_deref()
            .map(|e| header_value("PUT", url, &if_match_value(e)))
            .transpose()?;
        let checksum = opts
            .checksum
            .as_ref()
            .map(|c| header_value("PUT", url, &format!("{}:{}", c.algorithm, c.value)))
            .transpose()?;
        let mtime = opts
            .mtime
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map(|d| d.as_secs().to_string());
        let resp = self
            .send(&Method::PUT, url, |r| {
                let mut r = r.header(CONTENT_LENGTH, len);
                if let Some(v) = &if_match {
                    r = r.header("If-Match", v.clone());
                }
                if opts.precondition.if_none_match_any {
                    r = r.header("If-None-Match", "*");
                }
                if let Some(v) = &checksum {
                    r = r.header("OC-Checksum", v.clone());
                }
                if let Some(m) = &mtime {
                    r = r.header("X-OC-Mtime", m.clone());
                }
                if let Some(ct) = &opts.content_type {
                    r = r.header("Content-Type", ct.clone());
                }
                match body() {
                    Some(b) => r.body(b),
                    None => r,
                }
            })
            .await?;
        let resp = check_status("PUT", url, resp).await?;
        Ok(PutInfo::from_response(&resp))
    }

    /// Creates a folder (`MKCOL`). An existing one is [`ErrorKind::NotAllowed`].
    pub async fn mkcol(&self, url: &Url) -> Result<()> {
        self.send_ok(&method("MKCOL"), url, |r| r).await.map(drop)
    }

    /// Moves `from` to `to`; with `overwrite` false an existing target is
    /// [`ErrorKind::PreconditionFailed`].
    pub async fn move_to(&self, from: &Url, to: &Url, overwrite: bool) -> Result<()> {
        self.move_or_copy("MOVE", from, to, overwrite).await
    }

    /// Copies `from` to `to` (folders with everything below them).
    pub async fn copy_to(&self, from: &Url, to: &Url, overwrite: bool) -> Result<()> {
        self.move_or_copy("COPY", from, to, overwrite).await
    }

    async fn move_or_copy(&self, name: &str, from: &Url, to: &Url, overwrite: bool) -> Result<()> {
        if to.origin() != from.origin() {
            return Err(DavError::new(
                name,
                from,
                ErrorKind::BadUrl(format!("destination {to} is on another server")),
            ));
        }
        self.check_url(name, to)?;
        let dest = header_value(name, from, to.as_str())?;
        self.send_ok(&method(name), from, |r| {
            r.header("Destination", dest.clone())
                .header("Overwrite", if overwrite { "T" } else { "F" })
                .header("Depth", "infinity")
        })
        .await
        .map(drop)
    }

    /// Deletes a file or a folder with everything below it; with `if_match`
    /// only while it still has that ETag.
    pub async fn delete(&self, url: &Url, if_match: Option<&str>) -> Result<()> {
        let if_match = if_match
            .map(|e| header_value("DELETE", url, &if_match_value(e)))
            .transpose()?;
        self.send_ok(&Method::DELETE, url, |r| match &if_match {
            Some(v) => r.header("If-Match", v.clone()),
            None => r,
        })
        .await
        .map(drop)
    }

    /// Whether a `DAV:` property is in the answer with a 2xx status, for
    /// feature detection.
    pub async fn has_prop(&self, url: &Url, prop: QName) -> Result<bool> {
        let r = self.stat(url, std::slice::from_ref(&prop)).await?;
        Ok(r.prop(&prop.ns, &prop.local).is_some())
    }
}
