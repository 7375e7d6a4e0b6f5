//! The Nextcloud endpoints an account needs besides DAV: `status.php`,
//! Login Flow v2, OCS (`cloud/user`, capabilities, app-password
//! revocation) and the remote-wipe check, over reqwest with the same
//! transport rule as the DAV client (HTTPS, plain HTTP only on loopback).
//!
//! # Quirks
//!
//! - OCS v1 answers HTTP 200 with `meta.statuscode` 100 on success; v2
//!   mirrors the status in HTTP (200). Both are accepted.
//! - In maintenance mode `status.php` still answers 200 with
//!   `"maintenance":true`, DAV answers 503 without `Retry-After`, and OCS
//!   answers 503 with `meta.statuscode` 503 (Nextcloud 33 recordings
//!   002–004).
//! - The Login Flow v2 poll answers 404 with the body `[]` until the member
//!   grants access, then 200 exactly once; the same token gives 404 again
//!   afterwards (recordings 011–013).
//! - `cloud/user`'s `id` is the user id of DAV paths; it can differ from
//!   the login name the member typed or the flow returned (e-mail logins,
//!   LDAP, case differences).

use std::time::Duration;

use cc_dav::Credentials;
use cc_dav::transfers::UploadCapabilities;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use url::Url;

use crate::error::{AccountError, Result};
use crate::server::{check_transport, host_of, normalise_server_url};

/// Largest answer body read from an OCS or login endpoint.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// How the HTTP client behaves.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Nextcloud names the app password of a Login Flow after it.
    pub user_agent: String,
    pub connect_timeout: Duration,
    /// Longest wait for a whole answer.
    pub timeout: Duration,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            user_agent: format!(
                "CommonsCloud Desktop/{} ({})",
                env!("CARGO_PKG_VERSION"),
                std::env::consts::OS
            ),
            connect_timeout: Duration::from_secs(15),
            timeout: Duration::from_secs(60),
        }
    }
}

/// What `status.php` says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerStatus {
    pub installed: bool,
    pub maintenance: bool,
    #[serde(default)]
    pub needs_db_upgrade: bool,
    /// `33.0.1.2`
    #[serde(default)]
    pub version: String,
    /// `33.0.1`
    #[serde(default)]
    pub versionstring: String,
    #[serde(default)]
    pub productname: String,
}

/// A started Login Flow v2. The poll token is never printed.
#[derive(Clone)]
pub struct LoginFlow {
    /// The page to open in the system browser.
    pub login_url: Url,
    poll_endpoint: Url,
    token: String,
}

impl std::fmt::Debug for LoginFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginFlow")
            .field("login_url", &"<redacted: holds the login token>")
            .field("poll_endpoint", &self.poll_endpoint.as_str())
            .field("token", &"<redacted>")
            .finish()
    }
}

/// What a granted Login Flow returns. The app password is never printed.
#[derive(Clone)]
pub struct LoginGrant {
    /// The server's base URL as the server names itself.
    pub server: Url,
    pub login_name: String,
    pub app_password: String,
}

impl std::fmt::Debug for LoginGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginGrant")
            .field("server", &self.server.as_str())
            .field("login_name", &self.login_name)
            .field("app_password", &"<redacted>")
            .finish()
    }
}

/// How a Login Flow is polled: the first wait, growing by half each time
/// up to `max_interval`, until `timeout` (Nextcloud forgets a flow after
/// 20 minutes). Up to `max_consecutive_errors` transient failures in a row
/// (offline for a moment, maintenance) are waited out.
#[derive(Debug, Clone, Copy)]
pub struct PollPolicy {
    pub first_interval: Duration,
    pub max_interval: Duration,
    pub timeout: Duration,
    pub max_consecutive_errors: u32,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            first_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(5),
            timeout: Duration::from_secs(20 * 60),
            max_consecutive_errors: 5,
        }
    }
}

