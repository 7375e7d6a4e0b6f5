//! Calendars and contacts in the built app under Xvfb, in Catalan, against
//! the real Nextcloud 33 of the harness (a fresh user, reached through a
//! fault proxy so the test can take the server away): an event made on the
//! server shows in the week view; an event made in the window reaches the
//! server; one changed on the server changes in the window; an event made
//! while the server cannot be reached waits ("changes waiting to go") and
//! is sent when it is back; a contact is found by typing part of its
//! e-mail. Screenshots go to `target/screenshots/` (and `docs/screenshots/`
//! with `CC_UPDATE_SCREENSHOTS=1`).

use std::time::{Duration, Instant};

use cc_dav::pim::Service;
use cc_dav::{DavClient, Precondition};
use cc_e2e::Session;
use cc_harness::keyring::KeyringSession;
use cc_harness::proxy::{Dir, Fault, FaultProxy};
use url::Url;

async fn wait_server(
    what: &str,
    dav: &DavClient,
    coll: &Url,
    service: Service,
    ok: impl Fn(&[String]) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if ok(&cc_harness::pim::items_on_server(dav, coll, service).await) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The element's whole text (`textContent`: WebDriver's visible text
/// leaves out what the calendar has scrolled out of view).
async fn all_text(s: &Session, testid: &str) -> String {
    s.el(testid).await;
    s.client
        .execute(
            &format!("return document.querySelector('[data-testid={testid}]').textContent"),
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Waits until the element's text contains `part`.
async fn wait_contains(s: &Session, testid: &str, part: &str, within: u64) {
    let deadline = Instant::now() + Duration::from_secs(within);
    loop {
        let got = all_text(s, testid).await;
        if got.contains(part) {
            return;
        }
        if Instant::now() >= deadline {
            let shot = s.screenshot(&format!("failed-{testid}")).await;
            eprintln!(
                "page at the failure ({}):\n{}",
                shot.display(),
                all_text(s, "calendar-page").await
            );
        }
        assert!(
            Instant::now() < deadline,
            "{testid}: {part:?} never shown; it shows {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn event(uid: &str, summary: &str, start: &str, end: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Web//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_and_contacts_in_the_window() {
    let nc = cc_harness::nextcloud_or_skip!();
    let user = nc.new_user("gui-pim");
    let keyring = KeyringSession::start();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();

    // The member's calendar and address book, with what another client
    // put there: an event today at noon (UTC) and a contact.
    let dav = user.dav_client();
    let cal = Url::parse(&format!("{}cooperativa/", user.calendar_home_url())).unwrap();
    let book = Url::parse(&format!("{}socies/", user.addressbook_home_url())).unwrap();
    dav.mkcalendar(&cal, "Cooperativa", &["VEVENT"], Some("#0b6e69"))
        .await
        .unwrap();
    dav.mkaddressbook(&book, "Sòcies").await.unwrap();
    let today = chrono_today();
    let web = event(
        "from-the-web",
        "Reunió del web",
        &format!("{today}T120000Z"),
        &format!("{today}T130000Z"),
    );
    dav.put_item(
        &cal.join("from-the-web.ics").unwrap(),
        Service::CalDav,
        &web,
        &Precondition::none(),
    )
    .await
    .unwrap();
    let card = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:nuria\r\nFN:Núria Puig\r\nN:Puig;Núria;;;\r\nEMAIL;TYPE=WORK:nuria.puig@cooperativa.example\r\nTEL;TYPE=CELL:+34 600 11 22 33\r\nEND:VCARD\r\n";
    dav.put_item(
        &book.join("nuria.vcf").unwrap(),
        Service::CardDav,
        card,
        &Precondition::none(),
    )
    .await
    .unwrap();

    // The app reaches the server through a proxy the test can close.
    let upstream: std::net::SocketAddr =
        Url::parse(nc.url()).unwrap().socket_addrs(|| None).unwrap()[0];
    let proxy = FaultProxy::start(upstream);

    let mut env: Vec<(&str, String)> = keyring
        .envs()
        .into_iter()
        .filter(|(k, _)| *k == "DBUS_SESSION_BUS_ADDRESS")
        .collect();
    env.push(("HOME", home.display().to_string()));
    let s = Session::start_with(&dir.path().join("state.sqlite3"), dir.path(), &env).await;

    // Sign in (as a member does the first time) and start syncing files.
    s.sign_in_and_start_sync(&proxy.base_url(), |page| nc.login_flow(page, &user))
        .await;

    // The calendar: this week, with the server's event.
    s.click("nav-calendar").await;
    wait_contains(&s, "calendar-collections", "Cooperativa", 60).await;
    wait_contains(&s, "calendar-widget", "Reunió del web", 60).await;
    s.screenshot("calendar-week-ca").await;

    // An event made in the window reaches the server.
    s.click("calendar-new").await;
    s.el("event-summary")
        .await
        .send_keys("Assemblea de sòcies")
        .await
        .unwrap();
    s.click("event-save").await;
    wait_contains(&s, "calendar-widget", "Assemblea de sòcies", 30).await;
    wait_server(
        "the new event on the server",
        &dav,
        &cal,
        Service::CalDav,
        |t| t.iter().any(|t| t.contains("SUMMARY:Assemblea de sòcies")),
    )
    .await;

    // One changed on the server changes in the window.
    let changed = web.replace("Reunió del web", "Reunió canviada al web");
    dav.put_item(
        &cal.join("from-the-web.ics").unwrap(),
        Service::CalDav,
        &changed,
        &Precondition::none(),
    )
    .await
    .unwrap();
    s.click("pim-sync-now").await;
    wait_contains(&s, "calendar-widget", "Reunió canviada al web", 30).await;

    // The server goes away: an event made now waits, and says so.
    proxy.set_fault(Fault::DropAfter(Dir::Up, 0));
    s.click("calendar-new").await;
    s.el("event-summary")
        .await
        .send_keys("Feta al tren")
        .await
        .unwrap();
    s.click("event-save").await;
    wait_contains(&s, "calendar-widget", "Feta al tren", 30).await;
    wait_contains(&s, "calendar-collections", "per enviar", 60).await;
    s.screenshot("calendar-offline-ca").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !cc_harness::pim::items_on_server(&dav, &cal, Service::CalDav)
            .await
            .iter()
            .any(|t| t.contains("Feta al tren")),
        "nothing reaches a server that cannot be reached"
    );
    // Back: it is sent.
    proxy.set_fault(Fault::Pass);
    s.click("pim-sync-now").await;
    wait_server(
        "the offline event on the server",
        &dav,
        &cal,
        Service::CalDav,
        |t| t.iter().any(|t| t.contains("SUMMARY:Feta al tren")),
    )
    .await;
    wait_contains(&s, "calendar-collections", "Sincronitzat", 60).await;

    // Contacts: found by typing part of the e-mail.
    s.click("nav-contacts").await;
    s.el("contacts-search")
        .await
        .send_keys("puig@coop")
        .await
        .unwrap();
    wait_contains(&s, "contacts-list", "Núria Puig", 30).await;
    s.click("contact-row").await;
    wait_contains(&s, "contact-detail", "+34 600 11 22 33", 10).await;
    s.screenshot("contacts-ca").await;
    s.close().await;
}

/// Today's date as iCalendar writes it (UTC).
fn chrono_today() -> String {
    chrono::Utc::now().format("%Y%m%d").to_string()
}
