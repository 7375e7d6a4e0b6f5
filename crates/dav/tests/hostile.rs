//! The client against the harness's hostile server: every crafted bad
//! answer must end in a clear, typed error naming the server and the
//! method — never in an entry handed over from a hostile href, a panic or
//! unbounded memory.

use std::time::{Duration, Instant};

use bytes::Bytes;
use cc_dav::href::HrefError;
use cc_dav::xml::{Limits, QName, XmlError};
use cc_dav::{ClientConfig, Credentials, DavClient, DavError, Depth, ErrorKind, PutOptions};
use cc_harness::hostile::{Action, Behaviour, Body, HostileServer, Reply, Request};
use url::Url;

/// The collection every test lists.
const COLL: &str = "/dav/";

/// Tests that move a lot of memory run one at a time, so that the peak
/// memory one of them measures is its own.
static HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn config() -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(10),
        retries: 0,
        backoff: Duration::from_millis(10),
        ..ClientConfig::default()
    }
}

fn client(config: ClientConfig) -> DavClient {
    DavClient::new(
        config,
        Some(Credentials {
            user: cc_harness::USER.into(),
            password: cc_harness::PASSWORD.into(),
        }),
    )
    .unwrap()
}

fn coll(server: &HostileServer) -> Url {
    Url::parse(&server.url(COLL)).unwrap()
}

/// A plain file (or, with a trailing slash, folder) response.
fn response(href: &str) -> String {
    let rt = if href.ends_with('/') {
        "<d:resourcetype><d:collection/></d:resourcetype>"
    } else {
        "<d:resourcetype/>"
    };
    format!(
        "<d:response><d:href>{href}</d:href><d:propstat><d:prop>\
         <d:getetag>\"e1\"</d:getetag><d:getcontentlength>3</d:getcontentlength>{rt}\
         </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
    )
}

fn multistatus(inner: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <d:multistatus xmlns:d=\"DAV:\">{inner}</d:multistatus>"
    )
}

/// Lists [`COLL`] and returns the entries handed over and the outcome.
async fn list(
    server: &HostileServer,
    config: ClientConfig,
) -> (Vec<cc_dav::FileEntry>, Result<(), DavError>) {
    let c = client(config);
    let mut entries = Vec::new();
    let r = c
        .list(&coll(server), Depth::One, |e| {
            entries.push(e);
            Ok(())
        })
        .await;
    (entries, r)
}

/// The error names the server (host:port) and the method, and never the
/// password.
fn assert_names_server(err: &DavError, server: &HostileServer, method: &str) {
    let addr = server.addr().to_string();
    assert_eq!(err.server, addr, "{err}");
    assert_eq!(err.method, method, "{err}");
    let shown = err.to_string();
    assert!(shown.contains(&format!("({addr})")), "{shown}");
    assert!(shown.starts_with(&format!("{method} ")), "{shown}");
    assert!(!shown.contains(cc_harness::PASSWORD), "{shown}");
}

/// The listing fails with `expected`; only the collection itself (listed
/// before the hostile response) was handed over.
async fn assert_listing_refused(server: &HostileServer, config: ClientConfig, expected: ErrorKind) {
    let (entries, r) = list(server, config).await;
    let err = r.expect_err("the hostile listing was accepted");
    assert_eq!(err.kind, expected, "{err}");
    assert_names_server(&err, server, "PROPFIND");
    assert!(
        entries.iter().all(|e| e.path.is_empty()),
        "entries handed over: {entries:?}"
    );
    assert_eq!(server.request_count(), 1);
    let req = &server.requests()[0];
    assert_eq!(req.method, "PROPFIND");
    assert!(req.header("authorization").is_some());
}

// ---------------------------------------------------------------------------
// Hrefs that leave the collection.

/// Serves the collection, then `href` (with `{HOST}` replaced by this
/// server's host:port and `{OTHER}` by host:another-port), then a good
/// entry that must never be reached.
fn href_server(href: &'static str) -> HostileServer {
    HostileServer::start(Behaviour::script(move |req: &Request, _| {
        let host = req.header("host").unwrap_or("127.0.0.1").to_owned();
        let port: u16 = host
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(80);
        let other = format!("127.0.0.1:{}", port.wrapping_add(1));
        let href = href.replace("{HOST}", &host).replace("{OTHER}", &other);
        let body = multistatus(&format!(
            "{}{}{}",
            response(COLL),
            response(&href),
            response("/dav/after.txt")
        ));
        Action::Reply(Reply::multistatus(body))
    }))
}

