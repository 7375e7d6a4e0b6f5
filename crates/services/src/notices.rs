//! The server's notifications (Nextcloud's notifications app, API v2):
//! polled with their ETag (304 when nothing changed), dismissed, acted on.
//!
//! - `GET ocs/v2.php/apps/notifications/api/v2/notifications`: the newest
//!   25 (the app's limit, seen on Nextcloud 33), as a list of
//!   `{notification_id, app, datetime, subject, message, link, icon,
//!   actions: [{label, link, type, primary}]}`; `ETag` in the headers.
//! - `DELETE …/notifications/<id>`: dismissed on the server (every device).
//! - An action's `type` is `WEB` (open `link` in the browser) or the HTTP
//!   method to send to `link` (`GET`, `POST`, `PUT`, `DELETE`), which the
//!   app does only when `link` is on the member's server.

use cc_account::{AccountError, NextcloudClient, OcsRequest};
use cc_dav::Credentials;
use reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::{Result, ServiceError, is_web_address, on_server};

const API: &str = "ocs/v2.php/apps/notifications/api/v2/notifications";

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Notice {
    pub id: i64,
    pub app: String,
    /// RFC 3339, as the server sent it.
    pub datetime: String,
    pub subject: String,
    pub message: String,
    /// A page about it (web addresses only).
    pub link: Option<String>,
    pub actions: Vec<NoticeAction>,
}

/// A button of a notification.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeAction {
    pub label: String,
    pub link: String,
    /// `WEB`, `GET`, `POST`, `PUT` or `DELETE`.
    pub method: String,
    pub primary: bool,
}

/// What a poll found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll {
    /// The list is as it was at the ETag sent.
    NotModified,
    /// The list now, newest first, and its ETag.
    Changed {
        etag: Option<String>,
        notices: Vec<Notice>,
    },
    /// The server has no notifications app.
    Unavailable,
}

/// Reads the notification list; entries without an id are skipped, links
/// that are not web addresses dropped.
pub fn parse(data: &Value, server: &Url) -> Vec<Notice> {
    let Some(list) = data.as_array() else {
        return Vec::new();
    };
    let web = |s: &str| {
        server
            .join(s)
            .ok()
            .filter(|u| !s.is_empty() && is_web_address(u, server))
            .map(String::from)
    };
    list.iter()
        .filter_map(|n| {
            let s = |k: &str| n.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
            let actions = n
                .get("actions")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|a| {
                            let t = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("");
                            let method = t("type").to_ascii_uppercase();
                            let known = matches!(
                                method.as_str(),
                                "WEB" | "GET" | "POST" | "PUT" | "DELETE"
                            );
                            let link = web(t("link"))?;
                            (known && !t("label").is_empty()).then(|| NoticeAction {
                                label: t("label").to_owned(),
                                link,
                                method,
                                primary: a.get("primary").and_then(Value::as_bool).unwrap_or(false),
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            Some(Notice {
                id: n.get("notification_id")?.as_i64()?,
                app: s("app"),
                datetime: s("datetime"),
                subject: s("subject"),
                message: s("message"),
                link: web(&s("link")),
                actions,
            })
        })
        .collect()
}

/// Polls the list, sending `etag` from the last poll.
pub async fn poll(
    client: &NextcloudClient,
    creds: &Credentials,
    etag: Option<&str>,
) -> Result<Poll> {
    let path = format!("{API}?format=json");
    match client
        .ocs_call(
            creds,
            OcsRequest::new(Method::GET, &path).if_none_match(etag),
        )
        .await
    {
        Ok(a) if a.not_modified => Ok(Poll::NotModified),
        Ok(a) => Ok(Poll::Changed {
            etag: a.etag,
            notices: parse(&a.data, client.base()),
        }),
        Err(AccountError::Refused { status: 404, .. }) => Ok(Poll::Unavailable),
        Err(e) => Err(e.into()),
    }
}

/// Dismisses notification `id` on the server (gone already is fine).
pub async fn dismiss(client: &NextcloudClient, creds: &Credentials, id: i64) -> Result<()> {
    let path = format!("{API}/{id}?format=json");
    match client
        .ocs_call(creds, OcsRequest::new(Method::DELETE, &path))
        .await
    {
        Ok(_) | Err(AccountError::Refused { status: 404, .. }) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// What doing an action asks of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acted {
    /// Open this page in the browser.
    Open(Url),
    /// Done on the server.
    Done,
}

/// Does `action`: a `WEB` action is a page to open; any other is sent to
/// its link on the member's server with the member's credentials.
pub async fn act(
    client: &NextcloudClient,
    creds: &Credentials,
    action: &NoticeAction,
) -> Result<Acted> {
    let server = client.base();
    if action.method == "WEB" {
        let url = Url::parse(&action.link)
            .ok()
            .filter(|u| is_web_address(u, server))
            .ok_or_else(|| {
                ServiceError::Refused(format!("{:?} is not a web address", action.link))
            })?;
        return Ok(Acted::Open(url));
    }
    let method = Method::from_bytes(action.method.as_bytes())
        .ok()
        .filter(|m| [Method::GET, Method::POST, Method::PUT, Method::DELETE].contains(m))
        .ok_or_else(|| ServiceError::Refused(format!("unknown action type {:?}", action.method)))?;
    // Credentials go only to the member's own server.
    let url = on_server(
        &action.link,
        server,
        &format!("the action {:?}", action.label),
    )?;
    client.request_on_server(method, &url, creds).await?;
    Ok(Acted::Done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn notices_keep_only_web_links_and_known_actions() {
        let server = Url::parse("https://o.example/").unwrap();
        let data = json!([
            {"notification_id": 96, "app": "files_sharing", "datetime": "2026-12-05T07:21:26+00:00",
             "subject": "Ana shared «Actes» with you", "message": "", "link": "javascript:alert(1)",
             "actions": [
                {"label": "Accept", "link": "https://o.example/ocs/v2.php/apps/files_sharing/api/v1/remote_shares/pending/7", "type": "POST", "primary": true},
                {"label": "Decline", "link": "https://o.example/ocs/v2.php/apps/files_sharing/api/v1/remote_shares/pending/7", "type": "DELETE", "primary": false},
                {"label": "Evil", "link": "data:text/html,x", "type": "WEB"},
                {"label": "Odd", "link": "https://o.example/x", "type": "PATCH"}
             ]},
            {"app": "no id"},
            {"notification_id": 7, "subject": "Hola", "link": "https://o.example/index.php/f/12"}
        ]);
        let n = parse(&data, &server);
        assert_eq!(n.len(), 2);
        assert_eq!(n[0].link, None);
        assert_eq!(
            n[0].actions
                .iter()
                .map(|a| a.label.as_str())
                .collect::<Vec<_>>(),
            ["Accept", "Decline"]
        );
        assert_eq!(
            n[1].link.as_deref(),
            Some("https://o.example/index.php/f/12")
        );
    }
}
