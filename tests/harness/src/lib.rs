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
//! - [`keyring`]: a gnome-keyring inside a private D-Bus session.

pub mod hostile;
pub mod keyring;
pub mod process;
pub mod proxy;
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
