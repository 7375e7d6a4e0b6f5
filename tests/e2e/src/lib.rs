//! GUI end-to-end tests live in `tests/`; see `tests/welcome.rs`.
