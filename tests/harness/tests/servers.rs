//! Every server of the harness is started here and proven to serve:
//! WebDAV servers take a PUT and list it in a PROPFIND; CalDAV/CardDAV
//! servers go through discovery, MKCALENDAR, an event PUT and a
//! sync-collection REPORT, then a vCard PUT and an addressbook-multiget.

use cc_harness::servers::{Kind, Server};
use reqwest::{Method, StatusCode};

const XML: &str = "application/xml; charset=utf-8";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

fn m(name: &str) -> Method {
    Method::from_bytes(name.as_bytes()).unwrap()
}

/// The text of the first `href` element after `marker` (a smoke test's
/// reading of XML; the DAV crate has the real parser).
fn href_after(body: &str, marker: &str) -> Option<String> {
    let rest = &body[body.find(marker)? + marker.len()..];
    let start = rest.find("href>")? + "href>".len();
    let end = rest[start..].find('<')?;
    Some(rest[start..start + end].trim().to_owned())
}

async fn webdav_put_then_propfind(kind: Kind) {
    let server = Server::start(kind);
    let c = client();
    let url = format!("{}smoke%20test.txt", server.files_url());
    let put = c
        .put(&url)
        .basic_auth(server.user(), Some(server.password()))
        .body("hello from the harness\n")
        .send()
        .await
        .unwrap();
    assert!(put.status().is_success(), "{kind:?} PUT: {}", put.status());

    let body = r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:getcontentlength/><d:resourcetype/></d:prop></d:propfind>"#;
    let list = c
        .request(m("PROPFIND"), server.files_url())
        .basic_auth(server.user(), Some(server.password()))
        .header("Depth", "1")
        .header("Content-Type", XML)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(list.status(), StatusCode::MULTI_STATUS, "{kind:?} PROPFIND");
    let text = list.text().await.unwrap();
    assert!(text.contains("smoke%20test.txt"), "{kind:?}: {text}");
    assert!(text.contains(">23<"), "{kind:?}: size 23 missing: {text}");

    let get = c
        .get(&url)
        .basic_auth(server.user(), Some(server.password()))
        .send()
        .await
        .unwrap();
    assert_eq!(get.text().await.unwrap(), "hello from the harness\n");

    let denied = c
        .get(&url)
        .basic_auth(server.user(), Some("wrong password"))
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::UNAUTHORIZED, "{kind:?}");
}

