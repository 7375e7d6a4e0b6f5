//! The client behind the fault-injecting proxy, in front of a real Apache:
//! safe requests are retried after a dropped or reset connection; a PUT is
//! never sent twice by the client; a stalled server times out.

use std::time::Duration;

use bytes::Bytes;
use cc_dav::client::{ClientConfig, Credentials, DavClient, Depth};
use cc_dav::error::ErrorKind;
use cc_dav::files::PutOptions;
use cc_harness::proxy::{Dir, Fault, FaultProxy};
use cc_harness::servers::{Kind, Server};
use url::Url;

fn client(server: &Server, retries: u32) -> DavClient {
    DavClient::new(
        ClientConfig {
            retries,
            backoff: Duration::from_millis(20),
            read_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(2),
            ..ClientConfig::default()
        },
        Some(Credentials {
            user: server.user().into(),
            password: server.password().into(),
        }),
    )
    .unwrap()
}

async fn setup() -> (Server, FaultProxy, Url) {
    let server = Server::start(Kind::Apache);
    let direct = client(&server, 0);
    let root = Url::parse(&server.files_url()).unwrap();
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 241) as u8).collect();
    direct
        .put_bytes(
            &root.join("f.bin").unwrap(),
            Bytes::from(data),
            &PutOptions::default(),
        )
        .await
        .unwrap();
    let proxy = FaultProxy::start(server.addr());
    let url = Url::parse(&format!("{}/dav/", proxy.base_url())).unwrap();
    (server, proxy, url)
}

#[tokio::test]
async fn listing_is_retried_after_a_reset() {
    let (server, proxy, url) = setup().await;
    proxy.set_fault_for(Fault::ResetAfter(Dir::Down, 0), 2);
    let mut n = 0;
    client(&server, 3)
        .list(&url, Depth::One, |_| {
            n += 1;
            Ok(())
        })
        .await
        .unwrap();
    assert_eq!(n, 2, "the folder and its file");
    assert_eq!(proxy.faulted(), 2);
    assert!(proxy.connections() >= 3);
}

#[tokio::test]
async fn without_retries_the_reset_is_a_transport_error() {
    let (server, proxy, url) = setup().await;
    proxy.set_fault(Fault::ResetAfter(Dir::Down, 0));
    let err = client(&server, 0)
        .list(&url, Depth::One, |_| Ok(()))
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind, ErrorKind::Transport(_) | ErrorKind::Connect(_)),
        "{err}"
    );
    assert!(err.is_transient());
}

#[tokio::test]
async fn a_download_cut_midway_is_an_error_and_resumes_with_range() {
    let (server, proxy, url) = setup().await;
    let file = url.join("f.bin").unwrap();
    proxy.set_fault_for(Fault::DropAfter(Dir::Down, 50_000), 1);
    let c = client(&server, 0);
    let mut part = Vec::new();
    let err = c.get(&file, &mut part, 0, None).await.unwrap_err();
    assert!(
        err.is_transient() || matches!(err.kind, ErrorKind::Transport(_)),
        "{err}"
    );
    assert!(
        !part.is_empty() && part.len() < 200_000,
        "{} bytes",
        part.len()
    );
    // Wait for Apache's ETag to be strong, then resume from what we have.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let etag = c
        .stat(&file, &[cc_dav::xml::QName::dav("getetag")])
        .await
        .unwrap()
        .etag()
        .map(str::to_owned);
    let mut rest = Vec::new();
    c.get(&file, &mut rest, part.len() as u64, etag.as_deref())
        .await
        .unwrap();
    part.extend(rest);
    let expected: Vec<u8> = (0..200_000u32).map(|i| (i % 241) as u8).collect();
    assert_eq!(part, expected);
}

#[tokio::test]
async fn an_upload_cut_by_a_broken_connection_is_sent_again_whole() {
    let (server, proxy, url) = setup().await;
    proxy.set_fault_for(Fault::ResetAfter(Dir::Up, 10_000), 1);
    let target = url.join("up.bin").unwrap();
    let data: Vec<u8> = (0..100_000u32).map(|i| (i % 239) as u8).collect();
    client(&server, 0)
        .put_bytes(&target, Bytes::from(data.clone()), &PutOptions::default())
        .await
        .unwrap();
    assert_eq!(
        proxy.connections(),
        2,
        "sent again once, on a new connection"
    );
    let mut back = Vec::new();
    client(&server, 0)
        .get(&target, &mut back, 0, None)
        .await
        .unwrap();
    assert_eq!(back, data, "the second attempt sent the whole body");
}

#[tokio::test]
async fn an_upload_that_keeps_breaking_fails_without_looping() {
    let (server, proxy, url) = setup().await;
    proxy.set_fault(Fault::ResetAfter(Dir::Up, 10_000));
    let err = client(&server, 0)
        .put_bytes(
            &url.join("up.bin").unwrap(),
            Bytes::from(vec![7u8; 100_000]),
            &PutOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert_eq!(proxy.connections(), 2, "one retry, then the caller decides");
}

#[tokio::test]
async fn a_stalled_server_times_out() {
    let (server, proxy, url) = setup().await;
    proxy.set_fault(Fault::StallAfter(Dir::Down, 0));
    let err = client(&server, 1)
        .list(&url, Depth::Zero, |_| Ok(()))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert_eq!(proxy.connections(), 2, "one retry");
}
