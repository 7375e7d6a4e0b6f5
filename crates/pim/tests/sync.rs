//! Calendars and contacts synced both ways into a real SQLite state file,
//! against real servers started by the harness (Radicale, Cyrus, Xandikos,
//! sabre/dav without sync-collection) and the real Nextcloud 33: first
//! sync, a local creation sent, changes on both sides merged property by
//! property, the same property changed on both sides (the server's stays,
//! the local one becomes a conflicted copy), deletions both ways with
//! their rules, a create that reached the server before a kill, a
//! no-change sync, and the contact search.

use cc_dav::DavClient;
use cc_dav::files::Precondition;
use cc_dav::href::join_names;
use cc_dav::pim::Service;
use cc_harness::servers::{Kind as ServerKind, Server};
use cc_pim::store::{self, State};
use cc_pim::{Kind, sync_home};
use url::Url;

struct Target {
    label: String,
    calendars: Url,
    books: Url,
    client: DavClient,
    _up: Box<dyn std::any::Any>,
}

impl Target {
    fn harness(kind: ServerKind) -> Target {
        let server = Server::start(kind);
        let client = server.dav_client();
        Target {
            label: format!("{kind:?}"),
            calendars: Url::parse(&server.calendar_home_url()).unwrap(),
            books: Url::parse(&server.addressbook_home_url()).unwrap(),
            client,
            _up: Box::new(server),
        }
    }

    fn nextcloud() -> Option<Target> {
        let nc = cc_harness::nextcloud::turn()?;
        let user = nc.new_user("pimsync");
        Some(Target {
            label: "Nextcloud".into(),
            calendars: Url::parse(&user.calendar_home_url()).unwrap(),
            books: Url::parse(&user.addressbook_home_url()).unwrap(),
            client: user.dav_client(),
            _up: Box::new(nc),
        })
    }
}

fn event(uid: &str, summary: &str, location: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other client//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261125T090000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{summary}\r\nLOCATION:{location}\r\nX-OTHER-CLIENT;X-P=1:kept as it is\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Reminder\r\nTRIGGER:-PT10M\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        start = soon(0),
        end = soon(3600),
    )
}

