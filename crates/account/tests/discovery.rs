//! Finding an account's calendar and address-book homes on real CalDAV/
//! CardDAV servers started by the harness (Radicale, Cyrus), on a WebDAV
//! server without them (Apache), and with a wrong password.

use cc_account::AccountError;
use cc_account::endpoints::discover_homes;
use cc_account::signin::dav_client;
use cc_dav::pim::Service;
use cc_dav::{Credentials, ErrorKind};
use cc_harness::servers::{Kind, Server};
use url::Url;

fn creds(server: &Server) -> Credentials {
    Credentials {
        user: server.user().into(),
        password: server.password().into(),
    }
}

fn root(server: &Server) -> Url {
    Url::parse(&format!("{}/", server.base_url())).unwrap()
}

#[tokio::test]
async fn radicale_homes_are_found_and_may_be_empty() {
    let server = Server::start(Kind::Radicale);
    let dav = dav_client(creds(&server), 0).unwrap();
    let (calendars, contacts) = discover_homes(&dav, &root(&server)).await.unwrap();
    let calendars = calendars.expect("calendar home");
    let contacts = contacts.expect("address-book home");
    assert_eq!(calendars.as_str(), server.calendar_home_url());
    assert_eq!(contacts.as_str(), server.addressbook_home_url());
    // A new Radicale user has no collection at all, like a Nextcloud user
    // who only ever used app passwords: the homes are there, empty, and
    // that is not an error.
    assert!(
        dav.collections(&calendars, Service::CalDav)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        dav.collections(&contacts, Service::CardDav)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn cyrus_homes_are_found() {
    let server = Server::start(Kind::Cyrus);
    let dav = dav_client(creds(&server), 0).unwrap();
    let (calendars, contacts) = discover_homes(&dav, &root(&server)).await.unwrap();
    assert_eq!(
        calendars.expect("calendar home").as_str(),
        server.calendar_home_url()
    );
    assert_eq!(
        contacts.expect("address-book home").as_str(),
        server.addressbook_home_url()
    );
}

#[tokio::test]
async fn a_server_without_caldav_has_no_homes_and_that_is_fine() {
    let server = Server::start(Kind::Apache);
    let dav = dav_client(creds(&server), 0).unwrap();
    let files = Url::parse(&server.files_url()).unwrap();
    let (calendars, contacts) = discover_homes(&dav, &files).await.unwrap();
    assert_eq!((calendars, contacts), (None, None));
}

#[tokio::test]
async fn a_wrong_password_is_not_taken_for_missing_homes() {
    for kind in [Kind::Radicale, Kind::Cyrus] {
        let server = Server::start(kind);
        let dav = dav_client(
            Credentials {
                user: server.user().into(),
                password: "not the password".into(),
            },
            0,
        )
        .unwrap();
        let err = discover_homes(&dav, &root(&server)).await.unwrap_err();
        assert!(
            matches!(&err, AccountError::Dav(e) if e.kind == ErrorKind::Unauthorized),
            "{kind:?}: {err:?}"
        );
    }
}
