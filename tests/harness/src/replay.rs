//! A server that replays real Nextcloud 33 exchanges.
//!
//! The recordings in `tests/fixtures/nextcloud-33/` are real requests sent to
//! a real Nextcloud 33.0.1 and the bytes it answered (see the README there).
//! A test lists the recordings it expects, in order; each incoming request is
//! answered with the first unused listed recording whose method, path and
//! query, `Depth` header and presence of credentials match. The response is
//! sent byte for byte, with one documented change: the recording server's
//! base URL `http://127.0.0.1:8080` inside bodies and `Location` headers is
//! rewritten to this server's own address (and `Content-Length` adjusted),
//! so absolute links such as the Login Flow v2 poll endpoint lead back here.
//!
//! A request no listed recording matches is not invented an answer: it gets
//! `501 Not Implemented` with `X-Replay-Miss: 1` and is remembered, so a test
//! can assert [`ReplayServer::misses`] is empty.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Where the recordings live in the repository.
pub fn fixtures_dir() -> PathBuf {
    crate::workspace_root().join("tests/fixtures/nextcloud-33")
}

const RECORDED_BASE: &str = "http://127.0.0.1:8080";
const RECORDED_BASE_JSON: &str = "http:\\/\\/127.0.0.1:8080";

/// One recorded exchange.
#[derive(Debug, Clone)]
pub struct Recording {
    /// File name without `.http`, e.g. `010-loginflow-init`.
    pub name: String,
    pub method: String,
    /// Path and query as sent (`/index.php/login/v2`).
    pub target: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Vec<u8>,
    /// The raw response: status line, headers, blank line, body.
    pub response: Vec<u8>,
}

impl Recording {
    /// Loads `tests/fixtures/nextcloud-33/<name>.http`.
    pub fn load(name: &str) -> Self {
        let path = fixtures_dir().join(format!("{name}.http"));
        Self::parse(
            name,
            &std::fs::read(&path)
                .unwrap_or_else(|e| panic!("cannot read recording {}: {e}", path.display())),
        )
    }

