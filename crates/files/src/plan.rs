//! The planner: a pure function from what the local folder looks like, what
//! the server folder looks like and what both looked like when they last
//! agreed (the journal) to the actions that bring them together again.
//!
//! It does no I/O, so it is tested exhaustively (property tests over
//! random histories) and can be printed as a dry run.
//!
//! The rules (three-way reconciliation):
//! - a side *changed* when it differs from the journal, never "when it
//!   differs from the other side";
//! - changed on one side only: the change is carried to the other side;
//! - changed on both sides: identical content is not a conflict; otherwise
//!   the server version keeps the name and the local one is kept aside as
//!   a conflicted copy;
//! - edited on one side, deleted on the other: the edit wins and is
//!   restored on the deleting side;
//! - a folder is removed only when nothing below it survives the pass;
//! - share roots are never deleted on the server; read-only folders never
//!   receive local changes (they are kept locally and reported once);
//! - names other systems cannot hold are reported, never synced, never lost.

use std::collections::{BTreeMap, HashMap};

use crate::path::{NameProblem, SyncPath, portable_name};

/// File or folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    File,
    Dir,
}

/// A local entry as the scanner saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMeta {
    pub kind: Kind,
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
    pub inode: u64,
}

/// Nextcloud-style permissions that matter to the planner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RemotePerms {
    /// Files can be written / created in this folder.
    pub writable: bool,
    pub deletable: bool,
}

/// A remote entry as the listing showed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteMeta {
    pub kind: Kind,
    pub etag: Option<String>,
    pub size: u64,
    /// Modification time, seconds since the epoch, when known.
    pub mtime: Option<i64>,
    pub file_id: Option<String>,
    /// `None` when the server does not tell (plain WebDAV: all allowed).
    pub perms: Option<RemotePerms>,
    /// The root of a share: never deleted on the server.
    pub mount_root: bool,
}

/// What both sides looked like when they last agreed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    pub kind: Kind,
    pub local: LocalMeta,
    pub etag: Option<String>,
    pub remote_size: u64,
    pub remote_mtime: Option<i64>,
    pub file_id: Option<String>,
    /// The server's permissions when it told them (Nextcloud).
    pub perms: Option<RemotePerms>,
    /// The root of a share (Nextcloud `nc:is-mount-root`).
    pub mount_root: bool,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Create the folder on the server.
    MkdirRemote(SyncPath),
    /// Create the folder locally.
    MkdirLocal(SyncPath),
    /// Send the local file; `if_match` guards an update, `None` creates
    /// (`If-None-Match: *`).
    Upload {
        path: SyncPath,
        if_match: Option<String>,
    },
    /// Fetch the server file (to a temporary file, renamed into place).
    Download { path: SyncPath },
    /// Both sides hold a file nobody has compared yet: equal content is
    /// recorded as synced, different content becomes a conflict.
    Compare { path: SyncPath },
    /// Both sides changed: the local file is kept as a conflicted copy,
    /// the server version takes the name.
    Conflict { path: SyncPath },
    /// Delete the server file while it still has the journal's ETag.
    DeleteRemote {
        path: SyncPath,
        if_match: Option<String>,
    },
    /// Move the local file to the trash.
    DeleteLocal(SyncPath),
    /// Remove a server folder whose content is all gone.
    RemoveDirRemote(SyncPath),
    /// Move a local folder whose content is all gone to the trash.
    RemoveDirLocal(SyncPath),
    /// Record a pair that already agrees (both folders exist, say).
    Record(SyncPath),
    /// Drop a journal row for something gone from both sides.
    Forget(SyncPath),
    /// Move (rename) the server's entry, as the member did here; the
    /// journal's rows follow.
    MoveRemote { from: SyncPath, to: SyncPath },
    /// Move (rename) the local entry, as another client did on the server
    /// (found by its file id); no byte is fetched again. The journal's rows
    /// follow.
    MoveLocal { from: SyncPath, to: SyncPath },
    /// Not synced; reported to the member.
    Report { path: SyncPath, problem: Problem },
}

/// Why something is not synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// A name some desktop system cannot hold.
    Name(NameProblem),
    /// Two server names differ only in case, and the local folder cannot
    /// tell them apart: this one is kept on the server only.
    CaseClash,
    /// A local change inside a read-only share: kept locally, not sent.
    ReadOnly,
    /// A file on one side, a folder on the other.
    TypeClash,
    /// A share root removed locally: it is put back (unshare on the web).
    ShareRoot,
    /// A symbolic link: not followed.
    Symlink,
    /// A local name that is not valid UTF-8.
    NotUtf8,
    /// Two local names that differ only in Unicode spelling.
    DuplicateSpelling,
    /// A device, socket or pipe.
    Special,
    /// A local name the server refuses to store (Nextcloud's forbidden
    /// names, such as `.htaccess`): kept here, not sent.
    ServerRefuses,
}

impl Problem {
    /// Every problem there is.
    pub const ALL: [Problem; 13] = [
        Problem::Name(NameProblem::ReservedName),
        Problem::Name(NameProblem::TrailingDotOrSpace),
        Problem::Name(NameProblem::ForbiddenCharacter),
        Problem::Name(NameProblem::TooLong),
        Problem::CaseClash,
        Problem::ReadOnly,
        Problem::TypeClash,
        Problem::ShareRoot,
        Problem::Symlink,
        Problem::NotUtf8,
        Problem::DuplicateSpelling,
        Problem::Special,
        Problem::ServerRefuses,
    ];

    /// A stable code, stored in the journal and shown by the CLI: never
    /// the Rust name, so renaming a variant breaks neither the stored
    /// problems nor the UI's translations. `name_<what>` for names some
    /// system cannot hold.
    pub fn code(self) -> &'static str {
        match self {
            Problem::Name(NameProblem::ReservedName) => "name_reserved",
            Problem::Name(NameProblem::TrailingDotOrSpace) => "name_trailing_dot_or_space",
            Problem::Name(NameProblem::ForbiddenCharacter) => "name_forbidden_character",
            Problem::Name(NameProblem::TooLong) => "name_too_long",
            Problem::CaseClash => "case_clash",
            Problem::ReadOnly => "read_only",
            Problem::TypeClash => "type_clash",
            Problem::ShareRoot => "share_root",
            Problem::Symlink => "symlink",
            Problem::NotUtf8 => "not_utf8",
            Problem::DuplicateSpelling => "duplicate_spelling",
            Problem::Special => "special",
            Problem::ServerRefuses => "server_refuses",
        }
    }

    /// The problem of a stored [`code`](Self::code); `None` for a code
    /// this build does not know (written by a newer one).
    pub fn from_code(code: &str) -> Option<Problem> {
        Problem::ALL.into_iter().find(|p| p.code() == code)
    }
}

impl Action {
    pub fn path(&self) -> &SyncPath {
        match self {
            Action::MkdirRemote(p)
            | Action::MkdirLocal(p)
            | Action::DeleteLocal(p)
            | Action::RemoveDirRemote(p)
            | Action::RemoveDirLocal(p)
            | Action::Record(p)
            | Action::Forget(p) => p,
            Action::Upload { path, .. }
            | Action::Download { path }
            | Action::Compare { path }
            | Action::Conflict { path }
            | Action::DeleteRemote { path, .. }
            | Action::Report { path, .. } => path,
            Action::MoveRemote { to, .. } | Action::MoveLocal { to, .. } => to,
        }
    }

    /// Whether the action deletes member data on one side.
    pub fn is_delete(&self) -> bool {
        matches!(
            self,
            Action::DeleteRemote { .. }
                | Action::DeleteLocal(_)
                | Action::RemoveDirRemote(_)
                | Action::RemoveDirLocal(_)
        )
    }
}

/// Knobs of the planner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The local filesystem folds case (Windows, macOS by default).
    pub case_insensitive: bool,
    /// A pass deleting more files than this…
    pub max_delete_count: usize,
    /// …that are also more than this share (0–100) of the tracked files
    /// stops and asks.
    pub max_delete_percent: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            case_insensitive: false,
            max_delete_count: 50,
            max_delete_percent: 25,
        }
    }
}

