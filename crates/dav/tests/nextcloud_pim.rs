//! CalDAV and CardDAV against the replayed real recordings of a
//! Nextcloud 33 server.

use cc_dav::client::{ClientConfig, Credentials, DavClient};
use cc_dav::error::ErrorKind;
use cc_dav::files::Precondition;
use cc_dav::pim::Service;
use cc_harness::replay::ReplayServer;
use url::Url;

fn client() -> DavClient {
    DavClient::new(
        ClientConfig {
            retries: 0,
            ..ClientConfig::default()
        },
        Some(Credentials {
            user: "ana".into(),
            password: "app-password".into(),
        }),
    )
    .unwrap()
}

fn base(s: &ReplayServer) -> Url {
    Url::parse(&format!("{}/", s.base_url())).unwrap()
}

#[tokio::test]
async fn calendar_discovery_follows_well_known_to_the_home() {
    let s = ReplayServer::start(&[
        "101-caldav-wellknown",
        "102-dav-current-user-principal",
        "103-caldav-principal",
        "104-caldav-home-listing",
    ]);
    let c = client();
    let d = c.discover(&base(&s), Service::CalDav).await.unwrap();
    assert_eq!(d.context.path(), "/remote.php/dav/");
    assert_eq!(d.principal.path(), "/remote.php/dav/principals/users/ana/");
    let home = d.home.unwrap();
    assert_eq!(home.path(), "/remote.php/dav/calendars/ana/");
    let cols = c.collections(&home, Service::CalDav).await.unwrap();
    let names: Vec<_> = cols.iter().filter_map(|c| c.display_name.clone()).collect();
    // Inbox, outbox and the trash bin are not calendars.
    assert_eq!(names, ["Personal", "Contact birthdays"]);
    let personal = &cols[0];
    assert!(
        personal.sync_token.is_some() && personal.ctag.is_some(),
        "{personal:#?}"
    );
    assert!(
        personal.components.contains(&"VEVENT".to_owned()),
        "{personal:#?}"
    );
    assert!(s.misses().is_empty(), "{:?}", s.misses());
}

#[tokio::test]
async fn calendar_sync_initial_multiget_edit_incremental_and_bad_token() {
    let s = ReplayServer::start(&[
        "112-caldav-sync-initial",
        "121-caldav-multiget",
        "113-caldav-put-modify",
        "114-caldav-delete",
        "115-caldav-sync-incremental",
        "117-caldav-sync-garbage-token",
        "112-caldav-sync-initial",
        "123-caldav-put-stale-if-match",
        "118-caldav-sync-limit",
    ]);
    let c = client();
    let cal = base(&s)
        .join("remote.php/dav/calendars/ana/feina/")
        .unwrap();
    let initial = c.sync_collection(&cal, None, None).await.unwrap();
    assert!(initial.full);
    assert_eq!(initial.changed.len(), 4);
    assert_eq!(initial.token.as_deref(), Some("http://sabre.io/ns/sync/5"));

    let urls: Vec<Url> = initial.changed.iter().map(|i| i.url.clone()).collect();
    let (items, missing) = c.multiget(&cal, Service::CalDav, &urls, 100).await.unwrap();
    // Quirk: Nextcloud leaves missing hrefs out; the client reports them.
    assert_eq!(items.len() + missing.len(), 4);
    let reunio = items
        .iter()
        .find(|i| i.url.path().ends_with("reunio.ics"))
        .unwrap();
    assert!(reunio.data.contains("UID:fixture-reunio-1@nc-fixtures"));
    assert!(reunio.data.contains("BEGIN:VTIMEZONE"));

    let etag = c
        .put_item(
            &cal.join("reunio.ics").unwrap(),
            Service::CalDav,
            &reunio.data.replace("Sala 2", "Sala 3"),
            &Precondition::if_match("\"fe3b80f303839c922eabe732234e3f08\""),
        )
        .await
        .unwrap();
    assert!(etag.is_some());
    c.delete_item(&cal.join("festiu.ics").unwrap(), None)
        .await
        .unwrap();

    let inc = c
        .sync_collection(&cal, initial.token.as_deref(), None)
        .await
        .unwrap();
    assert!(!inc.full);
    assert_eq!(inc.changed.len(), 1);
    assert!(inc.changed[0].url.path().ends_with("reunio.ics"));
    assert_eq!(inc.removed.len(), 1);
    assert!(inc.removed[0].path().ends_with("festiu.ics"));
    assert_eq!(inc.token.as_deref(), Some("http://sabre.io/ns/sync/7"));

    // A malformed token: 403 valid-sync-token, then a full listing.
    let restart = c
        .sync_collection(&cal, Some("not-a-token"), None)
        .await
        .unwrap();
    assert!(restart.full);
    assert_eq!(restart.requests, 2);
    assert_eq!(restart.changed.len(), 4);

    let stale = c
        .put_item(
            &cal.join("reunio.ics").unwrap(),
            Service::CalDav,
            &reunio.data,
            &Precondition::if_match("\"fe3b80f303839c922eabe732234e3f08\""),
        )
        .await
        .unwrap_err();
    assert_eq!(stale.kind, ErrorKind::PreconditionFailed);

    // Quirk: Nextcloud refuses `limit` on an initial sync.
    let limited = c.sync_collection(&cal, None, Some(2)).await.unwrap_err();
    assert!(
        matches!(limited.kind, ErrorKind::InsufficientStorage(_)),
        "{limited}"
    );
    assert!(s.misses().is_empty(), "{:?}", s.misses());
    assert!(s.unused().is_empty(), "{:?}", s.unused());
}

#[tokio::test]
async fn contacts_discovery_sync_and_multiget() {
    let s = ReplayServer::start(&[
        "125-carddav-wellknown",
        "102-dav-current-user-principal",
        "126-carddav-principal",
        "127-carddav-home-listing",
        "130-carddav-sync-initial",
        "131-carddav-multiget",
        "134-carddav-sync-incremental-nochange",
    ]);
    let c = client();
    let d = c.discover(&base(&s), Service::CardDav).await.unwrap();
    let home = d.home.unwrap();
    assert_eq!(home.path(), "/remote.php/dav/addressbooks/users/ana/");
    let books = c.collections(&home, Service::CardDav).await.unwrap();
    assert_eq!(books.len(), 3);
    let contacts = books
        .iter()
        .find(|b| b.display_name.as_deref() == Some("Contacts"))
        .unwrap();
    let sync = c.sync_collection(&contacts.url, None, None).await.unwrap();
    assert_eq!(sync.changed.len(), 3);
    let wanted: Vec<Url> = sync
        .changed
        .iter()
        .filter(|i| i.url.path().ends_with(".vcf"))
        .map(|i| i.url.clone())
        .collect();
    let (cards, missing) = c
        .multiget(&contacts.url, Service::CardDav, &wanted, 10)
        .await
        .unwrap();
    assert!(missing.is_empty());
    assert!(cards.iter().any(|c| c.data.contains("FN:Joan Garcia")));
    let again = c
        .sync_collection(&contacts.url, sync.token.as_deref(), None)
        .await
        .unwrap();
    assert!(again.changed.is_empty() && again.removed.is_empty());
    assert!(s.misses().is_empty(), "{:?}", s.misses());
}
