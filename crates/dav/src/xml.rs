//! XML for DAV: qualified names, a small element tree for property values,
//! and a multistatus reader that yields one `<response>` at a time while
//! the body streams in, so a listing of 100,000 entries never sits whole in
//! memory. The reader is synchronous (quick-xml's synchronous reader is
//! about twice as fast as its async one); the client runs it on a blocking
//! thread fed by the network (`client::spawn_parser`).
//!
//! Refused outright: a DOCTYPE (and so any entity declaration), references
//! to entities other than the five predefined ones and character
//! references, nesting deeper than [`Limits::max_depth`], and a single
//! `<response>` bigger than [`Limits::max_response_bytes`].

use std::borrow::Cow;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use std::io::BufRead;

/// The `DAV:` namespace.
pub const DAV: &str = "DAV:";
/// CalDAV (RFC 4791).
pub const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
/// CardDAV (RFC 6352).
pub const CARDDAV: &str = "urn:ietf:params:xml:ns:carddav";
/// Calendar server extensions (`getctag`).
pub const CALENDARSERVER: &str = "http://calendarserver.org/ns/";
/// Apple iCal extensions (`calendar-color`).
pub const APPLE_ICAL: &str = "http://apple.com/ns/ical/";
/// ownCloud/Nextcloud properties (`oc:fileid`, `oc:permissions`, ...).
pub const OC: &str = "http://owncloud.org/ns";
/// Nextcloud properties (`nc:mount-type`, `nc:is-mount-root`, ...).
pub const NC: &str = "http://nextcloud.org/ns";
/// sabre/dav's namespace (error bodies).
pub const SABRE: &str = "http://sabredav.org/ns";

/// A namespace-qualified XML name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QName {
    pub ns: Cow<'static, str>,
    pub local: Cow<'static, str>,
}

impl QName {
    pub const fn new(ns: &'static str, local: &'static str) -> Self {
        QName {
            ns: Cow::Borrowed(ns),
            local: Cow::Borrowed(local),
        }
    }

    /// A name in the `DAV:` namespace.
    pub const fn dav(local: &'static str) -> Self {
        Self::new(DAV, local)
    }

    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }
}

impl std::fmt::Display for QName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{{{}}}{}", self.ns, self.local)
    }
}

/// An element with its attributes, text and children: a property value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: QName,
    /// Attributes by local name (DAV attributes carry no namespace).
    pub attrs: Vec<(String, String)>,
    /// The element's own text, concatenated.
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with this name.
    pub fn child(&self, ns: &str, local: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name.is(ns, local))
    }

    /// Every child with this name.
    pub fn children_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name.is(ns, local))
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The trimmed text.
    pub fn trimmed(&self) -> &str {
        self.text.trim()
    }

    /// The text of every `DAV:href` child (for href-valued properties).
    pub fn hrefs(&self) -> Vec<&str> {
        self.children_named(DAV, "href")
            .map(|h| h.trimmed())
            .collect()
    }

    fn approx_size(&self) -> usize {
        self.name.local.len()
            + self.name.ns.len()
            + self.text.len()
            + self
                .attrs
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
            + 64
    }
}

/// Limits that protect the client from hostile or broken responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest element nesting accepted.
    pub max_depth: usize,
    /// Largest single `<response>` (names, attributes and text).
    pub max_response_bytes: usize,
    /// Largest response body, counted while it streams.
    pub max_body_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 32,
            max_response_bytes: 16 * 1024 * 1024,
            max_body_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// What was wrong with a response body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("malformed XML: {0}")]
    Malformed(String),
    #[error("XML with a DOCTYPE is refused (entity declarations are not accepted)")]
    Doctype,
    #[error("reference to the entity &{0}; is refused")]
    Entity(String),
    #[error("XML nested deeper than {0} elements")]
    TooDeep(usize),
    #[error("a single response element is larger than {0} bytes")]
    ResponseTooLarge(usize),
    #[error("the body is larger than {0} bytes")]
    BodyTooLarge(u64),
    #[error("expected a {{DAV:}}multistatus document, found {0}")]
    NotMultistatus(String),
    #[error("invalid status line {0:?}")]
    BadStatus(String),
    #[error("the body ended before the document did")]
    Truncated,
    #[error("the server stopped sending the body")]
    Timeout,
    #[error("reading the body failed: {0}")]
    Io(String),
}

