//! A real Nextcloud 33 server, shared by the tests of a run.
//!
//! The server comes from the archive in `../shared/servers/nextcloud/`
//! (or wherever `CC_NEXTCLOUD_SERVER` points: a folder holding its
//! `start.sh`, `stop.sh` and `login-flow.sh`); the project does not copy
//! it. It is installed once under `target/nextcloud/` (about 15 s the first
//! time, kept between runs) and started when the first test of a test
//! process asks for it (under a second once installed).
//!
//! One server serves every test process of a run: each process holds a
//! shared lock on `target/nextcloud.users` while it lives, and the process
//! that starts the server also starts a watchdog (`flock -x` on that file,
//! then the server's `stop.sh`) which stops the server once no test process
//! holds the lock any more. Nothing is left running after the tests.
//!
//! Each test gets a user of its own ([`Nextcloud::new_user`]: made through
//! the provisioning API with a random name, signed in once with its password
//! as a person would, so its calendar and address book exist), so tests
//! cannot see each other's files.
//!
//! Where the archive is absent, [`shared`] prints why and how to point at
//! one and returns `None`; the tests use [`nextcloud_or_skip!`] to end
//! there. Set `CC_REQUIRE_NEXTCLOUD=1` to make that a failure (the test
//! command does, where the archive is present).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::process::free_port;

/// The running shared server.
#[derive(Debug)]
pub struct Nextcloud {
    /// Where `start.sh` installed it (`target/nextcloud`).
    dir: PathBuf,
    /// The folder with `start.sh`, `stop.sh`, `login-flow.sh`.
    scripts: PathBuf,
    url: String,
    admin_app_password: String,
    /// Held (shared) while this process lives: the watchdog stops the
    /// server once nobody holds it.
    _users: File,
}

/// A user of the shared server made for one test.
#[derive(Debug, Clone)]
pub struct NcUser {
    pub login: String,
    /// The login password (what a person types in the browser).
    pub password: String,
    /// An app password, as Login Flow would hand out (what clients use).
    pub app_password: String,
    base: String,
    data: PathBuf,
}

/// The folder with the server's scripts and archive, if there is one.
pub fn server_scripts() -> Option<PathBuf> {
    let dir = match std::env::var_os("CC_NEXTCLOUD_SERVER") {
        Some(d) => PathBuf::from(d),
        None => crate::workspace_root().join("../shared/servers/nextcloud"),
    };
    dir.join("start.sh").is_file().then_some(dir)
}

/// The shared server, started if needed; `None` (after saying why on
/// stderr) where no Nextcloud archive is found. Panics if it is found but
/// does not start.
pub fn shared() -> Option<&'static Nextcloud> {
    static SERVER: OnceLock<Option<Nextcloud>> = OnceLock::new();
    SERVER.get_or_init(start_shared).as_ref()
}

/// The shared server for one test at a time: [`Turn`] derefs to it and
/// holds a lock (across the test processes of a run) until dropped.
///
/// Nextcloud on SQLite answers "database is locked" (a 500) when two
/// requests write at the same moment; one test at a time keeps those out
/// of tests that are not about them, and keeps each test's timing its own.
pub fn turn() -> Option<Turn> {
    let nc = shared()?;
    let lock = File::create(target().join("nextcloud.turn")).expect("target/nextcloud.turn");
    lock.lock().expect("lock target/nextcloud.turn");
    Some(Turn { nc, _lock: lock })
}

/// The shared server, this test's alone while held (see [`turn`]).
#[derive(Debug)]
pub struct Turn {
    nc: &'static Nextcloud,
    _lock: File,
}

impl std::ops::Deref for Turn {
    type Target = Nextcloud;
    fn deref(&self) -> &Nextcloud {
        self.nc
    }
}

/// The test's [`Turn`] of the real Nextcloud, or the end of the test
/// (it returns) when no real Nextcloud is available, after [`shared`]
/// said why.
#[macro_export]
macro_rules! nextcloud_or_skip {
    () => {
        match $crate::nextcloud::turn() {
            Some(nc) => nc,
            None => return,
        }
    };
}

fn target() -> PathBuf {
    crate::workspace_root().join("target")
}

