//! The member's preferences, in the state file's `settings` table (never a
//! secret). Each one has a default, so a missing or unreadable value never
//! stops the app.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{App, Error, ErrorCode, LANGUAGES};

pub(crate) const LANGUAGE_KEY: &str = "ui.language";
const AUTOSTART_KEY: &str = "app.autostart";
const UPLOAD_KEY: &str = "sync.upload_limit_kib";
const DOWNLOAD_KEY: &str = "sync.download_limit_kib";
const POLL_KEY: &str = "sync.poll_seconds";
const IGNORE_KEY: &str = "sync.ignore_list";
const UPDATES_KEY: &str = "app.check_updates";

/// Seconds between two looks at the server when nothing changes locally.
pub const DEFAULT_POLL_SECONDS: u64 = 60;
pub const POLL_RANGE: std::ops::RangeInclusive<u64> = 30..=3600;

/// Preferences the member chose.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// The UI language the member picked; `None` follows the OS.
    pub language: Option<String>,
    /// Start the app at login.
    pub autostart: bool,
    /// KiB/s; `None` is no limit.
    pub upload_limit_kib: Option<u64>,
    pub download_limit_kib: Option<u64>,
    pub poll_seconds: u64,
    /// The member's ignore patterns (sync-exclude.lst format).
    pub ignore_list: String,
    /// Look for new versions of the app where it updates itself (Windows,
    /// macOS) and the provider profile lets it (see `update_channel`).
    pub check_updates: bool,
}

/// A change to some settings (the language has its own call).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[ts(optional_fields)]
pub struct SettingsPatch {
    pub autostart: Option<bool>,
    /// `Some(None)` clears the limit.
    #[serde(default, with = "double_option")]
    #[ts(as = "Option<Option<u64>>")]
    pub upload_limit_kib: Option<Option<u64>>,
    #[serde(default, with = "double_option")]
    #[ts(as = "Option<Option<u64>>")]
    pub download_limit_kib: Option<Option<u64>>,
    pub poll_seconds: Option<u64>,
    pub ignore_list: Option<String>,
    pub check_updates: Option<bool>,
}

/// `null` → `Some(None)`, absent → `None`.
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u64>>, D::Error> {
        Ok(Some(Option::<u64>::deserialize(d)?))
    }
}

fn get(conn: &Connection, key: &str) -> Option<String> {
    conn.query_row(
        "SELECT value FROM settings WHERE key = ?1",
        params![key],
        |r| r.get::<_, Option<String>>(0),
    )
    .optional()
    .ok()
    .flatten()
    .flatten()
}

fn put(conn: &Connection, key: &str, value: Option<&str>) -> Result<(), Error> {
    let r = match value {
        Some(v) => conn.execute(
            "INSERT INTO settings(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, v],
        ),
        None => conn.execute("DELETE FROM settings WHERE key = ?1", params![key]),
    };
    r.map(|_| ())
        .map_err(|e| Error::new(ErrorCode::Storage, e.to_string()))
}

/// The settings in the state file, defaults for what is missing.
pub(crate) fn read(conn: &Connection) -> Settings {
    let num = |k| get(conn, k).and_then(|v| v.parse::<u64>().ok());
    Settings {
        language: get(conn, LANGUAGE_KEY).filter(|l| LANGUAGES.contains(&l.as_str())),
        autostart: get(conn, AUTOSTART_KEY).is_some_and(|v| v == "1"),
        upload_limit_kib: num(UPLOAD_KEY).filter(|v| *v > 0),
        download_limit_kib: num(DOWNLOAD_KEY).filter(|v| *v > 0),
        poll_seconds: num(POLL_KEY)
            .filter(|v| POLL_RANGE.contains(v))
            .unwrap_or(DEFAULT_POLL_SECONDS),
        ignore_list: get(conn, IGNORE_KEY).unwrap_or_default(),
        check_updates: get(conn, UPDATES_KEY).is_none_or(|v| v != "0"),
    }
}

impl App {
    pub fn settings(&self) -> Result<Settings, Error> {
        let store = self.store.lock().map_err(|_| Error::poisoned())?;
        Ok(read(store.connection()))
    }

    /// Changes some settings; refuses values out of range and ignore
    /// patterns that do not compile (nothing is stored then). Running
    /// syncs pick the change up at once.
    pub fn update_settings(&self, patch: &SettingsPatch) -> Result<Settings, Error> {
        if let Some(p) = patch.poll_seconds
            && !POLL_RANGE.contains(&p)
        {
            return Err(Error::new(
                ErrorCode::InvalidInput,
                format!("polling interval {p} s is outside {POLL_RANGE:?}"),
            ));
        }
        if let Some(list) = &patch.ignore_list {
            cc_files::ignore::IgnoreRules::new(list)
                .map_err(|e| Error::new(ErrorCode::InvalidInput, e.to_string()))?;
        }
        for limit in [patch.upload_limit_kib, patch.download_limit_kib]
            .into_iter()
            .flatten()
            .flatten()
        {
            if limit == 0 || limit > 10_000_000 {
                return Err(Error::new(
                    ErrorCode::InvalidInput,
                    format!("bandwidth limit {limit} KiB/s is out of range"),
                ));
            }
        }
        {
            let store = self.store.lock().map_err(|_| Error::poisoned())?;
            let conn = store.connection();
            let tx = conn
                .unchecked_transaction()
                .map_err(|e| Error::new(ErrorCode::Storage, e.to_string()))?;
            if let Some(a) = patch.autostart {
                put(&tx, AUTOSTART_KEY, Some(if a { "1" } else { "0" }))?;
            }
            if let Some(l) = patch.upload_limit_kib {
                put(&tx, UPLOAD_KEY, l.map(|v| v.to_string()).as_deref())?;
            }
            if let Some(l) = patch.download_limit_kib {
                put(&tx, DOWNLOAD_KEY, l.map(|v| v.to_string()).as_deref())?;
            }
            if let Some(p) = patch.poll_seconds {
                put(&tx, POLL_KEY, Some(&p.to_string()))?;
            }
            if let Some(list) = &patch.ignore_list {
                put(&tx, IGNORE_KEY, Some(list))?;
            }
            if let Some(c) = patch.check_updates {
                put(&tx, UPDATES_KEY, Some(if c { "1" } else { "0" }))?;
            }
            tx.commit()
                .map_err(|e| Error::new(ErrorCode::Storage, e.to_string()))?;
        }
        self.wake_all();
        self.settings()
    }
}
