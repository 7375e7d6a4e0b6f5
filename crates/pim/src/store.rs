//! The collections and items in the state file, the local edits, and the
//! queries the pages and the command line make.

use rusqlite::{Connection, OptionalExtension, params};
use url::Url;

use crate::index;
use crate::{Error, Kind};

/// The window of the occurrence index: a year back, two ahead (outside it
/// the agenda is computed from the items directly).
pub const INDEX_PAST: i64 = 366 * 86_400;
pub const INDEX_FUTURE: i64 = 2 * 366 * 86_400;

/// A calendar or address book as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionRow {
    pub id: i64,
    pub account_id: Option<i64>,
    pub home: Url,
    pub url: Url,
    pub kind: Kind,
    pub name: Option<String>,
    pub color: Option<String>,
    pub components: Vec<String>,
    pub read_only: bool,
    pub hidden: bool,
    pub sync_token: Option<String>,
    pub ctag: Option<String>,
    pub synced_at: Option<i64>,
    pub error: Option<String>,
}

impl CollectionRow {
    /// The name to show: the server's, else the last segment of its URL.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| {
                self.url
                    .path_segments()
                    .and_then(|mut s| s.rfind(|x| !x.is_empty()))
                    .unwrap_or("")
                    .to_owned()
            })
    }
}

/// An item's local state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Synced,
    Created,
    Changed,
    Deleted,
}

impl State {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            State::Synced => "synced",
            State::Created => "created",
            State::Changed => "changed",
            State::Deleted => "deleted",
        }
    }

    fn parse(s: &str) -> State {
        match s {
            "created" => State::Created,
            "changed" => State::Changed,
            "deleted" => State::Deleted,
            _ => State::Synced,
        }
    }
}

/// One item as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    pub id: i64,
    pub collection_id: i64,
    /// Its URL's path on the server.
    pub href: String,
    pub uid: Option<String>,
    pub etag: Option<String>,
    pub data: String,
    /// The server's text the local edit started from.
    pub base: Option<String>,
    pub state: State,
    /// The item this one is a conflicted copy of.
    pub conflict_of: Option<i64>,
    pub error: Option<String>,
}

const COLLECTION_COLS: &str = "id, account_id, home, url, kind, name, color, components, read_only, hidden, sync_token, ctag, synced_at, error";

fn collection_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CollectionRow> {
    let parse = |i: usize, s: String| {
        Url::parse(&s).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
        })
    };
    let kind: String = r.get(4)?;
    let components: String = r.get(7)?;
    Ok(CollectionRow {
        id: r.get(0)?,
        account_id: r.get(1)?,
        home: parse(2, r.get(2)?)?,
        url: parse(3, r.get(3)?)?,
        kind: if kind == "addressbook" {
            Kind::AddressBook
        } else {
            Kind::Calendar
        },
        name: r.get(5)?,
        color: r.get(6)?,
        components: components
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        read_only: r.get(8)?,
        hidden: r.get(9)?,
        sync_token: r.get(10)?,
        ctag: r.get(11)?,
        synced_at: r.get(12)?,
        error: r.get(13)?,
    })
}

