//! Provider profiles: which cooperative the app serves, as data.
//! The schema is documented in `providers/README.md`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::{Error, ErrorCode, LANGUAGES};

/// The environment variable naming a provider profile file to load instead
/// of the built-in CommonsCloud one.
pub const PROVIDER_ENV: &str = "COMMONSCLOUD_PROVIDER";

const BUILTIN: &str = include_str!("../../../providers/commonscloud.toml");
const SCHEMA: u32 = 1;

/// A provider profile (schema 1).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub schema: u32,
    pub id: String,
    pub default_language: String,
    pub languages: Vec<String>,
    pub sign_up_url: String,
    pub password_reset_url: String,
    pub name: BTreeMap<String, String>,
}

impl Provider {
    /// The built-in CommonsCloud profile.
    pub fn builtin() -> Self {
        Self::parse(BUILTIN, "built-in commonscloud.toml")
            .expect("the built-in provider profile is valid (checked by tests)")
    }

    /// The profile named by `$COMMONSCLOUD_PROVIDER`, or the built-in one.
    pub fn from_env_or_default() -> Result<Self, Error> {
        match std::env::var_os(PROVIDER_ENV).filter(|v| !v.is_empty()) {
            Some(path) => Self::load(Path::new(&path)),
            None => Ok(Self::builtin()),
        }
    }

    /// Loads and validates a profile file.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorCode::Provider,
                format!("cannot read provider profile {}: {e}", path.display()),
            )
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and validates a profile; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, Error> {
        let bad = |what: String| {
            Error::new(
                ErrorCode::Provider,
                format!("provider profile {origin}: {what}"),
            )
        };
        // Read the schema version first, so a profile of a newer schema is
        // reported as such rather than as a field error.
        #[derive(Deserialize)]
        struct Head {
            schema: u32,
        }
        let head: Head = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        if head.schema != SCHEMA {
            return Err(bad(format!(
                "schema {} is not supported (this app reads schema {SCHEMA})",
                head.schema
            )));
        }
        let p: Provider = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        if p.id.is_empty()
            || !p
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(bad(format!("id {:?} must match [a-z0-9-]+", p.id)));
        }
        if !LANGUAGES.contains(&p.default_language.as_str()) {
            return Err(bad(format!(
                "default_language {:?} is not one of {LANGUAGES:?}",
                p.default_language
            )));
        }
        if !p.name.contains_key(&p.default_language) {
            return Err(bad("no name in the default language".into()));
        }
        for (key, url) in [
            ("sign_up_url", &p.sign_up_url),
            ("password_reset_url", &p.password_reset_url),
        ] {
            if !url.starts_with("https://") {
                return Err(bad(format!("{key} {url:?} must be an https URL")));
            }
        }
        Ok(p)
    }

    /// The provider's name in `language`, or in its default language.
    pub fn display_name(&self, language: &str) -> String {
        self.name
            .get(language)
            .or_else(|| self.name.get(&self.default_language))
            .cloned()
            .unwrap_or_else(|| self.id.clone())
    }
}
