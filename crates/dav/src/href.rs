//! Resolving and checking the hrefs a server sends back.
//!
//! Every href in a response is resolved against the request URL and must
//! stay inside the requested collection: same scheme, host and port, a path
//! below the request path, no `.` or `..` segment (raw or percent-encoded),
//! no encoded slash or NUL or control character inside a name, valid UTF-8,
//! and names of at most [`MAX_NAME_BYTES`] bytes. Anything else is refused
//! with an [`HrefError`]: a hostile or broken server must not make the
//! client read or write outside the folder it asked about.

use percent_encoding::percent_decode_str;
use url::Url;

/// Longest name (one path segment, decoded) accepted: the limit of common
/// local filesystems.
pub const MAX_NAME_BYTES: usize = 255;
/// Longest href accepted, raw.
pub const MAX_HREF_BYTES: usize = 8 * 1024;

/// Why an href was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HrefError {
    #[error("empty href")]
    Empty,
    #[error("href longer than {MAX_HREF_BYTES} bytes")]
    TooLong,
    #[error("href {0:?} is not a valid URL reference")]
    Invalid(String),
    #[error("href {0:?} points to another server")]
    ForeignOrigin(String),
    #[error("href {0:?} is outside the requested collection")]
    OutsideCollection(String),
    #[error("href {0:?} has a '.' or '..' segment")]
    DotSegment(String),
    #[error("href {0:?} has an encoded '/' or '\\' inside a name")]
    EncodedSlash(String),
    #[error("href {0:?} has a NUL or control character")]
    ControlChar(String),
    #[error("href {0:?} is not valid UTF-8 once decoded")]
    NotUtf8(String),
    #[error("href {0:?} has a name longer than {MAX_NAME_BYTES} bytes")]
    NameTooLong(String),
}

/// An href that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Href {
    /// The absolute URL of the resource.
    pub url: Url,
    /// Decoded names below the requested collection; empty for the
    /// collection itself.
    pub rel: Vec<String>,
    /// The href ended in `/` (servers mark collections so).
    pub trailing_slash: bool,
}

impl Href {
    /// The path below the collection, names joined by `/`.
    pub fn rel_path(&self) -> String {
        self.rel.join("/")
    }

    /// Whether this is the requested resource itself.
    pub fn is_request_target(&self) -> bool {
        self.rel.is_empty()
    }
}

/// Decodes the segments of a URL path, checking each one.
fn decoded_segments(path: &str, raw: &str) -> Result<Vec<String>, HrefError> {
    let mut out = Vec::new();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        let bytes: Vec<u8> = percent_decode_str(seg).collect();
        let name = String::from_utf8(bytes).map_err(|_| HrefError::NotUtf8(raw.into()))?;
        if name == "." || name == ".." {
            return Err(HrefError::DotSegment(raw.into()));
        }
        if name.contains('/') || name.contains('\\') {
            return Err(HrefError::EncodedSlash(raw.into()));
        }
        if name.chars().any(char::is_control) {
            return Err(HrefError::ControlChar(raw.into()));
        }
        if name.len() > MAX_NAME_BYTES {
            return Err(HrefError::NameTooLong(raw.into()));
        }
        out.push(name);
    }
    Ok(out)
}

/// Resolves `href` against `request` (the URL the request went to) and
/// checks that it names `request` itself or something below it.
pub fn resolve(request: &Url, href: &str) -> Result<Href, HrefError> {
    Resolver::new(request)
        .map_err(|_| HrefError::Invalid(request.as_str().into()))?
        .resolve(href)
}

/// Resolves many hrefs against one request URL (its path decoded once).
#[derive(Debug, Clone)]
pub struct Resolver {
    request: Url,
    base: Vec<String>,
}

/// Whether a raw path segment is `.` or `..`, percent-encoded or not.
fn is_dot_segment(seg: &str) -> bool {
    // "%2e%2e" is the longest spelling of "..".
    if seg.is_empty() || seg.len() > 6 {
        return false;
    }
    let mut dots = 0;
    let mut rest = seg;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            rest = r;
        } else if rest.len() >= 3 && rest.as_bytes()[..3].eq_ignore_ascii_case(b"%2e") {
            rest = &rest[3..];
        } else {
            return false;
        }
        dots += 1;
    }
    dots <= 2
}

