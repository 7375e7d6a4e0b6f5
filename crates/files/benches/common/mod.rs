//! What the benches share: generated trees and their checks, CPU ticks
//! of processes, small helpers.
// Each bench binary uses part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha1::{Digest, Sha1};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// SplitMix64: a fixed seed gives the same bytes on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

/// Relative path (with `/`) → size and SHA-1 of every file of a tree.
pub type Manifest = BTreeMap<String, (u64, [u8; 20])>;

pub fn sha1_of(data: &[u8]) -> [u8; 20] {
    Sha1::digest(data).into()
}

/// Every file below `root` with its size and SHA-1; anything but files
/// and folders is an error.
pub fn read_tree(root: &Path) -> Result<Manifest, BoxError> {
    let mut out = Manifest::new();
    let mut stack = vec![PathBuf::new()];
    let mut buf = vec![0u8; 1 << 20];
    while let Some(rel) = stack.pop() {
        for entry in std::fs::read_dir(root.join(&rel))? {
            let entry = entry?;
            let rel = rel.join(entry.file_name());
            let ft = entry.file_type()?;
            if ft.is_dir() {
                stack.push(rel);
            } else if ft.is_file() {
                let mut f = std::fs::File::open(root.join(&rel))?;
                let mut hash = Sha1::new();
                let mut size = 0u64;
                loop {
                    let n = f.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    hash.update(&buf[..n]);
                    size += n as u64;
                }
                let key = rel.to_str().ok_or("non-UTF-8 name")?.replace('\\', "/");
                out.insert(key, (size, hash.finalize().into()));
            } else {
                return Err(format!("{}: not a file or folder", rel.display()).into());
            }
        }
    }
    Ok(out)
}

/// The tree at `root` holds exactly the expected files, byte for byte.
pub fn check_tree(what: &str, root: &Path, expected: &Manifest) -> Result<(), BoxError> {
    let got = read_tree(root)?;
    if &got == expected {
        return Ok(());
    }
    let missing = expected.keys().filter(|k| !got.contains_key(*k)).count();
    let differ = expected
        .iter()
        .filter(|(k, v)| got.get(*k).is_some_and(|g| g != *v))
        .count();
    let extra: Vec<&String> = got
        .keys()
        .filter(|k| !expected.contains_key(*k))
        .take(5)
        .collect();
    Err(format!(
        "{what}: {} holds {} files, expected {}: {missing} missing, {differ} differ, extra {extra:?}",
        root.display(),
        got.len(),
        expected.len()
    )
    .into())
}

/// Copies a tree (new files: new inodes, new times).
pub fn copy_tree(from: &Path, to: &Path) -> Result<(), BoxError> {
    tree_op(from, to, &|a, b| std::fs::copy(a, b).map(drop))
}

/// Hard-links every file of a tree (same inodes, same times).
pub fn link_tree(from: &Path, to: &Path) -> Result<(), BoxError> {
    tree_op(from, to, &|a, b| std::fs::hard_link(a, b))
}

pub fn tree_op(
    from: &Path,
    to: &Path,
    op: &dyn Fn(&Path, &Path) -> std::io::Result<()>,
) -> Result<(), BoxError> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            tree_op(&entry.path(), &target, op)?;
        } else {
            op(&entry.path(), &target)?;
        }
    }
    Ok(())
}

/// CPU ticks (USER_HZ = 100) the whole machine spent busy.
pub fn machine_busy_ticks() -> Result<u64, BoxError> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let cpu = stat.lines().next().ok_or("empty /proc/stat")?;
    let v: Vec<u64> = cpu
        .split_whitespace()
        .skip(1)
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    // user nice system idle iowait irq softirq steal
    Ok(v[0] + v[1] + v[2] + v[5] + v[6] + v.get(7).copied().unwrap_or(0))
}

/// utime + stime of a process, in ticks.
pub fn process_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

pub fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

pub fn first_line(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> String {
    let program = program.as_ref();
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| {
            let s = String::from_utf8_lossy(&o.stdout).into_owned();
            s.lines().next().map(str::to_owned)
        })
        .unwrap_or_else(|| format!("{}: not found", program.to_string_lossy()))
}

/// [`check_tree`] leaving out the files a tool keeps in the folder
/// (`skip(name)` of their file name).
pub fn check_tree_except(
    what: &str,
    root: &Path,
    expected: &Manifest,
    skip: impl Fn(&str) -> bool,
) -> Result<(), BoxError> {
    let got: Manifest = read_tree(root)?
        .into_iter()
        .filter(|(k, _)| !skip(k.rsplit('/').next().unwrap_or(k)))
        .collect();
    if &got == expected {
        return Ok(());
    }
    Err(format!(
        "{what}: {} holds {} files, expected {} ({} missing)",
        root.display(),
        got.len(),
        expected.len(),
        expected.keys().filter(|k| !got.contains_key(*k)).count()
    )
    .into())
}