async fn caldav_discover_mkcalendar_put_sync(kind: Kind) {
    let server = Server::start(kind);
    let c = client();
    let auth = |r: reqwest::RequestBuilder| r.basic_auth(server.user(), Some(server.password()));
    let base = server.base_url();

    // Discovery: current-user-principal from the root, then the homes.
    let cup = r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>"#;
    let root = kind_root(kind);
    let r = auth(c.request(m("PROPFIND"), format!("{base}{root}")))
        .header("Depth", "0")
        .header("Content-Type", XML)
        .body(cup)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::MULTI_STATUS, "{kind:?} principal");
    let principal = href_after(&r.text().await.unwrap(), "current-user-principal").unwrap();
    assert_eq!(
        format!("{base}{principal}"),
        server.principal_url(),
        "{kind:?}"
    );
    let homes = r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:a="urn:ietf:params:xml:ns:carddav"><d:prop><c:calendar-home-set/><a:addressbook-home-set/></d:prop></d:propfind>"#;
    let r = auth(c.request(m("PROPFIND"), server.principal_url()))
        .header("Depth", "0")
        .header("Content-Type", XML)
        .body(homes)
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    let cal_home = href_after(&text, "calendar-home-set").unwrap();
    let ab_home = href_after(&text, "addressbook-home-set").unwrap();
    assert_eq!(
        format!("{base}{cal_home}"),
        server.calendar_home_url(),
        "{kind:?}"
    );
    assert_eq!(
        format!("{base}{ab_home}"),
        server.addressbook_home_url(),
        "{kind:?}"
    );

    // MKCALENDAR, then PUT an event.
    let cal = format!("{}smoke-cal/", server.calendar_home_url());
    let mk = r#"<?xml version="1.0" encoding="utf-8"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:set><d:prop><d:displayname>Smoke</d:displayname><c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>"#;
    let r = auth(c.request(m("MKCALENDAR"), &cal))
        .header("Content-Type", XML)
        .body(mk)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{kind:?} MKCALENDAR");
    let event = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//CommonsCloud//harness//EN\r\nBEGIN:VEVENT\r\nUID:smoke-1@commonscloud.test\r\nDTSTAMP:20261125T000000Z\r\nDTSTART:20261126T100000Z\r\nDTEND:20261126T110000Z\r\nSUMMARY:Assemblea\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let r = auth(c.put(format!("{cal}smoke-1.ics")))
        .header("Content-Type", "text/calendar; charset=utf-8")
        .header("If-None-Match", "*")
        .body(event)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{kind:?} PUT event");

    // sync-collection from an empty token lists the event.
    let sync = r#"<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"#;
    let r = auth(c.request(m("REPORT"), &cal))
        .header("Depth", "1")
        .header("Content-Type", XML)
        .body(sync)
        .send()
        .await
        .unwrap();
    if kind.has_sync_collection() {
        assert_eq!(
            r.status(),
            StatusCode::MULTI_STATUS,
            "{kind:?} sync-collection"
        );
        let text = r.text().await.unwrap();
        assert!(text.contains("smoke-1.ics"), "{kind:?}: {text}");
        assert!(
            text.contains("sync-token"),
            "{kind:?}: no new token: {text}"
        );
    } else {
        // The fallback path: getctag on the collection.
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "{kind:?} sync-collection unsupported"
        );
        let ctag = r#"<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/"><d:prop><cs:getctag/></d:prop></d:propfind>"#;
        let r = auth(c.request(m("PROPFIND"), &cal))
            .header("Depth", "0")
            .header("Content-Type", XML)
            .body(ctag)
            .send()
            .await
            .unwrap();
        let text = r.text().await.unwrap();
        assert!(text.contains("getctag>"), "{kind:?}: {text}");
    }

    // CardDAV: an address book, a vCard, an addressbook-multiget.
    let ab = format!("{}smoke-book/", server.addressbook_home_url());
    let mkcol = r#"<?xml version="1.0" encoding="utf-8"?><d:mkcol xmlns:d="DAV:" xmlns:a="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype><d:collection/><a:addressbook/></d:resourcetype><d:displayname>Smoke</d:displayname></d:prop></d:set></d:mkcol>"#;
    let r = auth(c.request(m("MKCOL"), &ab))
        .header("Content-Type", XML)
        .body(mkcol)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{kind:?} MKCOL address book"
    );
    let card = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:smoke-card@commonscloud.test\r\nFN:Jordi Puig\r\nN:Puig;Jordi;;;\r\nEMAIL:jordi@example.org\r\nEND:VCARD\r\n";
    let r = auth(c.put(format!("{ab}smoke-card.vcf")))
        .header("Content-Type", "text/vcard; charset=utf-8")
        .header("If-None-Match", "*")
        .body(card)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "{kind:?} PUT vCard");
    let ab_path = ab.strip_prefix(&base).unwrap();
    let multiget = format!(
        r#"<?xml version="1.0" encoding="utf-8"?><a:addressbook-multiget xmlns:d="DAV:" xmlns:a="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/><a:address-data/></d:prop><d:href>{ab_path}smoke-card.vcf</d:href></a:addressbook-multiget>"#
    );
    let r = auth(c.request(m("REPORT"), &ab))
        .header("Depth", "1")
        .header("Content-Type", XML)
        .body(multiget)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::MULTI_STATUS, "{kind:?} multiget");
    let text = r.text().await.unwrap();
    assert!(text.contains("FN:Jordi Puig"), "{kind:?}: {text}");
}

/// Where discovery starts: the DAV root of each server.
fn kind_root(kind: Kind) -> &'static str {
    match kind {
        Kind::Cyrus => "/dav/",
        _ => "/",
    }
}

#[tokio::test]
async fn apache_serves_webdav() {
    webdav_put_then_propfind(Kind::Apache).await;
}

#[tokio::test]
async fn lighttpd_serves_webdav() {
    webdav_put_then_propfind(Kind::Lighttpd).await;
}

#[tokio::test]
async fn sabredav_serves_webdav() {
    webdav_put_then_propfind(Kind::SabreFiles).await;
}

#[tokio::test]
async fn rclone_serves_webdav() {
    webdav_put_then_propfind(Kind::Rclone).await;
}

#[tokio::test]
async fn radicale_serves_caldav_and_carddav() {
    caldav_discover_mkcalendar_put_sync(Kind::Radicale).await;
}

#[tokio::test]
async fn cyrus_serves_caldav_and_carddav() {
    caldav_discover_mkcalendar_put_sync(Kind::Cyrus).await;
}

#[tokio::test]
async fn xandikos_serves_caldav_and_carddav() {
    caldav_discover_mkcalendar_put_sync(Kind::Xandikos).await;
}

#[tokio::test]
async fn sabredav_serves_caldav_and_carddav() {
    caldav_discover_mkcalendar_put_sync(Kind::SabrePim).await;
}

#[test]
fn a_server_stops_when_its_handle_drops() {
    let server = Server::start(Kind::Apache);
    let addr = server.addr();
    let root = server.root().to_path_buf();
    drop(server);
    assert!(
        std::net::TcpStream::connect_timeout(&addr, std::time::Duration::from_millis(500)).is_err(),
        "Apache still listening after drop"
    );
    assert!(!root.exists(), "temporary folder left behind");
}
