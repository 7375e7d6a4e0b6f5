//! Calendars and contacts in the app: what the Calendar and Contacts pages
//! show and change (on [`cc_pim`]), and the background sync of each
//! signed-in account's collections, on its own thread like the folder
//! workers. An edit is written to the state file first and sent by the
//! account's worker, woken at once; offline, it waits there.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use cc_pim::edit::{ContactFields, EventFields};
use cc_pim::store::{self, CollectionRow, State};
use cc_pim::{Kind, edit};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use ts_rs::TS;
use url::Url;

use crate::sync::{Hub, SyncEvent};
use crate::{App, Error, ErrorCode};

/// Calendars or address books.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum PimKind {
    Calendar,
    Addressbook,
}

impl From<Kind> for PimKind {
    fn from(k: Kind) -> Self {
        match k {
            Kind::Calendar => PimKind::Calendar,
            Kind::AddressBook => PimKind::Addressbook,
        }
    }
}

/// What a collection is doing.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum PimStatus {
    InSync,
    Syncing,
    /// Changes made here wait to be sent (`pending`).
    Pending,
    /// The server cannot be reached; changes made here wait.
    Offline,
    /// The last sync failed (`error` says why).
    Error,
    /// Not synced yet.
    Waiting,
}

/// A calendar or address book, as the pages list it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct PimCollection {
    pub id: i64,
    pub account_id: Option<i64>,
    pub kind: PimKind,
    pub name: String,
    /// `#rrggbb` when the server gave one.
    pub color: Option<String>,
    /// Shared with the member without the right to change it.
    pub read_only: bool,
    pub hidden: bool,
    /// Changes made here not sent yet.
    pub pending: usize,
    pub status: PimStatus,
    pub error: Option<String>,
    /// Seconds since the epoch.
    pub synced_at: Option<i64>,
}

/// One occurrence of an event, for the calendar views.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct CalendarEntry {
    pub item_id: i64,
    pub calendar_id: i64,
    pub summary: String,
    pub location: String,
    /// Seconds since the epoch (for an all-day event, midnights here).
    pub start: i64,
    pub end: i64,
    pub all_day: bool,
    /// For an occurrence of a repeating event: which one (seconds since
    /// the epoch, as the series starts it), given back to edit it.
    pub recurrence_id: Option<i64>,
    pub read_only: bool,
    pub color: Option<String>,
    /// Not sent to the server yet.
    pub pending: bool,
}

/// An event opened in the editor.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct EventDetail {
    pub item_id: i64,
    pub calendar_id: i64,
    pub read_only: bool,
    /// Part of a repeating series (the editor asks "this one / this and
    /// the following / all").
    pub recurring: bool,
    pub recurrence_id: Option<i64>,
    pub fields: EventFields,
    /// A copy kept when the same event was changed here and on the server.
    pub conflicted_copy: bool,
}

/// Which occurrences of a repeating event a change is for.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum EditScope {
    All,
    This,
    Following,
}

/// An event saved from the editor: new when `item_id` is `None`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct SaveEvent {
    pub item_id: Option<i64>,
    pub calendar_id: i64,
    pub recurrence_id: Option<i64>,
    pub scope: EditScope,
    pub fields: EventFields,
}

/// A contact in the list.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactSummary {
    pub item_id: i64,
    pub addressbook_id: i64,
    pub name: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub organisation: String,
}

/// A contact group (`CATEGORIES`) and how many contacts it has.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct ContactGroup {
    pub name: String,
    pub count: usize,
}

/// A contact opened in the detail view or the editor.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct ContactDetail {
    pub item_id: i64,
    pub addressbook_id: i64,
    pub read_only: bool,
    pub fields: ContactFields,
    pub conflicted_copy: bool,
}

/// A contact saved from the editor: new when `item_id` is `None`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct SaveContact {
    pub item_id: Option<i64>,
    pub addressbook_id: i64,
    pub fields: ContactFields,
}

pub use cc_pim::store::ImportReport;

pub(crate) fn pim_error(e: cc_pim::Error) -> Error {
    match e {
        cc_pim::Error::NotFound(m) => Error::new(ErrorCode::NotFound, m),
        cc_pim::Error::ReadOnly(m) => Error::new(ErrorCode::ReadOnly, format!("{m} is read-only")),
        cc_pim::Error::Invalid(m) => Error::new(ErrorCode::InvalidInput, m),
        cc_pim::Error::Dav(d) => crate::folders::dav_error(d),
        cc_pim::Error::Sqlite(s) => Error::new(ErrorCode::Storage, s.to_string()),
    }
}

