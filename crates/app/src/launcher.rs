//! The Services page: the cooperative's services in one click with the
//! same account (see `cc-services` and `providers/README.md`).
//!
//! - [`App::launcher`]: the profile's services merged with the server's
//!   apps, with safe icons and what was left out and why.
//! - [`App::account_overview`]: name, avatar, quota.
//! - [`App::new_document`], [`App::open_in_office`]: the web office, signed
//!   in through direct editing where the server has an editor.
//! - [`App::start_meeting`], [`App::compose_mail`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use cc_account::{Capabilities, ServiceLink, records};
use cc_dav::files::{Precondition, PutOptions};
use cc_services::navigation::{self, NavApp, Navigation};
use cc_services::odf::{self, DocKind};
use cc_services::{ServiceError, icon, mail, meeting, office};
use serde::Serialize;
use ts_rs::TS;
use url::Url;

use crate::{App, Error, ErrorCode};

/// What is asked of a file on the server.
const FILE_ID: [cc_dav::xml::QName; 1] = [cc_dav::xml::QName::new(cc_dav::xml::OC, "fileid")];

/// Pixels of an icon's side.
const ICON_SIZE: u32 = 64;
/// How long "Open in the Oficina" waits for a file not synced yet.
const SYNC_WAIT: Duration = Duration::from_secs(60);

/// One tile of the Services page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct ServiceTile {
    pub id: String,
    #[ts(type = "ServiceKind")]
    pub kind: String,
    pub name: String,
    pub url: String,
    /// A `data:image/png` URL (rasterised here), or none: the kind's icon.
    pub icon: Option<String>,
    /// An app of the member's server, not of the profile.
    pub from_server: bool,
}

/// Something "New" can make on the server besides the three office kinds.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct DocCreator {
    /// `document`, `spreadsheet`, `presentation`, or the server's creator id.
    pub id: String,
    /// The server's name for it (empty for the three office kinds: the UI
    /// names them).
    pub name: String,
    pub extension: String,
}

/// The Services page's content.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct Launcher {
    pub account_id: Option<i64>,
    pub services: Vec<ServiceTile>,
    /// What was left out (of the profile or the server's list) and why.
    pub refused: Vec<String>,
    /// What "New" can make.
    pub creators: Vec<DocCreator>,
    /// The service "Start a meeting" uses, when one can.
    pub meeting: Option<String>,
    /// The server could not be asked: only the profile's services show.
    pub offline: bool,
}

/// The account as the Services page shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountOverview {
    pub account_id: i64,
    pub user_id: String,
    pub display_name: Option<String>,
    pub server: String,
    /// `data:image/png;base64,…`, from the server.
    pub avatar: Option<String>,
    pub quota_used: Option<u64>,
    /// `None`: no limit.
    pub quota_total: Option<u64>,
    /// The member's settings on the web.
    pub settings_url: String,
}

/// A file opened (or made) in the web office.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct Opened {
    /// The page to open in the browser.
    pub url: String,
    /// The file on the server, from the account's files root.
    pub remote_path: String,
    pub file_id: Option<String>,
    /// `direct_editing` (a one-time URL, signed in) or `file_page`
    /// (`index.php/f/<id>`).
    pub how: String,
}

/// A meeting room made.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct Meeting {
    pub url: String,
    /// The service's name.
    pub service: String,
    /// `talk`, `jitsi` or `page`.
    pub kind: String,
}

/// How a kind (`ServiceKind`, `DocKind`) is named in profiles and to the
/// UI: its serde name (`office`, `spreadsheet`).
fn kind_name(k: impl Serialize) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn data_url(png: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

impl From<ServiceError> for Error {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Account(a) => a.into(),
            ServiceError::Dav(d) => cc_account::AccountError::Dav(d).into(),
            ServiceError::Refused(m) => Error::new(ErrorCode::Server, m),
            ServiceError::Unavailable(m) => Error::new(ErrorCode::NotFound, m),
        }
    }
}

/// Whether the profile's service already is the server's app `nav`.
fn covers(s: &ServiceLink, nav: &NavApp, server: &Url) -> bool {
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    s.server_app.as_deref() == Some(nav.id.as_str())
        || same(&s.url, nav.href.as_str())
        || s.url.contains(&format!("/apps/{}/", nav.id))
        || (nav.default && same(&s.url, server.as_str()))
}

