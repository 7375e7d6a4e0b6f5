//! The apps the member's server offers (`GET /ocs/v2.php/core/navigation/apps`),
//! as Nextcloud's own desktop client reads them for its apps menu.
//!
//! Each entry is `{id, order, href, name, icon, type, default}`. Entries
//! whose `href` is not a web address (`javascript:`, `data:`, another
//! scheme) are left out with a message; an icon not on the member's server
//! is dropped (the app fetches icons itself and sends nothing elsewhere).

use cc_account::{NextcloudClient, OcsRequest};
use cc_dav::Credentials;
use reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::{Result, ServiceError, is_web_address};

const PATH: &str = "ocs/v2.php/core/navigation/apps?absolute=true&format=json";

/// One app of the server's navigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavApp {
    /// The app id (`files`, `mail`, `spreed`, `bbb`, `richdocuments`).
    pub id: String,
    pub name: String,
    pub href: Url,
    /// On the member's server, when the entry names one.
    pub icon: Option<Url>,
    pub order: i64,
    /// The server's start page (`default: true`).
    pub default: bool,
}

/// The server's apps and the entries that were refused, each with why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Navigation {
    pub apps: Vec<NavApp>,
    pub refused: Vec<String>,
}

impl Navigation {
    /// Whether the server offers the app `id`.
    pub fn has(&self, id: &str) -> bool {
        self.apps.iter().any(|a| a.id == id)
    }
}

/// Reads the `ocs.data` of a navigation answer.
pub fn parse(data: &Value, server: &Url) -> Result<Navigation> {
    let entries = data
        .as_array()
        .ok_or_else(|| ServiceError::Refused("the server's app list is not a list".to_owned()))?;
    let mut nav = Navigation::default();
    for e in entries {
        let s = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or("").trim();
        let id = s("id");
        let name = s("name");
        if id.is_empty() || name.is_empty() {
            nav.refused.push(format!(
                "an app of the server without an id or a name ({id:?}) was left out"
            ));
            continue;
        }
        let href = s("href");
        let href = match server.join(href) {
            Ok(u) if is_web_address(&u, server) => u,
            _ => {
                nav.refused.push(format!(
                    "the server's app {name:?} links to {href:?}, which is not a web address; left out"
                ));
                continue;
            }
        };
        let icon = server
            .join(s("icon"))
            .ok()
            .filter(|u| !s("icon").is_empty() && u.origin() == server.origin());
        nav.apps.push(NavApp {
            id: id.to_owned(),
            name: name.to_owned(),
            href,
            icon,
            order: e.get("order").and_then(Value::as_i64).unwrap_or(0),
            default: e.get("default").and_then(Value::as_bool).unwrap_or(false),
        });
    }
    nav.apps.sort_by_key(|a| a.order);
    for r in &nav.refused {
        tracing::warn!(server = %server, "{r}");
    }
    Ok(nav)
}

/// The server's navigation.
pub async fn fetch(client: &NextcloudClient, creds: &Credentials) -> Result<Navigation> {
    let answer = client
        .ocs_call(creds, OcsRequest::new(Method::GET, PATH))
        .await?;
    parse(&answer.data, client.base())
}

/// A navigation listing the apps `ids` on `https://o.example/` (for the
/// tests of the modules that choose by the server's apps).
#[cfg(test)]
pub(crate) fn listing(ids: &[&str]) -> Navigation {
    let data: Vec<_> = ids
        .iter()
        .map(|id| serde_json::json!({"id": id, "name": id, "href": format!("https://o.example/index.php/apps/{id}/")}))
        .collect();
    parse(
        &serde_json::json!(data),
        &Url::parse("https://o.example/").unwrap(),
    )
    .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hostile_entries_are_left_out_and_named() {
        let server = Url::parse("https://oficina.example/").unwrap();
        let data = json!([
            {"id": "files", "order": 0, "href": "https://oficina.example/index.php/apps/files/",
             "icon": "https://oficina.example/apps/files/img/app.svg", "name": "Files"},
            {"id": "evil", "order": 1, "href": "javascript:alert(document.cookie)", "name": "Evil"},
            {"id": "ftp", "order": 2, "href": "ftp://files.example/", "name": "Old files"},
            {"id": "ext", "order": 3, "href": "https://forum.example/", "name": "Forum",
             "icon": "https://tracker.example/pixel.svg"},
            {"id": "", "href": "https://x.example/", "name": "No id"},
            {"id": "dashboard", "order": -10, "href": "/index.php/apps/dashboard/",
             "icon": "/apps/dashboard/img/dashboard.svg", "name": "Dashboard", "default": true}
        ]);
        let nav = parse(&data, &server).unwrap();
        let ids: Vec<_> = nav.apps.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["dashboard", "files", "ext"]);
        assert_eq!(nav.refused.len(), 3, "{:?}", nav.refused);
        assert!(nav.refused[0].contains("Evil") && nav.refused[0].contains("not a web address"));
        assert_eq!(nav.apps[2].icon, None, "an icon elsewhere is not fetched");
        assert_eq!(
            nav.apps[0].icon.as_ref().unwrap().as_str(),
            "https://oficina.example/apps/dashboard/img/dashboard.svg"
        );
        assert!(nav.apps[0].default);
        assert!(parse(&json!({"not": "a list"}), &server).is_err());
    }
}
