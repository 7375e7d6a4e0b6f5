use serde::Serialize;

/// Stable codes the UI maps to a message in the member's language.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
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
}

/// The one error type of the façade: a code for programs and a message
/// (in English) for logs and developers.
#[derive(Debug, Clone, Serialize, thiserror::Error, PartialEq, Eq)]
#[error("{message}")]
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
