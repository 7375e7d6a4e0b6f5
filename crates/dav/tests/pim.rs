//! CalDAV and CardDAV against real servers started by the harness:
//! Radicale, Cyrus, Xandikos and the real Nextcloud 33 (sync-collection)
//! and sabre/dav 1.8 (the getctag + ETag fallback).

use cc_dav::client::{ClientConfig, Credentials, DavClient};
use cc_dav::error::ErrorKind;
use cc_dav::files::Precondition;
use cc_dav::href::join_names;
use cc_dav::pim::Service;
use cc_harness::servers::{Kind, Server};
use url::Url;

fn client(server: &Server) -> DavClient {
    DavClient::new(
        ClientConfig::default(),
        Some(Credentials {
            user: server.user().into(),
            password: server.password().into(),
        }),
    )
    .unwrap()
}

/// Which server a test runs against (its name for the messages).
#[derive(Clone)]
struct Label(String, bool);

impl std::fmt::Debug for Label {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Label {
    fn has_sync_collection(&self) -> bool {
        self.1
    }
}

/// A CalDAV/CardDAV server of the harness or the real Nextcloud, with a
/// client signed in to it.
struct Target {
    label: Label,
    base: String,
    principal: String,
    calendars: String,
    books: String,
    client: DavClient,
    _up: Box<dyn std::any::Any>,
}

impl Target {
    fn harness(kind: Kind) -> Target {
        let server = Server::start(kind);
        Target {
            label: Label(format!("{kind:?}"), kind.has_sync_collection()),
            base: server.base_url(),
            principal: server.principal_url(),
            calendars: server.calendar_home_url(),
            books: server.addressbook_home_url(),
            client: client(&server),
            _up: Box::new(server),
        }
    }

    /// A fresh user of the real Nextcloud; `None` where there is none.
    fn nextcloud() -> Option<Target> {
        let nc = cc_harness::nextcloud::turn()?;
        let user = nc.new_user("pim");
        Some(Target {
            label: Label("Nextcloud".into(), true),
            base: user.base_url().to_owned(),
            principal: user.principal_url(),
            calendars: user.calendar_home_url(),
            books: user.addressbook_home_url(),
            client: user.dav_client(),
            _up: Box::new(nc),
        })
    }

