//! The HTTP side: one connection pool per client, Basic auth, HTTPS
//! required except on loopback, timeouts, retries with backoff for safe
//! requests only, and responses mapped to [`DavError`]s.
//!
//! # Quirks
//!
//! - lighttpd and Xandikos answer 415 to a PROPFIND or REPORT whose body has
//!   no `Content-Type`: every XML body here is sent with
//!   `Content-Type: application/xml; charset=utf-8`.
//! - Nextcloud answers errors with a sabre/dav `<d:error>` body whose
//!   `<s:message>` says what was wrong; it becomes the error's message.
//! - Nextcloud in maintenance mode answers 503 without `Retry-After`.

use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use tokio::io::AsyncBufRead;
use url::Url;

use crate::error::{DavError, ErrorKind, Result};
use crate::href;
use crate::resource::Resource;
use crate::xml::{self, Limits, MultistatusReader, QName, XmlError};

/// The `Content-Type` of every XML body sent.
pub const XML_CONTENT_TYPE: &str = "application/xml; charset=utf-8";

/// A user name and password (an app password on Nextcloud). The password
/// is never printed.
#[derive(Clone)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// How the client behaves.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub user_agent: String,
    /// Allow plain `http` to hosts other than loopback (the member chose
    /// it explicitly).
    pub allow_insecure: bool,
    pub connect_timeout: Duration,
    /// Longest wait for the next bytes of a response.
    pub read_timeout: Duration,
    /// How many times a safe request (GET, HEAD, PROPFIND, REPORT,
    /// OPTIONS) is retried after a transient failure. PUT and DELETE are
    /// retried (at least once) only when the connection broke before an
    /// answer came.
    pub retries: u32,
    /// The first retry waits this long; each next one twice as long.
    pub backoff: Duration,
    pub limits: Limits,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            user_agent: format!(
                "CommonsCloud-Desktop/{} (cc-dav; +https://commonscloud.coop)",
                env!("CARGO_PKG_VERSION")
            ),
            allow_insecure: false,
            connect_timeout: Duration::from_secs(15),
            read_timeout: Duration::from_secs(60),
            retries: 3,
            backoff: Duration::from_millis(250),
            limits: Limits::default(),
        }
    }
}

/// PROPFIND depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    Zero,
    One,
    Infinity,
}

impl Depth {
    fn header(self) -> &'static str {
        match self {
            Depth::Zero => "0",
            Depth::One => "1",
            Depth::Infinity => "infinity",
        }
    }
}

/// A DAV client for one account.
#[derive(Debug, Clone)]
pub struct DavClient {
    http: reqwest::Client,
    config: ClientConfig,
    credentials: Option<Credentials>,
}

/// Whether a URL's host is the loopback interface.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

