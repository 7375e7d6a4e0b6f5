//! Starting the app when the member logs in.
//!
//! On Linux and the BSDs the desktop reads XDG autostart entries:
//! `$XDG_CONFIG_HOME/autostart/<id>.desktop` (`~/.config/autostart` when
//! the variable is unset). The app writes its entry itself, making the
//! folders on the way: `auto-launch` 0.5 (what `tauri-plugin-autostart`
//! uses) creates `~/.config/autostart` with `create_dir`, so on a fresh
//! account without `~/.config` turning start-at-login on failed. Windows
//! and macOS keep their own mechanism in the desktop shell, behind the
//! [`StartAtLogin`] trait.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{App, Error, ErrorCode, Settings, SettingsPatch};

/// Whatever turns "open the app when I log in" on and off on this system.
/// A failure is a message in English for the logs and the error's detail.
pub trait StartAtLogin {
    fn enable(&self) -> Result<(), String>;
    fn disable(&self) -> Result<(), String>;
}

/// The XDG autostart entry of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XdgAutostart {
    entry: PathBuf,
    name: String,
    exec: PathBuf,
}

impl XdgAutostart {
    /// The entry `<config_dir>/autostart/<id>.desktop` that starts `exec`,
    /// shown as `name` in the desktop's list of startup programs.
    pub fn new(config_dir: &Path, id: &str, name: &str, exec: &Path) -> Self {
        XdgAutostart {
            entry: config_dir.join("autostart").join(format!("{id}.desktop")),
            name: name.to_owned(),
            exec: exec.to_owned(),
        }
    }

    /// The entry in the member's own configuration folder
    /// (`$XDG_CONFIG_HOME`, else `~/.config`), for the running program (the
    /// AppImage itself when run from one).
    pub fn for_current_user(id: &str, name: &str) -> Result<Self, Error> {
        let dirs = directories::BaseDirs::new().ok_or_else(|| {
            Error::new(
                ErrorCode::Autostart,
                "no home folder: cannot find where the desktop reads autostart entries",
            )
        })?;
        let exec = match std::env::var_os("APPIMAGE") {
            Some(image) => PathBuf::from(image),
            None => current_program()?,
        };
        Ok(Self::new(dirs.config_dir(), id, name, &exec))
    }

    /// Where the entry is written.
    pub fn path(&self) -> &Path {
        &self.entry
    }

    /// Whether the entry is there.
    pub fn is_enabled(&self) -> bool {
        self.entry.is_file()
    }

    /// The entry's text (Desktop Entry Specification 1.5).
    pub fn contents(&self) -> Result<String, String> {
        let exec = exec_quoted(&self.exec)?;
        let name: String = self.name.chars().filter(|c| !c.is_control()).collect();
        Ok(format!(
            "[Desktop Entry]\n\
             Type=Application\n\
             Version=1.5\n\
             Name={name}\n\
             Exec={exec}\n\
             Icon=commonscloud-desktop\n\
             Terminal=false\n\
             StartupNotify=false\n\
             X-GNOME-Autostart-enabled=true\n"
        ))
    }
}

/// The running program's path. After a package upgrade while the app
/// runs, Linux names the replaced file `… (deleted)`; the new file is at
/// the old path, which is what the entry must start.
fn current_program() -> Result<PathBuf, Error> {
    let exe = std::env::current_exe().map_err(|e| {
        Error::new(
            ErrorCode::Autostart,
            format!("cannot tell where this program is: {e}"),
        )
    })?;
    Ok(
        match exe.to_str().and_then(|s| s.strip_suffix(" (deleted)")) {
            Some(live) => PathBuf::from(live),
            None => exe,
        },
    )
}

/// What `tauri-plugin-autostart` named the entry before the app wrote its
/// own (the product name): removed when the choice changes, so the app is
/// never started twice at login.
const LEGACY_ENTRY: &str = "CommonsCloud.desktop";

impl XdgAutostart {
    fn remove_legacy(&self) {
        let Some(legacy) = self.entry.parent().map(|d| d.join(LEGACY_ENTRY)) else {
            return;
        };
        // The plugin's entry: its `Exec` is the program (or the AppImage,
        // whose name can be anything) and its `Name` the product name.
        let ours = |t: &str| {
            t.contains("commonscloud-desktop")
                || t.lines().any(|l| l.trim() == "Name=CommonsCloud")
                || self.exec.to_str().is_some_and(|e| t.contains(e))
        };
        if legacy != self.entry
            && std::fs::read_to_string(&legacy).is_ok_and(|t| ours(&t))
            && let Err(e) = std::fs::remove_file(&legacy)
        {
            tracing::warn!("old autostart entry {} left: {e}", legacy.display());
        }
    }
}

impl StartAtLogin for XdgAutostart {
    /// Writes the entry (a temporary file renamed into place, so the
    /// desktop never reads half of one), making its folders first.
    fn enable(&self) -> Result<(), String> {
        let text = self.contents()?;
        let dir = self.entry.parent().ok_or("the entry has no folder")?;
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir)
            .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
        tmp.write_all(text.as_bytes())
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| format!("cannot write the autostart entry: {e}"))?;
        tmp.persist(&self.entry)
            .map_err(|e| format!("cannot write {}: {}", self.entry.display(), e.error))?;
        self.remove_legacy();
        Ok(())
    }

    /// Removes the entry; one that is not there is already off.
    fn disable(&self) -> Result<(), String> {
        self.remove_legacy();
        match std::fs::remove_file(&self.entry) {
            Ok(()) => Ok(()),
            // Not there, or its folder cannot exist: already off.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(format!("cannot remove {}: {e}", self.entry.display())),
        }
    }
}

