//! Accounts of CommonsCloud Desktop.
//!
//! - [`provider`]: provider profiles as data (`providers/*.toml`): names,
//!   colours, logo, servers (fixed, per organisation, or any), services.
//! - [`server`]: what a member types, made into a server's base URL; the
//!   transport rule (HTTPS, plain HTTP only on loopback).
//! - [`nextcloud`]: `status.php`, Login Flow v2 (start, poll with backoff,
//!   cancel, time-out), OCS `cloud/user` and capabilities, app-password
//!   revocation, the remote-wipe check.
//! - [`endpoints`]: the files root and the calendar and address-book homes
//!   (CalDAV/CardDAV discovery through `cc-dav`).
//! - [`signin`]: checks an app password and gathers the above.
//! - [`health`]: one state the UI can show (ok, maintenance, sign in
//!   again, offline, remote wipe).
//! - [`secrets`]: the OS keyring, the only place app passwords go.
//! - [`records`]: accounts in the state file (never their secrets).
//!
//! The façade (`cc-app`) ties them together; this crate has no global
//! state and no UI strings.

pub mod endpoints;
pub mod error;
pub mod health;
pub mod provider;
pub mod records;
pub mod secrets;
pub mod server;
pub mod server_api;
pub mod signin;

pub use error::{AccountError, Result};
pub use health::Health;
pub use provider::{MeetingKind, Provider, ProviderError, ServerChoice, ServiceKind, ServiceLink};
pub use secrets::{KEYRING_SERVICE, Keyring, KeyringError};
pub use server_api::{
    Capabilities, HttpConfig, LoginFlow, LoginGrant, NextcloudClient, OcsAnswer, OcsRequest,
    PollPolicy, ServerStatus, UserInfo,
};
pub use signin::VerifiedAccount;
/// Cancels a Login Flow wait (re-exported so callers need no direct
/// `tokio-util` dependency).
pub use tokio_util::sync::CancellationToken;
