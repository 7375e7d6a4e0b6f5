//! Provider profiles: which cooperative the app serves, as data.
//!
//! A profile names the provider in each language, gives its colours and
//! logo, the servers a member can sign in to (fixed addresses, a
//! per-organisation template such as `https://{organisation}.frama.space`,
//! or any address the member types) and the services of the launcher. The
//! schema is documented in `providers/README.md`; every built-in profile is
//! embedded in the binary, and `$COMMONSCLOUD_PROVIDER` picks another one
//! (a built-in id or a `.toml` file) with no code change.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use url::Url;

/// Languages the UI is translated into.
pub const LANGUAGES: &[&str] = &["ca", "es", "en"];

/// The environment variable naming the default provider profile: the id of
/// a built-in profile (`framaspace`) or the path of a `.toml` file.
pub const PROVIDER_ENV: &str = "COMMONSCLOUD_PROVIDER";

/// The schema version this build reads.
pub const SCHEMA: u32 = 1;

/// The placeholder of a per-organisation server template.
pub const ORGANISATION_PLACEHOLDER: &str = "{organisation}";

/// Largest logo file read from disk.
const MAX_LOGO_BYTES: u64 = 1024 * 1024;

struct Builtin {
    id: &'static str,
    toml: &'static str,
    /// The logo named by the profile, embedded: (path as written, bytes).
    logo: Option<(&'static str, &'static [u8])>,
}

/// The built-in profiles; the first is the default.
const BUILTINS: &[Builtin] = &[
    Builtin {
        id: "commonscloud",
        toml: include_str!("../../../providers/commonscloud.toml"),
        logo: Some((
            "logos/commonscloud.svg",
            include_bytes!("../../../providers/logos/commonscloud.svg"),
        )),
    },
    Builtin {
        id: "framaspace",
        toml: include_str!("../../../providers/framaspace.toml"),
        logo: None,
    },
    Builtin {
        id: "nextcloud",
        toml: include_str!("../../../providers/nextcloud.toml"),
        logo: None,
    },
];

/// Why a profile could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("cannot read provider profile {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "provider profile {origin}: schema {found} is not supported (this app reads schema {SCHEMA})"
    )]
    Schema { origin: String, found: u32 },
    #[error("provider profile {origin}: {what}")]
    Invalid { origin: String, what: String },
    #[error("no built-in provider profile {id:?}; built-in: {}", known.join(", "))]
    UnknownId { id: String, known: Vec<String> },
    #[error("provider {provider} has no server {server:?}")]
    UnknownServer { provider: String, server: String },
    #[error(
        "{0:?} is not an organisation name: use lower-case letters, digits and dashes (as in the address)"
    )]
    BadOrganisation(String),
    #[error("provider {0} does not allow other servers: choose one of its servers")]
    CustomServerNotAllowed(String),
    #[error("provider {0} has no default server: give the server's address")]
    NoDefaultServer(String),
}

/// Where a profile came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Origin {
    #[default]
    Builtin,
    /// The folder of the profile file (its logo path is relative to it).
    File(PathBuf),
}

/// The app's palette, as `#rrggbb`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Colors {
    pub primary: String,
    pub primary_dark: String,
    pub on_primary: String,
    pub tint: String,
}

/// A server a member can choose.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ServerPreset {
    pub id: String,
    /// A fixed address.
    #[serde(default)]
    pub url: Option<String>,
    /// An address with `{organisation}` in its host name.
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub label: BTreeMap<String, String>,
}

/// Whether the member may type any server address.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields)]
pub struct CustomServer {
    #[serde(default)]
    pub allowed: bool,
    /// What the address field shows as an example, per language (an
    /// example with words in it must be translated: `oficina.<el-vostre-
    /// domini>`); a plain string is the same in every language.
    #[serde(default, deserialize_with = "per_language")]
    pub hint: BTreeMap<String, String>,
    #[serde(default)]
    pub label: BTreeMap<String, String>,
}

/// A text given once for every language, or as a table per language.
fn per_language<'de, D>(d: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        One(String),
        Per(BTreeMap<String, String>),
    }
    Ok(match Text::deserialize(d)? {
        Text::One(s) => BTreeMap::from([("*".to_owned(), s)]),
        Text::Per(m) => m,
    })
}

