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
];

/// The schema version this build writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;
