//! The scan and the listing as the planner reads them.

use super::*;

/// The scan's entries as the planner reads them.
pub(super) struct LocalView<'a>(pub(super) &'a BTreeMap<SyncPath, scan::LocalEntry>);

impl plan::Entries<LocalMeta> for LocalView<'_> {
    fn get(&self, p: &SyncPath) -> Option<&LocalMeta> {
        self.0.get(p).map(|e| &e.meta)
    }

    fn paths(&self) -> impl Iterator<Item = &SyncPath> {
        self.0.keys()
    }

    fn below<'s>(&'s self, p: &SyncPath) -> impl Iterator<Item = (&'s SyncPath, &'s LocalMeta)>
    where
        LocalMeta: 's,
    {
        p.below(self.0).map(|(k, e)| (k, &e.meta))
    }

    fn entries<'s>(&'s self) -> impl Iterator<Item = (&'s SyncPath, &'s LocalMeta)>
    where
        LocalMeta: 's,
    {
        self.0.iter().map(|(k, e)| (k, &e.meta))
    }
}

/// The listing as the planner reads it: the root folder's own entry at
/// the root path, and nothing where the scan skipped a path here (a
/// symlink in the place of a server entry is not a deletion, nor a new
/// server entry to fetch).
pub(super) struct RemoteView<'a> {
    pub(super) entries: &'a BTreeMap<SyncPath, RemoteEntry>,
    pub(super) root: Option<&'a RemoteEntry>,
    pub(super) root_path: SyncPath,
    pub(super) skipped: &'a [SyncPath],
}

impl RemoteView<'_> {
    fn hidden(&self, p: &SyncPath) -> bool {
        self.skipped.iter().any(|s| p.starts_with(s))
    }
}

impl plan::Entries<plan::RemoteMeta> for RemoteView<'_> {
    fn get(&self, p: &SyncPath) -> Option<&plan::RemoteMeta> {
        if p.is_root() {
            return self.root.map(|r| &r.meta);
        }
        if self.hidden(p) {
            return None;
        }
        self.entries.get(p).map(|e| &e.meta)
    }

    fn paths(&self) -> impl Iterator<Item = &SyncPath> {
        self.root
            .map(|_| &self.root_path)
            .into_iter()
            .chain(self.entries.keys().filter(|p| !self.hidden(p)))
    }

    fn below<'s>(
        &'s self,
        p: &SyncPath,
    ) -> impl Iterator<Item = (&'s SyncPath, &'s plan::RemoteMeta)>
    where
        plan::RemoteMeta: 's,
    {
        p.below(self.entries)
            .filter(|(k, _)| !self.hidden(k))
            .map(|(k, e)| (k, &e.meta))
    }

    fn entries<'s>(&'s self) -> impl Iterator<Item = (&'s SyncPath, &'s plan::RemoteMeta)>
    where
        plan::RemoteMeta: 's,
    {
        self.root
            .map(|r| (&self.root_path, &r.meta))
            .into_iter()
            .chain(
                self.entries
                    .iter()
                    .filter(|(k, _)| !self.hidden(k))
                    .map(|(k, e)| (k, &e.meta)),
            )
    }
}
