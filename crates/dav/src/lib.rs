//! A WebDAV (RFC 4918), CalDAV (RFC 4791) and CardDAV (RFC 6352) client
//! hardened against hostile servers, on reqwest (rustls) and quick-xml.
//!
//! - [`xml`]: a multistatus reader that streams one response at a time,
//!   refusing DOCTYPEs, unknown entities, deep nesting and oversized parts.
//! - [`href`]: every href a server returns is resolved and must stay inside
//!   the collection that was asked about.

pub mod href;
pub mod xml;
