//! Property tests of the multistatus reader on generated documents.
//!
//! A document is generated as a model (responses with names, statuses and
//! properties, a sync-token) and written out as XML with random layout:
//! prefixes for `DAV:` (the default-namespace form included), namespace
//! redeclarations, whitespace, comments, processing instructions, CDATA,
//! entity and character references, unknown elements to skip. It is fed to
//! [`MultistatusReader`] through a reader that returns the bytes in small
//! random pieces (sometimes after a `Pending`). Properties:
//!
//! - parsing gives back exactly the generated responses and sync-token;
//! - every href resolves (with [`href::resolve`]) to the generated names;
//! - any truncation of a valid document is an error, never a shorter list.

use std::borrow::Cow;
use std::collections::BTreeMap;

use cc_dav::href;
use cc_dav::xml::{DAV, Element, Limits, MultistatusReader, PropStat, QName, RawResponse};
use proptest::prelude::*;
use url::Url;

// ---------------------------------------------------------------------------
// A small deterministic generator for layout choices.

#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------
// A reader that hands out its bytes in small random pieces.

#[derive(Debug)]
struct Pieces {
    data: Vec<u8>,
    pos: usize,
    rng: Rng,
    max: usize,
}

impl std::io::Read for Pieces {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.rng.chance(20) {
            // Interrupted reads happen: the reader must simply retry.
            return Err(std::io::ErrorKind::Interrupted.into());
        }
        let n = (1 + self.rng.below(self.max))
            .min(self.data.len() - self.pos)
            .min(buf.len());
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Parses `data` fed in random pieces; returns the responses read before
/// the end or the first error, and the outcome.
fn parse(
    data: &[u8],
    seed: u64,
) -> (
    Vec<RawResponse>,
    Result<Option<String>, cc_dav::xml::XmlError>,
) {
    let mut rng = Rng(seed ^ 0x5EED);
    let max = *rng.pick(&[1usize, 2, 3, 7, 16, 64, 4096]);
    let cap = *rng.pick(&[1usize, 2, 5, 8, 64, 8192]);
    let pieces = Pieces {
        data: data.to_vec(),
        pos: 0,
        rng,
        max,
    };
    let reader = std::io::BufReader::with_capacity(cap, pieces);
    let mut r = MultistatusReader::new(reader, Limits::default());
    let mut out = Vec::new();
    loop {
        match r.next_response() {
            Ok(Some(resp)) => out.push(resp),
            Ok(None) => return (out, Ok(r.sync_token().map(str::to_owned))),
            Err(e) => return (out, Err(e)),
        }
    }
}

// ---------------------------------------------------------------------------
// The model.

/// A property (or a child of one).
#[derive(Debug, Clone)]
struct GenEl {
    ns: String,
    local: String,
    attrs: BTreeMap<String, String>,
    /// Text before each child and after the last: `children.len() + 1`.
    texts: Vec<String>,
    children: Vec<GenEl>,
}

impl GenEl {
    fn leaf(ns: &str, local: &str, text: String) -> Self {
        GenEl {
            ns: ns.into(),
            local: local.into(),
            attrs: BTreeMap::new(),
            texts: vec![text],
            children: Vec::new(),
        }
    }

    fn emptied(mut self) -> Self {
        self.attrs.clear();
        self.texts = vec![String::new()];
        self.children.clear();
        self
    }

