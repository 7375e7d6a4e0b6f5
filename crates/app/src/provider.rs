//! Provider profiles: which cooperative the app serves, as data. The code
//! lives in `cc-account` (sign-in needs the servers and services); the
//! schema is documented in `providers/README.md`.

pub use cc_account::provider::{
    Colors, CustomServer, LANGUAGES, Origin, PROVIDER_ENV, Provider, ProviderError, SCHEMA,
    ServerChoice, ServerPreset, ServiceDef, ServiceKind, ServiceLink,
};
