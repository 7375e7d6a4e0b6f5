//! Where an account's data lives: the files root and the calendar and
//! address-book homes.
//!
//! # Quirks
//!
//! - Nextcloud: a member who has only ever used app passwords has no
//!   default `personal` calendar or `contacts` address book, and a server
//!   may have the calendar or contacts app disabled: a missing or empty home
//!   is not an error, the account simply has no calendars (yet).
//! - Nextcloud in a sub-folder (`https://example.org/nextcloud/`) may have
//!   no `/.well-known/` redirects at the host's root: discovery falls back
//!   to `remote.php/dav/` under the server's base.

use cc_dav::pim::Service;
use cc_dav::{DavClient, ErrorKind};
use url::Url;

use crate::error::Result;

/// An account's DAV addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// `…/remote.php/dav/files/<user id>/`
    pub files: Url,
    pub calendar_home: Option<Url>,
    pub contacts_home: Option<Url>,
}

/// Nextcloud's DAV root: `<server>/remote.php/dav/`.
pub fn dav_root(server: &Url) -> Url {
    server
        .join("remote.php/dav/")
        .expect("a base URL joins a relative path")
}

/// The files root of a Nextcloud user: `<server>/remote.php/dav/files/<user id>/`,
/// with the id percent-encoded as one path segment.
pub fn files_root(server: &Url, user_id: &str) -> Url {
    let mut url = dav_root(server);
    url.path_segments_mut()
        .expect("an http(s) URL has a path")
        .pop_if_empty()
        .push("files")
        .push(user_id)
        .push("");
    url
}

/// The calendar and address-book homes, discovered from `context` (a DAV
/// root) with RFC 6764 (`.well-known`, then `context` itself). A service the
/// server does not offer, or a principal without a home, gives `None`; a
/// refused password, an unreachable server or maintenance is an error.
pub async fn discover_homes(dav: &DavClient, context: &Url) -> Result<(Option<Url>, Option<Url>)> {
    let mut homes = [None, None];
    for (slot, service) in homes.iter_mut().zip([Service::CalDav, Service::CardDav]) {
        match dav.discover(context, service).await {
            Ok(d) => *slot = d.home,
            Err(e)
                if matches!(
                    e.kind,
                    ErrorKind::Unauthorized
                        | ErrorKind::Unavailable(_)
                        | ErrorKind::Connect(_)
                        | ErrorKind::Timeout
                        | ErrorKind::Transport(_)
                        | ErrorKind::Insecure
                ) =>
            {
                return Err(e.into());
            }
            Err(e) => {
                tracing::info!(?service, error = %e, "no home found; the account has none of these");
            }
        }
    }
    let [calendars, contacts] = homes;
    Ok((calendars, contacts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_root_encodes_the_user_id() {
        let base = Url::parse("https://example.org/nextcloud/").unwrap();
        assert_eq!(
            files_root(&base, "ana").as_str(),
            "https://example.org/nextcloud/remote.php/dav/files/ana/"
        );
        assert_eq!(
            files_root(&base, "ana puig/x?").as_str(),
            "https://example.org/nextcloud/remote.php/dav/files/ana%20puig%2Fx%3F/"
        );
    }
}