    fn expected(&self) -> Element {
        Element {
            name: QName {
                ns: Cow::Owned(self.ns.clone()),
                local: Cow::Owned(self.local.clone()),
            },
            attrs: self
                .attrs
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            text: self.texts.concat(),
            children: self.children.iter().map(GenEl::expected).collect(),
        }
    }
}

/// One href of a response.
#[derive(Debug, Clone)]
struct Target {
    /// Names below the collection; empty for the collection itself.
    names: Vec<String>,
    collection: bool,
    /// 0: absolute path, 1: full URL, 2: relative to the collection.
    form: u8,
    /// Percent-encode every byte but the unreserved ones, or only what
    /// must be (leaving `<&>"'` to the XML escaping).
    encode_all: bool,
}

#[derive(Debug, Clone)]
enum GenBody {
    /// The status-only form (one or more hrefs).
    Status(u16),
    Propstats(Vec<(u16, Vec<GenEl>)>),
}

#[derive(Debug, Clone)]
struct GenResponse {
    targets: Vec<Target>,
    body: GenBody,
}

#[derive(Debug, Clone)]
struct GenDoc {
    base: usize,
    responses: Vec<GenResponse>,
    sync_token: Option<String>,
    seed: u64,
}

/// A collection URL and ways to spell its path and origin in hrefs.
struct Base {
    url: &'static str,
    paths: &'static [&'static str],
    origins: &'static [&'static str],
}

const BASES: &[Base] = &[
    Base {
        url: "https://cloud.example.coop/remote.php/dav/files/ana/",
        paths: &["/remote.php/dav/files/ana/"],
        origins: &[
            "https://cloud.example.coop",
            "https://CLOUD.Example.coop:443",
        ],
    },
    Base {
        url: "https://cloud.example.coop/dav/caf%C3%A9%20%26%20bar/",
        paths: &[
            "/dav/caf%C3%A9%20%26%20bar/",
            "/dav/caf%c3%a9%20&%20bar/",
            "/dav/café%20&%20bar/",
        ],
        origins: &["https://cloud.example.coop"],
    },
    Base {
        url: "http://127.0.0.1:8080/",
        paths: &["/"],
        origins: &["http://127.0.0.1:8080"],
    },
];

fn base_url(doc: &GenDoc) -> Url {
    Url::parse(BASES[doc.base].url).unwrap()
}

fn status_line(code: u16, rng: &mut Rng) -> String {
    let reason = match code {
        200 => "OK",
        201 => "Created",
        403 => "Forbidden",
        404 => "Not Found",
        424 => "Failed Dependency",
        507 => "Insufficient Storage",
        _ => "Whatever",
    };
    let proto = *rng.pick(&["HTTP/1.1", "HTTP/1.0", "HTTP/2"]);
    if rng.chance(20) {
        format!("{proto} {code}")
    } else {
        format!("{proto} {code} {reason}")
    }
}

