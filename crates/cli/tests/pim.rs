//! `commonscloud pim sync`, `calendars`, `agenda`, `contacts search`,
//! `import` and `export` as a member runs them, against a real Radicale:
//! the JSON lines scripts read, offline edits sent at the next sync, and
//! the exit codes.

use std::process::{Command, Output};

use cc_dav::files::Precondition;
use cc_dav::pim::Service;
use cc_harness::servers::{Kind, Server};

fn run(state: &std::path::Path, server: &Server, args: &[&str]) -> (Output, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_commonscloud"))
        .arg("--state")
        .arg(state)
        .args(args)
        .env("COMMONSCLOUD_PASSWORD", server.password())
        .env("TZ", "Europe/Madrid")
        .envs(cc_harness::home_env(&state.with_file_name("home")))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

/// Tomorrow (Madrid) as YYYYMMDD and YYYY-MM-DD.
fn tomorrow() -> (String, String) {
    let d = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Madrid)
        .date_naive()
        .succ_opt()
        .unwrap();
    (
        d.format("%Y%m%d").to_string(),
        d.format("%Y-%m-%d").to_string(),
    )
}

#[test]
fn calendars_and_contacts_from_the_command_line() {
    let server = Server::start(Kind::Radicale);
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.sqlite3");
    let client = server.dav_client();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let home = url::Url::parse(&server.calendar_home_url()).unwrap();
    let cal = home.join("feina/").unwrap();
    let book = url::Url::parse(&server.addressbook_home_url())
        .unwrap()
        .join("equip/")
        .unwrap();
    let (day, day_dashed) = tomorrow();
    let weekly = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20261125T090000Z\r\nDTSTART;TZID=Europe/Madrid:{day}T093000\r\nDTEND;TZID=Europe/Madrid:{day}T094500\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:Standup\r\nLOCATION:Sala gran\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let holiday = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\nBEGIN:VEVENT\r\nUID:festa\r\nDTSTAMP:20261125T090000Z\r\nDTSTART;VALUE=DATE:{day}\r\nSUMMARY:Festa\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let card = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:nuria\r\nFN:Núria Puig\r\nEMAIL:nuria.puig@exemple.cat\r\nTEL:+34 600 111 222\r\nORG:Cooperativa\r\nEND:VCARD\r\n";
    rt.block_on(async {
        client
            .mkcalendar(&cal, "Feina", &["VEVENT"], None)
            .await
            .unwrap();
        client.mkaddressbook(&book, "Equip").await.unwrap();
        for (url, data, svc) in [
            (
                cal.join("standup.ics").unwrap(),
                weekly.as_str(),
                Service::CalDav,
            ),
            (
                cal.join("festa.ics").unwrap(),
                holiday.as_str(),
                Service::CalDav,
            ),
            (book.join("nuria.vcf").unwrap(), card, Service::CardDav),
        ] {
            client
                .put_item(&url, svc, data, &Precondition::none())
                .await
                .unwrap();
        }
    });
    let sync = [
        "pim",
        "sync",
        "--once",
        "--server",
        &server.base_url(),
        "--user",
        server.user(),
    ];

    // Before any sync: nothing, said so.
    let (out, stdout, _) = run(&state, &server, &["calendars"]);
    assert!(out.status.success());
    assert!(stdout.contains("pim sync"), "{stdout}");

    let (out, stdout, stderr) = run(&state, &server, &sync);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("Feina: 2 received"), "{stdout}");
    assert!(stdout.contains("Equip: 1 received"), "{stdout}");

    let (_, stdout, _) = run(&state, &server, &["calendars"]);
    assert!(stdout.contains("calendar      Feina  (2 items"), "{stdout}");
    assert!(stdout.contains("address book  Equip  (1 items"), "{stdout}");

    // The agenda as JSON lines: times with their UTC offset, dates alone
    // for an all-day event, the series' occurrences named.
    let (out, stdout, stderr) = run(
        &state,
        &server,
        &["agenda", "--from", &day_dashed, "--days", "15", "--json"],
    );
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    let festa = lines.iter().find(|l| l["uid"] == "festa").unwrap();
    assert_eq!(festa["all_day"], true);
    assert_eq!(festa["start"], day_dashed.as_str());
    assert_eq!(festa["calendar"], "Feina");
    let standups: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["uid"] == "standup").collect();
    assert_eq!(standups.len(), 3);
    let first = standups[0]["start"].as_str().unwrap();
    assert!(
        first.starts_with(&format!("{day_dashed}T09:30:00+0")),
        "{first}"
    );
    assert!(standups.iter().all(|s| s["recurrence_id"].is_string()));
    assert_eq!(standups[0]["summary"], "Standup");
    // And for people.
    let (_, stdout, _) = run(
        &state,
        &server,
        &["agenda", "--from", &day_dashed, "--days", "1"],
    );
    assert!(
        stdout.contains("09:30-09:45  Standup (Sala gran)  [Feina]"),
        "{stdout}"
    );
    assert!(stdout.contains("all day    Festa  [Feina]"), "{stdout}");

    // A contact by part of its e-mail.
    let (_, stdout, _) = run(
        &state,
        &server,
        &["contacts", "search", "puig@exe", "--json"],
    );
    let hit: serde_json::Value = serde_json::from_str(stdout.lines().next().unwrap()).unwrap();
    assert_eq!(hit["name"], "Núria Puig");
    assert_eq!(hit["addressbook"], "Equip");
    assert_eq!(hit["emails"][0], "nuria.puig@exemple.cat");
    assert_eq!(hit["phones"][0], "+34 600 111 222");

    // Imported offline, sent at the next sync.
    let ics = dir.path().join("import.ics");
    std::fs::write(
        &ics,
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Other//EN\r\nBEGIN:VEVENT\r\nUID:imp-1\r\nDTSTART:20270110T100000Z\r\nSUMMARY:Importat 1\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:imp-2\r\nDTSTART:20270111T100000Z\r\nSUMMARY:Importat 2\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )
    .unwrap();
    let (out, stdout, stderr) = run(
        &state,
        &server,
        &["import", ics.to_str().unwrap(), "--calendar", "Feina"],
    );
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("2 added"), "{stdout}");
    let (_, stdout, _) = run(&state, &server, &["calendars"]);
    assert!(stdout.contains("2 changes waiting to be sent"), "{stdout}");
    let (out, stdout, stderr) = run(&state, &server, &sync);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("Feina: 0 received, 2 sent"), "{stdout}");
    let on_server = rt.block_on(client.list_items(&cal)).unwrap();
    assert_eq!(on_server.len(), 4);

    // Export: one calendar file with every event.
    let out_file = dir.path().join("feina.ics");
    let (out, _, stderr) = run(
        &state,
        &server,
        &[
            "export",
            "--calendar",
            "Feina",
            "-o",
            out_file.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{stderr}");
    let exported = std::fs::read_to_string(&out_file).unwrap();
    assert_eq!(exported.matches("BEGIN:VEVENT").count(), 4, "{exported}");
    assert_eq!(exported.matches("BEGIN:VCALENDAR").count(), 1);

    // Bad input: a file that is no calendar, an unknown calendar.
    std::fs::write(&ics, "hello").unwrap();
    let (out, _, stderr) = run(
        &state,
        &server,
        &["import", ics.to_str().unwrap(), "--calendar", "Feina"],
    );
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let (out, _, stderr) = run(&state, &server, &["export", "--calendar", "Cap"]);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no calendar named \"Cap\""), "{stderr}");

    // A wrong password: exit 3.
    let out = Command::new(env!("CARGO_BIN_EXE_commonscloud"))
        .arg("--state")
        .arg(&state)
        .args(sync)
        .env("COMMONSCLOUD_PASSWORD", "wrong")
        .envs(cc_harness::home_env(&dir.path().join("home")))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
