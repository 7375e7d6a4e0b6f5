//! The error of every DAV operation: which server, which request, and what
//! was wrong, as a kind a program can act on.

use crate::href::HrefError;
use crate::xml::XmlError;

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    #[error(
        "refusing plain http to a non-loopback server; use https or allow insecure connections explicitly"
    )]
    Insecure,
    #[error("invalid URL: {0}")]
    BadUrl(String),
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("the server did not answer in time")]
    Timeout,
    #[error("the connection failed: {0}")]
    Transport(String),
    #[error("wrong user or password (401)")]
    Unauthorized,
    #[error("forbidden (403){}", detail(.0))]
    Forbidden(Option<String>),
    #[error("not found (404)")]
    NotFound,
    #[error("already exists or the method is not allowed here (405)")]
    NotAllowed,
    #[error("conflict (409): a parent folder is missing{}", detail(.0))]
    Conflict(Option<String>),
    #[error("the server no longer knows the sync token (valid-sync-token)")]
    InvalidSyncToken,
    #[error("precondition failed (412): the resource changed on the server")]
    PreconditionFailed,
    #[error("locked (423){}", detail(.0))]
    Locked(Option<String>),
    #[error("not enough space on the server (507){}", detail(.0))]
    InsufficientStorage(Option<String>),
    #[error("the server is in maintenance or overloaded (503){}", retry(.0))]
    Unavailable(Option<u64>),
    #[error("unexpected status {status}{}", detail(.message))]
    Status {
        status: u16,
        message: Option<String>,
    },
    #[error("invalid response body: {0}")]
    Xml(#[from] XmlError),
    #[error("refused href: {0}")]
    Href(#[from] HrefError),
    #[error("invalid response: {0}")]
    Protocol(String),
    #[error("local I/O error: {0}")]
    Io(String),
}

fn detail(m: &Option<String>) -> String {
    m.as_ref().map(|m| format!(": {m}")).unwrap_or_default()
}

fn retry(s: &Option<u64>) -> String {
    s.map(|s| format!(", retry after {s} s"))
        .unwrap_or_default()
}

/// A failed DAV request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{method} {url} ({server}): {kind}")]
pub struct DavError {
    /// Host (and port) of the server.
    pub server: String,
    pub method: String,
    /// The request URL, without credentials.
    pub url: String,
    pub kind: ErrorKind,
}

impl DavError {
    pub fn new(method: &str, url: &url::Url, kind: ErrorKind) -> Self {
        let mut clean = url.clone();
        let _ = clean.set_username("");
        let _ = clean.set_password(None);
        DavError {
            server: match url.port() {
                Some(p) => format!("{}:{p}", url.host_str().unwrap_or("?")),
                None => url.host_str().unwrap_or("?").to_owned(),
            },
            method: method.to_owned(),
            url: clean.to_string(),
            kind,
        }
    }

    /// Whether retrying the same request later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Connect(_)
                | ErrorKind::Timeout
                | ErrorKind::Transport(_)
                | ErrorKind::Unavailable(_)
        ) || matches!(self.kind, ErrorKind::Status { status, .. } if status == 502 || status == 504)
    }

    pub fn status(&self) -> Option<u16> {
        Some(match &self.kind {
            ErrorKind::Unauthorized => 401,
            ErrorKind::Forbidden(_) => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::NotAllowed => 405,
            ErrorKind::Conflict(_) => 409,
            ErrorKind::PreconditionFailed => 412,
            ErrorKind::Locked(_) => 423,
            ErrorKind::InsufficientStorage(_) => 507,
            ErrorKind::Unavailable(_) => 503,
            ErrorKind::Status { status, .. } => *status,
            _ => return None,
        })
    }
}

pub type Result<T, E = DavError> = std::result::Result<T, E>;