fn expected(doc: &GenDoc) -> Vec<RawResponse> {
    let mut rng = Rng(doc.seed ^ 0x4EF5);
    doc.responses
        .iter()
        .map(|r| RawResponse {
            hrefs: r
                .targets
                .iter()
                .map(|t| href_of(doc, t, &mut rng))
                .collect(),
            status: match r.body {
                GenBody::Status(s) => Some(s),
                GenBody::Propstats(_) => None,
            },
            propstats: match &r.body {
                GenBody::Status(_) => Vec::new(),
                GenBody::Propstats(ps) => ps
                    .iter()
                    .map(|(status, props)| PropStat {
                        status: *status,
                        props: props.iter().map(GenEl::expected).collect(),
                    })
                    .collect(),
            },
            error: None,
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Writing hrefs.

fn encode_name(name: &str, all: bool, relative: bool) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let keep = if all {
            c.is_ascii_alphanumeric() || "-._~".contains(c)
        } else {
            !(c.is_whitespace()
                || c.is_control()
                || "%/\\?#".contains(c)
                // `a:b` as a relative reference would be a URL with scheme `a`.
                || (relative && c == ':'))
        };
        if keep {
            out.push(c);
        } else {
            let mut b = [0u8; 4];
            for byte in c.encode_utf8(&mut b).bytes() {
                out.push_str(&format!("%{byte:02X}"));
            }
        }
    }
    out
}

/// The href of `t`, as the server means it (before XML escaping). The
/// same `rng` sequence must be used for the document and the expectation.
fn href_of(doc: &GenDoc, t: &Target, rng: &mut Rng) -> String {
    let base = &BASES[doc.base];
    let path = *rng.pick(base.paths);
    let origin = *rng.pick(base.origins);
    let form = if t.names.is_empty() && t.form == 2 {
        0
    } else {
        t.form
    };
    let mut rel: Vec<String> = t
        .names
        .iter()
        .map(|n| encode_name(n, t.encode_all, form == 2))
        .collect();
    if t.collection && !t.names.is_empty() {
        rel.last_mut().unwrap().push('/');
    }
    let rel = rel.join("/");
    match form {
        0 => format!("{path}{rel}"),
        1 => format!("{origin}{path}{rel}"),
        _ => rel,
    }
}

// ---------------------------------------------------------------------------
// Writing XML.

struct Writer {
    out: String,
    rng: Rng,
    /// Namespace bindings in scope, one frame per open element:
    /// `(None, ns)` is a default namespace, `(Some(p), ns)` a prefix.
    scopes: Vec<Vec<(Option<String>, String)>>,
    /// Qualified names of the open elements.
    names: Vec<String>,
    prefix_counter: usize,
}

const PREFIXES: &[&str] = &["d", "D", "dav", "a", "x", "ns0", "oc", "s"];

impl Writer {
    fn lookup(&self, prefix: Option<&str>) -> Option<&str> {
        self.scopes
            .iter()
            .rev()
            .flatten()
            .find(|(p, _)| p.as_deref() == prefix)
            .map(|(_, ns)| ns.as_str())
    }

    /// Writes a start tag (with a prefix in scope, a new prefix or a new
    /// default namespace for `ns`).
    fn open(&mut self, ns: &str, local: &str, attrs: &BTreeMap<String, String>, empty: bool) {
        let mut frame = Vec::new();
        let mut usable: Vec<Option<String>> = Vec::new();
        if self.lookup(None) == Some(ns) {
            usable.push(None);
        }
        let bound: Vec<String> = self
            .scopes
            .iter()
            .flatten()
            .filter_map(|(p, _)| p.clone())
            .collect();
        for p in bound {
            if self.lookup(Some(&p)) == Some(ns) && !usable.contains(&Some(p.clone())) {
                usable.push(Some(p));
            }
        }
        let prefix = if !usable.is_empty() && self.rng.chance(80) {
            self.rng.pick(&usable).clone()
        } else if self.rng.chance(30) {
            frame.push((None, ns.to_owned()));
            None
        } else {
            let p = if self.rng.chance(70) {
                (*self.rng.pick(PREFIXES)).to_owned()
            } else {
                self.prefix_counter += 1;
                format!("p{}", self.prefix_counter)
            };
            frame.push((Some(p.clone()), ns.to_owned()));
            Some(p)
        };
        let qname = match &prefix {
            Some(p) => format!("{p}:{local}"),
            None => local.to_owned(),
        };
        self.out.push('<');
        self.out.push_str(&qname);
        for (p, n) in &frame {
            match p {
                Some(p) => self.out.push_str(&format!(" xmlns:{p}=\"{n}\"")),
                None => self.out.push_str(&format!(" xmlns=\"{n}\"")),
            }
        }
        // An unused declaration now and then.
        if self.rng.chance(5) {
            self.out.push_str(" xmlns:unused=\"urn:unused\"");
        }
        for (k, v) in attrs {
            let quote = if self.rng.chance(50) { '"' } else { '\'' };
            self.out.push(' ');
            self.out.push_str(k);
            if self.rng.chance(20) {
                self.out.push_str(" = ");
            } else {
                self.out.push('=');
            }
            self.out.push(quote);
            self.escaped(v, true);
            self.out.push(quote);
        }
        if self.rng.chance(10) {
            self.out.push(' ');
        }
        if empty {
            self.out.push_str("/>");
        } else {
            self.out.push('>');
            self.scopes.push(frame);
            self.names.push(qname);
        }
    }

    fn close(&mut self) {
        let qname = self.names.pop().expect("open element");
        self.scopes.pop();
        self.out.push_str("</");
        self.out.push_str(&qname);
        if self.rng.chance(10) {
            self.out.push(' ');
        }
        self.out.push('>');
    }

    /// Whitespace, comments or processing instructions where they carry
    /// no meaning.
    fn filler(&mut self) {
        let n = self.rng.below(3);
        for _ in 0..n {
            let f = *self.rng.pick(&[
                "",
                " ",
                "\n",
                "\n\t  ",
                "\r\n ",
                "<!-- comment -->",
                "<!--<&>]]>'\"-->",
                "<?pi some data?>",
            ]);
            self.out.push_str(f);
        }
    }

    /// Only whitespace (where the reader trims).
    fn blank(&mut self) {
        let f = *self.rng.pick(&["", "", " ", "\n  ", "\t"]);
        self.out.push_str(f);
    }

    /// Writes characters escaped (attribute values escape quotes always).
    fn escaped(&mut self, s: &str, attr: bool) {
        for c in s.chars() {
            let form = self.rng.below(10);
            match c {
                '<' => self.out.push_str(["&lt;", "&#60;", "&#x3C;"][form % 3]),
                '&' => self.out.push_str(["&amp;", "&#38;", "&#x26;"][form % 3]),
                '>' => self.out.push_str(["&gt;", "&#62;"][form % 2]),
                '"' if attr || form < 5 => self.out.push_str(["&quot;", "&#34;"][form % 2]),
                '\'' if attr || form < 5 => self.out.push_str(["&apos;", "&#39;"][form % 2]),
                _ if form == 0 => self.out.push_str(&format!("&#x{:x};", c as u32)),
                _ if form == 1 => self.out.push_str(&format!("&#{};", c as u32)),
                _ => self.out.push(c),
            }
        }
    }

    /// Writes text that must come back exactly: split into plain, CDATA
    /// and reference pieces with comments between them.
    fn text(&mut self, s: &str) {
        let chars: Vec<char> = s.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let n = 1 + self.rng.below(chars.len() - i);
            let piece: String = chars[i..i + n].iter().collect();
            i += n;
            if self.rng.chance(25) && !piece.contains("]]>") {
                self.out.push_str("<![CDATA[");
                self.out.push_str(&piece);
                self.out.push_str("]]>");
            } else {
                self.escaped(&piece, false);
            }
            if self.rng.chance(15) {
                let between = *self.rng.pick(&["<!---->", "<!-- x -->", "<?p?>"]);
                self.out.push_str(between);
            }
        }
    }
}

