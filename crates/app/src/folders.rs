//! Folder pairs as the desktop app shows them: adding and removing pairs,
//! choosing what to sync (the server's folder tree, the local folder),
//! selective sync, open conflicts and the recent activity.
//!
//! The background syncing itself lives in [`crate::sync`].

use std::path::{Path, PathBuf};

use cc_account::records;
use cc_dav::Depth;
use cc_files::{Problem, journal};
use rusqlite::{Connection, OptionalExtension, params};
use url::Url;

use crate::view::{
    ActivityItem, Conflict, FolderPair, FolderStatus, Live, LocalFolderCheck, NewFolderPair,
    NotSynced, RemoteFolder, Resolution,
};
use crate::{App, Error, ErrorCode};

/// How many activity rows the state file keeps.
pub(crate) const ACTIVITY_KEPT: i64 = 1000;

/// A pair's row, as the workers and the UI need it.
#[derive(Debug, Clone)]
pub(crate) struct PairRow {
    pub id: i64,
    pub account_id: i64,
    pub local_root: PathBuf,
    pub remote_url: Url,
    pub paused: bool,
    pub excluded: Vec<String>,
    /// The account's files root and web address.
    pub files_root: Url,
    pub server: String,
}

impl PairRow {
    fn remote_path(&self) -> String {
        remote_rel(&self.files_root, &self.remote_url)
    }
}

/// The path of `url` below `root`, decoded, without slashes at the ends.
pub(crate) fn remote_rel(root: &Url, url: &Url) -> String {
    let r = root.path().trim_end_matches('/');
    let p = url.path();
    let rel = p.strip_prefix(r).unwrap_or(p).trim_matches('/');
    rel.split('/')
        .map(percent_decode)
        .collect::<Vec<_>>()
        .join("/")
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn files_root_of(server: &str, files_url: Option<&str>, user_id: &str) -> Result<Url, Error> {
    if let Some(u) = files_url.and_then(|u| Url::parse(u).ok()) {
        return Ok(cc_dav::href::as_collection(&u));
    }
    let server = cc_account::server::normalise_server_url(server)?;
    Ok(cc_account::endpoints::files_root(&server, user_id))
}

/// The pairs that belong to an account (a pair the CLI made without one
/// is not the app's), with what the account says of its server.
pub(crate) fn read_pairs(conn: &Connection, only: Option<i64>) -> Result<Vec<PairRow>, Error> {
    let mut out = Vec::new();
    for pair in journal::pair_records(conn, only)? {
        let Some(account_id) = pair.account_id else {
            continue;
        };
        let account = match records::get(conn, account_id) {
            Ok(a) => a,
            // Signed out meanwhile: the pair goes with the account.
            Err(cc_account::AccountError::NoSuchAccount(_)) => continue,
            Err(e) => return Err(Error::from(e)),
        };
        let id = pair.id;
        let remote_url = Url::parse(&pair.remote_url)
            .map_err(|e| Error::new(ErrorCode::Storage, format!("pair {id}: {e}")))?;
        out.push(PairRow {
            id,
            account_id,
            local_root: PathBuf::from(pair.local_root),
            remote_url,
            paused: pair.paused,
            excluded: pair.excluded,
            files_root: files_root_of(
                &account.server_url,
                account.files_url.as_deref(),
                &account.user_id,
            )?,
            server: account.server_url,
        });
    }
    Ok(out)
}

pub(crate) fn read_pair(conn: &Connection, id: i64) -> Result<PairRow, Error> {
    read_pairs(conn, Some(id))?
        .pop()
        .ok_or_else(|| Error::new(ErrorCode::NotFound, format!("no folder pair {id}")))
}

fn storage(e: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::Storage, e.to_string())
}

impl From<journal::JournalError> for Error {
    fn from(e: journal::JournalError) -> Self {
        match e {
            journal::JournalError::PairedElsewhere { .. } => {
                Error::new(ErrorCode::InvalidInput, e.to_string())
            }
            other => storage(other),
        }
    }
}

