//! The notifications API of the real Nextcloud 33 the harness starts: a
//! notification made on the server is listed with an ETag; the same ETag
//! gives 304 (`NotModified`, not an error); dismissed, it is gone and the
//! list has a new ETag.

use cc_account::{HttpConfig, NextcloudClient};
use cc_dav::Credentials;
use cc_services::notices::{self, Poll};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_poll_with_their_etag_and_dismiss() {
    let nc = cc_harness::nextcloud_or_skip!();
    let user = nc.new_user("notices");
    let base = url::Url::parse(&format!("{}/", nc.url().trim_end_matches('/'))).unwrap();
    let client = NextcloudClient::new(&base, &HttpConfig::default()).unwrap();
    let creds = Credentials {
        user: user.login.clone(),
        password: user.app_password.clone(),
    };
    tokio::task::block_in_place(|| {
        nc.occ(&[
            "notification:generate",
            &user.login,
            "Assemblea dijous",
            "-l",
            "A les 19 h",
        ])
    });
    let Poll::Changed {
        etag,
        notices: list,
    } = notices::poll(&client, &creds, None).await.unwrap()
    else {
        panic!("a first poll lists");
    };
    let etag = etag.expect("Nextcloud sends an ETag");
    let n = list
        .iter()
        .find(|n| n.subject == "Assemblea dijous")
        .expect("listed");
    assert_eq!(n.message, "A les 19 h");
    assert_eq!(n.app, "admin_notifications");
    assert_eq!(
        notices::poll(&client, &creds, Some(&etag)).await.unwrap(),
        Poll::NotModified
    );
    notices::dismiss(&client, &creds, n.id).await.unwrap();
    // Dismissing one that is gone already is fine.
    notices::dismiss(&client, &creds, n.id).await.unwrap();
    match notices::poll(&client, &creds, Some(&etag)).await.unwrap() {
        Poll::Changed {
            etag: new,
            notices: list,
        } => {
            assert_ne!(new.as_deref(), Some(etag.as_str()));
            assert!(list.iter().all(|x| x.id != n.id));
        }
        other => panic!("the list changed: {other:?}"),
    }
}
