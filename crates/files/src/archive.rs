//! Many small new files of one folder in one request: Nextcloud's folder
//! archive download, read as it streams in.
//!
//! # Why tar for a folder, zip for a subtree
//!
//! Nextcloud (30+) answers a GET on a folder with an archive (recordings
//! 144–146, see `cc_dav::transfers`):
//!
//! - `Accept: application/zip`: the whole subtree, recursive (144). Its
//!   entries are *stored with data descriptors* (general-purpose flag bit
//!   3, zip64): the local header of each file says size 0 and the real size
//!   comes after the data. A reader going through the stream cannot tell
//!   where a stored entry ends, so the zip and async_zip crates refuse such
//!   entries in streaming mode. This one knows: the listing gives the size
//!   of every member asked for, and the descriptor after it must agree
//!   ([`stream_zip`]); where the stream holds anything else, the copy kept
//!   on disk is read from its central directory ([`extract_zip`]). It also
//!   sends every file below the folder, including those already here.
//! - `Accept: application/x-tar` with `?files=[…]`: exactly the named
//!   children (145). Each member's size is in its header, before its data,
//!   so the [`tar`] crate reads the archive as it streams in, and the size
//!   is checked against the listing before a byte is written. On Nextcloud
//!   33 the tar breaks after its first *folder* entry (the rest of the body
//!   is an XML error, 145/146), so only files are ever named: the new files
//!   of one folder, which is also what a pass needs.
//!
//! So: tar, one request per folder with many new small files (in groups),
//! several folders in flight like any other transfers. And where a whole
//! subtree is new here (a first sync, a folder shared with the member),
//! one zip of it, its files written as it comes in ([`stream_zip`]):
//! 10,000 files in 700 folders are then one
//! request instead of 700 (`docs/benchmarks.md`), bounded by what the
//! listing says the subtree holds (`FolderDownload::max_tree_bytes`).
//!
//! # Safety
//!
//! A member's name is never used as a path. It is only looked up among the
//! names that were asked for (leading `/` removed, NFC); the file is written
//! to the temporary file the engine chose for that listed path, in the
//! folder it belongs in. A member is skipped (and its file fetched by a
//! normal GET afterwards) when it is not a regular file (folders, links,
//! devices), its name was not asked for or came twice, its size is not
//! the listing's, or its content does not match the listing's SHA-1. The
//! stream is read no further than the members asked for can take (plus
//! room for headers), so a server cannot make the reader hold or write
//! more than that. A broken stream ends the archive: what was checked and
//! written until then is kept, the rest is fetched by GET.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;

use sha1::{Digest, Sha1};
use unicode_normalization::UnicodeNormalization;

/// One file asked for in an archive.
#[derive(Debug, Clone)]
pub(crate) struct Wanted {
    /// Its name in the folder (any normalisation; compared in NFC).
    pub name: String,
    /// The temporary file it is written to (in its folder).
    pub tmp: PathBuf,
    /// Size in the listing.
    pub size: u64,
    /// SHA-1 in the listing (lower-case hex), when the server stores one.
    pub sha1: Option<String>,
}

/// Bytes of archive allowed for `wanted`: every member's header and padded
/// data, room for long-name (PAX or GNU) headers, and the end blocks.
pub(crate) fn byte_budget(wanted: &[Wanted]) -> u64 {
    let members: u64 = wanted
        .iter()
        .map(|w| 512 + w.size.div_ceil(512) * 512 + 4096)
        .sum();
    members + 64 * 1024
}

/// A reader that fails once more than `left` bytes were asked of it.
struct Budget<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Budget<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // Only an error if the archive really goes on.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(
                    "the archive is longer than the files asked for",
                )),
            };
        }
        let max = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..max])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// A writer that hashes what goes through it.
