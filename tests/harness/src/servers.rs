//! Real DAV servers on loopback.
//!
//! Each server lives in `tests/harness/servers/<name>/`: a `start.sh` that
//! writes the server's configuration into a fresh temporary folder and runs
//! it in the foreground, plus its templates and a README with the quirks
//! seen. [`Server::start`] copies that folder into a new temporary `ROOT`,
//! runs `start.sh` in its own process group with `ROOT`, `PORT`, `PORT2`,
//! `DAV_USER` and `DAV_PASS` set, waits until the port answers, and stops
//! the whole group when the handle is dropped.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::process::{GroupChild, free_port, wait_for_port};
use crate::{PASSWORD, USER};

/// The servers the harness can start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Apache 2.4 mod_dav_fs: the reference WebDAV server.
    Apache,
    /// lighttpd 1.4 mod_webdav.
    Lighttpd,
    /// sabre/dav 1.8 `FSExt` tree on `php -S`: Nextcloud's DAV family.
    SabreFiles,
    /// rclone `serve webdav`: sloppy on purpose (ignores If-Match).
    Rclone,
    /// Radicale 3: CalDAV and CardDAV.
    Radicale,
    /// Cyrus IMAP 3.6 httpd: CalDAV and CardDAV.
    Cyrus,
    /// Xandikos (from PyPI): CalDAV and CardDAV.
    Xandikos,
    /// sabre/dav 1.8 CalDAV and CardDAV on PDO SQLite (no sync-collection).
    SabrePim,
}

impl Kind {
    /// The folder name under `tests/harness/servers/`.
    pub fn dir_name(self) -> &'static str {
        match self {
            Kind::Apache => "apache",
            Kind::Lighttpd => "lighttpd",
            Kind::SabreFiles => "sabredav-files",
            Kind::Rclone => "rclone",
            Kind::Radicale => "radicale",
            Kind::Cyrus => "cyrus",
            Kind::Xandikos => "xandikos",
            Kind::SabrePim => "sabredav-pim",
        }
    }

    /// Path of the WebDAV files root (file servers only).
    fn files_path(self) -> Option<&'static str> {
        match self {
            Kind::Apache | Kind::Lighttpd | Kind::SabreFiles | Kind::Rclone => Some("/dav/"),
            _ => None,
        }
    }

    /// Paths of the user's principal, calendar home and address-book home
    /// (CalDAV/CardDAV servers only), as the servers report them.
    fn pim_paths(self) -> Option<(String, String, String)> {
        let u = USER;
        match self {
            Kind::Radicale => Some((format!("/{u}/"), format!("/{u}/"), format!("/{u}/"))),
            Kind::Cyrus => Some((
                format!("/dav/principals/user/{u}/"),
                format!("/dav/calendars/user/{u}/"),
                format!("/dav/addressbooks/user/{u}/"),
            )),
            Kind::Xandikos => Some((
                format!("/{u}/"),
                format!("/{u}/calendars/"),
                format!("/{u}/contacts/"),
            )),
            Kind::SabrePim => Some((
                format!("/principals/{u}/"),
                format!("/calendars/{u}/"),
                format!("/addressbooks/{u}/"),
            )),
            _ => None,
        }
    }

    /// Whether the server implements RFC 6578 sync-collection.
    pub fn has_sync_collection(self) -> bool {
        // Quirk: sabre/dav 1.8 answers 403 ReportNotSupported.
        self != Kind::SabrePim
    }
}

/// Every WebDAV file server, for tests that run against each.
pub const FILE_SERVERS: &[Kind] = &[Kind::Apache, Kind::Lighttpd, Kind::SabreFiles, Kind::Rclone];
/// Every CalDAV/CardDAV server.
pub const PIM_SERVERS: &[Kind] = &[Kind::Radicale, Kind::Cyrus, Kind::Xandikos, Kind::SabrePim];

/// A running server; stopped when dropped.
#[derive(Debug)]
pub struct Server {
    kind: Kind,
    port: u16,
    // Field order: the process stops before its folder is removed.
    process: GroupChild,
    root: tempfile::TempDir,
    user: String,
    password: String,
}