impl From<quick_xml::Error> for XmlError {
    fn from(e: quick_xml::Error) -> Self {
        match e {
            quick_xml::Error::Io(io) => XmlError::from_io(&io),
            other => XmlError::Malformed(other.to_string()),
        }
    }
}

impl XmlError {
    /// Maps an I/O error from the body stream, recovering the errors the
    /// stream adapter smuggles through `std::io::Error`.
    pub(crate) fn from_io(io: &std::io::Error) -> Self {
        if let Some(inner) = io.get_ref().and_then(|e| e.downcast_ref::<XmlError>()) {
            return inner.clone();
        }
        match io.kind() {
            std::io::ErrorKind::UnexpectedEof => return XmlError::Truncated,
            std::io::ErrorKind::TimedOut => return XmlError::Timeout,
            _ => {}
        }
        XmlError::Io(io.to_string())
    }
}

/// One `<propstat>`: a status and the properties it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropStat {
    pub status: u16,
    pub props: Vec<Element>,
}

/// One `<response>` of a multistatus, before its href is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// One href normally; several in the status-only form.
    pub hrefs: Vec<String>,
    /// The response-level status (status-only form, sync-collection 404s
    /// and 507s).
    pub status: Option<u16>,
    pub propstats: Vec<PropStat>,
    /// A `<DAV:error>` element, if present.
    pub error: Option<Element>,
}

/// Parses `HTTP/1.1 200 OK` into 200.
pub fn parse_status_line(s: &str) -> Result<u16, XmlError> {
    let mut parts = s.split_whitespace();
    let proto = parts.next().unwrap_or("");
    let code = parts.next().and_then(|c| c.parse::<u16>().ok());
    match code {
        Some(c) if proto.starts_with("HTTP/") && (100..600).contains(&c) => Ok(c),
        _ => Err(XmlError::BadStatus(s.chars().take(80).collect())),
    }
}

/// A reader that refuses to hand out more than a window of bytes: the
/// parser opens a window of `max_response_bytes` at each response, so a
/// single huge text node fails before it is buffered, not after.
struct Windowed<R> {
    inner: R,
    consumed: u64,
    window_end: u64,
    limit: usize,
}

impl<R: BufRead> std::io::Read for Windowed<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for Windowed<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        let left = self.window_end.saturating_sub(self.consumed);
        if left == 0 {
            return Err(std::io::Error::other(XmlError::ResponseTooLarge(
                self.limit,
            )));
        }
        let b = self.inner.fill_buf()?;
        let n = b.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        Ok(&b[..n])
    }

    fn consume(&mut self, amt: usize) {
        self.consumed += amt as u64;
        self.inner.consume(amt);
    }
}

/// Streams the `<response>` elements of a multistatus body.
pub struct MultistatusReader<R> {
    reader: NsReader<Windowed<R>>,
    buf: Vec<u8>,
    limits: Limits,
    depth: usize,
    started: bool,
    finished: bool,
    sync_token: Option<String>,
}

impl<R> std::fmt::Debug for MultistatusReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MultistatusReader")
            .field("depth", &self.depth)
            .field("finished", &self.finished)
            .finish()
    }
}

enum Ev {
    Start(QName, Vec<(String, String)>),
    Empty(QName, Vec<(String, String)>),
    End,
    Text(String),
    Eof,
}

