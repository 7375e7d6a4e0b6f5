//! Two-way sync of one calendar or address book.
//!
//! Pull first: `sync-collection` with the stored token (the whole content
//! when the server no longer knows it), or the `getctag` and a listing of
//! ETags where the server lacks it; what changed comes by multiget in
//! batches. Then push what changed here: a new item with
//! `If-None-Match: *`, a change with `If-Match`, a deletion with
//! `If-Match`. A 412 fetches the server's copy and merges property by
//! property ([`crate::text::merge3`]); when both sides changed the same
//! property, the server's version stays and the local one becomes a
//! conflicted copy (a new item). An edit here of something deleted there
//! comes back; a deletion here of something edited there loses to the
//! edit. Every step is written before the next request, so a kill at any
//! moment loses nothing: a create that reached the server before the kill
//! meets its own copy there (412) and is recognised, not duplicated.
//! Each item's failure is kept on the item; the rest syncs.

use cc_dav::files::Precondition;
use cc_dav::pim::{Item, Service};
use cc_dav::{DavClient, ErrorKind};
use rusqlite::Connection;
use url::Url;

use crate::store::{self, CollectionRow, ItemRow, State};
use crate::{Error, Kind, text};

/// Items per multiget request.
const BATCH: usize = 100;

/// What a sync of one collection did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CollectionReport {
    pub collection: String,
    /// Items that came from the server (new or changed).
    pub received: usize,
    /// Items gone on the server, removed here.
    pub removed_here: usize,
    /// Local creations and changes sent.
    pub sent: usize,
    /// Local deletions done on the server.
    pub removed_there: usize,
    /// Both sides changed the same property: the server's version stays,
    /// the local one became a conflicted copy.
    pub conflicts: usize,
    /// Changes on both sides merged property by property.
    pub merged: usize,
    /// Requests sent.
    pub requests: usize,
    /// Items that failed (kept for the next sync), with why.
    pub failed: Vec<(String, String)>,
}

fn service(kind: Kind) -> Service {
    match kind {
        Kind::Calendar => Service::CalDav,
        Kind::AddressBook => Service::CardDav,
    }
}

fn path_of(url: &Url) -> String {
    url.path().to_owned()
}

/// Syncs a collection both ways.
pub async fn sync_collection(
    conn: &Connection,
    client: &DavClient,
    coll: &CollectionRow,
) -> Result<CollectionReport, Error> {
    let mut report = CollectionReport {
        collection: coll.label(),
        ..CollectionReport::default()
    };
    pull(conn, client, coll, &mut report).await?;
    if !coll.read_only {
        push(conn, client, coll, &mut report).await?;
    }
    conn.execute(
        "UPDATE pim_collections SET synced_at = ?2, error = NULL WHERE id = ?1",
        rusqlite::params![coll.id, store::now()],
    )?;
    Ok(report)
}