// The element-name stack lives beside the writer for readability.
impl Writer {
    fn new(seed: u64) -> Self {
        Writer {
            out: String::new(),
            rng: Rng(seed),
            scopes: Vec::new(),
            prefix_counter: 0,
            names: Vec::new(),
        }
    }
}

struct Written {
    xml: String,
    /// Just after the end of the root element: cutting anywhere before it
    /// must be an error.
    root_end: usize,
}

fn write_el(w: &mut Writer, el: &GenEl) {
    let empty = el.children.is_empty() && el.texts.iter().all(String::is_empty) && w.rng.chance(50);
    w.open(&el.ns, &el.local, &el.attrs, empty);
    if empty {
        return;
    }
    for (i, child) in el.children.iter().enumerate() {
        w.text(&el.texts[i]);
        write_el(w, child);
    }
    w.text(el.texts.last().expect("texts"));
    w.close();
}

fn junk(w: &mut Writer) {
    if w.rng.chance(50) {
        w.open(DAV, "responsedescription", &BTreeMap::new(), false);
        w.text("ignored <text> & more");
        w.close();
    } else {
        w.open("urn:junk", "junk", &BTreeMap::new(), false);
        w.open("urn:junk", "inner", &BTreeMap::new(), true);
        w.open(DAV, "response", &BTreeMap::new(), false);
        w.text("a DAV:response inside foreign junk is skipped");
        w.close();
        w.close();
    }
}