    /// Every recording in the fixtures folder, in file-name order.
    pub fn all() -> Vec<Self> {
        let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
            .expect("fixtures folder")
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                e.file_name()
                    .to_str()
                    .and_then(|n| n.strip_suffix(".http"))
                    .map(str::to_owned)
            })
            .collect();
        names.sort();
        names.iter().map(|n| Self::load(n)).collect()
    }

    fn parse(name: &str, bytes: &[u8]) -> Self {
        let sep = b"\n###\n";
        let at = bytes
            .windows(sep.len())
            .position(|w| w == sep)
            .unwrap_or_else(|| panic!("recording {name} has no separator"));
        let (req, resp) = (&bytes[..at], &bytes[at + sep.len()..]);
        let mut headers = [httparse::EMPTY_HEADER; 64];
        let mut parsed = httparse::Request::new(&mut headers);
        let head_len = match parsed.parse(req) {
            Ok(httparse::Status::Complete(n)) => n,
            other => panic!("recording {name}: bad request head: {other:?}"),
        };
        Recording {
            name: name.to_owned(),
            method: parsed.method.unwrap_or_default().to_owned(),
            target: parsed.path.unwrap_or_default().to_owned(),
            request_headers: parsed
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_ascii_lowercase(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect(),
            request_body: req[head_len..].to_vec(),
            response: resp.to_vec(),
        }
    }

    pub fn request_header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.request_headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The recorded status code.
    pub fn status(&self) -> u16 {
        let line = self.response.split(|&b| b == b'\n').next().unwrap_or(&[]);
        String::from_utf8_lossy(line)
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    /// The recorded response body.
    pub fn response_body(&self) -> &[u8] {
        let sep = b"\r\n\r\n";
        self.response
            .windows(4)
            .position(|w| w == sep)
            .map(|i| &self.response[i + 4..])
            .unwrap_or(&[])
    }

    /// The response with the recording server's base URL replaced by `base`.
    fn response_for(&self, base: &str) -> Vec<u8> {
        let sep = b"\r\n\r\n";
        let Some(split) = self.response.windows(4).position(|w| w == sep) else {
            return self.response.clone();
        };
        let head = String::from_utf8_lossy(&self.response[..split]).into_owned();
        let body = &self.response[split + 4..];
        let body_text = std::str::from_utf8(body).ok();
        let new_body: Vec<u8> = match body_text {
            Some(t) if t.contains(RECORDED_BASE) || t.contains(RECORDED_BASE_JSON) => t
                .replace(RECORDED_BASE, base)
                .replace(RECORDED_BASE_JSON, &base.replace('/', "\\/"))
                .into_bytes(),
            _ => body.to_vec(),
        };
        let mut out = String::new();
        for (i, line) in head.split("\r\n").enumerate() {
            let lower = line.to_ascii_lowercase();
            if i > 0 && lower.starts_with("content-length:") {
                out.push_str(&format!("Content-Length: {}", new_body.len()));
            } else if lower.starts_with("location:") {
                out.push_str(&line.replace(RECORDED_BASE, base));
            } else {
                out.push_str(line);
            }
            out.push_str("\r\n");
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&new_body);
        bytes
    }
}

impl Seen {
    /// A request header by name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A request the replay server received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// Request headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The request body (at most its first MiB).
    pub body: Vec<u8>,
    /// The recording that answered it, `None` for a miss.
    pub answered_by: Option<String>,
}

#[derive(Debug)]
struct Script {
    /// Recordings answered at most once, in order.
    once: Vec<(Recording, bool)>,
    /// Recordings that answer every matching request.
    always: Vec<Recording>,
    seen: Vec<Seen>,
}

/// A DAV client as the recordings' account (`ana`; the replay does not
/// check the password), with no retries: a replayed exchange is asked once.
pub fn client() -> cc_dav::DavClient {
    cc_dav::DavClient::new(
        cc_dav::ClientConfig {
            retries: 0,
            ..cc_dav::ClientConfig::default()
        },
        Some(cc_dav::Credentials {
            user: "ana".into(),
            password: "app-password".into(),
        }),
    )
    .expect("a DAV client for the replay server")
}

/// A running replay server; stops when dropped.
#[derive(Debug)]
pub struct ReplayServer {
    addr: SocketAddr,
    script: Arc<Mutex<Script>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    public_base: Arc<Mutex<String>>,
}

impl ReplayServer {
    /// Starts a server answering the named recordings once each, in order.
    pub fn start(once: &[&str]) -> Self {
        Self::start_with(once, &[])
    }

    /// Like [`start`](Self::start), plus recordings that answer every time
    /// (for example `001-status`).
    pub fn start_with(once: &[&str], always: &[&str]) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind replay server");
        let addr = listener.local_addr().expect("replay address");
        listener.set_nonblocking(true).expect("nonblocking");
        let script = Arc::new(Mutex::new(Script {
            once: once.iter().map(|n| (Recording::load(n), false)).collect(),
            always: always.iter().map(|n| Recording::load(n)).collect(),
            seen: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (script.clone(), stop.clone());
        let public_base = Arc::new(Mutex::new(format!("http://{addr}")));
        let pb = public_base.clone();
        let thread = std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let s = s.clone();
                        let base = pb.lock().map(|b| b.clone()).unwrap_or_default();
                        std::thread::spawn(move || {
                            if let Err(e) = serve(conn, &s, &base) {
                                tracing::debug!(error = %e, "replay connection");
                            }
                        });
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err(_) => break,
                }
            }
        });
        ReplayServer {
            addr,
            script,
            stop,
            thread: Some(thread),
            public_base,
        }
    }

    /// Adds recordings that answer once each, after those already given
    /// (a test that signs in a second time needs the sign-in again).
    pub fn add_once(&self, names: &[&str]) {
        let mut s = self.script.lock().unwrap();
        s.once
            .extend(names.iter().map(|n| (Recording::load(n), false)));
    }

    /// The base URL written into answers instead of the recorded one, when
    /// a front server (see `Server::start_nextcloud_front`) passes the
    /// requests on: clients then come back through the front.
    pub fn set_public_base(&self, base: &str) {
        if let Ok(mut b) = self.public_base.lock() {
            *b = base.trim_end_matches('/').to_owned();
        }
    }

    /// `http://127.0.0.1:<port>`, standing for the recorded server's base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The recorded account's files root on this server
    /// (`/remote.php/dav/files/ana/`).
    pub fn files_root(&self) -> url::Url {
        url::Url::parse(&format!("{}/remote.php/dav/files/ana/", self.base_url()))
            .expect("the files root parses")
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.script.lock().unwrap().seen.clone()
    }

    /// Requests no recording matched.
    pub fn misses(&self) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.answered_by.is_none())
            .collect()
    }

    /// Names of the once-recordings not yet served.
    pub fn unused(&self) -> Vec<String> {
        self.script
            .lock()
            .unwrap()
            .once
            .iter()
            .filter(|(_, used)| !used)
            .map(|(r, _)| r.name.clone())
            .collect()
    }
}

impl Drop for ReplayServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Percent-encoding is case-insensitive (`%C3%A9` == `%c3%a9`).
fn normalise_target(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            for _ in 0..2 {
                if let Some(h) = chars.next() {
                    out.push(h.to_ascii_lowercase());
                }
            }
        }
    }
    out
}