async fn refused_href(href: &'static str, expected: fn(String) -> HrefError) {
    let server = href_server(href);
    let raw = href.replace("{HOST}", &server.addr().to_string()).replace(
        "{OTHER}",
        &format!("127.0.0.1:{}", server.addr().port().wrapping_add(1)),
    );
    assert_listing_refused(&server, config(), ErrorKind::Href(expected(raw))).await;
}

#[tokio::test]
async fn href_with_dot_dot_segments() {
    refused_href("/dav/../etc/passwd", HrefError::DotSegment).await;
}

#[tokio::test]
async fn href_with_encoded_dot_dot() {
    refused_href("/dav/%2e%2e/dav-other/secret", HrefError::DotSegment).await;
}

#[tokio::test]
async fn href_on_another_host() {
    refused_href("http://evil.example/dav/x.txt", HrefError::ForeignOrigin).await;
}

#[tokio::test]
async fn href_on_another_port() {
    refused_href("http://{OTHER}/dav/x.txt", HrefError::ForeignOrigin).await;
}

#[tokio::test]
async fn href_with_encoded_slash_in_a_name() {
    refused_href("/dav/a%2Fb.txt", HrefError::EncodedSlash).await;
}

#[tokio::test]
async fn href_with_nul() {
    refused_href("/dav/a%00b.txt", HrefError::ControlChar).await;
}

#[tokio::test]
async fn href_with_overlong_name() {
    // 300 characters, more than any common local filesystem takes.
    const LONG: &str = concat!(
        "/dav/",
        "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
        "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
        "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn",
    );
    assert_eq!(LONG.len(), 5 + 300);
    refused_href(LONG, HrefError::NameTooLong).await;
}

#[tokio::test]
async fn href_in_a_sibling_folder() {
    refused_href("/dav-other/x.txt", HrefError::OutsideCollection).await;
}

#[tokio::test]
async fn href_with_userinfo() {
    refused_href(
        "http://ana:secret@{HOST}/dav/x.txt",
        HrefError::ForeignOrigin,
    )
    .await;
}

// ---------------------------------------------------------------------------
// Hostile XML.

async fn refused_xml(body: String, limits: Limits, expected: XmlError) {
    let server = HostileServer::start(Reply::multistatus(body));
    let config = ClientConfig { limits, ..config() };
    assert_listing_refused(&server, config, ErrorKind::Xml(expected)).await;
}

#[tokio::test]
async fn billion_laughs_is_refused_as_doctype() {
    let body = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<d:multistatus xmlns:d="DAV:"><d:response><d:href>/dav/</d:href>
<d:propstat><d:prop><d:displayname>&lol9;</d:displayname></d:prop>
<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"#;
    refused_xml(body.into(), Limits::default(), XmlError::Doctype).await;
}

#[tokio::test]
async fn external_entity_is_refused_as_doctype() {
    let body = r#"<?xml version="1.0"?>
<!DOCTYPE d:multistatus [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<d:multistatus xmlns:d="DAV:"><d:response><d:href>/dav/&xxe;</d:href>
<d:propstat><d:prop><d:displayname>&xxe;</d:displayname></d:prop>
<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"#;
    refused_xml(body.into(), Limits::default(), XmlError::Doctype).await;
}

#[tokio::test]
async fn undeclared_entity_is_refused() {
    let body = multistatus(
        "<d:response><d:href>/dav/</d:href><d:propstat><d:prop>\
         <d:displayname>&xxe;</d:displayname></d:prop>\
         <d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>",
    );
    refused_xml(body, Limits::default(), XmlError::Entity("xxe".into())).await;
}

#[tokio::test]
async fn nesting_ten_thousand_levels_is_refused() {
    let body = multistatus(&format!(
        "<d:response><d:href>/dav/</d:href><d:propstat><d:prop>{}{}</d:prop>\
         <d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>",
        "<x:a xmlns:x=\"urn:x\">".repeat(10_000),
        "</x:a>".repeat(10_000)
    ));
    refused_xml(body, Limits::default(), XmlError::TooDeep(32)).await;
}

#[tokio::test]
async fn status_line_garbage_in_propstat() {
    let body = multistatus(
        "<d:response><d:href>/dav/</d:href><d:propstat><d:prop><d:getetag>\"1\"</d:getetag>\
         </d:prop><d:status>nonsense</d:status></d:propstat></d:response>",
    );
    refused_xml(
        body,
        Limits::default(),
        XmlError::BadStatus("nonsense".into()),
    )
    .await;
}

// ---------------------------------------------------------------------------
// Size and memory.

/// The process's peak resident memory (VmHWM) in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmHWM in /proc/self/status")
        * 1024
}