fn write_doc(doc: &GenDoc) -> Written {
    let mut w = Writer::new(doc.seed);
    let mut hrefs = Rng(doc.seed ^ 0x4EF5);
    if w.rng.chance(70) {
        let decl = *w.rng.pick(&[
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
            "<?xml version=\"1.0\"?>",
        ]);
        w.out.push_str(decl);
    }
    w.filler();
    let none = BTreeMap::new();
    if doc.responses.is_empty() && doc.sync_token.is_none() && w.rng.chance(50) {
        w.open(DAV, "multistatus", &none, true);
        let root_end = w.out.len();
        w.filler();
        return Written {
            xml: w.out,
            root_end,
        };
    }
    w.open(DAV, "multistatus", &none, false);
    let token_at = w.rng.below(doc.responses.len() + 1);
    for i in 0..=doc.responses.len() {
        w.filler();
        if w.rng.chance(5) {
            junk(&mut w);
            w.filler();
        }
        if i == token_at
            && let Some(token) = &doc.sync_token
        {
            w.open(DAV, "sync-token", &none, false);
            w.blank();
            w.text(token);
            w.blank();
            w.close();
            w.filler();
        }
        let Some(r) = doc.responses.get(i) else {
            break;
        };
        w.open(DAV, "response", &none, false);
        for t in &r.targets {
            w.filler();
            let href = href_of(doc, t, &mut hrefs);
            w.open(DAV, "href", &none, false);
            w.blank();
            w.text(&href);
            w.blank();
            w.close();
        }
        w.filler();
        match &r.body {
            GenBody::Status(code) => {
                let line = status_line(*code, &mut w.rng);
                w.open(DAV, "status", &none, false);
                w.blank();
                w.text(&line);
                w.blank();
                w.close();
            }
            GenBody::Propstats(ps) => {
                for (status, props) in ps {
                    w.filler();
                    w.open(DAV, "propstat", &none, false);
                    let status_first = w.rng.chance(20);
                    let line = status_line(*status, &mut w.rng);
                    let write_status = |w: &mut Writer| {
                        w.filler();
                        w.open(DAV, "status", &BTreeMap::new(), false);
                        w.blank();
                        w.text(&line);
                        w.blank();
                        w.close();
                    };
                    if status_first {
                        write_status(&mut w);
                    }
                    // Props, sometimes split over two <prop> elements.
                    let split = if props.len() > 1 && w.rng.chance(20) {
                        w.rng.below(props.len())
                    } else {
                        props.len()
                    };
                    let groups: Vec<&[GenEl]> = if split < props.len() {
                        vec![&props[..split], &props[split..]]
                    } else {
                        vec![&props[..]]
                    };
                    for group in groups {
                        w.filler();
                        if group.is_empty() && w.rng.chance(50) {
                            w.open(DAV, "prop", &none, true);
                            continue;
                        }
                        w.open(DAV, "prop", &none, false);
                        for p in group {
                            w.filler();
                            write_el(&mut w, p);
                        }
                        w.filler();
                        w.close();
                    }
                    if w.rng.chance(5) {
                        w.filler();
                        w.open(DAV, "responsedescription", &none, false);
                        w.text("why");
                        w.close();
                    }
                    if !status_first {
                        write_status(&mut w);
                    }
                    w.filler();
                    w.close();
                }
            }
        }
        if w.rng.chance(5) {
            w.open("urn:ext", "extra", &none, false);
            w.text("ignored");
            w.close();
        }
        w.filler();
        w.close();
    }
    w.filler();
    w.close();
    let root_end = w.out.len();
    w.filler();
    Written {
        xml: w.out,
        root_end,
    }
}

// ---------------------------------------------------------------------------
// Strategies.

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Characters for text: XML-legal, with markup characters and whitespace
/// often.
fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec!['<', '&', '>', '"', '\'', ' ', '\t', '\n', ']', ';', '#', '%']),
        3 => proptest::char::range('a', 'z'),
        3 => any::<char>().prop_map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' }),
    ]
}

/// Characters for names: no `/`, `\` or controls (mapped, not filtered,
/// so no case is rejected).
fn name_char() -> impl Strategy<Value = char> {
    text_char().prop_map(|c| {
        if c.is_control() || c == '/' || c == '\\' {
            '\u{e9}'
        } else {
            c
        }
    })
}

