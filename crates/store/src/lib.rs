//! The local state of CommonsCloud Desktop: one SQLite file.
//!
//! - The schema evolves through [`migrations::MIGRATIONS`], an ordered list
//!   applied in one transaction each; `PRAGMA user_version` records how many
//!   have run. A database written by a newer version of the app is refused
//!   rather than guessed at.
//! - WAL journal mode, so the GUI can read while the sync engine writes.
//! - The file is created with mode 0600 (owner only) on Unix.
//! - Secrets never go here: app passwords live in the OS keyring.

pub mod migrations;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

/// The environment variable that overrides where the state file lives
/// (tests, several profiles side by side).
pub const STATE_ENV: &str = "COMMONSCLOUD_STATE";

/// File name of the state database inside the data folder.
pub const STATE_FILE_NAME: &str = "state.sqlite3";

/// Errors of the state store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot find a data folder for this user (no home folder?)")]
    NoDataDir,
    #[error("cannot create the folder {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the state file {path}: {source}")]
    CreateFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the state file {path} has schema version {found}, newer than this app knows ({known}); \
         update the app"
    )]
    TooNew {
        path: PathBuf,
        found: u32,
        known: u32,
    },
    #[error("migration to schema version {version} failed: {source}")]
    Migration {
        version: u32,
        source: rusqlite::Error,
    },
    #[error("database error on {path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Where the state file lives by default: `$COMMONSCLOUD_STATE` when set,
/// otherwise the XDG data folder (`~/.local/share/commonscloud/state.sqlite3`
/// on Linux, the platform's equivalent elsewhere).
pub fn default_state_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(STATE_ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let dirs = directories::ProjectDirs::from("coop", "CommonsCloud", "commonscloud")
        .ok_or(StoreError::NoDataDir)?;
    Ok(dirs.data_dir().join(STATE_FILE_NAME))
}

/// An open state database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the state file at `path` and brings its
    /// schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_at_version(path, migrations::LATEST)
    }

    /// Opens the state file and migrates it up to `target` only. Tests use
    /// this to build databases of every earlier schema version.
    pub fn open_at_version(path: impl AsRef<Path>, target: u32) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        create_private_file(&path)?;
        let conn = Connection::open(&path).map_err(|source| StoreError::Sqlite {
            path: path.clone(),
            source,
        })?;
        let mut store = Store { conn, path };
        store.configure()?;
        store.migrate_to(target)?;
        Ok(store)
    }

    fn sql_err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        |source| StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    fn configure(&self) -> Result<()> {
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(self.sql_err())?;
        tracing::debug!(path = %self.path.display(), journal_mode = %mode, "state opened");
        self.conn
            .execute_batch(
                "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;",
            )
            .map_err(self.sql_err())
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<u32> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.sql_err())
    }

    fn migrate_to(&mut self, target: u32) -> Result<()> {
        let current = self.schema_version()?;
        if current > migrations::LATEST {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: current,
                known: migrations::LATEST,
            });
        }
        for (index, sql) in migrations::MIGRATIONS.iter().enumerate() {
            let version = index as u32 + 1;
            if version <= current || version > target {
                continue;
            }
            let tx = self
                .conn
                .transaction()
                .map_err(|source| StoreError::Migration { version, source })?;
            tx.execute_batch(sql)
                .and_then(|()| tx.pragma_update(None, "user_version", version))
                .and_then(|()| tx.commit())
                .map_err(|source| StoreError::Migration { version, source })?;
            tracing::info!(version, "state schema migrated");
        }
        Ok(())
    }

    /// Path of the state file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raw connection, for the crates that own their tables.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Reads an app setting (`None` when never set).
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql_err())
    }

    /// Writes an app setting; `None` removes it.
    pub fn set_setting(&self, key: &str, value: Option<&str>) -> Result<()> {
        match value {
            Some(v) => self.conn.execute(
                "INSERT INTO settings(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![key, v],
            ),
            None => self
                .conn
                .execute("DELETE FROM settings WHERE key = ?1", params![key]),
        }
        .map(|_| ())
        .map_err(self.sql_err())
    }
}

/// Creates the file with mode 0600 if it does not exist yet (and its
/// folder), so SQLite never creates it with the process umask.
fn create_private_file(path: &Path) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::CreateDir {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map(drop)
        .map_err(|source| StoreError::CreateFile {
            path: path.to_path_buf(),
            source,
        })
}
