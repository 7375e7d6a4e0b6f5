//! App passwords in the OS keyring, and nowhere else.
//!
//! Secret Service (gnome-keyring, KeePassXC, KWallet's bridge) on Linux,
//! the Keychain on macOS, the Credential Manager on Windows, through the
//! `keyring` crate. One entry per account: service
//! [`KEYRING_SERVICE`], user the account's key (`<user id>@<server>`).
//! When no keyring is reachable the error says how to fix it; there is no
//! plaintext fallback.
//!
//! The calls block (D-Bus round trips): async callers run them on
//! `tokio::task::spawn_blocking`.

/// The keyring service name of every CommonsCloud Desktop entry.
pub const KEYRING_SERVICE: &str = "coop.commonscloud.desktop";

#[cfg(target_os = "linux")]
const HOW_TO_FIX: &str = "no Secret Service on the session bus: install and unlock gnome-keyring \
     or KeePassXC (with its Secret Service integration on), then try again";
#[cfg(target_os = "macos")]
const HOW_TO_FIX: &str =
    "the macOS Keychain is not reachable: unlock your login keychain, then try again";
#[cfg(target_os = "windows")]
const HOW_TO_FIX: &str =
    "the Windows Credential Manager is not reachable: sign in to Windows normally, then try again";
#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
const HOW_TO_FIX: &str = "no OS keyring is reachable: install and unlock one, then try again";

const LOCKED: &str = "the keyring is locked or refused access: unlock it (or answer its \
     prompt), then try again";

/// What went wrong with the keyring.
#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    /// No keyring to talk to, or it is locked: the member must act; `fix`
    /// says how.
    #[error("{fix} ({detail})")]
    Unavailable { fix: &'static str, detail: String },
    /// The account has no secret in the keyring (removed by hand?).
    #[error("the keyring has no app password for {0}: sign in again")]
    Missing(String),
    #[error("the keyring failed: {0}")]
    Failed(String),
}

/// The OS keyring, for one service name.
#[derive(Debug, Clone)]
pub struct Keyring {
    service: String,
}

impl Default for Keyring {
    fn default() -> Self {
        Keyring {
            service: KEYRING_SERVICE.to_owned(),
        }
    }
}

impl Keyring {
    /// The keyring under another service name (side-by-side installs).
    pub fn with_service(service: &str) -> Self {
        Keyring {
            service: service.to_owned(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, account_key: &str) -> Result<keyring::Entry, KeyringError> {
        keyring::Entry::new(&self.service, account_key).map_err(map_error)
    }

    /// Stores (or replaces) the app password of an account.
    pub fn store(&self, account_key: &str, secret: &str) -> Result<(), KeyringError> {
        self.entry(account_key)?
            .set_password(secret)
            .map_err(map_error)?;
        tracing::info!(account = account_key, "app password stored in the keyring");
        Ok(())
    }

    /// The app password of an account.
    pub fn read(&self, account_key: &str) -> Result<String, KeyringError> {
        match self.entry(account_key)?.get_password() {
            Ok(s) => Ok(s),
            Err(keyring::Error::NoEntry) => Err(KeyringError::Missing(account_key.to_owned())),
            Err(e) => Err(map_error(e)),
        }
    }

    /// Removes the app password of an account; `false` when there was none.
    pub fn delete(&self, account_key: &str) -> Result<bool, KeyringError> {
        match self.entry(account_key)?.delete_credential() {
            Ok(()) => {
                tracing::info!(
                    account = account_key,
                    "app password removed from the keyring"
                );
                Ok(true)
            }
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(map_error(e)),
        }
    }
}

/// `PlatformFailure` is what a missing D-Bus session or Secret Service
/// gives; `NoStorageAccess` a locked keyring or a dismissed prompt. Both
/// leave the member a thing to fix, never a reason to write the secret
/// elsewhere.
fn map_error(e: keyring::Error) -> KeyringError {
    match e {
        keyring::Error::PlatformFailure(inner) => KeyringError::Unavailable {
            fix: HOW_TO_FIX,
            detail: inner.to_string(),
        },
        keyring::Error::NoStorageAccess(inner) => KeyringError::Unavailable {
            fix: LOCKED,
            detail: inner.to_string(),
        },
        other => KeyringError::Failed(other.to_string()),
    }
}