/// The namespaces and names DAV answers are made of, borrowed instead of
/// allocated for each element (a listing has millions of them).
const KNOWN_NAMESPACES: &[&str] = &[
    DAV,
    OC,
    NC,
    CALDAV,
    CARDDAV,
    CALENDARSERVER,
    APPLE_ICAL,
    SABRE,
];
const KNOWN_NAMES: &[&str] = &[
    "multistatus",
    "response",
    "href",
    "propstat",
    "prop",
    "status",
    "getetag",
    "getlastmodified",
    "getcontentlength",
    "resourcetype",
    "collection",
    "getcontenttype",
    "fileid",
    "id",
    "permissions",
    "checksums",
    "checksum",
    "size",
    "mount-type",
    "is-mount-root",
    "quota-available-bytes",
    "quota-used-bytes",
    "has-preview",
    "displayname",
    "getctag",
    "sync-token",
    "calendar-data",
    "address-data",
    "error",
    "calendar",
    "addressbook",
    "current-user-principal",
    "calendar-home-set",
    "addressbook-home-set",
    "supported-calendar-component-set",
    "comp",
    "calendar-color",
    "owner-display-name",
    "share-types",
    "favorite",
    "comments-unread",
    "creationdate",
];

fn intern(s: &str, known: &'static [&'static str]) -> Cow<'static, str> {
    match known.iter().find(|k| **k == s) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(s.to_owned()),
    }
}

fn qname_of(ns: ResolveResult<'_>, local: &str) -> QName {
    let ns = match ns {
        ResolveResult::Bound(n) => intern(n.as_ref(), KNOWN_NAMESPACES),
        _ => Cow::Borrowed(""),
    };
    QName {
        ns,
        local: intern(local, KNOWN_NAMES),
    }
}

fn attrs_of(e: &BytesStart<'_>) -> Result<Vec<(String, String)>, XmlError> {
    let mut out = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| XmlError::Malformed(e.to_string()))?;
        if a.key.as_ref().starts_with("xmlns") {
            continue;
        }
        let key = a.key.local_name().as_ref().to_owned();
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| match e {
                quick_xml::Error::Escape(esc) => XmlError::Entity(esc.to_string()),
                other => XmlError::Malformed(other.to_string()),
            })?;
        out.push((key, value.into_owned()));
    }
    Ok(out)
}

fn resolve_ref(name: &str, is_char: bool, ch: Option<char>) -> Result<String, XmlError> {
    if is_char {
        return ch
            .filter(|c| *c != '\0')
            .map(String::from)
            .ok_or_else(|| XmlError::Entity(name.to_owned()));
    }
    let s = match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        other => return Err(XmlError::Entity(other.to_owned())),
    };
    Ok(s.to_owned())
}

impl<R: BufRead> MultistatusReader<R> {
    pub fn new(reader: R, limits: Limits) -> Self {
        let mut reader = NsReader::from_reader(Windowed {
            inner: reader,
            consumed: 0,
            window_end: limits.max_response_bytes as u64,
            limit: limits.max_response_bytes,
        });
        let config = reader.config_mut();
        config.expand_empty_elements = false;
        config.check_end_names = true;
        MultistatusReader {
            reader,
            buf: Vec::with_capacity(8 * 1024),
            limits,
            depth: 0,
            started: false,
            finished: false,
            sync_token: None,
        }
    }

    /// The `<DAV:sync-token>` of the document (sync-collection), available
    /// once [`next_response`](Self::next_response) returned `None`.
    pub fn sync_token(&self) -> Option<&str> {
        self.sync_token.as_deref()
    }

    fn event(&mut self) -> Result<Ev, XmlError> {
        loop {
            self.buf.clear();
            let (ns, ev) = self.reader.read_resolved_event_into(&mut self.buf)?;
            let ev = match ev {
                Event::Start(e) => {
                    self.depth += 1;
                    if self.depth > self.limits.max_depth {
                        return Err(XmlError::TooDeep(self.limits.max_depth));
                    }
                    let name = qname_of(ns, e.local_name().as_ref());
                    Ev::Start(name, attrs_of(&e)?)
                }
                Event::Empty(e) => {
                    if self.depth + 1 > self.limits.max_depth {
                        return Err(XmlError::TooDeep(self.limits.max_depth));
                    }
                    let name = qname_of(ns, e.local_name().as_ref());
                    Ev::Empty(name, attrs_of(&e)?)
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    Ev::End
                }
                Event::Text(t) => Ev::Text(t.xml10_content().into_owned()),
                Event::CData(c) => Ev::Text(c.as_ref().to_owned()),
                Event::GeneralRef(r) => {
                    let name = r.xml10_content().into_owned();
                    let is_char = r.is_char_ref();
                    let ch = if is_char {
                        r.resolve_char_ref().ok().flatten()
                    } else {
                        None
                    };
                    Ev::Text(resolve_ref(&name, is_char, ch)?)
                }
                Event::DocType(_) => return Err(XmlError::Doctype),
                Event::Eof => Ev::Eof,
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => continue,
            };
            return Ok(ev);
        }
    }