struct Hashing<W> {
    inner: W,
    hash: Option<Sha1>,
    written: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(h) = &mut self.hash {
            h.update(&buf[..n]);
        }
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// How the archive went: per wanted file (by index), `Ok` when its
/// temporary file holds exactly the listed content, else why not; and,
/// when the stream itself failed, why (the files after that point are
/// simply missing).
#[derive(Debug, Default)]
pub(crate) struct Extracted {
    pub files: HashMap<usize, Result<(), String>>,
    pub stream_error: Option<String>,
    /// Members that were not what was asked for (skipped).
    pub skipped: Vec<String>,
}

/// The member name as asked for: leading `/` removed (Nextcloud names them
/// `//a.txt`), NFC. `None` for anything that is not one plain name.
fn member_name(raw: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(raw).ok()?;
    let s = s.trim_start_matches('/');
    if s.is_empty() || s == "." || s == ".." || s.contains('/') || s.contains('\\') {
        return None;
    }
    if s.contains('\0') {
        return None;
    }
    Some(s.nfc().collect())
}

/// The index of each wanted file by its name (NFC), as members are looked
/// up.
fn by_name(wanted: &[Wanted]) -> HashMap<String, usize> {
    wanted
        .iter()
        .enumerate()
        .map(|(i, w)| (w.name.nfc().collect::<String>(), i))
        .collect()
}

/// Writes the member `i` of the archive, which says it holds `size`
/// bytes, to its temporary file if it is as listed (its size first, then
/// no more than the listed size read, then its SHA-1); the outcome goes in
/// `out.files`, and a file that failed a check is removed. `true` when
/// reading the archive itself broke.
fn take_member(
    out: &mut Extracted,
    i: usize,
    w: &Wanted,
    size: u64,
    member: &mut impl Read,
) -> bool {
    if size != w.size {
        out.files.insert(
            i,
            Err(format!(
                "size {size} in the archive differs from the listing's {}",
                w.size
            )),
        );
        return false;
    }
    let result = write_member(&mut member.take(w.size + 1), w);
    if result.is_err() {
        let _ = std::fs::remove_file(&w.tmp);
    }
    let broke = matches!(&result, Err(WriteError::Archive(_)));
    out.files.insert(i, result.map_err(|e| e.to_string()));
    broke
}

/// Reads a tar from `reader` and writes each member that is one of
/// `wanted` to its temporary file (created or truncated, flushed to disk),
/// checked as the module says. Temporary files of members that failed a
/// check are removed.
pub(crate) fn extract(reader: impl Read, wanted: &[Wanted]) -> Extracted {
    let mut out = Extracted::default();
    let by_name = by_name(wanted);
    let mut archive = tar::Archive::new(Budget {
        inner: reader,
        left: byte_budget(wanted),
    });
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => {
            out.stream_error = Some(e.to_string());
            return out;
        }
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                out.stream_error = Some(e.to_string());
                break;
            }
        };
        let raw_name = entry.path_bytes().into_owned();
        let shown = String::from_utf8_lossy(&raw_name).into_owned();
        let regular = entry.header().entry_type() == tar::EntryType::Regular;
        let index = member_name(&raw_name).and_then(|n| by_name.get(&n).copied());
        let Some(i) = index.filter(|i| regular && !out.files.contains_key(i)) else {
            // Not asked for, not a file, or a second copy: skipped (the
            // tar reader passes over its data).
            out.skipped.push(shown);
            continue;
        };
        let size = entry.size();
        if take_member(&mut out, i, &wanted[i], size, &mut entry) {
            out.stream_error = Some("the archive broke off in the middle of a file".into());
            break;
        }
    }
    make_durable(&mut out, wanted);
    out
}

#[derive(Debug)]
enum WriteError {
    /// Reading the archive failed: the stream is broken.
    Archive(std::io::Error),
    /// Writing here failed, or the content is not the listed one.
    Here(String),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::Archive(e) => write!(f, "reading the archive: {e}"),
            WriteError::Here(m) => f.write_str(m),
        }
    }
}

fn write_member(entry: &mut impl Read, w: &Wanted) -> Result<(), WriteError> {
    let file = std::fs::File::create(&w.tmp).map_err(|e| WriteError::Here(e.to_string()))?;
    let mut sink = Hashing {
        inner: std::io::BufWriter::with_capacity(64 * 1024, file),
        hash: w.sha1.as_ref().map(|_| Sha1::new()),
        written: 0,
    };
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = entry.read(&mut buf).map_err(WriteError::Archive)?;
        if n == 0 {
            break;
        }
        sink.write_all(&buf[..n])
            .map_err(|e| WriteError::Here(e.to_string()))?;
    }
    if sink.written != w.size {
        return Err(WriteError::Archive(std::io::Error::other(format!(
            "{} of {} bytes in the archive",
            sink.written, w.size
        ))));
    }
    if let (Some(h), Some(expected)) = (sink.hash.take(), &w.sha1)
        && hex::encode(h.finalize()) != *expected
    {
        return Err(WriteError::Here(
            "checksum differs from the server's; not put in place".into(),
        ));
    }
    sink.inner
        .into_inner()
        .map_err(|e| WriteError::Here(e.to_string()))?;
    Ok(())
}

