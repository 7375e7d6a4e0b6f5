//! Accounts in the façade: sign-in (Login Flow v2, or an app password the
//! member typed), the list, health, sign-out and the services launcher.
//!
//! The app password goes from the server to the OS keyring and nowhere
//! else: not the state file, not the logs, not a config file. When no
//! keyring is reachable, sign-in fails with
//! [`ErrorCode::KeyringUnavailable`] before anything is written.

use std::path::Path;
use std::sync::atomic::Ordering;
use ts_rs::TS;

use cc_account::endpoints::files_root;
use cc_account::health::{Health, check_health};
use cc_account::records::{self, AccountRecord, NewAccount};
use cc_account::server::{check_transport, display_server, normalise_server_url};
use cc_account::signin::{check_server, dav_client, delete_local_folder, verify_account};
use cc_account::{
    CancellationToken, Keyring, KeyringError, LoginFlow, NextcloudClient, ServerChoice, ServiceLink,
};
use cc_dav::Credentials;
use serde::Serialize;
use url::Url;

use crate::{App, Error, ErrorCode};

/// A sign-in in progress.
#[derive(Debug, Clone)]
pub(crate) struct PendingLogin {
    nc: NextcloudClient,
    flow: LoginFlow,
    cancel: CancellationToken,
}

/// An account as the UI shows it. Never holds the app password.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: i64,
    pub provider_id: String,
    /// The server's address (`https://oficina.commonscloud.coop`).
    pub server: String,
    /// The user id of DAV paths.
    pub user_id: String,
    /// What the member signs in with.
    pub login_name: String,
    pub display_name: Option<String>,
    /// `<user id>@<server host>`: how lists and the CLI name the account.
    pub label: String,
    pub files_url: Option<String>,
    pub calendar_home: Option<String>,
    pub contacts_home: Option<String>,
    pub server_version: Option<String>,
    pub local_folder: Option<String>,
    /// The server refused the app password: ask the member to sign in
    /// again (nothing retries with it meanwhile).
    pub needs_sign_in: bool,
}

impl From<AccountRecord> for Account {
    fn from(r: AccountRecord) -> Self {
        let host = Url::parse(&r.server_url)
            .ok()
            .map(|u| cc_account::server::host_of(&u))
            .unwrap_or_else(|| r.server_url.clone());
        Account {
            id: r.id,
            provider_id: r.provider_id,
            label: format!("{}@{host}", r.user_id),
            server: r.server_url,
            user_id: r.user_id,
            login_name: r.login_name,
            display_name: r.display_name,
            files_url: r.files_url,
            calendar_home: r.calendar_home,
            contacts_home: r.contacts_home,
            server_version: r.server_version,
            local_folder: r.local_folder.map(|p| p.to_string_lossy().into_owned()),
            needs_sign_in: r.needs_sign_in,
        }
    }
}

/// A started sign-in: open `login_url` in the system browser, then call
/// [`App::finish_login`] with `login_id`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct LoginStarted {
    pub login_id: u64,
    pub login_url: String,
}

/// A server address that answers as a Nextcloud.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct ServerCheck {
    /// The normalised address to sign in to.
    pub server: String,
    /// `Nextcloud 33.0.1`.
    pub product: String,
}

/// What signing out did.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignOutReport {
    pub account: Account,
    /// The server revoked the app password.
    pub revoked_on_server: bool,
    /// The app password left the keyring.
    pub secret_removed: bool,
    /// The synced files were deleted (only when asked): the account's local
    /// folder and the local root of each of its sync folder pairs.
    pub files_deleted: bool,
    /// What could not be done, in English, for logs and the CLI.
    pub warnings: Vec<String>,
}

impl App {
    pub(crate) fn with_store<T>(
        &self,
        f: impl FnOnce(&cc_store::Store) -> cc_account::Result<T>,
    ) -> Result<T, Error> {
        let store = self.store.lock().map_err(|_| Error::poisoned())?;
        f(&store).map_err(Error::from)
    }

