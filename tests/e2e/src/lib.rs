//! GUI end-to-end tests live in `tests/`; this is what they share: one app
//! session under `tauri-driver` and the ways the tests look at it.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use cc_harness::process::{GroupChild, free_port, wait_for_port};
use fantoccini::{Client, ClientBuilder, Locator};

/// The app binary: `$CC_APP_BINARY`, else the debug build in `target/`.
pub fn app_binary() -> PathBuf {
    let path = std::env::var_os("CC_APP_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| cc_harness::workspace_root().join("target/debug/commonscloud-desktop"));
    assert!(
        path.exists(),
        "{} is missing: build it with `npm --prefix ui run build && cargo build -p commonscloud-desktop --features custom-protocol`",
        path.display()
    );
    path
}

fn tauri_driver() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    let candidate = home.join("bin/tauri-driver");
    if candidate.exists() {
        candidate
    } else {
        PathBuf::from("tauri-driver")
    }
}

pub use cc_harness::home_env;

/// One app session: tauri-driver (which starts WebKitWebDriver, which
/// starts the app) and a WebDriver client.
#[derive(Debug)]
pub struct Session {
    pub client: Client,
    _driver: GroupChild,
}

impl Session {
    pub async fn start(state: &std::path::Path, logs: &std::path::Path) -> Session {
        Self::start_with(state, logs, &[]).await
    }

