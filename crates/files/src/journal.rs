//! The journal: what both sides looked like when they last agreed, one row
//! per path, in the state file. Every finished action updates its row in
//! its own transaction, so a crash at any instant leaves a journal the next
//! pass can finish from.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};

use crate::path::SyncPath;
use crate::plan::{Kind, LocalMeta, Problem, RemotePerms, Synced};

/// A folder pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderPair {
    pub id: i64,
    pub local_root: String,
    pub remote_url: String,
}

/// A folder pair's row, all of it (this module owns `sync_folders`: every
/// other crate reads and changes pairs through it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairRecord {
    pub id: i64,
    /// The account the pair belongs to; `None` for a pair the CLI made
    /// with a bare address and user name.
    pub account_id: Option<i64>,
    pub local_root: String,
    pub remote_url: String,
    pub paused: bool,
    /// Selective sync: folders (from the pair's root) left out.
    pub excluded: Vec<String>,
}

/// Every pair, or the one with id `only`, by id.
pub fn pair_records(conn: &Connection, only: Option<i64>) -> Result<Vec<PairRecord>, JournalError> {
    let mut stmt = conn.prepare(
        "SELECT id, account_id, local_root, remote_url, paused, excluded FROM sync_folders
         WHERE ?1 IS NULL OR id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![only], |r| {
        Ok(PairRecord {
            id: r.get(0)?,
            account_id: r.get(1)?,
            local_root: r.get(2)?,
            remote_url: r.get(3)?,
            paused: r.get(4)?,
            excluded: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The local roots of every pair, or of one account's pairs.
pub fn local_roots(
    conn: &Connection,
    account: Option<i64>,
) -> Result<Vec<std::path::PathBuf>, JournalError> {
    let mut stmt = conn.prepare(
        "SELECT local_root FROM sync_folders WHERE ?1 IS NULL OR account_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![account], |r| r.get::<_, String>(0))?;
    Ok(rows
        .map(|r| r.map(std::path::PathBuf::from))
        .collect::<Result<_, _>>()?)
}

/// Gives a pair to an account with its selective sync, not paused.
pub fn attach_pair(
    conn: &Connection,
    id: i64,
    account_id: i64,
    excluded: &[String],
) -> Result<(), JournalError> {
    conn.execute(
        "UPDATE sync_folders SET account_id = ?2, excluded = ?3, paused = 0 WHERE id = ?1",
        params![id, account_id, excluded_json(excluded)],
    )?;
    Ok(())
}

/// Gives a pair to an account, leaving its selective sync and pause as
/// they are (a pair the app made, synced once more from the command line).
pub fn set_pair_account(conn: &Connection, id: i64, account_id: i64) -> Result<(), JournalError> {
    conn.execute(
        "UPDATE sync_folders SET account_id = ?2 WHERE id = ?1",
        params![id, account_id],
    )?;
    Ok(())
}

/// Changes a pair's selective sync; `false` when there is no such pair.
pub fn set_excluded(conn: &Connection, id: i64, excluded: &[String]) -> Result<bool, JournalError> {
    let n = conn.execute(
        "UPDATE sync_folders SET excluded = ?2 WHERE id = ?1",
        params![id, excluded_json(excluded)],
    )?;
    Ok(n == 1)
}

/// Whether a pair's journal holds an item with one of the server's file
/// `ids` (to tell whether a push message concerns the pair). Many ids at
/// once are taken as concerning every pair.
pub fn knows_file_ids(
    conn: &Connection,
    folder_id: i64,
    ids: &[u64],
) -> Result<bool, JournalError> {
    if ids.len() > 256 {
        return Ok(true);
    }
    let marks = vec!["?"; ids.len()].join(",");
    let sql = format!(
        "SELECT EXISTS(SELECT 1 FROM sync_journal WHERE folder_id = ? AND file_id IN ({marks}))"
    );
    let mut params: Vec<rusqlite::types::Value> = vec![folder_id.into()];
    params.extend(
        ids.iter()
            .map(|i| rusqlite::types::Value::Text(i.to_string())),
    );
    Ok(conn.query_row(&sql, rusqlite::params_from_iter(params), |r| r.get(0))?)
}

/// Pauses or resumes a pair.
pub fn set_paused(conn: &Connection, id: i64, paused: bool) -> Result<(), JournalError> {
    conn.execute(
        "UPDATE sync_folders SET paused = ?2 WHERE id = ?1",
        params![id, paused],
    )?;
    Ok(())
}

/// Forgets a pair and, with it, its journal, problems, conflicts and
/// pending uploads (the files stay where they are).
pub fn remove_pair(conn: &Connection, id: i64) -> Result<(), JournalError> {
    conn.execute("DELETE FROM sync_folders WHERE id = ?1", params![id])?;
    Ok(())
}

/// Whether the two sides of a pair ever agreed on anything.
pub fn has_agreed(conn: &Connection, id: i64) -> Result<bool, JournalError> {
    Ok(conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM sync_journal WHERE folder_id = ?1)",
        params![id],
        |r| r.get(0),
    )?)
}

/// How many conflicts of a pair are open.
pub fn open_conflicts(conn: &Connection, folder: i64) -> Result<usize, JournalError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM sync_conflicts WHERE folder_id = ?1",
        params![folder],
        |r| r.get::<_, i64>(0),
    )? as usize)
}

fn excluded_json(excluded: &[String]) -> String {
    serde_json::to_string(excluded).unwrap_or_else(|_| "[]".into())
}

fn kind_to_int(k: Kind) -> i64 {
    match k {
        Kind::File => 0,
        Kind::Dir => 1,
    }
}

fn kind_from_int(i: i64) -> Kind {
    if i == 1 { Kind::Dir } else { Kind::File }
}

/// Bit 1: write/create; bit 2: delete (the `remote_perms` column).
fn perms_to_int(p: RemotePerms) -> i64 {
    i64::from(p.writable) | (i64::from(p.deletable) << 1)
}

fn perms_from_int(i: i64) -> RemotePerms {
    RemotePerms {
        writable: i & 1 != 0,
        deletable: i & 2 != 0,
    }
}

/// Finds or creates the pair for `local_root` ↔ `remote_url`. A local
/// folder already paired with another remote folder is an error: mixing
/// two journals would make one side look deleted.
pub fn folder_pair(
    conn: &Connection,
    local_root: &str,
    remote_url: &str,
    now: i64,
) -> Result<FolderPair, JournalError> {
    let existing: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, remote_url FROM sync_folders WHERE local_root = ?1",
            params![local_root],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match existing {
        Some((id, remote)) if remote == remote_url => Ok(FolderPair {
            id,
            local_root: local_root.to_owned(),
            remote_url: remote,
        }),
        Some((_, remote)) => Err(JournalError::PairedElsewhere {
            local_root: local_root.to_owned(),
            remote_url: remote,
        }),
        None => {
            conn.execute(
                "INSERT INTO sync_folders(local_root, remote_url, created_at) VALUES (?1, ?2, ?3)",
                params![local_root, remote_url, now],
            )?;
            Ok(FolderPair {
                id: conn.last_insert_rowid(),
                local_root: local_root.to_owned(),
                remote_url: remote_url.to_owned(),
            })
        }
    }
}

/// Journal errors.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("the local folder {local_root} is already synced with {remote_url}")]
    PairedElsewhere {
        local_root: String,
        remote_url: String,
    },
    #[error("journal database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Loads a pair's journal.
pub fn load(conn: &Connection, folder: i64) -> Result<BTreeMap<SyncPath, Synced>, JournalError> {
    let mut stmt = conn.prepare(
        "SELECT path, kind, local_size, local_mtime_ns, local_inode, etag, remote_size, remote_mtime, file_id,
                remote_perms, mount_root
         FROM sync_journal WHERE folder_id = ?1",
    )?;
    let rows = stmt.query_map(params![folder], |r| {
        let kind = kind_from_int(r.get(1)?);
        Ok((
            SyncPath::parse(r.get_ref(0)?.as_str()?),
            Synced {
                kind,
                local: LocalMeta {
                    kind,
                    size: r.get::<_, i64>(2)? as u64,
                    mtime_ns: r.get(3)?,
                    inode: r.get::<_, i64>(4)? as u64,
                },
                etag: r.get(5)?,
                remote_size: r.get::<_, i64>(6)? as u64,
                remote_mtime: r.get(7)?,
                file_id: r.get(8)?,
                perms: r.get::<_, Option<i64>>(9)?.map(perms_from_int),
                mount_root: r.get::<_, i64>(10)? != 0,
            },
        ))
    })?;
    let mut out = BTreeMap::new();
    let mut packer = crate::path::Packer::default();
    for row in rows {
        let (k, v) = row?;
        packer.insert(&mut out, k, v);
    }
    packer.finish(&mut out);
    Ok(out)
}

/// Records that `path` agrees on both sides.
pub fn record(
    conn: &Connection,
    folder: i64,
    path: &SyncPath,
    s: &Synced,
) -> Result<(), JournalError> {
    conn.execute(
        "INSERT INTO sync_journal(folder_id, path, kind, local_size, local_mtime_ns, local_inode, etag, remote_size, remote_mtime, file_id,
                                  remote_perms, mount_root)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT(folder_id, path) DO UPDATE SET kind = excluded.kind, local_size = excluded.local_size,
           local_mtime_ns = excluded.local_mtime_ns, local_inode = excluded.local_inode, etag = excluded.etag,
           remote_size = excluded.remote_size, remote_mtime = excluded.remote_mtime, file_id = excluded.file_id,
           remote_perms = excluded.remote_perms, mount_root = excluded.mount_root",
        params![
            folder,
            path.as_str(),
            kind_to_int(s.kind),
            s.local.size as i64,
            s.local.mtime_ns,
            s.local.inode as i64,
            s.etag,
            s.remote_size as i64,
            s.remote_mtime,
            s.file_id,
            s.perms.map(perms_to_int),
            i64::from(s.mount_root)
        ],
    )?;
    Ok(())
}

