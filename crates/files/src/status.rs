//! The last pass of each folder pair, kept in the state file so
//! `commonscloud status` (and the GUI) can tell what is pending without
//! touching the network.

use rusqlite::{Connection, OptionalExtension, params};

use crate::engine::PassReport;
use crate::journal::JournalError;

/// What the last pass left behind.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LastPass {
    pub finished_at: i64,
    /// Actions that were planned in that pass.
    pub planned: i64,
    /// `path: error` lines of the actions that failed.
    pub failures: Vec<String>,
    /// Conflicted copies made.
    pub conflicts: Vec<String>,
    /// The pass stopped before doing anything (listing error, guard).
    pub aborted: Option<String>,
}

/// Records the outcome of a pass.
pub fn record_pass(
    conn: &Connection,
    folder: i64,
    now: i64,
    report: Result<&PassReport, &str>,
) -> Result<(), JournalError> {
    let (planned, failures, conflicts, aborted) = match report {
        Ok(r) => (
            r.planned as i64,
            r.failures
                .iter()
                .map(|f| format!("{}: {}", f.path, f.error))
                .collect::<Vec<_>>()
                .join("\n"),
            r.conflicts
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect::<Vec<_>>()
                .join("\n"),
            None,
        ),
        Err(e) => (0, String::new(), String::new(), Some(e.to_owned())),
    };
    conn.execute(
        "INSERT INTO sync_runs(folder_id, finished_at, planned, failures, conflicts, aborted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(folder_id) DO UPDATE SET finished_at = excluded.finished_at,
           planned = excluded.planned, failures = excluded.failures,
           conflicts = excluded.conflicts, aborted = excluded.aborted",
        params![folder, now, planned, failures, conflicts, aborted],
    )?;
    Ok(())
}

/// The last pass of a folder, if any ran.
pub fn last_pass(conn: &Connection, folder: i64) -> Result<Option<LastPass>, JournalError> {
    let split = |s: String| -> Vec<String> {
        s.lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    Ok(conn
        .query_row(
            "SELECT finished_at, planned, failures, conflicts, aborted FROM sync_runs WHERE folder_id = ?1",
            params![folder],
            |r| {
                Ok(LastPass {
                    finished_at: r.get(0)?,
                    planned: r.get(1)?,
                    failures: split(r.get(2)?),
                    conflicts: split(r.get(3)?),
                    aborted: r.get(4)?,
                })
            },
        )
        .optional()?)
}

/// Every folder pair: id, local root, remote URL.
pub fn folders(conn: &Connection) -> Result<Vec<(i64, String, String)>, JournalError> {
    Ok(crate::journal::pair_records(conn, None)?
        .into_iter()
        .map(|p| (p.id, p.local_root, p.remote_url))
        .collect())
}