/// A name; never `.` or `..`.
fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(name_char(), 1..12).prop_map(|chars| {
        let n = String::from_iter(chars);
        if n == "." || n == ".." { n + "x" } else { n }
    })
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(text_char(), 0..16).prop_map(String::from_iter)
}

fn attr_value() -> impl Strategy<Value = String> {
    // Attribute-value normalisation turns literal tabs and newlines into
    // spaces: leave them out.
    prop::collection::vec(text_char(), 0..10).prop_map(|chars| {
        chars
            .into_iter()
            .map(|c| if c == '\t' || c == '\n' { ' ' } else { c })
            .collect()
    })
}

fn blank_text() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "", " ", "\n  ", "\t"]).prop_map(str::to_owned)
}

fn namespace() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(DAV.to_owned()),
        Just("http://owncloud.org/ns".to_owned()),
        Just("http://nextcloud.org/ns".to_owned()),
        "urn:x-[a-z]{1,6}",
        "http://example\\.org/[a-z]{1,4}/",
    ]
}

fn unknown_prop() -> impl Strategy<Value = GenEl> {
    let leaf = (
        namespace(),
        "[a-zA-Z_][a-zA-Z0-9_.-]{0,8}",
        prop::collection::btree_map("[a-wyz][a-z0-9_-]{0,5}", attr_value(), 0..3),
        text(),
    )
        .prop_map(|(ns, local, attrs, text)| GenEl {
            ns,
            local,
            attrs,
            texts: vec![text],
            children: Vec::new(),
        });
    leaf.prop_recursive(3, 16, 3, |inner| {
        (
            namespace(),
            "[a-zA-Z_][a-zA-Z0-9_.-]{0,8}",
            prop::collection::btree_map("[a-wyz][a-z0-9_-]{0,5}", attr_value(), 0..3),
            prop::collection::vec(inner, 0..3),
        )
            .prop_flat_map(|(ns, local, attrs, children)| {
                let n = children.len() + 1;
                prop::collection::vec(text(), n..=n).prop_map(move |texts| GenEl {
                    ns: ns.clone(),
                    local: local.clone(),
                    attrs: attrs.clone(),
                    texts,
                    children: children.clone(),
                })
            })
    })
}

fn prop_el() -> impl Strategy<Value = GenEl> {
    prop_oneof![
        "[0-9a-f]{1,16}".prop_map(|e| GenEl::leaf(DAV, "getetag", format!("\"{e}\""))),
        any::<u64>().prop_map(|n| GenEl::leaf(DAV, "getcontentlength", n.to_string())),
        (any::<bool>(), blank_text(), blank_text()).prop_map(|(coll, a, b)| {
            let mut el = GenEl::leaf(DAV, "resourcetype", a);
            if coll {
                el.children
                    .push(GenEl::leaf(DAV, "collection", String::new()));
                el.texts.push(b);
            }
            el
        }),
        text().prop_map(|t| GenEl::leaf(DAV, "displayname", t)),
        (namespace(), "[a-z][a-z-]{0,10}").prop_map(|(ns, local)| GenEl::leaf(
            &ns,
            &local,
            String::new()
        )),
        unknown_prop(),
    ]
}

fn propstat() -> impl Strategy<Value = (u16, Vec<GenEl>)> {
    (
        prop::sample::select(vec![200u16, 200, 200, 404, 403, 424, 507]),
        prop::collection::vec(prop_el(), 0..5),
    )
        .prop_map(|(status, props)| {
            let props = if status == 404 {
                props.into_iter().map(GenEl::emptied).collect()
            } else {
                props
            };
            (status, props)
        })
}

fn target() -> impl Strategy<Value = Target> {
    (
        prop::collection::vec(name(), 0..4),
        any::<bool>(),
        0u8..3,
        any::<bool>(),
    )
        .prop_map(|(names, collection, form, encode_all)| Target {
            names,
            collection,
            form,
            encode_all,
        })
}