    fn base_url(&self) -> String {
        self.base.clone()
    }
    fn principal_url(&self) -> String {
        self.principal.clone()
    }
    fn calendar_home_url(&self) -> String {
        self.calendars.clone()
    }
    fn addressbook_home_url(&self) -> String {
        self.books.clone()
    }
}

fn event(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//CommonsCloud//tests//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261125T090000Z\r\nDTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// A weekly event with a time zone and one moved occurrence: one resource.
fn recurring(uid: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//CommonsCloud//tests//EN\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Madrid\r\nBEGIN:STANDARD\r\nDTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261125T090000Z\r\nDTSTART;TZID=Europe/Madrid:20261202T093000\r\nDTEND;TZID=Europe/Madrid:20261202T094500\r\nRRULE:FREQ=WEEKLY;COUNT=10\r\nSUMMARY:Standup\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261125T090000Z\r\nRECURRENCE-ID;TZID=Europe/Madrid:20261209T093000\r\nDTSTART;TZID=Europe/Madrid:20261209T110000\r\nDTEND;TZID=Europe/Madrid:20261209T111500\r\nSUMMARY:Standup (moved)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

async fn calendars(server: Target) {
    let kind = server.label.clone();
    let c = server.client.clone();
    let base = Url::parse(&format!("{}/", server.base_url())).unwrap();

    // Discovery from the bare server address.
    let d = c.discover(&base, Service::CalDav).await.unwrap();
    assert_eq!(d.principal.as_str(), server.principal_url(), "{kind:?}");
    let home = d.home.expect("calendar home");
    assert_eq!(home.as_str(), server.calendar_home_url(), "{kind:?}");

    // A new calendar shows up with its name and components.
    let cal = cc_dav::href::as_collection(&join_names(&home, ["feina"]));
    c.mkcalendar(&cal, "Feina i més", &["VEVENT", "VTODO"], Some("#0B6E69FF"))
        .await
        .unwrap();
    let cols = c.collections(&home, Service::CalDav).await.unwrap();
    let feina = cols
        .iter()
        .find(|x| x.url == cal)
        .unwrap_or_else(|| panic!("{kind:?}: {cols:#?}"));
    assert_eq!(
        feina.display_name.as_deref(),
        Some("Feina i més"),
        "{kind:?}"
    );
    assert!(
        feina.components.is_empty() || feina.components.contains(&"VEVENT".to_owned()),
        "{kind:?}"
    );

    // Three items; creating one twice is refused.
    let urls: Vec<Url> = ["a.ics", "b.ics", "standup.ics"]
        .iter()
        .map(|n| join_names(&cal, [*n]))
        .collect();
    c.put_item(
        &urls[0],
        Service::CalDav,
        &event("a@cc", "Assemblea"),
        &Precondition::create_only(),
    )
    .await
    .unwrap();
    c.put_item(
        &urls[1],
        Service::CalDav,
        &event("b@cc", "Dinar"),
        &Precondition::create_only(),
    )
    .await
    .unwrap();
    c.put_item(
        &urls[2],
        Service::CalDav,
        &recurring("standup@cc"),
        &Precondition::create_only(),
    )
    .await
    .unwrap();
    let twice = c
        .put_item(
            &urls[0],
            Service::CalDav,
            &event("a@cc", "x"),
            &Precondition::create_only(),
        )
        .await
        .unwrap_err();
    assert_eq!(twice.kind, ErrorKind::PreconditionFailed, "{kind:?}");

    // Multiget in batches of two, with one href that does not exist.
    let mut asked = urls.clone();
    asked.push(join_names(&cal, ["missing.ics"]));
    let (items, missing) = c.multiget(&cal, Service::CalDav, &asked, 2).await.unwrap();
    assert_eq!(items.len(), 3, "{kind:?}: {items:#?}");
    assert_eq!(missing.len(), 1, "{kind:?}: {missing:?}");
    let standup = items
        .iter()
        .find(|i| i.data.contains("standup@cc"))
        .unwrap();
    assert!(
        standup.data.contains("RECURRENCE-ID"),
        "{kind:?}: override kept"
    );
    assert!(
        standup.data.contains("VTIMEZONE"),
        "{kind:?}: time zone kept"
    );
    let etag_a = items
        .iter()
        .find(|i| i.data.contains("a@cc"))
        .unwrap()
        .etag
        .clone()
        .unwrap();
    let etag_b = items
        .iter()
        .find(|i| i.data.contains("b@cc"))
        .unwrap()
        .etag
        .clone()
        .unwrap();

    let before = if kind.has_sync_collection() {
        let initial = c.sync_collection(&cal, None, None).await.unwrap();
        assert!(initial.full);
        assert_eq!(initial.changed.len(), 3, "{kind:?}: {initial:#?}");
        assert!(initial.token.is_some());
        initial.token
    } else {
        let err = c.sync_collection(&cal, None, None).await.unwrap_err();
        assert!(
            matches!(err.kind, ErrorKind::Forbidden(_) | ErrorKind::Status { .. }),
            "{kind:?}: {err}"
        );
        None
    };
    let ctag_before = c.ctag(&cal).await.unwrap();

    // Update guarded by the ETag; a stale ETag is refused.
    c.put_item(
        &urls[0],
        Service::CalDav,
        &event("a@cc", "Assemblea general"),
        &Precondition::if_match(etag_a.clone()),
    )
    .await
    .unwrap();
    let stale = c
        .put_item(
            &urls[0],
            Service::CalDav,
            &event("a@cc", "stale"),
            &Precondition::if_match(etag_a),
        )
        .await
        .unwrap_err();
    assert_eq!(stale.kind, ErrorKind::PreconditionFailed, "{kind:?}");
    c.delete_item(&urls[1], Some(&etag_b)).await.unwrap();

    if kind.has_sync_collection() {
        let inc = c
            .sync_collection(&cal, before.as_deref(), None)
            .await
            .unwrap();
        assert!(!inc.full);
        assert_eq!(inc.changed.len(), 1, "{kind:?}: {inc:#?}");
        assert_eq!(inc.changed[0].url, urls[0]);
        assert_eq!(inc.removed, vec![urls[1].clone()], "{kind:?}");
        // A token the server never issued: start over with everything.
        let restart = c
            .sync_collection(&cal, Some("http://invalid.example/sync/not-a-token"), None)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert!(restart.full, "{kind:?}");
        assert_eq!(restart.changed.len(), 2, "{kind:?}: {restart:#?}");
    } else {
        assert_ne!(
            c.ctag(&cal).await.unwrap(),
            ctag_before,
            "{kind:?}: ctag changes"
        );
        let listed = c.list_items(&cal).await.unwrap();
        assert_eq!(listed.len(), 2, "{kind:?}: {listed:#?}");
        assert!(listed.iter().all(|i| i.etag.is_some()));
    }
    c.delete_collection(&cal).await.unwrap();
    let cols = c.collections(&home, Service::CalDav).await.unwrap();
    assert!(
        !cols.iter().any(|x| x.url == cal),
        "{kind:?}: calendar still listed"
    );
}

async fn contacts(server: Target) {
    let kind = server.label.clone();
    let c = server.client.clone();
    let base = Url::parse(&format!("{}/", server.base_url())).unwrap();
    let d = c.discover(&base, Service::CardDav).await.unwrap();
    let home = d.home.expect("address book home");
    assert_eq!(home.as_str(), server.addressbook_home_url(), "{kind:?}");
    let book = cc_dav::href::as_collection(&join_names(&home, ["cooperativa"]));
    c.mkaddressbook(&book, "Cooperativa").await.unwrap();
    let books = c.collections(&home, Service::CardDav).await.unwrap();
    assert!(books.iter().any(|b| b.url == book), "{kind:?}: {books:#?}");
    let card = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:jordi@cc\r\nFN:Jordi Puig i Ferrer\r\nN:Puig i Ferrer;Jordi;;;\r\nEMAIL:jordi@example.coop\r\nEND:VCARD\r\n";
    let url = join_names(&book, ["jordi.vcf"]);
    c.put_item(&url, Service::CardDav, card, &Precondition::create_only())
        .await
        .unwrap();
    let (items, missing) = c
        .multiget(&book, Service::CardDav, std::slice::from_ref(&url), 50)
        .await
        .unwrap();
    assert!(missing.is_empty());
    assert!(items[0].data.contains("FN:Jordi Puig i Ferrer"), "{kind:?}");
    if kind.has_sync_collection() {
        let s = c.sync_collection(&book, None, None).await.unwrap();
        assert_eq!(s.changed.len(), 1, "{kind:?}");
    }
    c.delete_item(&url, items[0].etag.as_deref()).await.unwrap();
    let (_, missing) = c
        .multiget(&book, Service::CardDav, std::slice::from_ref(&url), 50)
        .await
        .unwrap();
    assert_eq!(missing.len(), 1, "{kind:?}");
}

#[tokio::test]
async fn radicale_calendars() {
    calendars(Target::harness(Kind::Radicale)).await;
}

#[tokio::test]
async fn cyrus_calendars() {
    calendars(Target::harness(Kind::Cyrus)).await;
}

#[tokio::test]
async fn xandikos_calendars() {
    calendars(Target::harness(Kind::Xandikos)).await;
}

#[tokio::test]
async fn sabredav_calendars_without_sync_collection() {
    calendars(Target::harness(Kind::SabrePim)).await;
}

#[tokio::test]
async fn nextcloud_calendars() {
    let Some(t) = Target::nextcloud() else { return };
    calendars(t).await;
}

#[tokio::test]
async fn nextcloud_contacts() {
    let Some(t) = Target::nextcloud() else { return };
    contacts(t).await;
}

#[tokio::test]
async fn radicale_contacts() {
    contacts(Target::harness(Kind::Radicale)).await;
}

#[tokio::test]
async fn cyrus_contacts() {
    contacts(Target::harness(Kind::Cyrus)).await;
}

#[tokio::test]
async fn xandikos_contacts() {
    contacts(Target::harness(Kind::Xandikos)).await;
}

#[tokio::test]
async fn sabredav_contacts() {
    contacts(Target::harness(Kind::SabrePim)).await;
}

#[tokio::test]
async fn cyrus_pages_a_limited_sync_to_the_end() {
    let server = Server::start(Kind::Cyrus);
    let c = client(&server);
    let home = Url::parse(&server.calendar_home_url()).unwrap();
    let cal = cc_dav::href::as_collection(&join_names(&home, ["many"]));
    c.mkcalendar(&cal, "Many", &["VEVENT"], None).await.unwrap();
    for i in 0..7 {
        let u = join_names(&cal, [format!("e{i}.ics").as_str()]);
        c.put_item(
            &u,
            Service::CalDav,
            &event(&format!("e{i}@cc"), "x"),
            &Precondition::create_only(),
        )
        .await
        .unwrap();
    }
    let s = c.sync_collection(&cal, None, Some(3)).await.unwrap();
    assert_eq!(s.changed.len(), 7, "{s:#?}");
    assert!(s.requests >= 3, "paged in {} requests", s.requests);
}