    /// Reads the rest of an element whose start was just read.
    fn read_element(
        &mut self,
        name: QName,
        attrs: Vec<(String, String)>,
        budget: &mut usize,
    ) -> Result<Element, XmlError> {
        // An explicit stack instead of recursion (bounded by max_depth
        // anyway).
        let mut stack = vec![Element {
            name,
            attrs,
            text: String::new(),
            children: Vec::new(),
        }];
        loop {
            match self.event()? {
                Ev::Start(name, attrs) => stack.push(Element {
                    name,
                    attrs,
                    text: String::new(),
                    children: Vec::new(),
                }),
                Ev::Empty(name, attrs) => {
                    let el = Element {
                        name,
                        attrs,
                        text: String::new(),
                        children: Vec::new(),
                    };
                    charge(budget, el.approx_size(), self.limits)?;
                    stack.last_mut().expect("non-empty").children.push(el);
                }
                Ev::Text(t) => {
                    charge(budget, t.len(), self.limits)?;
                    let el = stack.last_mut().expect("non-empty");
                    if el.text.is_empty() {
                        el.text = t;
                    } else {
                        el.text.push_str(&t);
                    }
                }
                Ev::End => {
                    let done = stack.pop().expect("non-empty");
                    charge(budget, done.approx_size() - done.text.len(), self.limits)?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Ok(done),
                    }
                }
                Ev::Eof => return Err(XmlError::Truncated),
            }
        }
    }

    /// Skips the rest of an element whose start was just read.
    fn skip_element(&mut self) -> Result<(), XmlError> {
        let mut open = 1usize;
        while open > 0 {
            match self.event()? {
                Ev::Start(..) => open += 1,
                Ev::End => open -= 1,
                Ev::Eof => return Err(XmlError::Truncated),
                Ev::Empty(..) | Ev::Text(_) => {}
            }
        }
        Ok(())
    }

    /// Opens a new window of `max_response_bytes` from here on.
    fn open_window(&mut self) {
        let w = self.reader.get_mut();
        w.window_end = w
            .consumed
            .saturating_add(self.limits.max_response_bytes as u64);
    }

    /// The next `<response>`, or `None` at the end of the document.
    pub fn next_response(&mut self) -> Result<Option<RawResponse>, XmlError> {
        if self.finished {
            return Ok(None);
        }
        self.open_window();
        if !self.started {
            loop {
                match self.event()? {
                    Ev::Start(name, _) if name.is(DAV, "multistatus") => break,
                    Ev::Empty(name, _) if name.is(DAV, "multistatus") => {
                        self.started = true;
                        self.finished = true;
                        return Ok(None);
                    }
                    Ev::Text(t) if t.trim().is_empty() => continue,
                    Ev::Start(name, _) | Ev::Empty(name, _) => {
                        return Err(XmlError::NotMultistatus(name.to_string()));
                    }
                    Ev::Text(_) => return Err(XmlError::NotMultistatus("text".into())),
                    Ev::End => return Err(XmlError::Malformed("unexpected end tag".into())),
                    Ev::Eof => return Err(XmlError::Truncated),
                }
            }
            self.started = true;
        }
        loop {
            match self.event()? {
                Ev::Start(name, attrs) if name.is(DAV, "response") => {
                    self.open_window();
                    let mut budget = self.limits.max_response_bytes;
                    let el = self.read_element(name, attrs, &mut budget)?;
                    return interpret_response(el).map(Some);
                }
                Ev::Start(name, attrs) if name.is(DAV, "sync-token") => {
                    let mut budget = 64 * 1024;
                    let el = self.read_element(name, attrs, &mut budget)?;
                    self.sync_token = Some(el.trimmed().to_owned());
                }
                Ev::Start(..) => self.skip_element()?,
                Ev::Empty(..) | Ev::Text(_) => {}
                Ev::End => {
                    // The end of <multistatus>: nothing but whitespace,
                    // comments and EOF may follow.
                    self.finished = true;
                    loop {
                        match self.event()? {
                            Ev::Eof => return Ok(None),
                            Ev::Text(t) if t.trim().is_empty() => {}
                            _ => {
                                return Err(XmlError::Malformed(
                                    "content after the document".into(),
                                ));
                            }
                        }
                    }
                }
                Ev::Eof => return Err(XmlError::Truncated),
            }
        }
    }
}