// ---------------------------------------------------------------------
// The workers

#[derive(Debug)]
enum PimCommand {
    SyncNow,
}

/// An account's PIM worker: dropping it ends its thread.
#[derive(Debug)]
pub(crate) struct PimWorker {
    tx: mpsc::UnboundedSender<PimCommand>,
}

/// What the workers know beyond the state file.
#[derive(Debug, Clone, Default)]
pub(crate) struct PimLive {
    syncing: bool,
    offline: bool,
}

/// How long to wait before trying again when offline.
const OFFLINE_RETRY: Duration = Duration::from_secs(30);

impl Hub {
    fn pim_live(&self, account_id: i64) -> PimLive {
        self.pim_live
            .lock()
            .ok()
            .and_then(|l| l.get(&account_id).cloned())
            .unwrap_or_default()
    }

    fn set_pim_live(&self, account_id: i64, f: impl FnOnce(&mut PimLive)) {
        if let Ok(mut l) = self.pim_live.lock() {
            f(l.entry(account_id).or_default());
        }
        self.emit(SyncEvent::Pim { account_id });
    }

    /// Starts the PIM worker of an account (or restarts it).
    pub(crate) fn start_pim(self: &Arc<Self>, account_id: i64, access: crate::PimAccess) {
        let (tx, rx) = mpsc::unbounded_channel();
        let hub = self.clone();
        let spawned = crate::sync::on_own_thread(format!("pim-{account_id}"), move || {
            pim_worker(hub, account_id, access, rx)
        });
        match spawned {
            Ok(_) => {
                if let Ok(mut w) = self.pim_workers.lock() {
                    w.insert(account_id, PimWorker { tx });
                }
            }
            Err(e) => tracing::error!(account = account_id, "no calendar sync thread: {e}"),
        }
    }

    pub(crate) fn stop_pim(&self, account_id: i64) {
        if let Ok(mut w) = self.pim_workers.lock() {
            w.remove(&account_id);
        }
        if let Ok(mut l) = self.pim_live.lock() {
            l.remove(&account_id);
        }
    }

    /// Wakes an account's PIM worker (a change was made here); `false`
    /// when it has none.
    pub(crate) fn wake_pim(&self, account_id: i64) -> bool {
        self.pim_workers
            .lock()
            .ok()
            .and_then(|w| {
                w.get(&account_id)
                    .map(|w| w.tx.send(PimCommand::SyncNow).is_ok())
            })
            .unwrap_or(false)
    }

    /// Whether any account's calendars or contacts are syncing or offline.
    pub(crate) fn pim_overall(&self) -> (bool, bool) {
        self.pim_live
            .lock()
            .map(|l| (l.values().any(|p| p.syncing), l.values().any(|p| p.offline)))
            .unwrap_or((false, false))
    }
}

async fn pim_worker(
    hub: Arc<Hub>,
    account_id: i64,
    mut access: crate::PimAccess,
    mut rx: mpsc::UnboundedReceiver<PimCommand>,
) {
    let store = match cc_store::Store::open(&hub.state_path) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(
                account = account_id,
                "calendar sync cannot open the state: {e}"
            );
            return;
        }
    };
    let conn = store.connection();
    loop {
        hub.set_pim_live(account_id, |l| l.syncing = true);
        let outcome = sync_account(conn, account_id, &mut access).await;
        // What is due next may have changed.
        if matches!(outcome, Ok(true)) {
            hub.wake_reminders();
        }
        let refused = matches!(&outcome, Err(e) if e.code == ErrorCode::Unauthorized);
        let offline = matches!(&outcome, Err(e) if matches!(e.code, ErrorCode::Offline | ErrorCode::Maintenance));
        if let Err(e) = &outcome {
            tracing::warn!(account = account_id, code = ?e.code, "calendars and contacts: {}", e.message);
        }
        hub.set_pim_live(account_id, |l| {
            l.syncing = false;
            l.offline = offline;
        });
        if refused {
            // No retry with a refused password (the server would lock the
            // account out): signing in again starts a new worker.
            hub.emit(SyncEvent::AccountRefused { account_id });
            return;
        }
        let poll = Duration::from_secs(crate::settings::read(conn).poll_seconds.max(5));
        let wait = if offline {
            poll.min(OFFLINE_RETRY)
        } else {
            poll
        };
        tokio::select! {
            c = rx.recv() => match c {
                None => return,
                Some(PimCommand::SyncNow) => {}
            },
            _ = tokio::time::sleep(wait) => {}
        }
        // Several edits in a row are sent together.
        while rx.try_recv().is_ok() {}
    }
}

