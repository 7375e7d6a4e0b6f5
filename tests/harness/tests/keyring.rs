//! A real gnome-keyring on a private D-Bus session stores, returns and
//! deletes a secret. The keyring client runs in a child process (this test
//! binary again, filtered to an ignored test) so the D-Bus address reaches
//! it through its environment.

use cc_harness::keyring::{KeyringSession, run_child_test};

const CHILD: &str = "keyring_child_store_read_delete";

#[test]
fn gnome_keyring_stores_reads_and_deletes_a_secret() {
    let mut session = KeyringSession::start();
    run_child_test(CHILD, &session.envs());
    assert!(session.is_running(), "the keyring daemon died");
}

const SECRET: &str = "app-password-7f3a9c0e-not-real";

#[test]
#[ignore = "run by gnome_keyring_stores_reads_and_deletes_a_secret inside a private D-Bus session"]
fn keyring_child_store_read_delete() {
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
    assert!(
        bus.starts_with("unix:path=") && bus.ends_with("/bus"),
        "not the private bus: {bus}"
    );
    let entry = keyring::Entry::new("coop.commonscloud.harness", "ana@127.0.0.1").unwrap();
    entry.set_password(SECRET).unwrap();
    assert_eq!(entry.get_password().unwrap(), SECRET);
    entry.delete_credential().unwrap();
    assert!(matches!(entry.get_password(), Err(keyring::Error::NoEntry)));
}