/// What `cloud/user` says about the signed-in member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// The user id used in DAV paths.
    pub id: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub language: Option<String>,
    /// Bytes used by the member's files.
    pub quota_used: Option<u64>,
    /// The member's quota in bytes; `None` when unlimited (Nextcloud says
    /// a negative number: -3 for "no limit").
    pub quota_total: Option<u64>,
}

/// What the server offers, from `cloud/capabilities`.
#[derive(Debug, Clone, PartialEq)]
pub struct Capabilities {
    /// `33.0.1`
    pub version: Option<String>,
    pub upload: UploadCapabilities,
    /// The notify_push websocket, when the app is installed.
    pub notify_push: Option<String>,
    pub files_sharing: bool,
    /// Nextcloud Talk (spreed).
    pub talk: bool,
    /// The server's theming name and colour (an organisation's Oficina).
    pub theming_name: Option<String>,
    pub theming_color: Option<String>,
    /// The whole `ocs.data` object (version and capabilities), for the
    /// crates that read more of it (`UploadCapabilities::from_json` takes
    /// its `capabilities`).
    pub raw: serde_json::Value,
}

impl Capabilities {
    /// Reads the `ocs.data` object of the capabilities answer.
    pub fn from_ocs_data(data: serde_json::Value) -> Self {
        let caps = data
            .get("capabilities")
            .cloned()
            .unwrap_or(serde_json::Value::Null);
        let s = |p: &str| caps.pointer(p).and_then(|v| v.as_str()).map(str::to_owned);
        Capabilities {
            version: data
                .pointer("/version/string")
                .and_then(|v| v.as_str())
                .map(str::to_owned),
            upload: UploadCapabilities::from_json(&caps),
            notify_push: s("/notify_push/endpoints/websocket"),
            files_sharing: caps.get("files_sharing").is_some(),
            talk: caps.get("spreed").is_some(),
            theming_name: s("/theming/name"),
            theming_color: s("/theming/color"),
            raw: data,
        }
    }
}

/// One OCS request: method, path (relative to the server), form
/// parameters and an ETag to send as `If-None-Match`.
#[derive(Debug, Clone)]
pub struct OcsRequest<'a> {
    pub method: Method,
    pub path: &'a str,
    pub form: &'a [(&'a str, &'a str)],
    pub if_none_match: Option<&'a str>,
}

impl<'a> OcsRequest<'a> {
    pub fn new(method: Method, path: &'a str) -> Self {
        OcsRequest {
            method,
            path,
            form: &[],
            if_none_match: None,
        }
    }

    pub fn form(mut self, form: &'a [(&'a str, &'a str)]) -> Self {
        self.form = form;
        self
    }

    pub fn if_none_match(mut self, etag: Option<&'a str>) -> Self {
        self.if_none_match = etag;
        self
    }
}

/// An OCS answer: `ocs.data`, the ETag, or that nothing changed (304).
#[derive(Debug, Clone, PartialEq)]
pub struct OcsAnswer {
    pub data: serde_json::Value,
    pub etag: Option<String>,
    pub not_modified: bool,
}

/// A client for one Nextcloud server's non-DAV endpoints.
#[derive(Debug, Clone)]
pub struct NextcloudClient {
    http: reqwest::Client,
    base: Url,
}

impl NextcloudClient {
    /// A client for the server at `base` (a base URL ending in `/`).
    /// Refuses plain http to anything but loopback.
    pub fn new(base: &Url, config: &HttpConfig) -> Result<Self> {
        check_transport(base)?;
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            // A redirect is reported, not followed: credentials never go
            // to an address the member did not choose.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| AccountError::Offline {
                server: host_of(base),
                detail: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(NextcloudClient {
            http,
            base: base.clone(),
        })
    }

