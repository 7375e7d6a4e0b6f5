//! The occurrence index moves with time: built over a month ago, it is
//! built again before the next sync, so the agenda two years ahead still
//! comes from it and still shows what repeats there. (A real state file;
//! the collection row is made as a sync would make it.)

use cc_pim::store;

fn yearly(uid: &str) -> String {
    // A yearly event that started a year and a half ago.
    let start = chrono::Utc::now() - chrono::Duration::days(2 * 365 - 180);
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{d}T100000Z\r\nDTEND:{d}T110000Z\r\nRRULE:FREQ=YEARLY\r\nSUMMARY:Aniversari\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        d = start.format("%Y%m%d")
    )
}

#[test]
fn a_stale_index_is_built_again_and_the_agenda_stays_whole() {
    let dir = tempfile::tempdir().unwrap();
    let st = cc_store::Store::open(dir.path().join("state.sqlite3")).unwrap();
    let conn = st.connection();
    conn.execute(
        "INSERT INTO pim_collections(account_id, home, url, kind, name, components, read_only)
         VALUES (NULL, 'http://h/cal/', 'http://h/cal/a/', 'calendar', 'A', 'VEVENT', 0)",
        [],
    )
    .unwrap();
    let coll = store::find_collection(conn, cc_pim::Kind::Calendar, "A").unwrap();
    assert!(
        store::refresh_index(conn).unwrap(),
        "never built: built now"
    );
    assert!(!store::refresh_index(conn).unwrap(), "fresh: left alone");
    store::create_item(conn, coll.id, &yearly("y")).unwrap();
    let now = chrono::Utc::now().timestamp();
    let year = 365 * 86_400;
    let ahead = |conn: &rusqlite::Connection| {
        store::agenda(conn, now + year + 86_400 * 2, now + 2 * year - 86_400 * 2)
            .unwrap()
            .len()
    };
    assert_eq!(ahead(conn), 1);
    // As if it had been built 400 days ago and the item indexed then.
    conn.execute(
        "UPDATE settings SET value = ?1 WHERE key = 'pim.index.built_at'",
        [(now - 400 * 86_400).to_string()],
    )
    .unwrap();
    conn.execute(
        "DELETE FROM pim_occurrences WHERE start_utc > ?1",
        [now + 330 * 86_400],
    )
    .unwrap();
    // Not trusted for a window it does not cover: computed from the items.
    assert_eq!(ahead(conn), 1);
    assert!(store::refresh_index(conn).unwrap());
    let indexed: i64 = conn
        .query_row(
            "SELECT count(*) FROM pim_occurrences WHERE start_utc > ?1",
            [now + year],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(indexed, 1, "the second year ahead is indexed again");
    assert_eq!(ahead(conn), 1);
}
