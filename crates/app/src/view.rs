//! What the UI shows of folder pairs and gets back from it: plain,
//! serialisable types shared by the folder commands (`folders`) and the
//! background workers (`sync`), so neither imports the other for them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{Error, ErrorCode};

/// What a folder pair is doing.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Default, TS)]
#[serde(rename_all = "snake_case")]
pub enum FolderStatus {
    UpToDate,
    Syncing,
    Paused,
    Offline,
    /// Conflicts, names that cannot sync, or a question for the member.
    Attention,
    /// Cannot sync at all until the member acts (sign in again, the local
    /// folder is gone).
    Error,
    /// Not synced yet since the app started.
    #[default]
    Waiting,
}

/// Progress of the pass in flight.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncProgress {
    /// While the pass looks for changes on the server (before it knows
    /// its work): the folders listed so far. `None` once planned.
    pub listed_folders: Option<usize>,
    pub done: usize,
    pub total: usize,
    pub bytes: u64,
    pub bytes_per_second: u64,
    pub current: Option<String>,
}

/// The mass-delete guard stopped a pass: it asks the member.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct MassDelete {
    pub deletes: usize,
    pub tracked: usize,
}

/// What the workers know about a pair beyond its row in the state file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Live {
    pub status: FolderStatus,
    pub progress: Option<SyncProgress>,
    pub error: Option<Error>,
    pub mass_delete: Option<MassDelete>,
    pub last_sync: Option<i64>,
    /// Runs in a row that ended with failed actions.
    pub failed_runs: u32,
}

/// A folder pair as the UI shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct FolderPair {
    pub id: i64,
    pub account_id: i64,
    pub local_path: String,
    /// The server folder from the account's files root (`""` for all).
    pub remote_path: String,
    /// The folder in the server's web interface.
    pub web_url: String,
    pub status: FolderStatus,
    pub paused: bool,
    pub progress: Option<SyncProgress>,
    /// Seconds since the epoch of the last pass that completed.
    pub last_sync: Option<i64>,
    pub error: Option<Error>,
    pub mass_delete: Option<MassDelete>,
    pub conflicts: usize,
    pub not_synced: Vec<NotSynced>,
    pub excluded: Vec<String>,
}

/// A name that does not sync, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct NotSynced {
    pub path: String,
    #[ts(type = "NotSyncedReason")]
    pub reason: String,
}

/// What `add_folder` needs.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewFolderPair {
    pub account_id: i64,
    pub local_path: String,
    pub remote_path: String,
    #[serde(default)]
    pub excluded: Vec<String>,
}

/// A folder of the server, for the folder chooser.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct RemoteFolder {
    pub path: String,
    pub name: String,
    pub size: Option<u64>,
    pub has_children: bool,
}

/// What the app found at a local folder the member picked.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct LocalFolderCheck {
    pub path: String,
    pub exists: bool,
    pub non_empty: bool,
    pub entries: usize,
    pub already_synced: bool,
    pub problem: Option<ErrorCode>,
}

/// An open conflict.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub folder_id: i64,
    pub path: String,
    pub copy_path: String,
    pub found: i64,
}

/// How the member resolves a conflict.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
#[ts(rename = "ConflictResolution")]
pub enum Resolution {
    /// The member's version replaces the server's (the server's goes to
    /// the trash here; the server keeps its own version history).
    Mine,
    /// The member's version goes to the trash.
    Theirs,
    /// Both stay; the copy becomes an ordinary file.
    Both,
}

/// One line of the recent activity.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct ActivityItem {
    pub id: i64,
    pub folder_id: i64,
    pub at: i64,
    #[ts(type = "ActivityKind")]
    pub kind: String,
    pub path: String,
    /// Why an `error` failed: a stable code of the engine (its
    /// `ActionError::code`), which the UI translates; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub code: Option<String>,
}
