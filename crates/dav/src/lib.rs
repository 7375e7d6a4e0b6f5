//! A WebDAV (RFC 4918), CalDAV (RFC 4791) and CardDAV (RFC 6352) client
//! hardened against hostile servers, on reqwest (rustls) and quick-xml.
//!
//! - [`xml`]: a multistatus reader that streams one response at a time,
//!   refusing DOCTYPEs, unknown entities, deep nesting and oversized parts.
//! - [`href`]: every href a server returns is resolved and must stay inside
//!   the collection that was asked about.
//! - [`client`]: HTTPS (plain HTTP only on loopback or when allowed),
//!   timeouts, retries with backoff for safe requests, typed errors.
//! - [`files`]: listings, streamed GET/PUT with preconditions, MKCOL,
//!   MOVE/COPY, DELETE.
//! - [`nextcloud`]: chunked upload v2 and bulk upload.
//! - [`throttle`]: a bandwidth limit shared by several transfers.
//! - [`pim`]: CalDAV/CardDAV discovery, collections, sync-collection with
//!   its ctag/ETag fallback, multiget, guarded writes.

pub mod client;
pub mod error;
pub mod files;
pub mod href;
pub mod pim;
pub mod resource;
pub mod throttle;
pub mod transfers;
pub mod xml;

pub use client::{ClientConfig, Credentials, DavClient, Depth};
pub use error::{DavError, ErrorKind};
pub use files::{FileEntry, GetInfo, Precondition, PutInfo, PutOptions};
pub use resource::{Checksum, Permissions, Resource};
pub use throttle::Throttle;