/// What a service of the launcher is, so the UI can pick an icon.
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    Office,
    Video,
    Mail,
    Forum,
    Erp,
    Forms,
    Help,
    Other,
}

/// How "Start a meeting" makes a room with a video service.
#[derive(Debug, Clone, Copy, Deserialize, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MeetingKind {
    /// A public Nextcloud Talk room on the member's server (only when the
    /// server's capabilities show Talk).
    Talk,
    /// A new room with an unguessable name on the service's Jitsi host.
    Jitsi,
    /// The service's page itself (BigBlueButton has no public API to make
    /// a room: the member starts one there; its address is the link).
    Page,
}

/// A service of the launcher: a fixed `url`, or a `path` on the member's
/// own server.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ServiceDef {
    pub id: String,
    pub kind: ServiceKind,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    /// Checked by [`Provider::parse`]: a service without a name in the
    /// default language is refused on its own.
    #[serde(default)]
    pub name: BTreeMap<String, String>,
    /// The Nextcloud app (its id in the server's navigation, `bbb`,
    /// `spreed`, `mail`) the service needs: shown only when the member's
    /// server lists that app.
    #[serde(default)]
    pub server_app: Option<String>,
    /// An `.svg` or `.png` file beside the profile (else the kind's icon).
    #[serde(default)]
    pub icon: Option<String>,
    /// Video services: how "Start a meeting" makes a room.
    #[serde(default)]
    pub meeting: Option<MeetingKind>,
    /// Mail services: the address of a new message, `{to}` standing for
    /// the recipient (an `https` URL, or a path on the member's server).
    #[serde(default)]
    pub compose: Option<String>,
}

/// A service resolved for one account: its name in a language and address.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceLink {
    pub id: String,
    pub kind: ServiceKind,
    pub name: String,
    pub url: String,
    /// The Nextcloud app the service needs on the member's server.
    pub server_app: Option<String>,
    /// The icon file beside the profile ([`Provider::icon_bytes`]).
    pub icon: Option<String>,
    pub meeting: Option<MeetingKind>,
    /// The compose address, resolved, with `{to}` left in it.
    pub compose: Option<String>,
}

/// How the member picks the server to sign in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerChoice {
    /// The provider's first fixed server.
    Default,
    /// A server of the profile by id; `organisation` fills a template.
    Preset {
        id: String,
        organisation: Option<String>,
    },
    /// An address the member typed (allowed when `custom_server.allowed`).
    Custom(String),
}

/// How the app updates itself where it does (Windows and macOS: the
/// Linux packages are updated by the system's package manager).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Updates {
    /// Whether the app looks for new versions at all (`false`: the
    /// cooperative installs and updates the app for its members itself).
    #[serde(default = "yes")]
    pub check: bool,
    /// Where the signed update manifest is asked for, and nowhere else: an
    /// `https` address, which may hold Tauri's `{{target}}`, `{{arch}}` and
    /// `{{current_version}}`. Without it the app does not look.
    #[serde(default)]
    pub endpoint: Option<String>,
}

fn yes() -> bool {
    true
}

impl Default for Updates {
    fn default() -> Self {
        Updates {
            check: true,
            endpoint: None,
        }
    }
}

/// The placeholders an update endpoint may hold, with a sample value each
/// (to check the address they make).
const UPDATE_PLACEHOLDERS: [(&str, &str); 3] = [
    ("{{target}}", "windows"),
    ("{{arch}}", "x86_64"),
    ("{{current_version}}", "0.1.0"),
];

impl Updates {
    /// `endpoint` with a sample value in each placeholder Tauri fills in:
    /// the kind of address the updater will ask.
    pub fn sample_address(endpoint: &str) -> String {
        UPDATE_PLACEHOLDERS
            .iter()
            .fold(endpoint.to_owned(), |e, (p, v)| e.replace(p, v))
    }
}