    /// Runs a keyring call off the async threads (it blocks on D-Bus).
    async fn keyring<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Keyring) -> Result<T, KeyringError> + Send + 'static,
    ) -> Result<T, KeyringError> {
        let k = self.keyring.clone();
        tokio::task::spawn_blocking(move || f(&k))
            .await
            .unwrap_or_else(|e| Err(KeyringError::Failed(format!("keyring task failed: {e}"))))
    }

    /// Every account, oldest first.
    pub fn accounts(&self) -> Result<Vec<Account>, Error> {
        self.with_store(|s| records::list(s.connection()))
            .map(|v| v.into_iter().map(Account::from).collect())
    }

    /// One account by its number, its label (`ana@oficina.example.coop`),
    /// its user id or its login name.
    pub fn find_account(&self, query: &str) -> Result<Account, Error> {
        let all = self.accounts()?;
        if let Ok(id) = query.parse::<i64>()
            && let Some(a) = all.iter().find(|a| a.id == id)
        {
            return Ok(a.clone());
        }
        let matches: Vec<&Account> = all
            .iter()
            .filter(|a| a.label == query || a.user_id == query || a.login_name == query)
            .collect();
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(Error::new(
                ErrorCode::NotFound,
                format!("no account {query:?}"),
            )),
            _ => Err(Error::new(
                ErrorCode::InvalidInput,
                format!("{query:?} names several accounts: use the account's number or label"),
            )),
        }
    }

    /// The server address for the member's choice of the provider's
    /// servers (or a typed address, where the profile allows it).
    pub fn resolve_server(&self, choice: &ServerChoice) -> Result<String, Error> {
        let raw = self.provider.server_url(choice)?;
        let url = normalise_server_url(&raw)?;
        check_transport(&url)?;
        Ok(url.to_string())
    }

    /// Checks, live, that a typed address is a Nextcloud the app can sign
    /// in to (reachable, https unless loopback, not in maintenance), for
    /// the first onboarding screen. Nothing is stored.
    pub async fn check_server(&self, address: &str) -> Result<ServerCheck, Error> {
        let url = normalise_server_url(address)?;
        check_transport(&url)?;
        let nc = NextcloudClient::new(&url, &self.http)?;
        let status = check_server(&nc).await?;
        let name = if status.productname.is_empty() {
            "Nextcloud"
        } else {
            status.productname.as_str()
        };
        Ok(ServerCheck {
            server: url.to_string(),
            product: format!("{name} {}", status.versionstring).trim().to_owned(),
        })
    }

    /// Starts a Login Flow v2 on `server`: checks the server (reachable,
    /// a Nextcloud, not in maintenance) and returns the page to open in
    /// the system browser.
    pub async fn start_login(&self, server: &str) -> Result<LoginStarted, Error> {
        let url = normalise_server_url(server)?;
        let nc = NextcloudClient::new(&url, &self.http)?;
        check_server(&nc).await?;
        let flow = nc.start_login().await?;
        let login_id = self.next_login.fetch_add(1, Ordering::Relaxed);
        let login_url = flow.login_url.to_string();
        self.logins.lock().map_err(|_| Error::poisoned())?.insert(
            login_id,
            PendingLogin {
                nc,
                flow,
                cancel: CancellationToken::new(),
            },
        );
        Ok(LoginStarted {
            login_id,
            login_url,
        })
    }

    /// Waits until the member grants access in the browser, then signs the
    /// account in. Fails with [`ErrorCode::Cancelled`] after
    /// [`cancel_login`](Self::cancel_login) and [`ErrorCode::Timeout`] when
    /// the poll policy's time runs out.
    pub async fn finish_login(&self, login_id: u64) -> Result<Account, Error> {
        let pending = self
            .logins
            .lock()
            .map_err(|_| Error::poisoned())?
            .get(&login_id)
            .cloned()
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NotFound,
                    format!("no sign-in {login_id} in progress"),
                )
            })?;
        let result = pending
            .nc
            .wait_for_login(&pending.flow, &self.poll, &pending.cancel)
            .await;
        self.logins
            .lock()
            .map_err(|_| Error::poisoned())?
            .remove(&login_id);
        let grant = result?;
        let account = self
            .complete_sign_in(&grant.server, &grant.login_name, &grant.app_password)
            .await?;
        // Signed in again: its folder pairs sync again.
        self.restart_account(account.id).await?;
        Ok(account)
    }

    /// Cancels a sign-in in progress; its `finish_login` returns
    /// [`ErrorCode::Cancelled`].
    pub fn cancel_login(&self, login_id: u64) -> Result<(), Error> {
        let pending = self
            .logins
            .lock()
            .map_err(|_| Error::poisoned())?
            .remove(&login_id)
            .ok_or_else(|| {
                Error::new(
                    ErrorCode::NotFound,
                    format!("no sign-in {login_id} in progress"),
                )
            })?;
        pending.cancel.cancel();
        tracing::info!(login_id, "sign-in cancelled");
        Ok(())
    }

    /// The fallback sign-in: a login name and an app password the member
    /// created in the server's security settings. The password is checked
    /// against the server (`cloud/user`) before it is stored.
    pub async fn add_account_with_app_password(
        &self,
        server: &str,
        login_name: &str,
        app_password: &str,
    ) -> Result<Account, Error> {
        let login_name = login_name.trim();
        if login_name.is_empty() || app_password.is_empty() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                "a user name and an app password are both needed",
            ));
        }
        let url = normalise_server_url(server)?;
        self.complete_sign_in(&url, login_name, app_password).await
    }

    /// Verifies the account, stores the app password in the keyring, then
    /// the account (without it) in the state file.
    async fn complete_sign_in(
        &self,
        server: &Url,
        login_name: &str,
        app_password: &str,
    ) -> Result<Account, Error> {
        let v = verify_account(server, login_name, app_password, &self.http).await?;
        let server_url = display_server(&v.server);
        let key = records::keyring_user(&v.user.id, &server_url);
        {
            let (key, secret) = (key.clone(), app_password.to_owned());
            self.keyring(move |k| k.store(&key, &secret)).await?;
        }
        let capabilities = serde_json::to_string(&v.capabilities.raw).ok();
        let saved = self.with_store(|s| {
            records::upsert(
                s.connection(),
                &NewAccount {
                    provider_id: &self.provider.id,
                    server_url: &server_url,
                    user_id: &v.user.id,
                    login_name: &v.login_name,
                    display_name: v.user.display_name.as_deref(),
                    keyring_user: &key,
                    files_url: v.endpoints.files.as_str(),
                    calendar_home: v.endpoints.calendar_home.as_ref().map(Url::as_str),
                    contacts_home: v.endpoints.contacts_home.as_ref().map(Url::as_str),
                    server_version: v.capabilities.version.as_deref(),
                    capabilities: capabilities.as_deref(),
                },
                cc_files::passes::unix_now(),
            )
        });
        match saved {
            Ok(r) => {
                tracing::info!(account = r.id, user = %r.user_id, server = %r.server_url, "signed in");
                Ok(r.into())
            }
            Err(e) => {
                // No account without its secret, no secret without its account.
                let _ = self.keyring(move |k| k.delete(&key)).await;
                Err(e)
            }
        }
    }

    /// An account's record, its app password (from the keyring) and its
    /// server's address; `Unauthorized` for an account waiting to sign in
    /// again.
    pub(crate) async fn signed_in(
        &self,
        account_id: i64,
    ) -> Result<(AccountRecord, String, Url), Error> {
        let rec = self.with_store(|s| records::get(s.connection(), account_id))?;
        if rec.needs_sign_in {
            return Err(Error::new(
                ErrorCode::Unauthorized,
                format!(
                    "{}: the server refused the password; sign in again",
                    rec.user_id
                ),
            ));
        }
        let key = rec.keyring_user.clone();
        let password = self.keyring(move |k| k.read(&key)).await?;
        let server = normalise_server_url(&rec.server_url)?;
        Ok((rec, password, server))
    }

    /// A DAV client signed in as the account (its app password read from
    /// the keyring, never returned), and the account's files root URL. An
    /// account waiting to sign in again gives `Unauthorized`.
    pub async fn files_client(&self, account_id: i64) -> Result<(cc_dav::DavClient, Url), Error> {
        let (rec, password, server) = self.signed_in(account_id).await?;
        Ok((dav_for(&rec, password, 3)?, files_url_of(&rec, &server)))
    }

    /// A DAV client signed in as the account, for its calendars and
    /// contacts: the server's address and the calendar and address-book
    /// homes found at sign-in (`None` where the server named none).
    pub async fn pim_client(&self, account_id: i64) -> Result<PimAccess, Error> {
        let (rec, password, server) = self.signed_in(account_id).await?;
        let parse = |u: &Option<String>| u.as_deref().and_then(|u| Url::parse(u).ok());
        Ok(PimAccess {
            client: dav_for(&rec, password, 3)?,
            calendar_home: parse(&rec.calendar_home),
            contacts_home: parse(&rec.contacts_home),
            server,
        })
    }

    /// Checks an account: maintenance, a revoked or expired password,
    /// offline. A refused password marks the account so nothing retries
    /// with it (no loop) until the member signs in again; a remote-wipe
    /// request is honoured (the local files, the state and the secret are
    /// deleted, and the server told).
    pub async fn account_health(&self, account_id: i64) -> Result<Health, Error> {
        let rec = self.with_store(|s| records::get(s.connection(), account_id))?;
        if rec.needs_sign_in {
            return Ok(Health::SignInAgain);
        }
        let key = rec.keyring_user.clone();
        let password = match self.keyring(move |k| k.read(&key)).await {
            Ok(p) => p,
            Err(KeyringError::Missing(_)) => {
                self.with_store(|s| records::set_needs_sign_in(s.connection(), rec.id, true))?;
                return Ok(Health::SignInAgain);
            }
            Err(e) => return Err(e.into()),
        };
        let server = normalise_server_url(&rec.server_url)?;
        let nc = NextcloudClient::new(&server, &self.http)?;
        let files = files_url_of(&rec, &server);
        let dav = dav_for(&rec, password.clone(), 0)?;
        let health = check_health(&nc, &dav, &files, &password).await;
        tracing::info!(account = rec.id, ?health, "account health");
        match health {
            Health::SignInAgain => {
                self.with_store(|s| records::set_needs_sign_in(s.connection(), rec.id, true))?;
                Ok(health)
            }
            Health::WipeRequested => {
                self.remote_wipe(&rec, &nc, password).await?;
                Ok(Health::Wiped)
            }
            other => Ok(other),
        }
    }

    /// After the server refused an account's password during a sync (the
    /// account is marked for a new sign-in, so nothing retries with it):
    /// the one question the protocol still asks, whether the server wants
    /// this device wiped, asked once; a wipe is honoured. The desktop calls
    /// it for each [`SyncEvent::AccountRefused`](crate::SyncEvent).
    pub async fn after_refusal(&self, account_id: i64) -> Result<Health, Error> {
        let rec = self.with_store(|s| records::get(s.connection(), account_id))?;
        let key = rec.keyring_user.clone();
        let password = match self.keyring(move |k| k.read(&key)).await {
            Ok(p) => p,
            Err(KeyringError::Missing(_)) => return Ok(Health::SignInAgain),
            Err(e) => return Err(e.into()),
        };
        let server = normalise_server_url(&rec.server_url)?;
        let nc = NextcloudClient::new(&server, &self.http)?;
        if nc.wipe_requested(&password).await {
            self.remote_wipe(&rec, &nc, password).await?;
            return Ok(Health::Wiped);
        }
        Ok(Health::SignInAgain)
    }

    /// Honours a remote wipe: deletes the synced files and the account's
    /// state, tells the server, then forgets the app password.
    async fn remote_wipe(
        &self,
        rec: &AccountRecord,
        nc: &NextcloudClient,
        password: String,
    ) -> Result<(), Error> {
        tracing::warn!(
            account = rec.id,
            "the server asked to wipe this account's data"
        );
        // Nothing syncs into what is about to go.
        let pairs = self.stop_account_pairs(rec.id)?;
        let folders = self.account_folders(rec.id)?;
        for folder in &folders {
            delete_local_folder(folder)?;
        }
        self.with_store(|s| records::delete(s.connection(), rec.id))?;
        if let Err(e) = nc.confirm_wipe(&password).await {
            tracing::warn!(error = %e, "could not confirm the wipe to the server");
        }
        let key = rec.keyring_user.clone();
        self.keyring(move |k| k.delete(&key)).await?;
        for id in pairs {
            self.hub.forget(id);
        }
        self.hub
            .emit(crate::sync::SyncEvent::AccountRemoved { account_id: rec.id });
        Ok(())
    }

    /// Signs an account out: revokes the app password on the server,
    /// removes it from the keyring and removes the account's local state —
    /// even when the server cannot be reached. The synced files stay unless
    /// `delete_files`.
    pub async fn sign_out(
        &self,
        account_id: i64,
        delete_files: bool,
    ) -> Result<SignOutReport, Error> {
        let rec = self.with_store(|s| records::get(s.connection(), account_id))?;
        // Its folder pairs stop syncing first (their rows go with the
        // account; their files stay unless asked).
        let pairs = self.stop_account_pairs(account_id)?;
        let mut warnings = Vec::new();
        let key = rec.keyring_user.clone();
        let mut revoked_on_server = false;
        match self.keyring(move |k| k.read(&key)).await {
            Ok(password) => {
                let creds = Credentials {
                    user: rec.login_name.clone(),
                    password,
                };
                let revoked = match normalise_server_url(&rec.server_url) {
                    Ok(url) => match NextcloudClient::new(&url, &self.http) {
                        Ok(nc) => nc.revoke_app_password(&creds).await,
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(e),
                };
                match revoked {
                    Ok(()) => revoked_on_server = true,
                    Err(e) => warnings.push(format!(
                        "the app password could not be revoked on the server ({e}); \
                         revoke it in the server's security settings"
                    )),
                }
            }
            Err(e) => warnings.push(format!(
                "the app password could not be read to revoke it ({e}); \
                 revoke it in the server's security settings"
            )),
        }
        let key = rec.keyring_user.clone();
        let secret_removed = match self.keyring(move |k| k.delete(&key)).await {
            Ok(_) => true,
            Err(e) => {
                warnings.push(format!(
                    "the app password could not be removed from the keyring ({e})"
                ));
                false
            }
        };
        let mut files_deleted = false;
        if delete_files {
            let folders = self.account_folders(rec.id)?;
            let mut all_deleted = !folders.is_empty();
            for folder in &folders {
                if let Err(e) = delete_local_folder(folder) {
                    all_deleted = false;
                    warnings.push(format!("the synced files were kept: {e}"));
                }
            }
            files_deleted = all_deleted;
        }
        self.with_store(|s| records::delete(s.connection(), rec.id))?;
        for w in &warnings {
            tracing::warn!(account = rec.id, "{w}");
        }
        tracing::info!(
            account = rec.id,
            revoked_on_server,
            secret_removed,
            files_deleted,
            "signed out"
        );
        for id in pairs {
            self.hub.forget(id);
        }
        Ok(SignOutReport {
            account: rec.into(),
            revoked_on_server,
            secret_removed,
            files_deleted,
            warnings,
        })
    }

    /// Sets (or clears) the folder an account's files sync to; sign-out
    /// with `delete_files` deletes it.
    pub fn set_local_folder(
        &self,
        account_id: i64,
        folder: Option<&Path>,
    ) -> Result<Account, Error> {
        if let Some(f) = folder
            && !f.is_absolute()
        {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("{} is not an absolute path", f.display()),
            ));
        }
        self.with_store(|s| {
            records::set_local_folder(s.connection(), account_id, folder)?;
            records::get(s.connection(), account_id)
        })
        .map(Account::from)
    }

    /// The launcher's services in the UI language: for an account, on its
    /// server; without one, on the provider's default server (services on
    /// the member's own server are left out when there is none).
    pub fn services(&self, account_id: Option<i64>) -> Result<Vec<ServiceLink>, Error> {
        let server = match account_id {
            Some(id) => {
                let rec = self.with_store(|s| records::get(s.connection(), id))?;
                Some(normalise_server_url(&rec.server_url)?)
            }
            None => self
                .provider
                .server_url(&ServerChoice::Default)
                .ok()
                .and_then(|u| normalise_server_url(&u).ok()),
        };
        Ok(self
            .provider
            .services_for(server.as_ref(), &self.ui_language()))
    }
}

