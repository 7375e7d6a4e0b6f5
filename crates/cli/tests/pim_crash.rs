//! Crash test for calendars: the real `commonscloud pim sync` is killed
//! with SIGKILL at random moments while it sends 600 events made here
//! offline, receives 400 made on the server, changes 100 here and deletes
//! 100 here, with a real Radicale, again and again; then it is let finish.
//! The server must then hold exactly what both sides made and kept: no
//! event lost, none twice, every local change and deletion done once.
//!
//! `CC_CRASH_ROUNDS` sets the number of kills (default 12).

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cc_dav::files::Precondition;
use cc_dav::pim::Service;
use cc_harness::servers::{Kind, Server};

fn event(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261215T100000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

fn summary_of(data: &str) -> String {
    data.lines()
        .find_map(|l| l.trim_end().strip_prefix("SUMMARY:"))
        .unwrap_or("")
        .to_owned()
}

fn uid_of(data: &str) -> String {
    data.lines()
        .find_map(|l| l.trim_end().strip_prefix("UID:"))
        .unwrap_or("")
        .to_owned()
}

#[test]
fn killed_calendar_syncs_lose_nothing_and_send_nothing_twice() {
    let rounds: usize = std::env::var("CC_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(12);
    let server = Server::start(Kind::Radicale);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.sqlite3");
    let client = server.dav_client();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cal = url::Url::parse(&server.calendar_home_url())
        .unwrap()
        .join("feina/")
        .unwrap();
    // 200 events on the server that both sides know, first.
    rt.block_on(async {
        client
            .mkcalendar(&cal, "Feina", &["VEVENT"], None)
            .await
            .unwrap();
        for i in 0..200 {
            client
                .put_item(
                    &cal.join(&format!("known-{i}.ics")).unwrap(),
                    Service::CalDav,
                    &event(&format!("known-{i}"), &format!("known {i}")),
                    &Precondition::none(),
                )
                .await
                .unwrap();
        }
    });
    let cli = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_commonscloud"));
        c.arg("--state")
            .arg(&state)
            .args(args)
            .env("COMMONSCLOUD_PASSWORD", server.password())
            .envs(cc_harness::home_env(&dir.path().join("home")))
            .stdin(Stdio::null());
        c
    };
    let base = server.base_url();
    let sync = [
        "pim",
        "sync",
        "--once",
        "--server",
        base.as_str(),
        "--user",
        server.user(),
    ];
    let out = cli(&sync).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Offline: 600 new events, 100 of the known changed, 100 deleted.
    let ics = dir.path().join("new.ics");
    let mut file = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\n");
    for i in 0..600 {
        let e = event(&format!("here-{i}"), &format!("here {i}"));
        let body = &e[e.find("BEGIN:VEVENT").unwrap()..e.find("END:VCALENDAR").unwrap()];
        file.push_str(body);
    }
    file.push_str("END:VCALENDAR\r\n");
    std::fs::write(&ics, file).unwrap();
    let out = cli(&["import", ics.to_str().unwrap(), "--calendar", "Feina"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    {
        let st = cc_store::Store::open(&state).unwrap();
        let conn = st.connection();
        let feina = cc_pim::store::find_collection(conn, cc_pim::Kind::Calendar, "Feina").unwrap();
        for i in 0..200 {
            let it = cc_pim::store::item_by_uid(conn, feina.id, &format!("known-{i}"))
                .unwrap()
                .unwrap();
            if i < 100 {
                let changed = it.data.replace(
                    &format!("SUMMARY:known {i}"),
                    &format!("SUMMARY:changed {i}"),
                );
                cc_pim::store::update_item(conn, it.id, &changed).unwrap();
            } else {
                cc_pim::store::delete_item(conn, it.id).unwrap();
            }
        }
    }
    // Meanwhile 400 new ones on the server.
    rt.block_on(async {
        for i in 0..400 {
            client
                .put_item(
                    &cal.join(&format!("there-{i}.ics")).unwrap(),
                    Service::CalDav,
                    &event(&format!("there-{i}"), &format!("there {i}")),
                    &Precondition::none(),
                )
                .await
                .unwrap();
        }
    });

    // Killed at random moments, again and again.
    let mut seed = 0x9e37_79b9_u64;
    let mut killed = 0;
    for _ in 0..rounds {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let after = Duration::from_millis(50 + seed % 700);
        let mut child = cli(&sync)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while started.elapsed() < after {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
    }
    assert!(killed > 0, "no run was killed midway");

    // Let it finish (twice: the second finds nothing to do).
    for _ in 0..2 {
        let out = cli(&sync).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // The server: exactly the expected events, each once.
    let listed = rt.block_on(client.list_items(&cal)).unwrap();
    let mut by_uid: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &listed {
        let data = rt.block_on(client.get_item(&r.url)).unwrap().unwrap().data;
        by_uid
            .entry(uid_of(&data))
            .or_default()
            .push(summary_of(&data));
    }
    let mut want: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for i in 0..100 {
        want.insert(format!("known-{i}"), vec![format!("changed {i}")]);
    }
    for i in 0..600 {
        want.insert(format!("here-{i}"), vec![format!("here {i}")]);
    }
    for i in 0..400 {
        want.insert(format!("there-{i}"), vec![format!("there {i}")]);
    }
    let missing: Vec<_> = want.keys().filter(|k| !by_uid.contains_key(*k)).collect();
    let extra: Vec<_> = by_uid.keys().filter(|k| !want.contains_key(*k)).collect();
    let twice: Vec<_> = by_uid.iter().filter(|(_, v)| v.len() > 1).collect();
    assert!(missing.is_empty(), "lost after {killed} kills: {missing:?}");
    assert!(extra.is_empty(), "not deleted or made up: {extra:?}");
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    assert_eq!(by_uid, want);
    // And here: nothing waits, the same events.
    let st = cc_store::Store::open(&state).unwrap();
    let conn = st.connection();
    let feina = cc_pim::store::find_collection(conn, cc_pim::Kind::Calendar, "Feina").unwrap();
    assert_eq!(cc_pim::store::pending(conn, feina.id).unwrap(), 0);
    assert_eq!(cc_pim::store::items(conn, feina.id).unwrap().len(), 1100);
    eprintln!(
        "{killed} of {rounds} runs killed midway; {} events on the server",
        listed.len()
    );
}