async fn pull(
    conn: &Connection,
    client: &DavClient,
    coll: &CollectionRow,
    report: &mut CollectionReport,
) -> Result<(), Error> {
    let svc = service(coll.kind);
    let local: Vec<ItemRow> = store::items(conn, coll.id)?;
    // By name: a listing of every item is compared with every item here.
    let etags: std::collections::HashMap<&str, Option<&str>> = local
        .iter()
        .map(|i| (i.href.as_str(), i.etag.as_deref()))
        .collect();
    let etag_of = |href: &str| etags.get(href).copied().flatten().map(str::to_owned);
    // What the server says changed, and what it says is gone.
    // An empty token: the server supports sync-collection, nothing synced
    // yet.
    let mut use_sync = coll.sync_token.is_some();
    let mut first = None;
    if use_sync {
        let token = coll.sync_token.as_deref().filter(|t| !t.is_empty());
        report.requests += 1;
        match client.sync_collection(&coll.url, token, None).await {
            Ok(ch) => first = Some(ch),
            // A server that does not offer it after all (sabre/dav 1.8
            // answers 403 ReportNotSupported): ctag and ETags from now on.
            Err(e)
                if token.is_none()
                    && matches!(
                        e.kind,
                        ErrorKind::Forbidden(_)
                            | ErrorKind::NotAllowed
                            | ErrorKind::Status {
                                status: 400 | 404 | 415 | 501,
                                ..
                            }
                    ) =>
            {
                conn.execute(
                    "UPDATE pim_collections SET sync_token = NULL WHERE id = ?1",
                    [coll.id],
                )?;
                use_sync = false;
            }
            // A server that fails on its side (Radicale answers 500 to
            // the whole report when one stored item is malformed): the
            // listing this time, item by item if need be.
            Err(e) if server_fault(&e) => {
                tracing::warn!(collection = %coll.url, "sync-collection failed, listing instead: {e}");
                use_sync = false;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let (changed, removed, full, token, ctag) = if let (true, Some(ch)) = (use_sync, first) {
        report.requests += ch.requests.saturating_sub(1);
        (ch.changed, ch.removed, ch.full, ch.token, None)
    } else {
        report.requests += 1;
        let ctag = client.ctag(&coll.url).await?;
        if ctag.is_some() && ctag == coll.ctag {
            return Ok(());
        }
        report.requests += 1;
        let listed = client.list_items(&coll.url).await?;
        (listed, Vec::new(), true, None, ctag)
    };
    let listed: std::collections::HashSet<String> =
        changed.iter().map(|r| path_of(&r.url)).collect();
    let to_fetch: Vec<Url> = changed
        .iter()
        .filter(|r| r.etag.is_none() || r.etag != etag_of(&path_of(&r.url)))
        .map(|r| r.url.clone())
        .collect();
    let listed_etag: std::collections::HashMap<String, Option<String>> = changed
        .iter()
        .map(|r| (path_of(&r.url), r.etag.clone()))
        .collect();
    for chunk in to_fetch.chunks(BATCH) {
        report.requests += 1;
        let mut unreadable = Vec::new();
        let (items, missing) = match client.multiget(&coll.url, svc, chunk, BATCH).await {
            Ok(got) => got,
            // One bad item can fail a whole batch on the server's side:
            // each is fetched alone, and the ones the server cannot give
            // get their own error.
            Err(e) if server_fault(&e) && chunk.len() > 1 => {
                let mut items = Vec::new();
                let mut missing = Vec::new();
                for url in chunk {
                    report.requests += 1;
                    match client.get_item(url).await {
                        Ok(Some(it)) => items.push(it),
                        Ok(None) => missing.push(url.clone()),
                        Err(e) if server_fault(&e) => unreadable.push((url.clone(), e)),
                        Err(e) => return Err(e.into()),
                    }
                }
                (items, missing)
            }
            Err(e) if server_fault(&e) => {
                unreadable.push((chunk[0].clone(), e));
                (Vec::new(), Vec::new())
            }
            Err(e) => return Err(e.into()),
        };
        // One transaction per batch: thousands of items are written in a
        // few commits, and a kill leaves whole batches.
        let tx = store::write_transaction(conn)?;
        for it in items {
            let href = path_of(&it.url);
            if let Err(e) = received(conn, coll, &it, report) {
                report.failed.push((href, e.to_string()));
            }
        }
        for url in missing {
            gone(conn, coll, &path_of(&url), report)?;
        }
        for (url, e) in unreadable {
            let href = path_of(&url);
            let etag = listed_etag.get(&href).cloned().flatten();
            unreadable_item(conn, coll, &href, etag, &e.to_string())?;
            report.failed.push((href, e.to_string()));
        }
        tx.commit()?;
    }
    for url in &removed {
        gone(conn, coll, &path_of(url), report)?;
    }
    if full {
        for it in &local {
            if it.state != State::Created && it.etag.is_some() && !listed.contains(&it.href) {
                gone(conn, coll, &it.href, report)?;
            }
        }
    }
    conn.execute(
        "UPDATE pim_collections SET sync_token = coalesce(?2, sync_token), ctag = coalesce(?3, ctag) WHERE id = ?1",
        rusqlite::params![coll.id, token, ctag],
    )?;
    Ok(())
}

/// Whether a failure is the server's own (a 5xx other than maintenance,
/// an answer that cannot be read), as opposed to the connection, the
/// password or a missing collection.
fn server_fault(e: &cc_dav::DavError) -> bool {
    match &e.kind {
        ErrorKind::Status { status, .. } => *status >= 500,
        ErrorKind::Xml(_) | ErrorKind::Protocol(_) => true,
        _ => false,
    }
}

/// An item the server cannot give: kept as a row with no text, its
/// listing's ETag and the error, so it is shown as failed once and not
/// fetched again until it changes there.
fn unreadable_item(
    conn: &Connection,
    coll: &CollectionRow,
    href: &str,
    etag: Option<String>,
    why: &str,
) -> Result<(), Error> {
    let existing = store::item_by_href(conn, coll.id, href)?;
    if existing.as_ref().is_some_and(|i| i.state != State::Synced) {
        // Changed here: that change is what goes; the next sync settles it.
        return Ok(());
    }
    let row = ItemRow {
        id: existing.map_or(0, |i| i.id),
        collection_id: coll.id,
        href: href.to_owned(),
        uid: None,
        etag,
        data: String::new(),
        base: None,
        state: State::Synced,
        conflict_of: None,
        error: Some(why.to_owned()),
    };
    store::save_item(conn, coll.kind, &row)?;
    Ok(())
}

/// The row of an item as the server has it (row `id`, 0 for a new one).
fn as_on_server(id: i64, coll: &CollectionRow, server: &Item) -> ItemRow {
    ItemRow {
        id,
        collection_id: coll.id,
        href: path_of(&server.url),
        uid: crate::index::uid_of(&server.data),
        etag: server.etag.clone(),
        data: server.data.clone(),
        base: None,
        state: State::Synced,
        conflict_of: None,
        error: None,
    }
}

/// The server's version of an item arrived.
fn received(
    conn: &Connection,
    coll: &CollectionRow,
    server: &Item,
    report: &mut CollectionReport,
) -> Result<(), Error> {
    let href = path_of(&server.url);
    let existing = store::item_by_href(conn, coll.id, &href)?;
    let fresh = |id: i64| as_on_server(id, coll, server);
    // Kept as the server has it (never sent back); one that cannot be
    // shown is reported once, with why.
    let save = |row: ItemRow, report: &mut CollectionReport| -> Result<(), Error> {
        let (_, problem) = store::save_received(conn, coll.kind, &row)?;
        if let Some(why) = problem {
            report.failed.push((href.clone(), why));
        }
        Ok(())
    };
    match existing {
        None => {
            save(fresh(0), report)?;
            report.received += 1;
        }
        Some(it) if it.etag.is_some() && it.etag == server.etag => {}
        Some(it) => match it.state {
            State::Synced | State::Deleted => {
                // A deletion here of something changed there: the change
                // stays.
                save(fresh(it.id), report)?;
                report.received += 1;
            }
            State::Changed | State::Created => {
                settle(conn, coll, it, server, report)?;
            }
        },
    }
    Ok(())
}

/// Both sides changed an item: merge, or keep the server's version and
/// make the local one a conflicted copy.
fn settle(
    conn: &Connection,
    coll: &CollectionRow,
    local: ItemRow,
    server: &Item,
    report: &mut CollectionReport,
) -> Result<(), Error> {
    if text::equivalent(&local.data, &server.data) {
        let it = ItemRow {
            etag: server.etag.clone(),
            data: server.data.clone(),
            base: None,
            state: State::Synced,
            error: None,
            ..local
        };
        store::save_item(conn, coll.kind, &it)?;
        return Ok(());
    }
    // Made here, and an item with the same UID at the same name on the
    // server: the same item (a create that reached the server before a
    // kill, which the server may have rewritten). What is here goes as a
    // change of it.
    if local.state == State::Created
        && local.uid.is_some()
        && local.uid == crate::index::uid_of(&server.data)
    {
        let it = ItemRow {
            etag: server.etag.clone(),
            base: Some(server.data.clone()),
            state: State::Changed,
            error: None,
            ..local
        };
        store::save_item(conn, coll.kind, &it)?;
        return Ok(());
    }
    let merged = match (&local.base, local.state) {
        (Some(base), State::Changed) => text::merge3(base, &local.data, &server.data),
        _ => None,
    };
    match merged {
        Some(m) => {
            let it = ItemRow {
                etag: server.etag.clone(),
                uid: crate::index::uid_of(&m).or(local.uid.clone()),
                data: m,
                base: Some(server.data.clone()),
                state: State::Changed,
                error: None,
                ..local
            };
            store::save_item(conn, coll.kind, &it)?;
            report.merged += 1;
        }
        None => {
            // The server's version stays under its name...
            store::save_item(conn, coll.kind, &as_on_server(local.id, coll, server))?;
            // ...and the local one becomes a new item.
            let uid = crate::new_uid();
            let copy = ItemRow {
                id: 0,
                collection_id: coll.id,
                href: store::new_href(coll, &uid),
                uid: Some(uid.clone()),
                etag: None,
                data: text::as_copy(&local.data, &uid, crate::CONFLICT_SUFFIX),
                base: None,
                state: State::Created,
                conflict_of: Some(local.id),
                error: None,
            };
            store::save_item(conn, coll.kind, &copy)?;
            report.conflicts += 1;
        }
    }
    Ok(())
}

/// An item is gone on the server.
fn gone(
    conn: &Connection,
    coll: &CollectionRow,
    href: &str,
    report: &mut CollectionReport,
) -> Result<(), Error> {
    let Some(it) = store::item_by_href(conn, coll.id, href)? else {
        return Ok(());
    };
    match it.state {
        State::Synced | State::Deleted => {
            store::forget_item(conn, it.id)?;
            report.removed_here += 1;
        }
        // Edited here, deleted there: the edit comes back, as a new item
        // (a new UID and name: Nextcloud keeps a deleted event's UID in its
        // trash bin and refuses a new one with it, with a 500).
        State::Changed => {
            let uid = crate::new_uid();
            let back = ItemRow {
                href: store::new_href(coll, &uid),
                data: text::as_copy(&it.data, &uid, ""),
                uid: Some(uid),
                etag: None,
                base: None,
                state: State::Created,
                ..it
            };
            store::save_item(conn, coll.kind, &back)?;
        }
        State::Created => {}
    }
    Ok(())
}

async fn push(
    conn: &Connection,
    client: &DavClient,
    coll: &CollectionRow,
    report: &mut CollectionReport,
) -> Result<(), Error> {
    let svc = service(coll.kind);
    let pending: Vec<ItemRow> = store::items(conn, coll.id)?
        .into_iter()
        .filter(|i| i.state != State::Synced)
        .collect();
    for it in pending {
        let url = coll
            .url
            .join(&it.href)
            .map_err(|e| Error::Invalid(format!("{}: {e}", it.href)))?;
        report.requests += 1;
        let result = match it.state {
            State::Created => client
                .put_item(&url, svc, &it.data, &Precondition::create_only())
                .await
                .map(|etag| (etag, false)),
            State::Changed => {
                let pre = match &it.etag {
                    Some(e) => Precondition::if_match(e.clone()),
                    None => Precondition::create_only(),
                };
                client
                    .put_item(&url, svc, &it.data, &pre)
                    .await
                    .map(|etag| (etag, false))
            }
            State::Deleted => client
                .delete_item(&url, it.etag.as_deref())
                .await
                .map(|()| (None, true)),
            State::Synced => continue,
        };
        match result {
            Ok((_, true)) => {
                store::forget_item(conn, it.id)?;
                report.removed_there += 1;
            }
            Ok((etag, false)) => {
                report.sent += 1;
                match etag {
                    // A server that gives the ETag stored the text as sent.
                    Some(e) => {
                        let sent = it.data.clone();
                        sent_ok(conn, coll, it, Some(e), sent)?;
                    }
                    // Else it may have rewritten it: read it back.
                    None => {
                        report.requests += 1;
                        if let Some(server) = client.get_item(&url).await? {
                            sent_ok(conn, coll, it, server.etag, server.data)?;
                        }
                    }
                }
            }
            Err(e) if e.kind == ErrorKind::PreconditionFailed => {
                // Changed (or made) on the server meanwhile: its copy.
                report.requests += 1;
                match client.get_item(&url).await? {
                    // As it is here now (it may have changed meanwhile).
                    Some(server) => {
                        let it = store::item(conn, it.id).unwrap_or(it);
                        settle_412(conn, coll, it, &server, report)?
                    }
                    None => {
                        // Gone meanwhile: an edit comes back, a deletion is
                        // done.
                        gone(conn, coll, url.path(), report)?;
                    }
                }
            }
            Err(e) if e.kind == ErrorKind::NotFound && it.state == State::Deleted => {
                store::forget_item(conn, it.id)?;
            }
            Err(e) if e.kind == ErrorKind::NotFound && it.state == State::Changed => {
                gone(conn, coll, &it.href, report)?;
            }
            Err(e) if is_connection(&e) || e.kind == ErrorKind::Unauthorized => {
                return Err(e.into());
            }
            Err(e) => {
                conn.execute(
                    "UPDATE pim_items SET error = ?2 WHERE id = ?1",
                    rusqlite::params![it.id, e.to_string()],
                )?;
                report.failed.push((it.href.clone(), e.to_string()));
            }
        }
    }
    Ok(())
}

/// An item reached the server (which now has `server_data` with `etag`).
/// When it was changed here while it was on its way (the app edits while
/// its worker syncs), that change is kept and goes at the next pass, as a
/// change of what the server has now; otherwise the item is in sync.
fn sent_ok(
    conn: &Connection,
    coll: &CollectionRow,
    sent: ItemRow,
    etag: Option<String>,
    server_data: String,
) -> Result<(), Error> {
    let now = store::item(conn, sent.id).ok();
    let done = match now {
        Some(cur) if cur.data != sent.data || cur.state != sent.state => {
            let state = match cur.state {
                State::Deleted => State::Deleted,
                _ => State::Changed,
            };
            ItemRow {
                etag,
                // A deletion is checked against what the server has.
                data: if state == State::Deleted {
                    server_data.clone()
                } else {
                    cur.data
                },
                base: (state == State::Changed).then_some(server_data),
                state,
                error: None,
                ..cur
            }
        }
        // Forgotten meanwhile (its collection was removed): nothing to do.
        None => return Ok(()),
        Some(_) => ItemRow {
            etag,
            data: server_data,
            base: None,
            state: State::Synced,
            error: None,
            ..sent
        },
    };
    store::save_item(conn, coll.kind, &done)?;
    Ok(())
}

fn settle_412(
    conn: &Connection,
    coll: &CollectionRow,
    it: ItemRow,
    server: &Item,
    report: &mut CollectionReport,
) -> Result<(), Error> {
    match it.state {
        // A deletion loses to a change made there.
        State::Deleted => {
            let keep = ItemRow {
                etag: server.etag.clone(),
                data: server.data.clone(),
                base: None,
                state: State::Synced,
                ..it
            };
            store::save_item(conn, coll.kind, &keep)?;
            report.received += 1;
            Ok(())
        }
        // A create that meets an item at its name: our own (a create that
        // reached the server before a kill) or someone else's.
        State::Created
            if !text::equivalent(&it.data, &server.data)
                && it.uid != crate::index::uid_of(&server.data) =>
        {
            let uid = it.uid.clone().unwrap_or_else(crate::new_uid);
            let moved = ItemRow {
                href: store::new_href(coll, &crate::new_uid()),
                uid: Some(uid),
                ..it.clone()
            };
            store::save_item(conn, coll.kind, &moved)?;
            received(conn, coll, server, report)
        }
        _ => settle(conn, coll, it, server, report),
    }
}

fn is_connection(e: &cc_dav::DavError) -> bool {
    matches!(
        e.kind,
        ErrorKind::Connect(_)
            | ErrorKind::Timeout
            | ErrorKind::Transport(_)
            | ErrorKind::Unavailable(_)
    )
}

/// Lists the calendars or address books of a home and records them:
/// new ones added, gone ones forgotten (with their items), names, colours
/// and tokens as the server says. Returns the home's collections.
pub async fn refresh_collections(
    conn: &Connection,
    client: &DavClient,
    account_id: Option<i64>,
    home: &Url,
    kind: Kind,
) -> Result<Vec<CollectionRow>, Error> {
    let found = client.collections_light(home, service(kind)).await?;
    // A home may hold both kinds (Radicale's does).
    let known: Vec<CollectionRow> = store::collections(conn, Some(home))?
        .into_iter()
        .filter(|c| c.kind == kind)
        .collect();
    for c in &found {
        // A new collection has no token yet: its first sync lists all. The
        // empty token marks one that offers sync-collection (a server that
        // does not say is tried, and falls back if it refuses).
        let sync = c.supports_sync.unwrap_or(true);
        conn.execute(
            "INSERT INTO pim_collections(account_id, home, url, kind, name, color, components, read_only, sync_token)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, CASE WHEN ?9 THEN '' ELSE NULL END)
             ON CONFLICT(url) DO UPDATE SET name = excluded.name, color = excluded.color,
                 components = excluded.components, read_only = excluded.read_only,
                 sync_token = CASE WHEN ?9 THEN coalesce(sync_token, '') ELSE NULL END",
            rusqlite::params![
                account_id,
                home.as_str(),
                c.url.as_str(),
                kind.as_str(),
                c.display_name,
                c.color,
                c.components.join(","),
                c.writable == Some(false),
                sync
            ],
        )?;
    }
    for k in known {
        if !found.iter().any(|c| c.url == k.url) {
            store::forget_collection(conn, k.id)?;
        }
    }
    Ok(store::collections(conn, Some(home))?
        .into_iter()
        .filter(|c| c.kind == kind)
        .collect())
}