/// Makes the members written durable before any is put in place (a crash
/// must not leave a renamed file without its content). On Linux one
/// `syncfs` per file system they are on: the members are written one
/// after another, and a flush of each cost a third of a second for 1,000
/// small files, most of their extraction. Elsewhere each file is flushed.
/// A failure takes every member back (its temporary file removed).
fn make_durable(out: &mut Extracted, wanted: &[Wanted]) {
    let written: Vec<usize> = out
        .files
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(i, _)| *i)
        .collect();
    if let Err(e) = flush(written.iter().map(|i| wanted[*i].tmp.as_path())) {
        for i in written {
            let _ = std::fs::remove_file(&wanted[i].tmp);
            out.files.insert(i, Err(format!("flushing to disk: {e}")));
        }
    }
}

#[cfg(target_os = "linux")]
fn flush<'p>(files: impl Iterator<Item = &'p std::path::Path>) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let mut devices = std::collections::HashSet::new();
    for path in files {
        let file = std::fs::File::open(path)?;
        if devices.insert(file.metadata()?.dev()) {
            rustix::fs::syncfs(&file)?;
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn flush<'p>(files: impl Iterator<Item = &'p std::path::Path>) -> std::io::Result<()> {
    for path in files {
        std::fs::File::open(path)?.sync_all()?;
    }
    Ok(())
}

/// A member path of a folder's zip, below the folder: Nextcloud names
/// every member after the folder asked for (`Docs/a/b.txt`; the files root
/// as `files/…`), so the first name goes; `..`, `.`, empty names and
/// backslashes make it no path at all. NFC.
fn zip_member_path(raw: &str) -> Option<String> {
    let mut names = raw.split('/');
    names.next()?;
    let rest: Vec<&str> = names.collect();
    if rest.is_empty()
        || rest
            .iter()
            .any(|n| n.is_empty() || *n == "." || *n == ".." || n.contains(['\\', '\0']))
    {
        return None;
    }
    Some(rest.join("/").nfc().collect())
}

/// Reads a folder's zip kept at `zip` (Nextcloud writes it with data
/// descriptors, so it is read from its central directory, once whole) and
/// writes each member that is one of `wanted` (by path below the folder)
/// to its temporary file, checked as the module says for tar members:
/// asked for, a file, the listed size (the member's declared size, then
/// the bytes read, no more), the listed SHA-1.
///
/// Which member goes to which file is decided from the central directory
/// first (the first member of a name; a second one is skipped), then the
/// members are written by [`ZIP_WRITERS`] threads, each with a half:
/// creating a file is most of the work for small ones, and it is work of
/// the kernel's that two cores do side by side.
///
/// The members are not made durable here: [`stream_zip`], its caller,
/// flushes them with the ones it wrote itself.
pub(crate) fn extract_zip(zip: &std::path::Path, wanted: &[Wanted]) -> Extracted {
    let mut out = Extracted::default();
    let by_path = by_name(wanted);
    let open = || {
        std::fs::File::open(zip)
            .map_err(|e| e.to_string())
            .and_then(|f| {
                zip::ZipArchive::new(std::io::BufReader::new(f)).map_err(|e| e.to_string())
            })
    };
    let archive = match open() {
        Ok(a) => a,
        Err(e) => {
            out.stream_error = Some(e);
            return out;
        }
    };
    let mut jobs: Vec<(usize, usize)> = Vec::new();
    let mut claimed = std::collections::HashSet::new();
    for n in 0..archive.len() {
        let Some(shown) = archive.name_for_index(n) else {
            continue;
        };
        if shown.ends_with('/') {
            continue;
        }
        match zip_member_path(shown).and_then(|p| by_path.get(&p).copied()) {
            Some(i) if claimed.insert(i) => jobs.push((n, i)),
            _ => out.skipped.push(shown.to_owned()),
        }
    }
    let halves: Vec<&[(usize, usize)]> = jobs
        .chunks(jobs.len().div_ceil(ZIP_WRITERS).max(1))
        .collect();
    let parts: Vec<Extracted> = std::thread::scope(|scope| {
        let mut first = Some(archive);
        let running: Vec<_> = halves
            .iter()
            .map(|half| {
                let archive = first.take().map_or_else(open, Ok);
                scope.spawn(move || match archive {
                    Ok(mut archive) => write_members(&mut archive, half, wanted),
                    Err(e) => Extracted {
                        stream_error: Some(e),
                        ..Default::default()
                    },
                })
            })
            .collect();
        running
            .into_iter()
            .map(|t| {
                t.join().unwrap_or_else(|_| Extracted {
                    stream_error: Some("a zip writer thread panicked".into()),
                    ..Default::default()
                })
            })
            .collect()
    });
    for part in parts {
        out.files.extend(part.files);
        out.skipped.extend(part.skipped);
        if out.stream_error.is_none() {
            out.stream_error = part.stream_error;
        }
    }
    out
}

/// Reads a folder's zip as it arrives from `reader`, writing each member
/// that is one of `wanted` to its temporary file while the rest is still
/// coming, and keeping a copy of the bytes at `copy`.
///
/// Nextcloud stores its members uncompressed with data descriptors: the
/// local header says size 0 and the real size and CRC come after the data,
/// so a reader that does not know the size cannot tell where a member ends
/// (the zip and async_zip crates refuse them in a stream). Here the size is
/// known: it is the listing's for every member asked for. A member is
/// read for exactly that many bytes, its SHA-1 checked as the module says,
/// then its descriptor must give the same size and the CRC of what was
/// read. Anything else (a compressed member, a member not asked for whose
/// size is only in its descriptor, a descriptor that disagrees, bytes that
/// are not a header) stops the following: the rest of the zip goes to the
/// copy, and the members not yet written are taken from the copy's central
/// directory ([`extract_zip`]), as a zip always could be.
pub(crate) fn stream_zip(
    reader: impl Read,
    copy: &std::path::Path,
    wanted: &[Wanted],
) -> Extracted {
    let mut out = Extracted::default();
    let file = match std::fs::File::create(copy) {
        Ok(f) => f,
        Err(e) => {
            out.stream_error = Some(format!("{}: {e}", copy.display()));
            return out;
        }
    };
    let mut tee = Tee {
        inner: reader,
        copy: std::io::BufWriter::with_capacity(256 * 1024, file),
    };
    let by_path = by_name(wanted);
    let followed = follow_members(&mut tee, &by_path, wanted, &mut out);
    // The rest (the central directory, or all that was not followed) goes
    // to the copy.
    let drained = std::io::copy(&mut tee, &mut std::io::sink())
        .and_then(|_| tee.copy.flush())
        .map_err(|e| e.to_string());
    if let Err(why) = followed {
        tracing::debug!(%why, "zip not followed as it came; read from its directory");
        match drained {
            Err(e) => out.stream_error = Some(e),
            Ok(()) => {
                let rest: Vec<usize> = (0..wanted.len())
                    .filter(|i| !out.files.contains_key(i))
                    .collect();
                let asked: Vec<Wanted> = rest.iter().map(|i| wanted[*i].clone()).collect();
                let got = extract_zip(copy, &asked);
                for (j, r) in got.files {
                    out.files.insert(rest[j], r);
                }
                out.skipped.extend(got.skipped);
                out.stream_error = got.stream_error;
            }
        }
    }
    make_durable(&mut out, wanted);
    out
}

/// A reader that copies what it reads to `copy`.
struct Tee<R, W> {
    inner: R,
    copy: W,
}

impl<R: Read, W: Write> Read for Tee<R, W> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.copy.write_all(&buf[..n])?;
        Ok(n)
    }
}

