//! Upgrades real SQLite files from every earlier schema version.

use cc_store::{Store, StoreError, migrations};

/// Data a database of a given schema version may hold: inserted when the
/// database is at `since` or later, and checked after the upgrade. Add a row
/// here with every migration that creates or reshapes a table.
const SEEDS: &[(u32, &str, &str)] = &[
    (
        3,
        "INSERT INTO sync_folders(id, local_root, remote_url, created_at)
         VALUES (7, '/home/ana/CommonsCloud', 'https://oficina.commonscloud.coop/remote.php/dav/files/anap/', 1764000000);
         INSERT INTO sync_journal(folder_id, path, kind, local_size, local_mtime_ns, local_inode, etag, remote_size)
         VALUES (7, 'Documents/informe.odt', 0, 10, 1, 2, '\"e1\"', 10)",
        "SELECT count(*) FROM sync_journal j JOIN sync_folders f ON f.id = j.folder_id
         WHERE f.id = 7 AND j.etag = '\"e1\"'",
    ),
    (
        4,
        "INSERT INTO sync_folders(id, local_root, remote_url, created_at, excluded)
         VALUES (8, '/home/ana/Equip', 'https://oficina.commonscloud.coop/remote.php/dav/files/anap/Equip/', 1764000000, '[\"Fotos\"]');
         INSERT INTO sync_conflicts(folder_id, copy_path, path, found)
         VALUES (8, 'a (conflicted copy 2026-11-25 093612).odt', 'a.odt', 1764000001);
         INSERT INTO sync_activity(folder_id, at, kind, path) VALUES (8, 1764000002, 'uploaded', 'a.odt')",
        "SELECT count(*) FROM sync_folders f JOIN sync_conflicts c ON c.folder_id = f.id
         JOIN sync_activity a ON a.folder_id = f.id WHERE f.excluded = '[\"Fotos\"]'",
    ),
    (
        5,
        "INSERT INTO sync_folders(id, local_root, remote_url, created_at)
         VALUES (9, '/home/ana/Llegir', 'https://oficina.commonscloud.coop/remote.php/dav/files/anap/Llegir/', 1764000000);
         INSERT INTO sync_journal(folder_id, path, kind, local_size, local_mtime_ns, local_inode, etag, remote_size, remote_perms, mount_root)
         VALUES (9, 'normes.txt', 0, 5, 1, 2, '\"e2\"', 5, 0, 0);
         INSERT INTO sync_uploads(folder_id, path, transfer_id, size, mtime_ns, inode, chunk_size, started_at)
         VALUES (9, 'gran.bin', 'cc-0123abcd', 12582912, 1764000000000000000, 42, 5242880, 1764000003)",
        "SELECT count(*) FROM sync_journal j JOIN sync_uploads u ON u.folder_id = j.folder_id
         WHERE j.folder_id = 9 AND j.remote_perms = 0 AND u.transfer_id = 'cc-0123abcd' AND u.chunk_size = 5242880",
    ),
    (
        7,
        "INSERT INTO sync_folders(id, local_root, remote_url, created_at)
         VALUES (12, '/home/ana/Errors', 'https://oficina.commonscloud.coop/remote.php/dav/files/anap/E/', 1764000000);
         INSERT INTO sync_activity(folder_id, at, kind, path, code)
         VALUES (12, 1764000006, 'error', 'gran.bin', 'server_full')",
        "SELECT count(*) FROM sync_activity WHERE folder_id = 12 AND code = 'server_full'",
    ),
    (
        6,
        "INSERT INTO sync_folders(id, local_root, remote_url, created_at, ignore_fingerprint)
         VALUES (10, '/home/ana/Arxiu', 'https://oficina.commonscloud.coop/remote.php/dav/files/anap/Arxiu/', 1764000000, 'f00d');
         INSERT INTO sync_problems(folder_id, path, kind, first_seen) VALUES (10, 'CON.txt', 'name_reserved', 1764000004)",
        "SELECT count(*) FROM sync_folders f JOIN sync_problems p ON p.folder_id = f.id
         WHERE f.id = 10 AND f.ignore_fingerprint = 'f00d' AND p.kind = 'name_reserved'",
    ),
    (
        3,
        "INSERT INTO sync_folders(id, local_root, remote_url, created_at)
         VALUES (11, '/home/ana/Vell', 'https://oficina.commonscloud.coop/remote.php/dav/files/anap/Vell/', 1764000000);
         INSERT INTO settings(key, value) VALUES ('files.ignore_fingerprint.11', 'abc123');
         INSERT INTO sync_problems(folder_id, path, kind, first_seen) VALUES
           (11, 'aux', 'Name(ReservedName)', 1764000005),
           (11, 'web/.htaccess', 'ServerRefuses', 1764000005),
           (11, 'enllaç', 'Symlink', 1764000005)",
        "SELECT count(*) = 1 FROM sync_folders WHERE id = 11",
    ),
    (
        1,
        "INSERT INTO settings(key, value) VALUES ('language', 'es')",
        "SELECT count(*) FROM settings WHERE key = 'language' AND value = 'es'",
    ),
    (
        1,
        "INSERT INTO accounts(provider_id, server_url, user_id, login_name, created_at)
         VALUES ('commonscloud', 'https://oficina.commonscloud.coop', 'anap', 'ana', 1764000000)",
        "SELECT count(*) FROM accounts WHERE user_id = 'anap' AND login_name = 'ana'",
    ),
    (
        2,
        "INSERT INTO accounts(provider_id, server_url, user_id, login_name, created_at,
                              keyring_user, files_url, calendar_home, needs_sign_in)
         VALUES ('framaspace', 'https://asso.frama.space', 'joan', 'joan@asso.org', 1764000001,
                 'joan@https://asso.frama.space',
                 'https://asso.frama.space/remote.php/dav/files/joan/',
                 'https://asso.frama.space/remote.php/dav/calendars/joan/', 1)",
        "SELECT count(*) FROM accounts WHERE user_id = 'joan' AND needs_sign_in = 1
           AND keyring_user = 'joan@https://asso.frama.space' AND contacts_home IS NULL",
    ),
];

