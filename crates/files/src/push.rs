//! Nextcloud's push channel (the `notify_push` app): a websocket on which
//! the server says "something changed in your files" about half a second
//! after it happened, so a pass can start at once instead of at the next
//! poll.
//!
//! The protocol (notify_push 1.4): open the websocket the capabilities
//! name, send the login, then the (app) password, as two text frames; the
//! server answers `authenticated` or `err: Invalid credentials`. After
//! `listen notify_file_id` a change comes as `notify_file_id [53,19]` (the
//! ids of what changed and of some of its parent folders, as JSON) when
//! the server knows them, else as `notify_file`; server notifications come
//! as `notify_notification`, activities as `notify_activity`. The server
//! pings after 30 s of silence.
//!
//! Push is best effort (upstream says so; a folder shared after the push
//! server started is announced only minutes later): callers keep polling,
//! less often, while the channel is up. [`run`] keeps one connection up,
//! reconnecting with a growing delay, and reports what happens as
//! [`PushEvent`]s.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use rusqlite::Connection;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use url::Url;

use cc_dav::transfers::PushCapability;

/// While the push channel is up, passes that no change called for come no
/// more often than this (the safety net: push is best effort; the push
/// server may learn of a newly shared folder minutes late).
pub const SAFETY_POLL: Duration = Duration::from_secs(300);

/// What the server said on the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushMessage {
    /// Files changed: with the file ids the server named (the changed
    /// file or folder and some of its parents), or `None` when it did not
    /// say which (`notify_file`).
    Files(Option<Vec<u64>>),
    /// A server notification is waiting (`notify_notification`).
    Notification,
    /// A new activity (`notify_activity`).
    Activity,
}

impl PushMessage {
    /// Reads one text message; `None` for anything else (ignored).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        match text {
            "notify_file" => return Some(PushMessage::Files(None)),
            "notify_notification" => return Some(PushMessage::Notification),
            "notify_activity" => return Some(PushMessage::Activity),
            _ => {}
        }
        let ids = text.strip_prefix("notify_file_id")?;
        if !ids.starts_with(char::is_whitespace) {
            return None;
        }
        // Ids we cannot read still mean "files changed".
        Some(PushMessage::Files(
            serde_json::from_str::<Vec<u64>>(ids.trim()).ok(),
        ))
    }
}

/// What happens on the channel, for the one who wakes the passes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushEvent {
    /// Signed in on the push server: changes will be announced.
    Connected,
    /// The connection ended or could not be made; [`run`] tries again
    /// after `retry_in`. Changes made meanwhile were not announced.
    Lost {
        reason: String,
        retry_in: Duration,
    },
    /// The push server refused the password (it asks Nextcloud). Retried
    /// only after the longest delay: the account's own check decides what
    /// a refused password means.
    Refused {
        retry_in: Duration,
    },
    Message(PushMessage),
}

/// The channel's delays.
#[derive(Debug, Clone, Copy)]
pub struct PushTimings {
    /// Longest wait for the server's answer to the password (the server
    /// gives a client 15 s to sign in).
    pub login: Duration,
    /// Silence after which the connection is taken for dead (the server
    /// pings after 30 s without a message; a laptop back from sleep has a
    /// socket that will never speak again).
    pub silence: Duration,
    /// The first wait before reconnecting; doubled on each failure.
    pub first_retry: Duration,
    /// The longest wait before reconnecting.
    pub max_retry: Duration,
    /// A connection that lived this long starts the delays over.
    pub stable: Duration,
}

impl Default for PushTimings {
    fn default() -> Self {
        PushTimings {
            login: Duration::from_secs(20),
            silence: Duration::from_secs(100),
            first_retry: Duration::from_secs(1),
            max_retry: Duration::from_secs(300),
            stable: Duration::from_secs(60),
        }
    }
}

/// Why one connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// Nobody listens to the events any more: stop.
    Unwanted,
    Refused,
    Lost(String),
}

/// Where to connect and as whom.
#[derive(Debug, Clone)]
pub struct PushLogin {
    pub websocket: Url,
    pub login: String,
    pub password: String,
}

