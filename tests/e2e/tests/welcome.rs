//! The built app in a real window under Xvfb, driven through `tauri-driver`
//! and `WebKitWebDriver`. Run by the README's test command as
//! `xvfb-run -a dbus-run-session -- cargo test -p cc-e2e`, after the app was
//! built with the UI embedded (`--features custom-protocol`).

use std::process::Command;
use std::time::{Duration, Instant};

use cc_e2e::{Session, app_binary};

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
        .envs(cc_e2e::home_env(&dir.path().join("home")))
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
