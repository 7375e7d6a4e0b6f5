//! Accounts in a real state file (cc-store's migrations): side by side,
//! updated on a new sign-in, marked for a new sign-in, removed.

use cc_account::records::{self, NewAccount};
use cc_account::{AccountError, records::keyring_user};

fn new<'a>(server: &'a str, user: &'a str, key: &'a str) -> NewAccount<'a> {
    NewAccount {
        provider_id: "commonscloud",
        server_url: server,
        user_id: user,
        login_name: user,
        display_name: Some("Ana Puig"),
        keyring_user: key,
        files_url: "https://oficina.example.coop/remote.php/dav/files/ana/",
        calendar_home: None,
        contacts_home: None,
        server_version: Some("33.0.1"),
        capabilities: Some(r#"{"capabilities":{}}"#),
    }
}

#[test]
fn accounts_live_side_by_side_and_a_new_sign_in_updates_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = cc_store::Store::open(dir.path().join("state.sqlite3")).unwrap();
    let c = store.connection();
    let (s1, s2) = ("https://oficina.example.coop", "https://asso.frama.space");
    let k1 = keyring_user("ana", s1);
    let k2 = keyring_user("ana", s2);
    assert_eq!(k1, "ana@https://oficina.example.coop");
    let a = records::upsert(c, &new(s1, "ana", &k1), 1_764_000_000).unwrap();
    let b = records::upsert(c, &new(s2, "ana", &k2), 1_764_000_001).unwrap();
    assert_ne!(a.id, b.id);
    assert_eq!(records::list(c).unwrap().len(), 2);

    records::set_needs_sign_in(c, a.id, true).unwrap();
    records::set_local_folder(c, a.id, Some(std::path::Path::new("/home/ana/Oficina"))).unwrap();
    assert!(records::get(c, a.id).unwrap().needs_sign_in);

    // The same user of the same server signs in again: same row, new
    // details, the mark cleared, the local folder and creation time kept.
    let mut again = new(s1, "ana", &k1);
    again.login_name = "ana@example.coop";
    again.server_version = Some("33.0.2");
    let a2 = records::upsert(c, &again, 1_764_999_999).unwrap();
    assert_eq!(a2.id, a.id);
    assert_eq!(a2.login_name, "ana@example.coop");
    assert_eq!(a2.server_version.as_deref(), Some("33.0.2"));
    assert!(!a2.needs_sign_in);
    assert_eq!(a2.created_at, 1_764_000_000);
    assert_eq!(
        a2.local_folder.as_deref(),
        Some(std::path::Path::new("/home/ana/Oficina"))
    );
    assert_eq!(records::list(c).unwrap().len(), 2);

    assert!(records::delete(c, a.id).unwrap());
    assert!(!records::delete(c, a.id).unwrap());
    assert!(matches!(
        records::get(c, a.id),
        Err(AccountError::NoSuchAccount(_))
    ));
    assert!(matches!(
        records::set_needs_sign_in(c, a.id, true),
        Err(AccountError::NoSuchAccount(_))
    ));
    assert_eq!(records::list(c).unwrap(), vec![b]);
}

#[test]
fn local_folders_are_deleted_only_when_safe() {
    use cc_account::signin::delete_local_folder;
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("Oficina");
    std::fs::create_dir_all(folder.join("a/b")).unwrap();
    std::fs::write(folder.join("a/b/c.txt"), "c").unwrap();
    assert!(matches!(
        delete_local_folder(std::path::Path::new("Oficina")),
        Err(AccountError::UnsafeDelete { .. })
    ));
    let file = dir.path().join("file.txt");
    std::fs::write(&file, "x").unwrap();
    assert!(matches!(
        delete_local_folder(&file),
        Err(AccountError::UnsafeDelete { .. })
    ));
    assert!(file.exists());
    delete_local_folder(&folder).unwrap();
    assert!(!folder.exists());
    // Already gone is fine.
    delete_local_folder(&folder).unwrap();
}