impl PushLogin {
    /// The channel of a server's capability for the client's account;
    /// `None` when the client has no credentials, or the websocket is not
    /// encrypted and not on this machine (the password would travel in
    /// clear) unless the client allows that.
    pub fn new(cap: &PushCapability, client: &cc_dav::DavClient) -> Option<Self> {
        let creds = client.credentials()?;
        let ws = &cap.websocket;
        let plain_ok = client.config().allow_insecure || is_loopback(ws);
        if ws.scheme() == "ws" && !plain_ok {
            tracing::warn!(websocket = %ws, "push server not used: unencrypted websocket");
            return None;
        }
        Some(PushLogin {
            websocket: ws.clone(),
            login: creds.user.clone(),
            password: creds.password.clone(),
        })
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Messages are a few bytes: anything larger is not the push server.
const MAX_MESSAGE: usize = 64 * 1024;

/// One connection: signs in, then forwards messages until it ends.
pub async fn connect_once(
    login: &PushLogin,
    timings: &PushTimings,
    events: &mpsc::UnboundedSender<PushEvent>,
) -> Ended {
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE));
    let connecting =
        tokio_tungstenite::connect_async_with_config(login.websocket.as_str(), Some(config), true);
    let mut ws = match tokio::time::timeout(timings.login, connecting).await {
        Ok(Ok((ws, _))) => ws,
        Ok(Err(e)) => return Ended::Lost(format!("connecting to {}: {e}", login.websocket)),
        Err(_) => return Ended::Lost(format!("connecting to {}: timed out", login.websocket)),
    };
    for frame in [login.login.as_str(), login.password.as_str()] {
        if let Err(e) = ws.send(Message::text(frame)).await {
            return Ended::Lost(format!("signing in: {e}"));
        }
    }
    // The answer to the password; the server may ping meanwhile.
    let deadline = tokio::time::Instant::now() + timings.login;
    loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => return Ended::Lost("no answer to the sign-in".into()),
            Ok(None) => return Ended::Lost("closed during sign-in".into()),
            Ok(Some(Err(e))) => return Ended::Lost(format!("signing in: {e}")),
            Ok(Some(Ok(Message::Text(t)))) => {
                let t = t.as_str().trim();
                if t == "authenticated" {
                    break;
                }
                if t.starts_with("err:") {
                    tracing::info!(answer = t, "push server refused the password");
                    return Ended::Refused;
                }
            }
            Ok(Some(Ok(_))) => {}
        }
    }
    if let Err(e) = ws.send(Message::text("listen notify_file_id")).await {
        return Ended::Lost(format!("after signing in: {e}"));
    }
    if events.send(PushEvent::Connected).is_err() {
        return Ended::Unwanted;
    }
    loop {
        let next = tokio::select! {
            n = tokio::time::timeout(timings.silence, ws.next()) => n,
            () = events.closed() => return Ended::Unwanted,
        };
        match next {
            Err(_) => return Ended::Lost("the push server went silent".into()),
            Ok(None) => return Ended::Lost("the push server closed the connection".into()),
            Ok(Some(Err(e))) => return Ended::Lost(e.to_string()),
            Ok(Some(Ok(Message::Text(t)))) => {
                if let Some(m) = PushMessage::parse(t.as_str()) {
                    tracing::debug!(?m, "push message");
                    if events.send(PushEvent::Message(m)).is_err() {
                        return Ended::Unwanted;
                    }
                }
            }
            Ok(Some(Ok(Message::Close(_)))) => {
                return Ended::Lost("the push server closed the connection".into());
            }
            // Pings are answered by the library as the stream is read.
            Ok(Some(Ok(_))) => {}
        }
    }
}

/// The wait before the next connection after `failures` failures in a
/// row (1 is the first): `first_retry` doubled each time, at most
/// `max_retry`.
pub fn retry_delay(timings: &PushTimings, failures: u32) -> Duration {
    let doubled = timings
        .first_retry
        .saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    doubled.min(timings.max_retry)
}

/// Keeps a connection up until nobody listens to `events`: reconnects
/// after a failure with a growing delay (see [`retry_delay`]), after a
/// refused password only after the longest one.
pub async fn run(login: PushLogin, timings: PushTimings, events: mpsc::UnboundedSender<PushEvent>) {
    let mut failures = 0u32;
    loop {
        let started = Instant::now();
        let ended = connect_once(&login, &timings, &events).await;
        if started.elapsed() >= timings.stable {
            failures = 0;
        }
        failures = failures.saturating_add(1);
        let (event, wait) = match ended {
            Ended::Unwanted => return,
            Ended::Refused => {
                let retry_in = timings.max_retry;
                (PushEvent::Refused { retry_in }, retry_in)
            }
            Ended::Lost(reason) => {
                let retry_in = retry_delay(&timings, failures);
                tracing::info!(%reason, ?retry_in, "push channel lost");
                (PushEvent::Lost { reason, retry_in }, retry_in)
            }
        };
        if events.send(event).is_err() {
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = events.closed() => return,
        }
    }
}