/// Resets the peak to the current resident size (Linux ≥ 4.0), so the
/// next [`peak_rss`] measures from now on. Returns whether it could.
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

const MIB: u64 = 1024 * 1024;

/// A body of `total` bytes: one response whose `displayname` is a single
/// text node filling everything, generated 64 KiB at a time.
fn one_huge_text_node(total: u64) -> Body {
    let head = multistatus("<d:response><d:href>/dav/</d:href><d:propstat><d:prop><d:displayname>")
        .replace("</d:multistatus>", "")
        .into_bytes();
    let tail = b"</d:displayname></d:prop><d:status>HTTP/1.1 200 OK</d:status>\
                 </d:propstat></d:response></d:multistatus>"
        .to_vec();
    let fill = total - head.len() as u64 - tail.len() as u64;
    let piece = 64 * 1024u64;
    let pieces = fill.div_ceil(piece);
    Body::generated(Some(total), move |i| match i {
        0 => Some(head.clone()),
        i if i <= pieces => {
            let n = if i == pieces {
                fill - piece * (i - 1)
            } else {
                piece
            };
            Some(vec![b'A'; n as usize])
        }
        i if i == pieces + 1 => Some(tail.clone()),
        _ => None,
    })
}

#[tokio::test]
async fn fifty_megabyte_text_node_is_response_too_large() {
    let _heavy = HEAVY.lock().await;
    let server = HostileServer::start(
        Reply::generated(207, one_huge_text_node(50 * MIB))
            .header("Content-Type", "application/xml"),
    );
    let limits = Limits {
        max_response_bytes: MIB as usize,
        ..Limits::default()
    };
    assert_listing_refused(
        &server,
        ClientConfig { limits, ..config() },
        ErrorKind::Xml(XmlError::ResponseTooLarge(MIB as usize)),
    )
    .await;
}

/// A 1 MiB response limit must bound the memory one response takes, also
/// when the response is one single 50 MB text node.
#[tokio::test]
async fn fifty_megabyte_text_node_stays_within_the_response_limit_in_memory() {
    let _heavy = HEAVY.lock().await;
    let server = HostileServer::start(
        Reply::generated(207, one_huge_text_node(50 * MIB))
            .header("Content-Type", "application/xml"),
    );
    let limits = Limits {
        max_response_bytes: MIB as usize,
        ..Limits::default()
    };
    assert!(reset_peak_rss(), "cannot reset VmHWM");
    let before = peak_rss();
    let (_, r) = list(&server, ClientConfig { limits, ..config() }).await;
    let grown = peak_rss().saturating_sub(before);
    assert_eq!(
        r.unwrap_err().kind,
        ErrorKind::Xml(XmlError::ResponseTooLarge(MIB as usize))
    );
    assert!(
        grown < 16 * MIB,
        "peak memory grew by {} MiB for a 1 MiB response limit",
        grown / MIB
    );
}

