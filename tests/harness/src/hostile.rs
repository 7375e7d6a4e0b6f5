//! A deliberately hostile HTTP/1.1 server.
//!
//! Every other server of the harness tries to behave like a real one; this
//! one is the exception. It exists to send crafted *bad* answers — hrefs
//! that escape the collection, entity bombs, endless listings, bodies cut
//! short, answers that never come — so that tests can prove the client
//! refuses them with a clear, typed error instead of trusting them.
//!
//! Each answer is scripted by the test with a [`Behaviour`]: for every
//! request (numbered from 0 in arrival order) it says which [`Action`] to
//! take:
//!
//! - [`Action::Reply`]: a status, headers and a [`Body`], either fixed bytes
//!   or a [`Body::generated`] body produced chunk by chunk while it is
//!   written (a 1 GB listing never sits in memory), framed with
//!   `Content-Length` or chunked transfer encoding;
//! - [`Action::CutAfter`]: the same, but the connection closes after the
//!   first `n` bytes of the body, whatever the announced length;
//! - [`Action::Silent`]: the request is read and recorded, and nothing is
//!   ever answered; the connection stays open until the server is dropped;
//! - [`Action::Stall`]: the status line and headers are sent, then nothing
//!   more, again holding the connection open.
//!
//! The server answers one request per connection (`Connection: close` is
//! added unless the test set a `Connection` header itself) and records
//! every request it read ([`HostileServer::requests`]) for assertions.
//!
//! It runs on plain std threads (like [`crate::replay`]), so it works the
//! same from sync and async tests, and stops when dropped.

use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Produces the `i`-th chunk of a generated body; `None` ends the body.
pub type Generator = Arc<dyn Fn(u64) -> Option<Vec<u8>> + Send + Sync>;

/// A response body.
#[derive(Clone)]
pub enum Body {
    /// Fixed bytes.
    Bytes(Vec<u8>),
    /// Produced chunk by chunk while it is sent, never held whole.
    Generated {
        generator: Generator,
        /// `Some(n)`: sent with `Content-Length: n` (the generator is not
        /// checked against it: a hostile server may lie). `None`: sent with
        /// `Transfer-Encoding: chunked`.
        length: Option<u64>,
    },
}

impl Body {
    /// A body produced on the fly by `generator` (see [`Generator`]).
    pub fn generated(
        length: Option<u64>,
        generator: impl Fn(u64) -> Option<Vec<u8>> + Send + Sync + 'static,
    ) -> Self {
        Body::Generated {
            generator: Arc::new(generator),
            length,
        }
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Body::Bytes(b) => f.debug_tuple("Bytes").field(&b.len()).finish(),
            Body::Generated { length, .. } => f
                .debug_struct("Generated")
                .field("length", length)
                .finish_non_exhaustive(),
        }
    }
}

/// A status, headers and a body.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// Sent as given, in order. `Content-Length` (or `Transfer-Encoding`
    /// for a generated body without length) is added unless present here,
    /// so a test can announce a length that is a lie.
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Reply {
    /// A reply with fixed bytes and no headers yet.
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body: Body::Bytes(body.into()),
        }
    }

    /// A reply with a generated body.
    pub fn generated(status: u16, body: Body) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body,
        }
    }

    /// A `207 Multi-Status` with `Content-Type: application/xml`.
    pub fn multistatus(body: impl Into<Vec<u8>>) -> Self {
        Reply::new(207, body).header("Content-Type", "application/xml; charset=utf-8")
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Answer in full, then close.
    Reply(Reply),
    /// Send the head as the reply says (its announced length included) and
    /// only the first `n` bytes of the body, then close the connection.
    CutAfter(Reply, u64),
    /// Never answer; hold the connection open.
    Silent,
    /// Send the status line and headers, then nothing; hold the
    /// connection open.
    Stall(Reply),
}

impl From<Reply> for Action {
    fn from(r: Reply) -> Self {
        Action::Reply(r)
    }
}

/// A request the server read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    /// Path and query as sent.
    pub path: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Script = dyn Fn(&Request, usize) -> Action + Send + Sync;

/// How the server answers: for each request (and its number, from 0 in
/// arrival order), the [`Action`] to take.
#[derive(Clone)]
pub struct Behaviour(Arc<Script>);

impl Behaviour {
    /// The same action for every request.
    pub fn always(action: impl Into<Action>) -> Self {
        let action = action.into();
        Behaviour(Arc::new(move |_, _| action.clone()))
    }

    /// The `i`-th request gets the `i`-th action; once they are used up the
    /// last one answers every further request.
    pub fn sequence(actions: Vec<Action>) -> Self {
        assert!(!actions.is_empty(), "a sequence needs at least one action");
        Behaviour(Arc::new(move |_, i| {
            actions[i.min(actions.len() - 1)].clone()
        }))
    }