/// The pair as the UI shows it: the row, what its worker is doing, and
/// the journal's open conflicts and unsyncable names.
pub(crate) fn folder_pair(conn: &Connection, row: &PairRow, live: &Live) -> FolderPair {
    let conflicts = journal::open_conflicts(conn, row.id).unwrap_or(0);
    let not_synced = journal::problems(conn, row.id)
        .unwrap_or_default()
        .into_iter()
        .map(|(path, kind)| NotSynced {
            path,
            reason: reason_of(kind).to_owned(),
        })
        .collect();
    let last_sync = live.last_sync.or_else(|| {
        cc_files::status::last_pass(conn, row.id)
            .ok()
            .flatten()
            .filter(|p| p.aborted.is_none())
            .map(|p| p.finished_at)
    });
    let remote_path = row.remote_path();
    let web_url = format!(
        "{}/index.php/apps/files/?dir=/{}",
        row.server.trim_end_matches('/'),
        percent_encoding::utf8_percent_encode(&remote_path, QUERY_SET)
    );
    let status = if row.paused {
        FolderStatus::Paused
    } else {
        live.status
    };
    FolderPair {
        id: row.id,
        account_id: row.account_id,
        local_path: row.local_root.to_string_lossy().into_owned(),
        remote_path,
        web_url,
        status,
        paused: row.paused,
        progress: live.progress.clone(),
        last_sync,
        error: live.error.clone(),
        mass_delete: live.mass_delete.clone(),
        conflicts,
        not_synced,
        excluded: row.excluded.clone(),
    }
}

const QUERY_SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.');

/// The UI's reason for the engine's `Problem` (`NotSyncedReason` in the
/// UI's types): every name problem is "not portable".
fn reason_of(problem: Problem) -> &'static str {
    match problem {
        Problem::Symlink => "symlink",
        Problem::NotUtf8 => "not_utf8",
        Problem::DuplicateSpelling => "duplicate_spelling",
        Problem::Special => "special",
        Problem::CaseClash => "case_clash",
        Problem::ReadOnly => "read_only",
        Problem::TypeClash => "type_change",
        Problem::ShareRoot => "share_root",
        Problem::ServerRefuses => "server_refuses",
        Problem::Name(_) => "not_portable",
    }
}

/// Escapes glob characters so a folder name matches only itself.
fn glob_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '*' | '?' | '[' | ']' | '{' | '}' | '\\' | '!' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            _ => out.push(c),
        }
    }
    out
}

/// The ignore rules of a pair: the defaults, the member's list and the
/// folders left out by selective sync (anchored at the pair's root).
pub(crate) fn ignore_rules(
    user_list: &str,
    excluded: &[String],
) -> Result<cc_files::ignore::IgnoreRules, Error> {
    let mut text = String::from(user_list);
    for e in excluded {
        let e = e.trim_matches('/');
        if e.is_empty() {
            continue;
        }
        text.push('\n');
        text.push_str(&e.split('/').map(glob_literal).collect::<Vec<_>>().join("/"));
    }
    cc_files::ignore::IgnoreRules::new(&text)
        .map_err(|e| Error::new(ErrorCode::InvalidInput, e.to_string()))
}

/// The member's home folder.
fn home_dir() -> Result<PathBuf, Error> {
    directories::BaseDirs::new()
        .map(|d| d.home_dir().to_path_buf())
        .ok_or_else(|| Error::new(ErrorCode::System, "no home folder"))
}

/// `~` and `~/x` expanded against the home folder.
fn expand_home(path: &str) -> Result<PathBuf, Error> {
    let path = path.trim();
    if path == "~" || path.starts_with("~/") {
        let home = home_dir()?;
        return Ok(home.join(path.trim_start_matches('~').trim_start_matches('/')));
    }
    let p = PathBuf::from(path);
    if !p.is_absolute() {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!("{path:?} is not an absolute path"),
        ));
    }
    Ok(p)
}

fn normalise_excluded(excluded: &[String]) -> Vec<String> {
    let mut v: Vec<String> = excluded
        .iter()
        .map(|e| e.trim_matches('/').to_owned())
        .filter(|e| !e.is_empty() && !e.split('/').any(|s| s == ".." || s == "."))
        .collect();
    v.sort();
    v.dedup();
    v
}

impl App {
    pub(crate) fn pair_row(&self, id: i64) -> Result<PairRow, Error> {
        let store = self.store.lock().map_err(|_| Error::poisoned())?;
        read_pair(store.connection(), id)
    }

    /// Every folder pair of a signed-in account, with what it is doing.
    pub fn folders(&self) -> Result<Vec<FolderPair>, Error> {
        let store = self.store.lock().map_err(|_| Error::poisoned())?;
        let rows = read_pairs(store.connection(), None)?;
        Ok(rows
            .iter()
            .map(|r| folder_pair(store.connection(), r, &self.hub.live(r.id)))
            .collect())
    }

