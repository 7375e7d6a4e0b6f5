//! Properties of the state file on disk.

use cc_store::Store;

#[cfg(unix)]
#[test]
fn state_file_is_private_and_its_folder_is_created() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/deeper/state.sqlite3");
    let store = Store::open(&path).unwrap();
    store.set_setting("k", Some("v")).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "state file mode is {mode:o}");
}

#[test]
fn uses_write_ahead_logging() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.sqlite3")).unwrap();
    let mode: String = store
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode.to_lowercase(), "wal");
}

#[test]
fn settings_round_trip_and_removal() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s.sqlite3")).unwrap();
    assert_eq!(store.setting("language").unwrap(), None);
    store.set_setting("language", Some("es")).unwrap();
    store.set_setting("language", Some("en")).unwrap();
    assert_eq!(store.setting("language").unwrap().as_deref(), Some("en"));
    store.set_setting("language", None).unwrap();
    assert_eq!(store.setting("language").unwrap(), None);
}

#[test]
fn state_env_overrides_the_default_path() {
    // Only this test in this binary touches the variable.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("elsewhere.sqlite3");
    // SAFETY-free: set_var is safe in edition 2024 only inside unsafe; use a
    // child process instead to keep `unsafe_code = deny`.
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "print_default_state_path", "--nocapture"])
        .env(cc_store::STATE_ENV, &p)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("STATE_PATH={}", p.display())),
        "{stdout}"
    );
}

/// Helper run by `state_env_overrides_the_default_path` in a child process.
#[test]
fn print_default_state_path() {
    let p = cc_store::default_state_path().unwrap();
    #[allow(clippy::print_stdout)]
    {
        println!("STATE_PATH={}", p.display());
    }
    assert!(
        p.ends_with(cc_store::STATE_FILE_NAME) || std::env::var_os(cc_store::STATE_ENV).is_some()
    );
}