/// Every collection (of `home` when given), calendars first, by name.
pub fn collections(conn: &Connection, home: Option<&Url>) -> Result<Vec<CollectionRow>, Error> {
    let sql = format!(
        "SELECT {COLLECTION_COLS} FROM pim_collections WHERE ?1 IS NULL OR home = ?1 ORDER BY kind DESC, name, url"
    );
    let mut st = conn.prepare(&sql)?;
    let rows = st
        .query_map([home.map(Url::as_str)], collection_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn collection(conn: &Connection, id: i64) -> Result<CollectionRow, Error> {
    let sql = format!("SELECT {COLLECTION_COLS} FROM pim_collections WHERE id = ?1");
    conn.query_row(&sql, [id], collection_row)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no calendar or address book {id}")))
}

/// Finds a collection by its name or the last segment of its URL.
pub fn find_collection(conn: &Connection, kind: Kind, name: &str) -> Result<CollectionRow, Error> {
    collections(conn, None)?
        .into_iter()
        .find(|c| {
            c.kind == kind
                && (c.label() == name
                    || c.url
                        .as_str()
                        .trim_end_matches('/')
                        .ends_with(&format!("/{name}")))
        })
        .ok_or_else(|| Error::NotFound(format!("no {} named {name:?}", kind.noun())))
}

const ITEM_COLS: &str = "id, collection_id, href, uid, etag, data, base, state, conflict_of, error";

fn item_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ItemRow> {
    let state: String = r.get(7)?;
    Ok(ItemRow {
        id: r.get(0)?,
        collection_id: r.get(1)?,
        href: r.get(2)?,
        uid: r.get(3)?,
        etag: r.get(4)?,
        data: r.get(5)?,
        base: r.get(6)?,
        state: State::parse(&state),
        conflict_of: r.get(8)?,
        error: r.get(9)?,
    })
}

pub fn items(conn: &Connection, collection_id: i64) -> Result<Vec<ItemRow>, Error> {
    let sql = format!("SELECT {ITEM_COLS} FROM pim_items WHERE collection_id = ?1 ORDER BY id");
    let mut st = conn.prepare(&sql)?;
    let rows = st
        .query_map([collection_id], item_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn item(conn: &Connection, id: i64) -> Result<ItemRow, Error> {
    let sql = format!("SELECT {ITEM_COLS} FROM pim_items WHERE id = ?1");
    conn.query_row(&sql, [id], item_row)
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("no item {id}")))
}

pub(crate) fn item_by_href(
    conn: &Connection,
    collection_id: i64,
    href: &str,
) -> Result<Option<ItemRow>, Error> {
    let sql = format!("SELECT {ITEM_COLS} FROM pim_items WHERE collection_id = ?1 AND href = ?2");
    Ok(conn
        .query_row(&sql, params![collection_id, href], item_row)
        .optional()?)
}

/// Finds an item of a collection by its UID.
pub fn item_by_uid(
    conn: &Connection,
    collection_id: i64,
    uid: &str,
) -> Result<Option<ItemRow>, Error> {
    let sql = format!(
        "SELECT {ITEM_COLS} FROM pim_items WHERE collection_id = ?1 AND uid = ?2 AND state != 'deleted' ORDER BY id LIMIT 1"
    );
    Ok(conn
        .query_row(&sql, params![collection_id, uid], item_row)
        .optional()?)
}

/// Writes an item's row (insert or update by id) and its index entries.
pub(crate) fn save_item(conn: &Connection, kind: Kind, it: &ItemRow) -> Result<i64, Error> {
    save_item_checked(conn, kind, it).map(|(id, _)| id)
}

/// [`save_item`] for an item as the server sent it: also says why it
/// cannot be shown, if it cannot (read once, by the indexing), and keeps
/// that as the item's error.
pub(crate) fn save_received(
    conn: &Connection,
    kind: Kind,
    it: &ItemRow,
) -> Result<(i64, Option<String>), Error> {
    let (id, mut problem) = save_item_checked(conn, kind, it)?;
    if problem.is_none() && index::uid_of(&it.data).is_none() {
        problem = Some("it has no UID".into());
    }
    if problem.is_some() {
        conn.execute(
            "UPDATE pim_items SET error = ?2 WHERE id = ?1",
            params![id, problem],
        )?;
    }
    Ok((id, problem))
}

fn save_item_checked(
    conn: &Connection,
    kind: Kind,
    it: &ItemRow,
) -> Result<(i64, Option<String>), Error> {
    let id = if it.id == 0 {
        conn.execute(
            "INSERT INTO pim_items(collection_id, href, uid, etag, data, base, state, conflict_of, error)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                it.collection_id,
                it.href,
                it.uid,
                it.etag,
                it.data,
                it.base,
                it.state.as_str(),
                it.conflict_of,
                it.error
            ],
        )?;
        conn.last_insert_rowid()
    } else {
        conn.execute(
            "UPDATE pim_items SET href = ?2, uid = ?3, etag = ?4, data = ?5, base = ?6, state = ?7,
                 conflict_of = ?8, error = ?9 WHERE id = ?1",
            params![
                it.id,
                it.href,
                it.uid,
                it.etag,
                it.data,
                it.base,
                it.state.as_str(),
                it.conflict_of,
                it.error
            ],
        )?;
        it.id
    };
    let problem = reindex(conn, kind, id, &it.data, it.state == State::Deleted)?;
    Ok((id, problem))
}

pub(crate) fn forget_item(conn: &Connection, id: i64) -> Result<(), Error> {
    unindex(conn, id)?;
    conn.execute("DELETE FROM pim_items WHERE id = ?1", [id])?;
    Ok(())
}

/// Removes a collection and its items from the state file, their search
/// index included (the FTS table is contentless: deleting the items alone
/// would leave their words, found again by a later item given the same
/// rowid).
pub fn forget_collection(conn: &Connection, id: i64) -> Result<(), Error> {
    let tx = write_transaction(conn)?;
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM pim_items WHERE collection_id = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for item in ids {
        forget_item(conn, item)?;
    }
    conn.execute("DELETE FROM pim_collections WHERE id = ?1", [id])?;
    tx.commit()?;
    Ok(())
}

fn unindex(conn: &Connection, id: i64) -> Result<(), Error> {
    conn.execute("DELETE FROM pim_occurrences WHERE item_id = ?1", [id])?;
    conn.execute("DELETE FROM pim_contacts WHERE item_id = ?1", [id])?;
    conn.execute("DELETE FROM pim_contacts_fts WHERE rowid = ?1", [id])?;
    Ok(())
}

/// Rebuilds an item's index entries from its text (none for an item
/// deleted here, or one that does not parse: it is kept as it is, and why
/// it cannot be shown is returned).
fn reindex(
    conn: &Connection,
    kind: Kind,
    id: i64,
    data: &str,
    deleted: bool,
) -> Result<Option<String>, Error> {
    unindex(conn, id)?;
    if deleted {
        return Ok(None);
    }
    match kind {
        Kind::Calendar => {
            let now = now();
            // From the start of the agenda's window (see `index_built`) to
            // two years from now: every item covers at least that window.
            let base = index_built(conn).unwrap_or(now).min(now);
            let occ = match index::occurrences(
                data,
                index::local_time_zone(),
                base - INDEX_PAST,
                now + INDEX_FUTURE,
            ) {
                Ok(o) => o,
                Err(e) => return Ok(Some(e.to_string())),
            };
            let mut st = conn.prepare_cached(
                "INSERT INTO pim_occurrences(item_id, start_utc, end_utc, all_day, tzid, summary, location, recurrence_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for o in occ {
                st.execute(params![
                    id,
                    o.start,
                    o.end,
                    o.all_day,
                    o.tzid,
                    o.summary,
                    o.location,
                    o.recurrence_id
                ])?;
            }
        }
        Kind::AddressBook => {
            let c = match index::contact(data) {
                Ok(c) => c,
                Err(e) => return Ok(Some(e.to_string())),
            };
            conn.execute(
                "INSERT INTO pim_contacts(item_id, name, emails, phones, organisation, groups)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id,
                    c.name,
                    c.emails.join("\n"),
                    c.phones.join("\n"),
                    c.organisation,
                    c.groups.join("\n")
                ],
            )?;
            let text = format!(
                "{}\n{}\n{}\n{}\n{}",
                c.name,
                c.emails.join("\n"),
                c.phones.join("\n"),
                c.phones
                    .iter()
                    .map(|p| p
                        .chars()
                        .filter(|c| c.is_ascii_digit() || *c == '+')
                        .collect::<String>())
                    .collect::<Vec<_>>()
                    .join("\n"),
                c.organisation
            );
            conn.execute(
                "INSERT INTO pim_contacts_fts(rowid, text) VALUES (?1, ?2)",
                params![id, text],
            )?;
        }
    }
    Ok(None)
}