/// Sets the recorded ETag of a folder (`None`: unknown, so it is listed
/// next time); nothing happens when the journal has no such folder.
pub fn set_folder_etag(
    conn: &Connection,
    folder: i64,
    path: &SyncPath,
    etag: Option<&str>,
) -> Result<(), JournalError> {
    conn.execute(
        "UPDATE sync_journal SET etag = ?3 WHERE folder_id = ?1 AND path = ?2 AND kind = 1",
        params![folder, path.as_str(), etag],
    )?;
    Ok(())
}

/// The fingerprint of the ignore rules the pair was last synced under (a
/// column of the pair, deleted with it).
pub fn ignore_fingerprint(conn: &Connection, folder: i64) -> Result<Option<String>, JournalError> {
    Ok(conn
        .query_row(
            "SELECT ignore_fingerprint FROM sync_folders WHERE id = ?1",
            params![folder],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

pub fn set_ignore_fingerprint(
    conn: &Connection,
    folder: i64,
    fingerprint: &str,
) -> Result<(), JournalError> {
    conn.execute(
        "UPDATE sync_folders SET ignore_fingerprint = ?2 WHERE id = ?1",
        params![folder, fingerprint],
    )?;
    Ok(())
}

/// The rows of folder pair `?1` at path `?2` or below it. The range
/// narrows the search to the primary key's index (`p/…` sorts between `p`
/// and `p0`: `/` is 0x2F, `0` is 0x30, and text compares byte by byte);
/// the exact test then leaves out the siblings inside that range (`p-x`,
/// `p.txt`). Without the range every call read all the pair's rows: a
/// pass deleting many files was quadratic (100,000 forgotten paths of a
/// 400,000-row journal did not finish in 12 minutes).
const AT_OR_BELOW: &str = "folder_id = ?1 AND path >= ?2 AND path < ?2 || '0'
     AND (path = ?2 OR substr(path, 1, length(?2) + 1) = ?2 || '/')";

/// Moves the rows of `from` and everything below it to `to` (the entry was
/// moved on both sides).
pub fn rename(
    conn: &Connection,
    folder: i64,
    from: &SyncPath,
    to: &SyncPath,
) -> Result<(), JournalError> {
    conn.execute(
        &format!(
            "UPDATE OR REPLACE sync_journal SET path = ?3 || substr(path, length(?2) + 1)
             WHERE {AT_OR_BELOW}"
        ),
        params![folder, from.as_str(), to.as_str()],
    )?;
    Ok(())
}

/// Forgets `path` and everything below it.
pub fn forget(conn: &Connection, folder: i64, path: &SyncPath) -> Result<(), JournalError> {
    conn.execute(
        &format!("DELETE FROM sync_journal WHERE {AT_OR_BELOW}"),
        params![folder, path.as_str()],
    )?;
    Ok(())
}

/// Remembers a problem (by its stable [`Problem::code`]); returns `true`
/// the first time it is seen, so it is reported once, not on every pass.
pub fn note_problem(
    conn: &Connection,
    folder: i64,
    path: &SyncPath,
    problem: Problem,
    now: i64,
) -> Result<bool, JournalError> {
    let n = conn.execute(
        "INSERT OR IGNORE INTO sync_problems(folder_id, path, kind, first_seen) VALUES (?1, ?2, ?3, ?4)",
        params![folder, path.as_str(), problem.code(), now],
    )?;
    Ok(n == 1)
}

/// Every remembered problem of a pair, by path. A code this build does not
/// know (a newer one wrote it) is left out.
pub fn problems(conn: &Connection, folder: i64) -> Result<Vec<(String, Problem)>, JournalError> {
    let mut stmt =
        conn.prepare("SELECT path, kind FROM sync_problems WHERE folder_id = ?1 ORDER BY path")?;
    let rows = stmt.query_map(params![folder], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (path, code) = row?;
        match Problem::from_code(&code) {
            Some(p) => out.push((path, p)),
            None => tracing::debug!("unknown problem code {code:?} of {path:?} left out"),
        }
    }
    Ok(out)
}

/// Forgets the problems of a pair that are no longer there: `current`
/// holds every (path, problem) seen in the pass that just ran.
pub fn retain_problems(
    conn: &Connection,
    folder: i64,
    current: &[(SyncPath, Problem)],
) -> Result<(), JournalError> {
    let tx = conn.unchecked_transaction()?;
    let existing: Vec<(String, String)> = {
        let mut stmt = tx.prepare("SELECT path, kind FROM sync_problems WHERE folder_id = ?1")?;
        let rows = stmt.query_map(params![folder], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let current: std::collections::HashSet<(&str, &str)> = current
        .iter()
        .map(|(p, k)| (p.as_str(), k.code()))
        .collect();
    for (path, kind) in existing {
        if !current.contains(&(path.as_str(), kind.as_str())) {
            tx.execute(
                "DELETE FROM sync_problems WHERE folder_id = ?1 AND path = ?2 AND kind = ?3",
                params![folder, path, kind],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Remembers an open conflict: `copy` holds the member's version of `path`.
pub fn note_conflict(
    conn: &Connection,
    folder: i64,
    path: &SyncPath,
    copy: &SyncPath,
    now: i64,
) -> Result<(), JournalError> {
    conn.execute(
        "INSERT OR REPLACE INTO sync_conflicts(folder_id, copy_path, path, found) VALUES (?1, ?2, ?3, ?4)",
        params![folder, copy.as_str(), path.as_str(), now],
    )?;
    Ok(())
}

/// An open conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenConflict {
    pub folder: i64,
    pub path: String,
    pub copy: String,
    pub found: i64,
}

/// The open conflicts of every pair, newest first.
pub fn conflicts(conn: &Connection) -> Result<Vec<OpenConflict>, JournalError> {
    let mut stmt = conn.prepare(
        "SELECT folder_id, path, copy_path, found FROM sync_conflicts ORDER BY found DESC, copy_path",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(OpenConflict {
            folder: r.get(0)?,
            path: r.get(1)?,
            copy: r.get(2)?,
            found: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Closes a conflict (resolved by the member).
pub fn close_conflict(conn: &Connection, folder: i64, copy: &str) -> Result<bool, JournalError> {
    let n = conn.execute(
        "DELETE FROM sync_conflicts WHERE folder_id = ?1 AND copy_path = ?2",
        params![folder, copy],
    )?;
    Ok(n == 1)
}

/// Keeps the open conflicts of a pair whose copy `exists`.
pub fn retain_conflicts(
    conn: &Connection,
    folder: i64,
    exists: impl Fn(&SyncPath) -> bool,
) -> Result<(), JournalError> {
    let copies: Vec<String> = {
        let mut stmt = conn.prepare("SELECT copy_path FROM sync_conflicts WHERE folder_id = ?1")?;
        let rows = stmt.query_map(params![folder], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for copy in copies {
        if !exists(&SyncPath::parse(&copy)) {
            close_conflict(conn, folder, &copy)?;
        }
    }
    Ok(())
}

/// A Nextcloud chunked upload under way (store v5 `sync_uploads`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingUpload {
    pub transfer_id: String,
    /// The local file it was started for.
    pub size: u64,
    pub mtime_ns: i64,
    pub inode: u64,
    pub chunk_size: u64,
    pub started_at: i64,
}

/// The chunked upload under way for `path`, if any.
pub fn pending_upload(
    conn: &Connection,
    folder: i64,
    path: &SyncPath,
) -> Result<Option<PendingUpload>, JournalError> {
    Ok(conn
        .query_row(
            "SELECT transfer_id, size, mtime_ns, inode, chunk_size, started_at
             FROM sync_uploads WHERE folder_id = ?1 AND path = ?2",
            params![folder, path.as_str()],
            |r| {
                Ok(PendingUpload {
                    transfer_id: r.get(0)?,
                    size: r.get::<_, i64>(1)? as u64,
                    mtime_ns: r.get(2)?,
                    inode: r.get::<_, i64>(3)? as u64,
                    chunk_size: r.get::<_, i64>(4)? as u64,
                    started_at: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// Remembers a chunked upload before its first request, so that a restart
/// resumes it instead of sending it all again.
pub fn upload_started(
    conn: &Connection,
    folder: i64,
    path: &SyncPath,
    up: &PendingUpload,
) -> Result<(), JournalError> {
    conn.execute(
        "INSERT OR REPLACE INTO sync_uploads(folder_id, path, transfer_id, size, mtime_ns, inode, chunk_size, started_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            folder,
            path.as_str(),
            up.transfer_id,
            up.size as i64,
            up.mtime_ns,
            up.inode as i64,
            up.chunk_size as i64,
            up.started_at
        ],
    )?;
    Ok(())
}

/// Forgets the chunked upload of `path` (finished, or abandoned).
pub fn upload_finished(
    conn: &Connection,
    folder: i64,
    path: &SyncPath,
) -> Result<(), JournalError> {
    conn.execute(
        "DELETE FROM sync_uploads WHERE folder_id = ?1 AND path = ?2",
        params![folder, path.as_str()],
    )?;
    Ok(())
}

/// Every chunked upload under way of a pair, by path.
pub fn pending_uploads(
    conn: &Connection,
    folder: i64,
) -> Result<Vec<(SyncPath, PendingUpload)>, JournalError> {
    let mut stmt = conn.prepare(
        "SELECT path, transfer_id, size, mtime_ns, inode, chunk_size, started_at
         FROM sync_uploads WHERE folder_id = ?1 ORDER BY path",
    )?;
    let rows = stmt.query_map(params![folder], |r| {
        Ok((
            SyncPath::parse(&r.get::<_, String>(0)?),
            PendingUpload {
                transfer_id: r.get(1)?,
                size: r.get::<_, i64>(2)? as u64,
                mtime_ns: r.get(3)?,
                inode: r.get::<_, i64>(4)? as u64,
                chunk_size: r.get::<_, i64>(5)? as u64,
                started_at: r.get(6)?,
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synced(kind: Kind) -> Synced {
        Synced {
            kind,
            local: LocalMeta {
                kind,
                size: 1,
                mtime_ns: 1,
                inode: 1,
            },
            etag: Some("\"e\"".into()),
            remote_size: 1,
            remote_mtime: None,
            file_id: None,
            perms: None,
            mount_root: false,
        }
    }

    #[test]
    fn forget_and_rename_reach_exactly_the_path_and_what_is_below_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = cc_store::Store::open(dir.path().join("state.sqlite3")).unwrap();
        let conn = store.connection();
        let pair = folder_pair(conn, "/home/ana/Núvol", "https://example.coop/dav/", 0).unwrap();
        let other =
            folder_pair(conn, "/home/ana/Altres", "https://example.coop/dav/x/", 0).unwrap();
        // Siblings that sort inside the range `a`…`a0` or next to it.
        let paths = [
            "a", "a/x", "a/y/z", "a/é", "a!", "a-b.txt", "a.txt", "a0", "ab", "b", "é",
        ];
        for p in paths {
            let kind = if ["a", "a/y"].contains(&p) {
                Kind::Dir
            } else {
                Kind::File
            };
            record(conn, pair.id, &SyncPath::parse(p), &synced(kind)).unwrap();
            record(conn, other.id, &SyncPath::parse(p), &synced(kind)).unwrap();
        }
        let keys = |id| -> Vec<String> {
            load(conn, id)
                .unwrap()
                .keys()
                .map(|k| k.as_str().to_owned())
                .collect()
        };
        rename(conn, pair.id, &SyncPath::parse("a"), &SyncPath::parse("c")).unwrap();
        let mut after = keys(pair.id);
        after.sort();
        assert_eq!(
            after,
            [
                "a!", "a-b.txt", "a.txt", "a0", "ab", "b", "c", "c/x", "c/y/z", "c/é", "é"
            ]
        );
        forget(conn, pair.id, &SyncPath::parse("c")).unwrap();
        let mut after = keys(pair.id);
        after.sort();
        assert_eq!(after, ["a!", "a-b.txt", "a.txt", "a0", "ab", "b", "é"]);
        // The other pair is untouched.
        assert_eq!(keys(other.id).len(), paths.len());
    }
}