fn charge(budget: &mut usize, n: usize, limits: Limits) -> Result<(), XmlError> {
    *budget = budget
        .checked_sub(n)
        .ok_or(XmlError::ResponseTooLarge(limits.max_response_bytes))?;
    Ok(())
}

fn interpret_response(el: Element) -> Result<RawResponse, XmlError> {
    let mut out = RawResponse {
        hrefs: Vec::new(),
        status: None,
        propstats: Vec::new(),
        error: None,
    };
    for child in el.children {
        if child.name.ns != DAV {
            continue;
        }
        match child.name.local.as_ref() {
            "href" => out.hrefs.push(child.text.trim().to_owned()),
            "status" => out.status = Some(parse_status_line(child.text.trim())?),
            "error" => out.error = Some(child),
            "propstat" => {
                let status = child
                    .child(DAV, "status")
                    .map(|s| parse_status_line(s.trimmed()))
                    .transpose()?
                    .ok_or_else(|| XmlError::Malformed("propstat without status".into()))?;
                let props = child
                    .children
                    .into_iter()
                    .filter(|c| c.name.is(DAV, "prop"))
                    .flat_map(|p| p.children)
                    .collect();
                out.propstats.push(PropStat { status, props });
            }
            _ => {}
        }
    }
    if out.hrefs.is_empty() {
        return Err(XmlError::Malformed("response without href".into()));
    }
    Ok(out)
}

/// Escapes text for an XML body we send.
pub fn escape(s: &str) -> Cow<'_, str> {
    quick_xml::escape::escape(s)
}

