//! Calendars syncing through the fault proxy in front of a real Radicale:
//! connections dropped or reset part-way through uploads and downloads,
//! then a clean network. Nothing is lost and nothing is duplicated: the
//! server ends with exactly the events made on either side, each once, and
//! the state file with exactly the same, all in sync.

use cc_dav::Precondition;
use cc_dav::pim::Service;
use cc_harness::proxy::{Dir, Fault, FaultProxy};
use cc_harness::servers::{Kind as ServerKind, Server};
use cc_pim::store::{self, State};
use cc_pim::{Kind, sync_home};
use std::collections::BTreeSet;
use url::Url;

const EACH: usize = 40;

fn event(uid: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20261210T090000Z\r\nDTEND:20261210T100000Z\r\nSUMMARY:{uid}\r\nDESCRIPTION:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        "farciment ".repeat(40)
    )
}

/// The server's UIDs, with repeats.
async fn server_uids(client: &cc_dav::DavClient, cal: &Url) -> Vec<String> {
    cc_harness::pim::items_on_server(client, cal, Service::CalDav)
        .await
        .iter()
        .filter_map(|d| cc_pim::index::uid_of(d))
        .collect()
}

/// A real Radicale with a calendar made on it, and the fault proxy in
/// front of it: `home` is the calendar home through the proxy,
/// `cal_direct` the calendar without it.
struct Setup {
    server: Server,
    direct: cc_dav::DavClient,
    proxy: FaultProxy,
    home: Url,
    cal_direct: Url,
}

async fn setup(slug: &str, name: &str) -> Setup {
    let server = Server::start(ServerKind::Radicale);
    let direct = server.dav_client();
    let proxy = FaultProxy::start(server.addr());
    let home = Url::parse(
        &server
            .calendar_home_url()
            .replace(&server.base_url(), &proxy.base_url()),
    )
    .unwrap();
    let cal_direct = Url::parse(&server.calendar_home_url())
        .unwrap()
        .join(&format!("{slug}/"))
        .unwrap();
    direct
        .mkcalendar(&cal_direct, name, &["VEVENT"], None)
        .await
        .unwrap();
    Setup {
        server,
        direct,
        proxy,
        home,
        cal_direct,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_lose_and_duplicate_nothing() {
    let Setup {
        server: _server,
        direct,
        proxy,
        home,
        cal_direct,
    } = setup("faults", "Faults").await;
    for i in 0..EACH {
        direct
            .put_item(
                &cal_direct.join(&format!("s{i}.ics")).unwrap(),
                Service::CalDav,
                &event(&format!("server-{i}")),
                &Precondition::none(),
            )
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let st = cc_store::Store::open(dir.path().join("state.sqlite3")).unwrap();
    let conn = st.connection();
    // The first sync gets the collection (and maybe some items).
    proxy.set_fault(Fault::Pass);
    let _ = sync_home(conn, &direct, None, &home, Kind::Calendar).await;
    let coll = store::find_collection(conn, Kind::Calendar, "Faults").unwrap();
    for i in 0..EACH {
        store::create_item(conn, coll.id, &event(&format!("local-{i}"))).unwrap();
    }
    // Faults of every kind, at different depths, each for a few passes.
    let faults = [
        Fault::DropAfter(Dir::Up, 700),
        Fault::ResetAfter(Dir::Down, 2_000),
        Fault::DropAfter(Dir::Down, 5_000),
        Fault::ResetAfter(Dir::Up, 3_000),
        Fault::DropAfter(Dir::Down, 300),
        Fault::ResetAfter(Dir::Down, 20_000),
    ];
    let mut failures = 0;
    for f in faults {
        // The next connection is cut, the rest go through: each pass
        // fails part-way or makes some progress.
        proxy.set_fault_for(f, 1);
        for _ in 0..3 {
            match sync_home(conn, &direct, None, &home, Kind::Calendar).await {
                Err(_) => failures += 1,
                Ok(rs) => failures += rs.iter().filter(|r| r.is_err()).count(),
            }
            proxy.set_fault_for(f, 1);
        }
    }
    eprintln!(
        "{failures} passes failed; {} connections faulted",
        proxy.faulted()
    );
    assert!(proxy.faulted() > 0, "the faults were applied");
    // A clean network: it settles.
    proxy.set_fault(Fault::Pass);
    for _ in 0..5 {
        let rs = sync_home(conn, &direct, None, &home, Kind::Calendar)
            .await
            .unwrap();
        if rs
            .iter()
            .all(|r| r.as_ref().is_ok_and(|r| r.failed.is_empty()))
            && store::pending(conn, coll.id).unwrap() == 0
        {
            break;
        }
    }
    let want: BTreeSet<String> = (0..EACH)
        .flat_map(|i| [format!("server-{i}"), format!("local-{i}")])
        .collect();
    let on_server = server_uids(&direct, &cal_direct).await;
    assert_eq!(on_server.len(), 2 * EACH, "no duplicates on the server");
    assert_eq!(on_server.into_iter().collect::<BTreeSet<_>>(), want);
    let here = store::items(conn, coll.id).unwrap();
    assert_eq!(here.len(), 2 * EACH, "no duplicates here");
    assert!(
        here.iter()
            .all(|i| i.state == State::Synced && i.error.is_none())
    );
    assert_eq!(
        here.iter()
            .filter_map(|i| i.uid.clone())
            .collect::<BTreeSet<_>>(),
        want
    );
}

/// The app edits an item while its worker is sending it (a slow network:
/// the proxy lets 4 KB/s through): the edit is not overwritten by the
/// row as it was when sending began; it goes at the next pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_made_while_the_item_is_being_sent_is_kept() {
    let Setup {
        server: _server,
        direct,
        proxy,
        home,
        cal_direct,
    } = setup("race", "Race").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite3");
    let worker = cc_store::Store::open(&path).unwrap();
    let app = cc_store::Store::open(&path).unwrap();
    sync_home(worker.connection(), &direct, None, &home, Kind::Calendar)
        .await
        .unwrap();
    let coll = store::find_collection(app.connection(), Kind::Calendar, "Race").unwrap();
    // About 8 KB: two seconds on the wire at 4 KB/s.
    let first = event("race")
        .replace("SUMMARY:race", "SUMMARY:primera")
        .replace(
            "DESCRIPTION:",
            &format!("DESCRIPTION:{}", "llarg ".repeat(1_300)),
        );
    let it = store::create_item(app.connection(), coll.id, &first).unwrap();
    proxy.set_fault(Fault::Slow(4_000));
    let sending = cc_pim::sync::sync_collection(worker.connection(), &direct, &coll);
    let editing = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let second = first.replace("SUMMARY:primera", "SUMMARY:segona");
        store::update_item(app.connection(), it.id, &second).unwrap();
    };
    let (sent, ()) = tokio::join!(sending, editing);
    sent.unwrap();
    let here = store::item(app.connection(), it.id).unwrap();
    assert!(
        here.data.contains("SUMMARY:segona"),
        "the edit was overwritten"
    );
    assert_eq!(here.state, State::Changed, "and waits to be sent");
    proxy.set_fault(Fault::Pass);
    let coll = store::collection(app.connection(), coll.id).unwrap();
    cc_pim::sync::sync_collection(worker.connection(), &direct, &coll)
        .await
        .unwrap();
    let item = direct
        .get_item(&cal_direct.join(&format!("{}.ics", "race")).unwrap())
        .await
        .unwrap()
        .expect("on the server");
    assert!(item.data.contains("SUMMARY:segona"), "{}", item.data);
    let here = store::item(app.connection(), it.id).unwrap();
    assert_eq!(here.state, State::Synced);
}