/// The program as one argument of an `Exec` key: quoted, with the
/// characters the specification reserves inside quotes escaped, then
/// escaped again as a string value (`\` doubled); `%` doubled, as field
/// codes start with it. A path with a line break or not in UTF-8 cannot be
/// written in an entry.
fn exec_quoted(exec: &Path) -> Result<String, String> {
    let text = exec
        .to_str()
        .ok_or_else(|| format!("the program's path is not UTF-8: {}", exec.display()))?;
    if text.chars().any(char::is_control) {
        return Err(format!(
            "the program's path has a control character: {text:?}"
        ));
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' | '`' | '$' => {
                out.push_str("\\\\");
                out.push(c);
            }
            '\\' => out.push_str("\\\\\\\\"),
            '%' => out.push_str("%%"),
            c => out.push(c),
        }
    }
    out.push('"');
    Ok(out)
}

impl App {
    /// Changes some settings, then makes the system follow the
    /// start-at-login choice. The other settings are stored first (a bad
    /// value changes nothing); when the system refuses, the stored choice
    /// goes back to what it was and the error (code
    /// [`ErrorCode::Autostart`]) says why, so the settings page can tell
    /// the member.
    pub fn update_settings_at_login(
        &self,
        patch: &SettingsPatch,
        system: &dyn StartAtLogin,
    ) -> Result<Settings, Error> {
        let before = self.settings()?.autostart;
        let settings = self.update_settings(patch)?;
        let Some(on) = patch.autostart else {
            return Ok(settings);
        };
        let applied = if on {
            system.enable()
        } else {
            system.disable()
        };
        match applied {
            Ok(()) => Ok(settings),
            Err(why) => {
                tracing::warn!("start at login not changed: {why}");
                self.update_settings(&SettingsPatch {
                    autostart: Some(before),
                    ..SettingsPatch::default()
                })?;
                Err(Error::new(
                    ErrorCode::Autostart,
                    format!(
                        "the system did not let the app {} starting at login: {why}",
                        if on { "turn on" } else { "turn off" }
                    ),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_is_quoted_and_escaped_as_the_specification_says() {
        assert_eq!(
            exec_quoted(Path::new("/usr/bin/commonscloud-desktop")).unwrap(),
            "\"/usr/bin/commonscloud-desktop\""
        );
        // A `$` inside quotes is `\$`; as a string value the backslash is
        // doubled. A `%` is `%%`. A backslash is `\\` quoted, `\\\\` stored.
        assert_eq!(
            exec_quoted(Path::new("/home/a b/$x/100%/q\"/c\\d")).unwrap(),
            r#""/home/a b/\\$x/100%%/q\\"/c\\\\d""#
        );
        assert!(exec_quoted(Path::new("/tmp/a\nb")).is_err());
    }

    #[test]
    fn enabling_makes_missing_folders_and_disabling_twice_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        // A fresh account: not even `~/.config` exists.
        let config = dir.path().join("home/.config");
        let exec = dir.path().join("bin/commonscloud-desktop");
        let entry = XdgAutostart::new(&config, "commonscloud", "SomNúvol", &exec);
        assert!(!entry.is_enabled());
        entry.enable().unwrap();
        assert!(entry.is_enabled());
        assert_eq!(
            entry.path(),
            config.join("autostart/commonscloud.desktop").as_path()
        );
        let text = std::fs::read_to_string(entry.path()).unwrap();
        assert!(text.starts_with("[Desktop Entry]\n"), "{text}");
        assert!(text.contains("\nName=SomNúvol\n"), "{text}");
        assert!(
            text.contains(&format!("\nExec=\"{}\"\n", exec.display())),
            "{text}"
        );
        // Only the entry is left in the folder (no temporary file).
        let names: Vec<_> = std::fs::read_dir(config.join("autostart"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["commonscloud.desktop"]);
        entry.enable().unwrap();
        entry.disable().unwrap();
        assert!(!entry.is_enabled());
        entry.disable().unwrap();
    }

    #[test]
    fn the_plugin_s_old_entry_goes_but_not_someone_else_s() {
        let dir = tempfile::tempdir().unwrap();
        let autostart = dir.path().join("autostart");
        std::fs::create_dir_all(&autostart).unwrap();
        let old = autostart.join(LEGACY_ENTRY);
        std::fs::write(
            &old,
            "[Desktop Entry]\nExec=/usr/bin/commonscloud-desktop\n",
        )
        .unwrap();
        let entry = XdgAutostart::new(
            dir.path(),
            "commonscloud-desktop",
            "CommonsCloud",
            Path::new("/usr/bin/commonscloud-desktop"),
        );
        entry.enable().unwrap();
        assert!(!old.exists(), "the app would start twice");
        std::fs::write(
            &old,
            "[Desktop Entry]\nName=Other\nExec=/usr/bin/other-app\n",
        )
        .unwrap();
        entry.disable().unwrap();
        assert!(old.exists(), "another program's entry was removed");
        // An AppImage: the plugin wrote the image's path and the product name.
        std::fs::write(
            &old,
            "[Desktop Entry]\nName=CommonsCloud\nExec=/home/ana/Apps/CC-x86_64.AppImage\n",
        )
        .unwrap();
        entry.enable().unwrap();
        assert!(
            !old.exists(),
            "the AppImage's old entry would start it twice"
        );
    }

    #[test]
    fn a_folder_that_cannot_be_made_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        // `~/.config` is a file: no folder can be made under it.
        let config = dir.path().join(".config");
        std::fs::write(&config, "not a folder").unwrap();
        let entry = XdgAutostart::new(&config, "commonscloud", "CommonsCloud", Path::new("/x"));
        let err = entry.enable().unwrap_err();
        assert!(err.contains("cannot make"), "{err}");
        assert!(!entry.is_enabled());
    }
}
