//! What sign-in learns from the server once it has an app password, by
//! either path (Login Flow v2 or an app password typed by the member).

use std::path::Path;
use std::time::Duration;

use cc_dav::{ClientConfig, Credentials, DavClient};
use url::Url;

use crate::endpoints::{Endpoints, dav_root, discover_homes, files_root};
use crate::error::{AccountError, Result};
use crate::server::host_of;
use crate::server_api::{Capabilities, HttpConfig, NextcloudClient, ServerStatus, UserInfo};

/// A checked account, ready to be stored.
#[derive(Debug, Clone)]
pub struct VerifiedAccount {
    /// The server's base URL (ends in `/`).
    pub server: Url,
    pub login_name: String,
    pub status: ServerStatus,
    pub user: UserInfo,
    pub capabilities: Capabilities,
    pub endpoints: Endpoints,
}

/// A DAV client for an account, with the account's credentials.
pub fn dav_client(creds: Credentials, retries: u32) -> Result<DavClient> {
    Ok(DavClient::new(
        ClientConfig {
            retries,
            connect_timeout: Duration::from_secs(15),
            ..ClientConfig::default()
        },
        Some(creds),
    )?)
}

/// Checks `status.php` before anything else: a server in maintenance or
/// one that is not (yet) a Nextcloud is reported as such.
pub async fn check_server(nc: &NextcloudClient) -> Result<ServerStatus> {
    let status = nc.status().await?;
    if status.maintenance || status.needs_db_upgrade {
        return Err(AccountError::Maintenance {
            server: host_of(nc.base()),
        });
    }
    Ok(status)
}

/// Checks an app password against the server (`cloud/user`, which also
/// gives the user id) and reads the capabilities and the DAV endpoints.
/// Nothing is stored.
pub async fn verify_account(
    server: &Url,
    login_name: &str,
    app_password: &str,
    http: &HttpConfig,
) -> Result<VerifiedAccount> {
    let nc = NextcloudClient::new(server, http)?;
    let status = check_server(&nc).await?;
    let creds = Credentials {
        user: login_name.to_owned(),
        password: app_password.to_owned(),
    };
    let user = nc.user(&creds).await?;
    let capabilities = nc.capabilities(&creds).await?;
    let dav = dav_client(creds, 1)?;
    let (calendar_home, contacts_home) = discover_homes(&dav, &dav_root(server)).await?;
    let endpoints = Endpoints {
        files: files_root(server, &user.id),
        calendar_home,
        contacts_home,
    };
    tracing::info!(
        server = %host_of(server),
        user = %user.id,
        login = %login_name,
        calendars = endpoints.calendar_home.is_some(),
        contacts = endpoints.contacts_home.is_some(),
        "account verified"
    );
    Ok(VerifiedAccount {
        server: server.clone(),
        login_name: login_name.to_owned(),
        status,
        user,
        capabilities,
        endpoints,
    })
}

/// Deletes the folder an account's files synced to, when the member asked
/// for it at sign-out (or the server asked for a remote wipe). Refuses
/// relative paths, the file-system root and the home folder or any folder
/// above it. A folder that is already gone is fine.
pub fn delete_local_folder(path: &Path) -> Result<()> {
    let unsafe_delete = |reason: &str| AccountError::UnsafeDelete {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    };
    if !path.is_absolute() {
        return Err(unsafe_delete("not an absolute path"));
    }
    let real = match std::fs::canonicalize(path) {
        Ok(p) => p,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(AccountError::Delete {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    if real.parent().is_none() {
        return Err(unsafe_delete("it is the root of the file system"));
    }
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .and_then(|h| std::fs::canonicalize(h).ok());
    if let Some(home) = home
        && home.starts_with(&real)
    {
        return Err(unsafe_delete("it is the home folder or holds it"));
    }
    if !real.is_dir() {
        return Err(unsafe_delete("not a folder"));
    }
    std::fs::remove_dir_all(&real).map_err(|source| AccountError::Delete {
        path: real.clone(),
        source,
    })?;
    tracing::info!(path = %real.display(), "local files deleted");
    Ok(())
}
