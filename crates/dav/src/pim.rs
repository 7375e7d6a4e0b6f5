//! CalDAV (RFC 4791) and CardDAV (RFC 6352): discovery (RFC 6764),
//! collections, collection synchronisation (RFC 6578) with its fallback,
//! multiget in batches, and writes guarded by ETags.
//!
//! # Quirks
//!
//! - sabre/dav 1.8 (Debian) has neither `sync-collection` (403
//!   `ReportNotSupported`) nor `.well-known` (404): [`DavClient::discover`]
//!   falls back to the server URL it was given, and callers fall back to
//!   `getctag` plus an ETag listing ([`DavClient::list_items`]).
//! - sabre/dav 1.8 fails a whole multiget with 404 when one href is
//!   missing: that batch is fetched item by item with GET.
//! - Xandikos answers an unknown sync token with 412 (and the
//!   `valid-sync-token` element), not 403.
//! - Cyrus answers 404 to a calendar DELETE that succeeded (seen in 3.6
//!   builds; 204 in others): [`DavClient::delete_collection`] accepts it.
//! - Cyrus pages sync-collection answers when a `limit` is sent: a 507 for
//!   the collection itself means "more to come from the new token".
//! - Nextcloud 33: with a `limit` an initial sync fails (507
//!   `number-of-matches-within-limits`) and an incremental one returns the
//!   current token without a truncation marker, losing changes: never send
//!   `limit` to Nextcloud. An unknown but well-formed token gives an empty
//!   207 (nothing to detect); a malformed one 403 `valid-sync-token`.
//! - Nextcloud leaves missing hrefs out of a multiget answer (no 404): the
//!   caller gets them back as missing.
//! - Xandikos answers a PROPFIND on a missing URL with a 207 holding a 404.

use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use url::Url;

use crate::client::{DavClient, Depth, XML_CONTENT_TYPE, check_status, header_value};
use crate::error::{DavError, ErrorKind, Result};
use crate::files::{Precondition, if_match_value};
use crate::href;
use crate::resource::Resource;
use crate::xml::{APPLE_ICAL, CALDAV, CALENDARSERVER, CARDDAV, DAV, QName, escape};

/// Which of the two services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    CalDav,
    CardDav,
}

impl Service {
    fn well_known(self) -> &'static str {
        match self {
            Service::CalDav => "/.well-known/caldav",
            Service::CardDav => "/.well-known/carddav",
        }
    }

    fn home_set(self) -> QName {
        match self {
            Service::CalDav => QName::new(CALDAV, "calendar-home-set"),
            Service::CardDav => QName::new(CARDDAV, "addressbook-home-set"),
        }
    }

    /// The media type of one item.
    pub fn content_type(self) -> &'static str {
        match self {
            Service::CalDav => "text/calendar; charset=utf-8",
            Service::CardDav => "text/vcard; charset=utf-8",
        }
    }
}

/// Where a member's calendars or address books live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// The DAV context path the principal was found from.
    pub context: Url,
    pub principal: Url,
    /// The home set; `None` when the server names none.
    pub home: Option<Url>,
}

/// A calendar or address book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub url: Url,
    pub service: Service,
    pub display_name: Option<String>,
    /// `#RRGGBB` or `#RRGGBBAA` (calendars).
    pub color: Option<String>,
    /// Supported components (`VEVENT`, `VTODO`); empty when not told.
    pub components: Vec<String>,
    pub ctag: Option<String>,
    pub sync_token: Option<String>,
    /// Whether it offers `sync-collection` (`supported-report-set`);
    /// `None` when not told.
    pub supports_sync: Option<bool>,
    /// Whether the member may change its items
    /// (`current-user-privilege-set`); `None` when not told.
    pub writable: Option<bool>,
}

/// An item's address and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRef {
    pub url: Url,
    pub etag: Option<String>,
}

/// An item with its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub url: Url,
    pub etag: Option<String>,
    /// The iCalendar or vCard text.
    pub data: String,
}

/// What changed in a collection since a sync token.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncChanges {
    /// The token to send next time.
    pub token: Option<String>,
    /// `true` when the server did not know the token and this is the full
    /// content: anything not listed is gone.
    pub full: bool,
    pub changed: Vec<ItemRef>,
    pub removed: Vec<Url>,
    /// How many requests it took (more than one when the server paged).
    pub requests: usize,
}

fn method(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).expect("valid method")
}

