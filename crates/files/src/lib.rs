//! The file sync engine: local scan + remote listing + the journal of the
//! last agreed state → a pure [`plan`] → an executor → the journal.
//!
//! This first part holds the pure core: normalised paths and portable-name
//! checks ([`path`]) and the three-way planner ([`plan`]).

pub mod path;
pub mod plan;

pub use path::SyncPath;
pub use plan::{
    Action, Kind, LocalMeta, Options, Plan, Problem, RemoteMeta, RemotePerms, Synced, plan,
};