/// Where the time the occurrence index was last built for is kept.
const INDEX_BUILT: &str = "pim.index.built_at";
/// The index is built again after this long, so its window moves with
/// time (otherwise, a year on, the second year ahead would be missing).
const REBUILD_AFTER: i64 = 30 * 86_400;

/// When the occurrence index was built: it covers at least
/// `[built - INDEX_PAST, built + INDEX_FUTURE]`.
fn index_built(conn: &Connection) -> Option<i64> {
    // Read for every item indexed: the statement is kept prepared.
    let mut st = conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")
        .ok()?;
    st.query_row([INDEX_BUILT], |r| r.get::<_, String>(0))
        .ok()
        .and_then(|v| v.parse().ok())
}

/// Builds the occurrence index again when it was built over a month ago
/// (or never recorded); `true` when it did. Called before each sync.
pub fn refresh_index(conn: &Connection) -> Result<bool, Error> {
    let now = now();
    if index_built(conn).is_some_and(|b| now - b < REBUILD_AFTER && b <= now) {
        return Ok(false);
    }
    let tx = write_transaction(conn)?;
    conn.execute(
        "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)",
        params![INDEX_BUILT, now.to_string()],
    )?;
    let rows: Vec<(i64, String, String)> = conn
        .prepare(
            "SELECT i.id, i.data, i.state FROM pim_items i
             JOIN pim_collections c ON c.id = i.collection_id WHERE c.kind = 'calendar'",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (id, data, state) in rows {
        reindex(conn, Kind::Calendar, id, &data, state == "deleted")?;
    }
    tx.commit()?;
    Ok(true)
}

