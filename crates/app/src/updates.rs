//! Where new versions of the app come from. The Linux packages are
//! updated by the system's package manager; on Windows and macOS the app
//! updates itself through Tauri's updater, which asks only the address in
//! the provider profile (`[updates] endpoint`) and installs only what is
//! signed by the key whose public half is in the app's configuration. The
//! member can turn the check off in the settings, the cooperative in its
//! profile (`[updates] check = false`).

use serde::Serialize;
use ts_rs::TS;

use crate::{App, Error, Provider};

/// How this app gets its new versions.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum UpdateChannel {
    /// The system's package manager (the Linux packages).
    System,
    /// The app asks `endpoint` (the profile's, placeholders unfilled) for
    /// a signed manifest, at start and when the member asks.
    Updater { endpoint: String, host: String },
    /// Nobody looks for new versions here.
    Off { reason: UpdatesOff },
}

/// Why the app does not look for new versions.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
pub enum UpdatesOff {
    /// The provider profile says so (the cooperative updates the app).
    Provider,
    /// The member turned it off in the settings.
    Setting,
    /// The provider profile names no address to ask.
    NoEndpoint,
}

/// What a look for a new version found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum UpdateCheck {
    /// The system's package manager updates the app: nothing to look for.
    System,
    /// Not looked for (see [`UpdatesOff`]).
    Off { reason: UpdatesOff },
    /// The running version is the newest.
    UpToDate { current: String },
    /// A newer, signed version is ready to be installed.
    Available {
        current: String,
        version: String,
        notes: Option<String>,
    },
}

/// Whether this build of the app updates itself (Windows, macOS) or is
/// updated by the system (the Linux packages).
pub const UPDATES_ITSELF: bool = cfg!(any(target_os = "windows", target_os = "macos"));

/// The channel for a profile, the member's setting and whether the app
/// updates itself on this system.
pub fn update_channel(
    provider: &Provider,
    check_setting: bool,
    updates_itself: bool,
) -> UpdateChannel {
    if !updates_itself {
        return UpdateChannel::System;
    }
    if !provider.updates.check {
        return UpdateChannel::Off {
            reason: UpdatesOff::Provider,
        };
    }
    if !check_setting {
        return UpdateChannel::Off {
            reason: UpdatesOff::Setting,
        };
    }
    let Some(endpoint) = provider.updates.endpoint.clone() else {
        return UpdateChannel::Off {
            reason: UpdatesOff::NoEndpoint,
        };
    };
    // The profile was validated: with its placeholders filled in the
    // address is an https URL with a host.
    let sample = cc_account::provider::Updates::sample_address(&endpoint);
    let host = url::Url::parse(&sample)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    UpdateChannel::Updater { endpoint, host }
}

impl App {
    /// How this app gets its new versions, with the member's setting.
    pub fn update_channel(&self) -> Result<UpdateChannel, Error> {
        Ok(update_channel(
            self.provider(),
            self.settings()?.check_updates,
            UPDATES_ITSELF,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in profile without its own `[updates]` (its last table).
    fn without_updates() -> &'static str {
        let builtin = include_str!("../../../providers/commonscloud.toml");
        builtin.split("\n[updates]").next().unwrap()
    }

    fn profile(updates: &str) -> Provider {
        let text = format!("{}\n[updates]\n{updates}\n", without_updates());
        Provider::parse(&text, "test").unwrap()
    }

    #[test]
    fn the_builtin_profile_asks_its_release_page_only() {
        let p = Provider::builtin();
        assert!(p.updates.check);
        assert_eq!(
            update_channel(&p, true, true),
            UpdateChannel::Updater {
                endpoint: "https://github.com/commonscloud/commonscloud-desktop/releases/latest/download/latest.json".into(),
                host: "github.com".into(),
            }
        );
        // A profile without the table: the app looks nowhere.
        let bare = Provider::parse(without_updates(), "test").unwrap();
        assert_eq!(
            update_channel(&bare, true, true),
            UpdateChannel::Off {
                reason: UpdatesOff::NoEndpoint
            }
        );
    }

    #[test]
    fn linux_packages_are_updated_by_the_system_whatever_the_profile_says() {
        for p in [
            profile(
                "endpoint = \"https://releases.example.coop/{{target}}/{{arch}}/{{current_version}}\"",
            ),
            profile("check = false"),
        ] {
            assert_eq!(update_channel(&p, true, false), UpdateChannel::System);
            assert_eq!(update_channel(&p, false, false), UpdateChannel::System);
        }
    }

    #[test]
    fn the_updater_asks_only_the_profiles_address_unless_turned_off() {
        let p = profile(
            "endpoint = \"https://releases.example.coop/desktop/{{target}}-{{arch}}/{{current_version}}\"",
        );
        assert_eq!(
            update_channel(&p, true, true),
            UpdateChannel::Updater {
                endpoint:
                    "https://releases.example.coop/desktop/{{target}}-{{arch}}/{{current_version}}"
                        .into(),
                host: "releases.example.coop".into(),
            }
        );
        assert_eq!(
            update_channel(&p, false, true),
            UpdateChannel::Off {
                reason: UpdatesOff::Setting
            }
        );
        let off = profile(
            "check = false\nendpoint = \"https://releases.example.coop/{{current_version}}\"",
        );
        for setting in [true, false] {
            assert_eq!(
                update_channel(&off, setting, true),
                UpdateChannel::Off {
                    reason: UpdatesOff::Provider
                },
                "the cooperative's word comes first"
            );
        }
        let nowhere = profile("check = true");
        assert_eq!(
            update_channel(&nowhere, true, true),
            UpdateChannel::Off {
                reason: UpdatesOff::NoEndpoint
            }
        );
    }

    #[test]
    fn an_update_address_must_be_https_with_known_placeholders_only() {
        let builtin = without_updates();
        for (endpoint, expected) in [
            ("http://releases.example.coop/x", "must be an https URL"),
            (
                "https://{{target}}.example.coop/x",
                "the host must be written out",
            ),
            ("https://releases.example.coop/{{os}}", "may be filled in"),
            ("file:///etc/passwd", "must be an https URL"),
        ] {
            let text = format!("{builtin}\n[updates]\nendpoint = \"{endpoint}\"\n");
            let err = Provider::parse(&text, "test").unwrap_err().to_string();
            assert!(err.contains(expected), "{endpoint}: {err}");
        }
        let text = format!("{builtin}\n[updates]\nchannel = \"beta\"\n");
        assert!(
            Provider::parse(&text, "test").is_err(),
            "unknown keys are refused"
        );
    }
}
