//! Calendars and contacts: CalDAV and CardDAV collections synced both ways
//! into the state file, usable and editable offline.
//!
//! - [`store`]: the collections and items in SQLite (the schema is
//!   migration 8 of `cc-store`), the local edits, the agenda and the
//!   contact search;
//! - [`sync`]: the two-way sync of a collection;
//! - [`index`]: what is shown, read from the items with `calcard`;
//! - [`text`]: the items' text as content lines and the three-way merge.

pub mod edit;
pub mod index;
pub mod store;
pub mod sync;
pub mod text;

pub use chrono_tz;
use url::Url;

/// Calendars or address books.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Calendar,
    AddressBook,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Calendar => "calendar",
            Kind::AddressBook => "addressbook",
        }
    }

    pub(crate) fn noun(self) -> &'static str {
        match self {
            Kind::Calendar => "calendar",
            Kind::AddressBook => "address book",
        }
    }
}

/// What a conflicted copy's summary or name gets, so it is told apart.
pub const CONFLICT_SUFFIX: &str = " (conflicted copy)";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    NotFound(String),
    #[error("{0} is read-only")]
    ReadOnly(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Dav(#[from] cc_dav::DavError),
    #[error("state database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// A new random UID (a version 4 UUID).
pub fn new_uid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A collection URL's path, ending in `/`.
pub(crate) fn collection_path(url: &Url) -> String {
    let p = url.path();
    if p.ends_with('/') {
        p.to_owned()
    } else {
        format!("{p}/")
    }
}

/// Lists the collections of `home` and syncs each; a collection that
/// fails keeps its error and the others go on.
pub async fn sync_home(
    conn: &rusqlite::Connection,
    client: &cc_dav::DavClient,
    account_id: Option<i64>,
    home: &Url,
    kind: Kind,
) -> Result<Vec<Result<sync::CollectionReport, (String, Error)>>, Error> {
    if kind == Kind::Calendar {
        store::refresh_index(conn)?;
    }
    let colls = sync::refresh_collections(conn, client, account_id, home, kind).await?;
    let mut out = Vec::new();
    for c in colls {
        match sync::sync_collection(conn, client, &c).await {
            Ok(r) => out.push(Ok(r)),
            Err(e) => {
                conn.execute(
                    "UPDATE pim_collections SET error = ?2 WHERE id = ?1",
                    rusqlite::params![c.id, e.to_string()],
                )?;
                out.push(Err((c.label(), e)));
            }
        }
    }
    Ok(out)
}

/// Where a home's address is kept in the state file (discovery costs
/// several requests).
fn home_key(client: &cc_dav::DavClient, server: &Url, kind: Kind) -> String {
    format!(
        "pim.home.{}.{}.{}",
        kind.noun(),
        client.credentials().map(|c| c.user.as_str()).unwrap_or(""),
        server
    )
}

/// The calendar or contacts home of the account `client` signs in as on
/// `server`: found once by discovery (RFC 6764, `current-user-principal`)
/// and kept in the state file. `None` when the server has no such
/// service.
pub async fn find_home(
    conn: &rusqlite::Connection,
    client: &cc_dav::DavClient,
    server: &Url,
    kind: Kind,
) -> Result<Option<Url>, Error> {
    let key = home_key(client, server, kind);
    let cached = conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [&key], |r| {
            r.get::<_, String>(0)
        })
        .ok()
        .and_then(|v| Url::parse(&v).ok());
    if cached.is_some() {
        return Ok(cached);
    }
    let service = match kind {
        Kind::Calendar => cc_dav::pim::Service::CalDav,
        Kind::AddressBook => cc_dav::pim::Service::CardDav,
    };
    let found = client.discover(server, service).await?;
    if let Some(h) = &found.home {
        conn.execute(
            "INSERT OR REPLACE INTO settings(key, value) VALUES (?1, ?2)",
            [&key, h.as_str()],
        )?;
    }
    Ok(found.home)
}

/// Forgets a home found by [`find_home`] (it failed: found again next
/// time, in case it moved).
pub fn forget_home(
    conn: &rusqlite::Connection,
    client: &cc_dav::DavClient,
    server: &Url,
    kind: Kind,
) -> Result<(), Error> {
    conn.execute(
        "DELETE FROM settings WHERE key = ?1",
        [home_key(client, server, kind)],
    )?;
    Ok(())
}
