//! What every command needs: the options shared by all of them.

use std::path::PathBuf;

use cc_app::{App, Error, Provider};

/// The options of the whole command line.
#[derive(Debug, Clone)]
pub struct Context {
    /// `--state FILE`; `None` uses the default state file.
    pub state: Option<PathBuf>,
}

impl Context {
    /// Opens the app with `provider` (a built-in id or a `.toml` file), or
    /// the default profile (`$COMMONSCLOUD_PROVIDER`, else CommonsCloud).
    pub fn open_app(&self, provider: Option<&str>) -> Result<App, Error> {
        let provider = match provider {
            Some(p) => Provider::by_id_or_path(p)?,
            None => Provider::from_env_or_default()?,
        };
        let state = match &self.state {
            Some(p) => p.clone(),
            None => cc_app::default_state_path()?,
        };
        App::open(&state, provider)
    }
}
