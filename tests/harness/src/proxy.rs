//! A TCP proxy that injects faults between a client and a real server.
//!
//! Put it in front of any harness server and point the client at
//! [`FaultProxy::addr`]. Faults apply to new connections; each fault names
//! the direction whose bytes it counts: [`Dir::Up`] (client to server, an
//! upload) or [`Dir::Down`] (server to client, a download).

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Which way the bytes flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Client to server.
    Up,
    /// Server to client.
    Down,
}

/// What happens to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forward everything untouched.
    Pass,
    /// Forward `n` bytes in `dir`, then close both sides cleanly (FIN).
    DropAfter(Dir, usize),
    /// Forward `n` bytes in `dir`, then reset both sides (RST).
    ResetAfter(Dir, usize),
    /// Forward `n` bytes in `dir`, then forward nothing more in either
    /// direction while keeping the connection open.
    StallAfter(Dir, usize),
    /// Forward at most this many bytes per second in each direction.
    Slow(usize),
}

#[derive(Debug)]
struct Shared {
    upstream: SocketAddr,
    fault: Mutex<(Fault, Option<usize>)>,
    connections: AtomicUsize,
    faulted: AtomicUsize,
}

/// A running proxy; stops when dropped. It runs on its own thread with its
/// own runtime, so it works the same from sync and async tests.
#[derive(Debug)]
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FaultProxy {
    /// Starts a proxy on a free loopback port forwarding to `upstream`.
    pub fn start(upstream: SocketAddr) -> Self {
        let std_listener =
            std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind proxy");
        std_listener.set_nonblocking(true).expect("nonblocking");
        let addr = std_listener.local_addr().expect("proxy address");
        let shared = Arc::new(Shared {
            upstream,
            fault: Mutex::new((Fault::Pass, None)),
            connections: AtomicUsize::new(0),
            faulted: AtomicUsize::new(0),
        });
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let s = shared.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("tokio runtime for the proxy");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(std_listener).expect("tokio listener");
                let accept = async {
                    while let Ok((client, _)) = listener.accept().await {
                        let fault = s.next_fault();
                        s.connections.fetch_add(1, Ordering::SeqCst);
                        let upstream = s.upstream;
                        tokio::spawn(async move {
                            if let Err(e) = handle(client, upstream, fault).await {
                                tracing::debug!(error = %e, "proxy connection ended");
                            }
                        });
                    }
                };
                tokio::select! {
                    () = accept => {}
                    _ = stop_rx => {}
                }
            });
            // Connections still open (a stall) are dropped with the runtime.
            runtime.shutdown_background();
        });
        FaultProxy {
            addr,
            shared,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`: the base URL to use instead of the server's.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Applies `fault` to every new connection from now on.
    pub fn set_fault(&self, fault: Fault) {
        *self.shared.fault.lock().unwrap() = (fault, None);
    }

    /// Applies `fault` to the next `n` connections, then passes again.
    pub fn set_fault_for(&self, fault: Fault, n: usize) {
        *self.shared.fault.lock().unwrap() = (fault, Some(n));
    }

    /// How many connections the proxy has accepted.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// How many connections got a fault other than [`Fault::Pass`].
    pub fn faulted(&self) -> usize {
        self.shared.faulted.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Shared {
    fn next_fault(&self) -> Fault {
        let mut guard = self.fault.lock().unwrap();
        let (fault, remaining) = *guard;
        let fault = match remaining {
            Some(0) => {
                *guard = (Fault::Pass, None);
                Fault::Pass
            }
            Some(n) => {
                guard.1 = Some(n - 1);
                fault
            }
            None => fault,
        };
        if fault != Fault::Pass {
            self.faulted.fetch_add(1, Ordering::SeqCst);
        }
        fault
    }
}

/// What a pump does once its byte budget is spent.
#[derive(Debug, Clone, Copy)]
enum Then {
    Close,
    Reset,
    Stall,
}

async fn handle(client: TcpStream, upstream: SocketAddr, fault: Fault) -> std::io::Result<()> {
    let server = TcpStream::connect(upstream).await?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (limit_up, limit_down, then, rate) = match fault {
        Fault::Pass => (None, None, Then::Close, None),
        Fault::Slow(bps) => (None, None, Then::Close, Some(bps.max(1))),
        Fault::DropAfter(d, n) => split(d, n, Then::Close),
        Fault::ResetAfter(d, n) => split(d, n, Then::Reset),
        Fault::StallAfter(d, n) => split(d, n, Then::Stall),
    };
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let up = pump(&mut cr, &mut sw, limit_up, rate);
    let down = pump(&mut sr, &mut cw, limit_down, rate);
    // Whichever direction ends first (EOF or its budget) decides.
    let budget_hit = tokio::select! {
        r = up => r?,
        r = down => r?,
    };
    if !budget_hit {
        // A clean EOF on one side: finish like a normal proxy would.
        let _ = cw.shutdown().await;
        let _ = sw.shutdown().await;
        return Ok(());
    }
    match then {
        Then::Close => {
            let _ = cw.shutdown().await;
            let _ = sw.shutdown().await;
        }
        Then::Reset => {
            let client = cr.reunite(cw).expect("same stream");
            let server = sr.reunite(sw).expect("same stream");
            // SO_LINGER 0 makes close() send RST instead of FIN.
            #[allow(deprecated)]
            {
                let _ = client.set_linger(Some(Duration::ZERO));
                let _ = server.set_linger(Some(Duration::ZERO));
            }
            drop(client);
            drop(server);
        }
        Then::Stall => {
            // Hold both sockets open and silent until the proxy stops.
            tokio::time::sleep(Duration::from_secs(24 * 3600)).await;
            drop((cr, cw, sr, sw));
        }
    }
    Ok(())
}

fn split(d: Dir, n: usize, then: Then) -> (Option<usize>, Option<usize>, Then, Option<usize>) {
    match d {
        Dir::Up => (Some(n), None, then, None),
        Dir::Down => (None, Some(n), then, None),
    }
}

/// Copies bytes until EOF (returns `false`) or until `limit` bytes have been
/// forwarded (returns `true`), at most `rate` bytes per second.
async fn pump<R, W>(
    r: &mut R,
    w: &mut W,
    limit: Option<usize>,
    rate: Option<usize>,
) -> std::io::Result<bool>
where
    R: AsyncReadExt + Unpin,
    W: AsyncWriteExt + Unpin,
{
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent = 0usize;
    loop {
        let mut want = buf.len();
        if let Some(limit) = limit {
            if sent >= limit {
                return Ok(true);
            }
            want = want.min(limit - sent);
        }
        if let Some(rate) = rate {
            // Slices of a tenth of a second.
            want = want.min((rate / 10).max(1));
        }
        let n = r.read(&mut buf[..want]).await?;
        if n == 0 {
            return Ok(false);
        }
        w.write_all(&buf[..n]).await?;
        sent += n;
        if let Some(rate) = rate {
            tokio::time::sleep(Duration::from_secs_f64(n as f64 / rate as f64)).await;
        }
    }
}