/// A provider profile (schema 1).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub schema: u32,
    pub id: String,
    /// The product name: the app's title and tray label.
    pub brand: String,
    pub default_language: String,
    pub languages: Vec<String>,
    /// A logo file, relative to the profile's folder.
    #[serde(default)]
    pub logo: Option<String>,
    pub sign_up_url: String,
    /// An `https` address, or a path on the member's server.
    pub password_reset_url: String,
    /// The provider's name in each language.
    pub name: BTreeMap<String, String>,
    pub colors: Colors,
    #[serde(default, rename = "server")]
    pub servers: Vec<ServerPreset>,
    #[serde(default)]
    pub custom_server: CustomServer,
    #[serde(default, rename = "service")]
    pub services: Vec<ServiceDef>,
    #[serde(default)]
    pub updates: Updates,
    /// Services of the file that were refused, each with why (the rest of
    /// the profile is used; the launcher shows these messages).
    #[serde(skip)]
    pub refused_services: Vec<String>,
    #[serde(skip)]
    pub origin: Origin,
}

impl Provider {
    /// The built-in CommonsCloud profile.
    pub fn builtin() -> Self {
        Self::by_id(BUILTINS[0].id).expect("the built-in provider profiles are valid (tested)")
    }

    /// Ids of the built-in profiles, the default first.
    pub fn builtin_ids() -> Vec<&'static str> {
        BUILTINS.iter().map(|b| b.id).collect()
    }

    /// A built-in profile by id.
    pub fn by_id(id: &str) -> Result<Self, ProviderError> {
        let b = BUILTINS
            .iter()
            .find(|b| b.id == id)
            .ok_or_else(|| ProviderError::UnknownId {
                id: id.to_owned(),
                known: Self::builtin_ids().iter().map(|s| s.to_string()).collect(),
            })?;
        Self::parse(b.toml, &format!("built-in {}.toml", b.id))
    }

    /// A built-in id, or a path to a `.toml` file (anything with a path
    /// separator or ending in `.toml`).
    pub fn by_id_or_path(value: &str) -> Result<Self, ProviderError> {
        if value.ends_with(".toml")
            || value.contains(std::path::MAIN_SEPARATOR)
            || value.contains('/')
        {
            Self::load(Path::new(value))
        } else {
            Self::by_id(value)
        }
    }

    /// The profile named by `$COMMONSCLOUD_PROVIDER`, or the built-in one.
    pub fn from_env_or_default() -> Result<Self, ProviderError> {
        match std::env::var(PROVIDER_ENV).ok().filter(|v| !v.is_empty()) {
            Some(v) => Self::by_id_or_path(&v),
            None => Ok(Self::builtin()),
        }
    }

    /// Loads and validates a profile file; its logo must exist beside it.
    pub fn load(path: &Path) -> Result<Self, ProviderError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProviderError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let mut p = Self::parse(&text, &path.display().to_string())?;
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        p.origin = Origin::File(dir);
        if p.logo.is_some() {
            // Fail now, not when the UI first draws the logo.
            p.logo_bytes()?;
        }
        Ok(p)
    }

    /// Parses and validates a profile; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ProviderError> {
        let bad = |what: String| ProviderError::Invalid {
            origin: origin.to_owned(),
            what,
        };
        // Read the schema version first, so a profile of a newer schema is
        // reported as such rather than as a field error.
        #[derive(Deserialize)]
        struct Head {
            schema: u32,
        }
        let head: Head = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        if head.schema != SCHEMA {
            return Err(ProviderError::Schema {
                origin: origin.to_owned(),
                found: head.schema,
            });
        }
        let mut p: Provider = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        p.validate().map_err(bad)?;
        p.keep_valid_services();
        Ok(p)
    }

    fn validate(&self) -> Result<(), String> {
        if !is_id(&self.id) {
            return Err(format!("id {:?} must match [a-z0-9-]+", self.id));
        }
        if self.brand.trim().is_empty() {
            return Err("brand must not be empty".into());
        }
        if !LANGUAGES.contains(&self.default_language.as_str()) {
            return Err(format!(
                "default_language {:?} is not one of {LANGUAGES:?}",
                self.default_language
            ));
        }
        if !self.name.contains_key(&self.default_language) {
            return Err("no name in the default language".into());
        }
        check_https("sign_up_url", &self.sign_up_url)?;
        check_link("password_reset_url", &self.password_reset_url)?;
        for (key, c) in [
            ("primary", &self.colors.primary),
            ("primary_dark", &self.colors.primary_dark),
            ("on_primary", &self.colors.on_primary),
            ("tint", &self.colors.tint),
        ] {
            let ok =
                c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit());
            if !ok {
                return Err(format!("colors.{key} {c:?} must be #rrggbb"));
            }
        }
        if let Some(logo) = &self.logo {
            check_beside("logo", logo)?;
        }
        let mut ids = std::collections::HashSet::new();
        for s in &self.servers {
            if !is_id(&s.id) || !ids.insert(("server", s.id.as_str())) {
                return Err(format!("server id {:?} is invalid or repeated", s.id));
            }
            match (&s.url, &s.template) {
                (Some(url), None) => check_https(&format!("server {} url", s.id), url)?,
                (None, Some(t)) => {
                    if t.matches(ORGANISATION_PLACEHOLDER).count() != 1 {
                        return Err(format!(
                            "server {} template {t:?} must hold {ORGANISATION_PLACEHOLDER} once",
                            s.id
                        ));
                    }
                    let sample = t.replace(ORGANISATION_PLACEHOLDER, "example");
                    check_https(&format!("server {} template", s.id), &sample)?;
                    let host = Url::parse(&sample)
                        .ok()
                        .and_then(|u| u.host_str().map(str::to_owned))
                        .unwrap_or_default();
                    if !host.contains("example") {
                        return Err(format!(
                            "server {} template {t:?}: {ORGANISATION_PLACEHOLDER} must be in the host name",
                            s.id
                        ));
                    }
                }
                _ => {
                    return Err(format!(
                        "server {} needs exactly one of url and template",
                        s.id
                    ));
                }
            }
        }
        if let Some(endpoint) = &self.updates.endpoint {
            let sample = Updates::sample_address(endpoint);
            if sample.contains("{{") {
                return Err(format!(
                    "updates.endpoint {endpoint:?}: only {{{{target}}}}, {{{{arch}}}} and {{{{current_version}}}} may be filled in"
                ));
            }
            check_https("updates.endpoint", &sample)?;
            // The address asked is the profile's own: placeholders only in
            // its path, never in the host.
            let host_end = endpoint
                .find("://")
                .map(|i| i + 3)
                .map(|start| {
                    endpoint[start..]
                        .find('/')
                        .map_or(endpoint.len(), |j| start + j)
                })
                .unwrap_or(endpoint.len());
            if endpoint[..host_end].contains("{{") {
                return Err(format!(
                    "updates.endpoint {endpoint:?}: the host must be written out (placeholders only in the path)"
                ));
            }
        }
        if self.servers.is_empty() && !self.custom_server.allowed {
            return Err("no server to sign in to: add a [[server]] or allow custom_server".into());
        }
        Ok(())
    }

    /// Drops the services that are not valid, each with a message in
    /// [`refused_services`](Self::refused_services): one bad entry must
    /// not hide the cooperative's other services.
    fn keep_valid_services(&mut self) {
        let mut ids = std::collections::HashSet::new();
        let mut refused = Vec::new();
        self.services.retain(|s| {
            let check = check_service(s, &self.default_language).and_then(|()| {
                if ids.insert(s.id.clone()) {
                    Ok(())
                } else {
                    Err(format!("service id {:?} is repeated", s.id))
                }
            });
            match check {
                Ok(()) => true,
                Err(why) => {
                    tracing::warn!(provider = %self.id, %why, "service refused");
                    refused.push(why);
                    false
                }
            }
        });
        self.refused_services = refused;
    }

    /// The provider's name in `language`, or in its default language.
    pub fn display_name(&self, language: &str) -> String {
        pick(&self.name, language, &self.default_language).unwrap_or_else(|| self.id.clone())
    }

    /// The logo's bytes: embedded for built-in profiles, read from beside the
    /// file otherwise. `None` when the profile has no logo.
    pub fn logo_bytes(&self) -> Result<Option<Cow<'static, [u8]>>, ProviderError> {
        let Some(logo) = &self.logo else {
            return Ok(None);
        };
        match &self.origin {
            Origin::Builtin => Ok(BUILTINS
                .iter()
                .find(|b| b.id == self.id)
                .and_then(|b| b.logo)
                .filter(|(path, _)| path == logo)
                .map(|(_, bytes)| Cow::Borrowed(bytes))),
            Origin::File(dir) => read_small(&dir.join(logo), "logo").map(|b| Some(Cow::Owned(b))),
        }
    }

    /// The server address for the member's choice. Custom addresses are
    /// only parsed here; the transport rule is checked when connecting.
    pub fn server_url(&self, choice: &ServerChoice) -> Result<String, ProviderError> {
        match choice {
            ServerChoice::Default => self
                .servers
                .iter()
                .find_map(|s| s.url.clone())
                .ok_or_else(|| ProviderError::NoDefaultServer(self.id.clone())),
            ServerChoice::Preset { id, organisation } => {
                let s = self.servers.iter().find(|s| &s.id == id).ok_or_else(|| {
                    ProviderError::UnknownServer {
                        provider: self.id.clone(),
                        server: id.clone(),
                    }
                })?;
                match (&s.url, &s.template) {
                    (Some(url), _) => Ok(url.clone()),
                    (None, Some(t)) => {
                        let org = organisation.as_deref().unwrap_or("").trim();
                        if !is_dns_label(org) {
                            return Err(ProviderError::BadOrganisation(org.to_owned()));
                        }
                        Ok(t.replace(ORGANISATION_PLACEHOLDER, org))
                    }
                    (None, None) => unreachable!("validated: a server has a url or a template"),
                }
            }
            ServerChoice::Custom(url) => {
                if self.custom_server.allowed {
                    Ok(url.clone())
                } else {
                    Err(ProviderError::CustomServerNotAllowed(self.id.clone()))
                }
            }
        }
    }

    /// The launcher's services for an account on `server`, named in
    /// `language`. Without a server, the services on the member's own
    /// server are left out.
    pub fn services_for(&self, server: Option<&Url>, language: &str) -> Vec<ServiceLink> {
        self.services
            .iter()
            .filter_map(|s| {
                let url = match (&s.url, &s.path) {
                    (Some(u), _) => u.clone(),
                    (None, Some(p)) => server?.join(p).ok()?.to_string(),
                    (None, None) => return None,
                };
                let compose = match &s.compose {
                    Some(c) if c.contains("://") => Some(c.clone()),
                    // `{to}` is kept as typed: `Url::join` would encode it.
                    Some(c) => Some(format!("{}{c}", server?.as_str())),
                    None => None,
                };
                Some(ServiceLink {
                    id: s.id.clone(),
                    kind: s.kind,
                    name: pick(&s.name, language, &self.default_language)
                        .unwrap_or_else(|| s.id.clone()),
                    url,
                    server_app: s.server_app.clone(),
                    icon: s.icon.clone(),
                    meeting: s.meeting,
                    compose,
                })
            })
            .collect()
    }

    /// A service icon's bytes, read from beside the profile file (at most
    /// 1 MiB). Built-in profiles have none: the UI draws the kind's icon.
    pub fn icon_bytes(&self, icon: &str) -> Result<Option<Vec<u8>>, ProviderError> {
        if !self
            .services
            .iter()
            .any(|s| s.icon.as_deref() == Some(icon))
        {
            return Ok(None);
        }
        let Origin::File(dir) = &self.origin else {
            return Ok(None);
        };
        read_small(&dir.join(icon), "icon").map(Some)
    }

    /// Where a member resets a forgotten password: the provider's page, or
    /// a page of `server` when the profile gives a path.
    pub fn password_reset_for(&self, server: Option<&Url>) -> Option<String> {
        if self.password_reset_url.starts_with("https://") {
            return Some(self.password_reset_url.clone());
        }
        server
            .and_then(|s| s.join(&self.password_reset_url).ok())
            .map(|u| u.to_string())
    }
}