/// The account's files root: as discovered, else the Nextcloud default.
fn files_url_of(rec: &AccountRecord, server: &Url) -> Url {
    rec.files_url
        .as_deref()
        .and_then(|u| Url::parse(u).ok())
        .unwrap_or_else(|| files_root(server, &rec.user_id))
}

/// A DAV client signed in as the account.
/// What the calendars and contacts of an account need (see
/// [`App::pim_client`]).
#[derive(Debug, Clone)]
pub struct PimAccess {
    pub client: cc_dav::DavClient,
    pub server: Url,
    pub calendar_home: Option<Url>,
    pub contacts_home: Option<Url>,
}

fn dav_for(
    rec: &AccountRecord,
    password: String,
    retries: u32,
) -> Result<cc_dav::DavClient, Error> {
    Ok(dav_client(
        Credentials {
            user: rec.login_name.clone(),
            password,
        },
        retries,
    )?)
}

impl App {
    /// Every local folder of an account's files: its own folder and the
    /// local root of each of its pairs, each once.
    fn account_folders(&self, id: i64) -> Result<Vec<std::path::PathBuf>, Error> {
        let mut folders = self.with_store(|s| records::local_folders(s.connection(), id))?;
        let store = self.store.lock().map_err(|_| Error::poisoned())?;
        for root in cc_files::journal::local_roots(store.connection(), Some(id))? {
            if !folders.contains(&root) {
                folders.push(root);
            }
        }
        Ok(folders)
    }
}
