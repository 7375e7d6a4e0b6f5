//! Waiting for the next pass: local changes (a `notify` watcher with a
//! debounce) or the polling interval, whichever comes first. Between the
//! two the engine sleeps: no CPU at idle.

use std::path::Path;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use crate::ignore::ENGINE_PREFIX;

/// Why the wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// Something changed in the local folder.
    LocalChange,
    /// The polling interval passed (look at the server, and rescan as a
    /// safety net).
    Poll,
}

/// Watches a local folder.
#[derive(Debug)]
pub struct LocalWatch {
    _watcher: notify::RecommendedWatcher,
    events: tokio::sync::mpsc::UnboundedReceiver<()>,
}

impl LocalWatch {
    /// Starts watching `root` recursively. Events on the engine's own
    /// temporary files are dropped.
    pub fn new(root: &Path) -> notify::Result<Self> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let mut watcher =
            notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
                if let Ok(ev) = res {
                    let ours = ev.paths.iter().all(|p| {
                        p.file_name()
                            .and_then(|n| n.to_str())
                            .is_some_and(|n| n.starts_with(ENGINE_PREFIX))
                    });
                    if !ours && !matches!(ev.kind, notify::EventKind::Access(_)) {
                        let _ = tx.send(());
                    }
                }
            })?;
        watcher.watch(root, RecursiveMode::Recursive)?;
        Ok(LocalWatch {
            _watcher: watcher,
            events: rx,
        })
    }

    /// Drops events that arrived while a pass ran (the pass saw them).
    pub fn drain(&mut self) {
        while self.events.try_recv().is_ok() {}
    }

    /// Waits for a local change (then `debounce` more without changes) or
    /// for `poll`, whichever comes first.
    pub async fn wait(&mut self, poll: Duration, debounce: Duration) -> Wake {
        tokio::select! {
            got = self.events.recv() => {
                if got.is_none() {
                    tokio::time::sleep(poll).await;
                    return Wake::Poll;
                }
                // Let a burst of writes settle.
                loop {
                    match tokio::time::timeout(debounce, self.events.recv()).await {
                        Ok(Some(())) => continue,
                        _ => return Wake::LocalChange,
                    }
                }
            }
            () = tokio::time::sleep(poll) => Wake::Poll,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_local_write_wakes_the_wait_and_engine_files_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = LocalWatch::new(dir.path()).unwrap();
        std::fs::write(
            dir.path().join(format!("{ENGINE_PREFIX}download-x")),
            b"tmp",
        )
        .unwrap();
        let r = w
            .wait(Duration::from_millis(400), Duration::from_millis(50))
            .await;
        assert_eq!(r, Wake::Poll, "the engine's own files do not wake it");
        let p = dir.path().join("nou.txt");
        let writer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            std::fs::write(p, b"hola").unwrap();
        });
        let r = w
            .wait(Duration::from_secs(20), Duration::from_millis(100))
            .await;
        writer.await.unwrap();
        assert_eq!(r, Wake::LocalChange);
    }
}