/// Whether a `[[service]]` is usable; why not.
fn check_service(s: &ServiceDef, default_language: &str) -> Result<(), String> {
    if !is_id(&s.id) {
        return Err(format!("service id {:?} must match [a-z0-9-]+", s.id));
    }
    if s.name
        .get(default_language)
        .is_none_or(|n| n.trim().is_empty())
    {
        return Err(format!(
            "service {} has no name in the default language ({default_language})",
            s.id
        ));
    }
    match (&s.url, &s.path) {
        (Some(url), None) => check_https(&format!("service {} url", s.id), url)?,
        (None, Some(path)) => check_relative(&format!("service {} path", s.id), path)?,
        _ => {
            return Err(format!(
                "service {} needs exactly one of url and path",
                s.id
            ));
        }
    }
    if let Some(app) = &s.server_app {
        let ok = !app.is_empty()
            && app
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !ok {
            return Err(format!(
                "service {} server_app {app:?} is not an app id",
                s.id
            ));
        }
    }
    if let Some(icon) = &s.icon {
        check_beside("icon", icon)?;
    }
    if s.meeting.is_some() && s.kind != ServiceKind::Video {
        return Err(format!(
            "service {}: only video services start meetings",
            s.id
        ));
    }
    if s.meeting == Some(MeetingKind::Jitsi) && s.url.is_none() {
        return Err(format!(
            "service {}: a Jitsi service needs the host's url",
            s.id
        ));
    }
    if let Some(compose) = &s.compose {
        if s.kind != ServiceKind::Mail {
            return Err(format!("service {}: only mail services compose", s.id));
        }
        if compose.matches("{to}").count() != 1 {
            return Err(format!(
                "service {} compose {compose:?} must hold {{to}} once",
                s.id
            ));
        }
        check_link(
            &format!("service {} compose", s.id),
            &compose.replace("{to}", "x"),
        )?;
    }
    Ok(())
}