    /// One folder pair.
    pub fn folder(&self, id: i64) -> Result<FolderPair, Error> {
        let store = self.store.lock().map_err(|_| Error::poisoned())?;
        let row = read_pair(store.connection(), id)?;
        Ok(folder_pair(store.connection(), &row, &self.hub.live(id)))
    }

    /// Where the first folder goes: `~/<brand>` (`~/CommonsCloud`).
    pub fn default_local_folder(&self) -> Result<String, Error> {
        let home = home_dir()?;
        Ok(home
            .join(&self.provider.brand)
            .to_string_lossy()
            .into_owned())
    }

    /// What is at a local folder the member picked: created if missing,
    /// merged if not empty, refused if already synced or not writable.
    pub fn check_local_folder(&self, path: &str) -> Result<LocalFolderCheck, Error> {
        let p = expand_home(path)?;
        let store = self.store.lock().map_err(|_| Error::poisoned())?;
        let roots = journal::local_roots(store.connection(), None)?;
        drop(store);
        let already_synced = roots.iter().any(|r| {
            let r = r.as_path();
            p.starts_with(r) || r.starts_with(&p)
        });
        let mut check = LocalFolderCheck {
            path: p.to_string_lossy().into_owned(),
            exists: false,
            non_empty: false,
            entries: 0,
            already_synced,
            problem: None,
        };
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => {
                check.exists = true;
                match std::fs::read_dir(&p) {
                    Ok(d) => check.entries = d.count(),
                    Err(_) => check.problem = Some(ErrorCode::LocalFolder),
                }
                check.non_empty = check.entries > 0;
                if m.permissions().readonly() {
                    check.problem = Some(ErrorCode::LocalFolder);
                }
            }
            Ok(_) => check.problem = Some(ErrorCode::LocalFolder),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // It will be created: its nearest existing parent must be a
                // folder.
                let parent = p.ancestors().skip(1).find(|a| a.exists());
                if !parent.is_some_and(Path::is_dir) {
                    check.problem = Some(ErrorCode::LocalFolder);
                }
            }
            Err(_) => check.problem = Some(ErrorCode::LocalFolder),
        }
        Ok(check)
    }

    /// The sub-folders of `path` on the account's server, with sizes where
    /// the server gives them (Nextcloud's `oc:size`).
    pub async fn list_remote_folders(
        &self,
        account_id: i64,
        path: &str,
    ) -> Result<Vec<RemoteFolder>, Error> {
        let names: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if names.iter().any(|n| *n == ".." || *n == ".") {
            return Err(Error::new(ErrorCode::InvalidInput, "no . or .. in paths"));
        }
        let (client, root) = self.files_client(account_id).await?;
        let url = cc_dav::href::as_collection(&cc_dav::href::join_names(
            &root,
            names.iter().map(|s| s.as_ref()),
        ));
        let mut out = Vec::new();
        client
            .list(&url, Depth::One, |e| {
                if e.is_dir && !e.path.is_empty() {
                    let name = e.path.last().cloned().unwrap_or_default();
                    let mut full: Vec<&str> = names.clone();
                    full.push(&name);
                    out.push(RemoteFolder {
                        path: full.join("/"),
                        name,
                        size: e.recursive_size,
                        // Unknown without listing it: offered for expanding;
                        // an empty folder shows it has nothing inside.
                        has_children: true,
                    });
                }
                Ok(())
            })
            .await
            .map_err(dav_error)?;
        out.sort_by_key(|a| a.name.to_lowercase());
        Ok(out)
    }

    /// Adds a folder pair and starts syncing it at once. The local folder
    /// is created when missing; a non-empty one is merged (nothing is
    /// deleted on either side).
    pub async fn add_folder(&self, pair: NewFolderPair) -> Result<FolderPair, Error> {
        let check = self.check_local_folder(&pair.local_path)?;
        if check.already_synced {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!(
                    "{} is already synced (or inside/around a synced folder)",
                    check.path
                ),
            ));
        }
        if let Some(code) = check.problem {
            return Err(Error::new(
                code,
                format!("{} cannot be used as a synced folder", check.path),
            ));
        }
        let names: Vec<String> = pair
            .remote_path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if names.iter().any(|n| n == ".." || n == ".") {
            return Err(Error::new(ErrorCode::InvalidInput, "no . or .. in paths"));
        }
        let (client, root) = self.files_client(pair.account_id).await?;
        let remote = cc_dav::href::as_collection(&cc_dav::href::join_names(
            &root,
            names.iter().map(|s| s.as_ref()),
        ));
        // Two pairs over the same server folders would sync them twice,
        // into two places: one pair per server folder tree.
        {
            let store = self.store.lock().map_err(|_| Error::poisoned())?;
            let wanted = remote.as_str();
            if let Some(other) = read_pairs(store.connection(), None)?
                .into_iter()
                .filter(|p| p.account_id == pair.account_id)
                .find(|p| {
                    let have = p.remote_url.as_str();
                    have.starts_with(wanted) || wanted.starts_with(have)
                })
            {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "{remote} is already synced (with {})",
                        other.local_root.display()
                    ),
                ));
            }
        }
        // The server folder must exist (and be reachable) before anything
        // is recorded.
        let mut is_dir = false;
        client
            .list(&remote, Depth::Zero, |e| {
                is_dir = e.is_dir;
                Ok(())
            })
            .await
            .map_err(dav_error)?;
        if !is_dir {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("{remote} is not a folder"),
            ));
        }
        let local = PathBuf::from(&check.path);
        std::fs::create_dir_all(&local).map_err(|e| {
            Error::new(
                ErrorCode::LocalFolder,
                format!("cannot create {}: {e}", local.display()),
            )
        })?;
        let local = local
            .canonicalize()
            .map_err(|e| Error::new(ErrorCode::LocalFolder, format!("{}: {e}", local.display())))?;
        let excluded = normalise_excluded(&pair.excluded);
        let id = {
            let store = self.store.lock().map_err(|_| Error::poisoned())?;
            let conn = store.connection();
            let fp = journal::folder_pair(
                conn,
                &local.to_string_lossy(),
                remote.as_str(),
                cc_files::passes::unix_now(),
            )?;
            journal::attach_pair(conn, fp.id, pair.account_id, &excluded)?;
            if records::get(conn, pair.account_id)
                .map(|a| a.local_folder.is_none())
                .unwrap_or(false)
            {
                let _ = records::set_local_folder(conn, pair.account_id, Some(&local));
            }
            fp.id
        };
        tracing::info!(folder = id, local = %local.display(), remote = %remote, "folder pair added");
        self.hub.start_worker(self.pair_row(id)?, client);
        self.folder(id)
    }

    /// Stops syncing a pair and forgets its journal; its files stay where
    /// they are, on this computer and on the server.
    pub fn remove_folder(&self, id: i64) -> Result<(), Error> {
        self.pair_row(id)?;
        self.hub.stop_worker(id);
        let store = self.store.lock().map_err(|_| Error::poisoned())?;
        journal::remove_pair(store.connection(), id)?;
        drop(store);
        self.hub.forget(id);
        Ok(())
    }

    /// Selective sync: folders (paths from the pair's root) left out.
    /// Their local copies stay on disk; the UI asks before unticking.
    pub fn set_excluded(&self, id: i64, excluded: &[String]) -> Result<FolderPair, Error> {
        let excluded = normalise_excluded(excluded);
        ignore_rules(&self.settings()?.ignore_list, &excluded)?;
        {
            let store = self.store.lock().map_err(|_| Error::poisoned())?;
            if !journal::set_excluded(store.connection(), id, &excluded)? {
                return Err(Error::new(
                    ErrorCode::NotFound,
                    format!("no folder pair {id}"),
                ));
            }
        }
        self.hub.wake(id);
        self.folder(id)
    }

    /// Every open conflict, newest first.
    pub fn conflicts(&self) -> Result<Vec<Conflict>, Error> {
        let store = self.store.lock().map_err(|_| Error::poisoned())?;
        Ok(journal::conflicts(store.connection())?
            .into_iter()
            .map(|c| Conflict {
                folder_id: c.folder,
                path: c.path,
                copy_path: c.copy,
                found: c.found,
            })
            .collect())
    }

    /// The two files of a conflict on disk: the server's version and the
    /// member's.
    pub fn conflict_files(&self, folder: i64, copy: &str) -> Result<(PathBuf, PathBuf), Error> {
        let row = self.pair_row(folder)?;
        let open = {
            let store = self.store.lock().map_err(|_| Error::poisoned())?;
            cc_files::engine::find_conflict(store.connection(), folder, copy)
                .map_err(settle_error)?
        };
        Ok(cc_files::engine::conflict_paths(&row.local_root, &open))
    }

    /// Resolves a conflict (the engine moves the files and closes it);
    /// the next pass carries the result over.
    pub fn resolve_conflict(
        &self,
        folder: i64,
        copy: &str,
        resolution: Resolution,
    ) -> Result<(), Error> {
        use cc_files::engine::Settle;
        let row = self.pair_row(folder)?;
        let choice = match resolution {
            Resolution::Mine => Settle::Mine,
            Resolution::Theirs => Settle::Theirs,
            Resolution::Both => Settle::Both,
        };
        // The state file is held only to look the conflict up and to close
        // it: moving files to the system's trash can take a while.
        let open = {
            let store = self.store.lock().map_err(|_| Error::poisoned())?;
            cc_files::engine::find_conflict(store.connection(), folder, copy)
                .map_err(settle_error)?
        };
        cc_files::engine::settle_files(&row.local_root, &self.hub.trash(), &open, choice)
            .map_err(settle_error)?;
        {
            let store = self.store.lock().map_err(|_| Error::poisoned())?;
            journal::close_conflict(store.connection(), folder, copy)?;
        }
        tracing::info!(folder, copy, ?resolution, "conflict resolved");
        self.hub.wake(folder);
        self.hub.emit_folder(self, folder);
        Ok(())
    }

    /// The recent activity of every pair, newest first (at most 200).
    pub fn activity(&self) -> Result<Vec<ActivityItem>, Error> {
        let store = self.store.lock().map_err(|_| Error::poisoned())?;
        read_activity(store.connection(), 200)
    }
}

