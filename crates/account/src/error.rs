//! The errors of account operations, as kinds a program can act on.

use std::path::PathBuf;
use std::time::Duration;

use crate::provider::ProviderError;
use crate::secrets::KeyringError;

/// What went wrong signing in, checking or signing out an account.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error("invalid server address {input:?}: {reason}")]
    BadServerUrl { input: String, reason: String },
    #[error(
        "refusing plain http to {0}: use https (plain http is only used on this computer's loopback)"
    )]
    Insecure(String),
    #[error("cannot reach {server}: {detail}")]
    Offline { server: String, detail: String },
    #[error("{server} is in maintenance mode; try again later")]
    Maintenance { server: String },
    #[error("{server} refused the user name or app password: sign in again")]
    Unauthorized { server: String },
    #[error("the sign-in was cancelled")]
    Cancelled,
    #[error("the sign-in was not completed within {} s; start it again", .0.as_secs())]
    LoginTimeout(Duration),
    #[error("{server} is not a ready Nextcloud server: {detail}")]
    NotNextcloud { server: String, detail: String },
    #[error("unexpected answer from {server} to {what}: {detail}")]
    Protocol {
        server: String,
        what: String,
        detail: String,
    },
    /// The server answered an OCS or plain request with an error status
    /// (404: no such app or file; 403: not allowed).
    #[error("{server} answered {status} to {what}{}", if .detail.is_empty() { String::new() } else { format!(": {}", .detail) })]
    Refused {
        server: String,
        what: String,
        status: u16,
        detail: String,
    },
    #[error(transparent)]
    Keyring(#[from] KeyringError),
    #[error(transparent)]
    Dav(#[from] cc_dav::DavError),
    #[error("account state: {0}")]
    Storage(#[from] rusqlite::Error),
    #[error("no account {0}")]
    NoSuchAccount(String),
    #[error("refusing to delete {path}: {reason}")]
    UnsafeDelete { path: PathBuf, reason: String },
    #[error("cannot delete {path}: {source}")]
    Delete {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl AccountError {
    /// Whether trying again later may succeed without the member doing
    /// anything (offline, maintenance).
    pub fn is_transient(&self) -> bool {
        match self {
            AccountError::Offline { .. } | AccountError::Maintenance { .. } => true,
            AccountError::Dav(e) => e.is_transient(),
            _ => false,
        }
    }
}

pub type Result<T, E = AccountError> = std::result::Result<T, E>;