#[tokio::test]
async fn one_gigabyte_listing_is_body_too_large_in_bounded_memory() {
    let _heavy = HEAVY.lock().await;
    const GIB: u64 = 1024 * MIB;
    const PER_CHUNK: u64 = 256;
    fn entry(i: u64) -> String {
        format!(
            "<d:response><d:href>/dav/f{i:010}.txt</d:href><d:propstat><d:prop>\
             <d:getetag>\"{i:010}\"</d:getetag><d:getcontentlength>{i:010}</d:getcontentlength>\
             <d:resourcetype/></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>\
             </d:response>"
        )
    }
    let head = multistatus(&response(COLL)).replace("</d:multistatus>", "");
    let tail = "</d:multistatus>";
    let entry_len = entry(0).len() as u64;
    let chunk_len = entry_len * PER_CHUNK;
    let chunks = (GIB - head.len() as u64).div_ceil(chunk_len);
    let total = head.len() as u64 + chunks * chunk_len + tail.len() as u64;
    assert!(total >= GIB);
    let body = Body::generated(Some(total), move |i| match i {
        0 => Some(head.clone().into_bytes()),
        i if i <= chunks => {
            let first = (i - 1) * PER_CHUNK;
            let mut s = String::with_capacity(chunk_len as usize);
            for n in first..first + PER_CHUNK {
                s.push_str(&entry(n));
            }
            Some(s.into_bytes())
        }
        i if i == chunks + 1 => Some(tail.as_bytes().to_vec()),
        _ => None,
    });
    let server =
        HostileServer::start(Reply::generated(207, body).header("Content-Type", "application/xml"));
    let limits = Limits {
        max_body_bytes: 64 * MIB,
        ..Limits::default()
    };
    let reset = reset_peak_rss();
    let before = peak_rss();
    let c = client(ClientConfig { limits, ..config() });
    let mut count = 0u64;
    let r = c
        .list(&coll(&server), Depth::One, |e| {
            assert!(e.path.is_empty() || e.path[0].starts_with('f'), "{e:?}");
            count += 1;
            Ok(())
        })
        .await;
    let grown = peak_rss().saturating_sub(before);
    let err = r.unwrap_err();
    assert_eq!(
        err.kind,
        ErrorKind::Xml(XmlError::BodyTooLarge(64 * MIB)),
        "{err}"
    );
    assert_names_server(&err, &server, "PROPFIND");
    // Entries stream out while the body comes; none past the limit.
    assert!(count > 1000, "{count} entries");
    assert!(count * entry_len <= 64 * MIB, "{count} entries");
    assert!(
        grown < 200 * MIB,
        "peak memory grew by {} MiB (VmHWM reset: {reset})",
        grown / MIB
    );
}

// ---------------------------------------------------------------------------
// Broken framing.

#[tokio::test]
async fn body_truncated_mid_document() {
    let body = multistatus(&format!(
        "{}{}{}",
        response(COLL),
        response("/dav/a.txt"),
        response("/dav/b.txt")
    ));
    // The whole length is announced; the connection closes in the middle
    // of the second response.
    let cut = body.find("/dav/a.txt").unwrap() as u64 + 20;
    let server = HostileServer::start(Action::CutAfter(Reply::multistatus(body), cut));
    // What happens: hyper reports the early close as a body error, which
    // the body reader hands to the XML reader as an unexpected EOF.
    assert_listing_refused(&server, config(), ErrorKind::Xml(XmlError::Truncated)).await;
}

#[tokio::test]
async fn html_login_page_with_207() {
    let server = HostileServer::start(
        Reply::new(
            207,
            "<!DOCTYPE html><html><body><form>Log in</form></body></html>",
        )
        .header("Content-Type", "text/html; charset=utf-8"),
    );
    let (entries, r) = list(&server, config()).await;
    let err = r.unwrap_err();
    assert!(
        matches!(&err.kind, ErrorKind::Protocol(m) if m.contains("text/html")),
        "{err}"
    );
    assert_names_server(&err, &server, "PROPFIND");
    assert!(entries.is_empty());
}

#[tokio::test]
async fn ok_200_instead_of_207() {
    let body = multistatus(&response(COLL));
    let server = HostileServer::start(
        Reply::new(200, body).header("Content-Type", "application/xml; charset=utf-8"),
    );
    let (entries, r) = list(&server, config()).await;
    let err = r.unwrap_err();
    assert!(
        matches!(&err.kind, ErrorKind::Protocol(m) if m.contains("expected 207")),
        "{err}"
    );
    assert_names_server(&err, &server, "PROPFIND");
    assert!(entries.is_empty());
}

#[tokio::test]
async fn get_body_shorter_than_content_length() {
    let content: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
    let server = HostileServer::start(Action::CutAfter(
        Reply::new(200, content.clone()).header("Content-Type", "application/octet-stream"),
        300,
    ));
    let c = client(config());
    let url = Url::parse(&server.url("/dav/file.bin")).unwrap();
    let mut written = Vec::new();
    let err = c.get(&url, &mut written, 0, None).await.unwrap_err();
    assert!(matches!(err.kind, ErrorKind::Transport(_)), "{err}");
    assert_names_server(&err, &server, "GET");
    assert!(written.len() <= 300, "{} bytes written", written.len());
    assert_eq!(written[..], content[..written.len()]);
}

// ---------------------------------------------------------------------------
// Silence, stalls and retries.