/// The outcome of planning.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// In execution order: folders before their content, deletions of
    /// content before their folders, deletions last.
    pub actions: Vec<Action>,
    /// Files the plan would delete (both sides).
    pub deletes: usize,
    /// Files tracked in the journal.
    pub tracked: usize,
    /// The mass-delete guard tripped: do not execute without the member's
    /// consent. It trips when a pass deletes more files than
    /// [`Options::max_delete_count`] that are also more than
    /// [`Options::max_delete_percent`] of those tracked, and whenever it
    /// deletes every file one side holds, however few.
    pub mass_delete: bool,
}

impl Plan {
    /// Actions other than reports.
    pub fn work(&self) -> impl Iterator<Item = &Action> {
        self.actions
            .iter()
            .filter(|a| !matches!(a, Action::Report { .. }))
    }

    pub fn is_empty(&self) -> bool {
        self.work().next().is_none()
    }
}

fn local_changed(l: &LocalMeta, j: &Synced) -> bool {
    l.kind != j.kind
        || (l.kind == Kind::File
            && (l.size != j.local.size
                || l.mtime_ns != j.local.mtime_ns
                || l.inode != j.local.inode))
}

fn etag_eq(a: &str, b: &str) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    strip(a) == strip(b)
}

fn remote_changed(r: &RemoteMeta, j: &Synced) -> bool {
    if r.kind != j.kind {
        return true;
    }
    if r.kind == Kind::Dir {
        // Folder ETags change with their children on some servers only;
        // the children decide for themselves.
        return false;
    }
    match (&r.etag, &j.etag) {
        // Quirk (Nextcloud 33, real server): a file written again within
        // the same second as its last write keeps its ETag (its scanner
        // reuses the cached ETag while the storage mtime, in seconds, is
        // the same), so an edit made on the server right after a pass
        // would look unchanged, and pass our If-Match. Its size still
        // tells (tests/scenarios/conflicts.txt on the real server).
        (Some(a), Some(b)) => !etag_eq(a, b) || r.size != j.remote_size,
        // No ETags (some servers): size and time.
        _ => r.size != j.remote_size || r.mtime != j.remote_mtime,
    }
}

/// Where a path exists once the pass is done.
#[derive(Debug, Clone, Copy, Default)]
struct After {
    local: bool,
    remote: bool,
}

/// A local file or folder the server has not got: `create` (the upload,
/// the MKCOL), or, in a read-only folder, kept locally and reported.
fn send_new(
    p: &SyncPath,
    perms: RemotePerms,
    reports: &mut Vec<Action>,
    create: Action,
) -> (Option<Action>, After) {
    if perms.writable {
        (
            Some(create),
            After {
                local: true,
                remote: true,
            },
        )
    } else {
        reports.push(Action::Report {
            path: p.clone(),
            problem: Problem::ReadOnly,
        });
        (
            None,
            After {
                local: true,
                remote: false,
            },
        )
    }
}

/// The upload of a file the server has not got (`If-None-Match: *`).
fn new_upload(p: &SyncPath) -> Action {
    Action::Upload {
        path: p.clone(),
        if_match: None,
    }
}

/// Type changes carried over in a pass.
#[derive(Default)]
struct Replacements {
    /// The removals of the old entries, in order (content first).
    first: Vec<Action>,
    /// The replaced paths, and whether the old entry was the local one.
    paths: Vec<(SyncPath, bool)>,
}

impl Replacements {
    fn covers(&self, p: &SyncPath) -> bool {
        self.paths.iter().any(|(q, _)| p.starts_with(q))
    }
}

/// Moves the entry at `from`, with everything below it, to `to`.
pub(crate) fn rekey<V>(map: &mut BTreeMap<SyncPath, V>, from: &SyncPath, to: &SyncPath) {
    let mut keys: Vec<SyncPath> = from.below(map).map(|(k, _)| k.clone()).collect();
    if map.contains_key(from) {
        keys.push(from.clone());
    }
    for k in keys {
        if let Some(v) = map.remove(&k) {
            let rest = &k.as_str()[from.as_str().len()..];
            map.insert(SyncPath::parse(&format!("{}{rest}", to.as_str())), v);
        }
    }
}

fn journal_files(journal: &BTreeMap<SyncPath, Synced>) -> usize {
    journal.values().filter(|j| j.kind == Kind::File).count()
}

fn mass_delete(deletes: usize, tracked: usize, opts: Options) -> bool {
    deletes > opts.max_delete_count
        && (deletes as u64) * 100 > (tracked as u64) * u64::from(opts.max_delete_percent)
}

/// Whether the plan deletes every file one side holds (a server folder
/// emptied by a restored backup or a broken external storage, a local
/// disk that lost its files): the guard asks then, whatever the count, as
/// Nextcloud's own client does. A side that keeps a file (one not
/// deleted, or one this pass brings: a file replacing a folder, say) is
/// not emptied.
fn empties_a_side(
    actions: &[Action],
    local: &impl Entries<LocalMeta>,
    remote: &impl Entries<RemoteMeta>,
) -> bool {
    let (mut here, mut there) = (0usize, 0usize);
    let (mut arriving_here, mut arriving_there) = (false, false);
    // What the plan leaves alone and reports (names a system cannot hold,
    // case and type clashes, read-only places) is not what the member
    // syncs: it does not keep a side from being emptied.
    let mut reported: std::collections::HashSet<&SyncPath> = std::collections::HashSet::new();
    for a in actions {
        match a {
            Action::DeleteLocal(_) => here += 1,
            Action::DeleteRemote { .. } => there += 1,
            Action::Download { .. } => arriving_here = true,
            Action::Upload { .. } => arriving_there = true,
            Action::Report { path, .. } => {
                reported.insert(path);
            }
            _ => {}
        }
    }
    let synced = |p: &SyncPath| {
        reported.is_empty()
            || !(reported.contains(p) || p.ancestors().any(|a| reported.contains(&a)))
    };
    let files_here = || {
        local
            .entries()
            .filter(|(p, m)| m.kind == Kind::File && synced(p))
            .count()
    };
    let files_there = || {
        remote
            .entries()
            .filter(|(p, m)| m.kind == Kind::File && synced(p))
            .count()
    };
    (here > 0 && !arriving_here && here >= files_here())
        || (there > 0 && !arriving_there && there >= files_there())
}

/// The plan, with the guard's second rule applied.
fn guarded(
    mut plan: Plan,
    local: &impl Entries<LocalMeta>,
    remote: &impl Entries<RemoteMeta>,
) -> Plan {
    if !plan.mass_delete && empties_a_side(&plan.actions, local, remote) {
        plan.mass_delete = true;
    }
    plan
}

/// Plans one pass.
pub fn plan(
    local: &BTreeMap<SyncPath, LocalMeta>,
    remote: &BTreeMap<SyncPath, RemoteMeta>,
    journal: &BTreeMap<SyncPath, Synced>,
    opts: Options,
) -> Plan {
    guarded(
        plan_inner(local, remote, journal, opts, true, &[]),
        local,
        remote,
    )
}

/// One side's entries as the planner reads them: by path, and every path
/// in order. A `BTreeMap` is one; the engine gives views over its scan and
/// listing instead of copies of them.
pub trait Entries<M> {
    fn get(&self, p: &SyncPath) -> Option<&M>;
    /// Every path, in order.
    fn paths(&self) -> impl Iterator<Item = &SyncPath>;
    /// Every entry strictly below `p`, in order.
    fn below<'s>(&'s self, p: &SyncPath) -> impl Iterator<Item = (&'s SyncPath, &'s M)>
    where
        M: 's;
    fn contains_key(&self, p: &SyncPath) -> bool {
        self.get(p).is_some()
    }
    /// Every entry, in order.
    fn entries<'s>(&'s self) -> impl Iterator<Item = (&'s SyncPath, &'s M)>
    where
        M: 's,
    {
        self.paths().filter_map(|p| self.get(p).map(|m| (p, m)))
    }
    /// An owned copy (only when a plan is made again after replacements
    /// or moves).
    fn to_map(&self) -> BTreeMap<SyncPath, M>
    where
        M: Clone,
    {
        self.paths()
            .filter_map(|p| self.get(p).map(|m| (p.clone(), m.clone())))
            .collect()
    }
}