/// Checks of what a migration itself does to older rows: run after
/// upgrading from any version below `.0`.
const UPGRADE_CHECKS: &[(u32, &str)] = &[
    (
        2,
        "SELECT count(*) FROM accounts WHERE user_id = 'anap'
           AND keyring_user = 'anap@https://oficina.commonscloud.coop' AND needs_sign_in = 0",
    ),
    (
        4,
        "SELECT count(*) = 0 FROM sync_folders WHERE excluded <> '[]'",
    ),
    // Journal rows from before v5: permissions unknown, not share roots.
    (
        5,
        "SELECT count(*) = 0 FROM sync_journal WHERE remote_perms IS NOT NULL OR mount_root <> 0",
    ),
    // Activity rows from before v7 have no failure code.
    (
        7,
        "SELECT count(*) = 0 FROM sync_activity WHERE code IS NOT NULL",
    ),
    // The pair's fingerprint moved from `settings` into its row; problems
    // stored by the Rust names now have their stable codes.
    (
        6,
        "SELECT NOT EXISTS (SELECT 1 FROM sync_folders WHERE id = 11)
            OR (SELECT ignore_fingerprint FROM sync_folders WHERE id = 11) = 'abc123'
            AND (SELECT count(*) FROM settings WHERE key GLOB 'files.ignore_fingerprint.*') = 0
            AND (SELECT group_concat(kind, ',' ORDER BY path) FROM sync_problems
                 WHERE folder_id = 11) = 'name_reserved,symlink,server_refuses'
            -- (pairs exist from v3 on)",
    ),
];

#[test]
fn upgrades_from_every_earlier_version_keeping_data() {
    for from in 0..migrations::LATEST {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.sqlite3");
        {
            let old = Store::open_at_version(&path, from).unwrap();
            assert_eq!(old.schema_version().unwrap(), from);
            for (since, insert, _) in SEEDS.iter().filter(|(since, ..)| *since <= from) {
                old.connection()
                    .execute_batch(insert)
                    .unwrap_or_else(|e| panic!("seed for v{since} at v{from}: {e}"));
            }
        }
        let store = Store::open(&path).unwrap();
        assert_eq!(
            store.schema_version().unwrap(),
            migrations::LATEST,
            "from v{from}"
        );
        for (since, _, check) in SEEDS.iter().filter(|(since, ..)| *since <= from) {
            let n: i64 = store
                .connection()
                .query_row(check, [], |r| r.get(0))
                .unwrap();
            assert_eq!(n, 1, "data seeded at v{since} lost upgrading from v{from}");
        }
        for (below, check) in UPGRADE_CHECKS
            .iter()
            .filter(|(v, _)| from < *v && from >= 1)
        {
            let n: i64 = store
                .connection()
                .query_row(check, [], |r| r.get(0))
                .unwrap();
            assert_eq!(
                n, 1,
                "migration to v{below} did not fill older rows (from v{from})"
            );
        }
        // The latest schema is usable after the upgrade.
        store.set_setting("probe", Some("ok")).unwrap();
        assert_eq!(store.setting("probe").unwrap().as_deref(), Some("ok"));
    }
}

#[test]
fn reopening_the_latest_version_runs_nothing_and_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite3");
    Store::open(&path)
        .unwrap()
        .set_setting("language", Some("ca"))
        .unwrap();
    let again = Store::open(&path).unwrap();
    assert_eq!(again.setting("language").unwrap().as_deref(), Some("ca"));
    assert_eq!(again.schema_version().unwrap(), migrations::LATEST);
}

#[test]
fn refuses_a_database_from_a_newer_app() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite3");
    {
        let store = Store::open(&path).unwrap();
        store
            .connection()
            .pragma_update(None, "user_version", migrations::LATEST + 1)
            .unwrap();
    }
    match Store::open(&path) {
        Err(StoreError::TooNew { found, known, .. }) => {
            assert_eq!(found, migrations::LATEST + 1);
            assert_eq!(known, migrations::LATEST);
        }
        other => panic!("expected TooNew, got {other:?}"),
    }
}

#[test]
fn a_file_that_is_not_a_database_is_reported_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.sqlite3");
    std::fs::write(&path, b"this is not a database, just text").unwrap();
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Sqlite { .. } | StoreError::Migration { .. }
        ),
        "{err:?}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"this is not a database, just text",
        "a file that is not ours must not be overwritten"
    );
}