/// One pass over an account's calendars and address books; `true` when
/// something came from the server or went to it.
async fn sync_account(
    conn: &rusqlite::Connection,
    account_id: i64,
    access: &mut crate::PimAccess,
) -> Result<bool, Error> {
    let mut first_error = None;
    let mut changed = false;
    for kind in [Kind::Calendar, Kind::AddressBook] {
        let known = match kind {
            Kind::Calendar => access.calendar_home.clone(),
            Kind::AddressBook => access.contacts_home.clone(),
        };
        let home = match known {
            Some(h) => Some(h),
            None => cc_pim::find_home(conn, &access.client, &access.server, kind)
                .await
                .map_err(pim_error)?,
        };
        let Some(home) = home else { continue };
        match cc_pim::sync_home(conn, &access.client, Some(account_id), &home, kind).await {
            Ok(results) => {
                for r in results {
                    if let Ok(rep) = &r {
                        changed |=
                            rep.received + rep.sent + rep.removed_here + rep.removed_there > 0;
                    }
                    if let Err((name, e)) = r {
                        let e = pim_error(e);
                        if e.code == ErrorCode::Unauthorized {
                            return Err(e);
                        }
                        tracing::warn!(account = account_id, "{name}: {}", e.message);
                    }
                }
            }
            Err(e) => {
                let _ = cc_pim::forget_home(conn, &access.client, &access.server, kind);
                let e = pim_error(e);
                if matches!(e.code, ErrorCode::Unauthorized | ErrorCode::Offline) {
                    return Err(e);
                }
                first_error.get_or_insert(e);
            }
        }
    }
    first_error.map_or(Ok(changed), Err)
}

// ---------------------------------------------------------------------
// The façade

/// An occurrence as the calendar views get it.
fn entry_view(e: store::AgendaEntry, col: Option<&CollectionRow>, pending: bool) -> CalendarEntry {
    CalendarEntry {
        item_id: e.item_id,
        calendar_id: e.collection_id,
        summary: e.occurrence.summary.unwrap_or_default(),
        location: e.occurrence.location.unwrap_or_default(),
        start: e.occurrence.start,
        end: e.occurrence.end,
        all_day: e.occurrence.all_day,
        recurrence_id: e
            .occurrence
            .recurrence_id
            .and_then(|r| chrono::DateTime::parse_from_rfc3339(&r).ok())
            .map(|d| d.timestamp()),
        read_only: col.is_some_and(|c| c.read_only),
        color: col.and_then(|c| short_color(c.color.as_deref())),
        pending,
    }
}

/// `#rrggbb` of a server's `#rrggbbaa`.
fn short_color(c: Option<&str>) -> Option<String> {
    c.map(|c| c.chars().take(7).collect())
}

impl App {
    /// Starts the PIM worker of every signed-in account.
    pub(crate) async fn start_pim_all(&self) {
        for a in self.accounts().unwrap_or_default() {
            self.start_pim(a.id).await;
        }
    }

    /// Starts an account's background work besides its folders: its
    /// calendars and contacts, and the server's notifications.
    pub(crate) async fn start_pim(&self, account_id: i64) {
        self.start_notices(account_id).await;
        self.hub.stop_pim(account_id);
        match self.pim_client(account_id).await {
            Ok(access) => self.hub.start_pim(account_id, access),
            Err(e) => tracing::warn!(
                account = account_id,
                code = ?e.code,
                "calendars and contacts do not sync: {}",
                e.message
            ),
        }
    }