pub(crate) fn read_activity(conn: &Connection, limit: i64) -> Result<Vec<ActivityItem>, Error> {
    let mut stmt = conn
        .prepare(
            "SELECT id, folder_id, at, kind, path, code FROM sync_activity ORDER BY id DESC LIMIT ?1",
        )
        .map_err(storage)?;
    let rows = stmt
        .query_map(params![limit], |r| {
            Ok(ActivityItem {
                id: r.get(0)?,
                folder_id: r.get(1)?,
                at: r.get(2)?,
                kind: r.get(3)?,
                path: r.get(4)?,
                code: r.get(5)?,
            })
        })
        .map_err(storage)?;
    rows.collect::<Result<_, _>>().map_err(storage)
}

/// Adds one activity row; returns it.
pub(crate) fn add_activity(
    conn: &Connection,
    folder: i64,
    at: i64,
    kind: &str,
    path: &str,
    code: Option<&str>,
) -> Option<ActivityItem> {
    conn.execute(
        "INSERT INTO sync_activity(folder_id, at, kind, path, code) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![folder, at, kind, path, code],
    )
    .ok()?;
    Some(ActivityItem {
        id: conn.last_insert_rowid(),
        folder_id: folder,
        at,
        kind: kind.to_owned(),
        path: path.to_owned(),
        code: code.map(str::to_owned),
    })
}