/// What [`DavClient::collections_light`] asks: no token or ctag, which some
/// servers compute from every item (Radicale: 2 ms for the light listing
/// of a home against 95 ms with `sync-token` at 2,000 events).
const LIGHT_COLLECTION_PROPS: &[QName] = &[
    QName::dav("resourcetype"),
    QName::dav("displayname"),
    QName::new(APPLE_ICAL, "calendar-color"),
    QName::new(CALDAV, "supported-calendar-component-set"),
    QName::dav("supported-report-set"),
    QName::dav("current-user-privilege-set"),
];

const COLLECTION_PROPS: &[QName] = &[
    QName::dav("resourcetype"),
    QName::dav("displayname"),
    QName::new(APPLE_ICAL, "calendar-color"),
    QName::new(CALDAV, "supported-calendar-component-set"),
    QName::new(CALENDARSERVER, "getctag"),
    QName::dav("sync-token"),
];

impl DavClient {
    /// Finds the principal and home set for `service` on the server at
    /// `server` (any URL of it): `.well-known` first, then `server` itself.
    pub async fn discover(&self, server: &Url, service: Service) -> Result<Discovery> {
        let cup = [QName::dav("current-user-principal")];
        let mut candidates = Vec::new();
        match self.follow_well_known(server, service).await? {
            Some((context, Some(principal))) => {
                return self.discover_home(context, principal, service).await;
            }
            Some((context, None)) => candidates.push(context),
            None => {}
        }
        candidates.push(server.clone());
        let mut last_err = None;
        for context in candidates {
            match self.stat(&context, &cup).await {
                Ok(r) => match r.href_prop(DAV, "current-user-principal") {
                    Some(p) => {
                        let principal = self.resolve_same_origin("PROPFIND", &context, p)?;
                        return self.discover_home(context, principal, service).await;
                    }
                    None => {
                        last_err = Some(DavError::new(
                            "PROPFIND",
                            &context,
                            ErrorKind::Protocol("no current-user-principal".into()),
                        ));
                    }
                },
                Err(e) if matches!(e.kind, ErrorKind::Unauthorized) => return Err(e),
                Err(e) => last_err = Some(e),
            }
        }
        Err(last_err.expect("at least one candidate"))
    }

    async fn discover_home(
        &self,
        context: Url,
        principal: Url,
        service: Service,
    ) -> Result<Discovery> {
        let home_prop = service.home_set();
        let pr = self
            .stat(&principal, std::slice::from_ref(&home_prop))
            .await?;
        let home = pr
            .href_prop(&home_prop.ns, &home_prop.local)
            .map(|h| self.resolve_same_origin("PROPFIND", &principal, h))
            .transpose()?
            .map(|u| href::as_collection(&u));
        Ok(Discovery {
            context,
            principal,
            home,
        })
    }

    /// Resolves a property href that may point anywhere on the same server
    /// (principals live outside the home, homes outside the principal).
    fn resolve_same_origin(&self, m: &str, base: &Url, h: &str) -> Result<Url> {
        let mut root = base.clone();
        root.set_path("/");
        root.set_query(None);
        let resolved =
            href::resolve(&root, h).map_err(|e| DavError::new(m, base, ErrorKind::Href(e)))?;
        Ok(resolved.url)
    }

