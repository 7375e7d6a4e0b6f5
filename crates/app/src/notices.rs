//! The server's notifications for each signed-in account: a worker per
//! account polls them (with their ETag, so an unchanged list costs one
//! 304) at the sync interval, and at once when the push channel announces
//! one; each new notification becomes a [`SyncEvent::ServerNotice`] (a
//! desktop notification) once. Which were shown is kept in the state file,
//! so none is shown again after a restart. Dismissing here dismisses on
//! the server (every device); an action is done from here.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use cc_account::NextcloudClient;
use cc_dav::Credentials;
use cc_services::notices::{self, Acted, Notice, Poll};
use tokio::sync::mpsc;

use crate::sync::{Hub, SyncEvent};
use crate::{App, Error, ErrorCode};

/// A notification of the server as the app shows it.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ServerNotice {
    pub id: i64,
    pub account_id: i64,
    /// The server app it comes from (`files_sharing`, `spreed`, …).
    pub app: String,
    /// RFC 3339.
    pub datetime: String,
    pub subject: String,
    pub message: String,
    /// A page about it.
    pub link: Option<String>,
    pub actions: Vec<NoticeButton>,
}

/// A button of a notification ([`App::notice_action`] by its index).
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct NoticeButton {
    pub label: String,
    pub primary: bool,
    /// Opens a page rather than doing something on the server.
    pub web: bool,
}

fn view(account_id: i64, n: &Notice) -> ServerNotice {
    ServerNotice {
        id: n.id,
        account_id,
        app: n.app.clone(),
        datetime: n.datetime.clone(),
        subject: n.subject.clone(),
        message: n.message.clone(),
        link: n.link.clone(),
        actions: n
            .actions
            .iter()
            .map(|a| NoticeButton {
                label: a.label.clone(),
                primary: a.primary,
                web: a.method == "WEB",
            })
            .collect(),
    }
}

/// How many shown ids are remembered per account.
const SEEN_KEPT: usize = 500;

fn seen_key(account_id: i64) -> String {
    format!("notices.{account_id}.shown")
}

/// An account's notices worker.
#[derive(Debug)]
pub(crate) struct NoticeWorker {
    tx: mpsc::UnboundedSender<()>,
}

/// Who the worker is and what it asks with.
#[derive(Debug, Clone)]
pub(crate) struct NoticeAccess {
    pub client: NextcloudClient,
    pub creds: Credentials,
}

impl Hub {
    pub(crate) fn start_notices(self: &Arc<Self>, account_id: i64, access: NoticeAccess) {
        let (tx, rx) = mpsc::unbounded_channel();
        let hub = self.clone();
        let spawned = crate::sync::on_own_thread(format!("notices-{account_id}"), move || {
            notice_worker(hub, account_id, access, rx)
        });
        match spawned {
            Ok(_) => {
                if let Ok(mut w) = self.notice_workers.lock() {
                    w.insert(account_id, NoticeWorker { tx });
                }
            }
            Err(e) => tracing::error!(account = account_id, "no notifications thread: {e}"),
        }
    }

    pub(crate) fn stop_notices(&self, account_id: i64) {
        if let Ok(mut w) = self.notice_workers.lock() {
            w.remove(&account_id);
        }
        if let Ok(mut n) = self.notices.lock() {
            n.remove(&account_id);
        }
    }

    /// Polls an account's notifications now (the push channel announced
    /// one, or one was dismissed).
    pub(crate) fn wake_notices(&self, account_id: i64) {
        if let Ok(w) = self.notice_workers.lock()
            && let Some(w) = w.get(&account_id)
        {
            let _ = w.tx.send(());
        }
    }

    fn set_notices(&self, account_id: i64, list: Vec<Notice>) {
        if let Ok(mut n) = self.notices.lock() {
            n.insert(account_id, list);
        }
    }
}

