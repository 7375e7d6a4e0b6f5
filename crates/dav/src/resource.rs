//! One resource of a multistatus answer, with typed accessors for the
//! properties the client uses (WebDAV, Nextcloud's `oc:`/`nc:`, CalDAV,
//! CardDAV).

use std::time::SystemTime;

use crate::href::Href;
use crate::xml::{
    APPLE_ICAL, CALDAV, CALENDARSERVER, CARDDAV, DAV, Element, NC, OC, PropStat, QName,
};

/// A checked resource of a multistatus answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    pub href: Href,
    /// The response-level status, when the server gave one instead of
    /// propstats (e.g. 404 for a removed item in sync-collection).
    pub status: Option<u16>,
    pub propstats: Vec<PropStat>,
    pub error: Option<Element>,
}

/// Nextcloud permissions (`oc:permissions`), letter by letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Permissions {
    pub shared: bool,
    pub reshare: bool,
    pub mounted: bool,
    pub read: bool,
    pub delete: bool,
    pub rename: bool,
    pub move_: bool,
    pub write: bool,
    pub create_file: bool,
    pub create_folder: bool,
}

impl Permissions {
    /// Parses the letters (`SRMGDNVWCK`); unknown letters are ignored.
    pub fn parse(s: &str) -> Self {
        let mut p = Permissions::default();
        for c in s.chars() {
            match c {
                'S' => p.shared = true,
                'R' => p.reshare = true,
                'M' => p.mounted = true,
                'G' => p.read = true,
                'D' => p.delete = true,
                'N' => p.rename = true,
                'V' => p.move_ = true,
                'W' => p.write = true,
                'C' => p.create_file = true,
                'K' => p.create_folder = true,
                _ => {}
            }
        }
        p
    }

    /// Read-only: no write, no create.
    pub fn is_read_only(&self) -> bool {
        !self.write && !self.create_file && !self.create_folder
    }
}

/// A content checksum (`oc:checksums`): algorithm and hex value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    /// Upper case: `SHA1`, `MD5`, `ADLER32`, `SHA256`.
    pub algorithm: String,
    pub value: String,
}

impl Checksum {
    /// Parses `SHA1:abc MD5:def` (Nextcloud joins several with spaces).
    pub fn parse_list(s: &str) -> Vec<Checksum> {
        s.split_whitespace()
            .filter_map(|item| {
                let (alg, value) = item.split_once(':')?;
                (!alg.is_empty() && !value.is_empty()).then(|| Checksum {
                    algorithm: alg.to_ascii_uppercase(),
                    value: value.to_ascii_lowercase(),
                })
            })
            .collect()
    }
}

impl Resource {
    pub fn new(
        href: Href,
        status: Option<u16>,
        propstats: Vec<PropStat>,
        error: Option<Element>,
    ) -> Self {
        Resource {
            href,
            status,
            propstats,
            error,
        }
    }

    /// A property the server returned with a 2xx status.
    pub fn prop(&self, ns: &str, local: &str) -> Option<&Element> {
        self.propstats
            .iter()
            .filter(|ps| (200..300).contains(&ps.status))
            .flat_map(|ps| ps.props.iter())
            .find(|p| p.name.is(ns, local))
    }

    /// The trimmed text of a 2xx property, `None` when absent or empty.
    pub fn text(&self, ns: &str, local: &str) -> Option<&str> {
        self.prop(ns, local)
            .map(Element::trimmed)
            .filter(|t| !t.is_empty())
    }

    /// Names of the properties the server reported with `status`.
    pub fn props_with_status(&self, status: u16) -> Vec<&QName> {
        self.propstats
            .iter()
            .filter(|ps| ps.status == status)
            .flat_map(|ps| ps.props.iter().map(|p| &p.name))
            .collect()
    }

    pub fn etag(&self) -> Option<&str> {
        self.text(DAV, "getetag")
    }