/// Builds a `<propfind>` body asking for `props`.
pub fn propfind_body(props: &[QName]) -> String {
    let mut prefixes: Vec<&str> = Vec::new();
    for p in props {
        if p.ns != DAV && !prefixes.contains(&p.ns.as_ref()) {
            prefixes.push(p.ns.as_ref());
        }
    }
    let mut s = String::from(r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:""#);
    for (i, ns) in prefixes.iter().enumerate() {
        s.push_str(&format!(r#" xmlns:x{i}="{}""#, escape(ns)));
    }
    s.push_str("><d:prop>");
    for p in props {
        let prefix = if p.ns == DAV {
            "d".to_owned()
        } else {
            format!("x{}", prefixes.iter().position(|n| *n == p.ns).unwrap_or(0))
        };
        s.push_str(&format!("<{prefix}:{}/>", p.local));
    }
    s.push_str("</d:prop></d:propfind>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(xml: &str) -> Result<(Vec<RawResponse>, Option<String>), XmlError> {
        let mut r = MultistatusReader::new(xml.as_bytes(), Limits::default());
        let mut out = Vec::new();
        while let Some(x) = r.next_response()? {
            out.push(x);
        }
        Ok((out, r.sync_token().map(str::to_owned)))
    }

    #[test]
    fn parses_props_statuses_and_sync_token() {
        let xml = r#"<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns">
 <d:response><d:href>/dav/a%20b.txt</d:href>
  <d:propstat><d:prop><d:getetag>&quot;abc&quot;</d:getetag><oc:fileid>7</oc:fileid>
   <d:resourcetype/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  <d:propstat><d:prop><oc:checksums/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
 </d:response>
 <d:response><d:href>/dav/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>
 <d:sync-token>http://example/ns/sync/42</d:sync-token>
</d:multistatus>"#;
        let (rs, token) = all(xml).unwrap();
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[0].hrefs, vec!["/dav/a%20b.txt"]);
        assert_eq!(rs[0].propstats[0].status, 200);
        assert_eq!(rs[0].propstats[0].props[0].text, "\"abc\"");
        assert!(rs[0].propstats[0].props[1].name.is(OC, "fileid"));
        assert_eq!(rs[0].propstats[1].status, 404);
        assert_eq!(rs[1].status, Some(404));
        assert_eq!(token.as_deref(), Some("http://example/ns/sync/42"));
    }

    #[test]
    fn refuses_doctype_and_entities() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><d:multistatus xmlns:d="DAV:"><d:response><d:href>&lol2;</d:href></d:response></d:multistatus>"#;
        assert_eq!(all(bomb).unwrap_err(), XmlError::Doctype);
        let ent = r#"<d:multistatus xmlns:d="DAV:"><d:response><d:href>&xxe;</d:href></d:response></d:multistatus>"#;
        assert_eq!(all(ent).unwrap_err(), XmlError::Entity("xxe".into()));
        let charref = r#"<d:multistatus xmlns:d="DAV:"><d:response><d:href>/a&#x62;c</d:href><d:status>HTTP/1.1 200 OK</d:status></d:response></d:multistatus>"#;
        assert_eq!(all(charref).unwrap().0[0].hrefs, vec!["/abc"]);
    }

    #[test]
    fn refuses_deep_nesting_and_huge_responses() {
        let deep = format!(
            r#"<d:multistatus xmlns:d="DAV:"><d:response><d:href>/a</d:href>{}{}</d:response></d:multistatus>"#,
            "<d:x>".repeat(100),
            "</d:x>".repeat(100)
        );
        assert_eq!(all(&deep).unwrap_err(), XmlError::TooDeep(32));
        let big = format!(
            r#"<d:multistatus xmlns:d="DAV:"><d:response><d:href>/{}</d:href></d:response></d:multistatus>"#,
            "a".repeat(5000)
        );
        let mut r = MultistatusReader::new(
            big.as_bytes(),
            Limits {
                max_response_bytes: 1000,
                ..Limits::default()
            },
        );
        assert_eq!(
            r.next_response().unwrap_err(),
            XmlError::ResponseTooLarge(1000)
        );
    }

    #[test]
    fn truncated_and_foreign_documents_are_errors() {
        let cut = r#"<d:multistatus xmlns:d="DAV:"><d:response><d:href>/a</d:href>"#;
        assert!(matches!(
            all(cut).unwrap_err(),
            XmlError::Truncated | XmlError::Malformed(_)
        ));
        let html = "<html><body>Login</body></html>";
        assert!(matches!(
            all(html).unwrap_err(),
            XmlError::NotMultistatus(_)
        ));
        assert!(matches!(all("").unwrap_err(), XmlError::Truncated));
        let bad_status = r#"<d:multistatus xmlns:d="DAV:"><d:response><d:href>/a</d:href><d:status>OK</d:status></d:response></d:multistatus>"#;
        assert!(matches!(
            all(bad_status).unwrap_err(),
            XmlError::BadStatus(_)
        ));
        let wrong_ns = r#"<multistatus><response><href>/a</href></response></multistatus>"#;
        assert!(matches!(
            all(wrong_ns).unwrap_err(),
            XmlError::NotMultistatus(_)
        ));
    }

    #[test]
    fn propfind_body_declares_namespaces() {
        let body = propfind_body(&[
            QName::dav("getetag"),
            QName::new(OC, "fileid"),
            QName::new(NC, "is-mount-root"),
        ]);
        assert!(body.contains(r#"xmlns:x0="http://owncloud.org/ns""#));
        assert!(
            body.contains("<x0:fileid/>")
                && body.contains("<x1:is-mount-root/>")
                && body.contains("<d:getetag/>")
        );
    }
}