/// The profile's services the server supports, then the server's apps no
/// service of the profile already is.
pub(crate) fn merge(
    profile: &[ServiceLink],
    nav: Option<&Navigation>,
    server: Option<&Url>,
) -> Vec<(ServiceTile, Option<Url>)> {
    let mut out: Vec<(ServiceTile, Option<Url>)> = profile
        .iter()
        .filter(|s| match (&s.server_app, nav) {
            (Some(app), Some(nav)) => nav.has(app),
            (Some(_), None) => false,
            (None, _) => true,
        })
        .map(|s| {
            (
                ServiceTile {
                    id: s.id.clone(),
                    kind: kind_name(s.kind),
                    name: s.name.clone(),
                    url: s.url.clone(),
                    icon: None,
                    from_server: false,
                },
                None,
            )
        })
        .collect();
    if let (Some(nav), Some(server)) = (nav, server) {
        for app in &nav.apps {
            if profile.iter().any(|s| covers(s, app, server)) {
                continue;
            }
            out.push((
                ServiceTile {
                    id: format!("server-{}", app.id),
                    kind: "other".into(),
                    name: app.name.clone(),
                    url: app.href.to_string(),
                    icon: None,
                    from_server: true,
                },
                app.icon.clone(),
            ));
        }
    }
    out
}

impl App {
    /// The server client and credentials of a signed-in account.
    pub(crate) async fn nextcloud(
        &self,
        account_id: i64,
    ) -> Result<(cc_account::NextcloudClient, cc_dav::Credentials), Error> {
        let (rec, password, server) = self.signed_in(account_id).await?;
        let client = cc_account::NextcloudClient::new(&server, &self.http)?;
        Ok((
            client,
            cc_dav::Credentials {
                user: rec.login_name,
                password,
            },
        ))
    }

