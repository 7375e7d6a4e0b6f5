//! Child processes that die with their handle.

use std::io::Read;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

/// A free TCP port on 127.0.0.1 (the OS picks it; the listener is closed
/// before returning, so a tiny race with other programs remains).
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("no free loopback port")
}

/// Waits until `addr` accepts TCP connections, or `timeout` passes.
pub fn wait_for_port(addr: SocketAddr, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    false
}

/// A process started in its own process group; dropping the handle sends
/// SIGTERM to the whole group, then SIGKILL after a grace period.
#[derive(Debug)]
pub struct GroupChild {
    child: Child,
    name: String,
    log: Option<PathBuf>,
}

impl GroupChild {
    /// Spawns `cmd` as the leader of a new process group. Its stdout and
    /// stderr go to `log` (appended) when given.
    pub fn spawn(name: &str, mut cmd: Command, log: Option<&Path>) -> std::io::Result<Self> {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0).stdin(Stdio::null());
        if let Some(log) = log {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)?;
            cmd.stdout(f.try_clone()?).stderr(f);
        }
        let child = cmd.spawn()?;
        Ok(GroupChild {
            child,
            name: name.to_owned(),
            log: log.map(Path::to_path_buf),
        })
    }

    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// `Some(status)` if the process has already exited.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The last lines of the log, for error messages.
    pub fn log_tail(&self) -> String {
        let Some(log) = &self.log else {
            return String::new();
        };
        let mut s = String::new();
        if let Ok(mut f) = std::fs::File::open(log) {
            let _ = f.read_to_string(&mut s);
        }
        let lines: Vec<&str> = s.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    fn signal_group(&self, sig: Signal) {
        // The child leads its own process group (pgid == pid).
        let _ = killpg(Pid::from_raw(self.child.id() as i32), sig);
    }

    /// Stops the whole group: SIGTERM, then SIGKILL after `grace`.
    pub fn stop(&mut self, grace: Duration) {
        if self.exited().is_none() {
            self.signal_group(Signal::SIGTERM);
            let deadline = Instant::now() + grace;
            while Instant::now() < deadline && self.exited().is_none() {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        // Children of the leader may outlive it: always sweep the group.
        self.signal_group(Signal::SIGKILL);
        let _ = self.child.wait();
        tracing::debug!(name = %self.name, "stopped");
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        self.stop(Duration::from_secs(5));
    }
}