impl Resolver {
    pub fn new(request: &Url) -> Result<Self, HrefError> {
        let base = decoded_segments(request.path(), request.as_str())?;
        Ok(Resolver {
            request: request.clone(),
            base,
        })
    }

    /// See [`resolve`].
    pub fn resolve(&self, href: &str) -> Result<Href, HrefError> {
        let request = &self.request;
        let raw = href.trim();
        if raw.is_empty() {
            return Err(HrefError::Empty);
        }
        if raw.len() > MAX_HREF_BYTES {
            return Err(HrefError::TooLong);
        }
        if raw.chars().any(char::is_control) {
            return Err(HrefError::ControlChar(raw.into()));
        }
        // Dot segments are refused before joining, because joining would
        // silently normalise them away. Check the raw path part only (a
        // query or fragment may legitimately hold dots).
        let path_part = raw.split(['?', '#']).next().unwrap_or("");
        let after_authority = match path_part.find("://") {
            Some(i) => {
                let rest = &path_part[i + 3..];
                rest.find('/').map(|j| &rest[j..]).unwrap_or("")
            }
            None => path_part,
        };
        if after_authority.split('/').any(is_dot_segment) {
            return Err(HrefError::DotSegment(raw.into()));
        }
        let url = request
            .join(raw)
            .map_err(|_| HrefError::Invalid(raw.into()))?;
        if url.scheme() != request.scheme()
            || !url
                .host_str()
                .unwrap_or("")
                .eq_ignore_ascii_case(request.host_str().unwrap_or(""))
            || url.port_or_known_default() != request.port_or_known_default()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(HrefError::ForeignOrigin(raw.into()));
        }
        let segments = decoded_segments(url.path(), raw)?;
        let base = &self.base;
        if segments.len() < base.len() || segments[..base.len()] != base[..] {
            return Err(HrefError::OutsideCollection(raw.into()));
        }
        let trailing_slash = url.path().ends_with('/');
        let mut segments = segments;
        let rel = segments.split_off(base.len());
        Ok(Href {
            trailing_slash,
            rel,
            url,
        })
    }
}

/// Appends names to a collection URL, percent-encoding each one.
pub fn join_names<'a>(collection: &Url, names: impl IntoIterator<Item = &'a str>) -> Url {
    let mut url = collection.clone();
    {
        let mut segs = url
            .path_segments_mut()
            .expect("DAV URLs are hierarchical (http/https)");
        segs.pop_if_empty();
        for name in names {
            segs.push(name);
        }
    }
    url
}

