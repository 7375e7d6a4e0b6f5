//! The façade of CommonsCloud Desktop.
//!
//! The desktop shell and the command line call only this crate. Its
//! functions take and return plain serialisable types, and every failure is
//! an [`Error`] with a stable [`ErrorCode`] the UI translates, so no caller
//! ever matches on message strings.

mod accounts;
pub mod autostart;
mod error;
mod folders;
mod launcher;
mod notices;
mod pim;
pub mod provider;
mod push;
mod settings;
mod sync;
mod updates;
mod view;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use ts_rs::TS;

pub use accounts::{Account, LoginStarted, PimAccess, ServerCheck, SignOutReport};
pub use autostart::{StartAtLogin, XdgAutostart};
pub use cc_account::health::Health;
pub use cc_account::{HttpConfig, Keyring, PollPolicy};
pub use cc_pim::edit::{Address, ContactFields, EventFields, Typed};
pub use error::{Error, ErrorCode};
pub use launcher::{AccountOverview, DocCreator, Launcher, Meeting, Opened, ServiceTile};
pub use notices::{NoticeButton, ServerNotice};
pub use pim::{
    CalendarEntry, ContactDetail, ContactGroup, ContactSummary, EditScope, EventDetail,
    ImportReport, PimCollection, PimKind, PimStatus, Reminder, SaveContact, SaveEvent,
};
pub use provider::{Provider, ServerChoice, ServiceLink};
use serde::Serialize;
pub use settings::{Settings, SettingsPatch};
pub use sync::{EventSink, Notice, NoticeKind, Overall, SyncEvent};
pub use updates::{UPDATES_ITSELF, UpdateChannel, UpdateCheck, UpdatesOff, update_channel};
pub use view::{
    ActivityItem, Conflict, FolderPair, FolderStatus, LocalFolderCheck, MassDelete, NewFolderPair,
    NotSynced, RemoteFolder, Resolution, SyncProgress,
};

/// Languages the UI is translated into.
pub const LANGUAGES: &[&str] = cc_account::provider::LANGUAGES;

use settings::LANGUAGE_KEY;

/// The UI language for an OS locale (`ca-ES`, `es_ES.UTF-8`, `en`), or
/// `None` when the UI is not translated into it (`C`, `POSIX`, `fr-FR`).
pub fn language_of_locale(locale: &str) -> Option<String> {
    let lang = locale
        .split(['-', '_', '.', '@'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    LANGUAGES.contains(&lang.as_str()).then_some(lang)
}

/// Where the state file lives unless told otherwise:
/// `$COMMONSCLOUD_STATE`, else the user's data folder.
pub fn default_state_path() -> Result<std::path::PathBuf, Error> {
    Ok(cc_store::default_state_path()?)
}

/// What the UI needs to know to draw its first screen.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The provider's brand: the app's title (`CommonsCloud`).
    pub name: String,
    pub version: String,
    /// The OS locale as the OS spells it (`ca-ES`, `es_ES.UTF-8`, ...).
    pub locale: Option<String>,
    pub default_language: String,
    pub sign_up_url: String,
    /// The provider profile's id (`commonscloud`).
    pub provider_id: String,
    /// The provider's name in each language (`ca`: `SomNúvol`, ...).
    pub names: BTreeMap<String, String>,
    pub colors: ColorsInfo,
    /// Where a member resets a forgotten password, when the provider has
    /// one page for it (otherwise each server's login page has the link).
    pub password_reset_url: Option<String>,
    /// Whether the member may type any server address, and its example.
    pub custom_server_allowed: bool,
    /// The example, per language (`*`: the same in every language).
    pub custom_server_hint: BTreeMap<String, String>,
    /// What the "another server" choice is called, in each language.
    pub custom_server_label: BTreeMap<String, String>,
    /// The servers of the profile the member picks from.
    pub servers: Vec<ServerInfo>,
}

/// A server of the provider profile, as the first onboarding screen shows
/// it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ServerPreset")]
pub struct ServerInfo {
    pub id: String,
    pub url: Option<String>,
    /// An address with `{organisation}` in it.
    pub template: Option<String>,
    pub label: BTreeMap<String, String>,
}

/// The provider's palette (`#rrggbb`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct ColorsInfo {
    pub primary: String,
    pub primary_dark: String,
    pub on_primary: String,
    pub tint: String,
}

// The desktop shell keeps the app in Tauri's state, shared by threads.
const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<App>();
};

/// One running app: the provider profile, the state store, the keyring
/// and the sign-ins in progress.
#[derive(Debug)]
pub struct App {
    provider: Provider,
    store: Mutex<cc_store::Store>,
    keyring: Keyring,
    http: HttpConfig,
    poll: PollPolicy,
    logins: Mutex<HashMap<u64, accounts::PendingLogin>>,
    next_login: AtomicU64,
    hub: std::sync::Arc<sync::Hub>,
    /// The Services page's tiles as last made (the tray's submenu).
    services_seen: Mutex<Vec<launcher::ServiceTile>>,
}

