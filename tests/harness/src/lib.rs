//! The test harness of CommonsCloud Desktop.
//!
//! Every integration test that needs a server gets a real one from here,
//! started on a free loopback port in its own temporary folder, with a known
//! user and password, and stopped when the handle is dropped (also when the
//! test panics):
//!
//! - [`servers`]: Apache mod_dav_fs, lighttpd mod_webdav, sabre/dav, rclone
//!   (WebDAV); Radicale, Cyrus, Xandikos, sabre/dav (CalDAV/CardDAV).
//! - [`proxy`]: a TCP proxy that injects faults in front of any of them.
//! - [`replay`]: a server that answers with the real recordings of a
//!   Nextcloud 33 server, for the endpoints only Nextcloud has.
//! - [`nextcloud`]: a real Nextcloud 33 shared by the tests of a run, a
//!   fresh user for each test.
//! - [`keyring`]: a gnome-keyring inside a private D-Bus session.

pub mod hostile;
pub mod keyring;
pub mod nextcloud;
pub mod pim;
pub mod process;
pub mod proxy;
pub mod pypi;
pub mod replay;
pub mod servers;

/// The user every harness server knows.
pub const USER: &str = "ana";
/// The password of [`USER`] on every harness server.
pub const PASSWORD: &str = "correct horse battery staple";

/// The workspace root (where `Cargo.lock` lives).
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("tests/harness sits two levels below the workspace root")
        .to_path_buf()
}

/// The environment that keeps a child process of a test out of the home
/// of whoever runs the tests: `HOME` (made if missing) and the XDG folders
/// inside it (configuration, data with the trash, cache, state), set
/// whatever the test process has. The XDG folders themselves are not made:
/// a fresh account has none of them.
pub fn home_env(home: &std::path::Path) -> Vec<(&'static str, std::path::PathBuf)> {
    std::fs::create_dir_all(home).expect("the test's home folder");
    vec![
        ("HOME", home.to_path_buf()),
        ("XDG_CONFIG_HOME", home.join(".config")),
        ("XDG_DATA_HOME", home.join(".local/share")),
        ("XDG_CACHE_HOME", home.join(".cache")),
        ("XDG_STATE_HOME", home.join(".local/state")),
    ]
}

/// Every file below `root`, by its path relative to `root` (`/`-joined),
/// with its content: for comparing a synced folder with a server's data
/// folder.
pub fn files_below(root: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.expect("directory entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .expect("below root")
                    .to_string_lossy()
                    .into_owned();
                out.insert(
                    rel,
                    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
                );
            }
        }
    }
    out
}
