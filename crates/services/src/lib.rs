//! The cooperative's services in one click, on the shape of the other
//! engine crates (no Tauri): what the member's Nextcloud offers besides
//! files, calendars and contacts.
//!
//! - [`navigation`]: the server's apps (`core/navigation/apps`), checked
//!   (web addresses only) and merged with the provider profile's services.
//! - [`icon`]: the server's app icons made safe to show: SVG rasterised to
//!   PNG (no script can survive), anything else refused.
//! - [`office`]: the web office through direct editing (a one-time URL, no
//!   second sign-in), `/f/<fileid>` otherwise; [`odf`] makes the empty
//!   `.odt`, `.ods` and `.odp` files a new document starts from.
//! - [`meeting`]: a room in Nextcloud Talk, on a Jitsi host or the
//!   BigBlueButton page the profile names.
//! - [`notices`]: the server's notifications, polled with their ETag,
//!   dismissed and acted on.
//! - [`mail`]: where "Write an e-mail" goes.
//!
//! Every address the server gives is checked before the app opens it or
//! sends credentials to it: credentials only ever go to the member's own
//! server.

pub mod icon;
pub mod mail;
pub mod meeting;
pub mod navigation;
pub mod notices;
pub mod odf;
pub mod office;

use cc_account::AccountError;
use url::Url;

/// What went wrong with a service.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Dav(#[from] cc_dav::DavError),
    /// The server's answer or the input was refused (hostile or invalid);
    /// the message says what and why.
    #[error("{0}")]
    Refused(String),
    /// Neither the server nor the profile offers it.
    #[error("{0}")]
    Unavailable(String),
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// Whether the app may open `url` in the browser: `https`, or `http` on the
/// member's own server (a test server on loopback). Never `javascript:`,
/// `data:`, `file:` or another scheme a page could abuse.
pub fn is_web_address(url: &Url, server: &Url) -> bool {
    match url.scheme() {
        "https" => url.host_str().is_some(),
        "http" => url.origin() == server.origin(),
        _ => false,
    }
}

/// `url` when it is on the member's server, else a refusal naming `what`.
pub fn on_server(url: &str, server: &Url, what: &str) -> Result<Url> {
    let parsed = server
        .join(url)
        .map_err(|e| ServiceError::Refused(format!("{what}: {url:?} is not an address: {e}")))?;
    if parsed.origin() != server.origin() {
        return Err(ServiceError::Refused(format!(
            "{what}: {parsed} is not on the member's server {server}"
        )));
    }
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_addresses_open() {
        let server = Url::parse("http://127.0.0.1:8080/").unwrap();
        let ok = |u: &str| is_web_address(&Url::parse(u).unwrap(), &server);
        assert!(ok("https://agora.commonscloud.coop/"));
        assert!(ok("http://127.0.0.1:8080/index.php/apps/files/"));
        assert!(!ok("http://127.0.0.1:9999/"), "plain http elsewhere");
        assert!(!ok("http://example.org/"));
        assert!(!ok("javascript:alert(1)"));
        assert!(!ok("data:text/html,<script>alert(1)</script>"));
        assert!(!ok("file:///etc/passwd"));
        assert!(!ok("ftp://example.org/"));
    }

    #[test]
    fn server_addresses_stay_on_the_server() {
        let server = Url::parse("https://oficina.example/").unwrap();
        assert_eq!(
            on_server("/f/12", &server, "x").unwrap().as_str(),
            "https://oficina.example/f/12"
        );
        assert!(on_server("https://evil.example/f/12", &server, "x").is_err());
        assert!(on_server("//evil.example/f/12", &server, "x").is_err());
    }
}