/// A transaction that takes the write lock at once (`BEGIN IMMEDIATE`).
/// The app and its sync workers each have a connection to the state file:
/// a deferred transaction that reads, then writes after another connection
/// committed, fails at once with "database is locked" (SQLite cannot
/// upgrade a stale snapshot, and the busy timeout does not apply), while
/// an immediate one waits its turn.
pub fn write_transaction(conn: &Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A new item's name on the server: its UID when that is a safe path
/// segment, else a fresh one.
pub(crate) fn new_href(collection: &CollectionRow, uid: &str) -> String {
    let safe = !uid.is_empty()
        && uid.len() <= 200
        && uid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'));
    let name = if safe {
        uid.to_owned()
    } else {
        crate::new_uid()
    };
    let ext = match collection.kind {
        Kind::Calendar => "ics",
        Kind::AddressBook => "vcf",
    };
    format!("{}{name}.{ext}", crate::collection_path(&collection.url))
}

/// Adds an item made here (state "created": sent at the next sync).
pub fn create_item(conn: &Connection, collection_id: i64, data: &str) -> Result<ItemRow, Error> {
    let c = collection(conn, collection_id)?;
    if c.read_only {
        return Err(Error::ReadOnly(c.label()));
    }
    check_item(c.kind, data)?;
    let uid = index::uid_of(data).ok_or_else(|| Error::Invalid("the item has no UID".into()))?;
    if item_by_uid(conn, collection_id, &uid)?.is_some() {
        return Err(Error::Invalid(format!(
            "{} already holds an item with UID {uid}",
            c.label()
        )));
    }
    let mut it = ItemRow {
        id: 0,
        collection_id,
        href: new_href(&c, &uid),
        uid: Some(uid),
        etag: None,
        data: data.to_owned(),
        base: None,
        state: State::Created,
        conflict_of: None,
        error: None,
    };
    it.id = save_item(conn, c.kind, &it)?;
    Ok(it)
}

/// Changes an item here (sent at the next sync, merged with what changed
/// on the server meanwhile).
pub fn update_item(conn: &Connection, id: i64, data: &str) -> Result<ItemRow, Error> {
    let mut it = item(conn, id)?;
    let c = collection(conn, it.collection_id)?;
    if c.read_only {
        return Err(Error::ReadOnly(c.label()));
    }
    if it.state == State::Deleted {
        return Err(Error::NotFound(format!("item {id} was deleted")));
    }
    check_item(c.kind, data)?;
    if it.state == State::Synced {
        it.base = Some(it.data.clone());
        it.state = State::Changed;
    }
    it.data = data.to_owned();
    it.uid = index::uid_of(data).or(it.uid);
    it.error = None;
    save_item(conn, c.kind, &it)?;
    Ok(it)
}

/// Deletes an item here (on the server at the next sync, unless it was
/// changed there meanwhile: then the change stays).
pub fn delete_item(conn: &Connection, id: i64) -> Result<(), Error> {
    let mut it = item(conn, id)?;
    let c = collection(conn, it.collection_id)?;
    if c.read_only {
        return Err(Error::ReadOnly(c.label()));
    }
    match it.state {
        State::Created => forget_item(conn, id),
        State::Deleted => Ok(()),
        State::Synced | State::Changed => {
            if it.state == State::Changed {
                // What the server has is what a deletion is checked against.
                it.data = it.base.take().unwrap_or(it.data);
            }
            it.state = State::Deleted;
            save_item(conn, c.kind, &it).map(drop)
        }
    }
}

/// Refuses text that is not an item of the collection's kind.
fn check_item(kind: Kind, data: &str) -> Result<(), Error> {
    let ok = match kind {
        Kind::Calendar => calcard::icalendar::ICalendar::parse(data).is_ok(),
        Kind::AddressBook => calcard::vcard::VCard::parse(data).is_ok(),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "not a valid {}",
            match kind {
                Kind::Calendar => "iCalendar object",
                Kind::AddressBook => "vCard",
            }
        )))
    }
}