    fn pim<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, cc_pim::Error>,
    ) -> Result<T, Error> {
        let store = self.store.lock().map_err(|_| Error::poisoned())?;
        f(store.connection()).map_err(pim_error)
    }

    /// Every calendar and address book of the accounts here.
    pub fn pim_collections(&self) -> Result<Vec<PimCollection>, Error> {
        let rows = self.pim(|c| {
            let rows = store::collections(c, None)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let pending = store::pending(c, r.id)?;
                out.push((r, pending));
            }
            Ok(out)
        })?;
        Ok(rows
            .into_iter()
            .map(|(r, pending)| self.collection_view(r, pending))
            .collect())
    }

    fn collection_view(&self, r: CollectionRow, pending: usize) -> PimCollection {
        let live = r
            .account_id
            .map(|a| self.hub.pim_live(a))
            .unwrap_or_default();
        let status = if live.syncing {
            PimStatus::Syncing
        } else if live.offline {
            PimStatus::Offline
        } else if r.error.is_some() {
            PimStatus::Error
        } else if pending > 0 {
            PimStatus::Pending
        } else if r.synced_at.is_none() {
            PimStatus::Waiting
        } else {
            PimStatus::InSync
        };
        PimCollection {
            id: r.id,
            account_id: r.account_id,
            kind: r.kind.into(),
            name: r.label(),
            color: short_color(r.color.as_deref()),
            read_only: r.read_only,
            hidden: r.hidden,
            pending,
            status,
            error: r.error.clone(),
            synced_at: r.synced_at,
        }
    }

    /// Shows or hides a calendar or address book (here only).
    pub fn set_collection_hidden(&self, id: i64, hidden: bool) -> Result<(), Error> {
        self.pim(|c| {
            store::collection(c, id)?;
            c.execute(
                "UPDATE pim_collections SET hidden = ?2 WHERE id = ?1",
                rusqlite::params![id, hidden],
            )?;
            Ok(())
        })
    }

    /// Syncs every account's calendars and contacts now.
    pub async fn pim_sync_now(&self) -> Result<(), Error> {
        for a in self.accounts()? {
            if !self.hub.wake_pim(a.id) {
                self.start_pim(a.id).await;
            }
        }
        Ok(())
    }

    fn wake_collection(&self, collection_id: i64) {
        let account = self
            .pim(|c| store::collection(c, collection_id))
            .ok()
            .and_then(|c| c.account_id);
        if let Some(a) = account {
            self.hub.wake_pim(a);
        }
        self.hub.wake_reminders();
    }

    /// The occurrences of the shown calendars' events overlapping
    /// `[from, to)` (seconds since the epoch).
    pub fn calendar_entries(&self, from: i64, to: i64) -> Result<Vec<CalendarEntry>, Error> {
        if to <= from || to - from > 400 * 86_400 {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "a range of up to 400 days is shown at once",
            ));
        }
        self.pim(|c| {
            let cols: HashMap<i64, CollectionRow> = store::collections(c, None)?
                .into_iter()
                .map(|r| (r.id, r))
                .collect();
            // Items not sent yet, read once (not one query per entry).
            let pending: std::collections::HashSet<i64> = c
                .prepare_cached("SELECT id FROM pim_items WHERE state != 'synced'")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let mut out = Vec::new();
            for e in store::agenda(c, from, to)? {
                let col = cols.get(&e.collection_id);
                let p = pending.contains(&e.item_id);
                out.push(entry_view(e, col, p));
            }
            Ok(out)
        })
    }

    /// Events whose title or place contain `text`, each at its next
    /// occurrence (else its latest), soonest first.
    pub fn search_events(&self, text: &str, limit: usize) -> Result<Vec<CalendarEntry>, Error> {
        let limit = limit.clamp(1, 500);
        self.pim(|c| {
            let cols: HashMap<i64, CollectionRow> = store::collections(c, None)?
                .into_iter()
                .map(|r| (r.id, r))
                .collect();
            Ok(store::search_events(c, text, now_secs(), limit)?
                .into_iter()
                .map(|e| {
                    let col = cols.get(&e.collection_id);
                    entry_view(e, col, false)
                })
                .collect())
        })
    }

    fn writable(&self, id: i64, kind: Kind) -> Result<CollectionRow, Error> {
        let c = self.pim(|c| store::collection(c, id))?;
        if c.kind != kind {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!(
                    "{} is not a {}",
                    c.label(),
                    match kind {
                        Kind::Calendar => "calendar",
                        Kind::AddressBook => "address book",
                    }
                ),
            ));
        }
        if c.read_only {
            return Err(Error::new(
                ErrorCode::ReadOnly,
                format!("{} is shared read-only", c.label()),
            ));
        }
        Ok(c)
    }

    /// An event (or one occurrence of a series) for the editor.
    pub fn event(&self, item_id: i64, recurrence_id: Option<i64>) -> Result<EventDetail, Error> {
        self.pim(|c| {
            let it = store::item(c, item_id)?;
            let col = store::collection(c, it.collection_id)?;
            let series = edit::event_fields(&it.data)?;
            let fields = match recurrence_id {
                // The occurrence's dates, the series' repeat (shown, and
                // kept when the change is for all or the following).
                Some(r) => edit::EventFields {
                    rrule: series.rrule.clone(),
                    ..edit::occurrence_fields(&it.data, r)?
                },
                None => series.clone(),
            };
            Ok(EventDetail {
                item_id,
                calendar_id: col.id,
                read_only: col.read_only,
                recurring: series.rrule.is_some() || recurrence_id.is_some(),
                recurrence_id,
                fields,
                conflicted_copy: it.conflict_of.is_some(),
            })
        })
    }

    /// Saves an event from the editor; returns its item (for "this and
    /// the following", the new series).
    pub fn save_event(&self, s: SaveEvent) -> Result<i64, Error> {
        self.writable(s.calendar_id, Kind::Calendar)?;
        let id = self.pim(|c| {
            let Some(item_id) = s.item_id else {
                let uid = cc_pim::new_uid();
                let text = edit::new_event(&s.fields, &uid)?;
                return Ok(store::create_item(c, s.calendar_id, &text)?.id);
            };
            let it = store::item(c, item_id)?;
            let tx = store::write_transaction(c)?;
            let id = match (s.scope, s.recurrence_id) {
                (EditScope::This, Some(r)) => {
                    let text = edit::edit_occurrence(&it.data, r, &s.fields)?;
                    store::update_item(c, item_id, &text)?.id
                }
                (EditScope::Following, Some(r)) => {
                    let uid = cc_pim::new_uid();
                    let series_rule = edit::event_fields(&it.data)?.rrule;
                    let (old, new) = edit::split_series(&it.data, r, &uid)?;
                    store::update_item(c, item_id, &old)?;
                    let mut f = s.fields.clone();
                    // The repeat as it was: the rest of it (a COUNT less
                    // the occurrences before).
                    if f.rrule.is_none() || f.rrule == series_rule {
                        f.rrule = edit::event_fields(&new)?.rrule;
                    }
                    let new = edit::edit_event(&new, &f)?;
                    store::create_item(c, s.calendar_id, &new)?.id
                }
                _ => {
                    let fields = match s.recurrence_id {
                        Some(r) => edit::edit_for_all(&it.data, r, &s.fields)?,
                        None => s.fields.clone(),
                    };
                    let text = edit::edit_event(&it.data, &fields)?;
                    if it.collection_id == s.calendar_id {
                        store::update_item(c, item_id, &text)?.id
                    } else {
                        // Moved to another calendar: made there, deleted here.
                        let moved = store::create_item(c, s.calendar_id, &text)?.id;
                        store::delete_item(c, item_id)?;
                        moved
                    }
                }
            };
            tx.commit()?;
            Ok(id)
        })?;
        self.wake_collection(s.calendar_id);
        Ok(id)
    }

    /// Deletes an event, one occurrence, or the occurrences from one on.
    pub fn delete_event(
        &self,
        item_id: i64,
        recurrence_id: Option<i64>,
        scope: EditScope,
    ) -> Result<(), Error> {
        let it = self.pim(|c| store::item(c, item_id))?;
        self.writable(it.collection_id, Kind::Calendar)?;
        self.pim(|c| {
            match (scope, recurrence_id) {
                (EditScope::This, Some(r)) => {
                    store::update_item(c, item_id, &edit::delete_occurrence(&it.data, r)?)?;
                }
                (EditScope::Following, Some(r)) => {
                    let (old, _) = edit::split_series(&it.data, r, "unused")?;
                    store::update_item(c, item_id, &old)?;
                }
                _ => store::delete_item(c, item_id)?,
            }
            Ok(())
        })?;
        self.wake_collection(it.collection_id);
        Ok(())
    }

    /// The contact groups with how many contacts each has.
    pub fn contact_groups(&self) -> Result<Vec<ContactGroup>, Error> {
        self.pim(|c| {
            Ok(store::contact_groups(c)?
                .into_iter()
                .map(|(name, count)| ContactGroup { name, count })
                .collect())
        })
    }

    /// Contacts of the shown address books whose name, e-mails, phones or
    /// organisation contain `text` (all of them, by name, when empty);
    /// only those of `group` when given.
    pub fn search_contacts(
        &self,
        text: &str,
        limit: usize,
        group: Option<&str>,
    ) -> Result<Vec<ContactSummary>, Error> {
        let limit = limit.clamp(1, 5_000);
        self.pim(|c| {
            let found = match group {
                Some(g) => store::search_group(c, g, text, limit)?,
                None => store::search_contacts(c, text, limit)?,
            };
            Ok(found
                .into_iter()
                .map(|e| ContactSummary {
                    item_id: e.item_id,
                    addressbook_id: e.collection_id,
                    name: e.name,
                    emails: e.emails,
                    phones: e.phones,
                    organisation: e.organisation,
                })
                .collect())
        })
    }

    pub fn contact(&self, item_id: i64) -> Result<ContactDetail, Error> {
        self.pim(|c| {
            let it = store::item(c, item_id)?;
            if it.state == State::Deleted {
                return Err(cc_pim::Error::NotFound(format!(
                    "contact {item_id} was deleted"
                )));
            }
            let col = store::collection(c, it.collection_id)?;
            Ok(ContactDetail {
                item_id,
                addressbook_id: col.id,
                read_only: col.read_only,
                fields: edit::contact_fields(&it.data)?,
                conflicted_copy: it.conflict_of.is_some(),
            })
        })
    }

    pub fn save_contact(&self, s: SaveContact) -> Result<i64, Error> {
        self.writable(s.addressbook_id, Kind::AddressBook)?;
        let id = self.pim(|c| match s.item_id {
            None => {
                let text = edit::new_contact(&s.fields, &cc_pim::new_uid())?;
                Ok(store::create_item(c, s.addressbook_id, &text)?.id)
            }
            Some(id) => {
                let it = store::item(c, id)?;
                let text = edit::edit_contact(&it.data, &s.fields)?;
                if it.collection_id == s.addressbook_id {
                    Ok(store::update_item(c, id, &text)?.id)
                } else {
                    let tx = store::write_transaction(c)?;
                    let moved = store::create_item(c, s.addressbook_id, &text)?.id;
                    store::delete_item(c, id)?;
                    tx.commit()?;
                    Ok(moved)
                }
            }
        })?;
        self.wake_collection(s.addressbook_id);
        Ok(id)
    }

    pub fn delete_contact(&self, item_id: i64) -> Result<(), Error> {
        let it = self.pim(|c| store::item(c, item_id))?;
        self.writable(it.collection_id, Kind::AddressBook)?;
        self.pim(|c| store::delete_item(c, item_id))?;
        self.wake_collection(it.collection_id);
        Ok(())
    }

    /// Imports a `.ics` or `.vcf` file into a calendar or address book
    /// (UTF-8, UTF-16 or Windows-1252 / Latin-1 text).
    pub fn import_file(&self, collection_id: i64, path: &Path) -> Result<ImportReport, Error> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::new(ErrorCode::InvalidInput, format!("{}: {e}", path.display())))?;
        let text = cc_pim::text::decode_file(&bytes);
        let r = self.pim(|c| store::import(c, collection_id, &text))?;
        self.wake_collection(collection_id);
        Ok(r)
    }

    /// Writes a calendar or address book to a `.ics` or `.vcf` file.
    pub fn export_file(&self, collection_id: i64, path: &Path) -> Result<(), Error> {
        let text = self.pim(|c| store::export(c, collection_id))?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        // Written whole or not at all.
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .map_err(|e| Error::new(ErrorCode::System, format!("{}: {e}", dir.display())))?;
        std::io::Write::write_all(&mut tmp, text.as_bytes())
            .map_err(|e| Error::new(ErrorCode::System, e.to_string()))?;
        tmp.persist(path).map_err(|e| {
            Error::new(
                ErrorCode::System,
                format!("{}: {}", path.display(), e.error),
            )
        })?;
        Ok(())
    }

    /// The collections of one kind the member may add to.
    pub fn writable_collections(&self, kind: PimKind) -> Result<Vec<PimCollection>, Error> {
        Ok(self
            .pim_collections()?
            .into_iter()
            .filter(|c| c.kind == kind && !c.read_only)
            .collect())
    }

    /// The server address of a collection (for tests and "open on the
    /// web").
    pub fn collection_url(&self, id: i64) -> Result<Url, Error> {
        Ok(self.pim(|c| store::collection(c, id))?.url)
    }

    /// Makes a calendar or address book on the account's server (the
    /// offer to an account with none); it shows once the account's
    /// worker has listed it (a [`SyncEvent::Pim`] follows).
    pub async fn create_collection(
        &self,
        account_id: i64,
        kind: PimKind,
        name: &str,
        color: Option<&str>,
    ) -> Result<(), Error> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(Error::new(ErrorCode::InvalidInput, "a name is needed"));
        }
        check_color(color)?;
        let access = self.pim_client(account_id).await?;
        let kind_ = match kind {
            PimKind::Calendar => Kind::Calendar,
            PimKind::Addressbook => Kind::AddressBook,
        };
        let known = match kind_ {
            Kind::Calendar => access.calendar_home.clone(),
            Kind::AddressBook => access.contacts_home.clone(),
        };
        let home = match known {
            Some(h) => h,
            None => {
                let service = match kind_ {
                    Kind::Calendar => cc_dav::pim::Service::CalDav,
                    Kind::AddressBook => cc_dav::pim::Service::CardDav,
                };
                access
                    .client
                    .discover(&access.server, service)
                    .await
                    .map_err(crate::folders::dav_error)?
                    .home
                    .ok_or_else(|| Error::new(ErrorCode::Server, "the server has no home for it"))?
            }
        };
        let url = home
            .join(&format!("{}/", cc_pim::new_uid()))
            .map_err(|e| Error::new(ErrorCode::Server, e.to_string()))?;
        let made = match kind_ {
            Kind::Calendar => {
                access
                    .client
                    .mkcalendar(&url, name, &["VEVENT", "VTODO"], color)
                    .await
            }
            Kind::AddressBook => access.client.mkaddressbook(&url, name).await,
        };
        made.map_err(crate::folders::dav_error)?;
        if !self.hub.wake_pim(account_id) {
            self.start_pim(account_id).await;
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------
// Reminders

/// An event's reminder, due now: the desktop shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct Reminder {
    pub item_id: i64,
    pub summary: String,
    pub location: String,
    /// When the event starts (seconds since the epoch), and that time as
    /// the member's clock shows it (`HH:MM`, with the date when it is not
    /// today).
    pub start: i64,
    pub local_time: String,
}