/// Where the server folders of the repository are.
pub fn servers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("servers")
}

/// What makes the virtual environment with Xandikos by hand (the test
/// command and the harness run the same).
pub const XANDIKOS_VENV_COMMAND: &str = "python3 -m venv target/test-venv && target/test-venv/bin/pip install --quiet --disable-pip-version-check 'xandikos>=0.4' && touch target/test-venv/.cc-ready";

/// The Python of the virtual environment that has Xandikos: the
/// `CC_XANDIKOS_PYTHON` variable, else `target/test-venv/bin/python`,
/// which the harness makes (once, under a lock shared by the test
/// processes of a run) when it is missing, so `cargo test` works in a
/// checkout where the test command never ran. Panics with the command
/// that makes it by hand when that fails (no `python3-venv`, no PyPI).
pub fn xandikos_python() -> PathBuf {
    if let Some(p) = std::env::var_os("CC_XANDIKOS_PYTHON") {
        return PathBuf::from(p);
    }
    let target = crate::workspace_root().join("target");
    let venv = target.join("test-venv");
    // Written once pip has finished: a venv another test process is still
    // filling is not used before it is whole.
    let marker = venv.join(".cc-ready");
    let ready = || marker.exists();
    if !ready() {
        std::fs::create_dir_all(&target).expect("target/");
        let lock =
            std::fs::File::create(target.join("test-venv.lock")).expect("target/test-venv.lock");
        lock.lock().expect("lock target/test-venv.lock");
        if !ready() {
            make_xandikos_venv(&venv).unwrap_or_else(|why| {
                panic!(
                    "Xandikos is not installed and the harness could not install it ({why}).\n\
                     Install it from the workspace root with:\n  {XANDIKOS_VENV_COMMAND}\n\
                     (or run ./scripts/test.sh, which also installs python3-venv), \
                     or point CC_XANDIKOS_PYTHON at a Python that has xandikos >= 0.4"
                )
            });
        }
    }
    venv.join("bin/python")
}