/// Local changes not sent yet, per collection.
pub fn pending(conn: &Connection, collection_id: i64) -> Result<usize, Error> {
    Ok(conn.query_row(
        "SELECT count(*) FROM pim_items WHERE collection_id = ?1 AND state != 'synced'",
        [collection_id],
        |r| r.get::<_, i64>(0),
    )? as usize)
}

/// An occurrence read from the index: its item, UID and collection, the
/// columns `item_id, uid, collection_id, start_utc, end_utc, all_day, tzid,
/// summary, location, recurrence_id` in that order.
fn occurrence_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(i64, Option<String>, i64, index::Occurrence)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        index::Occurrence {
            start: r.get(3)?,
            end: r.get(4)?,
            all_day: r.get(5)?,
            tzid: r.get(6)?,
            summary: r.get(7)?,
            location: r.get(8)?,
            recurrence_id: r.get(9)?,
        },
    ))
}

/// An occurrence to show, with its calendar.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AgendaEntry {
    pub calendar: String,
    pub collection_id: i64,
    pub item_id: i64,
    pub uid: Option<String>,
    pub occurrence: index::Occurrence,
}

/// The occurrences overlapping `[from, to)` (seconds, UTC) of the shown
/// calendars, in order.
pub fn agenda(conn: &Connection, from: i64, to: i64) -> Result<Vec<AgendaEntry>, Error> {
    let indexed = index_built(conn).is_some_and(|built| {
        from >= built - INDEX_PAST + 86_400 && to <= built + INDEX_FUTURE - 86_400
    });
    let calendars: Vec<CollectionRow> = collections(conn, None)?
        .into_iter()
        .filter(|c| c.kind == Kind::Calendar && !c.hidden)
        .collect();
    let mut out = Vec::new();
    if indexed {
        let mut st = conn.prepare(
            "SELECT o.item_id, i.uid, i.collection_id, o.start_utc, o.end_utc, o.all_day, o.tzid, o.summary, o.location, o.recurrence_id
             FROM pim_occurrences o JOIN pim_items i ON i.id = o.item_id
             WHERE o.start_utc < ?2 AND (o.end_utc > ?1 OR (o.end_utc = o.start_utc AND o.start_utc >= ?1))
             ORDER BY o.start_utc, o.end_utc, o.item_id",
        )?;
        let rows = st.query_map(params![from, to], occurrence_row)?;
        for row in rows {
            let (item_id, uid, coll, occurrence) = row?;
            if let Some(c) = calendars.iter().find(|c| c.id == coll) {
                out.push(AgendaEntry {
                    calendar: c.label(),
                    collection_id: c.id,
                    item_id,
                    uid,
                    occurrence,
                });
            }
        }
        return Ok(out);
    }
    let tz = index::local_time_zone();
    for c in &calendars {
        for it in items(conn, c.id)? {
            if it.state == State::Deleted {
                continue;
            }
            if let Ok(occ) = index::occurrences(&it.data, tz, from, to) {
                out.extend(occ.into_iter().map(|occurrence| AgendaEntry {
                    calendar: c.label(),
                    collection_id: c.id,
                    item_id: it.id,
                    uid: it.uid.clone(),
                    occurrence,
                }));
            }
        }
    }
    out.sort_by_key(|e| (e.occurrence.start, e.occurrence.end, e.item_id));
    Ok(out)
}

/// A contact found by a search.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContactEntry {
    pub addressbook: String,
    pub collection_id: i64,
    pub item_id: i64,
    pub uid: Option<String>,
    pub name: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub organisation: String,
}

