//! The file sync engine: local scan + remote listing + the journal of the
//! last agreed state → a pure [`plan`] → an executor → the journal.
//!
//! - [`path`]: NFC keys and portable-name checks; [`ignore`]: what is never
//!   synced; [`scan`]: the local tree; [`remote`]: the server tree;
//! - [`plan`]: the pure three-way planner;
//! - [`engine`]: one pass, executing the plan with its safety rails;
//!   [`journal`]: the last agreed state in SQLite; [`nextcloud`]: chunked
//!   and bulk uploads where the server offers them, and folder archive
//!   downloads (`archive`).

mod archive;
pub mod engine;
pub mod features;
pub mod ignore;
pub mod journal;
pub mod passes;
pub mod path;
pub mod plan;
pub mod probe;
pub mod push;
pub mod remote;
pub mod scan;
pub mod status;
pub mod trash;
pub mod watch;

pub use path::SyncPath;
pub use plan::{
    Action, Entries, Kind, LocalMeta, Options, Plan, Problem, RemoteMeta, RemotePerms, Synced,
    plan, plan_entries,
};