async fn notice_worker(
    hub: Arc<Hub>,
    account_id: i64,
    access: NoticeAccess,
    mut rx: mpsc::UnboundedReceiver<()>,
) {
    let store = match cc_store::Store::open(&hub.state_path) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(account = account_id, "notifications: no state: {e}");
            return;
        }
    };
    let mut etag: Option<String> = None;
    loop {
        match notices::poll(&access.client, &access.creds, etag.as_deref()).await {
            Ok(Poll::NotModified) => {}
            Ok(Poll::Changed { etag: tag, notices }) => {
                etag = tag;
                let fresh = mark_shown(&store, account_id, &notices);
                hub.set_notices(account_id, notices.clone());
                for n in notices.iter().filter(|n| fresh.contains(&n.id)) {
                    hub.emit(SyncEvent::ServerNotice {
                        account_id,
                        notice: view(account_id, n),
                    });
                }
                hub.emit(SyncEvent::ServerNotices { account_id });
            }
            Ok(Poll::Unavailable) => {
                tracing::info!(account = account_id, "the server has no notifications app");
                return;
            }
            Err(cc_services::ServiceError::Account(cc_account::AccountError::Unauthorized {
                ..
            })) => return,
            Err(e) => tracing::debug!(account = account_id, "notifications: {e}"),
        }
        let poll = Duration::from_secs(
            crate::settings::read(store.connection())
                .poll_seconds
                .max(5),
        );
        tokio::select! {
            c = rx.recv() => if c.is_none() { return },
            _ = tokio::time::sleep(poll) => {}
        }
        while rx.try_recv().is_ok() {}
    }
}

/// Records the notices as shown; the ids not shown before. The first poll
/// of an account shows nothing that is older than the account here: a
/// member signing in is not greeted by a year of old notifications.
fn mark_shown(store: &cc_store::Store, account_id: i64, list: &[Notice]) -> BTreeSet<i64> {
    let key = seen_key(account_id);
    let stored = store.setting(&key).ok().flatten();
    let first = stored.is_none();
    let mut seen: Vec<i64> = stored
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    let known: BTreeSet<i64> = seen.iter().copied().collect();
    let fresh: BTreeSet<i64> = list
        .iter()
        .map(|n| n.id)
        .filter(|id| !known.contains(id))
        .collect();
    seen.extend(fresh.iter().copied());
    seen.sort_unstable();
    if seen.len() > SEEN_KEPT {
        seen.drain(..seen.len() - SEEN_KEPT);
    }
    if let Ok(json) = serde_json::to_string(&seen)
        && let Err(e) = store.set_setting(&key, Some(&json))
    {
        tracing::warn!(account = account_id, "notifications: cannot record: {e}");
    }
    if first { BTreeSet::new() } else { fresh }
}

impl App {
    pub(crate) async fn start_notices(&self, account_id: i64) {
        self.hub.stop_notices(account_id);
        match self.nextcloud(account_id).await {
            Ok((client, creds)) => self
                .hub
                .start_notices(account_id, NoticeAccess { client, creds }),
            Err(e) => tracing::warn!(account = account_id, "no notifications: {}", e.message),
        }
    }

    /// The server's notifications for an account, newest first, as last
    /// polled.
    pub fn server_notices(&self, account_id: i64) -> Vec<ServerNotice> {
        self.notices_of(account_id)
            .iter()
            .map(|n| view(account_id, n))
            .collect()
    }

    fn notices_of(&self, account_id: i64) -> Vec<Notice> {
        self.hub
            .notices
            .lock()
            .ok()
            .and_then(|n| n.get(&account_id).cloned())
            .unwrap_or_default()
    }

    /// Asks the server for new notifications now (the member opened the
    /// list; the next poll would be up to the sync interval away).
    pub fn check_notices_now(&self, account_id: i64) {
        self.hub.wake_notices(account_id);
    }

    /// Dismisses a notification on the server.
    pub async fn dismiss_notice(&self, account_id: i64, id: i64) -> Result<(), Error> {
        let (client, creds) = self.nextcloud(account_id).await?;
        notices::dismiss(&client, &creds, id).await?;
        if let Ok(mut n) = self.hub.notices.lock()
            && let Some(list) = n.get_mut(&account_id)
        {
            list.retain(|n| n.id != id);
        }
        self.hub.emit(SyncEvent::ServerNotices { account_id });
        self.hub.wake_notices(account_id);
        Ok(())
    }

    /// Does action `index` of notification `id`; the page to open for a
    /// web action.
    pub async fn notice_action(
        &self,
        account_id: i64,
        id: i64,
        index: usize,
    ) -> Result<Option<String>, Error> {
        let action = self
            .notices_of(account_id)
            .into_iter()
            .find(|n| n.id == id)
            .and_then(|n| n.actions.get(index).cloned())
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NotFound,
                    format!("no action {index} of notification {id}"),
                )
            })?;
        let (client, creds) = self.nextcloud(account_id).await?;
        match notices::act(&client, &creds, &action).await? {
            Acted::Open(url) => Ok(Some(url.into())),
            Acted::Done => {
                self.hub.wake_notices(account_id);
                Ok(None)
            }
        }
    }
}

pub(crate) type NoticeLists = std::sync::Mutex<HashMap<i64, Vec<Notice>>>;