/// Contacts whose name, e-mails, phones or organisation contain `text`
/// (any case, accents aside), by name; at most `limit`.
pub fn search_contacts(
    conn: &Connection,
    text: &str,
    limit: usize,
) -> Result<Vec<ContactEntry>, Error> {
    let text = text.trim();
    let books: Vec<CollectionRow> = collections(conn, None)?
        .into_iter()
        .filter(|c| c.kind == Kind::AddressBook && !c.hidden)
        .collect();
    let select = CONTACT_SELECT;
    // The trigram index answers three characters or more; shorter rare
    // text is matched by a scan.
    let fts = text.chars().count() >= 3;
    let arg = if fts {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        format!("%{}%", text.replace(['%', '_'], ""))
    };
    // Most text typed matches many contacts: the names are walked in order
    // and each checked here, which stops at `limit` (a few rows per hit).
    // When the walk meets too few within its budget, the text is rare and
    // the index answers it.
    if let Some(found) = walk_search(conn, select, text, limit, &books)? {
        return Ok(found);
    }
    let sql = if fts {
        format!(
            "{select} WHERE c.item_id IN (SELECT rowid FROM pim_contacts_fts WHERE pim_contacts_fts MATCH ?1) ORDER BY c.name COLLATE NOCASE LIMIT ?2"
        )
    } else {
        format!(
            "{select} WHERE c.name LIKE ?1 OR c.emails LIKE ?1 OR c.phones LIKE ?1 OR c.organisation LIKE ?1 ORDER BY c.name COLLATE NOCASE LIMIT ?2"
        )
    };
    let mut st = conn.prepare_cached(&sql)?;
    let rows = st.query_map(params![arg, limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (item_id, uid, coll, name, emails, phones, organisation) = row?;
        if let Some(b) = books.iter().find(|b| b.id == coll) {
            out.push(ContactEntry {
                addressbook: b.label(),
                collection_id: b.id,
                item_id,
                uid,
                name,
                emails: split_lines(&emails),
                phones: split_lines(&phones),
                organisation,
            });
        }
    }
    Ok(out)
}

/// Lower case without accents, for matching as the trigram index does.
fn folded(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Rows the walk of [`walk_search`] reads before it leaves a rare text to
/// the index.
const WALK_BUDGET: usize = 600;

/// The columns contact searches read (see [`walk`]).
const CONTACT_SELECT: &str =
    "SELECT c.item_id, i.uid, i.collection_id, c.name, c.emails, c.phones, c.organisation
     FROM pim_contacts c JOIN pim_items i ON i.id = c.item_id";

/// One value per line, the empty ones left out.
fn split_lines(s: &str) -> Vec<String> {
    s.split('\n')
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The names in order, each checked here, until `limit` are found;
/// `None` when the budget ran out first (the text is rare).
fn walk_search(
    conn: &Connection,
    select: &str,
    text: &str,
    limit: usize,
    books: &[CollectionRow],
) -> Result<Option<Vec<ContactEntry>>, Error> {
    let sql = format!("{select} ORDER BY c.name COLLATE NOCASE");
    walk(conn, &sql, [], text, limit, books, Some(WALK_BUDGET))
}

/// The rows of `sql` (columns of [`CONTACT_SELECT`]) in their order, each
/// checked here against `text` (name, e-mails, phones, their digits,
/// organisation; any case, accents aside), until `limit` are found; `None`
/// when more than `budget` rows were read first.
fn walk(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
    text: &str,
    limit: usize,
    books: &[CollectionRow],
    budget: Option<usize>,
) -> Result<Option<Vec<ContactEntry>>, Error> {
    let needle = folded(text);
    let mut st = conn.prepare_cached(sql)?;
    let mut rows = st.query(args)?;
    let mut out = Vec::new();
    let mut read = 0;
    while let Some(r) = rows.next()? {
        read += 1;
        if budget.is_some_and(|b| read > b) && out.len() < limit {
            return Ok(None);
        }
        let name: String = r.get(3)?;
        let emails: String = r.get(4)?;
        let phones: String = r.get(5)?;
        let organisation: String = r.get(6)?;
        let digits: String = phones
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+' || *c == '\n')
            .collect();
        let hit = [&name, &emails, &phones, &digits, &organisation]
            .iter()
            .any(|f| folded(f).contains(&needle));
        if !hit {
            continue;
        }
        let coll: i64 = r.get(2)?;
        let Some(b) = books.iter().find(|b| b.id == coll) else {
            continue;
        };
        out.push(ContactEntry {
            addressbook: b.label(),
            collection_id: b.id,
            item_id: r.get(0)?,
            uid: r.get(1)?,
            name,
            emails: split_lines(&emails),
            phones: split_lines(&phones),
            organisation,
        });
        if out.len() >= limit {
            break;
        }
    }
    Ok(Some(out))
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct ImportReport {
    pub added: usize,
    pub changed: usize,
    /// Items already there as they are in the file.
    pub same: usize,
    /// Items not imported, with why.
    pub failed: Vec<String>,
}

/// Adds the events or contacts of a `.ics` / `.vcf` file to a collection
/// (sent at the next sync). An item whose UID is there already is changed
/// when it differs. A file with nothing to import is refused.
pub fn import(conn: &Connection, collection_id: i64, text: &str) -> Result<ImportReport, Error> {
    let coll = collection(conn, collection_id)?;
    if coll.read_only {
        return Err(Error::ReadOnly(coll.label()));
    }
    let items = match coll.kind {
        Kind::Calendar => crate::text::split_calendar(text),
        Kind::AddressBook => crate::text::split_cards(text),
    };
    if items.is_empty() {
        return Err(Error::Invalid(format!(
            "no {} in the file",
            match coll.kind {
                Kind::Calendar => "events",
                Kind::AddressBook => "contacts",
            }
        )));
    }
    let mut r = ImportReport::default();
    let tx = write_transaction(conn)?;
    for item in items {
        let uid = index::uid_of(&item);
        let existing = match &uid {
            Some(u) => item_by_uid(conn, coll.id, u)?,
            None => None,
        };
        let result = match existing {
            Some(e) if crate::text::equivalent(&e.data, &item) => {
                r.same += 1;
                Ok(())
            }
            Some(e) => update_item(conn, e.id, &item).map(|_| r.changed += 1),
            None => create_item(conn, coll.id, &item).map(|_| r.added += 1),
        };
        if let Err(e) = result {
            r.failed
                .push(format!("{}: {e}", uid.unwrap_or_else(|| "(no UID)".into())));
        }
    }
    tx.commit()?;
    Ok(r)
}

/// A collection as one `.ics` (one calendar with every event and the time
/// zones once) or `.vcf` file.
pub fn export(conn: &Connection, collection_id: i64) -> Result<String, Error> {
    let coll = collection(conn, collection_id)?;
    let items: Vec<String> = items(conn, coll.id)?
        .into_iter()
        .filter(|i| i.state != State::Deleted && !i.data.is_empty())
        .map(|i| i.data)
        .collect();
    Ok(match coll.kind {
        Kind::Calendar => crate::text::join_calendars(&items),
        Kind::AddressBook => items.concat(),
    })
}

/// A reminder of an event, due at `at`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reminder {
    pub item_id: i64,
    pub summary: String,
    pub location: String,
    /// When the occurrence starts, and when the reminder is due (seconds,
    /// UTC).
    pub start: i64,
    pub at: i64,
}

/// How far before its event a reminder may be (a week).
const MAX_REMINDER: i64 = 7 * 86_400;

/// The on-screen reminders (VALARM `DISPLAY`/`AUDIO`, relative to the
/// start) of the shown calendars' events due in `(from, to]`, in order.
/// A reminder of one occurrence of a series is the series' own.
pub fn reminders_due(conn: &Connection, from: i64, to: i64) -> Result<Vec<Reminder>, Error> {
    let shown: Vec<i64> = collections(conn, None)?
        .into_iter()
        .filter(|c| c.kind == Kind::Calendar && !c.hidden)
        .map(|c| c.id)
        .collect();
    let mut st = conn.prepare_cached(
        "SELECT id, collection_id, data FROM pim_items
         WHERE state != 'deleted' AND data LIKE '%BEGIN:VALARM%'",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let tz = index::local_time_zone();
    let mut out = Vec::new();
    for row in rows {
        let (id, coll, data) = row?;
        if !shown.contains(&coll) {
            continue;
        }
        let Ok(fields) = crate::edit::event_fields(&data) else {
            continue;
        };
        let minutes: Vec<i64> = fields
            .reminders
            .iter()
            .copied()
            .filter(|m| m * 60 <= MAX_REMINDER)
            .collect();
        if minutes.is_empty() {
            continue;
        }
        let Ok(occ) = index::occurrences(&data, tz, from - MAX_REMINDER, to + MAX_REMINDER) else {
            continue;
        };
        for o in occ {
            for m in &minutes {
                let at = o.start - m * 60;
                if at > from && at <= to {
                    out.push(Reminder {
                        item_id: id,
                        summary: o.summary.clone().unwrap_or_default(),
                        location: o.location.clone().unwrap_or_default(),
                        start: o.start,
                        at,
                    });
                }
            }
        }
    }
    out.sort_by_key(|r| (r.at, r.item_id));
    Ok(out)
}

/// Events of the shown calendars whose title or place contain `text` (any
/// case), each once, at its next occurrence from `from` on (else its
/// latest), soonest first; at most `limit`. Read from the occurrence
/// index (a year back, two ahead).
pub fn search_events(
    conn: &Connection,
    text: &str,
    from: i64,
    limit: usize,
) -> Result<Vec<AgendaEntry>, Error> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let calendars: std::collections::HashMap<i64, CollectionRow> = collections(conn, None)?
        .into_iter()
        .filter(|c| c.kind == Kind::Calendar && !c.hidden)
        .map(|c| (c.id, c))
        .collect();
    let like = format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    // Per item: its first occurrence from `from` on, else its last one.
    let mut st = conn.prepare_cached(
        "SELECT o.item_id, i.uid, i.collection_id, o.start_utc, o.end_utc, o.all_day, o.tzid,
                o.summary, o.location, o.recurrence_id,
                (o.start_utc >= ?2) AS ahead
         FROM pim_occurrences o JOIN pim_items i ON i.id = o.item_id
         WHERE i.state != 'deleted'
           AND (o.summary LIKE ?1 ESCAPE '\\' OR o.location LIKE ?1 ESCAPE '\\')
         ORDER BY o.item_id, ahead DESC,
                  CASE WHEN o.start_utc >= ?2 THEN o.start_utc ELSE -o.start_utc END",
    )?;
    let rows = st.query_map(params![like, from], occurrence_row)?;
    let mut out: Vec<AgendaEntry> = Vec::new();
    let mut last = None;
    for row in rows {
        let (item_id, uid, coll, occurrence) = row?;
        if last == Some(item_id) {
            continue;
        }
        last = Some(item_id);
        if let Some(c) = calendars.get(&coll) {
            out.push(AgendaEntry {
                calendar: c.label(),
                collection_id: c.id,
                item_id,
                uid,
                occurrence,
            });
        }
    }
    // Coming ones first, soonest first; then past ones, latest first.
    out.sort_by_key(|e| {
        let s = e.occurrence.start;
        if s >= from { (0, s) } else { (1, -s) }
    });
    out.truncate(limit);
    Ok(out)
}

/// The contact groups (`CATEGORIES`) of the shown address books, by name,
/// with how many contacts each has.
pub fn contact_groups(conn: &Connection) -> Result<Vec<(String, usize)>, Error> {
    let books: std::collections::HashSet<i64> = collections(conn, None)?
        .into_iter()
        .filter(|c| c.kind == Kind::AddressBook && !c.hidden)
        .map(|c| c.id)
        .collect();
    let mut st = conn.prepare_cached(
        "SELECT i.collection_id, c.groups FROM pim_contacts c
         JOIN pim_items i ON i.id = c.item_id WHERE c.groups != ''",
    )?;
    let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
    let mut count: std::collections::BTreeMap<String, usize> = Default::default();
    for row in rows {
        let (book, groups) = row?;
        if !books.contains(&book) {
            continue;
        }
        for g in groups.split('\n').map(str::trim).filter(|g| !g.is_empty()) {
            *count.entry(g.to_owned()).or_default() += 1;
        }
    }
    let mut out: Vec<(String, usize)> = count.into_iter().collect();
    out.sort_by_cached_key(|g| folded(&g.0));
    Ok(out)
}

/// The contacts of a group whose name, e-mails, phones or organisation
/// contain `text` (all of the group when empty), by name; at most `limit`.
pub fn search_group(
    conn: &Connection,
    group: &str,
    text: &str,
    limit: usize,
) -> Result<Vec<ContactEntry>, Error> {
    let books: Vec<CollectionRow> = collections(conn, None)?
        .into_iter()
        .filter(|c| c.kind == Kind::AddressBook && !c.hidden)
        .collect();
    let sql = format!(
        "{CONTACT_SELECT}
         WHERE instr(char(10) || c.groups || char(10), char(10) || ?1 || char(10)) > 0
         ORDER BY c.name COLLATE NOCASE"
    );
    Ok(walk(conn, &sql, [group], text.trim(), limit, &books, None)?.unwrap_or_default())
}