impl DavClient {
    pub fn new(config: ClientConfig, credentials: Option<Credentials>) -> Result<Self> {
        let http = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .read_timeout(config.read_timeout)
            .pool_idle_timeout(Duration::from_secs(90))
            // Redirects are followed by hand where a protocol allows them
            // (discovery); elsewhere a redirect is an answer to report.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| {
                DavError::new(
                    "INIT",
                    &Url::parse("http://invalid/").expect("static URL"),
                    ErrorKind::Transport(e.to_string()),
                )
            })?;
        Ok(DavClient {
            http,
            config,
            credentials,
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The account's login and password (for a channel the client opens
    /// beside HTTP, such as Nextcloud's push websocket).
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// Refuses URLs the client must not talk to.
    pub fn check_url(&self, method: &str, url: &Url) -> Result<()> {
        match url.scheme() {
            "https" => Ok(()),
            "http" if is_loopback(url) || self.config.allow_insecure => Ok(()),
            "http" => Err(DavError::new(method, url, ErrorKind::Insecure)),
            other => Err(DavError::new(
                method,
                url,
                ErrorKind::BadUrl(format!("unsupported scheme {other:?}")),
            )),
        }
    }

    fn request(&self, method: &Method, url: &Url) -> RequestBuilder {
        let req = self.http.request(method.clone(), url.clone());
        match &self.credentials {
            Some(c) => req.basic_auth(&c.user, Some(&c.password)),
            None => req,
        }
    }

    /// Sends a request built by `build`, retrying transient failures when
    /// the method is safe. The answer's status is not checked.
    pub async fn send(
        &self,
        method: &Method,
        url: &Url,
        build: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Response> {
        self.check_url(method.as_str(), url)?;
        let safe = matches!(
            method.as_str(),
            "GET" | "HEAD" | "OPTIONS" | "PROPFIND" | "REPORT"
        );
        // PUT and DELETE are idempotent (RFC 9110 9.2.2): sending them again
        // after a connection that broke before any answer is harmless (a
        // repeated guarded PUT gets 412, a repeated DELETE 404). Servers
        // close idle keep-alive connections at any moment (Apache under
        // load), so this is an everyday case. A timeout is not retried for
        // them: the server may still be working on the request.
        let idempotent = safe || matches!(method.as_str(), "PUT" | "DELETE");
        let mut attempt = 0u32;
        loop {
            let result = build(self.request(method, url)).send().await;
            let err = match result {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if safe && matches!(status, 502..=504) && attempt < self.config.retries {
                        let wait = retry_after(resp.headers())
                            .map(|s| Duration::from_secs(s.min(30)))
                            .unwrap_or_else(|| self.backoff(attempt));
                        tracing::debug!(%url, status, ?wait, "retrying");
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                        continue;
                    }
                    return Ok(resp);
                }
                Err(e) => DavError::new(method.as_str(), url, map_reqwest(&e)),
            };
            let retry = (safe && err.is_transient())
                || (idempotent
                    && matches!(err.kind, ErrorKind::Transport(_) | ErrorKind::Connect(_)));
            // Safe requests follow the configured count; a PUT or DELETE on
            // a broken connection gets at least one more try.
            let limit = if safe {
                self.config.retries
            } else {
                self.config.retries.max(1)
            };
            if retry && attempt < limit {
                let wait = self.backoff(attempt);
                tracing::debug!(%url, error = %err, ?wait, "retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            return Err(err);
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.config.backoff.saturating_mul(1 << attempt.min(8))
    }

    /// Sends and checks that the answer is a success.
    pub async fn send_ok(
        &self,
        method: &Method,
        url: &Url,
        build: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Response> {
        let resp = self.send(method, url, build).await?;
        check_status(method.as_str(), url, resp).await
    }

    /// PROPFIND for `props` at `url`, handing each checked resource to
    /// `on_resource` as it streams in.
    pub async fn propfind(
        &self,
        url: &Url,
        depth: Depth,
        props: &[QName],
        on_resource: impl FnMut(Resource) -> std::result::Result<(), DavError>,
    ) -> Result<()> {
        let body = xml::propfind_body(props);
        let method = Method::from_bytes(b"PROPFIND").expect("valid method");
        let resp = self
            .send_ok(&method, url, |r| {
                r.header("Depth", depth.header())
                    .header(CONTENT_TYPE, XML_CONTENT_TYPE)
                    .body(body.clone())
            })
            .await?;
        self.read_multistatus("PROPFIND", url, resp, on_resource)
            .await
            .map(|_| ())
    }

    /// Sends an XML `REPORT` and streams its multistatus answer; returns the
    /// document's `sync-token`, if any.
    pub async fn report(
        &self,
        url: &Url,
        depth: Depth,
        body: String,
        on_resource: impl FnMut(Resource) -> std::result::Result<(), DavError>,
    ) -> Result<Option<String>> {
        let method = Method::from_bytes(b"REPORT").expect("valid method");
        let resp = self
            .send_ok(&method, url, |r| {
                r.header("Depth", depth.header())
                    .header(CONTENT_TYPE, XML_CONTENT_TYPE)
                    .body(body.clone())
            })
            .await?;
        self.read_multistatus("REPORT", url, resp, on_resource)
            .await
    }

    /// Reads a 207 answer, checking each href against `url`.
    pub async fn read_multistatus(
        &self,
        method: &str,
        url: &Url,
        resp: Response,
        mut on_resource: impl FnMut(Resource) -> std::result::Result<(), DavError>,
    ) -> Result<Option<String>> {
        let err = |kind| DavError::new(method, url, kind);
        if resp.status() != StatusCode::MULTI_STATUS {
            return Err(err(ErrorKind::Protocol(format!(
                "expected 207 Multi-Status, got {}",
                resp.status()
            ))));
        }
        if let Some(ct) = resp.headers().get(CONTENT_TYPE) {
            let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
            if !ct.contains("xml") {
                return Err(err(ErrorKind::Protocol(format!(
                    "expected an XML body, got {ct}"
                ))));
            }
        }
        let xml_err = |e: XmlError| match e {
            XmlError::Timeout => err(ErrorKind::Timeout),
            other => err(ErrorKind::Xml(other)),
        };
        let resolver = href::Resolver::new(url).map_err(|e| err(ErrorKind::Href(e)))?;
        let mut handle = |raw: xml::RawResponse| -> Result<()> {
            let mut hrefs = Vec::with_capacity(raw.hrefs.len());
            for h in &raw.hrefs {
                hrefs.push(resolver.resolve(h).map_err(|e| err(ErrorKind::Href(e)))?);
            }
            // The status-only form may name several resources at once; the
            // properties go with the last one.
            let last = hrefs.len() - 1;
            let (mut propstats, mut error) = (Some(raw.propstats), raw.error);
            for (i, h) in hrefs.into_iter().enumerate() {
                let r = if i == last {
                    Resource::new(
                        h,
                        raw.status,
                        propstats.take().unwrap_or_default(),
                        error.take(),
                    )
                } else {
                    Resource::new(h, raw.status, Vec::new(), None)
                };
                on_resource(r)?;
            }
            Ok(())
        };
        let mut body = body_reader(resp, self.config.limits.max_body_bytes);
        let mut head = Vec::new();
        let whole = read_up_to(&mut body, &mut head, INLINE_BODY)
            .await
            .map_err(|e| xml_err(XmlError::from_io(&e)))?;
        if whole {
            // A small answer (a folder of a plain server, say): parsed
            // here, without the parser thread and its hand-overs, which
            // cost more than the parsing at a thousand folders.
            let mut reader = MultistatusReader::new(head.as_slice(), self.config.limits);
            while let Some(raw) = reader.next_response().map_err(xml_err)? {
                handle(raw)?;
            }
            return Ok(reader.sync_token().map(str::to_owned));
        }
        let rest = tokio::io::BufReader::new(tokio::io::AsyncReadExt::chain(
            std::io::Cursor::new(head),
            body,
        ));
        let (mut responses, parser) = spawn_parser(rest, self.config.limits);
        while let Some(raw) = responses.recv().await {
            handle(raw.map_err(xml_err)?)?;
        }
        Ok(parser.await.ok().flatten())
    }

    /// The resource at `url` itself (PROPFIND depth 0).
    pub async fn stat(&self, url: &Url, props: &[QName]) -> Result<Resource> {
        let mut found: Option<Resource> = None;
        self.propfind(url, Depth::Zero, props, |r| {
            if r.href.is_request_target() && found.is_none() {
                found = Some(r);
            }
            Ok(())
        })
        .await?;
        found.ok_or_else(|| {
            DavError::new(
                "PROPFIND",
                url,
                ErrorKind::Protocol("the answer does not describe the requested resource".into()),
            )
        })
    }
}

/// Parses a multistatus body on a blocking thread with the synchronous
/// reader, handing the responses over through a small bounded channel:
/// parsing overlaps with what the caller does with each response, and
/// memory stays bounded by the channel. The task's result is
/// the document's sync-token. An error is the last item sent.
pub fn spawn_parser<R>(
    body: R,
    limits: Limits,
) -> (ParsedResponses, tokio::task::JoinHandle<Option<String>>)
where
    R: AsyncBufRead + Unpin + Send + 'static,
{
    // Responses travel in batches: one wake-up per batch, not per entry.
    const BATCH: usize = 64;
    let (tx, rx) =
        tokio::sync::mpsc::channel::<Vec<std::result::Result<xml::RawResponse, XmlError>>>(8);
    // The bridge blocks its thread on the async body: made here, inside
    // the runtime, used on a blocking thread.
    let bridge = tokio_util::io::SyncIoBridge::new(body);
    let task = tokio::task::spawn_blocking(move || {
        // Large reads through the bridge: each one is a trip into the
        // runtime, so they must be few.
        let buffered = std::io::BufReader::with_capacity(256 * 1024, bridge);
        let mut reader = MultistatusReader::new(buffered, limits);
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            let (item, last) = match reader.next_response() {
                Ok(Some(r)) => (Some(Ok(r)), false),
                Ok(None) => (None, true),
                Err(e) => (Some(Err(e)), true),
            };
            batch.extend(item);
            if (last || batch.len() >= BATCH) && !batch.is_empty() {
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                if tx.blocking_send(full).is_err() {
                    // The caller stopped reading.
                    return None;
                }
            }
            if last {
                return reader.sync_token().map(str::to_owned);
            }
        }
    });
    (
        ParsedResponses {
            rx,
            pending: std::collections::VecDeque::new(),
        },
        task,
    )
}

/// The responses a [`spawn_parser`] task hands over, one at a time.
#[derive(Debug)]
pub struct ParsedResponses {
    rx: tokio::sync::mpsc::Receiver<Vec<std::result::Result<xml::RawResponse, XmlError>>>,
    pending: std::collections::VecDeque<std::result::Result<xml::RawResponse, XmlError>>,
}

impl ParsedResponses {
    /// The next response, an error (the last item), or `None` at the end.
    pub async fn recv(&mut self) -> Option<std::result::Result<xml::RawResponse, XmlError>> {
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Some(r);
            }
            self.pending.extend(self.rx.recv().await?);
        }
    }
}

/// Turns a response body into an `AsyncBufRead`, failing once more than
/// `limit` bytes arrive.
/// Multistatus bodies up to this size are read whole and parsed on the
/// calling task (about half a millisecond of parsing); larger ones stream
/// through [`spawn_parser`].
pub const INLINE_BODY: usize = 64 * 1024;

/// Appends `body` to `out` until it ends (`true`) or `out` holds more than
/// `max` bytes (`false`, the rest still to read).
async fn read_up_to<R: AsyncBufRead + Unpin>(
    body: &mut R,
    out: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<bool> {
    use tokio::io::AsyncBufReadExt;
    loop {
        let buf = body.fill_buf().await?;
        if buf.is_empty() {
            return Ok(true);
        }
        let n = buf.len();
        out.extend_from_slice(buf);
        body.consume(n);
        if out.len() > max {
            return Ok(false);
        }
    }
}

pub(crate) fn body_reader(
    resp: Response,
    limit: u64,
) -> impl AsyncBufRead + Unpin + Send + 'static {
    let mut seen: u64 = 0;
    let stream = resp.bytes_stream().map(move |chunk| match chunk {
        Ok(bytes) => {
            seen += bytes.len() as u64;
            if seen > limit {
                Err(std::io::Error::other(XmlError::BodyTooLarge(limit)))
            } else {
                Ok(bytes)
            }
        }
        Err(e) if e.is_timeout() => Err(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "the server stopped sending",
        )),
        Err(e) => Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            e.to_string(),
        )),
    });
    tokio_util::io::StreamReader::new(stream)
}