fn start_shared() -> Option<Nextcloud> {
    let Some(scripts) = server_scripts() else {
        let msg = "real-Nextcloud tests skipped: no Nextcloud server found at \
             ../shared/servers/nextcloud (next to the checkout). Point \
             CC_NEXTCLOUD_SERVER at a folder with its start.sh, stop.sh and \
             login-flow.sh and a Nextcloud release archive (see \
             tests/harness/src/nextcloud.rs).";
        if std::env::var_os("CC_REQUIRE_NEXTCLOUD").is_some_and(|v| v == "1") {
            panic!("CC_REQUIRE_NEXTCLOUD=1 but {msg}");
        }
        eprintln!("{msg}");
        return None;
    };
    let target = target();
    std::fs::create_dir_all(&target).expect("target/");
    let dir = target.join("nextcloud");
    // Held shared for the life of this process (the descriptor is closed on
    // exec: children do not keep it).
    let users = File::create(target.join("nextcloud.users")).expect("target/nextcloud.users");
    users.lock_shared().expect("lock target/nextcloud.users");
    let start_lock = File::create(target.join("nextcloud.lock")).expect("target/nextcloud.lock");
    start_lock.lock().expect("lock target/nextcloud.lock");
    if running_url(&dir).is_none() {
        start(&scripts, &dir, &target);
    }
    let url = running_url(&dir).unwrap_or_else(|| {
        panic!(
            "the real Nextcloud in {} does not answer after start.sh; see {}",
            dir.display(),
            dir.join("server.log").display()
        )
    });
    drop(start_lock);
    let admin_app_password = read_line(&dir.join("admin-apppassword.txt"));
    Some(Nextcloud {
        dir,
        scripts,
        url,
        admin_app_password,
        _users: users,
    })
}

fn read_line(p: &Path) -> String {
    std::fs::read_to_string(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .trim()
        .to_owned()
}

/// The base URL if the server of `dir` is up and installed.
fn running_url(dir: &Path) -> Option<String> {
    let url = std::fs::read_to_string(dir.join("url.txt")).ok()?;
    let url = url.trim().to_owned();
    let pid = std::fs::read_to_string(dir.join("server.pid")).ok()?;
    let pid: i32 = pid.trim().parse().ok()?;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).ok()?;
    let out = Command::new("curl")
        .args(["-fsS", "-m", "5"])
        .arg(format!("{url}/status.php"))
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .contains("\"installed\":true")
        .then_some(url)
}

fn start(scripts: &Path, dir: &Path, target: &Path) {
    // The port of the last run if it is free (nothing to change in the
    // server's configuration), else a new one.
    let port = std::fs::read_to_string(dir.join("url.txt"))
        .ok()
        .and_then(|u| u.trim().rsplit(':').next()?.parse::<u16>().ok())
        .filter(|p| std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok())
        .unwrap_or_else(free_port);
    let first = !dir.join("nextcloud/version.php").exists();
    if first {
        eprintln!(
            "harness: installing the real Nextcloud from {} into {} (once; about 15 s)",
            scripts.display(),
            dir.display()
        );
    }
    let log = target.join("nextcloud-start.log");
    let log_file = File::create(&log).expect("target/nextcloud-start.log");
    let status = Command::new("bash")
        .arg(scripts.join("start.sh"))
        .arg(dir)
        .arg(port.to_string())
        .envs(crate::home_env(&target.join("nextcloud-home")))
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().expect("log"))
        .stderr(log_file)
        .status()
        .expect("run the Nextcloud start.sh");
    if !status.success() {
        panic!(
            "the real Nextcloud did not start ({status}):\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }
    // The watchdog: waits until no test process holds the users lock,
    // then stops the server. In its own session (`setsid -f` forks it off
    // and returns at once), so it outlives this process and its terminal.
    let status = Command::new("setsid")
        .arg("-f")
        .arg("flock")
        .arg("-x")
        .arg(target.join("nextcloud.users"))
        .arg("bash")
        .arg(scripts.join("stop.sh"))
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("start the Nextcloud watchdog (setsid, flock)");
    assert!(
        status.success(),
        "the Nextcloud watchdog did not start: {status}"
    );
}

/// Nextcloud's push server, up while this lives (see
/// [`Nextcloud::push_server`]).
#[derive(Debug)]
pub struct PushServer<'a> {
    nc: &'a Nextcloud,
    port: u16,
    websocket: String,
}