fn matches(rec: &Recording, method: &str, target: &str, headers: &[(String, String)]) -> bool {
    let header = |n: &str| {
        headers
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
    };
    rec.method.eq_ignore_ascii_case(method)
        && normalise_target(&rec.target) == normalise_target(target)
        && rec.request_header("depth") == header("depth")
        && rec.request_header("authorization").is_some() == header("authorization").is_some()
}

fn serve(conn: TcpStream, script: &Mutex<Script>, base: &str) -> std::io::Result<()> {
    conn.set_nonblocking(false)?;
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut head = Vec::new();
    // Read the request head line by line up to the blank line.
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        head.extend_from_slice(&line);
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if head.len() > 64 * 1024 {
            return Err(std::io::Error::other("request head too large"));
        }
    }
    let mut hbuf = [httparse::EMPTY_HEADER; 64];
    let mut req = httparse::Request::new(&mut hbuf);
    if !matches!(req.parse(&head), Ok(httparse::Status::Complete(_))) {
        return Err(std::io::Error::other("malformed request"));
    }
    let method = req.method.unwrap_or_default().to_owned();
    let target = req.path.unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_ascii_lowercase(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    let length: u64 = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = Vec::new();
    (&mut reader)
        .take(length.min(1024 * 1024))
        .read_to_end(&mut body)?;
    std::io::copy(
        &mut (&mut reader).take(length.saturating_sub(body.len() as u64)),
        &mut std::io::sink(),
    )?;

    let answer = {
        let mut s = script.lock().unwrap();
        let found = s
            .once
            .iter_mut()
            .find(|(r, used)| !used && matches(r, &method, &target, &headers))
            .map(|(r, used)| {
                *used = true;
                r.clone()
            })
            .or_else(|| {
                s.always
                    .iter()
                    .find(|r| matches(r, &method, &target, &headers))
                    .cloned()
            });
        s.seen.push(Seen {
            method: method.clone(),
            target: target.clone(),
            headers: headers.clone(),
            body,
            answered_by: found.as_ref().map(|r| r.name.clone()),
        });
        found
    };
    let mut conn = conn;
    match answer {
        Some(rec) => conn.write_all(&rec.response_for(base))?,
        None => {
            let body = format!("no recording matches {method} {target}\n");
            write!(
                conn,
                "HTTP/1.1 501 Not Implemented\r\nX-Replay-Miss: 1\r\nConnection: close\r\n\
                 Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )?;
        }
    }
    conn.flush()?;
    let _ = conn.shutdown(std::net::Shutdown::Write);
    Ok(())
}

/// What a Login Flow v2 sign-in asks after `status.php` (give
/// `001-status` as an always-recording): the flow (init, one pending poll,
/// granted), `cloud/user`, the capabilities, CalDAV and CardDAV discovery.
pub const LOGIN_FLOW_SIGN_IN: &[&str] = &[
    "010-loginflow-init",
    "011-loginflow-poll-pending",
    "012-loginflow-poll-granted",
    "008-ocs-v1-cloud-user",
    "005-capabilities-json",
    "101-caldav-wellknown",
    "102-dav-current-user-principal",
    "103-caldav-principal",
    "125-carddav-wellknown",
    "102-dav-current-user-principal",
    "126-carddav-principal",
];

/// What a sign-in asks after the Login Flow itself (init, one pending
/// poll, granted): the account check an app password given directly goes
/// through too.
pub const SIGN_IN_AFTER_FLOW: &[&str] = LOGIN_FLOW_SIGN_IN.split_at(3).1;

/// The user id and login of the Login Flow recording.
pub const FLOW_USER: &str = "ana";

/// The app password of the Login Flow recording (x-ed out there).
pub fn flow_app_password() -> String {
    "x".repeat(72)
}

/// A Nextcloud to sign in to whose files are real WebDAV: the replay
/// server answers one Login Flow v2 sign-in ([`LOGIN_FLOW_SIGN_IN`]) and
/// Apache in front of it serves [`FLOW_USER`]'s files at
/// `/remote.php/dav/files/ana/` to the flow's app password (see
/// `Server::start_nextcloud_front`). Sign in at the front's base URL.
pub fn start_sign_in_front() -> (ReplayServer, crate::servers::Server) {
    let replay = ReplayServer::start_with(LOGIN_FLOW_SIGN_IN, &["001-status"]);
    let front = crate::servers::Server::start_nextcloud_front(
        &replay.base_url(),
        FLOW_USER,
        FLOW_USER,
        &flow_app_password(),
    );
    replay.set_public_base(&front.base_url());
    (replay, front)
}