pub(crate) fn map_reqwest(e: &reqwest::Error) -> ErrorKind {
    if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_connect() {
        ErrorKind::Connect(error_chain(e))
    } else {
        ErrorKind::Transport(error_chain(e))
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

fn retry_after(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

/// Reads up to 64 KiB of an error body.
async fn error_body(resp: Response) -> (bool, String) {
    let is_xml = resp
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("xml"));
    let mut stream = resp.bytes_stream();
    let mut body = Vec::new();
    while let Some(Ok(chunk)) = stream.next().await {
        body.extend_from_slice(&chunk);
        if body.len() > 64 * 1024 {
            break;
        }
    }
    (is_xml, String::from_utf8_lossy(&body).into_owned())
}

/// The message of an error body: the `<s:message>` of a sabre/dav
/// (Nextcloud) error, or the exception's class when the message is empty.
fn error_message(is_xml: bool, text: &str) -> Option<String> {
    if is_xml || text.trim_start().starts_with("<?xml") {
        let element = |name: &str| -> Option<String> {
            let start = text.find(&format!(":{name}>"))?;
            let rest = &text[start..];
            let open_end = rest.find('>')? + 1;
            let close = rest[open_end..].find('<')?;
            let v = rest[open_end..open_end + close].trim();
            (!v.is_empty()).then(|| unescape_basic(v).chars().take(300).collect())
        };
        return element("message").or_else(|| {
            element("exception").map(|e| e.rsplit('\\').next().unwrap_or(&e).to_owned())
        });
    }
    None
}

fn unescape_basic(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Maps a non-success answer to a [`DavError`].
pub async fn check_status(method: &str, url: &Url, resp: Response) -> Result<Response> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp);
    }
    let retry = retry_after(resp.headers());
    let code = status.as_u16();
    let (is_xml, text) = if matches!(code, 401 | 404) {
        (false, String::new())
    } else {
        error_body(resp).await
    };
    let message = error_message(is_xml, &text);
    let kind = match code {
        // RFC 6578 3.2: an unknown token is the DAV:valid-sync-token
        // precondition: 403 (Nextcloud, Radicale), 409, or 412 (Xandikos).
        403 | 409 | 412 if text.contains("valid-sync-token") => ErrorKind::InvalidSyncToken,
        401 => ErrorKind::Unauthorized,
        403 => ErrorKind::Forbidden(message),
        404 | 410 => ErrorKind::NotFound,
        405 => ErrorKind::NotAllowed,
        409 => ErrorKind::Conflict(message),
        412 => ErrorKind::PreconditionFailed,
        423 => ErrorKind::Locked(message),
        503 => ErrorKind::Unavailable(retry),
        507 => ErrorKind::InsufficientStorage(message),
        _ => ErrorKind::Status {
            status: code,
            message,
        },
    };
    Err(DavError::new(method, url, kind))
}

/// Builds a header value, refusing control characters.
pub(crate) fn header_value(method: &str, url: &Url, v: &str) -> Result<HeaderValue> {
    HeaderValue::from_str(v).map_err(|_| {
        DavError::new(
            method,
            url,
            ErrorKind::BadUrl(format!("invalid header value {v:?}")),
        )
    })
}