impl PushServer<'_> {
    /// The websocket the capabilities advertise (`ws://127.0.0.1:PORT/ws`).
    pub fn websocket(&self) -> &str {
        &self.websocket
    }

    /// Stops the push server (as a crash or a restart would), then starts
    /// it again on the same port once `down` has run.
    pub fn restart_after(&mut self, down: impl FnOnce()) {
        self.stop();
        down();
        let again = self.nc.push_server_on(self.port);
        self.websocket = again;
    }

    fn stop(&self) {
        let out = Command::new("bash")
            .arg(self.nc.scripts.join("notify_push/stop-push.sh"))
            .arg(&self.nc.dir)
            .envs(crate::home_env(&target().join("nextcloud-home")))
            .stdin(Stdio::null())
            .output()
            .expect("run notify_push/stop-push.sh");
        if !out.status.success() {
            eprintln!(
                "harness: stop-push.sh failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

impl Drop for PushServer<'_> {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A password Nextcloud's password policy accepts.
fn random_password() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::from("Cc-");
    for _ in 0..3 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

impl Nextcloud {
    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the server is installed (`data/` holds the users' files).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The folder with `login-flow.sh` and the other scripts.
    pub fn scripts(&self) -> &Path {
        &self.scripts
    }

    /// Runs `occ` with `args`; panics with its output when it fails.
    pub fn occ(&self, args: &[&str]) -> String {
        self.occ_env(args, &[])
    }

    /// Runs `occ` with `args` and extra environment.
    pub fn occ_env(&self, args: &[&str], env: &[(&str, &str)]) -> String {
        let out = Command::new(self.dir.join("occ"))
            .args(args)
            .arg("--no-interaction")
            .envs(env.iter().copied())
            .envs(crate::home_env(&target().join("nextcloud-home")))
            .stdin(Stdio::null())
            .output()
            .expect("run occ");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if !out.status.success() {
            panic!(
                "occ {args:?} failed ({}): {text}{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
        text
    }

    /// A request to the server with `curl`: `(status, body)`.
    /// `auth` is `(login, password)`; OCS requests get their header.
    pub fn curl(
        &self,
        method: &str,
        path: &str,
        auth: (&str, &str),
        form: &[(&str, &str)],
    ) -> (u16, String) {
        let mut cmd = Command::new("curl");
        cmd.args([
            "-sS",
            "-m",
            "60",
            "-X",
            method,
            "-H",
            "OCS-APIRequest: true",
        ])
        .args(["-H", "Accept: application/json", "-H", "Expect:"])
        .arg("-u")
        .arg(format!("{}:{}", auth.0, auth.1))
        .args(["-w", "\n%{http_code}"]);
        for (k, v) in form {
            cmd.arg("--data-urlencode").arg(format!("{k}={v}"));
        }
        cmd.arg(format!("{}{path}", self.url));
        let out = cmd.output().expect("run curl");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
        (code.trim().parse().unwrap_or(0), body.to_owned())
    }

    /// Where the server's request log is now: [`requests_since`]
    /// (Self::requests_since) lists what came after. Only the test holding
    /// the [`Turn`] sends requests, so what comes after is its own.
    pub fn log_mark(&self) -> u64 {
        std::fs::metadata(self.dir.join("server.log")).map_or(0, |m| m.len())
    }

    /// The requests the server answered since `mark`, as `(status,
    /// "METHOD /path")`, from the PHP server's own log.
    pub fn requests_since(&self, mark: u64) -> Vec<(u16, String)> {
        use std::io::{Read, Seek};
        let mut f = File::open(self.dir.join("server.log")).expect("server.log");
        f.seek(std::io::SeekFrom::Start(mark))
            .expect("seek server.log");
        let mut text = String::new();
        f.read_to_string(&mut text).expect("read server.log");
        // `[pid] [date] 127.0.0.1:port [207]: PROPFIND /remote.php/...`
        text.lines()
            .filter_map(|l| {
                let (_, rest) = l.split_once("]: ")?;
                let head = &l[..l.len() - rest.len() - 3];
                let status = head.rsplit_once('[')?.1.parse().ok()?;
                Some((status, rest.to_owned()))
            })
            .collect()
    }

    /// Shares `path` (below `owner`'s files, `/Team`) with the user
    /// `with` through the OCS share API, as the web interface does;
    /// `permissions` as the API counts them (1 read, 2 update, 4 create,
    /// 8 delete, 16 share; 31 all). The share is accepted at once (the
    /// server's default). Returns the share's id.
    pub fn share(&self, owner: &NcUser, path: &str, with: &NcUser, permissions: u8) -> String {
        let (code, body) = self.curl(
            "POST",
            "/ocs/v2.php/apps/files_sharing/api/v1/shares",
            (&owner.login, &owner.app_password),
            &[
                ("path", path),
                ("shareType", "0"),
                ("shareWith", &with.login),
                ("permissions", &permissions.to_string()),
            ],
        );
        assert_eq!(code, 200, "share {path} with {}: {body}", with.login);
        let at = body.find("\"id\":").expect("share id") + 5;
        body[at..]
            .trim_start_matches(['"', ' '])
            .split(['"', ','])
            .next()
            .expect("share id")
            .to_owned()
    }

    /// The browser's part of Login Flow v2 for `user`, done by the
    /// server's `login-flow.sh` as a person would (landing page, login
    /// form, "Grant access"). `login_url` is the flow's `login` address.
    pub fn login_flow(&self, login_url: &str, user: &NcUser) {
        let out = Command::new("bash")
            .arg(self.scripts.join("login-flow.sh"))
            .arg(&self.dir)
            .arg(login_url)
            .arg(&user.login)
            .envs(crate::home_env(&target().join("nextcloud-home")))
            .stdin(Stdio::null())
            .output()
            .expect("run login-flow.sh");
        assert!(
            out.status.success(),
            "login-flow.sh failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The app passwords (devices and sessions) of `user` as the security
    /// settings page lists them: `(id, name)`. Signs in with the password
    /// in a browser session of its own (`jar`).
    fn security_tokens(&self, user: &NcUser, jar: &Path) -> (Vec<(u64, String)>, String) {
        let browser = |args: &[&str]| -> String {
            let out = Command::new("curl")
                .args(["-sS", "-m", "60", "-c"])
                .arg(jar)
                .arg("-b")
                .arg(jar)
                .args(["-H", "Accept: text/html"])
                .args(args)
                .output()
                .expect("run curl");
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let request_token = |page: &str| -> String {
            let at = page
                .find("data-requesttoken=\"")
                .expect("a request token in the page")
                + "data-requesttoken=\"".len();
            page[at..].split('"').next().unwrap_or_default().to_owned()
        };
        let login_page = browser(&[&format!("{}/index.php/login", self.url)]);
        let token = request_token(&login_page);
        browser(&[
            "-H",
            &format!("Origin: {}", self.url),
            "--data-urlencode",
            &format!("user={}", user.login),
            "--data-urlencode",
            &format!("password={}", user.password),
            "--data-urlencode",
            &format!("requesttoken={token}"),
            &format!("{}/index.php/login", self.url),
        ]);
        let page = browser(&[&format!("{}/index.php/settings/user/security", self.url)]);
        let page_path = jar.with_extension("html");
        std::fs::write(&page_path, &page).expect("security page");
        // The page's initial state: base64 JSON, as login-flow.sh reads it.
        let out = Command::new("php8.2")
            .arg("-r")
            .arg(
                r#"$h = file_get_contents($argv[1]);
                if (!preg_match('/id="initial-state-settings-app_tokens"\s+value="([^"]*)"/', $h, $m)) exit(1);
                foreach (json_decode(base64_decode(html_entity_decode($m[1])), true) as $t) echo $t["id"], "	", $t["name"], "
";"#,
            )
            .arg(&page_path)
            .output()
            .expect("run php");
        assert!(out.status.success(), "no app tokens in the security page");
        let tokens = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| {
                let (id, name) = l.split_once('\t')?;
                Some((id.parse().ok()?, name.to_owned()))
            })
            .collect();
        (tokens, request_token(&page))
    }

    /// The names of `user`'s app passwords (devices and sessions), as the
    /// security settings list them.
    pub fn app_password_names(&self, user: &NcUser) -> Vec<String> {
        let dir = tempfile::tempdir().expect("temp dir");
        let (tokens, _) = self.security_tokens(user, &dir.path().join("cookies"));
        tokens.into_iter().map(|(_, n)| n).collect()
    }

    /// Starts a remote wipe of `user`'s device whose app password is named
    /// with `name_part` (Login Flow names it after the client's
    /// User-Agent), the way the security settings do it: a signed-in
    /// browser session posts "Wipe device". Returns the token's name.
    pub fn remote_wipe(&self, user: &NcUser, name_part: &str) -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        let jar = dir.path().join("cookies");
        let (tokens, request_token) = self.security_tokens(user, &jar);
        let (id, name) = tokens
            .into_iter()
            .find(|(_, n)| n.contains(name_part))
            .unwrap_or_else(|| panic!("no app password named like {name_part:?}"));
        let out = Command::new("curl")
            .args(["-sS", "-m", "60", "-X", "POST", "-c"])
            .arg(&jar)
            .arg("-b")
            .arg(&jar)
            .args(["-H", &format!("requesttoken: {request_token}")])
            .args(["-H", "Accept: application/json", "-w", "\n%{http_code}"])
            .arg(format!(
                "{}/index.php/settings/personal/authtokens/wipe/{id}",
                self.url
            ))
            .output()
            .expect("run curl");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.trim_end().ends_with("200"), "wipe {name}: {text}");
        name
    }

    /// Starts Nextcloud's push server (`notify_push` with its Redis,
    /// `notify_push/start-push.sh` beside the server's scripts) for this
    /// server; it runs until the returned guard is dropped (then
    /// `stop-push.sh` switches it off again, so other tests see a server
    /// without push). Hold the [`Turn`] meanwhile. Panics when it does not
    /// start.
    pub fn push_server(&self) -> PushServer<'_> {
        let port = free_port();
        let websocket = self.push_server_on(port);
        PushServer {
            nc: self,
            port,
            websocket,
        }
    }

    /// Runs `start-push.sh` for a push server on `port`; its websocket.
    fn push_server_on(&self, port: u16) -> String {
        let start = self.scripts.join("notify_push/start-push.sh");
        assert!(
            start.is_file(),
            "no notify_push/start-push.sh beside {}",
            self.scripts.display()
        );
        self.check_ana();
        let out = Command::new("bash")
            .arg(&start)
            .arg(&self.dir)
            .arg(port.to_string())
            .envs(crate::home_env(&target().join("nextcloud-home")))
            .stdin(Stdio::null())
            .output()
            .expect("run notify_push/start-push.sh");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "the push server did not start:\n{text}"
        );
        text.lines()
            .rev()
            .find(|l| l.starts_with("ws://"))
            .unwrap_or_else(|| panic!("start-push.sh named no websocket:\n{text}"))
            .trim()
            .to_owned()
    }

    /// `start-push.sh` checks the capability as the server's first user,
    /// `ana`, with the app password `start.sh` wrote: when that password no
    /// longer works (revoked by hand), a new one is made.
    fn check_ana(&self) {
        let Ok(pw) = std::fs::read_to_string(self.dir.join("ana-apppassword.txt")) else {
            return;
        };
        let (code, _) = self.curl(
            "GET",
            "/ocs/v2.php/cloud/user?format=json",
            ("ana", pw.trim()),
            &[],
        );
        if code == 200 {
            return;
        }
        let out = self.occ(&["user:auth-tokens:add", "ana"]);
        let new = out
            .lines()
            .map(str::trim)
            .rfind(|l| l.len() >= 32 && l.chars().all(|c| c.is_ascii_alphanumeric()))
            .unwrap_or_else(|| panic!("no app password in: {out}"));
        std::fs::write(self.dir.join("ana-apppassword.txt"), format!("{new}\n"))
            .expect("write ana-apppassword.txt");
    }

    /// The administrator's app password.
    pub fn admin(&self) -> (&str, &str) {
        ("admin", &self.admin_app_password)
    }

    /// A fresh user for one test: a random login (starting with
    /// `prefix`), a login password, and an app password. The user signs in
    /// once with the password (as a person does), which makes their
    /// calendar `personal` and address book `contacts`.
    pub fn new_user(&self, prefix: &str) -> NcUser {
        for attempt in 1.. {
            match self.try_new_user(prefix) {
                Ok(u) => return u,
                // "database is locked" from another writer (the server's
                // own background work): once more, with a new name.
                Err(why) if attempt < 5 => {
                    eprintln!("harness: making a Nextcloud user failed ({why}); again");
                    std::thread::sleep(std::time::Duration::from_millis(300 * attempt));
                }
                Err(why) => panic!("cannot make a Nextcloud user: {why}"),
            }
        }
        unreachable!()
    }

    fn try_new_user(&self, prefix: &str) -> Result<NcUser, String> {
        static N: AtomicU32 = AtomicU32::new(0);
        let login = format!(
            "{prefix}-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            &random_password()[3..9]
        );
        let password = random_password();
        let (code, body) = self.curl(
            "POST",
            "/ocs/v2.php/cloud/users",
            self.admin(),
            &[("userid", &login), ("password", &password)],
        );
        if code != 200 {
            return Err(format!("make user {login}: {code} {body}"));
        }
        // The first sign-in with the password, then an app password made
        // with it (what Login Flow gives a client).
        let (code, body) = self.curl(
            "GET",
            "/ocs/v2.php/core/getapppassword",
            (&login, &password),
            &[],
        );
        if code != 200 {
            return Err(format!("app password for {login}: {code} {body}"));
        }
        let app_password =
            json_string(&body, "apppassword").ok_or_else(|| format!("no apppassword in {body}"))?;
        // Where the server's `login-flow.sh` reads a user's password.
        write_private(&self.dir.join(format!("{login}-password.txt")), &password)?;
        Ok(NcUser {
            data: self.dir.join("data").join(&login).join("files"),
            login,
            password,
            app_password,
            base: self.url.clone(),
        })
    }
}

/// Writes a secret only its owner may read.
fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    writeln!(f, "{text}").map_err(|e| format!("{}: {e}", path.display()))
}

/// The string value of `"key":"…"` in a small JSON document (the OCS
/// answers the harness reads), JSON escapes undone.
fn json_string(body: &str, key: &str) -> Option<String> {
    let at = body.find(&format!("\"{key}\""))?;
    let rest = &body[at + key.len() + 2..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                '/' => out.push('/'),
                'n' => out.push('\n'),
                c => out.push(c),
            },
            c => out.push(c),
        }
    }
    None
}

impl NcUser {
    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The user's WebDAV files root.
    pub fn files_root(&self) -> url::Url {
        url::Url::parse(&format!(
            "{}/remote.php/dav/files/{}/",
            self.base, self.login
        ))
        .expect("files root URL")
    }

    /// The user's principal, calendar home and address-book home.
    pub fn principal_url(&self) -> String {
        format!(
            "{}/remote.php/dav/principals/users/{}/",
            self.base, self.login
        )
    }

    pub fn calendar_home_url(&self) -> String {
        format!("{}/remote.php/dav/calendars/{}/", self.base, self.login)
    }

    pub fn addressbook_home_url(&self) -> String {
        format!(
            "{}/remote.php/dav/addressbooks/users/{}/",
            self.base, self.login
        )
    }

    /// The server's own folder of the user's files (what `occ files:scan`
    /// reads).
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// A DAV client signed in with the app password.
    pub fn dav_client(&self) -> cc_dav::DavClient {
        self.dav_client_with(cc_dav::ClientConfig::default())
    }

    /// A DAV client signed in with the app password, configured as given.
    pub fn dav_client_with(&self, config: cc_dav::ClientConfig) -> cc_dav::DavClient {
        cc_dav::DavClient::new(
            config,
            Some(cc_dav::Credentials {
                user: self.login.clone(),
                password: self.app_password.clone(),
            }),
        )
        .expect("a DAV client for the real Nextcloud")
    }
}