impl<M> Entries<M> for BTreeMap<SyncPath, M> {
    fn get(&self, p: &SyncPath) -> Option<&M> {
        BTreeMap::get(self, p)
    }

    fn paths(&self) -> impl Iterator<Item = &SyncPath> {
        self.keys()
    }

    fn below<'s>(&'s self, p: &SyncPath) -> impl Iterator<Item = (&'s SyncPath, &'s M)>
    where
        M: 's,
    {
        p.below(self)
    }

    fn contains_key(&self, p: &SyncPath) -> bool {
        BTreeMap::contains_key(self, p)
    }

    fn entries<'s>(&'s self) -> impl Iterator<Item = (&'s SyncPath, &'s M)>
    where
        M: 's,
    {
        self.iter()
    }
}

/// [`plan`] over any [`Entries`] of the two sides (the same plan for the
/// same entries).
pub fn plan_entries(
    local: &impl Entries<LocalMeta>,
    remote: &impl Entries<RemoteMeta>,
    journal: &BTreeMap<SyncPath, Synced>,
    opts: Options,
) -> Plan {
    guarded(
        plan_inner(local, remote, journal, opts, true, &[]),
        local,
        remote,
    )
}

/// A path with what the local side, the server and the journal hold there.
type Row<'a, L, R, J> = (&'a SyncPath, Option<&'a L>, Option<&'a R>, Option<&'a J>);

/// The union of three sorted walks (each path at most once in each), in
/// order, with what each holds at every path.
fn join3<'a, L, R, J>(
    l: impl Iterator<Item = (&'a SyncPath, &'a L)>,
    r: impl Iterator<Item = (&'a SyncPath, &'a R)>,
    j: impl Iterator<Item = (&'a SyncPath, &'a J)>,
) -> Vec<Row<'a, L, R, J>> {
    let (mut l, mut r, mut j) = (l.peekable(), r.peekable(), j.peekable());
    let mut rows = Vec::new();
    loop {
        let next = [
            l.peek().map(|x| x.0),
            r.peek().map(|x| x.0),
            j.peek().map(|x| x.0),
        ];
        let Some(p) = next.into_iter().flatten().min() else {
            break;
        };
        let lv = l.next_if(|x| x.0 == p).map(|x| x.1);
        let rv = r.next_if(|x| x.0 == p).map(|x| x.1);
        let jv = j.next_if(|x| x.0 == p).map(|x| x.1);
        debug_assert!(
            [
                l.peek().map(|x| x.0),
                r.peek().map(|x| x.0),
                j.peek().map(|x| x.0)
            ]
            .into_iter()
            .flatten()
            .all(|q| q > p),
            "walks in order, each path once"
        );
        rows.push((p, lv, rv, jv));
    }
    rows
}

/// Paths not to touch at all (nor anything below them), with why: each is
/// reported once.
#[derive(Default)]
struct Unsyncable {
    reports: Vec<(SyncPath, Problem)>,
    prefixes: Vec<SyncPath>,
}

impl Unsyncable {
    fn add(&mut self, p: SyncPath, problem: Problem) {
        self.reports.push((p.clone(), problem));
        self.prefixes.push(p);
    }

    /// `p` is one of them or below one.
    fn skips(&self, p: &SyncPath) -> bool {
        self.prefixes.iter().any(|s| p.starts_with(s))
    }
}

/// The paths not to touch at all: names some system cannot hold (with
/// everything below them) and, where the local folder folds case, the
/// second of two server names that differ only in case.
fn unsyncable<L, R, J>(
    rows: &[Row<'_, L, R, J>],
    local: &impl Entries<LocalMeta>,
    remote: &impl Entries<RemoteMeta>,
    opts: Options,
) -> Unsyncable {
    let mut out = Unsyncable::default();
    for &(p, ..) in rows {
        if p.is_root() || out.skips(p) {
            continue;
        }
        if let Err(problem) = portable_name(p.name()) {
            out.add(p.clone(), Problem::Name(problem));
        }
    }
    if opts.case_insensitive {
        let mut seen: HashMap<String, &SyncPath> = HashMap::new();
        for p in remote.paths() {
            if out.skips(p) {
                continue;
            }
            if let Some(first) = seen.get(&p.case_key())
                && *first != p
            {
                // Keep the one that is already local (or the first seen);
                // the other stays on the server, reported.
                let clash = if local.contains_key(p) {
                    (*first).clone()
                } else {
                    p.clone()
                };
                out.add(clash, Problem::CaseClash);
                continue;
            }
            seen.insert(p.case_key(), p);
        }
    }
    out
}

/// What the server lets the member do where: the permissions of a path's
/// content, and whether a local deletion may be carried to the server.
struct ServerRights<'a, R> {
    remote: &'a R,
    /// Share roots the member removed here: put back, never deleted on
    /// the server (unsharing is done on the web), nor anything below them.
    removed_share_roots: Vec<&'a SyncPath>,
}

impl<'a, R: Entries<RemoteMeta>> ServerRights<'a, R> {
    fn new(
        local: &impl Entries<LocalMeta>,
        remote: &'a R,
        journal: &BTreeMap<SyncPath, Synced>,
    ) -> Self {
        let removed_share_roots = remote
            .entries()
            .filter(|(p, r)| {
                r.mount_root
                    && r.kind == Kind::Dir
                    && !local.contains_key(p)
                    && journal.contains_key(*p)
            })
            .map(|(p, _)| p)
            .collect();
        ServerRights {
            remote,
            removed_share_roots,
        }
    }

    /// The permissions that apply to what is inside a folder: those of the
    /// nearest folder above the path whose permissions the server told.
    /// On a share's root, D (and N, V) mean the member may unshare (or
    /// rename, move) the share, not delete what is inside: its content is
    /// deletable only where it is also writable (a read-only share shows
    /// `SGDNV`, and a DELETE inside gets 403).
    fn perms_of(&self, p: &SyncPath) -> RemotePerms {
        let content = |r: &RemoteMeta, perms: RemotePerms| -> RemotePerms {
            if r.mount_root {
                RemotePerms {
                    writable: perms.writable,
                    deletable: perms.writable && perms.deletable,
                }
            } else {
                perms
            }
        };
        for anc in p.ancestors() {
            if let Some(r) = self.remote.get(&anc)
                && r.kind == Kind::Dir
                && let Some(perms) = r.perms
            {
                return content(r, perms);
            }
        }
        if let Some(r) = self.remote.get(&SyncPath::root())
            && let Some(perms) = r.perms
        {
            return content(r, perms);
        }
        RemotePerms {
            writable: true,
            deletable: true,
        }
    }

    /// Whether the member's local deletion of `p` may be carried to the
    /// server: never for a share's root (it is put back) nor for anything
    /// below a share root the member removed locally; otherwise as the
    /// entry's own permissions say, or, when the server did not tell them,
    /// its folder's.
    fn may_delete_remote(&self, p: &SyncPath, r: &RemoteMeta) -> bool {
        if r.mount_root || self.removed_share_roots.iter().any(|s| p.starts_with(s)) {
            return false;
        }
        match r.perms {
            Some(own) => own.deletable,
            None => self.perms_of(p).deletable,
        }
    }
}

