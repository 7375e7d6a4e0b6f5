//! The schema, as an ordered list of migrations.
//!
//! Rules: never edit a migration that has shipped; add a new one at the end.
//! Each runs in its own transaction and bumps `PRAGMA user_version` to its
//! 1-based position. The test in `tests/migrations.rs` upgrades a database
//! from every earlier version, with data in it, to the latest.

/// Every migration, oldest first.
pub const MIGRATIONS: &[&str] = &[
    // 1: app settings and the accounts (never their secrets).
    "CREATE TABLE settings (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    ) STRICT;
    CREATE TABLE accounts (
        id           INTEGER PRIMARY KEY,
        provider_id  TEXT NOT NULL,
        server_url   TEXT NOT NULL,
        user_id      TEXT NOT NULL,
        login_name   TEXT NOT NULL,
        display_name TEXT,
        created_at   INTEGER NOT NULL,
        UNIQUE (server_url, user_id)
    ) STRICT;",
    // 2: what sign-in learns about an account (never its app password; the
    // keyring entry is found by `keyring_user`). Tables of other crates that
    // belong to an account reference accounts(id) ON DELETE CASCADE, so
    // signing out removes them.
    "ALTER TABLE accounts ADD COLUMN keyring_user TEXT NOT NULL DEFAULT '';
    UPDATE accounts SET keyring_user = user_id || '@' || server_url;
    ALTER TABLE accounts ADD COLUMN files_url TEXT;
    ALTER TABLE accounts ADD COLUMN calendar_home TEXT;
    ALTER TABLE accounts ADD COLUMN contacts_home TEXT;
    ALTER TABLE accounts ADD COLUMN server_version TEXT;
    ALTER TABLE accounts ADD COLUMN capabilities TEXT;
    ALTER TABLE accounts ADD COLUMN local_folder TEXT;
    ALTER TABLE accounts ADD COLUMN needs_sign_in INTEGER NOT NULL DEFAULT 0;",
    // 3: the file sync journal (cc-files): folder pairs, the last agreed
    // state of each path, and problems already reported.
    "CREATE TABLE sync_folders (
        id         INTEGER PRIMARY KEY,
        account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
        local_root TEXT NOT NULL UNIQUE,
        remote_url TEXT NOT NULL,
        paused     INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE sync_journal (
        folder_id      INTEGER NOT NULL REFERENCES sync_folders(id) ON DELETE CASCADE,
        path           TEXT NOT NULL,
        kind           INTEGER NOT NULL,
        local_size     INTEGER NOT NULL,
        local_mtime_ns INTEGER NOT NULL,
        local_inode    INTEGER NOT NULL,
        etag           TEXT,
        remote_size    INTEGER NOT NULL,
        remote_mtime   INTEGER,
        file_id        TEXT,
        PRIMARY KEY (folder_id, path)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE sync_problems (
        folder_id  INTEGER NOT NULL REFERENCES sync_folders(id) ON DELETE CASCADE,
        path       TEXT NOT NULL,
        kind       TEXT NOT NULL,
        first_seen INTEGER NOT NULL,
        PRIMARY KEY (folder_id, path, kind)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE sync_runs (
        folder_id   INTEGER PRIMARY KEY REFERENCES sync_folders(id) ON DELETE CASCADE,
        finished_at INTEGER NOT NULL,
        planned     INTEGER NOT NULL,
        failures    TEXT NOT NULL,
        conflicts   TEXT NOT NULL,
        aborted     TEXT
    ) STRICT;",
    // 4: what the desktop app shows: selective sync per pair, open
    // conflicts (until the member resolves them or the copy goes), and the
    // recent activity (trimmed by the app).
    "ALTER TABLE sync_folders ADD COLUMN excluded TEXT NOT NULL DEFAULT '[]';
    CREATE TABLE sync_conflicts (
        folder_id INTEGER NOT NULL REFERENCES sync_folders(id) ON DELETE CASCADE,
        copy_path TEXT NOT NULL,
        path      TEXT NOT NULL,
        found     INTEGER NOT NULL,
        PRIMARY KEY (folder_id, copy_path)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE sync_activity (
        id        INTEGER PRIMARY KEY,
        folder_id INTEGER NOT NULL REFERENCES sync_folders(id) ON DELETE CASCADE,
        at        INTEGER NOT NULL,
        kind      TEXT NOT NULL,
        path      TEXT NOT NULL
    ) STRICT;",
    // 5: what the sync engine needs to trust its journal without asking
    // the server again, and to resume uploads after a restart: the
    // server's permissions of each path (NULL: the server did not tell;
    // bit 1 write/create, bit 2 delete) and whether it is a share's root;
    // the Nextcloud chunked uploads under way (the transfer id, and the
    // local file it was started for, so a changed file starts over).
    "ALTER TABLE sync_journal ADD COLUMN remote_perms INTEGER;
    ALTER TABLE sync_journal ADD COLUMN mount_root INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE sync_uploads (
        folder_id   INTEGER NOT NULL REFERENCES sync_folders(id) ON DELETE CASCADE,
        path        TEXT NOT NULL,
        transfer_id TEXT NOT NULL,
        size        INTEGER NOT NULL,
        mtime_ns    INTEGER NOT NULL,
        inode       INTEGER NOT NULL,
        chunk_size  INTEGER NOT NULL,
        started_at  INTEGER NOT NULL,
        PRIMARY KEY (folder_id, path)
    ) STRICT, WITHOUT ROWID;",
    // 6: per-pair state lives in the pair's row (deleted with it): the
    // fingerprint of the ignore rules of the last pass, until now a
    // `files.ignore_fingerprint.<id>` key of `settings`. Problems are
    // stored by a stable code (`Problem::code`) instead of the Rust
    // variant's Debug text; a kind no code matches (none was ever
    // written) is dropped and found again by the next pass.
    "ALTER TABLE sync_folders ADD COLUMN ignore_fingerprint TEXT;
    UPDATE sync_folders SET ignore_fingerprint =
        (SELECT value FROM settings WHERE key = 'files.ignore_fingerprint.' || sync_folders.id);
    DELETE FROM settings WHERE key GLOB 'files.ignore_fingerprint.*';
    UPDATE sync_problems SET kind = CASE kind
        WHEN 'Name(ReservedName)' THEN 'name_reserved'
        WHEN 'Name(TrailingDotOrSpace)' THEN 'name_trailing_dot_or_space'
        WHEN 'Name(ForbiddenCharacter)' THEN 'name_forbidden_character'
        WHEN 'Name(TooLong)' THEN 'name_too_long'
        WHEN 'CaseClash' THEN 'case_clash'
        WHEN 'ReadOnly' THEN 'read_only'
        WHEN 'TypeClash' THEN 'type_clash'
        WHEN 'ShareRoot' THEN 'share_root'
        WHEN 'Symlink' THEN 'symlink'
        WHEN 'NotUtf8' THEN 'not_utf8'
        WHEN 'DuplicateSpelling' THEN 'duplicate_spelling'
        WHEN 'Special' THEN 'special'
        WHEN 'ServerRefuses' THEN 'server_refuses'
        ELSE kind END;
    DELETE FROM sync_problems WHERE kind GLOB '*[A-Z(]*';",
    // 7: why a file failed, in the recent activity: the engine's stable
    // failure code (`ActionError::code`), translated by the UI; NULL for
    // rows of other kinds and for failures recorded before.
    "ALTER TABLE sync_activity ADD COLUMN code TEXT;",
    // 8: calendars and contacts (cc-pim): each collection of a home (a
    // configured account's, or one synced without an account), each item
    // as the server sent it plus its local state, and the indexes rebuilt
    // from the items: event occurrences and contacts (with a trigram
    // full-text index for search as you type).
    "CREATE TABLE pim_collections (
        id          INTEGER PRIMARY KEY,
        account_id  INTEGER REFERENCES accounts(id) ON DELETE CASCADE,
        home        TEXT NOT NULL,
        url         TEXT NOT NULL UNIQUE,
        kind        TEXT NOT NULL CHECK (kind IN ('calendar', 'addressbook')),
        name        TEXT,
        color       TEXT,
        components  TEXT NOT NULL DEFAULT '',
        read_only   INTEGER NOT NULL DEFAULT 0,
        hidden      INTEGER NOT NULL DEFAULT 0,
        sync_token  TEXT,
        ctag        TEXT,
        synced_at   INTEGER,
        error       TEXT
    ) STRICT;
    CREATE TABLE pim_items (
        id            INTEGER PRIMARY KEY,
        collection_id INTEGER NOT NULL REFERENCES pim_collections(id) ON DELETE CASCADE,
        href          TEXT NOT NULL,
        uid           TEXT,
        etag          TEXT,
        data          TEXT NOT NULL,
        base          TEXT,
        state         TEXT NOT NULL DEFAULT 'synced'
                      CHECK (state IN ('synced', 'created', 'changed', 'deleted')),
        conflict_of   INTEGER,
        error         TEXT,
        UNIQUE (collection_id, href)
    ) STRICT;
    CREATE INDEX pim_items_uid ON pim_items(collection_id, uid);
    CREATE INDEX pim_items_state ON pim_items(state) WHERE state != 'synced';
    CREATE TABLE pim_occurrences (
        item_id       INTEGER NOT NULL REFERENCES pim_items(id) ON DELETE CASCADE,
        start_utc     INTEGER NOT NULL,
        end_utc       INTEGER NOT NULL,
        all_day       INTEGER NOT NULL,
        tzid          TEXT,
        summary       TEXT,
        location      TEXT,
        recurrence_id TEXT
    ) STRICT;
    CREATE INDEX pim_occurrences_start ON pim_occurrences(start_utc);
    CREATE INDEX pim_occurrences_item ON pim_occurrences(item_id);
    CREATE TABLE pim_contacts (
        item_id      INTEGER PRIMARY KEY REFERENCES pim_items(id) ON DELETE CASCADE,
        name         TEXT NOT NULL,
        emails       TEXT NOT NULL,
        phones       TEXT NOT NULL,
        organisation TEXT NOT NULL,
        groups       TEXT NOT NULL
    ) STRICT;
    CREATE INDEX pim_contacts_name ON pim_contacts(name COLLATE NOCASE);
    CREATE VIRTUAL TABLE pim_contacts_fts USING fts5(
        text, content='', contentless_delete=1, tokenize='trigram remove_diacritics 1'
    );",
];

/// The schema version this build writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;
