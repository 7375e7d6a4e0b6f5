//! Paths inside a synced folder.
//!
//! A [`SyncPath`] is the key both sides and the journal agree on: the names
//! below the sync root, joined by `/`, in Unicode NFC. macOS writes NFD,
//! Nextcloud stores NFC, Linux keeps whatever bytes it is given: keying on
//! NFC makes the two spellings one file. The spelling actually found on
//! each side is kept next to the key for I/O.

use std::collections::BTreeMap;
use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// A normalised relative path (`Documents/Factura.pdf`); the root is `""`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SyncPath(String);

impl SyncPath {
    /// The sync root itself.
    pub fn root() -> Self {
        SyncPath(String::new())
    }

    /// From names (any normalisation); empty names are skipped.
    pub fn from_names<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Self {
        let mut s = String::new();
        for n in names {
            let n = n.as_ref();
            if n.is_empty() {
                continue;
            }
            if !s.is_empty() {
                s.push('/');
            }
            if n.is_ascii() {
                // ASCII is NFC already.
                s.push_str(n);
            } else {
                s.extend(n.nfc());
            }
        }
        SyncPath(s)
    }

    /// From a `/`-separated string.
    pub fn parse(s: &str) -> Self {
        Self::from_names(s.split('/'))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|n| !n.is_empty())
    }

    /// The last name (`""` for the root).
    pub fn name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or("")
    }

    /// The parent folder (`None` for the root).
    pub fn parent(&self) -> Option<SyncPath> {
        if self.is_root() {
            return None;
        }
        Some(match self.0.rfind('/') {
            Some(i) => SyncPath(self.0[..i].to_owned()),
            None => SyncPath::root(),
        })
    }

    /// Every ancestor from the nearest up to (not including) the root.
    pub fn ancestors(&self) -> impl Iterator<Item = SyncPath> + '_ {
        let mut cur = self.parent();
        std::iter::from_fn(move || {
            let next = cur.take()?;
            if next.is_root() {
                return None;
            }
            cur = next.parent();
            Some(next)
        })
    }

    pub fn join(&self, name: &str) -> SyncPath {
        if self.is_root() {
            SyncPath::from_names([name])
        } else {
            SyncPath::from_names(self.names().chain(std::iter::once(name)))
        }
    }

    /// Whether `self` is `other` or below it.
    pub fn starts_with(&self, other: &SyncPath) -> bool {
        other.is_root()
            || self.0 == other.0
            || (self.0.starts_with(&other.0) && self.0.as_bytes().get(other.0.len()) == Some(&b'/'))
    }

    /// The key for case-insensitive comparisons.
    pub fn case_key(&self) -> String {
        self.0.to_lowercase()
    }

    /// The entries of a sorted map that lie strictly below `self`.
    ///
    /// They are not simply those after `self` in key order: `a-b.txt` and
    /// `a.txt` sort between `a` and `a/x` (`-` and `.` come before `/`), so
    /// the walk starts at `a/`, where everything below `a` begins.
    pub fn below<'m, V>(
        &self,
        map: &'m std::collections::BTreeMap<SyncPath, V>,
    ) -> impl Iterator<Item = (&'m SyncPath, &'m V)> + 'm {
        let start = if self.is_root() {
            SyncPath::root()
        } else {
            SyncPath(format!("{}/", self.0))
        };
        let me = self.clone();
        map.range(start..)
            .take_while(move |(k, _)| k.starts_with(&me))
            .filter(|(k, _)| !k.is_root())
    }
}

impl fmt::Display for SyncPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_root() {
            f.write_str("/")
        } else {
            f.write_str(&self.0)
        }
    }
}

/// Keeps a `BTreeMap` built by inserts near its dense size.
///
/// Inserted in key order (or in runs of key order: a folder's listing, the
/// journal's rows), a `BTreeMap`'s nodes end a little over half full: a
/// full node splits 6 + 5 and the left half is never added to again, so
/// the map takes about 1.9 times the memory of its entries. `BTreeMap::append`
/// merges into full nodes, freeing the old ones as it goes; done each time
/// the map has grown by half since the last time, the memory freed is
/// reused by the inserts that follow, and the map stays within about 1.3
/// times its dense size (each entry is moved about three times in all).
#[derive(Debug, Default)]
pub(crate) struct Packer {
    packed: usize,
}

impl Packer {
    pub(crate) fn insert<K: Ord, V>(&mut self, map: &mut BTreeMap<K, V>, k: K, v: V) -> Option<V> {
        let old = map.insert(k, v);
        if map.len() >= 4096 + self.packed + self.packed / 2 {
            self.finish(map);
        }
        old
    }

    /// Packs what was inserted since the last time.
    pub(crate) fn finish<K: Ord, V>(&mut self, map: &mut BTreeMap<K, V>) {
        if map.len() != self.packed {
            pack(map);
            self.packed = map.len();
        }
    }
}