/// A reader that keeps the CRC-32 of what it read.
struct Crc<R> {
    inner: R,
    hasher: crc32fast::Hasher,
}

impl<R: Read> Read for Crc<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

fn le16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn le64(b: &[u8]) -> u64 {
    u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

/// Follows the local headers of a zip stream up to its central directory
/// (see [`stream_zip`]); `Err` says why it stopped following.
fn follow_members(
    r: &mut impl Read,
    by_path: &HashMap<String, usize>,
    wanted: &[Wanted],
    out: &mut Extracted,
) -> Result<(), String> {
    let io = |e: std::io::Error| e.to_string();
    loop {
        let mut sig = [0u8; 4];
        r.read_exact(&mut sig).map_err(io)?;
        match le32(&sig) {
            0x0403_4b50 => {}
            // The central directory, or an empty zip's end.
            0x0201_4b50 | 0x0605_4b50 | 0x0606_4b50 => return Ok(()),
            other => {
                return Err(format!(
                    "signature {other:#010x} where a member was expected"
                ));
            }
        }
        let mut h = [0u8; 26];
        r.read_exact(&mut h).map_err(io)?;
        let (flags, method) = (le16(&h[2..]), le16(&h[4..]));
        let (crc, csize, usize32) = (le32(&h[10..]), le32(&h[14..]), le32(&h[18..]));
        let mut name = vec![0u8; usize::from(le16(&h[22..]))];
        let mut extra = vec![0u8; usize::from(le16(&h[24..]))];
        r.read_exact(&mut name).map_err(io)?;
        r.read_exact(&mut extra).map_err(io)?;
        let name =
            String::from_utf8(name).map_err(|_| "a member name that is not UTF-8".to_owned())?;
        if method != 0 {
            return Err(format!("{name}: compressed (method {method})"));
        }
        // Zip64: the sizes the header marks 0xFFFFFFFF are in extra field 1.
        let mut zip64 = false;
        let mut size = u64::from(usize32);
        let mut at = 0;
        while at + 4 <= extra.len() {
            let (id, len) = (le16(&extra[at..]), usize::from(le16(&extra[at + 2..])));
            let body = extra.get(at + 4..at + 4 + len).unwrap_or_default();
            if id == 1 {
                zip64 = true;
                if usize32 == u32::MAX && body.len() >= 8 {
                    size = le64(body);
                }
            }
            at += 4 + len;
        }
        let descriptor = flags & 8 != 0;
        let is_dir = name.ends_with('/');
        let index = (!is_dir)
            .then(|| zip_member_path(&name).and_then(|p| by_path.get(&p).copied()))
            .flatten();
        if descriptor {
            size = match (is_dir, index) {
                (true, _) => 0,
                (false, Some(i)) => wanted[i].size,
                (false, None) => return Err(format!("{name}: not asked for, its size after it")),
            };
        } else if u64::from(csize) != size && csize != u32::MAX {
            return Err(format!("{name}: stored with two sizes"));
        }
        let mut data = Crc {
            inner: r.take(size),
            hasher: crc32fast::Hasher::new(),
        };
        let taken = match index.filter(|i| !out.files.contains_key(i) && wanted[*i].size == size) {
            Some(i) => {
                let result = write_member(&mut data, &wanted[i]);
                if let Err(WriteError::Archive(e)) = &result {
                    let _ = std::fs::remove_file(&wanted[i].tmp);
                    return Err(format!("{name}: {e}"));
                }
                // A write that failed here left the rest of the member.
                std::io::copy(&mut data, &mut std::io::sink()).map_err(io)?;
                Some((i, result))
            }
            None => {
                if !is_dir {
                    out.skipped.push(name.clone());
                }
                let skipped = std::io::copy(&mut data, &mut std::io::sink()).map_err(io)?;
                if skipped != size {
                    return Err(format!("{name}: the zip broke off"));
                }
                None
            }
        };
        let got_crc = data.hasher.finalize();
        let (want_crc, want_size) = if descriptor {
            let mut d = [0u8; 4];
            r.read_exact(&mut d).map_err(io)?;
            let mut crc = le32(&d);
            if crc == 0x0807_4b50 {
                r.read_exact(&mut d).map_err(io)?;
                crc = le32(&d);
            }
            let mut sizes = vec![0u8; if zip64 { 16 } else { 8 }];
            r.read_exact(&mut sizes).map_err(io)?;
            let usize_after = if zip64 {
                le64(&sizes[8..])
            } else {
                u64::from(le32(&sizes[4..]))
            };
            (crc, usize_after)
        } else {
            (crc, size)
        };
        let agrees = want_crc == got_crc && want_size == size;
        if let Some((i, result)) = taken {
            let result = match result {
                Ok(()) if agrees => Ok(()),
                Ok(()) => Err("its CRC or size in the zip differs from what came".to_owned()),
                Err(e) => Err(e.to_string()),
            };
            if result.is_err() {
                let _ = std::fs::remove_file(&wanted[i].tmp);
            }
            out.files.insert(i, result);
        }
        if !agrees {
            return Err(format!("{name}: the descriptor differs from what came"));
        }
    }
}

/// Threads writing the members of one zip.
const ZIP_WRITERS: usize = 2;

/// Writes the members `jobs` (the zip's index, the wanted file's index)
/// of `archive`; stops at the first member the archive cannot give.
fn write_members<R: Read + std::io::Seek>(
    archive: &mut zip::ZipArchive<R>,
    jobs: &[(usize, usize)],
    wanted: &[Wanted],
) -> Extracted {
    let mut out = Extracted::default();
    for &(n, i) in jobs {
        let mut entry = match archive.by_index(n) {
            Ok(e) => e,
            Err(e) => {
                out.stream_error = Some(e.to_string());
                break;
            }
        };
        if !entry.is_file() {
            out.skipped.push(entry.name().to_owned());
            continue;
        }
        // A member that breaks off leaves the others readable (each is
        // found through the directory).
        let size = entry.size();
        take_member(&mut out, i, &wanted[i], size, &mut entry);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(members: &[(&str, &[u8], tar::EntryType)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data, kind) in members {
            let mut h = tar::Header::new_ustar();
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            // Raw names: the builder's path checks would refuse the
            // hostile ones this test needs.
            let bytes = name.as_bytes();
            h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
            h.set_cksum();
            b.append(&h, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn wanted(dir: &std::path::Path, name: &str, data: &[u8], sha1: bool) -> Wanted {
        Wanted {
            name: name.into(),
            tmp: dir.join(format!(".tmp-{}", hex::encode(name))),
            size: data.len() as u64,
            sha1: sha1.then(|| hex::encode(Sha1::digest(data))),
        }
    }

    /// The zip a real Nextcloud 33 sent for `arxiu/` (recording 144):
    /// `a.txt`, `b.txt`, `sub/c.txt`, each stored with a data descriptor.
    fn recorded_zip() -> Vec<u8> {
        let rec = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/nextcloud-33/144-folder-download-zip.http"
        ))
        .unwrap();
        let ok = rec.windows(12).position(|w| w == b"HTTP/1.1 200").unwrap();
        let body = ok + rec[ok..].windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        rec[body..].to_vec()
    }

    const RECORDED: [(&str, &[u8]); 3] = [
        ("a.txt", b"primer fitxer\n"),
        ("b.txt", b"segon fitxer\n"),
        ("sub/c.txt", b"tercer fitxer\n"),
    ];

    /// The zip up to its central directory (its first header's signature
    /// included): all a reader that follows it needs, nothing one that
    /// needs the directory can use.
    fn without_directory(zip: &[u8]) -> Vec<u8> {
        let at = zip.windows(4).position(|w| w == b"PK\x01\x02").unwrap();
        zip[..at + 4].to_vec()
    }

    #[test]
    fn a_nextcloud_zip_is_written_as_it_comes() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let asked: Vec<Wanted> = RECORDED
            .iter()
            .map(|(n, c)| wanted(d, n, c, true))
            .collect();
        let copy = d.join("copy.zip");
        let got = stream_zip(&without_directory(&recorded_zip())[..], &copy, &asked);
        assert_eq!(got.stream_error, None);
        for (i, (name, content)) in RECORDED.iter().enumerate() {
            assert_eq!(got.files[&i], Ok(()), "{name}");
            assert_eq!(std::fs::read(&asked[i].tmp).unwrap(), *content, "{name}");
        }
        assert!(got.skipped.is_empty(), "{:?}", got.skipped);
    }

    #[test]
    fn a_member_not_asked_for_sends_the_rest_to_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // b.txt is not asked for: its size is only after it.
        let asked = vec![
            wanted(d, "a.txt", RECORDED[0].1, true),
            wanted(d, "sub/c.txt", RECORDED[2].1, true),
        ];
        let copy = d.join("copy.zip");
        let got = stream_zip(&recorded_zip()[..], &copy, &asked);
        assert_eq!(got.stream_error, None);
        assert_eq!((&got.files[&0], &got.files[&1]), (&Ok(()), &Ok(())));
        assert_eq!(std::fs::read(&asked[1].tmp).unwrap(), RECORDED[2].1);
        assert!(
            got.skipped.iter().any(|s| s.ends_with("b.txt")),
            "{:?}",
            got.skipped
        );
        // Without a directory to fall back on: what came before b.txt is
        // kept, the rest is missing and the stream is said to be broken.
        let d = &d.join("again");
        std::fs::create_dir(d).unwrap();
        let asked = vec![
            wanted(d, "a.txt", RECORDED[0].1, true),
            wanted(d, "sub/c.txt", RECORDED[2].1, true),
        ];
        let got = stream_zip(&without_directory(&recorded_zip())[..], &copy, &asked);
        assert_eq!(got.files[&0], Ok(()));
        assert!(!got.files.get(&1).is_some_and(|r| r.is_ok()));
        assert!(!asked[1].tmp.exists());
        assert!(got.stream_error.is_some());
    }

    #[test]
    fn a_zip_that_disagrees_with_the_listing_puts_nothing_wrong_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // The listing says a.txt is a byte shorter, and b.txt has another
        // content (its SHA-1): neither is taken; c.txt is.
        let mut a = wanted(d, "a.txt", RECORDED[0].1, false);
        a.size -= 1;
        let b = wanted(d, "b.txt", b"not what the zip holds", true);
        let b = Wanted {
            size: RECORDED[1].1.len() as u64,
            ..b
        };
        let c = wanted(d, "sub/c.txt", RECORDED[2].1, true);
        let asked = vec![a, b, c];
        let got = stream_zip(&recorded_zip()[..], &d.join("copy.zip"), &asked);
        assert!(got.files[&0].is_err(), "{:?}", got.files);
        assert!(got.files[&1].is_err(), "{:?}", got.files);
        assert_eq!(got.files[&2], Ok(()));
        assert!(!asked[0].tmp.exists() && !asked[1].tmp.exists());
        assert_eq!(std::fs::read(&asked[2].tmp).unwrap(), RECORDED[2].1);
        // Garbage instead of a zip: nothing, and a clear error.
        let got = stream_zip(
            &b"<?xml version=\"1.0\"?><error/>"[..],
            &d.join("copy.zip"),
            &asked,
        );
        assert!(got.files.values().all(|r| r.is_err()) || got.files.is_empty());
        assert!(got.stream_error.is_some());
    }

    #[test]
    fn names_are_plain_names_only() {
        assert_eq!(member_name(b"//a.txt").as_deref(), Some("a.txt"));
        assert_eq!(member_name(b"a.txt").as_deref(), Some("a.txt"));
        assert_eq!(
            member_name("Cafe\u{301}.txt".as_bytes()).as_deref(),
            Some("Caf\u{e9}.txt")
        );
        for bad in [
            &b"../a.txt"[..],
            b"/etc/passwd",
            b"sub/c.txt",
            b"..",
            b".",
            b"",
            b"//",
            b"a\\b",
            b"\xff.txt",
        ] {
            assert_eq!(member_name(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn members_are_checked_against_what_was_asked() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let a = wanted(d, "a.txt", b"primer", true);
        let bb = wanted(d, "bb.txt", b"segon", false);
        let ccc = wanted(d, "ccc.txt", b"tercer", true);
        let dddd = wanted(d, "dddd.txt", b"quart", false);
        let tar = tar_of(&[
            ("//a.txt", b"primer", tar::EntryType::Regular),
            // Content not the listed one (SHA-1).
            ("ccc.txt", b"TERCER", tar::EntryType::Regular),
            // Wrong size.
            ("dddd.txt", b"quart!", tar::EntryType::Regular),
            // A link where a file is asked for (with the listed size: only
            // its type gives it away).
            ("bb.txt", b"segon", tar::EntryType::Symlink),
            ("../escape.txt", b"x", tar::EntryType::Regular),
            ("other.txt", b"x", tar::EntryType::Regular),
            // The real one after the link; then a second copy.
            ("bb.txt", b"segon", tar::EntryType::Regular),
            ("a.txt", b"primer", tar::EntryType::Regular),
        ]);
        let all = [a.clone(), bb.clone(), ccc.clone(), dddd.clone()];
        let got = extract(&tar[..], &all);
        assert_eq!(got.stream_error, None);
        assert!(got.files[&0].is_ok());
        assert!(got.files[&1].is_ok());
        assert!(got.files[&2].as_ref().unwrap_err().contains("checksum"));
        assert!(got.files[&3].as_ref().unwrap_err().contains("size"));
        assert_eq!(std::fs::read(&a.tmp).unwrap(), b"primer");
        assert_eq!(std::fs::read(&bb.tmp).unwrap(), b"segon");
        assert!(!ccc.tmp.exists() && !dddd.tmp.exists());
        assert_eq!(
            got.skipped,
            ["bb.txt", "../escape.txt", "other.txt", "a.txt"]
        );
        // Nothing else was written anywhere.
        let mut names: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    #[test]
    fn a_stream_that_breaks_keeps_what_came_before() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let a = wanted(d, "a.txt", b"primer", false);
        let b = wanted(d, "b.txt", &[7u8; 2000], false);
        let mut tar = tar_of(&[
            ("a.txt", b"primer", tar::EntryType::Regular),
            ("b.txt", &[7u8; 2000], tar::EntryType::Regular),
        ]);
        // Cut in the middle of b's data.
        tar.truncate(512 + 512 + 512 + 1000);
        let got = extract(&tar[..], &[a.clone(), b.clone()]);
        assert!(got.stream_error.is_some());
        assert!(got.files[&0].is_ok());
        assert!(got.files[&1].is_err());
        assert!(!b.tmp.exists());
        // Garbage instead of the next header (Nextcloud 33's XML error).
        let mut tar = tar_of(&[("a.txt", b"primer", tar::EntryType::Regular)]);
        tar.truncate(1024);
        tar.extend_from_slice(&[b'<'; 512]);
        let got = extract(&tar[..], &[a, b]);
        assert!(got.stream_error.is_some());
        assert!(got.files[&0].is_ok());
        assert!(!got.files.contains_key(&1));
    }

    #[test]
    fn an_archive_longer_than_asked_is_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let a = wanted(dir.path(), "a.txt", b"primer", false);
        // A member far larger than the budget, under a name not asked for.
        let big = vec![0u8; 200 * 1024];
        let tar = tar_of(&[
            ("junk.bin", &big, tar::EntryType::Regular),
            ("a.txt", b"primer", tar::EntryType::Regular),
        ]);
        assert!(byte_budget(std::slice::from_ref(&a)) < big.len() as u64);
        let got = extract(&tar[..], &[a]);
        assert!(got.stream_error.unwrap().contains("longer"));
        assert!(!got.files.contains_key(&0));
    }

    #[test]
    fn zip_member_paths_drop_the_folder_name_and_refuse_escapes() {
        assert_eq!(zip_member_path("Docs/a/b.txt").as_deref(), Some("a/b.txt"));
        assert_eq!(zip_member_path("files/a.txt").as_deref(), Some("a.txt"));
        assert_eq!(
            zip_member_path("Docs/Cafe\u{301}.txt").as_deref(),
            Some("Caf\u{e9}.txt")
        );
        for bad in [
            "Docs",
            "Docs/",
            "Docs/../x",
            "Docs/./x",
            "Docs//x",
            "Docs/a\\b",
        ] {
            assert_eq!(zip_member_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_zip_gives_only_what_was_asked_for_as_listed() {
        use std::io::Write as _;
        let dir = tempfile::tempdir().unwrap();
        let zip_path = dir.path().join("t.zip");
        {
            let mut w = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            w.add_directory("Docs/", opts).unwrap();
            for (name, data) in [
                ("Docs/a.txt", &b"alpha"[..]),
                ("Docs/sub/b.txt", b"beta, changed"),
                ("Docs/c.txt", b"gamma"),
                ("Docs/../evil.txt", b"evil"),
                ("Docs/not-asked.txt", b"x"),
                ("Docs/d.txt", b"delta"),
            ] {
                w.start_file(name, opts).unwrap();
                w.write_all(data).unwrap();
            }
            w.finish().unwrap();
        }
        let want = |name: &str, data: &[u8], tmp: &str| Wanted {
            name: name.into(),
            tmp: dir.path().join(tmp),
            size: data.len() as u64,
            sha1: Some(hex::encode(Sha1::digest(data))),
        };
        let wanted = vec![
            want("a.txt", b"alpha", "t0"),
            // The listing says "beta": the zip's content differs.
            want("sub/b.txt", b"beta, as list", "t1"),
            // Listed bigger than the zip's member.
            want("c.txt", b"gamma and more", "t2"),
            want("d.txt", b"delta", "t3"),
            want("gone.txt", b"never in the zip", "t4"),
        ];
        let got = extract_zip(&zip_path, &wanted);
        assert!(got.stream_error.is_none(), "{:?}", got.stream_error);
        assert!(matches!(got.files.get(&0), Some(Ok(()))));
        assert_eq!(std::fs::read(dir.path().join("t0")).unwrap(), b"alpha");
        assert!(matches!(got.files.get(&1), Some(Err(_))));
        assert!(
            !dir.path().join("t1").exists(),
            "a bad member leaves nothing"
        );
        assert!(matches!(got.files.get(&2), Some(Err(_))));
        assert!(matches!(got.files.get(&3), Some(Ok(()))));
        assert!(!got.files.contains_key(&4));
        assert!(got.skipped.iter().any(|s| s.contains("evil")));
        assert!(got.skipped.iter().any(|s| s.contains("not-asked")));
        assert!(!dir.path().join("evil.txt").exists());
    }

    #[test]
    fn what_is_not_a_zip_is_an_error_not_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.zip");
        std::fs::write(&p, "<?xml version=\"1.0\"?><d:error/>").unwrap();
        let got = extract_zip(&p, &[]);
        assert!(got.stream_error.is_some());
        assert!(got.files.is_empty());
    }
}