/// Where the last reminder check is kept: a reminder is shown once, not
/// again after a restart.
const REMINDERS_CHECKED: &str = "pim.reminders.checked";
/// A reminder missed by more than this (the app was not running) is not
/// shown late.
const REMINDER_GRACE: i64 = 3_600;
/// The longest sleep between two looks at what is due.
const REMINDER_HORIZON: i64 = 6 * 3_600;

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

fn local_time(start: i64, now: i64) -> String {
    use chrono::TimeZone;
    let tz = cc_pim::index::local_time_zone();
    let (Some(s), Some(n)) = (
        tz.timestamp_opt(start, 0).single(),
        tz.timestamp_opt(now, 0).single(),
    ) else {
        return String::new();
    };
    if s.date_naive() == n.date_naive() {
        s.format("%H:%M").to_string()
    } else {
        s.format("%Y-%m-%d %H:%M").to_string()
    }
}

/// The reminders due since the last check (at most [`REMINDER_GRACE`]
/// late), which becomes now; and when the next one is due.
pub(crate) fn due_reminders(
    conn: &rusqlite::Connection,
    now: i64,
) -> Result<(Vec<Reminder>, Option<i64>), Error> {
    let checked: Option<i64> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [REMINDERS_CHECKED],
            |r| r.get::<_, String>(0),
        )
        .ok()
        .and_then(|v| v.parse().ok());
    // The first run: nothing from the past.
    let from = checked.unwrap_or(now).max(now - REMINDER_GRACE);
    let due = if now > from {
        store::reminders_due(conn, from, now).map_err(pim_error)?
    } else {
        Vec::new()
    };
    conn.execute(
        "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)",
        rusqlite::params![REMINDERS_CHECKED, now.to_string()],
    )
    .map_err(|e| Error::new(ErrorCode::Storage, e.to_string()))?;
    let next = store::reminders_due(conn, now, now + REMINDER_HORIZON)
        .map_err(pim_error)?
        .first()
        .map(|r| r.at);
    let shown = due
        .into_iter()
        .map(|r| Reminder {
            item_id: r.item_id,
            summary: r.summary,
            location: r.location,
            local_time: local_time(r.start, now),
            start: r.start,
        })
        .collect();
    Ok((shown, next))
}