impl App {
    /// Opens the app with the state file at `state` and the given provider.
    pub fn open(state: &Path, provider: Provider) -> Result<Self, Error> {
        let store = cc_store::Store::open(state)?;
        let hub = sync::Hub::new(store.path().to_path_buf());
        Ok(App {
            hub,
            provider,
            store: Mutex::new(store),
            keyring: Keyring::default(),
            http: HttpConfig::default(),
            poll: PollPolicy::default(),
            logins: Mutex::new(HashMap::new()),
            next_login: AtomicU64::new(1),
            services_seen: Mutex::new(Vec::new()),
        })
    }

    /// Changes how Login Flows are polled (the CLI's `--timeout`, tests).
    pub fn set_poll_policy(&mut self, poll: PollPolicy) {
        self.poll = poll;
    }

    /// Changes where deleted local files go (the system's trash unless
    /// told otherwise; tests keep them in their own folder). Passes
    /// started afterwards use it.
    pub fn set_trash(&self, trash: cc_files::trash::Trash) {
        self.hub.set_trash(trash);
    }

    /// Opens the app with its defaults: the state file from
    /// [`cc_store::default_state_path`] and the provider from
    /// [`Provider::from_env_or_default`].
    pub fn open_default() -> Result<Self, Error> {
        let provider = Provider::from_env_or_default()?;
        Self::open(&default_state_path()?, provider)
    }

    pub fn provider(&self) -> &Provider {
        &self.provider
    }

    /// What the first screen needs.
    pub fn info(&self) -> AppInfo {
        let p = &self.provider;
        AppInfo {
            name: p.brand.clone(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            locale: sys_locale::get_locale(),
            default_language: p.default_language.clone(),
            sign_up_url: p.sign_up_url.clone(),
            provider_id: p.id.clone(),
            names: p.name.clone(),
            colors: ColorsInfo {
                primary: p.colors.primary.clone(),
                primary_dark: p.colors.primary_dark.clone(),
                on_primary: p.colors.on_primary.clone(),
                tint: p.colors.tint.clone(),
            },
            password_reset_url: p.password_reset_for(None),
            custom_server_allowed: p.custom_server.allowed,
            custom_server_hint: p.custom_server.hint.clone(),
            custom_server_label: p.custom_server.label.clone(),
            servers: p
                .servers
                .iter()
                .map(|s| ServerInfo {
                    id: s.id.clone(),
                    url: s.url.clone(),
                    template: s.template.clone(),
                    label: s.label.clone(),
                })
                .collect(),
        }
    }

    /// Stores the member's UI language; refuses one the UI does not have.
    pub fn set_language(&self, language: &str) -> Result<(), Error> {
        if !LANGUAGES.contains(&language) {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("unknown language {language:?}; expected one of {LANGUAGES:?}"),
            ));
        }
        let store = self.store.lock().map_err(|_| Error::poisoned())?;
        store.set_setting(LANGUAGE_KEY, Some(language))?;
        Ok(())
    }

    /// The UI language: the member's choice, else the OS locale when the UI
    /// has it, else the provider's default.
    pub fn ui_language(&self) -> String {
        let chosen = self.settings().ok().and_then(|s| s.language);
        chosen
            .filter(|l| LANGUAGES.contains(&l.as_str()))
            .or_else(|| sys_locale::get_locale().and_then(|l| language_of_locale(&l)))
            .unwrap_or_else(|| self.provider.default_language.clone())
    }

    /// Checks that a URL the UI asks to open in the system browser is one
    /// the app may open: only `https`, and `http` whose host is this
    /// computer (tests, a local server). The address is parsed and its
    /// host checked, so `http://localhost@evil.example/` (a user name
    /// before another host) and `http://127.0.0.1.evil.example/` are
    /// refused; `javascript:`, `file:`, `data:` and any other scheme too,
    /// and any address with a user name or password in it
    /// (`https://commonscloud.coop@evil.example/` goes to evil.example).
    /// Returns the address as parsed: the one to open.
    pub fn check_external_url(&self, url: &str) -> Result<String, Error> {
        let refuse = |why: &str| {
            Err(Error::new(
                ErrorCode::InvalidInput,
                format!("refusing to open {url:?}: {why}"),
            ))
        };
        if url.chars().any(char::is_control) {
            return refuse("it has control characters");
        }
        let Ok(parsed) = url::Url::parse(url) else {
            return refuse("not an address");
        };
        if parsed.host().is_none() {
            return refuse("no host");
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return refuse("it names a user before the host");
        }
        match parsed.scheme() {
            "https" => Ok(parsed.into()),
            "http" if cc_dav::client::is_loopback(&parsed) => Ok(parsed.into()),
            _ => refuse("only https addresses are opened"),
        }
    }
}