fn impatient(retries: u32) -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_secs(1),
        read_timeout: Duration::from_secs(1),
        retries,
        backoff: Duration::from_millis(10),
        ..ClientConfig::default()
    }
}

#[tokio::test]
async fn never_answering_server_is_timeout() {
    let server = HostileServer::start(Action::Silent);
    let (entries, r) = list(&server, impatient(0)).await;
    let err = r.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert_names_server(&err, &server, "PROPFIND");
    assert!(entries.is_empty());
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn never_answering_server_propfind_is_retried() {
    let server = HostileServer::start(Action::Silent);
    let (_, r) = list(&server, impatient(2)).await;
    let err = r.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert_names_server(&err, &server, "PROPFIND");
    let seen = server.requests();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert!(seen.iter().all(|r| r.method == "PROPFIND"));
}

#[tokio::test]
async fn never_answering_server_put_is_sent_once() {
    let server = HostileServer::start(Action::Silent);
    let c = client(impatient(2));
    let url = Url::parse(&server.url("/dav/upload.txt")).unwrap();
    let err = c
        .put_bytes(&url, Bytes::from_static(b"data"), &PutOptions::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert_names_server(&err, &server, "PUT");
    // Give a wrongful retry the time to arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let seen = server.requests();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].method, "PUT");
    assert_eq!(seen[0].body, b"data");
}

#[tokio::test]
async fn headers_then_stall_on_get_is_timeout() {
    let server = HostileServer::start(Action::Stall(Reply::new(200, vec![0u8; 100])));
    let c = client(impatient(0));
    let url = Url::parse(&server.url("/dav/file.bin")).unwrap();
    let mut written = Vec::new();
    let err = c.get(&url, &mut written, 0, None).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert_names_server(&err, &server, "GET");
    assert!(written.is_empty());
}

#[tokio::test]
async fn headers_then_stall_on_propfind_is_timeout() {
    let server = HostileServer::start(Action::Stall(Reply::multistatus(multistatus(&response(
        COLL,
    )))));
    let (entries, r) = list(&server, impatient(0)).await;
    let err = r.unwrap_err();
    assert_names_server(&err, &server, "PROPFIND");
    assert!(entries.is_empty());
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(err.is_transient());
}

#[tokio::test]
async fn unavailable_with_retry_after_then_success() {
    let good = multistatus(&format!("{}{}", response(COLL), response("/dav/a.txt")));
    let server = HostileServer::start(Behaviour::sequence(vec![
        Action::Reply(Reply::new(503, "maintenance").header("Retry-After", "1")),
        Action::Reply(Reply::multistatus(good)),
    ]));
    let c = client(ClientConfig {
        retries: 2,
        ..config()
    });
    let started = Instant::now();
    let mut hrefs = Vec::new();
    c.propfind(&coll(&server), Depth::One, &[QName::dav("getetag")], |r| {
        hrefs.push(r.href.rel_path());
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(hrefs, vec!["".to_owned(), "a.txt".to_owned()]);
    assert_eq!(server.request_count(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After was not honoured: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn listings_either_side_of_the_inline_size_are_read_whole() {
    // Small answers are parsed on the calling task, larger ones stream
    // through the parser thread with what was read first put back in
    // front: the same entries either way, and a cut near the end is still
    // an error.
    let one = response("/dav/f00000.txt").len();
    let around = cc_dav::client::INLINE_BODY / one;
    for n in [around - 2, around, around + 2, around * 3] {
        let mut inner = response(COLL);
        for i in 0..n {
            inner.push_str(&response(&format!("/dav/f{i:05}.txt")));
        }
        let body = multistatus(&inner);
        let server = HostileServer::start(Reply::multistatus(body.clone()));
        let (entries, r) = list(&server, config()).await;
        r.unwrap_or_else(|e| panic!("{n} entries: {e}"));
        assert_eq!(entries.len(), n + 1, "{n} entries");
        for (i, e) in entries.iter().skip(1).enumerate() {
            assert_eq!(e.path, [format!("f{i:05}.txt")], "{n} entries");
        }
        let cut = body.len() as u64 - 20;
        let server = HostileServer::start(Action::CutAfter(Reply::multistatus(body), cut));
        let (_, r) = list(&server, config()).await;
        assert_eq!(
            r.expect_err("a cut body").kind,
            ErrorKind::Xml(XmlError::Truncated),
            "{n} entries"
        );
    }
}