impl App {
    /// Renames or recolours a calendar or address book on the server, then
    /// here.
    pub async fn update_collection(
        &self,
        id: i64,
        name: &str,
        color: Option<&str>,
    ) -> Result<PimCollection, Error> {
        let name = name.trim();
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(Error::new(ErrorCode::InvalidInput, "a name is needed"));
        }
        check_color(color)?;
        let c = self.pim(|c| store::collection(c, id))?;
        if c.read_only {
            return Err(Error::new(
                ErrorCode::ReadOnly,
                format!("{} is shared read-only", c.label()),
            ));
        }
        let account = c
            .account_id
            .ok_or_else(|| Error::new(ErrorCode::NotFound, "the collection has no account"))?;
        let access = self.pim_client(account).await?;
        let new_name = (c.name.as_deref() != Some(name)).then_some(name);
        let new_color = match (color, c.kind) {
            (Some(col), Kind::Calendar)
                if c.color.as_deref().map(|x| x.get(..7).unwrap_or(x)) != Some(col) =>
            {
                Some(col)
            }
            _ => None,
        };
        access
            .client
            .proppatch_collection(&c.url, new_name, new_color)
            .await
            .map_err(crate::folders::dav_error)?;
        self.pim(|conn| {
            conn.execute(
                "UPDATE pim_collections SET name = ?2, color = COALESCE(?3, color) WHERE id = ?1",
                rusqlite::params![id, name, new_color],
            )?;
            Ok(())
        })?;
        self.hub.emit(SyncEvent::Pim {
            account_id: account,
        });
        let pending = self.pim(|c| store::pending(c, id))?;
        let row = self.pim(|c| store::collection(c, id))?;
        Ok(self.collection_view(row, pending))
    }

    /// Deletes a calendar or address book on the server (for one shared
    /// with the member, Nextcloud stops sharing it with them) and here.
    pub async fn delete_collection(&self, id: i64) -> Result<(), Error> {
        let c = self.pim(|c| store::collection(c, id))?;
        let account = c
            .account_id
            .ok_or_else(|| Error::new(ErrorCode::NotFound, "the collection has no account"))?;
        let access = self.pim_client(account).await?;
        access
            .client
            .delete_collection(&c.url)
            .await
            .map_err(crate::folders::dav_error)?;
        self.pim(|conn| store::forget_collection(conn, id))?;
        self.hub.emit(SyncEvent::Pim {
            account_id: account,
        });
        self.hub.wake_reminders();
        Ok(())
    }
}