/// Local moves (and renames): an agreed entry gone from here and a new one
/// with its inode, the server still holding the agreed entry unchanged.
/// Hard links and reused inodes are not moves; what moved with a folder is
/// not a move of its own; moves that touch each other's places are left to
/// the next pass.
fn local_moves(
    local: &impl Entries<LocalMeta>,
    remote: &impl Entries<RemoteMeta>,
    journal: &BTreeMap<SyncPath, Synced>,
    rights: &ServerRights<'_, impl Entries<RemoteMeta>>,
    c: &Candidates<'_>,
    replace: &Replacements,
) -> Vec<(SyncPath, SyncPath)> {
    let (gone_here, new_here) = (&c.gone_here, &c.new_here);
    if gone_here.is_empty() || new_here.is_empty() {
        return Vec::new();
    }
    let mut by_inode: HashMap<u64, Vec<&SyncPath>> = HashMap::new();
    for old in gone_here {
        let j = &journal[*old];
        if j.local.inode != 0 {
            by_inode.entry(j.local.inode).or_default().push(old);
        }
    }
    let mut new_by_inode: HashMap<u64, usize> = HashMap::new();
    for new in new_here {
        if let Some(l) = local.get(new) {
            *new_by_inode.entry(l.inode).or_default() += 1;
        }
    }
    let candidates: Vec<(&SyncPath, &SyncPath)> = new_here
        .iter()
        .filter_map(|new| {
            let l = local.get(new)?;
            let olds = by_inode.get(&l.inode)?;
            if olds.len() != 1 || new_by_inode[&l.inode] != 1 {
                // Hard links or a reused inode: not a move for sure.
                return None;
            }
            let old = olds[0];
            let j = &journal[old];
            let r = remote.get(old)?;
            let same = j.kind == l.kind
                && r.kind == l.kind
                && (l.kind == Kind::Dir
                    || ((l.size, l.mtime_ns) == (j.local.size, j.local.mtime_ns)
                        && !remote_changed(r, j)));
            (same && rights.may_delete_remote(old, r) && rights.perms_of(new).writable)
                .then_some((old, *new))
        })
        .collect();
    outermost(candidates, replace)
}

/// The decisions in the order they are carried out: creations parents
/// first, transfers, deletions children first, then the reports. Moves go
/// among the creations by their new path: after the folder they go into
/// is made, before anything is made inside them.
fn in_order(
    decided: BTreeMap<SyncPath, (Option<Action>, After)>,
    moved_to: &BTreeMap<&SyncPath, (&SyncPath, MovedOn)>,
    reports: Vec<Action>,
    journal: &BTreeMap<SyncPath, Synced>,
    opts: Options,
) -> Plan {
    let mut creates = Vec::new();
    let mut transfers = Vec::new();
    let mut deletes = Vec::new();
    let mut pending_moves = moved_to.iter().peekable();
    let move_action = |to: &SyncPath, from: &SyncPath, on: MovedOn| match on {
        MovedOn::Here => Action::MoveRemote {
            from: from.clone(),
            to: to.clone(),
        },
        MovedOn::Server => Action::MoveLocal {
            from: from.clone(),
            to: to.clone(),
        },
    };
    for (p, (action, _)) in decided {
        while let Some((to, (from, on))) = pending_moves.next_if(|(to, _)| **to <= &p) {
            creates.push(move_action(to, from, *on));
        }
        let Some(a) = action else { continue };
        match a {
            Action::MkdirLocal(_) | Action::MkdirRemote(_) | Action::Record(_) => creates.push(a),
            a if a.is_delete() => deletes.push(a),
            a => transfers.push(a),
        }
    }
    for (to, (from, on)) in pending_moves {
        creates.push(move_action(to, from, *on));
    }
    deletes.reverse();
    let delete_files = deletes
        .iter()
        .filter(|a| matches!(a, Action::DeleteLocal(_) | Action::DeleteRemote { .. }))
        .count();
    let tracked = journal_files(journal);
    let mass_delete = mass_delete(delete_files, tracked, opts);
    let mut actions = creates;
    actions.extend(transfers);
    actions.extend(deletes);
    actions.extend(reports);
    Plan {
        actions,
        deletes: delete_files,
        tracked,
        mass_delete,
    }
}

/// A file on one side and a folder on the other. When one side replaced
/// the agreed entry and the other still holds it unchanged, the
/// replacement is carried over: the old entry (with everything below
/// it, all unchanged) is removed first, then the new one is created
/// like any new entry. Otherwise (both sides changed, or never agreed,
/// or the server forbids it) it is reported, and neither it nor
/// anything below it is touched until the member sorts it out.
///
/// Gathers on the way the candidates for a local move: agreed entries gone
/// from here, and new entries here the server does not have.
fn type_changes<'a>(
    rows: &[Row<'a, LocalMeta, RemoteMeta, Synced>],
    local: &impl Entries<LocalMeta>,
    remote: &impl Entries<RemoteMeta>,
    journal: &BTreeMap<SyncPath, Synced>,
    rights: &ServerRights<'_, impl Entries<RemoteMeta>>,
    carry: bool,
    unsync: &mut Unsyncable,
) -> (Replacements, Candidates<'a>) {
    let mut replace = Replacements::default();
    // Candidates for a move: agreed entries gone from one side, new
    // entries on that side the other does not have.
    let mut c = Candidates::default();
    for &(p, l, r, j) in rows {
        if p.is_root() || unsync.skips(p) {
            continue;
        }
        let (l, r) = match (l, r) {
            (Some(l), Some(r)) => (l, r),
            (None, Some(_)) => {
                if carry {
                    if j.is_some() {
                        c.gone_here.push(p);
                    } else {
                        c.new_there.push(p);
                    }
                }
                continue;
            }
            (Some(_), None) => {
                if carry {
                    if j.is_some() {
                        c.gone_there.push(p);
                    } else {
                        c.new_here.push(p);
                    }
                }
                continue;
            }
            (None, None) => continue,
        };
        if l.kind == r.kind || replace.covers(p) {
            continue;
        }
        let carried = j.filter(|_| carry).and_then(|j| {
            let remote_kept = r.kind == j.kind && !remote_changed(r, j);
            let local_kept = l.kind == j.kind && !local_changed(l, j);
            if remote_kept && !local_kept {
                // Replaced here: the server's old entry goes.
                let below: Vec<(&SyncPath, &RemoteMeta)> = remote.below(p).collect();
                let all_kept = below.iter().all(|(q, rq)| {
                    journal.get(*q).is_some_and(|jq| {
                        jq.kind == rq.kind
                            && !remote_changed(rq, jq)
                            && rights.may_delete_remote(q, rq)
                    })
                });
                (all_kept && rights.may_delete_remote(p, r) && rights.perms_of(p).writable).then(
                    || {
                        let mut first: Vec<Action> = below
                            .iter()
                            .rev()
                            .map(|(q, rq)| match rq.kind {
                                Kind::File => Action::DeleteRemote {
                                    path: (*q).clone(),
                                    if_match: journal[*q].etag.clone(),
                                },
                                Kind::Dir => Action::RemoveDirRemote((*q).clone()),
                            })
                            .collect();
                        first.push(match r.kind {
                            Kind::File => Action::DeleteRemote {
                                path: (*p).clone(),
                                if_match: j.etag.clone(),
                            },
                            Kind::Dir => Action::RemoveDirRemote((*p).clone()),
                        });
                        (first, false)
                    },
                )
            } else if local_kept && !remote_kept {
                // Replaced on the server: the local old entry goes (to the
                // trash).
                let below: Vec<(&SyncPath, &LocalMeta)> = local.below(p).collect();
                let all_kept = below.iter().all(|(q, lq)| {
                    journal
                        .get(*q)
                        .is_some_and(|jq| jq.kind == lq.kind && !local_changed(lq, jq))
                });
                all_kept.then(|| {
                    let mut first: Vec<Action> = below
                        .iter()
                        .rev()
                        .map(|(q, lq)| match lq.kind {
                            Kind::File => Action::DeleteLocal((*q).clone()),
                            Kind::Dir => Action::RemoveDirLocal((*q).clone()),
                        })
                        .collect();
                    first.push(match l.kind {
                        Kind::File => Action::DeleteLocal((*p).clone()),
                        Kind::Dir => Action::RemoveDirLocal((*p).clone()),
                    });
                    (first, true)
                })
            } else {
                None
            }
        });
        match carried {
            Some((first, local_side)) => {
                replace.first.extend(first);
                replace.paths.push((p.clone(), local_side));
            }
            None => {
                unsync.add(p.clone(), Problem::TypeClash);
            }
        }
    }
    (replace, c)
}

/// Paths that may be one end of a move.
#[derive(Default)]
struct Candidates<'a> {
    /// Agreed, gone from here, still on the server.
    gone_here: Vec<&'a SyncPath>,
    /// Here only, never agreed.
    new_here: Vec<&'a SyncPath>,
    /// Agreed, gone from the server, still here.
    gone_there: Vec<&'a SyncPath>,
    /// On the server only, never agreed.
    new_there: Vec<&'a SyncPath>,
}