/// Reads a logo or icon beside a profile (at most 1 MiB).
fn read_small(path: &Path, what: &str) -> Result<Vec<u8>, ProviderError> {
    let meta = std::fs::metadata(path).map_err(|source| ProviderError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.len() > MAX_LOGO_BYTES {
        return Err(ProviderError::Invalid {
            origin: path.display().to_string(),
            what: format!("the {what} is larger than {MAX_LOGO_BYTES} bytes"),
        });
    }
    std::fs::read(path).map_err(|source| ProviderError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// A file beside the profile: a relative path without `..`, `.svg` or `.png`.
fn check_beside(key: &str, file: &str) -> Result<(), String> {
    let p = Path::new(file);
    if p.is_absolute()
        || p.components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(format!(
            "{key} {file:?} must be a path inside the profile's folder"
        ));
    }
    if !(file.ends_with(".svg") || file.ends_with(".png")) {
        return Err(format!("{key} {file:?} must be an .svg or .png file"));
    }
    Ok(())
}

fn pick(map: &BTreeMap<String, String>, language: &str, default: &str) -> Option<String> {
    map.get(language).or_else(|| map.get(default)).cloned()
}

fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// One DNS label: what may fill `{organisation}` without changing which
/// host the address names (no dots, slashes, `@` or ports).
fn is_dns_label(s: &str) -> bool {
    (1..=63).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn check_https(key: &str, url: &str) -> Result<(), String> {
    match Url::parse(url) {
        Ok(u) if u.scheme() == "https" && u.host_str().is_some() => Ok(()),
        _ => Err(format!("{key} {url:?} must be an https URL")),
    }
}

/// An `https` URL or a relative path (resolved against the member's server).
fn check_link(key: &str, value: &str) -> Result<(), String> {
    if value.contains("://") {
        check_https(key, value)
    } else {
        check_relative(key, value)
    }
}

fn check_relative(key: &str, path: &str) -> Result<(), String> {
    let ok = !path.starts_with('/')
        && !path.contains("://")
        && !path.contains("..")
        && !path.chars().any(|c| c.is_control() || c == '\\');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{key} {path:?} must be a relative path on the member's server (no leading /, no ..)"
        ))
    }
}