    /// The `resourcetype` children (`collection`, `calendar`, ...).
    pub fn resource_types(&self) -> Vec<&QName> {
        self.prop(DAV, "resourcetype")
            .map(|rt| rt.children.iter().map(|c| &c.name).collect())
            .unwrap_or_default()
    }

    pub fn is_collection(&self) -> bool {
        self.resource_types()
            .iter()
            .any(|n| n.is(DAV, "collection"))
    }

    pub fn is_calendar(&self) -> bool {
        self.resource_types()
            .iter()
            .any(|n| n.is(CALDAV, "calendar"))
    }

    pub fn is_addressbook(&self) -> bool {
        self.resource_types()
            .iter()
            .any(|n| n.is(CARDDAV, "addressbook"))
    }

    pub fn content_length(&self) -> Option<u64> {
        self.text(DAV, "getcontentlength")?.parse().ok()
    }

    pub fn content_type(&self) -> Option<&str> {
        self.text(DAV, "getcontenttype")
    }

    pub fn last_modified(&self) -> Option<SystemTime> {
        httpdate::parse_http_date(self.text(DAV, "getlastmodified")?).ok()
    }

    pub fn display_name(&self) -> Option<&str> {
        self.text(DAV, "displayname")
    }

    /// `oc:fileid`, stable across renames on Nextcloud.
    pub fn file_id(&self) -> Option<&str> {
        self.text(OC, "fileid")
    }

    pub fn permissions(&self) -> Option<Permissions> {
        self.text(OC, "permissions").map(Permissions::parse)
    }

    /// `oc:checksums`, in either form: text directly inside, or (as
    /// Nextcloud sends it) inside `<oc:checksum>` children.
    pub fn checksums(&self) -> Vec<Checksum> {
        let Some(el) = self.prop(OC, "checksums") else {
            return Vec::new();
        };
        let mut out = Checksum::parse_list(el.trimmed());
        for c in el.children_named(OC, "checksum") {
            out.extend(Checksum::parse_list(c.trimmed()));
        }
        out
    }

    /// `oc:size`: a folder's recursive size.
    pub fn recursive_size(&self) -> Option<u64> {
        self.text(OC, "size")?.parse().ok()
    }

    /// `nc:mount-type` (`shared`, `group`, `external`, ...); `None` when
    /// empty (the member's own storage).
    pub fn mount_type(&self) -> Option<&str> {
        self.text(NC, "mount-type")
    }

    /// `nc:is-mount-root`: the root of a share, never to be deleted.
    pub fn is_mount_root(&self) -> bool {
        self.text(NC, "is-mount-root") == Some("true")
    }

    /// `quota-available-bytes`; negative values are Nextcloud's "unknown"
    /// (-1, -2) and "unlimited" (-3).
    pub fn quota_available(&self) -> Option<i64> {
        self.text(DAV, "quota-available-bytes")?.parse().ok()
    }

    pub fn quota_used(&self) -> Option<i64> {
        self.text(DAV, "quota-used-bytes")?.parse().ok()
    }

    /// `getctag` (calendar server extension).
    pub fn ctag(&self) -> Option<&str> {
        self.text(CALENDARSERVER, "getctag")
    }

    pub fn sync_token(&self) -> Option<&str> {
        self.text(DAV, "sync-token")
    }

    /// `calendar-color` (Apple extension), e.g. `#0B6E69FF`.
    pub fn calendar_color(&self) -> Option<&str> {
        self.text(APPLE_ICAL, "calendar-color")
    }

