//! Passes until both sides agree: the one loop the desktop app's workers
//! and the `commonscloud sync` command both run.
//!
//! One pass can show more to do (a folder made here, then what goes into
//! it; a conflicted copy to send), so passes follow each other until one
//! has nothing planned and nothing failed, at most [`MAX_PASSES`] in a
//! row. Each pass is recorded in the pair's status (`status::record_pass`)
//! before the caller hears of it; the first error ends the loop.

use rusqlite::Connection;

use crate::engine::{PassOptions, PassReport, Progress, SyncError, SyncFolder};
use crate::status;

/// Passes in a row before the loop gives up for now (the caller comes
/// back later: at the next change or poll, or the next run).
pub const MAX_PASSES: usize = 3;

/// What the caller of [`settle`] does around each pass.
pub trait PassObserver {
    /// The options of the next pass, asked for before each one (a fresh
    /// conflict stamp and time).
    fn options(&mut self) -> PassOptions;
    /// What the pass in flight is doing.
    fn progress(&mut self, progress: Progress);
    /// A pass ended well (already recorded in the status).
    fn pass_ended(&mut self, _report: &PassReport) {}
}

/// What the passes came to.
#[derive(Debug, Default)]
pub struct Settled {
    /// Conflicted copies and problems first seen, of every pass.
    pub merged: PassReport,
    /// The last pass's report: what is still planned or failed.
    pub last: PassReport,
    pub passes: usize,
}

impl Settled {
    /// Both sides agree: the last pass had nothing to do and nothing
    /// failed.
    pub fn in_sync(&self) -> bool {
        settled(&self.last)
    }
}

fn settled(r: &PassReport) -> bool {
    r.planned == 0 && r.failures.is_empty()
}

/// Runs passes of `folder` until both sides agree or [`MAX_PASSES`] ran.
pub async fn settle(
    folder: &SyncFolder,
    conn: &Connection,
    observer: &mut impl PassObserver,
) -> Result<Settled, SyncError> {
    let mut out = Settled::default();
    for _ in 0..MAX_PASSES {
        let opts = observer.options();
        let result = folder
            .sync_once(conn, &opts, |p| observer.progress(p))
            .await;
        out.passes += 1;
        let recorded = match &result {
            Ok(report) => status::record_pass(conn, folder.folder_id, unix_now(), Ok(report)),
            Err(e) => status::record_pass(conn, folder.folder_id, unix_now(), Err(&e.to_string())),
        };
        if let Err(e) = recorded {
            tracing::warn!(folder = folder.folder_id, "pass not recorded: {e}");
        }
        let report = result?;
        observer.pass_ended(&report);
        out.merged
            .conflicts
            .extend(report.conflicts.iter().cloned());
        out.merged.problems.extend(report.problems.iter().cloned());
        let done = settled(&report);
        out.last = report;
        if done {
            break;
        }
    }
    Ok(out)
}

/// Seconds since the Unix epoch, as the state file keeps times.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A conflicted copy's time stamp, in local time for the member's eyes:
/// `2026-11-25 093612`.
pub fn conflict_stamp() -> String {
    chrono::Local::now().format("%Y-%m-%d %H%M%S").to_string()
}
