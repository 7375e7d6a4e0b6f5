//! The real Nextcloud of the harness: shared, with a fresh user per test
//! that sees only its own files and has its calendar and address book.

use cc_dav::Depth;

/// The names in a folder (`""` for the folder itself), sorted.
async fn names(c: &cc_dav::DavClient, url: &url::Url) -> Result<Vec<String>, cc_dav::DavError> {
    let mut out = Vec::new();
    c.list(url, Depth::One, |e| {
        out.push(e.path.join("/"));
        Ok(())
    })
    .await?;
    out.sort();
    Ok(out)
}

#[tokio::test]
async fn each_test_user_sees_only_its_own_files() {
    let nc = cc_harness::nextcloud_or_skip!();
    let (a, b) = (nc.new_user("iso-a"), nc.new_user("iso-b"));
    let ca = a.dav_client();
    let url = a.files_root().join("only-a.txt").unwrap();
    ca.put_bytes(&url, bytes::Bytes::from_static(b"a's"), &Default::default())
        .await
        .expect("PUT as a");
    let listed = names(&ca, &a.files_root()).await.unwrap();
    assert_eq!(listed, ["", "only-a.txt"]);
    // The server's own data folder holds it.
    assert_eq!(
        std::fs::read(a.data_dir().join("only-a.txt")).unwrap(),
        b"a's"
    );
    // b sees an empty home and cannot read a's file.
    let cb = b.dav_client();
    assert_eq!(names(&cb, &b.files_root()).await.unwrap(), [""]);
    // Nextcloud shows another user's home as an empty folder, and not
    // what is in it.
    assert_eq!(names(&cb, &a.files_root()).await.unwrap(), [""]);
    let mut got = Vec::new();
    let err = cb.get(&url, &mut got, 0, None).await.unwrap_err();
    assert!(
        matches!(
            err.kind,
            cc_dav::ErrorKind::NotFound | cc_dav::ErrorKind::Forbidden(_)
        ),
        "{err}"
    );
}

#[test]
fn a_test_user_has_a_calendar_and_an_address_book() {
    let nc = cc_harness::nextcloud_or_skip!();
    let u = nc.new_user("pim");
    for (path, name) in [
        (u.calendar_home_url(), "personal"),
        (u.addressbook_home_url(), "contacts"),
    ] {
        let (code, body) = nc.curl(
            "PROPFIND",
            path.strip_prefix(nc.url()).unwrap(),
            (&u.login, &u.app_password),
            &[],
        );
        assert_eq!(code, 207, "{path}: {body}");
        assert!(body.contains(&format!("/{name}/")), "{path}: {body}");
    }
}