fn make_xandikos_venv(venv: &Path) -> Result<(), String> {
    let run = |cmd: &mut Command| -> Result<(), String> {
        let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{cmd:?} failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    eprintln!(
        "harness: installing Xandikos from PyPI into {}",
        venv.display()
    );
    let _ = std::fs::remove_dir_all(venv);
    run(Command::new("python3").args(["-m", "venv"]).arg(venv))?;
    run(Command::new(venv.join("bin/pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-cache-dir",
        "--timeout",
        "60",
        "xandikos>=0.4",
    ]))?;
    std::fs::write(venv.join(".cc-ready"), "xandikos installed\n").map_err(|e| e.to_string())
}

impl Server {
    /// Starts a server of `kind`. Panics with the server's log when it does
    /// not come up: a test cannot go on without its server.
    pub fn start(kind: Kind) -> Self {
        Self::start_with(kind, USER, PASSWORD, &[])
    }

    /// Apache standing in for a Nextcloud: the files at
    /// `/remote.php/dav/files/<user>/` on Apache's mod_dav_fs, every other
    /// request passed to `replay_base` (the replay server of the real
    /// recordings). `login`/`password` are what the files accept.
    pub fn start_nextcloud_front(
        replay_base: &str,
        user: &str,
        login: &str,
        password: &str,
    ) -> Self {
        Self::start_with(
            Kind::Apache,
            login,
            password,
            &[
                ("PROXY_TO", replay_base.trim_end_matches('/').to_owned()),
                ("DAV_ALIAS", format!("/remote.php/dav/files/{user}")),
            ],
        )
    }

    /// Starts a server with its own credentials and extra environment for
    /// its start script.
    pub fn start_with(kind: Kind, user: &str, password: &str, env: &[(&str, String)]) -> Self {
        let root = tempfile::Builder::new()
            .prefix(&format!("cc-{}-", kind.dir_name()))
            .tempdir()
            .expect("temp dir for server");
        let conf = root.path().join("conf");
        copy_dir(&servers_dir().join(kind.dir_name()), &conf)
            .unwrap_or_else(|e| panic!("copy {} config: {e}", kind.dir_name()));
        let logs = root.path().join("logs");
        std::fs::create_dir_all(&logs).unwrap();
        let port = free_port();
        let port2 = free_port();
        let mut cmd = Command::new("sh");
        cmd.arg(conf.join("start.sh"))
            .env("ROOT", root.path())
            .env("PORT", port.to_string())
            .env("PORT2", port2.to_string())
            .env("DAV_USER", user)
            .env("DAV_PASS", password)
            // The server's own home, not the developer's (caches, configs).
            .envs(crate::home_env(&root.path().join("home")))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .current_dir(root.path());
        if kind == Kind::Xandikos {
            cmd.env("XANDIKOS_PYTHON", xandikos_python());
        }
        let started = Instant::now();
        let mut process = GroupChild::spawn(kind.dir_name(), cmd, Some(&logs.join("start.log")))
            .unwrap_or_else(|e| panic!("spawn {}: {e}", kind.dir_name()));
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let up = wait_for_port(addr, Duration::from_secs(60));
        if !up || process.exited().is_some() {
            panic!(
                "{} did not start on port {port} (exit: {:?}):\n{}",
                kind.dir_name(),
                process.exited(),
                process.log_tail()
            );
        }
        tracing::info!(
            server = kind.dir_name(),
            port,
            ms = started.elapsed().as_millis() as u64,
            "server up"
        );
        Server {
            kind,
            port,
            process,
            root,
            user: user.to_owned(),
            password: password.to_owned(),
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The WebDAV folder the user may write files into (file servers).
    pub fn files_url(&self) -> String {
        let path = self
            .kind
            .files_path()
            .unwrap_or_else(|| panic!("{:?} is not a file server", self.kind));
        format!("{}{path}", self.base_url())
    }

    fn pim(&self) -> (String, String, String) {
        self.kind
            .pim_paths()
            .unwrap_or_else(|| panic!("{:?} is not a CalDAV/CardDAV server", self.kind))
    }

    /// The user's principal URL (CalDAV/CardDAV servers).
    pub fn principal_url(&self) -> String {
        format!("{}{}", self.base_url(), self.pim().0)
    }

    /// The user's calendar home URL (CalDAV/CardDAV servers).
    pub fn calendar_home_url(&self) -> String {
        format!("{}{}", self.base_url(), self.pim().1)
    }

    /// The user's address-book home URL (CalDAV/CardDAV servers).
    pub fn addressbook_home_url(&self) -> String {
        format!("{}{}", self.base_url(), self.pim().2)
    }

    /// The server's temporary folder (its data and logs live below it).
    pub fn root(&self) -> &Path {
        self.root.path()
    }

    /// The server's start log, for failure messages.
    pub fn log_tail(&self) -> String {
        self.process.log_tail()
    }

    pub fn user(&self) -> &str {
        &self.user
    }

    pub fn password(&self) -> &str {
        &self.password
    }

    /// A DAV client signed in as the server's user, with the client's
    /// defaults.
    pub fn dav_client(&self) -> cc_dav::DavClient {
        self.dav_client_with(cc_dav::ClientConfig::default())
    }

    /// A DAV client signed in as the server's user, configured as given
    /// (short timeouts for fault tests, no retries...).
    pub fn dav_client_with(&self, config: cc_dav::ClientConfig) -> cc_dav::DavClient {
        cc_dav::DavClient::new(
            config,
            Some(cc_dav::Credentials {
                user: self.user.clone(),
                password: self.password.clone(),
            }),
        )
        .expect("a DAV client for a harness server")
    }

    /// [`files_url`](Self::files_url), parsed.
    pub fn files_root(&self) -> url::Url {
        url::Url::parse(&self.files_url()).expect("the files URL parses")
    }
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
