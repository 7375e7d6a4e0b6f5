//! Hearing of remote changes at once: one push channel per account
//! (Nextcloud's `notify_push`, when the server has it; see
//! [`cc_files::push`]), on its own thread like the sync workers. A files
//! message wakes the workers of the pairs it concerns; while the channel
//! is up the workers poll less often (push is best effort, so they still
//! poll); when it goes down, the account's pairs pass once (what changed
//! meanwhile was not announced) and poll as usual again.

use std::collections::HashMap;
use std::sync::Arc;

use cc_dav::DavClient;
use cc_files::features::NextcloudUploads;
use cc_files::push::{self, PushEvent, PushLogin, PushMessage, PushTimings};
use tokio::sync::mpsc;
use url::Url;

use crate::folders;
use crate::sync::{Hub, SyncEvent};

/// A running channel: dropping the sender ends its thread.
#[derive(Debug)]
pub(crate) struct Pusher {
    _stop: mpsc::UnboundedSender<()>,
}

impl Hub {
    /// Starts the push channel of an account unless it runs already.
    pub(crate) fn ensure_push(
        self: &Arc<Self>,
        account_id: i64,
        client: DavClient,
        files_root: Url,
    ) {
        let Ok(mut pushers) = self.pushers.lock() else {
            return;
        };
        if pushers.contains_key(&account_id) {
            return;
        }
        let (stop_tx, stop_rx) = mpsc::unbounded_channel();
        let hub = self.clone();
        let spawned = crate::sync::on_own_thread(format!("push-{account_id}"), move || {
            listen(hub, account_id, client, files_root, stop_rx)
        });
        match spawned {
            Ok(_) => {
                pushers.insert(account_id, Pusher { _stop: stop_tx });
            }
            Err(e) => tracing::error!(account = account_id, "no push thread: {e}"),
        }
    }

    /// Stops an account's push channel (signed out, wiped).
    pub(crate) fn stop_push(&self, account_id: i64) {
        if let Ok(mut p) = self.pushers.lock() {
            p.remove(&account_id);
        }
        self.set_push_live(account_id, false);
    }

    fn set_push_live(&self, account_id: i64, live: bool) -> bool {
        let Ok(mut l) = self.push_live.lock() else {
            return false;
        };
        if live {
            !l.insert(account_id)
        } else {
            l.remove(&account_id)
        }
    }

    /// Whether the account's push channel is up (its workers may poll
    /// less often).
    pub(crate) fn push_live(&self, account_id: i64) -> bool {
        self.push_live.lock().is_ok_and(|l| l.contains(&account_id))
    }

    /// The pairs of an account (those with a worker), with their remote
    /// folders.
    fn account_pairs(&self, conn: &rusqlite::Connection, account_id: i64) -> Vec<(i64, Url)> {
        folders::read_pairs(conn, None)
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.account_id == account_id)
            .map(|r| (r.id, r.remote_url))
            .collect()
    }
}

async fn listen(
    hub: Arc<Hub>,
    account_id: i64,
    client: DavClient,
    files_root: Url,
    mut stop: mpsc::UnboundedReceiver<()>,
) {
    let Some(cap) = NextcloudUploads::detect(&client, &files_root)
        .await
        .and_then(|n| n.push)
    else {
        // The entry stays (until sign-out or a new sign-in): the next
        // pair of the account does not ask again.
        tracing::info!(account = account_id, "no push server: polling only");
        return;
    };
    let Some(login) = PushLogin::new(&cap, &client) else {
        return;
    };
    let store = match cc_store::Store::open(&hub.state_path) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(account = account_id, "push without state: {e}");
            return;
        }
    };
    let conn = store.connection();
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(push::run(login, PushTimings::default(), tx));
    // The file ids of the pairs' remote folders, learnt on connecting.
    let mut roots: HashMap<i64, Option<u64>> = HashMap::new();
    loop {
        let event = tokio::select! {
            e = rx.recv() => e,
            _ = stop.recv() => None,
        };
        let Some(event) = event else {
            hub.set_push_live(account_id, false);
            return;
        };
        match event {
            PushEvent::Connected => {
                tracing::info!(account = account_id, "push channel up");
                roots.clear();
                for (id, url) in hub.account_pairs(conn, account_id) {
                    roots.insert(id, push::folder_file_id(&client, &url).await);
                }
                hub.set_push_live(account_id, true);
            }
            PushEvent::Lost { .. } | PushEvent::Refused { .. } => {
                if hub.set_push_live(account_id, false) {
                    // Changes may have gone unannounced: look once.
                    for (id, _) in hub.account_pairs(conn, account_id) {
                        hub.wake(id);
                    }
                }
            }
            PushEvent::Message(PushMessage::Notification) => {
                hub.emit(SyncEvent::ServerNotification { account_id });
                hub.wake_notices(account_id);
            }
            PushEvent::Message(PushMessage::Activity) => {}
            PushEvent::Message(m @ PushMessage::Files(_)) => {
                let mut pairs = Vec::new();
                for (id, url) in hub.account_pairs(conn, account_id) {
                    // A pair added since the channel came up.
                    if let std::collections::hash_map::Entry::Vacant(e) = roots.entry(id) {
                        e.insert(push::folder_file_id(&client, &url).await);
                    }
                    pairs.push((id, roots.get(&id).copied().flatten()));
                }
                let woken = push::concerned(conn, &m, &pairs);
                tracing::debug!(account = account_id, ?woken, "push: files changed");
                for id in woken {
                    hub.wake(id);
                }
            }
        }
    }
}