fn check_color(color: Option<&str>) -> Result<(), Error> {
    match color {
        Some(c)
            if !(c.len() == 7
                && c.starts_with('#')
                && c[1..].chars().all(|x| x.is_ascii_hexdigit())) =>
        {
            Err(Error::new(
                ErrorCode::InvalidInput,
                format!("not a colour: {c:?}"),
            ))
        }
        _ => Ok(()),
    }
}

impl Hub {
    /// Starts the thread that shows reminders while the app runs (window
    /// closed included).
    pub(crate) fn start_reminders(self: &Arc<Self>) {
        let Ok(mut slot) = self.reminder_wake.lock() else {
            return;
        };
        if slot.is_some() {
            return;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let hub = self.clone();
        match crate::sync::on_own_thread("reminders".into(), move || reminders(hub, rx)) {
            Ok(_) => *slot = Some(tx),
            Err(e) => tracing::error!("no reminder thread: {e}"),
        }
    }

    /// Calendars changed: what is due next may have changed too.
    pub(crate) fn wake_reminders(&self) {
        if let Ok(slot) = self.reminder_wake.lock()
            && let Some(tx) = slot.as_ref()
        {
            let _ = tx.send(());
        }
    }
}

async fn reminders(hub: Arc<Hub>, mut rx: mpsc::UnboundedReceiver<()>) {
    let store = match cc_store::Store::open(&hub.state_path) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("reminders cannot open the state: {e}");
            return;
        }
    };
    let conn = store.connection();
    loop {
        let now = now_secs();
        let next = match due_reminders(conn, now) {
            Ok((due, next)) => {
                for reminder in due {
                    hub.emit(SyncEvent::Reminder { reminder });
                }
                next
            }
            Err(e) => {
                tracing::warn!("reminders: {}", e.message);
                None
            }
        };
        let wait = next
            .unwrap_or(now + REMINDER_HORIZON)
            .clamp(now + 1, now + REMINDER_HORIZON)
            - now;
        tokio::select! {
            w = rx.recv() => if w.is_none() { return },
            _ = tokio::time::sleep(Duration::from_secs(wait as u64)) => {}
        }
    }
}