    /// Like [`start`](Self::start), with more environment for the app
    /// (a keyring's D-Bus address, a home folder).
    ///
    /// The app and the drivers never see the developer's home: `HOME` is
    /// the one given, else `<logs>/home`, with [`home_env`].
    pub async fn start_with(
        state: &std::path::Path,
        logs: &std::path::Path,
        env: &[(&str, String)],
    ) -> Session {
        let home = env
            .iter()
            .find(|(k, _)| *k == "HOME")
            .map(|(_, v)| PathBuf::from(v))
            .unwrap_or_else(|| logs.join("home"));
        let port = free_port();
        let native_port = free_port();
        let mut cmd = Command::new(tauri_driver());
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        // The app reads these from its environment: a Catalan desktop
        // and a state file of this test only.
        .env("LANG", "ca_ES.UTF-8")
        .env("LC_ALL", "ca_ES.UTF-8")
        .env("COMMONSCLOUD_STATE", state)
        .envs(home_env(&home))
        .envs(env.iter().map(|(k, v)| (k, v)));
        let driver = GroupChild::spawn("tauri-driver", cmd, Some(&logs.join("tauri-driver.log")))
            .expect("tauri-driver: `cargo install tauri-driver --version ^2 --locked`");
        assert!(
            wait_for_port(
                SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
                Duration::from_secs(30)
            ),
            "tauri-driver did not listen:\n{}",
            driver.log_tail()
        );
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app_binary() }),
        );
        let client = ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("WebDriver session: {e}\n{}", driver.log_tail()));
        Session {
            client,
            _driver: driver,
        }
    }

    pub async fn text_of(&self, testid: &str) -> String {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(&format!("[data-testid={testid}]")))
            .await
            .unwrap_or_else(|e| panic!("no [data-testid={testid}]: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Waits until the element shows `expected` (the UI updates reactively).
    pub async fn wait_text(&self, testid: &str, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.text_of(testid).await;
            if got == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{testid}: expected {expected:?}, got {got:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn html_lang(&self) -> String {
        self.client
            .execute("return document.documentElement.lang", vec![])
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn choose_language(&self, code: &str) {
        let select = self
            .client
            .find(Locator::Css("[data-testid=language-select]"))
            .await
            .unwrap();
        select.select_by_value(code).await.unwrap();
    }

    /// A PNG of the window, taken after two animation frames so it shows
    /// the last update.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        self.client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await
            .unwrap();
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        let dir = cc_harness::workspace_root().join("target/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, &png).unwrap();
        if std::env::var_os("CC_UPDATE_SCREENSHOTS").is_some() {
            let docs = cc_harness::workspace_root().join("docs/screenshots");
            std::fs::create_dir_all(&docs).unwrap();
            std::fs::write(docs.join(format!("{name}.png")), &png).unwrap();
        }
        path
    }

    pub async fn close(self) {
        self.client.close().await.unwrap();
    }
}

impl Session {
    /// The element with `data-testid`, waiting for it to appear.
    pub async fn el(&self, testid: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(&format!("[data-testid='{testid}']")))
            .await
            .unwrap_or_else(|e| panic!("no [data-testid={testid}]: {e}"))
    }

    /// Clicks the element with `data-testid` once it is enabled.
    pub async fn click(&self, testid: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let el = self.el(testid).await;
            if el.is_enabled().await.unwrap_or(false) {
                el.click()
                    .await
                    .unwrap_or_else(|e| panic!("click {testid}: {e}"));
                return;
            }
            assert!(Instant::now() < deadline, "{testid} stayed disabled");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `attr` of the element is `expected`; `within` seconds.
    pub async fn wait_attr(&self, testid: &str, attr: &str, expected: &str, within: u64) {
        let deadline = Instant::now() + Duration::from_secs(within);
        loop {
            let got = self.el(testid).await.attr(attr).await.ok().flatten();
            if got.as_deref() == Some(expected) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{testid}[{attr}]: expected {expected:?}, got {got:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The first onboarding steps for a server typed by hand: "another
    /// server", its address (checked live), continue, then "sign in"
    /// (the sign-in page is the caller's to answer).
    pub async fn choose_server_and_sign_in(&self, address: &str) {
        self.click("server-option-custom").await;
        self.el("server-address")
            .await
            .send_keys(address)
            .await
            .unwrap();
        self.wait_attr("server-check-status", "data-state", "ok", 30)
            .await;
        self.click("server-continue").await;
        self.click("signin-button").await;
    }

    /// A first run for a server typed by hand, from the welcome screen to
    /// the first sync done: `browser` does the browser's part of the
    /// sign-in with the address the screen shows (the server's
    /// `login-flow.sh` as the member's browser), then "start syncing".
    pub async fn sign_in_and_start_sync(&self, address: &str, browser: impl FnOnce(&str)) {
        self.wait_text("welcome-title", "Benvinguda a CommonsCloud")
            .await;
        self.choose_server_and_sign_in(address).await;
        self.el("signin-waiting").await;
        let page = self.text_of("signin-url").await;
        tokio::task::block_in_place(|| browser(page.trim()));
        self.click("start-sync").await;
        self.wait_attr("pair-status", "data-status", "up_to_date", 60)
            .await;
    }

    /// Whether an element with `data-testid` is on the page now.
    pub async fn has(&self, testid: &str) -> bool {
        self.client
            .find(Locator::Css(&format!("[data-testid='{testid}']")))
            .await
            .is_ok()
    }
}

/// Records every desktop notification sent on the D-Bus at `bus` (a
/// monitor on `org.freedesktop.Notifications`' `Notify`) into `log`, for as
/// long as the returned child lives.
pub fn notification_monitor(bus: &str, log: &std::path::Path) -> GroupChild {
    let mut monitor = Command::new("dbus-monitor");
    monitor.args([
        "--address",
        bus,
        "interface='org.freedesktop.Notifications',member='Notify'",
    ]);
    GroupChild::spawn("dbus-monitor", monitor, Some(log)).expect("dbus-monitor")
}

/// The app's process: the `commonscloud-desktop` whose environment holds
/// this run's state file.
pub fn app_pid(state: &std::path::Path) -> Option<u32> {
    let marker = format!("COMMONSCLOUD_STATE={}", state.display());
    for e in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
        if !exe.to_string_lossy().contains("commonscloud-desktop") {
            continue;
        }
        let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        if env.split(|b| *b == 0).any(|kv| kv == marker.as_bytes()) {
            return Some(pid);
        }
    }
    None
}

/// Asks the app's windows to close the way a window manager does when the
/// member clicks the close button (a `WM_DELETE_WINDOW` message), rather
/// than through WebDriver, whose driver ends the app with its last window.
/// Returns how many windows were asked.
pub fn close_app_windows(pid: u32) -> usize {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{AtomEnum, ClientMessageEvent, ConnectionExt, EventMask, Window};
    let (conn, screen) = x11rb::connect(None).expect("the X display");
    let root = conn.setup().roots[screen].root;
    let atom = |name: &str| {
        conn.intern_atom(false, name.as_bytes())
            .expect("intern")
            .reply()
            .expect("atom")
            .atom
    };
    let (pid_atom, protocols, delete) = (
        atom("_NET_WM_PID"),
        atom("WM_PROTOCOLS"),
        atom("WM_DELETE_WINDOW"),
    );
    let mut stack: Vec<Window> = vec![root];
    let mut asked = 0;
    while let Some(w) = stack.pop() {
        if let Ok(tree) = conn.query_tree(w).map(|c| c.reply()) {
            stack.extend(tree.map(|t| t.children).unwrap_or_default());
        }
        let owner = conn
            .get_property(false, w, pid_atom, AtomEnum::CARDINAL, 0, 1)
            .ok()
            .and_then(|c| c.reply().ok())
            .and_then(|r| r.value32().and_then(|mut v| v.next()));
        let wants_delete = conn
            .get_property(false, w, protocols, AtomEnum::ATOM, 0, 32)
            .ok()
            .and_then(|c| c.reply().ok())
            .and_then(|r| r.value32().map(|v| v.collect::<Vec<_>>()))
            .is_some_and(|v| v.contains(&delete));
        if owner == Some(pid) && wants_delete {
            let event = ClientMessageEvent::new(32, w, protocols, [delete, 0, 0, 0, 0]);
            conn.send_event(false, w, EventMask::NO_EVENT, event)
                .expect("send WM_DELETE_WINDOW");
            asked += 1;
        }
    }
    conn.flush().expect("flush");
    asked
}