    /// The Services page for an account (or, without one, the profile's
    /// services on its default server).
    pub async fn launcher(&self, account_id: Option<i64>) -> Result<Launcher, Error> {
        let profile = self.services(account_id)?;
        let mut refused = self.provider().refused_services.clone();
        let mut tiles_and_icons;
        let mut creators: Vec<DocCreator> = DocKind::ALL
            .iter()
            .map(|k| DocCreator {
                id: kind_name(*k),
                name: String::new(),
                extension: k.extension().into(),
            })
            .collect();
        let mut offline = false;
        let mut meeting_name = None;
        let mut client_for_icons = None;
        match account_id {
            Some(id) => {
                // Signed out of the server (or no keyring now): the
                // profile's services still open; the server's wait.
                let (client, creds) = match self.nextcloud(id).await {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::info!(account = id, "services without the server: {}", e.message);
                        let services: Vec<ServiceTile> = merge(&profile, None, None)
                            .into_iter()
                            .map(|(t, _)| t)
                            .collect();
                        return Ok(Launcher {
                            account_id,
                            services,
                            refused,
                            creators: Vec::new(),
                            meeting: None,
                            offline: true,
                        });
                    }
                };
                let nav = match navigation::fetch(&client, &creds).await {
                    Ok(n) => Some(n),
                    Err(e) => {
                        tracing::info!(account = id, "the server's apps: {e}");
                        offline = true;
                        None
                    }
                };
                if let Some(n) = &nav {
                    refused.extend(n.refused.iter().cloned());
                }
                tiles_and_icons = merge(&profile, nav.as_ref(), Some(client.base()));
                if let Some(n) = &nav {
                    let talk = self.capabilities_of(id).is_some_and(|c| c.talk);
                    meeting_name = meeting::choose(&profile, talk, n).map(|(s, _)| s.name.clone());
                    if let Ok(editors) = office::editors(&client, &creds).await {
                        for c in &editors.creators {
                            let office_kind = DocKind::ALL
                                .iter()
                                .any(|k| editors.creator_for(*k) == Some(c));
                            if !office_kind && is_plain_name(&c.extension) {
                                creators.push(DocCreator {
                                    id: c.id.clone(),
                                    name: c.name.clone(),
                                    extension: c.extension.clone(),
                                });
                            }
                        }
                    }
                }
                client_for_icons = Some(client);
            }
            None => {
                creators.clear();
                tiles_and_icons = merge(&profile, None, None);
            }
        }
        // Icons: the profile's own files, or the server's (rasterised).
        for (tile, server_icon) in &mut tiles_and_icons {
            let bytes = if let Some(url) = server_icon {
                match &client_for_icons {
                    Some(c) => c
                        .get_bytes(url, None, icon::MAX_ICON_BYTES)
                        .await
                        .map(|(_, b)| b)
                        .map_err(|e| e.to_string()),
                    None => continue,
                }
            } else {
                match profile
                    .iter()
                    .find(|s| s.id == tile.id)
                    .and_then(|s| s.icon.clone())
                {
                    Some(file) => match self.provider().icon_bytes(&file) {
                        Ok(Some(b)) => Ok(b),
                        Ok(None) => continue,
                        Err(e) => Err(e.to_string()),
                    },
                    None => continue,
                }
            };
            match bytes.and_then(|b| icon::to_png(&b, ICON_SIZE)) {
                Ok(png) => tile.icon = Some(data_url(&png)),
                Err(why) => refused.push(format!("the icon of {:?}: {why}", tile.name)),
            }
        }
        let services: Vec<ServiceTile> = tiles_and_icons.into_iter().map(|(t, _)| t).collect();
        if let Ok(mut seen) = self.services_seen.lock() {
            seen.clone_from(&services);
        }
        Ok(Launcher {
            account_id,
            services,
            refused,
            creators,
            meeting: meeting_name,
            offline,
        })
    }

    /// The services for the tray's menu: the Services page's as last
    /// made, else the profile's that need no particular server app.
    pub fn tray_services(&self) -> Vec<ServiceTile> {
        let seen = self
            .services_seen
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default();
        if !seen.is_empty() {
            return seen;
        }
        let account = self.accounts().ok().and_then(|a| a.first().map(|a| a.id));
        let profile = self.services(account).unwrap_or_default();
        merge(&profile, None, None)
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }

    fn capabilities_of(&self, account_id: i64) -> Option<Capabilities> {
        let rec = self
            .with_store(|s| records::get(s.connection(), account_id))
            .ok()?;
        let raw: serde_json::Value = serde_json::from_str(rec.capabilities.as_deref()?).ok()?;
        Some(Capabilities::from_ocs_data(raw))
    }

    /// The account's name, avatar and quota, from the server.
    pub async fn account_overview(&self, account_id: i64) -> Result<AccountOverview, Error> {
        let (client, creds) = self.nextcloud(account_id).await?;
        let user = client.user(&creds).await?;
        let avatar_url = client
            .base()
            .join(&format!(
                "index.php/avatar/{}/64",
                percent_encoding::utf8_percent_encode(&user.id, percent_encoding::NON_ALPHANUMERIC)
            ))
            .map_err(|e| Error::new(ErrorCode::Server, e.to_string()))?;
        let avatar = match client
            .get_bytes(&avatar_url, Some(&creds), icon::MAX_ICON_BYTES)
            .await
        {
            Ok((_, bytes)) => icon::to_png(&bytes, 64).ok().map(|p| data_url(&p)),
            Err(e) => {
                tracing::debug!(account = account_id, "no avatar: {e}");
                None
            }
        };
        let settings_url = client
            .base()
            .join("index.php/settings/user")
            .map(String::from)
            .unwrap_or_default();
        Ok(AccountOverview {
            account_id,
            user_id: user.id,
            display_name: user.display_name,
            server: client.base().to_string(),
            avatar,
            quota_used: user.quota_used,
            quota_total: user.quota_total,
            settings_url,
        })
    }

    /// Makes a new document `name` of `kind` (`document`, `spreadsheet`,
    /// `presentation`, or one of the server's creators) in the synced folder
    /// `folder_id`, on the server, and the page that opens it. A name that
    /// is taken gets a number (`Acta (2).odt`); the folder syncs at once.
    pub async fn new_document(
        &self,
        folder_id: i64,
        kind: &str,
        name: &str,
    ) -> Result<Opened, Error> {
        let row = crate::folders::read_pair(self.store_conn()?.connection(), folder_id)?;
        let (client, creds) = self.nextcloud(row.account_id).await?;
        let editors = office::editors(&client, &creds).await.unwrap_or_default();
        let office_kind = DocKind::ALL.into_iter().find(|k| kind_name(*k) == kind);
        let creator = match office_kind {
            Some(k) => editors.creator_for(k).cloned(),
            None => Some(
                editors
                    .creators
                    .iter()
                    .find(|c| c.id == kind)
                    .cloned()
                    .ok_or_else(|| {
                        Error::new(
                            ErrorCode::InvalidInput,
                            format!("the server makes no {kind:?}"),
                        )
                    })?,
            ),
        };
        let extension = match (&creator, office_kind) {
            (Some(c), _) => c.extension.clone(),
            (None, Some(k)) => k.extension().to_owned(),
            (None, None) => unreachable!("a kind that is not an office kind has a creator"),
        };
        if !is_plain_name(&extension) {
            return Err(Error::new(
                ErrorCode::Server,
                format!("the server's extension {extension:?} is not a name"),
            ));
        }
        let base = clean_name(name)?;
        let (dav, _) = self.files_client(row.account_id).await?;
        let folder = cc_dav::href::as_collection(&row.remote_url);
        let mut attempt = 1;
        let opened = loop {
            let file = if attempt == 1 {
                format!("{base}.{extension}")
            } else {
                format!("{base} ({attempt}).{extension}")
            };
            let url = cc_dav::href::join_names(&folder, [file.as_str()]);
            let remote_path = format!("/{}", crate::folders::remote_rel(&row.files_root, &url));
            match &creator {
                Some(c) => {
                    // directEditing/create overwrites nothing but does not
                    // say so: look first.
                    if dav.stat(&url, &FILE_ID).await.is_ok() {
                        attempt += 1;
                        continue;
                    }
                    let page = office::create(&client, &creds, &remote_path, c).await?;
                    break Opened {
                        url: page.into(),
                        remote_path,
                        file_id: None,
                        how: "direct_editing".into(),
                    };
                }
                None => {
                    let k = office_kind.expect("no creator: an office kind");
                    let opts = PutOptions {
                        precondition: Precondition::create_only(),
                        content_type: Some(k.mimetype().into()),
                        ..PutOptions::default()
                    };
                    match dav.put_bytes(&url, odf::empty(k).into(), &opts).await {
                        Ok(info) => {
                            let opened = Self::office_page(
                                &client,
                                &creds,
                                &editors,
                                &remote_path,
                                &file,
                                info.file_id.as_deref(),
                            )
                            .await?;
                            break opened;
                        }
                        Err(e) if e.status() == Some(412) => {
                            attempt += 1;
                        }
                        Err(e) => return Err(cc_account::AccountError::Dav(e).into()),
                    }
                }
            }
            if attempt > 50 {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    format!("{base}: every name up to (50) is taken"),
                ));
            }
        };
        // The new file comes down with the folder's next pass: now.
        let _ = self.sync_now(folder_id).await;
        Ok(opened)
    }

    /// The page that opens a file of the server: the editor's one-time URL
    /// when the server has an editor (of `editors`) for its type, else its
    /// page.
    async fn office_page(
        client: &cc_account::NextcloudClient,
        creds: &cc_dav::Credentials,
        editors: &office::Editors,
        remote_path: &str,
        name: &str,
        file_id: Option<&str>,
    ) -> Result<Opened, Error> {
        if let Some(editor) = editors.editor_for(&office::mimetype_of(name)) {
            let url = office::open(client, creds, remote_path, &editor.id, file_id).await?;
            return Ok(Opened {
                url: url.into(),
                remote_path: remote_path.to_owned(),
                file_id: file_id.map(str::to_owned),
                how: "direct_editing".into(),
            });
        }
        let id = file_id.ok_or_else(|| {
            Error::new(
                ErrorCode::Server,
                format!("the server gave no file id for {remote_path}"),
            )
        })?;
        Ok(Opened {
            url: office::file_page(client.base(), id)?.into(),
            remote_path: remote_path.to_owned(),
            file_id: Some(id.to_owned()),
            how: "file_page".into(),
        })
    }

    /// "Open in the Oficina" for a local file inside a synced folder: the
    /// page that opens it in the web office. A file not on the server yet
    /// is synced first (up to a minute); a file outside every synced folder
    /// is an error that says so.
    pub async fn open_in_office(&self, local: &Path) -> Result<Opened, Error> {
        let (row, rel) = self.pair_of_path(local)?;
        let (client, creds) = self.nextcloud(row.account_id).await?;
        let (dav, _) = self.files_client(row.account_id).await?;
        let url = cc_dav::href::join_names(
            &cc_dav::href::as_collection(&row.remote_url),
            rel.iter().map(String::as_str),
        );
        let props = FILE_ID;
        let mut entry = dav.stat(&url, &props).await;
        if entry.is_err() {
            // Not on the server yet: sync the folder and wait for it.
            self.sync_now(row.id).await?;
            let until = std::time::Instant::now() + SYNC_WAIT;
            while entry.is_err() && std::time::Instant::now() < until {
                tokio::time::sleep(Duration::from_millis(500)).await;
                entry = dav.stat(&url, &props).await;
            }
        }
        let entry = entry.map_err(|e| {
            Error::new(
                ErrorCode::NotFound,
                format!(
                    "{} is not on the server yet ({e}); try again once it has synced",
                    local.display()
                ),
            )
        })?;
        let remote_path = format!("/{}", crate::folders::remote_rel(&row.files_root, &url));
        let name = rel.last().cloned().unwrap_or_default();
        let editors = office::editors(&client, &creds).await.unwrap_or_default();
        Self::office_page(
            &client,
            &creds,
            &editors,
            &remote_path,
            &name,
            entry.file_id(),
        )
        .await
    }

    /// The synced folder holding `local`, and the path's names below it.
    fn pair_of_path(&self, local: &Path) -> Result<(crate::folders::PairRow, Vec<String>), Error> {
        let outside = || {
            Error::new(
                ErrorCode::NotFound,
                format!("{} is not inside a synced folder", local.display()),
            )
        };
        let path = std::fs::canonicalize(local)
            .map_err(|e| Error::new(ErrorCode::NotFound, format!("{}: {e}", local.display())))?;
        if path.is_dir() {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("{} is a folder, not a file", local.display()),
            ));
        }
        let rows = crate::folders::read_pairs(self.store_conn()?.connection(), None)?;
        let best = rows
            .into_iter()
            .filter_map(|r| {
                let root: PathBuf =
                    std::fs::canonicalize(&r.local_root).unwrap_or(r.local_root.clone());
                let rel = path.strip_prefix(&root).ok()?;
                let names: Option<Vec<String>> = rel
                    .components()
                    .map(|c| c.as_os_str().to_str().map(str::to_owned))
                    .collect();
                Some((root.components().count(), r, names?))
            })
            .max_by_key(|(depth, _, _)| *depth)
            .ok_or_else(outside)?;
        let (_, row, names) = best;
        if names.is_empty() {
            return Err(outside());
        }
        Ok((row, names))
    }

    /// "Start a meeting": makes a room with the profile's first video
    /// service the server supports.
    pub async fn start_meeting(&self, account_id: i64) -> Result<Meeting, Error> {
        let profile = self.services(Some(account_id))?;
        let (client, creds) = self.nextcloud(account_id).await?;
        let nav = navigation::fetch(&client, &creds).await?;
        let talk = self.capabilities_of(account_id).is_some_and(|c| c.talk);
        let (service, plan) = meeting::choose(&profile, talk, &nav).ok_or_else(|| {
            Error::new(
                ErrorCode::NotFound,
                "no video service of the profile can start a meeting on this server",
            )
        })?;
        let (url, kind) = match plan {
            meeting::MeetingPlan::Talk => {
                let name = format!(
                    "{} · {}",
                    self.provider().brand,
                    chrono::Local::now().format("%Y-%m-%d %H:%M")
                );
                (meeting::talk_room(&client, &creds, &name).await?, "talk")
            }
            meeting::MeetingPlan::Jitsi { host } => {
                (meeting::jitsi_room(&host, &self.provider().brand)?, "jitsi")
            }
            meeting::MeetingPlan::Page { url } => (url, "page"),
        };
        Ok(Meeting {
            url: url.into(),
            service: service.name.clone(),
            kind: kind.into(),
        })
    }

    /// "Write an e-mail" to `to` (empty: a blank message): the page or
    /// `mailto:` address to open.
    pub async fn compose_mail(&self, account_id: Option<i64>, to: &str) -> Result<String, Error> {
        let profile = self.services(account_id)?;
        let (nav, server) = match account_id {
            Some(id) => {
                let (client, creds) = self.nextcloud(id).await?;
                let nav = navigation::fetch(&client, &creds).await.unwrap_or_default();
                (nav, Some(client.base().clone()))
            }
            None => (Navigation::default(), None),
        };
        let c = mail::compose(&profile, &nav, server.as_ref(), to)
            .map_err(|e| Error::new(ErrorCode::InvalidInput, e.to_string()))?;
        Ok(c.as_str().to_owned())
    }

    fn store_conn(&self) -> Result<std::sync::MutexGuard<'_, cc_store::Store>, Error> {
        self.store.lock().map_err(|_| Error::poisoned())
    }
}

/// An extension or name part made of letters and digits only.
fn is_plain_name(s: &str) -> bool {
    !s.is_empty() && s.len() <= 10 && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A new document's name as typed, checked: no folders, nothing hidden.
fn clean_name(name: &str) -> Result<String, Error> {
    let name = name.trim();
    let bad = name.is_empty()
        || name.starts_with('.')
        || name.len() > 200
        || name
            .chars()
            .any(|c| c.is_control() || matches!(c, '/' | '\\'));
    if bad {
        return Err(Error::new(
            ErrorCode::InvalidInput,
            format!("{name:?} cannot be a file name"),
        ));
    }
    Ok(name.to_owned())
}