/// A UTC time `offset` seconds after tomorrow at 09:00 (inside the index
/// window whatever today is).
fn soon(offset: i64) -> String {
    let t = chrono::Utc::now()
        .date_naive()
        .succ_opt()
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap()
        + chrono::Duration::seconds(offset);
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn card(uid: &str, name: &str, email: &str) -> String {
    format!(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{name}\r\nN:{name};;;;\r\nEMAIL;TYPE=work:{email}\r\nTEL;TYPE=cell:+34 600 111 222\r\nORG:Cooperativa\r\nEND:VCARD\r\n"
    )
}

async fn server_data(t: &Target, url: &Url) -> Option<String> {
    t.client.get_item(url).await.unwrap().map(|i| i.data)
}

async fn put(t: &Target, url: &Url, data: &str, svc: Service) {
    t.client
        .put_item(url, svc, data, &Precondition::none())
        .await
        .unwrap_or_else(|e| panic!("{}: PUT {url}: {e}", t.label));
}

async fn scenario(t: Target) {
    let label = t.label.clone();
    let dir = tempfile::tempdir().unwrap();
    let st = cc_store::Store::open(dir.path().join("state.sqlite3")).unwrap();
    let conn = st.connection();
    let c = &t.client;

    // The member's calendar, with an event from another client.
    let cal = cc_dav::href::as_collection(&join_names(&t.calendars, ["cc-sync-cal"]));
    c.mkcalendar(&cal, "Feina", &["VEVENT"], Some("#0B6E69FF"))
        .await
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    let a_url = cal.join("a.ics").unwrap();
    put(&t, &a_url, &event("a", "Reunió", "Sala 1"), Service::CalDav).await;

    // First sync: the calendar and the event are here, and in the agenda.
    let reports = sync_home(conn, c, None, &t.calendars, Kind::Calendar)
        .await
        .unwrap();
    let feina = store::find_collection(conn, Kind::Calendar, "Feina")
        .unwrap_or_else(|e| panic!("{label}: {e}; {reports:?}"));
    assert_eq!(
        feina.color.as_deref().map(|c| &c[..7]),
        Some("#0B6E69"),
        "{label}"
    );
    let now = chrono::Utc::now().timestamp();
    let agenda = store::agenda(conn, now, now + 3 * 86_400).unwrap();
    let mine: Vec<_> = agenda.iter().filter(|e| e.calendar == "Feina").collect();
    assert_eq!(mine.len(), 1, "{label}: {agenda:#?}");
    assert_eq!(mine[0].occurrence.summary.as_deref(), Some("Reunió"));
    let a_id = mine[0].item_id;

    // A no-change sync receives and sends nothing.
    let again = store::collection(conn, feina.id).unwrap();
    let r = cc_pim::sync::sync_collection(conn, c, &again)
        .await
        .unwrap();
    assert_eq!(
        (r.received, r.sent, r.removed_here),
        (0, 0, 0),
        "{label}: {r:?}"
    );
    assert!(r.requests <= 2, "{label}: {r:?}");

    // Made here while offline (nothing sent yet), then synced.
    let b = store::create_item(conn, feina.id, &event("b", "Dinar", "Casa")).unwrap();
    assert_eq!(b.state, State::Created);
    assert_eq!(store::pending(conn, feina.id).unwrap(), 1);
    let r = sync(conn, c, feina.id).await;
    assert_eq!(r.sent, 1, "{label}: {r:?}");
    let b_url = cal.join(&b.href).unwrap();
    assert!(
        server_data(&t, &b_url)
            .await
            .unwrap()
            .contains("SUMMARY:Dinar"),
        "{label}"
    );
    assert_eq!(store::pending(conn, feina.id).unwrap(), 0);

    // Changed on both sides, different properties: merged, on both sides,
    // with what neither side edits kept (the other client's property and
    // the alarm).
    let here = store::item(conn, a_id)
        .unwrap()
        .data
        .replace("SUMMARY:Reunió", "SUMMARY:Reunió d'equip");
    store::update_item(conn, a_id, &here).unwrap();
    let there = server_data(&t, &a_url)
        .await
        .unwrap()
        .replace("LOCATION:Sala 1", "LOCATION:Sala 2");
    put(&t, &a_url, &there, Service::CalDav).await;
    let r = sync(conn, c, feina.id).await;
    assert_eq!((r.merged, r.conflicts), (1, 0), "{label}: {r:?}");
    let on_server = server_data(&t, &a_url).await.unwrap();
    assert!(
        on_server.contains("SUMMARY:Reunió d'equip"),
        "{label}: {on_server}"
    );
    assert!(
        on_server.contains("LOCATION:Sala 2"),
        "{label}: {on_server}"
    );
    assert!(on_server.contains("X-OTHER-CLIENT"), "{label}: {on_server}");
    assert!(on_server.contains("TRIGGER:-PT10M"), "{label}: {on_server}");
    assert_eq!(
        store::item(conn, a_id).unwrap().state,
        State::Synced,
        "{label}"
    );

    // The same property changed on both sides: the server's stays, ours is
    // a conflicted copy, sent as a new event.
    let here = store::item(conn, a_id)
        .unwrap()
        .data
        .replace("SUMMARY:Reunió d'equip", "SUMMARY:Aquí");
    store::update_item(conn, a_id, &here).unwrap();
    let there = server_data(&t, &a_url)
        .await
        .unwrap()
        .replace("SUMMARY:Reunió d'equip", "SUMMARY:Allà");
    put(&t, &a_url, &there, Service::CalDav).await;
    let r = sync(conn, c, feina.id).await;
    assert_eq!(r.conflicts, 1, "{label}: {r:?}");
    assert!(
        server_data(&t, &a_url)
            .await
            .unwrap()
            .contains("SUMMARY:Allà"),
        "{label}"
    );
    let listed = c.list_items(&cal).await.unwrap();
    assert_eq!(listed.len(), 3, "{label}: a, b and the copy: {listed:#?}");
    let mut found_copy = false;
    for i in &listed {
        let d = server_data(&t, &i.url).await.unwrap();
        found_copy |= d.contains("SUMMARY:Aquí (conflicted copy)");
    }
    assert!(found_copy, "{label}");
    assert_eq!(store::pending(conn, feina.id).unwrap(), 0, "{label}");

    // Deleted here: deleted there.
    store::delete_item(conn, b.id).unwrap();
    let r = sync(conn, c, feina.id).await;
    assert_eq!(r.removed_there, 1, "{label}: {r:?}");
    assert_eq!(server_data(&t, &b_url).await, None, "{label}");

    // Edited here, deleted there: the edit comes back.
    let here = store::item(conn, a_id)
        .unwrap()
        .data
        .replace("LOCATION:Sala 2", "LOCATION:Sala 3");
    store::update_item(conn, a_id, &here).unwrap();
    c.delete_item(&a_url, None).await.unwrap();
    let r = sync(conn, c, feina.id).await;
    assert!(r.failed.is_empty(), "{label}: {r:?}");
    let back = store::items(conn, feina.id)
        .unwrap()
        .into_iter()
        .find(|i| i.data.contains("LOCATION:Sala 3"))
        .unwrap_or_else(|| panic!("{label}: the edit is kept here"));
    assert_eq!(back.state, State::Synced, "{label}");
    let back_url = cal.join(&back.href).unwrap();
    assert!(
        server_data(&t, &back_url)
            .await
            .unwrap()
            .contains("LOCATION:Sala 3"),
        "{label}"
    );

    // Deleted here, edited there: the edit stays.
    store::delete_item(conn, back.id).unwrap();
    let there = server_data(&t, &back_url)
        .await
        .unwrap()
        .replace("LOCATION:Sala 3", "LOCATION:Sala 4");
    put(&t, &back_url, &there, Service::CalDav).await;
    sync(conn, c, feina.id).await;
    assert!(
        server_data(&t, &back_url)
            .await
            .unwrap()
            .contains("LOCATION:Sala 4"),
        "{label}"
    );
    let kept = store::item_by_uid(conn, feina.id, back.uid.as_deref().unwrap())
        .unwrap()
        .unwrap();
    assert!(
        kept.data.contains("LOCATION:Sala 4") && kept.state == State::Synced,
        "{label}"
    );

    // A create that reached the server before the app was killed (its
    // state still says "created"): recognised, not made twice.
    let d = store::create_item(conn, feina.id, &event("d", "Sopar", "Fora")).unwrap();
    put(&t, &cal.join(&d.href).unwrap(), &d.data, Service::CalDav).await;
    let before = c.list_items(&cal).await.unwrap().len();
    sync(conn, c, feina.id).await;
    assert_eq!(
        c.list_items(&cal).await.unwrap().len(),
        before,
        "{label}: no duplicate"
    );
    assert_eq!(
        store::item(conn, d.id).unwrap().state,
        State::Synced,
        "{label}"
    );

    // Contacts: one from the server found by part of its e-mail.
    let book = cc_dav::href::as_collection(&join_names(&t.books, ["cc-sync-book"]));
    c.mkaddressbook(&book, "Equip")
        .await
        .unwrap_or_else(|e| panic!("{label}: {e}"));
    put(
        &t,
        &book.join("n.vcf").unwrap(),
        &card("n", "Núria Puig", "nuria.puig@exemple.cat"),
        Service::CardDav,
    )
    .await;
    let reports = sync_home(conn, c, None, &t.books, Kind::AddressBook)
        .await
        .unwrap();
    assert!(reports.iter().all(Result::is_ok), "{label}: {reports:?}");
    let hits = store::search_contacts(conn, "puig@exem", 10).unwrap();
    assert_eq!(hits.len(), 1, "{label}: {hits:?}");
    assert_eq!(hits[0].name, "Núria Puig");
    assert_eq!(hits[0].phones, ["+34 600 111 222"]);
    assert_eq!(
        store::search_contacts(conn, "nuria", 10).unwrap().len(),
        1,
        "accents aside"
    );
    assert!(store::search_contacts(conn, "zzz", 10).unwrap().is_empty());
}

async fn sync(
    conn: &rusqlite::Connection,
    c: &DavClient,
    id: i64,
) -> cc_pim::sync::CollectionReport {
    let coll = store::collection(conn, id).unwrap();
    cc_pim::sync::sync_collection(conn, c, &coll).await.unwrap()
}

#[tokio::test]
async fn radicale() {
    scenario(Target::harness(ServerKind::Radicale)).await;
}

#[tokio::test]
async fn xandikos() {
    scenario(Target::harness(ServerKind::Xandikos)).await;
}

#[tokio::test]
async fn cyrus() {
    scenario(Target::harness(ServerKind::Cyrus)).await;
}

#[tokio::test]
async fn sabre_dav_without_sync_collection() {
    scenario(Target::harness(ServerKind::SabrePim)).await;
}

#[tokio::test]
async fn nextcloud() {
    let Some(t) = Target::nextcloud() else { return };
    scenario(t).await;
}