/// The pairs a files message concerns, of `pairs` (each: its id, and the
/// file id of its remote folder when known): all of them when the server
/// did not say which files changed; else those whose folder, or a file or
/// folder the journal knows in them, is among the ids. The server names
/// the changed item and some of its parents (all of them for a new file,
/// only the item and its folder for an overwrite), so a pair whose folder
/// is not named can still be concerned through what it holds.
pub fn concerned(
    conn: &Connection,
    message: &PushMessage,
    pairs: &[(i64, Option<u64>)],
) -> Vec<i64> {
    let ids = match message {
        PushMessage::Files(Some(ids)) if !ids.is_empty() => ids,
        PushMessage::Files(_) => return pairs.iter().map(|(id, _)| *id).collect(),
        PushMessage::Notification | PushMessage::Activity => return Vec::new(),
    };
    pairs
        .iter()
        .filter(|(pair, root)| {
            root.is_some_and(|r| ids.contains(&r))
                || crate::journal::knows_file_ids(conn, *pair, ids).unwrap_or(true)
        })
        .map(|(id, _)| *id)
        .collect()
}

/// The file id of a pair's remote folder (one PROPFIND of depth 0), to
/// match push messages against; `None` when the server does not tell.
pub async fn folder_file_id(client: &cc_dav::DavClient, remote_root: &Url) -> Option<u64> {
    let r = client
        .stat(
            remote_root,
            &[cc_dav::xml::QName::new(cc_dav::xml::OC, "fileid")],
        )
        .await
        .ok()?;
    cc_dav::resource::plain_file_id(r.file_id()?).parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_read_and_anything_else_ignored() {
        assert_eq!(
            PushMessage::parse("notify_file"),
            Some(PushMessage::Files(None))
        );
        assert_eq!(
            PushMessage::parse("notify_file_id [53,19]"),
            Some(PushMessage::Files(Some(vec![53, 19])))
        );
        // Unreadable ids still say that files changed.
        assert_eq!(
            PushMessage::parse("notify_file_id [53,"),
            Some(PushMessage::Files(None))
        );
        assert_eq!(
            PushMessage::parse("notify_notification"),
            Some(PushMessage::Notification)
        );
        assert_eq!(
            PushMessage::parse("notify_activity"),
            Some(PushMessage::Activity)
        );
        for other in [
            "authenticated",
            "notify_file_idx",
            "",
            "notify_custom x",
            "err: x",
        ] {
            assert_eq!(PushMessage::parse(other), None, "{other:?}");
        }
    }

    #[test]
    fn delays_double_up_to_the_longest() {
        let t = PushTimings::default();
        let d: Vec<u64> = (1..=12).map(|n| retry_delay(&t, n).as_secs()).collect();
        assert_eq!(d, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
        assert_eq!(retry_delay(&t, u32::MAX), t.max_retry);
    }

    fn cap(ws: &str) -> PushCapability {
        PushCapability {
            websocket: Url::parse(ws).unwrap(),
            types: vec!["files".into()],
        }
    }

    #[test]
    fn the_password_never_goes_to_an_unencrypted_remote_websocket() {
        let client = cc_dav::DavClient::new(
            cc_dav::ClientConfig::default(),
            Some(cc_dav::Credentials {
                user: "ana".into(),
                password: "secret".into(),
            }),
        )
        .unwrap();
        assert!(PushLogin::new(&cap("ws://cloud.example/push/ws"), &client).is_none());
        let l = PushLogin::new(&cap("wss://cloud.example/push/ws"), &client).unwrap();
        assert_eq!((l.login.as_str(), l.password.as_str()), ("ana", "secret"));
        assert!(PushLogin::new(&cap("ws://127.0.0.1:7867/ws"), &client).is_some());
        let anonymous = cc_dav::DavClient::new(cc_dav::ClientConfig::default(), None).unwrap();
        assert!(PushLogin::new(&cap("wss://cloud.example/push/ws"), &anonymous).is_none());
    }

    #[tokio::test]
    async fn a_server_that_is_not_a_push_server_is_a_lost_connection() {
        // A TLS handshake against something that closes at once, and a
        // plain websocket against something that answers garbage.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            while let Ok((mut s, _)) = listener.accept().await {
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\n\r\n<html>").await;
            }
        });
        let (tx, _rx) = mpsc::unbounded_channel();
        let t = PushTimings::default();
        for scheme in ["wss", "ws"] {
            let login = PushLogin {
                websocket: Url::parse(&format!("{scheme}://127.0.0.1:{port}/ws")).unwrap(),
                login: "ana".into(),
                password: "secret".into(),
            };
            assert!(
                matches!(connect_once(&login, &t, &tx).await, Ended::Lost(_)),
                "{scheme}"
            );
        }
    }
}
