//! `$COMMONSCLOUD_PROVIDER` makes another profile the default, by file or
//! by built-in id, with no code change: the app opened the default way
//! shows its name, colours and services. The app runs in a child process
//! (this test binary again) so the variable reaches it through its
//! environment.

const CHILD: &str = "child_open_default";

fn run_child(provider: &str, state: &std::path::Path, expect: [&str; 4]) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            CHILD,
            "--nocapture",
            "--test-threads=1",
        ])
        .env("COMMONSCLOUD_PROVIDER", provider)
        .env("COMMONSCLOUD_STATE", state)
        .env("CC_EXPECT_NAME", expect[0])
        .env("CC_EXPECT_PRIMARY", expect[1])
        .env("CC_EXPECT_SERVICE", expect[2])
        .env("CC_EXPECT_SERVICE_URL", expect[3])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "child failed:\n{text}");
    assert!(text.contains("1 passed"), "the child did not run:\n{text}");
    assert!(
        state.exists(),
        "the state file is where COMMONSCLOUD_STATE says"
    );
}

#[test]
fn a_profile_file_becomes_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cooperativa.toml");
    std::fs::write(
        &file,
        r##"schema = 1
id = "cooperativa"
brand = "Cooperativa Núvol"
default_language = "ca"
languages = ["ca"]
sign_up_url = "https://alta.example.coop/"
password_reset_url = "https://alta.example.coop/contrasenya"
[name]
ca = "Cooperativa Núvol"
[colors]
primary = "#123456"
primary_dark = "#0a1b2c"
on_primary = "#ffffff"
tint = "#eef4fa"
[[server]]
id = "nuvol"
url = "https://nuvol.example.coop"
[[service]]
id = "assemblea"
kind = "forum"
path = "index.php/apps/forum/"
[service.name]
ca = "Assemblea"
"##,
    )
    .unwrap();
    run_child(
        file.to_str().unwrap(),
        &dir.path().join("state.sqlite3"),
        [
            "Cooperativa Núvol",
            "#123456",
            "Assemblea",
            "https://nuvol.example.coop/index.php/apps/forum/",
        ],
    );
}

#[test]
fn a_builtin_id_becomes_the_default() {
    let dir = tempfile::tempdir().unwrap();
    run_child(
        "framaspace",
        &dir.path().join("state.sqlite3"),
        ["Framaspace", "#725794", "Help", "https://docs.frama.space"],
    );
}

#[test]
#[ignore = "run by the tests above with COMMONSCLOUD_PROVIDER set"]
fn child_open_default() {
    let expect = |k: &str| std::env::var(k).unwrap();
    let app = cc_app::App::open_default().unwrap();
    app.set_language("en").unwrap();
    let info = app.info();
    assert_eq!(info.name, expect("CC_EXPECT_NAME"));
    assert_eq!(info.colors.primary, expect("CC_EXPECT_PRIMARY"));
    let services = app.services(None).unwrap();
    let service = services
        .iter()
        .find(|s| s.name == expect("CC_EXPECT_SERVICE"))
        .unwrap_or_else(|| panic!("{services:#?}"));
    assert_eq!(service.url, expect("CC_EXPECT_SERVICE_URL"));
}