    /// Any logic: `f(request, number)`.
    pub fn script(f: impl Fn(&Request, usize) -> Action + Send + Sync + 'static) -> Self {
        Behaviour(Arc::new(f))
    }
}

impl fmt::Debug for Behaviour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Behaviour(..)")
    }
}

impl From<Action> for Behaviour {
    fn from(a: Action) -> Self {
        Behaviour::always(a)
    }
}

impl From<Reply> for Behaviour {
    fn from(r: Reply) -> Self {
        Behaviour::always(Action::Reply(r))
    }
}

#[derive(Debug)]
struct Shared {
    behaviour: Behaviour,
    requests: Mutex<Vec<Request>>,
    stop: AtomicBool,
}

/// A running hostile server; stops when dropped (held connections close).
#[derive(Debug)]
pub struct HostileServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HostileServer {
    /// Starts a server on a free loopback port.
    pub fn start(behaviour: impl Into<Behaviour>) -> Self {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind hostile server");
        let addr = listener.local_addr().expect("hostile server address");
        listener.set_nonblocking(true).expect("nonblocking");
        let shared = Arc::new(Shared {
            behaviour: behaviour.into(),
            requests: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let s = shared.clone();
        let thread = std::thread::spawn(move || {
            while !s.stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let s = s.clone();
                        std::thread::spawn(move || {
                            if let Err(e) = serve(conn, &s) {
                                tracing::debug!(error = %e, "hostile connection");
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
        HostileServer {
            addr,
            shared,
            thread: Some(thread),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every request read so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// How many requests were read so far.
    pub fn request_count(&self) -> usize {
        self.shared.requests.lock().unwrap().len()
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads one request (head and `Content-Length` body).
fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut head = Vec::new();
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
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
    reader.take(length).read_to_end(&mut body)?;
    Ok(Some(Request {
        method: req.method.unwrap_or_default().to_owned(),
        path: req.path.unwrap_or_default().to_owned(),
        headers,
        body,
    }))
}

/// Keeps a connection open, silent, until the server stops.
fn hold(conn: &TcpStream, shared: &Shared) {
    let _ = conn.set_read_timeout(Some(Duration::from_millis(20)));
    let mut sink = [0u8; 4096];
    let mut reader = conn;
    while !shared.stop.load(Ordering::SeqCst) {
        match reader.read(&mut sink) {
            // The client gave up and closed its side.
            Ok(0) => return,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        207 => "Multi-Status",
        301 => "Moved Permanently",
        302 => "Found",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Whatever",
    }
}

fn write_head(conn: &mut impl Write, reply: &Reply) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (n, v) in &reply.headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    if !reply.has_header("content-length") && !reply.has_header("transfer-encoding") {
        match &reply.body {
            Body::Bytes(b) => head.push_str(&format!("Content-Length: {}\r\n", b.len())),
            Body::Generated {
                length: Some(n), ..
            } => head.push_str(&format!("Content-Length: {n}\r\n")),
            Body::Generated { length: None, .. } => {
                head.push_str("Transfer-Encoding: chunked\r\n");
            }
        }
    }
    if !reply.has_header("connection") {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    conn.write_all(head.as_bytes())
}

/// Writes the body, at most `limit` bytes of it (counting body bytes, not
/// chunk framing). Returns whether the whole body was written.
fn write_body(conn: &mut impl Write, reply: &Reply, limit: u64) -> std::io::Result<bool> {
    let chunked = reply.headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.to_ascii_lowercase().contains("chunked")
    }) || (matches!(reply.body, Body::Generated { length: None, .. })
        && !reply.has_header("content-length"));
    let mut sent = 0u64;
    let mut piece = |conn: &mut dyn Write, data: &[u8]| -> std::io::Result<bool> {
        let room = limit.saturating_sub(sent);
        let take = (data.len() as u64).min(room) as usize;
        if take > 0 {
            if chunked {
                write!(conn, "{take:x}\r\n")?;
                conn.write_all(&data[..take])?;
                conn.write_all(b"\r\n")?;
            } else {
                conn.write_all(&data[..take])?;
            }
        }
        sent += take as u64;
        Ok(take == data.len())
    };
    let complete = match &reply.body {
        Body::Bytes(b) => piece(conn, b)?,
        Body::Generated { generator, .. } => {
            let mut i = 0u64;
            loop {
                let Some(chunk) = generator(i) else {
                    break true;
                };
                if !piece(conn, &chunk)? {
                    break false;
                }
                i += 1;
            }
        }
    };
    if complete && chunked {
        conn.write_all(b"0\r\n\r\n")?;
    }
    Ok(complete)
}

fn serve(conn: TcpStream, shared: &Shared) -> std::io::Result<()> {
    conn.set_nonblocking(false)?;
    conn.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let Some(request) = read_request(&mut reader)? else {
        return Ok(());
    };
    let action = {
        let mut seen = shared.requests.lock().unwrap();
        let n = seen.len();
        seen.push(request.clone());
        n
    };
    let action = (shared.behaviour.0)(&request, action);
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, conn.try_clone()?);
    match action {
        Action::Reply(reply) => {
            write_head(&mut out, &reply)?;
            write_body(&mut out, &reply, u64::MAX)?;
        }
        Action::CutAfter(reply, n) => {
            write_head(&mut out, &reply)?;
            write_body(&mut out, &reply, n)?;
        }
        Action::Silent => {
            hold(&conn, shared);
            return Ok(());
        }
        Action::Stall(reply) => {
            write_head(&mut out, &reply)?;
            out.flush()?;
            hold(&conn, shared);
            return Ok(());
        }
    }
    out.flush()?;
    drop(out);
    let _ = conn.shutdown(Shutdown::Write);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends `request` and reads until the server closes (or `limit` bytes).
    fn exchange(addr: SocketAddr, request: &str) -> Vec<u8> {
        let mut c = TcpStream::connect(addr).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        c.write_all(request.as_bytes()).unwrap();
        let mut out = Vec::new();
        let _ = c.read_to_end(&mut out);
        out
    }

    #[test]
    fn fixed_reply_and_recorded_requests() {
        let s = HostileServer::start(Reply::new(200, "hello").header("X-Test", "1"));
        let out = exchange(
            s.addr(),
            "PUT /a/b?c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nDepth: 1\r\n\r\nabc",
        );
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
        assert!(text.contains("X-Test: 1\r\n") && text.contains("Content-Length: 5\r\n"));
        assert!(text.ends_with("\r\n\r\nhello"));
        let reqs = s.requests();
        assert_eq!(reqs.len(), 1);
        assert_eq!(reqs[0].method, "PUT");
        assert_eq!(reqs[0].path, "/a/b?c");
        assert_eq!(reqs[0].header("depth"), Some("1"));
        assert_eq!(reqs[0].body, b"abc");
    }

    #[test]
    fn generated_bodies_chunked_and_with_length() {
        let body = || Body::generated(None, |i| (i < 3).then(|| format!("part{i};").into_bytes()));
        let s = HostileServer::start(Reply::generated(200, body()));
        let text = String::from_utf8(exchange(s.addr(), "GET / HTTP/1.1\r\n\r\n")).unwrap();
        assert!(text.contains("Transfer-Encoding: chunked\r\n"));
        assert!(text.ends_with("\r\n\r\n6\r\npart0;\r\n6\r\npart1;\r\n6\r\npart2;\r\n0\r\n\r\n"));

        let s = HostileServer::start(Reply::generated(
            200,
            Body::generated(Some(18), |i| {
                (i < 3).then(|| format!("part{i};").into_bytes())
            }),
        ));
        let text = String::from_utf8(exchange(s.addr(), "GET / HTTP/1.1\r\n\r\n")).unwrap();
        assert!(text.contains("Content-Length: 18\r\n"));
        assert!(text.ends_with("\r\n\r\npart0;part1;part2;"));
    }

    #[test]
    fn cut_silent_stall_and_sequence() {
        let s = HostileServer::start(Behaviour::sequence(vec![
            Action::CutAfter(Reply::new(200, "0123456789"), 4),
            Action::Stall(Reply::new(200, "never sent")),
            Action::Silent,
        ]));
        let text = String::from_utf8(exchange(s.addr(), "GET / HTTP/1.1\r\n\r\n")).unwrap();
        assert!(text.contains("Content-Length: 10\r\n"));
        assert!(text.ends_with("\r\n\r\n0123"), "{text}");

        // Stall: the head arrives, then nothing until the read times out.
        let mut c = TcpStream::connect(s.addr()).unwrap();
        c.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        c.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
        let mut got = Vec::new();
        let err = c.read_to_end(&mut got).unwrap_err();
        assert!(matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ));
        let text = String::from_utf8(got).unwrap();
        assert!(text.ends_with("Connection: close\r\n\r\n"), "{text}");

        // Silent, and the sequence repeats its last action.
        for _ in 0..2 {
            let mut c = TcpStream::connect(s.addr()).unwrap();
            c.set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            c.write_all(b"PROPFIND / HTTP/1.1\r\n\r\n").unwrap();
            let mut got = Vec::new();
            assert!(c.read_to_end(&mut got).is_err());
            assert!(got.is_empty());
        }
        assert_eq!(s.request_count(), 4);
        // Dropping the server releases held connections.
        drop(s);
    }
}