/// Rebuilds `map` with full nodes (see [`Packer`]).
pub(crate) fn pack<K: Ord, V>(map: &mut BTreeMap<K, V>) {
    let Some((k, v)) = map.pop_first() else {
        return;
    };
    let mut out = BTreeMap::new();
    out.insert(k, v);
    // Not into an empty map: `append` would only swap the two.
    out.append(map);
    *map = out;
}

/// Why a name is not synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameProblem {
    /// Reserved on Windows (`CON`, `PRN`, `AUX`, `NUL`, `COM1`…, `LPT1`…).
    ReservedName,
    /// Ends in a dot or a space (Windows drops them).
    TrailingDotOrSpace,
    /// Has a character Windows or macOS cannot hold (`\ : * ? " < > |`)
    /// or a control character.
    ForbiddenCharacter,
    /// Longer than 255 bytes.
    TooLong,
}

impl NameProblem {
    pub fn describe(self) -> &'static str {
        match self {
            NameProblem::ReservedName => "a name reserved on Windows",
            NameProblem::TrailingDotOrSpace => "a name ending in a dot or a space",
            NameProblem::ForbiddenCharacter => "a character Windows or macOS cannot use in names",
            NameProblem::TooLong => "a name longer than 255 bytes",
        }
    }
}

/// Checks that a name can live on every desktop system members use, so a
/// folder shared between Linux, Windows and macOS never holds a file one of
/// them cannot sync.
pub fn portable_name(name: &str) -> Result<(), NameProblem> {
    if name.len() > 255 {
        return Err(NameProblem::TooLong);
    }
    if name.chars().any(|c| {
        c.is_control() || matches!(c, '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '/')
    }) {
        return Err(NameProblem::ForbiddenCharacter);
    }
    if name.ends_with('.') || name.ends_with(' ') {
        return Err(NameProblem::TrailingDotOrSpace);
    }
    let stem = name
        .split('.')
        .next()
        .unwrap_or("")
        .trim_end()
        .to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit()
            && stem.as_bytes()[3] != b'0');
    if reserved {
        return Err(NameProblem::ReservedName);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfc_and_nfd_are_one_key() {
        let nfd = "Cafe\u{301}/Re\u{301}sum.txt";
        assert_eq!(SyncPath::parse(nfd), SyncPath::parse("Café/Résum.txt"));
    }

    #[test]
    fn a_packed_map_is_the_same_map() {
        let mut packer = Packer::default();
        let mut m = BTreeMap::new();
        let mut all = BTreeMap::new();
        for i in (0..20_000u32).rev().chain(20_000..30_000) {
            let k = SyncPath::parse(&format!("d{}/f{i}", i % 7));
            assert_eq!(packer.insert(&mut m, k.clone(), i), None);
            all.insert(k, i);
        }
        packer.finish(&mut m);
        assert_eq!(m, all);
        assert_eq!(packer.insert(&mut m, SyncPath::parse("d0/f0"), 9), Some(0));
    }

    #[test]
    fn parents_and_ancestors() {
        let p = SyncPath::parse("a/b/c.txt");
        assert_eq!(p.name(), "c.txt");
        assert_eq!(p.parent().unwrap().as_str(), "a/b");
        let anc: Vec<String> = p.ancestors().map(|a| a.as_str().to_owned()).collect();
        assert_eq!(anc, ["a/b", "a"]);
        assert!(p.starts_with(&SyncPath::parse("a")));
        assert!(!SyncPath::parse("ab/c").starts_with(&SyncPath::parse("a")));
        assert_eq!(SyncPath::root().join("x").as_str(), "x");
    }

    #[test]
    fn portable_names() {
        for ok in [
            "Factura 2026.pdf",
            "ÀÉÍ",
            "CONTRACTE.odt",
            "com10",
            ".bashrc",
            "a.b.c",
        ] {
            assert_eq!(portable_name(ok), Ok(()), "{ok}");
        }
        assert_eq!(portable_name("CON"), Err(NameProblem::ReservedName));
        assert_eq!(portable_name("con.txt"), Err(NameProblem::ReservedName));
        assert_eq!(portable_name("LPT1.doc"), Err(NameProblem::ReservedName));
        assert_eq!(portable_name("nota."), Err(NameProblem::TrailingDotOrSpace));
        assert_eq!(portable_name("nota "), Err(NameProblem::TrailingDotOrSpace));
        assert_eq!(portable_name("a:b"), Err(NameProblem::ForbiddenCharacter));
        assert_eq!(portable_name("què?"), Err(NameProblem::ForbiddenCharacter));
        assert_eq!(portable_name(&"a".repeat(256)), Err(NameProblem::TooLong));
    }
}
