//! The fault proxy in front of a real Apache: passes, drops, resets,
//! stalls and slows connections as told.

use std::time::Duration;

use cc_harness::proxy::{Dir, Fault, FaultProxy};
use cc_harness::servers::{Kind, Server};

const SIZE: usize = 256 * 1024;

fn content() -> Vec<u8> {
    (0..SIZE).map(|i| (i * 7 % 251) as u8).collect()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

/// Apache with a 256 KiB file at `/dav/big.bin`, and a proxy in front.
async fn setup() -> (Server, FaultProxy, String) {
    let server = Server::start(Kind::Apache);
    let r = client()
        .put(format!("{}big.bin", server.files_url()))
        .basic_auth(server.user(), Some(server.password()))
        .body(content())
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let proxy = FaultProxy::start(server.addr());
    let url = format!("{}/dav/big.bin", proxy.base_url());
    (server, proxy, url)
}

async fn download(server: &Server, url: &str) -> Result<Vec<u8>, reqwest::Error> {
    let r = client()
        .get(url)
        .basic_auth(server.user(), Some(server.password()))
        .send()
        .await?
        .error_for_status()?;
    Ok(r.bytes().await?.to_vec())
}

#[tokio::test]
async fn passes_untouched_by_default() {
    let (server, proxy, url) = setup().await;
    assert_eq!(download(&server, &url).await.unwrap(), content());
    assert_eq!(proxy.connections(), 1);
    assert_eq!(proxy.faulted(), 0);
}

#[tokio::test]
async fn drop_and_reset_cut_a_download_short() {
    let (server, proxy, url) = setup().await;
    for fault in [
        Fault::DropAfter(Dir::Down, 10_000),
        Fault::ResetAfter(Dir::Down, 10_000),
    ] {
        proxy.set_fault_for(fault, 1);
        let got = download(&server, &url).await;
        assert!(
            got.is_err(),
            "{fault:?}: download of a cut connection succeeded"
        );
        // The next connection passes again.
        assert_eq!(
            download(&server, &url).await.unwrap(),
            content(),
            "{fault:?}"
        );
    }
    assert_eq!(proxy.faulted(), 2);
}

#[tokio::test]
async fn reset_during_an_upload_leaves_no_complete_file() {
    let (server, proxy, _) = setup().await;
    proxy.set_fault_for(Fault::ResetAfter(Dir::Up, 50_000), 1);
    let url = format!("{}/dav/upload.bin", proxy.base_url());
    let r = client()
        .put(&url)
        .basic_auth(server.user(), Some(server.password()))
        .body(content())
        .send()
        .await;
    assert!(
        r.is_err(),
        "upload through a reset connection succeeded: {r:?}"
    );
    let check = client()
        .get(format!("{}upload.bin", server.files_url()))
        .basic_auth(server.user(), Some(server.password()))
        .send()
        .await
        .unwrap();
    if check.status().is_success() {
        assert_ne!(
            check.bytes().await.unwrap().len(),
            SIZE,
            "a torn upload looks complete"
        );
    }
}

#[tokio::test]
async fn stall_times_out_the_client() {
    let (server, proxy, url) = setup().await;
    proxy.set_fault(Fault::StallAfter(Dir::Down, 1000));
    let err = download(&server, &url).await.unwrap_err();
    assert!(
        err.is_timeout() || err.is_body() || err.is_decode(),
        "{err:?}"
    );
}

#[tokio::test]
async fn slow_still_delivers_every_byte() {
    let (server, proxy, url) = setup().await;
    proxy.set_fault(Fault::Slow(2 * 1024 * 1024));
    assert_eq!(download(&server, &url).await.unwrap(), content());
    assert_eq!(proxy.faulted(), 1);
}