/// Which side a move was made on (the other side follows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MovedOn {
    /// The member moved it here: moved on the server too.
    Here,
    /// Another client moved it on the server: moved here too.
    Server,
}

/// Keeps the outermost of `candidates` (what moved with a folder is not a
/// move of its own) and drops moves that touch each other's places or a
/// replacement (left to the next pass).
fn outermost(
    mut candidates: Vec<(&SyncPath, &SyncPath)>,
    replace: &Replacements,
) -> Vec<(SyncPath, SyncPath)> {
    candidates.sort_by_key(|(old, _)| old.names().count());
    let related = |a: &SyncPath, b: &SyncPath| a.starts_with(b) || b.starts_with(a);
    let mut accepted: Vec<(SyncPath, SyncPath)> = Vec::new();
    for (old, new) in candidates {
        let inside = replace.covers(old)
            || replace.covers(new)
            || accepted.iter().any(|(o, n)| {
                related(old, o) || related(new, n) || related(old, n) || related(new, o)
            });
        if !inside {
            accepted.push((old.clone(), new.clone()));
        }
    }
    accepted
}

/// Moves made on the server by another client: an agreed entry gone from
/// the server and a new one there with its file id (Nextcloud keeps a
/// file's id when it moves), the local side still holding the agreed entry
/// unchanged and the server's entry unchanged but for its place. Where
/// the server tells no file ids there are none.
fn remote_moves(
    local: &impl Entries<LocalMeta>,
    remote: &impl Entries<RemoteMeta>,
    journal: &BTreeMap<SyncPath, Synced>,
    c: &Candidates<'_>,
    replace: &Replacements,
) -> Vec<(SyncPath, SyncPath)> {
    if c.gone_there.is_empty() || c.new_there.is_empty() {
        return Vec::new();
    }
    // Ids recorded by older versions from a PUT's answer are in the
    // instance form: compared in the listing's.
    let plain = cc_dav::resource::plain_file_id;
    let mut by_id: HashMap<String, Vec<&SyncPath>> = HashMap::new();
    for old in &c.gone_there {
        if let Some(id) = journal[*old].file_id.as_deref() {
            by_id.entry(plain(id)).or_default().push(old);
        }
    }
    let mut new_by_id: HashMap<String, usize> = HashMap::new();
    for new in &c.new_there {
        if let Some(id) = remote.get(new).and_then(|r| r.file_id.as_deref()) {
            *new_by_id.entry(plain(id)).or_default() += 1;
        }
    }
    let candidates: Vec<(&SyncPath, &SyncPath)> = c
        .new_there
        .iter()
        .filter_map(|new| {
            let r = remote.get(new)?;
            let id = plain(r.file_id.as_deref()?);
            let olds = by_id.get(&id)?;
            if olds.len() != 1 || new_by_id[&id] != 1 {
                return None;
            }
            let old = olds[0];
            let j = &journal[old];
            let l = local.get(old)?;
            let same = j.kind == r.kind
                && l.kind == r.kind
                && (r.kind == Kind::Dir || (!local_changed(l, j) && !remote_changed(r, j)));
            same.then_some((old, *new))
        })
        .collect();
    outermost(candidates, replace)
}

/// What to do with a file (or what is gone from everywhere), from what the
/// local side, the server and the journal hold at `p`: the action, if any,
/// and on which sides the path is there afterwards; `None` when nothing
/// holds it. A change the server does not allow is reported in `reports`.
fn decide_file(
    p: &SyncPath,
    l: Option<&LocalMeta>,
    r: Option<&RemoteMeta>,
    j: Option<&Synced>,
    rights: &ServerRights<'_, impl Entries<RemoteMeta>>,
    reports: &mut Vec<Action>,
) -> Option<(Option<Action>, After)> {
    // Looked up only where a decision depends on it.
    let perms = || rights.perms_of(p);
    let both = After {
        local: true,
        remote: true,
    };
    let none = After::default();
    Some(match (l, r, j) {
        (None, None, None) => return None,
        (None, None, Some(_)) => (Some(Action::Forget(p.clone())), none),
        (Some(_), None, None) => send_new(p, perms(), reports, new_upload(p)),
        (None, Some(_), None) => (Some(Action::Download { path: p.clone() }), both),
        (Some(l), Some(r), None) => {
            if l.size == r.size {
                (Some(Action::Compare { path: p.clone() }), both)
            } else {
                (Some(Action::Conflict { path: p.clone() }), both)
            }
        }
        (None, Some(r), Some(j)) => {
            if remote_changed(r, j) {
                (Some(Action::Download { path: p.clone() }), both)
            } else if !rights.may_delete_remote(p, r) {
                // Deleted locally in a place the server keeps: restore.
                (Some(Action::Download { path: p.clone() }), both)
            } else {
                (
                    Some(Action::DeleteRemote {
                        path: p.clone(),
                        if_match: j.etag.clone(),
                    }),
                    none,
                )
            }
        }
        (Some(l), None, Some(j)) => {
            if local_changed(l, j) {
                send_new(p, perms(), reports, new_upload(p))
            } else {
                (Some(Action::DeleteLocal(p.clone())), none)
            }
        }
        (Some(l), Some(r), Some(j)) => match (local_changed(l, j), remote_changed(r, j)) {
            (false, false) => (None, both),
            (true, false) => {
                if perms().writable {
                    (
                        Some(Action::Upload {
                            path: p.clone(),
                            if_match: r.etag.clone(),
                        }),
                        both,
                    )
                } else {
                    // Kept as a conflicted copy, the server version
                    // restored; reported once.
                    reports.push(Action::Report {
                        path: p.clone(),
                        problem: Problem::ReadOnly,
                    });
                    (Some(Action::Conflict { path: p.clone() }), both)
                }
            }
            (false, true) => (Some(Action::Download { path: p.clone() }), both),
            (true, true) => {
                if l.size == r.size {
                    (Some(Action::Compare { path: p.clone() }), both)
                } else {
                    (Some(Action::Conflict { path: p.clone() }), both)
                }
            }
        },
    })
}

/// What to do with a folder, from whether it is here (`l`), what the
/// server holds (`r`), whether the journal knows it (`j`), and what
/// survives below it on each side: a folder with something left below is
/// kept (or made again), never removed.
fn decide_folder(
    p: &SyncPath,
    l: bool,
    r: Option<&RemoteMeta>,
    j: bool,
    below: After,
    rights: &ServerRights<'_, impl Entries<RemoteMeta>>,
    reports: &mut Vec<Action>,
) -> (Option<Action>, After) {
    let need = below.local || below.remote;
    let perms = rights.perms_of(p);
    match (l, r, j) {
        (false, None, _) => (j.then(|| Action::Forget(p.clone())), After::default()),
        (true, Some(_), _) => (
            (!j).then(|| Action::Record(p.clone())),
            After {
                local: true,
                remote: true,
            },
        ),
        (true, None, false) => send_new(p, perms, reports, Action::MkdirRemote(p.clone())),
        (false, Some(_), false) => (
            Some(Action::MkdirLocal(p.clone())),
            After {
                local: true,
                remote: true,
            },
        ),
        // Gone on the server, known before: remove locally unless
        // something below survives.
        (true, None, true) => {
            if need {
                (
                    Some(Action::MkdirRemote(p.clone())),
                    After {
                        local: true,
                        remote: true,
                    },
                )
            } else {
                (Some(Action::RemoveDirLocal(p.clone())), After::default())
            }
        }
        // Gone locally, known before.
        (false, Some(r), true) => {
            if need || !rights.may_delete_remote(p, r) {
                if r.mount_root {
                    reports.push(Action::Report {
                        path: p.clone(),
                        problem: Problem::ShareRoot,
                    });
                }
                (
                    Some(Action::MkdirLocal(p.clone())),
                    After {
                        local: true,
                        remote: true,
                    },
                )
            } else {
                (Some(Action::RemoveDirRemote(p.clone())), After::default())
            }
        }
    }
}

