//! The Nextcloud replay server answers with the real recordings, and only
//! with them.

use cc_harness::replay::{Recording, ReplayServer};

fn client() -> reqwest::Client {
    reqwest::Client::builder().build().unwrap()
}

async fn json(resp: reqwest::Response) -> serde_json::Value {
    serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
}

#[test]
fn every_recording_parses_and_is_self_consistent() {
    let all = Recording::all();
    assert!(all.len() >= 140, "only {} recordings", all.len());
    for r in &all {
        assert!(
            !r.method.is_empty() && r.target.starts_with('/'),
            "{}",
            r.name
        );
        assert!(
            (100..600).contains(&r.status()),
            "{}: status {}",
            r.name,
            r.status()
        );
        let head =
            String::from_utf8_lossy(&r.response[..r.response.len() - r.response_body().len()])
                .to_ascii_lowercase();
        if let Some(line) = head.lines().find(|l| l.starts_with("content-length:")) {
            let n: usize = line[15..].trim().parse().unwrap();
            assert_eq!(n, r.response_body().len(), "{}: Content-Length", r.name);
        }
    }
}

#[tokio::test]
async fn status_and_capabilities_come_from_the_recordings() {
    let server = ReplayServer::start_with(&["005-capabilities-json"], &["001-status"]);
    let c = client();
    for _ in 0..2 {
        let status = json(
            c.get(format!("{}/status.php", server.base_url()))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status["versionstring"], "33.0.1");
        assert_eq!(status["maintenance"], false);
    }
    let caps = c
        .get(format!(
            "{}/ocs/v2.php/cloud/capabilities?format=json",
            server.base_url()
        ))
        .header("OCS-APIRequest", "true")
        .basic_auth("ana", Some("app-password"))
        .send()
        .await
        .unwrap();
    assert_eq!(caps.status(), 200);
    let caps = json(caps).await;
    assert_eq!(
        caps["ocs"]["data"]["capabilities"]["dav"]["bulkupload"],
        "1.0"
    );
    assert!(server.misses().is_empty(), "{:?}", server.misses());
    assert!(server.unused().is_empty());
}

#[tokio::test]
async fn login_flow_v2_polls_404_then_200_once() {
    let server = ReplayServer::start(&[
        "010-loginflow-init",
        "011-loginflow-poll-pending",
        "012-loginflow-poll-granted",
        "013-loginflow-poll-again",
    ]);
    let c = client();
    let init = json(
        c.post(format!("{}/index.php/login/v2", server.base_url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let endpoint = init["poll"]["endpoint"].as_str().unwrap().to_owned();
    assert_eq!(
        endpoint,
        format!("{}/index.php/login/v2/poll", server.base_url()),
        "base URL rewritten"
    );
    assert!(
        init["login"]
            .as_str()
            .unwrap()
            .starts_with(&server.base_url())
    );
    let token = init["poll"]["token"].as_str().unwrap().to_owned();
    let poll = || c.post(&endpoint).form(&[("token", token.as_str())]).send();
    assert_eq!(poll().await.unwrap().status(), 404);
    let granted = poll().await.unwrap();
    assert_eq!(granted.status(), 200);
    let granted = json(granted).await;
    assert_eq!(granted["loginName"], "ana");
    assert_eq!(granted["appPassword"].as_str().unwrap().len(), 72);
    assert_eq!(
        poll().await.unwrap().status(),
        404,
        "the grant is served once"
    );
    assert!(server.misses().is_empty());
}

#[tokio::test]
async fn unmatched_requests_are_not_invented() {
    let server = ReplayServer::start(&["016-propfind-revoked-apppassword"]);
    let c = client();
    // No recording of this path.
    let r = c
        .get(format!("{}/index.php/apps/nothing", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 501);
    assert_eq!(r.headers()["x-replay-miss"], "1");
    // The recording needs credentials: without them it does not match.
    let no_auth = c
        .request(
            reqwest::Method::from_bytes(b"PROPFIND").unwrap(),
            format!("{}/remote.php/dav/files/ana/", server.base_url()),
        )
        .header("Depth", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(no_auth.status(), 501);
    let revoked = c
        .request(
            reqwest::Method::from_bytes(b"PROPFIND").unwrap(),
            format!("{}/remote.php/dav/files/ana/", server.base_url()),
        )
        .basic_auth("ana", Some("revoked"))
        .header("Depth", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401);
    assert_eq!(server.misses().len(), 2);
}
