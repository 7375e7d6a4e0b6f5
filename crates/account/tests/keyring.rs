//! App passwords in a real gnome-keyring on a private D-Bus session, and a
//! clear error when there is no session bus at all. The keyring client runs
//! in a child process (this test binary again, filtered to an ignored
//! test), so the D-Bus address reaches it through its environment.

use cc_account::{KEYRING_SERVICE, Keyring, KeyringError};
use cc_harness::keyring::{KeyringSession, run_child_test};

#[test]
fn keyring_keeps_one_secret_per_account() {
    let mut session = KeyringSession::start();
    run_child_test("child_one_secret_per_account", &session.envs());
    assert!(session.is_running(), "the keyring daemon died");
}

#[test]
#[ignore = "run by keyring_keeps_one_secret_per_account inside a private D-Bus session"]
fn child_one_secret_per_account() {
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS").unwrap_or_default();
    assert!(bus.ends_with("/bus"), "not the private bus: {bus}");
    let k = Keyring::default();
    assert_eq!(k.service(), "coop.commonscloud.desktop");
    let (a, b) = (
        "ana@https://oficina.example.coop",
        "ana@https://asso.frama.space",
    );
    k.store(a, "secret-for-a-5b1e").unwrap();
    k.store(b, "secret-for-b-91c0").unwrap();
    assert_eq!(k.read(a).unwrap(), "secret-for-a-5b1e");
    assert_eq!(k.read(b).unwrap(), "secret-for-b-91c0");
    // Signing in again replaces the entry; it does not add a second one.
    k.store(a, "secret-for-a-again-77d2").unwrap();
    assert_eq!(k.read(a).unwrap(), "secret-for-a-again-77d2");
    // The entry is the documented one: another program (or a person with
    // seahorse) finds it under the service name and the account key.
    let raw = keyring::Entry::new(KEYRING_SERVICE, b).unwrap();
    assert_eq!(raw.get_password().unwrap(), "secret-for-b-91c0");
    // Deleting one leaves the other.
    assert!(k.delete(a).unwrap());
    assert!(matches!(k.read(a), Err(KeyringError::Missing(key)) if key == a));
    assert!(!k.delete(a).unwrap(), "already gone");
    assert_eq!(k.read(b).unwrap(), "secret-for-b-91c0");
    assert!(k.delete(b).unwrap());
    assert!(matches!(raw.get_password(), Err(keyring::Error::NoEntry)));
}

#[test]
fn without_a_session_bus_the_keyring_is_unavailable_and_says_how_to_fix_it() {
    run_child_test(
        "child_no_session_bus",
        &[(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent".to_owned(),
        )],
    );
}

#[test]
#[ignore = "run by without_a_session_bus_the_keyring_is_unavailable_and_says_how_to_fix_it"]
fn child_no_session_bus() {
    assert_eq!(
        std::env::var("DBUS_SESSION_BUS_ADDRESS").as_deref(),
        Ok("unix:path=/nonexistent")
    );
    let k = Keyring::default();
    for err in [
        k.store("ana@https://oficina.example.coop", "never-stored-4e2a")
            .unwrap_err(),
        k.read("ana@https://oficina.example.coop").unwrap_err(),
    ] {
        assert!(matches!(err, KeyringError::Unavailable { .. }), "{err:?}");
        let message = err.to_string();
        assert!(
            message.contains("no Secret Service on the session bus")
                && message.contains("gnome-keyring")
                && message.contains("KeePassXC"),
            "{message}"
        );
    }
}
