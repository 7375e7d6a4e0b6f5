//! "Start a meeting": which video service makes the room, and the room.
//!
//! The profile's video services are tried in its order; each says how it
//! starts a meeting ([`MeetingKind`]). Talk is used only when the server's
//! capabilities show it, a service tied to a server app only when the
//! server lists that app: the server breaks the tie between what the
//! profile offers.
//!
//! - Talk: `POST ocs/v2.php/apps/spreed/api/v4/room` with `roomType=3`
//!   (public) and `roomName`; the answer's `token` names the room,
//!   `<server>/index.php/call/<token>`.
//! - Jitsi: `https://<host>/<RoomName>`, the name unguessable (20 random
//!   letters and digits, 100 bits).
//! - BigBlueButton has no public API for this: its page is the link.

use cc_account::{MeetingKind, NextcloudClient, OcsRequest, ServiceLink};
use cc_dav::Credentials;
use reqwest::Method;
use url::Url;

use crate::navigation::Navigation;
use crate::{Result, ServiceError};

/// How the chosen service makes the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingPlan {
    Talk,
    Jitsi { host: Url },
    Page { url: Url },
}

/// The first video service of the profile that can start a meeting for
/// this server; `None` when none can.
pub fn choose<'a>(
    services: &'a [ServiceLink],
    server_has_talk: bool,
    nav: &Navigation,
) -> Option<(&'a ServiceLink, MeetingPlan)> {
    services.iter().find_map(|s| {
        let kind = s.meeting?;
        if let Some(app) = &s.server_app
            && !nav.has(app)
        {
            return None;
        }
        let url = Url::parse(&s.url).ok()?;
        let plan = match kind {
            MeetingKind::Talk if server_has_talk => MeetingPlan::Talk,
            MeetingKind::Talk => return None,
            MeetingKind::Jitsi => MeetingPlan::Jitsi { host: url },
            MeetingKind::Page => MeetingPlan::Page { url },
        };
        Some((s, plan))
    })
}

/// The Talk request that makes a public room named `name`: path and form.
pub fn talk_request(name: &str) -> (&'static str, Vec<(&'static str, String)>) {
    (
        "ocs/v2.php/apps/spreed/api/v4/room?format=json",
        vec![("roomType", "3".to_owned()), ("roomName", name.to_owned())],
    )
}

/// The room's address from Talk's answer (`data.token`).
pub fn talk_room_url(server: &Url, data: &serde_json::Value) -> Result<Url> {
    let token = data
        .get("token")
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_alphanumeric()))
        .ok_or_else(|| ServiceError::Refused("Talk gave no room token".to_owned()))?;
    server
        .join(&format!("index.php/call/{token}"))
        .map_err(|e| ServiceError::Refused(e.to_string()))
}

/// Makes a public Talk room named `name` on the member's server.
pub async fn talk_room(client: &NextcloudClient, creds: &Credentials, name: &str) -> Result<Url> {
    let (path, form) = talk_request(name);
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let answer = client
        .ocs_call(creds, OcsRequest::new(Method::POST, path).form(&form))
        .await?;
    talk_room_url(client.base(), &answer.data)
}

/// A new Jitsi room on `host` with an unguessable name.
pub fn jitsi_room(host: &Url, prefix: &str) -> Result<Url> {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes)
        .map_err(|e| ServiceError::Unavailable(format!("no randomness for a room name: {e}")))?;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let name: String = bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect();
    let prefix: String = prefix.chars().filter(char::is_ascii_alphanumeric).collect();
    host.join(&format!("{prefix}-{name}"))
        .map_err(|e| ServiceError::Refused(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::navigation::listing as nav;
    use cc_account::ServiceKind;

    fn video(id: &str, url: &str, meeting: MeetingKind, app: Option<&str>) -> ServiceLink {
        ServiceLink {
            id: id.into(),
            kind: ServiceKind::Video,
            name: id.into(),
            url: url.into(),
            server_app: app.map(str::to_owned),
            icon: None,
            meeting: Some(meeting),
            compose: None,
        }
    }

    #[test]
    fn the_profile_orders_and_the_server_breaks_ties() {
        let services = vec![
            video(
                "talk",
                "https://o.example/index.php/apps/spreed/",
                MeetingKind::Talk,
                Some("spreed"),
            ),
            video(
                "bbb-app",
                "https://o.example/index.php/apps/bbb/",
                MeetingKind::Page,
                Some("bbb"),
            ),
            video("jitsi", "https://meet.example/", MeetingKind::Jitsi, None),
        ];
        let pick =
            |talk, apps: &[&str]| choose(&services, talk, &nav(apps)).map(|(s, _)| s.id.clone());
        assert_eq!(pick(true, &["spreed"]).as_deref(), Some("talk"));
        // Talk listed but not in the capabilities: not used.
        assert_eq!(pick(false, &["spreed", "bbb"]).as_deref(), Some("bbb-app"));
        assert_eq!(pick(false, &[]).as_deref(), Some("jitsi"));
        assert!(choose(&services[..2], false, &nav(&[])).is_none());
    }

    #[test]
    fn talk_rooms_are_public_and_named() {
        let (path, form) = talk_request("Reunió");
        assert_eq!(path, "ocs/v2.php/apps/spreed/api/v4/room?format=json");
        assert_eq!(
            form,
            vec![("roomType", "3".into()), ("roomName", "Reunió".into())]
        );
        let server = Url::parse("https://o.example/").unwrap();
        assert_eq!(
            talk_room_url(&server, &serde_json::json!({"token": "a1b2c3d4"}))
                .unwrap()
                .as_str(),
            "https://o.example/index.php/call/a1b2c3d4"
        );
        assert!(talk_room_url(&server, &serde_json::json!({"token": "../x"})).is_err());
        assert!(talk_room_url(&server, &serde_json::json!({})).is_err());
    }

    #[test]
    fn jitsi_rooms_are_unguessable() {
        let host = Url::parse("https://meet.example/").unwrap();
        let a = jitsi_room(&host, "SomNúvol").unwrap();
        let b = jitsi_room(&host, "SomNúvol").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.host_str(), Some("meet.example"));
        let name = a.path().trim_start_matches('/');
        assert!(name.starts_with("SomNvol-"), "{name}");
        assert_eq!(name.len(), "SomNvol-".len() + 20);
    }
}
