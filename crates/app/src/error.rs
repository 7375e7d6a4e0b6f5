use cc_account::{AccountError, KeyringError, ProviderError};
use cc_dav::ErrorKind as DavKind;
use serde::Serialize;
use ts_rs::TS;

/// Stable codes the UI maps to a message in the member's language.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The local state could not be read or written.
    Storage,
    /// The provider profile is missing or invalid.
    Provider,
    /// The caller passed a value the app refuses.
    InvalidInput,
    /// The operating system refused (no browser to open a page, ...).
    System,
    /// A bug: an internal lock was poisoned by a panic.
    Internal,
    /// The server refused the user name or app password (revoked,
    /// expired, wrong): ask the member to sign in again.
    Unauthorized,
    /// The server cannot be reached: offline, retry later.
    Offline,
    /// The server is in maintenance mode: retry later.
    Maintenance,
    /// No OS keyring to keep the app password in (the message says how to
    /// fix it); nothing was stored anywhere else.
    KeyringUnavailable,
    /// The member cancelled (a sign-in).
    Cancelled,
    /// A sign-in was not completed in time.
    Timeout,
    /// No such account or sign-in.
    NotFound,
    /// The server answered something unexpected (not a Nextcloud, a
    /// protocol error).
    Server,
    /// The local folder is missing, not a folder, or cannot be written.
    LocalFolder,
    /// A pass would delete more than the guard allows: ask the member.
    MassDelete,
    /// The system did not let the app turn starting at login on or off
    /// (the other settings were saved).
    Autostart,
    /// A calendar or address book shared without the right to change it.
    ReadOnly,
}

/// The one error type of the façade: a code for programs and a message
/// (in English) for logs and developers.
#[derive(Debug, Clone, Serialize, thiserror::Error, PartialEq, Eq, TS)]
#[error("{message}")]
#[ts(rename = "BackendError")]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
}

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn poisoned() -> Self {
        Error::new(ErrorCode::Internal, "internal state lock poisoned")
    }
}

impl From<cc_store::StoreError> for Error {
    fn from(e: cc_store::StoreError) -> Self {
        Error::new(ErrorCode::Storage, e.to_string())
    }
}

impl From<ProviderError> for Error {
    fn from(e: ProviderError) -> Self {
        let code = match e {
            ProviderError::BadOrganisation(_)
            | ProviderError::CustomServerNotAllowed(_)
            | ProviderError::UnknownServer { .. }
            | ProviderError::NoDefaultServer(_) => ErrorCode::InvalidInput,
            ProviderError::Read { .. }
            | ProviderError::Schema { .. }
            | ProviderError::Invalid { .. }
            | ProviderError::UnknownId { .. } => ErrorCode::Provider,
        };
        Error::new(code, e.to_string())
    }
}

impl From<KeyringError> for Error {
    fn from(e: KeyringError) -> Self {
        let code = match e {
            KeyringError::Unavailable { .. } => ErrorCode::KeyringUnavailable,
            KeyringError::Missing(_) => ErrorCode::Unauthorized,
            KeyringError::Failed(_) => ErrorCode::System,
        };
        Error::new(code, e.to_string())
    }
}

impl From<AccountError> for Error {
    fn from(e: AccountError) -> Self {
        let code = match e {
            AccountError::Provider(p) => return p.into(),
            AccountError::Keyring(k) => return k.into(),
            ref other => account_code(other),
        };
        Error::new(code, e.to_string())
    }
}

fn account_code(e: &AccountError) -> ErrorCode {
    match e {
        AccountError::Provider(_) => ErrorCode::Provider,
        AccountError::Keyring(_) => ErrorCode::KeyringUnavailable,
        AccountError::BadServerUrl { .. }
        | AccountError::Insecure(_)
        | AccountError::UnsafeDelete { .. } => ErrorCode::InvalidInput,
        AccountError::Offline { .. } => ErrorCode::Offline,
        AccountError::Maintenance { .. } => ErrorCode::Maintenance,
        AccountError::Unauthorized { .. } => ErrorCode::Unauthorized,
        AccountError::Cancelled => ErrorCode::Cancelled,
        AccountError::LoginTimeout(_) => ErrorCode::Timeout,
        AccountError::Refused { status: 404, .. } => ErrorCode::NotFound,
        AccountError::NotNextcloud { .. }
        | AccountError::Protocol { .. }
        | AccountError::Refused { .. } => ErrorCode::Server,
        AccountError::Dav(d) => match d.kind {
            DavKind::Unauthorized | DavKind::Forbidden(_) => ErrorCode::Unauthorized,
            DavKind::Connect(_) | DavKind::Timeout | DavKind::Transport(_) => ErrorCode::Offline,
            DavKind::Unavailable(_) => ErrorCode::Maintenance,
            DavKind::Insecure | DavKind::BadUrl(_) => ErrorCode::InvalidInput,
            _ => ErrorCode::Server,
        },
        AccountError::Storage(_) => ErrorCode::Storage,
        AccountError::NoSuchAccount(_) => ErrorCode::NotFound,
        AccountError::Delete { .. } => ErrorCode::System,
    }
}
