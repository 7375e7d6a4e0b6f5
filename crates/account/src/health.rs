//! Account health: one state the UI can show, from `status.php` and one
//! authenticated request.

use cc_dav::{DavClient, ErrorKind};
use serde::Serialize;
use url::Url;

use crate::error::AccountError;
use crate::server_api::NextcloudClient;

/// The state of an account, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum Health {
    /// Signed in and the server answers.
    Ok { version: String },
    /// The server is in maintenance mode (or upgrading): retry later.
    Maintenance,
    /// The app password was revoked or expired: the member must sign in
    /// again. Nothing retries with it (a loop would trip the server's
    /// brute-force protection).
    SignInAgain,
    /// The server cannot be reached: offline, retry later.
    Offline { detail: String },
    /// The server answered something unexpected.
    Unexpected { detail: String },
    /// The server asked this device to wipe the account's data (remote
    /// wipe); the caller deletes it and confirms.
    WipeRequested,
    /// The account's data was wiped at the server's request.
    Wiped,
}

/// Checks an account: `status.php` first (reachable? maintenance?), then a
/// `PROPFIND` of the files root with the app password. On 401/403 the
/// remote-wipe check is made before answering [`Health::SignInAgain`].
///
/// `dav` must carry the account's credentials and should not retry (a
/// health check is itself the retry).
pub async fn check_health(
    nc: &NextcloudClient,
    dav: &DavClient,
    files_root: &Url,
    app_password: &str,
) -> Health {
    let status = match nc.status().await {
        Ok(s) => s,
        Err(AccountError::Offline { detail, .. }) => return Health::Offline { detail },
        Err(AccountError::Maintenance { .. }) => return Health::Maintenance,
        Err(e) => {
            return Health::Unexpected {
                detail: e.to_string(),
            };
        }
    };
    if status.maintenance || status.needs_db_upgrade {
        return Health::Maintenance;
    }
    let props = [cc_dav::xml::QName::dav("getetag")];
    match dav.stat(files_root, &props).await {
        Ok(_) => Health::Ok {
            version: status.versionstring,
        },
        Err(e) => match e.kind {
            ErrorKind::Unauthorized | ErrorKind::Forbidden(_) => {
                if nc.wipe_requested(app_password).await {
                    Health::WipeRequested
                } else {
                    Health::SignInAgain
                }
            }
            ErrorKind::Unavailable(_) => Health::Maintenance,
            ErrorKind::Connect(detail) | ErrorKind::Transport(detail) => Health::Offline { detail },
            ErrorKind::Timeout => Health::Offline {
                detail: "no answer in time".into(),
            },
            _ => Health::Unexpected {
                detail: e.to_string(),
            },
        },
    }
}