/// Keeps the newest [`ACTIVITY_KEPT`] activity rows.
pub(crate) fn trim_activity(conn: &Connection) {
    let max: Option<i64> = conn
        .query_row("SELECT max(id) FROM sync_activity", [], |r| r.get(0))
        .optional()
        .ok()
        .flatten()
        .flatten();
    if let Some(max) = max {
        let _ = conn.execute(
            "DELETE FROM sync_activity WHERE id <= ?1",
            params![max - ACTIVITY_KEPT],
        );
    }
}

/// The façade's error for one of the engine's when settling a conflict.
fn settle_error(e: cc_files::engine::SettleError) -> Error {
    use cc_files::engine::SettleError;
    match e {
        SettleError::NotFound(m) => Error::new(ErrorCode::NotFound, m),
        SettleError::Local(e) => Error::new(ErrorCode::LocalFolder, e.to_string()),
        SettleError::Journal(e) => Error::from(e),
    }
}

pub(crate) fn dav_error(e: cc_dav::DavError) -> Error {
    Error::from(cc_account::AccountError::Dav(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_failure_has_a_message_in_every_language() {
        for lang in ["ca", "es", "en"] {
            let path = format!(
                "{}/../../ui/src/lib/i18n/{lang}.json",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(&path).unwrap();
            for code in cc_files::engine::ActionError::CODES {
                assert!(
                    text.contains(&format!("\"activity.error.{code}\"")),
                    "{lang}: no message for the failure code {code}"
                );
            }
        }
    }

    #[test]
    fn every_engine_problem_has_a_reason_the_ui_knows() {
        let ui = include_str!("../../../ui/src/lib/backend-types.ts");
        for p in Problem::ALL {
            let reason = reason_of(p);
            assert!(
                ui.contains(&format!("'{reason}'")),
                "{reason} is not in NotSyncedReason"
            );
        }
    }
}