/// The same URL with a trailing slash (a collection).
pub fn as_collection(url: &Url) -> Url {
    let mut u = url.clone();
    if !u.path().ends_with('/') {
        let p = format!("{}/", u.path());
        u.set_path(&p);
    }
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://cloud.example.coop/remote.php/dav/files/ana/").unwrap()
    }

    #[test]
    fn accepts_children_in_any_spelling() {
        let r = resolve(&base(), "/remote.php/dav/files/ana/Documents/").unwrap();
        assert_eq!(r.rel, vec!["Documents"]);
        assert!(r.trailing_slash);
        let r = resolve(&base(), "/remote.php/dav/files/ana/caf%c3%a9.txt").unwrap();
        assert_eq!(r.rel, vec!["café.txt"]);
        let r = resolve(
            &base(),
            "https://CLOUD.example.coop:443/remote.php/dav/files/ana/a%20b",
        )
        .unwrap();
        assert_eq!(r.rel, vec!["a b"]);
        let r = resolve(&base(), "/remote.php/dav/files/ana/").unwrap();
        assert!(r.is_request_target());
        // Relative hrefs resolve against the request URL.
        assert_eq!(resolve(&base(), "x/y.txt").unwrap().rel, vec!["x", "y.txt"]);
        // Encoded request path versus decoded href.
        let enc = Url::parse("https://h/dav/caf%C3%A9/").unwrap();
        assert_eq!(resolve(&enc, "/dav/café/a").unwrap().rel, vec!["a"]);
    }

    #[test]
    fn refuses_what_leaves_the_collection() {
        let b = base();
        type Check = fn(&HrefError) -> bool;
        let cases: &[(&str, Check)] = &[
            ("", |e| matches!(e, HrefError::Empty)),
            ("https://evil.example/remote.php/dav/files/ana/x", |e| {
                matches!(e, HrefError::ForeignOrigin(_))
            }),
            (
                "http://cloud.example.coop/remote.php/dav/files/ana/x",
                |e| matches!(e, HrefError::ForeignOrigin(_)),
            ),
            (
                "https://cloud.example.coop:8443/remote.php/dav/files/ana/x",
                |e| matches!(e, HrefError::ForeignOrigin(_)),
            ),
            (
                "https://u:p@cloud.example.coop/remote.php/dav/files/ana/x",
                |e| matches!(e, HrefError::ForeignOrigin(_)),
            ),
            ("/remote.php/dav/files/bob/x", |e| {
                matches!(e, HrefError::OutsideCollection(_))
            }),
            ("/remote.php/dav/files/", |e| {
                matches!(e, HrefError::OutsideCollection(_))
            }),
            ("/remote.php/dav/files/ana/../bob/x", |e| {
                matches!(e, HrefError::DotSegment(_))
            }),
            ("/remote.php/dav/files/ana/%2e%2e/bob", |e| {
                matches!(e, HrefError::DotSegment(_))
            }),
            ("/remote.php/dav/files/ana/./x", |e| {
                matches!(e, HrefError::DotSegment(_))
            }),
            ("../../etc/passwd", |e| {
                matches!(e, HrefError::DotSegment(_))
            }),
            ("/remote.php/dav/files/ana/a%2Fb", |e| {
                matches!(e, HrefError::EncodedSlash(_))
            }),
            ("/remote.php/dav/files/ana/a%5Cb", |e| {
                matches!(e, HrefError::EncodedSlash(_))
            }),
            ("/remote.php/dav/files/ana/a%00b", |e| {
                matches!(e, HrefError::ControlChar(_))
            }),
            ("/remote.php/dav/files/ana/a%0Ab", |e| {
                matches!(e, HrefError::ControlChar(_))
            }),
            ("/remote.php/dav/files/ana/a\nb", |e| {
                matches!(e, HrefError::ControlChar(_))
            }),
            ("/remote.php/dav/files/ana/%ff%fe", |e| {
                matches!(e, HrefError::NotUtf8(_))
            }),
            ("/remote.php/dav/files/anabel/x", |e| {
                matches!(e, HrefError::OutsideCollection(_))
            }),
        ];
        for (href, check) in cases {
            let err = resolve(&b, href).expect_err(href);
            assert!(check(&err), "{href:?} gave {err:?}");
        }
        let long = format!("/remote.php/dav/files/ana/{}", "a".repeat(256));
        assert!(matches!(resolve(&b, &long), Err(HrefError::NameTooLong(_))));
        let huge = format!("/remote.php/dav/files/ana/{}", "a/".repeat(5000));
        assert!(matches!(resolve(&b, &huge), Err(HrefError::TooLong)));
    }

    #[test]
    fn dot_segments_in_every_spelling() {
        for dot in [".", "..", "%2e", "%2E%2e", ".%2e", "%2e."] {
            assert!(is_dot_segment(dot), "{dot}");
        }
        for not in [
            "",
            "...",
            "a.",
            ".a",
            "%2e%2e%2e",
            "%2f",
            "x",
            "é\u{202e}h",
            ".é",
        ] {
            assert!(!is_dot_segment(not), "{not}");
        }
    }

    #[test]
    fn join_encodes_names() {
        let u = join_names(&base(), ["a b", "c#d?.txt", "é"]);
        assert_eq!(
            u.as_str(),
            "https://cloud.example.coop/remote.php/dav/files/ana/a%20b/c%23d%3F.txt/%C3%A9"
        );
        let back = resolve(&base(), u.as_str()).unwrap();
        assert_eq!(back.rel, vec!["a b", "c#d?.txt", "é"]);
    }
}