    /// `supported-calendar-component-set`: `VEVENT`, `VTODO`, ...
    pub fn supported_components(&self) -> Vec<String> {
        self.prop(CALDAV, "supported-calendar-component-set")
            .map(|s| {
                s.children_named(CALDAV, "comp")
                    .filter_map(|c| c.attr("name").map(str::to_ascii_uppercase))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether `supported-report-set` lists `report` (of namespace `ns`);
    /// `None` when the server did not send the property.
    pub fn supports_report(&self, ns: &str, report: &str) -> Option<bool> {
        let set = self.prop(DAV, "supported-report-set")?;
        Some(set.children_named(DAV, "supported-report").any(|sr| {
            sr.child(DAV, "report")
                .is_some_and(|r| r.child(ns, report).is_some())
        }))
    }

    /// Whether `current-user-privilege-set` grants writing content (`write`,
    /// `write-content`, `bind` or `all`); `None` when not sent.
    pub fn can_write(&self) -> Option<bool> {
        let set = self.prop(DAV, "current-user-privilege-set")?;
        Some(set.children_named(DAV, "privilege").any(|p| {
            ["write", "write-content", "all"]
                .iter()
                .any(|w| p.child(DAV, w).is_some())
        }))
    }

    /// The first href of an href-valued property
    /// (`current-user-principal`, `calendar-home-set`, ...).
    pub fn href_prop(&self, ns: &str, local: &str) -> Option<&str> {
        self.prop(ns, local)?.hrefs().into_iter().next()
    }

    /// `calendar-data` / `address-data` text.
    pub fn calendar_data(&self) -> Option<&str> {
        self.prop(CALDAV, "calendar-data").map(|e| e.text.as_str())
    }

    pub fn address_data(&self) -> Option<&str> {
        self.prop(CARDDAV, "address-data").map(|e| e.text.as_str())
    }
}

/// Compares two ETags as opaque tags, ignoring weakness.
///
/// Quirk (Apache mod_dav_fs): a file changed less than a second ago gets a
/// weak `W/"…"` ETag that turns strong, with the same opaque value, once the
/// file is older. Comparing weakly keeps that from looking like a change.
pub fn etag_eq(a: &str, b: &str) -> bool {
    strip_weak(a) == strip_weak(b)
}

/// The opaque part of an ETag, without `W/`.
pub fn strip_weak(tag: &str) -> &str {
    tag.trim().strip_prefix("W/").unwrap_or(tag.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_letters() {
        let p = Permissions::parse("SGDNV");
        assert!(p.shared && p.read && p.delete && p.rename && p.move_);
        assert!(p.is_read_only());
        assert!(!Permissions::parse("RGDNVCK").is_read_only());
        assert!(!Permissions::parse("RGDNVW").is_read_only());
    }

    #[test]
    fn checksum_lists() {
        let c = Checksum::parse_list("SHA1:ABC md5:def  bogus ADLER32:");
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].algorithm, "SHA1");
        assert_eq!(c[0].value, "abc");
        assert_eq!(c[1].algorithm, "MD5");
    }

    #[test]
    fn etags_compare_ignoring_weakness() {
        assert!(etag_eq("W/\"1-2\"", "\"1-2\""));
        assert!(!etag_eq("\"1-2\"", "\"1-3\""));
    }
}

/// A Nextcloud file id in the one form the listings give (`oc:fileid`,
/// `10461`): the `OC-FileId` header of a PUT and bulk upload's `fileid`
/// give the instance form (`00010461oc9o416dqkif`: the id padded to eight
/// digits, then the instance id), which would never match a listing's.
/// Anything else is kept as it is.
pub fn plain_file_id(id: &str) -> String {
    let digits = id.len() - id.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || !id[digits..].starts_with("oc") {
        return id.to_owned();
    }
    let n = id[..digits].trim_start_matches('0');
    if n.is_empty() { "0" } else { n }.to_owned()
}

#[cfg(test)]
mod file_id_tests {
    use super::plain_file_id;

    #[test]
    fn instance_file_ids_become_the_listings_form() {
        assert_eq!(plain_file_id("00010461oc9o416dqkif"), "10461");
        assert_eq!(plain_file_id("123456789ocabc"), "123456789");
        assert_eq!(plain_file_id("10461"), "10461");
        assert_eq!(plain_file_id("abc"), "abc");
        assert_eq!(plain_file_id("00000000ocx"), "0");
    }
}