/// [`plan`], with `carry` false once replacements and moves were found
/// (the second round plans the rest as if they were done), and the `moves`
/// of the first round to place among the creations.
fn plan_inner(
    local: &impl Entries<LocalMeta>,
    remote: &impl Entries<RemoteMeta>,
    journal: &BTreeMap<SyncPath, Synced>,
    opts: Options,
    carry: bool,
    moves: &[(SyncPath, SyncPath, MovedOn)],
) -> Plan {
    let journal_before = journal;
    // Every path of the three, in order, with what each side has there: one
    // walk of the three sorted maps side by side (not a lookup in each map
    // per path, which was most of the planner's time at 100,000 paths).
    let rows = join3(local.entries(), remote.entries(), journal.iter());

    // Paths not to touch at all: unportable names and everything below
    // them, and case clashes.
    let mut unsync = unsyncable(&rows, local, remote, opts);
    // What the server lets the member do where.
    let rights = ServerRights::new(local, remote, journal);

    // A file on one side and a folder on the other: a replacement carried
    // over, or reported; and the candidates for local moves.
    let (replace, candidates) =
        type_changes(&rows, local, remote, journal, &rights, carry, &mut unsync);
    // A file or folder moved (or renamed) here: the same inode under a new
    // name, the old name gone, the server still holding the agreed entry.
    // It is moved on the server too instead of sent again and deleted.
    let mut found_moves: Vec<(SyncPath, SyncPath, MovedOn)> =
        local_moves(local, remote, journal, &rights, &candidates, &replace)
            .into_iter()
            .map(|(o, n)| (o, n, MovedOn::Here))
            .collect();
    // And the other way: moved on the server by another client, found by
    // the file id; renamed here instead of fetched again and deleted.
    let here_moved: Vec<(SyncPath, SyncPath)> = found_moves
        .iter()
        .map(|(o, n, _)| (o.clone(), n.clone()))
        .collect();
    for (o, n) in remote_moves(local, remote, journal, &candidates, &replace) {
        let related = |a: &SyncPath, b: &SyncPath| a.starts_with(b) || b.starts_with(a);
        if here_moved.iter().all(|(ho, hn)| {
            !related(&o, ho) && !related(&o, hn) && !related(&n, ho) && !related(&n, hn)
        }) {
            found_moves.push((o, n, MovedOn::Server));
        }
    }
    if !replace.paths.is_empty() || !found_moves.is_empty() {
        // Plan again as if the old entries were already gone (after the
        // removals) and the moved ones already at their new place.
        let mut local = local.to_map();
        let mut remote = remote.to_map();
        let mut journal = journal.clone();
        for (p, local_side) in &replace.paths {
            if *local_side {
                local.retain(|q, _| !q.starts_with(p));
            } else {
                remote.retain(|q, _| !q.starts_with(p));
            }
            journal.retain(|q, _| !q.starts_with(p));
        }
        for (old, new, on) in &found_moves {
            match on {
                MovedOn::Here => rekey(&mut remote, old, new),
                MovedOn::Server => rekey(&mut local, old, new),
            }
            rekey(&mut journal, old, new);
        }
        let tracked = journal_files(journal_before);
        let mut rest = plan_inner(&local, &remote, &journal, opts, false, &found_moves);
        let removed = replace
            .first
            .iter()
            .filter(|a| matches!(a, Action::DeleteLocal(_) | Action::DeleteRemote { .. }))
            .count();
        let mut actions = replace.first;
        actions.append(&mut rest.actions);
        let deletes = rest.deletes + removed;
        return Plan {
            actions,
            deletes,
            tracked,
            mass_delete: mass_delete(deletes, tracked, opts),
        };
    }
    let skip = |p: &SyncPath| unsync.skips(p);

    let mut decided: BTreeMap<SyncPath, (Option<Action>, After)> = BTreeMap::new();
    // A first sync decides something for every path: kept packed.
    let mut packer = crate::path::Packer::default();
    let moved_to: BTreeMap<&SyncPath, (&SyncPath, MovedOn)> =
        moves.iter().map(|(o, n, on)| (n, (o, *on))).collect();
    let mut reports: Vec<Action> = unsync
        .reports
        .iter()
        .cloned()
        .map(|(path, problem)| Action::Report { path, problem })
        .collect();

    // Files first (folders are decided afterwards from their content).
    let mut dirs: Vec<Row<'_, LocalMeta, RemoteMeta, Synced>> = Vec::new();
    for &(p, l, r, j) in rows.iter().filter(|(p, ..)| !p.is_root() && !skip(p)) {
        let is_dir = |k: Option<Kind>| k == Some(Kind::Dir);
        let lk = l.map(|x| x.kind);
        let rk = r.map(|x| x.kind);
        if is_dir(lk)
            || is_dir(rk)
            || (l.is_none() && r.is_none() && j.is_some_and(|j| j.kind == Kind::Dir))
        {
            dirs.push((p, l, r, j));
            continue;
        }
        let Some(d) = decide_file(p, l, r, j, &rights, &mut reports) else {
            continue;
        };
        // Nothing to do and there on both sides: nothing for the order,
        // and, in trees as scanned and listed, it cannot be below a folder
        // gone from one side, the only folders that ask what survives
        // below them. Not kept (a no-change pass over a large tree keeps
        // no decision at all). After moves the server side was re-keyed
        // and may hold an entry whose folder it lacks: then kept.
        if d.0.is_none() && l.is_some() && r.is_some() && moves.is_empty() {
            continue;
        }
        packer.insert(&mut decided, p.clone(), d);
    }

    // Folders, deepest first, knowing what survives below them.
    for &(p, l, r, j) in dirs.iter().rev() {
        let p = p.clone();
        // What survives below, on each side.
        let mut below = After::default();
        for (_, (_, after)) in p.below(&decided) {
            below.local |= after.local;
            below.remote |= after.remote;
        }
        // Skipped (reported) content keeps its folder on its side.
        for s in &unsync.prefixes {
            if s.starts_with(&p) && s != &p {
                below.local |= local.contains_key(s);
                below.remote |= remote.contains_key(s);
            }
        }
        let d = decide_folder(
            &p,
            l.is_some(),
            r,
            j.is_some(),
            below,
            &rights,
            &mut reports,
        );
        if d.0.is_none() && l.is_some() && r.is_some() && moves.is_empty() {
            continue;
        }
        packer.insert(&mut decided, p, d);
    }

    // The rows are not needed any more (a first sync's peak memory).
    drop(dirs);
    drop(rows);

    // Order: creations parents-first, transfers, then deletions
    // children-first.
    in_order(decided, &moved_to, reports, journal, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_has_its_own_code_that_reads_back() {
        // No wildcard: a new variant fails to compile here until it is in
        // `Problem::ALL` (a problem left out would be stored, then dropped
        // when read back, and the folder shown as up to date).
        fn listed(p: Problem) {
            match p {
                Problem::Name(
                    NameProblem::ReservedName
                    | NameProblem::TrailingDotOrSpace
                    | NameProblem::ForbiddenCharacter
                    | NameProblem::TooLong,
                )
                | Problem::CaseClash
                | Problem::ReadOnly
                | Problem::TypeClash
                | Problem::ShareRoot
                | Problem::Symlink
                | Problem::NotUtf8
                | Problem::DuplicateSpelling
                | Problem::Special
                | Problem::ServerRefuses => {}
            }
        }
        let mut codes = std::collections::BTreeSet::new();
        for p in Problem::ALL {
            listed(p);
            assert!(codes.insert(p.code()), "{} twice", p.code());
            assert_eq!(Problem::from_code(p.code()), Some(p));
            assert!(
                p.code()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{}",
                p.code()
            );
        }
        assert_eq!(Problem::from_code("ServerRefuses"), None);
    }

    fn p(s: &str) -> SyncPath {
        SyncPath::parse(s)
    }

    fn lfile(size: u64) -> LocalMeta {
        LocalMeta {
            kind: Kind::File,
            size,
            mtime_ns: 1,
            inode: size + 100,
        }
    }

    fn ldir() -> LocalMeta {
        LocalMeta {
            kind: Kind::Dir,
            size: 0,
            mtime_ns: 1,
            inode: 7,
        }
    }

    /// A permission string as Nextcloud sends it.
    fn perms(letters: &str) -> RemotePerms {
        RemotePerms {
            writable: letters.contains(['W', 'C', 'K']),
            deletable: letters.contains('D'),
        }
    }

    fn rdir(letters: Option<&str>, mount_root: bool) -> RemoteMeta {
        RemoteMeta {
            kind: Kind::Dir,
            etag: Some("\"d\"".into()),
            size: 0,
            mtime: None,
            file_id: None,
            perms: letters.map(perms),
            mount_root,
        }
    }

    fn rfile(size: u64, letters: Option<&str>) -> RemoteMeta {
        RemoteMeta {
            kind: Kind::File,
            etag: Some(format!("\"f{size}\"")),
            size,
            mtime: None,
            file_id: None,
            perms: letters.map(perms),
            mount_root: false,
        }
    }

    fn synced(l: &LocalMeta, r: &RemoteMeta) -> Synced {
        Synced {
            kind: l.kind,
            local: l.clone(),
            etag: r.etag.clone(),
            remote_size: r.size,
            remote_mtime: r.mtime,
            file_id: r.file_id.clone(),
            perms: r.perms,
            mount_root: r.mount_root,
        }
    }

    /// Both sides and the journal agree on `entries`.
    fn agreed(
        entries: &[(&str, LocalMeta, RemoteMeta)],
    ) -> (
        BTreeMap<SyncPath, LocalMeta>,
        BTreeMap<SyncPath, RemoteMeta>,
        BTreeMap<SyncPath, Synced>,
    ) {
        let mut l = BTreeMap::new();
        let mut r = BTreeMap::new();
        let mut j = BTreeMap::new();
        for (path, lm, rm) in entries {
            l.insert(p(path), lm.clone());
            r.insert(p(path), rm.clone());
            j.insert(p(path), synced(lm, rm));
        }
        (l, r, j)
    }

    #[test]
    fn emptying_a_side_asks_whatever_the_count() {
        let five: Vec<(String, LocalMeta, RemoteMeta)> = (1..=5)
            .map(|i| (format!("Docs/f{i}.txt"), lfile(i), rfile(i, None)))
            .collect();
        let mut entries: Vec<(&str, LocalMeta, RemoteMeta)> =
            vec![("Docs", ldir(), rdir(None, false))];
        entries.extend(
            five.iter()
                .map(|(n, l, r)| (n.as_str(), l.clone(), r.clone())),
        );
        let (l, r, j) = agreed(&entries);
        let opts = Options::default();
        // Every file gone from the server (a restored backup): all five
        // local deletions wait for the member.
        let mut emptied = r.clone();
        emptied.retain(|k, _| k.as_str() == "Docs");
        let asked = plan(&l, &emptied, &j, opts);
        assert_eq!(asked.deletes, 5);
        assert!(asked.mass_delete, "5 of 5 files deleted here");
        // Every file deleted here: the server's five wait too.
        let mut gone_here = l.clone();
        gone_here.retain(|k, _| k.as_str() == "Docs");
        assert!(plan_entries(&gone_here, &r, &j, opts).mass_delete);
        // Four of five: under the counts, and one file stays: no question.
        let mut four = r.clone();
        for i in 1..=4 {
            four.remove(&p(&format!("Docs/f{i}.txt")));
        }
        assert!(!plan(&l, &four, &j, opts).mass_delete);
        // All five gone from the server, but a new local file stays here.
        let mut with_new = l.clone();
        with_new.insert(p("Docs/nou.txt"), lfile(9));
        assert!(!plan(&with_new, &emptied, &j, opts).mass_delete);
        // A local name no system can hold is not synced: it does not keep
        // the folder from counting as emptied.
        let mut with_unportable = l.clone();
        with_unportable.insert(p("Docs/aux.txt"), lfile(8));
        let asked = plan(&with_unportable, &emptied, &j, opts);
        assert!(asked.mass_delete, "{:?}", asked.actions);
        // Nothing deleted: nothing to ask, even on an empty side.
        assert!(!plan(&BTreeMap::new(), &BTreeMap::new(), &BTreeMap::new(), opts).mass_delete);
    }

    #[test]
    fn a_new_local_file_in_a_read_only_share_is_reported_not_sent() {
        let (mut l, r, j) = agreed(&[("Llegir", ldir(), rdir(Some("SGDNV"), true))]);
        l.insert(p("Llegir/de-ana.txt"), lfile(5));
        let plan = plan(&l, &r, &j, Options::default());
        assert_eq!(
            plan.actions,
            vec![Action::Report {
                path: p("Llegir/de-ana.txt"),
                problem: Problem::ReadOnly
            }]
        );
    }

    #[test]
    fn a_local_edit_in_a_read_only_share_becomes_a_conflict_copy() {
        let (mut l, r, j) = agreed(&[
            ("Llegir", ldir(), rdir(Some("SGDNV"), true)),
            ("Llegir/normes.txt", lfile(5), rfile(5, None)),
        ]);
        l.insert(p("Llegir/normes.txt"), lfile(6));
        let plan = plan(&l, &r, &j, Options::default());
        assert_eq!(
            plan.actions,
            vec![
                Action::Conflict {
                    path: p("Llegir/normes.txt")
                },
                Action::Report {
                    path: p("Llegir/normes.txt"),
                    problem: Problem::ReadOnly
                }
            ]
        );
    }

    #[test]
    fn a_local_deletion_in_a_read_only_share_is_restored_not_sent() {
        // The share root's D is about unsharing; a DELETE inside gets 403
        // (recording 099).
        let (mut l, r, j) = agreed(&[
            ("Llegir", ldir(), rdir(Some("SGDNV"), true)),
            ("Llegir/normes.txt", lfile(5), rfile(5, None)),
            ("Llegir/sub", ldir(), rdir(None, false)),
        ]);
        l.remove(&p("Llegir/normes.txt"));
        l.remove(&p("Llegir/sub"));
        let plan = plan(&l, &r, &j, Options::default());
        assert_eq!(
            plan.actions,
            vec![
                Action::MkdirLocal(p("Llegir/sub")),
                Action::Download {
                    path: p("Llegir/normes.txt")
                }
            ]
        );
    }

    #[test]
    fn a_file_whose_own_permissions_forbid_deleting_is_restored() {
        let (mut l, r, j) = agreed(&[("a.txt", lfile(3), rfile(3, Some("RGNVW")))]);
        l.remove(&p("a.txt"));
        let plan = plan(&l, &r, &j, Options::default());
        assert_eq!(plan.actions, vec![Action::Download { path: p("a.txt") }]);
    }

    #[test]
    fn a_local_deletion_in_a_writable_share_is_carried_over() {
        let (mut l, r, j) = agreed(&[
            ("Equip", ldir(), rdir(Some("SRGDNVCK"), true)),
            ("Equip/vell.txt", lfile(4), rfile(4, Some("SRGDNVW"))),
        ]);
        l.remove(&p("Equip/vell.txt"));
        let plan = plan(&l, &r, &j, Options::default());
        assert_eq!(
            plan.actions,
            vec![Action::DeleteRemote {
                path: p("Equip/vell.txt"),
                if_match: Some("\"f4\"".into())
            }]
        );
    }

    #[test]
    fn a_share_root_removed_locally_is_put_back_with_its_content() {
        // Removing the share's folder locally must not empty the share on
        // the server: everything comes back, reported once.
        let (mut l, r, j) = agreed(&[
            ("Equip", ldir(), rdir(Some("SRGDNVCK"), true)),
            ("Equip/benvinguda.txt", lfile(4), rfile(4, Some("SRGDNVW"))),
            ("Equip/actes", ldir(), rdir(Some("SRGDNVCK"), false)),
            ("Equip/actes/gener.md", lfile(8), rfile(8, Some("SRGDNVW"))),
        ]);
        l.retain(|k, _| !k.starts_with(&p("Equip")));
        let plan = plan(&l, &r, &j, Options::default());
        assert!(
            plan.actions.iter().all(|a| !a.is_delete()),
            "{:?}",
            plan.actions
        );
        assert_eq!(
            plan.actions,
            vec![
                Action::MkdirLocal(p("Equip")),
                Action::MkdirLocal(p("Equip/actes")),
                Action::Download {
                    path: p("Equip/actes/gener.md")
                },
                Action::Download {
                    path: p("Equip/benvinguda.txt")
                },
                Action::Report {
                    path: p("Equip"),
                    problem: Problem::ShareRoot
                }
            ]
        );
        assert!(!plan.mass_delete);
    }

    #[test]
    fn a_folder_is_kept_for_content_that_sorts_after_a_sibling() {
        // `a-b.txt` sorts between `a` and `a/x.txt`: the folder must still
        // see that its content survives.
        let (mut l, mut r, j) = agreed(&[
            ("a", ldir(), rdir(None, false)),
            ("a/x.txt", lfile(1), rfile(1, None)),
            ("a-b.txt", lfile(2), rfile(2, None)),
        ]);
        // The server deleted the folder; the member edited the file in it.
        r.remove(&p("a"));
        r.remove(&p("a/x.txt"));
        l.insert(p("a/x.txt"), lfile(9));
        let plan = plan(&l, &r, &j, Options::default());
        assert_eq!(
            plan.actions,
            vec![
                Action::MkdirRemote(p("a")),
                Action::Upload {
                    path: p("a/x.txt"),
                    if_match: None
                }
            ]
        );
    }

    #[test]
    fn below_walks_only_what_is_inside() {
        let m: BTreeMap<SyncPath, ()> = ["a", "a-b.txt", "a.txt", "a/x", "a/y/z", "ab", "b"]
            .iter()
            .map(|k| (p(k), ()))
            .collect();
        let got: Vec<&str> = p("a").below(&m).map(|(k, _)| k.as_str()).collect();
        assert_eq!(got, ["a/x", "a/y/z"]);
        assert_eq!(SyncPath::root().below(&m).count(), 7);
    }

    #[test]
    fn a_file_renamed_here_is_moved_on_the_server() {
        let (mut l, r, j) = agreed(&[
            ("docs", ldir(), rdir(None, false)),
            ("docs/a.txt", lfile(3), rfile(3, None)),
        ]);
        let moved = l.remove(&p("docs/a.txt")).unwrap();
        l.insert(p("docs/b.txt"), moved);
        let plan = plan(&l, &r, &j, Options::default());
        assert_eq!(
            plan.actions,
            vec![Action::MoveRemote {
                from: p("docs/a.txt"),
                to: p("docs/b.txt")
            }]
        );
        assert_eq!(plan.deletes, 0);
    }

    #[test]
    fn a_folder_moved_into_a_new_folder_goes_after_it_is_made() {
        let (mut l, r, j) = agreed(&[
            ("docs", ldir(), rdir(None, false)),
            ("docs/a.txt", lfile(3), rfile(3, None)),
            (
                "docs/sub",
                LocalMeta { inode: 8, ..ldir() },
                rdir(None, false),
            ),
            ("docs/sub/b.txt", lfile(4), rfile(4, None)),
        ]);
        let moved: Vec<(SyncPath, LocalMeta)> = l
            .iter()
            .filter(|(k, _)| k.starts_with(&p("docs")))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in moved {
            l.remove(&k);
            l.insert(p(&k.as_str().replacen("docs", "arxiu/2026", 1)), v);
        }
        l.insert(
            p("arxiu"),
            LocalMeta {
                inode: 99,
                ..ldir()
            },
        );
        // And, inside the moved folder, a new file.
        l.insert(p("arxiu/2026/nou.txt"), lfile(5));
        let plan = plan(&l, &r, &j, Options::default());
        assert_eq!(
            plan.actions,
            vec![
                Action::MkdirRemote(p("arxiu")),
                Action::MoveRemote {
                    from: p("docs"),
                    to: p("arxiu/2026")
                },
                Action::Upload {
                    path: p("arxiu/2026/nou.txt"),
                    if_match: None
                },
            ]
        );
    }

    fn with_id(mut r: RemoteMeta, id: &str) -> RemoteMeta {
        r.file_id = Some(id.into());
        r
    }

    #[test]
    fn a_folder_moved_on_the_server_is_renamed_here_by_its_file_id() {
        let (l, mut r, mut j) = agreed(&[
            ("docs", ldir(), with_id(rdir(None, false), "10")),
            ("docs/a.txt", lfile(3), with_id(rfile(3, None), "11")),
            (
                "docs/sub",
                LocalMeta { inode: 8, ..ldir() },
                with_id(rdir(None, false), "12"),
            ),
            ("docs/sub/b.txt", lfile(4), with_id(rfile(4, None), "13")),
        ]);
        // Older versions recorded a PUT's instance form of the id.
        j.get_mut(&p("docs/a.txt")).unwrap().file_id = Some("00000011ocabc".into());
        let moved: Vec<(SyncPath, RemoteMeta)> = r
            .iter()
            .filter(|(k, _)| k.starts_with(&p("docs")))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in moved {
            r.remove(&k);
            r.insert(p(&k.as_str().replacen("docs", "arxiu/2026", 1)), v);
        }
        r.insert(p("arxiu"), with_id(rdir(None, false), "99"));
        let plan = plan(&l, &r, &j, Options::default());
        assert_eq!(
            plan.actions,
            vec![
                Action::MkdirLocal(p("arxiu")),
                Action::MoveLocal {
                    from: p("docs"),
                    to: p("arxiu/2026")
                },
            ]
        );
        assert_eq!(plan.deletes, 0);
    }

    #[test]
    fn a_server_move_of_a_file_edited_here_or_copied_there_is_not_a_move() {
        // Edited here meanwhile: fetched at the new place, the edit kept
        // at the old one (a deletion does not win over an edit).
        let (mut l, mut r, j) = agreed(&[("a.txt", lfile(3), with_id(rfile(3, None), "7"))]);
        l.get_mut(&p("a.txt")).unwrap().mtime_ns += 1;
        let m = r.remove(&p("a.txt")).unwrap();
        r.insert(p("b.txt"), m);
        let planned = plan(&l, &r, &j, Options::default());
        assert!(
            planned
                .actions
                .iter()
                .all(|a| !matches!(a, Action::MoveLocal { .. })),
            "{:?}",
            planned.actions
        );
        assert!(
            planned
                .actions
                .contains(&Action::Download { path: p("b.txt") })
        );
        // Two new entries with the old one's id: not a move either.
        let (l, mut r, j) = agreed(&[("a.txt", lfile(3), with_id(rfile(3, None), "7"))]);
        let m = r.remove(&p("a.txt")).unwrap();
        r.insert(p("b.txt"), m.clone());
        r.insert(p("c.txt"), m);
        let planned = plan(&l, &r, &j, Options::default());
        assert!(
            planned
                .actions
                .iter()
                .all(|a| !matches!(a, Action::MoveLocal { .. })),
            "{:?}",
            planned.actions
        );
    }

    #[test]
    fn what_changed_or_moved_twice_is_not_taken_for_a_move() {
        // Edited after the move (another time): sent again, old deleted.
        let (mut l, r, j) = agreed(&[("a.txt", lfile(3), rfile(3, None))]);
        let mut m = l.remove(&p("a.txt")).unwrap();
        m.mtime_ns += 1;
        l.insert(p("b.txt"), m);
        let pl = super::plan(&l, &r, &j, Options::default());
        assert!(
            !pl.actions
                .iter()
                .any(|a| matches!(a, Action::MoveRemote { .. }))
        );
        // Changed on the server meanwhile: not moved there.
        let (mut l, mut r, j) = agreed(&[("a.txt", lfile(3), rfile(3, None))]);
        let m = l.remove(&p("a.txt")).unwrap();
        l.insert(p("b.txt"), m);
        r.get_mut(&p("a.txt")).unwrap().etag = Some("\"edited\"".into());
        let pl = super::plan(&l, &r, &j, Options::default());
        assert!(
            !pl.actions
                .iter()
                .any(|a| matches!(a, Action::MoveRemote { .. })),
            "{:?}",
            pl.actions
        );
        // Two new names with the inode of one (hard links): no move.
        let (mut l, r, j) = agreed(&[("a.txt", lfile(3), rfile(3, None))]);
        let m = l.remove(&p("a.txt")).unwrap();
        l.insert(p("b.txt"), m.clone());
        l.insert(p("c.txt"), m);
        let pl = super::plan(&l, &r, &j, Options::default());
        assert!(
            !pl.actions
                .iter()
                .any(|a| matches!(a, Action::MoveRemote { .. }))
        );
    }
}