    /// Follows `/.well-known/caldav|carddav` redirects on the same origin
    /// (at most five) and asks the context found for the principal; `None`
    /// when the server has no such entry.
    async fn follow_well_known(
        &self,
        server: &Url,
        service: Service,
    ) -> Result<Option<(Url, Option<Url>)>> {
        let mut url = server
            .join(service.well_known())
            .map_err(|e| DavError::new("PROPFIND", server, ErrorKind::BadUrl(e.to_string())))?;
        let body = crate::xml::propfind_body(&[QName::dav("current-user-principal")]);
        for _ in 0..5 {
            let resp = self
                .send(&method("PROPFIND"), &url, |r| {
                    r.header("Depth", "0")
                        .header(CONTENT_TYPE, XML_CONTENT_TYPE)
                        .body(body.clone())
                })
                .await?;
            let status = resp.status().as_u16();
            match status {
                301 | 302 | 303 | 307 | 308 => {
                    let Some(loc) = resp
                        .headers()
                        .get(reqwest::header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                    else {
                        return Ok(None);
                    };
                    let next = url.join(loc).map_err(|e| {
                        DavError::new("PROPFIND", &url, ErrorKind::BadUrl(e.to_string()))
                    })?;
                    if next.origin() != server.origin() {
                        // Credentials never follow a redirect to another
                        // server.
                        return Err(DavError::new(
                            "PROPFIND",
                            &url,
                            ErrorKind::Protocol(format!("redirect to another server: {next}")),
                        ));
                    }
                    url = next;
                }
                207 => {
                    let mut principal = None;
                    self.read_multistatus("PROPFIND", &url, resp, |r| {
                        if r.href.is_request_target()
                            && let Some(p) = r.href_prop(DAV, "current-user-principal")
                        {
                            principal = Some(p.to_owned());
                        }
                        Ok(())
                    })
                    .await?;
                    let principal = principal
                        .map(|p| self.resolve_same_origin("PROPFIND", &url, &p))
                        .transpose()?;
                    return Ok(Some((url, principal)));
                }
                401 => return Err(DavError::new("PROPFIND", &url, ErrorKind::Unauthorized)),
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Lists the calendars or address books in a home.
    pub async fn collections(&self, home: &Url, service: Service) -> Result<Vec<Collection>> {
        self.list_collections(home, service, COLLECTION_PROPS).await
    }

    /// The collections of a home without their tokens and ctags, with
    /// whether each offers sync-collection and may be written.
    pub async fn collections_light(&self, home: &Url, service: Service) -> Result<Vec<Collection>> {
        self.list_collections(home, service, LIGHT_COLLECTION_PROPS)
            .await
    }

    async fn list_collections(
        &self,
        home: &Url,
        service: Service,
        props: &[QName],
    ) -> Result<Vec<Collection>> {
        let mut out = Vec::new();
        self.propfind(home, Depth::One, props, |r| {
            let wanted = match service {
                Service::CalDav => r.is_calendar(),
                Service::CardDav => r.is_addressbook(),
            };
            if wanted && !r.href.is_request_target() {
                out.push(Collection {
                    url: href::as_collection(&r.href.url),
                    service,
                    display_name: r.display_name().map(str::to_owned),
                    color: r.calendar_color().map(str::to_owned),
                    components: r.supported_components(),
                    ctag: r.ctag().map(str::to_owned),
                    sync_token: r.sync_token().map(str::to_owned),
                    supports_sync: r.supports_report(DAV, "sync-collection"),
                    writable: r.can_write(),
                });
            }
            Ok(())
        })
        .await?;
        Ok(out)
    }

    /// What changed since `token` (everything when `None`), following
    /// truncation (507) to the end and starting over when the server no
    /// longer knows the token. Send `limit` only to servers that page
    /// correctly (not Nextcloud).
    pub async fn sync_collection(
        &self,
        collection: &Url,
        token: Option<&str>,
        limit: Option<u32>,
    ) -> Result<SyncChanges> {
        let mut out = SyncChanges {
            full: token.is_none(),
            ..SyncChanges::default()
        };
        let mut token = token.map(str::to_owned);
        loop {
            let body = format!(
                r#"<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:"><d:sync-token>{}</d:sync-token><d:sync-level>1</d:sync-level>{}<d:prop><d:getetag/><d:getcontenttype/></d:prop></d:sync-collection>"#,
                escape(token.as_deref().unwrap_or("")),
                limit
                    .map(|n| format!("<d:limit><d:nresults>{n}</d:nresults></d:limit>"))
                    .unwrap_or_default()
            );
            let mut truncated = false;
            let mut page_changed = Vec::new();
            let mut page_removed = Vec::new();
            out.requests += 1;
            let result = self
                .report(collection, Depth::One, body, |r| {
                    if r.href.is_request_target() {
                        truncated |= r.status == Some(507);
                        return Ok(());
                    }
                    match r.status {
                        Some(404) => page_removed.push(r.href.url),
                        Some(s) if !(200..300).contains(&s) => {}
                        _ => page_changed.push(ItemRef {
                            etag: r.etag().map(str::to_owned),
                            url: r.href.url,
                        }),
                    }
                    Ok(())
                })
                .await;
            let new_token = match result {
                Ok(t) => t,
                Err(e) if e.kind == ErrorKind::InvalidSyncToken && token.is_some() => {
                    // Start over with the full content.
                    tracing::info!(%collection, "sync token no longer valid, full resync");
                    token = None;
                    out = SyncChanges {
                        full: true,
                        requests: out.requests,
                        ..SyncChanges::default()
                    };
                    continue;
                }
                Err(e) => return Err(e),
            };
            out.changed.extend(page_changed);
            out.removed.extend(page_removed);
            let progressed = new_token.is_some() && new_token != token;
            token = new_token;
            out.token = token.clone();
            if !(truncated && progressed) {
                return Ok(out);
            }
        }
    }

    /// The fallback for servers without sync-collection: every item's URL
    /// and ETag (compare with the last listing; fetch what differs).
    pub async fn list_items(&self, collection: &Url) -> Result<Vec<ItemRef>> {
        let mut out = Vec::new();
        self.propfind(
            collection,
            Depth::One,
            &[QName::dav("getetag"), QName::dav("resourcetype")],
            |r: Resource| {
                if !r.href.is_request_target()
                    && !r.is_collection()
                    && r.status.is_none_or(|s| s < 300)
                {
                    out.push(ItemRef {
                        etag: r.etag().map(str::to_owned),
                        url: r.href.url,
                    });
                }
                Ok(())
            },
        )
        .await?;
        Ok(out)
    }

    /// The collection's `getctag` (changes whenever any item does).
    pub async fn ctag(&self, collection: &Url) -> Result<Option<String>> {
        let r = self
            .stat(collection, &[QName::new(CALENDARSERVER, "getctag")])
            .await?;
        Ok(r.ctag().map(str::to_owned))
    }

    /// Fetches items with calendar-multiget / addressbook-multiget,
    /// `batch` hrefs per request. Returns the items found and the URLs the
    /// server did not return (deleted meanwhile).
    pub async fn multiget(
        &self,
        collection: &Url,
        service: Service,
        urls: &[Url],
        batch: usize,
    ) -> Result<(Vec<Item>, Vec<Url>)> {
        let mut items = Vec::new();
        let mut missing = Vec::new();
        for chunk in urls.chunks(batch.max(1)) {
            let (ns, root, data) = match service {
                Service::CalDav => (CALDAV, "calendar-multiget", "calendar-data"),
                Service::CardDav => (CARDDAV, "addressbook-multiget", "address-data"),
            };
            let mut body = format!(
                r#"<?xml version="1.0" encoding="utf-8"?><x:{root} xmlns:d="DAV:" xmlns:x="{ns}"><d:prop><d:getetag/><x:{data}/></d:prop>"#
            );
            for u in chunk {
                body.push_str(&format!("<d:href>{}</d:href>", escape(u.path())));
            }
            body.push_str(&format!("</x:{root}>"));
            let mut found = Vec::new();
            let answer = self
                .report(collection, Depth::One, body, |r| {
                    let text = match service {
                        Service::CalDav => r.calendar_data(),
                        Service::CardDav => r.address_data(),
                    };
                    if let Some(text) = text
                        && r.status.is_none_or(|s| s < 300)
                    {
                        found.push(Item {
                            url: r.href.url.clone(),
                            etag: r.etag().map(str::to_owned),
                            data: text.to_owned(),
                        });
                    }
                    Ok(())
                })
                .await;
            match answer {
                Ok(_) => {}
                // Quirk (sabre/dav 1.8): one missing href fails the whole
                // multiget with 404; fetch that batch item by item.
                Err(e) if e.kind == ErrorKind::NotFound => {
                    found.clear();
                    for u in chunk {
                        if let Some(item) = self.get_item(u).await? {
                            found.push(item);
                        }
                    }
                }
                Err(e) => return Err(e),
            }
            for u in chunk {
                if !found.iter().any(|i| same_path(&i.url, u)) {
                    missing.push(u.clone());
                }
            }
            items.extend(found);
        }
        Ok((items, missing))
    }

    /// One item by GET; `None` when it does not exist.
    pub async fn get_item(&self, url: &Url) -> Result<Option<Item>> {
        let mut data = Vec::new();
        match self.get(url, &mut data, 0, None).await {
            Ok(info) => Ok(Some(Item {
                url: url.clone(),
                etag: info.etag,
                data: String::from_utf8(data).map_err(|_| {
                    DavError::new("GET", url, ErrorKind::Protocol("item is not UTF-8".into()))
                })?,
            })),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates or updates an item; returns its new ETag when the server
    /// tells it (otherwise read it back with a multiget).
    pub async fn put_item(
        &self,
        url: &Url,
        service: Service,
        data: &str,
        precondition: &Precondition,
    ) -> Result<Option<String>> {
        let info = self
            .put_bytes(
                url,
                bytes::Bytes::copy_from_slice(data.as_bytes()),
                &crate::files::PutOptions {
                    precondition: precondition.clone(),
                    content_type: Some(service.content_type().into()),
                    ..Default::default()
                },
            )
            .await?;
        Ok(info.etag)
    }

    /// Creates a calendar (`MKCALENDAR`).
    pub async fn mkcalendar(
        &self,
        url: &Url,
        name: &str,
        components: &[&str],
        color: Option<&str>,
    ) -> Result<()> {
        let comps: String = components
            .iter()
            .map(|c| format!(r#"<c:comp name="{}"/>"#, escape(c)))
            .collect();
        let color = color
            .map(|c| format!("<a:calendar-color>{}</a:calendar-color>", escape(c)))
            .unwrap_or_default();
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="{CALDAV}" xmlns:a="{APPLE_ICAL}"><d:set><d:prop><d:displayname>{}</d:displayname>{color}<c:supported-calendar-component-set>{comps}</c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>"#,
            escape(name)
        );
        self.send_ok(&method("MKCALENDAR"), url, |r| {
            r.header(CONTENT_TYPE, XML_CONTENT_TYPE).body(body.clone())
        })
        .await
        .map(drop)
    }

    /// Creates an address book (extended MKCOL, RFC 5689).
    pub async fn mkaddressbook(&self, url: &Url, name: &str) -> Result<()> {
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><d:mkcol xmlns:d="DAV:" xmlns:a="{CARDDAV}"><d:set><d:prop><d:resourcetype><d:collection/><a:addressbook/></d:resourcetype><d:displayname>{}</d:displayname></d:prop></d:set></d:mkcol>"#,
            escape(name)
        );
        self.send_ok(&method("MKCOL"), url, |r| {
            r.header(CONTENT_TYPE, XML_CONTENT_TYPE).body(body.clone())
        })
        .await
        .map(drop)
    }

    /// Renames and recolours a calendar or address book (`PROPPATCH` of
    /// `displayname` and Apple's `calendar-color`). A server that refuses
    /// a property (207 with a 403 or 409 for it) gives `Forbidden` with
    /// the properties it refused; nothing is half done then (RFC 4918:
    /// PROPPATCH is atomic).
    pub async fn proppatch_collection(
        &self,
        url: &Url,
        name: Option<&str>,
        color: Option<&str>,
    ) -> Result<()> {
        let mut props = String::new();
        if let Some(n) = name {
            props.push_str(&format!("<d:displayname>{}</d:displayname>", escape(n)));
        }
        if let Some(c) = color {
            props.push_str(&format!(
                "<a:calendar-color>{}</a:calendar-color>",
                escape(c)
            ));
        }
        if props.is_empty() {
            return Ok(());
        }
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><d:propertyupdate xmlns:d="DAV:" xmlns:a="{APPLE_ICAL}"><d:set><d:prop>{props}</d:prop></d:set></d:propertyupdate>"#
        );
        let resp = self
            .send_ok(&method("PROPPATCH"), url, |r| {
                r.header(CONTENT_TYPE, XML_CONTENT_TYPE).body(body.clone())
            })
            .await?;
        if resp.status().as_u16() != 207 {
            return Ok(());
        }
        let text = resp
            .text()
            .await
            .map_err(|e| DavError::new("PROPPATCH", url, ErrorKind::Transport(e.to_string())))?;
        let mut reader = crate::xml::MultistatusReader::new(text.as_bytes(), self.config().limits);
        let mut refused = Vec::new();
        while let Some(r) = reader
            .next_response()
            .map_err(|e| DavError::new("PROPPATCH", url, ErrorKind::Xml(e)))?
        {
            for ps in r
                .propstats
                .iter()
                .filter(|p| !(200..300).contains(&p.status))
            {
                for p in &ps.props {
                    refused.push(format!("{} ({})", p.name.local, ps.status));
                }
            }
        }
        if refused.is_empty() {
            Ok(())
        } else {
            Err(DavError::new(
                "PROPPATCH",
                url,
                ErrorKind::Forbidden(Some(format!("refused {}", refused.join(", ")))),
            ))
        }
    }

    /// Deletes a whole calendar or address book (see the Cyrus quirk).
    pub async fn delete_collection(&self, url: &Url) -> Result<()> {
        match self.delete(url, None).await {
            Err(e) if e.kind == ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }

    /// Deletes one item while it still has `etag`.
    pub async fn delete_item(&self, url: &Url, etag: Option<&str>) -> Result<()> {
        let v = etag
            .map(|e| header_value("DELETE", url, &if_match_value(e)))
            .transpose()?;
        let resp = self
            .send(&Method::DELETE, url, |r| match &v {
                Some(v) => r.header("If-Match", v.clone()),
                None => r,
            })
            .await?;
        check_status("DELETE", url, resp).await.map(drop)
    }
}

fn same_path(a: &Url, b: &Url) -> bool {
    let dec = |u: &Url| -> Vec<String> {
        u.path_segments()
            .map(|s| {
                s.filter(|x| !x.is_empty())
                    .map(|x| {
                        percent_encoding::percent_decode_str(x)
                            .decode_utf8_lossy()
                            .into_owned()
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    dec(a) == dec(b)
}