fn response() -> impl Strategy<Value = GenResponse> {
    prop_oneof![
        4 => (target(), prop::collection::vec(propstat(), 0..3)).prop_map(|(t, ps)| GenResponse {
            targets: vec![t],
            body: GenBody::Propstats(ps),
        }),
        1 => (
            prop::collection::vec(target(), 1..4),
            prop::sample::select(vec![200u16, 404, 403, 507]),
        )
            .prop_map(|(targets, status)| GenResponse {
                targets,
                body: GenBody::Status(status),
            }),
    ]
}

fn doc() -> impl Strategy<Value = GenDoc> {
    (
        0..BASES.len(),
        prop::collection::vec(response(), 0..200),
        prop::option::of(text()),
        any::<u64>(),
    )
        .prop_map(|(base, responses, sync_token, seed)| GenDoc {
            base,
            responses,
            sync_token,
            seed,
        })
}

// ---------------------------------------------------------------------------
// Properties.

/// 96 cases per property unless `PROPTEST_CASES` says otherwise.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(96);
    ProptestConfig::with_cases(cases)
}

proptest! {
    #![proptest_config(config())]

    /// Parsing gives back exactly the generated responses and sync-token,
    /// and every parsed href resolves to the generated names.
    #[test]
    fn parses_back_what_was_generated(doc in doc()) {
        let written = write_doc(&doc);
        let (responses, outcome) = parse(written.xml.as_bytes(), doc.seed);
        let token = match outcome {
            Ok(t) => t,
            Err(e) => {
                return Err(TestCaseError::fail(format!("error {e:?} on\n{}", written.xml)));
            }
        };
        let want = expected(&doc);
        prop_assert_eq!(responses.len(), want.len());
        for (i, (got, want)) in responses.iter().zip(&want).enumerate() {
            prop_assert_eq!(got, want, "response {} of\n{}", i, written.xml);
        }
        prop_assert_eq!(token, doc.sync_token.as_deref().map(|t| t.trim().to_owned()));

        let base = base_url(&doc);
        for (got, gen_resp) in responses.iter().zip(&doc.responses) {
            for (h, t) in got.hrefs.iter().zip(&gen_resp.targets) {
                let r = href::resolve(&base, h);
                prop_assert!(r.is_ok(), "{:?} refused: {:?}", h, r);
                let r = r.unwrap();
                prop_assert_eq!(&r.rel, &t.names, "href {:?}", h);
                prop_assert_eq!(
                    r.trailing_slash,
                    t.collection || t.names.is_empty(),
                    "href {:?}", h
                );
            }
        }
    }

    /// Cutting a valid document anywhere before the end of its root
    /// element is an error, and what came before the error is a prefix of
    /// the real list.
    #[test]
    fn truncation_is_always_an_error(doc in doc(), at in any::<prop::sample::Index>()) {
        let written = write_doc(&doc);
        let cut = at.index(written.root_end);
        let (responses, outcome) = parse(&written.xml.as_bytes()[..cut], doc.seed);
        prop_assert!(
            outcome.is_err(),
            "cut at {} of {} parsed as {} responses: {:?}",
            cut, written.root_end, responses.len(), &written.xml[..cut]
        );
        let want = expected(&doc);
        prop_assert!(responses.len() <= want.len());
        prop_assert_eq!(&responses[..], &want[..responses.len()]);
    }

    /// Every generated href, resolved against the collection, gives back
    /// the generated names.
    #[test]
    fn hrefs_resolve_to_their_names(
        base in 0..BASES.len(),
        targets in prop::collection::vec(target(), 1..20),
        seed in any::<u64>(),
    ) {
        let doc = GenDoc { base, responses: Vec::new(), sync_token: None, seed };
        let url = base_url(&doc);
        let mut rng = Rng(seed);
        for t in &targets {
            let h = href_of(&doc, t, &mut rng);
            let r = href::resolve(&url, &h);
            prop_assert!(r.is_ok(), "{:?} refused: {:?}", h, r);
            let r = r.unwrap();
            prop_assert_eq!(&r.rel, &t.names, "href {:?}", h);
            let back = href::join_names(&url, r.rel.iter().map(String::as_str));
            prop_assert_eq!(href::resolve(&url, back.as_str()).unwrap().rel, r.rel);
        }
    }
}
