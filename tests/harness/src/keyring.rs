//! A real gnome-keyring inside a private D-Bus session.
//!
//! The keyring daemon runs on its own bus (never the developer's session
//! bus) with its data in a temporary `XDG_DATA_HOME`, unlocked with a known
//! password. Code under test reaches it through the environment returned by
//! [`KeyringSession::envs`]: run it in a child process with those variables
//! (the D-Bus address is read from the environment at connection time).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::process::GroupChild;

/// A private session bus with an unlocked gnome-keyring on it.
#[derive(Debug)]
pub struct KeyringSession {
    // Field order matters: the keyring stops before its bus.
    keyring: GroupChild,
    bus: GroupChild,
    address: String,
    dir: tempfile::TempDir,
}

impl KeyringSession {
    /// Starts `dbus-daemon` and `gnome-keyring-daemon --unlock`.
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("keyring temp dir");
        let socket = dir.path().join("bus");
        let address = format!("unix:path={}", socket.display());
        let data = dir.path().join("data");
        let runtime = dir.path().join("runtime");
        for d in [&data, &runtime] {
            std::fs::create_dir_all(d).unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        // What the bus starts on demand for the app (the accessibility
        // bus, dconf) inherits its environment: a home of the session's
        // own, so their caches are not written into the real one.
        let mut cmd = Command::new("dbus-daemon");
        cmd.args(["--session", "--nofork", "--nopidfile"])
            .arg(format!("--address={address}"))
            .envs(crate::home_env(dir.path()))
            .env("XDG_RUNTIME_DIR", &runtime);
        let log = dir.path().join("dbus.log");
        let mut bus = GroupChild::spawn("dbus-daemon", cmd, Some(&log))
            .expect("dbus-daemon (apt install dbus) must be installed");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(
                Instant::now() < deadline && bus.exited().is_none(),
                "dbus-daemon did not start: {}",
                bus.log_tail()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // The unlock password arrives on stdin.
        let keyring_log = dir.path().join("keyring.log");
        let script = "printf '%s' \"$KEYRING_UNLOCK\" | exec gnome-keyring-daemon --foreground --unlock --components=secrets";
        let mut sh = Command::new("sh");
        sh.args(["-c", script])
            .env("KEYRING_UNLOCK", "harness-keyring-password")
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("XDG_DATA_HOME", &data)
            .env("XDG_RUNTIME_DIR", &runtime)
            .env("HOME", dir.path());
        let mut keyring = GroupChild::spawn("gnome-keyring-daemon", sh, Some(&keyring_log))
            .expect("gnome-keyring-daemon (apt install gnome-keyring) must be installed");
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if name_has_owner(&address, "org.freedesktop.secrets") {
                break;
            }
            assert!(
                Instant::now() < deadline && keyring.exited().is_none(),
                "gnome-keyring-daemon did not appear on the bus: {}",
                keyring.log_tail()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        KeyringSession {
            keyring,
            bus,
            address,
            dir,
        }
    }

    /// The D-Bus address of the private session.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The keyring daemon's data folder (where its files live).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Environment for a child process that should use this keyring.
    pub fn envs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DBUS_SESSION_BUS_ADDRESS", self.address.clone()),
            ("XDG_DATA_HOME", self.data_dir().display().to_string()),
        ]
    }

    /// Whether the keyring daemon is still running.
    pub fn is_running(&mut self) -> bool {
        self.keyring.exited().is_none() && self.bus.exited().is_none()
    }
}

fn name_has_owner(address: &str, name: &str) -> bool {
    let out = Command::new("dbus-send")
        .env("DBUS_SESSION_BUS_ADDRESS", address)
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
        ])
        .arg(format!("string:{name}"))
        .stdin(Stdio::null())
        .output();
    matches!(out, Ok(o) if String::from_utf8_lossy(&o.stdout).contains("boolean true"))
}

/// Runs one ignored test of the current test binary in a child process
/// with `envs` (how a test reaches a [`KeyringSession`]: the D-Bus address
/// must be in the environment before anything connects). Panics with the
/// child's output when it fails or did not run. Returns the output.
pub fn run_child_test(name: &str, envs: &[(&str, String)]) -> String {
    // The child's home: the one given, else a folder of its own; its XDG
    // folders inside it unless `envs` names them (a keyring's data).
    let own_home = tempfile::tempdir().expect("a home for the child");
    let home = envs
        .iter()
        .find(|(k, _)| *k == "HOME")
        .map(|(_, v)| std::path::PathBuf::from(v))
        .unwrap_or_else(|| own_home.path().to_path_buf());
    let out = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            "--ignored",
            "--exact",
            name,
            "--nocapture",
            "--test-threads=1",
        ])
        .envs(crate::home_env(&home))
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run the child test");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "child {name} failed:\n{text}");
    assert!(
        text.contains("1 passed"),
        "the child {name} did not run:\n{text}"
    );
    text
}

/// [`run_child_test`] inside a fresh [`KeyringSession`]: the child gets the
/// session's D-Bus address, a temporary folder in `CC_TEST_DIR` and its
/// home in `home/` below it (the folder goes when the child is done).
/// Returns the child's output.
pub fn run_child_in_keyring(name: &str) -> String {
    let session = KeyringSession::start();
    let dir = tempfile::tempdir().expect("a folder for the child");
    let mut envs: Vec<(&str, String)> = session
        .envs()
        .into_iter()
        .filter(|(k, _)| *k == "DBUS_SESSION_BUS_ADDRESS")
        .collect();
    envs.push(("CC_TEST_DIR", dir.path().display().to_string()));
    envs.push(("HOME", dir.path().join("home").display().to_string()));
    run_child_test(name, &envs)
}
