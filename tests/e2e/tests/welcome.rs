//! The built app in a real window under Xvfb, driven through `tauri-driver`
//! and `WebKitWebDriver`. Run by the README's test command as
//! `xvfb-run -a dbus-run-session -- cargo test -p cc-e2e`, after the app was
//! built with the UI embedded (`--features custom-protocol`).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use cc_harness::process::{GroupChild, free_port, wait_for_port};
use fantoccini::{Client, ClientBuilder, Locator};

/// The app binary: `$CC_APP_BINARY`, else the debug build in `target/`.
fn app_binary() -> PathBuf {
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

/// One app session: tauri-driver (which starts WebKitWebDriver, which
/// starts the app) and a WebDriver client.
struct Session {
    client: Client,
    _driver: GroupChild,
}

impl Session {
    async fn start(state: &std::path::Path, logs: &std::path::Path) -> Session {
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
        .env("COMMONSCLOUD_STATE", state);
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

    async fn text_of(&self, testid: &str) -> String {
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
    async fn wait_text(&self, testid: &str, expected: &str) {
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

    async fn html_lang(&self) -> String {
        self.client
            .execute("return document.documentElement.lang", vec![])
            .await
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    async fn choose_language(&self, code: &str) {
        let select = self
            .client
            .find(Locator::Css("[data-testid=language-select]"))
            .await
            .unwrap();
        select.select_by_value(code).await.unwrap();
    }

    /// A PNG of the window, taken after two animation frames so it shows
    /// the last update.
    async fn screenshot(&self, name: &str) -> PathBuf {
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

    async fn close(self) {
        self.client.close().await.unwrap();
    }
}

/// Waits for a plain child with a deadline, killing it if it overstays.
struct GroupChildWait(std::process::Child);

impl GroupChildWait {
    fn wait_for(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.0.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

impl Drop for GroupChildWait {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn welcome_screen_in_catalan_spanish_and_english() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.sqlite3");

    let s = Session::start(&state, dir.path()).await;
    s.wait_text("welcome-title", "Benvinguda a CommonsCloud")
        .await;
    assert_eq!(s.html_lang().await, "ca");
    let ca_tagline = s.text_of("welcome-tagline").await;
    assert!(!ca_tagline.is_empty());
    s.screenshot("welcome-ca").await;

    s.choose_language("es").await;
    s.wait_text("welcome-title", "Bienvenida a CommonsCloud")
        .await;
    assert_eq!(s.html_lang().await, "es");
    assert_ne!(
        s.text_of("welcome-tagline").await,
        ca_tagline,
        "tagline translated"
    );
    s.screenshot("welcome-es").await;

    s.choose_language("en").await;
    s.wait_text("welcome-title", "Welcome to CommonsCloud")
        .await;
    assert_eq!(s.html_lang().await, "en");
    s.screenshot("welcome-en").await;

    // A second launch hands over to the running instance and exits, and the
    // first window stays alive.
    let second = Command::new(app_binary())
        .env("COMMONSCLOUD_STATE", &state)
        .env("LANG", "ca_ES.UTF-8")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut second = GroupChildWait(second);
    let status = second.wait_for(Duration::from_secs(30));
    assert!(
        matches!(status, Some(s) if s.success()),
        "the second instance did not exit on its own: {status:?}"
    );
    s.wait_text("welcome-title", "Welcome to CommonsCloud")
        .await;
    s.close().await;

    // The choice was stored in the state file: a new start is in English
    // although the desktop is Catalan.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let s = Session::start(&state, dir.path()).await;
    s.wait_text("welcome-title", "Welcome to CommonsCloud")
        .await;
    s.close().await;
}
