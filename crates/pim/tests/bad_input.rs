//! Bad items on a real server (sabre/dav, Nextcloud's DAV library, with
//! the items put straight into its database as an older client or a
//! restored backup could leave them; Radicale cannot even list a
//! collection holding a malformed file, it answers 500): a malformed item,
//! an event without a start, one without a UID, a vCard in a calendar.
//! Each gets a clear per-item error and is kept as the server has it
//! (never sent back); a 3 MB event and the good items sync and show; the
//! next sync neither fetches nor reports them again (no loop).

use cc_dav::Precondition;
use cc_dav::pim::Service;
use cc_harness::servers::{Kind as ServerKind, Server};
use cc_pim::store;
use cc_pim::{Kind, sync_home};
use url::Url;

fn event(uid: &str, summary: &str) -> String {
    let day = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y%m%d");
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{day}T090000Z\r\nDTEND:{day}T100000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

/// Puts an item straight into sabre/dav's database, as a client of an
/// older server version or a restored backup could have left it (sabre
/// serves what is stored; it checks items only when they are PUT).
fn stored(server: &Server, calendar_uri: &str, name: &str, data: &str) {
    let db = rusqlite::Connection::open(server.root().join("var/pim.sqlite")).unwrap();
    let id: i64 = db
        .query_row(
            "SELECT id FROM calendars WHERE uri = ?1",
            [calendar_uri],
            |r| r.get(0),
        )
        .unwrap();
    db.execute(
        "INSERT INTO calendarobjects(calendardata, uri, calendarid, lastmodified, etag, size, componenttype)
         VALUES (?1, ?2, ?3, 1, ?4, ?5, 'VEVENT')",
        rusqlite::params![
            data.as_bytes(),
            name,
            id,
            format!("bad-{name}"),
            data.len() as i64
        ],
    )
    .unwrap();
    db.execute("UPDATE calendars SET ctag = ctag + 1 WHERE id = ?1", [id])
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_items_get_their_own_error_and_the_rest_syncs() {
    let server = Server::start(ServerKind::SabrePim);
    let client = server.dav_client();
    let home = Url::parse(&server.calendar_home_url()).unwrap();
    let cal = home.join("bad/").unwrap();
    client
        .mkcalendar(&cal, "Bad", &["VEVENT"], None)
        .await
        .unwrap();
    for i in 0..3 {
        client
            .put_item(
                &cal.join(&format!("good-{i}.ics")).unwrap(),
                Service::CalDav,
                &event(&format!("good-{i}"), &format!("Bo {i}")),
                &Precondition::none(),
            )
            .await
            .unwrap();
    }
    // Three megabytes of description: accepted, shown.
    let huge = event("huge", "Gran").replace(
        "SUMMARY:Gran\r\n",
        &format!("SUMMARY:Gran\r\nDESCRIPTION:{}\r\n", "x".repeat(3 << 20)),
    );
    client
        .put_item(
            &cal.join("huge.ics").unwrap(),
            Service::CalDav,
            &huge,
            &Precondition::none(),
        )
        .await
        .unwrap();
    let bad = [
        (
            "broken.ics",
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:broken\r\nSUMMARY:no end\r\n".to_owned(),
        ),
        (
            "no-start.ics",
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:no-start\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Sense inici\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n".to_owned(),
        ),
        (
            "no-uid.ics",
            event("x", "Sense UID").replace("UID:x\r\n", ""),
        ),
        (
            "a-card.ics",
            "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:card\r\nFN:Not an event\r\nEND:VCARD\r\n".to_owned(),
        ),
    ];
    for (name, text) in &bad {
        stored(&server, "bad", name, text);
    }

    let st = tempfile::tempdir().unwrap();
    let store_ = cc_store::Store::open(st.path().join("state.sqlite3")).unwrap();
    let conn = store_.connection();
    let results = sync_home(conn, &client, None, &home, Kind::Calendar)
        .await
        .unwrap();
    let report = results
        .into_iter()
        .find_map(|r| r.ok().filter(|r| r.collection == "Bad"))
        .expect("the collection synced");
    let coll = store::find_collection(conn, Kind::Calendar, "Bad").unwrap();
    let items = store::items(conn, coll.id).unwrap();
    for uid in ["good-0", "good-1", "good-2", "huge"] {
        assert!(
            items
                .iter()
                .any(|it| it.uid.as_deref() == Some(uid) && it.error.is_none()),
            "{uid} missing"
        );
    }
    let now = chrono::Utc::now().timestamp();
    let shown = store::agenda(conn, now, now + 3 * 86_400).unwrap();
    // The good ones, and the one without a UID (readable; its error says
    // why it cannot be changed here).
    assert_eq!(shown.len(), 5, "{shown:?}");
    assert!(
        shown
            .iter()
            .any(|e| e.occurrence.summary.as_deref() == Some("Sense UID"))
    );
    // Each bad item: its own error, with why.
    let failed: std::collections::HashMap<String, String> = report
        .failed
        .iter()
        .map(|(href, why)| (href.rsplit('/').next().unwrap().to_owned(), why.clone()))
        .collect();
    eprintln!("{failed:?}");
    assert_eq!(failed.len(), 4, "{failed:?}");
    // Cut short: calcard reads what is there, which has no start.
    assert!(failed["broken.ics"].contains("without a start"));
    assert!(failed["no-start.ics"].contains("without a start"));
    assert!(failed["no-uid.ics"].contains("no UID"));
    assert!(failed["a-card.ics"].contains("not a valid iCalendar"));
    for (name, _) in &bad {
        let it = items
            .iter()
            .find(|i| i.href.ends_with(name))
            .unwrap_or_else(|| panic!("{name} not kept"));
        assert!(it.error.is_some(), "{name}");
    }
    // The next sync: nothing fetched again, nothing reported again, and
    // nothing bad sent back.
    let again = sync_home(conn, &client, None, &home, Kind::Calendar)
        .await
        .unwrap();
    let again = again
        .into_iter()
        .find_map(|r| r.ok().filter(|r| r.collection == "Bad"))
        .unwrap();
    assert_eq!((again.received, again.sent), (0, 0));
    assert!(again.failed.is_empty(), "{:?}", again.failed);
}

mod hostile {
    //! A hostile server (the harness's scripted one: no real server sends
    //! these) listing a calendar whose items are outside it, or answering
    //! with an entity bomb: the collection gets a clear error, nothing is
    //! stored, and the other calendar of the account syncs.

    use cc_harness::hostile::{Behaviour, HostileServer, Reply};
    use cc_pim::{Kind, store, sync_home};
    use url::Url;

    const HOME: &str = "/cal/ana/";

    fn calendar(href: &str, name: &str) -> String {
        format!(
            "<d:response><d:href>{href}</d:href><d:propstat><d:prop>\
             <d:resourcetype><d:collection/><c:calendar/></d:resourcetype>\
             <d:displayname>{name}</d:displayname></d:prop>\
             <d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
        )
    }

    fn multistatus(inner: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<d:multistatus xmlns:d=\"DAV:\" \
             xmlns:c=\"urn:ietf:params:xml:ns:caldav\">{inner}</d:multistatus>"
        )
    }

    const BOMB: &str = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<d:multistatus xmlns:d="DAV:"><d:response><d:href>/cal/ana/bomb/x.ics</d:href>
<d:propstat><d:prop><d:getetag>&lol3;</d:getetag></d:prop>
<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"#;

    fn server() -> HostileServer {
        HostileServer::start(Behaviour::script(|req, _| {
            let path = req.path.as_str();
            let depth0 = req.header("Depth") == Some("0");
            let body = match (req.method.as_str(), path) {
                ("PROPFIND", HOME) => multistatus(&format!(
                    "{}{}",
                    calendar("/cal/ana/outside/", "Fora"),
                    calendar("/cal/ana/bomb/", "Bomba")
                )),
                ("PROPFIND", p) if depth0 => multistatus(&calendar(p, "x")),
                (_, p) if p.starts_with("/cal/ana/outside/") => multistatus(
                    "<d:response><d:href>/cal/ana/outside/../../bob/secret.ics</d:href>\
                     <d:propstat><d:prop><d:getetag>\"1\"</d:getetag></d:prop>\
                     <d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>",
                ),
                _ => BOMB.to_owned(),
            };
            Reply::multistatus(body).into()
        }))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hrefs_outside_and_entity_bombs_are_refused() {
        let server = server();
        let client = cc_dav::DavClient::new(
            cc_dav::ClientConfig {
                retries: 0,
                ..cc_dav::ClientConfig::default()
            },
            None,
        )
        .unwrap();
        let home = Url::parse(&server.url(HOME)).unwrap();
        let st = tempfile::tempdir().unwrap();
        let store_ = cc_store::Store::open(st.path().join("state.sqlite3")).unwrap();
        let conn = store_.connection();
        let results = sync_home(conn, &client, None, &home, Kind::Calendar)
            .await
            .unwrap();
        assert_eq!(results.len(), 2, "{results:?}");
        for r in &results {
            let (name, e) = r.as_ref().expect_err("refused");
            eprintln!("{name}: {e}");
        }
        let errors: Vec<String> = results
            .iter()
            .map(|r| r.as_ref().unwrap_err().1.to_string())
            .collect();
        assert!(errors.iter().any(|e| e.contains("href")), "{errors:?}");
        assert!(
            errors
                .iter()
                .any(|e| e.to_ascii_lowercase().contains("doctype")),
            "{errors:?}"
        );
        for c in store::collections(conn, None).unwrap() {
            assert!(store::items(conn, c.id).unwrap().is_empty());
            assert!(c.error.is_some(), "{c:?}");
        }
    }
}
