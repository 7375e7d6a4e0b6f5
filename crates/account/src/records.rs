//! Accounts in the state file (table `accounts`, migrations 1 and 2 of
//! `cc-store`). Never the app password: the row names the keyring entry
//! that holds it.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::error::{AccountError, Result};

/// One account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub id: i64,
    pub provider_id: String,
    /// The server's base URL without the trailing slash.
    pub server_url: String,
    /// The user id of DAV paths (from `cloud/user`).
    pub user_id: String,
    /// What the member signs in with (can differ from the user id).
    pub login_name: String,
    pub display_name: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// The keyring entry's user name (`<user id>@<server>`).
    pub keyring_user: String,
    pub files_url: Option<String>,
    pub calendar_home: Option<String>,
    pub contacts_home: Option<String>,
    pub server_version: Option<String>,
    /// The capabilities' `ocs.data` as JSON.
    pub capabilities: Option<String>,
    /// The folder the files of this account sync to, when one is set.
    pub local_folder: Option<PathBuf>,
    /// The server refused the app password: nothing may use it until the
    /// member signs in again.
    pub needs_sign_in: bool,
}

/// What sign-in writes.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub provider_id: &'a str,
    pub server_url: &'a str,
    pub user_id: &'a str,
    pub login_name: &'a str,
    pub display_name: Option<&'a str>,
    pub keyring_user: &'a str,
    pub files_url: &'a str,
    pub calendar_home: Option<&'a str>,
    pub contacts_home: Option<&'a str>,
    pub server_version: Option<&'a str>,
    pub capabilities: Option<&'a str>,
}

const COLUMNS: &str = "id, provider_id, server_url, user_id, login_name, display_name, created_at,
    keyring_user, files_url, calendar_home, contacts_home, server_version, capabilities,
    local_folder, needs_sign_in";

fn from_row(r: &Row<'_>) -> rusqlite::Result<AccountRecord> {
    Ok(AccountRecord {
        id: r.get(0)?,
        provider_id: r.get(1)?,
        server_url: r.get(2)?,
        user_id: r.get(3)?,
        login_name: r.get(4)?,
        display_name: r.get(5)?,
        created_at: r.get(6)?,
        keyring_user: r.get(7)?,
        files_url: r.get(8)?,
        calendar_home: r.get(9)?,
        contacts_home: r.get(10)?,
        server_version: r.get(11)?,
        capabilities: r.get(12)?,
        local_folder: r.get::<_, Option<String>>(13)?.map(PathBuf::from),
        needs_sign_in: r.get(14)?,
    })
}

/// Every account, oldest first.
pub fn list(conn: &Connection) -> Result<Vec<AccountRecord>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM accounts ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One account by id.
pub fn get(conn: &Connection, id: i64) -> Result<AccountRecord> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM accounts WHERE id = ?1"),
        params![id],
        from_row,
    )
    .optional()?
    .ok_or_else(|| AccountError::NoSuchAccount(id.to_string()))
}

/// Adds an account, or updates it when the same user of the same server
/// signs in again (which also clears `needs_sign_in`).
pub fn upsert(conn: &Connection, a: &NewAccount<'_>, now: i64) -> Result<AccountRecord> {
    conn.execute(
        "INSERT INTO accounts(provider_id, server_url, user_id, login_name, display_name,
                              created_at, keyring_user, files_url, calendar_home, contacts_home,
                              server_version, capabilities, needs_sign_in)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0)
         ON CONFLICT(server_url, user_id) DO UPDATE SET
             provider_id = excluded.provider_id,
             login_name = excluded.login_name,
             display_name = excluded.display_name,
             keyring_user = excluded.keyring_user,
             files_url = excluded.files_url,
             calendar_home = excluded.calendar_home,
             contacts_home = excluded.contacts_home,
             server_version = excluded.server_version,
             capabilities = excluded.capabilities,
             needs_sign_in = 0",
        params![
            a.provider_id,
            a.server_url,
            a.user_id,
            a.login_name,
            a.display_name,
            now,
            a.keyring_user,
            a.files_url,
            a.calendar_home,
            a.contacts_home,
            a.server_version,
            a.capabilities,
        ],
    )?;
    let id: i64 = conn.query_row(
        "SELECT id FROM accounts WHERE server_url = ?1 AND user_id = ?2",
        params![a.server_url, a.user_id],
        |r| r.get(0),
    )?;
    get(conn, id)
}

/// Removes an account's row (and, through foreign keys, what other crates
/// keep for it). `false` when there was none.
pub fn delete(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn.execute("DELETE FROM accounts WHERE id = ?1", params![id])? > 0)
}

/// Marks an account as needing a new sign-in (or clears the mark).
pub fn set_needs_sign_in(conn: &Connection, id: i64, needed: bool) -> Result<()> {
    let n = conn.execute(
        "UPDATE accounts SET needs_sign_in = ?2 WHERE id = ?1",
        params![id, needed],
    )?;
    if n == 0 {
        return Err(AccountError::NoSuchAccount(id.to_string()));
    }
    Ok(())
}

/// Sets (or clears) the folder an account's files sync to.
pub fn set_local_folder(conn: &Connection, id: i64, folder: Option<&Path>) -> Result<()> {
    let value = folder.map(|p| p.to_string_lossy().into_owned());
    let n = conn.execute(
        "UPDATE accounts SET local_folder = ?2 WHERE id = ?1",
        params![id, value],
    )?;
    if n == 0 {
        return Err(AccountError::NoSuchAccount(id.to_string()));
    }
    Ok(())
}

/// The account's own local folder (the app adds the local root of each of
/// its folder pairs, which `cc-files` keeps). Sign-out with "delete
/// files" and a remote wipe delete them; the pairs themselves go with the
/// account row (`ON DELETE CASCADE`).
pub fn local_folders(conn: &Connection, id: i64) -> Result<Vec<PathBuf>> {
    Ok(get(conn, id)?.local_folder.into_iter().collect())
}

/// The keyring entry's user name for an account.
pub fn keyring_user(user_id: &str, server_url: &str) -> String {
    format!("{user_id}@{server_url}")
}
