//! Calendars and contacts: CalDAV and CardDAV collections synced both ways
//! into the state file, usable and editable offline.

pub mod index;
pub mod text;