    /// The server's base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    fn server(&self) -> String {
        host_of(&self.base)
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.base
            .join(path)
            .map_err(|e| AccountError::BadServerUrl {
                input: format!("{}{path}", self.base),
                reason: e.to_string(),
            })
    }

    /// Sends a request; the answer's status and body (at most 4 MiB).
    async fn send(
        &self,
        what: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, Vec<u8>)> {
        self.send_full(what, req).await.map(|(s, _, b)| (s, b))
    }

    /// [`send`](Self::send), with the answer's headers.
    async fn send_full(
        &self,
        what: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, reqwest::header::HeaderMap, Vec<u8>)> {
        let resp = req.send().await.map_err(|e| self.offline(&e))?;
        let status = resp.status();
        // 304 answers an If-None-Match: not a redirection.
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            let to = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("?")
                .to_owned();
            return Err(AccountError::Protocol {
                server: self.server(),
                what: what.to_owned(),
                detail: format!("redirected ({status}) to {to}: use that address"),
            });
        }
        let headers = resp.headers().clone();
        let body = read_limited(resp, MAX_BODY)
            .await
            .map_err(|e| self.offline(&e))?;
        Ok((status, headers, body))
    }

    fn offline(&self, e: &reqwest::Error) -> AccountError {
        let mut detail = if e.is_timeout() {
            "no answer in time".to_owned()
        } else {
            e.to_string()
        };
        let mut src = std::error::Error::source(e);
        while let Some(inner) = src {
            detail.push_str(": ");
            detail.push_str(&inner.to_string());
            src = inner.source();
        }
        AccountError::Offline {
            server: self.server(),
            detail,
        }
    }

    fn protocol(&self, what: &str, detail: impl Into<String>) -> AccountError {
        AccountError::Protocol {
            server: self.server(),
            what: what.to_owned(),
            detail: detail.into(),
        }
    }

    /// `GET /status.php`: version and maintenance mode (anonymous).
    pub async fn status(&self) -> Result<ServerStatus> {
        let what = "GET status.php";
        let (status, body) = self
            .send(what, self.http.get(self.url("status.php")?))
            .await?;
        match status.as_u16() {
            200 => {}
            503 => {
                return Err(AccountError::Maintenance {
                    server: self.server(),
                });
            }
            code => {
                return Err(AccountError::NotNextcloud {
                    server: self.server(),
                    detail: format!("status.php answered {code}"),
                });
            }
        }
        let s: ServerStatus =
            serde_json::from_slice(&body).map_err(|e| AccountError::NotNextcloud {
                server: self.server(),
                detail: format!("status.php is not Nextcloud's: {e}"),
            })?;
        if !s.installed {
            return Err(AccountError::NotNextcloud {
                server: self.server(),
                detail: "the server is not installed yet".into(),
            });
        }
        Ok(s)
    }

    /// Starts Login Flow v2 (`POST /index.php/login/v2`, anonymous).
    pub async fn start_login(&self) -> Result<LoginFlow> {
        let what = "POST index.php/login/v2";
        let (status, body) = self
            .send(
                what,
                self.http
                    .post(self.url("index.php/login/v2")?)
                    .header(reqwest::header::CONTENT_LENGTH, "0"),
            )
            .await?;
        match status.as_u16() {
            200 => {}
            503 => {
                return Err(AccountError::Maintenance {
                    server: self.server(),
                });
            }
            code => return Err(self.protocol(what, format!("status {code}"))),
        }
        #[derive(Deserialize)]
        struct Poll {
            token: String,
            endpoint: String,
        }
        #[derive(Deserialize)]
        struct Init {
            poll: Poll,
            login: String,
        }
        let init: Init =
            serde_json::from_slice(&body).map_err(|e| self.protocol(what, e.to_string()))?;
        let parse = |s: &str| Url::parse(s).map_err(|e| self.protocol(what, e.to_string()));
        let login_url = parse(&init.login)?;
        let poll_endpoint = parse(&init.poll.endpoint)?;
        check_transport(&login_url)?;
        check_transport(&poll_endpoint)?;
        if init.poll.token.is_empty() {
            return Err(self.protocol(what, "empty poll token"));
        }
        tracing::info!(server = %self.server(), "login flow started");
        Ok(LoginFlow {
            login_url,
            poll_endpoint,
            token: init.poll.token,
        })
    }

    /// Polls a Login Flow once: `None` while the member has not granted
    /// access (404), the grant when they have (200, served once).
    pub async fn poll_login(&self, flow: &LoginFlow) -> Result<Option<LoginGrant>> {
        let what = "POST login/v2/poll";
        let (status, body) = self
            .send(
                what,
                self.http
                    .post(flow.poll_endpoint.clone())
                    .form(&[("token", flow.token.as_str())]),
            )
            .await?;
        match status.as_u16() {
            404 => return Ok(None),
            200 => {}
            503 => {
                return Err(AccountError::Maintenance {
                    server: self.server(),
                });
            }
            code => return Err(self.protocol(what, format!("status {code}"))),
        }
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Grant {
            server: String,
            login_name: String,
            app_password: String,
        }
        let g: Grant =
            serde_json::from_slice(&body).map_err(|e| self.protocol(what, e.to_string()))?;
        let server = normalise_server_url(&g.server)?;
        check_transport(&server)?;
        if g.login_name.is_empty() || g.app_password.is_empty() {
            return Err(self.protocol(what, "the grant has no login name or app password"));
        }
        if server.origin() != self.base.origin() {
            tracing::info!(asked = %self.base, named = %server, "the server names itself differently");
        }
        tracing::info!(server = %self.server(), login = %g.login_name, "login flow granted");
        Ok(Some(LoginGrant {
            server,
            login_name: g.login_name,
            app_password: g.app_password,
        }))
    }

    /// Polls a Login Flow until the member grants access, `cancel` fires
    /// or `policy.timeout` passes.
    pub async fn wait_for_login(
        &self,
        flow: &LoginFlow,
        policy: &PollPolicy,
        cancel: &CancellationToken,
    ) -> Result<LoginGrant> {
        let deadline = tokio::time::Instant::now() + policy.timeout;
        let mut interval = policy.first_interval;
        let mut errors = 0u32;
        loop {
            let poll = tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(AccountError::Cancelled),
                r = tokio::time::timeout_at(deadline, self.poll_login(flow)) => r,
            };
            match poll {
                Err(_elapsed) => return Err(AccountError::LoginTimeout(policy.timeout)),
                Ok(Ok(Some(grant))) => return Ok(grant),
                Ok(Ok(None)) => errors = 0,
                Ok(Err(e)) if e.is_transient() && errors < policy.max_consecutive_errors => {
                    errors += 1;
                    tracing::warn!(error = %e, errors, "login poll failed; trying again");
                }
                Ok(Err(e)) => return Err(e),
            }
            let now = tokio::time::Instant::now();
            if now >= deadline {
                return Err(AccountError::LoginTimeout(policy.timeout));
            }
            let wait = interval.min(deadline - now);
            tokio::select! {
                biased;
                _ = cancel.cancelled() => return Err(AccountError::Cancelled),
                _ = tokio::time::sleep(wait) => {}
            }
            interval = (interval.saturating_mul(3) / 2).min(policy.max_interval);
        }
    }

    /// An OCS request with credentials; the `ocs.data` of the answer.
    /// `path` is relative to the server (`ocs/v1.php/cloud/user?format=json`).
    pub async fn ocs(
        &self,
        method: Method,
        path: &str,
        creds: &Credentials,
    ) -> Result<serde_json::Value> {
        self.ocs_call(creds, OcsRequest::new(method, path))
            .await
            .map(|a| a.data)
    }

    /// An OCS request with form parameters and an `If-None-Match`; the
    /// answer's data and ETag, or `not_modified` on a 304.
    pub async fn ocs_call(&self, creds: &Credentials, call: OcsRequest<'_>) -> Result<OcsAnswer> {
        let path = call.path;
        let what = format!("{} {}", call.method, path.split('?').next().unwrap_or(path));
        let mut req = self
            .http
            .request(call.method, self.url(path)?)
            .header("OCS-APIRequest", "true")
            .header(reqwest::header::ACCEPT, "application/json")
            .basic_auth(&creds.user, Some(&creds.password));
        if !call.form.is_empty() {
            req = req.form(call.form);
        }
        if let Some(tag) = call.if_none_match {
            req = req.header(reqwest::header::IF_NONE_MATCH, tag);
        }
        let (status, headers, body) = self.send_full(&what, req).await?;
        let etag = headers
            .get(reqwest::header::ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if status == StatusCode::NOT_MODIFIED {
            return Ok(OcsAnswer {
                data: serde_json::Value::Null,
                etag,
                not_modified: true,
            });
        }
        let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        let meta_code = json
            .as_ref()
            .and_then(|j| j.pointer("/ocs/meta/statuscode"))
            .and_then(|v| v.as_u64());
        let meta_message = json
            .as_ref()
            .and_then(|j| j.pointer("/ocs/meta/message"))
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned();
        match (status.as_u16(), meta_code) {
            (401, _) | (_, Some(997)) => Err(AccountError::Unauthorized {
                server: self.server(),
            }),
            (503, _) | (_, Some(503)) => Err(AccountError::Maintenance {
                server: self.server(),
            }),
            (200 | 201, Some(100 | 200 | 201)) => Ok(OcsAnswer {
                data: json
                    .and_then(|mut j| j.pointer_mut("/ocs/data").map(serde_json::Value::take))
                    .unwrap_or(serde_json::Value::Null),
                etag,
                not_modified: false,
            }),
            (code, meta) => Err(AccountError::Refused {
                server: self.server(),
                what,
                status: code,
                detail: format!("OCS status {meta:?} {meta_message}")
                    .trim_end()
                    .to_owned(),
            }),
        }
    }

    /// Sends `method` to `url` on this server with the credentials and the
    /// OCS header, as a notification's action asks; the answer's status,
    /// an error unless 2xx. Never to another host.
    pub async fn request_on_server(
        &self,
        method: Method,
        url: &Url,
        creds: &Credentials,
    ) -> Result<u16> {
        let what = format!("{method} {}", url.path());
        if url.origin() != self.base.origin() {
            return Err(self.protocol(&what, format!("{url} is not on this server")));
        }
        let req = self
            .http
            .request(method, url.clone())
            .header("OCS-APIRequest", "true")
            .header(reqwest::header::ACCEPT, "application/json")
            .basic_auth(&creds.user, Some(&creds.password));
        let (status, _) = self.send(&what, req).await?;
        match status.as_u16() {
            code @ 200..=299 => Ok(code),
            401 => Err(AccountError::Unauthorized {
                server: self.server(),
            }),
            code => Err(AccountError::Refused {
                server: self.server(),
                what,
                status: code,
                detail: String::new(),
            }),
        }
    }

    /// A GET of `url` on this server (never another host: credentials go
    /// only where the member signed in), with the credentials when given.
    /// The answer's content type and body (at most `limit` bytes); an
    /// error for any status but 200.
    pub async fn get_bytes(
        &self,
        url: &Url,
        creds: Option<&Credentials>,
        limit: usize,
    ) -> Result<(Option<String>, Vec<u8>)> {
        let what = format!("GET {}", url.path());
        if url.origin() != self.base.origin() {
            return Err(self.protocol(&what, format!("{url} is not on this server")));
        }
        let mut req = self.http.get(url.clone());
        if let Some(c) = creds {
            req = req.basic_auth(&c.user, Some(&c.password));
        }
        let resp = req.send().await.map_err(|e| self.offline(&e))?;
        let status = resp.status();
        let kind = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        match status.as_u16() {
            200 => {}
            401 => {
                return Err(AccountError::Unauthorized {
                    server: self.server(),
                });
            }
            code => {
                return Err(AccountError::Refused {
                    server: self.server(),
                    what,
                    status: code,
                    detail: String::new(),
                });
            }
        }
        let body = read_limited(resp, limit + 1)
            .await
            .map_err(|e| self.offline(&e))?;
        if body.len() > limit {
            return Err(self.protocol(&what, format!("larger than {limit} bytes")));
        }
        Ok((kind, body))
    }

    /// `GET /ocs/v1.php/cloud/user`: who the credentials belong to. Also
    /// the check of an app password typed by the member.
    pub async fn user(&self, creds: &Credentials) -> Result<UserInfo> {
        let data = self
            .ocs(Method::GET, "ocs/v1.php/cloud/user?format=json", creds)
            .await?;
        let s = |k: &str| {
            data.get(k)
                .and_then(|v| v.as_str())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let id = s("id").ok_or_else(|| self.protocol("GET cloud/user", "no user id"))?;
        Ok(UserInfo {
            id,
            display_name: s("display-name").or_else(|| s("displayname")),
            email: s("email"),
            language: s("language"),
            quota_used: data.pointer("/quota/used").and_then(|v| v.as_u64()),
            quota_total: data
                .pointer("/quota/total")
                .and_then(|v| v.as_i64())
                .and_then(|q| u64::try_from(q).ok()),
        })
    }

    /// `GET /ocs/v2.php/cloud/capabilities?format=json`.
    pub async fn capabilities(&self, creds: &Credentials) -> Result<Capabilities> {
        let data = self
            .ocs(
                Method::GET,
                "ocs/v2.php/cloud/capabilities?format=json",
                creds,
            )
            .await?;
        if data.get("capabilities").is_none() {
            return Err(self.protocol("GET cloud/capabilities", "no capabilities object"));
        }
        Ok(Capabilities::from_ocs_data(data))
    }

    /// `DELETE /ocs/v2.php/core/apppassword`: revokes the app password the
    /// request is made with.
    pub async fn revoke_app_password(&self, creds: &Credentials) -> Result<()> {
        self.ocs(
            Method::DELETE,
            "ocs/v2.php/core/apppassword?format=json",
            creds,
        )
        .await
        .map(drop)
    }

    /// `POST /index.php/core/wipe/check` with `token=<app password>`:
    /// whether the server asks this device to wipe the account's data.
    ///
    /// Nextcloud answers `200 {"wipe": true}` when a wipe is pending and 404
    /// otherwise. The Nextcloud 33 recordings hold no exchange with this
    /// endpoint, so the tests only show that the check is sent after a 401
    /// and that an answer other than `200 {"wipe": true}` never wipes;
    /// they invent no answer of their own. Anything but that exact answer
    /// (an error, another status, another body) means "no wipe": deleting
    /// a member's data on a doubtful answer would be worse than keeping it.
    pub async fn wipe_requested(&self, app_password: &str) -> bool {
        let what = "POST index.php/core/wipe/check";
        let Ok(url) = self.url("index.php/core/wipe/check") else {
            return false;
        };
        let req = self.http.post(url).form(&[("token", app_password)]);
        match self.send(what, req).await {
            Ok((status, body)) if status == StatusCode::OK => {
                let wipe = serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v.get("wipe").and_then(|w| w.as_bool()))
                    .unwrap_or(false);
                tracing::info!(server = %self.server(), wipe, "remote wipe checked");
                wipe
            }
            Ok((status, _)) => {
                tracing::info!(server = %self.server(), %status, "no remote wipe pending");
                false
            }
            Err(e) => {
                tracing::warn!(error = %e, "remote wipe check failed; not wiping");
                false
            }
        }
    }

    /// `POST /index.php/core/wipe/success` with `token=<app password>`:
    /// tells the server the wipe is done (it then forgets the app password).
    /// Not covered by a recording (see [`wipe_requested`](Self::wipe_requested)).
    pub async fn confirm_wipe(&self, app_password: &str) -> Result<()> {
        let what = "POST index.php/core/wipe/success";
        let req = self
            .http
            .post(self.url("index.php/core/wipe/success")?)
            .form(&[("token", app_password)]);
        let (status, _) = self.send(what, req).await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(self.protocol(what, format!("status {status}")))
        }
    }
}

/// Reads at most `limit` bytes of a body; the rest is left unread (and the
/// truncated body then fails to parse, as it should).
async fn read_limited(
    mut resp: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await? {
        body.extend_from_slice(&chunk);
        if body.len() > limit {
            body.truncate(limit);
            tracing::warn!(limit, "answer body cut at the size limit");
            break;
        }
    }
    Ok(body)
}
